//! Shifts and their figures: the X report of the open shift, and the Z report that closes it.

use kassa_api::{ShiftReport, ShiftTax, TenderTotal};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Result, TillError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub number: i64,
    pub opened_at: i64,
    pub opening_float: i64,
}

/// The open shift (there is always one).
pub fn current(conn: &Connection) -> Result<Shift> {
    conn.prepare_cached(
        "SELECT number, opened_at, opening_float FROM shifts WHERE closed_at IS NULL",
    )?
    .query_row([], |r| {
        Ok(Shift {
            number: r.get(0)?,
            opened_at: r.get(1)?,
            opening_float: r.get(2)?,
        })
    })
    .optional()?
    .ok_or_else(|| TillError::Storage("no shift is open".into()))
}

pub fn record_refund(
    conn: &Connection,
    order_id: &str,
    amount: i64,
    currency: &str,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO refunds_seen (order_id, amount, currency, shift, seen_at)
         VALUES (?1, ?2, ?3, (SELECT number FROM shifts WHERE closed_at IS NULL), ?4)",
    )?
    .execute(params![order_id, amount, currency, now])?;
    Ok(())
}

/// The shift's figures in `currency` (the store's; sales in another currency, from before the store was set,
/// are not mixed in). `closed_at` and `counted` are None for an X report.
pub fn report(
    conn: &Connection,
    terminal: &str,
    currency: &str,
    shift: &Shift,
    closed_at: Option<i64>,
    counted: Option<i64>,
) -> Result<ShiftReport> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM orders WHERE shift = ?1 AND status = 'paid' AND currency = ?2 ORDER BY created, id",
        )?
        .query_map(params![shift.number, currency], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut cash, mut card) = (
        TenderTotal {
            kind: "cash".into(),
            count: 0,
            amount: 0,
        },
        TenderTotal {
            kind: "card".into(),
            count: 0,
            amount: 0,
        },
    );
    let mut taxes: Vec<ShiftTax> = Vec::new();
    let (mut gross, mut tips) = (0, 0);
    for id in &ids {
        let order = super::orders::get(conn, id)?;
        gross += order.total;
        if let Some(c) = &order.cash {
            cash.count += 1;
            cash.amount += c.amount;
        }
        if order.due > 0 {
            card.count += 1;
            card.amount += order.due;
            tips += order.tip;
        }
        for t in &order.taxes {
            match taxes.iter_mut().find(|s| {
                s.name == t.name && s.basis_points == t.basis_points && s.inclusive == t.inclusive
            }) {
                Some(s) => {
                    s.net += t.net;
                    s.tax += t.tax;
                }
                None => taxes.push(ShiftTax {
                    name: t.name.clone(),
                    basis_points: t.basis_points,
                    inclusive: t.inclusive,
                    net: t.net,
                    tax: t.tax,
                }),
            }
        }
    }
    // Lowest rate first, as tax offices' forms list them.
    taxes.sort_by(|a, b| {
        (a.basis_points, a.inclusive, &a.name).cmp(&(b.basis_points, b.inclusive, &b.name))
    });
    let (refunds_count, refunds): (i64, i64) = conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM refunds_seen WHERE shift = ?1 AND currency = ?2",
        )?
        .query_row(params![shift.number, currency], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let expected_cash = shift.opening_float + cash.amount;
    Ok(ShiftReport {
        terminal: terminal.to_owned(),
        number: shift.number,
        currency: currency.to_owned(),
        opened_at: shift.opened_at,
        closed_at,
        sales_count: ids.len() as i64,
        gross,
        tenders: vec![cash, card],
        tips,
        taxes,
        refunds_count,
        refunds,
        opening_float: shift.opening_float,
        expected_cash,
        counted_cash: counted,
        difference: counted.map(|c| c - expected_cash),
    })
}

/// Closes the open shift with its Z report and opens the next with `next_float` in the drawer, in one
/// transaction: a sale is in one shift or the other.
pub fn close(
    conn: &Connection,
    terminal: &str,
    currency: &str,
    counted: i64,
    next_float: i64,
    report_id: &str,
    now: i64,
) -> Result<ShiftReport> {
    let tx = conn.unchecked_transaction()?;
    let shift = current(&tx)?;
    let report = report(&tx, terminal, currency, &shift, Some(now), Some(counted))?;
    let json = serde_json::to_string(&report).map_err(|e| TillError::Storage(e.to_string()))?;
    tx.prepare_cached(
        "UPDATE shifts SET closed_at = ?2, report = ?3, report_id = ?4 WHERE number = ?1 AND closed_at IS NULL",
    )?
    .execute(params![shift.number, now, json, report_id])?;
    tx.prepare_cached("INSERT INTO shifts (number, opened_at, opening_float) VALUES (?1, ?2, ?3)")?
        .execute(params![shift.number + 1, now, next_float])?;
    tx.commit()?;
    Ok(report)
}

/// Closed shifts' reports the backend has not stored yet, oldest first.
pub fn unsent(conn: &Connection) -> Result<Vec<(String, ShiftReport)>> {
    conn.prepare_cached(
        "SELECT report_id, report FROM shifts
         WHERE report IS NOT NULL AND sent_at IS NULL AND refused IS NULL ORDER BY number",
    )?
    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
    .map(|row| {
        let (id, json) = row?;
        let report = serde_json::from_str(&json).map_err(|e| TillError::Storage(e.to_string()))?;
        Ok((id, report))
    })
    .collect()
}

pub fn mark_sent(conn: &Connection, report_id: &str, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE shifts SET sent_at = ?2 WHERE report_id = ?1 AND sent_at IS NULL")?
        .execute(params![report_id, now])?;
    Ok(())
}

pub fn mark_refused(conn: &Connection, report_id: &str, why: &str) -> Result<()> {
    conn.prepare_cached("UPDATE shifts SET refused = ?2 WHERE report_id = ?1 AND sent_at IS NULL")?
        .execute(params![report_id, why])?;
    Ok(())
}

/// The Z reports this till closed, newest first, with whether the backend has them.
pub fn closed(conn: &Connection, limit: usize) -> Result<Vec<(ShiftReport, bool)>> {
    conn.prepare_cached(
        "SELECT report, sent_at IS NOT NULL FROM shifts WHERE report IS NOT NULL ORDER BY number DESC LIMIT ?1",
    )?
    .query_map([limit as i64], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?
    .map(|row| {
        let (json, sent) = row?;
        let report = serde_json::from_str(&json).map_err(|e| TillError::Storage(e.to_string()))?;
        Ok((report, sent))
    })
    .collect()
}
