//! The admin screen's catalogue editor. The backend owns the catalogue: every change goes there with the admin
//! token, and comes back to every till (this one included) through the feed.

use kassa_api::{
    Catalog, ImportReport, Product, PutProduct, PutStore, PutTaxRate, RowProblem, Store, TaxRate,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Result, TillError};
use crate::Till;

/// What an import did: the counts, or every bad row (and then nothing was stored).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct ImportOutcome {
    pub report: Option<ImportReport>,
    pub problems: Vec<RowProblem>,
}

/// The largest CSV the editor sends (the backend has its own limit; this one answers before the upload).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

impl Till {
    pub async fn admin_catalog(&self) -> Result<Catalog> {
        self.admin()?;
        self.backend.catalog().await
    }

    pub async fn admin_put_product(&self, sku: &str, product: &PutProduct) -> Result<Product> {
        self.admin()?;
        self.backend
            .put_catalog(&format!("products/{}", path_segment("sku", sku)?), product)
            .await
    }

    pub async fn admin_put_tax_rate(&self, id: &str, rate: &PutTaxRate) -> Result<TaxRate> {
        self.admin()?;
        self.backend
            .put_catalog(&format!("tax-rates/{}", path_segment("id", id)?), rate)
            .await
    }

    pub async fn admin_put_store(&self, store: &PutStore) -> Result<Store> {
        self.admin()?;
        self.backend.put_catalog("store", store).await
    }

    pub async fn admin_import_catalog(&self, csv: String) -> Result<ImportOutcome> {
        self.admin()?;
        if csv.len() > MAX_IMPORT_BYTES {
            return Err(TillError::Invalid {
                field: "csv",
                message: format!(
                    "the file is {} bytes; the largest import is {MAX_IMPORT_BYTES}",
                    csv.len()
                ),
            });
        }
        Ok(match self.backend.import_catalog(csv).await? {
            Ok(report) => ImportOutcome {
                report: Some(report),
                problems: Vec::new(),
            },
            Err(problems) => ImportOutcome {
                report: None,
                problems,
            },
        })
    }
}

/// An id that goes into a URL path: the backend's own rule for ids (letters, digits, '-', '_', '.'), checked
/// here so nothing else can change the path.
fn path_segment<'a>(field: &'static str, id: &'a str) -> Result<&'a str> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok && id != "." && id != ".." {
        Ok(id)
    } else {
        Err(TillError::Invalid {
            field,
            message: format!("{field} must be 1 to 64 letters, digits, '-', '_' or '.'"),
        })
    }
}
