//! Zoho's bulk files: ZIP archives holding one CSV. Reading them a bounded chunk at a time
//! (a resumable deflate decoder, the ZIP entry's header and trailer, CSV rows as records) and
//! writing the ZIP an upload needs.

pub(crate) mod chunks;
pub(crate) mod inflate;
pub(crate) mod zip;
