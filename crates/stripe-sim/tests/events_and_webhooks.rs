//! Events as /v1/events lists them (order, filters, pages, shape), and their signed webhook deliveries:
//! retries on refusal, the injected faults, and giving up.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::*;
use kassa_stripe::client::{CreatedRange, ListEvents};
use kassa_stripe::webhook::verify;
use kassa_stripe::{Event, EventType};
use serde_json::json;
use stripe_sim::webhooks::{Attempt, AttemptOutcome};
use stripe_sim::ManualClock;

async fn events(app: &TestSim, params: ListEvents) -> Vec<Event> {
    app.client.list_events(&params).await.unwrap().data
}

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

async fn all_event_ids(app: &TestSim) -> BTreeSet<String> {
    events(
        app,
        ListEvents {
            limit: Some(100),
            ..Default::default()
        },
    )
    .await
    .into_iter()
    .map(|e| e.id)
    .collect()
}

#[tokio::test]
async fn a_sale_emits_created_then_charge_succeeded_then_succeeded() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1999).await;

    let listed = events(&app, ListEvents::default()).await;

    assert_eq!(
        kinds(&listed),
        [
            "payment_intent.succeeded",
            "charge.succeeded",
            "payment_intent.created"
        ],
        "newest first"
    );
    assert!(listed
        .iter()
        .all(|e| e.payment_intent_id() == Some(paid.id.as_str())));
}

#[tokio::test]
async fn events_filter_by_type_and_by_types() {
    let app = spawn_sim().await;
    app.paid_intent(1000).await;
    app.paid_intent(2000).await;

    let one_type = events(
        &app,
        ListEvents {
            kind: Some("charge.succeeded".into()),
            ..Default::default()
        },
    )
    .await;
    let two_types = events(
        &app,
        ListEvents {
            types: vec!["payment_intent.created".into(), "charge.succeeded".into()],
            ..Default::default()
        },
    )
    .await;

    assert_eq!(kinds(&one_type), ["charge.succeeded", "charge.succeeded"]);
    assert_eq!(
        kinds(&two_types),
        [
            "charge.succeeded",
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.created"
        ]
    );
}

#[tokio::test]
async fn events_filter_by_creation_time() {
    let clock = Arc::new(ManualClock::new(1_750_000_000));
    let app = spawn_sim_with_clock(config(), clock.clone()).await;
    let early = app.create_intent(1000).await;
    clock.advance(60);
    let late = app.create_intent(2000).await;

    let since = events(
        &app,
        ListEvents {
            created: Some(CreatedRange {
                gte: Some(1_750_000_060),
                lte: None,
            }),
            ..Default::default()
        },
    )
    .await;
    let until = events(
        &app,
        ListEvents {
            created: Some(CreatedRange {
                gte: None,
                lte: Some(1_750_000_059),
            }),
            ..Default::default()
        },
    )
    .await;

    assert_eq!(since.len(), 1);
    assert_eq!(since[0].object_id(), Some(late.id.as_str()));
    assert_eq!(since[0].created, 1_750_000_060);
    assert_eq!(until.len(), 1);
    assert_eq!(until[0].object_id(), Some(early.id.as_str()));
}

#[tokio::test]
async fn events_page_with_starting_after() {
    let app = spawn_sim().await;
    for amount in [1000, 2000, 3000] {
        app.create_intent(amount).await;
    }
    let everything = events(&app, ListEvents::default()).await;

    let first = app
        .client
        .list_events(&ListEvents {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    let second = app
        .client
        .list_events(&ListEvents {
            limit: Some(2),
            starting_after: Some(first.data[1].id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();

    assert_eq!(everything.len(), 3);
    assert!(first.has_more);
    assert!(!second.has_more);
    let paged: Vec<&Event> = first.data.iter().chain(&second.data).collect();
    assert_eq!(paged, everything.iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn an_event_has_stripes_shape_and_names_the_request_that_caused_it() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let confirm = app
        .post(
            &format!("/v1/payment_intents/{}/confirm", intent.id),
            Some("confirm-sale-9"),
            json!({ "payment_method": "pm_card_visa", "return_url": RETURN_URL }),
        )
        .await;
    let request_id = confirm.header("request-id").expect("Request-Id").to_owned();
    assert!(request_id.starts_with("req_"));

    let succeeded = events(
        &app,
        ListEvents {
            kind: Some("payment_intent.succeeded".into()),
            ..Default::default()
        },
    )
    .await
    .remove(0);
    let created = events(
        &app,
        ListEvents {
            kind: Some("payment_intent.created".into()),
            ..Default::default()
        },
    )
    .await
    .remove(0);

    assert!(succeeded.id.starts_with("evt_"));
    assert_eq!(succeeded.kind, EventType::PaymentIntentSucceeded);
    assert_eq!(
        succeeded.api_version.as_deref(),
        Some(kassa_stripe::STRIPE_VERSION)
    );
    assert!(!succeeded.livemode);
    let request = succeeded.request.as_ref().expect("request");
    assert_eq!(request.id.as_deref(), Some(request_id.as_str()));
    assert_eq!(request.idempotency_key.as_deref(), Some("confirm-sale-9"));
    assert_eq!(succeeded.data.object["status"], "succeeded");
    assert_eq!(
        succeeded.data.previous_attributes,
        Some(json!({ "status": "requires_payment_method" })),
        "a status change names the old status"
    );
    assert_eq!(created.data.previous_attributes, None);
    assert_ne!(created.request.as_ref().unwrap().id, request.id.clone());

    let fetched = app.client.retrieve_event(&succeeded.id).await.unwrap();
    assert_eq!(fetched, succeeded);
}

fn attempts_for<'a>(log: &'a [Attempt], event_id: &str) -> Vec<&'a AttemptOutcome> {
    log.iter()
        .filter(|a| a.event_id == event_id)
        .map(|a| &a.outcome)
        .collect()
}

/// Every delivery carries a valid signature for the simulator's secret, and no other.
fn assert_all_signed(app: &TestSim, received: &[Received]) {
    assert!(!received.is_empty());
    for r in received {
        verify(
            &r.payload,
            &r.signature,
            app.sim.webhook_secret(),
            300,
            unix_now(),
        )
        .unwrap_or_else(|e| panic!("delivery of {} does not verify: {e}", r.event_id()));
        assert!(
            verify(
                &r.payload,
                &r.signature,
                "whsec_someone_else",
                300,
                unix_now()
            )
            .is_err(),
            "the signature depends on the secret"
        );
    }
}

#[tokio::test]
async fn every_event_is_delivered_signed_exactly_as_listed() {
    let receiver = Receiver::accepting().await;
    let app = spawn_sim_with(forwarding_to(&receiver.url)).await;
    app.paid_intent(1999).await;
    let expected = all_event_ids(&app).await;

    let received = wait_for("three deliveries", || {
        let r = receiver.received();
        (r.len() >= 3).then_some(r)
    })
    .await;

    assert_all_signed(&app, &received);
    let delivered: BTreeSet<String> = received.iter().map(Received::event_id).collect();
    assert_eq!(delivered, expected);
    for r in &received {
        let listed = app
            .get(&format!("/v1/events/{}", r.event_id()), json!({}))
            .await;
        assert_eq!(r.event(), listed.body, "the delivery is the listed event");
    }
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt() {
    let receiver = Receiver::start(|n| if n < 2 { 500 } else { 200 }).await;
    let app = spawn_sim_with(forwarding_to(&receiver.url)).await;
    app.create_intent(1999).await;
    let event_id = all_event_ids(&app).await.pop_first().unwrap();

    let log = wait_for("a delivery", || {
        let log = app.sim.sim.deliveries.snapshot();
        log.iter()
            .any(|a| matches!(a.outcome, AttemptOutcome::Delivered { .. }))
            .then_some(log)
    })
    .await;

    assert_eq!(
        attempts_for(&log, &event_id),
        [
            &AttemptOutcome::Refused { status: 500 },
            &AttemptOutcome::Refused { status: 500 },
            &AttemptOutcome::Delivered { status: 200 },
        ]
    );
    let numbers: Vec<u32> = log.iter().map(|a| a.attempt).collect();
    assert_eq!(numbers, [1, 2, 3]);
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.event_id() == event_id));
    assert_all_signed(&app, &received);
}

#[tokio::test]
async fn injected_failures_come_before_the_delivery() {
    let receiver = Receiver::accepting().await;
    let mut config = forwarding_to(&receiver.url);
    config.fault_fail_first = 2;
    let app = spawn_sim_with(config).await;
    app.paid_intent(1999).await;
    let event_ids = all_event_ids(&app).await;

    let log = wait_for("every event delivered", || {
        let log = app.sim.sim.deliveries.snapshot();
        let delivered = log
            .iter()
            .filter(|a| matches!(a.outcome, AttemptOutcome::Delivered { .. }))
            .count();
        (delivered == event_ids.len()).then_some(log)
    })
    .await;

    for id in &event_ids {
        assert_eq!(
            attempts_for(&log, id),
            [
                &AttemptOutcome::InjectedFailure,
                &AttemptOutcome::InjectedFailure,
                &AttemptOutcome::Delivered { status: 200 },
            ],
            "{id}"
        );
    }
    let received = receiver.received();
    assert_eq!(
        received.len(),
        event_ids.len(),
        "injected failures are never sent"
    );
    assert_all_signed(&app, &received);
}

#[tokio::test]
async fn the_duplicate_fault_delivers_every_event_twice() {
    let receiver = Receiver::accepting().await;
    let mut config = forwarding_to(&receiver.url);
    config.fault_duplicate = 1.0;
    let app = spawn_sim_with(config).await;
    app.paid_intent(1999).await;
    let event_ids = all_event_ids(&app).await;

    let received = wait_for("two deliveries of each event", || {
        let r = receiver.received();
        (r.len() >= 2 * event_ids.len()).then_some(r)
    })
    .await;

    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        *per_event.entry(r.event_id()).or_default() += 1;
    }
    assert_eq!(
        per_event.keys().cloned().collect::<BTreeSet<_>>(),
        event_ids
    );
    assert!(per_event.values().all(|n| *n == 2), "{per_event:?}");
    assert_all_signed(&app, &received);
}

#[tokio::test]
async fn the_reorder_fault_still_delivers_every_event() {
    let receiver = Receiver::accepting().await;
    let mut config = forwarding_to(&receiver.url);
    config.fault_reorder_ms = 300;
    let app = spawn_sim_with(config).await;
    app.paid_intent(1000).await;
    app.paid_intent(2000).await;
    let event_ids = all_event_ids(&app).await;
    assert_eq!(event_ids.len(), 6);

    let received = wait_for("every event", || {
        let r = receiver.received();
        (r.len() >= event_ids.len()).then_some(r)
    })
    .await;

    let delivered: BTreeSet<String> = received.iter().map(Received::event_id).collect();
    assert_eq!(
        delivered, event_ids,
        "each event arrives, in whatever order"
    );
    assert_eq!(received.len(), event_ids.len(), "and only once");
    assert_all_signed(&app, &received);
}

#[tokio::test]
async fn delivery_gives_up_after_the_last_allowed_attempt() {
    let receiver = Receiver::start(|_| 500).await;
    let mut config = forwarding_to(&receiver.url);
    config.webhook_max_attempts = 3;
    let app = spawn_sim_with(config).await;
    app.create_intent(1999).await;
    let event_id = all_event_ids(&app).await.pop_first().unwrap();

    let log = wait_for("the delivery to give up", || {
        let log = app.sim.sim.deliveries.snapshot();
        log.iter()
            .any(|a| a.outcome == AttemptOutcome::GaveUp)
            .then_some(log)
    })
    .await;

    assert_eq!(
        attempts_for(&log, &event_id),
        [
            &AttemptOutcome::Refused { status: 500 },
            &AttemptOutcome::Refused { status: 500 },
            &AttemptOutcome::Refused { status: 500 },
            &AttemptOutcome::GaveUp,
        ]
    );
    assert_eq!(receiver.received().len(), 3, "no attempt after the third");
}

#[tokio::test]
async fn the_drop_fault_loses_events_for_good() {
    let receiver = Receiver::accepting().await;
    let mut config = forwarding_to(&receiver.url);
    config.fault_drop = 1.0;
    let app = spawn_sim_with(config).await;
    app.paid_intent(1999).await;
    let event_ids = all_event_ids(&app).await;

    let log = wait_for("every event dropped", || {
        let log = app.sim.sim.deliveries.snapshot();
        (log.len() >= event_ids.len()).then_some(log)
    })
    .await;
    for id in &event_ids {
        assert_eq!(attempts_for(&log, id), [&AttemptOutcome::Dropped], "{id}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty(), "nothing is ever sent");
    let faults = app.get("/_sim/faults", json!({})).await;
    assert_eq!(faults.body["injected"]["dropped"], event_ids.len());
}

/// A simulator whose every API request fails, half of them after carrying out a keyed write.
fn always_failing() -> stripe_sim::Config {
    let mut config = config();
    config.fault_api_5xx = 1.0;
    config.seed = Some(7);
    config
}

fn intents_stored(app: &TestSim) -> usize {
    app.sim.sim.store.lock().unwrap().intents.len()
}

#[tokio::test]
async fn the_api_fault_answers_500_with_should_retry_and_loses_only_keyed_answers() {
    let app = spawn_sim_with(always_failing()).await;

    for i in 0..40 {
        let key = format!("create-{i}");
        let r = app
            .post(
                "/v1/payment_intents",
                Some(&key),
                json!({ "amount": 500, "currency": "usd" }),
            )
            .await;
        assert_eq!(r.status, 500, "{:?}", r.body);
        assert_eq!(r.body["error"]["type"], "api_error");
        assert_eq!(r.header("stripe-should-retry"), Some("true"));
    }
    let faults = app.get("/_sim/faults", json!({})).await;
    let lost = faults.body["injected"]["lost_responses"].as_u64().unwrap();
    let refused = faults.body["injected"]["api_errors"].as_u64().unwrap();
    assert_eq!(lost + refused, 40, "{faults:?}");
    assert!(lost > 0 && refused > 0, "both kinds happen: {faults:?}");
    assert_eq!(
        intents_stored(&app),
        lost as usize,
        "a lost answer's write happened; a refused one's did not"
    );

    for _ in 0..20 {
        let r = app
            .post(
                "/v1/payment_intents",
                None,
                json!({ "amount": 500, "currency": "usd" }),
            )
            .await;
        assert_eq!(r.status, 500);
    }
    assert_eq!(
        intents_stored(&app),
        lost as usize,
        "a write without a key is never carried out and lost"
    );
}

#[tokio::test]
async fn a_client_retrying_with_the_same_key_gets_each_write_done_once() {
    let mut config = config();
    config.fault_api_5xx = 0.5;
    config.seed = Some(11);
    let app = spawn_sim_with(config).await;
    let mut client_config = kassa_stripe::ClientConfig::new(SECRET_KEY).api_base(app.url());
    client_config.max_retries = 30;
    client_config.initial_retry_delay = std::time::Duration::from_millis(1);
    client_config.max_retry_delay = std::time::Duration::from_millis(5);
    let client = kassa_stripe::Client::new(client_config);

    let mut ids = BTreeSet::new();
    for i in 0..30 {
        let pi = client
            .create_payment_intent(
                &kassa_stripe::client::CreatePaymentIntent {
                    amount: 100 + i,
                    currency: "usd".into(),
                    ..Default::default()
                },
                kassa_stripe::RequestOptions::idempotent(format!("order-{i}")),
            )
            .await
            .expect("retries get through");
        assert_eq!(pi.amount, 100 + i);
        ids.insert(pi.id);
    }
    let faults = app
        .sim
        .sim
        .injected
        .lost_responses
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(faults > 0, "some answers were lost after the write");
    assert_eq!(ids.len(), 30);
    assert_eq!(
        intents_stored(&app),
        30,
        "one intent per key, however many tries"
    );
}
