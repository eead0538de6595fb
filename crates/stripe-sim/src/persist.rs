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

    /// Starts the thread that writes the store's changes from now on.
    pub fn start(self) -> Persister {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("stripe-sim-persist".into())
            .spawn(move || write(self.0, rx))
            .expect("the OS can start a thread");
        Persister(tx)
    }
}

/// The sending end of the simulator's database writer. Operations hand it their changes under the store's lock,
/// so it writes them in the order they happened; whatever has queued up meanwhile goes into one transaction,
/// since under load a commit per operation (each rewriting the same table pages) was most of the simulator's
/// disk work, and it was done under the store's lock.
pub struct Persister(std::sync::mpsc::Sender<Batch>);

struct Batch {
    rows: Vec<(&'static str, String, String)>,
    /// Told once the rows are committed (or could not be: that is logged).
    done: tokio::sync::oneshot::Sender<()>,
}

impl Persister {
    /// Takes what the last operation changed. The receiver resolves once it is committed: an operation answers
    /// and delivers its events only then, so nothing the simulator has said is missing from its database after a
    /// crash of the process.
    pub fn stage(&self, store: &mut Store) -> tokio::sync::oneshot::Receiver<()> {
        fn json<T: Serialize>(v: Option<&T>) -> Option<String> {
            v.map(|v| serde_json::to_string(v).expect("model types serialize"))
        }
        let rows = store
            .dirty
            .drain(..)
            .collect::<Vec<Dirty>>()
            .into_iter()
            .filter_map(|d| {
                // The value is rendered before the id moves into the row.
                let (kind, value, id) = match d {
                    Dirty::Intent(id) => (KINDS[0], json(store.intents.get(&id)), id),
                    Dirty::Charge(id) => (KINDS[1], json(store.charges.get(&id)), id),
                    Dirty::PaymentMethod(id) => {
                        (KINDS[2], json(store.payment_methods.get(&id)), id)
                    }
                    Dirty::Refund(id) => (KINDS[3], json(store.refunds.get(&id)), id),
                    Dirty::Event(id) => (KINDS[4], json(store.events.get(&id)), id),
                    Dirty::Idempotency(id) => (KINDS[5], json(store.idempotency.get(&id)), id),
                };
                value.map(|json| (kind, id, json))
            })
            .collect();
        let (done, rx) = tokio::sync::oneshot::channel();
        // The writer only stops when every Persister is gone; a send cannot fail while this one exists.
        let _ = self.0.send(Batch { rows, done });
        rx
    }
}

fn write(mut conn: Connection, rx: std::sync::mpsc::Receiver<Batch>) {
    while let Ok(first) = rx.recv() {
        let mut batches = vec![first];
        batches.extend(rx.try_iter());
        let rows = batches.iter().flat_map(|b| &b.rows);
        if let Err(e) = upsert(&mut conn, rows) {
            tracing::error!("could not write the simulator's database: {e}");
        }
        for b in batches {
            let _ = b.done.send(());
        }
    }
}

fn upsert<'a>(
    conn: &mut Connection,
    rows: impl Iterator<Item = &'a (&'static str, String, String)>,
) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO objects (kind, id, json) VALUES (?1, ?2, ?3)
             ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json",
        )?;
        for (kind, id, json) in rows {
            upsert.execute(params![kind, id, json])?;
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::IdempotencyRecord;

    fn record(n: u16) -> IdempotencyRecord {
        IdempotencyRecord {
            fingerprint: format!("POST /v1/payment_intents amount={n}"),
            status: 200,
            body: serde_json::value::to_raw_value(&n).unwrap(),
            request_id: format!("req_{n}"),
            created: 1,
        }
    }

    #[tokio::test]
    async fn a_change_is_in_the_database_once_its_write_is_reported_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.sqlite3");
        let persister = Persist::open(&path).unwrap().start();
        let reader = Connection::open(&path).unwrap();
        let mut store = Store::default();
        // Many in a row: a report sent before its commit would be caught out by one of them.
        for n in 0..200u16 {
            store.remember(format!("key-{n}"), record(n));
            persister.stage(&mut store).await.unwrap();
            let rows: i64 = reader
                .query_row(
                    "SELECT count(*) FROM objects WHERE kind = 'idempotency' AND id = ?1",
                    [format!("key-{n}")],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(rows, 1, "key-{n} is stored when its write is done");
        }
        assert!(store.dirty.is_empty(), "staging takes the changes");
    }

    #[tokio::test]
    async fn changes_staged_together_are_written_in_the_order_they_were_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.sqlite3");
        let persister = Persist::open(&path).unwrap().start();
        let mut store = Store::default();
        let mut waits = Vec::new();
        for n in 0..50u16 {
            store.remember("one-key".to_owned(), record(n));
            waits.push(persister.stage(&mut store));
        }
        for w in waits {
            w.await.unwrap();
        }
        drop(persister);
        let mut reloaded = Store::default();
        Persist::open(&path).unwrap().load(&mut reloaded).unwrap();
        assert_eq!(reloaded.idempotency["one-key"].request_id, "req_49");
    }
}
