//! `store`: the store's sealed secrets. `init-key` makes an instance key, `status` shows what is
//! sealed under which data key (never a secret), `rotate-key` re-seals every secret under a new
//! data key or, with `--instance-key`, re-wraps the data keys under a new instance key.

use clap::{Args, Subcommand};
use serde_json::json;
use zoho_host::store::InstanceKey;

use super::common::Failure;
use super::context::Context;

#[derive(Debug, Subcommand)]
pub(super) enum StoreCommand {
    /// Print a new instance key (32 random bytes, base64) once. Keep it apart from the store,
    /// give it to every worker as ZOHO_HARNESS_KEY (or --key-file): the next command that
    /// opens the store with it seals every secret already there.
    InitKey,
    /// Show how many secrets are sealed, under which data key ids, and how many are still
    /// plain. No secret is shown.
    Status,
    /// Make a new data key and re-seal every secret under it, in batches, while other workers
    /// keep running; then retire the old key. A rotation that was interrupted goes on where it
    /// stopped when run again.
    RotateKey(RotateKeyArgs),
}

#[derive(Debug, Args)]
pub(super) struct RotateKeyArgs {
    /// Re-wrap the data keys under this new instance key instead (the key as `init-key`
    /// prints it, or @FILE to read it from a file, which keeps it out of the process list).
    /// Every worker then needs the new key to start.
    #[arg(long, value_name = "KEY|@FILE")]
    instance_key: Option<String>,
}

pub(super) async fn run(command: StoreCommand, cx: Context<'_>) -> Result<i32, Failure> {
    match command {
        StoreCommand::InitKey => {
            let (key, text) = InstanceKey::generate()?;
            writeln!(cx.stdout, "{}", text.as_str())?;
            writeln!(
                cx.stderr,
                "zoho-harness: a new instance key (id {}) is printed above and nowhere else. Keep it apart from the store and back it up: sealed secrets cannot be read without it.",
                key.id()
            )?;
            Ok(0)
        }
        StoreCommand::Status => {
            let store = cx.loader.store(cx.env).await?;
            let status = store.sealing_status().await?;
            writeln!(cx.stdout, "{}", serde_json::to_string_pretty(&status)?)?;
            Ok(0)
        }
        StoreCommand::RotateKey(args) => {
            if cx.loader.store.instance_key(cx.env)?.is_none() {
                return Err(Failure(
                    "rotate-key needs the store's instance key: set ZOHO_HARNESS_KEY or pass --key-file".into(),
                ));
            }
            let store = cx.loader.store(cx.env).await?;
            match args.instance_key {
                Some(text) => {
                    let new = read_instance_key(&text)?;
                    let count = store.rewrap_data_keys(&new).await?;
                    let document = json!({"dataKeys": count, "instanceKey": new.id()});
                    writeln!(cx.stdout, "{}", serde_json::to_string_pretty(&document)?)?;
                }
                None => {
                    let rotation = store.rotate_data_key().await?;
                    writeln!(cx.stdout, "{}", serde_json::to_string_pretty(&rotation)?)?;
                }
            }
            Ok(0)
        }
    }
}

/// `--instance-key`: the key's text, or @FILE. The text is never repeated in an error.
fn read_instance_key(text: &str) -> Result<InstanceKey, Failure> {
    match text.strip_prefix('@') {
        Some(path) => zoho_host::store::read_instance_key(std::path::Path::new(path))
            .map_err(|e| Failure(format!("--instance-key: {e}"))),
        None => InstanceKey::parse(text).map_err(|e| Failure(format!("--instance-key: {e}"))),
    }
}
