//! Storage: SQLite (the default) or PostgreSQL (several instances), behind one [`Db`] whose callers see one
//! [`Connection`] either way. SQLite: WAL, foreign keys on, versioned migrations, one writer connection and a
//! small pool of readers; commits are made durable by an explicit fsync of the log ([`Wal`]) before anything that
//! depends on them is answered. PostgreSQL: see [`pg`].

pub mod cash;
pub mod catalog;
pub mod conn;
pub mod events;
pub mod listen;
pub mod orders;
pub mod pg;
pub mod private;
pub mod readers;
pub mod shifts;
pub mod terminals;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

pub use conn::{Connection, Row};
use rusqlite_migration::{Migrations, M};

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("schema_v1.sql")),
        M::up(include_str!("schema_v2.sql")),
        M::up(include_str!("schema_v3.sql")),
        M::up(include_str!("schema_v4.sql")),
        M::up(include_str!("schema_v5.sql")),
        M::up(include_str!("schema_v6.sql")),
        M::up(include_str!("schema_v7.sql")),
        M::up(include_str!("schema_v8.sql")),
        M::up(include_str!("schema_v9.sql")),
        M::up(include_str!("schema_v10.sql")),
    ])
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the data directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot make {path} private to this user (mode 0600): {source}")]
    Private {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot sync the database {path} to disk: {source}")]
    Sync {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot migrate the database {path}: {source}")]
    Migrate {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("{0}")]
    Url(String),
    #[error("cannot connect to the database {url}: {source}")]
    Connect {
        url: String,
        source: rusqlite::Error,
    },
    #[error("cannot migrate the database {url}: {source}")]
    PgMigrate {
        url: String,
        source: rusqlite::Error,
    },
}

pub fn open(path: &Path) -> Result<rusqlite::Connection, rusqlite::Error> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Statements are prepared once and cached (the default holds 16), so a hot path never parses SQL.
    conn.set_prepared_statement_cache_capacity(64);
    // NORMAL: a commit does not wait for the disk; [`Wal::sync`] makes it durable before anyone is told. That
    // lets the intake commit its next group while the previous one's fsync is still in flight.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

/// The database's write-ahead log. In WAL mode a committed transaction is durable once the log's frames are on
/// disk, so one fsync of the log makes every commit before it durable, whichever connection made it.
#[derive(Clone)]
pub struct Wal {
    path: PathBuf,
    /// Tests hold syncs here, to see what happens while one is under way.
    #[cfg(test)]
    hold: Option<Arc<Mutex<()>>>,
}

impl Wal {
    fn of(db: &Path) -> Self {
        Self::at(private::side_file(db, "-wal"))
    }

    /// The log at `path` (tests give one that cannot be synced).
    fn at(path: PathBuf) -> Self {
        Self {
            path,
            #[cfg(test)]
            hold: None,
        }
    }

    /// A log that cannot be synced, for tests.
    #[cfg(test)]
    pub fn unsyncable(dir: &Path) -> Self {
        Self::at(dir.join("no-such-log"))
    }

    /// This log, whose syncs wait while `hold` is locked.
    #[cfg(test)]
    pub fn held_by(mut self, hold: Arc<Mutex<()>>) -> Self {
        self.hold = Some(hold);
        self
    }

    /// fsync's the log (through a descriptor of our own: fsync covers the file, whoever wrote it).
    pub fn sync(&self) -> std::io::Result<()> {
        #[cfg(test)]
        if let Some(hold) = &self.hold {
            drop(hold.lock());
        }
        std::fs::File::open(&self.path)?.sync_data()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database could not be synced to disk: {0}")]
    Sync(std::io::Error),
}

/// Where the backend keeps its data: a SQLite file in a directory (the default, and the demo's), or a
/// PostgreSQL database shared by several instances.
#[derive(Debug, Clone)]
pub enum Location {
    Dir(PathBuf),
    Postgres(String),
}

impl Location {
    /// `--database-url` when given, else `--data-dir`.
    pub fn of(data_dir: &Path, database_url: Option<&str>) -> Self {
        match database_url {
            Some(url) => Self::Postgres(url.to_owned()),
            None => Self::Dir(data_dir.to_owned()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dir(dir) => write!(f, "{}", dir.display()),
            Self::Postgres(url) => write!(f, "{}", redact(url)),
        }
    }
}

/// The store, whichever it is; handlers reach it only through [`Db::read`] and [`Db::write`].
#[derive(Clone)]
pub struct Db {
    store: Store,
}

#[derive(Clone)]
enum Store {
    Sqlite(SqliteDb),
    Postgres(Arc<PgDb>),
}

/// SQLite: one writer connection (owned by the intake's group-commit thread and the API's writes, behind a
/// mutex) and a small pool of readers.
#[derive(Clone)]
pub struct SqliteDb {
    pub path: PathBuf,
    pub wal: Wal,
    writer: Arc<Mutex<rusqlite::Connection>>,
    readers: Arc<Mutex<Vec<rusqlite::Connection>>>,
}

#[derive(Clone)]
struct PgDb {
    url: String,
    config: postgres::Config,
    pool: pg::Pool,
}

/// The connection the intake's writer keeps (and `token create` writes through).
#[derive(Clone)]
pub enum WriterConn {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres(Arc<Mutex<pg::PgClient>>),
}

/// [`WriterConn`], locked.
pub enum WriterGuard<'a> {
    Sqlite(MutexGuard<'a, rusqlite::Connection>),
    Postgres(MutexGuard<'a, pg::PgClient>),
}

impl WriterConn {
    pub fn lock(&self) -> WriterGuard<'_> {
        match self {
            Self::Sqlite(c) => WriterGuard::Sqlite(c.lock().unwrap_or_else(|e| e.into_inner())),
            Self::Postgres(c) => WriterGuard::Postgres(c.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    /// Runs `f` on the connection (no fsync: for start-up and for tests).
    pub fn with<T: Send>(&self, f: impl FnOnce(&Connection) -> T + Send) -> T {
        pg::off_runtime(|| f(&self.lock().conn()))
    }
}

impl WriterGuard<'_> {
    pub fn conn(&mut self) -> Connection<'_> {
        match self {
            Self::Sqlite(c) => Connection::sqlite(c),
            Self::Postgres(c) => Connection::pg(c),
        }
    }
}

impl Db {
    pub fn open(location: &Location) -> Result<Self, DbError> {
        match location {
            Location::Dir(dir) => Self::open_dir(dir),
            Location::Postgres(url) => Self::open_postgres(url),
        }
    }

    /// Opens (creating it if need be) the database in `dir`; the directory is made 0700 and the files 0600, see
    /// [`private`].
    pub fn open_dir(dir: &Path) -> Result<Self, DbError> {
        private::private_dir(dir).map_err(|source| DbError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join("kassa-backend.sqlite3");
        private::private_file(&path).map_err(|source| DbError::Private {
            path: path.clone(),
            source,
        })?;
        let mut conn = open(&path).map_err(|source| DbError::Open {
            path: path.clone(),
            source,
        })?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| DbError::Migrate {
                path: path.clone(),
                source,
            })?;
        for suffix in private::SIDE_FILES {
            let side = private::side_file(&path, suffix);
            private::tighten(&side).map_err(|source| DbError::Private { path: side, source })?;
        }
        let wal = Wal::of(&path);
        // Whatever an earlier run committed is made durable before anything is served from it; the directory is
        // synced too, so the log file's own entry survives a power cut.
        let durable = wal
            .sync()
            .and_then(|()| std::fs::File::open(dir)?.sync_all());
        durable.map_err(|source| DbError::Sync {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            store: Store::Sqlite(SqliteDb {
                path,
                wal,
                writer: Arc::new(Mutex::new(conn)),
                readers: Arc::new(Mutex::new(Vec::new())),
            }),
        })
    }

    /// Connects to the PostgreSQL database at `url` and migrates it (once, whichever instance comes first).
    pub fn open_postgres(url: &str) -> Result<Self, DbError> {
        let config = pg::config(url).map_err(DbError::Url)?;
        let shown = redact(url);
        let mut client = pg::PgClient::connect(&config).map_err(|source| DbError::Connect {
            url: shown.clone(),
            source,
        })?;
        pg::off_runtime(|| client.migrate()).map_err(|source| DbError::PgMigrate {
            url: shown.clone(),
            source,
        })?;
        Ok(Self {
            store: Store::Postgres(Arc::new(PgDb {
                pool: pg::pool(&config, POOL_SIZE),
                url: url.to_owned(),
                config,
            })),
        })
    }

    /// The SQLite database, when that is the store.
    pub fn sqlite(&self) -> Option<&SqliteDb> {
        match &self.store {
            Store::Sqlite(db) => Some(db),
            Store::Postgres(_) => None,
        }
    }

    /// Runs `f` on a writing connection, off the async runtime, and returns once what it wrote is on disk.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, WriteError> {
        match self.store.clone() {
            Store::Sqlite(db) => tokio::task::spawn_blocking(move || {
                let result = f(&Connection::sqlite(
                    &db.writer.lock().unwrap_or_else(|e| e.into_inner()),
                ))?;
                db.wal.sync().map_err(WriteError::Sync)?;
                Ok(result)
            })
            .await
            .expect("database task does not panic"),
            // A commit on PostgreSQL returns once it is durable (synchronous_commit = on).
            Store::Postgres(db) => Ok(on_pool(db.pool.clone(), f).await?),
        }
    }

    /// Runs `f` on a reading connection, off the async runtime.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, rusqlite::Error> {
        match self.store.clone() {
            Store::Sqlite(db) => tokio::task::spawn_blocking(move || {
                let conn = db.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let conn = match conn {
                    Some(c) => c,
                    None => open(&db.path)?,
                };
                let result = f(&Connection::sqlite(&conn));
                db.readers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(conn);
                result
            })
            .await
            .expect("database task does not panic"),
            Store::Postgres(db) => on_pool(db.pool.clone(), f).await,
        }
    }

    /// Holds `name` locked across every instance sharing the database, until the lock is dropped. None on SQLite,
    /// whose one instance locks in-process (see [`crate::state::OrderLocks`]).
    pub async fn lock_across_instances(
        &self,
        name: &str,
    ) -> Result<Option<pg::SessionLock>, rusqlite::Error> {
        match &self.store {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(db) => Ok(Some(pg::SessionLock::acquire(db.pool.clone(), name).await?)),
        }
    }

    /// PostgreSQL's URL, when that is the store (for the feed's LISTEN connection).
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.store {
            Store::Sqlite(_) => None,
            Store::Postgres(db) => Some(&db.url),
        }
    }

    /// The intake writer's connection: SQLite's one writer, or a PostgreSQL connection of its own.
    pub fn writer(&self) -> Result<WriterConn, rusqlite::Error> {
        match &self.store {
            Store::Sqlite(db) => Ok(WriterConn::Sqlite(db.writer.clone())),
            Store::Postgres(db) => Ok(WriterConn::Postgres(Arc::new(Mutex::new(
                pg::PgClient::connect(&db.config)?,
            )))),
        }
    }
}

/// Connections each instance keeps to PostgreSQL for its API (the intake's writer and the feed's listener have
/// one each besides): a few instances stay well inside PostgreSQL's default of 100.
const POOL_SIZE: u32 = 16;

async fn on_pool<T: Send + 'static>(
    pool: pg::Pool,
    f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
) -> Result<T, rusqlite::Error> {
    tokio::task::spawn_blocking(move || {
        let mut client = pg::checkout(&pool)?;
        let result = f(&Connection::pg(&mut client));
        client.settle();
        result
    })
    .await
    .expect("database task does not panic")
}

/// A database URL with its password hidden, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_database_urls_password_is_never_shown() {
        assert_eq!(
            redact("postgres://kassa:s3cret@db.internal:5432/kassa"),
            "postgres://kassa:***@db.internal:5432/kassa"
        );
        assert_eq!(
            redact("postgres://kassa@db.internal/kassa"),
            "postgres://kassa@db.internal/kassa"
        );
        assert_eq!(
            Location::Postgres("postgres://a:b@h/d".into()).to_string(),
            "postgres://a:***@h/d"
        );
    }

    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    /// v5 rebuilds the events table: every cursor stays, and one never handed out again is not reused either.
    #[test]
    fn the_events_rebuild_keeps_every_cursor_and_the_counter() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut conn, 4).unwrap();
        for id in ["evt_1", "evt_2", "evt_3"] {
            conn.execute(
                "INSERT INTO events (event_id, type, is_foreign, source, stripe_created, received, payload)
                 VALUES (?1, 'payment_intent.created', 1, 'webhook', 1, 1, '{}')",
                [id],
            )
            .unwrap();
        }
        conn.execute("DELETE FROM events WHERE event_id = 'evt_3'", [])
            .unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let kept: Vec<(i64, String)> = conn
            .prepare("SELECT cursor, event_id FROM events ORDER BY cursor")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kept, [(1, "evt_1".to_owned()), (2, "evt_2".to_owned())]);
        let next = events::insert_catalog(
            &Connection::sqlite(&conn),
            &kassa_api::CatalogEvent::new(Default::default(), 5),
        )
        .unwrap();
        assert_eq!(next, 4, "cursor 3 was handed out once");
    }

    #[test]
    fn an_empty_events_table_is_rebuilt_too() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let first = events::insert_catalog(
            &Connection::sqlite(&conn),
            &kassa_api::CatalogEvent::new(Default::default(), 5),
        )
        .unwrap();
        assert_eq!(first, 1);
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn files(db: &Db) -> Vec<PathBuf> {
        ["", "-wal", "-shm"]
            .iter()
            .map(|s| private::side_file(&db.sqlite().unwrap().path, s))
            .collect()
    }

    #[tokio::test]
    async fn the_data_directory_is_0700_and_every_database_file_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("kassa");
        let db = Db::open_dir(&dir).unwrap();
        db.write(|c| terminals::create(c, "till-1", false, 1))
            .await
            .unwrap();
        db.read(|c| c.query_row("SELECT count(*) FROM terminals", (), |r| r.get::<_, i64>(0)))
            .await
            .unwrap();
        assert_eq!(mode(&dir), 0o700);
        for file in files(&db) {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }

    #[tokio::test]
    async fn an_earlier_runs_open_files_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("kassa");
        let db = Db::open_dir(&dir).unwrap();
        db.write(|c| terminals::create(c, "till-1", false, 1))
            .await
            .unwrap();
        // As an older version left them; `db` stays open, so the log and index are there.
        chmod(&dir, 0o755);
        for file in files(&db) {
            chmod(&file, 0o644);
        }
        let reopened = Db::open_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        for file in files(&reopened) {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        drop(db);
    }

    /// What [`private`] relies on: SQLite gives the log and index it creates the main file's mode, whatever the
    /// umask (0022 here, which would make them 0644).
    #[test]
    fn sqlite_creates_its_side_files_with_the_main_files_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.sqlite3");
        private::private_file(&path).unwrap();
        let conn = open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        for suffix in ["-wal", "-shm"] {
            let side = private::side_file(&path, suffix);
            assert_eq!(mode(&side), 0o600, "{}", side.display());
        }
    }
}
