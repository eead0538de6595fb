//! A card-present sale from the till's core: the backend drives the till's simulated reader, the tap pays, and the
//! sale is fulfilled once by payment_intent.succeeded; a decline says why and a new attempt pays; a cancel frees
//! the reader and leaves the sale open.

use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::TestTill;
use kassa_tests::{eventually, Stack};
use serde_json::json;

async fn shop() -> (tempfile::TempDir, Stack, TestTill, String) {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(&dir.path().join("backend"));
    let till = TestTill::online(dir.path(), &stack).await;
    let (status, body) = stack
        .put(
            &stack.admin,
            "/api/catalog/store",
            json!({"name": "Corner Café", "currency": "usd"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = stack
        .import_csv("sku,name,price,barcode,category,tax\ncoffee,Coffee,250,,,\npie,Pie,325,,,\n")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, reader) = stack
        .post(
            &stack.admin,
            "/api/readers",
            json!({ "registration_code": "simulated-wpe", "label": "Reader 1", "terminal": "till-1" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reader}");
    eventually(Duration::from_secs(20), "the catalogue", || async {
        let items = till.till.catalog().map_err(|e| e.to_string())?.items.len();
        (items == 2).then_some(()).ok_or(format!("{items} items"))
    })
    .await;
    let id = reader["reader_id"].as_str().unwrap().to_owned();
    (dir, stack, till, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_tapped_on_the_tills_reader_is_paid_and_fulfilled_once() {
    let (_dir, _stack, till, reader) = shop().await;
    let readers = till.till.readers().await.unwrap();
    assert_eq!(readers.len(), 1);
    assert_eq!(
        (readers[0].label.as_str(), readers[0].status.as_str()),
        ("Reader 1", "online")
    );
    assert!(readers[0].simulated);

    let sale = till.till.new_order().unwrap();
    till.till.add_item("coffee").unwrap();
    till.till.add_item("pie").unwrap();
    let started = till.till.pay_on_reader(&sale.id, &reader).await.unwrap();
    let action = started.action.expect("the reader is collecting");
    assert_eq!(
        (action.kind.as_str(), action.status.as_str()),
        ("process_payment_intent", "in_progress")
    );

    till.till.simulate_tap(&reader, None).await.unwrap();

    till.wait_paid(&sale.id).await;
    assert_eq!(till.fulfilments(&sale.id).len(), 1);
    till.till.set_admin_pin("2468").unwrap();
    assert!(till.till.verify_admin_pin("2468").unwrap());
    // The charge's event may come after the intent's: the admin row shows the card once it has.
    eventually(
        Duration::from_secs(20),
        "the card in the admin table",
        || async {
            let rows = till
                .till
                .admin_payments(&Default::default())
                .map_err(|e| e.to_string())?
                .rows;
            let row = rows.iter().find(|r| r.order_id == sale.id).cloned();
            row.filter(|r| {
                r.card_last4.as_deref() == Some("4242")
                    && r.card_read_method.as_deref() == Some("contactless_emv")
            })
            .map(|_| ())
            .ok_or(format!("{rows:?}"))
        },
    )
    .await;
    let applied = till.applied();
    assert!(
        applied
            .iter()
            .any(|e| e.kind == "terminal.reader.action_succeeded"
                && e.order_id.as_deref() == Some(sale.id.as_str())),
        "the reader's event reached the till: {applied:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_tap_says_why_and_the_next_attempt_pays() {
    let (_dir, _stack, till, reader) = shop().await;
    let sale = till.till.new_order().unwrap();
    till.till.add_item("coffee").unwrap();
    till.till.pay_on_reader(&sale.id, &reader).await.unwrap();

    till.till
        .simulate_tap(&reader, Some("4000000000009995"))
        .await
        .unwrap();

    let polled = till.till.reader(&reader).await.unwrap();
    let action = polled.action.unwrap();
    assert_eq!(action.status, "failed");
    assert!(
        action
            .failure_message
            .as_deref()
            .is_some_and(|m| m.contains("insufficient funds")),
        "{action:?}"
    );
    assert_ne!(
        till.till.order(&sale.id).unwrap().status.to_string(),
        "paid"
    );

    till.till.pay_on_reader(&sale.id, &reader).await.unwrap();
    till.till.simulate_tap(&reader, None).await.unwrap();
    till.wait_paid(&sale.id).await;
    assert_eq!(till.fulfilments(&sale.id).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_on_the_reader_frees_it_and_leaves_the_sale_open() {
    let (_dir, _stack, till, reader) = shop().await;
    let sale = till.till.new_order().unwrap();
    till.till.add_item("pie").unwrap();
    till.till.pay_on_reader(&sale.id, &reader).await.unwrap();

    let cancelled = till.till.cancel_reader(&reader).await.unwrap();

    assert!(cancelled.action.is_none());
    let order = till.till.order(&sale.id).unwrap();
    assert!(!order.status.is_final(), "{:?}", order.status);
    // The reader takes the next attempt; the sale can still be abandoned instead.
    till.till.pay_on_reader(&sale.id, &reader).await.unwrap();
    till.till.cancel_reader(&reader).await.unwrap();
    let abandoned = till.till.cancel_sale(&sale.id).await.unwrap();
    assert_eq!(abandoned.status.to_string(), "canceled");
}
