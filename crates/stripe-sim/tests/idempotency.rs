//! The Idempotency-Key, as Stripe documents it: the first answer is replayed, never re-executed; other params
//! under the same key are refused; a request refused while its params were read is not saved; keys live 24 h.

mod common;

use std::sync::Arc;

use common::*;
use kassa_stripe::client::{CreatePaymentIntent, ListEvents, ListParams};
use kassa_stripe::{PaymentIntentStatus as Status, RequestOptions};
use serde_json::json;
use stripe_sim::ManualClock;

async fn intent_count(app: &TestSim) -> usize {
    app.client
        .list_payment_intents(&ListParams {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap()
        .data
        .len()
}

async fn event_count(app: &TestSim, kind: &str) -> usize {
    app.client
        .list_events(&ListEvents {
            kind: Some(kind.into()),
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap()
        .data
        .len()
}

#[tokio::test]
async fn the_same_key_with_the_same_params_replays_the_first_answer() {
    let app = spawn_sim().await;
    let params = json!({ "amount": "1999", "currency": "usd", "metadata": { "sale": "42" } });

    let first = app
        .post("/v1/payment_intents", Some("sale-42"), params.clone())
        .await;
    let again = app
        .post("/v1/payment_intents", Some("sale-42"), params)
        .await;

    assert_eq!(first.status, 200);
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the very same answer");
    assert_eq!(intent_count(&app).await, 1, "no second intent");
    assert_eq!(event_count(&app, "payment_intent.created").await, 1);
}

#[tokio::test]
async fn the_same_params_sent_in_another_order_are_the_same_request() {
    let app = spawn_sim().await;

    let first = app
        .post(
            "/v1/payment_intents",
            Some("sale-43"),
            json!({ "amount": "1999", "currency": "usd" }),
        )
        .await;
    let again = app
        .post(
            "/v1/payment_intents",
            Some("sale-43"),
            json!({ "currency": "usd", "amount": "1999" }),
        )
        .await;

    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);
}

#[tokio::test]
async fn the_typed_client_with_a_key_gets_the_same_intent_twice() {
    let app = spawn_sim().await;
    let params = CreatePaymentIntent {
        amount: 1999,
        currency: "usd".into(),
        ..Default::default()
    };

    let first = app
        .client
        .create_payment_intent(&params, RequestOptions::idempotent("till-1-sale-7"))
        .await
        .unwrap();
    let again = app
        .client
        .create_payment_intent(&params, RequestOptions::idempotent("till-1-sale-7"))
        .await
        .unwrap();

    assert_eq!(again.id, first.id);
    assert_eq!(intent_count(&app).await, 1);
}

#[tokio::test]
async fn a_replayed_decline_answers_402_again_without_charging_again() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let path = format!("/v1/payment_intents/{}/confirm", intent.id);
    let params =
        json!({ "payment_method": "pm_card_visa_chargeDeclined", "return_url": RETURN_URL });

    let first = app.post(&path, Some("confirm-1"), params.clone()).await;
    let again = app.post(&path, Some("confirm-1"), params).await;

    assert_eq!(first.status, 402);
    assert_eq!(first.error()["code"], "card_declined");
    assert_eq!(again.status, 402);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(
        event_count(&app, "charge.failed").await,
        1,
        "one attempt only"
    );
}

#[tokio::test]
async fn a_replayed_confirm_does_not_charge_twice() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let path = format!("/v1/payment_intents/{}/confirm", intent.id);
    let params = json!({ "payment_method": "pm_card_visa", "return_url": RETURN_URL });

    let first = app.post(&path, Some("confirm-2"), params.clone()).await;
    let again = app.post(&path, Some("confirm-2"), params).await;

    assert_eq!(first.status, 200);
    assert_eq!(
        again.status, 200,
        "a replay, not a confirm of a succeeded intent"
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["latest_charge"], first.body["latest_charge"]);
    assert_eq!(event_count(&app, "charge.succeeded").await, 1);
}

#[tokio::test]
async fn the_same_key_with_other_params_is_refused() {
    let app = spawn_sim().await;
    app.post(
        "/v1/payment_intents",
        Some("sale-44"),
        json!({ "amount": "1999", "currency": "usd" }),
    )
    .await;

    let other = app
        .post(
            "/v1/payment_intents",
            Some("sale-44"),
            json!({ "amount": "2999", "currency": "usd" }),
        )
        .await;

    assert_eq!(other.status, 400);
    assert_eq!(other.error()["type"], "idempotency_error");
    assert!(other.error()["message"]
        .as_str()
        .unwrap()
        .contains("sale-44"));
    assert_eq!(intent_count(&app).await, 1);
}

#[tokio::test]
async fn the_same_key_on_another_endpoint_is_refused() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    app.post(
        &format!("/v1/payment_intents/{}", intent.id),
        Some("op-1"),
        json!({ "description": "table 4" }),
    )
    .await;

    let other = app
        .post(
            &format!("/v1/payment_intents/{}/cancel", intent.id),
            Some("op-1"),
            json!({}),
        )
        .await;

    assert_eq!(other.status, 400);
    assert_eq!(other.error()["type"], "idempotency_error");
}

#[tokio::test]
async fn a_request_refused_for_its_params_is_not_saved_so_the_fixed_request_runs() {
    let app = spawn_sim().await;

    let refused = app
        .post(
            "/v1/payment_intents",
            Some("sale-45"),
            json!({ "amount": "1999", "currency": "xyz" }),
        )
        .await;
    let fixed = app
        .post(
            "/v1/payment_intents",
            Some("sale-45"),
            json!({ "amount": "1999", "currency": "usd" }),
        )
        .await;
    let replayed = app
        .post(
            "/v1/payment_intents",
            Some("sale-45"),
            json!({ "amount": "1999", "currency": "usd" }),
        )
        .await;

    assert_eq!(refused.status, 400);
    assert_eq!(refused.error()["param"], "currency");
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    assert_eq!(fixed.header("idempotent-replayed"), None);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body["id"], fixed.body["id"]);
}

#[tokio::test]
async fn a_key_expires_after_24_hours() {
    let clock = Arc::new(ManualClock::new(1_750_000_000));
    let app = spawn_sim_with_clock(config(), clock.clone()).await;
    let params = json!({ "amount": "1999", "currency": "usd" });
    let first = app
        .post("/v1/payment_intents", Some("sale-46"), params.clone())
        .await;

    clock.advance(24 * 60 * 60 - 1);
    let within = app
        .post("/v1/payment_intents", Some("sale-46"), params.clone())
        .await;
    clock.advance(1);
    let after = app
        .post("/v1/payment_intents", Some("sale-46"), params)
        .await;

    assert_eq!(within.header("idempotent-replayed"), Some("true"));
    assert_eq!(within.body["id"], first.body["id"]);
    assert_eq!(after.status, 200);
    assert_eq!(after.header("idempotent-replayed"), None);
    assert_ne!(
        after.body["id"], first.body["id"],
        "a new request, a new intent"
    );
    assert_eq!(intent_count(&app).await, 2);
}

#[tokio::test]
async fn posts_without_a_key_are_never_replayed() {
    let app = spawn_sim().await;
    let params = json!({ "amount": "1999", "currency": "usd" });

    let first = app.post("/v1/payment_intents", None, params.clone()).await;
    let second = app.post("/v1/payment_intents", None, params).await;

    assert_ne!(first.body["id"], second.body["id"]);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(intent_count(&app).await, 2);
    let pi = app.retrieve(first.body["id"].as_str().unwrap()).await;
    assert_eq!(pi.status, Status::RequiresPaymentMethod);
}
