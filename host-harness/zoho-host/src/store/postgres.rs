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

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

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
];

/// Connections, trigger states and channels in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// `postgres://user@host:port/database`, never with the password.
    location: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://user:password@host:port/database`,
    /// any libpq option such as `sslmode=require` or `host=/run/postgresql`) and brings its
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
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
        let store = Self { pool, location };
        store.migrate().await?;
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

    fn decode_connection(&self, value: Value) -> Result<StoredConnection, StoreError> {
        serde_json::from_value(value).map_err(|e| self.failed(format!("a stored connection is damaged: {e}")))
    }

    fn encode_connection(&self, connection: &StoredConnection) -> Result<Value, StoreError> {
        serde_json::to_value(connection).map_err(|e| self.failed(e))
    }
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
            rows.into_iter()
                .map(|row| Ok((row.get::<_, String>(0), self.decode_connection(row.get(1))?)))
                .collect()
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = self
                .bounded(client.query_opt("SELECT connection FROM zoho_connections WHERE name = $1", &[&name]))
                .await?;
            row.map(|row| self.decode_connection(row.get(0))).transpose()
        })
    }

    fn put<'a>(&'a self, name: &'a str, connection: StoredConnection) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let value = self.encode_connection(&connection)?;
            let client = self.client().await?;
            self.bounded(client.execute(
                "INSERT INTO zoho_connections (name, connection) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET connection = EXCLUDED.connection, updated_at = now()",
                &[&name, &value],
            ))
            .await?;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = self
                .bounded(client.query_opt(
                    "DELETE FROM zoho_connections WHERE name = $1 RETURNING connection",
                    &[&name],
                ))
                .await?;
            row.map(|row| self.decode_connection(row.get(0))).transpose()
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
            let connection = row.map(|row| self.decode_connection(row.get(0))).transpose()?;
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
            Ok(row.map(|row| StoredChannel {
                channel: row.get(0),
                version: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
            }))
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
            let channel = self
                .bounded(
                    transaction
                        .client()?
                        .query_opt("SELECT channel, version FROM zoho_channels WHERE key = $1", &[&key]),
                )
                .await?
                .map(|row| StoredChannel {
                    channel: row.get(0),
                    version: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
                });
            Ok(Box::new(PostgresChannelHold {
                transaction,
                key: key.to_owned(),
                channel,
            }) as Box<dyn ChannelHold>)
        })
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
                    let value = transaction.store.encode_connection(connection)?;
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
            transaction
                .write_and_commit(
                    "INSERT INTO zoho_channels (key, channel, version) VALUES ($1, $2, $3)
                     ON CONFLICT (key) DO UPDATE SET channel = EXCLUDED.channel,
                         version = EXCLUDED.version, updated_at = now()",
                    &[&key, &stored.channel, &version],
                )
                .await?;
            Ok(stored)
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.transaction.roll_back())
    }
}
