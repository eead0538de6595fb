//! The core's notifications as Tauri events, for the webview's listeners.

use tauri::{AppHandle, Emitter, Runtime};

pub const ORDER_EVENT: &str = "till://order";
pub const SYNC_EVENT: &str = "till://sync";
pub const CATALOG_EVENT: &str = "till://catalog";

pub struct TauriNotifier<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> kassa_till::Notifier for TauriNotifier<R> {
    fn order_changed(&self, order: &kassa_till::Order) {
        if let Err(e) = self.0.emit(ORDER_EVENT, order) {
            tracing::warn!("cannot emit {ORDER_EVENT}: {e}");
        }
    }

    fn sync_changed(&self, status: &kassa_till::SyncStatus) {
        if let Err(e) = self.0.emit(SYNC_EVENT, status) {
            tracing::warn!("cannot emit {SYNC_EVENT}: {e}");
        }
    }

    fn catalog_changed(&self) {
        if let Err(e) = self.0.emit(CATALOG_EVENT, ()) {
            tracing::warn!("cannot emit {CATALOG_EVENT}: {e}");
        }
    }
}
