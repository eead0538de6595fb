//! Card readers (Stripe Terminal, server-driven): an admin registers a reader and assigns it to a till; the till
//! asks the backend to collect an order's payment on it. The reader's result reaches the till by the feed, as
//! `terminal.reader.action_succeeded` or `…action_failed` beside the intent's own events.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A reader as the backend reports it: who may use it, and what Stripe says of it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReaderInfo {
    pub reader_id: String,
    pub label: String,
    /// The till it is assigned to; none means no till may use it yet.
    pub terminal: Option<String>,
    pub device_type: String,
    /// `online` or `offline` as Stripe last said; `unknown` when Stripe could not be asked.
    pub status: String,
    pub action: Option<ReaderActivity>,
    /// A simulated reader (test mode): the till may offer "Simulate tap".
    pub simulated: bool,
}

/// What the reader is doing or last did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReaderActivity {
    /// `process_payment_intent`, `set_reader_display`, `refund_payment`, …
    pub kind: String,
    /// `in_progress`, `succeeded` or `failed`.
    pub status: String,
    pub payment_intent_id: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
}

/// `GET /api/readers`: an admin sees every reader, a till its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReadersPage {
    pub readers: Vec<ReaderInfo>,
}

/// `POST /api/readers` (admin): register a reader with the code it shows (`simulated-wpe` for Stripe's simulated
/// reader).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RegisterReader {
    pub registration_code: String,
    pub label: String,
    #[serde(default)]
    pub terminal: Option<String>,
}

/// `PUT /api/readers/{reader_id}` (admin): its label and the till it belongs to (none: no till).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PutReader {
    pub label: String,
    #[serde(default)]
    pub terminal: Option<String>,
}

/// `POST /api/orders/{order_id}/reader-payment`: collect the order's payment on this reader, showing the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReaderPayment {
    pub reader_id: String,
    /// The lines the reader shows; their amounts and the tax must add up to the order's amount.
    #[serde(default)]
    pub cart: Vec<CartLine>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub tax: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub description: String,
    #[ts(type = "number")]
    pub quantity: i64,
    /// The line's total, in minor units.
    #[ts(type = "number")]
    pub amount: i64,
}

/// `POST /api/readers/{reader_id}/simulate-tap` (test mode only): a customer taps this test card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SimulateTap {
    /// A test card's number; Stripe's default Visa when absent.
    #[serde(default)]
    pub card_number: Option<String>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub tip: Option<i64>,
}
