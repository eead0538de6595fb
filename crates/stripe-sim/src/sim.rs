//! The running simulator's state, and the one path every API call takes through it: authenticate, read the form,
//! honour the Idempotency-Key, run the operation under the store's lock, then persist, deliver and schedule.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kassa_stripe::PaymentIntentStatus;
use serde_json::{Map, Value};

use crate::auth::{self, Caller};
use crate::clock::Clock;
use crate::config::Config;
use crate::engine;
use crate::failure::{to_json, Failure, Json, Outcome};
use crate::ids::IdGen;
use crate::persist::Persister;
use crate::store::{Ctx, IdempotencyRecord, Store};
use crate::webhooks::{Deliverer, DeliveryLog};

pub struct Sim {
    pub config: Config,
    pub store: Mutex<Store>,
    pub ids: Arc<IdGen>,
    pub clock: Arc<dyn Clock>,
    pub origin: String,
    pub webhook_secret: String,
    pub deliveries: Arc<DeliveryLog>,
    /// What the fault injection did, for `/_sim/faults`.
    pub injected: Arc<crate::api_faults::Injected>,
    pub(crate) deliverer: Option<Deliverer>,
    pub(crate) persist: Option<Persister>,
}

/// What an operation may do, given who called.
pub enum Access<'a> {
    /// Secret key only.
    Secret,
    /// Secret key, or the publishable key with this intent's client secret.
    IntentClientSecret {
        intent: &'a str,
        client_secret: Option<String>,
    },
}

/// An operation's consequences, taken from the store.
struct Staged {
    sim: Arc<Sim>,
    written: Option<tokio::sync::oneshot::Receiver<()>>,
    events: Vec<crate::model::StoredEvent>,
    processing: Vec<String>,
}

impl Staged {
    /// [`Staged::settle`] in a task of its own: a client that hangs up must not cancel the delivery of the events
    /// of a change that is already made.
    async fn settle_even_if_dropped(self) {
        let _ = tokio::spawn(self.settle()).await;
    }

    /// Waits until the operation's changes are in the database, then delivers its events and schedules its
    /// asynchronous outcomes: no webhook tells of a state the simulator could lose.
    async fn settle(self) {
        if let Some(written) = self.written {
            let _ = written.await;
        }
        if let Some(deliverer) = &self.sim.deliverer {
            for event in self.events {
                deliverer.send(event);
            }
        }
        for id in self.processing {
            self.sim.schedule_processing(id);
        }
    }
}

pub enum Reply {
    Json(Json),
    Raw(String),
}

impl Sim {
    fn ctx(&self, request_id: Option<String>, idempotency_key: Option<String>) -> Ctx<'_> {
        Ctx {
            now: self.clock.now(),
            request_id,
            idempotency_key,
            ids: &self.ids,
            origin: &self.origin,
            livemode: self.config.live,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A read: no idempotency, no events.
    pub fn read(
        self: &Arc<Self>,
        headers: &HeaderMap,
        access: Access,
        op: impl FnOnce(&Store) -> Outcome<Reply>,
    ) -> Response {
        let request_id = self.ids.id("req");
        let result = self
            .authorize(headers, &access)
            .and_then(|_| op(&self.lock()));
        respond(result.map(|r| (200, r)), &request_id, None, false)
    }

    /// A write, run exactly once per Idempotency-Key. It answers once what it changed is stored.
    pub async fn write(
        self: &Arc<Self>,
        headers: &HeaderMap,
        method_and_path: &str,
        params: Value,
        access: Access<'_>,
        op: impl FnOnce(&mut Store, &Ctx, &Value) -> Outcome,
    ) -> Response {
        let (response, staged) = self.write_locked(headers, method_and_path, params, access, op);
        if let Some(staged) = staged {
            staged.settle_even_if_dropped().await;
        }
        response
    }

    /// The part of a write done under the store's lock: its answer, and its consequences to settle.
    fn write_locked(
        self: &Arc<Self>,
        headers: &HeaderMap,
        method_and_path: &str,
        params: Value,
        access: Access<'_>,
        op: impl FnOnce(&mut Store, &Ctx, &Value) -> Outcome,
    ) -> (Response, Option<Staged>) {
        let request_id = self.ids.id("req");
        let caller = match self.authorize(headers, &access) {
            Ok(c) => c,
            Err(f) => return (respond(Err(f), &request_id, None, false), None),
        };
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let ctx = self.ctx(Some(request_id.clone()), key.clone());
        let mut store = self.lock();
        let scoped_key = key.as_ref().map(|k| format!("{}\u{0}{k}", caller.key()));
        // Only a keyed request is fingerprinted and remembered: that work stays off the common path.
        let fingerprint = scoped_key
            .as_ref()
            .map(|_| format!("{method_and_path} {}", canonical(&params)));
        if let Some(scoped) = &scoped_key {
            if let Some(record) = store.recall(scoped, ctx.now) {
                if Some(&record.fingerprint) != fingerprint.as_ref() {
                    let key = key.as_deref().unwrap_or_default();
                    let failure = Failure::idempotency(format!(
                        "Keys for idempotent requests can only be used with the same parameters they were first \
                         used with. Try using a key other than '{key}' if you meant to execute a different request."
                    ));
                    return (respond(Err(failure), &request_id, Some(key), false), None);
                }
                let status = record.status;
                let body = record.body.clone();
                let original = record.request_id.clone();
                // Staging nothing still waits for everything staged before: a replay is not answered before the
                // original's changes are stored.
                return (
                    respond_raw(status, body, &original, key.as_deref(), true),
                    Some(self.stage(store)),
                );
            }
        }
        let (status, body, saved) = match op(&mut store, &ctx, &params) {
            Ok(v) => (200, v, true),
            Err(f) => (f.status, to_json(&f.body), !f.before_execution),
        };
        if let (Some(scoped), Some(fingerprint), true) = (scoped_key, fingerprint, saved) {
            let record = IdempotencyRecord {
                fingerprint,
                status,
                body: body.clone(),
                request_id: request_id.clone(),
                created: ctx.now,
            };
            store.remember(scoped, record);
        }
        let staged = self.stage(store);
        (
            respond_raw(status, body, &request_id, key.as_deref(), false),
            Some(staged),
        )
    }

    /// After an operation, under the store's lock: take what it changed for writing, its new events and what it
    /// left processing. The lock goes with the store; [`Staged::settle`] then does the rest without it.
    fn stage(self: &Arc<Self>, mut store: std::sync::MutexGuard<'_, Store>) -> Staged {
        let written = match &self.persist {
            Some(persist) => Some(persist.stage(&mut store)),
            None => {
                store.dirty.clear();
                None
            }
        };
        Staged {
            sim: self.clone(),
            written,
            events: std::mem::take(&mut store.outbox),
            processing: std::mem::take(&mut store.entered_processing),
        }
    }

    /// Answers a redirect-based 3-D Secure challenge; the unguessable source token is the credential, as on
    /// Stripe's hosted page. Returns where to send the customer back to.
    pub async fn authenticate_by_source(
        self: &Arc<Self>,
        source: &str,
        outcome: &str,
    ) -> Result<String, Failure> {
        let (id, return_url, result, paid, staged) = {
            let mut store = self.lock();
            let id = engine::intent_by_source(&store, source)
                .ok_or_else(|| Failure::no_such("source", "source", source))?;
            let return_url = store.intent(&id).and_then(|i| i.return_url.clone());
            let ctx = self.ctx(Some(self.ids.id("req")), None);
            let result = engine::authenticate(
                &mut store,
                &ctx,
                &id,
                &serde_json::json!({ "outcome": outcome }),
            );
            // Read off the store rather than parsed back out of the rendered answer.
            let paid = store.intent(&id).is_some_and(|i| {
                matches!(
                    i.status,
                    PaymentIntentStatus::Succeeded
                        | PaymentIntentStatus::Processing
                        | PaymentIntentStatus::RequiresCapture
                )
            });
            (id, return_url, result, paid, self.stage(store))
        };
        staged.settle_even_if_dropped().await;
        result?;
        let status = if paid { "succeeded" } else { "failed" };
        let base = return_url.unwrap_or_else(|| format!("{}/v3/authenticate/done", self.origin));
        let sep = if base.contains('?') { '&' } else { '?' };
        // Stripe also appends payment_intent_client_secret; the simulator never puts a secret in a URL.
        Ok(format!(
            "{base}{sep}payment_intent={id}&redirect_status={status}"
        ))
    }

    pub(crate) fn schedule_processing(self: &Arc<Self>, id: String) {
        let sim = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(sim.config.processing_delay()).await;
            let staged = {
                let mut store = sim.lock();
                engine::finish_processing(&mut store, &sim.ctx(None, None), &id);
                sim.stage(store)
            };
            staged.settle().await;
        });
    }

    fn authorize(&self, headers: &HeaderMap, access: &Access) -> Result<Caller, Failure> {
        let caller = auth::caller(headers, self.config.secret_key.as_deref(), self.config.live)?;
        match (&caller, access) {
            (Caller::Secret(_), _) => Ok(caller),
            (Caller::Publishable(_), Access::Secret) => Err(auth::publishable_refused()),
            (
                Caller::Publishable(_),
                Access::IntentClientSecret {
                    intent,
                    client_secret,
                },
            ) => {
                let store = self.lock();
                let Some(found) = store.intent(intent) else {
                    return Err(Failure::no_such("payment_intent", "intent", intent));
                };
                match client_secret {
                    Some(given) if *given == found.client_secret => Ok(caller),
                    _ => Err(auth::client_secret_mismatch()),
                }
            }
        }
    }
}

/// Parameters with keys sorted, so the same request fingerprints the same whatever the order it was sent in.
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sort(&m[k])))
                        .collect::<Map<_, _>>(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

fn respond(
    result: Outcome<(u16, Reply)>,
    request_id: &str,
    key: Option<&str>,
    replayed: bool,
) -> Response {
    match result {
        Ok((status, Reply::Json(v))) => respond_raw(status, v, request_id, key, replayed),
        Ok((status, Reply::Raw(s))) => finish(status, s, request_id, key, replayed),
        Err(f) => respond_raw(f.status, to_json(&f.body), request_id, key, replayed),
    }
}

fn respond_raw(
    status: u16,
    body: Json,
    request_id: &str,
    key: Option<&str>,
    replayed: bool,
) -> Response {
    finish(
        status,
        // Compact: clients parse it either way, and it halves the bytes on the simulator's busiest path.
        String::from(Box::<str>::from(body)),
        request_id,
        key,
        replayed,
    )
}

fn finish(
    status: u16,
    body: String,
    request_id: &str,
    key: Option<&str>,
    replayed: bool,
) -> Response {
    let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert(
        "stripe-version",
        HeaderValue::from_static(kassa_stripe::STRIPE_VERSION),
    );
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("request-id", v);
    }
    if let Some(Ok(v)) = key.map(HeaderValue::from_str) {
        h.insert("idempotency-key", v);
    }
    if replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}
