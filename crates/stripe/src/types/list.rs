use serde::{Deserialize, Serialize};

/// Stripe's list envelope: one page, and whether another follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    #[serde(default)]
    pub url: String,
}
