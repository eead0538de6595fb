use serde::{Deserialize, Serialize};

open_enum! {
    /// The event types Kassa acts on; every other type is kept in `Other` and stored all the same.
    EventType {
        PaymentIntentCreated = "payment_intent.created",
        PaymentIntentRequiresAction = "payment_intent.requires_action",
        PaymentIntentProcessing = "payment_intent.processing",
        PaymentIntentSucceeded = "payment_intent.succeeded",
        PaymentIntentPaymentFailed = "payment_intent.payment_failed",
        PaymentIntentCanceled = "payment_intent.canceled",
        PaymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated",
        ChargeSucceeded = "charge.succeeded",
        ChargeFailed = "charge.failed",
        ChargeCaptured = "charge.captured",
        ChargeRefunded = "charge.refunded",
        RefundCreated = "refund.created",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// A snapshot of the object at the time of the event; its shape depends on the event type.
    pub object: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_attributes: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRequest {
    pub id: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub api_version: Option<String>,
    pub created: i64,
    pub data: EventData,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub pending_webhooks: i64,
    #[serde(default)]
    pub request: Option<EventRequest>,
}

impl Event {
    /// The id of the object the event is about (`data.object.id`), when it has one.
    pub fn object_id(&self) -> Option<&str> {
        self.data.object.get("id").and_then(|v| v.as_str())
    }

    /// The PaymentIntent this event concerns: the object itself, or the `payment_intent` a charge or refund names.
    pub fn payment_intent_id(&self) -> Option<&str> {
        let object = &self.data.object;
        match object.get("object").and_then(|v| v.as_str()) {
            Some("payment_intent") => self.object_id(),
            _ => object.get("payment_intent").and_then(|v| v.as_str()),
        }
    }
}
