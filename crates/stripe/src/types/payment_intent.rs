use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::open_enum::{Expandable, HasId};
use super::{ApiErrorBody, Charge, PaymentMethod};

open_enum! {
    /// Where a PaymentIntent stands. Only `succeeded` means the money was received.
    PaymentIntentStatus {
        RequiresPaymentMethod = "requires_payment_method",
        RequiresConfirmation = "requires_confirmation",
        RequiresAction = "requires_action",
        Processing = "processing",
        RequiresCapture = "requires_capture",
        Canceled = "canceled",
        Succeeded = "succeeded",
    }
}

impl PaymentIntentStatus {
    /// No further transition can happen (a refund does not change a PaymentIntent's status).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Canceled)
    }
}

open_enum! {
    CaptureMethod {
        Automatic = "automatic",
        AutomaticAsync = "automatic_async",
        Manual = "manual",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomaticPaymentMethods {
    pub enabled: bool,
    /// `never` keeps redirect-based methods out of the Payment Element: a redirect would leave the till's frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_redirects: Option<String>,
}

/// What the client must do before the intent can proceed; Kassa only meets `use_stripe_sdk` (3-D Secure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextAction {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_stripe_sdk: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_capturable: i64,
    #[serde(default)]
    pub amount_received: i64,
    pub currency: String,
    pub status: PaymentIntentStatus,
    /// Present for the secret key and for the publishable key that already holds it; never log it.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub capture_method: Option<CaptureMethod>,
    pub created: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: IndexMap<String, String>,
    #[serde(default)]
    pub last_payment_error: Option<ApiErrorBody>,
    #[serde(default)]
    pub latest_charge: Option<Expandable<Charge>>,
    #[serde(default)]
    pub payment_method: Option<Expandable<PaymentMethod>>,
    #[serde(default)]
    pub next_action: Option<NextAction>,
    #[serde(default)]
    pub automatic_payment_methods: Option<AutomaticPaymentMethods>,
    #[serde(default)]
    pub canceled_at: Option<i64>,
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    #[serde(default)]
    pub livemode: bool,
}

impl HasId for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }
}
