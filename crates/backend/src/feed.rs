//! GET /api/events?after=CURSOR&wait=SECONDS: the tills' feed. It answers as soon as an event past the cursor is
//! stored (the intake wakes it through a watch channel, never a sleep loop), or after `wait` seconds with none.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Deserialize;

use crate::auth::Caller;
use crate::db::events;
use crate::error::ApiError;
use crate::state::AppState;

/// Long enough to spare round trips, short enough for proxies that cut idle connections at a minute.
pub const MAX_WAIT_SECS: u64 = 30;
const MAX_LIMIT: usize = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    wait: u64,
    #[serde(default)]
    limit: Option<usize>,
}

pub type FeedPage = kassa_api::FeedPage<Box<serde_json::value::RawValue>>;

pub async fn events(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<FeedPage>, ApiError> {
    let q: FeedQuery = crate::query::parse(raw.as_deref())?;
    if q.after < 0 {
        return Err(ApiError::invalid(
            "after",
            "after must be a cursor from an earlier answer, or 0 to start from the beginning",
        ));
    }
    if q.wait > MAX_WAIT_SECS {
        return Err(ApiError::invalid(
            "wait",
            format!("wait must be at most {MAX_WAIT_SECS} seconds"),
        ));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(q.wait);
    // Subscribe before reading, so an event stored between the read and the wait still wakes us.
    let mut wake = state.feed.clone();
    let scope = caller.scope().map(str::to_owned);
    loop {
        // Committed events past this cursor may not be on disk yet; they are served once they are.
        let durable = *wake.borrow_and_update();
        let (after, scope2) = (q.after, scope.clone());
        let items = state
            .db
            .read(move |conn| events::feed(conn, after, durable, scope2.as_deref(), limit))
            .await?;
        if !items.is_empty() {
            let next_cursor = items.last().map_or(q.after, |i| i.cursor);
            return Ok(Json(FeedPage {
                events: items,
                next_cursor,
            }));
        }
        match tokio::time::timeout_at(deadline, wake.changed()).await {
            Ok(Ok(())) => continue,
            _ => {
                return Ok(Json(FeedPage {
                    events: Vec::new(),
                    next_cursor: q.after,
                }))
            }
        }
    }
}
