//! `PUT /api/cash/{tender_id}`: a cash tender the till took, sent once its sale is paid.
//!
//! The till names each tender itself (`cash_…`), so a send repeated after a lost answer, a crash or an outage
//! is the same PUT: the backend stores it once and answers the stored one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the till sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CashTender {
    pub order_id: String,
    /// What the cash paid toward the sale, in minor units: the whole total, or its cash part in a split.
    pub amount: i64,
    /// What the customer handed over; `given - amount` went back as change.
    pub given: i64,
    pub currency: String,
    /// The sale's total (all tenders) and the tax within it, for the day's reports.
    pub sale_total: i64,
    pub sale_tax: i64,
    /// Unix seconds, by the till's clock, when the cash was taken.
    #[ts(type = "number")]
    pub taken_at: i64,
}

/// What the backend stored: the tender, the terminal that sent it and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CashRecord {
    pub tender_id: String,
    pub terminal: String,
    #[serde(flatten)]
    pub tender: CashTender,
    #[ts(type = "number")]
    pub received_at: i64,
}

/// `GET /api/cash`: the cash tenders the caller may see (a terminal its own, an admin every till's), newest
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CashPage {
    pub tenders: Vec<CashRecord>,
}
