//! Tips on card payments: the customer picks one of the store's choices (a percentage of what the card pays
//! toward the sale), and the card intent is for the sale's part plus the tip. A tip is not part of the sale:
//! not taxed, not in the sale's total, counted apart in the shift's report.

use crate::error::{Result, TillError};
use crate::store::orders;
use crate::{Order, Till};

/// `basis_points` of `amount`, half up: 15% of 3.49 is 0.5235, so 0.52.
pub fn tip_of(amount: i64, basis_points: u32) -> i64 {
    (i128::from(amount) * i128::from(basis_points) * 2 + 10_000).div_euclid(20_000) as i64
}

impl Till {
    /// Sets the sale's tip to one of the store's choices (`basis_points`), or none (0), before the card pays.
    pub async fn set_tip(&self, order_id: &str, basis_points: u32) -> Result<Order> {
        let order = self.order(order_id)?;
        if order.status.is_final() || order.payment_status.is_some_and(|s| !s.before_payment()) {
            return Err(TillError::Conflict(format!(
                "order {order_id} is past the point where a tip can change"
            )));
        }
        let choices = crate::store::catalog::store(&self.store.conn())?
            .map(|s| s.tip_percents)
            .unwrap_or_default();
        if basis_points != 0 && !choices.contains(&basis_points) {
            return Err(TillError::Invalid {
                field: "basis_points",
                message: format!(
                    "a tip of {basis_points} basis points is not one of the store's choices {choices:?}"
                ),
            });
        }
        let tip = tip_of(order.due, basis_points);
        let (id, now) = (order_id.to_owned(), self.now());
        let order = self
            .with_db(move |c| {
                orders::set_tip(c, &id, tip, now)?;
                orders::get(c, &id)
            })
            .await?;
        self.notifier.order_changed(&order);
        Ok(order)
    }
}

#[cfg(test)]
mod tests {
    use super::tip_of;

    #[test]
    fn tips_round_half_up_in_minor_units() {
        assert_eq!(tip_of(349, 1500), 52);
        assert_eq!(tip_of(1000, 1500), 150);
        assert_eq!(tip_of(10, 1500), 2, "1.5 rounds up");
        assert_eq!(tip_of(1280, 1000), 128, "zero-decimal amounts too");
        assert_eq!(tip_of(0, 2000), 0);
    }
}
