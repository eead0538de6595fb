//! The webview's commands: each forwards to the till core and returns its result or its serialized error.

use std::sync::Arc;

use kassa_till::admin::{AdminPage, AdminQuery, AttentionItem, DayTotal, PaymentDetail};
use kassa_till::{IntentInfo, Order, Receipt, SyncStatus, Till, TillError};
use serde::Serialize;
use tauri::{Manager, State};
use ts_rs::TS;

/// What the UI learns at start-up.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    #[ts(type = "Mode")]
    pub mode: &'static str,
    /// Which screen the window was opened for.
    #[ts(type = "'cashier' | 'kiosk' | 'admin'")]
    pub view: &'static str,
    pub terminal: String,
    pub backend_url: String,
    pub currency: String,
    /// The network receipt printer (host:port), if the till has one: receipts print there with no dialog.
    pub receipt_printer: Option<String>,
}

pub struct AppState {
    pub till: Arc<Till>,
    /// Where CSV exports are written.
    pub exports_dir: std::path::PathBuf,
}

type R<T> = Result<T, TillError>;

/// Runs `work` on a blocking thread. A command that is not async runs on the main thread, and the window does not
/// paint while it runs; an async one that blocks holds up one of the runtime's few workers (the feed's sync task
/// among what they run). The cart's commands stay on the main thread: they take a millisecond, and their answers
/// must arrive in the order they were asked. The admin's queries and exports and the PIN's Argon2 hash take tens
/// of milliseconds or more, so they come here; the admin screen drops answers older than its latest query.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Till) -> R<T> + Send + 'static,
) -> R<T> {
    let till = state.till.clone();
    tauri::async_runtime::spawn_blocking(move || work(&till))
        .await
        .map_err(|e| TillError::Storage(format!("the work stopped: {e}")))?
}

/// When the process started: the start-up time is measured from here.
pub struct Started(pub std::time::Instant);

/// The UI's first screen is drawn with its data. Logged once, as operators (and the start-up benchmark,
/// bench/startup.py) read it; an empty Tauri window logs the same line for comparison.
#[tauri::command]
pub fn ui_ready(started: State<'_, Started>) {
    static LOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !LOGGED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        tracing::info!(
            "interactive {} ms after start",
            started.0.elapsed().as_millis()
        );
    }
}

/// Start-up, which finishes after the window opened: the page loads while the demo backend starts.
pub struct Boot(tokio::sync::watch::Receiver<Option<Result<AppInfo, String>>>);

pub type Booted = tokio::sync::watch::Sender<Option<Result<AppInfo, String>>>;

impl Boot {
    /// Start-up in progress: send its outcome through the sender.
    pub fn pending() -> (Booted, Self) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        (tx, Self(rx))
    }

    /// Start-up already done (the command tests).
    pub fn ready(info: AppInfo) -> Self {
        Self(tokio::sync::watch::channel(Some(Ok(info))).1)
    }
}

/// What the window is for. It waits for start-up to finish, so the UI calls it first and everything else after.
#[tauri::command]
pub async fn app_info(boot: State<'_, Boot>) -> R<AppInfo> {
    let mut boot = boot.0.clone();
    let outcome = boot
        .wait_for(Option::is_some)
        .await
        .map_err(|_| TillError::Startup("start-up was abandoned".into()))?;
    match outcome.as_ref() {
        Some(Ok(info)) => Ok(info.clone()),
        Some(Err(e)) => Err(TillError::Startup(e.clone())),
        None => unreachable!("waited for an outcome"),
    }
}

#[tauri::command]
pub fn catalog(state: State<'_, AppState>) -> R<kassa_till::Catalog> {
    state.till.catalog()
}

#[tauri::command]
pub fn current_order(state: State<'_, AppState>) -> R<Option<Order>> {
    state.till.current_order()
}

#[tauri::command]
pub fn new_order(state: State<'_, AppState>) -> R<Order> {
    state.till.new_order()
}

#[tauri::command]
pub fn add_item(state: State<'_, AppState>, sku: String) -> R<Order> {
    state.till.add_item(&sku)
}

#[tauri::command]
pub fn add_custom(state: State<'_, AppState>, amount: i64, name: Option<String>) -> R<Order> {
    state.till.add_custom(amount, name.as_deref())
}

/// A barcode as the scanner typed it.
#[tauri::command]
pub fn scan(state: State<'_, AppState>, code: String) -> R<Order> {
    state.till.scan(&code)
}

#[tauri::command]
pub fn search(
    state: State<'_, AppState>,
    query: String,
) -> R<Vec<kassa_till::catalog::CatalogItem>> {
    state.till.search(&query)
}

/// The customer's tip on the card payment: one of the store's choices in basis points, or 0 for none.
#[tauri::command]
pub async fn set_tip(state: State<'_, AppState>, order_id: String, basis_points: u32) -> R<Order> {
    state.till.set_tip(&order_id, basis_points).await
}

/// The card readers assigned to this till, with their status now.
#[tauri::command]
pub async fn readers(state: State<'_, AppState>) -> R<Vec<kassa_api::ReaderInfo>> {
    state.till.readers().await
}

/// Collects the sale's card part on a reader; answers at once, the reader waiting for the card.
#[tauri::command]
pub async fn pay_on_reader(
    state: State<'_, AppState>,
    order_id: String,
    reader_id: String,
) -> R<kassa_api::ReaderInfo> {
    state.till.pay_on_reader(&order_id, &reader_id).await
}

/// The reader now (the screen polls it while the customer pays).
#[tauri::command]
pub async fn reader(state: State<'_, AppState>, reader_id: String) -> R<kassa_api::ReaderInfo> {
    state.till.reader(&reader_id).await
}

#[tauri::command]
pub async fn cancel_reader(
    state: State<'_, AppState>,
    reader_id: String,
) -> R<kassa_api::ReaderInfo> {
    state.till.cancel_reader(&reader_id).await
}

/// Test mode only (the backend refuses otherwise): the customer's tap on a simulated reader.
#[tauri::command]
pub async fn simulate_tap(
    state: State<'_, AppState>,
    reader_id: String,
    card_number: Option<String>,
) -> R<kassa_api::ReaderInfo> {
    state
        .till
        .simulate_tap(&reader_id, card_number.as_deref())
        .await
}

/// Prints the paid sale's receipt on the receipt printer; `reprint` (the admin screen's) never opens the drawer.
#[tauri::command]
pub async fn print_receipt(
    state: State<'_, AppState>,
    order_id: String,
    reprint: bool,
) -> R<kassa_till::print::Printed> {
    state.till.print_receipt(&order_id, !reprint).await
}

/// Cash handed over (minor units): the whole sale, or the cash part of a split.
#[tauri::command]
pub async fn pay_cash(state: State<'_, AppState>, order_id: String, given: i64) -> R<Order> {
    state.till.pay_cash(&order_id, given).await
}

#[tauri::command]
pub fn set_quantity(state: State<'_, AppState>, line_id: i64, quantity: i64) -> R<Order> {
    state.till.set_quantity(line_id, quantity)
}

#[tauri::command]
pub fn remove_line(state: State<'_, AppState>, line_id: i64) -> R<Order> {
    state.till.set_quantity(line_id, 0)
}

/// The client secret leaves the core only here, in this IPC result, for the backend's payment page.
#[tauri::command]
pub async fn charge(
    state: State<'_, AppState>,
    frames: State<'_, crate::navigation::FrameOrigins>,
    order_id: String,
) -> R<IntentInfo> {
    let info = state.till.charge(&order_id).await?;
    frames.allow_stripe_js(&info.stripe_js_url);
    Ok(info)
}

#[tauri::command]
pub async fn refresh_order(state: State<'_, AppState>, order_id: String) -> R<Order> {
    state.till.refresh_order(&order_id).await
}

#[tauri::command]
pub async fn cancel_sale(state: State<'_, AppState>, order_id: String) -> R<Order> {
    state.till.cancel_sale(&order_id).await
}

#[tauri::command]
pub fn order(state: State<'_, AppState>, order_id: String) -> R<Order> {
    state.till.order(&order_id)
}

#[tauri::command]
pub async fn receipt(state: State<'_, AppState>, order_id: String) -> R<Receipt> {
    state.till.receipt(&order_id).await
}

#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> SyncStatus {
    state.till.sync_status()
}

#[tauri::command]
pub async fn reconcile(state: State<'_, AppState>) -> R<kassa_till::backend::Sweep> {
    state.till.recover().await
}

#[tauri::command]
pub async fn admin_payments(state: State<'_, AppState>, query: AdminQuery) -> R<AdminPage> {
    blocking(&state, move |till| till.admin_payments(&query)).await
}

#[tauri::command]
pub async fn admin_detail(state: State<'_, AppState>, order_id: String) -> R<PaymentDetail> {
    blocking(&state, move |till| till.admin_detail(&order_id)).await
}

#[tauri::command]
pub async fn admin_refund(
    state: State<'_, AppState>,
    order_id: String,
    amount: Option<i64>,
    idempotency_key: String,
) -> R<PaymentDetail> {
    state.till.refund(&order_id, amount, &idempotency_key).await
}

/// `idempotency_key`: one per cancel dialog, so a double click or a retry cancels once.
#[tauri::command]
pub async fn admin_cancel(
    state: State<'_, AppState>,
    order_id: String,
    idempotency_key: String,
) -> R<PaymentDetail> {
    state.till.admin_cancel(&order_id, &idempotency_key).await
}

/// `idempotency_key`: one per capture dialog, so a double click or a retry captures once.
#[tauri::command]
pub async fn admin_capture(
    state: State<'_, AppState>,
    order_id: String,
    amount: Option<i64>,
    idempotency_key: String,
) -> R<PaymentDetail> {
    state
        .till
        .capture(&order_id, amount, &idempotency_key)
        .await
}

#[tauri::command]
pub async fn admin_end_of_day(state: State<'_, AppState>, from: i64, to: i64) -> R<Vec<DayTotal>> {
    blocking(&state, move |till| till.end_of_day(from, to)).await
}

#[derive(Debug, Serialize, TS)]
pub struct CsvExport {
    pub path: String,
    pub rows: usize,
    pub csv: String,
}

#[tauri::command]
pub async fn admin_export_csv(state: State<'_, AppState>, query: AdminQuery) -> R<CsvExport> {
    let dir = state.exports_dir.clone();
    let (path, rows, csv) = blocking(&state, move |till| till.export_csv(&query, &dir)).await?;
    Ok(CsvExport {
        path: path.display().to_string(),
        rows,
        csv,
    })
}

/// The merchant's catalogue as the backend holds it, for the editor (archived products too).
#[tauri::command]
pub async fn admin_catalog(state: State<'_, AppState>) -> R<kassa_api::Catalog> {
    state.till.admin_catalog().await
}

#[tauri::command]
pub async fn admin_put_product(
    state: State<'_, AppState>,
    sku: String,
    product: kassa_api::PutProduct,
) -> R<kassa_api::Product> {
    state.till.admin_put_product(&sku, &product).await
}

#[tauri::command]
pub async fn admin_put_tax_rate(
    state: State<'_, AppState>,
    id: String,
    rate: kassa_api::PutTaxRate,
) -> R<kassa_api::TaxRate> {
    state.till.admin_put_tax_rate(&id, &rate).await
}

#[tauri::command]
pub async fn admin_put_store(
    state: State<'_, AppState>,
    store: kassa_api::PutStore,
) -> R<kassa_api::Store> {
    state.till.admin_put_store(&store).await
}

/// A CSV file's text: imported whole, or refused with every bad row's line and column.
#[tauri::command]
pub async fn admin_import_catalog(
    state: State<'_, AppState>,
    csv: String,
) -> R<kassa_till::catalog_admin::ImportOutcome> {
    state.till.admin_import_catalog(csv).await
}

/// The X report: the open shift's figures.
#[tauri::command]
pub async fn admin_shift_report(state: State<'_, AppState>) -> R<kassa_api::ShiftReport> {
    state.till.shift_report().await
}

/// The Z report: closes the shift against the counted cash; `next_float` stays in the drawer.
#[tauri::command]
pub async fn admin_close_shift(
    state: State<'_, AppState>,
    counted_cash: i64,
    next_float: i64,
) -> R<kassa_api::ShiftReport> {
    state.till.close_shift(counted_cash, next_float).await
}

/// Every till's Z reports, as the backend stores them.
#[tauri::command]
pub async fn admin_shift_reports(
    state: State<'_, AppState>,
) -> R<Vec<kassa_api::StoredShiftReport>> {
    state.till.shift_reports().await
}

#[tauri::command]
pub async fn admin_export_shift_reports(state: State<'_, AppState>) -> R<CsvExport> {
    let (path, rows, csv) = state.till.export_shift_reports(&state.exports_dir).await?;
    Ok(CsvExport {
        path: path.display().to_string(),
        rows,
        csv,
    })
}

#[tauri::command]
pub async fn admin_needs_attention(state: State<'_, AppState>) -> R<Vec<AttentionItem>> {
    blocking(&state, |till| till.needs_attention()).await
}

#[tauri::command]
pub async fn verify_admin_pin(state: State<'_, AppState>, pin: String) -> R<bool> {
    blocking(&state, move |till| till.verify_admin_pin(&pin)).await
}

/// Ends the admin session: the admin screen was left. The PIN opens a new one.
#[tauri::command]
pub fn lock_admin(state: State<'_, AppState>) {
    state.till.lock_admin();
}

/// Leaves kiosk mode: only with the admin PIN, and then the app closes (the kiosk's window refuses to otherwise).
#[tauri::command]
pub async fn exit_kiosk<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    pin: String,
) -> R2<bool> {
    let ok = blocking(&state, move |till| till.verify_admin_pin(&pin)).await?;
    if ok {
        if let Some(lock) = app.try_state::<KioskLock>() {
            lock.0.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        app.exit(0);
    }
    Ok(ok)
}

type R2<T> = Result<T, TillError>;

/// Set while the window is a locked kiosk: close requests are refused.
pub struct KioskLock(pub std::sync::atomic::AtomicBool);
