//! What a server-driven integration asks a reader to do: collect payment for an intent, show a cart, refund,
//! cancel. A reader runs one action at a time; the test helper `present_payment_method` plays the customer's tap
//! and completes the action, which Stripe reports with `terminal.reader.action_succeeded` or `…action_failed`.

use super::terminal::find_reader;
use super::*;
use crate::failure::Json;
use crate::terminal::{
    ActionStatus, Cart, LineItem, ProcessConfig, ProcessPaymentIntentAction, ReaderAction,
    RefundPaymentAction, SetReaderDisplayAction, Tipping,
};

/// The card a simulated reader reads when the helper names none, as in Stripe's test mode.
const DEFAULT_PRESENTED_CARD: &str = "4242424242424242";

/// A reader that can take a new request: reachable, and not busy with an action in progress.
fn ready(store: &Store, id: &str) -> Outcome<()> {
    let reader = reachable(store, id)?;
    if reader
        .public
        .action
        .as_ref()
        .is_some_and(|a| a.status == ActionStatus::InProgress)
    {
        return Err(Failure::state(
            "terminal_reader_busy",
            "Reader is currently busy processing another request. Please reference the integration guide at \
             https://stripe.com/docs/terminal/payments/collect-payment?terminal-sdk-platform=server-driven#handle-errors \
             for details on how to handle this error.",
            None,
        ));
    }
    Ok(())
}

fn reachable<'a>(store: &'a Store, id: &str) -> Outcome<&'a crate::terminal::Reader> {
    let reader = find_reader(store, id)?;
    if reader.sim.unresponsive {
        return Err(timed_out());
    }
    if reader.public.status == "offline" {
        return Err(Failure::state(
            "terminal_reader_offline",
            "Reader is currently offline, please ensure the reader is powered on and connected to the internet \
             before retrying your request.",
            None,
        ));
    }
    Ok(reader)
}

fn timed_out() -> Failure {
    Failure::state(
        "terminal_reader_timeout",
        "There was a timeout when sending this command to the reader. Please reference the integration guide at \
         https://stripe.com/docs/terminal/payments/collect-payment?terminal-sdk-platform=server-driven#handle-errors \
         for details on how to handle this error.",
        None,
    )
}

fn intent_invalid_state(message: String) -> Failure {
    Failure::state("intent_invalid_state", message, Some("payment_intent"))
}

/// Sets (or with None, clears) the reader's action, and answers with the reader.
fn set_action(store: &mut Store, id: &str, action: Option<ReaderAction>) -> Json {
    let reader = store.reader_mut(id).expect("checked by the caller");
    reader.public.action = action;
    to_json(&reader.public)
}

pub fn process_payment_intent(store: &mut Store, _ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["payment_intent", "process_config", "expand"])?;
    let intent_id = p.required_str("payment_intent")?;
    let config = match p.hash(
        "process_config",
        &[
            "enable_customer_cancellation",
            "skip_tipping",
            "tipping",
            "allow_redisplay",
            "return_url",
        ],
    )? {
        Some(c) => Some(ProcessConfig {
            enable_customer_cancellation: c.bool("enable_customer_cancellation")?,
            skip_tipping: c.bool("skip_tipping")?,
            tipping: match c.hash("tipping", &["amount_eligible"])? {
                Some(t) => Some(Tipping {
                    amount_eligible: t.int("amount_eligible")?.ok_or_else(|| {
                        Failure::missing("process_config[tipping][amount_eligible]")
                    })?,
                }),
                None => None,
            },
        }),
        None => None,
    };
    ready(store, id)?;
    let intent = store
        .intent(intent_id)
        .ok_or_else(|| Failure::no_such("payment_intent", "payment_intent", intent_id))?;
    if !intent
        .payment_method_types
        .iter()
        .any(|t| t == "card_present")
    {
        return Err(intent_invalid_state(format!(
            "PaymentIntent {intent_id} cannot be processed on a reader: its payment_method_types must include \
             card_present."
        )));
    }
    if !matches!(
        intent.status,
        S::RequiresPaymentMethod | S::RequiresConfirmation
    ) {
        return Err(intent_invalid_state(format!(
            "Payment intent must be in the requires_payment_method state to be processed by a reader. \
             {intent_id} has a status of {}.",
            intent.status
        )));
    }
    let mut action = ReaderAction::in_progress("process_payment_intent");
    action.process_payment_intent = Some(ProcessPaymentIntentAction {
        payment_intent: intent_id.to_owned(),
        process_config: config,
    });
    Ok(set_action(store, id, Some(action)))
}

pub fn set_reader_display(store: &mut Store, _ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["type", "cart", "expand"])?;
    let kind = p
        .one_of("type", &["cart"])?
        .ok_or_else(|| Failure::missing("type"))?;
    let cart = p
        .hash("cart", &["currency", "line_items", "tax", "total"])?
        .ok_or_else(|| Failure::missing("cart"))?;
    let currency = check_currency(cart.required_str("currency")?)?;
    let line_items = cart
        .hashes("line_items", &["amount", "description", "quantity"])?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let required = |key: &str| {
                item.int(key)?
                    .ok_or_else(|| Failure::missing(&format!("cart[line_items][{i}][{key}]")))
            };
            Ok(LineItem {
                amount: required("amount")?,
                description: item.required_str("description")?.to_owned(),
                quantity: required("quantity")?,
            })
        })
        .collect::<Outcome<Vec<_>>>()?;
    let total = cart
        .int("total")?
        .ok_or_else(|| Failure::missing("cart[total]"))?;
    let tax = cart.int("tax")?;
    ready(store, id)?;
    let mut action = ReaderAction::in_progress("set_reader_display");
    action.set_reader_display = Some(SetReaderDisplayAction {
        cart: Cart {
            currency,
            line_items,
            tax,
            total,
        },
        kind: kind.to_owned(),
    });
    // A display needs no customer: the reader shows it at once. Stripe sends no webhook for it.
    action.status = ActionStatus::Succeeded;
    Ok(set_action(store, id, Some(action)))
}

pub fn refund_payment(store: &mut Store, _ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "payment_intent",
            "charge",
            "amount",
            "metadata",
            "refund_application_fee",
            "reverse_transfer",
            "refund_payment_config",
            "expand",
        ],
    )?;
    let amount = p.int("amount")?;
    let metadata: IndexMap<String, String> = p.new_metadata()?;
    let charge_id = match (
        p.str("payment_intent")?.filter(|s| !s.is_empty()),
        p.str("charge")?.filter(|s| !s.is_empty()),
    ) {
        (Some(pi), None) => store
            .intent(pi)
            .ok_or_else(|| Failure::no_such("payment_intent", "payment_intent", pi))?
            .latest_charge
            .clone()
            .ok_or_else(|| {
                intent_invalid_state(format!("PaymentIntent {pi} has no charge to refund."))
            })?,
        (None, Some(ch)) => ch.to_owned(),
        _ => {
            return Err(Failure::param(
                "payment_intent",
                None,
                "Provide exactly one of these parameters: payment_intent, charge.",
            ))
        }
    };
    let refundable = super::refunds::refundable(store, &charge_id)?;
    let amount = amount.unwrap_or(refundable);
    if amount < 1 || amount > refundable {
        return Err(Failure::param(
            "amount",
            Some("amount_too_large"),
            format!("The refund amount must be between 1 and the {refundable} not yet refunded."),
        ));
    }
    let payment_intent = store.charges[&charge_id].payment_intent.clone();
    ready(store, id)?;
    let mut action = ReaderAction::in_progress("refund_payment");
    action.refund_payment = Some(RefundPaymentAction {
        amount,
        charge: charge_id,
        metadata,
        payment_intent,
        reason: None,
        refund: None,
    });
    Ok(set_action(store, id, Some(action)))
}

/// Cancels the reader's action. A reader that dropped mid-action keeps it in progress until this is called, so
/// it works on an offline reader too; only an unresponsive one times out.
pub fn cancel_action(store: &mut Store, _ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    Params::new(params, &["expand"])?;
    if find_reader(store, id)?.sim.unresponsive {
        return Err(timed_out());
    }
    Ok(set_action(store, id, None))
}

/// The test helper: a customer presents a card to the reader, completing its action in progress.
pub fn present_payment_method(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "type",
            "card_present",
            "interac_present",
            "card",
            "amount_tip",
            "expand",
        ],
    )?;
    let kind = p
        .one_of("type", &["card", "card_present", "interac_present"])?
        .unwrap_or("card_present");
    let fields: &[&str] = if kind == "card" {
        &["number", "exp_month", "exp_year", "cvc"]
    } else {
        &["number"]
    };
    let number: String = match p.hash(kind, fields)? {
        Some(card) => card
            .required_str("number")?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        None => DEFAULT_PRESENTED_CARD.to_owned(),
    };
    if !cards::luhn_valid(&number) {
        return Err(Failure::param(
            &format!("{kind}[number]"),
            Some("incorrect_number"),
            "The card number is not a valid card number.",
        ));
    }
    let tip = p.int("amount_tip")?;
    if tip.is_some_and(|t| t < 0) {
        return Err(Failure::param(
            "amount_tip",
            Some("parameter_invalid_integer"),
            "This value must be greater than or equal to 0.",
        ));
    }
    let reader = reachable(store, id)?;
    let action = reader
        .public
        .action
        .as_ref()
        .filter(|a| a.status == ActionStatus::InProgress)
        .ok_or_else(|| {
            Failure::state(
                "terminal_reader_invalid_state",
                format!("Reader {id} has no action in progress to present a payment method to."),
                None,
            )
        })?;
    if let Some(pi) = &action.process_payment_intent {
        let intent_id = pi.payment_intent.clone();
        pay(store, ctx, id, &intent_id, &number, kind, tip)?;
    } else if let Some(refund) = action.refund_payment.clone() {
        refund_on_reader(store, ctx, id, refund)?;
    } else {
        return Err(Failure::state(
            "terminal_reader_invalid_state",
            format!("Reader {id}'s action in progress takes no payment method."),
            None,
        ));
    }
    Ok(to_json(&store.readers[id].public))
}

/// The tap: a card_present PaymentMethod, then the charge attempt exactly as a confirm makes it (test cards
/// decline as they do online), and the reader's action done or failed.
fn pay(
    store: &mut Store,
    ctx: &Ctx,
    reader: &str,
    intent_id: &str,
    number: &str,
    kind: &str,
    tip: Option<i64>,
) -> Outcome<()> {
    let intent = find(store, intent_id)?;
    if !matches!(
        intent.status,
        S::RequiresPaymentMethod | S::RequiresConfirmation
    ) {
        // The intent moved on elsewhere (cancelled, or paid by typing the card): the reader's action fails.
        let message = format!(
            "PaymentIntent {intent_id} has a status of {} and can no longer be processed on the reader.",
            intent.status
        );
        finish(store, ctx, reader, Some(("intent_invalid_state", message)));
        return Ok(());
    }
    let pm = new_payment_method(
        store,
        ctx,
        number,
        12,
        current_year(ctx.now) + 3,
        false,
        None,
    );
    store
        .payment_methods
        .get_mut(&pm)
        .expect("just created")
        .read_method = Some(if kind == "interac_present" {
        "contact_emv".to_owned()
    } else {
        "contactless_emv".to_owned()
    });
    let behaviour = behaviour_of(&store.payment_methods[&pm]);
    {
        let intent = store.intent_mut(intent_id).expect("found above");
        if let Some(tip) = tip.filter(|t| *t > 0) {
            intent.amount += tip;
            intent.amount_tip = Some(tip);
        }
        intent.payment_method = Some(pm);
        intent.last_payment_error = None;
    }
    // No 3-D Secure in person, and a card-present charge settles at once.
    let decline = match behaviour {
        Behaviour::Succeed | Behaviour::Processing { succeeds: true } => None,
        Behaviour::Decline(d) => Some(d),
        Behaviour::RequiresAction { after } => after,
        Behaviour::Processing { succeeds: false } => Some(Decline {
            code: "card_declined".to_owned(),
            decline_code: Some("generic_decline".to_owned()),
        }),
    };
    let failure = decline.as_ref().map(|d| {
        (
            d.code.clone(),
            cards::message(&d.code, d.decline_code.as_deref()).to_owned(),
        )
    });
    confirm::charge(store, ctx, intent_id, decline)?;
    let failure = failure.as_ref().map(|(c, m)| (c.as_str(), m.clone()));
    finish(store, ctx, reader, failure);
    Ok(())
}

fn refund_on_reader(
    store: &mut Store,
    ctx: &Ctx,
    reader: &str,
    action: RefundPaymentAction,
) -> Outcome<()> {
    let mut params = json!({
        "charge": action.charge,
        "amount": action.amount.to_string(),
        "metadata": action.metadata,
    });
    if let Some(reason) = &action.reason {
        params["reason"] = json!(reason);
    }
    match create_refund(store, ctx, &params) {
        Ok(_) => {
            let refund = store.refunds.keys().last().cloned();
            if let Some(a) = store
                .reader_mut(reader)
                .and_then(|r| r.public.action.as_mut())
                .and_then(|a| a.refund_payment.as_mut())
            {
                a.refund = refund;
            }
            finish(store, ctx, reader, None);
        }
        Err(f) => {
            let code = f.body["error"]["code"]
                .as_str()
                .unwrap_or("refund_failed")
                .to_owned();
            let message = f.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            finish(store, ctx, reader, Some((&code, message)));
        }
    }
    Ok(())
}

/// Ends the reader's action in progress and tells of it by webhook.
fn finish(store: &mut Store, ctx: &Ctx, reader: &str, failure: Option<(&str, String)>) {
    let Some(action) = store
        .reader_mut(reader)
        .and_then(|r| r.public.action.as_mut())
    else {
        return;
    };
    let kind = match &failure {
        None => {
            action.status = ActionStatus::Succeeded;
            "terminal.reader.action_succeeded"
        }
        Some((code, message)) => {
            action.fail(code, message);
            "terminal.reader.action_failed"
        }
    };
    store.emit(ctx, kind, Subject::Reader(reader), None);
}
