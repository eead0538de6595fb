//! The backend's view of an order and its payment: `GET /api/orders/{id}`, the answers of cancel, capture and
//! refund, and the rows of `GET /api/payments`.

use kassa_stripe::PaymentIntentStatus;
use serde::{Deserialize, Serialize};

use crate::feed::FeedItem;

/// An order as the backend knows it, with its PaymentIntent's state as Stripe last told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub order_id: String,
    pub terminal: String,
    pub payment_intent_id: Option<String>,
    /// In the currency's smallest unit.
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub capture_method: String,
    pub status: PaymentIntentStatus,
    pub amount_received: i64,
    pub amount_capturable: i64,
    pub amount_refunded: i64,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// How a card reader read the card (`contactless_emv`, `contact_emv`, …); none for a typed card.
    #[serde(default)]
    pub card_read_method: Option<String>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    /// Stripe contradicted an event the backend had applied: what each said.
    #[serde(default)]
    pub disagreement: Option<String>,
    pub created: i64,
    pub updated: i64,
}

impl Payment {
    /// An order the backend has just taken, before Stripe has its intent.
    pub fn awaiting_intent(
        order_id: &str,
        terminal: &str,
        amount: i64,
        currency: &str,
        capture_method: &str,
        now: i64,
    ) -> Self {
        Self {
            order_id: order_id.to_owned(),
            terminal: terminal.to_owned(),
            payment_intent_id: None,
            amount,
            currency: currency.to_owned(),
            description: None,
            capture_method: capture_method.to_owned(),
            status: PaymentIntentStatus::RequiresPaymentMethod,
            amount_received: 0,
            amount_capturable: 0,
            amount_refunded: 0,
            card_brand: None,
            card_last4: None,
            card_read_method: None,
            last_error_code: None,
            last_error_message: None,
            disagreement: None,
            created: now,
            updated: now,
        }
    }
}

/// The answer of `GET /api/orders/{id}`'s cancel and capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub order: Payment,
}

/// `GET /api/orders/{id}/events`: the order and every feed item about its intent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderWithEvents<E = serde_json::Value> {
    pub order: Payment,
    pub events: Vec<FeedItem<E>>,
}

/// `POST /api/orders/{id}/refunds`: the refund Stripe made, and the order after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundAnswer {
    pub refund: kassa_stripe::Refund,
    pub order: Payment,
}

/// `GET /api/payments`: a page of payments, newest first; `next` is the `after` of the following page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentsPage {
    pub payments: Vec<Payment>,
    pub next: Option<String>,
}

/// One group of `GET /api/payments/totals`: the payments of one currency and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Total {
    pub currency: String,
    pub status: PaymentIntentStatus,
    pub count: i64,
    pub amount: i64,
    pub amount_received: i64,
    pub amount_refunded: i64,
}

/// `GET /api/payments/totals`: counts and sums by currency and status, for the list's filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub totals: Vec<Total>,
}
