//! SQLite storage: WAL, foreign keys on, versioned migrations. One writer connection (owned by the intake's
//! group-commit thread and the API's writes, behind a mutex) and a small pool of readers. Commits are made
//! durable by an explicit fsync of the log ([`Wal`]) before anything that depends on them is answered.

pub mod cash;
pub mod catalog;
pub mod events;
pub mod orders;
pub mod private;
pub mod readers;
pub mod shifts;
pub mod terminals;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
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
}

pub fn open(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
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

#[derive(Clone)]
pub struct Db {
    pub path: PathBuf,
    pub wal: Wal,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

impl Db {
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
            path,
            wal,
            writer: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Runs `f` on the writer connection, off the async runtime, and returns once what it wrote is on disk.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, WriteError> {
        let (writer, wal) = (self.writer.clone(), self.wal.clone());
        tokio::task::spawn_blocking(move || {
            let result = f(&mut writer.lock().unwrap_or_else(|e| e.into_inner()))?;
            wal.sync().map_err(WriteError::Sync)?;
            Ok(result)
        })
        .await
        .expect("database task does not panic")
    }

    /// Runs `f` on a reader connection (WAL lets reads proceed beside the writer), off the async runtime.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, rusqlite::Error> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = db.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let conn = match conn {
                Some(c) => c,
                None => open(&db.path)?,
            };
            let result = f(&conn);
            db.readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
            result
        })
        .await
        .expect("database task does not panic")
    }

    pub fn writer(&self) -> Arc<Mutex<Connection>> {
        self.writer.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    /// v5 rebuilds the events table: every cursor stays, and one never handed out again is not reused either.
    #[test]
    fn the_events_rebuild_keeps_every_cursor_and_the_counter() {
        let mut conn = Connection::open_in_memory().unwrap();
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
        let next =
            events::insert_catalog(&conn, &kassa_api::CatalogEvent::new(Default::default(), 5))
                .unwrap();
        assert_eq!(next, 4, "cursor 3 was handed out once");
    }

    #[test]
    fn an_empty_events_table_is_rebuilt_too() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let first =
            events::insert_catalog(&conn, &kassa_api::CatalogEvent::new(Default::default(), 5))
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
            .map(|s| private::side_file(&db.path, s))
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
        db.read(|c| c.query_row("SELECT count(*) FROM terminals", [], |r| r.get::<_, i64>(0)))
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
