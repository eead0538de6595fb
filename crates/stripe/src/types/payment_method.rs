use serde::{Deserialize, Serialize};

use super::open_enum::HasId;

/// The card as a receipt may show it. Stripe never returns the full number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: u32,
    #[serde(default)]
    pub funding: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub card: Option<Card>,
    pub created: i64,
}

impl HasId for PaymentMethod {
    fn id(&self) -> &str {
        &self.id
    }
}
