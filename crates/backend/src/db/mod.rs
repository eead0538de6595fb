//! SQLite storage: WAL, foreign keys on, versioned migrations. One writer connection (owned by the intake's
//! group-commit thread and the API's writes, behind a mutex) and a small pool of readers. Commits are made
//! durable by an explicit fsync of the log ([`Wal`]) before anything that depends on them is answered.

pub mod events;
pub mod orders;
pub mod terminals;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("schema_v1.sql")),
        M::up(include_str!("schema_v2.sql")),
    ])
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the data directory {path}: {source}")]
    Dir {
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
        let mut path = db.as_os_str().to_owned();
        path.push("-wal");
        Self::at(path.into())
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
    pub fn open_dir(dir: &Path) -> Result<Self, DbError> {
        std::fs::create_dir_all(dir).map_err(|source| DbError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join("kassa-backend.sqlite3");
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
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
