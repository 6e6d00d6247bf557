//! Files that hold secrets or state a host must not lose: written to a temporary file with
//! mode 0600 beside the target, synced, then renamed over it, so a reader never sees half a
//! file and nothing is ever world-readable.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes` atomically (temporary file + rename), mode 0600 on Unix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = OpenOptions::new();
    options.create(true).truncate(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut out| {
        out.write_all(bytes)?;
        out.sync_all()
    });
    if let Err(error) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    Ok(())
}
