//! The till's core, headless, against the real backend and simulator processes: a sale is paid through the feed
//! and fulfilled exactly once whatever the payment path (declines, 3-D Secure, asynchronous cards), whatever the
//! delivery (duplicates, reordering, a till restart, a backend outage), and whatever the feed carries (a payment
//! for the wrong amount never fulfils). Recovery finds a success whose webhook never arrived.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::{authenticate, confirm_as_client, feed_item, stack, TestTill};
use kassa_tests::{event_id, event_type, eventually, object_id, Stack};
use kassa_till::store::apply::{FeedItem, Outcome};
use kassa_till::{Order, OrderStatus};
use serde_json::{json, Value};
use tempfile::TempDir;

/// A backend data directory and a till database beside it.
fn dirs() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till").join("till.sqlite3");
    (dir, db)
}

fn backend_dir(dir: &TempDir) -> PathBuf {
    dir.path().join("backend")
}

async fn confirm_ok(stack: &Stack, info: &kassa_till::IntentInfo, pm: &str, status: &str) {
    let (code, body) = confirm_as_client(&stack.http, info, pm).await;
    assert_eq!(code, StatusCode::OK, "confirm with {pm}: {body}");
    assert_eq!(body["status"], status, "confirm with {pm}: {body}");
}

/// The till applied each event of the feed once: once it has caught up with the feed as it stands now, its log
/// and the feed name the same events, none twice. (Hand-built items, applied with cursor 0, are left out.)
async fn applied_once_each(stack: &Stack, till: &TestTill) {
    let feed = stack.feed_all(&stack.till, 0).await;
    let last = feed.last().and_then(|i| i["cursor"].as_i64()).unwrap_or(0);
    eventually(
        Duration::from_secs(30),
        "the till catches up with the feed",
        || async {
            let cursor = till.cursor();
            (cursor >= last)
                .then_some(())
                .ok_or_else(|| format!("at {cursor}, the feed ends at {last}"))
        },
    )
    .await;
    let applied = till.applied();
    let all: Vec<&String> = applied.iter().map(|a| &a.event_id).collect();
    let distinct: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "no event applied twice");
    let up_to_last: BTreeSet<&str> = applied
        .iter()
        .filter(|a| a.cursor > 0 && a.cursor <= last)
        .map(|a| a.event_id.as_str())
        .collect();
    let feed_set: BTreeSet<&str> = feed.iter().map(event_id).collect();
    assert_eq!(up_to_last, feed_set, "the till applied exactly the feed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_sale_is_paid_through_the_feed_fulfilled_once_and_announced() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;

    let (order, info) = till.sale(&["espresso", "croissant", "espresso"]).await;
    assert_eq!(order.total, 2 * 250 + 290);
    assert_eq!(order.lines.len(), 2, "the same item twice is one line");
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    assert_eq!(
        order.payment_intent_id.as_deref(),
        Some(info.payment_intent_id.as_str())
    );
    assert_eq!((info.amount, info.currency.as_str()), (790, "usd"));
    assert_eq!(
        info.status,
        kassa_stripe::PaymentIntentStatus::RequiresPaymentMethod
    );
    // The webview takes the card on the backend's own payment page, whose URL carries no secret.
    assert_eq!(info.pay_page_url, format!("{}/pay", stack.backend.url));
    assert!(info.client_secret.starts_with(&info.payment_intent_id));
    assert!(info.publishable_key.starts_with("pk_test_"));

    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    let paid = till.wait_paid(&order.id).await;
    assert_eq!(
        paid.payment_status.as_ref().map(|s| s.as_str()),
        Some("succeeded")
    );
    assert!(paid.fulfilled_at.is_some());
    assert!(paid.last_error.is_none());

    let fulfilments = till.fulfilments(&order.id);
    assert_eq!(fulfilments.len(), 1, "{fulfilments:?}");
    assert_eq!(fulfilments[0].payment_intent_id, info.payment_intent_id);
    assert_eq!(
        (fulfilments[0].amount, fulfilments[0].currency.as_str()),
        (790, "usd")
    );
    till.wait_notified(&order.id, "the UI is told the order is paid", |o| {
        o.status == OrderStatus::Paid && o.fulfilled_at.is_some()
    })
    .await;
    till.wait_sync_notified("the UI is told it is online", |_| true, |s| s.online)
        .await;

    // The charge's event brings the card for the receipt.
    till.wait_order(&order.id, "the card is known", |o| o.card_last4.is_some())
        .await;
    let receipt = till.till.receipt(&order.id).await.unwrap();
    assert_eq!(receipt.total, 790);
    assert_eq!(receipt.card_brand.as_deref(), Some("visa"));
    assert_eq!(receipt.card_last4.as_deref(), Some("4242"));
    assert_eq!(
        receipt.payment_intent_id,
        Some(info.payment_intent_id.clone())
    );

    applied_once_each(&stack, &till).await;
    let outcomes: Vec<(String, String)> = till
        .applied()
        .into_iter()
        .filter(|a| a.kind == "payment_intent.succeeded")
        .map(|a| (a.event_id, a.outcome))
        .collect();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].1, "fulfilled");
    assert_eq!(outcomes[0].0, fulfilments[0].event_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_shows_the_reason_and_another_card_pays_the_same_intent_once() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, first) = till.sale(&["sandwich"]).await;
    let (code, body) = confirm_as_client(
        &stack.http,
        &first,
        "pm_card_visa_chargeDeclinedInsufficientFunds",
    )
    .await;
    assert_eq!(code, StatusCode::PAYMENT_REQUIRED, "{body}");
    let declined = till
        .wait_order(&order.id, "the decline reaches the till", |o| {
            o.last_error.is_some()
        })
        .await;
    assert_eq!(declined.status, OrderStatus::AwaitingPayment);
    assert_eq!(
        declined.payment_status.as_ref().map(|s| s.as_str()),
        Some("requires_payment_method")
    );
    let error = declined.last_error.clone().unwrap();
    assert_eq!(error.code.as_deref(), Some("insufficient_funds"));
    assert!(!error.message.is_empty());
    assert!(declined.editable(), "a declined sale can still change");
    till.wait_notified(&order.id, "the UI is told of the decline", |o| {
        o.last_error.is_some()
    })
    .await;
    assert!(till.fulfilments(&order.id).is_empty());

    // Charging again gives the same intent; another card pays it.
    let again = till.till.charge(&order.id).await.unwrap();
    assert_eq!(again.payment_intent_id, first.payment_intent_id);
    assert_eq!(again.client_secret, first.client_secret);
    confirm_ok(&stack, &again, "pm_card_visa", "succeeded").await;
    let paid = till.wait_paid(&order.id).await;
    assert!(paid.last_error.is_none(), "{paid:?}");
    assert_eq!(till.fulfilments(&order.id).len(), 1);
    applied_once_each(&stack, &till).await;
    assert_eq!(till.fulfilments(&order.id).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_decline_shows_its_own_reason_and_a_late_snapshot_does_not_erase_it() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, info) = till.sale(&["cappuccino"]).await;
    let (code, body) = confirm_as_client(
        &stack.http,
        &info,
        "pm_card_visa_chargeDeclinedInsufficientFunds",
    )
    .await;
    assert_eq!(code, StatusCode::PAYMENT_REQUIRED, "{body}");
    till.wait_order(&order.id, "the first decline", |o| {
        o.last_error.as_ref().and_then(|e| e.code.as_deref()) == Some("insufficient_funds")
    })
    .await;
    let (code, body) = confirm_as_client(&stack.http, &info, "pm_card_visa_chargeDeclined").await;
    assert_eq!(code, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["error"]["decline_code"], "generic_decline");
    till.wait_order(&order.id, "the second decline's own reason", |o| {
        o.last_error.as_ref().and_then(|e| e.code.as_deref()) == Some("generic_decline")
    })
    .await;
    till.wait_settled(&stack).await;

    // Stripe may deliver payment_intent.created after the decline: its snapshot (no error yet) clears nothing.
    let created = stack
        .feed_all(&stack.till, 0)
        .await
        .into_iter()
        .find(|i| event_type(i) == "payment_intent.created")
        .expect("payment_intent.created is in the feed");
    let mut late = created.clone();
    late["event"]["id"] = json!("evt_late_created_copy");
    late["cursor"] = json!(0);
    assert_eq!(till.apply(&feed_item(&late)), Outcome::Unchanged);
    let order = till.order(&order.id);
    assert_eq!(
        order.last_error.and_then(|e| e.code).as_deref(),
        Some("generic_decline")
    );
    assert_eq!(
        order.payment_status.as_ref().map(|s| s.as_str()),
        Some("requires_payment_method")
    );

    // A third card pays; a declined card's charge.failed arriving after that never replaces the card that paid.
    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    till.wait_order(&order.id, "paid with the card known", |o| {
        o.status == OrderStatus::Paid && o.card_last4.as_deref() == Some("4242")
    })
    .await;
    till.wait_settled(&stack).await;
    let failed_charge = stack
        .feed_all(&stack.till, 0)
        .await
        .into_iter()
        .find(|i| event_type(i) == "charge.failed")
        .expect("charge.failed is in the feed");
    let mut late = failed_charge.clone();
    late["event"]["id"] = json!("evt_late_charge_failed_copy");
    late["cursor"] = json!(0);
    assert_eq!(till.apply(&feed_item(&late)), Outcome::Unchanged);
    let receipt = till.till.receipt(&order.id).await.unwrap();
    assert_eq!(receipt.card_last4.as_deref(), Some("4242"));
    assert_eq!(till.fulfilments(&order.id).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_d_secure_completed_pays_the_order() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, info) = till.sale(&["salad", "juice"]).await;
    let (code, body) =
        confirm_as_client(&stack.http, &info, "pm_card_authenticationRequired").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_action");
    assert_eq!(body["next_action"]["type"], "use_stripe_sdk");
    let waiting = till
        .wait_order(&order.id, "requires_action reaches the till", |o| {
            o.payment_status.as_ref().map(|s| s.as_str()) == Some("requires_action")
        })
        .await;
    assert_eq!(waiting.status, OrderStatus::AwaitingPayment);
    assert!(
        !waiting.editable(),
        "the cart is locked while the customer authenticates"
    );

    let (code, body) = authenticate(&stack.http, &info, "complete").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "succeeded");
    till.wait_paid(&order.id).await;
    assert_eq!(till.fulfilments(&order.id).len(), 1);
    applied_once_each(&stack, &till).await;
}

/// Waits until every event the simulator emitted has been delivered, the till has applied the whole feed, and
/// `check` holds for the order: a state reached only on the way (before a late event) does not count.
async fn wait_final(
    stack: &Stack,
    till: &TestTill,
    order_id: &str,
    check: impl Fn(&Order) -> bool,
) {
    eventually(
        Duration::from_secs(30),
        "every event delivered and applied, and the order in its final state",
        || async {
            let emitted: BTreeSet<String> = stack
                .sim_events()
                .await
                .iter()
                .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
                .collect();
            let delivered: BTreeSet<String> = stack
                .sim_deliveries()
                .await
                .iter()
                .filter(|a| a["outcome"] == "delivered")
                .map(|a| a["event_id"].as_str().unwrap_or_default().to_owned())
                .collect();
            if !emitted.is_subset(&delivered) {
                return Err(format!("undelivered: {:?}", emitted.difference(&delivered)));
            }
            let last = stack
                .feed_all(&stack.till, 0)
                .await
                .last()
                .and_then(|i| i["cursor"].as_i64())
                .unwrap_or(0);
            let (cursor, order) = (till.cursor(), till.order(order_id));
            (cursor >= last && check(&order))
                .then_some(())
                .ok_or_else(|| format!("at {cursor} of {last}: {order:?}"))
        },
    )
    .await;
}

fn failed_authentication(o: &Order) -> bool {
    o.status == OrderStatus::AwaitingPayment
        && o.payment_status.as_ref().map(|s| s.as_str()) == Some("requires_payment_method")
        && o.last_error.as_ref().and_then(|e| e.code.as_deref())
            == Some("payment_intent_authentication_failure")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_d_secure_failed_leaves_the_order_unpaid_with_the_reason() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, info) = till.sale(&["bagel"]).await;
    let (code, body) =
        confirm_as_client(&stack.http, &info, "pm_card_authenticationRequired").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_action");
    let (code, body) = authenticate(&stack.http, &info, "fail").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requires_payment_method");

    // requires_action and payment_failed share a second and their deliveries race: whichever lands last, the
    // till ends in Stripe's state.
    wait_final(&stack, &till, &order.id, failed_authentication).await;
    applied_once_each(&stack, &till).await;
    let failed = till.order(&order.id);
    assert!(failed_authentication(&failed), "{failed:?}");
    assert!(failed.fulfilled_at.is_none());
    assert!(till.fulfilments(&order.id).is_empty());
    assert!(!till.notes.saw(&order.id, |o| o.status == OrderStatus::Paid));
    till.wait_notified(
        &order.id,
        "the UI is told of the failed authentication",
        failed_authentication,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_requires_action_delivered_after_the_failed_authentication_does_not_stick() {
    let (dir, db) = dirs();
    // Deliveries held a random 0..400 ms: requires_action often lands after payment_failed of the same second.
    let stack = stack(&backend_dir(&dir), &["--fault-reorder-ms", "400"], &[]);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let mut orders = Vec::new();
    for _ in 0..4 {
        let (order, info) = till.sale(&["muffin"]).await;
        let (code, body) =
            confirm_as_client(&stack.http, &info, "pm_card_authenticationRequired").await;
        assert_eq!(code, StatusCode::OK, "{body}");
        let (code, body) = authenticate(&stack.http, &info, "fail").await;
        assert_eq!(code, StatusCode::OK, "{body}");
        orders.push(order.id);
    }
    for id in &orders {
        wait_final(&stack, &till, id, failed_authentication).await;
    }
    applied_once_each(&stack, &till).await;
    for id in &orders {
        let order = till.order(id);
        assert!(failed_authentication(&order), "{order:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asynchronous_payment_goes_from_processing_to_paid() {
    let (dir, db) = dirs();
    let stack = stack(&backend_dir(&dir), &["--processing-delay-ms", "300"], &[]);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, info) = till.sale(&["cookie"]).await;
    confirm_ok(&stack, &info, "pm_card_processing_succeeds", "processing").await;
    till.wait_paid(&order.id).await;
    assert!(
        till.notes
            .saw(&order.id, |o| o.payment_status.as_ref().map(|s| s.as_str())
                == Some("processing")),
        "the UI showed processing first: {:?}",
        till.notes.order_history(&order.id)
    );
    assert_eq!(till.fulfilments(&order.id).len(), 1);
    applied_once_each(&stack, &till).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asynchronous_payment_that_fails_after_processing_is_not_paid_and_can_be_retried() {
    let (dir, db) = dirs();
    let stack = stack(&backend_dir(&dir), &["--processing-delay-ms", "300"], &[]);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, info) = till.sale(&["tea", "muffin"]).await;
    confirm_ok(&stack, &info, "pm_card_processing_fails", "processing").await;
    let failed = till
        .wait_order(&order.id, "the late failure reaches the till", |o| {
            o.last_error.is_some()
        })
        .await;
    assert_eq!(failed.status, OrderStatus::AwaitingPayment);
    assert_eq!(
        failed.payment_status.as_ref().map(|s| s.as_str()),
        Some("requires_payment_method")
    );
    assert_eq!(
        failed.last_error.and_then(|e| e.code).as_deref(),
        Some("generic_decline")
    );
    assert!(till
        .notes
        .saw(&order.id, |o| o.payment_status.as_ref().map(|s| s.as_str())
            == Some("processing")));
    applied_once_each(&stack, &till).await;
    assert!(till.fulfilments(&order.id).is_empty());

    let again = till.till.charge(&order.id).await.unwrap();
    assert_eq!(again.payment_intent_id, info.payment_intent_id);
    confirm_ok(&stack, &again, "pm_card_visa", "succeeded").await;
    till.wait_paid(&order.id).await;
    assert_eq!(till.fulfilments(&order.id).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_restarted_while_a_payment_is_processing_resumes_from_its_cursor_and_fulfils_once() {
    let (dir, db) = dirs();
    let stack = stack(&backend_dir(&dir), &["--processing-delay-ms", "1500"], &[]);
    let mut till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let (order, info) = till.sale(&["flat-white", "croissant"]).await;
    confirm_ok(&stack, &info, "pm_card_processing_succeeds", "processing").await;
    till.wait_order(&order.id, "processing reaches the till", |o| {
        o.payment_status.as_ref().map(|s| s.as_str()) == Some("processing")
    })
    .await;
    till.stop_sync().await;
    let before = till.applied();
    let cursor = till.cursor();
    assert!(cursor > 0);
    till.close().await;

    // The payment succeeds while the till is closed.
    eventually(
        Duration::from_secs(30),
        "payment_intent.succeeded in the backend's feed",
        || async {
            let feed = stack.feed_all(&stack.till, cursor).await;
            feed.iter()
                .any(|i| {
                    event_type(i) == "payment_intent.succeeded"
                        && object_id(i) == info.payment_intent_id
                })
                .then_some(())
                .ok_or_else(|| format!("{} events past {cursor}", feed.len()))
        },
    )
    .await;

    let mut reopened = TestTill::open(&db, &stack.backend.url, &stack.till);
    assert_eq!(
        reopened.till.sync_status().cursor,
        cursor,
        "the stored cursor is where it resumes"
    );
    assert_eq!(
        reopened.order(&order.id).status,
        OrderStatus::AwaitingPayment
    );
    assert_eq!(
        reopened.applied(),
        before,
        "nothing was applied while closed"
    );
    reopened.start_sync();
    reopened.wait_paid(&order.id).await;
    assert_eq!(reopened.fulfilments(&order.id).len(), 1);
    applied_once_each(&stack, &reopened).await;

    let after: Vec<_> = reopened.applied().into_iter().skip(before.len()).collect();
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|a| a.cursor > cursor),
        "only events past the stored cursor were applied after the restart: {after:?}"
    );
    // The reopened till announces what it applied itself, once each, and replays nothing from before.
    reopened
        .wait_notified(&order.id, "the UI is told the order is paid", |o| {
            o.status == OrderStatus::Paid
        })
        .await;
    eventually(
        Duration::from_secs(10),
        "one announcement per applied event",
        || async {
            let applied_to_order = reopened
                .applied()
                .into_iter()
                .skip(before.len())
                .filter(|a| a.order_id.as_deref() == Some(order.id.as_str()))
                .count();
            let history = reopened.notes.order_history(&order.id);
            (history.len() == applied_to_order)
                .then_some(())
                .ok_or_else(|| format!("{applied_to_order} applied, announced: {history:?}"))
        },
    )
    .await;
    assert!(reopened.till.sync_status().cursor > cursor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_restarted_while_the_backend_is_down_ends_paid_once_when_both_are_back() {
    let (dir, db) = dirs();
    let stack = stack(
        &backend_dir(&dir),
        &[
            "--webhook-max-attempts",
            "40",
            "--webhook-retry-base-ms",
            "100",
            "--webhook-retry-max-ms",
            "300",
        ],
        &[],
    );
    let mut till = TestTill::running(&db, &stack.backend.url, &stack.till);
    let (order, info) = till.sale(&["water", "cookie"]).await;
    till.wait_settled(&stack).await;

    stack.backend.kill();
    till.wait_sync("offline", |s| !s.online).await;
    // The customer pays while the backend is down: Stripe keeps retrying the webhook.
    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    till.stop_sync().await;
    let cursor = till.cursor();
    let before = till.applied().len();
    till.close().await;

    stack.backend.restart();
    let mut reopened = TestTill::open(&db, &stack.backend.url, &stack.till);
    assert_eq!(reopened.till.sync_status().cursor, cursor);
    reopened.start_sync();
    reopened.wait_paid(&order.id).await;
    assert_eq!(reopened.fulfilments(&order.id).len(), 1);
    applied_once_each(&stack, &reopened).await;
    let after: Vec<_> = reopened.applied().into_iter().skip(before).collect();
    assert!(
        !after.is_empty() && after.iter().all(|a| a.cursor > cursor),
        "only events past the stored cursor were applied after the restart: {after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_and_reordered_deliveries_never_fulfil_an_order_twice() {
    let (dir, db) = dirs();
    let stack = stack(
        &backend_dir(&dir),
        &["--fault-duplicate", "1", "--fault-reorder-ms", "300"],
        &[],
    );
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);

    let mut sales = Vec::new();
    for (skus, cards) in [
        (&["espresso"][..], &["pm_card_visa"][..]),
        (&["cappuccino", "cookie"][..], &["pm_card_mastercard"][..]),
        (
            &["sandwich"][..],
            &["pm_card_visa_chargeDeclined", "pm_card_visa"][..],
        ),
        (&["salad", "water", "tea"][..], &["pm_card_amex"][..]),
    ] {
        let (order, info) = till.sale(skus).await;
        for (n, card) in cards.iter().enumerate() {
            let (code, body) = confirm_as_client(&stack.http, &info, card).await;
            let last = n + 1 == cards.len();
            assert_eq!(
                code,
                if last {
                    StatusCode::OK
                } else {
                    StatusCode::PAYMENT_REQUIRED
                },
                "{card}: {body}"
            );
        }
        sales.push((order, info));
    }
    for (order, info) in &sales {
        till.wait_paid(&order.id).await;
        let f = till.fulfilments(&order.id);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].payment_intent_id, info.payment_intent_id);
        assert_eq!(f[0].amount, order.total);
    }
    // The faults happened: every payment_intent.succeeded was delivered at least twice.
    let succeeded: BTreeSet<String> = stack
        .feed_all(&stack.till, 0)
        .await
        .iter()
        .filter(|i| event_type(i) == "payment_intent.succeeded")
        .map(|i| event_id(i).to_owned())
        .collect();
    assert_eq!(succeeded.len(), sales.len());
    eventually(
        Duration::from_secs(30),
        "each success delivered twice",
        || async {
            let deliveries = stack.sim_deliveries().await;
            let short: Vec<&String> = succeeded
                .iter()
                .filter(|id| {
                    deliveries
                        .iter()
                        .filter(|a| a["event_id"] == id.as_str() && a["outcome"] == "delivered")
                        .count()
                        < 2
                })
                .collect();
            short
                .is_empty()
                .then_some(())
                .ok_or_else(|| format!("{short:?}"))
        },
    )
    .await;
    applied_once_each(&stack, &till).await;
    for (order, _) in &sales {
        assert_eq!(till.fulfilments(&order.id).len(), 1);
        assert_eq!(till.order(&order.id).status, OrderStatus::Paid);
    }
}

/// A hand-built feed item about `pi`, with cursor 0 so it never moves the till's cursor past real events.
fn hand_built(event_id: &str, kind: &str, created: i64, object: Value) -> FeedItem {
    feed_item(&json!({
        "cursor": 0,
        "order_id": null,
        "foreign": false,
        "source": "webhook",
        "event": {
            "id": event_id,
            "object": "event",
            "type": kind,
            "created": created,
            "data": { "object": object },
        },
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_applied_again_or_a_late_one_after_success_changes_nothing() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    // No sync task: the feed items are applied by hand.
    let till = TestTill::open(&db, &stack.backend.url, &stack.till);
    let (order, info) = till.sale(&["juice", "bagel"]).await;
    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    let item = eventually(
        Duration::from_secs(15),
        "payment_intent.succeeded in the feed",
        || async {
            let feed = stack.feed_all(&stack.till, 0).await;
            feed.iter()
                .find(|i| event_type(i) == "payment_intent.succeeded")
                .cloned()
                .ok_or_else(|| format!("{} events", feed.len()))
        },
    )
    .await;
    let succeeded = feed_item(&item);
    assert_eq!(till.apply(&succeeded), Outcome::Fulfilled);
    assert_eq!(till.apply(&succeeded), Outcome::Duplicate);
    assert_eq!(till.apply(&succeeded), Outcome::Duplicate);
    assert_eq!(till.fulfilments(&order.id).len(), 1);
    assert_eq!(till.order(&order.id).status, OrderStatus::Paid);

    // The same success under another event id (as reconciliation would report it) fulfils nothing more.
    let object = item["event"]["data"]["object"].clone();
    let created = item["event"]["created"].as_i64().unwrap();
    let again = hand_built(
        "kassa_reconcile_again",
        "payment_intent.succeeded",
        created + 5,
        object.clone(),
    );
    assert_eq!(till.apply(&again), Outcome::Unchanged);
    assert_eq!(till.fulfilments(&order.id).len(), 1);

    // Late events from before the success never move a paid order.
    for (id, kind, status) in [
        (
            "evt_late_processing",
            "payment_intent.processing",
            "processing",
        ),
        (
            "evt_late_failed",
            "payment_intent.payment_failed",
            "requires_payment_method",
        ),
        (
            "evt_late_action",
            "payment_intent.requires_action",
            "requires_action",
        ),
    ] {
        let mut stale = object.clone();
        stale["status"] = json!(status);
        stale["amount_received"] = json!(0);
        let late = hand_built(id, kind, created - 1, stale);
        assert_eq!(till.apply(&late), Outcome::Unchanged, "{kind}");
        let order = till.order(&order.id);
        assert_eq!(order.status, OrderStatus::Paid, "after {kind}");
        assert_eq!(
            order.payment_status.as_ref().map(|s| s.as_str()),
            Some("succeeded"),
            "after {kind}"
        );
    }
    assert_eq!(till.fulfilments(&order.id).len(), 1);
    assert_eq!(
        till.cursor(),
        succeeded.cursor,
        "hand-built items never moved the cursor"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_for_another_amount_or_currency_never_fulfils_the_order() {
    let (dir, db) = dirs();
    let stack = Stack::start(&backend_dir(&dir));
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    let (order, info) = till.sale(&["espresso", "croissant"]).await;
    assert_eq!(order.total, 540);

    let object = |amount_received: i64, currency: &str| {
        json!({
            "id": info.payment_intent_id,
            "object": "payment_intent",
            "amount": amount_received,
            "amount_received": amount_received,
            "currency": currency,
            "status": "succeeded",
            "created": kassa_tests::unix_now(),
        })
    };
    let short = hand_built(
        "evt_mismatch_amount",
        "payment_intent.succeeded",
        kassa_tests::unix_now(),
        object(440, "usd"),
    );
    assert_eq!(till.apply(&short), Outcome::AmountMismatch);
    let wrong_currency = hand_built(
        "evt_mismatch_currency",
        "payment_intent.succeeded",
        kassa_tests::unix_now(),
        object(540, "eur"),
    );
    assert_eq!(till.apply(&wrong_currency), Outcome::AmountMismatch);
    let unpaid = till.order(&order.id);
    assert_eq!(unpaid.status, OrderStatus::AwaitingPayment);
    assert!(unpaid.fulfilled_at.is_none());
    assert!(till.fulfilments(&order.id).is_empty());
    let logged: Vec<String> = till
        .applied()
        .into_iter()
        .filter(|a| a.event_id.starts_with("evt_mismatch_"))
        .map(|a| a.outcome)
        .collect();
    assert_eq!(logged, ["amount_mismatch", "amount_mismatch"]);

    // The real payment, for the right amount, still fulfils it.
    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    till.wait_paid(&order.id).await;
    let f = till.fulfilments(&order.id);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].amount, f[0].currency.as_str()), (540, "usd"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_outage_shows_offline_with_a_retry_and_events_flow_again_after_it() {
    let (dir, db) = dirs();
    let stack = stack(
        &backend_dir(&dir),
        &[
            "--webhook-max-attempts",
            "40",
            "--webhook-retry-base-ms",
            "100",
            "--webhook-retry-max-ms",
            "300",
        ],
        &[],
    );
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;
    let (during, during_info) = till.sale(&["tea"]).await;
    till.wait_settled(&stack).await;

    stack.backend.kill();
    let offline = till
        .wait_sync("offline after the backend died", |s| !s.online)
        .await;
    assert!(
        offline.message.as_deref().is_some_and(|m| !m.is_empty()),
        "{offline:?}"
    );
    assert!(offline.retry_in_ms.is_some_and(|ms| ms > 0), "{offline:?}");
    till.wait_sync_notified(
        "the UI is told it is offline, why, and when it retries",
        |_| true,
        |s| !s.online && s.message.is_some() && s.retry_in_ms.is_some(),
    )
    .await;
    // Charging needs the backend: it says so, and the order is untouched.
    let blocked = till.till.new_order().unwrap();
    till.till.add_item("water").unwrap();
    let err = till.till.charge(&blocked.id).await.unwrap_err();
    assert_eq!(err.kind(), "offline", "{err}");
    // A customer who already had the card form pays meanwhile.
    confirm_ok(&stack, &during_info, "pm_card_visa", "succeeded").await;

    stack.backend.restart();
    till.wait_sync("online again", |s| s.online && s.retry_in_ms.is_none())
        .await;
    till.wait_sync_notified("the UI is told it is back", |s| !s.online, |s| s.online)
        .await;
    till.wait_paid(&during.id).await;
    assert_eq!(till.fulfilments(&during.id).len(), 1);

    // And a new sale after the outage.
    let info = till.till.charge(&blocked.id).await.unwrap();
    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    till.wait_paid(&blocked.id).await;
    assert_eq!(till.fulfilments(&blocked.id).len(), 1);
    applied_once_each(&stack, &till).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_finds_a_success_whose_webhook_never_arrived_and_fulfils_it_once() {
    let (dir, db) = dirs();
    // One delivery attempt only, and no periodic sweep: nothing but the till's recovery can find the payment.
    let stack = stack(
        &backend_dir(&dir),
        &["--webhook-max-attempts", "1"],
        &["--reconcile-every-secs", "0"],
    );
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    let (order, info) = till.sale(&["sandwich", "juice"]).await;
    till.wait_settled(&stack).await;

    stack.backend.kill();
    confirm_ok(&stack, &info, "pm_card_visa", "succeeded").await;
    eventually(
        Duration::from_secs(30),
        "the simulator gives up on payment_intent.succeeded",
        || async {
            let deliveries = stack.sim_deliveries().await;
            deliveries
                .iter()
                .any(|a| a["event_type"] == "payment_intent.succeeded" && a["outcome"] == "gave_up")
                .then_some(())
                .ok_or_else(|| format!("{deliveries:?}"))
        },
    )
    .await;
    stack.backend.restart();
    till.wait_sync("online again", |s| s.online).await;
    till.wait_settled(&stack).await;
    assert!(
        !stack
            .feed_all(&stack.till, 0)
            .await
            .iter()
            .any(|i| event_type(i) == "payment_intent.succeeded"),
        "the backend never stored the success"
    );
    assert_eq!(till.order(&order.id).status, OrderStatus::AwaitingPayment);

    let sweep = till.till.recover().await.unwrap();
    assert!(sweep.checked >= 1 && sweep.changed >= 1, "{sweep:?}");
    let paid = till.wait_paid(&order.id).await;
    assert_eq!(
        paid.payment_status.as_ref().map(|s| s.as_str()),
        Some("succeeded")
    );
    let f = till.fulfilments(&order.id);
    assert_eq!(f.len(), 1, "{f:?}");
    let feed = stack.feed_all(&stack.till, 0).await;
    let found = feed
        .iter()
        .find(|i| event_id(i) == f[0].event_id)
        .expect("the fulfilling event is in the feed");
    assert_eq!(event_type(found), "payment_intent.succeeded");
    assert_eq!(found["source"], "reconcile");
    assert_eq!(found["order_id"], order.id.as_str());

    // Recovering again finds nothing new and fulfils nothing more.
    let again = till.till.recover().await.unwrap();
    assert_eq!(again.changed, 0, "{again:?}");
    applied_once_each(&stack, &till).await;
    assert_eq!(till.fulfilments(&order.id).len(), 1);
    // The receipt still gets the card, from the backend.
    let receipt = till.till.receipt(&order.id).await.unwrap();
    assert_eq!(receipt.card_last4.as_deref(), Some("4242"));
}

#[tokio::test]
async fn a_new_sale_started_while_the_last_one_is_unpaid_gets_the_next_items() {
    let dir = tempfile::tempdir().unwrap();
    // No backend needed: carts are local.
    let till = TestTill::open(
        &dir.path().join("till.sqlite3"),
        "http://127.0.0.1:9",
        "unused",
    );
    let mut previous = None;
    for n in 0..8 {
        let order = till.till.new_order().unwrap();
        assert_ne!(
            Some(&order.id),
            previous.as_ref(),
            "sale {n} is a new order"
        );
        let after = till.till.add_item("espresso").unwrap();
        assert_eq!(
            after.id, order.id,
            "sale {n}: the item goes to the new sale"
        );
        assert_eq!(till.till.current_order().unwrap().unwrap().id, order.id);
        previous = Some(order.id);
    }
}
