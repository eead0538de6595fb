//! The small answers around the payment flow: liveness, who a token is, and the webhook's acknowledgement.

use serde::{Deserialize, Serialize};

/// `GET /healthz`: the process answers. Readiness (what answering depends on) is `/readyz`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub ok: bool,
}

/// `GET /api/me`: the terminal a token belongs to, and whether it may do an admin's actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub terminal: String,
    pub admin: bool,
}

/// What `POST /webhook` answers Stripe once the event is on disk, as Stripe's own examples do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAck {
    pub received: bool,
}
