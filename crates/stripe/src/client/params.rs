//! Request parameters, serialized to JSON and then to Stripe's form encoding. Empty fields are left out.

use indexmap::IndexMap;
use serde::Serialize;

use crate::types::{AutomaticPaymentMethods, CaptureMethod};

#[derive(Debug, Clone, Default, Serialize)]
pub struct CreatePaymentIntent {
    pub amount: i64,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub metadata: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_method: Option<CaptureMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_payment_methods: Option<AutomaticPaymentMethods>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expand: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdatePaymentIntent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub metadata: IndexMap<String, String>,
    /// Listing the types replaces automatic payment methods (a reader needs `card_present` listed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payment_method_types: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ConfirmPaymentIntent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expand: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CancelPaymentIntent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CapturePaymentIntent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_to_capture: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateRefund {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub metadata: IndexMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending_before: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CreatedRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gte: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lte: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListEvents {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<CreatedRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateLocation {
    pub display_name: String,
    pub address: LocationAddress,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LocationAddress {
    pub line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    pub country: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RegisterReader {
    pub registration_code: String,
    pub label: String,
    pub location: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcessPaymentIntent {
    pub payment_intent: String,
}

/// The cart a reader shows while the customer pays: lines, tax and total in minor units.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SetReaderDisplay {
    #[serde(rename = "type")]
    pub kind: String,
    pub cart: ReaderCart,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReaderCart {
    pub currency: String,
    pub line_items: Vec<ReaderLineItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax: Option<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReaderLineItem {
    pub amount: i64,
    pub description: String,
    pub quantity: i64,
}

/// The test helper's tap: a test card's number (Stripe's default card when absent).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PresentPaymentMethod {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_present: Option<PresentedCard>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_tip: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PresentedCard {
    pub number: String,
}
