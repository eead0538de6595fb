//! All simulator state, behind one lock. Operations live in `engine`; this file keeps objects, events,
//! idempotency records and what must be persisted or scheduled after each operation.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::{Charge, Intent, PaymentMethod, Refund, StoredEvent};

/// Which rows an operation changed, for `--db`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dirty {
    Intent(String),
    Charge(String),
    PaymentMethod(String),
    Refund(String),
    Event(String),
    Idempotency(String),
}

/// The first answer to an idempotent request, replayed for every retry with the same key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub status: u16,
    pub body: Value,
    pub request_id: String,
    pub created: i64,
}

/// Keys are kept this long, as Stripe keeps them.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;

#[derive(Default)]
pub struct Store {
    pub intents: IndexMap<String, Intent>,
    pub charges: HashMap<String, Charge>,
    pub payment_methods: HashMap<String, PaymentMethod>,
    pub refunds: IndexMap<String, Refund>,
    pub events: IndexMap<String, StoredEvent>,
    pub idempotency: HashMap<String, IdempotencyRecord>,
    /// Events emitted by the current operation, to hand to webhook delivery once the lock is released.
    pub outbox: Vec<StoredEvent>,
    /// Intents that entered `processing` in the current operation and need their outcome scheduled.
    pub entered_processing: Vec<String>,
    /// In the order changed, so rows reach the database (and its rowid order) in the order events were emitted.
    pub dirty: indexmap::IndexSet<Dirty>,
    /// How many webhook endpoints each new event is owed to.
    pub endpoints: i64,
}

/// Who asked, and when: stamped on the events an operation emits.
pub struct Ctx<'a> {
    pub now: i64,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub ids: &'a crate::ids::IdGen,
    /// The simulator's own origin, for the 3-D Secure challenge URL.
    pub origin: &'a str,
}

impl Store {
    pub fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.get(id)
    }

    pub fn intent_mut(&mut self, id: &str) -> Option<&mut Intent> {
        let intent = self.intents.get_mut(id)?;
        self.dirty.insert(Dirty::Intent(id.to_owned()));
        Some(intent)
    }

    pub fn charge_mut(&mut self, id: &str) -> Option<&mut Charge> {
        let charge = self.charges.get_mut(id)?;
        self.dirty.insert(Dirty::Charge(id.to_owned()));
        Some(charge)
    }

    pub fn insert_intent(&mut self, intent: Intent) {
        self.dirty.insert(Dirty::Intent(intent.id.clone()));
        self.intents.insert(intent.id.clone(), intent);
    }

    pub fn insert_charge(&mut self, charge: Charge) {
        self.dirty.insert(Dirty::Charge(charge.id.clone()));
        self.charges.insert(charge.id.clone(), charge);
    }

    pub fn insert_payment_method(&mut self, pm: PaymentMethod) {
        self.dirty.insert(Dirty::PaymentMethod(pm.id.clone()));
        self.payment_methods.insert(pm.id.clone(), pm);
    }

    pub fn insert_refund(&mut self, refund: Refund) {
        self.dirty.insert(Dirty::Refund(refund.id.clone()));
        self.refunds.insert(refund.id.clone(), refund);
    }

    pub fn remember(&mut self, key: String, record: IdempotencyRecord) {
        self.dirty.insert(Dirty::Idempotency(key.clone()));
        self.idempotency.insert(key, record);
    }

    /// The record for a key, unless it has outlived Stripe's 24 hours.
    pub fn recall(&mut self, key: &str, now: i64) -> Option<&IdempotencyRecord> {
        if self
            .idempotency
            .get(key)
            .is_some_and(|r| now - r.created >= IDEMPOTENCY_TTL_SECS)
        {
            self.idempotency.remove(key);
        }
        self.idempotency.get(key)
    }

    /// A PaymentIntent as Stripe renders it, with `latest_charge` and `payment_method` expanded on request.
    pub fn render_intent(&self, intent: &Intent, expand: &[String]) -> Value {
        let charge = expand
            .iter()
            .any(|e| e == "latest_charge")
            .then(|| {
                intent
                    .latest_charge
                    .as_ref()
                    .and_then(|id| self.render_charge(id))
            })
            .flatten();
        let pm = expand
            .iter()
            .any(|e| e == "payment_method")
            .then(|| {
                intent
                    .payment_method
                    .as_ref()
                    .and_then(|id| self.payment_methods.get(id))
                    .map(|p| p.render())
            })
            .flatten();
        intent.render(Some((charge, pm)))
    }

    pub fn render_charge(&self, id: &str) -> Option<Value> {
        let charge = self.charges.get(id)?;
        Some(charge.render(self.payment_methods.get(&charge.payment_method)))
    }

    /// Records an event and queues it for delivery. `previous` holds the changed attributes' old values.
    pub fn emit(&mut self, ctx: &Ctx, kind: &str, object: Value, previous: Option<Value>) {
        let id = ctx.ids.id("evt");
        let mut data = json!({ "object": object });
        if let Some(previous) = previous {
            data["previous_attributes"] = previous;
        }
        let event = json!({
            "id": id,
            "object": "event",
            "api_version": kassa_stripe::STRIPE_VERSION,
            "created": ctx.now,
            "data": data,
            "livemode": false,
            "pending_webhooks": self.endpoints,
            "request": { "id": ctx.request_id, "idempotency_key": ctx.idempotency_key },
            "type": kind,
        });
        let stored = StoredEvent {
            id: id.clone(),
            kind: kind.to_owned(),
            created: ctx.now,
            json: Arc::from(serde_json::to_string_pretty(&event).expect("JSON values serialize")),
        };
        self.dirty.insert(Dirty::Event(id.clone()));
        self.outbox.push(stored.clone());
        self.events.insert(id, stored);
    }
}
