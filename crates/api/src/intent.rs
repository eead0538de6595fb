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
    pub status: kassa_stripe::PaymentIntentStatus,
    pub amount: i64,
    pub currency: String,
}

/// The settings the backend writes into its payment page (`/pay`), which the page's script reads before anything
/// else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PayConfig {
    /// Stripe.js: https://js.stripe.com/v3, or the simulator's stand-in in demo mode.
    pub stripe_js_url: String,
    /// The origins allowed to embed the page and talk to it (its frame-ancestors).
    pub till_origins: Vec<String>,
}
