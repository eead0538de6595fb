//! `--db`: what a simulator did is still there after it is restarted on the same file.

mod common;

use common::*;
use kassa_stripe::client::{CreateRefund, ListEvents, ListParams};
use kassa_stripe::{ChargeStatus, PaymentIntentStatus as Status, RequestOptions};
use serde_json::json;

fn on(db: &TempDb) -> stripe_sim::Config {
    let mut config = config();
    config.db = Some(db.0.clone());
    config
}

#[tokio::test]
async fn a_restarted_simulator_still_has_the_sale_its_events_and_its_idempotency_keys() {
    let db = TempDb::fresh();
    let create = json!({ "amount": "1999", "currency": "usd" });

    let before = spawn_sim_with(on(&db)).await;
    let created = before
        .post("/v1/payment_intents", Some("sale-1"), create.clone())
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let paid = before.confirm_with(&id, "pm_card_visa").await.unwrap();
    let events_before = before
        .client
        .list_events(&ListEvents::default())
        .await
        .unwrap()
        .data;
    drop(before.client);
    before.sim.shutdown().await;

    let after = spawn_sim_with(on(&db)).await;

    let intent = after
        .client
        .retrieve_payment_intent(&id, &["latest_charge"])
        .await
        .expect("the intent survived");
    assert_eq!(intent.status, Status::Succeeded);
    assert_eq!(intent.amount_received, 1999);
    let charge = intent
        .latest_charge
        .as_ref()
        .and_then(|c| c.object())
        .expect("the charge survived");
    assert_eq!(
        Some(charge.id.as_str()),
        paid.latest_charge.as_ref().map(|c| c.id())
    );
    assert_eq!(charge.status, ChargeStatus::Succeeded);
    assert_eq!(charge.amount_captured, 1999);

    let events_after = after
        .client
        .list_events(&ListEvents::default())
        .await
        .unwrap()
        .data;
    assert_eq!(events_after.len(), 3);
    assert_eq!(
        events_after, events_before,
        "the same events, in the same order"
    );

    let replayed = after
        .post("/v1/payment_intents", Some("sale-1"), create)
        .await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body, created.body);
    let intents = after
        .client
        .list_payment_intents(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(intents.data.len(), 1);
}

#[tokio::test]
async fn a_sale_paid_before_a_restart_can_be_refunded_after_it() {
    let db = TempDb::fresh();
    let before = spawn_sim_with(on(&db)).await;
    let paid = before.paid_intent(1000).await;
    before
        .client
        .create_refund(
            &CreateRefund {
                payment_intent: Some(paid.id.clone()),
                amount: Some(300),
                ..Default::default()
            },
            RequestOptions::default(),
        )
        .await
        .unwrap();
    drop(before.client);
    before.sim.shutdown().await;

    let after = spawn_sim_with(on(&db)).await;
    let rest = after
        .client
        .create_refund(
            &CreateRefund {
                payment_intent: Some(paid.id.clone()),
                ..Default::default()
            },
            RequestOptions::default(),
        )
        .await
        .expect("the charge and its first refund survived");

    assert_eq!(rest.amount, 700, "only what the first refund left");
}

#[tokio::test]
async fn an_empty_database_file_starts_an_empty_simulator() {
    let db = TempDb::fresh();

    let app = spawn_sim_with(on(&db)).await;

    let intents = app
        .client
        .list_payment_intents(&ListParams::default())
        .await
        .unwrap();
    assert!(intents.data.is_empty());
    assert!(db.0.exists(), "the file is created");
}
