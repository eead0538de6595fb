//! `--live`: the simulator takes live keys and only live keys, every object and event says `"livemode": true`,
//! and a database keeps to the mode it was written in. Without `--live`, the same in test mode.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use stripe_sim::{Simulator, StartError};

const LIVE_PUBLISHABLE: &str = "pk_live_kassa_sim_tests";

fn refused_as_invalid_key(raw: &Raw, hint: &str) {
    assert_eq!(raw.status, 401, "{}", raw.body);
    let message = raw.error()["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid API Key provided: "),
        "{message}"
    );
    assert!(message.contains(hint), "{message}");
    assert!(!message.contains("kassa_sim_tests"), "masked: {message}");
}

#[tokio::test]
async fn live_mode_takes_live_secret_keys_and_refuses_test_keys() {
    let app = spawn_sim_with(live_config()).await;
    let create = json!({ "amount": "1999", "currency": "usd" });

    let by_secret = app.post("/v1/payment_intents", None, create.clone()).await;
    let by_restricted = app
        .raw(
            Method::GET,
            "/v1/payment_intents",
            Some("rk_live_kassa_sim_tests"),
            &[],
            json!({}),
        )
        .await;
    let by_test_key = app
        .raw(
            Method::POST,
            "/v1/payment_intents",
            Some(SECRET_KEY),
            &[],
            create,
        )
        .await;

    assert_eq!(by_secret.status, 200, "{}", by_secret.body);
    assert_eq!(by_restricted.status, 200, "{}", by_restricted.body);
    refused_as_invalid_key(&by_test_key, "runs in live mode");
}

#[tokio::test]
async fn test_mode_refuses_live_keys_and_names_the_live_flag() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;

    let by_live_secret = app
        .raw(
            Method::GET,
            "/v1/payment_intents",
            Some(LIVE_SECRET_KEY),
            &[],
            json!({}),
        )
        .await;
    let by_live_publishable = app
        .raw(
            Method::GET,
            &format!("/v1/payment_intents/{}", intent.id),
            Some(LIVE_PUBLISHABLE),
            &[(
                "Stripe-Client-Secret",
                intent.client_secret.as_deref().unwrap(),
            )],
            json!({}),
        )
        .await;

    refused_as_invalid_key(&by_live_secret, "--live");
    refused_as_invalid_key(&by_live_publishable, "--live");
}

#[tokio::test]
async fn a_pinned_secret_key_is_the_only_one_in_live_mode_and_must_be_live() {
    let mut pinning = live_config();
    pinning.secret_key = Some(LIVE_SECRET_KEY.to_owned());
    let app = spawn_sim_with(pinning).await;

    let pinned = app.get("/v1/payment_intents", json!({})).await;
    let other = app
        .raw(
            Method::GET,
            "/v1/payment_intents",
            Some("sk_live_another"),
            &[],
            json!({}),
        )
        .await;
    let mut test_key_pinned = live_config();
    test_key_pinned.secret_key = Some(SECRET_KEY.to_owned());
    let mut live_key_pinned = config();
    live_key_pinned.secret_key = Some(LIVE_SECRET_KEY.to_owned());

    assert_eq!(pinned.status, 200, "{}", pinned.body);
    refused_as_invalid_key(&other, "");
    for (refused, mode) in [(test_key_pinned, "sk_live_"), (live_key_pinned, "sk_test_")] {
        match Simulator::start(refused).await {
            Err(e @ StartError::SecretKeyMode(_)) => {
                let message = e.to_string();
                assert!(message.contains(mode), "{message}");
                assert!(!message.contains("kassa_sim_tests"), "{message}");
            }
            Err(e) => panic!("refused for another reason: {e}"),
            Ok(_) => panic!("a pinned key of the other mode was taken"),
        }
    }
}

/// The `livemode` of every Stripe object in `v` (PaymentIntents, Charges, PaymentMethods, Events, however nested),
/// by the `object` it is; an object of those kinds without `livemode` fails the test.
fn livemodes(v: &Value, found: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            if let Some(kind @ ("payment_intent" | "charge" | "payment_method" | "event")) =
                map.get("object").and_then(Value::as_str)
            {
                let mode = map
                    .get("livemode")
                    .unwrap_or_else(|| panic!("a {kind} without livemode: {v}"));
                found.push((kind.to_owned(), mode.clone()));
            }
            map.values().for_each(|child| livemodes(child, found));
        }
        Value::Array(items) => items.iter().for_each(|child| livemodes(child, found)),
        _ => {}
    }
}

/// A decline, then a sale with everything expanded, then a refund: every answer, every listed event and every
/// delivered one say `livemode` as the simulator's mode.
async fn every_object_and_event_says_livemode(live: bool) {
    let receiver = Receiver::accepting().await;
    let mut config = forwarding_to(&receiver.url);
    config.live = live;
    let app = spawn_sim_with(config).await;

    let created = app
        .post(
            "/v1/payment_intents",
            None,
            json!({ "amount": "1999", "currency": "usd" }),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let confirm = format!("/v1/payment_intents/{id}/confirm");
    let declined = app
        .post(
            &confirm,
            None,
            json!({ "payment_method": "pm_card_visa_chargeDeclined", "return_url": RETURN_URL }),
        )
        .await;
    let paid = app
        .post(
            &confirm,
            None,
            json!({
                "payment_method": "pm_card_visa",
                "return_url": RETURN_URL,
                "expand": ["latest_charge", "payment_method"],
            }),
        )
        .await;
    let refund = app
        .post("/v1/refunds", None, json!({ "payment_intent": id }))
        .await;
    assert_eq!(declined.status, 402, "{}", declined.body);
    assert_eq!(paid.body["status"], "succeeded", "{}", paid.body);
    assert_eq!(refund.status, 200, "{}", refund.body);
    let listed = app.get("/v1/events", json!({ "limit": "100" })).await;
    let listed = listed.body["data"].as_array().unwrap().clone();
    let first = listed[0]["id"].as_str().unwrap();
    let retrieved = app.get(&format!("/v1/events/{first}"), json!({})).await;
    let delivered = wait_for("every event delivered", || {
        let received = receiver.received();
        (received.len() == listed.len()).then_some(received)
    })
    .await;

    let mut found = Vec::new();
    for answer in [&created, &declined, &paid, &retrieved] {
        livemodes(&answer.body, &mut found);
    }
    for event in &listed {
        livemodes(event, &mut found);
    }
    for delivery in &delivered {
        livemodes(&delivery.event(), &mut found);
    }
    let kinds: std::collections::BTreeSet<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["charge", "event", "payment_intent", "payment_method"].into(),
        "every kind was seen"
    );
    let wrong: Vec<_> = found.iter().filter(|(_, m)| *m != json!(live)).collect();
    assert!(wrong.is_empty(), "livemode should be {live}: {wrong:?}");
}

#[tokio::test]
async fn in_live_mode_every_object_and_event_says_livemode_true() {
    every_object_and_event_says_livemode(true).await;
}

#[tokio::test]
async fn in_test_mode_every_object_and_event_says_livemode_false() {
    every_object_and_event_says_livemode(false).await;
}

/// What the Stripe.js stand-in's frames send with a `pk_live_` key: retrieve (client secret in a header), confirm
/// with card data (client secret in the body), and the 3-D Secure answer.
#[tokio::test]
async fn a_live_publishable_key_does_what_the_frames_do_with_the_client_secret() {
    let app = spawn_sim_with(live_config()).await;
    let intent = app.create_intent(1999).await;
    let secret = intent.client_secret.clone().unwrap();
    let path = format!("/v1/payment_intents/{}", intent.id);

    let retrieved = app
        .raw(
            Method::GET,
            &path,
            Some(LIVE_PUBLISHABLE),
            &[("Stripe-Client-Secret", secret.as_str())],
            json!({}),
        )
        .await;
    let without_secret = app
        .raw(Method::GET, &path, Some(LIVE_PUBLISHABLE), &[], json!({}))
        .await;
    let by_test_key = app
        .raw(
            Method::GET,
            &path,
            Some("pk_test_kassa_sim_tests"),
            &[("Stripe-Client-Secret", secret.as_str())],
            json!({}),
        )
        .await;
    let confirmed = app
        .raw(
            Method::POST,
            &format!("{path}/confirm"),
            Some(LIVE_PUBLISHABLE),
            &[],
            json!({
                "client_secret": secret,
                "use_stripe_sdk": "true",
                "return_url": RETURN_URL,
                "payment_method_data": {
                    "type": "card",
                    "card": { "number": "4000002760003184", "exp_month": "12",
                              "exp_year": next_years(3).to_string(), "cvc": "123" },
                    "billing_details": { "address": { "postal_code": "42424" } },
                },
            }),
        )
        .await;
    let authenticated = app
        .raw(
            Method::POST,
            &format!(
                "/v1/test_helpers/payment_intents/{}/authenticate",
                intent.id
            ),
            Some(LIVE_PUBLISHABLE),
            &[],
            json!({ "outcome": "complete", "client_secret": secret }),
        )
        .await;

    assert_eq!(retrieved.status, 200, "{}", retrieved.body);
    assert_eq!(retrieved.body["livemode"], true);
    assert_eq!(without_secret.status, 400, "{}", without_secret.body);
    assert_eq!(without_secret.error()["param"], "client_secret");
    refused_as_invalid_key(&by_test_key, "runs in live mode");
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.body["status"], "requires_action");
    assert_eq!(authenticated.status, 200, "{}", authenticated.body);
    assert_eq!(authenticated.body["status"], "succeeded");
    assert_eq!(authenticated.body["livemode"], true);
}

fn on(db: &TempDb, live: bool) -> stripe_sim::Config {
    let mut config = if live { live_config() } else { config() };
    config.db = Some(db.0.clone());
    config
}

async fn refused_on(db: &TempDb, live: bool, written: &str) {
    match Simulator::start(on(db, live)).await {
        Err(e @ StartError::Persist(_)) => {
            let message = e.to_string();
            assert!(
                message.contains(&format!("holds {written}-mode data")),
                "{message}"
            );
            assert!(message.contains("--db"), "{message}");
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("a {written}-mode database was opened in the other mode"),
    }
}

#[tokio::test]
async fn a_database_keeps_to_the_mode_it_was_written_in() {
    for live in [false, true] {
        let db = TempDb::fresh();
        let first = spawn_sim_with(on(&db, live)).await;
        let intent = first.create_intent(1999).await;
        first.sim.shutdown().await;

        let (written, other) = if live {
            ("live", false)
        } else {
            ("test", true)
        };
        refused_on(&db, other, written).await;
        let again = spawn_sim_with(on(&db, live)).await;
        let kept = again
            .get(&format!("/v1/payment_intents/{}", intent.id), json!({}))
            .await;
        assert_eq!(kept.status, 200, "{}", kept.body);
        assert_eq!(kept.body["livemode"], live);
        again.sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_database_from_before_live_mode_is_test_mode() {
    let db = TempDb::fresh();
    let first = spawn_sim_with(on(&db, false)).await;
    first.create_intent(1999).await;
    first.sim.shutdown().await;
    // What a simulator without --live wrote: its objects, no mode.
    rusqlite::Connection::open(&db.0)
        .unwrap()
        .execute_batch("DROP TABLE meta")
        .unwrap();

    refused_on(&db, true, "test").await;
    spawn_sim_with(on(&db, false)).await.sim.shutdown().await;
}
