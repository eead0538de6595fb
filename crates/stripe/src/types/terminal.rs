//! Stripe Terminal's objects, as far as a server-driven integration reads them.

use serde::{Deserialize, Serialize};

/// The registration code of Stripe's simulated WisePOS E (test mode).
pub const SIMULATED_READER_CODE: &str = "simulated-wpe";

open_enum! {
    ReaderActionStatus {
        InProgress = "in_progress",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

/// A registered card reader. `status` is `online` or `offline`, or absent when Stripe does not know yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reader {
    pub id: String,
    pub label: String,
    pub device_type: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub action: Option<ReaderAction>,
    #[serde(default)]
    pub livemode: bool,
}

/// What the reader is doing or last did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReaderAction {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: ReaderActionStatus,
    #[serde(default)]
    pub failure_code: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
    #[serde(default)]
    pub process_payment_intent: Option<ProcessPaymentIntentAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessPaymentIntentAction {
    /// An id (Kassa never expands it).
    pub payment_intent: String,
}

impl ReaderAction {
    /// The intent this action is collecting payment for.
    pub fn payment_intent(&self) -> Option<&str> {
        self.process_payment_intent
            .as_ref()
            .map(|p| p.payment_intent.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: String,
    pub display_name: String,
}
