//! The till API for payments: one PaymentIntent per order, whatever happens (retries, double clicks, restarts),
//! and the actions on it. Handlers validate, then talk to Stripe with idempotency keys derived from the order
//! (and, for the actions that move money, from the client's Idempotency-Key: see [`idempotency`]).
//!
//! Who may do what. A terminal token creates and sees its own orders, and cancels its own sale while nobody has
//! paid for it (the till abandons carts). Money that has moved, or is held, is an admin's: a refund and a capture
//! always need an admin token, and so does a cancel once Stripe says the intent is `processing`,
//! `requires_capture` or `succeeded`, or has any amount received or capturable (cancelling a `requires_capture`
//! intent hands the customer's authorized money back).

pub mod idempotency;

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use kassa_stripe::client::{
    CancelPaymentIntent, CapturePaymentIntent, CreatePaymentIntent, CreateRefund,
    UpdatePaymentIntent,
};
use kassa_stripe::{AutomaticPaymentMethods, CaptureMethod, PaymentIntentStatus, RequestOptions};
use serde::Deserialize;

use crate::auth::Caller;
use crate::db::events::{self, FeedItem};
use crate::db::orders::{self, Order};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::state::AppState;
pub use kassa_api::{IntentInfo, OrderView, OrderWithEvents, RefundAnswer};

type S = State<Arc<AppState>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentRequest {
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub capture_method: Option<String>,
}

/// Stripe's limit for a PaymentIntent's description.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

pub fn check_order_id(order_id: &str) -> Result<(), ApiError> {
    check_id("order_id", order_id)
}

/// An id a client chose (an order's, a cash tender's, a report's): 1 to 64 letters, digits, '-' or '_'.
pub fn check_id(field: &str, id: &str) -> Result<(), ApiError> {
    if kassa_api::is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("{field} must be 1 to 64 letters, digits, '-' or '_'"),
        ))
    }
}

/// Amount and currency by Stripe's rules, lowercasing the code as Stripe does.
pub fn check_money(amount: i64, currency: &str) -> Result<String, ApiError> {
    // Checked before it is quoted back in an error below. ISO codes are three letters.
    crate::json::check_len("currency", currency, 3)?;
    let code = currency.to_ascii_lowercase();
    let cur = kassa_stripe::currency::lookup(&code).ok_or_else(|| {
        ApiError::invalid(
            "currency",
            format!(
                "currency {currency:?} is not one Stripe supports (use a code like usd, eur, jpy)"
            ),
        )
    })?;
    cur.check_amount(amount)
        .map_err(|e| ApiError::invalid("amount", e.to_string()))?;
    Ok(code)
}

fn intent_params(order: &Order) -> CreatePaymentIntent {
    CreatePaymentIntent {
        amount: order.amount,
        currency: order.currency.clone(),
        description: order.description.clone(),
        metadata: [
            ("order_id".to_owned(), order.order_id.clone()),
            ("terminal".to_owned(), order.terminal.clone()),
        ]
        .into_iter()
        .collect(),
        capture_method: Some(CaptureMethod::from(order.capture_method.as_str())),
        // No redirect-based methods: the card is taken in a frame of the till, and a redirect would carry the
        // client secret in the frame's URL and leave the till waiting on a page that is gone.
        automatic_payment_methods: Some(AutomaticPaymentMethods {
            enabled: true,
            allow_redirects: Some("never".into()),
        }),
        ..Default::default()
    }
}

pub(crate) async fn visible_order(
    state: &AppState,
    caller: &Caller,
    order_id: &str,
) -> Result<Order, ApiError> {
    check_order_id(order_id)?;
    let id = order_id.to_owned();
    let order = state.db.read(move |c| orders::get(c, &id)).await?;
    // Another terminal's order is reported as absent, so ids reveal nothing.
    order
        .filter(|o| caller.may_see(&o.terminal))
        .ok_or_else(|| ApiError::UnknownOrder(order_id.to_owned()))
}

/// Fetches the intent from Stripe and records what it says, through the writer so the feed learns of changes.
pub(crate) async fn refresh(
    state: &AppState,
    payment_intent_id: &str,
) -> Result<kassa_stripe::PaymentIntent, ApiError> {
    Ok(crate::reconcile::refetch(state, payment_intent_id, false)
        .await?
        .0)
}

/// PUT /api/orders/{order_id}/intent: create the order's PaymentIntent, or return the one it already has.
pub async fn put_intent(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
    JsonBody(req): JsonBody<IntentRequest>,
) -> Result<Json<IntentInfo>, ApiError> {
    state
        .rate_limits
        .intent(&caller.0.name, state.clock.now())?;
    check_order_id(&order_id)?;
    let currency = check_money(req.amount, &req.currency)?;
    if let Some(method) = &req.capture_method {
        crate::json::check_len("capture_method", method, 16)?;
    }
    let capture_method = match req.capture_method.as_deref() {
        None | Some("automatic") => "automatic",
        Some("manual") => "manual",
        Some(other) => {
            return Err(ApiError::invalid(
                "capture_method",
                format!("capture_method must be automatic or manual, not {other:?}"),
            ))
        }
    };
    if let Some(description) = &req.description {
        crate::json::check_len("description", description, MAX_DESCRIPTION_CHARS)?;
    }
    let _guard = state.order_locks.lock(&state.db, &order_id).await?;
    let now = state.clock.now();
    let id = order_id.clone();
    let existing = state.db.read(move |c| orders::get(c, &id)).await?;
    let order = match existing {
        Some(o) if !caller.may_see(&o.terminal) => {
            return Err(ApiError::UnknownOrder(order_id.to_owned()))
        }
        Some(o) => o,
        None => {
            // The order is on disk before Stripe hears of it: a crash after Stripe answers is healed by the retry.
            let mut o = Order::new(kassa_api::Payment::awaiting_intent(
                &order_id,
                &caller.0.name,
                req.amount,
                &currency,
                capture_method,
                now,
            ));
            o.description = req.description.clone();
            let row = o.clone();
            state.db.write(move |c| orders::insert(c, &row)).await?;
            o
        }
    };
    let pi = match order.payment_intent_id.clone() {
        None => {
            // Created with the order's first recorded amount, so the key always carries the same parameters.
            let key = format!("kassa-order-{}-create", order.order_id);
            let pi = state
                .stripe
                .create_payment_intent(&intent_params(&order), RequestOptions::idempotent(key))
                .await?;
            let (id, pi_id) = (order.order_id.clone(), pi.id.clone());
            state
                .db
                .write(move |c| orders::set_intent(c, &id, &pi_id, now))
                .await?;
            pi
        }
        Some(pi_id) => refresh(&state, &pi_id).await?,
    };
    let mut pi = pi;
    if pi.amount != req.amount || pi.currency != currency {
        if !pi.status.before_payment() {
            return Err(ApiError::Conflict {
                message: format!(
                    "order {order_id} is already {}; its amount can no longer change (start a new order instead)",
                    pi.status
                ),
            });
        }
        let key = format!(
            "kassa-order-{order_id}-amount-{}-{currency}-{}",
            req.amount, pi.amount
        );
        let update = UpdatePaymentIntent {
            amount: Some(req.amount),
            currency: Some(currency.clone()),
            ..Default::default()
        };
        pi = state
            .stripe
            .update_payment_intent(&pi.id, &update, RequestOptions::idempotent(key))
            .await?;
        let (id, amount, cur) = (order.order_id.clone(), pi.amount, pi.currency.clone());
        state
            .db
            .write(move |c| orders::set_amount(c, &id, amount, &cur, now))
            .await?;
    }
    Ok(Json(IntentInfo {
        order_id,
        pay_page_url: String::new(),
        payment_intent_id: pi.id.clone(),
        client_secret: pi.client_secret.clone().ok_or_else(|| {
            ApiError::StripeUnavailable("Stripe returned no client_secret".into())
        })?,
        publishable_key: state.stripe_config.publishable_key.clone(),
        stripe_js_url: state.stripe_config.stripe_js_url(),
        status: pi.status.clone(),
        amount: pi.amount,
        currency: pi.currency,
    }))
}

/// GET /api/orders/{order_id}: the order with its intent fetched fresh from Stripe.
pub async fn get_order(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = visible_order(&state, &caller, &order_id).await?;
    if let Some(pi) = &order.payment_intent_id {
        refresh(&state, pi).await?;
    }
    let order = visible_order(&state, &caller, &order_id).await?;
    Ok(Json(OrderView {
        order: order.into(),
    }))
}

/// GET /api/orders/{order_id}/events: the order's stored events, oldest first, for the admin's timeline.
pub async fn order_events(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
) -> Result<Json<OrderWithEvents<Box<serde_json::value::RawValue>>>, ApiError> {
    let order = visible_order(&state, &caller, &order_id).await?;
    let items: Vec<FeedItem> = match order.payment_intent_id.clone() {
        Some(pi) => state.db.read(move |c| events::for_intent(c, &pi)).await?,
        None => Vec::new(),
    };
    Ok(Json(OrderWithEvents {
        order: order.into(),
        events: items,
    }))
}

/// Whether an intent, as Stripe reports it, holds or has moved money: then only an admin may cancel it. A status
/// Stripe adds later counts as paid.
fn money_held(pi: &kassa_stripe::PaymentIntent) -> bool {
    let unpaid = pi.status.before_payment() || pi.status == PaymentIntentStatus::Canceled;
    !unpaid || pi.amount_received > 0 || pi.amount_capturable > 0
}

/// POST /api/orders/{order_id}/cancel: cancels the intent (a sale abandoned at the till; see the module's rules for
/// a paid one). An Idempotency-Key is optional: without one, retries in the same state share a key.
pub async fn cancel(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<OrderView>, ApiError> {
    state.rate_limits.money(&caller.0.name, state.clock.now())?;
    check_order_id(&order_id)?;
    let client_key = idempotency::client_key(&headers)?;
    let _guard = state.order_locks.lock(&state.db, &order_id).await?;
    let mut order = visible_order(&state, &caller, &order_id).await?;
    match order.payment_intent_id.clone() {
        Some(pi) => {
            // Stripe's word, not our copy: the customer may have paid a moment ago.
            let fresh = refresh(&state, &pi).await?;
            if money_held(&fresh) {
                caller.require_admin(&format!(
                    "cancelling a payment that is {} needs an admin token (a terminal cancels only sales nobody \
                     has paid)",
                    fresh.status
                ))?;
            }
            // Already canceled (a retry whose first answer was lost, say) is the answer asked for, and Stripe
            // would refuse a second cancel.
            if fresh.status != PaymentIntentStatus::Canceled {
                // Without the client's key, the state it was asked in stands for it: a retry of a refused cancel
                // in the same state gets the same answer, and one after the state changed is a new request.
                let key = match client_key {
                    Some(k) => idempotency::derive(&caller.0.name, &order_id, "cancel", k),
                    None => idempotency::derive(
                        &caller.0.name,
                        &order_id,
                        "cancel-in-state",
                        fresh.status.as_str(),
                    ),
                };
                let params = CancelPaymentIntent {
                    cancellation_reason: Some("abandoned".into()),
                };
                state
                    .stripe
                    .cancel_payment_intent(&pi, &params, RequestOptions::idempotent(key))
                    .await?;
                refresh(&state, &pi).await?;
            }
        }
        None => {
            order.status = PaymentIntentStatus::Canceled;
            order.updated = state.clock.now();
            state.db.write(move |c| orders::save(c, &order)).await?;
        }
    }
    let order = visible_order(&state, &caller, &order_id).await?;
    Ok(Json(OrderView {
        order: order.into(),
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// POST /api/orders/{order_id}/refunds: a full or partial refund, by an admin token, with an Idempotency-Key
/// header (one per refund, the same on its retries) so a retried request cannot refund twice.
pub async fn refund(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<RefundRequest>,
) -> Result<Json<RefundAnswer>, ApiError> {
    caller.require_admin("refunds need an admin token")?;
    state.rate_limits.money(&caller.0.name, state.clock.now())?;
    check_order_id(&order_id)?;
    // Two requests for one order at once would reach Stripe together, where the second is refused with a conflict.
    let _guard = state.order_locks.lock(&state.db, &order_id).await?;
    let order = visible_order(&state, &caller, &order_id).await?;
    let pi = order
        .payment_intent_id
        .clone()
        .ok_or_else(|| ApiError::Conflict {
            message: format!("order {order_id} has no payment to refund"),
        })?;
    if let Some(amount) = req.amount {
        if amount <= 0 {
            return Err(ApiError::invalid(
                "amount",
                "amount must be a positive integer in the currency's smallest unit",
            ));
        }
    }
    if let Some(reason) = &req.reason {
        if !matches!(
            reason.as_str(),
            "duplicate" | "fraudulent" | "requested_by_customer"
        ) {
            return Err(ApiError::invalid(
                "reason",
                "reason must be duplicate, fraudulent or requested_by_customer",
            ));
        }
    }
    let client_key = idempotency::require(&headers, "a refund")?;
    let key = idempotency::derive(&caller.0.name, &order_id, "refund", client_key);
    let params = CreateRefund {
        payment_intent: Some(pi.clone()),
        amount: req.amount,
        reason: req.reason.clone(),
        ..Default::default()
    };
    let refund = state
        .stripe
        .create_refund(&params, RequestOptions::idempotent(key))
        .await?;
    refresh(&state, &pi).await?;
    let order = visible_order(&state, &caller, &order_id).await?;
    Ok(Json(RefundAnswer {
        refund,
        order: order.into(),
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CaptureRequest {
    #[serde(default)]
    pub amount: Option<i64>,
}

/// POST /api/orders/{order_id}/capture: captures a manual-capture intent, fully or in part, by an admin token,
/// with an Idempotency-Key header (one per capture, the same on its retries).
pub async fn capture(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CaptureRequest>,
) -> Result<Json<OrderView>, ApiError> {
    caller.require_admin("captures need an admin token")?;
    state.rate_limits.money(&caller.0.name, state.clock.now())?;
    check_order_id(&order_id)?;
    let _guard = state.order_locks.lock(&state.db, &order_id).await?;
    let order = visible_order(&state, &caller, &order_id).await?;
    let pi = order
        .payment_intent_id
        .clone()
        .ok_or_else(|| ApiError::Conflict {
            message: format!("order {order_id} has no payment to capture"),
        })?;
    if req.amount.is_some_and(|a| a <= 0) {
        return Err(ApiError::invalid(
            "amount",
            "amount must be a positive integer in the currency's smallest unit",
        ));
    }
    let client_key = idempotency::require(&headers, "a capture")?;
    let key = idempotency::derive(&caller.0.name, &order_id, "capture", client_key);
    state
        .stripe
        .capture_payment_intent(
            &pi,
            &CapturePaymentIntent {
                amount_to_capture: req.amount,
            },
            RequestOptions::idempotent(key),
        )
        .await?;
    refresh(&state, &pi).await?;
    let order = visible_order(&state, &caller, &order_id).await?;
    Ok(Json(OrderView {
        order: order.into(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    terminal: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    limit: Option<usize>,
    /// The `next` of the previous page.
    after: Option<String>,
}

fn list_filter(caller: &Caller, q: &ListQuery) -> Result<orders::Filter, ApiError> {
    let status = match q.status.as_deref().map(PaymentIntentStatus::from) {
        Some(PaymentIntentStatus::Other(_)) => {
            let known: Vec<&str> = PaymentIntentStatus::KNOWN
                .iter()
                .map(PaymentIntentStatus::as_str)
                .collect();
            return Err(ApiError::invalid(
                "status",
                format!("status must be one of {}", known.join(", ")),
            ));
        }
        status => status,
    };
    let terminal = match (caller.scope(), &q.terminal) {
        (Some(own), Some(asked)) if asked != own => {
            return Err(ApiError::invalid(
                "terminal",
                "a terminal token sees only its own orders",
            ))
        }
        (Some(own), _) => Some(own.to_owned()),
        (None, asked) => asked.clone(),
    };
    Ok(orders::Filter {
        status,
        terminal,
        from: q.from,
        to: q.to,
    })
}

/// GET /api/payments: the admin table, newest first, keyset-paginated.
pub async fn list(
    State(state): S,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<kassa_api::PaymentsPage>, ApiError> {
    let q: ListQuery = crate::query::parse(raw.as_deref())?;
    let filter = list_filter(&caller, &q)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "limit must be between 1 and 500",
        ));
    }
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(token) => {
            let (created, id) = token.split_once('.').ok_or_else(|| {
                ApiError::invalid("after", "after must be the `next` of an earlier page")
            })?;
            Some((
                created.parse().map_err(|_| {
                    ApiError::invalid("after", "after must be the `next` of an earlier page")
                })?,
                id.to_owned(),
            ))
        }
    };
    let page = state
        .db
        .read(move |c| orders::list(c, &filter, after, limit + 1))
        .await?;
    let has_more = page.len() > limit;
    let page: Vec<Order> = page.into_iter().take(limit).collect();
    let next = has_more
        .then(|| page.last().map(|o| format!("{}.{}", o.created, o.order_id)))
        .flatten();
    Ok(Json(kassa_api::PaymentsPage {
        payments: page.into_iter().map(Into::into).collect(),
        next,
    }))
}

/// GET /api/payments/totals: counts and sums by currency and status for the same filters.
pub async fn totals(
    State(state): S,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<kassa_api::Totals>, ApiError> {
    let q: ListQuery = crate::query::parse(raw.as_deref())?;
    let filter = list_filter(&caller, &q)?;
    let totals = state.db.read(move |c| orders::totals(c, &filter)).await?;
    Ok(Json(kassa_api::Totals { totals }))
}
