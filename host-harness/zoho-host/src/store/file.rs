//! The file store: one directory (mode 0700) holding `connections.json`, written atomically
//! with mode 0600, and a lock file; trigger states in `triggers/`, channels in `channels/`.
//!
//! A refresh holds an exclusive `flock` of `connections.lock` (released by the kernel if the
//! process dies) and re-reads the file under it, so whoever comes second finds the fresh
//! token. Reads take no lock: writes replace the file atomically.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ChannelHold, ConnectionHold, StateHold, Store, StoreError, StoredChannel, StoredConnection};
use crate::credentials::BoxFuture;

const STORE_FILE: &str = "connections.json";
const LOCK_FILE: &str = "connections.lock";
/// How often a waiting holder tries a lock again.
const LOCK_RETRY: Duration = Duration::from_millis(20);

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    #[serde(default)]
    connections: BTreeMap<String, StoredConnection>,
}

/// The store in one directory.
#[derive(Debug, Clone)]
pub struct ConnectionStore {
    dir: PathBuf,
}

/// Holds the cross-process lock until dropped.
struct FileLock(File);

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl ConnectionStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    fn io(&self, action: &'static str, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path(),
            action,
            source,
        }
    }

    fn create_dir(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io("created", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }

    /// Takes the store's exclusive cross-process lock, blocking until it is free (the
    /// synchronous `put` and `remove`; a refresh waits for it without blocking, in `hold`).
    fn lock(&self) -> Result<FileLock, StoreError> {
        let file = self.lock_file(&self.dir.join(LOCK_FILE))?;
        file.lock().map_err(|e| self.io("locked", e))?;
        Ok(FileLock(file))
    }

    /// Tries the lock file at `path` once, without waiting: `None` while another process
    /// holds it.
    fn try_lock(&self, path: &Path) -> Result<Option<FileLock>, StoreError> {
        let file = self.lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FileLock(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(self.io("locked", e)),
        }
    }

    /// Tries the lock at `path` every few milliseconds for at most `wait`, off the async
    /// runtime. A holder keeps it for one token request or one renewal, each bounded by its
    /// client, so a lock held longer belongs to a process that is stuck.
    async fn lock_within(&self, path: PathBuf, wait: Duration) -> Result<FileLock, StoreError> {
        let started = std::time::Instant::now();
        loop {
            let try_path = path.clone();
            if let Some(lock) = self.blocking(move |store| store.try_lock(&try_path)).await? {
                return Ok(lock);
            }
            if started.elapsed() >= wait {
                return Err(StoreError::Busy(format!(
                    "another process has held the lock {} for {} s",
                    path.display(),
                    wait.as_secs()
                )));
            }
            tokio::time::sleep(LOCK_RETRY).await;
        }
    }

    fn lock_file(&self, path: &Path) -> Result<File, StoreError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| self.io("created", e))?;
        }
        self.create_dir()?;
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(path).map_err(|e| self.io("locked", e))
    }

    /// Runs a file operation on tokio's blocking threads, off the async runtime.
    async fn blocking<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&ConnectionStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || operation(&store))
            .await
            .map_err(|e| self.io("used", std::io::Error::other(e.to_string())))?
    }

    /// The file of `key` in `folder` (`triggers`, `channels`): any text is a valid key.
    fn keyed(&self, folder: &str, key: &str, extension: &str) -> PathBuf {
        let name = percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC);
        self.dir.join(folder).join(format!("{name}.{extension}"))
    }

    fn read_text(&self, path: &Path) -> Result<Option<String>, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io("read", e)),
        }
    }

    fn read_channel(&self, key: &str) -> Result<Option<StoredChannel>, StoreError> {
        let path = self.keyed("channels", key, "json");
        self.read_text(&path)?
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| StoreError::Damaged {
                    path: path.clone(),
                    message: e.to_string(),
                })
            })
            .transpose()
    }

    fn read(&self) -> Result<StoreFile, StoreError> {
        match std::fs::read(self.path()) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Damaged {
                path: self.path(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile::default()),
            Err(e) => Err(self.io("read", e)),
        }
    }

    /// Writes the whole store to a temporary file (mode 0600) and renames it into place, so
    /// a reader never sees half a file and the secrets are never world-readable.
    fn write(&self, file: &StoreFile) -> Result<(), StoreError> {
        self.create_dir()?;
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| StoreError::Damaged {
            path: self.path(),
            message: e.to_string(),
        })?;
        crate::private_file::write_atomically(&self.path(), &bytes).map_err(|e| self.io("written", e))
    }

    /// Every connection, by name. Reads take no lock: writes replace the file atomically, so
    /// a reader sees the old store or the new one, never a mix (and never blocks on a refresh).
    pub fn list(&self) -> Result<BTreeMap<String, StoredConnection>, StoreError> {
        Ok(self.read()?.connections)
    }

    pub fn get(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        Ok(self.list()?.remove(name))
    }

    /// Adds or replaces a connection.
    pub fn put(&self, name: &str, connection: StoredConnection) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        file.connections.insert(name.to_owned(), connection);
        self.write(&file)
    }

    /// Removes a connection; returns it.
    pub fn remove(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let removed = file.connections.remove(name);
        if removed.is_some() {
            self.write(&file)?;
        }
        Ok(removed)
    }
}

impl Store for ConnectionStore {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn list(&self) -> BoxFuture<'_, Result<BTreeMap<String, StoredConnection>, StoreError>> {
        Box::pin(self.blocking(ConnectionStore::list))
    }

    fn get<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>> {
        let name = name.to_owned();
        Box::pin(self.blocking(move |store| store.get(&name)))
    }

    fn put<'a>(&'a self, name: &'a str, connection: StoredConnection) -> BoxFuture<'a, Result<(), StoreError>> {
        let name = name.to_owned();
        Box::pin(self.blocking(move |store| store.put(&name, connection)))
    }

    fn remove<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>> {
        let name = name.to_owned();
        Box::pin(self.blocking(move |store| store.remove(&name)))
    }

    fn hold<'a>(&'a self, name: &'a str, wait: Duration) -> BoxFuture<'a, Result<Box<dyn ConnectionHold>, StoreError>> {
        Box::pin(async move {
            let lock = self.lock_within(self.dir.join(LOCK_FILE), wait).await?;
            let file = self.blocking(ConnectionStore::read).await?;
            Ok(Box::new(FileConnectionHold {
                store: self.clone(),
                name: name.to_owned(),
                file,
                lock,
            }) as Box<dyn ConnectionHold>)
        })
    }

    fn take_state<'a>(
        &'a self,
        key: &'a str,
        _lease: Duration,
    ) -> BoxFuture<'a, Result<Option<Box<dyn StateHold>>, StoreError>> {
        // The kernel drops a dead process's flock at once, so the lease is not needed here.
        Box::pin(async move {
            let lock_path = self.keyed("triggers", key, "lock");
            let Some(lock) = self.blocking(move |store| store.try_lock(&lock_path)).await? else {
                return Ok(None);
            };
            let path = self.keyed("triggers", key, "state");
            let read_path = path.clone();
            let state = self.blocking(move |store| store.read_text(&read_path)).await?;
            Ok(Some(Box::new(FileStateHold {
                store: self.clone(),
                path,
                state: state.map(|s| s.trim().to_owned()),
                lock,
            }) as Box<dyn StateHold>))
        })
    }

    fn channel<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredChannel>, StoreError>> {
        let key = key.to_owned();
        Box::pin(self.blocking(move |store| store.read_channel(&key)))
    }

    fn hold_channel<'a>(
        &'a self,
        key: &'a str,
        wait: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn ChannelHold>, StoreError>> {
        Box::pin(async move {
            let lock = self.lock_within(self.keyed("channels", key, "lock"), wait).await?;
            let owned = key.to_owned();
            let channel = self.blocking(move |store| store.read_channel(&owned)).await?;
            Ok(Box::new(FileChannelHold {
                store: self.clone(),
                path: self.keyed("channels", key, "json"),
                channel,
                lock,
            }) as Box<dyn ChannelHold>)
        })
    }
}

/// A connection held under the store's lock, with the whole file as read under it.
struct FileConnectionHold {
    store: ConnectionStore,
    name: String,
    file: StoreFile,
    lock: FileLock,
}

impl ConnectionHold for FileConnectionHold {
    fn connection(&mut self) -> Option<&mut StoredConnection> {
        self.file.connections.get_mut(&self.name)
    }

    fn save(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        let FileConnectionHold { store, file, lock, .. } = *self;
        Box::pin(async move {
            let written = store.blocking(move |store| store.write(&file)).await;
            drop(lock);
            written
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        drop(self);
        Box::pin(async {})
    }
}

/// A trigger's state under its lock file.
struct FileStateHold {
    store: ConnectionStore,
    path: PathBuf,
    state: Option<String>,
    lock: FileLock,
}

impl StateHold for FileStateHold {
    fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    fn advance(self: Box<Self>, state: String) -> BoxFuture<'static, Result<(), StoreError>> {
        let FileStateHold { store, path, lock, .. } = *self;
        Box::pin(async move {
            let written = store
                .blocking(move |store| {
                    crate::private_file::write_atomically(&path, format!("{state}\n").as_bytes())
                        .map_err(|e| store.io("written", e))
                })
                .await;
            drop(lock);
            written
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        drop(self);
        Box::pin(async {})
    }
}

/// A channel under its lock file.
struct FileChannelHold {
    store: ConnectionStore,
    path: PathBuf,
    channel: Option<StoredChannel>,
    lock: FileLock,
}

impl ChannelHold for FileChannelHold {
    fn channel(&self) -> Option<&StoredChannel> {
        self.channel.as_ref()
    }

    fn save(self: Box<Self>, channel: serde_json::Value) -> BoxFuture<'static, Result<StoredChannel, StoreError>> {
        let FileChannelHold {
            store,
            path,
            channel: held,
            lock,
        } = *self;
        let stored = StoredChannel {
            channel,
            version: held.map_or(1, |c| c.version + 1),
        };
        Box::pin(async move {
            let bytes = serde_json::to_vec(&stored).map_err(|e| StoreError::Damaged {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let written = store
                .blocking(move |store| {
                    crate::private_file::write_atomically(&path, &bytes).map_err(|e| store.io("written", e))
                })
                .await;
            drop(lock);
            written.map(|()| stored)
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        drop(self);
        Box::pin(async {})
    }
}
