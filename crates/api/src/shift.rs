//! Closing the day: a till's shift report. An X report is read during the shift and changes nothing; a Z
//! report closes the shift, and the till sends it to the backend (`PUT /api/shift-reports/{report_id}`),
//! which keeps every one for the admin's list and CSV.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How much one kind of tender took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TenderTotal {
    /// "cash" or "card".
    pub kind: String,
    /// Sales that this tender paid toward.
    pub count: i64,
    pub amount: i64,
}

/// The tax of one rate over the shift's sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ShiftTax {
    pub name: String,
    pub basis_points: u32,
    pub inclusive: bool,
    pub net: i64,
    pub tax: i64,
}

/// A shift's figures, in the store currency's minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ShiftReport {
    pub terminal: String,
    /// The shift's number at its till: a Z report's number.
    #[ts(type = "number")]
    pub number: i64,
    pub currency: String,
    #[ts(type = "number")]
    pub opened_at: i64,
    /// None for an X report (the shift is still open).
    #[ts(type = "number | null")]
    pub closed_at: Option<i64>,
    #[ts(type = "number")]
    pub sales_count: i64,
    /// What the sales took, tax included.
    #[ts(type = "number")]
    pub gross: i64,
    /// What each tender paid toward the sales (they add up to `gross`; tips are apart).
    pub tenders: Vec<TenderTotal>,
    /// Tips added to card payments, on top of `gross`.
    #[serde(default)]
    #[ts(type = "number")]
    pub tips: i64,
    pub taxes: Vec<ShiftTax>,
    #[ts(type = "number")]
    pub refunds_count: i64,
    /// Card refunds seen during the shift (of any sale, this shift's or earlier).
    #[ts(type = "number")]
    pub refunds: i64,
    /// The cash in the drawer when the shift opened.
    #[ts(type = "number")]
    pub opening_float: i64,
    /// The float plus the cash sales (change given back is not in the drawer).
    #[ts(type = "number")]
    pub expected_cash: i64,
    /// What the cashier counted at the close; None for an X report.
    #[ts(type = "number | null")]
    pub counted_cash: Option<i64>,
    /// counted − expected: negative is cash missing.
    #[ts(type = "number | null")]
    pub difference: Option<i64>,
}

/// A Z report as the backend keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StoredShiftReport {
    pub report_id: String,
    #[serde(flatten)]
    pub report: ShiftReport,
    #[ts(type = "number")]
    pub received_at: i64,
}

/// `GET /api/shift-reports`: newest first; a terminal sees its own, an admin every till's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShiftReportsPage {
    pub reports: Vec<StoredShiftReport>,
}
