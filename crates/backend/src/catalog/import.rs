//! POST /api/catalog/import: a CSV of products (`text/csv`), all or nothing. Columns: sku, name and price are
//! required; barcode (several separated by `|`), category and tax (a tax rate's id) are optional; their order is
//! free. Every row is checked, and a file with any bad row changes nothing and answers 400 naming each bad row's
//! line and column. Prices are in the store currency's minor units, as everywhere in Kassa (350 for 3.50).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::Json;
use kassa_api::{ImportReport, PutProduct, RowProblem};

use super::rules;
use crate::auth::Caller;
use crate::db::catalog as db;
use crate::db::Connection;
use crate::error::ApiError;
use crate::state::AppState;

/// Enough for a 100,000-product catalogue.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// A file with more bad rows than this is reported up to here: nobody reads a thousand more.
const MAX_PROBLEMS: usize = 1000;

const COLUMNS: [&str; 6] = ["sku", "name", "price", "barcode", "category", "tax"];
const REQUIRED: [&str; 3] = ["sku", "name", "price"];

/// A row read from the file, not yet checked against the database.
#[derive(Debug)]
pub struct Row {
    pub line: usize,
    pub sku: String,
    pub product: PutProduct,
}

fn problem(line: usize, field: &str, message: impl Into<String>) -> RowProblem {
    RowProblem {
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Reads the file: each good row, and a problem for each bad one. `max_price` is the store currency's.
pub fn read(body: &[u8], max_price: i64) -> (Vec<Row>, Vec<RowProblem>) {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect(),
        Err(e) => {
            return (
                vec![],
                vec![problem(1, "header", format!("cannot read the header: {e}"))],
            )
        }
    };
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS.iter().find(|c| **c == h) {
            None => problems.push(problem(
                1,
                h,
                format!(
                    "unknown column {h:?}: the columns are {}",
                    COLUMNS.join(", ")
                ),
            )),
            Some(c) if at.insert(c, i).is_some() => {
                problems.push(problem(1, h, format!("column {h:?} appears twice")))
            }
            Some(_) => {}
        }
    }
    for c in REQUIRED {
        if !at.contains_key(c) {
            problems.push(problem(1, c, format!("the header has no {c:?} column")));
        }
    }
    if !problems.is_empty() {
        return (vec![], problems);
    }
    let mut rows = Vec::new();
    let mut skus: HashMap<String, usize> = HashMap::new();
    let mut barcodes: HashMap<String, (String, usize)> = HashMap::new();
    for record in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                problems.push(problem(line, "row", format!("cannot read the row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |c: &str| at.get(c).and_then(|i| record.get(*i)).unwrap_or("");
        let sku = cell("sku").to_owned();
        if let Err(bad) = rules::id("sku", &sku) {
            problems.push(problem(line, bad.field, bad.message));
            continue;
        }
        if let Some(first) = skus.insert(sku.clone(), line) {
            problems.push(problem(
                line,
                "sku",
                format!("sku {sku} is already on line {first}"),
            ));
            continue;
        }
        let price = match cell("price").parse::<i64>() {
            Ok(p) => p,
            Err(_) => {
                problems.push(problem(
                    line,
                    "price",
                    format!(
                        "price {:?} is not a whole number of minor units (350 for 3.50)",
                        cell("price")
                    ),
                ));
                continue;
            }
        };
        let given = PutProduct {
            name: cell("name").to_owned(),
            price,
            barcodes: cell("barcode")
                .split('|')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
                .collect(),
            category: Some(cell("category").to_owned()),
            tax_rate: Some(cell("tax").to_owned()),
            active: true,
        };
        let product = match rules::product(given, max_price) {
            Ok(p) => p,
            Err(bad) => {
                let column = match bad.field {
                    "barcodes" => "barcode",
                    "tax_rate" => "tax",
                    other => other,
                };
                problems.push(problem(line, column, bad.message));
                continue;
            }
        };
        let clash = product.barcodes.iter().find_map(|b| {
            barcodes
                .insert(b.clone(), (sku.clone(), line))
                .map(|(other, other_line)| (b.clone(), other, other_line))
        });
        if let Some((b, other, other_line)) = clash {
            problems.push(problem(
                line,
                "barcode",
                format!("barcode {b} is also product {other}'s, on line {other_line}"),
            ));
            continue;
        }
        rows.push(Row { line, sku, product });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(2, "row", "the file has no products"));
    }
    (rows, problems)
}

/// Checks a whole file against the catalogue and stores it, or nothing: the report and the feed cursor to
/// announce once it is on disk, or every bad row.
pub(crate) fn apply_file(
    c: &Connection,
    body: &[u8],
    now: i64,
) -> rusqlite::Result<Result<(ImportReport, i64), Vec<RowProblem>>> {
    let tx = c.transaction()?;
    let (rows, mut problems) = read(body, super::max_price(&tx)?);
    let in_file: HashSet<&str> = rows.iter().map(|r| r.sku.as_str()).collect();
    for row in &rows {
        let also_changing = |sku: &str| in_file.contains(sku);
        if let Err(bad) = super::check_against_stored(&tx, &row.sku, &row.product, &also_changing)?
        {
            let column = if bad.field == "tax_rate" {
                "tax"
            } else {
                "barcode"
            };
            problems.push(problem(row.line, column, bad.message));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        problems.truncate(MAX_PROBLEMS);
        return Ok(Err(problems));
    }
    let (mut created, mut updated) = (0, 0);
    let mut changed = Vec::with_capacity(rows.len());
    // Barcodes move between products of the same file: clear them all before any row takes its own.
    for row in &rows {
        tx.prepare_cached("DELETE FROM product_barcodes WHERE sku = ?1")?
            .execute([&row.sku])?;
    }
    for row in &rows {
        if db::put_product(&tx, &row.sku, &row.product, now)? {
            created += 1;
        } else {
            updated += 1;
        }
    }
    drop(in_file);
    for row in rows {
        changed.push(super::product_of(&tx, row.sku, row.product)?);
    }
    let update = kassa_api::CatalogUpdate {
        products: changed,
        ..Default::default()
    };
    let (version, cursor) = super::publish(&tx, update, now)?;
    tx.commit()?;
    Ok(Ok((
        ImportReport {
            created,
            updated,
            version,
        },
        cursor,
    )))
}

/// POST /api/catalog/import
pub async fn import(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    caller.require_admin(super::ADMIN_ONLY)?;
    let is_csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"));
    if !is_csv {
        return Err(ApiError::invalid(
            "Content-Type",
            "send the catalogue as Content-Type: text/csv",
        ));
    }
    // The router's DefaultBodyLimit makes this fail past MAX_IMPORT_BYTES.
    let body = body.map_err(|_| ApiError::TooLarge {
        limit: MAX_IMPORT_BYTES,
    })?;
    let now = state.clock.now();
    let report = state
        .db
        .write(move |c| apply_file(c, &body, now))
        .await?
        .map_err(ApiError::BadRows)?;
    state.writer.announce(report.1);
    Ok(Json(report.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(csv: &str) -> Vec<(usize, String)> {
        read(csv.as_bytes(), 99_999_999)
            .1
            .into_iter()
            .map(|p| (p.line, p.field))
            .collect()
    }

    #[test]
    fn a_good_file_reads_every_row_in_any_column_order() {
        let (rows, problems) = read(
            b"name,sku,price,barcode,tax,category\n\
              Espresso,espresso,250,4006381333931|CAFE-1,vat-reduced,Coffee\n\
              \"Tea, green\",tea,220,,,\n",
            99_999_999,
        );
        assert_eq!(problems, []);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].product.barcodes, ["4006381333931", "CAFE-1"]);
        assert_eq!(rows[0].product.tax_rate.as_deref(), Some("vat-reduced"));
        assert_eq!(rows[1].product.name, "Tea, green");
        assert_eq!((rows[1].product.category.as_ref(), rows[1].line), (None, 3));
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_column() {
        let found = problems(
            "sku,name,price,barcode\n\
             ok,Fine,100,\n\
             bad sku,Name,100,\n\
             p2,,100,\n\
             p3,Name,3.50,\n\
             p4,Name,100,4006381333932\n\
             ok,Again,100,\n\
             p5,Name,100,CODE\n\
             p6,Name,100,CODE\n",
        );
        assert_eq!(
            found,
            [
                (3, "sku".into()),
                (4, "name".into()),
                (5, "price".into()),
                (6, "barcode".into()),
                (7, "sku".into()),
                (9, "barcode".into()),
            ]
        );
    }

    #[test]
    fn a_header_missing_a_column_or_naming_an_unknown_one_is_refused() {
        assert_eq!(
            problems("sku,name,colour\nx,X,1\n"),
            [(1, "colour".into()), (1, "price".into())]
        );
        assert_eq!(problems("sku,name,price\n"), [(2, "row".into())]);
    }

    #[test]
    fn a_row_with_too_many_cells_is_reported_not_guessed() {
        assert_eq!(
            problems("sku,name,price\na,A,1,extra\n"),
            [(2, "row".into())]
        );
    }
}
