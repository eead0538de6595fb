//! The admin screen's reads: the payments table (keyset-paginated, fast at a million rows), a payment's detail
//! and timeline, end-of-day totals, the CSV export and what needs attention. All from the till's own SQLite.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, TillError};
use crate::status::{AttentionReason, DisplayStatus, FulfilmentState};
use crate::store::orders::{self, Order};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct AdminRow {
    pub order_id: String,
    pub terminal: String,
    pub amount: i64,
    pub currency: String,
    pub status: DisplayStatus,
    pub fulfilment: FulfilmentState,
    pub payment_intent_id: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// How a card reader read the card (`contactless_emv`, …); none for a typed card.
    pub card_read_method: Option<String>,
    pub amount_refunded: i64,
    pub created: i64,
    pub updated: i64,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AdminQuery {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub status: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub terminal: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub from: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub to: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub search: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub limit: Option<usize>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AdminPage {
    pub rows: Vec<AdminRow>,
    pub next: Option<String>,
}

const ROW_SQL: &str = "SELECT o.id, o.currency, o.display_status, o.payment_intent_id, o.card_brand, o.card_last4,
        o.amount_refunded, o.created, o.updated,
        (SELECT COALESCE(SUM(l.unit_amount * l.quantity), 0) FROM order_lines l WHERE l.order_id = o.id),
        EXISTS (SELECT 1 FROM fulfilments f WHERE f.order_id = o.id),
        o.card_read_method
    FROM orders o";

fn row(terminal: &str) -> impl Fn(&Row) -> rusqlite::Result<AdminRow> + '_ {
    move |r| {
        Ok(AdminRow {
            order_id: r.get(0)?,
            currency: r.get(1)?,
            status: r.get(2)?,
            payment_intent_id: r.get(3)?,
            card_brand: r.get(4)?,
            card_last4: r.get(5)?,
            card_read_method: r.get(11)?,
            amount_refunded: r.get(6)?,
            created: r.get(7)?,
            updated: r.get(8)?,
            amount: r.get(9)?,
            fulfilment: if r.get::<_, bool>(10)? {
                FulfilmentState::Fulfilled
            } else {
                FulfilmentState::NotFulfilled
            },
            terminal: terminal.to_owned(),
        })
    }
}

/// The WHERE clause of a query, or None when it cannot match anything (another terminal's orders).
fn filter(
    q: &AdminQuery,
    terminal: &str,
    args: &mut Vec<rusqlite::types::Value>,
) -> Result<Option<String>> {
    let mut clauses = vec!["o.status <> 'open'".to_owned()];
    if let Some(t) = q.terminal.as_deref().filter(|t| !t.is_empty()) {
        if t != terminal {
            return Ok(None);
        }
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let status: DisplayStatus = s.parse().map_err(|_| {
            let known: Vec<&str> = DisplayStatus::ALL.iter().map(|s| s.as_str()).collect();
            TillError::Invalid {
                field: "status",
                message: format!("status must be one of {}", known.join(", ")),
            }
        })?;
        args.push(status.as_str().to_owned().into());
        clauses.push(format!("o.display_status = ?{}", args.len()));
    }
    if let Some(from) = q.from {
        args.push(from.into());
        clauses.push(format!("o.created >= ?{}", args.len()));
    }
    if let Some(to) = q.to {
        args.push(to.into());
        clauses.push(format!("o.created < ?{}", args.len()));
    }
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // A prefix range, so both lookups use their unique indexes.
        args.push(search.to_owned().into());
        args.push(format!("{search}\u{10FFFF}").into());
        let (lo, hi) = (args.len() - 1, args.len());
        clauses.push(format!(
            "((o.id >= ?{lo} AND o.id < ?{hi}) OR (o.payment_intent_id >= ?{lo} AND o.payment_intent_id < ?{hi}))"
        ));
    }
    Ok(Some(clauses.join(" AND ")))
}

fn bad_after() -> TillError {
    TillError::Invalid {
        field: "after",
        message: "after must be the `next` of an earlier page".into(),
    }
}

/// One page, newest first, strictly after `after` = "created.id": keyset pagination, so the thousandth page
/// costs what the first does.
pub fn payments(conn: &Connection, terminal: &str, q: &AdminQuery) -> Result<AdminPage> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(TillError::Invalid {
            field: "limit",
            message: "limit must be between 1 and 500".into(),
        });
    }
    let mut args = Vec::new();
    let Some(mut clause) = filter(q, terminal, &mut args)? else {
        return Ok(AdminPage {
            rows: Vec::new(),
            next: None,
        });
    };
    if let Some(after) = q.after.as_deref().filter(|a| !a.is_empty()) {
        let (created, id) = after.split_once('.').ok_or_else(bad_after)?;
        let created: i64 = created.parse().map_err(|_| bad_after())?;
        args.push(created.into());
        args.push(id.to_owned().into());
        clause.push_str(&format!(
            " AND (o.created, o.id) < (?{}, ?{})",
            args.len() - 1,
            args.len()
        ));
    }
    args.push(((limit + 1) as i64).into());
    let sql = format!(
        "{ROW_SQL} WHERE {clause} ORDER BY o.created DESC, o.id DESC LIMIT ?{}",
        args.len()
    );
    let mut rows: Vec<AdminRow> = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(args), row(terminal))?
        .collect::<rusqlite::Result<_>>()?;
    let next = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|r| format!("{}.{}", r.created, r.order_id))
    });
    Ok(AdminPage {
        rows,
        next: next.flatten(),
    })
}

pub fn row_of(conn: &Connection, terminal: &str, order_id: &str) -> Result<AdminRow> {
    conn.query_row(
        &format!("{ROW_SQL} WHERE o.id = ?1"),
        [order_id],
        row(terminal),
    )
    .optional()?
    .ok_or_else(|| TillError::NotFound(format!("order {order_id}")))
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TimelineEntry {
    pub at: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub status_after: Option<String>,
    pub outcome: String,
    pub event_id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Fulfilment {
    pub payment_intent_id: String,
    pub event_id: String,
    pub amount: i64,
    pub currency: String,
    pub fulfilled_at: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PaymentDetail {
    pub row: AdminRow,
    pub order: Order,
    pub timeline: Vec<TimelineEntry>,
    pub fulfilment: Option<Fulfilment>,
    pub dashboard_url: Option<String>,
}

/// A payment's page in Stripe's Dashboard: test-mode payments live under `/test`.
pub fn dashboard_link(payment_intent_id: &str, livemode: bool) -> String {
    let mode = if livemode { "" } else { "/test" };
    format!("https://dashboard.stripe.com{mode}/payments/{payment_intent_id}")
}

pub fn detail(conn: &Connection, terminal: &str, order_id: &str) -> Result<PaymentDetail> {
    let row = row_of(conn, terminal, order_id)?;
    let order = orders::get(conn, order_id)?;
    let timeline = conn
        .prepare_cached(
            "SELECT applied_at, type, status_after, outcome, event_id FROM applied_events
             WHERE order_id = ?1 ORDER BY seq",
        )?
        .query_map([order_id], |r| {
            Ok(TimelineEntry {
                at: r.get(0)?,
                kind: r.get(1)?,
                status_after: r.get(2)?,
                outcome: r.get(3)?,
                event_id: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let fulfilment = conn
        .prepare_cached(
            "SELECT payment_intent_id, event_id, amount, currency, fulfilled_at FROM fulfilments WHERE order_id = ?1")?.query_row(
            [order_id],
            |r| Ok(Fulfilment { payment_intent_id: r.get(0)?, event_id: r.get(1)?, amount: r.get(2)?, currency: r.get(3)?, fulfilled_at: r.get(4)? }),
        )
        .optional()?;
    // The Dashboard of the payment's own mode, as Stripe's events said it; no link before one has.
    let livemode: Option<bool> = conn
        .prepare_cached("SELECT livemode FROM orders WHERE id = ?1")?
        .query_row([order_id], |r| r.get(0))?;
    let dashboard_url = row
        .payment_intent_id
        .as_ref()
        .zip(livemode)
        .map(|(pi, live)| dashboard_link(pi, live));
    Ok(PaymentDetail {
        row,
        order,
        timeline,
        fulfilment,
        dashboard_url,
    })
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct DayTotal {
    pub currency: String,
    pub status: DisplayStatus,
    pub count: i64,
    pub amount: i64,
    pub amount_refunded: i64,
    pub net: i64,
}

/// Totals by currency and status for [from, to); refunds are netted from what succeeded.
pub fn end_of_day(conn: &Connection, from: i64, to: i64) -> Result<Vec<DayTotal>> {
    let totals = conn
        .prepare_cached(
            "SELECT o.currency, o.display_status, COUNT(*),
                    COALESCE(SUM((SELECT SUM(l.unit_amount * l.quantity) FROM order_lines l WHERE l.order_id = o.id)), 0),
                    COALESCE(SUM(o.amount_refunded), 0)
             FROM orders o WHERE o.status <> 'open' AND o.created >= ?1 AND o.created < ?2
             GROUP BY o.currency, o.display_status ORDER BY o.currency, o.display_status",
        )?
        .query_map(params![from, to], |r| {
            let (status, amount, refunded): (DisplayStatus, i64, i64) = (r.get(1)?, r.get(3)?, r.get(4)?);
            Ok(DayTotal {
                currency: r.get(0)?,
                net: if status == DisplayStatus::Succeeded { amount - refunded } else { 0 },
                status,
                count: r.get(2)?,
                amount,
                amount_refunded: refunded,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(totals)
}

/// Every row the filters match (not just a page), as CSV with a header; money in minor units.
pub fn csv(conn: &Connection, terminal: &str, q: &AdminQuery) -> Result<(String, usize)> {
    let mut out = String::from(
        "order_id,terminal,amount,currency,status,fulfilment,payment_intent_id,card_brand,card_last4,amount_refunded,created\n",
    );
    let mut page = AdminQuery {
        limit: Some(500),
        after: None,
        ..q.clone()
    };
    let mut count = 0;
    loop {
        let result = payments(conn, terminal, &page)?;
        for r in &result.rows {
            let fields = [
                r.order_id.clone(),
                r.terminal.clone(),
                r.amount.to_string(),
                r.currency.clone(),
                r.status.to_string(),
                r.fulfilment.to_string(),
                r.payment_intent_id.clone().unwrap_or_default(),
                r.card_brand.clone().unwrap_or_default(),
                r.card_last4.clone().unwrap_or_default(),
                r.amount_refunded.to_string(),
                r.created.to_string(),
            ];
            out.push_str(
                &fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
            count += 1;
        }
        match result.next {
            Some(next) => page.after = Some(next),
            None => return Ok((out, count)),
        }
    }
}

pub(crate) fn csv_field(f: &str) -> String {
    // Quote what needs it, and defuse a leading formula character so a spreadsheet never runs it.
    let f = if f.starts_with(['=', '+', '-', '@']) && f.parse::<i64>().is_err() {
        format!("'{f}")
    } else {
        f.to_owned()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AttentionItem {
    pub row: AdminRow,
    pub reason: AttentionReason,
    pub since: i64,
    /// For `stripe_disagrees`: what Stripe and the event each said.
    pub detail: Option<String>,
}

/// Payments stuck in processing or requires_action for longer than `stuck_after_secs`, orders paid but not
/// fulfilled, and orders whose final status Stripe contradicted.
pub fn needs_attention(
    conn: &Connection,
    terminal: &str,
    now: i64,
    stuck_after_secs: i64,
) -> Result<Vec<AttentionItem>> {
    let mut items: Vec<AttentionItem> = conn
        .prepare_cached(&format!(
            "{ROW_SQL} WHERE o.payment_status IN ('processing', 'requires_action') AND o.status = 'awaiting_payment'
             AND o.updated < ?1 ORDER BY o.updated LIMIT 200"
        ))?
        .query_map([now - stuck_after_secs], row(terminal))?
        .map(|r| r.map(|row| AttentionItem { since: row.updated, row, reason: AttentionReason::Stuck, detail: None }))
        .collect::<rusqlite::Result<_>>()?;
    let unfulfilled: Vec<AttentionItem> = conn
        .prepare_cached(&format!(
            "{ROW_SQL} WHERE o.payment_status = 'succeeded' AND o.status <> 'paid' ORDER BY o.updated LIMIT 200"
        ))?
        .query_map([], row(terminal))?
        .map(|r| r.map(|row| AttentionItem { since: row.updated, row, reason: AttentionReason::PaidNotFulfilled, detail: None }))
        .collect::<rusqlite::Result<_>>()?;
    items.extend(unfulfilled);
    // Stripe contradicted an event: the order's status is Stripe's now, and what happened is for a person to see.
    let disagreed: Vec<(String, String)> = conn
        .prepare_cached("SELECT id, disagreement FROM orders WHERE disagreement IS NOT NULL ORDER BY updated LIMIT 200")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (order_id, detail) in disagreed {
        let row = conn.query_row(
            &format!("{ROW_SQL} WHERE o.id = ?1"),
            [&order_id],
            row(terminal),
        )?;
        items.push(AttentionItem {
            since: row.updated,
            row,
            reason: AttentionReason::StripeDisagrees,
            detail: Some(detail),
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-5"), "-5");
    }
}
