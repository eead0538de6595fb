//! A merchant's catalogue of 50,000 products reaches a till and is sold from: the first sync (the CSV import
//! at the backend until the till's SQLite holds every product), then searches by name and SKU, and barcode
//! scans that add the product to a sale. Everything runs on loopback: the backend (with the simulator) as a
//! process, the till core in this one, syncing through the feed as the app does.
//!
//! Anchors, measured in the same run on the same data:
//! - for the sync: writing the same 50,000 products and barcodes straight into a fresh SQLite file in one
//!   transaction (what storing them costs at the least);
//! - for search and scan: looking one product up by its SKU through the primary key (the cheapest query there
//!   is on that table).
//!
//!     cargo bench -p kassa-tests --bench catalog_50k [-- PRODUCTS]
//!
//! Goals: the first sync in seconds; search ≤ 20 ms and scan ≤ 30 ms at p99.

use std::time::{Duration, Instant};

use kassa_tests::till::TestTill;
use kassa_tests::Stack;
use rand::{Rng, SeedableRng};
use serde_json::json;

const WORDS: [&str; 24] = [
    "organic", "coffee", "tea", "bread", "cheese", "olive", "pasta", "tomato", "apple", "honey",
    "salt", "pepper", "rice", "lentil", "oat", "milk", "butter", "jam", "cocoa", "almond", "basil",
    "garlic", "lemon", "vanilla",
];
const GOAL_SEARCH_P99_MS: f64 = 20.0;
const GOAL_SCAN_P99_MS: f64 = 30.0;

/// An EAN-13 with its check digit: 12 digits, weights 1 and 3 from the left.
fn ean13(n: u64) -> String {
    let body = format!("20{:010}", n);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

struct Product {
    sku: String,
    name: String,
    price: i64,
    barcode: String,
    category: &'static str,
}

fn products(n: usize) -> Vec<Product> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(50_000);
    (0..n)
        .map(|i| Product {
            sku: format!("sku-{i:06}"),
            name: format!(
                "{} {} {}",
                WORDS[rng.gen_range(0..WORDS.len())],
                WORDS[rng.gen_range(0..WORDS.len())],
                i
            ),
            price: rng.gen_range(50..10_000),
            barcode: ean13(i as u64),
            category: WORDS[i % 8],
        })
        .collect()
}

fn csv(products: &[Product]) -> String {
    let mut out = String::from("sku,name,price,barcode,category,tax\n");
    for p in products {
        out.push_str(&format!(
            "{},{},{},{},{},vat\n",
            p.sku, p.name, p.price, p.barcode, p.category
        ));
    }
    out
}

#[derive(Debug)]
struct Stats {
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Stats {
        p50: rank(0.50),
        p99: rank(0.99),
        max: *v.last().unwrap(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The anchor for the sync: the same rows into a fresh SQLite file, one transaction, nothing else.
fn anchor_store(dir: &std::path::Path, products: &[Product]) -> Duration {
    let mut conn = rusqlite::Connection::open(dir.join("anchor.sqlite3")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE p (sku TEXT PRIMARY KEY, name TEXT, price INTEGER, category TEXT, tax TEXT);
         CREATE INDEX p_name ON p (name COLLATE NOCASE);
         CREATE TABLE b (code TEXT PRIMARY KEY, sku TEXT);",
    )
    .unwrap();
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut p = tx
            .prepare("INSERT INTO p VALUES (?1, ?2, ?3, ?4, 'vat')")
            .unwrap();
        let mut b = tx.prepare("INSERT INTO b VALUES (?1, ?2)").unwrap();
        for x in products {
            p.execute(rusqlite::params![x.sku, x.name, x.price, x.category])
                .unwrap();
            b.execute(rusqlite::params![x.barcode, x.sku]).unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(&dir.path().join("backend"));
    let till = TestTill::online(dir.path(), &stack).await;
    for (path, body) in [
        (
            "/api/catalog/store",
            json!({"name": "Big Shop", "address": "1 High St", "currency": "eur"}),
        ),
        (
            "/api/catalog/tax-rates/vat",
            json!({"name": "VAT 7%", "basis_points": 700, "inclusive": true}),
        ),
    ] {
        let (status, body) = stack.put(&stack.admin, path, body).await;
        assert!(status.is_success(), "{path}: {body}");
    }
    let products = products(n);
    let body = csv(&products);
    println!(
        "catalogue: {n} products, CSV {:.1} MB",
        body.len() as f64 / 1e6
    );

    // The first sync: from sending the CSV to the till holding every product.
    let start = Instant::now();
    let (status, answer) = stack.import_csv(&body).await;
    assert!(status.is_success(), "the import: {answer}");
    let imported = start.elapsed();
    loop {
        let count: i64 = till
            .till
            .store
            .conn()
            .query_row("SELECT COUNT(*) FROM catalog_products", [], |r| r.get(0))
            .unwrap();
        if count as usize == n {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the sync took over 10 minutes ({count} of {n})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let synced = start.elapsed();
    let anchor = anchor_store(dir.path(), &products);
    println!(
        "first sync: {:.2} s (the backend's import {:.2} s, then the feed and the till's copy {:.2} s); \
         anchor, the same rows into a bare SQLite file: {:.2} s; ratio {:.1}x",
        synced.as_secs_f64(),
        imported.as_secs_f64(),
        (synced - imported).as_secs_f64(),
        anchor.as_secs_f64(),
        synced.as_secs_f64() / anchor.as_secs_f64()
    );

    // Searches: word fragments (many matches), whole names (one), SKU prefixes, and misses.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let queries: Vec<String> = (0..1000)
        .map(|i| match i % 4 {
            0 => WORDS[rng.gen_range(0..WORDS.len())][..3].to_owned(),
            1 => products[rng.gen_range(0..n)].name.clone(),
            2 => format!("sku-{:03}", rng.gen_range(0..n / 1000).max(1)),
            _ => format!("zz{}", rng.gen_range(0..1000)),
        })
        .collect();
    let mut search = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let found = till.till.search(q).unwrap();
        search.push(ms(t.elapsed()));
        std::hint::black_box(found);
    }
    // Scans: random barcodes into sales of 20 lines each.
    let mut scan = Vec::new();
    for i in 0..1000 {
        if i % 20 == 0 {
            till.till.new_order().unwrap();
        }
        let code = &products[rng.gen_range(0..n)].barcode;
        let t = Instant::now();
        let order = till.till.scan(code).unwrap();
        scan.push(ms(t.elapsed()));
        assert!(!order.lines.is_empty());
    }
    // The anchor for both: one product by its primary key, on the till's own database.
    let mut lookup = Vec::new();
    for _ in 0..1000 {
        let sku = &products[rng.gen_range(0..n)].sku;
        let t = Instant::now();
        let name: String = till
            .till
            .store
            .conn()
            .prepare_cached("SELECT name FROM catalog_products WHERE sku = ?1")
            .unwrap()
            .query_row([sku], |r| r.get(0))
            .unwrap();
        lookup.push(ms(t.elapsed()));
        std::hint::black_box(name);
    }
    let (search, scan, lookup) = (stats(search), stats(scan), stats(lookup));
    println!(
        "search: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (goal p99 ≤ {GOAL_SEARCH_P99_MS} ms); {:.0}x the anchor's p99",
        search.p50, search.p99, search.max, search.p99 / lookup.p99
    );
    println!(
        "scan:   p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (goal p99 ≤ {GOAL_SCAN_P99_MS} ms); {:.0}x the anchor's p99",
        scan.p50, scan.p99, scan.max, scan.p99 / lookup.p99
    );
    println!(
        "anchor, one product by primary key: p50 {:.3} ms, p99 {:.3} ms",
        lookup.p50, lookup.p99
    );
    let ok = search.p99 <= GOAL_SEARCH_P99_MS && scan.p99 <= GOAL_SCAN_P99_MS;
    println!("{}", if ok { "goals met" } else { "GOALS MISSED" });
    till.close().await;
    std::process::exit(if ok { 0 } else { 1 });
}
