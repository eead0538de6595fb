//! Z reports, stored once each by the id the till gave them.

use kassa_api::{ShiftReport, StoredShiftReport};
use rusqlite::{params, OptionalExtension};

use super::{Connection, Row};

use super::cash::Stored;

fn row(r: &Row<'_>) -> rusqlite::Result<StoredShiftReport> {
    let payload: String = r.get(1)?;
    let report: ShiftReport = serde_json::from_str(&payload).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(StoredShiftReport {
        report_id: r.get(0)?,
        report,
        received_at: r.get(2)?,
    })
}

pub fn get(conn: &Connection, report_id: &str) -> rusqlite::Result<Option<StoredShiftReport>> {
    conn.prepare_cached(
        "SELECT report_id, payload, received_at FROM shift_reports WHERE report_id = ?1",
    )?
    .query_row([report_id], row)
    .optional()
}

pub fn list(
    conn: &Connection,
    terminal: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<StoredShiftReport>> {
    conn.prepare_cached(
        "SELECT report_id, payload, received_at FROM shift_reports WHERE CAST(?1 AS TEXT) IS NULL OR terminal = ?1
         ORDER BY closed_at DESC, report_id LIMIT ?2",
    )?
    .query_map(params![terminal, limit as i64], row)?
    .collect()
}

pub fn put(
    conn: &Connection,
    report_id: &str,
    report: &ShiftReport,
    now: i64,
) -> rusqlite::Result<Stored<StoredShiftReport>> {
    let tx = conn.transaction()?;
    if let Some(stored) = get(&tx, report_id)? {
        return Ok(if &stored.report == report {
            Stored::Record(stored)
        } else {
            Stored::Clash(format!(
                "shift report {report_id} was already recorded with other figures"
            ))
        });
    }
    let other: Option<String> = tx
        .prepare_cached("SELECT report_id FROM shift_reports WHERE terminal = ?1 AND number = ?2")?
        .query_row(params![report.terminal, report.number], |r| r.get(0))
        .optional()?;
    if let Some(other) = other {
        return Ok(Stored::Clash(format!(
            "{}'s shift {} is already closed by report {other}",
            report.terminal, report.number
        )));
    }
    let payload = serde_json::to_string(report)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    tx.prepare_cached(
        "INSERT INTO shift_reports (report_id, terminal, number, closed_at, payload, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        report_id,
        report.terminal,
        report.number,
        report.closed_at.unwrap_or_default(),
        payload,
        now
    ])?;
    let stored = get(&tx, report_id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(Stored::Record(stored))
}
