//! What a product, a tax rate and the store's details must be, checked the same way for the API and the CSV
//! import. Each check normalizes (trims, drops empty optionals) and names the field at fault.

use kassa_api::{PutProduct, PutStore, PutTaxRate};

/// A field at fault and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> Bad {
    Bad {
        field,
        message: message.into(),
    }
}

impl From<Bad> for crate::error::ApiError {
    fn from(b: Bad) -> Self {
        Self::invalid(b.field, b.message)
    }
}

/// The longest price when the store has no currency yet: Stripe's usual eight digits.
pub const DEFAULT_MAX_PRICE: i64 = 99_999_999;

/// A SKU or a tax rate's id: what goes into a URL path and a CSV cell unquoted.
pub fn id(field: &'static str, value: &str) -> Result<(), Bad> {
    if value.is_empty() || value.len() > 64 {
        return Err(bad(field, format!("{field} must be 1 to 64 characters")));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(bad(
            field,
            format!("{field} may hold letters, digits, '-', '_' and '.', not {c:?}"),
        ));
    }
    Ok(())
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, Bad> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(bad(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(field, format!("{field} must be on one line")));
    }
    Ok(value.to_owned())
}

fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A barcode a scanner can send: printable ASCII without spaces. All-digit codes of GTIN lengths (EAN-8, UPC-A,
/// EAN-13, GTIN-14) must carry their check digit, which catches a mistyped code before a scan cannot find it.
pub fn barcode(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 {
        return Err("a barcode must be 1 to 64 characters".into());
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "barcode {value:?} may hold only printable characters without spaces"
        ));
    }
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    if digits && matches!(value.len(), 8 | 12 | 13 | 14) && !gtin_check_digit_ok(value) {
        return Err(format!(
            "barcode {value} has a wrong check digit (its last digit): mistyped?"
        ));
    }
    Ok(())
}

/// GS1's rule: from the right, excluding the check digit, weights 3, 1, 3…; the check digit brings the sum to a
/// multiple of 10.
fn gtin_check_digit_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
    let (check, body) = digits.split_last().expect("not empty");
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// A product as given, normalized: `max_price` is the store currency's largest amount.
pub fn product(p: PutProduct, max_price: i64) -> Result<PutProduct, Bad> {
    let name = text("name", &p.name, 200)?;
    // A till's sale line is always worth something, and so is a card payment: a free item is not a product.
    if p.price < 1 {
        return Err(bad(
            "price",
            "price must be at least 1 (in minor units: 350 for 3.50)",
        ));
    }
    if p.price > max_price {
        return Err(bad(
            "price",
            format!("price must be at most {max_price} (in minor units)"),
        ));
    }
    let mut barcodes = Vec::with_capacity(p.barcodes.len());
    for b in p.barcodes {
        let b = b.trim().to_owned();
        barcode(&b).map_err(|m| bad("barcodes", m))?;
        if !barcodes.contains(&b) {
            barcodes.push(b);
        }
    }
    if barcodes.len() > 20 {
        return Err(bad("barcodes", "a product takes at most 20 barcodes"));
    }
    let category = optional(p.category)
        .map(|c| text("category", &c, 100))
        .transpose()?;
    let tax_rate = optional(p.tax_rate);
    if let Some(t) = &tax_rate {
        id("tax_rate", t)?;
    }
    Ok(PutProduct {
        name,
        price: p.price,
        barcodes,
        category,
        tax_rate,
        active: p.active,
    })
}

pub fn tax_rate(t: PutTaxRate) -> Result<PutTaxRate, Bad> {
    if t.basis_points > 10_000 {
        return Err(bad(
            "basis_points",
            "basis_points must be 0 to 10000 (100%); 2000 is 20%",
        ));
    }
    Ok(PutTaxRate {
        name: text("name", &t.name, 100)?,
        ..t
    })
}

pub fn store(s: PutStore) -> Result<PutStore, Bad> {
    let currency = s.currency.trim().to_ascii_lowercase();
    if kassa_stripe::currency::lookup(&currency).is_none() {
        return Err(bad(
            "currency",
            format!("currency {:?} is not one Stripe charges in", s.currency),
        ));
    }
    let address = s.address.trim().to_owned();
    if address.chars().count() > 500 {
        return Err(bad("address", "address is longer than 500 characters"));
    }
    if s.tip_percents.len() > 4 {
        return Err(bad("tip_percents", "at most 4 tip choices"));
    }
    if let Some(bp) = s.tip_percents.iter().find(|bp| !(1..=10_000).contains(*bp)) {
        return Err(bad(
            "tip_percents",
            format!("a tip of {bp} basis points is not between 0.01% and 100%"),
        ));
    }
    let mut tip_percents = s.tip_percents.clone();
    tip_percents.sort_unstable();
    tip_percents.dedup();
    Ok(PutStore {
        name: text("name", &s.name, 100)?,
        address,
        currency,
        tip_percents,
        ..s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(price: i64, barcodes: &[&str]) -> PutProduct {
        PutProduct {
            name: " Espresso ".into(),
            price,
            barcodes: barcodes.iter().map(|b| (*b).to_owned()).collect(),
            category: Some("  ".into()),
            tax_rate: Some(String::new()),
            active: true,
        }
    }

    #[test]
    fn gtin_check_digits_are_verified_and_other_codes_pass() {
        for good in ["4006381333931", "036000291452", "73513537", "CAFE-001"] {
            assert_eq!(barcode(good), Ok(()), "{good}");
        }
        let wrong = barcode("4006381333932").unwrap_err();
        assert!(wrong.contains("check digit"), "{wrong}");
        assert!(barcode("has space").is_err());
        assert!(barcode("").is_err());
    }

    #[test]
    fn a_product_is_normalized_and_its_bad_fields_named() {
        let p = product(put(250, &["4006381333931", " 4006381333931 "]), 1000).unwrap();
        assert_eq!(p.name, "Espresso");
        assert_eq!(p.barcodes, ["4006381333931"]);
        assert_eq!((p.category, p.tax_rate), (None, None));
        assert_eq!(product(put(-1, &[]), 1000).unwrap_err().field, "price");
        assert_eq!(product(put(0, &[]), 1000).unwrap_err().field, "price");
        assert_eq!(product(put(1001, &[]), 1000).unwrap_err().field, "price");
        assert_eq!(
            product(put(1, &["4006381333932"]), 1000).unwrap_err().field,
            "barcodes"
        );
        let unnamed = PutProduct {
            name: "  ".into(),
            ..put(1, &[])
        };
        assert_eq!(product(unnamed, 1000).unwrap_err().field, "name");
    }

    #[test]
    fn ids_are_path_safe() {
        assert_eq!(id("sku", "flat-white_2.0"), Ok(()));
        assert_eq!(id("sku", "a/b").unwrap_err().field, "sku");
        assert!(id("sku", "").is_err());
        assert!(id("sku", &"x".repeat(65)).is_err());
    }

    #[test]
    fn a_store_needs_a_currency_stripe_charges_in() {
        let s = |currency: &str| PutStore {
            name: "Café".into(),
            address: String::new(),
            currency: currency.into(),
            rounding: Default::default(),
            tax_scope: Default::default(),
            tip_percents: vec![2000, 1000, 1500, 1000],
        };
        assert_eq!(store(s("JPY")).unwrap().currency, "jpy");
        assert_eq!(
            store(s("usd")).unwrap().tip_percents,
            [1000, 1500, 2000],
            "sorted, once each"
        );
        let too_big = PutStore {
            tip_percents: vec![0],
            ..s("usd")
        };
        assert_eq!(store(too_big).unwrap_err().field, "tip_percents");
        assert_eq!(store(s("xyz")).unwrap_err().field, "currency");
    }

    #[test]
    fn a_rate_above_100_percent_is_refused() {
        let t = |bp| PutTaxRate {
            name: "VAT".into(),
            basis_points: bp,
            inclusive: true,
        };
        assert!(tax_rate(t(10_000)).is_ok());
        assert_eq!(tax_rate(t(10_001)).unwrap_err().field, "basis_points");
    }
}
