//! The chaos run: many sales through several till cores against the real `kassa-backend` and `stripe-sim`
//! processes, while the simulator duplicates, reorders, delays and drops webhook deliveries and answers API
//! requests with 500s, the backend is killed with -9 and restarted, and tills are closed and reopened. Then,
//! once everything has settled the way an operator would settle it (the tills' start-up recovery, an admin's
//! reconcile), it counts what must be zero:
//!
//! - orders fulfilled twice;
//! - orders Stripe (the simulator) says are paid that a till has not fulfilled, and fulfilments of unpaid orders;
//! - events the backend acknowledged (a 2xx to the simulator) that its feed does not hold;
//! - orders whose final state at a till or at the backend differs from Stripe's (status, amount received, and the
//!   amount refunded of the refunds an admin made, each retried with its one idempotency key).
//!
//! Fixed seed, so a run can be repeated (thread timing still varies). It exits non-zero when a count is not zero.
//!
//!     cargo build -p kassa-backend -p stripe-sim --bins
//!     cargo bench -p kassa-tests --bench chaos --profile dev -- --sales 10000   # the full run (README's figures)
//!     cargo bench -p kassa-tests --bench chaos --profile dev -- --sales 300     # what scripts/test runs
//!
//! `--profile dev` runs it against the debug binaries `scripts/build` makes; without it, build the binaries with
//! `--release` first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use kassa_tests::till::{authenticate, confirm_as_client};
use kassa_tests::{client, event_id, eventually, Stack};
use kassa_till::{Backend, Catalog, IntentInfo, OrderStatus, Silent, SystemClock, Till, TillError};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Parser)]
#[command(about = "The chaos run: sales under faults, kills and restarts; then the zero counts.")]
struct Args {
    /// Sales in all, shared among the tills.
    #[arg(long, default_value_t = 10_000)]
    sales: usize,
    #[arg(long, default_value_t = 4)]
    tills: usize,
    /// Backend kill -9 and restarts, spread over the run.
    #[arg(long, default_value_t = 6)]
    kills: usize,
    /// Till closes and reopens, spread over the run and the tills.
    #[arg(long, default_value_t = 8)]
    till_restarts: usize,
    #[arg(long, default_value_t = 20_261_205)]
    seed: u64,
    /// Probabilities of the simulator's faults.
    #[arg(long, default_value_t = 0.05)]
    duplicate: f64,
    #[arg(long, default_value_t = 0.02)]
    drop: f64,
    #[arg(long, default_value_t = 0.02)]
    api_5xx: f64,
    #[arg(long, default_value_t = 250)]
    reorder_ms: u64,
    #[arg(long, default_value_t = 20)]
    delay_ms: u64,
    /// What `cargo bench` adds; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// SplitMix64: small, seedable, and enough for choosing what a customer does.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the customer (and the cashier) do with a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Scenario {
    /// Pays with a card that succeeds.
    Pays,
    /// The card is declined; the cashier cancels the sale.
    DeclinedThenCanceled,
    /// 3-D Secure, completed.
    Authenticates,
    /// 3-D Secure, failed; the cashier cancels the sale.
    FailsAuthenticationThenCanceled,
    /// Walks away before paying; the cashier cancels the sale.
    WalksAway,
    /// Walks away; the sale is left open.
    LeftOpen,
}

impl Scenario {
    fn pick(rng: &mut Rng) -> Self {
        match rng.below(100) {
            0..=69 => Self::Pays,
            70..=79 => Self::DeclinedThenCanceled,
            80..=86 => Self::Authenticates,
            87..=89 => Self::FailsAuthenticationThenCanceled,
            90..=96 => Self::WalksAway,
            _ => Self::LeftOpen,
        }
    }
}

const SKUS: &[&str] = &[
    "espresso",
    "flat-white",
    "cappuccino",
    "tea",
    "croissant",
    "bagel",
    "muffin",
    "sandwich",
    "salad",
    "juice",
    "water",
    "cookie",
];
const PIN: &str = "4321";
/// How long one action keeps being retried while the backend is down or Stripe answers 500.
const GIVE_UP_AFTER: Duration = Duration::from_secs(120);

#[derive(Default)]
struct Tally {
    scenarios: BTreeMap<String, usize>,
    /// Requests retried because the backend was down or answered 5xx, or Stripe answered 500.
    retries: usize,
    refunds: usize,
    till_restarts: usize,
}

/// A refund an admin made: the order, and what the refund asked for.
struct Refund {
    payment_intent_id: String,
    amount: i64,
}

struct Shared {
    stack: Stack,
    admin_token: String,
    done: AtomicUsize,
    tally: Mutex<Tally>,
    refunds: Mutex<Vec<Refund>>,
}

impl Shared {
    fn count(&self, f: impl FnOnce(&mut Tally)) {
        f(&mut self.tally.lock().unwrap());
    }
}

/// A till core on its own database with its sync task, as the app runs it.
struct RunningTill {
    till: Arc<Till>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningTill {
    async fn open(db: &Path, shared: &Shared, name: &str, token: &str) -> RunningTill {
        let backend = Backend::new(&shared.stack.backend.url, token)
            .with_admin_token(Some(shared.admin_token.clone()));
        let till = Arc::new(
            Till::open(
                db,
                backend,
                Catalog::demo(),
                name,
                Arc::new(Silent),
                Arc::new(SystemClock),
            )
            .expect("the till opens its database"),
        );
        if till.set_admin_pin(PIN).is_ok() {
            // First start: the PIN is new. Later starts keep it (setting it again is refused or a no-op).
        }
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(kassa_till::sync::run(till.clone(), rx));
        // What the app does at start-up: reconcile what was left waiting. The backend may be down; so be it.
        let _ = till.recover().await;
        RunningTill { till, stop, task }
    }

    async fn close(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        assert_eq!(
            Arc::strong_count(&self.till),
            1,
            "nothing else holds the till when it closes"
        );
    }
}

/// Retries `f` while the backend is unreachable or answers 5xx (the till's own error for both is Offline).
async fn retrying<T, F, Fut>(shared: &Shared, what: &str, mut f: F) -> Result<T, TillError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, TillError>>,
{
    let deadline = Instant::now() + GIVE_UP_AFTER;
    loop {
        match f().await {
            Err(TillError::Offline(e)) => {
                assert!(
                    Instant::now() < deadline,
                    "{what}: still failing after {GIVE_UP_AFTER:?}: {e}"
                );
                shared.count(|t| t.retries += 1);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// The customer's side, at Stripe (the simulator): retried on its injected 500s, as Stripe.js would be.
async fn at_stripe<F, Fut>(shared: &Shared, what: &str, mut f: F) -> (u16, Value)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (kassa_tests::reqwest::StatusCode, Value)>,
{
    let deadline = Instant::now() + GIVE_UP_AFTER;
    loop {
        let (status, body) = f().await;
        if status.as_u16() != 500 {
            return (status.as_u16(), body);
        }
        assert!(
            Instant::now() < deadline,
            "{what}: Stripe kept answering 500"
        );
        shared.count(|t| t.retries += 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sale(
    shared: &Shared,
    till: &Till,
    rng: &mut Rng,
    http: &kassa_tests::reqwest::Client,
) -> (String, Scenario) {
    let order = till.new_order().expect("a new order");
    for _ in 0..=rng.below(3) {
        let sku = SKUS[rng.below(SKUS.len() as u64) as usize];
        let after = till.add_item(sku).expect("the item is added");
        assert_eq!(after.id, order.id, "{sku} goes into the new sale");
    }
    let info: IntentInfo = retrying(shared, "charge", || till.charge(&order.id))
        .await
        .unwrap_or_else(|e| panic!("charge {}: {e}", order.id));
    let scenario = Scenario::pick(rng);
    let confirm = |card: &'static str| {
        let info = info.clone();
        let http = http.clone();
        move || {
            let (info, http) = (info.clone(), http.clone());
            async move { confirm_as_client(&http, &info, card).await }
        }
    };
    let auth = |outcome: &'static str| {
        let info = info.clone();
        let http = http.clone();
        move || {
            let (info, http) = (info.clone(), http.clone());
            async move { authenticate(&http, &info, outcome).await }
        }
    };
    let mut cancel = false;
    match scenario {
        Scenario::Pays => {
            let (status, body) = at_stripe(shared, "confirm", confirm("pm_card_visa")).await;
            assert_eq!(
                (status, body["status"].as_str()),
                (200, Some("succeeded")),
                "{body}"
            );
        }
        Scenario::DeclinedThenCanceled => {
            let (status, body) =
                at_stripe(shared, "confirm", confirm("pm_card_visa_chargeDeclined")).await;
            assert_eq!(status, 402, "{body}");
            cancel = true;
        }
        Scenario::Authenticates | Scenario::FailsAuthenticationThenCanceled => {
            let (status, body) =
                at_stripe(shared, "confirm", confirm("pm_card_threeDSecure2Required")).await;
            assert_eq!(
                (status, body["status"].as_str()),
                (200, Some("requires_action")),
                "{body}"
            );
            let outcome = if scenario == Scenario::Authenticates {
                "complete"
            } else {
                "fail"
            };
            let (status, body) = at_stripe(shared, "authenticate", auth(outcome)).await;
            assert_eq!(status, 200, "{body}");
            cancel = scenario != Scenario::Authenticates;
        }
        Scenario::WalksAway => cancel = true,
        Scenario::LeftOpen => {}
    }
    if cancel {
        retrying(shared, "cancel", || till.cancel_sale(&order.id))
            .await
            .unwrap_or_else(|e| panic!("cancel {}: {e}", order.id));
    }
    (order.id, scenario)
}

/// An admin refunds one of this till's earlier paid sales (whole or in part), once the till has it as paid.
async fn refund_one(shared: &Shared, till: &Till, paid: &mut Vec<String>, rng: &mut Rng) {
    let Some(pos) = paid
        .iter()
        .position(|id| till.order(id).is_ok_and(|o| o.status == OrderStatus::Paid))
    else {
        return;
    };
    let order_id = paid.remove(pos);
    let order = till.order(&order_id).expect("the order exists");
    let amount = if rng.below(2) == 0 {
        order.total
    } else {
        1 + rng.below(order.total as u64) as i64
    };
    let key = format!("refund-{order_id}");
    till.verify_admin_pin(PIN).expect("the PIN checks");
    retrying(shared, "refund", || {
        till.refund(&order_id, Some(amount), &key)
    })
    .await
    .unwrap_or_else(|e| panic!("refund {order_id}: {e}"));
    shared.count(|t| t.refunds += 1);
    shared.refunds.lock().unwrap().push(Refund {
        payment_intent_id: order.payment_intent_id.expect("a paid order has an intent"),
        amount,
    });
}

struct TillRun {
    db: PathBuf,
    token: String,
    /// Still running: it goes on applying the feed while the run settles.
    till: RunningTill,
    orders: Vec<(String, Scenario)>,
}

async fn run_till(
    shared: Arc<Shared>,
    n: usize,
    sales: usize,
    restarts: usize,
    seed: u64,
    db: PathBuf,
    token: String,
) -> TillRun {
    let mut rng = Rng(seed);
    let http = client();
    let name = format!("till-{n}");
    let mut till = RunningTill::open(&db, &shared, &name, &token).await;
    let restart_at: BTreeSet<usize> = (1..=restarts).map(|i| i * sales / (restarts + 1)).collect();
    let mut orders = Vec::with_capacity(sales);
    let mut paid = Vec::new();
    for i in 0..sales {
        if restart_at.contains(&i) {
            till.close().await;
            till = RunningTill::open(&db, &shared, &name, &token).await;
            shared.count(|t| t.till_restarts += 1);
        }
        let (order_id, scenario) = sale(&shared, &till.till, &mut rng, &http).await;
        if matches!(scenario, Scenario::Pays | Scenario::Authenticates) {
            paid.push(order_id.clone());
        }
        orders.push((order_id, scenario));
        shared.count(|t| *t.scenarios.entry(format!("{scenario:?}")).or_default() += 1);
        if i % 40 == 39 {
            refund_one(&shared, &till.till, &mut paid, &mut rng).await;
        }
        shared.done.fetch_add(1, Ordering::Relaxed);
    }
    TillRun {
        db,
        token,
        till,
        orders,
    }
}

/// kill -9 at evenly spread points of the run, down for a while each time (webhooks retry meanwhile).
async fn killer(shared: Arc<Shared>, total: usize, kills: usize, seed: u64) -> usize {
    let mut rng = Rng(seed);
    let mut killed = 0;
    for k in 1..=kills {
        let at = k * total / (kills + 1);
        while shared.done.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        shared.stack.backend.kill();
        killed += 1;
        tokio::time::sleep(Duration::from_millis(200 + rng.below(1300))).await;
        let s = shared.clone();
        tokio::task::spawn_blocking(move || s.stack.backend.restart())
            .await
            .expect("the backend restarts");
    }
    killed
}

fn main() {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(run(args));
}

async fn run(args: Args) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let seed = args.seed.to_string();
    let (duplicate, drop, api_5xx) = (
        args.duplicate.to_string(),
        args.drop.to_string(),
        args.api_5xx.to_string(),
    );
    let (reorder, delay) = (args.reorder_ms.to_string(), args.delay_ms.to_string());
    let stack = kassa_tests::till::stack(
        dir.path(),
        &[
            "--seed",
            &seed,
            "--fault-duplicate",
            &duplicate,
            "--fault-drop",
            &drop,
            "--fault-api-5xx",
            &api_5xx,
            "--fault-reorder-ms",
            &reorder,
            "--fault-delay-ms",
            &delay,
            "--webhook-max-attempts",
            "15",
            "--webhook-retry-base-ms",
            "100",
            "--webhook-retry-max-ms",
            "2000",
        ],
        // Several tills selling flat out are far above any cashier's pace: the rate limits are off for the run.
        &[
            "--rate-intents-per-minute",
            "0",
            "--rate-money-per-minute",
            "0",
            "--reconcile-every-secs",
            "5",
        ],
    );
    let mut tokens = vec![stack.till.clone()];
    for n in 2..=args.tills {
        tokens.push(stack.token(&format!("till-{n}"), false));
    }
    let shared = Arc::new(Shared {
        admin_token: stack.admin.clone(),
        stack,
        done: AtomicUsize::new(0),
        tally: Mutex::new(Tally::default()),
        refunds: Mutex::new(Vec::new()),
    });

    println!(
        "chaos: {} sales on {} tills, seed {}, faults: duplicate {}, drop {}, api 5xx {}, reorder ≤{} ms, delay {} ms; \
         {} backend kills, {} till restarts",
        args.sales, args.tills, args.seed, args.duplicate, args.drop, args.api_5xx, args.reorder_ms, args.delay_ms,
        args.kills, args.till_restarts
    );
    let started = Instant::now();
    let per_till = args.sales / args.tills;
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let restarts =
            args.till_restarts / args.tills + usize::from(i < args.till_restarts % args.tills);
        let db = dir.path().join(format!("till-{}.sqlite", i + 1));
        let sales = per_till + usize::from(i < args.sales % args.tills);
        tasks.push(tokio::spawn(run_till(
            shared.clone(),
            i + 1,
            sales,
            restarts,
            args.seed + 1 + i as u64,
            db,
            token,
        )));
    }
    let killing = tokio::spawn(killer(shared.clone(), args.sales, args.kills, args.seed));
    let mut runs = Vec::new();
    for t in tasks {
        runs.push(t.await.expect("a till's run ends without panicking"));
    }
    let kills = killing.await.expect("the killer ends");
    let selling = started.elapsed();
    println!(
        "chaos: {} sales in {:.1} s ({:.0} a second, faults and kills included)",
        args.sales,
        selling.as_secs_f64(),
        args.sales as f64 / selling.as_secs_f64()
    );

    settle(&shared).await;
    let mut dbs = Vec::new();
    for run in runs {
        caught_up(&shared, &run).await;
        run.till.close().await;
        dbs.push((run.db, run.orders));
    }
    let report = check(&shared, &dbs).await;
    let faults = shared.stack.sim_get("/_sim/faults").await;
    let t = shared.tally.lock().unwrap();
    println!("chaos: scenarios {:?}", t.scenarios);
    println!(
        "chaos: injected {}; backend kills {kills}; till restarts {}; requests retried {}; refunds {}",
        faults["injected"], t.till_restarts, t.retries, t.refunds
    );
    println!(
        "chaos: settled in {:.1} s",
        (started.elapsed() - selling).as_secs_f64()
    );
    report.print();
    if !report.all_zero() {
        std::process::exit(1);
    }
}

/// Waits until the simulator has finished delivering (every event delivered, dropped or given up), then settles
/// the way an operator would: an admin's reconcile, until it finds nothing more.
async fn settle(shared: &Shared) {
    let stack = &shared.stack;
    eventually(
        Duration::from_secs(300),
        "every event delivered, dropped or given up",
        || async {
            let events: BTreeSet<String> = stack
                .sim_events()
                .await
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect();
            let finished: BTreeSet<String> = stack
                .sim_deliveries()
                .await
                .iter()
                .filter(|a| {
                    matches!(
                        a["outcome"].as_str(),
                        Some("delivered" | "dropped" | "gave_up")
                    )
                })
                .map(|a| a["event_id"].as_str().unwrap().to_owned())
                .collect();
            match events.difference(&finished).count() {
                0 => Ok(()),
                waiting => Err(format!("{waiting} events still being delivered")),
            }
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(300);
    // An admin's "Reconcile now" checks a page of the intents owed a check, oldest check first; pressed until a
    // whole round of them has changed nothing.
    let mut quiet = 0;
    loop {
        let owed = stack
            .payments(&shared.admin_token)
            .await
            .iter()
            .filter(|p| !matches!(p["status"].as_str(), Some("succeeded" | "canceled")))
            .count();
        let (status, sweep) = stack
            .post(&shared.admin_token, "/api/reconcile", serde_json::json!({}))
            .await;
        assert!(status.is_success(), "reconcile: {sweep}");
        let checked = sweep["checked"].as_u64().unwrap_or(0) as usize;
        if sweep["changed"] == 0 && sweep["failed"] == 0 {
            quiet += checked;
        } else {
            quiet = 0;
        }
        if quiet >= owed || checked == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "reconciliation keeps finding changes: {sweep}"
        );
    }
}

/// Waits until a running till has applied all of its feed there is.
async fn caught_up(shared: &Shared, run: &TillRun) {
    let last = shared
        .stack
        .feed_all(&run.token, 0)
        .await
        .last()
        .and_then(|i| i["cursor"].as_i64())
        .unwrap_or(0);
    eventually(
        Duration::from_secs(120),
        "the till applied its whole feed",
        || async {
            let cursor = run.till.till.store.cursor().expect("the cursor reads");
            (cursor >= last)
                .then_some(())
                .ok_or_else(|| format!("{}: at {cursor} of {last}", run.db.display()))
        },
    )
    .await;
}

#[derive(Default)]
struct Report {
    orders: usize,
    paid: usize,
    double_fulfilments: usize,
    paid_unfulfilled: usize,
    fulfilled_unpaid: usize,
    acknowledged_missing: usize,
    acknowledged: usize,
    till_state_differs: Vec<String>,
    backend_state_differs: Vec<String>,
    refund_differs: Vec<String>,
    disagreements_recorded: usize,
}

impl Report {
    fn all_zero(&self) -> bool {
        self.double_fulfilments == 0
            && self.paid_unfulfilled == 0
            && self.fulfilled_unpaid == 0
            && self.acknowledged_missing == 0
            && self.till_state_differs.is_empty()
            && self.backend_state_differs.is_empty()
            && self.refund_differs.is_empty()
    }

    fn print(&self) {
        println!(
            "chaos: {} orders, {} paid; {} events acknowledged by the backend",
            self.orders, self.paid, self.acknowledged
        );
        println!(
            "chaos: double fulfilments          {}",
            self.double_fulfilments
        );
        println!(
            "chaos: paid orders not fulfilled   {}",
            self.paid_unfulfilled
        );
        println!(
            "chaos: fulfilled orders not paid   {}",
            self.fulfilled_unpaid
        );
        println!(
            "chaos: acknowledged events missing {}",
            self.acknowledged_missing
        );
        println!(
            "chaos: till state ≠ Stripe's       {}",
            self.till_state_differs.len()
        );
        println!(
            "chaos: backend state ≠ Stripe's    {}",
            self.backend_state_differs.len()
        );
        println!(
            "chaos: refunded amount ≠ Stripe's  {}",
            self.refund_differs.len()
        );
        println!(
            "chaos: disagreements recorded      {} (no event was forged: expected 0)",
            self.disagreements_recorded
        );
        for line in self
            .till_state_differs
            .iter()
            .chain(&self.backend_state_differs)
            .chain(&self.refund_differs)
            .take(20)
        {
            println!("chaos:   {line}");
        }
    }
}

/// The intent as Stripe (the simulator) has it: status, amount received, amount refunded.
async fn at_the_simulator(stack: &Stack, id: &str) -> (String, i64, i64) {
    let pi = stack
        .sim_get(&format!("/v1/payment_intents/{id}?expand[]=latest_charge"))
        .await;
    (
        pi["status"].as_str().unwrap_or_default().to_owned(),
        pi["amount_received"].as_i64().unwrap_or_default(),
        pi["latest_charge"]["amount_refunded"]
            .as_i64()
            .unwrap_or_default(),
    )
}

async fn check(shared: &Shared, runs: &[(PathBuf, Vec<(String, Scenario)>)]) -> Report {
    let stack = &shared.stack;
    let mut report = Report::default();
    let truth: HashMap<String, Value> = stack
        .sim_list("/v1/payment_intents")
        .await
        .into_iter()
        .map(|pi| (pi["id"].as_str().unwrap().to_owned(), pi))
        .collect();
    let backend: HashMap<String, Value> = stack
        .payments(&shared.admin_token)
        .await
        .into_iter()
        .filter_map(|p| Some((p["payment_intent_id"].as_str()?.to_owned(), p)))
        .collect();

    // Acknowledged: every event the simulator got a 2xx for is in the backend's feed.
    let acknowledged: BTreeSet<String> = stack
        .sim_deliveries()
        .await
        .iter()
        .filter(|a| a["outcome"] == "delivered")
        .map(|a| a["event_id"].as_str().unwrap().to_owned())
        .collect();
    let fed: BTreeSet<String> = stack
        .feed_all(&shared.admin_token, 0)
        .await
        .iter()
        .map(|i| event_id(i).to_owned())
        .collect();
    report.acknowledged = acknowledged.len();
    report.acknowledged_missing = acknowledged.difference(&fed).count();

    for (db, orders) in runs {
        let till = Till::open(
            db,
            Backend::new(&stack.backend.url, "unused"),
            Catalog::demo(),
            "check",
            Arc::new(Silent),
            Arc::new(SystemClock),
        )
        .expect("the till's database opens");
        let fulfilments: HashMap<String, i64> = {
            let conn = till.store.conn();
            let mut stmt = conn
                .prepare("SELECT order_id, COUNT(*) FROM fulfilments GROUP BY order_id")
                .unwrap();
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        for (order_id, scenario) in orders {
            report.orders += 1;
            let order = till.order(order_id).expect("the till has the order");
            let fulfilled = fulfilments.get(order_id).copied().unwrap_or(0);
            report.double_fulfilments += usize::from(fulfilled > 1);
            let pi_id = order
                .payment_intent_id
                .clone()
                .expect("every sale was charged");
            let Some(pi) = truth.get(&pi_id) else {
                report.till_state_differs.push(format!(
                    "{order_id}: {pi_id} is not at Stripe ({scenario:?})"
                ));
                continue;
            };
            let status = pi["status"].as_str().unwrap_or_default();
            let paid = status == "succeeded";
            report.paid += usize::from(paid);
            report.paid_unfulfilled += usize::from(paid && fulfilled == 0);
            report.fulfilled_unpaid += usize::from(!paid && fulfilled > 0);
            let expected = match status {
                "succeeded" => OrderStatus::Paid,
                "canceled" => OrderStatus::Canceled,
                _ => OrderStatus::AwaitingPayment,
            };
            if order.status != expected
                || order.payment_status.as_ref().map(|s| s.as_str()) != Some(status)
            {
                report.till_state_differs.push(format!(
                    "{order_id} ({scenario:?}): the till has {} / {:?}, Stripe {status}",
                    order.status, order.payment_status
                ));
            }
            match backend.get(&pi_id) {
                Some(b)
                    if b["status"] == status && b["amount_received"] == pi["amount_received"] =>
                {
                    report.disagreements_recorded += usize::from(!b["disagreement"].is_null());
                }
                Some(b) => report.backend_state_differs.push(format!(
                    "{pi_id}: the backend has {} with {} received, Stripe {status} with {}",
                    b["status"], b["amount_received"], pi["amount_received"]
                )),
                None => report
                    .backend_state_differs
                    .push(format!("{pi_id}: the backend has no such payment")),
            }
        }
    }

    let mut refunded: BTreeMap<String, i64> = BTreeMap::new();
    for r in shared.refunds.lock().unwrap().iter() {
        *refunded.entry(r.payment_intent_id.clone()).or_default() += r.amount;
    }
    for (pi_id, asked) in refunded {
        let (_, _, at_stripe) = at_the_simulator(stack, &pi_id).await;
        let at_backend = backend
            .get(&pi_id)
            .and_then(|b| b["amount_refunded"].as_i64())
            .unwrap_or(-1);
        if at_stripe != asked || at_backend != asked {
            report.refund_differs.push(format!(
                "{pi_id}: refunds asked {asked}, Stripe refunded {at_stripe}, the backend says {at_backend}"
            ));
        }
    }
    report
}
