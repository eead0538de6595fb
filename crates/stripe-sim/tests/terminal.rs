//! Stripe Terminal, server-driven: a location, a simulated WisePOS E registered with `simulated-wpe`, the reader's
//! actions and the errors Stripe documents for them, and the test helper that plays the customer's tap.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn location(app: &TestSim) -> String {
    let raw = app
        .post(
            "/v1/terminal/locations",
            None,
            json!({
                "display_name": "Main Street",
                "address": { "line1": "1 Main St", "city": "Springfield", "country": "US", "postal_code": "12345", "state": "IL" },
            }),
        )
        .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.body["object"], "terminal.location");
    raw.body["id"].as_str().unwrap().to_owned()
}

async fn reader(app: &TestSim) -> String {
    let location = location(app).await;
    let raw = app
        .post(
            "/v1/terminal/readers",
            None,
            json!({ "registration_code": "simulated-wpe", "label": "Reader 1", "location": location }),
        )
        .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    raw.body["id"].as_str().unwrap().to_owned()
}

/// An intent a reader may take: card_present among its payment_method_types.
async fn present_intent(app: &TestSim, amount: i64, capture: &str) -> String {
    let raw = app
        .post(
            "/v1/payment_intents",
            None,
            json!({
                "amount": amount.to_string(), "currency": "usd", "capture_method": capture,
                "payment_method_types": ["card_present"],
            }),
        )
        .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    raw.body["id"].as_str().unwrap().to_owned()
}

async fn process(app: &TestSim, reader: &str, intent: &str) -> Raw {
    app.post(
        &format!("/v1/terminal/readers/{reader}/process_payment_intent"),
        None,
        json!({ "payment_intent": intent }),
    )
    .await
}

async fn tap(app: &TestSim, reader: &str, params: Value) -> Raw {
    app.post(
        &format!("/v1/test_helpers/terminal/readers/{reader}/present_payment_method"),
        None,
        params,
    )
    .await
}

async fn event_types(app: &TestSim) -> Vec<String> {
    let raw = app.get("/v1/events", json!({ "limit": "100" })).await;
    let mut kinds: Vec<String> = raw.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    kinds.reverse();
    kinds
}

fn assert_code(raw: &Raw, status: u16, code: &str) {
    assert_eq!(raw.status, status, "{}", raw.body);
    assert_eq!(raw.error()["type"], "invalid_request_error", "{}", raw.body);
    assert_eq!(raw.error()["code"], code, "{}", raw.body);
}

#[tokio::test]
async fn a_simulated_reader_registers_at_a_location_and_is_listed_retrieved_renamed_and_deleted() {
    let app = spawn_sim().await;
    let id = reader(&app).await;

    let got = app
        .get(&format!("/v1/terminal/readers/{id}"), json!({}))
        .await;
    assert_eq!(got.body["object"], "terminal.reader");
    assert_eq!(got.body["device_type"], "simulated_wisepos_e");
    assert_eq!(got.body["status"], "online");
    assert_eq!(got.body["label"], "Reader 1");
    assert!(got.body["action"].is_null());
    assert!(got.body["location"].as_str().unwrap().starts_with("tml_"));

    let online = app
        .get("/v1/terminal/readers", json!({ "status": "online" }))
        .await;
    assert_eq!(online.body["data"][0]["id"], id.as_str());
    let offline = app
        .get("/v1/terminal/readers", json!({ "status": "offline" }))
        .await;
    assert_eq!(offline.body["data"], json!([]));

    let renamed = app
        .post(
            &format!("/v1/terminal/readers/{id}"),
            None,
            json!({ "label": "Front counter" }),
        )
        .await;
    assert_eq!(renamed.body["label"], "Front counter");

    let deleted = app
        .raw(
            Method::DELETE,
            &format!("/v1/terminal/readers/{id}"),
            Some(SECRET_KEY),
            &[],
            json!({}),
        )
        .await;
    assert_eq!(deleted.body["deleted"], true);
    let gone = app
        .get(&format!("/v1/terminal/readers/{id}"), json!({}))
        .await;
    assert_code(&gone, 404, "resource_missing");
}

#[tokio::test]
async fn only_the_simulated_registration_code_registers_and_a_location_must_exist() {
    let app = spawn_sim().await;
    let location = location(&app).await;

    let wrong = app
        .post(
            "/v1/terminal/readers",
            None,
            json!({ "registration_code": "purple-elephant-dog", "location": location }),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.error()["param"], "registration_code");

    let nowhere = app
        .post(
            "/v1/terminal/readers",
            None,
            json!({ "registration_code": "simulated-wpe", "location": "tml_nowhere" }),
        )
        .await;
    assert_code(&nowhere, 404, "resource_missing");
    assert_eq!(nowhere.error()["param"], "location");
}

#[tokio::test]
async fn a_tap_pays_the_intent_the_reader_is_processing() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let intent = present_intent(&app, 1250, "automatic").await;

    let started = process(&app, &reader, &intent).await;
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(started.body["action"]["type"], "process_payment_intent");
    assert_eq!(started.body["action"]["status"], "in_progress");
    assert_eq!(
        started.body["action"]["process_payment_intent"]["payment_intent"],
        intent.as_str()
    );

    let done = tap(&app, &reader, json!({ "type": "card_present" })).await;
    assert_eq!(done.body["action"]["status"], "succeeded", "{}", done.body);

    let paid = app
        .get(
            &format!("/v1/payment_intents/{intent}"),
            json!({ "expand": ["latest_charge"] }),
        )
        .await;
    assert_eq!(paid.body["status"], "succeeded");
    let details = &paid.body["latest_charge"]["payment_method_details"];
    assert_eq!(details["type"], "card_present");
    assert_eq!(details["card_present"]["brand"], "visa");
    assert_eq!(details["card_present"]["last4"], "4242");
    assert_eq!(details["card_present"]["read_method"], "contactless_emv");
    let kinds = event_types(&app).await;
    let tail: Vec<&str> = kinds
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "charge.succeeded",
            "payment_intent.succeeded",
            "terminal.reader.action_succeeded"
        ]
    );
}

#[tokio::test]
async fn with_manual_capture_a_tap_leaves_the_intent_to_capture() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let intent = present_intent(&app, 900, "manual").await;
    process(&app, &reader, &intent).await;

    tap(&app, &reader, json!({})).await;

    let got = app
        .get(&format!("/v1/payment_intents/{intent}"), json!({}))
        .await;
    assert_eq!(got.body["status"], "requires_capture");
    assert_eq!(got.body["amount_capturable"], 900);
}

#[tokio::test]
async fn a_declined_card_fails_the_action_with_the_reason_and_the_intent_can_be_tried_again() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let intent = present_intent(&app, 1250, "automatic").await;
    process(&app, &reader, &intent).await;

    let failed = tap(
        &app,
        &reader,
        json!({ "card_present": { "number": "4000000000000002" } }),
    )
    .await;
    assert_eq!(failed.body["action"]["status"], "failed");
    assert_eq!(failed.body["action"]["failure_code"], "card_declined");
    assert_eq!(
        failed.body["action"]["failure_message"],
        "Your card was declined."
    );
    assert_eq!(
        event_types(&app).await.last().unwrap(),
        "terminal.reader.action_failed"
    );
    let got = app
        .get(&format!("/v1/payment_intents/{intent}"), json!({}))
        .await;
    assert_eq!(got.body["status"], "requires_payment_method");

    let again = process(&app, &reader, &intent).await;
    assert_eq!(
        again.body["action"]["status"], "in_progress",
        "{}",
        again.body
    );
    let paid = tap(&app, &reader, json!({})).await;
    assert_eq!(paid.body["action"]["status"], "succeeded");
}

#[tokio::test]
async fn a_tip_on_the_reader_adds_to_the_amount() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let intent = present_intent(&app, 1000, "automatic").await;
    process(&app, &reader, &intent).await;

    tap(&app, &reader, json!({ "amount_tip": "150" })).await;

    let got = app
        .get(&format!("/v1/payment_intents/{intent}"), json!({}))
        .await;
    assert_eq!(got.body["amount"], 1150);
    assert_eq!(got.body["amount_received"], 1150);
    assert_eq!(got.body["amount_details"]["tip"]["amount"], 150);
}

#[tokio::test]
async fn an_intent_without_card_present_or_already_paid_is_in_an_invalid_state_for_a_reader() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let online_only = app.create_intent(500).await;
    let refused = process(&app, &reader, &online_only.id).await;
    assert_code(&refused, 400, "intent_invalid_state");
    assert_eq!(refused.error()["param"], "payment_intent");

    let intent = present_intent(&app, 500, "automatic").await;
    process(&app, &reader, &intent).await;
    tap(&app, &reader, json!({})).await;
    let paid_already = process(&app, &reader, &intent).await;
    assert_code(&paid_already, 400, "intent_invalid_state");
}

#[tokio::test]
async fn a_second_action_while_one_is_in_progress_finds_the_reader_busy() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let first = present_intent(&app, 500, "automatic").await;
    let second = present_intent(&app, 700, "automatic").await;
    process(&app, &reader, &first).await;

    let busy = process(&app, &reader, &second).await;
    assert_code(&busy, 400, "terminal_reader_busy");
    let display = app
        .post(
            &format!("/v1/terminal/readers/{reader}/set_reader_display"),
            None,
            json!({ "type": "cart", "cart": { "currency": "usd", "total": "700", "line_items": [{ "amount": "700", "description": "Tea", "quantity": "1" }] } }),
        )
        .await;
    assert_code(&display, 400, "terminal_reader_busy");
}

#[tokio::test]
async fn an_offline_reader_refuses_requests_and_an_action_it_dropped_stays_in_progress_until_cancelled(
) {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let intent = present_intent(&app, 500, "automatic").await;
    process(&app, &reader, &intent).await;

    let dropped = app
        .post(
            &format!("/_sim/terminal/readers/{reader}"),
            None,
            json!({ "status": "offline" }),
        )
        .await;
    assert_eq!(dropped.body["status"], "offline");
    assert_eq!(dropped.body["action"]["status"], "in_progress");

    let other = present_intent(&app, 700, "automatic").await;
    assert_code(
        &process(&app, &reader, &other).await,
        400,
        "terminal_reader_offline",
    );
    assert_code(
        &tap(&app, &reader, json!({})).await,
        400,
        "terminal_reader_offline",
    );
    let listed = app
        .get("/v1/terminal/readers", json!({ "status": "offline" }))
        .await;
    assert_eq!(listed.body["data"][0]["id"], reader.as_str());

    let cancelled = app
        .post(
            &format!("/v1/terminal/readers/{reader}/cancel_action"),
            None,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert!(cancelled.body["action"].is_null());
    let got = app
        .get(&format!("/v1/payment_intents/{intent}"), json!({}))
        .await;
    assert_eq!(got.body["status"], "requires_payment_method");
}

#[tokio::test]
async fn an_unresponsive_reader_times_out() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    app.post(
        &format!("/_sim/terminal/readers/{reader}"),
        None,
        json!({ "unresponsive": "true" }),
    )
    .await;
    let intent = present_intent(&app, 500, "automatic").await;

    assert_code(
        &process(&app, &reader, &intent).await,
        400,
        "terminal_reader_timeout",
    );
}

#[tokio::test]
async fn cancelling_frees_the_reader_for_the_next_sale() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let first = present_intent(&app, 500, "automatic").await;
    process(&app, &reader, &first).await;

    app.post(
        &format!("/v1/terminal/readers/{reader}/cancel_action"),
        None,
        json!({}),
    )
    .await;

    let second = present_intent(&app, 700, "automatic").await;
    let started = process(&app, &reader, &second).await;
    assert_eq!(
        started.body["action"]["status"], "in_progress",
        "{}",
        started.body
    );
    assert_code(
        &tap(
            &app,
            &reader,
            json!({ "card_present": { "number": "4242 4242 4242 4241" } }),
        )
        .await,
        400,
        "incorrect_number",
    );
}

#[tokio::test]
async fn the_reader_shows_a_cart() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;

    let shown = app
        .post(
            &format!("/v1/terminal/readers/{reader}/set_reader_display"),
            None,
            json!({
                "type": "cart",
                "cart": {
                    "currency": "usd", "tax": "80", "total": "1080",
                    "line_items": [
                        { "amount": "500", "description": "Coffee", "quantity": "2" },
                    ],
                },
            }),
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let action = &shown.body["action"];
    assert_eq!(action["type"], "set_reader_display");
    assert_eq!(action["status"], "succeeded");
    assert_eq!(action["set_reader_display"]["cart"]["total"], 1080);
    assert_eq!(action["set_reader_display"]["cart"]["tax"], 80);
    assert_eq!(
        action["set_reader_display"]["cart"]["line_items"][0],
        json!({ "amount": 500, "description": "Coffee", "quantity": 2 })
    );

    let missing = app
        .post(
            &format!("/v1/terminal/readers/{reader}/set_reader_display"),
            None,
            json!({ "type": "cart", "cart": { "currency": "usd", "total": "1", "line_items": [{ "amount": "1", "description": "x" }] } }),
        )
        .await;
    assert_code(&missing, 400, "parameter_missing");
    assert_eq!(missing.error()["param"], "cart[line_items][0][quantity]");
}

#[tokio::test]
async fn a_refund_on_the_reader_completes_when_the_card_is_presented() {
    let app = spawn_sim().await;
    let reader = reader(&app).await;
    let intent = present_intent(&app, 1200, "automatic").await;
    process(&app, &reader, &intent).await;
    tap(&app, &reader, json!({})).await;

    let started = app
        .post(
            &format!("/v1/terminal/readers/{reader}/refund_payment"),
            None,
            json!({ "payment_intent": intent, "amount": "200" }),
        )
        .await;
    assert_eq!(
        started.body["action"]["status"], "in_progress",
        "{}",
        started.body
    );
    let done = tap(&app, &reader, json!({})).await;
    assert_eq!(done.body["action"]["status"], "succeeded");
    assert_eq!(
        event_types(&app).await.last().unwrap(),
        "terminal.reader.action_succeeded"
    );
    let refund = done.body["action"]["refund_payment"]["refund"]
        .as_str()
        .unwrap();

    let listed = app
        .get("/v1/refunds", json!({ "payment_intent": intent }))
        .await;
    assert_eq!(listed.body["object"], "list");
    assert_eq!(listed.body["data"][0]["id"], refund);
    assert_eq!(listed.body["data"][0]["amount"], 200);
}

#[tokio::test]
async fn refunds_are_listed_by_intent_or_charge_and_retrieved() {
    let app = spawn_sim().await;
    let a = app.paid_intent(1000).await;
    let b = app.paid_intent(2000).await;
    for (intent, amount) in [(&a, "100"), (&a, "200"), (&b, "300")] {
        let r = app
            .post(
                "/v1/refunds",
                None,
                json!({ "payment_intent": intent.id, "amount": amount }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    let of_a = app
        .get("/v1/refunds", json!({ "payment_intent": a.id }))
        .await;
    let amounts: Vec<i64> = of_a.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [200, 100], "newest first");
    let charge = b.latest_charge.clone().unwrap();
    let of_b = app.get("/v1/refunds", json!({ "charge": charge })).await;
    assert_eq!(of_b.body["data"].as_array().unwrap().len(), 1);
    let first = app.get("/v1/refunds", json!({ "limit": "1" })).await;
    assert_eq!(first.body["has_more"], true);
    let id = of_b.body["data"][0]["id"].as_str().unwrap();
    let one = app.get(&format!("/v1/refunds/{id}"), json!({})).await;
    assert_eq!(one.body["amount"], 300);
}

#[tokio::test]
async fn a_method_the_path_does_not_take_answers_with_stripes_error_object() {
    let app = spawn_sim().await;

    let raw = app
        .raw(
            Method::DELETE,
            "/v1/payment_intents",
            Some(SECRET_KEY),
            &[],
            json!({}),
        )
        .await;

    assert_eq!(raw.status, 405);
    assert_eq!(raw.error()["type"], "invalid_request_error");
    assert!(raw.error()["message"].as_str().unwrap().contains("DELETE"));
}
