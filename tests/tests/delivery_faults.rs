//! Stripe promises neither order nor uniqueness of webhooks, and retries failures. With the simulator duplicating,
//! reordering and failing deliveries on purpose, every payment still ends in its true state and every event is
//! stored once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::{event_id, eventually, SimOptions, Stack};
use serde_json::Value;

/// The payments every run makes, and the state each must end in.
async fn make_payments(stack: &Stack) -> BTreeMap<String, (&'static str, Option<&'static str>)> {
    let mut expected = BTreeMap::new();

    let paid = stack.intent(&stack.till, "order-paid", 1200).await;
    let (status, body) = stack.confirm(&paid, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expected.insert("order-paid".to_owned(), ("succeeded", None));

    // Declined, then paid with another card on the same intent.
    let retried = stack.intent(&stack.till, "order-retried", 3400).await;
    let (status, body) = stack.confirm(&retried, "pm_card_visa_chargeDeclined").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["error"]["decline_code"], "generic_decline");
    let (status, body) = stack.confirm(&retried, "pm_card_mastercard").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "succeeded");
    expected.insert("order-retried".to_owned(), ("succeeded", None));

    // Declined and left so.
    let declined = stack.intent(&stack.till, "order-declined", 560).await;
    let (status, body) = stack
        .confirm(&declined, "pm_card_visa_chargeDeclinedInsufficientFunds")
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    expected.insert(
        "order-declined".to_owned(),
        ("requires_payment_method", Some("insufficient_funds")),
    );

    // Abandoned at the till.
    stack.intent(&stack.till, "order-canceled", 780).await;
    let (status, body) = stack
        .post(
            &stack.till,
            "/api/orders/order-canceled/cancel",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["order"]["status"], "canceled");
    expected.insert("order-canceled".to_owned(), ("canceled", None));

    // Resized before paying, and not paid (yet): each order keeps its new amount whatever order the events of
    // its creation and its update come in. Several, so a reordering is all but certain.
    for n in 0..RESIZED {
        let order = format!("order-resized-{n}");
        stack.intent(&stack.till, &order, 1000).await;
        let resized = stack.intent(&stack.till, &order, 2500).await;
        assert_eq!(resized["amount"], 2500);
        expected.insert(order, ("requires_payment_method", None));
    }
    expected
}

const RESIZED: usize = 6;

/// The amount each order must end with.
fn amount_of(order: &str) -> i64 {
    match order {
        "order-paid" => 1200,
        "order-retried" => 3400,
        "order-declined" => 560,
        "order-canceled" => 780,
        resized if resized.starts_with("order-resized-") => 2500,
        other => panic!("unknown order {other}"),
    }
}

/// Waits until the payments table shows every expected final state, and until every event the simulator emitted
/// is in the feed; then checks that no event is in the feed twice. Returns how many times each event was delivered.
async fn settles(
    stack: &Stack,
    expected: &BTreeMap<String, (&'static str, Option<&'static str>)>,
    deliveries_per_event: usize,
) -> HashMap<String, usize> {
    eventually(
        Duration::from_secs(30),
        "every payment in its final state",
        || async {
            let payments = stack.payments(&stack.admin).await;
            let actual: BTreeMap<String, (String, Option<String>, i64)> = payments
                .iter()
                .map(|p| {
                    (
                        p["order_id"].as_str().unwrap().to_owned(),
                        (
                            p["status"].as_str().unwrap().to_owned(),
                            p["last_error_code"].as_str().map(str::to_owned),
                            p["amount"].as_i64().unwrap(),
                        ),
                    )
                })
                .collect();
            let wanted: BTreeMap<String, (String, Option<String>, i64)> = expected
                .iter()
                .map(|(k, (s, e))| {
                    (
                        k.clone(),
                        (s.to_string(), e.map(str::to_owned), amount_of(k)),
                    )
                })
                .collect();
            (actual == wanted)
                .then_some(())
                .ok_or_else(|| format!("{actual:?}"))
        },
    )
    .await;

    // Every emitted event was delivered as often as the faults say, and the feed has each exactly once.
    let delivered = eventually(
        Duration::from_secs(30),
        "every event delivered and stored",
        || async {
            let emitted: BTreeSet<String> = stack
                .sim_events()
                .await
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect();
            let mut delivered: HashMap<String, usize> = HashMap::new();
            for a in stack.sim_deliveries().await {
                if a["outcome"] == "delivered" {
                    *delivered
                        .entry(a["event_id"].as_str().unwrap().to_owned())
                        .or_default() += 1;
                }
            }
            let feed: BTreeSet<String> = stack
                .feed_all(&stack.admin, 0)
                .await
                .iter()
                .map(|i| event_id(i).to_owned())
                .collect();
            let short: Vec<&String> = emitted
                .iter()
                .filter(|id| delivered.get(*id).copied().unwrap_or(0) < deliveries_per_event)
                .collect();
            let missing: Vec<&String> = emitted.difference(&feed).collect();
            (short.is_empty() && missing.is_empty())
                .then(|| delivered.clone())
                .ok_or_else(|| {
                    format!("not yet delivered: {short:?}; not in the feed: {missing:?}")
                })
        },
    )
    .await;

    let feed = stack.feed_all(&stack.admin, 0).await;
    let mut seen: HashMap<&str, i64> = HashMap::new();
    let mut last = 0;
    for item in &feed {
        let cursor = item["cursor"].as_i64().unwrap();
        assert!(cursor > last, "cursors increase: {cursor} after {last}");
        last = cursor;
        if let Some(earlier) = seen.insert(event_id(item), cursor) {
            panic!(
                "{} is in the feed twice (cursors {earlier} and {cursor})",
                event_id(item)
            );
        }
    }
    // The feed's view of each order agrees with the table: its events are all the order's.
    for item in &feed {
        if let Some(order) = item["order_id"].as_str() {
            assert!(expected.contains_key(order), "unknown order {order}");
        }
    }
    delivered
}

fn pi_of(v: &Value) -> &str {
    v["payment_intent_id"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn duplicated_and_reordered_deliveries_end_in_the_true_state_and_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start_with(
        dir.path(),
        &SimOptions::args(["--fault-duplicate", "1", "--fault-reorder-ms", "300"]),
    );
    let expected = make_payments(&stack).await;
    let delivered = settles(&stack, &expected, 2).await;
    assert!(
        delivered.values().all(|n| *n >= 2),
        "every event was delivered twice: {delivered:?}"
    );
    let payments = stack.payments(&stack.admin).await;
    assert!(payments.iter().all(|p| pi_of(p).starts_with("pi_")));
    let retried = payments
        .iter()
        .find(|p| p["order_id"] == "order-retried")
        .unwrap();
    assert_eq!(retried["card_brand"], "mastercard", "{retried}");
    assert_eq!(retried["amount_received"], 3400);
}

#[tokio::test]
async fn failed_deliveries_are_retried_until_stored() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start_with(
        dir.path(),
        &SimOptions::args(["--fault-fail-first", "2", "--webhook-retry-base-ms", "20"]),
    );
    let expected = make_payments(&stack).await;
    settles(&stack, &expected, 1).await;
    let attempts = stack.sim_deliveries().await;
    let injected = attempts
        .iter()
        .filter(|a| a["outcome"] == "injected_failure")
        .count();
    let delivered = attempts
        .iter()
        .filter(|a| a["outcome"] == "delivered")
        .count();
    assert_eq!(
        injected,
        2 * delivered,
        "each delivery succeeded on its third attempt"
    );
    assert!(attempts
        .iter()
        .filter(|a| a["outcome"] == "delivered")
        .all(|a| a["attempt"] == 3));
}
