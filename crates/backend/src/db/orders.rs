//! Orders and their payment state. The state only ever moves as Stripe's lifecycle allows: a terminal status
//! (succeeded, canceled) is final, and an older snapshot never overwrites a newer one.

use kassa_api::Payment;
use kassa_stripe::PaymentIntentStatus as Status;
use rusqlite::{params, OptionalExtension};

use super::{Connection, Row};
use serde_json::Value;

/// An order's row: what the wire shows of it ([`Payment`], the contract's type) and reconciliation's bookkeeping,
/// which never leaves the backend. It reads as the payment it holds (`order.status`).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub payment: Payment,
    /// Stripe's `created` of the newest snapshot applied.
    pub state_as_of: i64,
    /// The feed cursor of the event that last changed the status.
    pub state_cursor: i64,
    /// False while a final status rests on an event's word alone; a fetch from Stripe confirms it.
    pub verified: bool,
    /// When reconciliation checks the intent next.
    pub next_check: i64,
    /// Checks made since the intent last moved (the backoff's exponent).
    pub checks: i64,
}

impl Order {
    pub fn new(payment: Payment) -> Self {
        Self {
            payment,
            state_as_of: 0,
            state_cursor: 0,
            verified: true,
            next_check: 0,
            checks: 0,
        }
    }

    /// A final status (and what it says was received) that only an event has vouched for so far.
    fn unconfirmed_final(&self) -> bool {
        self.status.is_terminal() && !self.verified
    }
}

impl std::ops::Deref for Order {
    type Target = Payment;
    fn deref(&self) -> &Payment {
        &self.payment
    }
}

impl std::ops::DerefMut for Order {
    fn deref_mut(&mut self) -> &mut Payment {
        &mut self.payment
    }
}

impl From<Order> for Payment {
    fn from(o: Order) -> Self {
        o.payment
    }
}

const COLUMNS: &str = "order_id, terminal, payment_intent_id, amount, currency, description, capture_method, status, \
    amount_received, amount_capturable, amount_refunded, card_brand, card_last4, last_error_code, last_error_message, \
    state_as_of, created, updated, disagreement, state_cursor, verified, next_check, checks, card_read_method";

fn from_row(r: &Row) -> rusqlite::Result<Order> {
    Ok(Order {
        payment: Payment {
            order_id: r.get(0)?,
            terminal: r.get(1)?,
            payment_intent_id: r.get(2)?,
            amount: r.get(3)?,
            currency: r.get(4)?,
            description: r.get(5)?,
            capture_method: r.get(6)?,
            status: status_at(r, 7)?,
            amount_received: r.get(8)?,
            amount_capturable: r.get(9)?,
            amount_refunded: r.get(10)?,
            card_brand: r.get(11)?,
            card_last4: r.get(12)?,
            card_read_method: r.get(23)?,
            last_error_code: r.get(13)?,
            last_error_message: r.get(14)?,
            created: r.get(16)?,
            updated: r.get(17)?,
            disagreement: r.get(18)?,
        },
        state_as_of: r.get(15)?,
        state_cursor: r.get(19)?,
        verified: r.get(20)?,
        next_check: r.get(21)?,
        checks: r.get(22)?,
    })
}

/// Stored as Stripe's word, so a status this version does not know reads back as `Other` rather than failing.
fn status_at(r: &Row, i: usize) -> rusqlite::Result<Status> {
    Ok(Status::from(r.get_ref(i)?.as_str()?))
}

pub fn get(conn: &Connection, order_id: &str) -> rusqlite::Result<Option<Order>> {
    find(conn, "order_id", order_id, false)
}

pub fn by_intent(conn: &Connection, payment_intent_id: &str) -> rusqlite::Result<Option<Order>> {
    find(conn, "payment_intent_id", payment_intent_id, false)
}

/// [`get`] for a change: on PostgreSQL the row stays locked until the transaction ends, so an instance applying
/// an event waits for another applying one to the same order and then reads its result, rather than writing
/// over it with what it read before. (SQLite's one writer never interleaves.)
pub fn get_for_update(conn: &Connection, order_id: &str) -> rusqlite::Result<Option<Order>> {
    find(conn, "order_id", order_id, true)
}

/// [`by_intent`] for a change; see [`get_for_update`].
pub fn by_intent_for_update(
    conn: &Connection,
    payment_intent_id: &str,
) -> rusqlite::Result<Option<Order>> {
    find(conn, "payment_intent_id", payment_intent_id, true)
}

/// The order whose unique `column` is `value`; `for_update` locks its row on PostgreSQL.
fn find(
    conn: &Connection,
    column: &str,
    value: &str,
    for_update: bool,
) -> rusqlite::Result<Option<Order>> {
    let lock = if for_update && conn.is_postgres() {
        " FOR UPDATE"
    } else {
        ""
    };
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM orders WHERE {column} = ?1{lock}"
    ))?
    .query_row([value], from_row)
    .optional()
}

/// Records a new order before its intent exists, so a crash between Stripe's answer and ours is recoverable:
/// the retry finds the row and repeats the create with the same Idempotency-Key.
pub fn insert(conn: &Connection, o: &Order) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO orders (order_id, terminal, amount, currency, description, capture_method, status, created, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)")?.execute(
        params![o.order_id, o.terminal, o.amount, o.currency, o.description, o.capture_method, o.status.as_str(), o.created],
    )?;
    Ok(())
}

pub fn save(conn: &Connection, o: &Order) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET payment_intent_id = ?2, amount = ?3, currency = ?4, description = ?5, capture_method = ?6,
             status = ?7, amount_received = ?8, amount_capturable = ?9, amount_refunded = ?10, card_brand = ?11,
             card_last4 = ?12, last_error_code = ?13, last_error_message = ?14, state_as_of = ?15, updated = ?16,
             disagreement = ?17, state_cursor = ?18, verified = ?19, next_check = ?20, checks = ?21,
             card_read_method = ?22
         WHERE order_id = ?1")?.execute(
        params![
            o.order_id,
            o.payment_intent_id,
            o.amount,
            o.currency,
            o.description,
            o.capture_method,
            o.status.as_str(),
            o.amount_received,
            o.amount_capturable,
            o.amount_refunded,
            o.card_brand,
            o.card_last4,
            o.last_error_code,
            o.last_error_message,
            o.state_as_of,
            o.updated,
            o.disagreement,
            o.state_cursor,
            o.verified,
            o.next_check,
            o.checks,
            o.card_read_method
        ],
    )?;
    Ok(())
}

/// Links the order to its intent; targeted, so it cannot overwrite state the intake wrote meanwhile.
pub fn set_intent(
    conn: &Connection,
    order_id: &str,
    payment_intent_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET payment_intent_id = ?2, updated = ?3 WHERE order_id = ?1",
    )?
    .execute(params![order_id, payment_intent_id, now])?;
    Ok(())
}

/// Records a new amount (an unpaid order's cart changed).
pub fn set_amount(
    conn: &Connection,
    order_id: &str,
    amount: i64,
    currency: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET amount = ?2, currency = ?3, updated = ?4 WHERE order_id = ?1",
    )?
    .execute(params![order_id, amount, currency, now])?;
    Ok(())
}

/// Intents owed a check against Stripe: not final yet, or final only on an event's word. Oldest due first, at most
/// `page`; `due_by` skips those whose backoff has not run out (None: all of them, for a terminal that asks).
pub fn owed_a_check(
    conn: &Connection,
    terminal: Option<&str>,
    due_by: Option<i64>,
    page: usize,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT payment_intent_id FROM orders
         WHERE payment_intent_id IS NOT NULL AND (status NOT IN ('succeeded', 'canceled') OR verified = 0)
           AND next_check <= ?1 AND (CAST(?2 AS TEXT) IS NULL OR terminal = ?2)
         ORDER BY next_check, created LIMIT ?3",
    )?;
    stmt.query_map(
        params![due_by.unwrap_or(i64::MAX), terminal, page as i64],
        |r| r.get(0),
    )?
    .collect()
}

/// The periodic sweep's page: the intents due, claimed for `until` (their next check moves there), so that
/// instances sweeping one PostgreSQL at once share the work rather than repeat it; rows another sweep holds are
/// skipped. The check itself then schedules the next one ([`schedule_check`]); a sweep that dies leaves its claim
/// to run out.
pub fn claim_due(
    conn: &Connection,
    now: i64,
    until: i64,
    page: usize,
) -> rusqlite::Result<Vec<String>> {
    // SQLite has one writer, so there is nothing to skip (and no such clause).
    let skip_locked = if conn.is_postgres() {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    conn.prepare_cached(&format!(
        "UPDATE orders SET next_check = ?2 WHERE payment_intent_id IN (
             SELECT payment_intent_id FROM orders
             WHERE payment_intent_id IS NOT NULL AND (status NOT IN ('succeeded', 'canceled') OR verified = 0)
               AND next_check <= ?1
             ORDER BY next_check, created LIMIT ?3{skip_locked})
         RETURNING payment_intent_id"
    ))?
    .query_map(params![now, until, page as i64], |r| r.get(0))?
    .collect()
}

/// Schedules an intent's next check: soon after it moved, then twice as late each time it had not, up to a cap,
/// so intents left open for days cost a fetch an hour rather than one a sweep.
pub fn schedule_check(
    conn: &Connection,
    payment_intent_id: &str,
    moved: bool,
    now: i64,
    every: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        // Two-argument MIN is SQLite's alone, hence the CASEs; the casts give PostgreSQL its operand types.
        "UPDATE orders SET checks = CASE WHEN ?2 THEN 0 WHEN checks < 16 THEN checks + 1 ELSE 16 END,
             next_check = ?3 + CASE
                 WHEN (CAST(?4 AS BIGINT) << CAST(CASE WHEN ?2 THEN 0 WHEN checks < 16 THEN checks + 1 ELSE 16 END AS INTEGER)) < ?5
                 THEN (CAST(?4 AS BIGINT) << CAST(CASE WHEN ?2 THEN 0 WHEN checks < 16 THEN checks + 1 ELSE 16 END AS INTEGER))
                 ELSE ?5 END
         WHERE payment_intent_id = ?1",
    )?
    .execute(params![
        payment_intent_id,
        moved,
        now,
        every.max(1),
        MAX_CHECK_INTERVAL
    ])?;
    Ok(())
}

/// The longest an open intent waits between two checks.
pub const MAX_CHECK_INTERVAL: i64 = 3600;

/// What applying a PaymentIntent snapshot did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The status moved.
    Changed,
    /// Nothing moved (a duplicate, or only amounts refreshed).
    Same,
    /// The snapshot disagrees with what we hold and cannot be trusted to be newer: ask Stripe.
    Refetch,
}

/// Where a PaymentIntent snapshot comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshot {
    /// A webhook event, stored at this cursor: a hint, because Stripe promises neither order nor uniqueness.
    Event { cursor: i64 },
    /// Fetched from Stripe by a request begun when the feed's latest cursor was `after`. It is the authority over
    /// everything stored up to then; an event stored after it began may be newer than it.
    Fetched { after: i64 },
}

/// Applies a PaymentIntent snapshot.
pub fn apply_intent(
    order: &mut Order,
    pi: &Value,
    as_of: i64,
    snapshot: Snapshot,
    now: i64,
) -> Applied {
    let Some(status) = pi.get("status").and_then(Value::as_str).map(Status::from) else {
        return Applied::Same;
    };
    let int = |k: &str| pi.get(k).and_then(Value::as_i64);
    let authoritative = matches!(snapshot, Snapshot::Fetched { .. });
    // Stripe's answer overrides what events told us, a final status included, once it is known to be newer.
    let fresh = matches!(snapshot, Snapshot::Fetched { after } if after >= order.state_cursor);
    let received = int("amount_received").unwrap_or(0);
    if fresh
        && (status != order.status || received != order.amount_received)
        && order.unconfirmed_final()
    {
        order.disagreement = Some(format!(
            "Stripe says {status} with {received} received; an event had said {} with {} received",
            order.status, order.amount_received
        ));
    }
    if order.status.is_terminal() && status != order.status && !fresh {
        return Applied::Same;
    }
    let trusted = authoritative
        || status.is_terminal()
        || as_of > order.state_as_of
        || status == order.status;
    if !trusted {
        return Applied::Refetch;
    }
    let changed = status != order.status;
    order.status = status.clone();
    order.state_as_of = order.state_as_of.max(as_of);
    match snapshot {
        Snapshot::Event { cursor } if changed => {
            order.state_cursor = cursor;
            // A final status on an event's word alone is checked against Stripe once.
            order.verified = !status.is_terminal();
        }
        Snapshot::Fetched { .. } if fresh => order.verified = true,
        _ => {}
    }
    // Only Kassa changes its orders' amounts (and records them as it does), while events of the same second come
    // in any order: an event's amount is taken once it is final, a re-fetch's always.
    if authoritative || status.is_terminal() {
        // Stripe never sends a non-positive amount; a body that did must not make the event unstorable.
        if let Some(a) = int("amount").filter(|a| *a > 0) {
            order.amount = a;
        }
    }
    order.amount_received = if fresh {
        received
    } else {
        order.amount_received.max(received)
    };
    order.amount_capturable = int("amount_capturable").unwrap_or(order.amount_capturable);
    let error = pi.get("last_payment_error").filter(|e| e.is_object());
    // An event's snapshot without an error can be older than the decline that set one (payment_intent.created
    // delivered after payment_intent.payment_failed): only a re-fetch or a change of status clears the reason.
    if status == Status::RequiresPaymentMethod && (error.is_some() || authoritative || changed) {
        order.last_error_code = error
            .and_then(|e| e.get("decline_code").or(e.get("code")))
            .and_then(Value::as_str)
            .map(str::to_owned);
        order.last_error_message = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned);
    } else if changed {
        order.last_error_code = None;
        order.last_error_message = None;
    }
    if let Some(charge) = pi.get("latest_charge").filter(|c| c.is_object()) {
        apply_charge(order, charge);
    }
    order.updated = now;
    if changed {
        Applied::Changed
    } else {
        Applied::Same
    }
}

/// A charge tells the card (for the receipt and the admin table) and how much was refunded.
pub fn apply_charge(order: &mut Order, charge: &Value) {
    let details = charge.get("payment_method_details");
    let card = details.and_then(|d| d.get("card").filter(|c| c.is_object()));
    let present = details.and_then(|d| d.get("card_present").filter(|c| c.is_object()));
    if let Some(card) = card.or(present) {
        if let Some(brand) = card.get("brand").and_then(Value::as_str) {
            order.card_brand = Some(brand.to_owned());
        }
        if let Some(last4) = card.get("last4").and_then(Value::as_str) {
            order.card_last4 = Some(last4.to_owned());
        }
        // A typed card has no read method: a card typed after a reader attempt clears it.
        order.card_read_method = card
            .get("read_method")
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
    if let Some(refunded) = charge.get("amount_refunded").and_then(Value::as_i64) {
        if charge
            .get("captured")
            .and_then(Value::as_bool)
            .unwrap_or(true)
        {
            order.amount_refunded = order.amount_refunded.max(refunded);
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub terminal: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Filter {
    fn sql(&self, args: &mut Vec<rusqlite::types::Value>) -> String {
        let mut clauses = vec!["1 = 1".to_owned()];
        if let Some(s) = &self.status {
            args.push(s.as_str().to_owned().into());
            clauses.push(format!("status = ?{}", args.len()));
        }
        if let Some(t) = &self.terminal {
            args.push(t.clone().into());
            clauses.push(format!("terminal = ?{}", args.len()));
        }
        if let Some(from) = self.from {
            args.push(from.into());
            clauses.push(format!("created >= ?{}", args.len()));
        }
        if let Some(to) = self.to {
            args.push(to.into());
            clauses.push(format!("created < ?{}", args.len()));
        }
        clauses.join(" AND ")
    }
}

/// One page, newest first, continuing strictly after `after` = (created, order_id): keyset pagination, so every
/// page costs the same however deep it is.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    after: Option<(i64, String)>,
    limit: usize,
) -> rusqlite::Result<Vec<Order>> {
    let mut args = Vec::new();
    let mut sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE {}",
        filter.sql(&mut args)
    );
    if let Some((created, order_id)) = after {
        args.push(created.into());
        args.push(order_id.into());
        sql.push_str(&format!(
            " AND (created, order_id) < (?{}, ?{})",
            args.len() - 1,
            args.len()
        ));
    }
    args.push((limit as i64).into());
    sql.push_str(&format!(
        " ORDER BY created DESC, order_id DESC LIMIT ?{}",
        args.len()
    ));
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(args.as_slice(), from_row)?.collect()
}

pub use kassa_api::Total;

pub fn totals(conn: &Connection, filter: &Filter) -> rusqlite::Result<Vec<Total>> {
    let mut args = Vec::new();
    let sql = format!(
        "SELECT currency, status, COUNT(*), CAST(SUM(amount) AS BIGINT), CAST(SUM(amount_received) AS BIGINT),
                CAST(SUM(amount_refunded) AS BIGINT) FROM orders
         WHERE {} GROUP BY currency, status ORDER BY currency, status",
        filter.sql(&mut args)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(args.as_slice(), |r| {
            Ok(Total {
                currency: r.get(0)?,
                status: status_at(r, 1)?,
                count: r.get(2)?,
                amount: r.get(3)?,
                amount_received: r.get(4)?,
                amount_refunded: r.get(5)?,
            })
        })?
        .collect();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EVENT: Snapshot = Snapshot::Event { cursor: 5 };

    fn order(status: &str, as_of: i64) -> Order {
        let mut o = Order::new(Payment::awaiting_intent(
            "o1",
            "till-1",
            1000,
            "usd",
            "automatic",
            0,
        ));
        o.payment_intent_id = Some("pi_1".into());
        o.status = status.into();
        o.state_as_of = as_of;
        o
    }

    #[test]
    fn a_late_processing_event_never_overwrites_succeeded() {
        let mut o = order("succeeded", 10);
        let applied = apply_intent(&mut o, &json!({"status": "processing"}), 20, EVENT, 30);
        assert_eq!(applied, Applied::Same);
        assert_eq!(o.status, Status::from("succeeded"));
    }

    #[test]
    fn a_duplicate_changes_nothing() {
        let mut o = order("processing", 10);
        assert_eq!(
            apply_intent(&mut o, &json!({"status": "processing"}), 10, EVENT, 30),
            Applied::Same
        );
        assert_eq!(o.status, Status::from("processing"));
    }

    #[test]
    fn a_newer_snapshot_moves_the_state_and_an_older_one_asks_stripe() {
        let mut o = order("requires_action", 10);
        assert_eq!(
            apply_intent(
                &mut o,
                &json!({"status": "requires_payment_method"}),
                9,
                EVENT,
                30
            ),
            Applied::Refetch
        );
        assert_eq!(o.status, Status::from("requires_action"));
        assert_eq!(
            apply_intent(&mut o, &json!({"status": "processing"}), 11, EVENT, 30),
            Applied::Changed
        );
        assert_eq!(o.status, Status::from("processing"));
    }

    #[test]
    fn terminal_statuses_apply_whenever_they_arrive() {
        let mut o = order("processing", 50);
        assert_eq!(
            apply_intent(
                &mut o,
                &json!({"status": "succeeded", "amount_received": 1000}),
                40,
                EVENT,
                60
            ),
            Applied::Changed
        );
        assert_eq!((o.status.as_str(), o.amount_received), ("succeeded", 1000));
    }

    #[test]
    fn a_decline_keeps_the_reason() {
        let mut o = order("requires_payment_method", 10);
        let pi = json!({"status": "requires_payment_method", "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}});
        apply_intent(&mut o, &pi, 11, EVENT, 30);
        assert_eq!(o.last_error_code.as_deref(), Some("insufficient_funds"));
    }

    #[test]
    fn stripe_overrides_a_final_status_only_an_event_vouched_for() {
        let mut o = order("processing", 10);
        let forged = json!({"status": "succeeded", "amount": 1000, "amount_received": 1});
        assert_eq!(
            apply_intent(&mut o, &forged, 11, Snapshot::Event { cursor: 7 }, 30),
            Applied::Changed
        );
        assert!(
            !o.verified,
            "a final status on an event's word is owed a check"
        );

        let truth =
            json!({"status": "requires_payment_method", "amount": 1000, "amount_received": 0});
        let applied = apply_intent(&mut o, &truth, 40, Snapshot::Fetched { after: 7 }, 40);
        assert_eq!(applied, Applied::Changed);
        assert_eq!(
            (o.status.as_str(), o.amount_received),
            ("requires_payment_method", 0)
        );
        assert!(o.verified);
        assert_eq!(
            o.disagreement.as_deref(),
            Some("Stripe says requires_payment_method with 0 received; an event had said succeeded with 1 received")
        );
    }

    #[test]
    fn a_fetch_begun_before_the_final_event_was_stored_cannot_undo_it() {
        let mut o = order("processing", 10);
        let paid = json!({"status": "succeeded", "amount_received": 1000});
        apply_intent(&mut o, &paid, 11, Snapshot::Event { cursor: 7 }, 30);
        let earlier = json!({"status": "processing", "amount_received": 0});
        assert_eq!(
            apply_intent(&mut o, &earlier, 31, Snapshot::Fetched { after: 6 }, 31),
            Applied::Same
        );
        assert_eq!((o.status.as_str(), o.amount_received), ("succeeded", 1000));
        assert!(!o.verified && o.disagreement.is_none());
    }

    #[test]
    fn a_fetch_that_agrees_confirms_the_event_quietly() {
        let mut o = order("processing", 10);
        let paid = json!({"status": "succeeded", "amount_received": 1000});
        apply_intent(&mut o, &paid, 11, Snapshot::Event { cursor: 7 }, 30);
        assert_eq!(
            apply_intent(&mut o, &paid, 31, Snapshot::Fetched { after: 7 }, 31),
            Applied::Same
        );
        assert!(o.verified && o.disagreement.is_none());
    }
}
