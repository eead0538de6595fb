//! GET /readyz: whether this backend can take Stripe's webhooks now. /healthz says only that the process answers
//! (liveness, and cheap); this looks at what answering depends on: the intake's writer and syncer, the database,
//! and, for information, what the last reconciliation sweep found. No token, as a monitor or load balancer asks
//! it; it names what is wrong, never a secret, a file or an order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::intake::health::{IntakeStatus, Stage};
use crate::reconcile::{self, Sweep};
use crate::state::AppState;

/// A database that cannot answer `SELECT 1` by then is not ready, whatever the reason.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// What /readyz reports beyond the application's state.
pub struct Health {
    reconcile_every: Duration,
    last_sweep: Mutex<Option<LastSweep>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastSweep {
    /// Unix seconds.
    pub at: i64,
    #[serde(flatten)]
    pub outcome: SweepOutcome,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SweepOutcome {
    /// `failed`: intents that could not be re-fetched (Stripe unreachable, say); they are tried again next time.
    Done {
        checked: usize,
        changed: usize,
        failed: usize,
    },
    Failed {
        error: String,
    },
}

impl Health {
    pub fn new(reconcile_every: Duration) -> Self {
        Self {
            reconcile_every,
            last_sweep: Mutex::new(None),
        }
    }

    pub fn record_sweep(&self, at: i64, outcome: SweepOutcome) {
        *self.last_sweep.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(LastSweep { at, outcome });
    }

    pub fn last_sweep(&self) -> Option<LastSweep> {
        self.last_sweep
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The answer of /readyz: 200 when `ready`, 503 with the `problems` named when not.
#[derive(Debug, Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub problems: Vec<String>,
    pub intake: IntakeStatus,
    pub database: DatabaseCheck,
    pub reconciliation: Reconciliation,
}

#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DatabaseCheck {
    Ok,
    Failing { error: String },
}

#[derive(Debug, Serialize)]
pub struct Reconciliation {
    pub every_secs: u64,
    pub last_sweep: Option<LastSweep>,
}

#[derive(Clone)]
pub struct Ready {
    pub app: Arc<AppState>,
    pub health: Arc<Health>,
}

pub async fn readyz(State(ready): State<Ready>) -> Response {
    let intake = ready.app.writer.health().status();
    let database = database(&ready.app).await;
    let mut problems = Vec::new();
    for (part, stage) in [
        ("intake writer", &intake.writer),
        ("intake syncer", &intake.syncer),
    ] {
        match stage {
            Stage::Running => {}
            Stage::Failing { error, .. } | Stage::Stopped { error, .. } => {
                problems.push(format!("{part}: {error}"))
            }
        }
    }
    let database = match database {
        Ok(()) => DatabaseCheck::Ok,
        Err(error) => {
            problems.push(format!("database: {error}"));
            DatabaseCheck::Failing { error }
        }
    };
    let ready_now = problems.is_empty();
    let body = Readiness {
        ready: ready_now,
        problems,
        intake,
        database,
        reconciliation: Reconciliation {
            every_secs: ready.health.reconcile_every.as_secs(),
            last_sweep: ready.health.last_sweep(),
        },
    };
    let status = if ready_now {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn database(app: &AppState) -> Result<(), String> {
    let read = app
        .db
        .read(|c| c.query_row("SELECT 1", (), |r| r.get::<_, i64>(0)));
    match tokio::time::timeout(DATABASE_TIMEOUT, read).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("cannot read: {e}")),
        Err(_) => Err(format!("no answer within {DATABASE_TIMEOUT:?}")),
    }
}

/// The periodic reconciliation sweep, its outcome kept for /readyz.
pub fn spawn_sweeps(state: Arc<AppState>, health: Arc<Health>) {
    let every = health.reconcile_every;
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let outcome = match reconcile::sweep(&state, reconcile::Scope::Due).await {
                Ok(s) => {
                    if s.changed > 0 || s.failed > 0 {
                        tracing::info!(?s, "reconciliation sweep");
                    }
                    let Sweep {
                        checked,
                        changed,
                        failed,
                    } = s;
                    SweepOutcome::Done {
                        checked,
                        changed,
                        failed,
                    }
                }
                Err(e) => {
                    tracing::warn!("reconciliation sweep failed: {e}");
                    SweepOutcome::Failed {
                        error: e.to_string(),
                    }
                }
            };
            health.record_sweep(state.clock.now(), outcome);
        }
    });
}
