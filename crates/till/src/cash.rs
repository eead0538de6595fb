//! Cash at the till: a sale paid in cash, or split into a cash part and a card part for the rest. The cash is
//! recorded here first (the drawer is here, and the backend may be down), then sent to the backend from a
//! durable queue, exactly once: each tender carries its own id, and the backend stores a repeat once.

use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::error::{Result, TillError};
use crate::status::OrderStatus;
use crate::store::{orders, tenders};
use crate::{Order, Till};

/// How many queued tenders one pass sends.
const SEND_BATCH: usize = 50;

impl Till {
    /// The customer hands over `given` (minor units). If it covers what is due, the sale is paid and the
    /// change is the rest; if not, it is the cash part of a split, and the card is charged only what is left.
    pub async fn pay_cash(&self, order_id: &str, given: i64) -> Result<Order> {
        let order = self.order(order_id)?;
        if order.lines.is_empty() {
            return Err(TillError::Invalid {
                field: "order",
                message: "add an item before taking payment".into(),
            });
        }
        if order.status.is_final() {
            return Err(TillError::Conflict(format!(
                "order {order_id} is already {}",
                order.status
            )));
        }
        if let Some(cash) = &order.cash {
            return Err(TillError::Conflict(format!(
                "cash was already taken for order {order_id} ({} given); the rest is paid by card",
                cash.given
            )));
        }
        if order.payment_status.is_some_and(|s| !s.before_payment()) {
            return Err(TillError::Conflict(format!(
                "a card payment for order {order_id} is under way; wait for it, or cancel it first"
            )));
        }
        let currency =
            kassa_stripe::currency::lookup(&order.currency).ok_or_else(|| TillError::Invalid {
                field: "currency",
                message: format!("the order's currency {:?} is unknown", order.currency),
            })?;
        if given < 1 || given > currency.maximum() {
            return Err(TillError::Invalid {
                field: "given",
                message: format!(
                    "the cash given must be between 1 and {} in minor units",
                    currency.maximum()
                ),
            });
        }
        if currency.display_zero_decimal && given % 100 != 0 {
            return Err(TillError::Invalid {
                field: "given",
                message: "the cash given must be whole units in this currency".into(),
            });
        }
        let pays_in_full = given >= order.due;
        if !pays_in_full {
            if let Some(minimum) = currency.minimum {
                if order.due - given < minimum {
                    return Err(TillError::Invalid {
                        field: "given",
                        message: format!(
                            "the card would pay {} of {}, less than the smallest card payment ({minimum}); \
                             take all of it in cash, or less cash",
                            order.due - given,
                            order.currency
                        ),
                    });
                }
            }
        }
        if pays_in_full && order.payment_intent_id.is_some() {
            // A card payment was started and not finished: Stripe must not be able to take it as well.
            self.backend.cancel(order_id, None).await.map_err(|e| match e {
                TillError::Offline(why) => TillError::Offline(format!(
                    "the card payment started for this sale must be canceled before it is paid in cash: {why}"
                )),
                other => other,
            })?;
        }
        let amount = given.min(order.due);
        let tender_id = format!(
            "cash_{}",
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect::<String>()
        );
        let (id, now) = (order_id.to_owned(), self.now());
        let order = self
            .with_db(move |c| {
                tenders::take_cash(c, &id, &tender_id, amount, given, pays_in_full, now)?;
                orders::get(c, &id)
            })
            .await?;
        self.notifier.order_changed(&order);
        if order.status == OrderStatus::Paid {
            self.cash_waiting.notify_one();
        }
        Ok(order)
    }

    /// Sends the cash of paid sales that the backend has not stored yet, oldest first. Stops at the first
    /// outage (the next pass resumes); a tender the backend refuses for good is kept, marked, and passed over.
    pub async fn send_cash(&self) -> Result<usize> {
        let mut sent = 0;
        loop {
            let batch = self.with_db(|c| tenders::unsent(c, SEND_BATCH)).await?;
            if batch.is_empty() {
                return Ok(sent);
            }
            for order_id in batch {
                let order = self.order(&order_id)?;
                let Some(cash) = order.cash.clone() else {
                    continue;
                };
                let tender = kassa_api::CashTender {
                    order_id: order.id.clone(),
                    amount: cash.amount,
                    given: cash.given,
                    currency: order.currency.clone(),
                    sale_total: order.total,
                    sale_tax: order.tax,
                    taken_at: cash.taken_at,
                };
                let (id, now) = (cash.tender_id.clone(), self.now());
                match self.backend.put_cash(&cash.tender_id, &tender).await {
                    Ok(_) => {
                        self.with_db(move |c| tenders::mark_sent(c, &id, now))
                            .await?;
                        sent += 1;
                    }
                    Err(e) if e.is_refusal() => {
                        tracing::error!(tender = %cash.tender_id, order = %order.id, "the backend refused a cash tender: {e}");
                        let why = e.to_string();
                        self.with_db(move |c| tenders::mark_refused(c, &id, &why))
                            .await?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// How many cash tenders of paid sales still wait to reach the backend.
    pub fn cash_queued(&self) -> Result<i64> {
        tenders::unsent_count(&self.store.conn())
    }
}
