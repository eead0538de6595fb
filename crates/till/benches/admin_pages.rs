//! The admin table with 1,000,000 orders in the till's SQLite: the first page and pages deep into the table,
//! by keyset, with and without a status filter, and a search. Anchor, in the same run: the same deep page by
//! OFFSET, which is what keyset pagination exists to avoid. Goal: every keyset page ≤ 50 ms.
//!
//!     cargo bench -p kassa-till --bench admin_pages [-- ORDERS]

use std::time::{Duration, Instant};

use kassa_till::admin::{self, AdminQuery};
use kassa_till::store::Store;
use rusqlite::params;

const STATUSES: [(&str, &str, Option<&str>); 5] = [
    ("paid", "succeeded", None),
    (
        "awaiting_payment",
        "requires_payment_method",
        Some("Your card was declined."),
    ),
    ("awaiting_payment", "processing", None),
    ("canceled", "canceled", None),
    ("awaiting_payment", "requires_action", None),
];

fn populate(store: &Store, n: usize) {
    let mut conn = store.conn();
    let tx = conn.transaction().unwrap();
    {
        let mut order = tx
            .prepare("INSERT INTO orders (id, currency, status, payment_intent_id, payment_status, last_error_message, card_brand, card_last4, created, updated) VALUES (?1, 'usd', ?2, ?3, ?4, ?5, 'visa', '4242', ?6, ?6)")
            .unwrap();
        let mut line =
            tx.prepare("INSERT INTO order_lines (order_id, sku, name, unit_amount, quantity) VALUES (?1, 'espresso', 'Espresso', 250, ?2)").unwrap();
        let mut fulfil = tx
            .prepare("INSERT INTO fulfilments (order_id, payment_intent_id, event_id, amount, currency, fulfilled_at) VALUES (?1, ?2, ?3, ?4, 'usd', ?5)")
            .unwrap();
        let start = 1_700_000_000i64;
        for i in 0..n {
            let id = format!("ord_{i:012}");
            let pi = format!("pi_{i:020}");
            let (status, pstatus, err) = STATUSES[i % STATUSES.len()];
            // About 30 orders a minute, over a year.
            let created = start + (i as i64) * 2;
            order
                .execute(params![id, status, pi, pstatus, err, created])
                .unwrap();
            let qty = (i % 3 + 1) as i64;
            line.execute(params![id, qty]).unwrap();
            if status == "paid" {
                fulfil
                    .execute(params![id, pi, format!("evt_{i}"), 250 * qty, created])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE").unwrap();
}

fn measure(name: &str, runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let (p50, p99) = (times[runs / 2], times[(runs * 99 / 100).min(runs - 1)]);
    println!(
        "  {name:<48} p50 {:>8.2} ms   p99 {:>8.2} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    p99
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("till.sqlite3")).unwrap();
    let t = Instant::now();
    populate(&store, n);
    println!(
        "admin table, {n} orders in the till's SQLite (populated in {:.1} s):",
        t.elapsed().as_secs_f64()
    );
    let conn = store.conn();
    let page = |q: &AdminQuery| admin::payments(&conn, "till", q).unwrap();

    let first = measure("first page (50 rows)", 50, || {
        page(&AdminQuery::default());
    });
    // Walk 200 pages in, then time the next page from there.
    let mut q = AdminQuery::default();
    for _ in 0..200 {
        q.after = page(&q).next;
    }
    let deep_after = q.after.clone();
    let next = measure("next page, 10,000 rows in (keyset)", 50, || {
        page(&AdminQuery {
            after: deep_after.clone(),
            ..Default::default()
        });
    });
    let mid = format!(
        "{}.ord_{:012}",
        1_700_000_000i64 + (n as i64 / 2) * 2,
        n / 2
    );
    let half = measure("next page, halfway through (keyset)", 50, || {
        page(&AdminQuery {
            after: Some(mid.clone()),
            ..Default::default()
        });
    });
    let filtered = measure("status = failed, next page halfway (keyset)", 50, || {
        page(&AdminQuery {
            status: Some("failed".into()),
            after: Some(mid.clone()),
            ..Default::default()
        });
    });
    let day = measure("one day's range, first page", 50, || {
        page(&AdminQuery {
            from: Some(1_700_000_000 + n as i64),
            to: Some(1_700_000_000 + n as i64 + 86_400),
            ..Default::default()
        });
    });
    let search = measure("search by PaymentIntent id", 50, || {
        page(&AdminQuery {
            search: Some(format!("pi_{:020}", n / 3)),
            ..Default::default()
        });
    });
    let offset = measure("anchor: the halfway page by OFFSET", 5, || {
        let sql = format!(
            "SELECT id FROM orders ORDER BY created DESC, id DESC LIMIT 50 OFFSET {}",
            n / 2
        );
        let _: Vec<String> = conn
            .prepare(&sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    });
    let worst = [first, next, half, filtered, day, search]
        .into_iter()
        .max()
        .unwrap();
    println!(
        "  worst keyset p99 {:.2} ms (goal ≤ 50 ms); OFFSET anchor / worst keyset = {:.0}x",
        worst.as_secs_f64() * 1e3,
        offset.as_secs_f64() / worst.as_secs_f64()
    );
}
