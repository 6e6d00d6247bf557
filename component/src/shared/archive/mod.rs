//! Zoho's bulk files: ZIP archives holding one CSV. Reading them a bounded chunk at a time
//! (deflate that stops and resumes at block boundaries, the ZIP entry's header and trailer, CSV rows as records) and
//! writing the ZIP an upload needs.

pub(crate) mod chunks;
pub(crate) mod deflate_checkpoints;
pub(crate) mod zip;
