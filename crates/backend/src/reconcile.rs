//! Reconciliation: re-fetch every non-terminal intent from Stripe, for events missed while the endpoint was down.
//! It runs periodically (a page of the intents due, with backoff), on demand (POST /api/reconcile), and for single
//! intents after events: those that disagreed with us, and those an event made final.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use tokio::sync::mpsc;

use crate::auth::Caller;
use crate::db::orders;
use crate::error::ApiError;
use crate::intake::writer::{Observed, Recheck};
use crate::state::AppState;

pub use kassa_api::Sweep;

/// How much reconciliation may cost: a page of intents a sweep, each checked again later and later while it does
/// not move (see [`orders::schedule_check`]).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub every_secs: i64,
    pub page: usize,
}

/// How long a periodic sweep holds the intents it took (other instances skip them meanwhile): ample for a page of
/// fetches, and short enough that a sweep that died is picked up by the next.
const CLAIM_SECS: i64 = 120;

/// Whose intents a sweep checks.
#[derive(Debug, Clone)]
pub enum Scope {
    /// The periodic sweep: every terminal's, those whose backoff has run out.
    Due,
    /// A terminal's request: its own, due or not (it asks when it comes back online).
    Terminal(String),
    /// An admin's request: everyone's, due or not.
    All,
}

/// Fetches the intent from Stripe and records it through the writer: a change enters the feed, and what Stripe
/// says overrides what events said (it is the authority). `correction`: the re-fetch follows a stale event, which
/// the feed carries already; see [`Writer::correct`].
///
/// [`Writer::correct`]: crate::intake::writer::Writer::correct
pub async fn refetch(
    state: &AppState,
    payment_intent_id: &str,
    correction: bool,
) -> Result<(kassa_stripe::PaymentIntent, Observed), ApiError> {
    // Taken before asking, so the answer is known to be newer than every event stored up to here.
    let after = state.writer.mark();
    let pi = state
        .stripe
        .retrieve_payment_intent(payment_intent_id, &["latest_charge"])
        .await?;
    let value = serde_json::to_value(&pi).expect("a PaymentIntent serializes");
    let observed = if correction {
        state.writer.correct(value, after).await
    } else {
        state.writer.observe(value, after).await
    }
    .map_err(ApiError::Storage)?;
    Ok((pi, observed))
}

pub async fn sweep(state: &AppState, scope: Scope) -> Result<Sweep, ApiError> {
    let Policy { every_secs, page } = state.reconcile;
    let now = state.clock.now();
    let ids = match scope {
        Scope::Due => {
            state
                .db
                .write(move |c| orders::claim_due(c, now, now + CLAIM_SECS, page))
                .await?
        }
        Scope::Terminal(t) => {
            state
                .db
                .read(move |c| orders::owed_a_check(c, Some(&t), None, page))
                .await?
        }
        Scope::All => {
            state
                .db
                .read(move |c| orders::owed_a_check(c, None, None, page))
                .await?
        }
    };
    let mut result = Sweep {
        checked: ids.len(),
        ..Default::default()
    };
    for id in ids {
        let moved = match refetch(state, &id, false).await {
            Ok((_, Observed::Changed { .. })) => {
                result.changed += 1;
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(payment_intent = %id, "reconciliation could not re-fetch: {e}");
                result.failed += 1;
                false
            }
        };
        let now = state.clock.now();
        state
            .db
            .write(move |c| orders::schedule_check(c, &id, moved, now, every_secs))
            .await?;
    }
    Ok(result)
}

/// POST /api/reconcile: a terminal reconciles its own orders, an admin all of them; a page at a time.
pub async fn on_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Sweep>, ApiError> {
    let scope = match caller.scope() {
        Some(terminal) => Scope::Terminal(terminal.to_owned()),
        None => Scope::All,
    };
    Ok(Json(sweep(&state, scope).await?))
}

/// Re-fetches intents after events: those that disagreed with the stored state (the event is a hint, Stripe is
/// the truth), and those whose final status only an event has told so far.
pub fn spawn_refetcher(state: Arc<AppState>, mut rx: mpsc::UnboundedReceiver<(String, Recheck)>) {
    tokio::spawn(async move {
        while let Some((id, why)) = rx.recv().await {
            if let Err(e) = refetch(&state, &id, why == Recheck::Stale).await {
                // Not lost: the order stays owed a check, and the next sweep makes it.
                tracing::warn!(payment_intent = %id, ?why, "could not re-fetch after an event: {e}");
            }
        }
    });
}
