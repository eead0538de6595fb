//! Feed latency: from the simulator delivering `payment_intent.succeeded` (t0, the delivery attempt's start, as the
//! simulator logs it) to the till's SQLite row committed and its UI event (t1, the till's notifier receiving the
//! order as paid; the row is committed before the notifier is called). Payments are driven at a fixed rate, each a
//! charge through the backend (PUT intent, which creates the PaymentIntent at the simulator) and a confirm at the
//! simulator as Stripe.js does. Everything runs in this process on loopback: the backend with `--simulate` (the
//! simulator embedded, delivering signed webhooks to the backend over HTTP), and the till core long-polling the
//! backend's feed. t0 and t1 are read from the same clock (unix milliseconds).
//!
//! The anchor, measured in the same run at the same rate: the round trip of a bare loopback HTTP POST of a
//! webhook-sized body to a no-op axum handler, the floor this machine gives one hop.
//!
//!     cargo bench -p kassa-tests --bench feed_latency [-- SLOW_COUNT FAST_SECONDS]
//!
//! Goal: p99 ≤ 50 ms at 1 and at 200 payments per second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use clap::Parser as _;
use kassa_tests::till::{confirm_as_client, TestTill};
use kassa_till::OrderStatus;
use stripe_sim::webhooks::AttemptOutcome;

// At least 32 characters, as the backend requires of a bootstrap token.
const TOKEN: &str = "kassa-bench-terminal-token-0123456789abcdef";
const GOAL_P99_MS: f64 = 50.0;

struct Phase {
    rate: f64,
    count: usize,
}

#[derive(Debug)]
struct Stats {
    count: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

/// Nearest-rank percentiles of values in milliseconds.
fn stats(mut v: Vec<f64>) -> Stats {
    assert!(!v.is_empty(), "no samples");
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Stats {
        count: v.len(),
        p50: rank(0.50),
        p99: rank(0.99),
        max: *v.last().unwrap(),
    }
}

/// A no-op endpoint: what the cheapest possible webhook receiver costs.
async fn anchor_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/webhook", post(|| async { "{\"received\":true}" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/webhook")
}

/// POSTs `count` webhook-sized bodies at `rate` per second; each round trip in milliseconds.
async fn anchor(url: &str, phase: &Phase, body_len: usize) -> Vec<f64> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let body = Arc::new("x".repeat(body_len));
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(phase.count);
    for i in 0..phase.count {
        let at = start + Duration::from_secs_f64(i as f64 / phase.rate);
        let (http, url, body) = (http.clone(), url.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let t = Instant::now();
            let resp = http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec())
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            resp.bytes().await.unwrap();
            t.elapsed().as_secs_f64() * 1000.0
        }));
    }
    let mut out = Vec::with_capacity(phase.count);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A second reader of the backend's feed, without a database: when each event became readable there (unix ms),
/// to split the latency into the backend's part and the till's.
fn watch_feed(base: String) -> Arc<Mutex<HashMap<String, u64>>> {
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let out = seen.clone();
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut cursor = 0i64;
        loop {
            let page: serde_json::Value = match http
                .get(format!(
                    "{base}/api/events?after={cursor}&wait=25&limit=500"
                ))
                .bearer_auth(TOKEN)
                .send()
                .await
            {
                Ok(resp) => match resp.json().await {
                    Ok(v) => v,
                    Err(_) => continue,
                },
                Err(_) => return,
            };
            let at = kassa_tests::till::unix_ms();
            let mut seen = seen.lock().unwrap();
            for item in page["events"].as_array().into_iter().flatten() {
                if let Some(id) = item["event"]["id"].as_str() {
                    seen.entry(id.to_owned()).or_insert(at);
                }
            }
            cursor = page["next_cursor"].as_i64().unwrap_or(cursor);
        }
    });
    out
}

/// What one paced run measured.
struct Run {
    /// t1 - t0 of each paid order, in milliseconds.
    latency: Vec<f64>,
    /// Of which: from t0 until the event was readable in the backend's feed (signature check, group commit).
    backend: Vec<f64>,
    /// And: from readable in the feed to the till's UI event (long-poll answer, the till's commit, the notifier).
    till: Vec<f64>,
    /// How long each charge + confirm took, scheduled start to confirm answered, in milliseconds: when the driving
    /// itself falls behind, the rate offered was more than the stack takes.
    drive: Vec<f64>,
    /// Feed events the till applied per payment.
    events_per_payment: f64,
    /// Payments paid per second, from the first scheduled start to the last one paid.
    sustained: f64,
    /// CPU time the whole process (backend, simulator, till and the driving) used per payment, in milliseconds.
    cpu_per_payment: f64,
}

/// Context for the figures: every commit of the till and the backend (synchronous = FULL) waits for one fsync.
fn fsync_ms(dir: &std::path::Path) -> Stats {
    use std::io::Write;
    let mut file = std::fs::File::create(dir.join("fsync-probe")).unwrap();
    let samples = (0..50)
        .map(|_| {
            let t = Instant::now();
            file.write_all(&[0u8; 4096]).unwrap();
            file.sync_data().unwrap();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    stats(samples)
}

/// CPU time this process has used, all threads, in seconds (Linux; 0 elsewhere). Near saturation it is what the
/// latency follows, and per payment it moves less with the machine's noise than the latency does.
fn process_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
    // 14th and 15th of the whole line.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // In USER_HZ, which Linux fixes at 100 whatever the kernel's own tick.
    (ticks(11) + ticks(12)) / 100.0
}

/// Drives `phase.count` payments at `phase.rate` per second.
async fn payments(
    till: &TestTill,
    sim: &stripe_sim::Simulator,
    http: &reqwest::Client,
    feed: &Mutex<HashMap<String, u64>>,
    phase: &Phase,
) -> Run {
    // The carts are made first; only charging and paying are paced.
    let mut orders = Vec::with_capacity(phase.count);
    for _ in 0..phase.count {
        let order = till.till.new_order().unwrap();
        till.till.add_item("espresso").unwrap();
        till.till.add_item("croissant").unwrap();
        orders.push(order.id);
    }
    let cpu_before = process_cpu_secs();
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let start_ms = kassa_tests::till::unix_ms() + 50;
    let mut tasks = Vec::with_capacity(phase.count);
    for (i, id) in orders.iter().enumerate() {
        let at = start + Duration::from_secs_f64(i as f64 / phase.rate);
        let (t, http, id) = (till.till.clone(), http.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let info = t.charge(&id).await.expect("the charge starts");
            let (status, body) = confirm_as_client(&http, &info, "pm_card_visa").await;
            assert!(status.is_success(), "{body}");
            at.elapsed().as_secs_f64() * 1000.0
        }));
    }
    let mut drive = Vec::with_capacity(phase.count);
    for t in tasks {
        drive.push(t.await.unwrap());
    }
    // Wait (bounded) for every order to be paid, from the notifier's record: reading the till's database here
    // would compete with the sync task for its connection.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let paid: std::collections::HashSet<String> = till
            .notes
            .orders()
            .into_iter()
            .filter(|o| o.status == OrderStatus::Paid)
            .map(|o| o.id)
            .collect();
        let unpaid = orders.iter().filter(|id| !paid.contains(*id)).count();
        if unpaid == 0 {
            break;
        }
        if Instant::now() > deadline {
            eprintln!(
                "warning: {unpaid} of {} orders not paid within 60 s",
                orders.len()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu_per_payment = (process_cpu_secs() - cpu_before) * 1000.0 / phase.count as f64;

    // t0: the start of the delivery attempt the backend accepted, per event.
    let mut t0: HashMap<String, u64> = HashMap::new();
    for a in sim.sim.deliveries.snapshot() {
        if a.event_type == "payment_intent.succeeded"
            && matches!(a.outcome, AttemptOutcome::Delivered { .. })
        {
            t0.entry(a.event_id).or_insert(a.at_ms);
        }
    }
    // t1: the first time the UI was told the order is paid.
    let mut t1: HashMap<String, u64> = HashMap::new();
    for (at, o) in till.notes.orders_timed() {
        if o.status == OrderStatus::Paid {
            t1.entry(o.id).or_insert(at);
        }
    }
    let ours: std::collections::HashSet<&String> = orders.iter().collect();
    let last_paid = t1
        .iter()
        .filter(|(o, _)| ours.contains(o))
        .map(|(_, at)| *at)
        .max()
        .unwrap_or(start_ms);
    let paid = t1.keys().filter(|o| ours.contains(o)).count();
    let sustained = paid as f64 / (last_paid.saturating_sub(start_ms).max(1) as f64 / 1000.0);
    let applied = till.applied();
    let events = applied
        .iter()
        .filter(|a| a.order_id.as_ref().is_some_and(|o| ours.contains(o)))
        .count();
    let feed = feed.lock().unwrap().clone();
    let (mut latency, mut backend, mut till_part) = (Vec::new(), Vec::new(), Vec::new());
    for a in applied
        .into_iter()
        .filter(|a| a.kind == "payment_intent.succeeded" && a.outcome == "fulfilled")
    {
        let Some(order) = a.order_id else { continue };
        if !ours.contains(&order) {
            continue;
        }
        let (Some(start), Some(end)) = (t0.get(&a.event_id), t1.get(&order)) else {
            continue;
        };
        latency.push(end.saturating_sub(*start) as f64);
        if let Some(readable) = feed.get(&a.event_id) {
            backend.push(readable.saturating_sub(*start) as f64);
            till_part.push(end.saturating_sub(*readable) as f64);
        }
    }
    Run {
        latency,
        backend,
        till: till_part,
        drive,
        events_per_payment: events as f64 / phase.count as f64,
        sustained,
        cpu_per_payment,
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let slow_count = args.first().and_then(|s| s.parse().ok()).unwrap_or(20);
    let fast_seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("backend");
        let serve = kassa_backend::config::Cli::parse_from([
            "kassa-backend",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
            "--simulate",
            "--reconcile-every-secs",
            "0",
            "--bootstrap-token",
            TOKEN,
            // 200 payments a second from one token: the per-token limits are for tills, not for this load.
            "--rate-intents-per-minute",
            "0",
            "--rate-money-per-minute",
            "0",
        ])
        .serve;
        let backend = kassa_backend::start(serve, Arc::new(kassa_stripe::clock::SystemClock))
            .await
            .expect("the backend starts");
        let sim = backend.simulator.as_ref().expect("--simulate embeds the simulator");
        let till = TestTill::running(&dir.path().join("till.sqlite3"), &backend.url(), TOKEN);
        let feed = watch_feed(backend.url());
        till.wait_sync("online", |s| s.online).await;
        let anchor_url = anchor_server().await;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();

        // Warm up every path (connections, statement caches) before measuring.
        let warm = Phase { rate: 50.0, count: 20 };
        payments(&till, sim, &http, &feed, &warm).await;
        anchor(&anchor_url, &warm, 2048).await;
        // The anchor posts bodies as large as the webhooks being measured.
        let body_len = sim
            .sim
            .store
            .lock()
            .unwrap()
            .events
            .values()
            .find(|e| e.kind == "payment_intent.succeeded")
            .map(|e| e.json.len())
            .unwrap_or(2048);

        let phases = [
            Phase { rate: 1.0, count: slow_count },
            Phase { rate: 200.0, count: (200.0 * fast_seconds) as usize },
        ];
        println!("feed latency: the simulator delivering payment_intent.succeeded -> the till's SQLite row and UI event");
        println!("(in-process backend --simulate + till core over loopback; ms; anchor = no-op loopback POST of {body_len} B)");
        println!(
            "{:>8} {:>6} {:>8} {:>8} {:>8} | {:>11} {:>11} {:>11} | {:>9} {:>9}",
            "rate/s", "n", "p50", "p99", "max", "anchor p50", "anchor p99", "anchor max", "p50 ratio", "p99 ratio"
        );
        let mut worst_p99: f64 = 0.0;
        let mut notes = Vec::new();
        for phase in &phases {
            let run = payments(&till, sim, &http, &feed, phase).await;
            let drive = stats(run.drive);
            let (b, t) = (stats(run.backend), stats(run.till));
            notes.push(format!(
                "{:>8.0}/s split: delivery -> readable in the backend's feed p50 {:.0} ms, p99 {:.0} ms; readable -> \
                 till's row + UI event p50 {:.0} ms, p99 {:.0} ms",
                phase.rate, b.p50, b.p99, t.p50, t.p99
            ));
            notes.push(format!(
                "{:>8.0}/s offered: {:.0}/s paid; charge + confirm p50 {:.1} ms, p99 {:.1} ms (scheduled start to \
                 confirmed); {:.1} feed events applied per payment; {:.2} ms of CPU per payment",
                phase.rate, run.sustained, drive.p50, drive.p99, run.events_per_payment, run.cpu_per_payment
            ));
            let feed = stats(run.latency);
            let floor = stats(anchor(&anchor_url, phase, body_len).await);
            worst_p99 = worst_p99.max(feed.p99);
            println!(
                "{:>8.0} {:>6} {:>8.1} {:>8.1} {:>8.1} | {:>11.2} {:>11.2} {:>11.2} | {:>9.1} {:>9.1}",
                phase.rate,
                feed.count,
                feed.p50,
                feed.p99,
                feed.max,
                floor.p50,
                floor.p99,
                floor.max,
                feed.p50 / floor.p50,
                feed.p99 / floor.p99,
            );
            if feed.count < phase.count {
                println!("         ({} of {} payments measured)", feed.count, phase.count);
            }
        }
        for n in notes {
            println!("{n}");
        }
        let fsync = fsync_ms(dir.path());
        println!(
            "    disk: a 4 KiB write + fsync in the data directory takes p50 {:.1} ms, p99 {:.1} ms (each commit waits \
             for one)",
            fsync.p50, fsync.p99
        );
        println!(
            "goal: p99 <= {GOAL_P99_MS} ms at every rate: {}",
            if worst_p99 <= GOAL_P99_MS { "met" } else { "NOT met" }
        );
        drop(till);
        backend.shutdown().await;
    });
}
