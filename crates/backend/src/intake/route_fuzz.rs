//! Fuzzing the webhook event router (proptest): whatever a verified body holds, `parse` and `store_event` answer
//! without panicking; an event they can read is stored (an error would answer 503 and make Stripe retry it
//! forever), once per id; a repeat changes nothing; an event changes only the order of its own intent; and a final
//! status is never undone by an event. `scripts/fuzz` runs many more cases; failures are saved in
//! `crates/backend/proptest-regressions/intake/route_fuzz.txt` (checked in) and replayed first.

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex};

use proptest::prelude::*;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::parse;
use super::writer::{store_event, Stored};
use crate::db::{orders, Db};

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".{0,8}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null)
    ]
}

/// Mostly Stripe's own statuses, sometimes anything at all.
fn status() -> impl Strategy<Value = Value> {
    let known = proptest::sample::select(&kassa_stripe::PaymentIntentStatus::KNOWN[..])
        .prop_map(|s| Value::from(s.as_str()));
    prop_oneof![4 => known, 1 => text()]
}

fn amount() -> impl Strategy<Value = Value> {
    prop_oneof![
        (1i64..100_000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::from(0)),
        text(),
        Just(json!(1.5)),
    ]
}

fn intent_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("pi_1")),
        Just(json!("pi_2")),
        Just(json!("pi_unknown")),
        text(),
        Just(json!({ "id": "pi_1" })),
    ]
}

fn intent() -> impl Strategy<Value = Value> {
    (
        intent_id(),
        status(),
        amount(),
        amount(),
        prop_oneof![Just(json!("o3")), Just(json!("o1")), text()],
    )
        .prop_map(|(id, status, amount, received, order)| {
            json!({
                "object": "payment_intent", "id": id, "status": status, "amount": amount,
                "amount_received": received, "currency": "usd",
                "metadata": { "order_id": order, "terminal": "till-1" },
                "last_payment_error": { "code": "card_declined", "message": "declined" },
            })
        })
}

fn charge() -> impl Strategy<Value = Value> {
    (
        intent_id(),
        prop_oneof![Just(json!("succeeded")), Just(json!("failed")), text()],
        amount(),
        text(),
        text(),
    )
        .prop_map(|(pi, status, refunded, brand, last4)| {
            json!({
                "object": "charge", "id": "ch_1", "payment_intent": pi, "status": status,
                "amount_refunded": refunded,
                "payment_method_details": { "card": { "brand": brand, "last4": last4 } },
            })
        })
}

fn kind() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "payment_intent.created",
                "payment_intent.succeeded",
                "payment_intent.payment_failed",
                "payment_intent.canceled",
                "payment_intent.processing",
                "payment_intent.requires_action",
                "payment_intent.amount_capturable_updated",
                "charge.succeeded",
                "charge.failed",
                "charge.refunded",
                "customer.created",
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-z_.]{0,24}",
    ]
}

/// A body as it could arrive signed: a Stripe-shaped event (sometimes missing a part), or anything at all.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let object = prop_oneof![3 => intent(), 2 => charge(), 1 => text()];
    let event = ("evt_[a-c]{1,2}", kind(), any::<i64>(), object, 0u8..8).prop_map(|(id, kind, created, object, drop)| {
        let mut e = json!({ "id": id, "object": "event", "type": kind, "created": created, "data": { "object": object } });
        match drop {
            0 => e["id"] = Value::Null,
            1 => {
                e.as_object_mut().unwrap().remove("data");
            }
            _ => {}
        }
        e.to_string().into_bytes()
    });
    prop_oneof![6 => event, 1 => proptest::collection::vec(any::<u8>(), 0..64)]
}

fn seeded() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_dir(dir.path()).unwrap();
    let conn = crate::db::open(&db.sqlite().unwrap().path).unwrap();
    for (id, pi, status) in [
        ("o1", Some("pi_1"), "requires_payment_method"),
        ("o2", Some("pi_2"), "succeeded"),
        ("o3", None, "requires_payment_method"),
    ] {
        let mut order = orders::Order::new(kassa_api::Payment::awaiting_intent(
            id,
            "till-1",
            1000,
            "usd",
            "automatic",
            0,
        ));
        order.payment_intent_id = pi.map(Into::into);
        order.status = status.into();
        order.amount_received = if status == "succeeded" { 1000 } else { 0 };
        orders::insert(&crate::db::Connection::sqlite(&conn), &order).unwrap();
    }
    (dir, conn)
}

/// Every order as a row of text, to see what an event changed.
fn orders_now(conn: &Connection) -> Vec<(String, Option<String>, String, String)> {
    let mut stmt = conn
        .prepare("SELECT order_id, payment_intent_id, status, json_array(amount, amount_received, amount_refunded, card_brand, card_last4, last_error_code) FROM orders ORDER BY order_id")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// One database for every case; each case runs in a transaction that is rolled back.
static DB: LazyLock<Mutex<(tempfile::TempDir, Connection)>> =
    LazyLock::new(|| Mutex::new(seeded()));

proptest! {
    #[test]
    fn whatever_a_signed_body_holds_the_router_stores_it_once_and_keeps_the_orders_sound(
        bodies in proptest::collection::vec(body(), 1..8)
    ) {
        let db = DB.lock().unwrap_or_else(|e| e.into_inner());
        let tx = db.1.unchecked_transaction().unwrap();
        let mut seen = BTreeSet::new();
        for body in &bodies {
            let Ok(event) = parse(body) else { continue };
            let before = orders_now(&tx);
            let mut recheck = Vec::new();
            let stored = store_event(&crate::db::Connection::sqlite(&tx), &event, 1_700_000_000, &mut recheck);
            prop_assert!(stored.is_ok(), "a readable event must be stored: {:?} for {}", stored, String::from_utf8_lossy(body));
            let after = orders_now(&tx);
            let first = seen.insert(event.id.clone());
            prop_assert_eq!(stored.unwrap() == Stored::Duplicate, !first, "stored once per id: {}", event.id);
            if !first {
                prop_assert_eq!(&before, &after, "a repeat changes nothing");
            }
            for (b, a) in before.iter().zip(&after) {
                if b != a {
                    let own = a.1.is_some() && a.1 == event.payment_intent_id;
                    prop_assert!(own, "{} changed by an event of {:?}", a.0, event.payment_intent_id);
                }
                if (b.2 == "succeeded" || b.2 == "canceled") && a.2 != b.2 {
                    prop_assert!(false, "{} went from {} to {} on an event", a.0, b.2, a.2);
                }
            }
        }
        drop(tx);
    }
}
