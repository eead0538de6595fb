//! The simulator's objects, and how each renders as Stripe's JSON. Rendering includes every key of Stripe's own
//! example objects (tests/fixtures/stripe/openapi/fixtures3.json) so strict clients find what they expect.

use indexmap::IndexMap;
use kassa_stripe::PaymentIntentStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// The mode it was created in, as every Stripe object carries it (rows from before `--live` are test mode).
    #[serde(default)]
    pub livemode: bool,
    /// A tip the customer added on a card reader; `amount` already includes it.
    #[serde(default)]
    pub amount_tip: Option<i64>,
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
    /// The intent as Stripe renders it, with `latest_charge` and `payment_method` as ids or expanded objects.
    pub fn view<'a>(
        &'a self,
        charge: Option<ChargeView<'a>>,
        pm: Option<PaymentMethodView<'a>>,
    ) -> IntentView<'a> {
        IntentView {
            id: &self.id,
            object: "payment_intent",
            amount: self.amount,
            amount_capturable: self.amount_capturable,
            amount_details: AmountDetails {
                tip: Tip {
                    amount: self.amount_tip,
                },
            },
            amount_received: self.amount_received,
            application: (),
            application_fee_amount: (),
            automatic_payment_methods: self.automatic_payment_methods.map(|enabled| {
                AutomaticPaymentMethods {
                    allow_redirects: &self.allow_redirects,
                    enabled,
                }
            }),
            canceled_at: self.canceled_at,
            cancellation_reason: self.cancellation_reason.as_deref(),
            capture_method: &self.capture_method,
            client_secret: &self.client_secret,
            confirmation_method: &self.confirmation_method,
            created: self.created,
            currency: &self.currency,
            customer: (),
            customer_account: (),
            description: self.description.as_deref(),
            excluded_payment_method_types: (),
            last_payment_error: self.last_payment_error.as_ref(),
            latest_charge: match charge {
                Some(c) => Expandable::Object(c),
                None => Expandable::Id(self.latest_charge.as_deref()),
            },
            livemode: self.livemode,
            managed_payments: (),
            metadata: &self.metadata,
            next_action: self.next_action.as_ref(),
            on_behalf_of: (),
            payment_method: match pm {
                Some(p) => Expandable::Object(p),
                None => Expandable::Id(self.payment_method.as_deref()),
            },
            payment_method_configuration_details: (),
            payment_method_options: PaymentMethodOptions {
                card: CardOptions {
                    installments: (),
                    mandate_options: (),
                    network: (),
                    request_three_d_secure: "automatic",
                },
            },
            payment_method_types: &self.payment_method_types,
            processing: (),
            receipt_email: self.receipt_email.as_deref(),
            review: (),
            setup_future_usage: (),
            shipping: (),
            source: (),
            statement_descriptor: (),
            statement_descriptor_suffix: (),
            status: self.status.as_str(),
            transfer_data: (),
            transfer_group: (),
        }
    }
}

/// JSON `null`, for the attributes Stripe renders that the simulator never sets.
type Null = ();

/// JSON `{}`.
#[derive(Serialize)]
pub struct Empty {}

/// An attribute that is an id, or the object itself when the request asked to `expand[]` it.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Expandable<'a, T> {
    Id(Option<&'a str>),
    Object(T),
}

// The views below borrow from the model and serialize straight to Stripe's JSON, key for key in Stripe's
// order, without building a `Value` tree: rendering is the simulator's hottest path.

#[derive(Serialize)]
pub struct IntentView<'a> {
    id: &'a str,
    object: &'static str,
    amount: i64,
    amount_capturable: i64,
    amount_details: AmountDetails,
    amount_received: i64,
    application: Null,
    application_fee_amount: Null,
    automatic_payment_methods: Option<AutomaticPaymentMethods<'a>>,
    canceled_at: Option<i64>,
    cancellation_reason: Option<&'a str>,
    capture_method: &'a str,
    client_secret: &'a str,
    confirmation_method: &'a str,
    created: i64,
    currency: &'a str,
    customer: Null,
    customer_account: Null,
    description: Option<&'a str>,
    excluded_payment_method_types: Null,
    last_payment_error: Option<&'a Value>,
    latest_charge: Expandable<'a, ChargeView<'a>>,
    livemode: bool,
    managed_payments: Null,
    metadata: &'a IndexMap<String, String>,
    next_action: Option<&'a Value>,
    on_behalf_of: Null,
    payment_method: Expandable<'a, PaymentMethodView<'a>>,
    payment_method_configuration_details: Null,
    payment_method_options: PaymentMethodOptions,
    payment_method_types: &'a [String],
    processing: Null,
    receipt_email: Option<&'a str>,
    review: Null,
    setup_future_usage: Null,
    shipping: Null,
    source: Null,
    statement_descriptor: Null,
    statement_descriptor_suffix: Null,
    status: &'a str,
    transfer_data: Null,
    transfer_group: Null,
}

#[derive(Serialize)]
struct AmountDetails {
    tip: Tip,
}

#[derive(Serialize)]
struct Tip {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<i64>,
}

#[derive(Serialize)]
struct AutomaticPaymentMethods<'a> {
    allow_redirects: &'a str,
    enabled: bool,
}

#[derive(Serialize)]
struct PaymentMethodOptions {
    card: CardOptions,
}

#[derive(Serialize)]
struct CardOptions {
    installments: Null,
    mandate_options: Null,
    network: Null,
    request_three_d_secure: &'static str,
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
    #[serde(default)]
    pub livemode: bool,
    /// How a card reader read the card (`contactless_emv`, `contact_emv`, …): set only for a card_present method.
    #[serde(default)]
    pub read_method: Option<String>,
}

impl PaymentMethod {
    /// The card as a PaymentMethod shows it; a charge's payment_method_details add the `network` it ran on.
    pub fn card_view(&self, network: bool) -> CardView<'_> {
        let number = &self.card.number;
        CardView {
            brand: &self.card.brand,
            checks: CardChecks {
                address_line1_check: (),
                address_postal_code_check: self.postal_code.as_ref().map(|_| "pass"),
                cvc_check: self.cvc_given.then_some("pass"),
            },
            country: &self.card.country,
            display_brand: &self.card.brand,
            exp_month: self.card.exp_month,
            exp_year: self.card.exp_year,
            fingerprint: format!(
                "sim{}",
                number.get(number.len().saturating_sub(8)..).unwrap_or("")
            ),
            funding: &self.card.funding,
            generated_from: (),
            last4: &self.card.last4,
            networks: Networks {
                available: [&self.card.brand],
                preferred: (),
            },
            three_d_secure_usage: ThreeDSecureUsage { supported: true },
            wallet: (),
            network: network.then_some(&self.card.brand),
        }
    }

    pub fn kind(&self) -> &'static str {
        if self.read_method.is_some() {
            "card_present"
        } else {
            "card"
        }
    }

    /// A card read by a reader, as a PaymentMethod shows it; a charge's payment_method_details add what the
    /// authorization returned.
    pub fn card_present_view(&self, charge: Option<&Charge>) -> Option<CardPresentView<'_>> {
        let read_method = self.read_method.as_deref()?;
        let paid = charge.filter(|c| c.status == "succeeded");
        Some(CardPresentView {
            amount_authorized: charge.map(|c| paid.map_or(0, |_| c.amount)),
            brand: &self.card.brand,
            brand_product: (),
            cardholder_name: (),
            country: &self.card.country,
            description: (),
            exp_month: self.card.exp_month,
            exp_year: self.card.exp_year,
            fingerprint: format!(
                "sim{}",
                self.card
                    .number
                    .get(self.card.number.len().saturating_sub(8)..)
                    .unwrap_or("")
            ),
            funding: &self.card.funding,
            issuer: (),
            last4: &self.card.last4,
            network: charge.map(|_| self.card.brand.as_str()),
            networks: Networks {
                available: [&self.card.brand],
                preferred: (),
            },
            offline: (),
            preferred_locales: (),
            read_method,
            receipt: paid.map(|_| PresentReceipt {
                account_type: "credit",
                application_cryptogram: "sim0000000000000",
                application_preferred_name: &self.card.brand,
                authorization_code: "123456",
                authorization_response_code: "3030",
                cardholder_verification_method: "none",
                dedicated_file_name: "A0000000031010",
                terminal_verification_results: "0000000000",
                transaction_status_information: "0000",
            }),
            wallet: (),
        })
    }

    pub fn view(&self) -> PaymentMethodView<'_> {
        let present = self.card_present_view(None);
        PaymentMethodView {
            id: &self.id,
            object: "payment_method",
            allow_redisplay: "unspecified",
            billing_details: BillingDetails::with_postal_code(self.postal_code.as_deref()),
            card: present.is_none().then(|| self.card_view(false)),
            card_present: present,
            created: self.created,
            customer: (),
            customer_account: (),
            livemode: self.livemode,
            metadata: Empty {},
            kind: self.kind(),
        }
    }
}

#[derive(Serialize)]
pub struct CardPresentView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_authorized: Option<i64>,
    brand: &'a str,
    brand_product: Null,
    cardholder_name: Null,
    country: &'a str,
    description: Null,
    exp_month: u32,
    exp_year: u32,
    fingerprint: String,
    funding: &'a str,
    issuer: Null,
    last4: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a str>,
    networks: Networks<'a>,
    offline: Null,
    preferred_locales: Null,
    read_method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<PresentReceipt<'a>>,
    wallet: Null,
}

#[derive(Serialize)]
struct PresentReceipt<'a> {
    account_type: &'static str,
    application_cryptogram: &'static str,
    application_preferred_name: &'a str,
    authorization_code: &'static str,
    authorization_response_code: &'static str,
    cardholder_verification_method: &'static str,
    dedicated_file_name: &'static str,
    terminal_verification_results: &'static str,
    transaction_status_information: &'static str,
}

#[derive(Serialize)]
pub struct PaymentMethodView<'a> {
    id: &'a str,
    object: &'static str,
    allow_redisplay: &'static str,
    billing_details: BillingDetails<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<CardView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_present: Option<CardPresentView<'a>>,
    created: i64,
    customer: Null,
    customer_account: Null,
    livemode: bool,
    metadata: Empty,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
pub struct CardView<'a> {
    brand: &'a str,
    checks: CardChecks,
    country: &'a str,
    display_brand: &'a str,
    exp_month: u32,
    exp_year: u32,
    fingerprint: String,
    funding: &'a str,
    generated_from: Null,
    last4: &'a str,
    networks: Networks<'a>,
    three_d_secure_usage: ThreeDSecureUsage,
    wallet: Null,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a str>,
}

#[derive(Serialize)]
struct CardChecks {
    address_line1_check: Null,
    address_postal_code_check: Option<&'static str>,
    cvc_check: Option<&'static str>,
}

#[derive(Serialize)]
struct Networks<'a> {
    available: [&'a str; 1],
    preferred: Null,
}

#[derive(Serialize)]
struct ThreeDSecureUsage {
    supported: bool,
}

#[derive(Serialize)]
struct BillingDetails<'a> {
    address: Address<'a>,
    email: Null,
    name: Null,
    phone: Null,
}

impl<'a> BillingDetails<'a> {
    fn with_postal_code(postal_code: Option<&'a str>) -> Self {
        Self {
            address: Address {
                city: (),
                country: (),
                line1: (),
                line2: (),
                postal_code,
                state: (),
            },
            email: (),
            name: (),
            phone: (),
        }
    }
}

#[derive(Serialize)]
struct Address<'a> {
    city: Null,
    country: Null,
    line1: Null,
    line2: Null,
    postal_code: Option<&'a str>,
    state: Null,
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
    #[serde(default)]
    pub livemode: bool,
}

impl Charge {
    pub fn refunded(&self) -> bool {
        self.amount_refunded > 0 && self.amount_refunded >= self.amount
    }

    pub fn view<'a>(&'a self, pm: Option<&'a PaymentMethod>) -> ChargeView<'a> {
        let paid = self.status == "succeeded";
        ChargeView {
            id: &self.id,
            object: "charge",
            amount: self.amount,
            amount_captured: self.amount_captured,
            amount_refunded: self.amount_refunded,
            application: (),
            application_fee: (),
            application_fee_amount: (),
            balance_transaction: (paid && self.captured).then(|| format!("txn_{}", &self.id[3..])),
            billing_details: BillingDetails::with_postal_code(
                pm.and_then(|p| p.postal_code.as_deref()),
            ),
            calculated_statement_descriptor: "KASSA",
            captured: self.captured,
            created: self.created,
            currency: &self.currency,
            customer: (),
            description: self.description.as_deref(),
            disputed: false,
            failure_balance_transaction: (),
            failure_code: self.failure_code.as_deref(),
            failure_message: self.failure_message.as_deref(),
            fraud_details: Empty {},
            livemode: self.livemode,
            metadata: &self.metadata,
            on_behalf_of: (),
            outcome: Outcome {
                network_status: if paid {
                    "approved_by_network"
                } else {
                    "declined_by_network"
                },
                reason: self.decline_code.as_deref(),
                risk_level: "normal",
                seller_message: if paid {
                    "Payment complete."
                } else {
                    "The bank did not return any further details with this decline."
                },
                kind: if paid {
                    "authorized"
                } else {
                    "issuer_declined"
                },
            },
            paid,
            payment_intent: &self.payment_intent,
            payment_method: &self.payment_method,
            payment_method_details: match pm.and_then(|p| p.card_present_view(Some(self))) {
                Some(present) => PaymentMethodDetails {
                    kind: "card_present",
                    card: None,
                    card_present: Some(present),
                },
                None => PaymentMethodDetails {
                    kind: "card",
                    card: Some(pm.map(|p| p.card_view(true))),
                    card_present: None,
                },
            },
            receipt_email: (),
            receipt_number: (),
            receipt_url: (),
            refunded: self.refunded(),
            review: (),
            shipping: (),
            source: (),
            source_transfer: (),
            statement_descriptor: (),
            statement_descriptor_suffix: (),
            status: &self.status,
            transfer_data: (),
            transfer_group: (),
        }
    }
}

#[derive(Serialize)]
pub struct ChargeView<'a> {
    id: &'a str,
    object: &'static str,
    amount: i64,
    amount_captured: i64,
    amount_refunded: i64,
    application: Null,
    application_fee: Null,
    application_fee_amount: Null,
    balance_transaction: Option<String>,
    billing_details: BillingDetails<'a>,
    calculated_statement_descriptor: &'static str,
    captured: bool,
    created: i64,
    currency: &'a str,
    customer: Null,
    description: Option<&'a str>,
    disputed: bool,
    failure_balance_transaction: Null,
    failure_code: Option<&'a str>,
    failure_message: Option<&'a str>,
    fraud_details: Empty,
    livemode: bool,
    metadata: &'a IndexMap<String, String>,
    on_behalf_of: Null,
    outcome: Outcome<'a>,
    paid: bool,
    payment_intent: &'a str,
    payment_method: &'a str,
    payment_method_details: PaymentMethodDetails<'a>,
    receipt_email: Null,
    receipt_number: Null,
    receipt_url: Null,
    refunded: bool,
    review: Null,
    shipping: Null,
    source: Null,
    source_transfer: Null,
    statement_descriptor: Null,
    statement_descriptor_suffix: Null,
    status: &'a str,
    transfer_data: Null,
    transfer_group: Null,
}

#[derive(Serialize)]
struct Outcome<'a> {
    network_status: &'static str,
    reason: Option<&'a str>,
    risk_level: &'static str,
    seller_message: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct PaymentMethodDetails<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    /// `null` for a card charge whose method is not at hand; absent for a card_present charge.
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<Option<CardView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_present: Option<CardPresentView<'a>>,
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
    pub fn view(&self) -> RefundView<'_> {
        RefundView {
            id: &self.id,
            object: "refund",
            amount: self.amount,
            balance_transaction: format!("txn_{}", &self.id[3..]),
            charge: &self.charge,
            created: self.created,
            currency: &self.currency,
            customer: (),
            customer_account: (),
            destination_details: DestinationDetails {
                kind: "card",
                card: RefundCard {
                    reference_status: "pending",
                    reference_type: "acquirer_reference_number",
                    kind: "refund",
                },
            },
            metadata: &self.metadata,
            payment_intent: &self.payment_intent,
            payment_method: self.payment_method.as_deref(),
            reason: self.reason.as_deref(),
            receipt_number: (),
            source_transfer_reversal: (),
            status: "succeeded",
            transfer_reversal: (),
        }
    }
}

#[derive(Serialize)]
pub struct RefundView<'a> {
    id: &'a str,
    object: &'static str,
    amount: i64,
    balance_transaction: String,
    charge: &'a str,
    created: i64,
    currency: &'a str,
    customer: Null,
    customer_account: Null,
    destination_details: DestinationDetails,
    metadata: &'a IndexMap<String, String>,
    payment_intent: &'a str,
    payment_method: Option<&'a str>,
    reason: Option<&'a str>,
    receipt_number: Null,
    source_transfer_reversal: Null,
    status: &'static str,
    transfer_reversal: Null,
}

#[derive(Serialize)]
struct DestinationDetails {
    #[serde(rename = "type")]
    kind: &'static str,
    card: RefundCard,
}

#[derive(Serialize)]
struct RefundCard {
    reference_status: &'static str,
    reference_type: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A stored event: its serialized JSON (exactly what webhooks carry) and the fields the list filters on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: String,
    pub kind: String,
    pub created: i64,
    pub json: std::sync::Arc<str>,
}
