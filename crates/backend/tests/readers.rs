//! Card readers, server-driven: an admin registers and assigns them, a till pays an order on its reader, the
//! reader's results reach that till by the feed, and the order is paid only by the intent's own success.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::start;

const SIM_SECRET: &str = "sk_test_kassa_simulated";

struct Shop {
    running: kassa_backend::Running,
    http: reqwest::Client,
    till: String,
    other_till: String,
    admin: String,
}

impl Shop {
    async fn start(dir: &Path, flags: &[&str]) -> Shop {
        let data = dir.join("data");
        let [till, other_till, admin]: [String; 3] = common::tokens(
            &data,
            &[("till-1", false), ("till-2", false), ("boss", true)],
        )
        .try_into()
        .unwrap();
        let mut all = vec!["--simulate"];
        all.extend_from_slice(flags);
        let (running, http) = start(&data, &all).await;
        Shop {
            running,
            http,
            till,
            other_till,
            admin,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        common::send(req).await
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.running.url()))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.send(
            self.http
                .get(format!("{}{path}", self.running.url()))
                .bearer_auth(token),
        )
        .await
    }

    /// Registers a simulated reader for till-1 and returns its id.
    async fn reader(&self) -> String {
        let (status, body) = self
            .post(
                &self.admin,
                "/api/readers",
                json!({ "registration_code": "simulated-wpe", "label": "Reader 1", "terminal": "till-1" }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["reader_id"].as_str().unwrap().to_owned()
    }

    /// An order of till-1 with its intent.
    async fn order(&self, order: &str, amount: i64, capture_method: &str) -> String {
        let url = self.running.url();
        let (status, body) =
            common::put_intent(&self.http, &url, &self.till, order, amount, capture_method).await;
        assert_eq!(status, 200, "{body}");
        body["payment_intent_id"].as_str().unwrap().to_owned()
    }

    async fn pay_on(&self, order: &str, reader: &str, key: &str) -> (u16, Value) {
        self.send(
            self.http
                .post(format!(
                    "{}/api/orders/{order}/reader-payment",
                    self.running.url()
                ))
                .bearer_auth(&self.till)
                .header("Idempotency-Key", key)
                .json(&json!({ "reader_id": reader })),
        )
        .await
    }

    async fn tap(&self, reader: &str, card: Option<&str>) -> (u16, Value) {
        let body = match card {
            Some(number) => json!({ "card_number": number }),
            None => json!({}),
        };
        self.post(
            &self.till,
            &format!("/api/readers/{reader}/simulate-tap"),
            body,
        )
        .await
    }

    async fn order_status(&self, order: &str) -> Value {
        let (status, body) = self.get(&self.till, &format!("/api/orders/{order}")).await;
        assert_eq!(status, 200, "{body}");
        body["order"].clone()
    }

    /// The till's feed, every event so far: (type, order_id).
    async fn feed(&self, token: &str) -> Vec<(String, Option<String>)> {
        let (status, body) = self.get(token, "/api/events?after=0&limit=500").await;
        assert_eq!(status, 200, "{body}");
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["event"]["type"].as_str().unwrap_or_default().to_owned(),
                    e["order_id"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    async fn feed_has(&self, kind: &str, order: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let feed = self.feed(&self.till).await;
            if feed
                .iter()
                .any(|(k, o)| k == kind && o.as_deref() == Some(order))
            {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn sim(&self) -> String {
        self.running.simulator.as_ref().unwrap().url()
    }

    async fn at_stripe(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.sim()))
                .bearer_auth(SIM_SECRET)
                .form(form),
        )
        .await
    }
}

fn assert_error(answer: &(u16, Value), status: u16, code: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
}

#[tokio::test]
async fn an_admin_registers_and_assigns_readers_and_a_till_sees_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;

    let refused = shop
        .post(
            &shop.till,
            "/api/readers",
            json!({ "registration_code": "simulated-wpe", "label": "Mine" }),
        )
        .await;
    assert_error(&refused, 403, "forbidden");
    let reader = shop.reader().await;

    let (_, mine) = shop.get(&shop.till, "/api/readers").await;
    assert_eq!(mine["readers"][0]["reader_id"], reader.as_str());
    assert_eq!(mine["readers"][0]["status"], "online");
    assert_eq!(mine["readers"][0]["device_type"], "simulated_wisepos_e");
    assert_eq!(mine["readers"][0]["simulated"], true);
    let (_, theirs) = shop.get(&shop.other_till, "/api/readers").await;
    assert_eq!(theirs["readers"], json!([]));
    let hidden = shop
        .get(&shop.other_till, &format!("/api/readers/{reader}"))
        .await;
    assert_error(&hidden, 404, "not_found");

    let (status, moved) = shop
        .send(
            shop.http
                .put(format!("{}/api/readers/{reader}", shop.running.url()))
                .bearer_auth(&shop.admin)
                .json(&json!({ "label": "Counter", "terminal": "till-2" })),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    let (_, theirs) = shop.get(&shop.other_till, "/api/readers").await;
    assert_eq!(theirs["readers"][0]["label"], "Counter");

    let bad = shop
        .post(
            &shop.admin,
            "/api/readers",
            json!({ "registration_code": "simulated-wpe", "label": " " }),
        )
        .await;
    assert_error(&bad, 400, "invalid_request");
    assert_eq!(bad.1["error"]["field"], "label");
}

#[tokio::test]
async fn a_sale_on_the_reader_is_paid_by_the_tap_and_its_events_reach_the_till() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;
    let reader = shop.reader().await;
    shop.order("o-1", 1250, "automatic").await;

    let (status, started) = shop
        .send(
            shop.http
                .post(format!(
                    "{}/api/orders/o-1/reader-payment",
                    shop.running.url()
                ))
                .bearer_auth(&shop.till)
                .header("Idempotency-Key", "pay-1")
                .json(&json!({
                    "reader_id": reader,
                    "cart": [
                        { "description": "Flat white", "quantity": 2, "amount": 900 },
                        { "description": "Croissant", "quantity": 1, "amount": 250 },
                    ],
                    "tax": 100,
                })),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["action"]["kind"], "process_payment_intent");
    assert_eq!(started["action"]["status"], "in_progress");
    assert_eq!(
        shop.order_status("o-1").await["status"],
        "requires_payment_method"
    );

    let (status, tapped) = shop.tap(&reader, None).await;
    assert_eq!(status, 200, "{tapped}");
    assert_eq!(tapped["action"]["status"], "succeeded");

    let order = shop.order_status("o-1").await;
    assert_eq!(order["status"], "succeeded");
    assert_eq!(order["card_last4"], "4242");
    assert_eq!(order["card_read_method"], "contactless_emv");
    assert!(
        shop.feed_has("terminal.reader.action_succeeded", "o-1")
            .await
    );
    assert!(shop.feed_has("payment_intent.succeeded", "o-1").await);
    let theirs = shop.feed(&shop.other_till).await;
    assert!(
        theirs
            .iter()
            .all(|(k, _)| !k.starts_with("terminal.reader")),
        "another till hears nothing of it: {theirs:?}"
    );
}

#[tokio::test]
async fn a_cart_that_does_not_add_up_to_the_order_is_refused_naming_the_cart() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;
    let reader = shop.reader().await;
    shop.order("o-1", 1000, "automatic").await;

    let wrong = shop
        .post(
            &shop.till,
            "/api/orders/o-1/reader-payment",
            json!({ "reader_id": reader, "cart": [{ "description": "Tea", "quantity": 1, "amount": 999 }] }),
        )
        .await;
    assert_error(&wrong, 400, "invalid_request");
    assert_eq!(wrong.1["error"]["field"], "cart");
    let no_quantity = shop
        .post(
            &shop.till,
            "/api/orders/o-1/reader-payment",
            json!({ "reader_id": reader, "cart": [{ "description": "Tea", "quantity": 0, "amount": 1000 }] }),
        )
        .await;
    assert_eq!(no_quantity.1["error"]["field"], "cart[0].quantity");
    let unknown = shop
        .post(
            &shop.till,
            "/api/orders/o-1/reader-payment",
            json!({ "reader_id": "tmr_nope" }),
        )
        .await;
    assert_error(&unknown, 404, "not_found");
}

#[tokio::test]
async fn a_decline_fails_the_readers_action_and_a_retry_with_a_new_key_pays() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;
    let reader = shop.reader().await;
    shop.order("o-1", 700, "automatic").await;
    shop.pay_on("o-1", &reader, "try-1").await;

    let (_, declined) = shop.tap(&reader, Some("4000000000000002")).await;
    assert_eq!(declined["action"]["status"], "failed");
    assert_eq!(declined["action"]["failure_code"], "card_declined");
    assert!(shop.feed_has("terminal.reader.action_failed", "o-1").await);
    assert_eq!(
        shop.order_status("o-1").await["status"],
        "requires_payment_method"
    );

    let (status, again) = shop.pay_on("o-1", &reader, "try-2").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["action"]["status"], "in_progress");
    shop.tap(&reader, None).await;
    assert_eq!(shop.order_status("o-1").await["status"], "succeeded");
}

#[tokio::test]
async fn a_busy_reader_and_an_offline_one_get_answers_a_cashier_can_act_on_and_cancel_frees_it() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;
    let reader = shop.reader().await;
    shop.order("o-1", 500, "automatic").await;
    shop.order("o-2", 600, "automatic").await;
    let (status, _) = shop.pay_on("o-1", &reader, "k-1").await;
    assert_eq!(status, 200);

    let busy = shop.pay_on("o-2", &reader, "k-2").await;
    assert_error(&busy, 409, "reader_busy");
    assert!(busy.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Reader 1 is busy"));

    let (status, cancelled) = shop
        .post(
            &shop.till,
            &format!("/api/readers/{reader}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert!(cancelled["action"].is_null());
    assert_eq!(
        shop.order_status("o-1").await["status"],
        "requires_payment_method"
    );
    let (status, _) = shop.pay_on("o-2", &reader, "k-3").await;
    assert_eq!(status, 200);

    shop.at_stripe(
        &format!("/_sim/terminal/readers/{reader}"),
        &[("status", "offline")],
    )
    .await;
    let (_, listed) = shop.get(&shop.till, "/api/readers").await;
    assert_eq!(listed["readers"][0]["status"], "offline");
    let offline = shop.pay_on("o-1", &reader, "k-4").await;
    assert_error(&offline, 503, "reader_offline");

    shop.at_stripe(
        &format!("/_sim/terminal/readers/{reader}"),
        &[("status", "online"), ("unresponsive", "true")],
    )
    .await;
    let timeout = shop.pay_on("o-1", &reader, "k-5").await;
    assert_error(&timeout, 504, "reader_timeout");
    assert!(timeout.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("look at the reader"));
}

#[tokio::test]
async fn with_manual_capture_the_backend_captures_once_the_card_is_tapped() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;
    let reader = shop.reader().await;
    shop.order("o-1", 1500, "manual").await;
    shop.pay_on("o-1", &reader, "k-1").await;

    shop.tap(&reader, None).await;

    let order = shop.order_status("o-1").await;
    assert_eq!(order["status"], "succeeded", "{order}");
    assert_eq!(order["amount_received"], 1500);
}

#[tokio::test]
async fn when_webhooks_are_late_polling_the_reader_brings_the_order_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &["--sim-drop-webhooks"]).await;
    let reader = shop.reader().await;
    let pi = shop.order("o-1", 800, "automatic").await;
    shop.pay_on("o-1", &reader, "k-1").await;
    // The customer taps; the webhooks that would tell of it never come.
    let (status, body) = shop
        .at_stripe(
            &format!("/v1/test_helpers/terminal/readers/{reader}/present_payment_method"),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored = shop
        .running
        .state
        .db
        .read(|c| kassa_backend::db::orders::get(c, "o-1"));
    assert_eq!(
        stored.await.unwrap().unwrap().status.as_str(),
        "requires_payment_method",
        "nothing told the backend yet"
    );

    let (status, polled) = shop
        .get(&shop.till, &format!("/api/readers/{reader}"))
        .await;
    assert_eq!(status, 200, "{polled}");
    assert_eq!(polled["action"]["status"], "succeeded");
    assert_eq!(polled["action"]["payment_intent_id"], pi.as_str());
    let stored = shop
        .running
        .state
        .db
        .read(|c| kassa_backend::db::orders::get(c, "o-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status.as_str(), "succeeded");
}

#[tokio::test]
async fn reader_events_sent_twice_or_out_of_order_are_stored_once_and_never_pay_an_order() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path(), &[]).await;
    let reader = shop.reader().await;
    let pi = shop.order("o-1", 900, "automatic").await;
    let secret = shop.running.state.stripe_config.webhook_secret.clone();
    let event = |id: &str, kind: &str, status: &str, created: i64| {
        json!({
            "id": id, "object": "event", "type": kind, "created": created, "livemode": false,
            "api_version": kassa_stripe::STRIPE_VERSION, "pending_webhooks": 1,
            "request": { "id": null, "idempotency_key": null },
            "data": { "object": {
                "id": reader, "object": "terminal.reader", "device_type": "simulated_wisepos_e",
                "label": "Reader 1", "livemode": false, "metadata": {}, "serial_number": "s",
                "status": "online",
                "action": {
                    "type": "process_payment_intent", "status": status,
                    "failure_code": if status == "failed" { json!("card_declined") } else { json!(null) },
                    "failure_message": null,
                    "process_payment_intent": { "payment_intent": pi },
                },
            } },
        })
    };
    let deliver = |e: Value| {
        let body = serde_json::to_vec(&e).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let signature = kassa_stripe::webhook::sign(&body, &secret, now);
        shop.http
            .post(format!("{}/webhook", shop.running.url()))
            .header("Stripe-Signature", signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // A success, then the same event again, then an older failure arriving last.
    let succeeded = event(
        "evt_reader_ok",
        "terminal.reader.action_succeeded",
        "succeeded",
        200,
    );
    for e in [
        succeeded.clone(),
        succeeded,
        event(
            "evt_reader_failed",
            "terminal.reader.action_failed",
            "failed",
            100,
        ),
    ] {
        assert_eq!(deliver(e).await.unwrap().status(), 200);
    }

    let feed = shop.feed(&shop.till).await;
    let reader_events: Vec<&str> = feed
        .iter()
        .filter(|(k, o)| k.starts_with("terminal.reader") && o.as_deref() == Some("o-1"))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        reader_events,
        [
            "terminal.reader.action_succeeded",
            "terminal.reader.action_failed"
        ],
        "each stored once, in the order received, for the order's till"
    );
    // Only payment_intent.succeeded pays; the intent was never tapped, so the order is unpaid.
    assert_eq!(
        shop.order_status("o-1").await["status"],
        "requires_payment_method"
    );
}

#[tokio::test]
async fn the_demo_registers_one_simulated_reader_for_the_apps_own_till_once() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let shop = Shop::start(dir.path(), &["--demo-reader"]).await;
        let (status, body) = shop.get(common::TOKEN, "/api/readers").await;
        assert_eq!(status, 200, "{body}");
        let readers = body["readers"].as_array().unwrap();
        assert_eq!(readers.len(), 1, "{body}");
        assert_eq!(readers[0]["label"], "Reader 1");
        assert_eq!(readers[0]["simulated"], true);
        shop.running.shutdown().await;
    }
}
