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

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
            Self::Canceled => "canceled",
        }
    }

    /// Where an unpaid sale stands once its intent's status is `payment_status`: canceled with it, or still
    /// awaiting payment (payment itself is the fulfilment's to record, never a status change's).
    pub fn unpaid_with(payment_status: &str) -> Self {
        if payment_status == "canceled" {
            Self::Canceled
        } else {
            Self::AwaitingPayment
        }
    }

    /// Paid and canceled are final: nothing moves a sale out of them.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Paid | Self::Canceled)
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [
            Self::Open,
            Self::AwaitingPayment,
            Self::Paid,
            Self::Canceled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("{s:?} is not an order status"))
    }
}

impl rusqlite::types::ToSql for OrderStatus {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for OrderStatus {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
    }
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

    #[test]
    fn an_order_status_reads_back_as_written_and_says_which_are_final() {
        for s in [
            OrderStatus::Open,
            OrderStatus::AwaitingPayment,
            OrderStatus::Paid,
            OrderStatus::Canceled,
        ] {
            assert_eq!(s.as_str().parse::<OrderStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(OrderStatus::Paid.is_final() && OrderStatus::Canceled.is_final());
        assert!(!OrderStatus::Open.is_final() && !OrderStatus::AwaitingPayment.is_final());
        assert!("refunded".parse::<OrderStatus>().is_err());
    }

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
