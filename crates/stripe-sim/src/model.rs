//! The simulator's objects, and how each renders as Stripe's JSON. Rendering includes every key of Stripe's own
//! example objects (shared/stripe/openapi/fixtures3.json) so strict clients find what they expect.

use indexmap::IndexMap;
use kassa_stripe::PaymentIntentStatus;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Intent {
    pub id: String,
    pub client_secret: String,
    pub amount: i64,
    pub currency: String,
    #[serde(with = "status_serde")]
    pub status: PaymentIntentStatus,
    pub capture_method: String,
    pub confirmation_method: String,
    pub created: i64,
    pub description: Option<String>,
    pub metadata: IndexMap<String, String>,
    pub receipt_email: Option<String>,
    pub automatic_payment_methods: Option<bool>,
    /// `always` or `never`: whether redirect-based methods may be offered (then a confirm needs a return_url).
    #[serde(default = "always")]
    pub allow_redirects: String,
    pub payment_method_types: Vec<String>,
    pub payment_method: Option<String>,
    pub latest_charge: Option<String>,
    pub last_payment_error: Option<Value>,
    pub next_action: Option<Value>,
    pub amount_capturable: i64,
    pub amount_received: i64,
    pub canceled_at: Option<i64>,
    pub cancellation_reason: Option<String>,
    /// The unguessable token of a redirect-based 3-D Secure challenge (`/v3/authenticate/{source}`).
    #[serde(default)]
    pub three_ds_source: Option<String>,
    /// Where a redirect-based challenge returns to.
    #[serde(default)]
    pub return_url: Option<String>,
    /// The charge that completing 3-D Secure leads to, while the intent waits in requires_action.
    pub pending_decline: Option<crate::cards::Decline>,
}

fn always() -> String {
    "always".to_owned()
}

mod status_serde {
    use kassa_stripe::PaymentIntentStatus;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(s: &PaymentIntentStatus, ser: S) -> Result<S::Ok, S::Error> {
        s.serialize(ser)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PaymentIntentStatus, D::Error> {
        PaymentIntentStatus::deserialize(d)
    }
}

impl Intent {
    pub fn render(&self, expanded: Option<(Option<Value>, Option<Value>)>) -> Value {
        let (charge, pm) = expanded.unwrap_or((None, None));
        json!({
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_capturable": self.amount_capturable,
            "amount_details": { "tip": {} },
            "amount_received": self.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": self.automatic_payment_methods.map(|enabled| json!({
                "allow_redirects": self.allow_redirects,
                "enabled": enabled,
            })),
            "canceled_at": self.canceled_at,
            "cancellation_reason": self.cancellation_reason,
            "capture_method": self.capture_method,
            "client_secret": self.client_secret,
            "confirmation_method": self.confirmation_method,
            "created": self.created,
            "currency": self.currency,
            "customer": null,
            "customer_account": null,
            "description": self.description,
            "excluded_payment_method_types": null,
            "last_payment_error": self.last_payment_error,
            "latest_charge": charge.or_else(|| self.latest_charge.clone().map(Value::String)),
            "livemode": false,
            "managed_payments": null,
            "metadata": self.metadata,
            "next_action": self.next_action,
            "on_behalf_of": null,
            "payment_method": pm.or_else(|| self.payment_method.clone().map(Value::String)),
            "payment_method_configuration_details": null,
            "payment_method_options": {
                "card": {
                    "installments": null,
                    "mandate_options": null,
                    "network": null,
                    "request_three_d_secure": "automatic",
                }
            },
            "payment_method_types": self.payment_method_types,
            "processing": null,
            "receipt_email": self.receipt_email,
            "review": null,
            "setup_future_usage": null,
            "shipping": null,
            "source": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": self.status.as_str(),
            "transfer_data": null,
            "transfer_group": null,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardDetails {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: u32,
    pub funding: String,
    pub country: String,
    /// Which test card this is, so later attempts behave the same.
    pub number: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    pub created: i64,
    pub card: CardDetails,
    pub postal_code: Option<String>,
    /// A CVC was entered (incorrect_cvc cards decline only then).
    pub cvc_given: bool,
}

impl PaymentMethod {
    pub fn card_json(&self) -> Value {
        json!({
            "brand": self.card.brand,
            "checks": {
                "address_line1_check": null,
                "address_postal_code_check": self.postal_code.as_ref().map(|_| "pass"),
                "cvc_check": if self.cvc_given { Some("pass") } else { None },
            },
            "country": self.card.country,
            "display_brand": self.card.brand,
            "exp_month": self.card.exp_month,
            "exp_year": self.card.exp_year,
            "fingerprint": format!("sim{}", self.card.number.get(self.card.number.len().saturating_sub(8)..).unwrap_or("")),
            "funding": self.card.funding,
            "generated_from": null,
            "last4": self.card.last4,
            "networks": { "available": [self.card.brand], "preferred": null },
            "three_d_secure_usage": { "supported": true },
            "wallet": null,
        })
    }

    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {
                "address": {
                    "city": null, "country": null, "line1": null, "line2": null,
                    "postal_code": self.postal_code, "state": null,
                },
                "email": null, "name": null, "phone": null,
            },
            "card": self.card_json(),
            "created": self.created,
            "customer": null,
            "customer_account": null,
            "livemode": false,
            "metadata": {},
            "type": "card",
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    pub amount_captured: i64,
    pub amount_refunded: i64,
    pub currency: String,
    pub status: String,
    pub captured: bool,
    pub payment_intent: String,
    pub payment_method: String,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub decline_code: Option<String>,
    pub created: i64,
    pub description: Option<String>,
    pub metadata: IndexMap<String, String>,
}

impl Charge {
    pub fn refunded(&self) -> bool {
        self.amount_refunded > 0 && self.amount_refunded >= self.amount
    }

    pub fn render(&self, pm: Option<&PaymentMethod>) -> Value {
        let paid = self.status == "succeeded";
        json!({
            "id": self.id,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount_captured,
            "amount_refunded": self.amount_refunded,
            "application": null,
            "application_fee": null,
            "application_fee_amount": null,
            "balance_transaction": if paid && self.captured { Some(format!("txn_{}", &self.id[3..])) } else { None },
            "billing_details": {
                "address": { "city": null, "country": null, "line1": null, "line2": null,
                    "postal_code": pm.and_then(|p| p.postal_code.clone()), "state": null },
                "email": null, "name": null, "phone": null,
            },
            "calculated_statement_descriptor": "KASSA",
            "captured": self.captured,
            "created": self.created,
            "currency": self.currency,
            "customer": null,
            "description": self.description,
            "disputed": false,
            "failure_balance_transaction": null,
            "failure_code": self.failure_code,
            "failure_message": self.failure_message,
            "fraud_details": {},
            "livemode": false,
            "metadata": self.metadata,
            "on_behalf_of": null,
            "outcome": {
                "network_status": if paid { "approved_by_network" } else { "declined_by_network" },
                "reason": self.decline_code,
                "risk_level": "normal",
                "seller_message": if paid { "Payment complete." } else { "The bank did not return any further details with this decline." },
                "type": if paid { "authorized" } else { "issuer_declined" },
            },
            "paid": paid,
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "payment_method_details": {
                "type": "card",
                "card": pm.map(|p| {
                    let mut card = p.card_json();
                    card["network"] = json!(p.card.brand);
                    card
                }),
            },
            "receipt_email": null,
            "receipt_number": null,
            "receipt_url": null,
            "refunded": self.refunded(),
            "review": null,
            "shipping": null,
            "source": null,
            "source_transfer": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": self.status,
            "transfer_data": null,
            "transfer_group": null,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    #[serde(default)]
    pub payment_method: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub charge: String,
    pub payment_intent: String,
    pub reason: Option<String>,
    pub metadata: IndexMap<String, String>,
    pub created: i64,
}

impl Refund {
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "balance_transaction": format!("txn_{}", &self.id[3..]),
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "customer": null,
            "customer_account": null,
            "destination_details": { "type": "card", "card": { "reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund" } },
            "metadata": self.metadata,
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "reason": self.reason,
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": "succeeded",
            "transfer_reversal": null,
        })
    }
}

/// A stored event: its serialized JSON (exactly what webhooks carry) and the fields the list filters on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: String,
    pub kind: String,
    pub created: i64,
    pub json: std::sync::Arc<str>,
}
