//! Stripe's wire objects, as far as Kassa uses them.
//!
//! Every struct ignores fields it does not know, and every enum keeps a value it does not know in `Other`,
//! because Stripe adds both without a version bump.

#[macro_use]
mod open_enum;
mod charge;
mod error;
mod event;
mod list;
mod payment_intent;
mod payment_method;
mod refund;
mod terminal;

pub use charge::{CardPresent, Charge, ChargeStatus, PaymentMethodDetails};
pub use error::{ApiError, ApiErrorBody, ErrorType};
pub use event::{Event, EventData, EventRequest, EventType};
pub use list::List;
pub use open_enum::Expandable;
pub use payment_intent::{
    AutomaticPaymentMethods, CaptureMethod, NextAction, PaymentIntent, PaymentIntentStatus,
};
pub use payment_method::{Card, PaymentMethod};
pub use refund::{Refund, RefundStatus};
pub use terminal::{
    Location, ProcessPaymentIntentAction, Reader, ReaderAction, ReaderActionStatus,
    SIMULATED_READER_CODE,
};
