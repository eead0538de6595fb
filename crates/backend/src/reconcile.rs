//! Reconciliation: re-fetch every non-terminal intent from Stripe, for events missed while the endpoint was down.
//! It runs periodically, on demand (POST /api/reconcile), and for single intents whose events disagreed with us.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::auth::Caller;
use crate::db::orders;
use crate::error::ApiError;
use crate::intake::writer::Observed;
use crate::state::AppState;

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Sweep {
    pub checked: usize,
    pub changed: usize,
    pub failed: usize,
}

/// `correction`: the re-fetch follows a stale event, which the feed carries already; see [`Writer::correct`].
///
/// [`Writer::correct`]: crate::intake::writer::Writer::correct
/// Fetches the intent from Stripe and records it through the writer: a change enters the feed. `correction`: the
/// re-fetch follows a stale event, which the feed carries already; see [`Writer::correct`].
///
/// [`Writer::correct`]: crate::intake::writer::Writer::correct
pub async fn refetch(
    state: &AppState,
    payment_intent_id: &str,
    correction: bool,
) -> Result<(kassa_stripe::PaymentIntent, Observed), ApiError> {
    let pi = state
        .stripe
        .retrieve_payment_intent(payment_intent_id, &["latest_charge"])
        .await?;
    let value = serde_json::to_value(&pi).expect("a PaymentIntent serializes");
    let observed = if correction {
        state.writer.correct(value).await
    } else {
        state.writer.observe(value).await
    }
    .map_err(ApiError::Storage)?;
    Ok((pi, observed))
}

pub async fn sweep(state: &AppState, scope: Option<String>) -> Result<Sweep, ApiError> {
    let ids = state
        .db
        .read(move |c| {
            let ids = orders::non_terminal_intents(c)?;
            match scope {
                None => Ok(ids),
                Some(terminal) => Ok(ids
                    .into_iter()
                    .filter(|pi| {
                        orders::by_intent(c, pi)
                            .ok()
                            .flatten()
                            .is_some_and(|o| o.terminal == terminal)
                    })
                    .collect()),
            }
        })
        .await?;
    let mut result = Sweep {
        checked: ids.len(),
        ..Default::default()
    };
    for id in ids {
        match refetch(state, &id, false).await {
            Ok((_, Observed::Changed { .. })) => result.changed += 1,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(payment_intent = %id, "reconciliation could not re-fetch: {e}");
                result.failed += 1;
            }
        }
    }
    Ok(result)
}

/// POST /api/reconcile: a terminal reconciles its own orders, an admin all of them.
pub async fn on_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Sweep>, ApiError> {
    Ok(Json(
        sweep(&state, caller.scope().map(str::to_owned)).await?,
    ))
}

/// Re-fetches intents whose events disagreed with the stored state: the event is a hint, Stripe is the truth.
pub fn spawn_refetcher(state: Arc<AppState>, mut rx: mpsc::UnboundedReceiver<String>) {
    tokio::spawn(async move {
        while let Some(id) = rx.recv().await {
            if let Err(e) = refetch(&state, &id, true).await {
                tracing::warn!(payment_intent = %id, "could not re-fetch after a disagreeing event: {e}");
            }
        }
    });
}
