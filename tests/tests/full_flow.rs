//! A sale end to end, over HTTP between real processes: the backend creates the intent, the till confirms it at
//! "Stripe" with the publishable key, the signed webhook reaches the feed, and a refund reaches Stripe.

use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::{event_type, eventually, object_id, Stack, PUBLISHABLE_KEY};

#[tokio::test]
async fn a_card_sale_is_paid_seen_in_the_feed_and_partly_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path());

    let intent = stack.intent(&stack.till, "order-full-1", 2000).await;
    let pi = intent["payment_intent_id"].as_str().unwrap().to_owned();
    assert!(pi.starts_with("pi_"), "{intent}");
    assert_eq!(intent["publishable_key"], PUBLISHABLE_KEY);
    assert_eq!(intent["amount"], 2000);
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["stripe_js_url"], format!("{}/v3", stack.sim.url));
    assert!(
        !intent.to_string().contains("sk_test_"),
        "a till never sees the secret key: {intent}"
    );

    let (status, confirmed) = stack.confirm(&intent, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["status"], "succeeded");

    // The signed webhook arrives and the till's long-poll shows it, with a cursor.
    let succeeded = eventually(
        Duration::from_secs(15),
        "payment_intent.succeeded in the feed",
        || async {
            let page = stack.feed(&stack.till, 0, 5, 100).await;
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| event_type(i) == "payment_intent.succeeded" && object_id(i) == pi)
                .cloned()
                .ok_or_else(|| page.to_string())
        },
    )
    .await;
    assert_eq!(succeeded["order_id"], "order-full-1");
    assert_eq!(succeeded["terminal"], "till-1");
    assert_eq!(succeeded["foreign"], false);
    assert_eq!(succeeded["source"], "webhook");
    assert!(succeeded["cursor"].as_i64().unwrap() > 0, "{succeeded}");

    // The admin table shows the sale with the card.
    let payments = stack.payments(&stack.till).await;
    let row = payments
        .iter()
        .find(|p| p["order_id"] == "order-full-1")
        .expect("the order is listed");
    assert_eq!(row["payment_intent_id"], pi.as_str());
    assert_eq!(row["status"], "succeeded");
    assert_eq!(row["amount_received"], 2000);
    assert_eq!(row["card_brand"], "visa");
    assert_eq!(row["card_last4"], "4242");

    // A partial refund goes to Stripe and shows on the order.
    // Refunds need an admin token and an Idempotency-Key.
    let resp = stack
        .http
        .post(stack.api("/api/orders/order-full-1/refunds"))
        .bearer_auth(&stack.admin)
        .header("Idempotency-Key", "refund-order-full-1-1")
        .json(&serde_json::json!({ "amount": 500 }))
        .send()
        .await
        .expect("the backend answers");
    let (status, refunded) = kassa_tests::read(resp).await;
    assert_eq!(status, StatusCode::OK, "{refunded}");
    let refund_id = refunded["refund"]["id"].as_str().unwrap().to_owned();
    assert!(refund_id.starts_with("re_"), "{refunded}");
    assert_eq!(refunded["refund"]["amount"], 500);
    assert_eq!(refunded["order"]["amount_refunded"], 500);

    let at_sim = stack.sim_get(&format!("/v1/refunds/{refund_id}")).await;
    assert_eq!(at_sim["amount"], 500);
    assert_eq!(at_sim["payment_intent"], pi.as_str());
    assert_eq!(at_sim["status"], "succeeded");
    let pi_at_sim = stack
        .sim_get(&format!("/v1/payment_intents/{pi}?expand[]=latest_charge"))
        .await;
    assert_eq!(pi_at_sim["latest_charge"]["amount_refunded"], 500);

    let (status, order) = stack.get(&stack.till, "/api/orders/order-full-1").await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["order"]["amount_refunded"], 500);
    assert_eq!(order["order"]["status"], "succeeded");

    // The refund's webhook reaches the till's feed too.
    eventually(
        Duration::from_secs(15),
        "charge.refunded in the feed",
        || async {
            let items = stack.feed_all(&stack.till, 0).await;
            items
                .iter()
                .any(|i| event_type(i) == "charge.refunded" && i["order_id"] == "order-full-1")
                .then_some(())
                .ok_or_else(|| format!("{} items", items.len()))
        },
    )
    .await;
}
