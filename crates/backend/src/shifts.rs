//! Z reports: `PUT /api/shift-reports/{report_id}` from the till that closed the shift, and
//! `GET /api/shift-reports` for the admin's list (a terminal sees its own).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use kassa_api::{ShiftReport, ShiftReportsPage, StoredShiftReport};

use crate::auth::Caller;
use crate::db::cash::Stored;
use crate::db::shifts;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::payments::check_id;
use crate::state::AppState;

const LIST_LIMIT: usize = 1000;

pub async fn put(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(report_id): Path<String>,
    JsonBody(report): JsonBody<ShiftReport>,
) -> Result<Json<StoredShiftReport>, ApiError> {
    check_id("report_id", &report_id)?;
    check(&caller, &report)?;
    let now = state.clock.now();
    let stored = state
        .db
        .write(move |c| shifts::put(c, &report_id, &report, now))
        .await?;
    match stored {
        Stored::Record(r) => Ok(Json(r)),
        Stored::Clash(message) => Err(ApiError::Conflict { message }),
    }
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<ShiftReportsPage>, ApiError> {
    let scope = caller.scope().map(str::to_owned);
    let reports = state
        .db
        .read(move |c| shifts::list(c, scope.as_deref(), LIST_LIMIT))
        .await?;
    Ok(Json(ShiftReportsPage { reports }))
}

/// A Z report is the caller's own, closed, and adds up.
fn check(caller: &Caller, r: &ShiftReport) -> Result<(), ApiError> {
    // A till sends its own; an admin token may send any till's (the demo's sidecar, or a till that runs with
    // one), under the name the till gives itself.
    if r.terminal != caller.0.name && !caller.0.admin {
        return Err(ApiError::invalid(
            "terminal",
            format!(
                "a till sends its own shift reports: this token is {:?}, not {:?}",
                caller.0.name, r.terminal
            ),
        ));
    }
    if r.number < 1 {
        return Err(ApiError::invalid("number", "number must be 1 or more"));
    }
    crate::json::check_len("currency", &r.currency, 3)?;
    if kassa_stripe::currency::lookup(&r.currency).is_none() {
        return Err(ApiError::invalid(
            "currency",
            format!("currency {:?} is not one Kassa knows", r.currency),
        ));
    }
    let Some(closed_at) = r.closed_at else {
        return Err(ApiError::invalid(
            "closed_at",
            "only a closed shift's (Z) report is stored: closed_at is missing",
        ));
    };
    if closed_at < r.opened_at {
        return Err(ApiError::invalid(
            "closed_at",
            "closed_at must not be before opened_at",
        ));
    }
    let (Some(counted), Some(difference)) = (r.counted_cash, r.difference) else {
        return Err(ApiError::invalid(
            "counted_cash",
            "a Z report carries the counted cash and its difference",
        ));
    };
    if counted - r.expected_cash != difference {
        return Err(ApiError::invalid(
            "difference",
            format!(
                "difference must be counted_cash − expected_cash ({})",
                counted - r.expected_cash
            ),
        ));
    }
    let tendered: i64 = r.tenders.iter().map(|t| t.amount).sum();
    if tendered != r.gross {
        return Err(ApiError::invalid(
            "tenders",
            format!(
                "the tenders ({tendered}) must add up to gross ({})",
                r.gross
            ),
        ));
    }
    if r.tenders.len() > 16 || r.taxes.len() > 256 {
        return Err(ApiError::invalid("taxes", "too many tender or tax lines"));
    }
    Ok(())
}
