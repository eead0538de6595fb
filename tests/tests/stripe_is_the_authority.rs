//! A signed event is a hint; Stripe is the authority. An event that says an order was paid when Stripe says it was
//! not (a leaked signing secret, a bug upstream) marks the order only until the fetch that follows every final
//! event: Stripe's answer then overrides the status and the amounts, the totals stop counting it, tills hear of
//! the correction through the feed, and the disagreement is kept for the admin to look at.

use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::{eventually, unix_now, Stack};
use serde_json::{json, Value};

async fn order(stack: &Stack, id: &str) -> Value {
    // The admin's list, which reads what the backend holds without asking Stripe.
    stack
        .payments(&stack.admin)
        .await
        .into_iter()
        .find(|o| o["order_id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed"))
}

fn webhook_secret(stack: &Stack) -> String {
    let env = &stack.backend.config.env;
    env.iter()
        .find(|(k, _)| k == "STRIPE_WEBHOOK_SECRET")
        .map(|(_, v)| v.clone())
        .expect("the backend is given a signing secret")
}

/// Signs and posts an event as whoever holds the signing secret could.
async fn forge(stack: &Stack, id: &str, kind: &str, object: Value) -> StatusCode {
    let payload = json!({
        "id": id, "object": "event", "api_version": "2024-06-20", "created": unix_now(),
        "data": { "object": object }, "livemode": false, "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null }, "type": kind,
    })
    .to_string();
    let header =
        kassa_stripe::webhook::sign(payload.as_bytes(), &webhook_secret(stack), unix_now());
    stack
        .http
        .post(stack.api("/webhook"))
        .header("Stripe-Signature", header)
        .header("Content-Type", "application/json")
        .body(payload)
        .send()
        .await
        .expect("the backend answers")
        .status()
}

#[tokio::test]
async fn a_forged_success_is_overridden_by_stripe_and_kept_as_a_disagreement() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path());

    // A real payment first: Stripe confirms its event, quietly.
    let real = stack.intent(&stack.till, "order-real", 1500).await;
    let (status, body) = stack.confirm(&real, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(
        Duration::from_secs(20),
        "the real payment is recorded",
        || async {
            let o = order(&stack, "order-real").await;
            (o["status"] == "succeeded")
                .then_some(())
                .ok_or(o.to_string())
        },
    )
    .await;

    // A $10 order, unpaid at Stripe, and a signed event saying it was paid 1 cent.
    let intent = stack.intent(&stack.till, "order-forged", 1000).await;
    let pi_id = intent["payment_intent_id"].as_str().unwrap();
    let mut object = stack.sim_get(&format!("/v1/payment_intents/{pi_id}")).await;
    object["status"] = json!("succeeded");
    object["amount_received"] = json!(1);
    let stored = forge(
        &stack,
        "evt_forged_success",
        "payment_intent.succeeded",
        object,
    )
    .await;
    assert_eq!(
        stored,
        StatusCode::OK,
        "a correctly signed event is stored: it cannot be told from a real one"
    );

    let corrected = eventually(
        Duration::from_secs(20),
        "Stripe's word overrides the event's",
        || async {
            let o = order(&stack, "order-forged").await;
            (o["status"] == "requires_payment_method")
                .then_some(o.clone())
                .ok_or(o.to_string())
        },
    )
    .await;
    assert_eq!(corrected["amount_received"], 0, "{corrected}");
    assert_eq!(
        corrected["disagreement"],
        "Stripe says requires_payment_method with 0 received; an event had said succeeded with 1 received"
    );
    assert_eq!(
        order(&stack, "order-real").await["disagreement"],
        Value::Null
    );

    // The totals count what Stripe says.
    let (status, totals) = stack.get(&stack.admin, "/api/payments/totals").await;
    assert_eq!(status, StatusCode::OK, "{totals}");
    let succeeded: Vec<&Value> = totals["totals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "succeeded")
        .collect();
    assert_eq!(succeeded.len(), 1, "{totals}");
    assert_eq!(
        (
            succeeded[0]["count"].clone(),
            succeeded[0]["amount_received"].clone()
        ),
        (json!(1), json!(1500))
    );

    // The till hears of the correction after the forged event, and of nothing extra about the real payment.
    let feed = stack.feed_all(&stack.till, 0).await;
    let about = |pi: &str| -> Vec<(String, String, String)> {
        feed.iter()
            .filter(|i| i["event"]["data"]["object"]["id"] == pi)
            .map(|i| {
                (
                    i["source"].as_str().unwrap().to_owned(),
                    i["event"]["type"].as_str().unwrap().to_owned(),
                    i["event"]["data"]["object"]["status"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    };
    let forged = about(pi_id);
    assert_eq!(
        forged.last().unwrap(),
        &(
            "reconcile".into(),
            "payment_intent.payment_failed".into(),
            "requires_payment_method".into()
        ),
        "{forged:?}"
    );
    let real_id = real["payment_intent_id"].as_str().unwrap();
    assert!(
        about(real_id)
            .iter()
            .all(|(source, ..)| source == "webhook"),
        "{:?}",
        about(real_id)
    );

    // A later read from Stripe agrees and changes nothing more.
    let (status, read) = stack.get(&stack.till, "/api/orders/order-forged").await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["order"]["status"], "requires_payment_method", "{read}");
}
