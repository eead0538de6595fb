//! API fault injection (`--fault-api-5xx`), and the count of every fault injected, for `/_sim/faults`.
//!
//! Stripe's own advice shapes the two kinds: a 500 may come before or after the request took effect, and a
//! client that retries with the same Idempotency-Key gets the original's result. So half the injected errors
//! refuse the request untouched, and half carry a keyed write out and lose only its answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::sim::Sim;

/// How many faults were injected, by kind.
#[derive(Debug, Default, Serialize)]
pub struct Injected {
    /// Requests answered 500 before anything happened.
    pub api_errors: AtomicU64,
    /// Keyed writes carried out whose answer was replaced by a 500.
    pub lost_responses: AtomicU64,
    /// Events never delivered to an endpoint (`--fault-drop`).
    pub dropped: AtomicU64,
    /// Events delivered a second time (`--fault-duplicate`).
    pub duplicated: AtomicU64,
}

impl Injected {
    pub(crate) fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Middleware on the API (`/v1/…`): with probability `--fault-api-5xx`, the request fails with a 500.
pub async fn inject(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let p = sim.config.fault_api_5xx;
    if p <= 0.0 || !req.uri().path().starts_with("/v1/") || sim.ids.unit() >= p {
        return next.run(req).await;
    }
    let keyed_write = req.method() == Method::POST && req.headers().contains_key("idempotency-key");
    if keyed_write && sim.ids.unit() < 0.5 {
        // Carried out in full (its events included); only the answer is lost on the way back.
        let _ = next.run(req).await;
        Injected::count(&sim.injected.lost_responses);
    } else {
        Injected::count(&sim.injected.api_errors);
    }
    injected_error(&sim)
}

fn injected_error(sim: &Sim) -> Response {
    let body = json!({ "error": {
        "type": "api_error",
        "message": "An unknown error occurred (injected by stripe-sim --fault-api-5xx).",
    }});
    let mut resp = (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response();
    let h = resp.headers_mut();
    // What Stripe sends when a retry is safe; the official SDKs (and kassa-stripe) retry on it.
    h.insert("stripe-should-retry", HeaderValue::from_static("true"));
    if let Ok(v) = HeaderValue::from_str(&sim.ids.id("req")) {
        h.insert("request-id", v);
    }
    resp
}
