//! Stripe's amount rules per currency, from `data/currencies.tsv` (vendored: tests/fixtures/README.md says from
//! where, and a test checks it is intact). All amounts are integers in the currency's smallest unit.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/currencies.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    /// Amounts are whole units (JPY 500 is ¥500).
    pub zero_decimal: bool,
    /// Zero-decimal when shown, but sent as two-decimal amounts that must end in 00 (ISK, UGX).
    pub display_zero_decimal: bool,
    /// The smallest charge Stripe accepts, in the smallest unit, where Stripe lists one.
    pub minimum: Option<i64>,
    pub max_digits: u32,
}

impl Currency {
    /// The largest amount Stripe accepts: `max_digits` nines.
    pub fn maximum(&self) -> i64 {
        10i64.pow(self.max_digits) - 1
    }

    /// How many decimal places a person sees (0 for JPY, ISK and UGX; 2 otherwise).
    pub fn display_decimals(&self) -> u32 {
        if self.zero_decimal || self.display_zero_decimal {
            0
        } else {
            2
        }
    }

    /// Checks an amount against Stripe's rules, saying what is wrong in Stripe's words.
    pub fn check_amount(&self, amount: i64) -> Result<(), AmountError> {
        if amount < 1 {
            return Err(AmountError::NotPositive);
        }
        if let Some(min) = self.minimum {
            if amount < min {
                return Err(AmountError::TooSmall { minimum: min });
            }
        }
        if amount > self.maximum() {
            return Err(AmountError::TooLarge {
                maximum: self.maximum(),
            });
        }
        if self.display_zero_decimal && amount % 100 != 0 {
            return Err(AmountError::NotWholeUnits);
        }
        Ok(())
    }

    /// Formats an amount in minor units as a plain decimal string (`1999` usd → `19.99`, `500` jpy → `500`).
    pub fn format_minor(&self, amount: i64) -> String {
        let shown = if self.display_zero_decimal {
            amount / 100
        } else {
            amount
        };
        match self.display_decimals() {
            0 => shown.to_string(),
            _ => format!("{}.{:02}", shown / 100, (shown % 100).abs()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount must be a positive integer in the currency's smallest unit")]
    NotPositive,
    #[error("amount must be at least {minimum} in the currency's smallest unit")]
    TooSmall { minimum: i64 },
    #[error("amount must be no more than {maximum} in the currency's smallest unit")]
    TooLarge { maximum: i64 },
    #[error("amount must be a whole number of units, a multiple of 100 in this currency")]
    NotWholeUnits,
}

fn table() -> &'static HashMap<&'static str, Currency> {
    static CURRENCIES: OnceLock<HashMap<&'static str, Currency>> = OnceLock::new();
    CURRENCIES.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("currency\t") && !l.trim().is_empty())
            .map(|line| {
                let f: Vec<&'static str> = line.split('\t').collect();
                let currency = Currency {
                    code: f[0],
                    zero_decimal: f[1] == "yes",
                    display_zero_decimal: f[1] == "display",
                    minimum: f[2].parse().ok(),
                    max_digits: f[3]
                        .parse()
                        .expect("max_digits is a number in currencies.tsv"),
                };
                (currency.code, currency)
            })
            .collect()
    })
}

/// Looks up a currency by its lowercase ISO code.
pub fn lookup(code: &str) -> Option<&'static Currency> {
    table().get(code)
}

/// Every supported code, sorted, for error messages.
pub fn codes() -> Vec<&'static str> {
    let mut codes: Vec<_> = table().keys().copied().collect();
    codes.sort_unstable();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_decimal_currencies_take_whole_units() {
        let jpy = lookup("jpy").unwrap();
        assert!(jpy.zero_decimal);
        assert_eq!(jpy.format_minor(500), "500");
        assert_eq!(
            jpy.check_amount(49),
            Err(AmountError::TooSmall { minimum: 50 })
        );
        assert_eq!(jpy.maximum(), 9_999_999_999);
    }

    #[test]
    fn two_decimal_currencies_have_minimums_and_eight_digit_maximums() {
        let usd = lookup("usd").unwrap();
        assert_eq!(usd.format_minor(1999), "19.99");
        assert_eq!(
            usd.check_amount(49),
            Err(AmountError::TooSmall { minimum: 50 })
        );
        assert_eq!(usd.check_amount(99_999_999), Ok(()));
        assert_eq!(
            usd.check_amount(100_000_000),
            Err(AmountError::TooLarge {
                maximum: 99_999_999
            })
        );
        assert_eq!(usd.check_amount(0), Err(AmountError::NotPositive));
    }

    #[test]
    fn isk_is_sent_as_two_decimal_amounts_ending_in_00() {
        let isk = lookup("isk").unwrap();
        assert_eq!(isk.check_amount(550), Err(AmountError::NotWholeUnits));
        assert_eq!(isk.check_amount(500), Ok(()));
        assert_eq!(isk.format_minor(500), "5");
    }

    #[test]
    fn unknown_and_uppercase_codes_are_not_found() {
        assert!(lookup("xyz").is_none());
        assert!(lookup("USD").is_none());
        assert!(codes().len() > 40);
    }
}
