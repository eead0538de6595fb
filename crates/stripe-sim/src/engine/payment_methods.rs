//! PaymentMethods: test-card tokens, existing ids, and raw card data checked as Stripe checks it.

use super::*;

/// `pm_card_*` tokens make a fresh PaymentMethod each time, as in Stripe's test mode; `pm_…` ids must exist.
pub(super) fn resolve_payment_method_ref(
    store: &mut Store,
    ctx: &Ctx,
    reference: &str,
) -> Outcome<String> {
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

pub(super) fn current_year(now: i64) -> u32 {
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

pub(super) fn new_payment_method(
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
        read_method: None,
    });
    id
}

pub(super) fn card_error(code: &str, param: &str) -> Failure {
    Failure::card(json!({
        "type": "card_error",
        "code": code,
        "message": cards::message(code, None),
        "param": param,
        "doc_url": format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")),
    }))
}

/// Raw card data, as the Payment Element sends it: checked as Stripe checks it before any charge.
pub(super) fn payment_method_from_data(
    store: &mut Store,
    ctx: &Ctx,
    p: &Params,
) -> Outcome<String> {
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

pub(super) fn behaviour_of(pm: &PaymentMethod) -> Behaviour {
    match cards::by_number(&pm.card.number) {
        Some(card) if card.only_with_cvc && !pm.cvc_given => Behaviour::Succeed,
        Some(card) => card.behaviour.clone(),
        None => Behaviour::Decline(Decline {
            code: "card_declined".to_owned(),
            decline_code: Some("test_mode_live_card".to_owned()),
        }),
    }
}
