//! A private PostgreSQL server, started by the tests themselves: a fresh cluster from
//! `initdb` in a temporary folder, served by `pg_ctl` on a free 127.0.0.1 port with password
//! authentication, stopped and removed on drop. Nothing is mocked: it is the server Debian's
//! `postgresql` package installs.
//!
//! PostgreSQL refuses to run as root, so under root (CI containers) the server runs as the
//! `postgres` user the package creates.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The database user the tests connect as.
pub const USER: &str = "zoho";

/// One running server.
#[derive(Debug)]
pub struct PgServer {
    bin: PathBuf,
    folder: PathBuf,
    port: u16,
    password: String,
    run_as: Option<&'static str>,
}

impl PgServer {
    /// Initialises and starts a new cluster. Errors say what is missing (the package, the
    /// `postgres` user) rather than panicking, so callers can report it.
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir()?;
        let run_as = is_root().then_some("postgres");
        static SERIAL: AtomicU32 = AtomicU32::new(0);
        let folder = std::env::temp_dir().join(format!(
            "zoho-pg-{}-{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).map_err(|e| format!("could not create {}: {e}", folder.display()))?;
        // fsync=off is safe here: `stop` (immediate) kills the server, not the machine, so
        // the kernel still has every write; every commit is in the WAL before it returns.
        // A password of this run's own, so a test can prove it never reaches an output.
        let password = format!("pw-{}-{:x}", std::process::id(), nanos());
        std::fs::write(folder.join("pwfile"), &password).map_err(|e| e.to_string())?;
        if let Some(user) = run_as {
            run(Command::new("chown").args(["-R", user]).arg(&folder))?;
        }
        let port = free_port()?;
        let server = Self {
            bin,
            folder,
            port,
            password,
            run_as,
        };
        server.pg(
            "initdb",
            &[
                "-D",
                &server.data().display().to_string(),
                "-U",
                USER,
                "--auth=scram-sha-256",
                &format!("--pwfile={}", server.folder.join("pwfile").display()),
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        server.start_again()?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.folder.join("data")
    }

    /// `postgres://zoho:PASSWORD@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://{USER}:{}@127.0.0.1:{}/postgres", self.password, self.port)
    }

    /// The password, for tests that check it never leaks.
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts the (stopped) server again on the same port.
    pub fn start_again(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            self.port,
            self.folder.display()
        );
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-o",
                &options,
                "-l",
                &self.folder.join("server.log").display().to_string(),
                "-w",
                "start",
            ],
        )
    }

    /// Stops the server at once (`immediate`: no checkpoint, every session cut off).
    pub fn stop(&self) -> Result<(), String> {
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
    }

    /// Stops and starts again: every session and every lock is gone.
    pub fn restart(&self) -> Result<(), String> {
        self.stop()?;
        self.start_again()
    }

    /// Runs SQL through `psql` and returns its unaligned output, for tests that look inside.
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        let output = Command::new(self.bin.join("psql"))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .arg(self.url())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not run psql: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// The whole database as `pg_dump` writes it (schema and rows), as a backup would hold it,
    /// without the `\restrict` lines pg_dump fills with a random token each run, so two dumps
    /// of the same data are equal.
    pub fn dump(&self) -> Result<String, String> {
        let output = Command::new(self.bin.join("pg_dump"))
            .arg(format!("--dbname={}", self.url()))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not run pg_dump: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter(|line| !line.starts_with("\\restrict ") && !line.starts_with("\\unrestrict "))
                .map(|line| format!("{line}\n"))
                .collect())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    fn pg(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut command = match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&path);
                command
            }
            None => Command::new(&path),
        };
        command.args(args).current_dir(&self.folder);
        run(&mut command)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The server programs: `PG_BIN`, else the newest `/usr/lib/postgresql/*/bin` (Debian keeps
/// `initdb` and `pg_ctl` there, off the PATH).
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|_| "PostgreSQL is not installed (no /usr/lib/postgresql): apt-get install postgresql".to_owned())?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin: apt-get install postgresql".to_owned())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_starts_answers_restarts_and_is_removed() {
        let server = PgServer::start().expect("PostgreSQL starts (apt-get install postgresql)");
        assert_eq!(server.psql("SELECT 40 + 2").expect("answers").trim(), "42");
        server.restart().expect("restarts");
        assert_eq!(server.psql("SELECT 1").expect("answers again").trim(), "1");
        let folder = server.folder.clone();
        drop(server);
        assert!(!folder.exists(), "the cluster's folder is removed");
    }
}
