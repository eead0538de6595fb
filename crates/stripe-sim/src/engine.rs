//! The PaymentIntent lifecycle as Stripe documents it, and refunds. Each operation validates, changes the store,
//! emits the matching events and returns Stripe's JSON answer.
//!
//! requires_payment_method → (requires_confirmation) → requires_action | processing | requires_capture | succeeded;
//! a failed attempt returns to requires_payment_method with last_payment_error.

use indexmap::IndexMap;
use kassa_stripe::currency;
use kassa_stripe::PaymentIntentStatus as S;
use serde_json::{json, Value};

use crate::cards::{self, Behaviour, Decline};
use crate::failure::{as_value, to_json, Failure, Outcome};
use crate::model::{CardDetails, Charge, Intent, PaymentMethod, Refund};
use crate::params::{merge_metadata, Params};
use crate::store::{Ctx, Store, Subject};

const EXPANDABLE: &[&str] = &["latest_charge", "payment_method"];

/// Top-level parameters Stripe accepts on these endpoints that the simulator reads or safely ignores.
/// Anything else is refused with "Received unknown parameter", as Stripe refuses it.
const CREATE_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "automatic_payment_methods",
    "capture_method",
    "confirm",
    "confirmation_method",
    "description",
    "expand",
    "metadata",
    "payment_method",
    "payment_method_data",
    "payment_method_types",
    "receipt_email",
    "return_url",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "use_stripe_sdk",
    "setup_future_usage",
    "payment_method_options",
    "error_on_requires_action",
    "off_session",
    "shipping",
];
const UPDATE_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "capture_method",
    "description",
    "expand",
    "metadata",
    "payment_method",
    "payment_method_data",
    "payment_method_types",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "payment_method_options",
];
const CONFIRM_PARAMS: &[&str] = &[
    "client_secret",
    "expand",
    "payment_method",
    "payment_method_data",
    "payment_method_types",
    "receipt_email",
    "return_url",
    "use_stripe_sdk",
    "error_on_requires_action",
    "off_session",
    "setup_future_usage",
    "payment_method_options",
    "capture_method",
    "mandate_data",
    "shipping",
];

fn check_amount(amount: i64, code: &str) -> Outcome<()> {
    let cur = currency::lookup(code).expect("currency was validated first");
    cur.check_amount(amount).map_err(|e| {
        let shown = |minor: i64| format!("{} {}", cur.format_minor(minor), code);
        match e {
            currency::AmountError::NotPositive if cur.minimum.is_none() => Failure::param(
                "amount",
                Some("parameter_invalid_integer"),
                "This value must be greater than or equal to 1.",
            ),
            currency::AmountError::NotPositive => Failure::param(
                "amount",
                Some("amount_too_small"),
                format!(
                    "Amount must be at least {}",
                    shown(cur.minimum.unwrap_or(1))
                ),
            ),
            currency::AmountError::TooSmall { minimum } => Failure::param(
                "amount",
                Some("amount_too_small"),
                format!("Amount must be at least {}", shown(minimum)),
            ),
            currency::AmountError::TooLarge { maximum } => Failure::param(
                "amount",
                Some("amount_too_large"),
                format!("Amount must be no more than {}", shown(maximum)),
            ),
            currency::AmountError::NotWholeUnits => Failure::param(
                "amount",
                Some("parameter_invalid_integer"),
                format!(
                    "Amounts in {} must be whole units, sent as a multiple of 100.",
                    code.to_uppercase()
                ),
            ),
        }
    })
}

fn check_currency(raw: &str) -> Outcome<String> {
    // Stripe reads currency codes case-insensitively and answers in lowercase.
    let code = raw.to_ascii_lowercase();
    if currency::lookup(&code).is_none() {
        return Err(Failure::param(
            "currency",
            Some("parameter_invalid_string"),
            format!(
                "Invalid currency: {raw}. Stripe currently supports these currencies: {}",
                currency::codes().join(", ")
            ),
        ));
    }
    Ok(code)
}

fn payment_method_types(p: &Params) -> Outcome<Option<Vec<String>>> {
    if !p.has("payment_method_types") {
        return Ok(None);
    }
    let types = p.strings("payment_method_types")?;
    if let Some(bad) = types.iter().find(|t| t.as_str() != "card") {
        return Err(Failure::param(
            "payment_method_types",
            Some("payment_method_type_unsupported"),
            format!("The payment method type \"{bad}\" is not supported by the simulator; only card is."),
        ));
    }
    Ok(Some(types))
}

pub fn create_intent(store: &mut Store, ctx: &Ctx, params: &Value) -> Outcome {
    let p = Params::new(params, CREATE_PARAMS)?;
    let amount = p.int("amount")?.ok_or_else(|| Failure::missing("amount"))?;
    let currency = check_currency(p.required_str("currency")?)?;
    check_amount(amount, &currency)?;
    let capture_method = p
        .one_of(
            "capture_method",
            &["automatic", "automatic_async", "manual"],
        )?
        .unwrap_or("automatic_async");
    let confirmation_method = p
        .one_of("confirmation_method", &["automatic", "manual"])?
        .unwrap_or("automatic");
    let (automatic, allow_redirects) =
        match p.hash("automatic_payment_methods", &["enabled", "allow_redirects"])? {
            Some(apm) => (
                Some(
                    apm.bool("enabled")?
                        .ok_or_else(|| Failure::missing("automatic_payment_methods[enabled]"))?,
                ),
                apm.one_of("allow_redirects", &["always", "never"])?
                    .unwrap_or("always"),
            ),
            None => (None, "always"),
        };
    let types = payment_method_types(&p)?;
    if automatic == Some(true) && types.is_some() {
        return Err(Failure::param(
            "payment_method_types",
            None,
            "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
        ));
    }
    let metadata = p
        .metadata()?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    let description = p.nullable_str("description")?.flatten();
    let receipt_email = p.nullable_str("receipt_email")?.flatten();
    let expand = p.expand(EXPANDABLE)?;
    let confirm = p.bool("confirm")?.unwrap_or(false);
    let payment_method = match p.str("payment_method")? {
        Some(pm) if !pm.is_empty() => Some(resolve_payment_method_ref(store, ctx, pm)?),
        _ => None,
    };

    let id = ctx.ids.id("pi");
    let intent = Intent {
        client_secret: format!("{id}_secret_{}", ctx.ids.token(25)),
        id: id.clone(),
        amount,
        currency,
        status: if payment_method.is_some() {
            S::RequiresConfirmation
        } else {
            S::RequiresPaymentMethod
        },
        capture_method: capture_method.to_owned(),
        confirmation_method: confirmation_method.to_owned(),
        created: ctx.now,
        description,
        metadata,
        receipt_email,
        automatic_payment_methods: Some(automatic.unwrap_or(types.is_none())),
        allow_redirects: allow_redirects.to_owned(),
        payment_method_types: types.unwrap_or_else(|| vec!["card".to_owned()]),
        payment_method,
        latest_charge: None,
        last_payment_error: None,
        next_action: None,
        amount_capturable: 0,
        amount_received: 0,
        canceled_at: None,
        cancellation_reason: None,
        pending_decline: None,
        three_ds_source: None,
        return_url: None,
        livemode: ctx.livemode,
    };
    store.insert_intent(intent);
    store.emit(ctx, "payment_intent.created", Subject::Intent(&id), None);
    if confirm {
        let mut confirm = json!({ "expand": expand });
        for key in ["return_url", "payment_method_data"] {
            if let Some(v) = params.get(key) {
                confirm[key] = v.clone();
            }
        }
        return confirm_intent(store, ctx, &id, &confirm);
    }
    Ok(store.render_intent(&store.intents[&id], &expand))
}

pub fn retrieve_intent(store: &Store, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["expand", "client_secret"])?;
    let expand = p.expand(EXPANDABLE)?;
    let intent = store
        .intent(id)
        .ok_or_else(|| Failure::no_such("payment_intent", "intent", id))?;
    Ok(store.render_intent(intent, &expand))
}

fn find<'a>(store: &'a Store, id: &str) -> Outcome<&'a Intent> {
    store
        .intent(id)
        .ok_or_else(|| Failure::no_such("payment_intent", "intent", id))
}

pub fn update_intent(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, UPDATE_PARAMS)?;
    let intent = find(store, id)?;
    let editable = matches!(
        intent.status,
        S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction
    );
    let changes_money = p.has("amount") || p.has("currency");
    if !editable && (changes_money || p.has("payment_method")) {
        return Err(Failure::unexpected_state(
            format!(
                "This PaymentIntent's amount, currency and payment method could not be updated because it has a status of {}. \
                 You may only update them while the PaymentIntent has a status of requires_payment_method, requires_confirmation or requires_action.",
                intent.status
            ),
            intent,
        ));
    }
    let currency = match p.str("currency")? {
        Some(c) => check_currency(c)?,
        None => intent.currency.clone(),
    };
    let amount = p.int("amount")?.unwrap_or(intent.amount);
    if changes_money {
        check_amount(amount, &currency)?;
    }
    let description = p.nullable_str("description")?;
    let receipt_email = p.nullable_str("receipt_email")?;
    let metadata = p.metadata()?;
    let capture_method = p.one_of(
        "capture_method",
        &["automatic", "automatic_async", "manual"],
    )?;
    let expand = p.expand(EXPANDABLE)?;
    let payment_method = match p.str("payment_method")? {
        Some(pm) if !pm.is_empty() => Some(resolve_payment_method_ref(store, ctx, pm)?),
        _ => None,
    };

    let intent = store.intent_mut(id).expect("found above");
    let before = as_value(&intent.view(None, None));
    intent.amount = amount;
    intent.currency = currency;
    if let Some(d) = description {
        intent.description = d;
    }
    if let Some(r) = receipt_email {
        intent.receipt_email = r;
    }
    if let Some(m) = metadata {
        merge_metadata(&mut intent.metadata, m);
    }
    if let Some(c) = capture_method {
        intent.capture_method = c.to_owned();
    }
    if changes_money && intent.status == S::RequiresAction {
        // A new amount invalidates the authentication in progress.
        intent.status = S::RequiresPaymentMethod;
        intent.next_action = None;
        intent.pending_decline = None;
    }
    if let Some(pm) = payment_method {
        intent.payment_method = Some(pm);
        intent.status = S::RequiresConfirmation;
    }
    let after = as_value(&intent.view(None, None));
    let previous = previous_attributes(&before, &after);
    if previous.as_object().is_some_and(|m| !m.is_empty()) {
        store.emit(
            ctx,
            "payment_intent.updated",
            Subject::Intent(id),
            Some(previous),
        );
    }
    Ok(store.render_intent(&store.intents[id], &expand))
}

/// The old values of every top-level attribute that changed, as Stripe puts them in `previous_attributes`.
fn previous_attributes(before: &Value, after: &Value) -> Value {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return json!({});
    };
    Value::Object(
        b.iter()
            .filter(|(k, v)| a.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// `pm_card_*` tokens make a fresh PaymentMethod each time, as in Stripe's test mode; `pm_…` ids must exist.
fn resolve_payment_method_ref(store: &mut Store, ctx: &Ctx, reference: &str) -> Outcome<String> {
    if store.payment_methods.contains_key(reference) {
        return Ok(reference.to_owned());
    }
    let card = cards::by_token(reference)
        .ok_or_else(|| Failure::no_such("PaymentMethod", "payment_method", reference))?;
    let token_has_cvc = card.only_with_cvc;
    Ok(new_payment_method(
        store,
        ctx,
        &card.number,
        12,
        current_year(ctx.now) + 3,
        token_has_cvc,
        None,
    ))
}

fn current_year(now: i64) -> u32 {
    // Civil year from Unix seconds; exact for the range a simulator meets.
    let days = now.div_euclid(86_400);
    let (mut year, mut remaining) = (1970u32, days);
    loop {
        let len = if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
            366
        } else {
            365
        };
        if remaining < len {
            return year;
        }
        remaining -= len;
        year += 1;
    }
}

fn new_payment_method(
    store: &mut Store,
    ctx: &Ctx,
    number: &str,
    exp_month: u32,
    exp_year: u32,
    cvc_given: bool,
    postal_code: Option<String>,
) -> String {
    let id = ctx.ids.id("pm");
    store.insert_payment_method(PaymentMethod {
        id: id.clone(),
        created: ctx.now,
        card: CardDetails {
            brand: cards::brand(number).to_owned(),
            last4: number[number.len() - 4..].to_owned(),
            exp_month,
            exp_year,
            funding: "credit".to_owned(),
            country: "US".to_owned(),
            number: number.to_owned(),
        },
        postal_code,
        cvc_given,
        livemode: ctx.livemode,
    });
    id
}

fn card_error(code: &str, param: &str) -> Failure {
    Failure::card(json!({
        "type": "card_error",
        "code": code,
        "message": cards::message(code, None),
        "param": param,
        "doc_url": format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")),
    }))
}

/// Raw card data, as the Payment Element sends it: checked as Stripe checks it before any charge.
fn payment_method_from_data(store: &mut Store, ctx: &Ctx, p: &Params) -> Outcome<String> {
    let data = p
        .hash(
            "payment_method_data",
            &[
                "type",
                "card",
                "billing_details",
                "allow_redisplay",
                "metadata",
            ],
        )?
        .expect("caller checked presence");
    match data.str("type")? {
        Some("card") => {}
        Some(other) => {
            return Err(Failure::param(
                "payment_method_data[type]",
                Some("payment_method_type_unsupported"),
                format!("The payment method type \"{other}\" is not supported by the simulator; only card is."),
            ))
        }
        None => return Err(Failure::missing("payment_method_data[type]")),
    }
    let card = data
        .hash("card", &["number", "exp_month", "exp_year", "cvc", "token"])?
        .ok_or_else(|| Failure::missing("payment_method_data[card]"))?;
    let number: String = card
        .required_str("number")?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !cards::luhn_valid(&number) {
        return Err(card_error("incorrect_number", "number"));
    }
    let exp_month = card
        .int("exp_month")?
        .ok_or_else(|| Failure::missing("payment_method_data[card][exp_month]"))?;
    if !(1..=12).contains(&exp_month) {
        return Err(card_error("invalid_expiry_month", "exp_month"));
    }
    let mut exp_year = card
        .int("exp_year")?
        .ok_or_else(|| Failure::missing("payment_method_data[card][exp_year]"))?;
    if exp_year < 100 {
        exp_year += 2000;
    }
    let year = i64::from(current_year(ctx.now));
    if exp_year < year || exp_year > year + 50 {
        return Err(card_error("invalid_expiry_year", "exp_year"));
    }
    let cvc = card.str("cvc")?.filter(|c| !c.is_empty());
    if let Some(cvc) = cvc {
        let want = if cards::brand(&number) == "amex" {
            4
        } else {
            3
        };
        if cvc.len() != want || !cvc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(card_error("invalid_cvc", "cvc"));
        }
    }
    let postal = match data.hash("billing_details", &["address", "email", "name", "phone"])? {
        Some(bd) => match bd.hash(
            "address",
            &["city", "country", "line1", "line2", "postal_code", "state"],
        )? {
            Some(addr) => addr.nullable_str("postal_code")?.flatten(),
            None => None,
        },
        None => None,
    };
    Ok(new_payment_method(
        store,
        ctx,
        &number,
        exp_month as u32,
        exp_year as u32,
        cvc.is_some(),
        postal,
    ))
}

fn behaviour_of(pm: &PaymentMethod) -> Behaviour {
    match cards::by_number(&pm.card.number) {
        Some(card) if card.only_with_cvc && !pm.cvc_given => Behaviour::Succeed,
        Some(card) => card.behaviour.clone(),
        None => Behaviour::Decline(Decline {
            code: "card_declined".to_owned(),
            decline_code: Some("test_mode_live_card".to_owned()),
        }),
    }
}

pub fn confirm_intent(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, CONFIRM_PARAMS)?;
    let expand = p.expand(EXPANDABLE)?;
    let intent = find(store, id)?;
    if !matches!(
        intent.status,
        S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction
    ) {
        return Err(Failure::unexpected_state(
            format!(
                "You cannot confirm this PaymentIntent because it has a status of {}. Only a PaymentIntent with one of the \
                 following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.",
                intent.status
            ),
            intent,
        ));
    }
    // Stripe refuses a server-side confirm that could need a redirect with nowhere to come back to. Stripe.js
    // (a publishable key with the client secret) handles redirects itself.
    let redirects_possible =
        intent.automatic_payment_methods == Some(true) && intent.allow_redirects == "always";
    if redirects_possible && !p.has("return_url") && !p.has("client_secret") {
        return Err(Failure::param(
            "return_url",
            None,
            "This PaymentIntent is configured to accept payment methods enabled in your Dashboard, some of which may \
             require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set \
             `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` \
             when creating Setup Intents and Payment Intents. If you do want to accept redirect-based payment methods, \
             set the `return_url` parameter when confirming a PaymentIntent.",
        ));
    }
    let existing_pm = intent.payment_method.clone();
    let pm_id = if p.has("payment_method_data") {
        payment_method_from_data(store, ctx, &p)?
    } else {
        match p.str("payment_method")? {
            Some(reference) if !reference.is_empty() => resolve_payment_method_ref(store, ctx, reference)?,
            _ => existing_pm.ok_or_else(|| {
                Failure::param(
                    "payment_method",
                    Some("payment_intent_unexpected_state"),
                    "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the \
                     PaymentIntent with a card, pass payment_method or payment_method_data.",
                )
            })?,
        }
    };
    let behaviour = behaviour_of(&store.payment_methods[&pm_id]);
    {
        let intent = store.intent_mut(id).expect("found above");
        intent.payment_method = Some(pm_id.clone());
        intent.last_payment_error = None;
        intent.next_action = None;
        intent.pending_decline = None;
    }
    match behaviour {
        Behaviour::Succeed => charge(store, ctx, id, None),
        Behaviour::Decline(d) => charge(store, ctx, id, Some(d)),
        Behaviour::RequiresAction { after } => {
            let origin = ctx.origin.to_owned();
            let source = ctx.ids.id("src");
            // Stripe.js says use_stripe_sdk and runs the challenge itself; a server-side confirm with a
            // return_url gets a page to redirect the customer to instead.
            let redirect = match (p.str("use_stripe_sdk")?, p.str("return_url")?) {
                (Some("true"), _) => None,
                (_, Some(url)) if !url.is_empty() => Some(url.to_owned()),
                _ => None,
            };
            let intent = store.intent_mut(id).expect("found above");
            intent.status = S::RequiresAction;
            intent.pending_decline = after;
            intent.three_ds_source = Some(source.clone());
            intent.return_url = redirect.clone();
            intent.next_action = Some(match redirect {
                Some(return_url) => json!({
                    "type": "redirect_to_url",
                    "redirect_to_url": { "return_url": return_url, "url": format!("{origin}/v3/authenticate/{source}") },
                }),
                None => json!({
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {
                        "type": "three_d_secure_redirect",
                        "stripe_js": format!("{origin}/v3/challenge"),
                        "source": source,
                    },
                }),
            });
            store.emit(
                ctx,
                "payment_intent.requires_action",
                Subject::Intent(id),
                Some(json!({ "status": "requires_payment_method" })),
            );
            Ok(())
        }
        Behaviour::Processing { .. } => {
            let charge_id = new_charge(store, ctx, id, "pending", None);
            let intent = store.intent_mut(id).expect("found above");
            intent.status = S::Processing;
            intent.latest_charge = Some(charge_id.clone());
            store.emit(ctx, "charge.pending", Subject::Charge(&charge_id), None);
            store.emit(
                ctx,
                "payment_intent.processing",
                Subject::Intent(id),
                Some(json!({ "status": "requires_payment_method" })),
            );
            store.entered_processing.push(id.to_owned());
            Ok(())
        }
    }?;
    let intent = &store.intents[id];
    if intent.status == S::RequiresPaymentMethod {
        // A declined attempt answers 402 with the card error and the intent as it now stands.
        let mut error = intent.last_payment_error.clone().unwrap_or_default();
        error["payment_intent"] = as_value(&store.intent_view(intent, &expand));
        return Err(Failure::card(error));
    }
    Ok(store.render_intent(intent, &expand))
}

fn new_charge(
    store: &mut Store,
    ctx: &Ctx,
    intent_id: &str,
    status: &str,
    decline: Option<&Decline>,
) -> String {
    let intent = &store.intents[intent_id];
    let id = ctx.ids.id("ch");
    let charge = Charge {
        id: id.clone(),
        amount: intent.amount,
        amount_captured: 0,
        amount_refunded: 0,
        currency: intent.currency.clone(),
        status: status.to_owned(),
        captured: false,
        payment_intent: intent_id.to_owned(),
        payment_method: intent.payment_method.clone().unwrap_or_default(),
        failure_code: decline.map(|d| d.code.clone()),
        failure_message: decline
            .map(|d| cards::message(&d.code, d.decline_code.as_deref()).to_owned()),
        decline_code: decline.and_then(|d| d.decline_code.clone()),
        created: ctx.now,
        description: intent.description.clone(),
        metadata: intent.metadata.clone(),
        livemode: ctx.livemode,
    };
    store.insert_charge(charge);
    id
}

/// One charge attempt: succeeded (or authorized, for manual capture) or declined.
fn charge(store: &mut Store, ctx: &Ctx, id: &str, decline: Option<Decline>) -> Outcome<()> {
    let previous_status = store.intents[id].status.as_str().to_owned();
    match decline {
        None => {
            let manual = store.intents[id].capture_method == "manual";
            let charge_id = new_charge(store, ctx, id, "succeeded", None);
            let amount = store.intents[id].amount;
            if !manual {
                let charge = store.charge_mut(&charge_id).expect("just created");
                charge.captured = true;
                charge.amount_captured = amount;
            }
            let intent = store.intent_mut(id).expect("exists");
            intent.latest_charge = Some(charge_id.clone());
            if manual {
                intent.status = S::RequiresCapture;
                intent.amount_capturable = amount;
            } else {
                intent.status = S::Succeeded;
                intent.amount_received = amount;
            }
            store.emit(ctx, "charge.succeeded", Subject::Charge(&charge_id), None);
            if manual {
                store.emit(
                    ctx,
                    "payment_intent.amount_capturable_updated",
                    Subject::Intent(id),
                    Some(json!({ "amount_capturable": 0, "status": previous_status })),
                );
            } else {
                store.emit(
                    ctx,
                    "payment_intent.succeeded",
                    Subject::Intent(id),
                    Some(json!({ "status": previous_status })),
                );
            }
        }
        Some(decline) => fail_attempt(store, ctx, id, &decline, true),
    }
    Ok(())
}

/// A declined attempt: a failed charge, the intent back to requires_payment_method with last_payment_error.
fn fail_attempt(
    store: &mut Store,
    ctx: &Ctx,
    id: &str,
    decline: &Decline,
    new_failed_charge: bool,
) {
    let previous_status = store.intents[id].status.as_str().to_owned();
    let charge_id = if new_failed_charge {
        new_charge(store, ctx, id, "failed", Some(decline))
    } else {
        let charge_id = store.intents[id]
            .latest_charge
            .clone()
            .expect("a processing intent has a charge");
        let charge = store.charge_mut(&charge_id).expect("exists");
        charge.status = "failed".to_owned();
        charge.failure_code = Some(decline.code.clone());
        charge.failure_message =
            Some(cards::message(&decline.code, decline.decline_code.as_deref()).to_owned());
        charge.decline_code = decline.decline_code.clone();
        charge_id
    };
    let pm = store.intents[id]
        .payment_method
        .as_ref()
        .and_then(|pm| store.payment_methods.get(pm))
        .map(|p| as_value(&p.view()));
    let mut error = json!({
        "type": "card_error",
        "code": decline.code,
        "message": cards::message(&decline.code, decline.decline_code.as_deref()),
        "charge": charge_id,
        "doc_url": format!("https://stripe.com/docs/error-codes/{}", decline.code.replace('_', "-")),
        "payment_method": pm,
    });
    if let Some(dc) = &decline.decline_code {
        error["decline_code"] = json!(dc);
    }
    let intent = store.intent_mut(id).expect("exists");
    intent.status = S::RequiresPaymentMethod;
    intent.latest_charge = Some(charge_id.clone());
    intent.last_payment_error = Some(error);
    intent.payment_method = None;
    intent.next_action = None;
    intent.pending_decline = None;
    store.emit(ctx, "charge.failed", Subject::Charge(&charge_id), None);
    store.emit(
        ctx,
        "payment_intent.payment_failed",
        Subject::Intent(id),
        Some(json!({ "status": previous_status })),
    );
}

/// The simulator's answer to a 3-D Secure challenge (Stripe's own test pages have Complete and Fail buttons).
/// The intent a redirect-based challenge's token belongs to.
pub fn intent_by_source(store: &Store, source: &str) -> Option<String> {
    store
        .intents
        .values()
        .rev()
        .find(|i| i.three_ds_source.as_deref() == Some(source))
        .map(|i| i.id.clone())
}

pub fn authenticate(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["outcome", "client_secret", "expand"])?;
    let outcome = p
        .one_of("outcome", &["complete", "fail"])?
        .ok_or_else(|| Failure::missing("outcome"))?;
    let expand = p.expand(EXPANDABLE)?;
    let intent = find(store, id)?;
    if intent.status != S::RequiresAction {
        return Err(Failure::unexpected_state(
            format!(
                "This PaymentIntent has no 3-D Secure challenge to answer: its status is {}.",
                intent.status
            ),
            intent,
        ));
    }
    let after = intent.pending_decline.clone();
    if outcome == "complete" {
        // The challenge is answered: a succeeded (or authorized) intent has no next_action left.
        let intent = store.intent_mut(id).expect("exists");
        intent.next_action = None;
        intent.pending_decline = None;
        charge(store, ctx, id, after)?;
    } else {
        let pm = intent
            .payment_method
            .as_ref()
            .and_then(|pm| store.payment_methods.get(pm))
            .map(|p| as_value(&p.view()));
        let intent = store.intent_mut(id).expect("exists");
        intent.status = S::RequiresPaymentMethod;
        intent.next_action = None;
        intent.pending_decline = None;
        intent.payment_method = None;
        intent.last_payment_error = Some(json!({
            "type": "invalid_request_error",
            "code": "payment_intent_authentication_failure",
            "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data or \
                        a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
            "payment_method": pm,
        }));
        store.emit(
            ctx,
            "payment_intent.payment_failed",
            Subject::Intent(id),
            Some(json!({ "status": "requires_action" })),
        );
    }
    Ok(store.render_intent(&store.intents[id], &expand))
}

/// The delayed outcome of an asynchronous payment method.
pub fn finish_processing(store: &mut Store, ctx: &Ctx, id: &str) {
    let Some(intent) = store.intent(id) else {
        return;
    };
    if intent.status != S::Processing {
        return;
    }
    let pm = intent
        .payment_method
        .as_ref()
        .and_then(|pm| store.payment_methods.get(pm));
    let succeeds = matches!(
        pm.map(behaviour_of),
        Some(Behaviour::Processing { succeeds: true })
    );
    if succeeds {
        let charge_id = intent
            .latest_charge
            .clone()
            .expect("a processing intent has a charge");
        let amount = intent.amount;
        let charge = store.charge_mut(&charge_id).expect("exists");
        charge.status = "succeeded".to_owned();
        charge.captured = true;
        charge.amount_captured = amount;
        let intent = store.intent_mut(id).expect("exists");
        intent.status = S::Succeeded;
        intent.amount_received = amount;
        store.emit(
            ctx,
            "charge.succeeded",
            Subject::Charge(&charge_id),
            Some(json!({ "status": "pending" })),
        );
        store.emit(
            ctx,
            "payment_intent.succeeded",
            Subject::Intent(id),
            Some(json!({ "status": "processing" })),
        );
    } else {
        let decline = Decline {
            code: "card_declined".to_owned(),
            decline_code: Some("generic_decline".to_owned()),
        };
        fail_attempt(store, ctx, id, &decline, false);
    }
}

pub fn cancel_intent(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["cancellation_reason", "expand"])?;
    let reason = p.one_of(
        "cancellation_reason",
        &[
            "duplicate",
            "fraudulent",
            "requested_by_customer",
            "abandoned",
        ],
    )?;
    let expand = p.expand(EXPANDABLE)?;
    let intent = find(store, id)?;
    if !matches!(
        intent.status,
        S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction | S::RequiresCapture
    ) {
        return Err(Failure::unexpected_state(
            format!(
                "You cannot cancel this PaymentIntent because it has a status of {}. Only a PaymentIntent with one of the \
                 following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action.",
                intent.status
            ),
            intent,
        ));
    }
    let previous_status = intent.status.as_str().to_owned();
    let released = (intent.status == S::RequiresCapture)
        .then(|| intent.latest_charge.clone())
        .flatten();
    let intent = store.intent_mut(id).expect("exists");
    intent.status = S::Canceled;
    intent.canceled_at = Some(ctx.now);
    intent.cancellation_reason = reason.map(str::to_owned);
    intent.amount_capturable = 0;
    intent.next_action = None;
    intent.pending_decline = None;
    if let Some(charge_id) = released {
        // Canceling an authorization releases the held funds: Stripe shows it as a refund of the uncaptured charge.
        let charge = store.charge_mut(&charge_id).expect("exists");
        charge.amount_refunded = charge.amount;
        store.emit(
            ctx,
            "charge.refunded",
            Subject::Charge(&charge_id),
            Some(json!({ "amount_refunded": 0, "refunded": false })),
        );
    }
    store.emit(
        ctx,
        "payment_intent.canceled",
        Subject::Intent(id),
        Some(json!({ "status": previous_status })),
    );
    Ok(store.render_intent(&store.intents[id], &expand))
}

pub fn capture_intent(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &["amount_to_capture", "expand", "metadata", "final_capture"],
    )?;
    let expand = p.expand(EXPANDABLE)?;
    let requested = p.int("amount_to_capture")?;
    let intent = find(store, id)?;
    if intent.status != S::RequiresCapture {
        return Err(Failure::unexpected_state(
            format!(
                "This PaymentIntent could not be captured because it has a status of {}. Only a PaymentIntent with one of \
                 the following statuses may be captured: requires_capture.",
                intent.status
            ),
            intent,
        ));
    }
    let amount = requested.unwrap_or(intent.amount_capturable);
    if amount < 1 {
        return Err(Failure::param(
            "amount_to_capture",
            Some("parameter_invalid_integer"),
            "This value must be greater than or equal to 1.",
        ));
    }
    if amount > intent.amount_capturable {
        return Err(Failure::state(
            "amount_too_large",
            format!(
                "The amount_to_capture ({amount}) must be less than or equal to the PaymentIntent's amount_capturable ({}).",
                intent.amount_capturable
            ),
            Some("amount_to_capture"),
        ));
    }
    let charge_id = intent
        .latest_charge
        .clone()
        .expect("an authorized intent has a charge");
    let charge = store.charge_mut(&charge_id).expect("exists");
    charge.captured = true;
    charge.amount_captured = amount;
    // The uncaptured remainder is released, which Stripe records as refunded.
    charge.amount_refunded = charge.amount - amount;
    let intent = store.intent_mut(id).expect("exists");
    let previous = json!({ "amount_capturable": intent.amount_capturable, "amount_received": 0, "status": "requires_capture" });
    intent.status = S::Succeeded;
    intent.amount_received = amount;
    intent.amount_capturable = 0;
    store.emit(
        ctx,
        "charge.captured",
        Subject::Charge(&charge_id),
        Some(json!({ "captured": false, "amount_captured": 0 })),
    );
    store.emit(
        ctx,
        "payment_intent.succeeded",
        Subject::Intent(id),
        Some(previous),
    );
    Ok(store.render_intent(&store.intents[id], &expand))
}

pub fn create_refund(store: &mut Store, ctx: &Ctx, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "payment_intent",
            "charge",
            "amount",
            "reason",
            "metadata",
            "expand",
            "instructions_email",
        ],
    )?;
    let amount = p.int("amount")?;
    let reason = p.one_of(
        "reason",
        &["duplicate", "fraudulent", "requested_by_customer"],
    )?;
    let metadata: IndexMap<String, String> = p
        .metadata()?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    let charge_id = match (p.str("payment_intent")?.filter(|s| !s.is_empty()), p.str("charge")?.filter(|s| !s.is_empty())) {
        (Some(_), Some(_)) => {
            return Err(Failure::param("charge", None, "You can only specify one of these parameters: charge, payment_intent."))
        }
        (None, None) => {
            return Err(Failure::param(
                "payment_intent",
                Some("parameter_missing"),
                "One of the following params should be provided for this request: payment_intent or charge.",
            ))
        }
        (Some(pi), None) => {
            let intent = store.intent(pi).ok_or_else(|| Failure::no_such("payment_intent", "payment_intent", pi))?;
            match (&intent.status, &intent.latest_charge) {
                (S::Succeeded, Some(charge)) => charge.clone(),
                _ => {
                    return Err(Failure::state(
                        "charge_not_refundable",
                        format!("This PaymentIntent ({pi}) does not have a successful charge to refund."),
                        Some("payment_intent"),
                    ))
                }
            }
        }
        (None, Some(ch)) => {
            if !store.charges.contains_key(ch) {
                return Err(Failure::no_such("charge", "charge", ch));
            }
            ch.to_owned()
        }
    };
    let charge = &store.charges[&charge_id];
    if !(charge.status == "succeeded" && charge.captured) {
        return Err(Failure::state(
            "charge_not_refundable",
            format!("Charge {charge_id} has not been captured, so there is nothing to refund."),
            Some("charge"),
        ));
    }
    // amount_refunded already counts the remainder a partial capture released, so what is left to refund is
    // the charge's amount less amount_refunded (for a full capture, amount_captured less the refunds).
    let refundable = charge.amount - charge.amount_refunded;
    if refundable <= 0 {
        return Err(Failure::state(
            "charge_already_refunded",
            format!("Charge {charge_id} has already been refunded."),
            None,
        ));
    }
    let amount = amount.unwrap_or(refundable);
    if amount < 1 {
        return Err(Failure::param(
            "amount",
            Some("parameter_invalid_integer"),
            "This value must be greater than or equal to 1.",
        ));
    }
    let cur = currency::lookup(&charge.currency).expect("charges carry a supported currency");
    if amount > refundable {
        return Err(Failure::state(
            "amount_too_large",
            format!(
                "Refund amount ({} {}) is greater than unrefunded amount on charge ({} {})",
                cur.format_minor(amount),
                charge.currency,
                cur.format_minor(refundable),
                charge.currency
            ),
            Some("amount"),
        ));
    }
    let refund = Refund {
        id: ctx.ids.id("re"),
        amount,
        currency: charge.currency.clone(),
        charge: charge_id.clone(),
        payment_intent: charge.payment_intent.clone(),
        reason: reason.map(str::to_owned),
        metadata,
        created: ctx.now,
        payment_method: Some(charge.payment_method.clone()),
    };
    let refund_id = refund.id.clone();
    store.insert_refund(refund);
    let charge = store.charge_mut(&charge_id).expect("exists");
    let previous =
        json!({ "amount_refunded": charge.amount_refunded, "refunded": charge.refunded() });
    charge.amount_refunded += amount;
    store.emit(ctx, "refund.created", Subject::Refund(&refund_id), None);
    store.emit(
        ctx,
        "charge.refunded",
        Subject::Charge(&charge_id),
        Some(previous),
    );
    Ok(to_json(&store.refunds[&refund_id].view()))
}

pub fn retrieve_refund(store: &Store, id: &str) -> Outcome {
    store
        .refunds
        .get(id)
        .map(|r| to_json(&r.view()))
        .ok_or_else(|| Failure::no_such("refund", "id", id))
}

/// A page of a newest-first list, with Stripe's cursor rules: the items, and whether more follow.
fn page<'a, T>(
    items: impl DoubleEndedIterator<Item = (&'a String, T)>,
    p: &Params,
) -> Outcome<(Vec<T>, bool)> {
    let limit = p.int("limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(Failure::param(
            "limit",
            Some("parameter_invalid_integer"),
            "This value must be between 1 and 100.",
        ));
    }
    let limit = limit as usize;
    let newest_first: Vec<(&String, T)> = items.rev().collect();
    let position = |id: &str, param: &str| {
        newest_first
            .iter()
            .position(|(k, _)| k.as_str() == id)
            .ok_or_else(|| Failure::no_such("object", param, id))
    };
    let (start, end) = match (p.str("starting_after")?, p.str("ending_before")?) {
        (Some(after), _) if !after.is_empty() => {
            let i = position(after, "starting_after")? + 1;
            (i, (i + limit).min(newest_first.len()))
        }
        (_, Some(before)) if !before.is_empty() => {
            let i = position(before, "ending_before")?;
            (i.saturating_sub(limit), i)
        }
        _ => (0, limit.min(newest_first.len())),
    };
    let has_more = if p.str("ending_before")?.is_some_and(|s| !s.is_empty())
        && p.str("starting_after")?.is_none()
    {
        start > 0
    } else {
        end < newest_first.len()
    };
    let data = newest_first
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|(_, v)| v)
        .collect();
    Ok((data, has_more))
}

#[derive(serde::Serialize)]
struct List<'a, T> {
    object: &'static str,
    data: Vec<T>,
    has_more: bool,
    url: &'a str,
}

pub fn list_intents(store: &Store, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "limit",
            "starting_after",
            "ending_before",
            "expand",
            "created",
            "customer",
        ],
    )?;
    let expand: Vec<String> = p
        .strings("expand")?
        .into_iter()
        .map(|e| e.strip_prefix("data.").map(str::to_owned).unwrap_or(e))
        .collect();
    let (intents, has_more) = page(store.intents.iter(), &p)?;
    Ok(to_json(&List {
        object: "list",
        data: intents
            .into_iter()
            .map(|intent| store.intent_view(intent, &expand))
            .collect(),
        has_more,
        url: "/v1/payment_intents",
    }))
}

pub fn list_events(store: &Store, params: &Value) -> Outcome<EventPage> {
    let p = Params::new(
        params,
        &[
            "type",
            "types",
            "created",
            "limit",
            "starting_after",
            "ending_before",
            "delivery_success",
        ],
    )?;
    let kind = p.str("type")?.filter(|s| !s.is_empty());
    let types = p.strings("types")?;
    if kind.is_some() && !types.is_empty() {
        return Err(Failure::param(
            "types",
            None,
            "You may only specify one of these parameters: type, types.",
        ));
    }
    if types.len() > 20 {
        return Err(Failure::param(
            "types",
            None,
            "You may pass at most 20 event types.",
        ));
    }
    let (mut gte, mut lte) = (i64::MIN, i64::MAX);
    if let Some(range) = p.hash("created", &["gte", "gt", "lte", "lt"])? {
        gte = gte
            .max(range.int("gte")?.unwrap_or(i64::MIN))
            .max(range.int("gt")?.map_or(i64::MIN, |v| v + 1));
        lte = lte
            .min(range.int("lte")?.unwrap_or(i64::MAX))
            .min(range.int("lt")?.map_or(i64::MAX, |v| v - 1));
    } else if p.has("created") {
        let exact = p.int("created")?.unwrap_or_default();
        (gte, lte) = (exact, exact);
    }
    let matches_type = |t: &str| {
        let one = |pattern: &str| match pattern.strip_suffix('*') {
            Some(prefix) => t.starts_with(prefix),
            None => t == pattern,
        };
        match kind {
            Some(k) => one(k),
            None => types.is_empty() || types.iter().any(|k| one(k)),
        }
    };
    let filtered = store
        .events
        .iter()
        .filter(|(_, e)| matches_type(&e.kind) && (gte..=lte).contains(&e.created))
        .collect::<Vec<_>>();
    // Listed from the stored JSON, so the list shows exactly what webhooks carried.
    let (events, has_more) = page(filtered.into_iter(), &p)?;
    Ok(EventPage {
        has_more,
        events: events.into_iter().map(|e| e.json.clone()).collect(),
    })
}

pub struct EventPage {
    pub has_more: bool,
    pub events: Vec<std::sync::Arc<str>>,
}

pub fn retrieve_event(store: &Store, id: &str) -> Outcome<std::sync::Arc<str>> {
    store
        .events
        .get(id)
        .map(|e| e.json.clone())
        .ok_or_else(|| Failure::no_such("event", "id", id))
}
