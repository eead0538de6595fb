//! kassa-till: the till's core, with no Tauri dependency, so it runs and is tested headless.
//!
//! - [`store`]: the local SQLite (orders, lines, the applied-event log, fulfilments, the feed cursor).
//! - [`backend`]: the typed client of the companion backend.
//! - [`sync`]: the feed long-poll that fulfils orders exactly once.
//! - [`Till`]: what the UI can ask for, as plain methods; the Tauri shell only forwards them.

pub mod admin;
pub mod admin_session;
pub mod backend;
mod cash;
pub mod catalog;
pub mod catalog_admin;
pub mod error;
pub mod pin;
pub mod print;
pub mod reader;
pub mod shift;
pub mod status;
pub mod store;
pub mod sync;
pub mod tax;
pub mod tip;

use std::path::Path;
use std::sync::{Arc, Mutex};

use kassa_stripe::PaymentIntentStatus;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;
use ts_rs::TS;

pub use backend::{Backend, IntentInfo};
pub use catalog::Catalog;

/// The most products a search answers with: more than a screen shows.
pub const SEARCH_LIMIT: usize = 50;
pub use error::{Result, TillError};
pub use status::OrderStatus;
use store::apply::{FeedItem, Outcome};
pub use store::orders::Order;
use store::{orders, Store};
pub use sync::SyncStatus;

/// How the core tells the UI that something changed (the shell turns these into Tauri events).
pub trait Notifier: Send + Sync + 'static {
    fn order_changed(&self, order: &Order);
    fn sync_changed(&self, status: &SyncStatus);
    /// The catalogue the till sells from changed (the feed brought a change).
    fn catalog_changed(&self) {}
}

/// A notifier that tells nobody, for headless use.
pub struct Silent;

impl Notifier for Silent {
    fn order_changed(&self, _: &Order) {}
    fn sync_changed(&self, _: &SyncStatus) {}
}

pub use kassa_stripe::clock::{Clock, ManualClock, SystemClock};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct Receipt {
    pub order_id: String,
    pub lines: Vec<orders::Line>,
    pub total: i64,
    /// The tax within `total`, and per rate.
    pub tax: i64,
    pub taxes: Vec<tax::RateTotal>,
    pub currency: String,
    /// The shop's name and address as the receipt heads them; empty until an admin sets the store.
    pub store_name: String,
    pub store_address: String,
    /// What the card paid, tip included (0 for a sale paid in cash), and the cash part with its change.
    pub card_amount: i64,
    /// The tip on the card, on top of `total`.
    pub tip: i64,
    pub cash: Option<store::tenders::CashPart>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// How a card reader read the card (`contactless_emv`, …); none for a typed card.
    pub card_read_method: Option<String>,
    pub payment_intent_id: Option<String>,
    pub paid_at: i64,
    pub terminal: String,
}

pub struct Till {
    /// Shared with blocking tasks: the async commands touch SQLite off the runtime's threads.
    pub store: Arc<Store>,
    pub backend: Backend,
    pub catalog: Catalog,
    pub terminal: String,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    sync: Mutex<SyncStatus>,
    pin_guard: pin::Guard,
    admin_session: admin_session::AdminSession,
    /// Woken when cash of a paid sale waits to be sent (sync's cash sender listens).
    cash_waiting: tokio::sync::Notify,
    /// The network receipt printer, if the till has one; without it the UI prints through the webview.
    printer: Option<print::ReceiptPrinter>,
}

impl Till {
    pub fn open(
        db: &Path,
        backend: Backend,
        catalog: Catalog,
        terminal: &str,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let store = Store::open(db)?;
        let cursor = store.cursor()?;
        Ok(Self {
            store: Arc::new(store),
            backend,
            catalog,
            terminal: terminal.to_owned(),
            notifier,
            clock,
            sync: Mutex::new(SyncStatus {
                online: false,
                message: Some("Connecting to the payment server…".into()),
                retry_in_ms: None,
                cursor,
            }),
            pin_guard: pin::Guard::default(),
            admin_session: admin_session::AdminSession::default(),
            cash_waiting: tokio::sync::Notify::new(),
            printer: None,
        })
    }

    pub fn with_printer(mut self, printer: Option<print::ReceiptPrinter>) -> Self {
        self.printer = printer;
        self
    }

    /// The receipt printer's address, if one is set.
    pub fn printer(&self) -> Option<&str> {
        self.printer.as_ref().map(|p| p.address.as_str())
    }

    /// Prints the paid sale's receipt on the receipt printer, and opens the cash drawer when the sale took cash
    /// (`open_drawer`: false for a reprint, which must not open the drawer again).
    pub async fn print_receipt(&self, order_id: &str, open_drawer: bool) -> Result<print::Printed> {
        let Some(printer) = self.printer.clone() else {
            return Err(TillError::NotConfigured(
                "no receipt printer is set for this till (receipt_printer in its settings, or KASSA_RECEIPT_PRINTER)"
                    .into(),
            ));
        };
        let receipt = self.receipt(order_id).await?;
        let kick = open_drawer && receipt.cash.is_some();
        let paid_at = chrono::DateTime::from_timestamp(receipt.paid_at, 0)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let layout = print::escpos::Layout {
            columns: printer.columns,
            paid_at,
        };
        let bytes = print::escpos::render(&receipt, &layout, kick);
        printer.send(&bytes).await?;
        Ok(print::Printed {
            printer: printer.address,
            bytes: bytes.len(),
            drawer_opened: kick,
        })
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Runs `work` on the database on a blocking thread, as the backend does: a commit waits for the disk, and
    /// the async runtime's few threads also carry the feed's long-poll and the UI's commands.
    async fn with_db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store.conn()))
            .await
            .map_err(|e| TillError::Storage(format!("the database work stopped: {e}")))?
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.sync.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_sync(&self, status: SyncStatus) {
        let mut current = self.sync.lock().unwrap_or_else(|e| e.into_inner());
        if *current != status {
            *current = status.clone();
            drop(current);
            self.notifier.sync_changed(&status);
        }
    }

    pub fn order(&self, order_id: &str) -> Result<Order> {
        orders::get(&self.store.conn(), order_id)
    }

    pub fn current_order(&self) -> Result<Option<Order>> {
        orders::current(&self.store.conn())
    }

    /// Starts a new sale. An open cart with nothing in it is reused rather than piling up empty orders.
    pub fn new_order(&self) -> Result<Order> {
        let (currency, policy) = self.sale_rules()?;
        let conn = self.store.conn();
        if let Some(current) = orders::current(&conn)? {
            if current.status == OrderStatus::Open
                && current.lines.is_empty()
                && current.currency == currency
                && current.policy == policy
            {
                return Ok(current);
            }
        }
        let id = format!(
            "ord_{}",
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect::<String>()
        );
        orders::create_with(&conn, &id, &currency, policy, self.now())?;
        orders::get(&conn, &id)
    }

    fn editable(&self, order_id: &str) -> Result<Order> {
        let order = self.order(order_id)?;
        if !order.editable() {
            return Err(TillError::Conflict(format!(
                "order {order_id} can no longer change: its payment is {}",
                order
                    .payment_status
                    .as_ref()
                    .map_or(order.status.as_str(), PaymentIntentStatus::as_str)
            )));
        }
        Ok(order)
    }

    fn open_order(&self) -> Result<Order> {
        match self.current_order()? {
            Some(o) if o.editable() => Ok(o),
            _ => self.new_order(),
        }
    }

    /// What the till sells: the merchant's catalogue once the feed has brought it, else the built-in one.
    pub fn catalog(&self) -> Result<Catalog> {
        let conn = self.store.conn();
        let Some(store) = store::catalog::store(&conn)? else {
            return Ok(self.catalog.clone());
        };
        let (items, total) = store::catalog::active(&conn, catalog::GRID_LIMIT)?;
        Ok(Catalog {
            currency: store.currency,
            tip_percents: store.tip_percents,
            more: total - items.len() as i64,
            items: items
                .into_iter()
                .map(|s| {
                    let mut item = catalog::CatalogItem::from(s.product);
                    // The backend serves pictures at paths on its own origin.
                    item.image_url = item
                        .image_url
                        .map(|path| format!("{}{path}", self.backend.base()));
                    item
                })
                .collect(),
        })
    }

    /// The currency new sales are in.
    fn currency(&self) -> Result<String> {
        Ok(self.sale_rules()?.0)
    }

    /// The currency and tax rounding new sales are under: the store's, once the feed has brought them.
    fn sale_rules(&self) -> Result<(String, tax::Policy)> {
        Ok(match store::catalog::store(&self.store.conn())? {
            Some(s) => (
                s.currency,
                tax::Policy {
                    rounding: s.rounding,
                    scope: s.tax_scope,
                },
            ),
            None if self.catalog.currency.is_empty() => {
                return Err(TillError::NotConfigured(
                    "this till has not yet received the shop's catalogue from the payment server: sales start once it has"
                        .into(),
                ))
            }
            None => (self.catalog.currency.clone(), tax::Policy::default()),
        })
    }

    /// Products on sale whose name contains `query` or whose SKU starts with it.
    pub fn search(&self, query: &str) -> Result<Vec<catalog::CatalogItem>> {
        if store::catalog::store(&self.store.conn())?.is_none() {
            let q = query.trim().to_lowercase();
            return Ok(self
                .catalog
                .items
                .iter()
                .filter(|i| {
                    !q.is_empty() && (i.name.to_lowercase().contains(&q) || i.sku.starts_with(&q))
                })
                .cloned()
                .collect());
        }
        Ok(
            store::catalog::search(&self.store.conn(), query, SEARCH_LIMIT)?
                .into_iter()
                .map(|s| catalog::CatalogItem::from(s.product))
                .collect(),
        )
    }

    pub fn add_item(&self, sku: &str) -> Result<Order> {
        if store::catalog::store(&self.store.conn())?.is_some() {
            let item = store::catalog::by_sku(&self.store.conn(), sku)?
                .filter(|s| s.product.active)
                .ok_or_else(|| TillError::Invalid {
                    field: "sku",
                    message: format!("no product {sku:?} on sale"),
                })?;
            return self.add_product(&item);
        }
        let item = self
            .catalog
            .find(sku)
            .ok_or_else(|| TillError::Invalid {
                field: "sku",
                message: format!("no item {sku:?} in the catalog"),
            })?
            .clone();
        let order = self.open_order()?;
        orders::add_line(
            &self.store.conn(),
            &order.id,
            Some(&item.sku),
            &item.name,
            item.unit_amount,
            self.now(),
        )?;
        self.order(&order.id)
    }

    /// A barcode as a scanner typed it: the product it names joins the sale.
    pub fn scan(&self, code: &str) -> Result<Order> {
        let code = code.trim();
        let item = store::catalog::by_barcode(&self.store.conn(), code)?
            .filter(|s| s.product.active)
            .ok_or_else(|| TillError::Invalid {
                field: "barcode",
                message: format!("Unknown barcode {code}"),
            })?;
        self.add_product(&item)
    }

    fn add_product(&self, item: &store::catalog::Sellable) -> Result<Order> {
        let order = self.open_order()?;
        orders::add_product_line(&self.store.conn(), &order.id, item, self.now())?;
        self.order(&order.id)
    }

    /// A keypad amount, in minor units.
    pub fn add_custom(&self, amount: i64, name: Option<&str>) -> Result<Order> {
        let code = self.currency()?;
        let currency = kassa_stripe::currency::lookup(&code).ok_or_else(|| TillError::Invalid {
            field: "currency",
            message: format!("the store's currency {code:?} is not one Stripe takes"),
        })?;
        if amount <= 0 || amount > currency.maximum() {
            return Err(TillError::Invalid {
                field: "amount",
                message: format!(
                    "amount must be between 1 and {} in minor units",
                    currency.maximum()
                ),
            });
        }
        if currency.display_zero_decimal && amount % 100 != 0 {
            return Err(TillError::Invalid {
                field: "amount",
                message: "amount must be whole units in this currency".into(),
            });
        }
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("Custom amount");
        let order = self.open_order()?;
        orders::add_line(
            &self.store.conn(),
            &order.id,
            None,
            name,
            amount,
            self.now(),
        )?;
        self.order(&order.id)
    }

    pub fn set_quantity(&self, line_id: i64, quantity: i64) -> Result<Order> {
        if !(0..=999).contains(&quantity) {
            return Err(TillError::Invalid {
                field: "quantity",
                message: "quantity must be between 0 and 999".into(),
            });
        }
        let order_id = orders::order_of_line(&self.store.conn(), line_id)?
            .ok_or_else(|| TillError::NotFound(format!("line {line_id}")))?;
        self.editable(&order_id)?;
        orders::set_quantity(&self.store.conn(), &order_id, line_id, quantity, self.now())?;
        self.order(&order_id)
    }

    /// Creates the order's PaymentIntent at the backend, or gets the one it already has (same id every time).
    pub async fn charge(&self, order_id: &str) -> Result<IntentInfo> {
        let order = self.order(order_id)?;
        if order.lines.is_empty() {
            return Err(TillError::Invalid {
                field: "order",
                message: "add an item before charging".into(),
            });
        }
        if order.status.is_final() {
            return Err(TillError::Conflict(format!(
                "order {order_id} is already {}",
                order.status
            )));
        }
        if order.due <= 0 {
            return Err(TillError::Conflict(format!(
                "order {order_id} is paid in cash; there is nothing left to charge"
            )));
        }
        let description = format!("{} at {}", summarize(&order), self.terminal);
        // A split's card pays only what the cash left, and any tip.
        let info = self
            .backend
            .put_intent(
                order_id,
                order.card_amount(),
                &order.currency,
                Some(&description),
            )
            .await?;
        let (id, pi, status, now) = (
            order_id.to_owned(),
            info.payment_intent_id.clone(),
            info.status.clone(),
            self.now(),
        );
        self.with_db(move |c| orders::set_intent(c, &id, &pi, &status, now))
            .await?;
        Ok(info)
    }

    /// Cancels the sale: its intent at the backend (Stripe), then the order here.
    pub async fn cancel_sale(&self, order_id: &str) -> Result<Order> {
        self.cancel_as(order_id, None).await
    }

    /// `admin`: the admin screen's cancel, with the action's idempotency key (and the admin token).
    async fn cancel_as(&self, order_id: &str, admin: Option<&str>) -> Result<Order> {
        let order = self.order(order_id)?;
        if order.status == OrderStatus::Paid {
            return Err(TillError::Conflict(format!(
                "order {order_id} is paid; refund it from the admin screen instead"
            )));
        }
        if order.payment_intent_id.is_some() {
            self.backend.cancel(order_id, admin).await?;
        }
        let (id, now) = (order_id.to_owned(), self.now());
        let order = self
            .with_db(move |c| {
                orders::set_canceled(c, &id, now)?;
                // Any cash taken toward it goes back to the customer.
                store::tenders::return_cash(c, &id)?;
                orders::get(c, &id)
            })
            .await?;
        self.notifier.order_changed(&order);
        Ok(order)
    }

    /// Asks the backend for the intent now; any change it learns reaches us through the feed.
    pub async fn refresh_order(&self, order_id: &str) -> Result<Order> {
        if self.order(order_id)?.payment_intent_id.is_some() {
            self.backend.order(order_id).await?;
        }
        self.order(order_id)
    }

    pub async fn receipt(&self, order_id: &str) -> Result<Receipt> {
        let mut order = self.order(order_id)?;
        let Some(paid_at) = order
            .fulfilled_at
            .filter(|_| order.status == OrderStatus::Paid)
        else {
            return Err(TillError::Conflict(format!(
                "order {order_id} is not paid yet"
            )));
        };
        if order.payment_intent_id.is_some() && order.card_last4.is_none() {
            // The charge event may not have arrived yet; the backend knows the card from Stripe.
            if let Ok(p) = self.backend.order(order_id).await {
                if let (Some(brand), Some(last4)) = (p.card_brand, p.card_last4) {
                    let (id, read) = (order_id.to_owned(), p.card_read_method);
                    order = self
                        .with_db(move |c| {
                            orders::set_card(c, &id, &brand, &last4, read.as_deref())?;
                            orders::get(c, &id)
                        })
                        .await?;
                }
            }
        }
        let (store_name, store_address) = self
            .with_db(store::catalog::store)
            .await?
            .map(|s| (s.name, s.address))
            .unwrap_or_default();
        let card_amount = if order.payment_intent_id.is_some() {
            order.card_amount()
        } else {
            0
        };
        Ok(Receipt {
            order_id: order.id,
            lines: order.lines,
            total: order.total,
            tax: order.tax,
            taxes: order.taxes,
            currency: order.currency,
            store_name,
            store_address,
            card_amount,
            tip: order.tip,
            cash: order.cash,
            card_brand: order.card_brand,
            card_last4: order.card_last4,
            card_read_method: order.card_read_method,
            payment_intent_id: order.payment_intent_id,
            paid_at,
            terminal: self.terminal.clone(),
        })
    }

    /// Applies a page of the feed atomically, then tells the UI about every order it changed.
    pub(crate) fn apply_feed_page(&self, items: &[FeedItem]) -> Result<Vec<Outcome>> {
        let results = store::apply::apply_page(&mut self.store.conn(), items, self.now())?;
        let mut outcomes = Vec::with_capacity(results.len());
        for (outcome, order) in results {
            if let Some(order) =
                order.filter(|_| !matches!(outcome, Outcome::Duplicate | Outcome::NotOurs))
            {
                self.notifier.order_changed(&order);
            }
            outcomes.push(outcome);
        }
        if outcomes.contains(&Outcome::Fulfilled) {
            // A split's card part may have completed its sale, whose cash can now be sent.
            self.cash_waiting.notify_one();
        }
        if outcomes.contains(&Outcome::CatalogUpdated) {
            self.notifier.catalog_changed();
        }
        for (item, outcome) in items.iter().zip(&outcomes) {
            if *outcome == Outcome::Unreadable {
                tracing::error!(
                    cursor = item.cursor,
                    "skipped a feed item the till cannot read: {}",
                    item.event
                        .get("error")
                        .and_then(|e| e.as_str())
                        .unwrap_or_default()
                );
            }
        }
        if let Some(last) = items.last() {
            let mut status = self.sync_status();
            status.cursor = status.cursor.max(last.cursor);
            if outcomes.contains(&Outcome::Unreadable) {
                status.message = self.skipped_notice();
            }
            self.set_sync(status);
        }
        Ok(outcomes)
    }

    /// What the sync banner says while online if the till ever skipped a feed item it could not read.
    pub fn skipped_notice(&self) -> Option<String> {
        let skipped = store::apply::unreadable_count(&self.store.conn()).unwrap_or(0);
        (skipped > 0).then(|| {
            format!(
                "{skipped} event{} from the payment server could not be read and {} skipped; the till's log names {}.",
                if skipped == 1 { "" } else { "s" },
                if skipped == 1 { "was" } else { "were" },
                if skipped == 1 { "it" } else { "them" },
            )
        })
    }

    /// Start-up and on-demand recovery: orders left waiting are reconciled through the backend, whose findings
    /// come back through the feed like any other event.
    pub async fn recover(&self) -> Result<backend::Sweep> {
        let sweep = self.backend.reconcile().await?;
        let waiting = self.with_db(orders::awaiting_payment).await?;
        for id in waiting {
            if let Err(e) = self.backend.order(&id).await {
                tracing::warn!(order = %id, "could not refresh a waiting order: {e}");
            }
        }
        Ok(sweep)
    }
}

/// What a payment stuck in processing or requires_action may take before the admin screen flags it.
pub const STUCK_AFTER_SECS: i64 = 10 * 60;

impl Till {
    pub fn admin_payments(&self, q: &admin::AdminQuery) -> Result<admin::AdminPage> {
        self.admin()?;
        admin::payments(&self.store.conn(), &self.terminal, q)
    }

    pub fn admin_detail(&self, order_id: &str) -> Result<admin::PaymentDetail> {
        self.admin()?;
        admin::detail(&self.store.conn(), &self.terminal, order_id)
    }

    pub fn end_of_day(&self, from: i64, to: i64) -> Result<Vec<admin::DayTotal>> {
        self.admin()?;
        if to <= from {
            return Err(TillError::Invalid {
                field: "to",
                message: "the end of the range must be after its start".into(),
            });
        }
        admin::end_of_day(&self.store.conn(), from, to)
    }

    pub fn needs_attention(&self) -> Result<Vec<admin::AttentionItem>> {
        self.admin()?;
        admin::needs_attention(
            &self.store.conn(),
            &self.terminal,
            self.now(),
            STUCK_AFTER_SECS,
        )
    }

    /// The filtered table as CSV, written under `dir`; returns the file's path, the row count and the text.
    pub fn export_csv(
        &self,
        q: &admin::AdminQuery,
        dir: &Path,
    ) -> Result<(std::path::PathBuf, usize, String)> {
        self.admin()?;
        let (csv, rows) = admin::csv(&self.store.conn(), &self.terminal, q)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| TillError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(format!("payments-{}.csv", self.now()));
        std::fs::write(&path, &csv)
            .map_err(|e| TillError::Storage(format!("cannot write {}: {e}", path.display())))?;
        Ok((path, rows, csv))
    }

    /// A full or partial refund through the backend; `idempotency_key` makes a retried request refund once.
    pub async fn refund(
        &self,
        order_id: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<admin::PaymentDetail> {
        self.admin()?;
        let row = admin::row_of(&self.store.conn(), &self.terminal, order_id)?;
        if row.status != status::DisplayStatus::Succeeded {
            return Err(TillError::Conflict(format!(
                "order {order_id} is {}; only a succeeded payment can be refunded",
                row.status
            )));
        }
        let left = row.amount - row.amount_refunded;
        if let Some(a) = amount {
            if a <= 0 || a > left {
                return Err(TillError::Invalid {
                    field: "amount",
                    message: format!(
                        "the refund must be between 1 and {left} (what is left to refund)"
                    ),
                });
            }
        }
        require_key(idempotency_key, "a refund")?;
        let answer = self
            .backend
            .refund(order_id, amount, idempotency_key)
            .await?;
        // The feed brings charge.refunded too; recording the backend's figure now keeps the screen current.
        let (id, refunded, now) = (
            order_id.to_owned(),
            answer.order.amount_refunded,
            self.now(),
        );
        self.with_db(move |c| orders::record_refunded(c, &id, refunded, now))
            .await?;
        self.notify_order(order_id);
        self.admin_detail(order_id)
    }

    /// `idempotency_key`: one per capture dialog, so a double click or a retry captures once.
    pub async fn capture(
        &self,
        order_id: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<admin::PaymentDetail> {
        self.admin()?;
        require_key(idempotency_key, "a capture")?;
        self.backend
            .capture(order_id, amount, idempotency_key)
            .await?;
        self.admin_detail(order_id)
    }

    pub async fn admin_cancel(
        &self,
        order_id: &str,
        idempotency_key: &str,
    ) -> Result<admin::PaymentDetail> {
        self.admin()?;
        require_key(idempotency_key, "a cancel")?;
        self.cancel_as(order_id, Some(idempotency_key)).await?;
        self.admin_detail(order_id)
    }

    fn notify_order(&self, order_id: &str) {
        if let Ok(order) = self.order(order_id) {
            self.notifier.order_changed(&order);
        }
    }

    pub fn set_admin_pin(&self, pin: &str) -> Result<()> {
        pin::set(&self.store, pin)
    }

    /// Checks the PIN; the right one opens an admin session ([`admin_session::ADMIN_SESSION_SECS`]).
    pub fn verify_admin_pin(&self, pin: &str) -> Result<bool> {
        let ok = self.pin_guard.verify(&self.store, pin)?;
        if ok {
            self.admin_session.unlock(self.now());
        }
        Ok(ok)
    }

    /// Ends the admin session (the admin screen was left).
    pub fn lock_admin(&self) {
        self.admin_session.lock();
    }

    /// Every admin command starts here: without a live session it is refused, whatever the webview shows.
    fn admin(&self) -> Result<()> {
        self.admin_session.check(self.now())
    }
}

/// Every money-moving action carries its own idempotency key, so a retry moves the money once.
fn require_key(key: &str, action: &str) -> Result<()> {
    if key.trim().is_empty() {
        return Err(TillError::Invalid {
            field: "idempotency_key",
            message: format!("{action} needs an idempotency key"),
        });
    }
    Ok(())
}

fn summarize(order: &Order) -> String {
    let items: Vec<String> = order
        .lines
        .iter()
        .take(3)
        .map(|l| format!("{}× {}", l.quantity, l.name))
        .collect();
    let more = order.lines.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", items.join(", "))
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skipped_feed_item_is_shown_in_the_sync_status_while_online() {
        let dir = tempfile::tempdir().unwrap();
        let till = Till::open(
            &dir.path().join("till.sqlite3"),
            Backend::new("http://127.0.0.1:9", "kt_test"),
            Catalog::demo(),
            "till-1",
            Arc::new(Silent),
            Arc::new(SystemClock),
        )
        .unwrap();
        assert_eq!(till.skipped_notice(), None);
        let page = backend::read_feed_page(
            br#"{"events":[{"cursor":7,"event":{"id":"evt_7","type":"x"},"unexpected":{"order_id":[1]},"order_id":5}],"next_cursor":7}"#,
        )
        .unwrap();
        let outcomes = till.apply_feed_page(&page.events).unwrap();
        assert_eq!(outcomes, [Outcome::Unreadable]);
        let status = till.sync_status();
        assert_eq!(status.cursor, 7);
        assert_eq!(
            status.message.as_deref(),
            Some("1 event from the payment server could not be read and was skipped; the till's log names it.")
        );
    }

    #[test]
    fn a_shops_till_sells_nothing_until_its_catalogue_arrives_and_never_the_demo_items() {
        let dir = tempfile::tempdir().unwrap();
        let till = Till::open(
            &dir.path().join("till.sqlite3"),
            Backend::new("http://127.0.0.1:9", "kt_test"),
            Catalog::awaiting(),
            "till-1",
            Arc::new(Silent),
            Arc::new(SystemClock),
        )
        .unwrap();
        assert!(matches!(till.new_order(), Err(TillError::NotConfigured(_))));
        assert!(matches!(
            till.add_item("espresso"),
            Err(TillError::Invalid { field: "sku", .. })
        ));
        assert!(matches!(
            till.add_custom(500, None),
            Err(TillError::NotConfigured(_))
        ));
        assert!(till.catalog().unwrap().items.is_empty());
        let update = kassa_api::CatalogUpdate {
            store: Some(
                serde_json::from_value(serde_json::json!({
                    "name": "Deli", "address": "", "currency": "eur", "rounding": "half_up", "tax_scope": "per_order"
                }))
                .unwrap(),
            ),
            version: 1,
            ..Default::default()
        };
        store::catalog::apply_update(&till.store.conn(), &update).unwrap();
        assert_eq!(till.new_order().unwrap().currency, "eur");
        assert_eq!(till.add_custom(500, None).unwrap().total, 500);
    }
}
