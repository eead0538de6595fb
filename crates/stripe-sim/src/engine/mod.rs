//! The PaymentIntent lifecycle as Stripe documents it, and refunds. Each operation validates, changes the store,
//! emits the matching events and returns Stripe's JSON answer.
//!
//! requires_payment_method → (requires_confirmation) → requires_action | processing | requires_capture | succeeded;
//! a failed attempt returns to requires_payment_method with last_payment_error.
//!
//! One module per resource and step: amounts, intents, payment methods, confirm (with 3-D Secure and the
//! asynchronous outcomes), capture, refunds and lists.

mod amounts;
mod capture;
mod confirm;
mod intents;
mod lists;
mod payment_methods;
mod reader_actions;
mod refunds;
mod terminal;

use indexmap::IndexMap;
use kassa_stripe::currency;
use kassa_stripe::PaymentIntentStatus as S;
use serde_json::{json, Value};

use crate::cards::{self, Behaviour, Decline};
use crate::failure::{as_value, to_json, Failure, Outcome};
use crate::model::{CardDetails, Charge, Intent, PaymentMethod, Refund};
use crate::params::{merge_metadata, Params};
use crate::store::{Ctx, Store, Subject};

// Each step's helpers are visible to the others through these (each module takes `use super::*`).
use amounts::*;
use payment_methods::*;

pub use capture::capture_intent;
pub use confirm::{authenticate, confirm_intent, finish_processing, intent_by_source};
use intents::*;
pub use intents::{cancel_intent, create_intent, retrieve_intent, update_intent};
pub use lists::{list_events, list_intents, retrieve_event, EventPage};
pub use reader_actions::{
    cancel_action, present_payment_method, process_payment_intent, refund_payment,
    set_reader_display,
};
pub use refunds::{create_refund, list_refunds, retrieve_refund};
pub use terminal::{
    create_location, delete_reader, list_readers, register_reader, retrieve_location,
    retrieve_reader, set_reader_connection, update_reader,
};

const EXPANDABLE: &[&str] = &["latest_charge", "payment_method"];
