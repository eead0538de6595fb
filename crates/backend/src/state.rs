//! The application's state, explicit and shared by every handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::config::StripeConfig;
use crate::db::Db;
use crate::error::ApiError;
use crate::intake::writer::Writer;

pub struct AppState {
    pub db: Db,
    pub stripe: kassa_stripe::Client,
    pub stripe_config: StripeConfig,
    pub writer: Writer,
    /// The latest stored cursor; the feed's long-polls wait on it.
    pub feed: watch::Receiver<i64>,
    pub clock: Arc<dyn kassa_stripe::clock::Clock>,
    pub order_locks: OrderLocks,
    /// Hash of a token accepted beside the stored ones (the app's sidecar token).
    pub bootstrap_token_sha256: Option<String>,
    pub pay_page: Arc<crate::pay_page::PayPage>,
    pub rate_limits: crate::rate_limit::RateLimits,
    pub reconcile: crate::reconcile::Policy,
    /// Where the shop's card readers are (the Terminal location's country).
    pub reader_country: String,
}

/// One async lock per order id, so concurrent requests for one order (double clicks, retries) run one at a time:
/// in this process, and on PostgreSQL across every instance too (a request for an order may reach any of them).
#[derive(Default)]
pub struct OrderLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl OrderLocks {
    pub async fn lock(&self, db: &Db, order_id: &str) -> Result<OrderGuard<'_>, ApiError> {
        let mut guard = self.lock_here(order_id).await;
        guard._shared = db
            .lock_across_instances(&format!("order:{order_id}"))
            .await?;
        Ok(guard)
    }

    async fn lock_here(&self, order_id: &str) -> OrderGuard<'_> {
        let lock = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(order_id.to_owned())
            .or_default()
            .clone();
        let guard = lock.clone().lock_owned().await;
        OrderGuard {
            _shared: None,
            locks: self,
            order_id: order_id.to_owned(),
            lock,
            _guard: guard,
        }
    }
}

pub struct OrderGuard<'a> {
    /// Released before the local lock (fields drop in order), so the next local waiter can take it at once.
    _shared: Option<crate::db::pg::SessionLock>,
    locks: &'a OrderLocks,
    order_id: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for OrderGuard<'_> {
    fn drop(&mut self) {
        let mut map = self.locks.0.lock().unwrap_or_else(|e| e.into_inner());
        // The map's copy, ours and the guard's: nobody else is waiting, so the entry can go.
        if Arc::strong_count(&self.lock) <= 3 {
            map.remove(&self.order_id);
        }
    }
}
