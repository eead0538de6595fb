//! The sync task: long-polls the backend's feed and applies each event, with the new cursor, in one transaction.
//! It resumes from the stored cursor after a restart, and backs off during an outage while telling the UI.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::error::TillError;
use crate::Till;

/// How long one long-poll waits at the backend.
pub const POLL_WAIT_SECS: u64 = 25;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct SyncStatus {
    pub online: bool,
    pub message: Option<String>,
    pub retry_in_ms: Option<u64>,
    pub cursor: i64,
}

/// The next delay after a failure: doubling, capped.
pub fn next_backoff(current: Duration) -> Duration {
    (current * 2).min(MAX_RETRY)
}

/// How often the cash sender looks at its queue when nothing wakes it.
const CASH_SWEEP: Duration = Duration::from_secs(30);

/// Runs until `stop` is set: the feed, and the sender of queued cash. Each applied event is announced through
/// the till's notifier.
pub async fn run(till: Arc<Till>, stop: tokio::sync::watch::Receiver<bool>) {
    tokio::join!(feed(till.clone(), stop.clone()), send_cash(till, stop));
}

/// Sends the cash queue and closed shifts' reports whenever there is something new, and every so often; after
/// an outage, with backoff.
async fn send_cash(till: Arc<Till>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = FIRST_RETRY;
    loop {
        if *stop.borrow() {
            return;
        }
        let sending = async {
            let cash = till.send_cash().await?;
            let reports = till.send_shift_reports().await?;
            Ok::<_, TillError>((cash, reports))
        };
        let wait = match sending.await {
            Ok((cash, reports)) => {
                if cash + reports > 0 {
                    tracing::info!(
                        "sent {cash} cash tenders and {reports} shift reports to the backend"
                    );
                }
                backoff = FIRST_RETRY;
                CASH_SWEEP
            }
            Err(e) => {
                tracing::warn!("cash tenders or shift reports wait to be sent: {e}");
                let wait = backoff;
                backoff = next_backoff(backoff);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = till.cash_waiting.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

async fn feed(till: Arc<Till>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = FIRST_RETRY;
    loop {
        if *stop.borrow() {
            return;
        }
        let cursor = match till.store.cursor() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("cannot read the feed cursor: {e}");
                return;
            }
        };
        // Until the backend has answered once, ask without waiting, so the UI learns at once that it is online.
        let wait = if till.sync_status().online {
            POLL_WAIT_SECS
        } else {
            0
        };
        let page = tokio::select! {
            page = till.backend.events(cursor, wait) => page,
            _ = stop.changed() => return,
        };
        match page {
            Ok(page) => {
                backoff = FIRST_RETRY;
                till.set_sync(SyncStatus {
                    online: true,
                    message: till.skipped_notice(),
                    retry_in_ms: None,
                    cursor,
                });
                // SQLite commits (and waits for the disk) off the async runtime's threads.
                let applying = till.clone();
                let count = page.events.len();
                let applied =
                    tokio::task::spawn_blocking(move || applying.apply_feed_page(&page.events))
                        .await
                        .unwrap_or_else(|e| {
                            Err(TillError::Storage(format!(
                                "applying the feed stopped: {e}"
                            )))
                        });
                if let Err(e) = applied {
                    // Nothing of the page was applied and the cursor did not move: the next pass retries it.
                    tracing::error!("cannot apply a feed page of {count} events: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return,
                    }
                    backoff = next_backoff(backoff);
                }
            }
            Err(e) => {
                let message = match &e {
                    TillError::Offline(_) => "The payment server cannot be reached. Card payments will be confirmed when it is back.".to_owned(),
                    other => other.to_string(),
                };
                tracing::warn!("feed poll failed: {e}");
                till.set_sync(SyncStatus {
                    online: false,
                    message: Some(message),
                    retry_in_ms: Some(backoff.as_millis() as u64),
                    cursor,
                });
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = next_backoff(backoff);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(
            next_backoff(Duration::from_millis(500)),
            Duration::from_secs(1)
        );
        assert_eq!(next_backoff(Duration::from_secs(10)), MAX_RETRY);
    }
}
