//! Applying one feed event, and the new cursor, in one transaction. This is where an order is fulfilled:
//! exactly once, keyed by the PaymentIntent id, and only on `payment_intent.succeeded` whose amount_received and
//! currency match the order. Duplicates and late, out-of-order events change nothing.

use kassa_stripe::PaymentIntentStatus as Status;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::orders::{self, Order};
use crate::error::Result;
use crate::status::OrderStatus;

use kassa_api::EventSource;
/// One item of the backend's feed, its Stripe event parsed.
pub use kassa_api::FeedItem;

/// What applying an event did, recorded in the append-only log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Fulfilled,
    StateChanged,
    Unchanged,
    /// Seen before (Stripe delivers at least once).
    Duplicate,
    /// The payment succeeded for a different amount or currency than the order's: never fulfilled.
    AmountMismatch,
    /// Not about any order of this till.
    NotOurs,
    /// The till could not read the item (see `backend::read_feed_page`): recorded and skipped.
    Unreadable,
    /// A change to the catalogue, now in the till's copy.
    CatalogUpdated,
    /// A card reader's news of one of our sales (the tap's outcome): recorded; only the intent's events pay.
    ReaderAction,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Fulfilled => "fulfilled",
            Self::StateChanged => "state_changed",
            Self::Unchanged => "unchanged",
            Self::Duplicate => "duplicate",
            Self::AmountMismatch => "amount_mismatch",
            Self::NotOurs => "not_ours",
            Self::Unreadable => "unreadable",
            Self::CatalogUpdated => "catalog_updated",
            Self::ReaderAction => "reader_action",
        }
    }
}

/// Applies `item` and moves the cursor past it, atomically. Returns the outcome and the order it touched.
/// Applies a page of the feed in one transaction: each event with the cursor past it, all or none, so a burst
/// costs one disk sync rather than one per event.
pub fn apply_page(
    conn: &mut Connection,
    items: &[FeedItem],
    now: i64,
) -> Result<Vec<(Outcome, Option<Order>)>> {
    let tx = conn.transaction()?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        results.push(apply_in(&tx, item, now)?);
        tx.prepare_cached("UPDATE sync_state SET cursor = MAX(cursor, ?1) WHERE id = 1")?
            .execute([item.cursor])?;
    }
    tx.commit()?;
    Ok(results)
}

pub fn apply(conn: &mut Connection, item: &FeedItem, now: i64) -> Result<(Outcome, Option<Order>)> {
    Ok(apply_page(conn, std::slice::from_ref(item), now)?.remove(0))
}

/// How many feed items the till could not read and skipped (the sync banner says so while there are any).
pub fn unreadable_count(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM applied_events WHERE outcome = 'unreadable'")?
        .query_row([], |r| r.get(0))?)
}

fn apply_in(conn: &Connection, item: &FeedItem, now: i64) -> Result<(Outcome, Option<Order>)> {
    let event = &item.event;
    let event_id = event.get("id").and_then(Value::as_str).unwrap_or_default();
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let created = event
        .get("created")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let object = event
        .pointer("/data/object")
        .cloned()
        .unwrap_or(Value::Null);
    let pi_id = match object.get("object").and_then(Value::as_str) {
        Some("payment_intent") => object.get("id").and_then(Value::as_str),
        // A reader's action names the intent it collects for.
        Some("terminal.reader") => object
            .pointer("/action/process_payment_intent/payment_intent")
            .and_then(Value::as_str),
        _ => object.get("payment_intent").and_then(Value::as_str),
    };
    let seen: Option<i64> = conn
        .prepare_cached("SELECT seq FROM applied_events WHERE event_id = ?1")?
        .query_row([event_id], |r| r.get(0))
        .optional()?;
    if seen.is_some() {
        return Ok((Outcome::Duplicate, None));
    }
    let order = match pi_id {
        Some(pi) => orders::by_intent(conn, pi)?,
        None => None,
    };
    let outcome = match &order {
        _ if kind == crate::backend::UNREADABLE_EVENT => Outcome::Unreadable,
        // Only the backend's own items carry the catalogue: a webhook of that type is not Stripe's word on it.
        _ if kind == kassa_api::CATALOG_UPDATED && item.source == EventSource::Catalog => {
            match serde_json::from_value::<kassa_api::CatalogUpdate>(object.clone()) {
                Ok(update) => {
                    super::catalog::apply_update(conn, &update)?;
                    Outcome::CatalogUpdated
                }
                Err(e) => {
                    tracing::error!(
                        cursor = item.cursor,
                        "a catalogue change the till cannot read: {e}"
                    );
                    Outcome::Unreadable
                }
            }
        }
        None => Outcome::NotOurs,
        Some(_) if kind.starts_with("terminal.reader.") => Outcome::ReaderAction,
        Some(order) if kind == "payment_intent.succeeded" => {
            fulfil(conn, order, &object, event_id, now)?
        }
        Some(order) if item.source == EventSource::Reconcile && contradicts(order, &object) => {
            overridden_by_stripe(conn, order, &object, now)?
        }
        Some(order) if kind.starts_with("payment_intent.") => {
            move_state(conn, order, &object, created, now)?
        }
        Some(order) if kind.starts_with("charge.") => apply_charge(conn, order, &object, now)?,
        Some(_) => Outcome::Unchanged,
    };
    if let (Some(o), Some(live)) = (&order, event.get("livemode").and_then(Value::as_bool)) {
        conn.prepare_cached(
            "UPDATE orders SET livemode = ?2 WHERE id = ?1 AND livemode IS NOT ?2",
        )?
        .execute(params![o.id, live])?;
    }
    let order = match order {
        Some(o) => orders::find(conn, &o.id)?,
        None => None,
    };
    // Only an intent's own events move its status; a charge event records none, so the timeline never shows a
    // charge.succeeded "moving" the order to whatever status it happened to have then.
    let status_after = match outcome {
        Outcome::Fulfilled | Outcome::StateChanged | Outcome::AmountMismatch
            if kind.starts_with("payment_intent.") =>
        {
            order
                .as_ref()
                .and_then(|o| o.payment_status.as_ref())
                .map(|s| s.as_str().to_owned())
        }
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO applied_events (event_id, cursor, type, payment_intent_id, order_id, outcome, applied_at, status_after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(
        params![event_id, item.cursor, kind, pi_id, order.as_ref().map(|o| o.id.as_str()), outcome.as_str(), now, status_after],
    )?;
    Ok((outcome, order))
}

fn fulfil(
    conn: &Connection,
    order: &Order,
    pi: &Value,
    event_id: &str,
    now: i64,
) -> Result<Outcome> {
    let received = pi
        .get("amount_received")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let currency = pi
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // The card pays what the cash left of the sale, and the tip.
    if received != order.card_amount() || currency != order.currency {
        tracing::warn!(
            order = %order.id, received, currency, due = order.card_amount(),
            "payment_intent.succeeded does not match the order; not fulfilling"
        );
        // Paid but not fulfilled: the admin screen lists it under "needs attention".
        conn.prepare_cached(
            "UPDATE orders SET payment_status = 'succeeded', updated = ?2 WHERE id = ?1",
        )?
        .execute(params![order.id, now])?;
        return Ok(Outcome::AmountMismatch);
    }
    let pi_id = pi.get("id").and_then(Value::as_str).unwrap_or_default();
    // The unique keys on fulfilments make a second fulfilment impossible, whatever raced to get here.
    let inserted = conn.prepare_cached(
        "INSERT INTO fulfilments (order_id, payment_intent_id, event_id, amount, currency, fulfilled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING")?.execute(
        params![order.id, pi_id, event_id, received, currency, now],
    )?;
    conn.prepare_cached(
        "UPDATE orders SET status = 'paid', payment_status = 'succeeded', payment_state_as_of = MAX(payment_state_as_of, ?2),
             last_error_code = NULL, last_error_message = NULL, updated = ?3,
             shift = COALESCE(shift, (SELECT number FROM shifts WHERE closed_at IS NULL))
         WHERE id = ?1")?.execute(
        params![order.id, pi.get("created").and_then(Value::as_i64).unwrap_or(0).max(order.payment_state_as_of), now],
    )?;
    Ok(if inserted == 1 {
        Outcome::Fulfilled
    } else {
        Outcome::Unchanged
    })
}

/// A charge tells the card (for the receipt) and how much was refunded. A declined attempt's charge.failed can
/// arrive after the charge.succeeded of the card that then paid: a failed charge's card only fills in a card not
/// yet known, so the receipt names the card that paid.
fn apply_charge(conn: &Connection, order: &Order, charge: &Value, now: i64) -> Result<Outcome> {
    let mut changed = false;
    let failed = charge.get("status").and_then(Value::as_str) == Some("failed");
    // A typed card's details are under `card`, a reader's under `card_present`.
    let details = charge.get("payment_method_details");
    let card = details
        .and_then(|d| d.get("card").filter(|c| c.is_object()))
        .or_else(|| details.and_then(|d| d.get("card_present").filter(|c| c.is_object())));
    if let Some(card) = card {
        if !failed || order.card_brand.is_none() {
            let text = |k: &str| {
                card.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let read_method = card.get("read_method").and_then(Value::as_str);
            orders::set_card(conn, &order.id, &text("brand"), &text("last4"), read_method)?;
            changed = true;
        }
    }
    if charge
        .get("captured")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        if let Some(refunded) = charge.get("amount_refunded").and_then(Value::as_i64) {
            let before: i64 = conn
                .prepare_cached("SELECT amount_refunded FROM orders WHERE id = ?1")?
                .query_row([&order.id], |r| r.get(0))?;
            if refunded > before {
                conn.prepare_cached("UPDATE orders SET amount_refunded = ?2 WHERE id = ?1")?
                    .execute(params![order.id, refunded])?;
                // The shift's report counts what was refunded while it was open.
                super::shifts::record_refund(
                    conn,
                    &order.id,
                    refunded - before,
                    &order.currency,
                    now,
                )?;
                changed = true;
            }
        }
    }
    Ok(if changed {
        Outcome::StateChanged
    } else {
        Outcome::Unchanged
    })
}

/// A snapshot the backend fetched from Stripe that contradicts a final status an event gave this till.
fn contradicts(order: &Order, pi: &Value) -> bool {
    let current = order.payment_status.as_ref();
    let status = status_of(pi);
    (current.is_some_and(Status::is_terminal) || order.status == OrderStatus::Paid)
        && status.is_some_and(|s| Some(&s) != current)
}

fn status_of(pi: &Value) -> Option<Status> {
    pi.get("status").and_then(Value::as_str).map(Status::from)
}

/// Stripe is the authority: its status replaces the event's, and the contradiction is kept for the admin. An
/// order already fulfilled stays fulfilled (the goods are gone), and is flagged so someone looks at it.
fn overridden_by_stripe(conn: &Connection, order: &Order, pi: &Value, now: i64) -> Result<Outcome> {
    let Some(status) = status_of(pi) else {
        return Ok(Outcome::Unchanged);
    };
    let current = order
        .payment_status
        .as_ref()
        .map_or("no status", Status::as_str);
    let (order_status, note) = if order.status == OrderStatus::Paid {
        (
            OrderStatus::Paid,
            format!("Fulfilled on an event saying {current}, but Stripe says {status}"),
        )
    } else {
        (
            OrderStatus::unpaid_with(&status),
            format!("An event said {current}; Stripe says {status}"),
        )
    };
    conn.prepare_cached(
        "UPDATE orders SET payment_status = ?2, status = ?3, disagreement = ?4, updated = ?5 WHERE id = ?1",
    )?
    .execute(params![order.id, status.as_str(), order_status, note, now])?;
    Ok(Outcome::StateChanged)
}

fn move_state(
    conn: &Connection,
    order: &Order,
    pi: &Value,
    created: i64,
    now: i64,
) -> Result<Outcome> {
    let Some(status) = status_of(pi) else {
        return Ok(Outcome::Unchanged);
    };
    let current = order
        .payment_status
        .clone()
        .unwrap_or(Status::RequiresPaymentMethod);
    // A final status never moves, and an older snapshot never overwrites a newer one.
    if current.is_terminal()
        || order.status == OrderStatus::Paid
        || (created < order.payment_state_as_of && !status.is_terminal())
    {
        return Ok(Outcome::Unchanged);
    }
    let error = pi
        .get("last_payment_error")
        .filter(|e| e.is_object() && status == Status::RequiresPaymentMethod);
    let text = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str);
    let code = text("decline_code").or(text("code"));
    if status == current {
        // Same status: only a new decline reason is news. A snapshot without one can be older than the decline
        // that set it (payment_intent.created delivered after payment_intent.payment_failed), so it clears nothing.
        let same = match (error, &order.last_error) {
            (None, _) => true,
            (Some(_), Some(stored)) => {
                stored.code.as_deref() == code && Some(stored.message.as_str()) == text("message")
            }
            (Some(_), None) => false,
        };
        if same {
            return Ok(Outcome::Unchanged);
        }
    }
    let order_status = OrderStatus::unpaid_with(&status);
    conn.prepare_cached(
        "UPDATE orders SET payment_status = ?2, status = ?3, payment_state_as_of = MAX(payment_state_as_of, ?4),
             last_error_code = ?5, last_error_message = ?6, updated = ?7
         WHERE id = ?1")?.execute(
        params![order.id, status.as_str(), order_status, created, code, text("message"), now],
    )?;
    Ok(Outcome::StateChanged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog;
    use serde_json::json;

    fn item(cursor: i64, id: &str, kind: &str, object: Value) -> FeedItem {
        FeedItem {
            cursor,
            order_id: None,
            terminal: None,
            foreign: false,
            source: EventSource::Webhook,
            received: 0,
            event: json!({ "id": id, "type": kind, "created": 100 + cursor, "data": { "object": object } }),
        }
    }

    /// A till's store with order o1 (a Tea) awaiting its payment on pi_1.
    fn tea_awaiting_pi_1() -> (tempfile::TempDir, super::super::Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(&dir.path().join("t.sqlite3")).unwrap();
        {
            let conn = store.conn();
            orders::create(&conn, "o1", "usd", 1).unwrap();
            orders::add_line(&conn, "o1", None, "Tea", 220, 1).unwrap();
            orders::set_intent(&conn, "o1", "pi_1", &Status::RequiresPaymentMethod, 1).unwrap();
        }
        (dir, store)
    }

    fn catalog_item(cursor: i64, source: EventSource, update: Value) -> FeedItem {
        FeedItem {
            source,
            ..item(
                cursor,
                &format!("catalog_v{cursor}"),
                kassa_api::CATALOG_UPDATED,
                update,
            )
        }
    }

    #[test]
    fn the_catalogue_changes_only_from_the_backends_own_items_and_a_barcode_can_move() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let mut conn = store.conn();
        let product = |sku: &str, barcodes: &[&str]| {
            json!({"sku": sku, "name": sku, "price": 100, "barcodes": barcodes, "category": null,
                   "tax_rate": null, "active": true})
        };
        let forged = json!({"version": 1, "products": [product("free", &["111"])]});
        let outcome = apply(&mut conn, &catalog_item(1, EventSource::Webhook, forged), 1).unwrap();
        assert_eq!(
            outcome.0,
            Outcome::NotOurs,
            "a webhook is not the catalogue's word"
        );
        assert!(catalog::by_sku(&conn, "free").unwrap().is_none());

        let first = json!({"version": 1, "products": [product("a", &["111"]), product("b", &[])]});
        let outcome = apply(&mut conn, &catalog_item(2, EventSource::Catalog, first), 2).unwrap();
        assert_eq!(outcome.0, Outcome::CatalogUpdated);
        // The code moves from a to b within one change, whichever product the change lists first.
        let moved =
            json!({"version": 2, "products": [product("b", &["111"]), product("a", &["222"])]});
        apply(&mut conn, &catalog_item(3, EventSource::Catalog, moved), 3).unwrap();
        let owner = |code: &str| {
            catalog::by_barcode(&conn, code)
                .unwrap()
                .map(|s| s.product.sku)
        };
        assert_eq!(owner("111").as_deref(), Some("b"));
        assert_eq!(owner("222").as_deref(), Some("a"));
        assert_eq!(catalog::version(&conn).unwrap(), 2);

        let unreadable = json!({"version": "two"});
        let outcome = apply(
            &mut conn,
            &catalog_item(4, EventSource::Catalog, unreadable),
            4,
        )
        .unwrap();
        assert_eq!(
            outcome.0,
            Outcome::Unreadable,
            "skipped and shown, not retried for ever"
        );
    }

    #[test]
    fn a_readers_news_is_recorded_for_its_sale_and_never_pays_it_but_its_card_is_kept() {
        let (_dir, store) = tea_awaiting_pi_1();
        let mut conn = store.conn();
        let reader = json!({ "object": "terminal.reader", "id": "tmr_1",
            "action": { "type": "process_payment_intent", "status": "succeeded",
                        "process_payment_intent": { "payment_intent": "pi_1" } } });

        let outcome = apply(
            &mut conn,
            &item(1, "evt_r", "terminal.reader.action_succeeded", reader),
            2,
        )
        .unwrap();

        assert_eq!(outcome.0, Outcome::ReaderAction);
        let order = orders::get(&conn, "o1").unwrap();
        assert_ne!(order.status, OrderStatus::Paid);
        let charge = json!({ "object": "charge", "payment_intent": "pi_1", "status": "succeeded",
            "payment_method_details": { "type": "card_present",
                "card_present": { "brand": "visa", "last4": "0077", "read_method": "contact_emv" } } });
        apply(&mut conn, &item(2, "evt_c", "charge.succeeded", charge), 3).unwrap();
        let order = orders::get(&conn, "o1").unwrap();
        assert_eq!(
            (
                order.card_last4.as_deref(),
                order.card_read_method.as_deref()
            ),
            (Some("0077"), Some("contact_emv"))
        );
    }

    #[test]
    fn the_timeline_records_a_status_only_for_an_intents_own_events() {
        let (_dir, store) = tea_awaiting_pi_1();
        let mut conn = store.conn();
        let charge = json!({ "object": "charge", "payment_intent": "pi_1", "status": "succeeded",
            "payment_method_details": { "card": { "brand": "visa", "last4": "4242" } } });
        apply(&mut conn, &item(1, "evt_c", "charge.succeeded", charge), 2).unwrap();
        let pi = json!({ "object": "payment_intent", "id": "pi_1", "status": "processing" });
        apply(
            &mut conn,
            &item(2, "evt_p", "payment_intent.processing", pi),
            3,
        )
        .unwrap();
        let after: Vec<Option<String>> = conn
            .prepare("SELECT status_after FROM applied_events ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(after, vec![None, Some("processing".to_owned())]);
    }

    /// A feed item nested deeper than the JSON parser goes (a signed event 10,000 levels deep) must not stop the
    /// feed: the page is read item by item, the poison item is recorded as unreadable and the cursor passes it.
    #[test]
    fn an_unreadable_feed_item_is_recorded_and_skipped_and_the_items_around_it_apply() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let tea = json!({ "cursor": 1, "event": { "id": "evt_1", "type": "payment_intent.created", "created": 1,
            "data": { "object": { "object": "payment_intent", "id": "pi_other" } } } });
        let after = json!({ "cursor": 3, "event": { "id": "evt_3", "type": "payment_intent.created", "created": 3,
            "data": { "object": { "object": "payment_intent", "id": "pi_other" } } } });
        let page = format!(
            r#"{{"events":[{tea},{{"cursor":2,"event":{deep}}},{after}],"next_cursor":3}}"#
        );
        let page = crate::backend::read_feed_page(page.as_bytes()).unwrap();
        assert_eq!(
            page.events.iter().map(|i| i.cursor).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(
            page.events[1].event["type"],
            crate::backend::UNREADABLE_EVENT
        );
        assert!(page.events[1].event["error"]
            .as_str()
            .unwrap()
            .contains("recursion limit"));

        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let mut conn = store.conn();
        let outcomes: Vec<Outcome> = apply_page(&mut conn, &page.events, 10)
            .unwrap()
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        assert_eq!(
            outcomes,
            [Outcome::NotOurs, Outcome::Unreadable, Outcome::NotOurs]
        );
        drop(conn);
        assert_eq!(store.cursor().unwrap(), 3);
        let logged: String = store
            .conn()
            .query_row(
                "SELECT outcome FROM applied_events WHERE cursor = 2",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(logged, "unreadable");
    }

    #[test]
    fn a_feed_item_without_a_readable_cursor_spoils_the_page() {
        let page = r#"{"events":[{"event":{"id":"evt_1"}}],"next_cursor":1}"#;
        let err = crate::backend::read_feed_page(page.as_bytes()).unwrap_err();
        assert!(err.contains("cursor"), "{err}");
    }

    /// The backend re-fetches every final status an event gave; when Stripe says otherwise its correction enters
    /// the feed marked `reconcile`, and it overrides the final status the event had set.
    #[test]
    fn stripes_correction_overrides_a_final_status_and_is_kept_for_the_admin() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let mut conn = store.conn();
        for (order, pi) in [("o1", "pi_1"), ("o2", "pi_2")] {
            orders::create(&conn, order, "usd", 1).unwrap();
            orders::add_line(&conn, order, None, "Tea", 1000, 1).unwrap();
            orders::set_intent(&conn, order, pi, &Status::RequiresPaymentMethod, 1).unwrap();
        }
        let said = |pi: &str, status: &str, received: i64| {
            json!({ "object": "payment_intent", "id": pi, "status": status, "amount": 1000,
                "amount_received": received, "currency": "usd" })
        };
        // o1 is fulfilled on a success of the right amount; o2's claims 1 cent and is not.
        let (fulfilled, _) = apply(
            &mut conn,
            &item(
                1,
                "evt_1",
                "payment_intent.succeeded",
                said("pi_1", "succeeded", 1000),
            ),
            2,
        )
        .unwrap();
        assert_eq!(fulfilled, Outcome::Fulfilled);
        let (mismatch, _) = apply(
            &mut conn,
            &item(
                2,
                "evt_2",
                "payment_intent.succeeded",
                said("pi_2", "succeeded", 1),
            ),
            2,
        )
        .unwrap();
        assert_eq!(mismatch, Outcome::AmountMismatch);

        // A webhook saying otherwise changes nothing: a final status is final.
        let (late, _) = apply(
            &mut conn,
            &item(
                3,
                "evt_3",
                "payment_intent.payment_failed",
                said("pi_1", "requires_payment_method", 0),
            ),
            3,
        )
        .unwrap();
        assert_eq!(late, Outcome::Unchanged);

        let correction = |cursor: i64, pi: &str| FeedItem {
            source: EventSource::Reconcile,
            ..item(
                cursor,
                &format!("kassa_reconcile_{pi}"),
                "payment_intent.payment_failed",
                said(pi, "requires_payment_method", 0),
            )
        };
        let (o1, row) = apply(&mut conn, &correction(4, "pi_1"), 4).unwrap();
        assert_eq!(o1, Outcome::StateChanged);
        let row = row.unwrap();
        assert_eq!(
            (row.status, row.payment_status),
            (OrderStatus::Paid, Some(Status::RequiresPaymentMethod))
        );
        let (o2, row) = apply(&mut conn, &correction(5, "pi_2"), 5).unwrap();
        assert_eq!(o2, Outcome::StateChanged);
        assert_eq!(row.unwrap().status, OrderStatus::AwaitingPayment);

        let items = crate::admin::needs_attention(&conn, "till-1", 10, 600).unwrap();
        let flagged: Vec<(&str, &str, Option<&str>)> = items
            .iter()
            .map(|i| {
                (
                    i.row.order_id.as_str(),
                    i.reason.as_str(),
                    i.detail.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            flagged,
            [
                ("o1", "stripe_disagrees", Some("Fulfilled on an event saying succeeded, but Stripe says requires_payment_method")),
                ("o2", "stripe_disagrees", Some("An event said succeeded; Stripe says requires_payment_method")),
            ]
        );
    }

    #[test]
    fn a_payment_links_to_the_dashboard_of_the_mode_its_events_say() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let mut conn = store.conn();
        for (order, pi) in [("o1", "pi_live"), ("o2", "pi_test"), ("o3", "pi_quiet")] {
            orders::create(&conn, order, "usd", 1).unwrap();
            orders::add_line(&conn, order, None, "Tea", 1000, 1).unwrap();
            orders::set_intent(&conn, order, pi, &Status::RequiresPaymentMethod, 1).unwrap();
        }
        for (cursor, pi, live) in [(1, "pi_live", true), (2, "pi_test", false)] {
            let mut it = item(
                cursor,
                &format!("evt_{cursor}"),
                "payment_intent.created",
                json!({ "object": "payment_intent", "id": pi, "status": "requires_payment_method" }),
            );
            it.event["livemode"] = json!(live);
            apply(&mut conn, &it, 2).unwrap();
        }
        let link = |order: &str| {
            crate::admin::detail(&conn, "till-1", order)
                .unwrap()
                .dashboard_url
        };
        assert_eq!(
            link("o1").as_deref(),
            Some("https://dashboard.stripe.com/payments/pi_live")
        );
        assert_eq!(
            link("o2").as_deref(),
            Some("https://dashboard.stripe.com/test/payments/pi_test")
        );
        assert_eq!(link("o3"), None, "no event has said which mode yet");
    }
}
