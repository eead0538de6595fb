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

/// Another connection holding the database's write lock, so the simulator's writes wait to be stored until it
/// commits.
fn lock_the_database(db: &TempDb) -> rusqlite::Connection {
    let blocker = rusqlite::Connection::open(&db.0).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    blocker
}

/// A POST, with the secret key, by a client that hangs up after 300 ms.
async fn post_giving_up(
    app: &TestSim,
    path: &str,
    idempotency_key: Option<&str>,
    params: &serde_json::Value,
) -> reqwest::Result<reqwest::Response> {
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let mut req = impatient
        .post(format!("{}{path}", app.url()))
        .bearer_auth(SECRET_KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(kassa_stripe::form::encode(params));
    if let Some(key) = idempotency_key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await
}

#[tokio::test]
async fn a_client_that_hangs_up_while_its_change_is_being_stored_does_not_cancel_the_changes_webhooks(
) {
    let db = TempDb::fresh();
    let receiver = Receiver::accepting().await;
    let mut config = forwarding_to(&receiver.url);
    config.db = Some(db.0.clone());
    let app = spawn_sim_with(config).await;
    let intent = app.create_intent(1999).await;
    let blocker = lock_the_database(&db);
    let hung_up = post_giving_up(
        &app,
        &format!("/v1/payment_intents/{}/confirm", intent.id),
        None,
        &json!({ "payment_method": "pm_card_visa", "return_url": RETURN_URL }),
    )
    .await;
    assert!(hung_up.is_err(), "the client gave up before the answer");
    blocker.execute_batch("COMMIT").unwrap();

    let succeeded = wait_for("payment_intent.succeeded is delivered", || {
        receiver
            .received()
            .into_iter()
            .find(|r| r.event()["type"] == "payment_intent.succeeded")
    })
    .await;
    assert_eq!(
        succeeded.event()["data"]["object"]["id"],
        intent.id.as_str()
    );
    assert_eq!(app.retrieve(&intent.id).await.status, Status::Succeeded);
}

#[tokio::test]
async fn a_replay_is_not_answered_before_the_original_request_is_stored() {
    let db = TempDb::fresh();
    let app = spawn_sim_with(on(&db)).await;
    let create = json!({ "amount": "1999", "currency": "usd" });
    let blocker = lock_the_database(&db);
    let original = app.post("/v1/payment_intents", Some("sale-1"), create.clone());
    let early_replay = async {
        // Once the original has run in memory it waits for its write, which the lock holds back.
        wait_for("the original to run in memory", || {
            (!app.sim.sim.store.lock().unwrap().intents.is_empty()).then_some(())
        })
        .await;
        let replay = post_giving_up(&app, "/v1/payment_intents", Some("sale-1"), &create).await;
        blocker.execute_batch("COMMIT").unwrap();
        replay
    };
    let (original, early_replay) = tokio::join!(original, early_replay);
    assert!(
        early_replay.is_err(),
        "no answer while the original is not stored"
    );
    assert_eq!(original.status, 200);
    let replayed = app
        .post("/v1/payment_intents", Some("sale-1"), create)
        .await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body, original.body);
}

#[tokio::test]
async fn a_restarted_simulator_still_has_its_readers_and_their_actions() {
    let db = TempDb::fresh();
    let before = spawn_sim_with(on(&db)).await;
    let location = before
        .post(
            "/v1/terminal/locations",
            None,
            json!({ "display_name": "Shop", "address": { "line1": "1 Main St", "country": "US" } }),
        )
        .await;
    let reader = before
        .post(
            "/v1/terminal/readers",
            None,
            json!({ "registration_code": "simulated-wpe", "location": location.body["id"] }),
        )
        .await;
    let id = reader.body["id"].as_str().unwrap().to_owned();
    let intent = before
        .post(
            "/v1/payment_intents",
            None,
            json!({ "amount": "500", "currency": "usd", "payment_method_types": ["card_present"] }),
        )
        .await;
    before
        .post(
            &format!("/v1/terminal/readers/{id}/process_payment_intent"),
            None,
            json!({ "payment_intent": intent.body["id"] }),
        )
        .await;
    drop(before.client);
    before.sim.shutdown().await;

    let after = spawn_sim_with(on(&db)).await;

    let got = after
        .get(&format!("/v1/terminal/readers/{id}"), json!({}))
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["action"]["status"], "in_progress");
    let located = after
        .get(
            &format!(
                "/v1/terminal/locations/{}",
                location.body["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(located.body["display_name"], "Shop");
}
