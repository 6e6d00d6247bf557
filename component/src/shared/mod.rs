//! The core both products share: the error model, the host the component runs on, the
//! session that runs request plans (credentials, retries, logging), request plans and Zoho's envelopes and errors, action
//! inputs and their validation (with the inputs every action and trigger shares), the two
//! products, cursors, dates and the memory guards.

pub(crate) mod archive;
pub(crate) mod choices;
pub(crate) mod common_inputs;
pub(crate) mod cursor;
pub(crate) mod download;
pub(crate) mod error;
pub(crate) mod exchange_log;
pub(crate) mod host;
pub(crate) mod inputs;
pub(crate) mod memory;
pub(crate) mod output_schema;
pub(crate) mod plan;
pub(crate) mod product;
pub(crate) mod retry;
pub(crate) mod session;
pub(crate) mod time;
pub(crate) mod validate;
pub(crate) mod wire;
pub(crate) mod zoho;
