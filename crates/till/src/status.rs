//! The statuses the till shows, as the closed sets the UI switches on. The TypeScript unions in
//! ui/src/api/generated.ts are generated from these; the core stores and compares the same words.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A closed set of snake_case words: serde and ts-rs see a plain enum, SQLite and format! see its word, and a word
/// outside the set fails to parse with a message naming it.
macro_rules! closed_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("{s:?} is not {}", $what))
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }
    };
}

closed_enum! {
    /// Where a sale stands at this till.
    OrderStatus, "an order status" {
        /// A cart, no payment yet.
        Open = "open",
        /// An intent exists and is not final.
        AwaitingPayment = "awaiting_payment",
        /// The webhook confirmed payment_intent.succeeded and the order was fulfilled (exactly once).
        Paid = "paid",
        /// The sale was abandoned and its intent canceled.
        Canceled = "canceled",
    }
}

impl OrderStatus {
    /// Where an unpaid sale stands once its intent's status is `payment_status`: canceled with it, or still
    /// awaiting payment (payment itself is the fulfilment's to record, never a status change's).
    pub fn unpaid_with(payment_status: &kassa_stripe::PaymentIntentStatus) -> Self {
        if *payment_status == kassa_stripe::PaymentIntentStatus::Canceled {
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

closed_enum! {
    /// Stripe's PaymentIntent status, for the UI. In Rust the till holds `kassa_stripe::PaymentIntentStatus`, which
    /// also keeps a status Stripe adds later; this closed copy exists for the generated union, and a test pins it
    /// to kassa-stripe's.
    PaymentStatus, "a payment status" {
        RequiresPaymentMethod = "requires_payment_method",
        RequiresConfirmation = "requires_confirmation",
        RequiresAction = "requires_action",
        Processing = "processing",
        RequiresCapture = "requires_capture",
        Succeeded = "succeeded",
        Canceled = "canceled",
    }
}

closed_enum! {
    /// Every payment status the admin table distinguishes: `failed` is requires_payment_method after a decline.
    DisplayStatus, "a payment status the admin table shows" {
        RequiresPaymentMethod = "requires_payment_method",
        RequiresAction = "requires_action",
        Processing = "processing",
        RequiresCapture = "requires_capture",
        Succeeded = "succeeded",
        Canceled = "canceled",
        Failed = "failed",
    }
}

closed_enum! {
    /// Whether the webhook-confirmed payment fulfilled the order.
    FulfilmentState, "a fulfilment state" {
        Fulfilled = "fulfilled",
        NotFulfilled = "not_fulfilled",
    }
}

closed_enum! {
    /// Why a payment needs the admin's attention.
    AttentionReason, "a reason for attention" {
        /// Processing or requires_action for too long.
        Stuck = "stuck",
        PaidNotFulfilled = "paid_not_fulfilled",
        /// Stripe contradicted a final status an event had given; `detail` says what each said.
        StripeDisagrees = "stripe_disagrees",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each set's word in Rust (SQLite, messages) is its word on the wire and in the generated union.
    fn words_agree<
        T: Copy + Serialize + std::str::FromStr<Err = String> + PartialEq + std::fmt::Debug,
    >(
        all: &[T],
        word: impl Fn(T) -> &'static str,
    ) {
        for &s in all {
            assert_eq!(word(s).parse::<T>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), word(s));
        }
    }

    #[test]
    fn every_status_reads_back_as_written_and_serializes_as_its_word() {
        words_agree(OrderStatus::ALL, OrderStatus::as_str);
        words_agree(PaymentStatus::ALL, PaymentStatus::as_str);
        words_agree(DisplayStatus::ALL, DisplayStatus::as_str);
        words_agree(FulfilmentState::ALL, FulfilmentState::as_str);
        words_agree(AttentionReason::ALL, AttentionReason::as_str);
        assert_eq!(
            "refunded".parse::<OrderStatus>(),
            Err("\"refunded\" is not an order status".to_owned())
        );
    }

    #[test]
    fn paid_and_canceled_are_the_final_order_statuses() {
        let finals: Vec<_> = OrderStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [&OrderStatus::Paid, &OrderStatus::Canceled]);
    }

    /// The UI's union and the Rust core's open enum name the same statuses, in the same order.
    #[test]
    fn the_uis_payment_statuses_are_kassa_stripes() {
        let ui: Vec<&str> = PaymentStatus::ALL.iter().map(|s| s.as_str()).collect();
        let core: Vec<&str> = kassa_stripe::PaymentIntentStatus::KNOWN
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(ui, core);
    }

    /// `failed` is the one display status that is not Stripe's; the rest are Stripe's own words.
    #[test]
    fn display_statuses_are_stripes_but_failed() {
        for s in DisplayStatus::ALL {
            let stripe = kassa_stripe::PaymentIntentStatus::from(s.as_str());
            assert_eq!(
                matches!(stripe, kassa_stripe::PaymentIntentStatus::Other(_)),
                *s == DisplayStatus::Failed,
                "{s}"
            );
        }
    }
}
