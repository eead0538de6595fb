//! POST /webhook: verify the signature on the raw body, deduplicate by event id, store durably, then answer 2xx.
//! A failure to store answers 503 so Stripe retries; nothing is acknowledged that is not on disk.

pub mod writer;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::state::AppState;
use writer::VerifiedEvent;

pub async fn webhook(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = state.clock.now();
    if let Err(e) = kassa_stripe::webhook::verify(
        &body,
        header,
        &state.stripe_config.webhook_secret,
        kassa_stripe::webhook::DEFAULT_TOLERANCE_SECS,
        now,
    ) {
        return refuse(&e.to_string());
    }
    let event = match parse(&body) {
        Ok(e) => e,
        Err(reason) => return refuse(&reason),
    };
    let (id, kind) = (event.id.clone(), event.kind.clone());
    match state.writer.store_event(event).await {
        Ok(stored) => {
            tracing::debug!(%id, %kind, ?stored, "webhook stored");
            axum::Json(json!({ "received": true })).into_response()
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Webhook Error: could not store the event, retry later ({e})"),
        )
            .into_response(),
    }
}

fn refuse(reason: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("Webhook Error: {reason}")).into_response()
}

/// A signed body is Stripe's, but is still read defensively: it must be an event with an id, a type and a time.
fn parse(body: &[u8]) -> Result<VerifiedEvent, String> {
    let payload = std::str::from_utf8(body).map_err(|_| "the payload is not UTF-8".to_owned())?;
    let value: Value =
        serde_json::from_str(payload).map_err(|e| format!("the payload is not JSON: {e}"))?;
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").ok_or("the event has no id")?;
    let kind = text("type").ok_or("the event has no type")?;
    let created = value
        .get("created")
        .and_then(Value::as_i64)
        .ok_or("the event has no created time")?;
    let object = value
        .pointer("/data/object")
        .cloned()
        .ok_or("the event has no data.object")?;
    let payment_intent_id = match object.get("object").and_then(Value::as_str) {
        Some("payment_intent") => object.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => object
            .get("payment_intent")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    Ok(VerifiedEvent {
        id,
        kind,
        created,
        payment_intent_id,
        object,
        payload: payload.to_owned(),
    })
}
