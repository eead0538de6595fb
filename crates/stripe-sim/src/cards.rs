//! What each test card does, from `data/test-cards.tsv` (vendored: tests/fixtures/README.md says from where, and a
//! test checks it is intact), plus the simulator's own two asynchronous methods.

use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/test-cards.tsv");

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decline {
    pub code: String,
    pub decline_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    Succeed,
    Decline(Decline),
    /// 3-D Secure first; what completing it leads to.
    RequiresAction {
        after: Option<Decline>,
    },
    /// `processing`, then succeeded or failed after the configured delay.
    Processing {
        succeeds: bool,
    },
}

#[derive(Debug, Clone)]
pub struct TestCard {
    pub number: String,
    pub token: Option<String>,
    pub behaviour: Behaviour,
    /// incorrect_cvc declines only when a CVC was entered.
    pub only_with_cvc: bool,
}

fn cards() -> &'static [TestCard] {
    static CARDS: OnceLock<Vec<TestCard>> = OnceLock::new();
    CARDS.get_or_init(|| {
        let mut cards: Vec<TestCard> = TABLE
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .filter_map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                let get = |i: usize| {
                    f.get(i)
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                };
                let decline = get(3).map(|code| Decline {
                    code,
                    decline_code: get(4),
                });
                let behaviour = match f.get(2).copied()? {
                    "succeeded" => Behaviour::Succeed,
                    "declined" => Behaviour::Decline(decline?),
                    "requires_action" => Behaviour::RequiresAction { after: decline },
                    // Luhn failures never reach a behaviour: the number is refused first.
                    _ => return None,
                };
                Some(TestCard {
                    number: f[0].to_owned(),
                    token: get(1),
                    only_with_cvc: get(3).as_deref() == Some("incorrect_cvc"),
                    behaviour,
                })
            })
            .collect();
        for (number, token, succeeds) in [
            ("4000000000001182", "pm_card_processing_succeeds", true),
            ("4000000000001190", "pm_card_processing_fails", false),
        ] {
            cards.push(TestCard {
                number: number.to_owned(),
                token: Some(token.to_owned()),
                behaviour: Behaviour::Processing { succeeds },
                only_with_cvc: false,
            });
        }
        cards
    })
}

pub fn by_number(number: &str) -> Option<&'static TestCard> {
    cards().iter().find(|c| c.number == number)
}

pub fn by_token(token: &str) -> Option<&'static TestCard> {
    cards().iter().find(|c| c.token.as_deref() == Some(token))
}

pub fn all() -> &'static [TestCard] {
    cards()
}

pub fn luhn_valid(number: &str) -> bool {
    if number.len() < 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

pub fn brand(number: &str) -> &'static str {
    let prefix = |n: usize| {
        number
            .get(..n)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    match () {
        _ if number.starts_with('4') => "visa",
        _ if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) => "mastercard",
        _ if matches!(prefix(2), 34 | 37) => "amex",
        _ if number.starts_with("6011") || number.starts_with("65") => "discover",
        _ if (3528..=3589).contains(&prefix(4)) => "jcb",
        _ if matches!(prefix(2), 36 | 38) || (300..=305).contains(&prefix(3)) => "diners",
        _ if number.starts_with("62") => "unionpay",
        _ => "unknown",
    }
}

/// Stripe's customer-facing message for a decline or card error code.
pub fn message(code: &str, decline_code: Option<&str>) -> &'static str {
    match (code, decline_code) {
        (_, Some("insufficient_funds")) => "Your card has insufficient funds.",
        (_, Some("card_velocity_exceeded")) => {
            "Your card was declined for making repeated attempts too frequently or exceeding its amount limit."
        }
        (_, Some("test_mode_live_card")) => {
            "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid \
             test cards, visit: https://stripe.com/docs/testing."
        }
        ("expired_card", _) => "Your card has expired.",
        ("incorrect_cvc", _) => "Your card's security code is incorrect.",
        ("processing_error", _) => "An error occurred while processing your card. Try again in a little bit.",
        ("incorrect_number", _) => "Your card number is incorrect.",
        ("invalid_expiry_month", _) => "Your card's expiration month is invalid.",
        ("invalid_expiry_year", _) => "Your card's expiration year is invalid.",
        ("invalid_cvc", _) => "Your card's security code is invalid.",
        _ => "Your card was declined.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_number_but_the_luhn_failure_passes_luhn() {
        for card in all() {
            assert!(luhn_valid(&card.number), "{}", card.number);
        }
        assert!(!luhn_valid("4242424242424241"));
    }

    #[test]
    fn brands_follow_the_number() {
        assert_eq!(brand("4242424242424242"), "visa");
        assert_eq!(brand("5555555555554444"), "mastercard");
        assert_eq!(brand("378282246310005"), "amex");
    }

    #[test]
    fn tokens_and_numbers_agree() {
        let visa = by_token("pm_card_visa").unwrap();
        assert_eq!(visa.number, "4242424242424242");
        assert_eq!(
            by_number("4000000000009995").unwrap().behaviour,
            by_token("pm_card_visa_chargeDeclinedInsufficientFunds")
                .unwrap()
                .behaviour
        );
        assert!(matches!(
            by_number("4000008260003178").unwrap().behaviour,
            Behaviour::RequiresAction { after: Some(_) }
        ));
    }
}
