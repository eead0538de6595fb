//! The statuses the till shows, as the closed sets the UI switches on. The TypeScript unions in
//! ui/src/api/generated.ts are generated from these; the core stores and compares the same words.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a sale stands at this till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// A cart, no payment yet.
    Open,
    /// An intent exists and is not final.
    AwaitingPayment,
    /// The webhook confirmed payment_intent.succeeded and the order was fulfilled (exactly once).
    Paid,
    /// The sale was abandoned and its intent canceled.
    Canceled,
}

/// Stripe's PaymentIntent status as last learned from the backend's feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Succeeded,
    Canceled,
}

/// Every payment status the admin table distinguishes: `failed` is requires_payment_method after a decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DisplayStatus {
    RequiresPaymentMethod,
    RequiresAction,
    Processing,
    RequiresCapture,
    Succeeded,
    Canceled,
    Failed,
}

/// Whether the webhook-confirmed payment fulfilled the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentState {
    Fulfilled,
    NotFulfilled,
}

/// Why a payment needs the admin's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AttentionReason {
    /// Processing or requires_action for too long.
    Stuck,
    PaidNotFulfilled,
    /// Stripe contradicted a final status an event had given; `detail` says what each said.
    StripeDisagrees,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The admin's filter list and the generated union name the same statuses.
    #[test]
    fn display_statuses_are_the_filters_the_admin_offers() {
        let words: Vec<String> = [
            DisplayStatus::RequiresPaymentMethod,
            DisplayStatus::RequiresAction,
            DisplayStatus::Processing,
            DisplayStatus::RequiresCapture,
            DisplayStatus::Succeeded,
            DisplayStatus::Canceled,
            DisplayStatus::Failed,
        ]
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
        assert_eq!(words, crate::admin::DISPLAY_STATUSES);
    }
}
