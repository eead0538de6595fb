//! Cash at the till: paid in full with change, or split with the card paying only the rest. The till records
//! the cash first and sends it to the backend from a durable queue, exactly once, outages and restarts included.

use std::path::PathBuf;
use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::{confirm_as_client, TestTill};
use kassa_tests::{eventually, Stack};
use kassa_till::error::TillError;
use kassa_till::status::OrderStatus;
use serde_json::{json, Value};
use tempfile::TempDir;

fn dirs() -> (TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till").join("till.sqlite3");
    let backend = dir.path().join("backend");
    (dir, db, backend)
}

/// The cash tenders the backend has stored, as an admin sees them.
async fn backend_cash(stack: &Stack) -> Vec<Value> {
    let (status, body) = stack.get(&stack.admin, "/api/cash").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["tenders"].as_array().cloned().unwrap_or_default()
}

async fn wait_backend_cash(stack: &Stack, count: usize) -> Vec<Value> {
    eventually(
        Duration::from_secs(20),
        "the cash reaches the backend",
        || async {
            let tenders = backend_cash(stack).await;
            (tenders.len() == count)
                .then_some(tenders.clone())
                .ok_or_else(|| format!("{tenders:?}"))
        },
    )
    .await
}

fn new_sale(till: &TestTill, skus: &[&str]) -> String {
    let order = till.till.new_order().unwrap();
    for sku in skus {
        till.till.add_item(sku).unwrap();
    }
    order.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_paid_in_cash_gives_change_is_paid_at_once_and_reaches_the_backend_once() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;

    // Espresso and a croissant: 5.40, paid with a ten.
    let id = new_sale(&till, &["espresso", "croissant"]);
    let order = till.till.pay_cash(&id, 1000).await.unwrap();
    assert_eq!(
        order.status,
        OrderStatus::Paid,
        "cash in hand pays the sale"
    );
    let cash = order.cash.clone().expect("the cash is on the order");
    assert_eq!((cash.amount, cash.given, cash.change), (540, 1000, 460));
    assert_eq!(order.due, 0);
    assert!(order.fulfilled_at.is_some());
    assert!(
        order.payment_intent_id.is_none(),
        "no card, no PaymentIntent"
    );

    let receipt = till.till.receipt(&id).await.unwrap();
    assert_eq!(receipt.cash.as_ref().map(|c| c.change), Some(460));
    assert_eq!((receipt.card_amount, receipt.payment_intent_id), (0, None));

    let stored = wait_backend_cash(&stack, 1).await;
    assert_eq!(stored[0]["order_id"], json!(id));
    assert_eq!(stored[0]["terminal"], json!("till-1"));
    assert_eq!(
        (
            &stored[0]["amount"],
            &stored[0]["given"],
            &stored[0]["sale_total"]
        ),
        (&json!(540), &json!(1000), &json!(540))
    );
    // The till marks it sent once the backend has answered (the backend may list it a moment before).
    eventually(Duration::from_secs(10), "the queue empties", || async {
        match till.till.cash_queued() {
            Ok(0) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    // Paid is paid: more cash, a card charge or an edit are refused.
    assert!(matches!(
        till.till.pay_cash(&id, 100).await,
        Err(TillError::Conflict(_))
    ));
    assert!(matches!(
        till.till.charge(&id).await,
        Err(TillError::Conflict(_))
    ));
    // A sent tender is not sent again: the queue is empty and the backend still has one.
    assert_eq!(till.till.send_cash().await.unwrap(), 0);
    assert_eq!(backend_cash(&stack).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_tender_charges_the_card_only_what_the_cash_left() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;

    // A sandwich and a juice: 11.70. The customer has 5.00 in cash.
    let id = new_sale(&till, &["sandwich", "juice"]);
    let order = till.till.pay_cash(&id, 500).await.unwrap();
    assert_eq!(
        order.status,
        OrderStatus::Open,
        "not paid until the card pays the rest"
    );
    assert_eq!((order.total, order.due), (1170, 670));
    assert!(
        !order.editable(),
        "with cash in the drawer the sale is fixed"
    );
    assert!(
        matches!(
            till.till.pay_cash(&id, 1000).await,
            Err(TillError::Conflict(_))
        ),
        "one cash part per sale"
    );

    let info = till.till.charge(&id).await.unwrap();
    assert_eq!(
        info.amount, 670,
        "the card intent is for the remainder only"
    );
    assert!(
        backend_cash(&stack).await.is_empty(),
        "the cash part is sent once the sale is paid"
    );
    let (status, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let paid = till.wait_paid(&id).await;
    assert_eq!(paid.due, 670);

    let stored = wait_backend_cash(&stack, 1).await;
    assert_eq!(
        (
            &stored[0]["amount"],
            &stored[0]["given"],
            &stored[0]["sale_total"]
        ),
        (&json!(500), &json!(500), &json!(1170))
    );
    let receipt = till.till.receipt(&id).await.unwrap();
    assert_eq!(
        (receipt.card_amount, receipt.cash.map(|c| c.amount)),
        (670, Some(500))
    );
    assert_eq!(receipt.card_last4.as_deref(), Some("4242"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_rules_name_the_field_and_an_abandoned_split_hands_the_cash_back() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;

    let id = new_sale(&till, &["espresso"]);
    for given in [0, -100] {
        match till.till.pay_cash(&id, given).await {
            Err(TillError::Invalid { field, .. }) => assert_eq!(field, "given"),
            other => panic!("{given} given is refused: {other:?}"),
        }
    }
    // 2.50 less 2.20 in cash leaves 0.30 for the card, under Stripe's 0.50 minimum.
    match till.till.pay_cash(&id, 220).await {
        Err(TillError::Invalid { field, message }) => {
            assert_eq!(field, "given");
            assert!(message.contains("smallest card payment"), "{message}");
        }
        other => panic!("a card part under the minimum is refused: {other:?}"),
    }
    let empty = till.till.new_order().unwrap();
    assert!(empty.lines.is_empty() && empty.id != id);
    assert!(matches!(
        till.till.pay_cash(&empty.id, 500).await,
        Err(TillError::Invalid { field: "order", .. })
    ));

    // Cash toward a split, then the customer walks away: the cash goes back, and the backend never hears of it.
    let order = till.till.pay_cash(&id, 100).await.unwrap();
    assert_eq!(order.due, 150);
    let canceled = till.till.cancel_sale(&id).await.unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert!(canceled.cash.is_none(), "the cash was handed back");
    assert_eq!(till.till.send_cash().await.unwrap(), 0);
    assert!(backend_cash(&stack).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_taken_while_the_backend_is_down_is_queued_durably_and_sent_exactly_once() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;

    stack.backend.kill();
    let first = new_sale(&till, &["tea"]);
    let paid = till.till.pay_cash(&first, 500).await.unwrap();
    assert_eq!(
        paid.status,
        OrderStatus::Paid,
        "cash sales go on with the backend down"
    );
    let second = new_sale(&till, &["cookie", "water"]);
    till.till.pay_cash(&second, 330).await.unwrap();
    assert_eq!(till.till.cash_queued().unwrap(), 2);
    assert!(matches!(
        till.till.send_cash().await,
        Err(TillError::Offline(_))
    ));

    // The till restarts with the queue on disk; then the backend comes back.
    till.close().await;
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    assert_eq!(
        till.till.cash_queued().unwrap(),
        2,
        "the queue survives a restart"
    );
    stack.backend.restart();
    let stored = wait_backend_cash(&stack, 2).await;
    let mut orders: Vec<&str> = stored
        .iter()
        .map(|t| t["order_id"].as_str().unwrap())
        .collect();
    orders.sort();
    let mut want = vec![first.as_str(), second.as_str()];
    want.sort();
    assert_eq!(orders, want);
    eventually(Duration::from_secs(10), "the queue empties", || async {
        match till.till.cash_queued() {
            Ok(0) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    // A send repeated after a lost answer is the same PUT: stored once. Other details under its id are refused.
    let tender = &stored[0];
    let mut body = tender.clone();
    let id = body["tender_id"].as_str().unwrap().to_owned();
    for k in ["tender_id", "terminal", "received_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    let path = format!("/api/cash/{id}");
    let (status, again) = stack.put(&stack.till, &path, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(&again, tender, "the stored tender, unchanged");
    body["given"] = json!(body["given"].as_i64().unwrap() + 100);
    let (status, clash) = stack.put(&stack.till, &path, body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{clash}");
    assert_eq!(backend_cash(&stack).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_names_the_field_of_a_bad_cash_tender() {
    let (_dir, _db, backend) = dirs();
    let stack = Stack::start(&backend);
    let good = json!({"order_id": "ord_1", "amount": 540, "given": 1000, "currency": "usd", "sale_total": 540,
                      "sale_tax": 0, "taken_at": 1_700_000_000});
    let (status, body) = stack
        .put(&stack.till, "/api/cash/cash_ok", good.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (field, patch) in [
        ("given", json!({"given": 500})),
        ("amount", json!({"amount": 0})),
        ("currency", json!({"currency": "xyz"})),
        ("sale_total", json!({"sale_total": 100})),
        ("sale_tax", json!({"sale_tax": -1})),
        (
            "given",
            json!({"currency": "isk", "amount": 500, "given": 550, "sale_total": 500}),
        ),
        ("order_id", json!({"order_id": "no spaces"})),
    ] {
        let mut body = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = stack.put(&stack.till, "/api/cash/cash_bad", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}: {answer}");
        assert_eq!(answer["error"]["field"], json!(field), "{patch}: {answer}");
    }
    let (status, answer) = stack
        .put(&stack.till, "/api/cash/has%20space", good.clone())
        .await;
    assert_eq!(
        (status, &answer["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("tender_id"))
    );
    // A second cash tender for the same sale is a conflict; another till's sale of the same id is its own.
    let (status, _) = stack
        .put(&stack.till, "/api/cash/cash_two", good.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let other = stack.token("till-2", false);
    let (status, _) = stack.put(&other, "/api/cash/cash_three", good).await;
    assert_eq!(status, StatusCode::OK);
    // Each till sees its own; the admin sees all.
    let (_, mine) = stack.get(&stack.till, "/api/cash").await;
    assert_eq!(mine["tenders"].as_array().unwrap().len(), 1);
    assert_eq!(backend_cash(&stack).await.len(), 2);
}
