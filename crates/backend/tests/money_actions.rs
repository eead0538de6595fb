//! Who may move money, and that a retried request moves it once: refunds and captures need an admin token and an
//! Idempotency-Key, a terminal cancels only its unpaid sales, and Stripe (the simulator, in-process) sees one refund
//! for two identical requests.

mod common;

use std::path::Path;

use kassa_backend::db::terminals;
use serde_json::{json, Value};

use common::{start, TOKEN};

struct Shop {
    running: kassa_backend::Running,
    http: reqwest::Client,
    /// The terminal "till-1".
    till: String,
    admin: String,
}

impl Shop {
    /// The backend with its in-process simulator, and two stored tokens, made as `token create` makes them.
    async fn start(dir: &Path) -> Shop {
        let data = dir.join("data");
        let [till, admin]: [String; 2] =
            common::tokens(&data, &[("till-1", false), ("boss", true)])
                .try_into()
                .unwrap();
        let (running, http) = start(&data, &["--simulate"]).await;
        Shop {
            running,
            http,
            till,
            admin,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        common::send(req).await
    }

    /// POST an action on an order, with an Idempotency-Key when given.
    async fn act(
        &self,
        token: &str,
        order: &str,
        action: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!(
                "{}/api/orders/{order}/{action}",
                self.running.url()
            ))
            .bearer_auth(token);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req).await
    }

    /// A sale of `amount` cents by the till, paid with a test Visa; returns the PaymentIntent's id.
    async fn paid_sale(&self, order: &str, amount: i64, capture_method: &str) -> String {
        let url = self.running.url();
        let (status, intent) =
            common::put_intent(&self.http, &url, &self.till, order, amount, capture_method).await;
        assert_eq!(status, 200, "{intent}");
        let id = intent["payment_intent_id"].as_str().unwrap().to_owned();
        let (status, confirmed) = self
            .send(
                self.http
                    .post(format!("{}/v1/payment_intents/{id}/confirm", self.sim()))
                    .bearer_auth("pk_test_kassa_simulated")
                    .form(&[
                        ("client_secret", intent["client_secret"].as_str().unwrap()),
                        ("payment_method", "pm_card_visa"),
                    ]),
            )
            .await;
        assert_eq!(status, 200, "{confirmed}");
        id
    }

    fn sim(&self) -> String {
        self.running.simulator.as_ref().unwrap().url()
    }

    /// The intent at the simulator, with its charge.
    async fn at_stripe(&self, pi: &str) -> Value {
        let (status, body) = self
            .send(
                self.http
                    .get(format!(
                        "{}/v1/payment_intents/{pi}?expand[]=latest_charge",
                        self.sim()
                    ))
                    .bearer_auth("sk_test_kassa_simulated"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The refund.created events the simulator emitted for `pi`: one per refund made.
    async fn refunds_made(&self, pi: &str) -> usize {
        let (status, body) = self
            .send(
                self.http
                    .get(format!(
                        "{}/v1/events?type=refund.created&limit=100",
                        self.sim()
                    ))
                    .bearer_auth("sk_test_kassa_simulated"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["data"]["object"]["payment_intent"] == pi)
            .count()
    }
}

fn assert_error(answer: &(u16, Value), status: u16, field: &str, message: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["error"]["field"], field, "{body}");
    let text = body["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(message), "{message:?} not in {body}");
}

#[tokio::test]
async fn a_terminal_token_cannot_refund_capture_or_cancel_a_paid_sale() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    let (till, admin) = (shop.till.as_str(), shop.admin.as_str());

    let paid = shop.paid_sale("o-paid", 1500, "automatic").await;
    let refund = shop
        .act(till, "o-paid", "refunds", Some("r-1"), Some(json!({})))
        .await;
    assert_error(&refund, 403, "Authorization", "refunds need an admin token");
    assert_eq!(refund.1["error"]["code"], "forbidden");
    let cancel = shop.act(till, "o-paid", "cancel", None, None).await;
    assert_error(&cancel, 403, "Authorization", "needs an admin token");
    assert_eq!(shop.refunds_made(&paid).await, 0);
    assert_eq!(shop.at_stripe(&paid).await["status"], "succeeded");

    // Authorized but not captured: capturing takes the money, cancelling hands it back; both are an admin's.
    let held = shop.paid_sale("o-held", 2500, "manual").await;
    assert_eq!(shop.at_stripe(&held).await["status"], "requires_capture");
    let capture = shop
        .act(till, "o-held", "capture", Some("c-1"), Some(json!({})))
        .await;
    assert_error(
        &capture,
        403,
        "Authorization",
        "captures need an admin token",
    );
    let cancel = shop.act(till, "o-held", "cancel", None, None).await;
    assert_error(&cancel, 403, "Authorization", "requires_capture");
    assert_eq!(shop.at_stripe(&held).await["status"], "requires_capture");

    // An admin captures with a key; the same request again captures nothing more.
    let no_key = shop
        .act(admin, "o-held", "capture", None, Some(json!({})))
        .await;
    assert_error(
        &no_key,
        400,
        "Idempotency-Key",
        "a capture needs an Idempotency-Key",
    );
    for _ in 0..2 {
        let (status, body) = shop
            .act(admin, "o-held", "capture", Some("c-1"), Some(json!({})))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["order"]["status"], "succeeded", "{body}");
    }
    assert_eq!(shop.at_stripe(&held).await["amount_received"], 2500);

    // A sale nobody paid: its own till cancels it (an abandoned cart).
    let (status, intent) = shop
        .send(
            shop.http
                .put(format!("{}/api/orders/o-open/intent", shop.running.url()))
                .bearer_auth(till)
                .json(&json!({ "amount": 700, "currency": "usd" })),
        )
        .await;
    assert_eq!(status, 200, "{intent}");
    let (status, body) = shop.act(till, "o-open", "cancel", None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["order"]["status"], "canceled", "{body}");
    shop.running.shutdown().await;
}

#[tokio::test]
async fn a_refund_sent_twice_with_one_key_refunds_once() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    let admin = shop.admin.as_str();
    let pi = shop.paid_sale("o-refund", 2000, "automatic").await;

    let missing = shop
        .act(
            admin,
            "o-refund",
            "refunds",
            None,
            Some(json!({ "amount": 300 })),
        )
        .await;
    assert_error(
        &missing,
        400,
        "Idempotency-Key",
        "a refund needs an Idempotency-Key",
    );

    // The same request twice, as a till retries after a lost answer, and twice more at once.
    let body = json!({ "amount": 300, "reason": "requested_by_customer" });
    let first = shop
        .act(
            admin,
            "o-refund",
            "refunds",
            Some("r-1"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(first.0, 200, "{}", first.1);
    let refund_id = first.1["refund"]["id"].as_str().unwrap().to_owned();
    let (again, at_once) = tokio::join!(
        shop.act(
            admin,
            "o-refund",
            "refunds",
            Some("r-1"),
            Some(body.clone())
        ),
        shop.act(
            admin,
            "o-refund",
            "refunds",
            Some("r-1"),
            Some(body.clone())
        ),
    );
    for (status, answer) in [again, at_once] {
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["refund"]["id"], refund_id.as_str(), "{answer}");
    }
    assert_eq!(shop.refunds_made(&pi).await, 1);
    assert_eq!(
        shop.at_stripe(&pi).await["latest_charge"]["amount_refunded"],
        300
    );

    // The key with another amount is refused by Stripe, not taken as a new refund; a new key is a new refund.
    let changed = shop
        .act(
            admin,
            "o-refund",
            "refunds",
            Some("r-1"),
            Some(json!({ "amount": 400 })),
        )
        .await;
    assert_eq!(changed.0, 400, "{}", changed.1);
    let second = shop
        .act(
            admin,
            "o-refund",
            "refunds",
            Some("r-2"),
            Some(json!({ "amount": 200 })),
        )
        .await;
    assert_eq!(second.0, 200, "{}", second.1);
    assert_ne!(second.1["refund"]["id"], refund_id.as_str());
    assert_eq!(shop.refunds_made(&pi).await, 2);
    let charge = &shop.at_stripe(&pi).await["latest_charge"];
    assert_eq!(charge["amount_refunded"], 500, "{charge}");
    shop.running.shutdown().await;
}

#[tokio::test]
async fn the_sidecar_token_is_an_admin_under_a_reserved_name() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    let (status, me) = shop
        .send(
            shop.http
                .get(format!("{}/api/me", shop.running.url()))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me, json!({ "terminal": terminals::SIDECAR, "admin": true }));
    shop.running.shutdown().await;
}

#[tokio::test]
async fn a_cancel_retried_after_its_answer_was_lost_answers_canceled() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    let (status, intent) = shop
        .send(
            shop.http
                .put(format!("{}/api/orders/o-lost/intent", shop.running.url()))
                .bearer_auth(&shop.till)
                .json(&json!({ "amount": 700, "currency": "usd" })),
        )
        .await;
    assert_eq!(status, 200, "{intent}");
    let pi = intent["payment_intent_id"].as_str().unwrap();
    // The first cancel reached Stripe; its answer never reached the till (the backend was killed, say).
    let (status, body) = shop
        .send(
            shop.http
                .post(format!("{}/v1/payment_intents/{pi}/cancel", shop.sim()))
                .bearer_auth("sk_test_kassa_simulated"),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let retried = shop.act(&shop.till, "o-lost", "cancel", None, None).await;
    assert_eq!(retried.0, 200, "{}", retried.1);
    assert_eq!(retried.1["order"]["status"], "canceled", "{}", retried.1);
    assert_eq!(shop.at_stripe(pi).await["status"], "canceled");
}
