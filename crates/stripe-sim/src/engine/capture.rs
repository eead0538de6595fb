//! Capturing an authorized (manual-capture) intent, in full or in part.

use super::*;

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
