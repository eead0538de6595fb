//! `--db PATH`: the store in SQLite, written row by row as operations change it, so a demo survives a restart.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
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
    #[error(
        "the simulator's database {path} holds {written}-mode data and the simulator runs in {running} mode; \
         Stripe keeps test and live data apart: give this mode its own --db"
    )]
    OtherMode {
        path: String,
        written: &'static str,
        running: &'static str,
    },
}

const KINDS: [&str; 8] = [
    "intent",
    "charge",
    "payment_method",
    "refund",
    "event",
    "idempotency",
    "location",
    "reader",
];

impl Persist {
    /// Opens the database for a simulator running in test or live (`live`) mode.
    ///
    /// A database belongs to the mode it was first written in, and opening it in the other is refused. Stripe never
    /// shows a live key a test object; and what is stored as sent (events, idempotent replays) would go on saying
    /// the old `livemode`, so relabelling the rows on open could not make them consistent either.
    pub fn open(path: &Path, live: bool) -> Result<Self, PersistError> {
        let wrap = |source| PersistError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(wrap)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS objects (
                 kind TEXT NOT NULL,
                 id TEXT NOT NULL,
                 json TEXT NOT NULL,
                 PRIMARY KEY (kind, id)
             );
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )
        .map_err(wrap)?;
        let mode = |live| if live { "live" } else { "test" };
        let running = mode(live);
        let recorded: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'mode'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(wrap)?;
        let written = match recorded.as_deref() {
            Some(m) => mode(m == "live"),
            None => {
                // Objects without a recorded mode were written before --live existed: in test mode.
                let legacy = conn
                    .query_row("SELECT 1 FROM objects LIMIT 1", [], |_| Ok(()))
                    .optional()
                    .map_err(wrap)?
                    .is_some();
                let written = if legacy { "test" } else { running };
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('mode', ?1)",
                    [written],
                )
                .map_err(wrap)?;
                written
            }
        };
        if written != running {
            return Err(PersistError::OtherMode {
                path: path.display().to_string(),
                written,
                running,
            });
        }
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
        store.locations = rows(&self.0, KINDS[6])?.into_iter().collect();
        store.readers = rows(&self.0, KINDS[7])?.into_iter().collect();
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

/// One object as stored: its kind, id and JSON.
type Row = (&'static str, String, String);

struct Batch {
    rows: Vec<Row>,
    /// Told once the rows are committed, or the commit failed (logged; the rows are tried again with the next
    /// batch, and the simulator goes on serving its state from memory).
    done: tokio::sync::oneshot::Sender<()>,
}

impl Persister {
    /// Takes what the last operation changed. The receiver resolves once it is committed: an operation answers
    /// and delivers its events only then, so nothing the simulator has said is missing from its database after a
    /// crash of the process. Called under the store's lock, so changes queue in the order they were made.
    pub fn stage(&self, store: &mut Store) -> tokio::sync::oneshot::Receiver<()> {
        fn json<T: Serialize>(v: Option<&T>) -> Option<String> {
            v.map(|v| serde_json::to_string(v).expect("model types serialize"))
        }
        let rows = std::mem::take(&mut store.dirty)
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
                    Dirty::Location(id) => (KINDS[6], json(store.locations.get(&id)), id),
                    Dirty::Reader(id) => (KINDS[7], json(store.readers.get(&id)), id),
                };
                value.map(|json| (kind, id, json))
            })
            .collect();
        self.send(rows)
    }

    /// Resolves once everything staged before it is committed.
    pub fn flush(&self) -> tokio::sync::oneshot::Receiver<()> {
        self.send(Vec::new())
    }

    fn send(&self, rows: Vec<Row>) -> tokio::sync::oneshot::Receiver<()> {
        let (done, rx) = tokio::sync::oneshot::channel();
        // The writer only stops when every Persister is gone; a send cannot fail while this one exists.
        let _ = self.0.send(Batch { rows, done });
        rx
    }
}

fn write(mut conn: Connection, rx: std::sync::mpsc::Receiver<Batch>) {
    // Rows whose commit failed go first into the next one, so a later change of the same object still wins.
    let mut unwritten: Vec<Row> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut rows = std::mem::take(&mut unwritten);
        let mut done = Vec::new();
        for batch in std::iter::once(first).chain(rx.try_iter()) {
            rows.extend(batch.rows);
            done.push(batch.done);
        }
        if let Err(e) = upsert(&mut conn, &rows) {
            tracing::error!(
                "could not write the simulator's database, {} changes kept for the next try: {e}",
                rows.len()
            );
            unwritten = rows;
        }
        for d in done {
            let _ = d.send(());
        }
    }
}

fn upsert(conn: &mut Connection, rows: &[Row]) -> Result<(), rusqlite::Error> {
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

    /// Another connection, holding the database's write lock until it commits.
    fn writer_blocked(path: &Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn
    }

    fn stored(path: &Path, kind: &str, id: &str) -> Option<String> {
        Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT json FROM objects WHERE kind = ?1 AND id = ?2",
                [kind, id],
                |r| r.get(0),
            )
            .ok()
    }

    #[tokio::test]
    async fn a_change_is_reported_done_only_once_it_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.sqlite3");
        let persister = Persist::open(&path, false).unwrap().start();
        let mut store = Store::default();
        let blocker = writer_blocked(&path);
        store.remember("key-1".to_owned(), record(1));
        let mut done = persister.stage(&mut store);
        assert!(store.dirty.is_empty(), "staging takes the changes");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            done.try_recv().is_err(),
            "not done while the database is locked"
        );
        assert_eq!(stored(&path, "idempotency", "key-1"), None);
        blocker.execute_batch("COMMIT").unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), done)
            .await
            .expect("done once the lock is gone")
            .unwrap();
        assert!(stored(&path, "idempotency", "key-1").is_some());
    }

    #[tokio::test]
    async fn changes_that_queue_up_are_written_together_and_the_last_change_of_an_object_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.sqlite3");
        let persister = Persist::open(&path, false).unwrap().start();
        let mut store = Store::default();
        // The writer is held up on the first change, so the other 49 queue up behind it as one batch.
        let blocker = writer_blocked(&path);
        let mut waits = Vec::new();
        for n in 0..50u16 {
            store.remember("one-key".to_owned(), record(n));
            waits.push(persister.stage(&mut store));
        }
        blocker.execute_batch("COMMIT").unwrap();
        for w in waits {
            w.await.unwrap();
        }
        persister.flush().await.unwrap();
        let mut reloaded = Store::default();
        Persist::open(&path, false)
            .unwrap()
            .load(&mut reloaded)
            .unwrap();
        assert_eq!(reloaded.idempotency["one-key"].request_id, "req_49");
    }
}
