//! kill -9 in the middle of a burst of payments: every webhook the backend acknowledged is on disk after the
//! restart, and every event Stripe emitted reaches the feed once the retries get through.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kassa_tests::reqwest::StatusCode;
use kassa_tests::{event_id, eventually, read, Stack, SECRET_KEY};
use serde_json::{json, Value};

const PAYMENTS: usize = 100;
const WORKERS: usize = 4;

/// A till that keeps trying while the backend is down, as a real one would: PUT the intent until it is answered,
/// then confirm it at Stripe (which stays up).
async fn pay(stack: &Stack, n: usize) {
    let order = format!("order-burst-{n:03}");
    let deadline = Instant::now() + Duration::from_secs(90);
    let intent = loop {
        let sent = stack
            .http
            .put(stack.api(&format!("/api/orders/{order}/intent")))
            .bearer_auth(&stack.till)
            .json(&json!({ "amount": 1000 + n as i64, "currency": "usd" }))
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status() == StatusCode::OK => break read(resp).await.1,
            Ok(resp) if resp.status().is_server_error() => {}
            Ok(resp) => panic!("PUT {order}: {:?}", read(resp).await),
            Err(_) => {} // down: try again
        }
        assert!(
            Instant::now() < deadline,
            "{order}: the backend never came back"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let (status, body) = stack.confirm(&intent, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{order}: {body}");
    assert_eq!(body["status"], "succeeded", "{order}");
}

fn delivered_ids(attempts: &[Value]) -> BTreeSet<String> {
    attempts
        .iter()
        .filter(|a| a["outcome"] == "delivered")
        .map(|a| a["event_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn feed_ids(stack: &Stack) -> Vec<String> {
    stack
        .feed_all(&stack.admin, 0)
        .await
        .iter()
        .map(|i| event_id(i).to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_killed_mid_burst_keeps_every_acknowledged_event_and_catches_up_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    // A hundred intents from one token in seconds is far above a cashier's pace: with the rate limit on, whether
    // the burst fitted the bucket depended on how fast it ran before and after the restart.
    let stack = Arc::new(kassa_tests::till::stack(
        dir.path(),
        &[
            "--webhook-max-attempts",
            "20",
            "--webhook-retry-base-ms",
            "50",
            "--webhook-retry-max-ms",
            "500",
        ],
        &["--rate-intents-per-minute", "0"],
    ));

    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (stack, next, done) = (stack.clone(), next.clone(), done.clone());
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= PAYMENTS {
                        return;
                    }
                    pay(&stack, n).await;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // Mid-burst: a third of the payments made, webhooks in flight.
    eventually(Duration::from_secs(60), "a third of the burst", || async {
        let n = done.load(Ordering::SeqCst);
        (n >= PAYMENTS / 3).then_some(()).ok_or(n.to_string())
    })
    .await;
    stack.backend.kill();
    let acknowledged = delivered_ids(&stack.sim_deliveries().await);
    assert!(!acknowledged.is_empty());

    // While it is down, Stripe keeps emitting (an intent made at Stripe directly, besides the burst's own), and
    // deliveries fail.
    let resp = stack
        .http
        .post(stack.sim_url("/v1/payment_intents"))
        .bearer_auth(SECRET_KEY)
        .form(&[("amount", "4200"), ("currency", "usd")])
        .send()
        .await
        .unwrap();
    let (status, foreign) = read(resp).await;
    assert_eq!(status, StatusCode::OK, "{foreign}");
    let foreign_pi = foreign["id"].as_str().unwrap().to_owned();
    eventually(
        Duration::from_secs(10),
        "a delivery failing during the downtime",
        || async {
            let attempts = stack.sim_deliveries().await;
            attempts
                .iter()
                .any(|a| a["outcome"] == "failed")
                .then_some(())
                .ok_or_else(|| format!("{} attempts", attempts.len()))
        },
    )
    .await;

    stack.backend.restart();

    // Everything acknowledged before the kill survived it.
    let after_restart: BTreeSet<String> = feed_ids(&stack).await.into_iter().collect();
    let lost: Vec<&String> = acknowledged.difference(&after_restart).collect();
    assert!(
        lost.is_empty(),
        "acknowledged before the kill but not stored: {lost:?}"
    );

    for w in workers {
        w.await.expect("every payment of the burst went through");
    }
    assert_eq!(done.load(Ordering::SeqCst), PAYMENTS);

    // The retries get through: every event Stripe emitted ends up in the feed, exactly once.
    eventually(
        Duration::from_secs(60),
        "every emitted event in the feed",
        || async {
            let emitted: BTreeSet<String> = stack
                .sim_events()
                .await
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect();
            let stored: BTreeSet<String> = feed_ids(&stack).await.into_iter().collect();
            let missing: Vec<&String> = emitted.difference(&stored).collect();
            missing.is_empty().then_some(()).ok_or_else(|| {
                format!(
                    "{} of {} missing: {missing:?}",
                    missing.len(),
                    emitted.len()
                )
            })
        },
    )
    .await;
    let attempts = stack.sim_deliveries().await;
    assert!(
        !attempts.iter().any(|a| a["outcome"] == "gave_up"),
        "no delivery gave up"
    );
    let stored = feed_ids(&stack).await;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &stored {
        *counts.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored more than once: {twice:?}");
    let delivered = delivered_ids(&attempts);
    eprintln!(
        "killed with {} events acknowledged; {} attempts failed during the downtime; {} events stored in the end",
        acknowledged.len(),
        attempts.iter().filter(|a| a["outcome"] == "failed").count(),
        stored.len()
    );
    let stored: BTreeSet<String> = stored.into_iter().collect();
    assert!(delivered.is_subset(&stored));

    // Every order is paid, with exactly one intent at Stripe, and the foreign intent is the admin's to see.
    eventually(Duration::from_secs(30), "every order succeeded", || async {
        let payments = stack.payments(&stack.admin).await;
        let paid = payments
            .iter()
            .filter(|p| p["status"] == "succeeded")
            .count();
        (payments.len() == PAYMENTS && paid == PAYMENTS)
            .then_some(())
            .ok_or_else(|| format!("{paid} of {} paid", payments.len()))
    })
    .await;
    let intents = stack.sim_list("/v1/payment_intents").await;
    let mut per_order: HashMap<String, usize> = HashMap::new();
    for pi in &intents {
        if let Some(order) = pi["metadata"]["order_id"].as_str() {
            *per_order.entry(order.to_owned()).or_default() += 1;
        }
    }
    assert_eq!(per_order.len(), PAYMENTS);
    assert!(per_order.values().all(|n| *n == 1), "{per_order:?}");
    let feed = stack.feed_all(&stack.admin, 0).await;
    assert!(
        feed.iter()
            .any(|i| i["foreign"] == true
                && i["event"]["data"]["object"]["id"] == foreign_pi.as_str())
    );
}
