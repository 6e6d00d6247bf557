//! The file store: one directory (mode 0700) holding `connections.json`, written atomically
//! with mode 0600, and a lock file; trigger states in `triggers/`, channels in `channels/`;
//! with an instance key, the wrapped data keys in `keys.json` (see `sealing`).
//!
//! A refresh holds an exclusive `flock` of `connections.lock` (released by the kernel if the
//! process dies) and re-reads the file under it, so whoever comes second finds the fresh
//! token. Reads take no lock: writes replace the file atomically.
//!
//! Every write of a secret holds a shared `flock` of `keys.lock` from reading the newest data
//! key until its file is in place; a rotation retires old keys only under the exclusive lock,
//! after checking again that no value is sealed under them, so no writer can seal a value
//! under a key that is being retired. Locks are always taken in one order (`rotation.lock`,
//! then a record's lock, then `keys.lock`), so no two holders wait for each other.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sealing::{
    self, DataKey, InstanceKey, Keyring, Owner, Rotation, SealingStatus, WrappedKey, needs_resealing,
};
use super::{ChannelHold, ConnectionHold, StateHold, Store, StoreError, StoredChannel, StoredConnection};
use crate::credentials::BoxFuture;

const STORE_FILE: &str = "connections.json";
const LOCK_FILE: &str = "connections.lock";
const KEYS_FILE: &str = "keys.json";
const KEYS_LOCK: &str = "keys.lock";
const ROTATION_LOCK: &str = "rotation.lock";
/// How many times a rotation re-seals and checks again before giving up: each pass only has
/// to catch writes that began before the new key existed, so a second pass is already rare.
const ROTATION_PASSES: usize = 5;
/// How often a waiting holder tries a lock again.
const LOCK_RETRY: Duration = Duration::from_millis(20);

/// `connections.json` as stored: each connection as JSON, its secrets sealed or plain.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    #[serde(default)]
    connections: BTreeMap<String, Value>,
}

/// `keys.json`: the data keys, wrapped under the instance key.
#[derive(Debug, Default, Serialize, Deserialize)]
struct KeysFile {
    #[serde(default)]
    data_keys: Vec<WrappedKey>,
    /// Set while a plain store is sealed for the first time, so a start that was interrupted
    /// is finished by the next one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sealing_plain: bool,
}

impl KeysFile {
    fn newest(&self) -> Option<&WrappedKey> {
        self.data_keys.iter().max_by_key(|k| k.id)
    }
}

/// The store in one directory.
#[derive(Debug, Clone)]
pub struct ConnectionStore {
    dir: PathBuf,
    /// The data keys, when the store was opened with an instance key.
    keyring: Option<Arc<Keyring>>,
}

/// Holds the cross-process lock until dropped.
struct FileLock(File);

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl ConnectionStore {
    /// The store in `dir`, without an instance key: it reads and writes plain secrets, and
    /// refuses (`KeyRequired`) to read or write any secret once the store is sealed.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            keyring: None,
        }
    }

    /// Opens the store in `dir` as a command does. With `key`: checks that it wraps the
    /// store's data keys, or (the first time) makes the first data key and seals every plain
    /// secret. Without: refuses a sealed store, and says whether it holds plain secrets.
    pub fn open(dir: impl Into<PathBuf>, key: Option<InstanceKey>) -> Result<Self, StoreError> {
        let mut store = Self::new(dir);
        let keys = store.read_keys()?;
        let Some(key) = key else {
            if keys.data_keys.is_empty() {
                return Ok(store);
            }
            return Err(StoreError::KeyRequired {
                location: store.location_text(),
            });
        };
        let keyring = Arc::new(Keyring::new(key));
        for wrapped in &keys.data_keys {
            keyring.learn(wrapped).map_err(|e| store.sealing(e))?;
        }
        store.keyring = Some(keyring);
        if keys.data_keys.is_empty() || keys.sealing_plain {
            store.seal_plain_store()?;
        }
        Ok(store)
    }

    fn location_text(&self) -> String {
        self.dir.display().to_string()
    }

    fn sealing(&self, error: sealing::SealError) -> StoreError {
        StoreError::Sealing {
            location: self.location_text(),
            source: error,
        }
    }

    fn keyring(&self) -> Result<&Arc<Keyring>, StoreError> {
        self.keyring.as_ref().ok_or_else(|| StoreError::KeyRequired {
            location: self.location_text(),
        })
    }

    fn read_keys(&self) -> Result<KeysFile, StoreError> {
        Ok(self.read_json(&self.dir.join(KEYS_FILE))?.unwrap_or_default())
    }

    /// The JSON document in the file at `path`, if there is one.
    fn read_json<T: serde::de::DeserializeOwned>(&self, path: &Path) -> Result<Option<T>, StoreError> {
        self.read_text(path)?
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| StoreError::Damaged {
                    path: path.to_owned(),
                    message: e.to_string(),
                })
            })
            .transpose()
    }

    fn write_keys(&self, keys: &KeysFile) -> Result<(), StoreError> {
        self.create_dir()?;
        let path = self.dir.join(KEYS_FILE);
        let bytes = serde_json::to_vec_pretty(keys).map_err(|e| StoreError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        crate::private_file::write_atomically(&path, &bytes).map_err(|e| self.io("written", e))
    }

    /// Takes `keys.lock` (shared or exclusive), blocking.
    fn lock_keys(&self, exclusive: bool) -> Result<FileLock, StoreError> {
        let file = self.lock_file(&self.dir.join(KEYS_LOCK))?;
        if exclusive { file.lock() } else { file.lock_shared() }.map_err(|e| self.io("locked", e))?;
        Ok(FileLock(file))
    }

    /// The data key new secrets are sealed under (`None`: the store is not sealed), with the
    /// shared lock of `keys.lock` the caller keeps until its write is in place.
    fn sealing_key(&self) -> Result<(Option<Arc<DataKey>>, FileLock), StoreError> {
        let lock = self.lock_keys(false)?;
        let keys = self.read_keys()?;
        let key = match (keys.newest(), &self.keyring) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(StoreError::KeyRequired {
                    location: self.location_text(),
                });
            }
            (Some(newest), Some(keyring)) => Some(keyring.learn(newest).map_err(|e| self.sealing(e))?),
        };
        Ok((key, lock))
    }

    /// `record` with its secrets sealed under `key` (left plain when the store is not sealed).
    fn seal(&self, mut record: Value, owner: Owner<'_>, key: Option<&DataKey>) -> Result<Value, StoreError> {
        if let Some(key) = key {
            sealing::seal_record(&mut record, owner, key).map_err(|e| self.sealing(e))?;
        }
        Ok(record)
    }

    /// `record` with its secrets opened, reading `keys.json` only for a data key this
    /// process has not unwrapped yet (one a rotation made since).
    fn unseal(&self, mut record: Value, owner: Owner<'_>) -> Result<Value, StoreError> {
        if !sealing::is_sealed(&record, owner) {
            return Ok(record);
        }
        let keyring = self.keyring()?;
        let stored = if keyring.knows_keys_of(&record, owner) {
            Vec::new()
        } else {
            self.read_keys()?.data_keys
        };
        keyring.open(&mut record, owner, &stored).map_err(|e| self.sealing(e))?;
        Ok(record)
    }

    fn open_connection(&self, name: &str, record: Value) -> Result<StoredConnection, StoreError> {
        let record = self.unseal(record, Owner::Connection(name))?;
        serde_json::from_value(record).map_err(|e| StoreError::Damaged {
            path: self.path(),
            message: format!("connection {name:?}: {e}"),
        })
    }

    fn seal_connection(
        &self,
        name: &str,
        connection: &StoredConnection,
        key: Option<&DataKey>,
    ) -> Result<Value, StoreError> {
        let record = serde_json::to_value(connection).map_err(|e| StoreError::Damaged {
            path: self.path(),
            message: e.to_string(),
        })?;
        self.seal(record, Owner::Connection(name), key)
    }

    /// Every channel key with a file in `channels/`.
    fn channel_keys(&self) -> Result<Vec<String>, StoreError> {
        let folder = self.dir.join("channels");
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io("read", e)),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let name = entry.map_err(|e| self.io("read", e))?.file_name();
            let name = name.to_string_lossy();
            if let Some(encoded) = name.strip_suffix(".json")
                && !encoded.starts_with('.')
            {
                keys.push(
                    percent_encoding::percent_decode_str(encoded)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// The stored channel document of `key`, its secrets as stored (sealed or plain).
    fn read_channel_record(&self, key: &str) -> Result<Option<Value>, StoreError> {
        self.read_json(&self.keyed("channels", key, "json"))
    }

    fn write_channel_record(&self, key: &str, record: &Value) -> Result<(), StoreError> {
        let path = self.keyed("channels", key, "json");
        let bytes = serde_json::to_vec(record).map_err(|e| StoreError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        crate::private_file::write_atomically(&path, &bytes).map_err(|e| self.io("written", e))
    }

    /// Re-seals, under `target`, every secret of the connections and channels that `pick`
    /// chooses, each file under its own lock and replaced atomically. Returns how many
    /// records it re-sealed.
    fn reseal_where(&self, target: &DataKey, pick: &dyn Fn(&Value, Owner<'_>) -> bool) -> Result<usize, StoreError> {
        let keyring = self.keyring()?;
        let stored = self.read_keys()?.data_keys;
        let mut resealed = 0;
        {
            let _lock = self.lock()?;
            let mut file = self.read()?;
            let mut changed = false;
            for (name, record) in &mut file.connections {
                let owner = Owner::Connection(name);
                if pick(record, owner) {
                    sealing::reseal(record, owner, keyring, &stored, target).map_err(|e| self.sealing(e))?;
                    changed = true;
                    resealed += 1;
                }
            }
            if changed {
                self.write(&file)?;
            }
        }
        for key in self.channel_keys()? {
            let _lock = self.lock_path(&self.keyed("channels", &key, "lock"))?;
            let Some(mut stored_channel) = self.read_channel_record(&key)? else {
                continue;
            };
            let owner = Owner::Channel(&key);
            let Some(document) = stored_channel.get_mut("channel") else {
                continue;
            };
            if pick(document, owner) {
                sealing::reseal(document, owner, keyring, &stored, target).map_err(|e| self.sealing(e))?;
                self.write_channel_record(&key, &stored_channel)?;
                resealed += 1;
            }
        }
        Ok(resealed)
    }

    /// Seals every plain secret (the first start with a key, or one that was interrupted):
    /// the first data key is recorded before any value is sealed under it, and the store is
    /// marked done only once every file is replaced.
    fn seal_plain_store(&self) -> Result<(), StoreError> {
        let keyring = self.keyring()?;
        let target = {
            let _lock = self.lock_keys(true)?;
            let mut keys = self.read_keys()?;
            let newest = match keys.newest() {
                Some(newest) => keyring.learn(newest).map_err(|e| self.sealing(e))?,
                None => {
                    let (key, wrapped) = keyring.instance().new_data_key(1).map_err(|e| self.sealing(e))?;
                    keys.data_keys.push(wrapped);
                    keys.sealing_plain = true;
                    self.write_keys(&keys)?;
                    keyring.keep(key)
                }
            };
            if !keys.sealing_plain {
                return Ok(());
            }
            newest
        };
        self.reseal_where(&target, &|record, owner| sealing::plain_fields(record, owner) > 0)?;
        let _lock = self.lock_keys(true)?;
        let mut keys = self.read_keys()?;
        keys.sealing_plain = false;
        self.write_keys(&keys)
    }

    /// Counts what is sealed under which key, and what is plain.
    pub fn sealing_status(&self) -> Result<SealingStatus, StoreError> {
        let keys = self.read_keys()?;
        let mut status = SealingStatus {
            store: self.location_text(),
            instance_key: keys.newest().map(|k| k.instance_key.clone()),
            ..SealingStatus::default()
        };
        let mut ids: Vec<u32> = keys.data_keys.iter().map(|k| k.id).collect();
        ids.sort_unstable();
        status.data_keys = ids
            .into_iter()
            .map(|id| sealing::DataKeyUse { id, values: 0 })
            .collect();
        for (name, record) in &self.read()?.connections {
            status.count(record, Owner::Connection(name));
        }
        for key in self.channel_keys()? {
            if let Some(stored) = self.read_channel_record(&key)?
                && let Some(document) = stored.get("channel")
            {
                status.count(document, Owner::Channel(&key));
            }
        }
        Ok(status)
    }

    /// Makes a new data key and re-seals every secret under it, then retires the old keys
    /// (or finishes a rotation an earlier run left). Other processes keep working meanwhile.
    pub fn rotate_data_key(&self) -> Result<Rotation, StoreError> {
        let keyring = self.keyring()?;
        let Some(_rotating) = self.try_lock(&self.dir.join(ROTATION_LOCK))? else {
            return Err(StoreError::Busy(format!(
                "another rotation of the store at {} is running",
                self.location_text()
            )));
        };
        let (target, resumed) = {
            let _lock = self.lock_keys(true)?;
            let mut keys = self.read_keys()?;
            let newest = keys.newest().cloned().ok_or_else(|| StoreError::KeyRequired {
                location: self.location_text(),
            })?;
            if keys.data_keys.len() > 1 {
                (keyring.learn(&newest).map_err(|e| self.sealing(e))?, true)
            } else {
                let (key, wrapped) = keyring
                    .instance()
                    .new_data_key(newest.id + 1)
                    .map_err(|e| self.sealing(e))?;
                keys.data_keys.push(wrapped);
                self.write_keys(&keys)?;
                (keyring.keep(key), false)
            }
        };
        let target_id = target.id();
        let stale = move |record: &Value, owner: Owner<'_>| needs_resealing(record, owner, target_id);
        let mut resealed = 0;
        for _ in 0..ROTATION_PASSES {
            resealed += self.reseal_where(&target, &stale)?;
            let _lock = self.lock_keys(true)?;
            let status = self.sealing_status()?;
            let left = status.plain_values
                + status
                    .data_keys
                    .iter()
                    .filter(|k| k.id != target_id)
                    .map(|k| k.values)
                    .sum::<usize>();
            if left > 0 {
                continue;
            }
            let mut keys = self.read_keys()?;
            let retired: Vec<u32> = keys
                .data_keys
                .iter()
                .map(|k| k.id)
                .filter(|id| *id != target_id)
                .collect();
            keys.data_keys.retain(|k| k.id == target_id);
            self.write_keys(&keys)?;
            return Ok(Rotation {
                data_key: target_id,
                resealed,
                retired,
                resumed,
            });
        }
        Err(StoreError::Busy(format!(
            "values kept being written under the old data key of {} during {ROTATION_PASSES} passes; run the rotation again",
            self.location_text()
        )))
    }

    /// Re-wraps every data key under `new` (no value changes). Processes still running with
    /// the old instance key keep the keys they unwrapped, but need `new` to start again.
    pub fn rewrap_data_keys(&self, new: &InstanceKey) -> Result<usize, StoreError> {
        let keyring = self.keyring()?;
        let Some(_rotating) = self.try_lock(&self.dir.join(ROTATION_LOCK))? else {
            return Err(StoreError::Busy(format!(
                "another rotation of the store at {} is running",
                self.location_text()
            )));
        };
        let _lock = self.lock_keys(true)?;
        let mut keys = self.read_keys()?;
        let rewrapped = keys
            .data_keys
            .iter()
            .map(|wrapped| keyring.instance().rewrap(wrapped, new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sealing(e))?;
        keys.data_keys = rewrapped;
        self.write_keys(&keys)?;
        Ok(keys.data_keys.len())
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
        self.lock_path(&self.dir.join(LOCK_FILE))
    }

    /// Takes the exclusive lock at `path`, blocking until it is free.
    fn lock_path(&self, path: &Path) -> Result<FileLock, StoreError> {
        let file = self.lock_file(path)?;
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
        let Some(mut record) = self.read_channel_record(key)? else {
            return Ok(None);
        };
        if let Some(document) = record.get_mut("channel") {
            *document = self.unseal(document.take(), Owner::Channel(key))?;
        }
        serde_json::from_value(record)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                path: self.keyed("channels", key, "json"),
                message: e.to_string(),
            })
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
        self.read()?
            .connections
            .into_iter()
            .map(|(name, record)| {
                let connection = self.open_connection(&name, record)?;
                Ok((name, connection))
            })
            .collect()
    }

    /// One connection: only its own secrets are opened.
    pub fn get(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        self.read()?
            .connections
            .remove(name)
            .map(|record| self.open_connection(name, record))
            .transpose()
    }

    /// Adds or replaces a connection.
    pub fn put(&self, name: &str, connection: StoredConnection) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let (key, _keys_lock) = self.sealing_key()?;
        let mut file = self.read()?;
        let record = self.seal_connection(name, &connection, key.as_deref())?;
        file.connections.insert(name.to_owned(), record);
        self.write(&file)
    }

    /// Removes a connection; returns it.
    pub fn remove(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let Some(record) = file.connections.remove(name) else {
            return Ok(None);
        };
        // Opened before it is gone, so a store opened without its key removes nothing.
        let removed = self.open_connection(name, record)?;
        self.write(&file)?;
        Ok(Some(removed))
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
            let owned = name.to_owned();
            let (file, connection) = self
                .blocking(move |store| {
                    let file = store.read()?;
                    let connection = file
                        .connections
                        .get(&owned)
                        .map(|record| store.open_connection(&owned, record.clone()))
                        .transpose()?;
                    Ok((file, connection))
                })
                .await?;
            Ok(Box::new(FileConnectionHold {
                store: self.clone(),
                name: name.to_owned(),
                file,
                connection,
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
                key: key.to_owned(),
                channel,
                lock,
            }) as Box<dyn ChannelHold>)
        })
    }
    fn sealing_status(&self) -> BoxFuture<'_, Result<SealingStatus, StoreError>> {
        Box::pin(self.blocking(ConnectionStore::sealing_status))
    }

    fn rotate_data_key(&self) -> BoxFuture<'_, Result<Rotation, StoreError>> {
        Box::pin(self.blocking(ConnectionStore::rotate_data_key))
    }

    fn rewrap_data_keys<'a>(&'a self, new: &'a InstanceKey) -> BoxFuture<'a, Result<usize, StoreError>> {
        let new = new.clone();
        Box::pin(self.blocking(move |store| store.rewrap_data_keys(&new)))
    }
}

/// A connection held under the store's lock, with the whole file as read under it (the
/// other connections' records kept as stored) and the held one opened.
struct FileConnectionHold {
    store: ConnectionStore,
    name: String,
    file: StoreFile,
    connection: Option<StoredConnection>,
    lock: FileLock,
}

impl ConnectionHold for FileConnectionHold {
    fn connection(&mut self) -> Option<&mut StoredConnection> {
        self.connection.as_mut()
    }

    fn save(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        let FileConnectionHold {
            store,
            name,
            mut file,
            connection,
            lock,
        } = *self;
        Box::pin(async move {
            let written = store
                .blocking(move |store| {
                    let Some(connection) = connection else {
                        return Ok(());
                    };
                    let (key, _keys_lock) = store.sealing_key()?;
                    let record = store.seal_connection(&name, &connection, key.as_deref())?;
                    file.connections.insert(name, record);
                    store.write(&file)
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
    key: String,
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
            key,
            channel: held,
            lock,
        } = *self;
        let stored = StoredChannel {
            channel,
            version: held.map_or(1, |c| c.version + 1),
        };
        Box::pin(async move {
            let document = stored.channel.clone();
            let version = stored.version;
            let written = store
                .blocking(move |store| {
                    let (data_key, _keys_lock) = store.sealing_key()?;
                    let sealed = store.seal(document, Owner::Channel(&key), data_key.as_deref())?;
                    store.write_channel_record(&key, &serde_json::json!({"channel": sealed, "version": version}))
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
