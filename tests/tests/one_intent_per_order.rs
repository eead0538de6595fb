//! One PaymentIntent per order, however often and however concurrently the till asks; an unpaid order's amount
//! changes the same intent, a paid one's cannot change.

use std::collections::BTreeSet;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::Stack;
use serde_json::Value;

async fn intents_for(stack: &Stack, order: &str) -> Vec<Value> {
    stack
        .sim_list("/v1/payment_intents")
        .await
        .into_iter()
        .filter(|pi| pi["metadata"]["order_id"] == order)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_puts_for_one_order_create_exactly_one_intent() {
    let dir = tempfile::tempdir().unwrap();
    let stack = std::sync::Arc::new(Stack::start(dir.path()));

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let stack = stack.clone();
            tokio::spawn(async move {
                stack
                    .put_intent(&stack.till, "order-rush", 1500, "usd")
                    .await
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["amount"], 1500);
        ids.insert(body["payment_intent_id"].as_str().unwrap().to_owned());
        secrets.insert(body["client_secret"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every answer names the same intent: {ids:?}");
    assert_eq!(secrets.len(), 1, "{secrets:?}");

    let at_sim = intents_for(&stack, "order-rush").await;
    assert_eq!(
        at_sim.len(),
        1,
        "Stripe holds exactly one intent for the order: {at_sim:?}"
    );
    assert_eq!(at_sim[0]["id"], ids.first().unwrap().as_str());
    assert_eq!(at_sim[0]["metadata"]["terminal"], "till-1");

    let payments = stack.payments(&stack.admin).await;
    assert_eq!(
        payments
            .iter()
            .filter(|p| p["order_id"] == "order-rush")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_unpaid_order_changes_its_intent_and_a_paid_one_refuses_to() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path());

    let first = stack.intent(&stack.till, "order-cart", 1000).await;
    let pi = first["payment_intent_id"].as_str().unwrap().to_owned();

    // The cart changed before paying: the same intent, with the new amount at Stripe.
    let changed = stack.intent(&stack.till, "order-cart", 2500).await;
    assert_eq!(changed["payment_intent_id"], pi.as_str());
    assert_eq!(changed["amount"], 2500);
    let at_sim = stack.sim_get(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(at_sim["amount"], 2500);
    assert_eq!(intents_for(&stack, "order-cart").await.len(), 1);
    let (_, order) = stack.get(&stack.till, "/api/orders/order-cart").await;
    assert_eq!(order["order"]["amount"], 2500);

    // Asking again with the current amount changes nothing.
    let again = stack.intent(&stack.till, "order-cart", 2500).await;
    assert_eq!(again["payment_intent_id"], pi.as_str());

    let (status, paid) = stack.confirm(&changed, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["amount_received"], 2500);

    // Paid: a new amount is a conflict, and Stripe's intent keeps what was paid.
    let (status, body) = stack
        .put_intent(&stack.till, "order-cart", 3000, "usd")
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("succeeded"),
        "{body}"
    );
    let at_sim = stack.sim_get(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(at_sim["amount"], 2500);
    assert_eq!(at_sim["status"], "succeeded");

    // The same request as the paid one is still answered (a till retrying after a lost answer).
    let retry = stack.intent(&stack.till, "order-cart", 2500).await;
    assert_eq!(retry["payment_intent_id"], pi.as_str());
    assert_eq!(retry["status"], "succeeded");
    assert_eq!(intents_for(&stack, "order-cart").await.len(), 1);
}
