//! Refunds of a succeeded intent's charge.

use super::*;

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
    let metadata: IndexMap<String, String> = p.new_metadata()?;
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
    let refundable = refundable(store, &charge_id)?;
    let charge = &store.charges[&charge_id];
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

/// What is left to refund on a captured charge. amount_refunded already counts the remainder a partial capture
/// released, so it is the charge's amount less amount_refunded (for a full capture, amount_captured less the
/// refunds).
pub(super) fn refundable(store: &Store, charge_id: &str) -> Outcome<i64> {
    let charge = store
        .charges
        .get(charge_id)
        .ok_or_else(|| Failure::no_such("charge", "charge", charge_id))?;
    if !(charge.status == "succeeded" && charge.captured) {
        return Err(Failure::state(
            "charge_not_refundable",
            format!("Charge {charge_id} has not been captured, so there is nothing to refund."),
            Some("charge"),
        ));
    }
    Ok(charge.amount - charge.amount_refunded)
}

pub fn retrieve_refund(store: &Store, id: &str) -> Outcome {
    store
        .refunds
        .get(id)
        .map(|r| to_json(&r.view()))
        .ok_or_else(|| Failure::no_such("refund", "id", id))
}

/// Refunds newest first, of one intent or one charge when asked.
pub fn list_refunds(store: &Store, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "payment_intent",
            "charge",
            "limit",
            "starting_after",
            "ending_before",
            "expand",
        ],
    )?;
    let intent = p.str("payment_intent")?.filter(|s| !s.is_empty());
    let charge = p.str("charge")?.filter(|s| !s.is_empty());
    let matching = store
        .refunds
        .iter()
        .filter(|(_, r)| intent.is_none_or(|pi| r.payment_intent == pi))
        .filter(|(_, r)| charge.is_none_or(|ch| r.charge == ch))
        .map(|(id, r)| (id, r.view()))
        .collect::<Vec<_>>();
    let (refunds, has_more) = lists::page(matching.into_iter(), &p)?;
    Ok(to_json(&lists::List {
        object: "list",
        data: refunds,
        has_more,
        url: "/v1/refunds",
    }))
}
