//! The till's core (kassa-till) driven headless against the harness's processes: a notifier that records what
//! the UI would have been told, a till with its feed sync task, the customer's side of a card payment (what the
//! Stripe.js stand-in sends), and reads of the till's own tables.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kassa_till::store::apply::FeedItem;
use kassa_till::{
    Backend, Catalog, IntentInfo, Notifier, Order, OrderStatus, SyncStatus, SystemClock, Till,
};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{
    client, create_token, eventually, free_port, read, unique, BackendConfig, Sim, SimOptions,
    Stack,
};

/// Unix milliseconds on this machine's clock.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A notifier that keeps every call, with the time it was made.
#[derive(Default)]
pub struct Recorder {
    orders: Mutex<Vec<(u64, Order)>>,
    syncs: Mutex<Vec<(u64, SyncStatus)>>,
}

impl Notifier for Recorder {
    fn order_changed(&self, order: &Order) {
        let at = unix_ms();
        self.orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((at, order.clone()));
    }

    fn sync_changed(&self, status: &SyncStatus) {
        let at = unix_ms();
        self.syncs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((at, status.clone()));
    }
}

impl Recorder {
    /// Every order_changed, oldest first, with its unix-ms time.
    pub fn orders_timed(&self) -> Vec<(u64, Order)> {
        self.orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn orders(&self) -> Vec<Order> {
        self.orders_timed().into_iter().map(|(_, o)| o).collect()
    }

    /// Every order_changed about one order.
    pub fn order_history(&self, order_id: &str) -> Vec<Order> {
        self.orders()
            .into_iter()
            .filter(|o| o.id == order_id)
            .collect()
    }

    pub fn syncs(&self) -> Vec<SyncStatus> {
        self.syncs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Whether the UI was told of `order_id` in a state `check` accepts.
    pub fn saw(&self, order_id: &str, check: impl Fn(&Order) -> bool) -> bool {
        self.order_history(order_id).iter().any(check)
    }
}

/// One row of the till's append-only log of applied feed events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedEvent {
    pub event_id: String,
    pub cursor: i64,
    pub kind: String,
    pub payment_intent_id: Option<String>,
    pub order_id: Option<String>,
    pub outcome: String,
}

/// One row of the till's fulfilments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fulfilment {
    pub order_id: String,
    pub payment_intent_id: String,
    pub event_id: String,
    pub amount: i64,
    pub currency: String,
}

/// A till on its own SQLite file, with the recording notifier, and its sync task once started. Dropping it stops
/// the task.
pub struct TestTill {
    pub till: Arc<Till>,
    pub notes: Arc<Recorder>,
    sync: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl TestTill {
    /// Opens (or reopens) the till database at `db`, talking to the backend at `backend_url` as `token`.
    pub fn open(db: &Path, backend_url: &str, token: &str) -> TestTill {
        Self::open_with_printer(db, backend_url, token, None)
    }

    /// Opens the till with a receipt printer at `printer` (host:port).
    pub fn open_with_printer(
        db: &Path,
        backend_url: &str,
        token: &str,
        printer: Option<&str>,
    ) -> TestTill {
        let notes = Arc::new(Recorder::default());
        let till =
            Till::open(
                db,
                Backend::new(backend_url, token),
                Catalog::demo(),
                "till-1",
                notes.clone(),
                Arc::new(SystemClock),
            )
            .expect("the till opens its database")
            .with_printer(printer.map(|p| {
                kassa_till::print::ReceiptPrinter::parse(p, None).expect("a printer address")
            }));
        TestTill {
            till: Arc::new(till),
            notes,
            sync: None,
        }
    }

    /// A shop's till for `stack`, in `dir/till`, synced and online: where most till tests start.
    pub async fn online(dir: &Path, stack: &crate::Stack) -> TestTill {
        let till = Self::running(
            &dir.join("till").join("till.sqlite3"),
            &stack.backend.url,
            &stack.till,
        );
        till.wait_sync("online", |s| s.online).await;
        till
    }

    /// Opens the till and starts its sync task, as the app does at start-up.
    pub fn running(db: &Path, backend_url: &str, token: &str) -> TestTill {
        let mut t = Self::open(db, backend_url, token);
        t.start_sync();
        t
    }

    pub fn start_sync(&mut self) {
        assert!(self.sync.is_none(), "the sync task is already running");
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(kassa_till::sync::run(self.till.clone(), rx));
        self.sync = Some((stop, task));
    }

    /// Asks the sync task to stop and waits until it has.
    pub async fn stop_sync(&mut self) {
        if let Some((stop, task)) = self.sync.take() {
            let _ = stop.send(true);
            tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .expect("the sync task stops when asked")
                .expect("the sync task ends without panicking");
        }
    }

    /// What quitting the app does: stop syncing and close the database (nothing else may still hold the till).
    pub async fn close(mut self) {
        self.stop_sync().await;
        assert_eq!(
            Arc::strong_count(&self.till),
            1,
            "nothing else holds the till when it closes"
        );
    }

    /// A new sale with these catalog items, charged: its PaymentIntent exists at the backend.
    pub async fn sale(&self, skus: &[&str]) -> (Order, IntentInfo) {
        let order = self.till.new_order().expect("a new order");
        for sku in skus {
            let after = self.till.add_item(sku).expect("the item is added");
            assert_eq!(after.id, order.id, "{sku} goes into the new sale");
        }
        let info = self
            .till
            .charge(&order.id)
            .await
            .expect("the charge starts");
        (self.till.order(&order.id).expect("the order exists"), info)
    }

    pub fn order(&self, order_id: &str) -> Order {
        self.till.order(order_id).expect("the order exists")
    }

    /// Waits until the stored order satisfies `check`.
    pub async fn wait_order(
        &self,
        order_id: &str,
        what: &str,
        check: impl Fn(&Order) -> bool,
    ) -> Order {
        eventually(Duration::from_secs(30), what, || async {
            let order = self.order(order_id);
            if check(&order) {
                Ok(order)
            } else {
                Err(format!("{order:?}"))
            }
        })
        .await
    }

    /// Waits until the UI was told of the order in a state `check` accepts (the notifier is called just after
    /// the row is committed, so a row read can be ahead of it).
    pub async fn wait_notified(&self, order_id: &str, what: &str, check: impl Fn(&Order) -> bool) {
        eventually(Duration::from_secs(30), what, || async {
            if self.notes.saw(order_id, &check) {
                Ok(())
            } else {
                Err(format!("{:?}", self.notes.order_history(order_id)))
            }
        })
        .await
    }

    /// Waits until the UI was told of a sync status `check` accepts, after the first one `since` accepts (or
    /// from the start). Returns the statuses the UI was told, oldest first.
    pub async fn wait_sync_notified(
        &self,
        what: &str,
        since: impl Fn(&SyncStatus) -> bool,
        check: impl Fn(&SyncStatus) -> bool,
    ) -> Vec<SyncStatus> {
        eventually(Duration::from_secs(30), what, || async {
            let syncs = self.notes.syncs();
            let from = syncs.iter().position(&since).unwrap_or(syncs.len());
            if syncs[from..].iter().any(&check) {
                Ok(syncs)
            } else {
                Err(format!("{syncs:?}"))
            }
        })
        .await
    }

    pub async fn wait_paid(&self, order_id: &str) -> Order {
        self.wait_order(order_id, &format!("order {order_id} paid"), |o| {
            o.status == OrderStatus::Paid
        })
        .await
    }

    pub async fn wait_sync(&self, what: &str, check: impl Fn(&SyncStatus) -> bool) -> SyncStatus {
        eventually(Duration::from_secs(30), what, || async {
            let status = self.till.sync_status();
            if check(&status) {
                Ok(status)
            } else {
                Err(format!("{status:?}"))
            }
        })
        .await
    }

    pub fn cursor(&self) -> i64 {
        self.till.store.cursor().expect("the cursor is readable")
    }

    pub fn fulfilments(&self, order_id: &str) -> Vec<Fulfilment> {
        let conn = self.till.store.conn();
        let mut stmt = conn
            .prepare(
                "SELECT order_id, payment_intent_id, event_id, amount, currency FROM fulfilments
                 WHERE order_id = ?1",
            )
            .expect("the fulfilments table exists");
        let rows = stmt
            .query_map([order_id], |r| {
                Ok(Fulfilment {
                    order_id: r.get(0)?,
                    payment_intent_id: r.get(1)?,
                    event_id: r.get(2)?,
                    amount: r.get(3)?,
                    currency: r.get(4)?,
                })
            })
            .expect("fulfilments are readable")
            .collect::<Result<Vec<_>, _>>()
            .expect("fulfilments are readable");
        rows
    }

    /// The applied-event log, in the order applied.
    pub fn applied(&self) -> Vec<AppliedEvent> {
        let conn = self.till.store.conn();
        let mut stmt = conn
            .prepare(
                "SELECT event_id, cursor, type, payment_intent_id, order_id, outcome FROM applied_events ORDER BY seq",
            )
            .expect("the applied_events table exists");
        let rows = stmt
            .query_map([], |r| {
                Ok(AppliedEvent {
                    event_id: r.get(0)?,
                    cursor: r.get(1)?,
                    kind: r.get(2)?,
                    payment_intent_id: r.get(3)?,
                    order_id: r.get(4)?,
                    outcome: r.get(5)?,
                })
            })
            .expect("applied events are readable")
            .collect::<Result<Vec<_>, _>>()
            .expect("applied events are readable");
        rows
    }

    /// Applies one feed item through the store, as the sync task does, without the notifier.
    pub fn apply(&self, item: &FeedItem) -> kassa_till::store::apply::Outcome {
        let mut conn = self.till.store.conn();
        kassa_till::store::apply::apply(&mut conn, item, crate::unix_now())
            .expect("the item applies")
            .0
    }

    /// Waits until the till has applied everything the backend's feed holds for it.
    pub async fn wait_settled(&self, stack: &Stack) {
        let last = stack
            .feed_all(&stack.till, 0)
            .await
            .last()
            .and_then(|i| i["cursor"].as_i64())
            .unwrap_or(0);
        eventually(
            Duration::from_secs(30),
            "the till applied the whole feed",
            || async {
                let cursor = self.cursor();
                (cursor >= last)
                    .then_some(())
                    .ok_or_else(|| format!("at {cursor}, the feed ends at {last}"))
            },
        )
        .await;
    }
}

impl Drop for TestTill {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.sync.take() {
            let _ = stop.send(true);
            task.abort();
        }
    }
}

/// A feed item from the backend's JSON, as the till's client reads it.
pub fn feed_item(item: &Value) -> FeedItem {
    serde_json::from_value(item.clone()).expect("a feed item")
}

/// The Stripe.js stand-in's origin, from what the backend told the till.
pub fn stripe_origin(info: &IntentInfo) -> &str {
    info.stripe_js_url.trim_end_matches("/v3")
}

/// What the customer's side (Stripe.js in the till's webview) sends: confirm with the publishable key and the
/// client secret, as use_stripe_sdk does.
pub async fn confirm_as_client(
    http: &reqwest::Client,
    info: &IntentInfo,
    payment_method: &str,
) -> (StatusCode, Value) {
    let resp = http
        .post(format!(
            "{}/v1/payment_intents/{}/confirm",
            stripe_origin(info),
            info.payment_intent_id
        ))
        .bearer_auth(&info.publishable_key)
        .form(&[
            ("client_secret", info.client_secret.as_str()),
            ("payment_method", payment_method),
            ("use_stripe_sdk", "true"),
        ])
        .send()
        .await
        .expect("the simulator answers");
    read(resp).await
}

/// The customer answers the 3-D Secure challenge: `complete` or `fail`.
pub async fn authenticate(
    http: &reqwest::Client,
    info: &IntentInfo,
    outcome: &str,
) -> (StatusCode, Value) {
    let resp = http
        .post(format!(
            "{}/v1/test_helpers/payment_intents/{}/authenticate",
            stripe_origin(info),
            info.payment_intent_id
        ))
        .bearer_auth(&info.publishable_key)
        .form(&[
            ("client_secret", info.client_secret.as_str()),
            ("outcome", outcome),
        ])
        .send()
        .await
        .expect("the simulator answers");
    read(resp).await
}

/// [`Stack::start_with`], with extra flags for the backend too (e.g. `--reconcile-every-secs 0`).
pub fn stack(data_dir: &Path, sim_args: &[&str], backend_args: &[&str]) -> Stack {
    let port = free_port();
    let secret = unique("whsec_kassa_tests_");
    let sim = Sim::start(
        &secret,
        Some(&format!("http://127.0.0.1:{port}/webhook")),
        &SimOptions::args(sim_args.iter().copied()),
    );
    let till = create_token(data_dir, "till-1", false);
    let admin = create_token(data_dir, "admin", true);
    let mut config = BackendConfig::for_sim(port, data_dir, &sim.url, &secret);
    config.args = backend_args.iter().map(|a| a.to_string()).collect();
    let backend = crate::Backend::start(config);
    Stack {
        sim,
        backend,
        http: client(),
        till,
        admin,
    }
}
