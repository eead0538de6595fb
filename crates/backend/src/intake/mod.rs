//! POST /webhook: verify the signature on the raw body, deduplicate by event id, store durably, then answer 2xx.
//! A failure to store answers 503 so Stripe retries; nothing is acknowledged that is not on disk.

mod depth;
pub mod health;
pub mod log;
#[cfg(test)]
mod route_fuzz;
pub mod writer;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use writer::VerifiedEvent;

/// Objects and arrays inside one another, the event itself counting as one.
pub const MAX_DEPTH: usize = 64;

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
    // Before parsing, and by a scan rather than recursion: whatever reads the stored payload later (the feed, the
    // tills, a re-parse here) must not have to follow thousands of levels. Stripe's events are a few deep.
    if depth::deeper_than(&body, MAX_DEPTH) {
        return refuse(&format!(
            "the payload is nested deeper than {MAX_DEPTH} levels of objects and arrays"
        ));
    }
    let event = match parse(&body) {
        Ok(e) => e,
        Err(reason) => return refuse(&reason),
    };
    let (id, kind) = (event.id.clone(), event.kind.clone());
    let tapped = (kind == "terminal.reader.action_succeeded")
        .then(|| event.payment_intent_id.clone())
        .flatten();
    match state.writer.store_event(event).await {
        Ok(stored) => {
            tracing::debug!(%id, %kind, ?stored, "webhook stored");
            if let (Some(pi), writer::Stored::New { .. }) = (tapped, &stored) {
                // Not in the answer's way: Stripe needs its 2xx now, and the capture retries on the next poll.
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(e) = crate::readers::catch_up(&state, &pi).await {
                        tracing::warn!(payment_intent = %pi, "after a reader's tap: {e}");
                    }
                });
            }
            axum::Json(kassa_api::WebhookAck { received: true }).into_response()
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
/// Only the fields routing needs are read here (borrowed, no allocation per field); the object itself is parsed
/// later, and only when the event concerns one of our orders.
fn parse(body: &[u8]) -> Result<VerifiedEvent, String> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        id: Option<std::borrow::Cow<'a, str>>,
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
        created: Option<i64>,
        #[serde(borrow)]
        data: Option<Data<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Data<'a> {
        #[serde(borrow)]
        object: Option<Object<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Object<'a> {
        #[serde(borrow)]
        id: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        object: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default, deserialize_with = "string_or_none")]
        payment_intent: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        metadata: Option<Metadata<'a>>,
        /// A reader's action names the intent it collects payment for.
        #[serde(borrow, default)]
        action: Option<Action<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Action<'a> {
        #[serde(borrow, default)]
        process_payment_intent: Option<ForIntent<'a>>,
        #[serde(borrow, default)]
        refund_payment: Option<ForIntent<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct ForIntent<'a> {
        #[serde(borrow, default, deserialize_with = "string_or_none")]
        payment_intent: Option<std::borrow::Cow<'a, str>>,
    }
    #[derive(serde::Deserialize)]
    struct Metadata<'a> {
        #[serde(borrow, default)]
        order_id: Option<std::borrow::Cow<'a, str>>,
    }
    /// `payment_intent` is an id, or an object when expanded, or null.
    fn string_or_none<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<std::borrow::Cow<'de, str>>, D::Error> {
        use serde::Deserialize;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<'a> {
            Id(#[serde(borrow)] std::borrow::Cow<'a, str>),
            Other(serde::de::IgnoredAny),
        }
        Ok(match Option::<Either>::deserialize(d)? {
            Some(Either::Id(id)) => Some(id),
            _ => None,
        })
    }

    let payload = std::str::from_utf8(body).map_err(|_| "the payload is not UTF-8".to_owned())?;
    let e: Envelope = serde_json::from_str(payload)
        .map_err(|e| format!("the payload is not a Stripe event: {e}"))?;
    let id = e.id.ok_or("the event has no id")?.into_owned();
    let kind = e.kind.ok_or("the event has no type")?.into_owned();
    let created = e.created.ok_or("the event has no created time")?;
    let object = e
        .data
        .and_then(|d| d.object)
        .ok_or("the event has no data.object")?;
    // A reader's events reach the till whose order its action is for, like the intent's own.
    let payment_intent_id = match object.object.as_deref() {
        Some("payment_intent") => object.id.map(|s| s.into_owned()),
        Some("terminal.reader") => object
            .action
            .and_then(|a| a.process_payment_intent.or(a.refund_payment))
            .and_then(|p| p.payment_intent)
            .map(|s| s.into_owned()),
        _ => object.payment_intent.map(|s| s.into_owned()),
    };
    let order_id_hint = object
        .metadata
        .and_then(|m| m.order_id)
        .map(|s| s.into_owned());
    Ok(VerifiedEvent {
        id,
        kind,
        created,
        payment_intent_id,
        order_id_hint,
        payload: payload.to_owned(),
    })
}
