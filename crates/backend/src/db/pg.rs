//! PostgreSQL: the store for several instances. Connections are pooled for the API's reads and writes; the
//! intake's writer keeps one of its own. A commit is durable when it returns (`synchronous_commit = on`, set on
//! every connection), so nothing is acknowledged before PostgreSQL has it on disk.

use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql as PgToSql, Type};
use postgres::NoTls;
use rusqlite::types::Value;

use std::collections::HashMap;

use super::conn::to_postgres;

/// The advisory lock that orders the feed: a transaction that stored events takes it to give them their final
/// cursors, and holds it until it has committed.
const FEED_LOCK: i64 = 0x6b61_7373_6101;
/// Held while the schema is migrated, so instances starting together migrate once.
const MIGRATE_LOCK: i64 = 0x6b61_7373_6102;
/// The channel each commit that added to the feed notifies, with its newest cursor.
pub const FEED_CHANNEL: &str = "kassa_feed";

const MIGRATIONS: &[&str] = &[include_str!("pg_schema_v1.sql")];

/// How long a statement or a wait for a lock may take before it fails (and its request is answered 503).
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub fn config(url: &str) -> Result<postgres::Config, String> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| format!("--database-url is not a PostgreSQL URL: {e}"))?;
    config
        .application_name("kassa-backend")
        .connect_timeout(CONNECT_TIMEOUT)
        .options(&format!(
            "-c synchronous_commit=on -c statement_timeout={} -c idle_in_transaction_session_timeout=60000",
            STATEMENT_TIMEOUT.as_millis()
        ));
    Ok(config)
}

/// Provisional cursors and the final ones they became at commit (see [`PgClient::commit`]); empty on SQLite,
/// whose cursors are final when given.
#[derive(Debug, Default)]
pub struct Renumbered(Vec<(i64, i64)>);

impl Renumbered {
    /// The final cursor of an event stored with `cursor`.
    pub fn cursor(&self, cursor: i64) -> i64 {
        self.0
            .iter()
            .find(|(old, _)| *old == cursor)
            .map_or(cursor, |(_, new)| *new)
    }
}

/// Runs `f` where the postgres crate may block: it drives each connection with a runtime of its own, which
/// tokio refuses to start or drop on a thread that runs async tasks (blocking-pool threads are fine).
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(f).join().expect("a database call does not panic"))
    } else {
        f()
    }
}

/// A connection and its prepared statements.
pub struct PgClient {
    /// Always Some but while dropped (see [`Drop`]).
    client: Option<postgres::Client>,
    config: postgres::Config,
    /// Set when a session lock could not be released: the pool then closes the connection, which releases it.
    poisoned: bool,
    /// Statements prepared on this connection, by their SQLite-dialect text.
    cache: HashMap<String, postgres::Statement>,
    in_tx: bool,
    /// The provisional cursors of the events this transaction stored, in order (see [`Self::commit`]).
    pending: Vec<i64>,
}

fn error(e: postgres::Error) -> rusqlite::Error {
    use postgres::error::SqlState;
    let code = match e.code() {
        Some(c) if c.code().starts_with("23") => rusqlite::ffi::SQLITE_CONSTRAINT,
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::LOCK_NOT_AVAILABLE => {
            rusqlite::ffi::SQLITE_BUSY
        }
        Some(_) => rusqlite::ffi::SQLITE_ERROR,
        None => rusqlite::ffi::SQLITE_IOERR,
    };
    let message = match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {}: {}", db.code().code(), db.message()),
        None => format!("PostgreSQL: {e}"),
    };
    rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message))
}

impl PgClient {
    pub fn connect(config: &postgres::Config) -> rusqlite::Result<Self> {
        Ok(Self {
            client: Some(off_runtime(|| config.connect(NoTls)).map_err(error)?),
            config: config.clone(),
            poisoned: false,
            cache: HashMap::new(),
            in_tx: false,
            pending: Vec::new(),
        })
    }

    fn client(&mut self) -> &mut postgres::Client {
        self.client
            .as_mut()
            .expect("the client is there until dropped")
    }

    pub fn is_closed(&self) -> bool {
        self.client.as_ref().is_none_or(postgres::Client::is_closed)
    }

    /// A fresh connection in place of a closed one (PostgreSQL restarted, or the network dropped it).
    fn reopen_if_closed(&mut self) -> rusqlite::Result<()> {
        if self.is_closed() {
            *self = Self::connect(&self.config)?;
        }
        Ok(())
    }

    fn statement(&mut self, sql: &str) -> rusqlite::Result<postgres::Statement> {
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let prepared = self.client().prepare(&to_postgres(sql)).map_err(error)?;
        self.cache.insert(sql.to_owned(), prepared.clone());
        Ok(prepared)
    }

    pub fn query(&mut self, sql: &str, values: &[Value]) -> rusqlite::Result<Vec<Vec<Value>>> {
        let rows = self.run(sql, values, |c, s, p| c.query(s, p))?;
        rows.iter().map(row_values).collect()
    }

    pub fn execute(&mut self, sql: &str, values: &[Value]) -> rusqlite::Result<u64> {
        self.run(sql, values, |c, s, p| c.execute(s, p))
    }

    /// `sql`'s prepared statement, run by `f` with `values` bound as [`Param`]s.
    fn run<T>(
        &mut self,
        sql: &str,
        values: &[Value],
        f: impl FnOnce(
            &mut postgres::Client,
            &postgres::Statement,
            &[&(dyn PgToSql + Sync)],
        ) -> Result<T, postgres::Error>,
    ) -> rusqlite::Result<T> {
        let statement = self.statement(sql)?;
        let params: Vec<Param> = values.iter().map(Param).collect();
        let refs: Vec<&(dyn PgToSql + Sync)> =
            params.iter().map(|p| p as &(dyn PgToSql + Sync)).collect();
        f(self.client(), &statement, &refs).map_err(error)
    }

    pub fn batch(&mut self, sql: &str) -> rusqlite::Result<()> {
        self.client().batch_execute(sql).map_err(error)
    }

    pub fn begin(&mut self) -> rusqlite::Result<()> {
        self.reopen_if_closed()?;
        self.batch("BEGIN")?;
        self.in_tx = true;
        self.pending.clear();
        Ok(())
    }

    /// Commits. A transaction that stored events gave them provisional cursors (the sequence's next values,
    /// taken without waiting for anyone); here, just before the commit, it takes the feed's lock and gives them
    /// their final cursors, and holds the lock until the commit is done. So final cursors are handed out in commit
    /// order across every instance (a till that has seen cursor N never meets a smaller one later), while the lock
    /// is held for a few statements and the commit, not for the transaction's work. The commit also notifies
    /// [`FEED_CHANNEL`] of the newest cursor, which PostgreSQL delivers to every listening instance once (and
    /// only if) the commit succeeds. Returns the provisional cursors' final values.
    pub fn commit(&mut self) -> rusqlite::Result<Renumbered> {
        let pending = std::mem::take(&mut self.pending);
        let result = (|| {
            let renumbered = if pending.is_empty() {
                Renumbered::default()
            } else {
                self.renumber(pending)?
            };
            self.batch("COMMIT")?;
            Ok(renumbered)
        })();
        self.in_tx = false;
        result
    }

    fn renumber(&mut self, provisional: Vec<i64>) -> rusqlite::Result<Renumbered> {
        let client = self.client();
        client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&FEED_LOCK])
            .map_err(error)?;
        let n = provisional.len() as i64;
        // One value per row, in the series' order: ascending, as the sequence hands them out.
        let mut fresh: Vec<i64> = client
            .query(
                "SELECT nextval('events_cursor') FROM generate_series(1, $1::bigint)",
                &[&n],
            )
            .map_err(error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        fresh.sort_unstable();
        // The events, and the orders whose state they moved (which point at them by cursor).
        for (table, column) in [("events", "cursor"), ("orders", "state_cursor")] {
            client
                .execute(
                    &format!(
                        "UPDATE {table} t SET {column} = m.new
                         FROM unnest($1::bigint[], $2::bigint[]) AS m(old, new) WHERE t.{column} = m.old"
                    ),
                    &[&provisional, &fresh],
                )
                .map_err(error)?;
        }
        let newest = fresh.last().copied().unwrap_or(0);
        client
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&FEED_CHANNEL, &newest.to_string()],
            )
            .map_err(error)?;
        Ok(Renumbered(provisional.into_iter().zip(fresh).collect()))
    }

    pub fn rollback(&mut self) -> rusqlite::Result<()> {
        self.in_tx = false;
        self.pending.clear();
        if self.is_closed() {
            return Ok(());
        }
        self.batch("ROLLBACK")
    }

    /// See [`super::Connection::stored_event`].
    pub fn stored_event(&mut self, cursor: i64) -> rusqlite::Result<()> {
        if !self.in_tx {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
                Some(
                    "an event is stored inside a transaction, so its cursor follows commit order"
                        .into(),
                ),
            ));
        }
        self.pending.push(cursor);
        Ok(())
    }

    /// Whatever a failed call left open is rolled back before the connection is used again.
    pub fn settle(&mut self) {
        if self.in_tx {
            let _ = self.rollback();
        }
    }

    /// Brings the schema to the latest version, once however many instances start together.
    pub fn migrate(&mut self) -> rusqlite::Result<i64> {
        self.begin()?;
        let result = (|| {
            // The lock first: two instances creating the version table at once collide even with IF NOT EXISTS.
            self.execute(
                "SELECT pg_advisory_xact_lock(?1)",
                &[Value::Integer(MIGRATE_LOCK)],
            )?;
            self.batch("CREATE TABLE IF NOT EXISTS kassa_schema (version BIGINT NOT NULL)")?;
            let rows = self.query("SELECT version FROM kassa_schema", &[])?;
            let current = match rows.first().and_then(|r| r.first()) {
                Some(Value::Integer(v)) => *v,
                _ => {
                    self.execute("INSERT INTO kassa_schema (version) VALUES (0)", &[])?;
                    0
                }
            };
            let latest = MIGRATIONS.len() as i64;
            if current > latest {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                    Some(format!(
                        "the database's schema is version {current}, newer than this kassa-backend's {latest}: \
                         run the newer kassa-backend"
                    )),
                ));
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
                self.batch(sql)?;
                self.execute(
                    "UPDATE kassa_schema SET version = ?1",
                    &[Value::Integer(i as i64 + 1)],
                )?;
            }
            Ok(latest)
        })();
        match result {
            Ok(v) => self.commit().map(|_| v),
            Err(e) => {
                let _ = self.rollback();
                Err(e)
            }
        }
    }
}

impl Drop for PgClient {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            off_runtime(move || drop(client));
        }
    }
}

/// r2d2's view of [`PgClient`]: connect with the backend's settings, drop a connection PostgreSQL closed.
pub struct Manager(pub postgres::Config);

impl r2d2::ManageConnection for Manager {
    type Connection = PgClient;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<PgClient, rusqlite::Error> {
        PgClient::connect(&self.0)
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), rusqlite::Error> {
        conn.batch("")
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        conn.poisoned || conn.is_closed()
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// A pooled connection, or an error that says the pool had none (PostgreSQL down, or every connection busy for
/// the pool's timeout).
pub fn checkout(pool: &Pool) -> rusqlite::Result<r2d2::PooledConnection<Manager>> {
    pool.get().map_err(|e| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!("PostgreSQL: no connection: {e}")),
        )
    })
}

pub fn pool(config: &postgres::Config, size: u32) -> Pool {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(CONNECT_TIMEOUT)
        // The pool checks a connection when it is taken; a broken one is replaced rather than handed out.
        .test_on_check_out(false)
        .build_unchecked(Manager(config.clone()))
}

/// A value bound to whatever type PostgreSQL expects for its parameter: the storage code binds rusqlite's values
/// (integers for flags and money, text, bytes), and PostgreSQL's columns are BIGINT, TEXT and BYTEA.
#[derive(Debug)]
struct Param<'a>(&'a Value);

impl PgToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be bound to {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(format!("a real cannot be bound to {ty}").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn row_values(row: &postgres::Row) -> rusqlite::Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_();
            let v = match *ty {
                Type::INT8 => row
                    .try_get::<_, Option<i64>>(i)
                    .map(|v| v.map(Value::Integer)),
                Type::INT4 => row
                    .try_get::<_, Option<i32>>(i)
                    .map(|v| v.map(|v| Value::Integer(v.into()))),
                Type::INT2 => row
                    .try_get::<_, Option<i16>>(i)
                    .map(|v| v.map(|v| Value::Integer(v.into()))),
                Type::BOOL => row
                    .try_get::<_, Option<bool>>(i)
                    .map(|v| v.map(|v| Value::Integer(v.into()))),
                Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
                Type::BYTEA => row
                    .try_get::<_, Option<Vec<u8>>>(i)
                    .map(|v| v.map(Value::Blob)),
                Type::VOID => Ok(None),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
                    .try_get::<_, Option<String>>(i)
                    .map(|v| v.map(Value::Text)),
                _ => {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
                        Some(format!(
                            "PostgreSQL column {} is {ty}: CAST it to BIGINT or TEXT",
                            row.columns()[i].name()
                        )),
                    ))
                }
            };
            Ok(v.map_err(error)?.unwrap_or(Value::Null))
        })
        .collect()
}

/// A lock on a name shared by every instance (an order's id): PostgreSQL's session advisory lock, held on a pooled
/// connection of its own until dropped.
pub struct SessionLock {
    conn: Option<r2d2::PooledConnection<Manager>>,
    name: String,
}

const LOCK_NAME: &str = "SELECT pg_advisory_lock(hashtextextended(?1, 0))";
const UNLOCK_NAME: &str = "SELECT pg_advisory_unlock(hashtextextended(?1, 0))";

impl SessionLock {
    /// Waits for the lock (at most the statement timeout, then fails).
    pub async fn acquire(pool: Pool, name: &str) -> rusqlite::Result<Self> {
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut conn = checkout(&pool)?;
            conn.execute(LOCK_NAME, &[Value::Text(name.clone())])?;
            Ok(Self {
                conn: Some(conn),
                name,
            })
        })
        .await
        .expect("database task does not panic")
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let name = std::mem::take(&mut self.name);
        let release = move || {
            if conn.execute(UNLOCK_NAME, &[Value::Text(name)]).is_err() {
                conn.poisoned = true;
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(release)),
            Err(_) => release(),
        }
    }
}

/// A database named after `key` on the server at `server` (a URL to its maintenance database), made if it is not
/// there yet; its URL. For tests and benchmarks, which give each data directory a database of its own.
pub fn scratch_database(server: &str, key: &str) -> Result<String, String> {
    use sha2::Digest;
    let name = format!(
        "kassa_test_{}",
        &hex::encode(sha2::Sha256::digest(key.as_bytes()))[..16]
    );
    off_runtime(|| {
        let mut admin = postgres::Client::connect(server, NoTls).map_err(|e| e.to_string())?;
        let exists = admin
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .map_err(|e| e.to_string())?
            .is_some();
        if !exists {
            // Two tests of one data directory can race here; the loser finds it made.
            if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE {name}")) {
                if e.code() != Some(&postgres::error::SqlState::DUPLICATE_DATABASE) {
                    return Err(e.to_string());
                }
            }
        }
        Ok(())
    })?;
    let (base, _) = server
        .rsplit_once('/')
        .ok_or_else(|| format!("{server} names no database"))?;
    Ok(format!("{base}/{name}"))
}
