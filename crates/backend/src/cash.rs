//! PUT /api/cash/{tender_id}: the cash a till took. A till sends each tender once its sale is paid, and again
//! after any doubt (a lost answer, a restart, an outage); the tender's own id makes that safe.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use kassa_api::{CashPage, CashRecord, CashTender};

use crate::auth::Caller;
use crate::db::cash::{self, Stored};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::payments::{check_id, check_order_id};
use crate::state::AppState;

pub async fn put(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(tender_id): Path<String>,
    JsonBody(tender): JsonBody<CashTender>,
) -> Result<Json<CashRecord>, ApiError> {
    check_id("tender_id", &tender_id)?;
    let tender = check(tender)?;
    let (terminal, now) = (caller.0.name.clone(), state.clock.now());
    let stored = state
        .db
        .write(move |c| cash::put(c, &tender_id, &terminal, &tender, now))
        .await?;
    match stored {
        Stored::Record(record) => Ok(Json(record)),
        Stored::Clash(message) => Err(ApiError::Conflict { message }),
    }
}

/// The most tenders one answer lists.
const LIST_LIMIT: usize = 1000;

pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<CashPage>, ApiError> {
    let scope = caller.scope().map(str::to_owned);
    let tenders = state
        .db
        .read(move |c| cash::list(c, scope.as_deref(), LIST_LIMIT))
        .await?;
    Ok(Json(CashPage { tenders }))
}

/// The tender by the rules of money: amounts in the currency's minor units (cash has no card minimum), the
/// change never negative, the cash never more than the sale.
fn check(mut t: CashTender) -> Result<CashTender, ApiError> {
    check_order_id(&t.order_id)?;
    crate::json::check_len("currency", &t.currency, 3)?;
    t.currency = t.currency.to_ascii_lowercase();
    let currency = kassa_stripe::currency::lookup(&t.currency).ok_or_else(|| {
        ApiError::invalid(
            "currency",
            format!(
                "currency {:?} is not one Kassa knows (use a code like usd, eur, jpy)",
                t.currency
            ),
        )
    })?;
    for (field, amount) in [
        ("amount", t.amount),
        ("given", t.given),
        ("sale_total", t.sale_total),
    ] {
        if !(1..=currency.maximum()).contains(&amount) {
            return Err(ApiError::invalid(
                field,
                format!(
                    "{field} must be between 1 and {} in minor units",
                    currency.maximum()
                ),
            ));
        }
        if currency.display_zero_decimal && amount % 100 != 0 {
            return Err(ApiError::invalid(
                field,
                format!("{field} must be whole units of {}", t.currency),
            ));
        }
    }
    if t.given < t.amount {
        return Err(ApiError::invalid(
            "given",
            format!(
                "given ({}) must be at least amount ({}): change is never negative",
                t.given, t.amount
            ),
        ));
    }
    if t.sale_total < t.amount {
        return Err(ApiError::invalid(
            "sale_total",
            format!(
                "sale_total ({}) must be at least the cash amount ({})",
                t.sale_total, t.amount
            ),
        ));
    }
    if !(0..=t.sale_total).contains(&t.sale_tax) {
        return Err(ApiError::invalid(
            "sale_tax",
            "sale_tax must be between 0 and sale_total",
        ));
    }
    if t.taken_at <= 0 {
        return Err(ApiError::invalid(
            "taken_at",
            "taken_at must be unix seconds",
        ));
    }
    Ok(t)
}
