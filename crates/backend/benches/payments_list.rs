//! The backend's payment list (the admin API) with 1,000,000 payments: the first page and pages deep in, by
//! keyset, filtered by status and terminal, and a day's totals. Anchor, in the same run: the halfway page by
//! OFFSET. Goal: every keyset page ≤ 50 ms.
//!
//!     cargo bench -p kassa-backend --bench payments_list [-- PAYMENTS]

use std::time::{Duration, Instant};

use kassa_backend::db::{orders, Db};
use rusqlite::params;

const STATUSES: [&str; 5] = [
    "succeeded",
    "requires_payment_method",
    "processing",
    "canceled",
    "requires_action",
];

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
    let db = Db::open_dir(dir.path()).unwrap();
    let mut conn = kassa_backend::db::open(&db.sqlite().unwrap().path).unwrap();
    let t = Instant::now();
    {
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO orders (order_id, terminal, payment_intent_id, amount, currency, status, amount_received, created, updated)
                     VALUES (?1, ?2, ?3, ?4, 'usd', ?5, ?6, ?7, ?7)",
                )
                .unwrap();
            for i in 0..n {
                let status = STATUSES[i % STATUSES.len()];
                let amount = 500 + (i % 5000) as i64;
                let received = if status == "succeeded" { amount } else { 0 };
                insert
                    .execute(params![
                        format!("ord_{i:012}"),
                        format!("till-{}", i % 20),
                        format!("pi_{i:020}"),
                        amount,
                        status,
                        received,
                        1_700_000_000i64 + i as i64 * 2
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
        conn.execute_batch("ANALYZE").unwrap();
    }
    println!(
        "backend payment list, {n} payments (populated in {:.1} s):",
        t.elapsed().as_secs_f64()
    );
    let list = |f: &orders::Filter, after: Option<(i64, String)>| {
        orders::list(&kassa_backend::db::Connection::sqlite(&conn), f, after, 51).unwrap()
    };
    let all = orders::Filter::default();
    let mid = (1_700_000_000i64 + n as i64, format!("ord_{:012}", n / 2));

    let first = measure("first page (50 rows)", 50, || {
        list(&all, None);
    });
    let half = measure("next page, halfway through (keyset)", 50, || {
        list(&all, Some(mid.clone()));
    });
    let by_status = orders::Filter {
        status: Some("processing".into()),
        ..Default::default()
    };
    let status = measure("status = processing, halfway (keyset)", 50, || {
        list(&by_status, Some(mid.clone()));
    });
    let by_terminal = orders::Filter {
        terminal: Some("till-7".into()),
        ..Default::default()
    };
    let terminal = measure("terminal = till-7, halfway (keyset)", 50, || {
        list(&by_terminal, Some(mid.clone()));
    });
    let day = orders::Filter {
        from: Some(1_700_000_000 + n as i64),
        to: Some(1_700_000_000 + n as i64 + 86_400),
        ..Default::default()
    };
    let day_page = measure("one day's range, first page", 50, || {
        list(&day, None);
    });
    let totals = measure("one day's totals by currency and status", 20, || {
        orders::totals(&kassa_backend::db::Connection::sqlite(&conn), &day).unwrap();
    });
    let offset = measure("anchor: the halfway page by OFFSET", 5, || {
        let sql = format!(
            "SELECT order_id FROM orders ORDER BY created DESC, order_id DESC LIMIT 50 OFFSET {}",
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
    let worst = [first, half, status, terminal, day_page]
        .into_iter()
        .max()
        .unwrap();
    println!(
        "  worst keyset page p99 {:.2} ms (goal ≤ 50 ms); OFFSET anchor / worst keyset page = {:.0}x",
        worst.as_secs_f64() * 1e3,
        offset.as_secs_f64() / worst.as_secs_f64()
    );
    println!(
        "  a day's totals (not a page; reads the covering index) p99 {:.2} ms",
        totals.as_secs_f64() * 1e3
    );
}
