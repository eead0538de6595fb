//! Every error answer: `{"error": {"code", "message", "field"}}`, the field named when one is at fault.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// The request's field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A card's decline, as Stripe named it (`insufficient_funds`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// For a method the path does not take: the methods it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// For a file refused as a whole (a catalogue import): every bad row, with its line and column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<crate::catalog::RowProblem>,
}

impl ErrorDetail {
    pub fn new(code: &str, message: String, field: Option<&str>) -> Self {
        Self {
            code: code.to_owned(),
            message,
            field: field.map(str::to_owned),
            decline_code: None,
            allowed: None,
            rows: Vec::new(),
        }
    }
}
