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
