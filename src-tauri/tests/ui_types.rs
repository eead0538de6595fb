//! The UI's types are generated from the Rust core's (ts-rs), into ui/src/api/generated.ts, which is checked in.
//! This test fails when that file is stale; `KASSA_BLESS=1 cargo test -p kassa --test ui_types` rewrites it.

use kassa_app::commands::{AppInfo, CsvExport};
use kassa_till::admin::{
    AdminPage, AdminQuery, AdminRow, AttentionItem, DayTotal, Fulfilment, PaymentDetail,
    TimelineEntry,
};
use kassa_till::catalog::{Catalog, CatalogItem};
use kassa_till::status::{
    AttentionReason, DisplayStatus, FulfilmentState, OrderStatus, PaymentStatus,
};
use kassa_till::store::orders::{LastError, Line};
use kassa_till::tax::RateTotal;
use kassa_till::{IntentInfo, Order, Receipt, SyncStatus};
use ts_rs::TS;

fn export<T: TS>() -> String {
    format!("export {}", T::decl())
}

fn generated() -> String {
    let types = [
        "export type Mode = 'demo' | 'live';".to_owned(),
        export::<AppInfo>(),
        export::<OrderStatus>(),
        export::<PaymentStatus>(),
        export::<DisplayStatus>(),
        export::<FulfilmentState>(),
        export::<AttentionReason>(),
        export::<CatalogItem>(),
        export::<Catalog>(),
        export::<RateTotal>(),
        export::<kassa_till::store::tenders::CashPart>(),
        export::<kassa_till::print::Printed>(),
        export::<kassa_api::Rounding>(),
        export::<kassa_api::TaxScope>(),
        export::<kassa_api::TaxRate>(),
        export::<kassa_api::Product>(),
        export::<kassa_api::Store>(),
        export::<kassa_api::Catalog>(),
        export::<kassa_api::PutProduct>(),
        export::<kassa_api::PutTaxRate>(),
        export::<kassa_api::PutStore>(),
        export::<kassa_api::ImportReport>(),
        export::<kassa_api::RowProblem>(),
        export::<kassa_till::catalog_admin::ImportOutcome>(),
        export::<kassa_api::TenderTotal>(),
        export::<kassa_api::ShiftTax>(),
        export::<kassa_api::ShiftReport>(),
        export::<kassa_api::StoredShiftReport>(),
        export::<kassa_api::ReaderActivity>(),
        export::<kassa_api::ReaderInfo>(),
        export::<Line>(),
        export::<LastError>(),
        export::<Order>(),
        export::<IntentInfo>(),
        export::<kassa_api::PayConfig>(),
        export::<Receipt>(),
        export::<SyncStatus>(),
        export::<AdminRow>(),
        export::<AdminQuery>(),
        export::<AdminPage>(),
        export::<TimelineEntry>(),
        export::<Fulfilment>(),
        export::<PaymentDetail>(),
        export::<DayTotal>(),
        export::<AttentionItem>(),
        export::<CsvExport>(),
    ];
    // Money and times are i64 in Rust, which ts-rs calls bigint; serde sends them as JSON numbers, and minor
    // units and unix seconds stay far below 2^53.
    let body = types.join("\n\n").replace("bigint", "number");
    let kinds = kassa_till::TillError::KINDS
        .map(|k| format!("'{k}'"))
        .join(" | ");
    let catalog = serde_json::to_string_pretty(&kassa_till::Catalog::demo()).unwrap();
    let body = format!(
        "{body}\n\n/** Every kind of error a command answers (kassa_till::TillError::kind). */\n\
         export type TillErrorKind = {kinds};\n\n\
         /** The demo catalog (kassa_till::Catalog::demo()), for the UI's dev fake and tests. */\n\
         export const DEMO_CATALOG: Catalog = {catalog};"
    );
    format!(
        "// Generated from the Rust core by src-tauri/tests/ui_types.rs (ts-rs): do not edit.\n\
         // KASSA_BLESS=1 cargo test -p kassa --test ui_types regenerates it.\n\n{body}\n"
    )
}

#[test]
fn the_ui_types_are_the_cores() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/api/generated.ts");
    let want = generated();
    if std::env::var_os("KASSA_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: run KASSA_BLESS=1 cargo test -p kassa --test ui_types",
        path.display()
    );
}
