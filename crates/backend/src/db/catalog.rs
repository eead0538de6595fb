//! The catalogue's rows. Callers check the rules (catalog::rules) first; the schema's constraints are the last
//! line, not the message a merchant sees.

use kassa_api::{
    Catalog, Product, PutProduct, PutStore, PutTaxRate, Rounding, Store, TaxRate, TaxScope,
};
use rusqlite::{params, OptionalExtension};

use super::{Connection, Row};

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn from_word<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or_default()
}

pub fn store(conn: &Connection) -> rusqlite::Result<Option<Store>> {
    conn.prepare_cached(
        "SELECT name, address, currency, rounding, tax_scope, tip_percents FROM store WHERE id = 1",
    )?
    .query_row((), |r| {
        Ok(Store {
            name: r.get(0)?,
            address: r.get(1)?,
            currency: r.get(2)?,
            rounding: from_word::<Rounding>(r.get_ref(3)?.as_str()?),
            tax_scope: from_word::<TaxScope>(r.get_ref(4)?.as_str()?),
            tip_percents: serde_json::from_str(r.get_ref(5)?.as_str()?).unwrap_or_default(),
        })
    })
    .optional()
}

pub fn tax_rates(conn: &Connection) -> rusqlite::Result<Vec<TaxRate>> {
    conn.prepare_cached("SELECT id, name, basis_points, inclusive FROM tax_rates ORDER BY id")?
        .query_map((), |r| {
            Ok(TaxRate {
                id: r.get(0)?,
                name: r.get(1)?,
                basis_points: r.get(2)?,
                inclusive: r.get(3)?,
            })
        })?
        .collect()
}

pub fn tax_rate_exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM tax_rates WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))
}

pub fn products(conn: &Connection) -> rusqlite::Result<Vec<Product>> {
    let mut barcodes: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut stmt =
        conn.prepare_cached("SELECT sku, barcode FROM product_barcodes ORDER BY sku, barcode")?;
    let rows = stmt.query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (sku, barcode) = row?;
        barcodes.entry(sku).or_default().push(barcode);
    }
    conn.prepare_cached(
        "SELECT p.sku, p.name, p.price, p.category, p.tax_rate, p.active, i.sha256
         FROM products p LEFT JOIN product_images i ON i.sku = p.sku ORDER BY p.sku",
    )?
    .query_map((), |r| {
        let codes = barcodes.remove(&r.get::<_, String>(0)?).unwrap_or_default();
        product_row(r, codes)
    })?
    .collect()
}

pub fn has_products(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM products)")?
        .query_row((), |r| r.get(0))
}

/// The product a barcode names now, if any.
pub fn barcode_owner(conn: &Connection, barcode: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT sku FROM product_barcodes WHERE barcode = ?1")?
        .query_row([barcode], |r| r.get(0))
        .optional()
}

pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT version FROM catalog_version WHERE id = 1")?
        .query_row((), |r| r.get(0))
}

/// Marks a change; call once per committed change, inside its transaction.
pub fn bump_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "UPDATE catalog_version SET version = version + 1 WHERE id = 1 RETURNING version",
    )?
    .query_row((), |r| r.get(0))
}

pub fn catalog(conn: &Connection) -> rusqlite::Result<Catalog> {
    Ok(Catalog {
        store: store(conn)?,
        tax_rates: tax_rates(conn)?,
        products: products(conn)?,
        version: version(conn)?,
    })
}

/// Creates or replaces a product and its barcodes; true when it was new.
pub fn put_product(
    conn: &Connection,
    sku: &str,
    p: &PutProduct,
    now: i64,
) -> rusqlite::Result<bool> {
    let existed: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM products WHERE sku = ?1)")?
        .query_row([sku], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO products (sku, name, price, category, tax_rate, active, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price, category = excluded.category,
             tax_rate = excluded.tax_rate, active = excluded.active, updated = excluded.updated",
    )?
    .execute(params![sku, p.name, p.price, p.category, p.tax_rate, p.active, now])?;
    conn.prepare_cached("DELETE FROM product_barcodes WHERE sku = ?1")?
        .execute([sku])?;
    for b in &p.barcodes {
        conn.prepare_cached("INSERT INTO product_barcodes (barcode, sku) VALUES (?1, ?2)")?
            .execute(params![b, sku])?;
    }
    Ok(!existed)
}

pub fn put_tax_rate(conn: &Connection, id: &str, t: &PutTaxRate, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tax_rates (id, name, basis_points, inclusive, updated) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, basis_points = excluded.basis_points,
             inclusive = excluded.inclusive, updated = excluded.updated",
    )?
    .execute(params![id, t.name, t.basis_points, t.inclusive, now])?;
    Ok(())
}

pub fn put_store(conn: &Connection, s: &PutStore) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO store (id, name, address, currency, rounding, tax_scope, tip_percents)
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
    Ok(())
}

/// Where the backend serves a product's picture; the hash in the query makes a new picture a new URL, so a
/// picture can be cached for good.
pub fn image_path(sku: &str, sha256: &str) -> String {
    format!(
        "/api/catalog/images/{sku}?v={}",
        &sha256[..sha256.len().min(12)]
    )
}

pub fn image_url(conn: &Connection, sku: &str) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT sha256 FROM product_images WHERE sku = ?1")?
        .query_row([sku], |r| r.get::<_, String>(0))
        .optional()?
        .map(|hash| image_path(sku, &hash)))
}

/// A picture's bytes and type.
pub fn image(conn: &Connection, sku: &str) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.prepare_cached("SELECT content_type, bytes FROM product_images WHERE sku = ?1")?
        .query_row([sku], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

pub fn put_image(
    conn: &Connection,
    sku: &str,
    content_type: &str,
    bytes: &[u8],
    sha256: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO product_images (sku, content_type, bytes, sha256, updated) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (sku) DO UPDATE SET content_type = excluded.content_type, bytes = excluded.bytes,
             sha256 = excluded.sha256, updated = excluded.updated",
    )?
    .execute(params![sku, content_type, bytes, sha256, now])?;
    Ok(())
}

/// The stored product as the feed carries it.
pub fn product(conn: &Connection, sku: &str) -> rusqlite::Result<Option<Product>> {
    Ok(products_where(conn, sku)?.into_iter().next())
}

fn products_where(conn: &Connection, sku: &str) -> rusqlite::Result<Vec<Product>> {
    let barcodes = conn
        .prepare_cached("SELECT barcode FROM product_barcodes WHERE sku = ?1 ORDER BY barcode")?
        .query_map([sku], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    conn.prepare_cached(
        "SELECT p.sku, p.name, p.price, p.category, p.tax_rate, p.active, i.sha256
         FROM products p LEFT JOIN product_images i ON i.sku = p.sku WHERE p.sku = ?1",
    )?
    .query_map([sku], |r| product_row(r, barcodes.clone()))?
    .collect()
}

/// A product from `SELECT p.sku, p.name, p.price, p.category, p.tax_rate, p.active, i.sha256`.
fn product_row(r: &Row<'_>, barcodes: Vec<String>) -> rusqlite::Result<Product> {
    let sku: String = r.get(0)?;
    Ok(Product {
        image_url: r
            .get::<_, Option<String>>(6)?
            .map(|hash| image_path(&sku, &hash)),
        barcodes,
        sku,
        name: r.get(1)?,
        price: r.get(2)?,
        category: r.get(3)?,
        tax_rate: r.get(4)?,
        active: r.get(5)?,
    })
}
