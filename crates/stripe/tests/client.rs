//! The API client against a local server that scripts Stripe's answers: what it retries, with which
//! Idempotency-Key, what it never retries, and how Stripe's errors reach the caller.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use kassa_stripe::client::{ConfirmPaymentIntent, CreatePaymentIntent, ListParams};
use kassa_stripe::{Client, ClientConfig, Error, ErrorType, PaymentIntentStatus, RequestOptions};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk_test_client_tests";

/// One scripted answer.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
    /// Wait this long before answering (longer than the client's timeout makes it time out).
    delay: Duration,
}

impl Answer {
    fn ok() -> Self {
        Self::status(200).body(intent_json("pi_scripted"))
    }

    fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: stripe_error("api_error", "Something went wrong on Stripe's end."),
            delay: Duration::ZERO,
        }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = body;
        self
    }

    fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

fn intent_json(id: &str) -> Value {
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": 1999,
        "currency": "usd",
        "status": "requires_payment_method",
        "created": 1_700_000_000,
    })
}

fn stripe_error(kind: &str, message: &str) -> Value {
    json!({ "error": { "type": kind, "message": message } })
}

/// What the server saw of one attempt.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path_and_query: String,
    headers: HeaderMap,
    body: String,
    /// The connection was closed without an answer.
    dropped: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    }

    fn idempotency_key(&self) -> Option<String> {
        self.header("idempotency-key")
    }
}

#[derive(Default)]
struct Script {
    /// Answers in order; the last one repeats once the others are used.
    answers: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<Seen>>,
}

impl Script {
    fn next_answer(&self) -> Answer {
        let mut answers = self.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.pop_front().unwrap()
        } else {
            answers
                .front()
                .cloned()
                .expect("the test scripted an answer")
        }
    }
}

/// A scripted Stripe on a free loopback port.
struct FakeStripe {
    addr: SocketAddr,
    script: Arc<Script>,
}

impl FakeStripe {
    /// Answers each request with the next of `answers`.
    async fn start(answers: Vec<Answer>) -> Self {
        Self::start_dropping(0, answers).await
    }

    /// Reads and then drops the first `drops` connections without an answer, then answers with `answers`.
    async fn start_dropping(drops: usize, answers: Vec<Answer>) -> Self {
        let script = Arc::new(Script {
            answers: Mutex::new(answers.into()),
            seen: Mutex::default(),
        });
        let listener = DroppingListener {
            inner: TcpListener::bind("127.0.0.1:0").await.unwrap(),
            drops: Arc::new(AtomicUsize::new(drops)),
            script: script.clone(),
        };
        let addr = listener.inner.local_addr().unwrap();
        let app = Router::new().fallback(answer).with_state(script.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, script }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(KEY).api_base(self.url());
        config.initial_retry_delay = Duration::from_millis(1);
        config.max_retry_delay = Duration::from_millis(5);
        config
    }

    fn client(&self, max_retries: u32) -> Client {
        let mut config = self.config();
        config.max_retries = max_retries;
        Client::new(config)
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().unwrap().clone()
    }
}

async fn answer(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    script.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path_and_query: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        dropped: false,
    });
    let answer = script.next_answer();
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let mut resp = (
        StatusCode::from_u16(answer.status).unwrap(),
        axum::Json(answer.body),
    )
        .into_response();
    for (name, value) in answer.headers {
        resp.headers_mut().insert(name, value.parse().unwrap());
    }
    resp
}

/// A listener that reads the request on its first connections and then hangs up, like a network that fails
/// after the request went out (the case an idempotency key exists for).
struct DroppingListener {
    inner: TcpListener,
    drops: Arc<AtomicUsize>,
    script: Arc<Script>,
}

impl axum::serve::Listener for DroppingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = self.inner.accept().await.unwrap();
            let drop_it = self
                .drops
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if !drop_it {
                return (stream, addr);
            }
            let script = self.script.clone();
            tokio::spawn(async move {
                let seen = read_request_head(stream).await;
                script.seen.lock().unwrap().push(seen);
                // The stream is dropped here: the connection closes without an answer.
            });
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

async fn read_request_head(mut stream: TcpStream) -> Seen {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the client closed before sending a request");
        raw.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let mut request_line = lines.next().unwrap().split(' ');
    let method = request_line.next().unwrap().to_owned();
    let path_and_query = request_line.next().unwrap().to_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.insert(
            axum::http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            value.trim().parse().unwrap(),
        );
    }
    Seen {
        method,
        path_and_query,
        headers,
        body: body.to_owned(),
        dropped: true,
    }
}

fn sale() -> CreatePaymentIntent {
    CreatePaymentIntent {
        amount: 1999,
        currency: "usd".into(),
        ..Default::default()
    }
}

/// The one key every attempt carried; fails if any attempt had none or another.
fn the_single_key(seen: &[Seen]) -> String {
    let keys: Vec<Option<String>> = seen.iter().map(Seen::idempotency_key).collect();
    let first = keys[0].clone().expect("a POST carries an Idempotency-Key");
    assert!(
        keys.iter().all(|k| k.as_deref() == Some(first.as_str())),
        "every attempt must carry the same key, got {keys:?}"
    );
    first
}

#[tokio::test]
async fn a_post_that_meets_500s_is_retried_with_the_same_generated_idempotency_key() {
    let stripe =
        FakeStripe::start(vec![Answer::status(500), Answer::status(500), Answer::ok()]).await;

    let intent = stripe
        .client(2)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .expect("the third attempt succeeds");

    assert_eq!(intent.id, "pi_scripted");
    let seen = stripe.seen();
    assert_eq!(seen.len(), 3);
    let key = the_single_key(&seen);
    assert!(
        key.starts_with("kassa-") && key.len() > 20,
        "a generated key: {key}"
    );
}

#[tokio::test]
async fn a_429_and_a_409_are_retried_with_the_same_key() {
    let stripe = FakeStripe::start(vec![
        Answer::status(429).body(stripe_error("invalid_request_error", "Too many requests")),
        Answer::status(409).body(stripe_error("idempotency_error", "A request is in flight")),
        Answer::ok(),
    ])
    .await;

    stripe
        .client(2)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .expect("the third attempt succeeds");

    let seen = stripe.seen();
    assert_eq!(seen.len(), 3);
    the_single_key(&seen);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_with_the_same_key() {
    let stripe = FakeStripe::start_dropping(1, vec![Answer::ok()]).await;

    stripe
        .client(2)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .expect("the retry after the dropped connection succeeds");

    let seen = stripe.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].dropped && !seen[1].dropped);
    assert_eq!(seen[0].method, "POST");
    the_single_key(&seen);
}

#[tokio::test]
async fn the_callers_idempotency_key_is_sent_on_every_attempt() {
    let stripe = FakeStripe::start_dropping(1, vec![Answer::status(503), Answer::ok()]).await;

    stripe
        .client(3)
        .confirm_payment_intent(
            "pi_scripted",
            &ConfirmPaymentIntent {
                payment_method: Some("pm_card_visa".into()),
                ..Default::default()
            },
            RequestOptions::idempotent("sale-42-confirm"),
        )
        .await
        .expect("the third attempt succeeds");

    let seen = stripe.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(the_single_key(&seen), "sale-42-confirm");
    assert!(seen
        .iter()
        .all(|s| s.path_and_query == "/v1/payment_intents/pi_scripted/confirm"));
}

#[tokio::test]
async fn each_call_without_a_key_gets_a_key_of_its_own() {
    let stripe = FakeStripe::start(vec![Answer::ok()]).await;
    let client = stripe.client(0);

    client
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap();
    client
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap();

    let keys: Vec<_> = stripe.seen().iter().map(Seen::idempotency_key).collect();
    assert!(keys[0].is_some() && keys[1].is_some());
    assert_ne!(keys[0], keys[1], "two sales must never share a key");
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let stripe = FakeStripe::start(vec![
        Answer::status(400).body(stripe_error("invalid_request_error", "Missing amount")),
        Answer::ok(),
    ])
    .await;

    let err = stripe
        .client(2)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(400));
    assert_eq!(stripe.seen().len(), 1);
}

#[tokio::test]
async fn a_402_decline_is_not_retried() {
    let stripe = FakeStripe::start(vec![
        Answer::status(402).body(json!({ "error": {
            "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
            "message": "Your card was declined.",
        }})),
        Answer::ok(),
    ])
    .await;

    let err = stripe
        .client(2)
        .confirm_payment_intent(
            "pi_scripted",
            &ConfirmPaymentIntent::default(),
            RequestOptions::default(),
        )
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(402));
    assert_eq!(err.code(), Some("card_declined"));
    assert_eq!(
        stripe.seen().len(),
        1,
        "retrying a decline would charge the card again"
    );
}

#[tokio::test]
async fn stripe_should_retry_false_stops_the_retry_of_a_500() {
    let stripe = FakeStripe::start(vec![
        Answer::status(500).header("Stripe-Should-Retry", "false"),
        Answer::ok(),
    ])
    .await;

    let err = stripe
        .client(2)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(500));
    assert_eq!(stripe.seen().len(), 1);
}

#[tokio::test]
async fn stripe_should_retry_true_forces_the_retry_of_a_400() {
    let stripe = FakeStripe::start(vec![
        Answer::status(400)
            .header("Stripe-Should-Retry", "true")
            .body(stripe_error("invalid_request_error", "Try again")),
        Answer::ok(),
    ])
    .await;

    stripe
        .client(2)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .expect("the forced retry succeeds");

    let seen = stripe.seen();
    assert_eq!(seen.len(), 2);
    the_single_key(&seen);
}

#[tokio::test]
async fn the_client_gives_up_after_max_retries_with_stripes_last_answer() {
    let stripe = FakeStripe::start(vec![
        Answer::status(502).body(stripe_error("api_error", "still down"))
    ])
    .await;

    let err = stripe
        .client(3)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap_err();

    let seen = stripe.seen();
    assert_eq!(seen.len(), 4, "one attempt and three retries");
    the_single_key(&seen);
    match err {
        Error::Api {
            status,
            kind,
            message,
            ..
        } => {
            assert_eq!(status, 502);
            assert_eq!(kind, ErrorType::ApiError);
            assert_eq!(message.as_deref(), Some("still down"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn an_api_error_carries_everything_stripe_said() {
    let stripe = FakeStripe::start(vec![Answer::status(402)
        .header("Request-Id", "req_decline_1")
        .body(json!({ "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "param": "payment_method",
            "payment_intent": {
                "id": "pi_scripted", "object": "payment_intent", "amount": 1999, "currency": "usd",
                "status": "requires_payment_method", "created": 1_700_000_000,
            },
        }}))])
    .await;

    let err = stripe
        .client(0)
        .confirm_payment_intent(
            "pi_scripted",
            &ConfirmPaymentIntent::default(),
            RequestOptions::default(),
        )
        .await
        .unwrap_err();

    match err {
        Error::Api {
            status,
            kind,
            code,
            decline_code,
            message,
            param,
            request_id,
            payment_intent,
        } => {
            assert_eq!(status, 402);
            assert_eq!(kind, ErrorType::CardError);
            assert_eq!(code.as_deref(), Some("card_declined"));
            assert_eq!(decline_code.as_deref(), Some("insufficient_funds"));
            assert_eq!(
                message.as_deref(),
                Some("Your card has insufficient funds.")
            );
            assert_eq!(param.as_deref(), Some("payment_method"));
            assert_eq!(request_id.as_deref(), Some("req_decline_1"));
            let intent = payment_intent.expect("the intent as it now stands");
            assert_eq!(intent.id, "pi_scripted");
            assert_eq!(intent.status, PaymentIntentStatus::RequiresPaymentMethod);
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn a_get_carries_no_idempotency_key() {
    let stripe = FakeStripe::start(vec![Answer::ok()]).await;
    let client = stripe.client(0);

    client
        .retrieve_payment_intent("pi_scripted", &["latest_charge"])
        .await
        .unwrap();

    let seen = stripe.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(
        seen[0].path_and_query,
        "/v1/payment_intents/pi_scripted?expand[]=latest_charge"
    );
    assert_eq!(seen[0].idempotency_key(), None);
    assert!(seen[0].body.is_empty());
}

#[tokio::test]
async fn a_get_that_meets_a_500_is_retried_still_without_a_key() {
    let stripe = FakeStripe::start(vec![
        Answer::status(500),
        Answer::ok().body(json!({ "object": "list", "data": [], "has_more": false, "url": "/v1/payment_intents" })),
    ])
    .await;

    let list = stripe
        .client(1)
        .list_payment_intents(&ListParams {
            limit: Some(3),
            ..Default::default()
        })
        .await
        .unwrap();

    assert!(list.data.is_empty());
    let seen = stripe.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.idempotency_key().is_none()));
    assert!(seen
        .iter()
        .all(|s| s.path_and_query == "/v1/payment_intents?limit=3"));
}

#[tokio::test]
async fn every_request_carries_the_pinned_stripe_version_and_bearer_auth() {
    let stripe = FakeStripe::start(vec![Answer::ok()]).await;
    let client = stripe.client(0);

    client
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap();
    client
        .retrieve_payment_intent("pi_scripted", &[])
        .await
        .unwrap();

    let seen = stripe.seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(
            s.header("stripe-version").as_deref(),
            Some(kassa_stripe::STRIPE_VERSION)
        );
        assert_eq!(
            s.header("authorization"),
            Some(format!("Bearer {KEY}")),
            "{} {}",
            s.method,
            s.path_and_query
        );
    }
    assert_eq!(
        seen[0].header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen[0].body, "amount=1999&currency=usd");
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_a_network_error() {
    let stripe = FakeStripe::start(vec![Answer::ok().after(Duration::from_secs(5))]).await;
    let mut config = stripe.config();
    config.timeout = Duration::from_millis(100);
    config.max_retries = 0;

    let started = std::time::Instant::now();
    let err = Client::new(config)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the timeout applies"
    );
    match err {
        Error::Network { source, url } => {
            assert!(source.is_timeout(), "{source}");
            assert_eq!(url, format!("{}/v1/payment_intents", stripe.url()));
        }
        other => panic!("expected Error::Network, got {other:?}"),
    }
    assert_eq!(stripe.seen().len(), 1, "max_retries 0: one attempt");
}

#[tokio::test]
async fn a_timed_out_attempt_is_retried_with_the_same_key() {
    let stripe = FakeStripe::start(vec![
        Answer::ok().after(Duration::from_secs(5)),
        Answer::ok(),
    ])
    .await;
    let mut config = stripe.config();
    config.timeout = Duration::from_millis(100);
    config.max_retries = 1;

    Client::new(config)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .expect("the retry answers in time");

    let seen = stripe.seen();
    assert_eq!(seen.len(), 2);
    the_single_key(&seen);
}

#[tokio::test]
async fn an_unreachable_api_is_a_network_error() {
    // A port that was free a moment ago: nothing listens there now.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = ClientConfig::new(KEY).api_base(format!("http://{addr}"));
    config.max_retries = 1;
    config.initial_retry_delay = Duration::from_millis(1);

    let err = Client::new(config)
        .create_payment_intent(&sale(), RequestOptions::default())
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert_eq!(err.status(), None);
}
