//! Card readers the backend knows: their label and the terminal each is assigned to. What a reader is doing is
//! Stripe's to say, and is asked each time.

use rusqlite::{params, OptionalExtension};

use super::{Connection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub reader_id: String,
    pub label: String,
    pub terminal: Option<String>,
    pub device_type: String,
    pub registered: i64,
}

const COLUMNS: &str = "reader_id, label, terminal, device_type, registered";

fn reader(r: &Row<'_>) -> rusqlite::Result<Reader> {
    Ok(Reader {
        reader_id: r.get(0)?,
        label: r.get(1)?,
        terminal: r.get(2)?,
        device_type: r.get(3)?,
        registered: r.get(4)?,
    })
}

pub fn get(conn: &Connection, reader_id: &str) -> rusqlite::Result<Option<Reader>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM readers WHERE reader_id = ?1"
    ))?
    .query_row([reader_id], reader)
    .optional()
}

/// Every reader, or (Some) one terminal's, in the order they were registered.
pub fn list(conn: &Connection, terminal: Option<&str>) -> rusqlite::Result<Vec<Reader>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM readers WHERE CAST(?1 AS TEXT) IS NULL OR terminal = ?1 ORDER BY registered, reader_id"
    ))?
    .query_map([terminal], reader)?
    .collect()
}

/// Adds a reader Stripe has registered, or updates it (a registration answered twice is the same reader).
pub fn upsert(conn: &Connection, r: &Reader) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO readers (reader_id, label, terminal, device_type, registered) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (reader_id) DO UPDATE SET label = excluded.label, terminal = excluded.terminal",
    )?
    .execute(params![r.reader_id, r.label, r.terminal, r.device_type, r.registered])?;
    Ok(())
}

pub fn location(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT location_id FROM reader_location WHERE \"only\" = 1")?
        .query_row((), |r| r.get(0))
        .optional()
}

/// Keeps the first location made; a second made by a race is left unused at Stripe.
pub fn set_location(conn: &Connection, location_id: &str) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "INSERT INTO reader_location (\"only\", location_id) VALUES (1, ?1) ON CONFLICT (\"only\") DO NOTHING",
    )?
    .execute([location_id])?;
    Ok(location(conn)?.unwrap_or_else(|| location_id.to_owned()))
}
