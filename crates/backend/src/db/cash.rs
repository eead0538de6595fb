//! Cash tenders, stored once each by the id the till gave them.

use kassa_api::{CashRecord, CashTender};
use rusqlite::{params, OptionalExtension};

use super::{Connection, Row};

/// What storing a record the till named did.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored<T = CashRecord> {
    /// New, or the same record sent again: the stored one either way.
    Record(T),
    /// The id is taken by a different record, or what it is about already has another.
    Clash(String),
}

const COLUMNS: &str =
    "tender_id, terminal, order_id, amount, given, currency, sale_total, sale_tax, taken_at, \
                       received_at";

pub fn get(conn: &Connection, tender_id: &str) -> rusqlite::Result<Option<CashRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM cash_tenders WHERE tender_id = ?1"
    ))?
    .query_row([tender_id], record)
    .optional()
}

/// The newest `limit` tenders, of one terminal or (None) of all.
pub fn list(
    conn: &Connection,
    terminal: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<CashRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM cash_tenders WHERE CAST(?1 AS TEXT) IS NULL OR terminal = ?1
         ORDER BY taken_at DESC, tender_id DESC LIMIT ?2"
    ))?
    .query_map(params![terminal, limit as i64], record)?
    .collect()
}

fn record(r: &Row<'_>) -> rusqlite::Result<CashRecord> {
    Ok(CashRecord {
        tender_id: r.get(0)?,
        terminal: r.get(1)?,
        tender: CashTender {
            order_id: r.get(2)?,
            amount: r.get(3)?,
            given: r.get(4)?,
            currency: r.get(5)?,
            sale_total: r.get(6)?,
            sale_tax: r.get(7)?,
            taken_at: r.get(8)?,
        },
        received_at: r.get(9)?,
    })
}

/// Stores the tender unless it is there already, in one transaction.
pub fn put(
    conn: &Connection,
    tender_id: &str,
    terminal: &str,
    tender: &CashTender,
    now: i64,
) -> rusqlite::Result<Stored> {
    let tx = conn.transaction()?;
    if let Some(stored) = get(&tx, tender_id)? {
        return Ok(if stored.terminal == terminal && &stored.tender == tender {
            Stored::Record(stored)
        } else {
            Stored::Clash(format!(
                "cash tender {tender_id} was already recorded with other details"
            ))
        });
    }
    let other: Option<String> = tx
        .prepare_cached("SELECT tender_id FROM cash_tenders WHERE terminal = ?1 AND order_id = ?2")?
        .query_row(params![terminal, tender.order_id], |r| r.get(0))
        .optional()?;
    if let Some(other) = other {
        return Ok(Stored::Clash(format!(
            "order {} already has cash tender {other}",
            tender.order_id
        )));
    }
    tx.prepare_cached(
        "INSERT INTO cash_tenders (tender_id, terminal, order_id, amount, given, currency, sale_total, sale_tax,
                                   taken_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        tender_id,
        terminal,
        tender.order_id,
        tender.amount,
        tender.given,
        tender.currency,
        tender.sale_total,
        tender.sale_tax,
        tender.taken_at,
        now
    ])?;
    let stored = get(&tx, tender_id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(Stored::Record(stored))
}
