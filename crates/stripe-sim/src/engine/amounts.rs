//! Amounts and currencies, checked as Stripe checks them.

use super::*;

pub(super) fn check_amount(amount: i64, code: &str) -> Outcome<()> {
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

pub(super) fn check_currency(raw: &str) -> Outcome<String> {
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
