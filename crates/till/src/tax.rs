//! Tax on a sale, in integer minor units. A rate is in basis points (1/100 of a percent), and a price either
//! includes its tax (the shelf price is what the customer pays) or excludes it (tax is added on top).
//!
//! Rounding is stated, not implied: to the currency's minor unit (a cent, or a whole yen: amounts are already in
//! minor units, so zero-decimal currencies need nothing special), per line or once per rate over the order, half
//! away from zero or half to even (banker's). Everything is exact integer arithmetic in i128, so no float ever
//! decides a cent.

use serde::{Deserialize, Serialize};

pub use kassa_api::catalog::{Rounding, TaxRate as Rate, TaxScope as Scope};

/// The store's rounding rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Policy {
    pub rounding: Rounding,
    pub scope: Scope,
}

/// One line of a sale: a price, a quantity, and the rate it is taxed at (None: untaxed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub unit_amount: i64,
    pub quantity: i64,
    pub rate: Option<&'a Rate>,
}

/// The tax of one rate over a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "TaxTotal")]
pub struct RateTotal {
    pub id: String,
    pub name: String,
    pub basis_points: u32,
    pub inclusive: bool,
    /// The lines' amount without the tax.
    pub net: i64,
    pub tax: i64,
}

/// A sale's totals: `total` is what the customer pays (`net + tax`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub net: i64,
    pub tax: i64,
    pub total: i64,
    /// One entry per rate that any line uses, in the order the rates first appear.
    pub by_rate: Vec<RateTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("the sale's total does not fit in the amounts Kassa stores")]
    Overflow,
    #[error("a tax rate of {0} basis points is more than 100%")]
    RateTooHigh(u32),
}

/// The highest rate accepted: 100%.
pub const MAX_BASIS_POINTS: u32 = 10_000;

/// `n / d` rounded to an integer by `rounding`; `d` > 0.
fn divide(n: i128, d: i128, rounding: Rounding) -> i128 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    // q ≤ n/d < q + 1: compare the remainder with half of d, in doubled units to stay exact.
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => match rounding {
            Rounding::HalfUp if n >= 0 => q + 1,
            Rounding::HalfUp => q,
            Rounding::HalfEven if q % 2 == 0 => q,
            Rounding::HalfEven => q + 1,
        },
    }
}

/// The tax in `amount` (inclusive) or on it (exclusive), rounded.
fn tax_of(amount: i128, rate: &Rate, rounding: Rounding) -> i128 {
    let bp = i128::from(rate.basis_points);
    if rate.inclusive {
        divide(amount * bp, 10_000 + bp, rounding)
    } else {
        divide(amount * bp, 10_000, rounding)
    }
}

/// The totals of a sale under `policy`.
pub fn totals(lines: &[Line<'_>], policy: Policy) -> Result<Totals, TaxError> {
    // Per rate: the sum of its lines' amounts, and the sum of the per-line rounded taxes.
    let mut groups: Vec<(Option<&Rate>, i128, i128)> = Vec::new();
    for line in lines {
        if let Some(rate) = line.rate {
            if rate.basis_points > MAX_BASIS_POINTS {
                return Err(TaxError::RateTooHigh(rate.basis_points));
            }
        }
        let amount = i128::from(line.unit_amount) * i128::from(line.quantity);
        let line_tax = line.rate.map_or(0, |r| tax_of(amount, r, policy.rounding));
        match groups.iter_mut().find(|(r, _, _)| *r == line.rate) {
            Some(g) => {
                g.1 += amount;
                g.2 += line_tax;
            }
            None => groups.push((line.rate, amount, line_tax)),
        }
    }
    let fit = |v: i128| i64::try_from(v).map_err(|_| TaxError::Overflow);
    let (mut net, mut tax) = (0i128, 0i128);
    let mut by_rate = Vec::new();
    for (rate, amount, line_taxes) in groups {
        let group_tax = match (rate, policy.scope) {
            (None, _) => 0,
            (Some(_), Scope::PerLine) => line_taxes,
            (Some(r), Scope::PerOrder) => tax_of(amount, r, policy.rounding),
        };
        let group_net = match rate {
            Some(r) if r.inclusive => amount - group_tax,
            _ => amount,
        };
        net += group_net;
        tax += group_tax;
        if let Some(r) = rate {
            by_rate.push(RateTotal {
                id: r.id.clone(),
                name: r.name.clone(),
                basis_points: r.basis_points,
                inclusive: r.inclusive,
                net: fit(group_net)?,
                tax: fit(group_tax)?,
            });
        }
    }
    Ok(Totals {
        net: fit(net)?,
        tax: fit(tax)?,
        total: fit(net + tax)?,
        by_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(bp: u32, inclusive: bool) -> Rate {
        Rate {
            id: format!("r{bp}{}", if inclusive { "i" } else { "e" }),
            name: format!("{bp} bp"),
            basis_points: bp,
            inclusive,
        }
    }

    fn line(unit_amount: i64, quantity: i64, rate: Option<&Rate>) -> Line<'_> {
        Line {
            unit_amount,
            quantity,
            rate,
        }
    }

    const HALF_UP_PER_ORDER: Policy = Policy {
        rounding: Rounding::HalfUp,
        scope: Scope::PerOrder,
    };

    #[test]
    fn halves_round_away_from_zero_or_to_even_as_configured() {
        let cases = [
            (5, 2, 3, 2),
            (7, 2, 4, 4),
            (-5, 2, -3, -2),
            (-7, 2, -4, -4),
            (4, 3, 1, 1),
            (5, 3, 2, 2),
        ];
        for (n, d, up, even) in cases {
            assert_eq!(divide(n, d, Rounding::HalfUp), up, "{n}/{d} half up");
            assert_eq!(divide(n, d, Rounding::HalfEven), even, "{n}/{d} half even");
        }
    }

    #[test]
    fn an_inclusive_price_is_what_the_customer_pays_and_holds_its_tax() {
        // A coffee at 3.50 with 19% VAT included: 350 × 19/119 = 55.88… → 56 tax, 294 net.
        let vat = rate(1900, true);
        let t = totals(&[line(350, 1, Some(&vat))], HALF_UP_PER_ORDER).unwrap();
        assert_eq!((t.net, t.tax, t.total), (294, 56, 350));
    }

    #[test]
    fn an_exclusive_price_gets_its_tax_added() {
        // 9.99 with 7.25% sales tax on top: 72.4275 → 72.
        let sales = rate(725, false);
        let t = totals(&[line(999, 1, Some(&sales))], HALF_UP_PER_ORDER).unwrap();
        assert_eq!((t.net, t.tax, t.total), (999, 72, 1071));
    }

    #[test]
    fn per_line_and_per_order_rounding_differ_as_stated() {
        // Three items at 0.10 with 5% on top: each line's 0.5 cent rounds up (3 cents), the order's 1.5 → 2.
        let r = rate(500, false);
        let lines = [
            line(10, 1, Some(&r)),
            line(10, 1, Some(&r)),
            line(10, 1, Some(&r)),
        ];
        let per_line = Policy {
            scope: Scope::PerLine,
            ..HALF_UP_PER_ORDER
        };
        assert_eq!(totals(&lines, per_line).unwrap().tax, 3);
        assert_eq!(totals(&lines, HALF_UP_PER_ORDER).unwrap().tax, 2);
        let even = Policy {
            rounding: Rounding::HalfEven,
            scope: Scope::PerLine,
        };
        // Each 0.5 goes to the even 0.
        assert_eq!(totals(&lines, even).unwrap().tax, 0);
    }

    #[test]
    fn a_zero_decimal_currency_rounds_to_whole_units() {
        // ¥1,080 including 8% consumption tax: 1080 × 8/108 = 80 exactly; ¥155 × 10% on top = 15.5 → 16.
        let food = rate(800, true);
        let standard = rate(1000, false);
        let t = totals(
            &[line(1080, 1, Some(&food)), line(155, 1, Some(&standard))],
            HALF_UP_PER_ORDER,
        )
        .unwrap();
        assert_eq!(t.by_rate[0].tax, 80);
        assert_eq!(t.by_rate[1].tax, 16);
        assert_eq!((t.net, t.tax, t.total), (1000 + 155, 96, 1080 + 171));
    }

    #[test]
    fn the_breakdown_lists_each_rate_once_in_order_and_untaxed_lines_only_in_the_totals() {
        let (a, b) = (rate(2000, true), rate(500, true));
        let t = totals(
            &[
                line(120, 2, Some(&a)),
                line(105, 1, Some(&b)),
                line(50, 1, None),
                line(120, 1, Some(&a)),
            ],
            HALF_UP_PER_ORDER,
        )
        .unwrap();
        let ids: Vec<&str> = t.by_rate.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, [a.id.as_str(), b.id.as_str()]);
        assert_eq!((t.by_rate[0].net, t.by_rate[0].tax), (300, 60));
        assert_eq!((t.by_rate[1].net, t.by_rate[1].tax), (100, 5));
        assert_eq!((t.net, t.tax, t.total), (450, 65, 515));
    }

    #[test]
    fn a_rate_above_100_percent_and_a_total_past_i64_are_refused() {
        let silly = rate(10_001, false);
        assert_eq!(
            totals(&[line(100, 1, Some(&silly))], HALF_UP_PER_ORDER),
            Err(TaxError::RateTooHigh(10_001))
        );
        assert_eq!(
            totals(&[line(i64::MAX, 2, None)], HALF_UP_PER_ORDER),
            Err(TaxError::Overflow)
        );
    }

    fn policies() -> impl Strategy<Value = Policy> {
        (
            prop_oneof![Just(Rounding::HalfUp), Just(Rounding::HalfEven)],
            prop_oneof![Just(Scope::PerLine), Just(Scope::PerOrder)],
        )
            .prop_map(|(rounding, scope)| Policy { rounding, scope })
    }

    fn rates() -> impl Strategy<Value = Vec<Rate>> {
        prop::collection::vec(
            (0u32..=MAX_BASIS_POINTS, any::<bool>()).prop_map(|(bp, inc)| rate(bp, inc)),
            1..4,
        )
    }

    /// Lines as (unit amount, quantity, index into the rates or none).
    fn raw_lines() -> impl Strategy<Value = Vec<(i64, i64, Option<usize>)>> {
        prop::collection::vec(
            (0i64..1_000_000, 1i64..50, prop::option::of(0usize..4)),
            0..20,
        )
    }

    fn build<'a>(rates: &'a [Rate], raw: &[(i64, i64, Option<usize>)]) -> Vec<Line<'a>> {
        raw.iter()
            .map(|&(u, q, r)| line(u, q, r.map(|i| &rates[i % rates.len()])))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The customer pays the shelf prices of inclusive lines, and the shelf prices plus tax of exclusive ones;
        /// net and tax always add up to the total, per rate and overall.
        #[test]
        fn totals_add_up(rates in rates(), raw in raw_lines(), policy in policies()) {
            let lines = build(&rates, &raw);
            let t = totals(&lines, policy).unwrap();
            prop_assert_eq!(t.net + t.tax, t.total);
            prop_assert_eq!(t.by_rate.iter().map(|r| r.tax).sum::<i64>(), t.tax);
            let shelf: i64 = lines.iter().map(|l| l.unit_amount * l.quantity).sum();
            let exclusive_tax: i64 = t.by_rate.iter().filter(|r| !r.inclusive).map(|r| r.tax).sum();
            prop_assert_eq!(t.total, shelf + exclusive_tax);
            prop_assert_eq!(t.net, shelf - (t.tax - exclusive_tax));
        }

        /// Each rounding is within half a minor unit of the exact tax: per rate for per-order rounding, per line
        /// for per-line rounding.
        #[test]
        fn the_tax_is_within_half_a_unit_of_exact_per_rounding(rates in rates(), raw in raw_lines(), policy in policies()) {
            let lines = build(&rates, &raw);
            let t = totals(&lines, policy).unwrap();
            for r in &t.by_rate {
                let group: Vec<&Line> = lines.iter().filter(|l| l.rate.is_some_and(|x| x.id == r.id && x.inclusive == r.inclusive)).collect();
                let amount: i128 = group.iter().map(|l| i128::from(l.unit_amount * l.quantity)).sum();
                let (bp, denominator) = (i128::from(r.basis_points), if r.inclusive { 10_000 + i128::from(r.basis_points) } else { 10_000 });
                // |tax × d − amount × bp| ≤ roundings × d / 2, in exact integers.
                let roundings = match policy.scope { Scope::PerOrder => 1, Scope::PerLine => group.len() as i128 };
                let error = (i128::from(r.tax) * denominator - amount * bp).abs();
                prop_assert!(2 * error <= roundings * denominator, "{r:?}: error {error}/{denominator}");
            }
        }

        /// Adding an item never lowers what the customer pays.
        #[test]
        fn a_further_line_never_lowers_the_total(rates in rates(), raw in raw_lines(), extra in (0i64..1_000_000, 1i64..50, prop::option::of(0usize..4)), policy in policies()) {
            let before = totals(&build(&rates, &raw), policy).unwrap();
            let mut more = raw.clone();
            more.push(extra);
            let after = totals(&build(&rates, &more), policy).unwrap();
            prop_assert!(after.total >= before.total);
        }

        /// The two roundings disagree only where the exact tax ends in exactly half a unit.
        #[test]
        fn half_up_and_half_even_differ_only_on_exact_halves(amount in 0i64..10_000_000, bp in 0u32..=MAX_BASIS_POINTS, inclusive in any::<bool>()) {
            let r = rate(bp, inclusive);
            let tax = |rounding| totals(&[line(amount, 1, Some(&r))], Policy { rounding, scope: Scope::PerOrder }).unwrap().tax;
            let d = if inclusive { 10_000 + i128::from(bp) } else { 10_000 };
            let on_half = (2 * i128::from(amount) * i128::from(bp)) % (2 * d) == d;
            let (up, even) = (tax(Rounding::HalfUp), tax(Rounding::HalfEven));
            prop_assert!(up == even || (on_half && up == even + 1), "{up} against {even}");
            if on_half {
                prop_assert_eq!(even % 2, 0);
            }
        }
    }
}
