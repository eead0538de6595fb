//! The till's money-moving actions against the real backend: a refund needs the admin PIN in the till and an
//! admin token at the backend; with only a terminal token the till says what to configure; with the admin token a
//! refund retried with its key refunds once.

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::{confirm_as_client, TestTill};
use kassa_tests::Stack;
use kassa_till::{Backend, Catalog, Silent, SystemClock, Till, TillError};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_needs_the_pin_and_an_admin_token_and_a_retried_refund_refunds_once() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(&dir.path().join("backend"));
    let db = dir.path().join("till").join("till.sqlite3");
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;
    let (order, info) = till.sale(&["espresso"]).await;
    let (code, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    till.wait_paid(&order.id).await;

    // Without the PIN, the core refuses before anything reaches the backend.
    let locked = till
        .till
        .refund(&order.id, None, "key-1")
        .await
        .unwrap_err();
    assert!(matches!(locked, TillError::AdminLocked), "{locked:?}");

    // With the PIN but only this till's terminal token: the backend refuses, and the till says what to do.
    till.till.set_admin_pin("2468").unwrap();
    assert!(till.till.verify_admin_pin("2468").unwrap());
    let refused = till
        .till
        .refund(&order.id, None, "key-1")
        .await
        .unwrap_err();
    let text = refused.to_string();
    assert!(text.contains("admin token"), "{text}");
    assert!(text.contains("admin_token"), "{text}");

    // The same till's database, now with an admin token in its settings: the refund goes through, once.
    drop(till);
    let admin_till = Till::open(
        &db,
        Backend::new(&stack.backend.url, &stack.till).with_admin_token(Some(stack.admin.clone())),
        Catalog::demo(),
        "till-1",
        Arc::new(Silent),
        Arc::new(SystemClock),
    )
    .unwrap();
    assert!(admin_till.verify_admin_pin("2468").unwrap());
    let first = admin_till
        .refund(&order.id, Some(100), "key-2")
        .await
        .unwrap();
    let again = admin_till
        .refund(&order.id, Some(100), "key-2")
        .await
        .unwrap();
    assert_eq!(first.row.amount_refunded, 100, "{first:?}");
    assert_eq!(
        again.row.amount_refunded, 100,
        "a retried refund refunds once: {again:?}"
    );

    // Stripe agrees: one refund of 100 on the intent's charge.
    let pi: serde_json::Value = stack
        .http
        .get(format!(
            "{}/v1/payment_intents/{}?expand[]=latest_charge",
            stack.sim.url, info.payment_intent_id
        ))
        .bearer_auth(kassa_tests::SECRET_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pi["latest_charge"]["amount_refunded"], 100, "{pi}");
}
