//! An async client for the part of Stripe's API Kassa uses.
//!
//! Every POST carries an Idempotency-Key (the caller's, or one generated per call and kept across retries), so a
//! retry after a network failure can never charge twice. Retries follow the official SDKs: network errors, 409,
//! 429 and 5xx, with exponential backoff and jitter, and `Stripe-Should-Retry` overrides the status when present.

mod params;

use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use params::*;

use crate::form;
use crate::types::{ApiError, ErrorType, Event, List, Location, PaymentIntent, Reader, Refund};

pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub secret_key: String,
    /// Where the API lives; the simulator's address in tests and demo mode.
    pub api_base: String,
    pub stripe_version: String,
    /// For one attempt, connection included.
    pub timeout: Duration,
    pub max_retries: u32,
    pub initial_retry_delay: Duration,
    pub max_retry_delay: Duration,
}

impl ClientConfig {
    pub fn new(secret_key: impl Into<String>) -> Self {
        Self {
            secret_key: secret_key.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            stripe_version: crate::STRIPE_VERSION.to_owned(),
            timeout: Duration::from_secs(30),
            max_retries: 2,
            initial_retry_delay: Duration::from_millis(500),
            max_retry_delay: Duration::from_secs(5),
        }
    }

    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = base.into().trim_end_matches('/').to_owned();
        self
    }
}

/// Per-call options.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Reuse the same key to make a POST safe to repeat; Stripe replays the first answer.
    pub idempotency_key: Option<String>,
}

impl RequestOptions {
    pub fn idempotent(key: impl Into<String>) -> Self {
        Self {
            idempotency_key: Some(key.into()),
        }
    }
}

/// A failed call. `Api` carries everything Stripe said, so callers can show the decline and log the request id.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Stripe answered {status}: {}", .message.as_deref().unwrap_or("no message"))]
    Api {
        status: u16,
        kind: ErrorType,
        code: Option<String>,
        decline_code: Option<String>,
        message: Option<String>,
        param: Option<String>,
        request_id: Option<String>,
        /// Card errors on confirm carry the PaymentIntent as it now stands.
        payment_intent: Option<Box<PaymentIntent>>,
    },
    #[error("could not reach Stripe at {url}: {source}")]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("Stripe's answer ({status}) could not be read: {message}")]
    Decode { status: u16, message: String },
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::Network { .. } => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: std::sync::Arc<ClientConfig>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!(
                "Kassa/",
                env!("CARGO_PKG_VERSION"),
                " kassa-stripe"
            ))
            .build()
            .expect("a TLS backend is compiled in");
        Self {
            http,
            config: std::sync::Arc::new(config),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub async fn create_payment_intent(
        &self,
        params: &CreatePaymentIntent,
        opts: RequestOptions,
    ) -> Result<PaymentIntent, Error> {
        self.post("/v1/payment_intents", params, opts).await
    }

    pub async fn update_payment_intent(
        &self,
        id: &str,
        params: &UpdatePaymentIntent,
        opts: RequestOptions,
    ) -> Result<PaymentIntent, Error> {
        self.post(
            &format!("/v1/payment_intents/{}", path_segment(id)),
            params,
            opts,
        )
        .await
    }

    pub async fn retrieve_payment_intent(
        &self,
        id: &str,
        expand: &[&str],
    ) -> Result<PaymentIntent, Error> {
        let query = form::encode(&serde_json::json!({ "expand": expand }));
        self.request(
            Method::GET,
            &format!("/v1/payment_intents/{}?{query}", path_segment(id)),
            None,
            RequestOptions::default(),
        )
        .await
    }

    pub async fn confirm_payment_intent(
        &self,
        id: &str,
        params: &ConfirmPaymentIntent,
        opts: RequestOptions,
    ) -> Result<PaymentIntent, Error> {
        self.post(
            &format!("/v1/payment_intents/{}/confirm", path_segment(id)),
            params,
            opts,
        )
        .await
    }

    pub async fn cancel_payment_intent(
        &self,
        id: &str,
        params: &CancelPaymentIntent,
        opts: RequestOptions,
    ) -> Result<PaymentIntent, Error> {
        self.post(
            &format!("/v1/payment_intents/{}/cancel", path_segment(id)),
            params,
            opts,
        )
        .await
    }

    pub async fn capture_payment_intent(
        &self,
        id: &str,
        params: &CapturePaymentIntent,
        opts: RequestOptions,
    ) -> Result<PaymentIntent, Error> {
        self.post(
            &format!("/v1/payment_intents/{}/capture", path_segment(id)),
            params,
            opts,
        )
        .await
    }

    pub async fn list_payment_intents(
        &self,
        params: &ListParams,
    ) -> Result<List<PaymentIntent>, Error> {
        self.get_with("/v1/payment_intents", params).await
    }

    pub async fn create_refund(
        &self,
        params: &CreateRefund,
        opts: RequestOptions,
    ) -> Result<Refund, Error> {
        self.post("/v1/refunds", params, opts).await
    }

    pub async fn retrieve_refund(&self, id: &str) -> Result<Refund, Error> {
        self.request(
            Method::GET,
            &format!("/v1/refunds/{}", path_segment(id)),
            None,
            RequestOptions::default(),
        )
        .await
    }

    pub async fn list_events(&self, params: &ListEvents) -> Result<List<Event>, Error> {
        self.get_with("/v1/events", params).await
    }

    pub async fn retrieve_event(&self, id: &str) -> Result<Event, Error> {
        self.request(
            Method::GET,
            &format!("/v1/events/{}", path_segment(id)),
            None,
            RequestOptions::default(),
        )
        .await
    }

    pub async fn create_location(
        &self,
        params: &CreateLocation,
        opts: RequestOptions,
    ) -> Result<Location, Error> {
        self.post("/v1/terminal/locations", params, opts).await
    }

    pub async fn register_reader(
        &self,
        params: &RegisterReader,
        opts: RequestOptions,
    ) -> Result<Reader, Error> {
        self.post("/v1/terminal/readers", params, opts).await
    }

    pub async fn retrieve_reader(&self, id: &str) -> Result<Reader, Error> {
        self.request(
            Method::GET,
            &format!("/v1/terminal/readers/{}", path_segment(id)),
            None,
            RequestOptions::default(),
        )
        .await
    }

    /// Asks the reader to collect payment for the intent; it answers at once, with the action in progress.
    pub async fn process_payment_intent(
        &self,
        reader: &str,
        params: &ProcessPaymentIntent,
        opts: RequestOptions,
    ) -> Result<Reader, Error> {
        self.reader_action(reader, "process_payment_intent", params, opts)
            .await
    }

    pub async fn set_reader_display(
        &self,
        reader: &str,
        params: &SetReaderDisplay,
        opts: RequestOptions,
    ) -> Result<Reader, Error> {
        self.reader_action(reader, "set_reader_display", params, opts)
            .await
    }

    pub async fn cancel_reader_action(
        &self,
        reader: &str,
        opts: RequestOptions,
    ) -> Result<Reader, Error> {
        self.reader_action(reader, "cancel_action", &serde_json::json!({}), opts)
            .await
    }

    /// Test mode only: the customer taps a card on a simulated reader.
    pub async fn present_payment_method(
        &self,
        reader: &str,
        params: &PresentPaymentMethod,
        opts: RequestOptions,
    ) -> Result<Reader, Error> {
        self.post(
            &format!(
                "/v1/test_helpers/terminal/readers/{}/present_payment_method",
                path_segment(reader)
            ),
            params,
            opts,
        )
        .await
    }

    async fn reader_action(
        &self,
        reader: &str,
        action: &str,
        params: &impl serde::Serialize,
        opts: RequestOptions,
    ) -> Result<Reader, Error> {
        self.post(
            &format!("/v1/terminal/readers/{}/{action}", path_segment(reader)),
            params,
            opts,
        )
        .await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &impl serde::Serialize,
        opts: RequestOptions,
    ) -> Result<T, Error> {
        let body = serde_json::to_value(params).expect("params serialize to JSON");
        self.request(Method::POST, path, Some(&body), opts).await
    }

    async fn get_with<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &impl serde::Serialize,
    ) -> Result<T, Error> {
        let query = form::encode(&serde_json::to_value(params).expect("params serialize to JSON"));
        let path = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        self.request(Method::GET, &path, None, RequestOptions::default())
            .await
    }

    /// Any call, for endpoints without a typed method (the simulator's test helpers, say).
    pub async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        params: Option<&Value>,
        opts: RequestOptions,
    ) -> Result<T, Error> {
        let url = format!("{}{path_and_query}", self.config.api_base);
        let body = params.map(form::encode).unwrap_or_default();
        let idempotency_key = (method == Method::POST).then(|| {
            opts.idempotency_key
                .clone()
                .unwrap_or_else(generate_idempotency_key)
        });
        let mut attempt = 0;
        loop {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.config.secret_key)
                .header("Stripe-Version", &self.config.stripe_version);
            if let Some(key) = &idempotency_key {
                req = req
                    .header("Idempotency-Key", key)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.clone());
            }
            let outcome = req.send().await;
            let retry = match &outcome {
                Err(e) => !e.is_builder(),
                Ok(resp) => should_retry(resp),
            };
            if retry && attempt < self.config.max_retries {
                attempt += 1;
                let delay = self.retry_delay(attempt);
                tracing::debug!(%url, attempt, ?delay, "retrying Stripe request");
                tokio::time::sleep(delay).await;
                continue;
            }
            let resp = outcome.map_err(|source| Error::Network {
                url: url.clone(),
                source,
            })?;
            return read_response(resp).await;
        }
    }

    /// Exponential backoff capped at `max_retry_delay`, with jitter so that many tills do not retry in step.
    fn retry_delay(&self, attempt: u32) -> Duration {
        let base = self
            .config
            .initial_retry_delay
            .saturating_mul(1 << (attempt - 1).min(16));
        let capped = base.min(self.config.max_retry_delay);
        capped.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
    }
}

fn should_retry(resp: &reqwest::Response) -> bool {
    match resp
        .headers()
        .get("stripe-should-retry")
        .and_then(|v| v.to_str().ok())
    {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    let status = resp.status();
    status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

async fn read_response<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, Error> {
    let status = resp.status().as_u16();
    let request_id = resp
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.map_err(|e| Error::Decode {
        status,
        message: e.to_string(),
    })?;
    if (200..300).contains(&status) {
        return serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            status,
            message: e.to_string(),
        });
    }
    let body: ApiError = serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
        status,
        message: format!(
            "{e}: {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(200)
                .collect::<String>()
        ),
    })?;
    let e = body.error;
    Err(Error::Api {
        status,
        kind: e.kind,
        code: e.code,
        decline_code: e.decline_code,
        message: e.message,
        param: e.param,
        request_id,
        payment_intent: e
            .payment_intent
            .and_then(|pi| serde_json::from_value(pi).ok())
            .map(Box::new),
    })
}

fn generate_idempotency_key() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    format!("kassa-{}", hex::encode(bytes))
}

/// Ids come from our own records, but a stray `/` or `?` must never turn into another path.
fn path_segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
