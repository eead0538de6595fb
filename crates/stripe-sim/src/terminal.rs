//! Stripe Terminal's objects: locations, and readers with the one action each runs at a time. They serialize in
//! Stripe's shape (keys in the order of Stripe's example objects), which is also how `--db` stores them.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Location {
    pub address: LocationAddress,
    pub display_name: String,
    pub id: String,
    pub livemode: bool,
    pub metadata: IndexMap<String, String>,
    pub object: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocationAddress {
    pub city: Option<String>,
    pub country: String,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub postal_code: Option<String>,
    pub state: Option<String>,
}

/// A registered reader. What the simulator's controls set (offline, unresponsive) lives beside Stripe's fields
/// and is never rendered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reader {
    #[serde(flatten)]
    pub public: ReaderView,
    #[serde(default)]
    pub sim: ReaderSim,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReaderSim {
    /// Answers no request in time: each one fails with terminal_reader_timeout.
    #[serde(default)]
    pub unresponsive: bool,
    #[serde(default)]
    pub deleted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReaderView {
    pub action: Option<ReaderAction>,
    pub device_sw_version: Option<String>,
    pub device_type: String,
    pub id: String,
    pub ip_address: Option<String>,
    pub label: String,
    pub livemode: bool,
    pub location: Option<String>,
    pub metadata: IndexMap<String, String>,
    pub object: String,
    pub serial_number: String,
    /// `online` or `offline`.
    pub status: String,
    /// Unix milliseconds, as Stripe gives it.
    pub last_seen_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    InProgress,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReaderAction {
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub process_payment_intent: Option<ProcessPaymentIntentAction>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub refund_payment: Option<RefundPaymentAction>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub set_reader_display: Option<SetReaderDisplayAction>,
    pub status: ActionStatus,
    /// `process_payment_intent`, `refund_payment` or `set_reader_display`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl ReaderAction {
    pub fn in_progress(kind: &str) -> Self {
        Self {
            failure_code: None,
            failure_message: None,
            process_payment_intent: None,
            refund_payment: None,
            set_reader_display: None,
            status: ActionStatus::InProgress,
            kind: kind.to_owned(),
        }
    }

    pub fn fail(&mut self, code: &str, message: &str) {
        self.status = ActionStatus::Failed;
        self.failure_code = Some(code.to_owned());
        self.failure_message = Some(message.to_owned());
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessPaymentIntentAction {
    pub payment_intent: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub process_config: Option<ProcessConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProcessConfig {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub enable_customer_cancellation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub skip_tipping: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tipping: Option<Tipping>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tipping {
    pub amount_eligible: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundPaymentAction {
    pub amount: i64,
    pub charge: String,
    pub metadata: IndexMap<String, String>,
    pub payment_intent: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// The refund, once the customer has presented the card.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub refund: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetReaderDisplayAction {
    pub cart: Cart,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cart {
    pub currency: String,
    pub line_items: Vec<LineItem>,
    pub tax: Option<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineItem {
    pub amount: i64,
    pub description: String,
    pub quantity: i64,
}
