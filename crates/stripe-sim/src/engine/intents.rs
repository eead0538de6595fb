//! Creating, reading, updating and cancelling a PaymentIntent.

use super::*;

/// Top-level parameters Stripe accepts on these endpoints that the simulator reads or safely ignores.
/// Anything else is refused with "Received unknown parameter", as Stripe refuses it.
pub(super) const CREATE_PARAMS: &[&str] = &[
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
pub(super) const UPDATE_PARAMS: &[&str] = &[
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

pub(super) fn payment_method_types(p: &Params) -> Outcome<Option<Vec<String>>> {
    if !p.has("payment_method_types") {
        return Ok(None);
    }
    let types = p.strings("payment_method_types")?;
    if let Some(bad) = types
        .iter()
        .find(|t| !matches!(t.as_str(), "card" | "card_present"))
    {
        return Err(Failure::param(
            "payment_method_types",
            Some("payment_method_type_unsupported"),
            format!(
                "The payment method type \"{bad}\" is not supported by the simulator; only card and card_present are."
            ),
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
    let metadata = p.new_metadata()?;
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
        amount_tip: None,
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

pub(super) fn find<'a>(store: &'a Store, id: &str) -> Outcome<&'a Intent> {
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
    let types = payment_method_types(&p)?;
    if !editable && (changes_money || p.has("payment_method") || types.is_some()) {
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
    if let Some(types) = types.filter(|t| !t.is_empty()) {
        // Listing the types replaces automatic payment methods, as at Stripe.
        intent.payment_method_types = types;
        intent.automatic_payment_methods = None;
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
pub(super) fn previous_attributes(before: &Value, after: &Value) -> Value {
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
