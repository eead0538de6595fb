//! All simulator state, behind one lock. Operations live in `engine`; this file keeps objects, events,
//! idempotency records and what must be persisted or scheduled after each operation.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::failure::{to_json, Json};
use crate::model::{Charge, Intent, IntentView, PaymentMethod, Refund, StoredEvent};

/// Which rows an operation changed, for `--db`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dirty {
    Intent(String),
    Charge(String),
    PaymentMethod(String),
    Refund(String),
    Location(String),
    Reader(String),
    Event(String),
    Idempotency(String),
}

/// The first answer to an idempotent request, replayed for every retry with the same key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub status: u16,
    pub body: Json,
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
    pub locations: IndexMap<String, crate::terminal::Location>,
    pub readers: IndexMap<String, crate::terminal::Reader>,
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
    /// `--live`: what new objects and every event say in `livemode`.
    pub livemode: bool,
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

    pub fn insert_location(&mut self, location: crate::terminal::Location) {
        self.dirty.insert(Dirty::Location(location.id.clone()));
        self.locations.insert(location.id.clone(), location);
    }

    pub fn insert_reader(&mut self, reader: crate::terminal::Reader) {
        self.dirty.insert(Dirty::Reader(reader.public.id.clone()));
        self.readers.insert(reader.public.id.clone(), reader);
    }

    /// A registered reader (a deleted one is gone, as at Stripe).
    pub fn reader(&self, id: &str) -> Option<&crate::terminal::Reader> {
        self.readers.get(id).filter(|r| !r.sim.deleted)
    }

    pub fn reader_mut(&mut self, id: &str) -> Option<&mut crate::terminal::Reader> {
        let reader = self.readers.get_mut(id).filter(|r| !r.sim.deleted)?;
        self.dirty.insert(Dirty::Reader(id.to_owned()));
        Some(reader)
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
    pub fn intent_view<'a>(&'a self, intent: &'a Intent, expand: &[String]) -> IntentView<'a> {
        let wants = |what: &str| expand.iter().any(|e| e == what);
        let charge = wants("latest_charge")
            .then(|| {
                let charge = self.charges.get(intent.latest_charge.as_ref()?)?;
                Some(charge.view(self.payment_methods.get(&charge.payment_method)))
            })
            .flatten();
        let pm = wants("payment_method")
            .then(|| {
                intent
                    .payment_method
                    .as_ref()
                    .and_then(|id| self.payment_methods.get(id))
                    .map(PaymentMethod::view)
            })
            .flatten();
        intent.view(charge, pm)
    }

    pub fn render_intent(&self, intent: &Intent, expand: &[String]) -> Json {
        to_json(&self.intent_view(intent, expand))
    }

    /// Records an event about `subject` as it stands now, and queues it for delivery. `previous` holds the
    /// changed attributes' old values.
    pub fn emit(&mut self, ctx: &Ctx, kind: &str, subject: Subject, previous: Option<Value>) {
        let id = ctx.ids.id("evt");
        let head = EventHead {
            id: &id,
            ctx,
            kind,
            pending_webhooks: self.endpoints,
            previous: previous.as_ref(),
        };
        let json = match subject {
            Subject::Intent(id) => head.render(self.intents[id].view(None, None)),
            Subject::Charge(id) => {
                let charge = &self.charges[id];
                head.render(charge.view(self.payment_methods.get(&charge.payment_method)))
            }
            Subject::Refund(id) => head.render(self.refunds[id].view()),
            Subject::Reader(id) => head.render(&self.readers[id].public),
        };
        let stored = StoredEvent {
            id: id.clone(),
            kind: kind.to_owned(),
            created: ctx.now,
            json: Arc::from(json),
        };
        self.dirty.insert(Dirty::Event(id.clone()));
        self.outbox.push(stored.clone());
        self.events.insert(id, stored);
    }
}

/// What an event is about, by id: it carries the object as it stands when the event is emitted.
#[derive(Clone, Copy)]
pub enum Subject<'a> {
    Intent(&'a str),
    Charge(&'a str),
    Refund(&'a str),
    Reader(&'a str),
}

/// Everything an event carries besides its object.
struct EventHead<'a> {
    id: &'a str,
    ctx: &'a Ctx<'a>,
    kind: &'a str,
    pending_webhooks: i64,
    previous: Option<&'a Value>,
}

impl EventHead<'_> {
    /// Pretty, as Stripe sends webhooks; the object's view serializes straight into it.
    fn render(&self, object: impl Serialize) -> String {
        let event = EventView {
            id: self.id,
            object: "event",
            api_version: kassa_stripe::STRIPE_VERSION,
            created: self.ctx.now,
            data: EventData {
                object,
                previous_attributes: self.previous,
            },
            livemode: self.ctx.livemode,
            pending_webhooks: self.pending_webhooks,
            request: EventRequest {
                id: self.ctx.request_id.as_deref(),
                idempotency_key: self.ctx.idempotency_key.as_deref(),
            },
            kind: self.kind,
        };
        // Sized for a whole event up front: growing the buffer from serde_json's default copies it several times.
        let mut json = Vec::with_capacity(8 * 1024);
        serde_json::to_writer_pretty(&mut json, &event).expect("views serialize");
        String::from_utf8(json).expect("serde_json writes UTF-8")
    }
}

#[derive(Serialize)]
struct EventView<'a, O> {
    id: &'a str,
    object: &'static str,
    api_version: &'static str,
    created: i64,
    data: EventData<'a, O>,
    livemode: bool,
    pending_webhooks: i64,
    request: EventRequest<'a>,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct EventData<'a, O> {
    object: O,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_attributes: Option<&'a Value>,
}

#[derive(Serialize)]
struct EventRequest<'a> {
    id: Option<&'a str>,
    idempotency_key: Option<&'a str>,
}
