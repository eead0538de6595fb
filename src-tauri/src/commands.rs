//! The webview's commands: each forwards to the till core and returns its result or its serialized error.

use std::sync::Arc;

use kassa_till::{IntentInfo, Order, Receipt, SyncStatus, Till, TillError};
use serde::Serialize;
use tauri::State;

#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub mode: &'static str,
    pub view: &'static str,
    pub terminal: String,
    pub backend_url: String,
    pub currency: String,
    pub dashboard_url: String,
}

pub struct AppState {
    pub till: Arc<Till>,
    pub info: AppInfo,
}

type R<T> = Result<T, TillError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.info.clone()
}

#[tauri::command]
pub fn catalog(state: State<'_, AppState>) -> kassa_till::Catalog {
    state.till.catalog.clone()
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

#[tauri::command]
pub fn set_quantity(state: State<'_, AppState>, line_id: i64, quantity: i64) -> R<Order> {
    state.till.set_quantity(line_id, quantity)
}

#[tauri::command]
pub fn remove_line(state: State<'_, AppState>, line_id: i64) -> R<Order> {
    state.till.set_quantity(line_id, 0)
}

/// The client secret leaves the core only here, in this IPC result, for the Payment Element.
#[tauri::command]
pub async fn charge(state: State<'_, AppState>, order_id: String) -> R<IntentInfo> {
    state.till.charge(&order_id).await
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
