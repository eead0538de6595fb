//! Card readers: the till asks its backend to collect a sale on a reader assigned to it, and follows the reader by
//! polling it (through the backend, which is also the fallback for a late webhook) until the tap's outcome is
//! known. The sale is paid, as ever, only by `payment_intent.succeeded` in the feed.

use kassa_api::{CartLine, ReaderInfo, ReaderPayment};
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::error::{Result, TillError};
use crate::{Order, Till};

impl Till {
    /// This till's readers, with their status now.
    pub async fn readers(&self) -> Result<Vec<ReaderInfo>> {
        self.backend.readers().await
    }

    /// Collects the sale's card part on the reader: the intent first (as for a typed card), then the reader shows
    /// the cart and waits for the card. Answers at once, with the reader's action in progress.
    pub async fn pay_on_reader(&self, order_id: &str, reader_id: &str) -> Result<ReaderInfo> {
        check_reader_id(reader_id)?;
        self.charge(order_id).await?;
        let order = self.order(order_id)?;
        // Each press of "Pay on reader" is one attempt: after a decline or a cancel the next one is new.
        let attempt: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        self.backend
            .reader_payment(
                order_id,
                &reader_cart(&order, reader_id),
                &format!("reader-{order_id}-{attempt}"),
            )
            .await
    }

    /// The reader as Stripe has it now; once its action ended, the backend brings the order up to date.
    pub async fn reader(&self, reader_id: &str) -> Result<ReaderInfo> {
        check_reader_id(reader_id)?;
        self.backend.reader(reader_id).await
    }

    /// Stops what the reader is doing; the sale stays open, to pay again or another way.
    pub async fn cancel_reader(&self, reader_id: &str) -> Result<ReaderInfo> {
        check_reader_id(reader_id)?;
        self.backend.cancel_reader(reader_id).await
    }

    /// Test mode: the customer's tap on a simulated reader (a test card's number, or Stripe's default Visa).
    pub async fn simulate_tap(
        &self,
        reader_id: &str,
        card_number: Option<&str>,
    ) -> Result<ReaderInfo> {
        check_reader_id(reader_id)?;
        self.backend.simulate_tap(reader_id, card_number).await
    }
}

fn check_reader_id(reader_id: &str) -> Result<()> {
    if kassa_api::is_valid_id(reader_id) {
        Ok(())
    } else {
        Err(TillError::Invalid {
            field: "reader_id",
            message: "reader_id is a reader's id as the backend lists it (tmr_…)".into(),
        })
    }
}

/// What the reader shows: the sale's lines and added tax when they are exactly what the card pays; otherwise (a
/// split with cash, a tip) one line for the card's part, which the backend makes from the order.
pub fn reader_cart(order: &Order, reader_id: &str) -> ReaderPayment {
    let lines_sum: i64 = order.lines.iter().map(|l| l.amount).sum();
    let extra = order.card_amount() - lines_sum;
    let whole_sale = order.cash.is_none() && order.tip == 0 && (extra == 0 || extra == order.tax);
    if !whole_sale {
        return ReaderPayment {
            reader_id: reader_id.to_owned(),
            cart: Vec::new(),
            tax: None,
        };
    }
    ReaderPayment {
        reader_id: reader_id.to_owned(),
        cart: order
            .lines
            .iter()
            .map(|l| CartLine {
                description: l.name.chars().take(100).collect(),
                quantity: l.quantity,
                amount: l.amount,
            })
            .collect(),
        tax: (extra > 0).then_some(extra),
    }
}
