//! What the intake's two threads last managed, for GET /readyz: Stripe's webhooks are answered 503 while either
//! cannot do its part, and a monitor should hear of it before the retries pile up.

use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Running,
    /// Storing fails for now and is retried: a commit failed, or an fsync was refused for a passing reason (no
    /// descriptor free). `since`: unix seconds of the first failure in a row.
    Failing { error: String, since: i64 },
    /// For good, until an operator restarts the backend: a failed fsync (the kernel may have dropped the pages).
    Stopped { error: String, since: i64 },
}

impl Stage {
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running)
    }
}

#[derive(Debug, Default)]
pub struct IntakeHealth {
    writer: Mutex<Stage>,
    syncer: Mutex<Stage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeStatus {
    pub writer: Stage,
    pub syncer: Stage,
}

impl IntakeStatus {
    /// Whether a webhook that arrives now can be stored and acknowledged.
    pub fn can_store(&self) -> bool {
        self.writer.is_running() && self.syncer.is_running()
    }
}

fn lock(stage: &Mutex<Stage>) -> MutexGuard<'_, Stage> {
    stage.lock().unwrap_or_else(|e| e.into_inner())
}

/// A failure keeps the time of the first one in a row; a stopped thread stays stopped.
fn failed(stage: &Mutex<Stage>, error: String, now: i64) {
    let mut stage = lock(stage);
    let since = match &*stage {
        Stage::Stopped { .. } => return,
        Stage::Failing { since, .. } => *since,
        Stage::Running => now,
    };
    *stage = Stage::Failing { error, since };
}

fn running(stage: &Mutex<Stage>) {
    let mut stage = lock(stage);
    if !matches!(*stage, Stage::Stopped { .. }) {
        *stage = Stage::Running;
    }
}

impl IntakeHealth {
    pub fn status(&self) -> IntakeStatus {
        IntakeStatus {
            writer: lock(&self.writer).clone(),
            syncer: lock(&self.syncer).clone(),
        }
    }

    pub(crate) fn writer_ok(&self) {
        running(&self.writer);
    }

    pub(crate) fn writer_failed(&self, error: String, now: i64) {
        failed(&self.writer, error, now);
    }

    pub(crate) fn writer_stopped(&self, error: String, now: i64) {
        *lock(&self.writer) = Stage::Stopped { error, since: now };
    }

    pub(crate) fn syncer_ok(&self) {
        running(&self.syncer);
    }

    pub(crate) fn syncer_failed(&self, error: String, now: i64) {
        failed(&self.syncer, error, now);
    }

    pub(crate) fn syncer_failing(&self) -> bool {
        matches!(*lock(&self.syncer), Stage::Failing { .. })
    }

    pub(crate) fn syncer_stopped(&self, error: String, now: i64) {
        *lock(&self.syncer) = Stage::Stopped { error, since: now };
    }
}
