//! The `zoho-harness` command line, on the `zoho-host` library: one module per subcommand in
//! [`cli`]. Embedders use `zoho-host` directly; this crate adds clap, CSV and ZIP files, the
//! `listen` server and the sandbox's fake.

pub mod cli;
