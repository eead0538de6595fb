//! The storage rules that matter once several instances share a database, checked on the store the suite runs on
//! (SQLite, or PostgreSQL under scripts/with-postgres): two handles on one database stand for two instances.

mod common;

use std::time::Duration;

use kassa_backend::db::{orders, Db, Location};
use kassa_backend::state::OrderLocks;

fn open(dir: &std::path::Path) -> Db {
    Db::open(&Location::of(dir, common::database_url(dir).as_deref())).unwrap()
}

async fn seed_orders(db: &Db, n: usize) {
    db.write(move |c| {
        for i in 0..n {
            c.execute(
                "INSERT INTO orders (order_id, terminal, payment_intent_id, amount, currency, status, created, updated)
                 VALUES (?1, 'till-1', ?2, 1000, 'usd', 'processing', ?3, ?3)",
                rusqlite::params![format!("o{i}"), format!("pi_{i}"), i as i64],
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn two_instances_sweeping_at_once_share_the_due_intents_and_check_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (open(dir.path()), open(dir.path()));
    seed_orders(&a, 8).await;
    let claim = |db: &Db| {
        let db = db.clone();
        async move {
            db.write(|c| orders::claim_due(c, 100, 220, 5))
                .await
                .unwrap()
        }
    };
    let (mut first, mut second) = tokio::join!(claim(&a), claim(&b));
    first.sort();
    second.sort();
    let mut all: Vec<String> = first.iter().chain(&second).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        first.len() + second.len(),
        "no intent claimed twice: {first:?} {second:?}"
    );
    assert_eq!(
        all.len(),
        8,
        "every due intent claimed: {first:?} {second:?}"
    );
    let again = claim(&a).await;
    assert!(
        again.is_empty(),
        "claimed intents are not due again until the lease runs out: {again:?}"
    );
}

#[tokio::test]
async fn an_orders_lock_is_held_across_instances() {
    let dir = tempfile::tempdir().unwrap();
    if common::database_url(dir.path()).is_none() {
        eprintln!("skipped: one SQLite database has one instance, whose lock is in-process");
        return;
    }
    let (a, b) = (open(dir.path()), open(dir.path()));
    let (locks_a, locks_b) = (OrderLocks::default(), OrderLocks::default());
    let held = locks_a.lock(&a, "ord_1").await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(500), locks_b.lock(&b, "ord_1")).await;
    assert!(waiting.is_err(), "instance B waits while A holds the order");
    let other = tokio::time::timeout(Duration::from_secs(5), locks_b.lock(&b, "ord_2")).await;
    assert!(other.is_ok(), "another order is not held up");
    drop(other);
    drop(held);
    let taken = tokio::time::timeout(Duration::from_secs(5), locks_b.lock(&b, "ord_1")).await;
    assert!(taken.is_ok_and(|g| g.is_ok()), "B takes it once A lets go");
}

#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = common::database_url(dir.path()) else {
        eprintln!("skipped: SQLite has one instance per database");
        return;
    };
    let opened: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Db::open_postgres(&url).map(|_| ()))
        })
        .collect();
    for o in opened {
        o.join().unwrap().unwrap();
    }
    let db = open(dir.path());
    let terminals: i64 = db
        .read(|c| c.query_row("SELECT COUNT(*) FROM terminals", (), |r| r.get(0)))
        .await
        .unwrap();
    assert_eq!(terminals, 0);
}
