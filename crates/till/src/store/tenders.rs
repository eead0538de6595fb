//! Cash tenders and the queue of those still to send to the backend.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::error::Result;

/// The cash part of a sale: what it paid toward the total, what the customer gave, and the change.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct CashPart {
    pub tender_id: String,
    pub amount: i64,
    pub given: i64,
    pub change: i64,
    pub taken_at: i64,
}

pub fn cash_of(conn: &Connection, order_id: &str) -> Result<Option<CashPart>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, amount, given, created FROM tenders WHERE order_id = ?1 AND kind = 'cash'",
        )?
        .query_row([order_id], |r| {
            let (amount, given): (i64, i64) = (r.get(1)?, r.get(2)?);
            Ok(CashPart {
                tender_id: r.get(0)?,
                amount,
                given,
                change: given - amount,
                taken_at: r.get(3)?,
            })
        })
        .optional()?)
}

/// Records the cash; when it covers the sale, the sale is paid in the same transaction.
pub fn take_cash(
    conn: &Connection,
    order_id: &str,
    tender_id: &str,
    amount: i64,
    given: i64,
    pays_in_full: bool,
    now: i64,
) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.prepare_cached(
        "INSERT INTO tenders (id, order_id, kind, amount, given, created) VALUES (?1, ?2, 'cash', ?3, ?4, ?5)",
    )?
    .execute(params![tender_id, order_id, amount, given, now])?;
    if pays_in_full {
        tx.prepare_cached(
            "UPDATE orders SET status = 'paid', cash_paid_at = ?2, updated = ?2, tip = 0,
                 shift = (SELECT number FROM shifts WHERE closed_at IS NULL)
             WHERE id = ?1 AND status IN ('open', 'awaiting_payment')",
        )?
        .execute(params![order_id, now])?;
    } else {
        tx.prepare_cached("UPDATE orders SET updated = ?2 WHERE id = ?1")?
            .execute(params![order_id, now])?;
    }
    tx.commit()?;
    Ok(())
}

/// The cash of a sale abandoned before it was paid goes back to the customer: its tender is no more.
pub fn return_cash(conn: &Connection, order_id: &str) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM tenders WHERE order_id = ?1 AND sent_at IS NULL
             AND order_id IN (SELECT id FROM orders WHERE status != 'paid')",
    )?
    .execute([order_id])?;
    Ok(())
}

/// Cash of paid sales that the backend has not yet acknowledged, oldest first.
pub fn unsent(conn: &Connection, limit: usize) -> Result<Vec<String>> {
    let ids = conn
        .prepare_cached(
            "SELECT t.order_id FROM tenders t JOIN orders o ON o.id = t.order_id
             WHERE t.sent_at IS NULL AND t.refused IS NULL AND o.status = 'paid' ORDER BY t.created, t.id LIMIT ?1",
        )?
        .query_map([limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

pub fn unsent_count(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM tenders t JOIN orders o ON o.id = t.order_id
             WHERE t.sent_at IS NULL AND t.refused IS NULL AND o.status = 'paid'",
        )?
        .query_row([], |r| r.get(0))?)
}

pub fn mark_sent(conn: &Connection, tender_id: &str, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE tenders SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL")?
        .execute(params![tender_id, now])?;
    Ok(())
}

/// The backend refused the tender (a 4xx other than an outage): it stays here, unsent, with the reason.
pub fn mark_refused(conn: &Connection, tender_id: &str, why: &str) -> Result<()> {
    conn.prepare_cached("UPDATE tenders SET refused = ?2 WHERE id = ?1 AND sent_at IS NULL")?
        .execute(params![tender_id, why])?;
    Ok(())
}
