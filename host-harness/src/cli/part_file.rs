//! The part file and checkpoint that `export` and `bulk-read` write as they go: records land
//! in `FILE.part`, and `FILE.part.json` says how many bytes of it are complete, so a resumed
//! run cuts the part back to that length and goes on from the position it names.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::common::Failure;

/// `path` with `suffix` appended to its file name (`out.csv` -> `out.csv.part`).
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Replaces the checkpoint atomically (mode 0600).
pub(super) fn save(path: &Path, checkpoint: &impl Serialize) -> Result<(), Failure> {
    let bytes = serde_json::to_vec(checkpoint)?;
    zoho_host::private_file::write_atomically(path, &bytes)
        .map_err(|e| Failure(format!("could not write the checkpoint {}: {e}", path.display())))
}

/// A checkpoint: its format version, and the length of the part file it vouches for.
pub(super) trait Checkpointed: DeserializeOwned {
    /// The version this build writes.
    const VERSION: u32;
    fn version(&self) -> u32;
    fn bytes(&self) -> u64;
}

/// Resumes an interrupted run: its checkpoint (refused when of another version, or when
/// `mismatch` says it belongs to another run, and why), and the part file cut back to what the
/// checkpoint counts.
pub(super) fn resume<T: Checkpointed>(
    part: &Path,
    checkpoint_path: &Path,
    mismatch: impl FnOnce(&T) -> Option<String>,
) -> Result<(File, T), Failure> {
    let checkpoint: T = read(checkpoint_path)?;
    if checkpoint.version() != T::VERSION {
        return Err(Failure(format!(
            "the checkpoint {} was written by another version; start again without --resume",
            checkpoint_path.display()
        )));
    }
    if let Some(other) = mismatch(&checkpoint) {
        return Err(Failure(format!(
            "the checkpoint {} is for another export ({other}); resume with the same arguments, or start \
             again without --resume",
            checkpoint_path.display()
        )));
    }
    let file = cut_back(part, checkpoint.bytes())?;
    Ok((file, checkpoint))
}

fn read<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure(format!("nothing to resume: {} could not be read ({e})", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Failure(format!("the checkpoint {} is damaged: {e}", path.display())))
}

/// Opens the part file to resume, cut back to the `bytes` its checkpoint counts: anything
/// written after the checkpoint is dropped, to be fetched again.
fn cut_back(part: &Path, bytes: u64) -> Result<File, Failure> {
    let mut file = OpenOptions::new()
        .write(true)
        .open(part)
        .map_err(|e| Failure(format!("could not open {} to resume: {e}", part.display())))?;
    let length = file.metadata()?.len();
    if length < bytes {
        return Err(Failure(format!(
            "{} is shorter than its checkpoint says; start again without --resume",
            part.display()
        )));
    }
    file.set_len(bytes)?;
    file.seek(SeekFrom::Start(bytes))?;
    Ok(file)
}

/// Syncs the finished part file and gives it its final name; the checkpoint goes.
pub(super) fn finish(file: File, part: &Path, output: &Path, checkpoint: &Path) -> Result<(), Failure> {
    file.sync_all()
        .map_err(|e| Failure(format!("could not sync {}: {e}", part.display())))?;
    drop(file);
    std::fs::rename(part, output).map_err(|e| {
        Failure(format!(
            "the export is complete in {} but could not be renamed to {}: {e}",
            part.display(),
            output.display()
        ))
    })?;
    let _ = std::fs::remove_file(checkpoint);
    Ok(())
}

/// Tells the user where an interrupted run stopped: after `records` records, which the part
/// file keeps and `--resume` goes on from (ending the progress line first).
pub(super) fn say_stopped(records: u64, progress: bool, stderr: &mut dyn Write) -> Result<(), Failure> {
    if progress {
        writeln!(stderr)?;
    }
    writeln!(
        stderr,
        "zoho-harness: the export stopped after {records} records; `--resume` goes on from there"
    )?;
    Ok(())
}
