//! What every simulator test starts from: a simulator on a free port, a kassa_stripe client and a raw HTTP
//! client pointed at it, the test-card table, and bounded waiting for what happens asynchronously.

#![allow(dead_code)] // each test file uses its own part of this module

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use kassa_stripe::client::{ConfirmPaymentIntent, CreatePaymentIntent};
use kassa_stripe::{Client, ClientConfig, Error, PaymentIntent, RequestOptions};
use reqwest::Method;
use serde_json::{json, Value};
use stripe_sim::{Clock, Config, Simulator};

pub const SECRET_KEY: &str = "sk_test_kassa_sim_tests";
/// The secret key of a simulator started with `--live`.
pub const LIVE_SECRET_KEY: &str = "sk_live_kassa_sim_tests";

/// The defaults, with the asynchronous card quick enough for a test.
/// Where a redirect-capable payment would come back to; Stripe requires one on server-side confirms.
pub const RETURN_URL: &str = "https://kassa.test/return";

pub fn config() -> Config {
    let mut config = Config::ephemeral();
    config.processing_delay_ms = 50;
    config
}

/// The defaults with `--live`.
pub fn live_config() -> Config {
    let mut config = config();
    config.live = true;
    config
}

pub struct TestSim {
    pub sim: Simulator,
    pub client: Client,
    pub http: reqwest::Client,
    /// The secret key `client`, `post` and `get` use: a live one when the simulator runs with `--live`.
    pub key: &'static str,
}

pub async fn spawn_sim() -> TestSim {
    spawn_sim_with(config()).await
}

pub async fn spawn_sim_with(config: Config) -> TestSim {
    TestSim::new(
        Simulator::start(config)
            .await
            .expect("the simulator starts"),
    )
}

pub async fn spawn_sim_with_clock(config: Config, clock: Arc<dyn Clock>) -> TestSim {
    TestSim::new(
        Simulator::start_with_clock(config, clock)
            .await
            .expect("the simulator starts"),
    )
}

/// A raw answer, for what the typed client does not show: status, headers, the exact body.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `error` object of a Stripe error answer.
    pub fn error(&self) -> &Value {
        assert!(
            self.body["error"].is_object(),
            "expected a Stripe error, got {}: {}",
            self.status,
            self.body
        );
        &self.body["error"]
    }
}

impl TestSim {
    fn new(sim: Simulator) -> Self {
        let key = if sim.sim.config.live {
            LIVE_SECRET_KEY
        } else {
            SECRET_KEY
        };
        let mut config = ClientConfig::new(key).api_base(sim.url());
        config.max_retries = 0;
        Self {
            client: Client::new(config),
            http: reqwest::Client::new(),
            sim,
            key,
        }
    }

    pub fn url(&self) -> String {
        self.sim.url()
    }

    /// A client holding another key (a publishable one, say).
    pub fn client_with_key(&self, key: &str) -> Client {
        let mut config = ClientConfig::new(key).api_base(self.url());
        config.max_retries = 0;
        Client::new(config)
    }

    /// Any request, with a form body (for POST) or query (for GET) built from `params`.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        headers: &[(&str, &str)],
        params: Value,
    ) -> Raw {
        let encoded = kassa_stripe::form::encode(&params);
        let mut url = format!("{}{path}", self.url());
        let mut req = if method == Method::GET {
            if !encoded.is_empty() {
                url = format!("{url}?{encoded}");
            }
            self.http.get(url)
        } else {
            self.http
                .request(method, url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded)
        };
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req.send().await.expect("the simulator answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), {status}: {text}"));
        Raw {
            status,
            headers,
            body,
        }
    }

    /// A POST with the secret key and, when given, an Idempotency-Key.
    pub async fn post(&self, path: &str, idempotency_key: Option<&str>, params: Value) -> Raw {
        let headers: Vec<(&str, &str)> = idempotency_key
            .map(|k| vec![("Idempotency-Key", k)])
            .unwrap_or_default();
        self.raw(Method::POST, path, Some(self.key), &headers, params)
            .await
    }

    pub async fn get(&self, path: &str, params: Value) -> Raw {
        self.raw(Method::GET, path, Some(self.key), &[], params)
            .await
    }

    pub async fn create_intent(&self, amount: i64) -> PaymentIntent {
        self.client
            .create_payment_intent(
                &CreatePaymentIntent {
                    amount,
                    currency: "usd".into(),
                    ..Default::default()
                },
                RequestOptions::default(),
            )
            .await
            .expect("the intent is created")
    }

    pub async fn create_manual_capture_intent(&self, amount: i64) -> PaymentIntent {
        self.client
            .create_payment_intent(
                &CreatePaymentIntent {
                    amount,
                    currency: "usd".into(),
                    capture_method: Some(kassa_stripe::CaptureMethod::Manual),
                    ..Default::default()
                },
                RequestOptions::default(),
            )
            .await
            .expect("the intent is created")
    }

    /// Confirms with a `pm_card_*` token or a `pm_…` id.
    pub async fn confirm_with(
        &self,
        id: &str,
        payment_method: &str,
    ) -> Result<PaymentIntent, Error> {
        self.client
            .confirm_payment_intent(
                id,
                &ConfirmPaymentIntent {
                    payment_method: Some(payment_method.into()),
                    return_url: Some(RETURN_URL.into()),
                    ..Default::default()
                },
                RequestOptions::default(),
            )
            .await
    }

    /// Confirms with raw card data, as the Payment Element sends it.
    pub async fn confirm_with_card(
        &self,
        id: &str,
        number: &str,
        cvc: Option<&str>,
    ) -> Result<PaymentIntent, Error> {
        let mut card =
            json!({ "number": number, "exp_month": "12", "exp_year": next_years(3).to_string() });
        if let Some(cvc) = cvc {
            card["cvc"] = json!(cvc);
        }
        self.client
            .request(
                Method::POST,
                &format!("/v1/payment_intents/{id}/confirm"),
                Some(&json!({ "payment_method_data": { "type": "card", "card": card }, "return_url": RETURN_URL })),
                RequestOptions::default(),
            )
            .await
    }

    /// A sale: create and confirm with the card token.
    pub async fn paid_intent(&self, amount: i64) -> PaymentIntent {
        let intent = self.create_intent(amount).await;
        self.confirm_with(&intent.id, "pm_card_visa")
            .await
            .expect("pm_card_visa succeeds")
    }

    /// Answers the 3-D Secure challenge with `complete` or `fail`.
    pub async fn authenticate(&self, id: &str, outcome: &str) -> Result<PaymentIntent, Error> {
        self.client
            .request(
                Method::POST,
                &format!("/v1/test_helpers/payment_intents/{id}/authenticate"),
                Some(&json!({ "outcome": outcome })),
                RequestOptions::default(),
            )
            .await
    }

    pub async fn retrieve(&self, id: &str) -> PaymentIntent {
        self.client
            .retrieve_payment_intent(id, &[])
            .await
            .expect("the intent exists")
    }
}

/// A year `n` years from now: an expiry date the simulator accepts.
pub fn next_years(n: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    1970 + now / 31_556_952 + n
}

/// Polls `probe` until it yields a value; fails the test after 5 seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The same, for what can be checked without a request (a receiver's log, the simulator's delivery log).
pub async fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    eventually(what, || std::future::ready(probe())).await
}

/// One row of data/test-cards.tsv.
#[derive(Debug, Clone)]
pub struct TestCard {
    pub number: String,
    pub token: Option<String>,
    pub result: String,
    pub error_code: Option<String>,
    pub decline_code: Option<String>,
}

impl TestCard {
    /// Amex takes a 4-digit CVC, every other brand 3.
    pub fn cvc(&self) -> &'static str {
        if self.number.starts_with("34") || self.number.starts_with("37") {
            "1234"
        } else {
            "123"
        }
    }
}

pub fn test_cards() -> Vec<TestCard> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/test-cards.tsv");
    let text = std::fs::read_to_string(&path).expect("the crate's copy of test-cards.tsv");
    let cards: Vec<TestCard> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| {
                f.get(i)
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            TestCard {
                number: f[0].trim().to_owned(),
                token: get(1),
                result: get(2).expect("every row has a result"),
                error_code: get(3),
                decline_code: get(4),
            }
        })
        .collect();
    assert!(cards.len() >= 18, "the table has every row");
    cards
}

/// One request a webhook receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub payload: Bytes,
    pub signature: String,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    pub fn event(&self) -> Value {
        serde_json::from_slice(&self.payload).expect("a delivery is JSON")
    }

    pub fn event_id(&self) -> String {
        self.event()["id"].as_str().unwrap().to_owned()
    }
}

type Answerer = dyn Fn(usize) -> u16 + Send + Sync;

struct ReceiverState {
    received: Mutex<Vec<Received>>,
    answer: Box<Answerer>,
}

/// A webhook endpoint on a free port that records every delivery; `answer(n)` is the status for the n-th
/// request (0-based).
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub async fn start(answer: impl Fn(usize) -> u16 + Send + Sync + 'static) -> Self {
        let state = Arc::new(ReceiverState {
            received: Mutex::default(),
            answer: Box::new(answer),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/webhook", axum::routing::post(receive))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    /// Accepts everything.
    pub async fn accepting() -> Self {
        Self::start(|_| 200).await
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    payload: Bytes,
) -> impl IntoResponse {
    let mut received = state.received.lock().unwrap();
    let answered = (state.answer)(received.len());
    received.push(Received {
        payload,
        signature: headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}

/// A simulator config that forwards to `url` and retries quickly.
pub fn forwarding_to(url: &str) -> Config {
    let mut config = config();
    config.forward_to = vec![url.to_owned()];
    config.webhook_retry_base_ms = 10;
    config.webhook_retry_max_ms = 40;
    config
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A fresh SQLite path in the temp directory; the files are removed when it is dropped.
pub struct TempDb(pub std::path::PathBuf);

impl TempDb {
    pub fn fresh() -> Self {
        let name = format!(
            "stripe-sim-test-{}-{:016x}.db",
            std::process::id(),
            rand::random::<u64>()
        );
        Self(std::env::temp_dir().join(name))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}
