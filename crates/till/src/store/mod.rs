//! The till's SQLite: WAL, foreign keys on, versioned migrations.

pub mod apply;
pub mod catalog;
pub mod orders;
pub mod shifts;
pub mod tenders;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::error::{Result, TillError};

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
        M::up(include_str!("schema_v11.sql")),
        M::up(include_str!("schema_v12.sql")),
    ])
}

pub struct Store(Mutex<Connection>);

impl Store {
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| TillError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Statements are prepared once and cached (the default holds 16; the till has more than that).
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| TillError::Storage(format!("cannot migrate {}: {e}", path.display())))?;
        Ok(Self(Mutex::new(conn)))
    }

    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn cursor(&self) -> Result<i64> {
        Ok(self
            .conn()
            .prepare_cached("SELECT cursor FROM sync_state WHERE id = 1")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn().prepare_cached(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?.execute(
            [key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
