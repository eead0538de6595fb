//! Orders and their lines.

use kassa_stripe::PaymentIntentStatus;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Result, TillError};
use crate::status::OrderStatus;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[ts(rename = "OrderLine")]
pub struct Line {
    pub id: i64,
    pub sku: Option<String>,
    pub name: String,
    pub unit_amount: i64,
    pub quantity: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct LastError {
    pub code: Option<String>,
    pub message: String,
}

/// An order as the UI sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct Order {
    pub id: String,
    pub status: OrderStatus,
    pub currency: String,
    pub lines: Vec<Line>,
    /// What the customer pays: the lines, plus any tax that prices exclude.
    pub total: i64,
    /// The tax within `total`, included in prices or added to them.
    pub tax: i64,
    /// The tax per rate, for the cart and the receipt; empty when nothing is taxed.
    pub taxes: Vec<crate::tax::RateTotal>,
    /// Cash taken for this sale, if any: all of it, or the cash part of a split.
    pub cash: Option<super::tenders::CashPart>,
    /// What is left of the sale for the card: `total` less the cash.
    pub due: i64,
    /// The tip the customer adds to the card payment (not part of the sale's total): the card pays due + tip.
    pub tip: i64,
    pub payment_intent_id: Option<String>,
    #[ts(type = "PaymentStatus | null")]
    pub payment_status: Option<PaymentIntentStatus>,
    #[serde(skip)]
    pub payment_state_as_of: i64,
    #[serde(skip)]
    pub policy: crate::tax::Policy,
    pub last_error: Option<LastError>,
    pub fulfilled_at: Option<i64>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// How a card reader read the card (`contactless_emv`, …); none for a typed card.
    pub card_read_method: Option<String>,
    pub created: i64,
    pub updated: i64,
}

impl Order {
    /// What the card pays: what the cash left of the sale, and the tip.
    pub fn card_amount(&self) -> i64 {
        self.due + self.tip
    }

    /// Lines can change until the customer is paying: before an intent, or while it still awaits a card.
    pub fn editable(&self) -> bool {
        match self.status {
            // Once cash is in the drawer, the sale it paid toward is fixed.
            _ if self.cash.is_some() => false,
            OrderStatus::Open => true,
            OrderStatus::AwaitingPayment => matches!(
                self.payment_status,
                None | Some(PaymentIntentStatus::RequiresPaymentMethod)
                    | Some(PaymentIntentStatus::RequiresConfirmation)
            ),
            _ => false,
        }
    }
}

pub fn create(conn: &Connection, id: &str, currency: &str, now: i64) -> Result<()> {
    create_with(conn, id, currency, crate::tax::Policy::default(), now)
}

/// A new order under the store's rounding rule, which it keeps.
pub fn create_with(
    conn: &Connection,
    id: &str,
    currency: &str,
    policy: crate::tax::Policy,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO orders (id, currency, status, created, updated, tax_rounding, tax_scope)
         VALUES (?1, ?2, 'open', ?3, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        currency,
        now,
        to_word(&policy.rounding),
        to_word(&policy.scope)
    ])?;
    Ok(())
}

fn to_word<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// A stored rule word; the default when absent (orders from before rules were stored) or unknown.
fn word<T: serde::de::DeserializeOwned + Default>(s: Option<&str>) -> T {
    s.and_then(|s| serde_json::from_value(serde_json::Value::String(s.to_owned())).ok())
        .unwrap_or_default()
}

pub fn get(conn: &Connection, id: &str) -> Result<Order> {
    find(conn, id)?.ok_or_else(|| TillError::NotFound(format!("order {id}")))
}

pub fn find(conn: &Connection, id: &str) -> Result<Option<Order>> {
    let row = conn
        .prepare_cached(
            "SELECT o.id, o.status, o.currency, o.payment_intent_id, o.payment_status, o.payment_state_as_of,
                    o.last_error_code, o.last_error_message, o.card_brand, o.card_last4, o.created, o.updated,
                    COALESCE(f.fulfilled_at, o.cash_paid_at), o.tax_rounding, o.tax_scope, o.tip,
                    o.card_read_method
             FROM orders o LEFT JOIN fulfilments f ON f.order_id = o.id WHERE o.id = ?1")?.query_row(
            [id],
            |r| {
                Ok(Order {
                    id: r.get(0)?,
                    status: r.get(1)?,
                    currency: r.get(2)?,
                    lines: Vec::new(),
                    total: 0,
                    tax: 0,
                    taxes: Vec::new(),
                    cash: None,
                    due: 0,
                    tip: r.get(15)?,
                    payment_intent_id: r.get(3)?,
                    payment_status: r
                        .get_ref(4)?
                        .as_str_or_null()?
                        .map(PaymentIntentStatus::from),
                    payment_state_as_of: r.get(5)?,
                    last_error: r.get::<_, Option<String>>(7)?.map(|message| LastError { code: r.get(6).ok().flatten(), message }),
                    card_brand: r.get(8)?,
                    card_last4: r.get(9)?,
                    card_read_method: r.get(16)?,
                    created: r.get(10)?,
                    updated: r.get(11)?,
                    fulfilled_at: r.get(12)?,
                    policy: crate::tax::Policy {
                        rounding: word(r.get_ref(13)?.as_str_or_null()?),
                        scope: word(r.get_ref(14)?.as_str_or_null()?),
                    },
                })
            },
        )
        .optional()?;
    let Some(mut order) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, sku, name, unit_amount, quantity, tax_rate_id, tax_name, tax_basis_points, tax_inclusive
         FROM order_lines WHERE order_id = ?1 ORDER BY id",
    )?;
    let rows: Vec<(Line, Option<kassa_api::TaxRate>)> = stmt
        .query_map([id], |r| {
            let (unit_amount, quantity): (i64, i64) = (r.get(3)?, r.get(4)?);
            let rate = match r.get::<_, Option<String>>(5)? {
                Some(id) => Some(kassa_api::TaxRate {
                    id,
                    name: r.get(6)?,
                    basis_points: r.get(7)?,
                    inclusive: r.get(8)?,
                }),
                None => None,
            };
            let line = Line {
                id: r.get(0)?,
                sku: r.get(1)?,
                name: r.get(2)?,
                unit_amount,
                quantity,
                amount: unit_amount * quantity,
            };
            Ok((line, rate))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let lines: Vec<crate::tax::Line> = rows
        .iter()
        .map(|(l, rate)| crate::tax::Line {
            unit_amount: l.unit_amount,
            quantity: l.quantity,
            rate: rate.as_ref(),
        })
        .collect();
    let totals = crate::tax::totals(&lines, order.policy).map_err(|e| TillError::Invalid {
        field: "lines",
        message: format!("order {id}: {e}"),
    })?;
    order.total = totals.total;
    order.tax = totals.tax;
    order.taxes = totals.by_rate;
    order.lines = rows.into_iter().map(|(l, _)| l).collect();
    order.cash = super::tenders::cash_of(conn, id)?;
    order.due = order.total - order.cash.as_ref().map_or(0, |c| c.amount);
    Ok(Some(order))
}

pub fn by_intent(conn: &Connection, payment_intent_id: &str) -> Result<Option<Order>> {
    let id: Option<String> = conn
        .prepare_cached("SELECT id FROM orders WHERE payment_intent_id = ?1")?
        .query_row([payment_intent_id], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => find(conn, &id),
        None => Ok(None),
    }
}

/// The newest open or unpaid order: the cart the cashier was working on.
pub fn current(conn: &Connection) -> Result<Option<Order>> {
    let id: Option<String> = conn
        .prepare_cached(
            // `created` is in seconds and ids are random: the rowid, which grows with every insert, breaks ties, so
            // a sale started in the same second as the previous one is still the newest.
            "SELECT id FROM orders WHERE status IN ('open', 'awaiting_payment') ORDER BY created DESC, rowid DESC LIMIT 1")?.query_row(
            [],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => find(conn, &id),
        None => Ok(None),
    }
}

pub fn awaiting_payment(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT id FROM orders WHERE status = 'awaiting_payment' ORDER BY created")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

pub fn add_line(
    conn: &Connection,
    order_id: &str,
    sku: Option<&str>,
    name: &str,
    unit_amount: i64,
    now: i64,
) -> Result<()> {
    // The same item again raises its quantity rather than adding a second line.
    let updated = match sku {
        Some(sku) => conn.prepare_cached(
            "UPDATE order_lines SET quantity = quantity + 1 WHERE order_id = ?1 AND sku = ?2 AND unit_amount = ?3")?.execute(
            params![order_id, sku, unit_amount],
        )?,
        None => 0,
    };
    if updated == 0 {
        conn.prepare_cached(
            "INSERT INTO order_lines (order_id, sku, name, unit_amount, quantity) VALUES (?1, ?2, ?3, ?4, 1)")?.execute(
            params![order_id, sku, name, unit_amount],
        )?;
    }
    touch(conn, order_id, now)
}

/// A product from the catalogue, at its price and tax now: the line keeps both, whatever the catalogue says later.
pub fn add_product_line(
    conn: &Connection,
    order_id: &str,
    item: &super::catalog::Sellable,
    now: i64,
) -> Result<()> {
    let (p, t) = (&item.product, item.tax_rate.as_ref());
    // The same item again raises its quantity, unless its price or tax changed in between.
    let updated = conn
        .prepare_cached(
            "UPDATE order_lines SET quantity = quantity + 1
             WHERE order_id = ?1 AND sku = ?2 AND unit_amount = ?3 AND tax_rate_id IS ?4
                 AND tax_basis_points IS ?5 AND tax_inclusive IS ?6",
        )?
        .execute(params![
            order_id,
            p.sku,
            p.price,
            t.map(|t| &t.id),
            t.map(|t| t.basis_points),
            t.map(|t| t.inclusive)
        ])?;
    if updated == 0 {
        conn.prepare_cached(
            "INSERT INTO order_lines (order_id, sku, name, unit_amount, quantity, tax_rate_id, tax_name,
                 tax_basis_points, tax_inclusive)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            order_id,
            p.sku,
            p.name,
            p.price,
            t.map(|t| &t.id),
            t.map(|t| &t.name),
            t.map(|t| t.basis_points),
            t.map(|t| t.inclusive)
        ])?;
    }
    touch(conn, order_id, now)
}

/// The tax rates an order's lines were rung up with, by line id (lines without tax are absent).
pub fn line_taxes(conn: &Connection, order_id: &str) -> Result<Vec<(i64, kassa_api::TaxRate)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, tax_rate_id, tax_name, tax_basis_points, tax_inclusive FROM order_lines
             WHERE order_id = ?1 AND tax_rate_id IS NOT NULL ORDER BY id",
        )?
        .query_map([order_id], |r| {
            Ok((
                r.get(0)?,
                kassa_api::TaxRate {
                    id: r.get(1)?,
                    name: r.get(2)?,
                    basis_points: r.get(3)?,
                    inclusive: r.get(4)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// The order a cart line belongs to, if the line exists.
pub fn order_of_line(conn: &Connection, line_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT order_id FROM order_lines WHERE id = ?1")?
        .query_row([line_id], |r| r.get(0))
        .optional()?)
}

/// What the backend says is refunded so far; refunds only add up, so a smaller figure (an older answer) is ignored.
pub fn record_refunded(
    conn: &Connection,
    order_id: &str,
    amount_refunded: i64,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET amount_refunded = ?2, updated = ?3 WHERE id = ?1 AND amount_refunded < ?2",
    )?
    .execute(params![order_id, amount_refunded, now])?;
    Ok(())
}

pub fn set_quantity(
    conn: &Connection,
    order_id: &str,
    line_id: i64,
    quantity: i64,
    now: i64,
) -> Result<()> {
    let changed = if quantity == 0 {
        conn.prepare_cached("DELETE FROM order_lines WHERE id = ?1 AND order_id = ?2")?
            .execute(params![line_id, order_id])?
    } else {
        conn.prepare_cached("UPDATE order_lines SET quantity = ?3 WHERE id = ?1 AND order_id = ?2")?
            .execute(params![line_id, order_id, quantity])?
    };
    if changed == 0 {
        return Err(TillError::NotFound(format!(
            "line {line_id} of order {order_id}"
        )));
    }
    touch(conn, order_id, now)
}

fn touch(conn: &Connection, order_id: &str, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE orders SET updated = ?2 WHERE id = ?1")?
        .execute(params![order_id, now])?;
    Ok(())
}

pub fn set_intent(
    conn: &Connection,
    order_id: &str,
    payment_intent_id: &str,
    payment_status: &PaymentIntentStatus,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET payment_intent_id = ?2, status = CASE WHEN status = 'open' THEN 'awaiting_payment' ELSE status END,
             payment_status = COALESCE(payment_status, ?3), updated = ?4
         WHERE id = ?1")?.execute(
        params![order_id, payment_intent_id, payment_status.as_str(), now],
    )?;
    Ok(())
}

pub fn set_canceled(conn: &Connection, order_id: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET status = 'canceled', updated = ?2 WHERE id = ?1 AND status IN ('open', 'awaiting_payment')")?.execute(
        params![order_id, now],
    )?;
    Ok(())
}

/// The card that paid (or tried to): `read_method` is how a reader read it, none for a typed card.
pub fn set_card(
    conn: &Connection,
    order_id: &str,
    brand: &str,
    last4: &str,
    read_method: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET card_brand = ?2, card_last4 = ?3, card_read_method = ?4 WHERE id = ?1",
    )?
    .execute(params![order_id, brand, last4, read_method])?;
    Ok(())
}

/// Sets the tip the card payment adds (0: none).
pub fn set_tip(conn: &Connection, order_id: &str, tip: i64, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE orders SET tip = ?2, updated = ?3 WHERE id = ?1")?
        .execute(params![order_id, tip, now])?;
    Ok(())
}
