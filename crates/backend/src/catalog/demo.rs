//! The demo café, kept as data (crates/backend/demo) and loaded like any merchant's: the store's details through
//! the same rules as `PUT /api/catalog/store`, the products through the CSV import.

use kassa_api::{CatalogUpdate, ImportReport, PutStore};

use super::{import, publish, rules};
use crate::db::catalog as db;
use crate::state::AppState;

const STORE: &str = include_str!("../../demo/store.json");
const PRODUCTS: &str = include_str!("../../demo/cafe.csv");

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the demo store's details are wrong: {0}")]
    Store(String),
    #[error("the demo catalogue's rows are wrong: {0:?}")]
    Rows(Vec<kassa_api::RowProblem>),
    #[error(transparent)]
    Write(#[from] crate::db::WriteError),
}

/// Gives an empty catalogue (version 0: nobody has ever changed it) the demo café; a catalogue someone has
/// changed is left alone. Returns what was imported, if anything.
pub async fn seed_if_empty(state: &AppState) -> Result<Option<ImportReport>, SeedError> {
    let given: PutStore =
        serde_json::from_str(STORE).map_err(|e| SeedError::Store(e.to_string()))?;
    let store =
        rules::store(given).map_err(|e| SeedError::Store(format!("{}: {}", e.field, e.message)))?;
    let now = state.clock.now();
    let seeded = state
        .db
        .write(move |c| {
            if db::version(c)? != 0 {
                return Ok(Ok(None));
            }
            let tx = c.transaction()?;
            db::put_store(&tx, &store)?;
            let update = CatalogUpdate {
                store: Some(kassa_api::Store::from(&store)),
                ..Default::default()
            };
            publish(&tx, update, now)?;
            tx.commit()?;
            Ok(import::apply_file(c, PRODUCTS.as_bytes(), now)?.map(Some))
        })
        .await?
        .map_err(SeedError::Rows)?;
    Ok(seeded.map(|(report, cursor)| {
        state.writer.announce(cursor);
        report
    }))
}
