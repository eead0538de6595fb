//! A typed client of the backend's till API. The till never talks to Stripe's API itself: it holds only a
//! terminal token, and the client secret it receives travels on to the webview through IPC, nowhere else.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Result, TillError};
use crate::store::apply::FeedItem;

use kassa_api::{ErrorBody, ErrorDetail, OrderView, RefundAnswer};
pub use kassa_api::{FeedPage, IntentInfo, Payment, Sweep};

/// The event type the till gives a feed item it cannot read (see [`read_feed_page`]).
pub const UNREADABLE_EVENT: &str = "kassa.unreadable";

/// A feed page, item by item: an item the till cannot parse (nested deeper than the JSON parser goes, or not an
/// event at all) must not stop the feed for ever. It becomes a `kassa.unreadable` item at its own cursor, which
/// the store records and skips; only an item without a readable cursor spoils the page.
pub fn read_feed_page(bytes: &[u8]) -> std::result::Result<FeedPage, String> {
    #[derive(Deserialize)]
    struct RawPage {
        events: Vec<Box<serde_json::value::RawValue>>,
        next_cursor: i64,
    }
    #[derive(Deserialize)]
    struct CursorOnly {
        cursor: i64,
    }
    let raw: RawPage = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut events = Vec::with_capacity(raw.events.len());
    for item in raw.events {
        match serde_json::from_str::<FeedItem>(item.get()) {
            Ok(item) => events.push(item),
            Err(error) => {
                let cursor = serde_json::from_str::<CursorOnly>(item.get())
                    .map_err(|_| format!("a feed item without a readable cursor: {error}"))?
                    .cursor;
                events.push(FeedItem {
                    cursor,
                    order_id: None,
                    foreign: false,
                    terminal: None,
                    source: Default::default(),
                    received: 0,
                    event: json!({
                        "id": format!("kassa_unreadable_{cursor}"),
                        "type": UNREADABLE_EVENT,
                        "error": error.to_string(),
                    }),
                });
            }
        }
    }
    Ok(FeedPage {
        events,
        next_cursor: raw.next_cursor,
    })
}

#[derive(Debug, Clone)]
pub struct Backend {
    http: reqwest::Client,
    base: String,
    token: String,
    /// The admin token for the money-moving calls (refund, capture, cancel of a paid sale), which the backend
    /// refuses a terminal token. Used only behind the admin PIN; None: the terminal token is tried (the demo's
    /// sidecar token is an admin).
    admin_token: Option<String>,
}

impl Backend {
    pub fn new(base: &str, token: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // Long enough for the feed's longest wait (30 s) plus a margin.
            .timeout(Duration::from_secs(40))
            .build()
            .expect("a TLS backend is compiled in");
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            admin_token: None,
        }
    }

    pub fn with_admin_token(mut self, token: Option<String>) -> Self {
        self.admin_token = token.filter(|t| !t.trim().is_empty());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Result<T> {
        self.call_as(&self.token, method, path, body, key).await
    }

    /// A money-moving call: with the admin token where the till has one.
    async fn call_admin<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Result<T> {
        let token = self.admin_token.as_deref().unwrap_or(&self.token);
        self.call_as(token, method, path, body, key)
            .await
            .map_err(|e| match e {
                TillError::Backend { status: 403, code, message, field } if self.admin_token.is_none() => {
                    TillError::Backend {
                        status: 403,
                        code,
                        message: format!(
                            "{message}: give this till an admin token (admin_token in its settings, or KASSA_ADMIN_TOKEN; \
                             `kassa-backend token create --admin`)"
                        ),
                        field,
                    }
                }
                other => other,
            })
    }

    async fn call_as<T: DeserializeOwned>(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Result<T> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| TillError::Offline(e.without_url().to_string()))?;
        read_answer(resp).await?.map_err(error_of)
    }

    pub async fn put_intent(
        &self,
        order_id: &str,
        amount: i64,
        currency: &str,
        description: Option<&str>,
    ) -> Result<IntentInfo> {
        let body = json!({ "amount": amount, "currency": currency, "description": description });
        let mut info: IntentInfo = self
            .call(
                Method::PUT,
                &format!("/api/orders/{order_id}/intent"),
                Some(body),
                None,
            )
            .await?;
        info.pay_page_url = self.pay_page_url();
        Ok(info)
    }

    /// Sends a cash tender under its own id: a repeat after any doubt is stored once.
    pub async fn put_cash(
        &self,
        tender_id: &str,
        tender: &kassa_api::CashTender,
    ) -> Result<kassa_api::CashRecord> {
        let body = serde_json::to_value(tender).map_err(|e| TillError::Storage(e.to_string()))?;
        self.call(
            Method::PUT,
            &format!("/api/cash/{tender_id}"),
            Some(body),
            None,
        )
        .await
    }

    /// Sends a Z report under its own id: a repeat is stored once.
    pub async fn put_shift_report(
        &self,
        report_id: &str,
        report: &kassa_api::ShiftReport,
    ) -> Result<kassa_api::StoredShiftReport> {
        let body = serde_json::to_value(report).map_err(|e| TillError::Storage(e.to_string()))?;
        self.call(
            Method::PUT,
            &format!("/api/shift-reports/{report_id}"),
            Some(body),
            None,
        )
        .await
    }

    /// Every till's Z reports with the admin token (this till's own with its terminal token).
    pub async fn shift_reports(&self) -> Result<kassa_api::ShiftReportsPage> {
        self.call_admin(Method::GET, "/api/shift-reports", None, None)
            .await
    }

    /// The merchant's catalogue as the backend holds it (products, archived ones too; tax rates; the store).
    pub async fn catalog(&self) -> Result<kassa_api::Catalog> {
        self.call_admin(Method::GET, "/api/catalog", None, None)
            .await
    }

    /// An admin's change to the catalogue: `path` under /api/catalog, with the admin token.
    pub async fn put_catalog<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let body = serde_json::to_value(body).map_err(|e| TillError::Storage(e.to_string()))?;
        self.call_admin(
            Method::PUT,
            &format!("/api/catalog/{path}"),
            Some(body),
            None,
        )
        .await
    }

    /// A CSV import: what it did, or every bad row (and then it changed nothing).
    pub async fn import_catalog(
        &self,
        csv: String,
    ) -> Result<std::result::Result<kassa_api::ImportReport, Vec<kassa_api::RowProblem>>> {
        let token = self.admin_token.as_deref().unwrap_or(&self.token);
        let resp = self
            .http
            .post(format!("{}/api/catalog/import", self.base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(csv)
            .send()
            .await
            .map_err(|e| TillError::Offline(e.without_url().to_string()))?;
        match read_answer(resp).await? {
            Ok(report) => Ok(Ok(report)),
            Err((_, detail)) if !detail.rows.is_empty() => Ok(Err(detail.rows)),
            Err(refused) => Err(error_of(refused)),
        }
    }

    /// Where the backend serves the payment page.
    pub fn pay_page_url(&self) -> String {
        format!("{}/pay", self.base.trim_end_matches('/'))
    }

    pub async fn order(&self, order_id: &str) -> Result<Payment> {
        Ok(self
            .call::<OrderView>(Method::GET, &format!("/api/orders/{order_id}"), None, None)
            .await?
            .order)
    }

    /// Cancels the order's intent: the terminal's own abandoned sale, or (`admin`) a payment from the admin
    /// screen, with the admin token and the action's idempotency key.
    pub async fn cancel(&self, order_id: &str, admin: Option<&str>) -> Result<Payment> {
        let path = format!("/api/orders/{order_id}/cancel");
        let envelope: OrderView = match admin {
            Some(key) => {
                self.call_admin(Method::POST, &path, None, Some(key))
                    .await?
            }
            None => self.call(Method::POST, &path, None, None).await?,
        };
        Ok(envelope.order)
    }

    pub async fn refund(
        &self,
        order_id: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<RefundAnswer> {
        let body = json!({ "amount": amount, "reason": "requested_by_customer" });
        self.call_admin(
            Method::POST,
            &format!("/api/orders/{order_id}/refunds"),
            Some(body),
            Some(idempotency_key),
        )
        .await
    }

    /// `idempotency_key`: one per capture action, so a retried capture captures once.
    pub async fn capture(
        &self,
        order_id: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Payment> {
        let body = json!({ "amount": amount });
        Ok(self
            .call_admin::<OrderView>(
                Method::POST,
                &format!("/api/orders/{order_id}/capture"),
                Some(body),
                Some(idempotency_key),
            )
            .await?
            .order)
    }

    /// The feed: waits up to `wait_secs` for events past `after`.
    pub async fn events(&self, after: i64, wait_secs: u64) -> Result<FeedPage> {
        let page: Box<serde_json::value::RawValue> = self
            .call(
                Method::GET,
                &format!("/api/events?after={after}&wait={wait_secs}"),
                None,
                None,
            )
            .await?;
        read_feed_page(page.get().as_bytes()).map_err(|e| TillError::Backend {
            status: 200,
            code: "bad_answer".into(),
            message: format!("the backend's feed page could not be read: {e}"),
            field: None,
        })
    }

    /// The card readers assigned to this till, with what Stripe says of each now.
    pub async fn readers(&self) -> Result<Vec<kassa_api::ReaderInfo>> {
        Ok(self
            .call::<kassa_api::ReadersPage>(Method::GET, "/api/readers", None, None)
            .await?
            .readers)
    }

    /// One reader, fetched from Stripe by the backend (which also catches the order up once its action ended).
    pub async fn reader(&self, reader_id: &str) -> Result<kassa_api::ReaderInfo> {
        self.call(
            Method::GET,
            &format!("/api/readers/{reader_id}"),
            None,
            None,
        )
        .await
    }

    /// Asks the reader to collect the order's payment; `idempotency_key` is one per attempt.
    pub async fn reader_payment(
        &self,
        order_id: &str,
        payment: &kassa_api::ReaderPayment,
        idempotency_key: &str,
    ) -> Result<kassa_api::ReaderInfo> {
        let body = serde_json::to_value(payment).map_err(|e| TillError::Storage(e.to_string()))?;
        self.call(
            Method::POST,
            &format!("/api/orders/{order_id}/reader-payment"),
            Some(body),
            Some(idempotency_key),
        )
        .await
    }

    pub async fn cancel_reader(&self, reader_id: &str) -> Result<kassa_api::ReaderInfo> {
        self.call(
            Method::POST,
            &format!("/api/readers/{reader_id}/cancel"),
            None,
            None,
        )
        .await
    }

    /// Test mode only: a customer taps `card_number` (a test card) on a simulated reader.
    pub async fn simulate_tap(
        &self,
        reader_id: &str,
        card_number: Option<&str>,
    ) -> Result<kassa_api::ReaderInfo> {
        let body = json!({ "card_number": card_number });
        self.call(
            Method::POST,
            &format!("/api/readers/{reader_id}/simulate-tap"),
            Some(body),
            None,
        )
        .await
    }

    pub async fn reconcile(&self) -> Result<Sweep> {
        self.call(Method::POST, "/api/reconcile", None, None).await
    }
}

/// A backend answer: the body of a success, read as `T`, or the status and error detail of a refusal.
async fn read_answer<T: DeserializeOwned>(
    resp: reqwest::Response,
) -> Result<std::result::Result<T, (StatusCode, ErrorDetail)>> {
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| TillError::Offline(e.without_url().to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map(Ok)
            .map_err(|e| TillError::Backend {
                status: status.as_u16(),
                code: "bad_answer".into(),
                message: format!("the backend's answer could not be read: {e}"),
                field: None,
            });
    }
    let detail = serde_json::from_slice::<ErrorBody>(&bytes)
        .map(|b| b.error)
        .unwrap_or_else(|_| {
            ErrorDetail::new("http_error", format!("the backend answered {status}"), None)
        });
    Ok(Err((status, detail)))
}

/// A refusal as the till's error: an outage, a conflict, a token the backend does not know, or its own words.
fn error_of((status, detail): (StatusCode, ErrorDetail)) -> TillError {
    match status {
        StatusCode::NOT_FOUND => TillError::NotFound(detail.message),
        StatusCode::CONFLICT => TillError::Conflict(detail.message),
        StatusCode::UNAUTHORIZED => TillError::NotConfigured(
            "the backend refused this till's token: check the terminal token in the settings"
                .into(),
        ),
        s if s.is_server_error() => TillError::Offline(detail.message),
        s => TillError::Backend {
            status: s.as_u16(),
            code: detail.code,
            message: detail.message,
            field: detail.field,
        },
    }
}
