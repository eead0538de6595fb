//! A receipt as ESC/POS bytes, the language of receipt printers (Epson's, and the many that copy it): plain
//! text in a fixed number of columns, a few commands for emphasis, the paper cut and the cash drawer.

use crate::Receipt;

/// ESC @: reset the printer to its defaults (clears any half-sent state from an earlier job).
pub const INITIALIZE: [u8; 2] = [0x1b, 0x40];
/// ESC t 19: code page 858 (Latin-1 with the euro sign), which the text is encoded in.
pub const CODE_PAGE_858: [u8; 3] = [0x1b, 0x74, 19];
/// GS V 66 0: feed to the cutter and cut, leaving a hinge (partial cut).
pub const CUT: [u8; 4] = [0x1d, 0x56, 0x42, 0x00];
/// ESC p 0 25 250: a pulse on drawer pin 2 (on 50 ms, off 500 ms), which opens the cash drawer.
pub const DRAWER_KICK: [u8; 5] = [0x1b, 0x70, 0x00, 0x19, 0xfa];
const ALIGN_LEFT: [u8; 3] = [0x1b, 0x61, 0];
const ALIGN_CENTER: [u8; 3] = [0x1b, 0x61, 1];
const BOLD_ON: [u8; 3] = [0x1b, 0x45, 1];
const BOLD_OFF: [u8; 3] = [0x1b, 0x45, 0];
/// GS ! n: character size; 0x11 doubles width and height, 0x01 doubles height.
const SIZE_DOUBLE: [u8; 3] = [0x1d, 0x21, 0x11];
const SIZE_TALL: [u8; 3] = [0x1d, 0x21, 0x01];
const SIZE_NORMAL: [u8; 3] = [0x1d, 0x21, 0x00];
/// ESC d 3: feed three lines, so the last text clears the cutter.
const FEED: [u8; 3] = [0x1b, 0x64, 3];

/// How a receipt is laid out: the paper's width in characters (42 for 80 mm paper in font A, 32 for 58 mm),
/// and the time zone's rendering of the payment time.
#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: usize,
    /// The payment time as printed, already in the shop's time zone.
    pub paid_at: String,
}

/// The receipt's bytes. `kick` opens the cash drawer after the cut: for sales with cash only.
pub fn render(receipt: &Receipt, layout: &Layout, kick: bool) -> Vec<u8> {
    let w = layout.columns;
    let money = |amount: i64| format_money(amount, &receipt.currency);
    let mut out = Doc::default();
    out.raw(&INITIALIZE);
    out.raw(&CODE_PAGE_858);

    out.raw(&ALIGN_CENTER);
    let name = if receipt.store_name.is_empty() {
        "Kassa"
    } else {
        &receipt.store_name
    };
    out.raw(&SIZE_DOUBLE);
    // Double width halves the columns.
    for line in wrap(name, w / 2) {
        out.line(&line);
    }
    out.raw(&SIZE_NORMAL);
    for line in receipt
        .store_address
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        for part in wrap(line.trim(), w) {
            out.line(&part);
        }
    }
    out.raw(&ALIGN_LEFT);
    out.line("");
    out.line(&columns(
        &layout.paid_at,
        &format!("Till {}", receipt.terminal),
        w,
    ));
    out.line(&columns("Order", &receipt.order_id, w));
    out.line(&"-".repeat(w));

    for l in &receipt.lines {
        out.line(&columns(&l.name, &money(l.amount), w));
        if l.quantity > 1 {
            out.line(&format!("  {} x {}", l.quantity, money(l.unit_amount)));
        }
    }
    out.line(&"-".repeat(w));

    let exclusive = receipt.taxes.iter().any(|t| !t.inclusive);
    if exclusive {
        let net: i64 = receipt.lines.iter().map(|l| l.amount).sum();
        out.line(&columns("Subtotal", &money(net), w));
    }
    for t in &receipt.taxes {
        let label = if t.inclusive {
            format!("{} incl. on {}", t.name, money(t.net))
        } else {
            format!("{} on {}", t.name, money(t.net))
        };
        out.line(&columns(&label, &money(t.tax), w));
    }
    out.raw(&BOLD_ON);
    out.raw(&SIZE_TALL);
    out.line(&columns("TOTAL", &money(receipt.total), w));
    out.raw(&SIZE_NORMAL);
    out.raw(&BOLD_OFF);
    if receipt.tip > 0 {
        out.line(&columns("Tip", &money(receipt.tip), w));
        out.line(&columns("Paid", &money(receipt.total + receipt.tip), w));
    }
    out.line("");

    if let Some(cash) = &receipt.cash {
        out.line(&columns("Cash", &money(cash.given), w));
        if cash.change > 0 {
            out.raw(&BOLD_ON);
            out.line(&columns("Change", &money(cash.change), w));
            out.raw(&BOLD_OFF);
        }
    }
    if receipt.card_amount > 0 {
        let card = match (&receipt.card_brand, &receipt.card_last4) {
            (Some(brand), Some(last4)) => format!("{} **** {last4}", title(brand)),
            (Some(brand), None) => title(brand),
            _ => "Card".to_owned(),
        };
        out.line(&columns(&card, &money(receipt.card_amount), w));
        if let Some(how) = read_method_words(receipt.card_read_method.as_deref()) {
            out.line(how);
        }
    }
    out.line("");
    out.raw(&ALIGN_CENTER);
    out.line("Thank you!");
    out.raw(&ALIGN_LEFT);
    out.raw(&FEED);
    out.raw(&CUT);
    if kick {
        out.raw(&DRAWER_KICK);
    }
    out.0
}

#[derive(Default)]
struct Doc(Vec<u8>);

impl Doc {
    fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// A line of text in code page 858; what it cannot show becomes '?', and control characters are dropped
    /// so a product name can never smuggle a printer command in.
    fn line(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.0.extend(oem_cp::encode_string_lossy(
            &clean,
            &oem_cp::code_table::ENCODING_TABLE_CP858,
        ));
        self.0.push(b'\n');
    }
}

/// `left` and `right` on one line of `width` columns; a left side too long is cut short with '~'.
pub fn columns(left: &str, right: &str, width: usize) -> String {
    let right_len = right.chars().count();
    let room = width.saturating_sub(right_len + 1);
    let mut left: String = left.chars().collect();
    if left.chars().count() > room {
        left = left
            .chars()
            .take(room.saturating_sub(1))
            .collect::<String>()
            .trim_end()
            .to_owned()
            + "~";
    }
    let pad = width
        .saturating_sub(left.chars().count() + right_len)
        .max(1);
    format!("{left}{}{right}", " ".repeat(pad))
}

/// Words on lines of at most `width` characters (a word longer than that is split).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        if current.is_empty() {
            current = word;
        } else if current.chars().count() + 1 + word.chars().count() <= width {
            current.push(' ');
            current.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut current, word));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn title(brand: &str) -> String {
    match brand {
        "amex" => "Amex".to_owned(),
        "mastercard" => "Mastercard".to_owned(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// An amount as a receipt shows it: the currency's symbol where it has a well-known one, else its code.
pub fn format_money(amount: i64, currency: &str) -> String {
    let digits = kassa_stripe::currency::lookup(currency)
        .map(|c| c.format_minor(amount.abs()))
        .unwrap_or_else(|| amount.abs().to_string());
    let sign = if amount < 0 { "-" } else { "" };
    match currency {
        "usd" | "cad" | "aud" | "nzd" | "sgd" | "hkd" | "mxn" => format!("{sign}${digits}"),
        "eur" => format!("{sign}€{digits}"),
        "gbp" => format!("{sign}£{digits}"),
        "jpy" => format!("{sign}¥{digits}"),
        other => format!("{sign}{} {digits}", other.to_uppercase()),
    }
}

/// How a reader read the card, as a receipt says it (a card-present sale); none for a typed card.
pub fn read_method_words(read_method: Option<&str>) -> Option<&'static str> {
    match read_method? {
        "contactless_emv" | "contactless_magstripe_mode" => Some("Contactless"),
        "contact_emv" => Some("Chip"),
        "magnetic_stripe_track2" | "magnetic_stripe_fallback" => Some("Swiped"),
        _ => Some("Card present"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::orders::Line;
    use crate::store::tenders::CashPart;

    fn receipt() -> Receipt {
        Receipt {
            order_id: "ord_1".into(),
            lines: vec![
                Line {
                    id: 1,
                    sku: Some("espresso".into()),
                    name: "Espresso".into(),
                    unit_amount: 250,
                    quantity: 2,
                    amount: 500,
                },
                Line {
                    id: 2,
                    sku: Some("cafe".into()),
                    name: "Café crème\u{1b}@".into(),
                    unit_amount: 340,
                    quantity: 1,
                    amount: 340,
                },
            ],
            total: 840,
            tax: 55,
            taxes: vec![crate::tax::RateTotal {
                id: "vat".into(),
                name: "VAT 7%".into(),
                basis_points: 700,
                inclusive: true,
                net: 785,
                tax: 55,
            }],
            currency: "eur".into(),
            store_name: "Café Kassa".into(),
            store_address: "1 Quay St\nCork".into(),
            card_amount: 0,
            tip: 0,
            cash: Some(CashPart {
                tender_id: "cash_1".into(),
                amount: 840,
                given: 1000,
                change: 160,
                taken_at: 0,
            }),
            card_brand: None,
            card_last4: None,
            card_read_method: None,
            payment_intent_id: None,
            paid_at: 0,
            terminal: "till-1".into(),
        }
    }

    fn layout() -> Layout {
        Layout {
            columns: 32,
            paid_at: "2026-12-05 18:20".into(),
        }
    }

    fn text(bytes: &[u8]) -> String {
        oem_cp::decode_string_complete_table(bytes, &oem_cp::code_table::DECODING_TABLE_CP858)
    }

    #[test]
    fn a_cash_receipt_initialises_prints_the_sale_cuts_and_opens_the_drawer() {
        let bytes = render(&receipt(), &layout(), true);
        assert!(bytes.starts_with(&[INITIALIZE.as_slice(), &CODE_PAGE_858].concat()));
        assert!(bytes.ends_with(&[CUT.as_slice(), &DRAWER_KICK].concat()));
        let text = text(&bytes);
        for want in [
            "Café Kassa",
            "1 Quay St",
            "Espresso                   €5.00",
            "  2 x €2.50",
            "VAT 7% incl. on €7.85      €0.55",
            "TOTAL                      €8.40",
            "Cash                      €10.00",
            "Change                     €1.60",
        ] {
            assert!(text.contains(want), "{want:?} in:\n{text}");
        }
        assert!(!text.contains("Subtotal"), "prices include the tax");
    }

    #[test]
    fn a_tip_is_printed_apart_from_the_sale_and_the_card_pays_both() {
        let mut r = receipt();
        r.cash = None;
        (r.card_amount, r.tip) = (966, 126);
        (r.card_brand, r.card_last4) = (Some("visa".into()), Some("4242".into()));
        let text = text(&render(&r, &layout(), false));
        for want in [
            "TOTAL                      €8.40",
            "Tip                        €1.26",
            "Paid                       €9.66",
            "Visa **** 4242             €9.66",
        ] {
            assert!(text.contains(want), "{want:?} in:\n{text}");
        }
    }

    #[test]
    fn a_card_receipt_does_not_open_the_drawer_and_names_the_card() {
        let mut r = receipt();
        r.cash = None;
        r.card_amount = 840;
        (r.card_brand, r.card_last4) = (Some("visa".into()), Some("4242".into()));
        let bytes = render(&r, &layout(), false);
        assert!(bytes.ends_with(&CUT));
        assert!(!bytes.windows(DRAWER_KICK.len()).any(|w| w == DRAWER_KICK));
        assert!(text(&bytes).contains("Visa **** 4242             €8.40"));
        assert!(!text(&bytes).contains("Contactless"), "a typed card");
    }

    #[test]
    fn a_card_read_by_a_reader_says_how() {
        let mut r = receipt();
        r.cash = None;
        r.card_amount = 840;
        (r.card_brand, r.card_last4) = (Some("visa".into()), Some("4242".into()));
        r.card_read_method = Some("contactless_emv".into());
        let printed = text(&render(&r, &layout(), false));
        assert!(
            printed.contains("Visa **** 4242             €8.40\nContactless"),
            "{printed}"
        );
        r.card_read_method = Some("contact_emv".into());
        assert!(text(&render(&r, &layout(), false)).contains("Chip"));
    }

    #[test]
    fn text_cannot_carry_printer_commands_and_long_names_are_cut_to_the_paper() {
        let bytes = render(&receipt(), &layout(), false);
        // The product's ESC @ was dropped: the only ESC @ is the first.
        let escs = bytes.windows(2).filter(|w| *w == INITIALIZE).count();
        assert_eq!(escs, 1);
        assert_eq!(
            columns("A very long product name indeed", "€12.00", 20),
            "A very long~  €12.00"
        );
        assert_eq!(
            columns("A very long product name indeed", "€12.00", 20)
                .chars()
                .count(),
            20
        );
    }

    #[test]
    fn zero_decimal_and_unknown_currencies_print_their_own_way() {
        assert_eq!(format_money(1280, "jpy"), "¥1280");
        assert_eq!(format_money(1999, "usd"), "$19.99");
        assert_eq!(format_money(1999, "sek"), "SEK 19.99");
    }
}
