//! `GET /api/events?after=CURSOR&wait=SECS`: the resumable feed of Stripe's events a till applies.

use serde::{Deserialize, Serialize};

/// How the backend learned of a change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventSource {
    /// A webhook Stripe sent and the backend verified.
    #[default]
    Webhook,
    /// A re-fetch of the intent from Stripe (reconciliation, or the check of an event's word): Stripe's own
    /// answer, which overrides what events said.
    Reconcile,
    /// A change to the merchant's catalogue, made at the backend: for every till, whoever's token asks.
    Catalog,
}

/// One item of the feed. `E` is the Stripe event: raw JSON on the backend (served exactly as verified), parsed
/// JSON at the till.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedItem<E = serde_json::Value> {
    pub cursor: i64,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub terminal: Option<String>,
    /// The event concerns an intent Kassa did not create.
    #[serde(default)]
    pub foreign: bool,
    #[serde(default)]
    pub source: EventSource,
    /// When the backend stored it, in unix seconds.
    #[serde(default)]
    pub received: i64,
    pub event: E,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedPage<E = serde_json::Value> {
    pub events: Vec<FeedItem<E>>,
    /// Pass as `after` next time; it only moves forward.
    pub next_cursor: i64,
}
