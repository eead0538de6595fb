//! The till's copy of the merchant's catalogue, kept from the feed's `catalog.updated` items (each sets what one
//! change at the backend set, in full), so the till sells from it with the backend down.

use kassa_api::{CatalogUpdate, Product, Rounding, Store, TaxRate, TaxScope};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::Result;

/// A product as the till sells it: with its tax rate, if it has one the till knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sellable {
    pub product: Product,
    pub tax_rate: Option<TaxRate>,
}

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn from_word<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or_default()
}

/// Applies one change, inside the caller's transaction. Versions only move forward: an update older than what
/// the till holds (a replay) still applies idempotently, as every item is a full replacement.
pub fn apply_update(conn: &Connection, u: &CatalogUpdate) -> Result<()> {
    if let Some(s) = &u.store {
        conn.prepare_cached(
            "INSERT INTO catalog_store (id, name, address, currency, rounding, tax_scope, tip_percents)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address,
                 currency = excluded.currency, rounding = excluded.rounding, tax_scope = excluded.tax_scope,
                 tip_percents = excluded.tip_percents",
        )?
        .execute(params![
            s.name,
            s.address,
            s.currency,
            word(&s.rounding),
            word(&s.tax_scope),
            serde_json::to_string(&s.tip_percents).unwrap_or_else(|_| "[]".into())
        ])?;
    }
    for t in &u.tax_rates {
        conn.prepare_cached(
            "INSERT INTO catalog_tax_rates (id, name, basis_points, inclusive) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, basis_points = excluded.basis_points,
                 inclusive = excluded.inclusive",
        )?
        .execute(params![t.id, t.name, t.basis_points, t.inclusive])?;
    }
    for p in &u.products {
        conn.prepare_cached(
            "INSERT INTO catalog_products (sku, name, price, category, tax_rate, active, image_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price,
                 category = excluded.category, tax_rate = excluded.tax_rate, active = excluded.active,
                 image_url = excluded.image_url",
        )?
        .execute(params![p.sku, p.name, p.price, p.category, p.tax_rate, p.active, p.image_url])?;
        conn.prepare_cached("DELETE FROM catalog_barcodes WHERE sku = ?1")?
            .execute([&p.sku])?;
    }
    // After every product let go of its old codes: within one change a code may move from one to another.
    for p in &u.products {
        for b in &p.barcodes {
            conn.prepare_cached(
                "INSERT INTO catalog_barcodes (barcode, sku) VALUES (?1, ?2)
                 ON CONFLICT (barcode) DO UPDATE SET sku = excluded.sku",
            )?
            .execute(params![b, p.sku])?;
        }
    }
    conn.prepare_cached("UPDATE catalog_version SET version = MAX(version, ?1) WHERE id = 1")?
        .execute([u.version])?;
    Ok(())
}

pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT version FROM catalog_version WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// The store's details; None until the backend's admin has set them.
pub fn store(conn: &Connection) -> Result<Option<Store>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, address, currency, rounding, tax_scope, tip_percents FROM catalog_store WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok(Store {
                name: r.get(0)?,
                address: r.get(1)?,
                currency: r.get(2)?,
                rounding: from_word::<Rounding>(r.get_ref(3)?.as_str()?),
                tax_scope: from_word::<TaxScope>(r.get_ref(4)?.as_str()?),
                tip_percents: serde_json::from_str(r.get_ref(5)?.as_str()?).unwrap_or_default(),
            })
        })
        .optional()?)
}

const SELECT: &str = "SELECT p.sku, p.name, p.price, p.category, p.tax_rate, p.active,
        t.id, t.name, t.basis_points, t.inclusive, p.image_url
    FROM catalog_products p LEFT JOIN catalog_tax_rates t ON t.id = p.tax_rate";

fn sellable(conn: &Connection, r: &Row) -> rusqlite::Result<Sellable> {
    let sku: String = r.get(0)?;
    let barcodes = conn
        .prepare_cached("SELECT barcode FROM catalog_barcodes WHERE sku = ?1 ORDER BY barcode")?
        .query_map([&sku], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let tax_rate = match r.get::<_, Option<String>>(6)? {
        Some(id) => Some(TaxRate {
            id,
            name: r.get(7)?,
            basis_points: r.get(8)?,
            inclusive: r.get(9)?,
        }),
        None => None,
    };
    Ok(Sellable {
        product: Product {
            sku,
            name: r.get(1)?,
            price: r.get(2)?,
            barcodes,
            category: r.get(3)?,
            tax_rate: r.get(4)?,
            active: r.get(5)?,
            image_url: r.get(10)?,
        },
        tax_rate,
    })
}

/// The product with this SKU, archived or not.
pub fn by_sku(conn: &Connection, sku: &str) -> Result<Option<Sellable>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.sku = ?1"))?
        .query_row([sku], |r| sellable(conn, r))
        .optional()?)
}

/// The product a scanned code names, if any.
pub fn by_barcode(conn: &Connection, code: &str) -> Result<Option<Sellable>> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} JOIN catalog_barcodes b ON b.sku = p.sku WHERE b.barcode = ?1"
        ))?
        .query_row([code], |r| sellable(conn, r))
        .optional()?)
}

/// The first `limit` products on sale, by category (uncategorised last), then name: the grid a cashier looks
/// through; and how many are on sale in all.
pub fn active(conn: &Connection, limit: usize) -> Result<(Vec<Sellable>, i64)> {
    let items = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE p.active = 1
             ORDER BY p.category IS NULL, p.category COLLATE NOCASE, p.name COLLATE NOCASE, p.sku
             LIMIT ?1"
        ))?
        .query_map([limit as i64], |r| sellable(conn, r))?
        .collect::<rusqlite::Result<_>>()?;
    let total = conn
        .prepare_cached("SELECT COUNT(*) FROM catalog_products WHERE active = 1")?
        .query_row([], |r| r.get(0))?;
    Ok((items, total))
}

/// Products on sale whose name or SKU contains `query` (three characters or more) or starts with it (one or
/// two), ignoring case; names that start with it first.
pub fn search(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Sellable>> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    if query.chars().count() >= 3 {
        // Any part of a name or SKU, from the trigram index: a phrase, with its quotes doubled.
        let phrase = format!("\"{}\"", query.replace('"', "\"\""));
        return Ok(conn
            .prepare_cached(&format!(
                "{SELECT} JOIN catalog_search s ON s.rowid = p.rowid
                 WHERE catalog_search MATCH ?1 AND p.active = 1
                 ORDER BY substr(lower(p.name), 1, length(?2)) != lower(?2), p.name COLLATE NOCASE, p.sku
                 LIMIT ?3"
            ))?
            .query_map(params![phrase, query, limit as i64], |r| sellable(conn, r))?
            .collect::<rusqlite::Result<_>>()?);
    }
    // One or two characters: names and SKUs that start with them, each by its index's range.
    let upper = format!("{query}\u{10ffff}");
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} WHERE p.active = 1
                 AND ((p.name COLLATE NOCASE >= ?1 AND p.name COLLATE NOCASE < ?2) OR (p.sku >= ?1 AND p.sku < ?2))
             ORDER BY p.name COLLATE NOCASE, p.sku
             LIMIT ?3"
        ))?
        .query_map(params![query, upper, limit as i64], |r| sellable(conn, r))?
        .collect::<rusqlite::Result<_>>()?)
}
