//! Throughput of create + confirm pairs, over HTTP on loopback, against an anchor measured in the same run:
//! a server that answers the same two requests with a canned PaymentIntent and does no work. The ratio says how
//! much of the machine's HTTP capacity the simulator's own work costs.
//!
//!     cargo bench -p stripe-sim --bench create_confirm [-- SECONDS CONNECTIONS]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use stripe_sim::{Config, Simulator};

// The allocator the stripe-sim binary runs with, so the figure is the shipped simulator's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY: &str = "sk_test_bench";

async fn anchor() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let canned = r#"{"id":"pi_anchor","object":"payment_intent","amount":1999,"currency":"usd","status":"succeeded"}"#;
    let app = Router::new()
        .route("/v1/payment_intents", post(move || async move { canned }))
        .route(
            "/v1/payment_intents/{id}/confirm",
            post(move || async move { canned }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Only the id is read: the load generator shares the cores with the server, so it does no more work than it must.
#[derive(serde::Deserialize)]
struct Created {
    id: String,
}

/// Runs `connections` loops of create → confirm for `seconds`; returns completed pairs per second.
async fn load(base: &str, seconds: u64, connections: usize) -> f64 {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (http, done, base) = (http.clone(), done.clone(), base.to_owned());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let created: Created = http
                        .post(format!("{base}/v1/payment_intents"))
                        .bearer_auth(KEY)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("amount=1999&currency=usd&automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=never")
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let id = created.id;
                    let confirmed = http
                        .post(format!("{base}/v1/payment_intents/{id}/confirm"))
                        .bearer_auth(KEY)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("payment_method=pm_card_visa")
                        .send()
                        .await
                        .unwrap();
                    assert!(confirmed.status().is_success());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    let connections = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sim = Simulator::start(Config::ephemeral()).await.unwrap();
        let anchor = anchor().await;
        let (mut sims, mut anchors) = (Vec::new(), Vec::new());
        // Alternate A B A B: the machine's speed drifts, so compare medians of interleaved runs.
        for _ in 0..3 {
            sims.push(load(&sim.url(), seconds, connections).await);
            anchors.push(load(&anchor, seconds, connections).await);
        }
        sims.sort_by(f64::total_cmp);
        anchors.sort_by(f64::total_cmp);
        let (s, a) = (sims[1], anchors[1]);
        println!(
            "create+confirm pairs/s, {connections} connections, {seconds} s runs, median of 3:"
        );
        println!("  stripe-sim     {s:>9.0}  (runs: {sims:.0?})");
        println!("  no-op anchor   {a:>9.0}  (runs: {anchors:.0?})");
        println!("  ratio          {:>9.2}  (simulator / anchor)", s / a);
        println!("  goal           {:>9}  pairs/s", 5000);
    });
}
