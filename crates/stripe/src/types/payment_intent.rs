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
    /// Every status this version of Kassa knows, in the order of the lifecycle.
    pub const KNOWN: [Self; 7] = [
        Self::RequiresPaymentMethod,
        Self::RequiresConfirmation,
        Self::RequiresAction,
        Self::Processing,
        Self::RequiresCapture,
        Self::Succeeded,
        Self::Canceled,
    ];

    /// No further transition can happen (a refund does not change a PaymentIntent's status).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Canceled)
    }

    /// The customer has not paid yet: no money has moved, and Stripe still lets the amount change. An allow-list,
    /// so a status Stripe adds later counts as past payment.
    pub fn before_payment(&self) -> bool {
        matches!(
            self,
            Self::RequiresPaymentMethod | Self::RequiresConfirmation | Self::RequiresAction
        )
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
    pub payment_method_types: Vec<String>,
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

#[cfg(test)]
mod tests {
    use super::PaymentIntentStatus as S;

    #[test]
    fn every_known_status_reads_back_as_itself_and_an_unknown_one_survives() {
        for s in S::KNOWN {
            assert_eq!(S::from(s.as_str()), s);
        }
        let new: S = serde_json::from_str("\"requires_reauthorization\"").unwrap();
        assert_eq!(new, S::Other("requires_reauthorization".into()));
        assert_eq!(
            serde_json::to_string(&new).unwrap(),
            "\"requires_reauthorization\""
        );
    }

    #[test]
    fn only_the_three_states_before_a_card_is_in_count_as_before_payment() {
        let before: Vec<S> = S::KNOWN.into_iter().filter(S::before_payment).collect();
        assert_eq!(
            before,
            [
                S::RequiresPaymentMethod,
                S::RequiresConfirmation,
                S::RequiresAction
            ]
        );
        assert!(!S::Other("something_new".into()).before_payment());
    }
}
