//! Confirming an intent: the charge attempt, declines, 3-D Secure and asynchronous outcomes.

use super::*;

pub(super) const CONFIRM_PARAMS: &[&str] = &[
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

pub(super) fn new_charge(
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
pub(super) fn charge(
    store: &mut Store,
    ctx: &Ctx,
    id: &str,
    decline: Option<Decline>,
) -> Outcome<()> {
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
pub(super) fn fail_attempt(
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
