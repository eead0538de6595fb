//! `PUT /api/orders/{order_id}/intent`: what a till needs to take the card.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a till needs to take the card: never more (no secret key), never in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IntentInfo {
    pub order_id: String,
    pub payment_intent_id: String,
    pub client_secret: String,
    pub publishable_key: String,
    pub stripe_js_url: String,
    /// The backend's payment page, where the webview takes the card in a frame (Stripe.js refuses a live key on
    /// the till's own tauri://localhost page). The till sets it from the backend's address; the backend, which
    /// may sit behind a proxy, does not know the address tills reach it by.
    #[serde(default)]
    pub pay_page_url: String,
    #[ts(type = "PaymentStatus")]
    pub status: String,
    pub amount: i64,
    pub currency: String,
}
