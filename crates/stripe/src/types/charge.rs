use serde::{Deserialize, Serialize};

use super::open_enum::HasId;
use super::Card;

open_enum! {
    ChargeStatus {
        Succeeded = "succeeded",
        Pending = "pending",
        Failed = "failed",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethodDetails {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub card: Option<Card>,
    /// A card read by a reader: brand, last 4 and how it was read.
    #[serde(default)]
    pub card_present: Option<CardPresent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardPresent {
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
    /// `contactless_emv`, `contact_emv`, `magnetic_stripe_track2`, …
    #[serde(default)]
    pub read_method: Option<String>,
}

/// One attempt to move money; Kassa reads it for the receipt (brand, last 4) and refunds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_captured: i64,
    #[serde(default)]
    pub amount_refunded: i64,
    pub currency: String,
    pub status: ChargeStatus,
    #[serde(default)]
    pub captured: bool,
    #[serde(default)]
    pub refunded: bool,
    #[serde(default)]
    pub paid: bool,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub payment_method_details: Option<PaymentMethodDetails>,
    #[serde(default)]
    pub failure_code: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
    pub created: i64,
}

impl HasId for Charge {
    fn id(&self) -> &str {
        &self.id
    }
}
