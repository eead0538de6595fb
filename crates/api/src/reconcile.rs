//! `POST /api/reconcile`: what a sweep did.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    pub checked: usize,
    pub changed: usize,
    pub failed: usize,
}
