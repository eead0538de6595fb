//! The wire contract between the backend and the till, typed once: the backend serializes these, the till
//! deserializes the same types. A field added on one side is added on both, or the build says where.
//!
//! Tauri-free and database-free, so both sides (and anything else that talks to a Kassa backend) can depend on
//! it.

pub mod cash;
pub mod catalog;
pub mod error;
pub mod feed;
pub mod intent;
pub mod payment;
pub mod readers;
pub mod reconcile;
pub mod service;
pub mod shift;

pub use cash::{CashPage, CashRecord, CashTender};
pub use catalog::{
    Catalog, CatalogEvent, CatalogUpdate, ImportReport, Product, PutProduct, PutStore, PutTaxRate,
    Rounding, RowProblem, Store, TaxRate, TaxScope, CATALOG_UPDATED,
};
pub use error::{ErrorBody, ErrorDetail};
pub use feed::{EventSource, FeedItem, FeedPage};
pub use intent::{IntentInfo, PayConfig};
pub use payment::{OrderView, OrderWithEvents, Payment, PaymentsPage, RefundAnswer, Total, Totals};
pub use readers::{
    CartLine, PutReader, ReaderActivity, ReaderInfo, ReaderPayment, ReadersPage, RegisterReader,
    SimulateTap,
};
pub use reconcile::Sweep;
pub use service::{Health, Me, WebhookAck};
pub use shift::{ShiftReport, ShiftReportsPage, ShiftTax, StoredShiftReport, TenderTotal};

/// An id in a path of the API (an order's, a cash tender's, a report's, a reader's): 1 to 64 letters, digits, '-'
/// or '_'. The backend refuses any other; the till checks before it builds a URL with one.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_id_is_1_to_64_letters_digits_dashes_or_underscores() {
        assert!(super::is_valid_id("ord_1-a"));
        assert!(super::is_valid_id(&"a".repeat(64)));
        for bad in ["", "a/b", "a b", "é", "../x", &"a".repeat(65)] {
            assert!(!super::is_valid_id(bad), "{bad:?}");
        }
    }
}
