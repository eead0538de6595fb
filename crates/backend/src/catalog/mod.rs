//! The merchant's catalogue: products, tax rates and the store's details. Any token reads it (a till sells from
//! it); only an admin token changes it. Every change is one transaction that also bumps the catalogue's version.

pub mod demo;
pub mod images;
pub mod import;
pub mod rules;

use std::sync::Arc;

use crate::db::Connection;
use axum::extract::{Path, State};
use axum::Json;
use kassa_api::{
    Catalog, CatalogEvent, CatalogUpdate, Product, PutProduct, PutStore, PutTaxRate, Store, TaxRate,
};

use crate::auth::Caller;
use crate::db::catalog as db;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::state::AppState;
use rules::Bad;

type S = State<Arc<AppState>>;

const ADMIN_ONLY: &str = "changing the catalogue needs an admin token";

/// GET /api/catalog
pub async fn get(State(state): S, _caller: Caller) -> Result<Json<Catalog>, ApiError> {
    Ok(Json(state.db.read(db::catalog).await?))
}

/// The largest price the store's currency takes (Stripe's limit for it).
pub(crate) fn max_price(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(db::store(conn)?
        .and_then(|s| kassa_stripe::currency::lookup(&s.currency))
        .map_or(rules::DEFAULT_MAX_PRICE, |c| c.maximum()))
}

/// Marks a committed change: bumps the version and puts what changed into the feed, for every till. Call it
/// last, inside the change's transaction; it returns the new version and the feed cursor to
/// [`announce`](crate::intake::writer::Writer::announce) once the change is on disk.
pub(crate) fn publish(
    tx: &Connection,
    mut update: CatalogUpdate,
    now: i64,
) -> rusqlite::Result<(i64, i64)> {
    update.version = db::bump_version(tx)?;
    let version = update.version;
    let cursor = crate::db::events::insert_catalog(tx, &CatalogEvent::new(update, now))?;
    Ok((version, cursor))
}

/// The product as stored, its picture's URL read from `conn` (a PUT of the product keeps its picture).
pub(crate) fn product_of(
    conn: &Connection,
    sku: String,
    p: PutProduct,
) -> rusqlite::Result<Product> {
    let image_url = db::image_url(conn, &sku)?;
    Ok(Product {
        image_url,
        sku,
        name: p.name,
        price: p.price,
        barcodes: p.barcodes,
        category: p.category,
        tax_rate: p.tax_rate,
        active: p.active,
    })
}

/// What a product may not be that only the database knows: taxed at a rate that does not exist, or holding
/// another product's barcode.
pub(crate) fn check_against_stored(
    conn: &Connection,
    sku: &str,
    p: &PutProduct,
    also_changing: &dyn Fn(&str) -> bool,
) -> rusqlite::Result<Result<(), Bad>> {
    if let Some(t) = &p.tax_rate {
        if !db::tax_rate_exists(conn, t)? {
            return Ok(Err(Bad {
                field: "tax_rate",
                message: format!("there is no tax rate {t:?}: create it first"),
            }));
        }
    }
    for b in &p.barcodes {
        if let Some(owner) = db::barcode_owner(conn, b)? {
            if owner != sku && !also_changing(&owner) {
                return Ok(Err(Bad {
                    field: "barcodes",
                    message: format!("barcode {b} is already product {owner}'s"),
                }));
            }
        }
    }
    Ok(Ok(()))
}

/// PUT /api/catalog/products/{sku}: creates or replaces it; `"active": false` archives it.
pub async fn put_product(
    State(state): S,
    caller: Caller,
    Path(sku): Path<String>,
    JsonBody(body): JsonBody<PutProduct>,
) -> Result<Json<Product>, ApiError> {
    caller.require_admin(ADMIN_ONLY)?;
    rules::id("sku", &sku)?;
    let now = state.clock.now();
    let product = state
        .db
        .write(move |c| {
            let tx = c.transaction()?;
            let p = match rules::product(body, max_price(&tx)?) {
                Ok(p) => p,
                Err(bad) => return Ok(Err(bad)),
            };
            if let Err(bad) = check_against_stored(&tx, &sku, &p, &|_| false)? {
                return Ok(Err(bad));
            }
            db::put_product(&tx, &sku, &p, now)?;
            let product = product_of(&tx, sku, p)?;
            let update = CatalogUpdate {
                products: vec![product.clone()],
                ..Default::default()
            };
            let (_, cursor) = publish(&tx, update, now)?;
            tx.commit()?;
            Ok(Ok((product, cursor)))
        })
        .await??;
    state.writer.announce(product.1);
    Ok(Json(product.0))
}

/// PUT /api/catalog/tax-rates/{id}
pub async fn put_tax_rate(
    State(state): S,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PutTaxRate>,
) -> Result<Json<TaxRate>, ApiError> {
    caller.require_admin(ADMIN_ONLY)?;
    rules::id("id", &id)?;
    let t = rules::tax_rate(body)?;
    let now = state.clock.now();
    let answer = TaxRate {
        id: id.clone(),
        name: t.name.clone(),
        basis_points: t.basis_points,
        inclusive: t.inclusive,
    };
    let update = CatalogUpdate {
        tax_rates: vec![answer.clone()],
        ..Default::default()
    };
    let cursor = state
        .db
        .write(move |c| {
            let tx = c.transaction()?;
            db::put_tax_rate(&tx, &id, &t, now)?;
            let (_, cursor) = publish(&tx, update, now)?;
            tx.commit()?;
            Ok(cursor)
        })
        .await?;
    state.writer.announce(cursor);
    Ok(Json(answer))
}

/// PUT /api/catalog/store. The currency cannot change under existing prices: they are in its minor units, and
/// 350 means 3.50 in dollars but 350 in yen.
pub async fn put_store(
    State(state): S,
    caller: Caller,
    JsonBody(body): JsonBody<PutStore>,
) -> Result<Json<Store>, ApiError> {
    caller.require_admin(ADMIN_ONLY)?;
    let s = rules::store(body)?;
    let answer = Store::from(&s);
    let update = CatalogUpdate {
        store: Some(answer.clone()),
        ..Default::default()
    };
    let now = state.clock.now();
    let cursor = state
        .db
        .write(move |c| {
            let tx = c.transaction()?;
            let before = db::store(&tx)?.map(|s| s.currency);
            if before.is_some_and(|b| b != s.currency) && db::has_products(&tx)? {
                return Ok(Err(Bad {
                    field: "currency",
                    message: "the currency cannot change while products are priced in it: prices are in its \
                              minor units"
                        .into(),
                }));
            }
            db::put_store(&tx, &s)?;
            let (_, cursor) = publish(&tx, update, now)?;
            tx.commit()?;
            Ok(Ok(cursor))
        })
        .await??;
    state.writer.announce(cursor);
    Ok(Json(answer))
}
