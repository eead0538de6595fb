//! The merchant's catalogue: products, tax rates and the store's details, owned by the backend and sold from by
//! every till. Prices are in the store currency's minor units.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a tax amount that falls between two minor units is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// 0.5 goes away from zero (2.5 → 3, -2.5 → -3): what most receipts and tax offices expect.
    #[default]
    HalfUp,
    /// 0.5 goes to the even neighbour (2.5 → 2, 3.5 → 4): banker's rounding, unbiased over many sales.
    HalfEven,
}

/// Where tax is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum TaxScope {
    /// Once per rate, on the sum of the order's lines at that rate (the EU's usual rule).
    #[default]
    PerOrder,
    /// On each line, and the rounded amounts summed (what many US point-of-sale systems do).
    PerLine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TaxRate {
    pub id: String,
    pub name: String,
    /// 2000 is 20%.
    pub basis_points: u32,
    /// Prices at this rate include the tax (the shelf price is what the customer pays).
    pub inclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Product {
    pub sku: String,
    pub name: String,
    /// In the store currency's minor units.
    #[ts(type = "number")]
    pub price: i64,
    /// EAN-13, UPC-A, EAN-8 (check digits verified) or any other code a scanner reads.
    pub barcodes: Vec<String>,
    pub category: Option<String>,
    /// The id of its [`TaxRate`]; none: untaxed.
    pub tax_rate: Option<String>,
    /// False: archived, no longer sold, kept for the orders that sold it.
    pub active: bool,
    /// Its picture, served by the backend (`/api/catalog/images/{sku}?v=…`, a path on the backend's origin);
    /// None: it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// The store's details, for receipts, and its money rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Store {
    pub name: String,
    /// As printed on receipts, lines separated by newlines.
    pub address: String,
    /// ISO 4217, lower case: every price is in its minor units.
    pub currency: String,
    pub rounding: Rounding,
    pub tax_scope: TaxScope,
    /// The tips a customer paying by card may add, in basis points of the sale (1500 is 15%); empty: no tips.
    #[serde(default)]
    pub tip_percents: Vec<u32>,
}

impl From<&PutStore> for Store {
    fn from(s: &PutStore) -> Self {
        Self {
            name: s.name.clone(),
            address: s.address.clone(),
            currency: s.currency.clone(),
            rounding: s.rounding,
            tax_scope: s.tax_scope,
            tip_percents: s.tip_percents.clone(),
        }
    }
}

/// `GET /api/catalog`: everything a till sells from. `version` grows with every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "MerchantCatalog")]
pub struct Catalog {
    /// None until an admin sets the store's details.
    pub store: Option<Store>,
    pub tax_rates: Vec<TaxRate>,
    pub products: Vec<Product>,
    #[ts(type = "number")]
    pub version: i64,
}

/// The type of the feed items that carry the catalogue's changes to every till.
pub const CATALOG_UPDATED: &str = "catalog.updated";

/// What one change to the catalogue set, in full: the store's details if they changed, and every tax rate and
/// product it created or replaced. Nothing is ever deleted (a product is archived), so a till that applies these
/// in feed order, from the start, holds the backend's catalogue at `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CatalogUpdate {
    pub version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Store>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tax_rates: Vec<TaxRate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Product>,
}

/// A `catalog.updated` feed item's event, in the envelope of Stripe's events (id, type, created,
/// data.object), so a till reads every feed item the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEvent {
    /// `catalog_v{version}`: one event per version.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    pub data: CatalogEventData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEventData {
    pub object: CatalogUpdate,
}

impl CatalogEvent {
    pub fn new(update: CatalogUpdate, created: i64) -> Self {
        Self {
            id: format!("catalog_v{}", update.version),
            kind: CATALOG_UPDATED.to_owned(),
            created,
            data: CatalogEventData { object: update },
        }
    }
}

/// `PUT /api/catalog/products/{sku}`: creates or replaces the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PutProduct {
    pub name: String,
    pub price: i64,
    #[serde(default)]
    pub barcodes: Vec<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tax_rate: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// `PUT /api/catalog/tax-rates/{id}`: creates or replaces the rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PutTaxRate {
    pub name: String,
    pub basis_points: u32,
    pub inclusive: bool,
}

/// `PUT /api/catalog/store`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PutStore {
    pub name: String,
    #[serde(default)]
    pub address: String,
    pub currency: String,
    #[serde(default)]
    pub rounding: Rounding,
    #[serde(default)]
    pub tax_scope: TaxScope,
    /// Up to 4 tip choices in basis points (e.g. [1000, 1500, 2000]); empty or left out: no tips.
    #[serde(default)]
    pub tip_percents: Vec<u32>,
}

/// `POST /api/catalog/import`: what a good file did (a bad one changes nothing and answers 400 with its rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    #[ts(type = "number")]
    pub version: i64,
}

/// One bad row of an import: its line in the file (the header is line 1), the column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RowProblem {
    pub line: usize,
    pub field: String,
    pub message: String,
}
