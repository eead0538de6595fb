//! `--db PATH`: the store in SQLite, written row by row as operations change it, so a demo survives a restart.

use std::path::Path;

use rusqlite::{params, Connection};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::store::{Dirty, Store};

pub struct Persist(Connection);

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("the simulator's database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the simulator's database holds a {kind} it cannot read: {source}")]
    Corrupt {
        kind: String,
        source: serde_json::Error,
    },
}

const KINDS: [&str; 6] = [
    "intent",
    "charge",
    "payment_method",
    "refund",
    "event",
    "idempotency",
];

impl Persist {
    pub fn open(path: &Path) -> Result<Self, PersistError> {
        let wrap = |source| PersistError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(wrap)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS objects (
                 kind TEXT NOT NULL,
                 id TEXT NOT NULL,
                 json TEXT NOT NULL,
                 PRIMARY KEY (kind, id)
             );",
        )
        .map_err(wrap)?;
        Ok(Self(conn))
    }

    /// Loads every object in the order it was first written (rowid survives upserts), which keeps lists in order.
    pub fn load(&self, store: &mut Store) -> Result<(), PersistError> {
        fn rows<T: DeserializeOwned>(
            conn: &Connection,
            kind: &str,
        ) -> Result<Vec<(String, T)>, PersistError> {
            let sqlite = |source| PersistError::Sqlite {
                path: "(open)".into(),
                source,
            };
            let mut stmt = conn
                .prepare("SELECT id, json FROM objects WHERE kind = ?1 ORDER BY rowid")
                .map_err(sqlite)?;
            let raw: Vec<(String, String)> = stmt
                .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sqlite)?
                .collect::<Result<_, _>>()
                .map_err(sqlite)?;
            raw.into_iter()
                .map(|(id, json)| {
                    let value =
                        serde_json::from_str(&json).map_err(|source| PersistError::Corrupt {
                            kind: kind.into(),
                            source,
                        })?;
                    Ok((id, value))
                })
                .collect()
        }
        store.intents = rows(&self.0, KINDS[0])?.into_iter().collect();
        store.charges = rows(&self.0, KINDS[1])?.into_iter().collect();
        store.payment_methods = rows(&self.0, KINDS[2])?.into_iter().collect();
        store.refunds = rows(&self.0, KINDS[3])?.into_iter().collect();
        store.events = rows(&self.0, KINDS[4])?.into_iter().collect();
        store.idempotency = rows(&self.0, KINDS[5])?.into_iter().collect();
        Ok(())
    }

    /// Writes what the last operation changed, in one transaction.
    pub fn save(&mut self, store: &mut Store) -> Result<(), rusqlite::Error> {
        let dirty: Vec<Dirty> = store.dirty.drain(..).collect();
        let tx = self.0.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO objects (kind, id, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json",
            )?;
            let mut put =
                |kind: &str, id: &str, value: Option<String>| -> Result<(), rusqlite::Error> {
                    if let Some(json) = value {
                        upsert.execute(params![kind, id, json])?;
                    }
                    Ok(())
                };
            fn json<T: Serialize>(v: Option<&T>) -> Option<String> {
                v.map(|v| serde_json::to_string(v).expect("model types serialize"))
            }
            for d in &dirty {
                match d {
                    Dirty::Intent(id) => put(KINDS[0], id, json(store.intents.get(id)))?,
                    Dirty::Charge(id) => put(KINDS[1], id, json(store.charges.get(id)))?,
                    Dirty::PaymentMethod(id) => {
                        put(KINDS[2], id, json(store.payment_methods.get(id)))?
                    }
                    Dirty::Refund(id) => put(KINDS[3], id, json(store.refunds.get(id)))?,
                    Dirty::Event(id) => put(KINDS[4], id, json(store.events.get(id)))?,
                    Dirty::Idempotency(id) => put(KINDS[5], id, json(store.idempotency.get(id)))?,
                }
            }
        }
        tx.commit()
    }
}
