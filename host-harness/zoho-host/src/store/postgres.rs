//! The PostgreSQL store, for workers on several machines sharing connections, trigger states
//! and channels. The harness creates and migrates its own tables (versioned in
//! `zoho_harness_schema`, one migration at a time under an advisory lock, so workers starting
//! together do not race).
//!
//! Every exclusive hold is a lock PostgreSQL itself holds for an open transaction: a row lock
//! (`SELECT ... FOR UPDATE`) for a connection's refresh, a transaction-scoped advisory lock
//! for a trigger key or a channel. A holder that dies, loses its connection or sees the server
//! restart leaves no lock behind: PostgreSQL ends the transaction with the session. A holder
//! that hangs is cut off by `idle_in_transaction_session_timeout`. Waiting is bounded by
//! `lock_timeout`, and every statement by a client-side deadline, so a dropped connection is
//! an error, never a hang.
//!
//! Sealed secrets (see `sealing`): the data keys live in `zoho_data_keys`, wrapped under the
//! instance key. Every write of a secret reads the newest data key `FOR SHARE` in its own
//! transaction, and a rotation retires old keys only after locking them `FOR UPDATE` (which
//! waits for those writers) and finding no value left under them; so no value is ever sealed
//! under a key that is gone.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::sealing::{
    self, DataKey, DataKeyUse, InstanceKey, Keyring, Owner, Rotation, SealingStatus, WrappedKey, needs_resealing,
};
use super::{ChannelHold, ConnectionHold, StateHold, Store, StoreError, StoredChannel, StoredConnection};
use crate::credentials::BoxFuture;

/// Connections a process keeps to the database. Holds keep one each for their length, so this
/// bounds a process's concurrent refreshes and polls (others wait for a free one).
const POOL_SIZE: usize = 16;
/// The longest any single statement or connection attempt may take before it is an error.
const STATEMENT_DEADLINE: Duration = Duration::from_secs(30);
/// How long a refresh may keep a connection's row locked: the OAuth client's bound (30 s)
/// with room to spare. Past it PostgreSQL ends the holder's session.
const REFRESH_HOLD_LIMIT: Duration = Duration::from_secs(60);
/// How long a channel renewal may hold its key.
const CHANNEL_HOLD_LIMIT: Duration = Duration::from_secs(60);
/// The advisory lock key under which migrations run (any fixed number; "zoho" in ASCII).
const MIGRATION_LOCK: i64 = 0x7a6f_686f;
/// The advisory lock a first sealing and a rotation hold, so only one runs at a time ("zoho
/// key" in ASCII).
const KEYS_LOCK: i64 = 0x7a6f_686f_206b_6579;
/// Records a rotation re-seals per transaction: short enough that a refresh waiting for one of
/// its rows waits little, long enough that 10,000 connections take a few dozen transactions.
const ROTATION_BATCH: i64 = 500;
/// How many times a rotation re-seals and checks again before giving up (see the file store).
const ROTATION_PASSES: usize = 5;

/// The schema, one migration per version; a released migration is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: connections, trigger states and channels.
    "CREATE TABLE zoho_connections (
        name text PRIMARY KEY,
        connection jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE zoho_trigger_states (
        key text PRIMARY KEY,
        state text NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE zoho_channels (
        key text PRIMARY KEY,
        channel jsonb NOT NULL,
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );",
    // 2: data keys, wrapped under the operator's instance key (sealed secrets).
    "CREATE TABLE zoho_data_keys (
        id integer PRIMARY KEY,
        wrapped text NOT NULL,
        instance_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    );",
];

/// Connections, trigger states and channels in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// `postgres://user@host:port/database`, never with the password.
    location: String,
    /// The data keys, when the store was opened with an instance key.
    keyring: Option<Arc<Keyring>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects without an instance key: plain secrets are read and written, and a sealed
    /// store is refused (`KeyRequired`). See [`PostgresStore::open`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(url, None).await
    }

    /// Connects to the database `url` names (`postgres://user:password@host:port/database`,
    /// any libpq option such as `sslmode=require` or `host=/run/postgresql`) and brings its
    /// schema up to date. With `key`: checks that it wraps the stored data keys, or (the first
    /// time) makes the first data key and seals every plain secret in one transaction.
    /// Without: refuses a store that holds sealed secrets.
    pub async fn open(url: &str, key: Option<InstanceKey>) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|_| StoreError::Database {
            location: "the PostgreSQL URL".into(),
            // The parser's message can quote the URL, password included: not repeated here.
            message: "it is not a valid PostgreSQL connection URL".into(),
        })?;
        let location = describe(&config);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // A server that vanishes without closing the connection is noticed within a minute.
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        let tls = crate::pool::mozilla_tls().map_err(|e| StoreError::Database {
            location: location.clone(),
            message: format!("TLS could not be set up: {e}"),
        })?;
        let manager = Manager::from_config(
            config,
            tokio_postgres_rustls::MakeRustlsConnect::new(tls),
            ManagerConfig {
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(STATEMENT_DEADLINE))
            .wait_timeout(Some(REFRESH_HOLD_LIMIT))
            .build()
            .map_err(|e| StoreError::Database {
                location: location.clone(),
                message: e.to_string(),
            })?;
        let mut store = Self {
            pool,
            location,
            keyring: None,
        };
        store.migrate().await?;
        let stored = store.data_keys(&*store.client().await?).await?;
        let Some(key) = key else {
            if stored.is_empty() {
                return Ok(store);
            }
            return Err(StoreError::KeyRequired {
                location: store.location.clone(),
            });
        };
        let keyring = Arc::new(Keyring::new(key));
        for wrapped in &stored {
            keyring.learn(wrapped).map_err(|e| store.sealing(e))?;
        }
        store.keyring = Some(keyring);
        if stored.is_empty() {
            store.seal_plain_store().await?;
        }
        Ok(store)
    }

    /// The schema version this harness brings a database to.
    pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

    fn failed(&self, error: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            location: self.location.clone(),
            message: error.to_string(),
        }
    }

    /// Runs `operation` within the statement deadline.
    async fn bounded<T>(
        &self,
        operation: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(STATEMENT_DEADLINE, operation).await {
            Ok(result) => result.map_err(|e| self.failed(describe_error(&e))),
            Err(_) => Err(self.failed(format!(
                "no answer within {} s (is the server reachable?)",
                STATEMENT_DEADLINE.as_secs()
            ))),
        }
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(error) => self.failed(describe_error(&error)),
            other => self.failed(other),
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = self.bounded(client.transaction()).await?;
        self.bounded(transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]))
            .await?;
        self.bounded(
            transaction.batch_execute("CREATE TABLE IF NOT EXISTS zoho_harness_schema (version integer NOT NULL)"),
        )
        .await?;
        let row = self
            .bounded(transaction.query_one("SELECT coalesce(max(version), 0) FROM zoho_harness_schema", &[]))
            .await?;
        let found: i32 = row.get(0);
        if found > Self::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                location: self.location.clone(),
                found,
                known: Self::SCHEMA_VERSION,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
            let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
            self.bounded(transaction.batch_execute(migration)).await?;
            self.bounded(transaction.execute("INSERT INTO zoho_harness_schema (version) VALUES ($1)", &[&version]))
                .await?;
        }
        self.bounded(transaction.commit()).await
    }

    /// Starts a transaction on a connection of its own that ends the session's locks if it
    /// idles past `limit`.
    async fn begin(&self, limit: Duration) -> Result<Object, StoreError> {
        let client = self.client().await?;
        self.bounded(client.batch_execute(&format!(
            "BEGIN; SET LOCAL idle_in_transaction_session_timeout = {}",
            limit.as_millis()
        )))
        .await?;
        Ok(client)
    }

    fn sealing(&self, error: sealing::SealError) -> StoreError {
        StoreError::Sealing {
            location: self.location.clone(),
            source: error,
        }
    }

    fn keyring(&self) -> Result<&Arc<Keyring>, StoreError> {
        self.keyring.as_ref().ok_or_else(|| StoreError::KeyRequired {
            location: self.location.clone(),
        })
    }

    /// Every stored data key, oldest first.
    async fn data_keys(&self, client: &tokio_postgres::Client) -> Result<Vec<WrappedKey>, StoreError> {
        let rows = self
            .bounded(client.query("SELECT id, wrapped, instance_key FROM zoho_data_keys ORDER BY id", &[]))
            .await?;
        Ok(rows.iter().map(wrapped_key).collect())
    }

    /// The data key new secrets are sealed under (`None`: the store is not sealed), read
    /// `FOR SHARE` in the writer's transaction so a rotation cannot retire it before the write
    /// commits.
    async fn sealing_key(&self, client: &tokio_postgres::Client) -> Result<Option<Arc<DataKey>>, StoreError> {
        let row = self
            .bounded(client.query_opt(
                "SELECT id, wrapped, instance_key FROM zoho_data_keys ORDER BY id DESC LIMIT 1 FOR SHARE",
                &[],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let keyring = self.keyring()?;
        keyring.learn(&wrapped_key(&row)).map(Some).map_err(|e| self.sealing(e))
    }

    /// `record` with its secrets opened, reading from the database only the data keys this
    /// process has not unwrapped yet (ones a rotation made since).
    async fn unseal(
        &self,
        client: &tokio_postgres::Client,
        mut record: Value,
        owner: Owner<'_>,
    ) -> Result<Value, StoreError> {
        if !sealing::is_sealed(&record, owner) {
            return Ok(record);
        }
        let keyring = self.keyring()?;
        let stored = if keyring.knows_keys_of(&record, owner) {
            Vec::new()
        } else {
            self.data_keys(client).await?
        };
        keyring.open(&mut record, owner, &stored).map_err(|e| self.sealing(e))?;
        Ok(record)
    }

    async fn decode_connection(
        &self,
        client: &tokio_postgres::Client,
        name: &str,
        value: Value,
    ) -> Result<StoredConnection, StoreError> {
        let value = self.unseal(client, value, Owner::Connection(name)).await?;
        serde_json::from_value(value)
            .map_err(|e| self.failed(format!("the stored connection {name:?} is damaged: {e}")))
    }

    fn encode_connection(
        &self,
        name: &str,
        connection: &StoredConnection,
        key: Option<&DataKey>,
    ) -> Result<Value, StoreError> {
        let mut value = serde_json::to_value(connection).map_err(|e| self.failed(e))?;
        if let Some(key) = key {
            sealing::seal_record(&mut value, Owner::Connection(name), key).map_err(|e| self.sealing(e))?;
        }
        Ok(value)
    }

    async fn decode_channel(
        &self,
        client: &tokio_postgres::Client,
        key: &str,
        channel: Value,
        version: i64,
    ) -> Result<StoredChannel, StoreError> {
        Ok(StoredChannel {
            channel: self.unseal(client, channel, Owner::Channel(key)).await?,
            version: u64::try_from(version).unwrap_or(0),
        })
    }

    /// Seals every plain secret the first time the store is opened with a key, in one
    /// transaction with the first data key: another worker starting at once waits, then finds
    /// the key made.
    async fn seal_plain_store(&self) -> Result<(), StoreError> {
        let keyring = self.keyring()?;
        let transaction = Transaction {
            client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
            store: self.clone(),
        };
        let client = transaction.client()?;
        self.bounded(client.execute("SELECT pg_advisory_xact_lock($1)", &[&KEYS_LOCK]))
            .await?;
        let stored = self.data_keys(client).await?;
        if !stored.is_empty() {
            for wrapped in &stored {
                keyring.learn(wrapped).map_err(|e| self.sealing(e))?;
            }
            return transaction.finish("COMMIT").await;
        }
        let (key, wrapped) = keyring.instance().new_data_key(1).map_err(|e| self.sealing(e))?;
        let key = keyring.keep(key);
        insert_key(self, client, &wrapped).await?;
        for table in [Table::Connections, Table::Channels] {
            let rows = self
                .bounded(client.query(&table.select_all(" FOR UPDATE"), &[]))
                .await?;
            for row in rows {
                let (name, mut record): (String, Value) = (row.get(0), row.get(1));
                if sealing::plain_fields(&record, table.owner(&name)) > 0 {
                    sealing::seal_record(&mut record, table.owner(&name), &key).map_err(|e| self.sealing(e))?;
                    self.bounded(client.execute(&table.update(), &[&name, &record])).await?;
                }
            }
        }
        transaction.finish("COMMIT").await
    }

    /// Counts what is sealed under which key, and what is plain.
    pub async fn sealing_status(&self) -> Result<SealingStatus, StoreError> {
        let client = self.client().await?;
        let keys = self.data_keys(&client).await?;
        let mut status = SealingStatus {
            store: self.location.clone(),
            instance_key: keys.last().map(|k| k.instance_key.clone()),
            data_keys: keys.iter().map(|k| DataKeyUse { id: k.id, values: 0 }).collect(),
            ..SealingStatus::default()
        };
        for row in self
            .bounded(client.query("SELECT name, connection FROM zoho_connections", &[]))
            .await?
        {
            status.count(&row.get::<_, Value>(1), Owner::Connection(&row.get::<_, String>(0)));
        }
        for row in self
            .bounded(client.query("SELECT key, channel FROM zoho_channels", &[]))
            .await?
        {
            status.count(&row.get::<_, Value>(1), Owner::Channel(&row.get::<_, String>(0)));
        }
        Ok(status)
    }

    /// Makes a new data key and re-seals every secret under it in batches, then retires the
    /// old keys (or finishes a rotation an earlier run left). Workers keep refreshing and
    /// polling meanwhile: a batch waits for a held connection like any refresh does.
    pub async fn rotate_data_key(&self) -> Result<Rotation, StoreError> {
        let keyring = self.keyring()?;
        let session = self.rotation_session().await?;
        let outcome = async {
            let (target, resumed) = self.rotation_target(keyring).await?;
            let mut resealed = 0;
            for _ in 0..ROTATION_PASSES {
                resealed += self.reseal_batches(keyring, &target, Table::Connections).await?;
                resealed += self.reseal_batches(keyring, &target, Table::Channels).await?;
                if let Some(retired) = self.retire_old_keys(target.id()).await? {
                    return Ok(Rotation {
                        data_key: target.id(),
                        resealed,
                        retired,
                        resumed,
                    });
                }
            }
            Err(StoreError::Busy(format!(
                "values kept being written under the old data key of {} during {ROTATION_PASSES} passes; run the rotation again",
                self.location
            )))
        }
        .await;
        self.end_rotation_session(session, outcome.is_ok()).await;
        outcome
    }

    /// Re-wraps every data key under `new` in one transaction (no value changes). Processes
    /// still running with the old instance key keep the keys they unwrapped, but need `new`
    /// to start again.
    pub async fn rewrap_data_keys(&self, new: &InstanceKey) -> Result<usize, StoreError> {
        let keyring = self.keyring()?;
        let session = self.rotation_session().await?;
        let outcome = async {
            let transaction = Transaction {
                client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
                store: self.clone(),
            };
            let client = transaction.client()?;
            let rows = self
                .bounded(client.query(
                    "SELECT id, wrapped, instance_key FROM zoho_data_keys ORDER BY id FOR UPDATE",
                    &[],
                ))
                .await?;
            let count = rows.len();
            for row in &rows {
                let rewrapped = keyring
                    .instance()
                    .rewrap(&wrapped_key(row), new)
                    .map_err(|e| self.sealing(e))?;
                let id = i32::try_from(rewrapped.id).unwrap_or(i32::MAX);
                self.bounded(client.execute(
                    "UPDATE zoho_data_keys SET wrapped = $2, instance_key = $3 WHERE id = $1",
                    &[&id, &rewrapped.wrapped, &rewrapped.instance_key],
                ))
                .await?;
            }
            transaction.finish("COMMIT").await?;
            Ok(count)
        }
        .await;
        self.end_rotation_session(session, outcome.is_ok()).await;
        outcome
    }

    /// A connection holding the session-level lock that lets one rotation run at a time; it
    /// ends with the session if the rotating process dies.
    async fn rotation_session(&self) -> Result<Object, StoreError> {
        let session = self.client().await?;
        let taken: bool = self
            .bounded(session.query_one("SELECT pg_try_advisory_lock($1)", &[&KEYS_LOCK]))
            .await?
            .get(0);
        if !taken {
            return Err(StoreError::Busy(format!(
                "another rotation of the store at {} is running",
                self.location
            )));
        }
        Ok(session)
    }

    async fn end_rotation_session(&self, session: Object, clean: bool) {
        let unlocked = clean
            && self
                .bounded(session.execute("SELECT pg_advisory_unlock($1)", &[&KEYS_LOCK]))
                .await
                .is_ok();
        if !unlocked {
            // Closing the session lets go of its lock whatever state it is in.
            drop(Object::take(session));
        }
    }

    /// The data key a rotation seals under: a new one, or the newest when an earlier rotation
    /// stopped before retiring the others (`true`).
    async fn rotation_target(&self, keyring: &Keyring) -> Result<(Arc<DataKey>, bool), StoreError> {
        let transaction = Transaction {
            client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
            store: self.clone(),
        };
        let client = transaction.client()?;
        let keys = self.data_keys(client).await?;
        let newest = keys.last().cloned().ok_or_else(|| StoreError::KeyRequired {
            location: self.location.clone(),
        })?;
        if keys.len() > 1 {
            transaction.finish("COMMIT").await?;
            return Ok((keyring.learn(&newest).map_err(|e| self.sealing(e))?, true));
        }
        let (key, wrapped) = keyring
            .instance()
            .new_data_key(newest.id + 1)
            .map_err(|e| self.sealing(e))?;
        insert_key(self, client, &wrapped).await?;
        transaction.finish("COMMIT").await?;
        Ok((keyring.keep(key), false))
    }

    /// Re-seals under `target`, `ROTATION_BATCH` rows per transaction in key order, every row
    /// of `table` with a secret that is plain or under another key. Returns how many.
    async fn reseal_batches(&self, keyring: &Keyring, target: &DataKey, table: Table) -> Result<usize, StoreError> {
        let (name, value, table_name) = table.columns();
        let select =
            format!("SELECT {name}, {value} FROM {table_name} WHERE {name} > $1 ORDER BY {name} LIMIT $2 FOR UPDATE");
        let mut after = String::new();
        let mut resealed = 0;
        loop {
            let transaction = Transaction {
                client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
                store: self.clone(),
            };
            let client = transaction.client()?;
            let rows = self.bounded(client.query(&select, &[&after, &ROTATION_BATCH])).await?;
            let Some(last) = rows.last() else {
                transaction.roll_back().await;
                return Ok(resealed);
            };
            after = last.get(0);
            let stored = self.data_keys(client).await?;
            for row in &rows {
                let (key, mut record): (String, Value) = (row.get(0), row.get(1));
                if needs_resealing(&record, table.owner(&key), target.id()) {
                    sealing::reseal(&mut record, table.owner(&key), keyring, &stored, target)
                        .map_err(|e| self.sealing(e))?;
                    self.bounded(client.execute(&table.update(), &[&key, &record])).await?;
                    resealed += 1;
                }
            }
            transaction.finish("COMMIT").await?;
        }
    }

    /// Deletes every data key but `target` once no value is sealed under them: the keys are
    /// locked first, which waits for writers that read one of them as the newest. `None`:
    /// values are still left under an old key (written meanwhile), so another pass is due.
    async fn retire_old_keys(&self, target: u32) -> Result<Option<Vec<u32>>, StoreError> {
        let transaction = Transaction {
            client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
            store: self.clone(),
        };
        let client = transaction.client()?;
        let target_id = i32::try_from(target).unwrap_or(i32::MAX);
        self.bounded(client.query("SELECT id FROM zoho_data_keys WHERE id <> $1 FOR UPDATE", &[&target_id]))
            .await?;
        let left = self
            .bounded(client.query("SELECT name, connection FROM zoho_connections", &[]))
            .await?
            .iter()
            .any(|row| {
                needs_resealing(
                    &row.get::<_, Value>(1),
                    Owner::Connection(&row.get::<_, String>(0)),
                    target,
                )
            })
            || self
                .bounded(client.query("SELECT key, channel FROM zoho_channels", &[]))
                .await?
                .iter()
                .any(|row| {
                    needs_resealing(
                        &row.get::<_, Value>(1),
                        Owner::Channel(&row.get::<_, String>(0)),
                        target,
                    )
                });
        if left {
            transaction.roll_back().await;
            return Ok(None);
        }
        let retired = self
            .bounded(client.query("DELETE FROM zoho_data_keys WHERE id <> $1 RETURNING id", &[&target_id]))
            .await?
            .iter()
            .map(|row| u32::try_from(row.get::<_, i32>(0)).unwrap_or(0))
            .collect();
        transaction.finish("COMMIT").await?;
        Ok(Some(retired))
    }
}

/// The two tables that hold secrets: each row a name and a JSON record.
#[derive(Debug, Clone, Copy)]
enum Table {
    Connections,
    Channels,
}

impl Table {
    /// (name column, record column, table).
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Table::Connections => ("name", "connection", "zoho_connections"),
            Table::Channels => ("key", "channel", "zoho_channels"),
        }
    }

    fn owner(self, name: &str) -> Owner<'_> {
        match self {
            Table::Connections => Owner::Connection(name),
            Table::Channels => Owner::Channel(name),
        }
    }

    fn select_all(self, lock: &str) -> String {
        let (name, value, table) = self.columns();
        format!("SELECT {name}, {value} FROM {table}{lock}")
    }

    fn update(self) -> String {
        let (name, value, table) = self.columns();
        format!("UPDATE {table} SET {value} = $2, updated_at = now() WHERE {name} = $1")
    }
}

fn wrapped_key(row: &tokio_postgres::Row) -> WrappedKey {
    WrappedKey {
        id: u32::try_from(row.get::<_, i32>(0)).unwrap_or(0),
        wrapped: row.get(1),
        instance_key: row.get(2),
    }
}

async fn insert_key(
    store: &PostgresStore,
    client: &tokio_postgres::Client,
    wrapped: &WrappedKey,
) -> Result<(), StoreError> {
    let id = i32::try_from(wrapped.id).unwrap_or(i32::MAX);
    store
        .bounded(client.execute(
            "INSERT INTO zoho_data_keys (id, wrapped, instance_key) VALUES ($1, $2, $3)",
            &[&id, &wrapped.wrapped, &wrapped.instance_key],
        ))
        .await?;
    Ok(())
}

/// `postgres://user@host:port/database`: where the store is, without the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or_default(),
        config.get_dbname().unwrap_or_default()
    )
}

/// The server's own message when there is one (`tokio_postgres::Error`'s Display says only
/// "db error"), else the driver's.
fn describe_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

/// A 64-bit advisory lock key for `kind` and `key`, from SHA-256 so distinct keys do not
/// share a lock by accident.
fn lock_key(kind: &str, key: &str) -> i64 {
    let digest = Sha256::digest(format!("{kind}\0{key}").as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Whether PostgreSQL gave up waiting for a lock (`lock_timeout`).
fn is_lock_timeout(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
}

/// An open transaction on a connection taken out of the pool's hands until it ends. Dropped
/// while still open (a cancelled call), its connection is closed rather than returned, which
/// makes PostgreSQL roll back and let go of every lock at once.
struct Transaction {
    client: Option<Object>,
    store: PostgresStore,
}

impl Transaction {
    /// The transaction's connection; gone only once `finish` has ended it.
    fn client(&self) -> Result<&Object, StoreError> {
        self.client
            .as_ref()
            .ok_or_else(|| self.store.failed("the transaction has already ended"))
    }

    async fn finish(mut self, statement: &'static str) -> Result<(), StoreError> {
        let Some(client) = self.client.take() else {
            return Ok(());
        };
        let result = self.store.bounded(client.batch_execute(statement)).await;
        if result.is_err() {
            // The session's state is unknown: do not give it back to the pool.
            drop(Object::take(client));
        }
        result
    }

    /// Runs `statement` in the transaction and commits: how a hold that ends with a write ends.
    async fn write_and_commit(self, statement: &str, params: &[&(dyn ToSql + Sync)]) -> Result<(), StoreError> {
        let store = self.store.clone();
        store.bounded(self.client()?.execute(statement, params)).await?;
        self.finish("COMMIT").await
    }

    /// Ends the transaction with nothing written; its locks go with it.
    async fn roll_back(self) {
        let _ = self.finish("ROLLBACK").await;
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            drop(Object::take(client));
        }
    }
}

impl Store for PostgresStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn list(&self) -> BoxFuture<'_, Result<BTreeMap<String, StoredConnection>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = self
                .bounded(client.query("SELECT name, connection FROM zoho_connections ORDER BY name", &[]))
                .await?;
            let mut connections = BTreeMap::new();
            for row in rows {
                let name: String = row.get(0);
                let connection = self.decode_connection(&client, &name, row.get(1)).await?;
                connections.insert(name, connection);
            }
            Ok(connections)
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = self
                .bounded(client.query_opt("SELECT connection FROM zoho_connections WHERE name = $1", &[&name]))
                .await?;
            match row {
                Some(row) => Ok(Some(self.decode_connection(&client, name, row.get(0)).await?)),
                None => Ok(None),
            }
        })
    }

    fn put<'a>(&'a self, name: &'a str, connection: StoredConnection) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let transaction = Transaction {
                client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
                store: self.clone(),
            };
            let key = self.sealing_key(transaction.client()?).await?;
            let value = self.encode_connection(name, &connection, key.as_deref())?;
            transaction
                .write_and_commit(
                    "INSERT INTO zoho_connections (name, connection) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET connection = EXCLUDED.connection, updated_at = now()",
                    &[&name, &value],
                )
                .await
        })
    }

    fn remove<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>> {
        Box::pin(async move {
            let transaction = Transaction {
                client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
                store: self.clone(),
            };
            let client = transaction.client()?;
            let row = self
                .bounded(client.query_opt(
                    "SELECT connection FROM zoho_connections WHERE name = $1 FOR UPDATE",
                    &[&name],
                ))
                .await?;
            let Some(row) = row else {
                transaction.roll_back().await;
                return Ok(None);
            };
            // Opened before it is deleted: a connection that does not open is left in place.
            let removed = self.decode_connection(client, name, row.get(0)).await?;
            transaction
                .write_and_commit("DELETE FROM zoho_connections WHERE name = $1", &[&name])
                .await?;
            Ok(Some(removed))
        })
    }

    fn hold<'a>(&'a self, name: &'a str, wait: Duration) -> BoxFuture<'a, Result<Box<dyn ConnectionHold>, StoreError>> {
        Box::pin(async move {
            let transaction = Transaction {
                client: Some(self.begin(REFRESH_HOLD_LIMIT).await?),
                store: self.clone(),
            };
            self.bounded(
                transaction
                    .client()?
                    .batch_execute(&format!("SET LOCAL lock_timeout = {}", wait.as_millis())),
            )
            .await?;
            let locked = tokio::time::timeout(
                wait + STATEMENT_DEADLINE,
                transaction.client()?.query_opt(
                    "SELECT connection FROM zoho_connections WHERE name = $1 FOR UPDATE",
                    &[&name],
                ),
            )
            .await;
            let row = match locked {
                Ok(Ok(row)) => row,
                Ok(Err(error)) if is_lock_timeout(&error) => {
                    return Err(StoreError::Busy(format!(
                        "another worker has held connection {name:?} in {} for {} s",
                        self.location,
                        wait.as_secs()
                    )));
                }
                Ok(Err(error)) => return Err(self.failed(describe_error(&error))),
                Err(_) => return Err(self.failed("no answer while waiting for a connection's lock")),
            };
            let connection = match row {
                Some(row) => Some(self.decode_connection(transaction.client()?, name, row.get(0)).await?),
                None => None,
            };
            Ok(Box::new(PostgresConnectionHold {
                transaction,
                name: name.to_owned(),
                connection,
            }) as Box<dyn ConnectionHold>)
        })
    }

    fn take_state<'a>(
        &'a self,
        key: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<Box<dyn StateHold>>, StoreError>> {
        Box::pin(async move {
            let transaction = Transaction {
                client: Some(self.begin(lease).await?),
                store: self.clone(),
            };
            let taken: bool = self
                .bounded(
                    transaction
                        .client()?
                        .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&lock_key("trigger", key)]),
                )
                .await?
                .get(0);
            if !taken {
                transaction.finish("ROLLBACK").await?;
                return Ok(None);
            }
            let state = self
                .bounded(
                    transaction
                        .client()?
                        .query_opt("SELECT state FROM zoho_trigger_states WHERE key = $1", &[&key]),
                )
                .await?
                .map(|row| row.get::<_, String>(0));
            Ok(Some(Box::new(PostgresStateHold {
                transaction,
                key: key.to_owned(),
                state,
            }) as Box<dyn StateHold>))
        })
    }

    fn channel<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredChannel>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = self
                .bounded(client.query_opt("SELECT channel, version FROM zoho_channels WHERE key = $1", &[&key]))
                .await?;
            match row {
                Some(row) => Ok(Some(self.decode_channel(&client, key, row.get(0), row.get(1)).await?)),
                None => Ok(None),
            }
        })
    }

    fn hold_channel<'a>(
        &'a self,
        key: &'a str,
        wait: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn ChannelHold>, StoreError>> {
        Box::pin(async move {
            let transaction = Transaction {
                client: Some(self.begin(CHANNEL_HOLD_LIMIT).await?),
                store: self.clone(),
            };
            self.bounded(
                transaction
                    .client()?
                    .batch_execute(&format!("SET LOCAL lock_timeout = {}", wait.as_millis())),
            )
            .await?;
            let locked = tokio::time::timeout(
                wait + STATEMENT_DEADLINE,
                transaction
                    .client()?
                    .execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key("channel", key)]),
            )
            .await;
            match locked {
                Ok(Ok(_)) => {}
                Ok(Err(error)) if is_lock_timeout(&error) => {
                    return Err(StoreError::Busy(format!(
                        "another worker has held channel {key:?} in {} for {} s",
                        self.location,
                        wait.as_secs()
                    )));
                }
                Ok(Err(error)) => return Err(self.failed(describe_error(&error))),
                Err(_) => return Err(self.failed("no answer while waiting for a channel's lock")),
            }
            let client = transaction.client()?;
            let row = self
                .bounded(client.query_opt("SELECT channel, version FROM zoho_channels WHERE key = $1", &[&key]))
                .await?;
            let channel = match row {
                Some(row) => Some(self.decode_channel(client, key, row.get(0), row.get(1)).await?),
                None => None,
            };
            Ok(Box::new(PostgresChannelHold {
                transaction,
                key: key.to_owned(),
                channel,
            }) as Box<dyn ChannelHold>)
        })
    }
    fn sealing_status(&self) -> BoxFuture<'_, Result<SealingStatus, StoreError>> {
        Box::pin(PostgresStore::sealing_status(self))
    }

    fn rotate_data_key(&self) -> BoxFuture<'_, Result<Rotation, StoreError>> {
        Box::pin(PostgresStore::rotate_data_key(self))
    }

    fn rewrap_data_keys<'a>(&'a self, new: &'a InstanceKey) -> BoxFuture<'a, Result<usize, StoreError>> {
        Box::pin(PostgresStore::rewrap_data_keys(self, new))
    }
}

/// A connection's row, locked by an open transaction.
struct PostgresConnectionHold {
    transaction: Transaction,
    name: String,
    connection: Option<StoredConnection>,
}

impl ConnectionHold for PostgresConnectionHold {
    fn connection(&mut self) -> Option<&mut StoredConnection> {
        self.connection.as_mut()
    }

    fn save(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        Box::pin(async move {
            let PostgresConnectionHold {
                transaction,
                name,
                connection,
            } = *self;
            match &connection {
                Some(connection) => {
                    let store = transaction.store.clone();
                    let key = store.sealing_key(transaction.client()?).await?;
                    let value = store.encode_connection(&name, connection, key.as_deref())?;
                    transaction
                        .write_and_commit(
                            "UPDATE zoho_connections SET connection = $2, updated_at = now() WHERE name = $1",
                            &[&name, &value],
                        )
                        .await
                }
                None => transaction.finish("COMMIT").await,
            }
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.transaction.roll_back())
    }
}

/// A trigger key, taken by an advisory lock of an open transaction.
struct PostgresStateHold {
    transaction: Transaction,
    key: String,
    state: Option<String>,
}

impl StateHold for PostgresStateHold {
    fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    fn advance(self: Box<Self>, state: String) -> BoxFuture<'static, Result<(), StoreError>> {
        Box::pin(async move {
            let PostgresStateHold { transaction, key, .. } = *self;
            transaction
                .write_and_commit(
                    "INSERT INTO zoho_trigger_states (key, state) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET state = EXCLUDED.state,
                         version = zoho_trigger_states.version + 1, updated_at = now()",
                    &[&key, &state],
                )
                .await
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.transaction.roll_back())
    }
}

/// A channel key, taken by an advisory lock of an open transaction.
struct PostgresChannelHold {
    transaction: Transaction,
    key: String,
    channel: Option<StoredChannel>,
}

impl ChannelHold for PostgresChannelHold {
    fn channel(&self) -> Option<&StoredChannel> {
        self.channel.as_ref()
    }

    fn save(self: Box<Self>, channel: Value) -> BoxFuture<'static, Result<StoredChannel, StoreError>> {
        Box::pin(async move {
            let PostgresChannelHold {
                transaction,
                key,
                channel: held,
            } = *self;
            let stored = StoredChannel {
                channel,
                version: held.map_or(1, |c| c.version + 1),
            };
            let version = i64::try_from(stored.version).unwrap_or(i64::MAX);
            let store = transaction.store.clone();
            let mut sealed = stored.channel.clone();
            if let Some(data_key) = store.sealing_key(transaction.client()?).await? {
                sealing::seal_record(&mut sealed, Owner::Channel(&key), &data_key).map_err(|e| store.sealing(e))?;
            }
            transaction
                .write_and_commit(
                    "INSERT INTO zoho_channels (key, channel, version) VALUES ($1, $2, $3)
                     ON CONFLICT (key) DO UPDATE SET channel = EXCLUDED.channel,
                         version = EXCLUDED.version, updated_at = now()",
                    &[&key, &sealed, &version],
                )
                .await?;
            Ok(stored)
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.transaction.roll_back())
    }
}
