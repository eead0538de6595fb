//! The event log behind the feed. `cursor` is SQLite's AUTOINCREMENT rowid or PostgreSQL's sequence: strictly
//! increasing, never reused, and handed out in commit order (see [`Connection::stored_event`]), so a till that stores
//! the last cursor it applied resumes exactly where it left off.

use rusqlite::{params, OptionalExtension};

use super::{Connection, Row};
use serde_json::value::RawValue;

pub struct NewEvent<'a> {
    pub event_id: &'a str,
    pub kind: &'a str,
    pub payment_intent_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub terminal: Option<&'a str>,
    pub source: &'a str,
    pub stripe_created: i64,
    pub received: i64,
    pub payload: &'a str,
}

/// Stores an event; returns its cursor, or None when an event with that id is already stored.
pub fn insert(conn: &Connection, e: &NewEvent) -> rusqlite::Result<Option<i64>> {
    let cursor = conn.prepare_cached(
        "INSERT INTO events (event_id, type, payment_intent_id, order_id, terminal, is_foreign, source, stripe_created, received, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (event_id) DO NOTHING RETURNING cursor",
    )?
    .query_row(params![
            e.event_id,
            e.kind,
            e.payment_intent_id,
            e.order_id,
            e.terminal,
            e.order_id.is_none(),
            e.source,
            e.stripe_created,
            e.received,
            e.payload
        ], |r| r.get(0))
    .optional()?;
    if let Some(cursor) = cursor {
        conn.stored_event(cursor)?;
    }
    Ok(cursor)
}

/// Stores a change to the catalogue as a feed item for every till; returns its cursor.
pub fn insert_catalog(conn: &Connection, event: &kassa_api::CatalogEvent) -> rusqlite::Result<i64> {
    let payload = serde_json::to_string(event)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let cursor = conn
        .prepare_cached(
            "INSERT INTO events (event_id, type, is_foreign, source, stripe_created, received, payload)
             VALUES (?1, ?2, 0, 'catalog', ?3, ?3, ?4) RETURNING cursor",
        )?
        .query_row(params![event.id, event.kind, event.created, payload], |r| {
            r.get(0)
        })?;
    conn.stored_event(cursor)?;
    Ok(cursor)
}

/// A feed item as the backend serves it: the Stripe event exactly as verified.
pub type FeedItem = kassa_api::FeedItem<Box<RawValue>>;

const SELECT: &str =
    "SELECT cursor, order_id, terminal, is_foreign, source, received, payload FROM events";

fn item(r: &Row) -> rusqlite::Result<FeedItem> {
    let payload: String = r.get(6)?;
    Ok(FeedItem {
        cursor: r.get(0)?,
        order_id: r.get(1)?,
        terminal: r.get(2)?,
        foreign: r.get(3)?,
        source: match r.get_ref(4)?.as_str()? {
            "reconcile" => kassa_api::EventSource::Reconcile,
            "catalog" => kassa_api::EventSource::Catalog,
            _ => kassa_api::EventSource::Webhook,
        },
        received: r.get(5)?,
        event: RawValue::from_string(payload)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
    })
}

/// A page stops growing past this many bytes of events (it holds at least one, however large): a catalogue
/// import of tens of thousands of products is one event of several megabytes.
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Events past `after` up to `durable` (the cursor known to be on disk), oldest first; only `terminal`'s own
/// and the catalogue's when given.
pub fn feed(
    conn: &Connection,
    after: i64,
    durable: i64,
    terminal: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<FeedItem>> {
    let mut stmt = match terminal {
        Some(_) => conn.prepare_cached(&format!(
            "{SELECT} WHERE (terminal = ?1 OR source = 'catalog') AND cursor > ?2 AND cursor <= ?3
             ORDER BY cursor LIMIT ?4"
        ))?,
        None => conn.prepare_cached(&format!(
            "{SELECT} WHERE CAST(?1 AS TEXT) IS NULL AND cursor > ?2 AND cursor <= ?3 ORDER BY cursor LIMIT ?4"
        ))?,
    };
    let mut rows = stmt.query_map(params![terminal, after, durable, limit as i64], item)?;
    let (mut page, mut bytes) = (Vec::new(), 0);
    while bytes < PAGE_BYTES {
        match rows.next() {
            Some(item) => {
                let item = item?;
                bytes += item.event.get().len();
                page.push(item);
            }
            None => break,
        }
    }
    Ok(page)
}

pub fn latest_cursor(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COALESCE(MAX(cursor), 0) FROM events")?
        .query_row((), |r| r.get(0))
}

/// An order's events, for the admin's timeline.
pub fn for_intent(conn: &Connection, payment_intent_id: &str) -> rusqlite::Result<Vec<FeedItem>> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE payment_intent_id = ?1 ORDER BY cursor"
    ))?
    .query_map([payment_intent_id], item)?
    .collect()
}
