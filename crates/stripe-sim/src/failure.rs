//! Stripe's error answers, built in one place so every rejection names its param the same way.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::model::Intent;

/// An error answer: HTTP status and Stripe's `{"error": {...}}` body.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: u16,
    pub body: Value,
    /// Stripe saves an idempotent result only once the endpoint began executing; a request refused while its
    /// parameters were being read is not saved, so fixing the parameters and retrying with the same key works.
    pub before_execution: bool,
}

pub type Outcome<T = Json> = Result<T, Failure>;

/// A successful answer, serialized once, straight from the model's views, and carried as raw JSON from then on
/// (replayed for idempotent retries, written to `--db`) without being parsed again.
pub type Json = Box<RawValue>;

pub fn to_json(view: &impl Serialize) -> Json {
    serde_json::value::to_raw_value(view).expect("views serialize")
}

/// A view as a `Value`, for the few answers that nest or compare it (error bodies, `previous_attributes`).
pub fn as_value(view: &impl Serialize) -> Value {
    serde_json::to_value(view).expect("views serialize")
}

impl Failure {
    fn new(status: u16, error: Value, before_execution: bool) -> Self {
        Self {
            status,
            body: json!({ "error": error }),
            before_execution,
        }
    }

    /// A parameter that cannot be accepted.
    pub fn param(param: &str, code: Option<&str>, message: impl Into<String>) -> Self {
        let mut error = json!({
            "type": "invalid_request_error",
            "param": param,
            "message": message.into(),
        });
        if let Some(code) = code {
            error["code"] = json!(code);
            error["doc_url"] = json!(format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            ));
        }
        Self::new(400, error, true)
    }

    pub fn missing(param: &str) -> Self {
        Self::param(
            param,
            Some("parameter_missing"),
            format!("Missing required param: {param}."),
        )
    }

    pub fn unknown_param(param: &str) -> Self {
        Self::param(
            param,
            Some("parameter_unknown"),
            format!("Received unknown parameter: {param}"),
        )
    }

    pub fn no_such(kind: &str, param: &str, id: &str) -> Self {
        let mut f = Self::param(
            param,
            Some("resource_missing"),
            format!("No such {kind}: '{id}'"),
        );
        f.status = 404;
        f
    }

    /// The request was valid but the object's state does not allow it (it ran, so it is saved).
    pub fn state(code: &str, message: impl Into<String>, param: Option<&str>) -> Self {
        let mut f = Self::param(param.unwrap_or_default(), Some(code), message);
        if param.is_none() {
            f.body["error"].as_object_mut().map(|e| e.remove("param"));
        }
        f.before_execution = false;
        f
    }

    pub fn unexpected_state(message: impl Into<String>, intent: &Intent) -> Self {
        let mut f = Self::state("payment_intent_unexpected_state", message, None);
        f.body["error"]["payment_intent"] = as_value(&intent.view(None, None));
        f
    }

    /// A declined or invalid card: 402, as Stripe answers a confirm that failed.
    pub fn card(error: Value) -> Self {
        Self::new(402, error, false)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(
            401,
            json!({ "type": "invalid_request_error", "message": message.into() }),
            true,
        )
    }

    pub fn idempotency(message: impl Into<String>) -> Self {
        Self::new(
            400,
            json!({ "type": "idempotency_error", "message": message.into() }),
            true,
        )
    }
}
