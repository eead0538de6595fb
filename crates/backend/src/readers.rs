//! Card readers, server-driven (Stripe Terminal): an admin registers a reader and assigns it to a till; the till
//! asks for an order's payment on it; Stripe tells the result by webhook (`terminal.reader.action_*`, routed to the
//! order's till by the intent the action names), and a poll of the reader is the fallback when a webhook is late.
//! Fulfilment is unchanged: only `payment_intent.succeeded`, once.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use kassa_api::{
    CartLine, PutReader, ReaderActivity, ReaderInfo, ReaderPayment, ReadersPage, RegisterReader,
    SimulateTap,
};
use kassa_stripe::client::{
    CapturePaymentIntent, CreateLocation, LocationAddress, PresentPaymentMethod, PresentedCard,
    ProcessPaymentIntent, ReaderCart, ReaderLineItem, SetReaderDisplay, UpdatePaymentIntent,
};
use kassa_stripe::{PaymentIntentStatus, ReaderActionStatus, RequestOptions};

use crate::auth::Caller;
use crate::db::orders;
use crate::db::readers::{self, Reader};
use crate::error::ApiError;
use crate::json::{check_len, JsonBody};
use crate::payments::idempotency;
use crate::state::AppState;

type S = State<Arc<AppState>>;

/// The most cart lines a reader is shown; a longer sale shows its first lines and the total.
const MAX_CART_LINES: usize = 100;

/// GET /api/readers: an admin's every reader, a till's own, each with what Stripe says of it now.
pub async fn list(State(state): S, caller: Caller) -> Result<Json<ReadersPage>, ApiError> {
    let scope = caller.scope().map(str::to_owned);
    let rows = state
        .db
        .read(move |c| readers::list(c, scope.as_deref()))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // One reader Stripe cannot tell of still lists, as unknown.
        let live = state.stripe.retrieve_reader(&row.reader_id).await.ok();
        out.push(info(&state, &row, live.as_ref()));
    }
    Ok(Json(ReadersPage { readers: out }))
}

/// POST /api/readers (admin): registers a reader at Stripe with the code it shows, at the shop's location.
pub async fn register(
    State(state): S,
    caller: Caller,
    JsonBody(req): JsonBody<RegisterReader>,
) -> Result<Json<ReaderInfo>, ApiError> {
    caller.require_admin("registering a card reader needs an admin token")?;
    check_len("registration_code", &req.registration_code, 64)?;
    if req.registration_code.trim().is_empty() {
        return Err(ApiError::invalid(
            "registration_code",
            "registration_code is the code the reader shows (simulated-wpe for Stripe's simulated reader)",
        ));
    }
    check_label(&req.label)?;
    let terminal = check_terminal(req.terminal.as_deref())?;
    let code = req.registration_code.trim();
    // A registration code is used once: the same code sent again is the same registration.
    let key = format!("kassa-reader-register-{code}");
    let info = register_and_keep(&state, code, req.label.trim(), terminal, key).await?;
    Ok(Json(info))
}

/// Registers a reader at Stripe, at the shop's location, and keeps who may use it.
async fn register_and_keep(
    state: &AppState,
    registration_code: &str,
    label: &str,
    terminal: Option<String>,
    idempotency_key: String,
) -> Result<ReaderInfo, ApiError> {
    let params = kassa_stripe::client::RegisterReader {
        registration_code: registration_code.to_owned(),
        label: label.to_owned(),
        location: location(state).await?,
    };
    let reader = state
        .stripe
        .register_reader(&params, RequestOptions::idempotent(idempotency_key))
        .await?;
    let row = Reader {
        reader_id: reader.id.clone(),
        label: reader.label.clone(),
        terminal,
        device_type: reader.device_type.clone(),
        registered: state.clock.now(),
    };
    let stored = row.clone();
    state.db.write(move |c| readers::upsert(c, &stored)).await?;
    Ok(info(state, &row, Some(&reader)))
}

/// PUT /api/readers/{reader_id} (admin): renames a reader and assigns it to a till (or to none).
pub async fn put(
    State(state): S,
    caller: Caller,
    Path(reader_id): Path<String>,
    JsonBody(req): JsonBody<PutReader>,
) -> Result<Json<ReaderInfo>, ApiError> {
    caller.require_admin("assigning a card reader needs an admin token")?;
    check_label(&req.label)?;
    let terminal = check_terminal(req.terminal.as_deref())?;
    let mut row = known(&state, &caller, &reader_id).await?;
    row.label = req.label.trim().to_owned();
    row.terminal = terminal;
    let stored = row.clone();
    state.db.write(move |c| readers::upsert(c, &stored)).await?;
    let live = state.stripe.retrieve_reader(&reader_id).await.ok();
    Ok(Json(info(&state, &row, live.as_ref())))
}

/// GET /api/readers/{reader_id}: the reader as Stripe has it now. This is also the fallback for a late webhook:
/// when its action has ended, the intent it was for is fetched, so the order (and its till's feed) catch up.
pub async fn get(
    State(state): S,
    caller: Caller,
    Path(reader_id): Path<String>,
) -> Result<Json<ReaderInfo>, ApiError> {
    let row = known(&state, &caller, &reader_id).await?;
    let live = state.stripe.retrieve_reader(&reader_id).await?;
    if let Some(action) = &live.action {
        if action.status != ReaderActionStatus::InProgress {
            if let Some(pi) = action.payment_intent() {
                catch_up(&state, pi).await?;
            }
        }
    }
    Ok(Json(info(&state, &row, Some(&live))))
}

/// POST /api/orders/{order_id}/reader-payment: shows the cart on the reader and asks it to collect the order's
/// payment. It answers at once, with the reader's action in progress; the tap's outcome comes by the feed.
pub async fn pay(
    State(state): S,
    caller: Caller,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<ReaderPayment>,
) -> Result<Json<ReaderInfo>, ApiError> {
    state
        .rate_limits
        .intent(&caller.0.name, state.clock.now())?;
    crate::payments::check_order_id(&order_id)?;
    let client_key = idempotency::client_key(&headers)?;
    let row = known(&state, &caller, &req.reader_id).await?;
    let _guard = state.order_locks.lock(&state.db, &order_id).await?;
    let order = crate::payments::visible_order(&state, &caller, &order_id).await?;
    let Some(pi_id) = order.payment_intent_id.clone() else {
        return Err(ApiError::Conflict {
            message: format!(
                "order {order_id} has no PaymentIntent yet: PUT /api/orders/{order_id}/intent first"
            ),
        });
    };
    let cart = cart(&req, &order)?;
    let pi = crate::payments::refresh(&state, &pi_id).await?;
    if !pi.status.before_payment() {
        return Err(ApiError::Conflict {
            message: format!(
                "order {order_id} is {}: there is nothing left to collect on a reader",
                pi.status
            ),
        });
    }
    if !pi.payment_method_types.iter().any(|t| t == "card_present") {
        // The Payment Element keeps taking typed cards: both types stay listed.
        let update = UpdatePaymentIntent {
            payment_method_types: vec!["card".into(), "card_present".into()],
            ..Default::default()
        };
        let key = format!("kassa-order-{order_id}-card-present");
        state
            .stripe
            .update_payment_intent(&pi_id, &update, RequestOptions::idempotent(key))
            .await
            .map_err(|e| reader_error(&row, e))?;
    }
    state
        .stripe
        .set_reader_display(&row.reader_id, &cart, RequestOptions::default())
        .await
        .map_err(|e| reader_error(&row, e))?;
    // The till's key makes a retried tap of "Pay on reader" one request; without one, a retry in the same state
    // of the intent (the same failed attempt, or none) is.
    let key = match client_key {
        Some(k) => idempotency::derive(&caller.0.name, &order_id, "reader-payment", k),
        None => idempotency::derive(
            &caller.0.name,
            &order_id,
            "reader-payment-in-state",
            &format!(
                "{}:{}",
                row.reader_id,
                pi.latest_charge.as_ref().map(|c| c.id()).unwrap_or("none")
            ),
        ),
    };
    let reader = state
        .stripe
        .process_payment_intent(
            &row.reader_id,
            &ProcessPaymentIntent {
                payment_intent: pi_id,
            },
            RequestOptions::idempotent(key),
        )
        .await
        .map_err(|e| reader_error(&row, e))?;
    Ok(Json(info(&state, &row, Some(&reader))))
}

/// POST /api/readers/{reader_id}/cancel: stops what the reader is doing (the cashier's Cancel, the kiosk's idle
/// reset). The order stays unpaid and can be paid again, on the reader or otherwise.
pub async fn cancel(
    State(state): S,
    caller: Caller,
    Path(reader_id): Path<String>,
) -> Result<Json<ReaderInfo>, ApiError> {
    let row = known(&state, &caller, &reader_id).await?;
    let reader = state
        .stripe
        .cancel_reader_action(&row.reader_id, RequestOptions::default())
        .await
        .map_err(|e| reader_error(&row, e))?;
    Ok(Json(info(&state, &row, Some(&reader))))
}

/// POST /api/readers/{reader_id}/simulate-tap: test mode only, a customer taps a test card on a simulated
/// reader, so a whole card-present sale runs without hardware.
pub async fn simulate_tap(
    State(state): S,
    caller: Caller,
    Path(reader_id): Path<String>,
    JsonBody(req): JsonBody<SimulateTap>,
) -> Result<Json<ReaderInfo>, ApiError> {
    if state.stripe_config.live() {
        return Err(ApiError::Forbidden(
            "a simulated tap exists only in test mode: in live mode the customer taps a real card"
                .into(),
        ));
    }
    if let Some(number) = &req.card_number {
        check_len("card_number", number, 32)?;
    }
    if req.tip.is_some_and(|t| t < 0) {
        return Err(ApiError::invalid("tip", "tip must not be negative"));
    }
    let row = known(&state, &caller, &reader_id).await?;
    let params = PresentPaymentMethod {
        kind: "card_present".into(),
        card_present: req.card_number.map(|number| PresentedCard { number }),
        amount_tip: req.tip.filter(|t| *t > 0),
    };
    let reader = state
        .stripe
        .present_payment_method(&row.reader_id, &params, RequestOptions::default())
        .await
        .map_err(|e| reader_error(&row, e))?;
    if let Some(pi) = reader.action.as_ref().and_then(|a| a.payment_intent()) {
        catch_up(&state, pi).await?;
    }
    Ok(Json(info(&state, &row, Some(&reader))))
}

/// The demo's reader: one simulated reader for the app's own till, registered once.
pub async fn seed_demo_reader(state: &AppState) -> Result<Option<ReaderInfo>, ApiError> {
    if !state.db.read(|c| readers::list(c, None)).await?.is_empty() {
        return Ok(None);
    }
    let terminal = Some(crate::db::terminals::SIDECAR.to_owned());
    let info = register_and_keep(
        state,
        kassa_stripe::SIMULATED_READER_CODE,
        "Reader 1",
        terminal,
        "kassa-demo-reader".to_owned(),
    )
    .await?;
    Ok(Some(info))
}

/// After a reader's action for `payment_intent_id` ended (by webhook or poll): the order learns the intent's state,
/// and an intent authorized for manual capture is captured, as a sale on a reader is complete once tapped.
pub async fn catch_up(state: &AppState, payment_intent_id: &str) -> Result<(), ApiError> {
    let pi_id = payment_intent_id.to_owned();
    let order = state.db.read(move |c| orders::by_intent(c, &pi_id)).await?;
    let Some(order) = order else {
        return Ok(());
    };
    let pi = crate::payments::refresh(state, payment_intent_id).await?;
    if pi.status == PaymentIntentStatus::RequiresCapture {
        let key = format!("kassa-order-{}-reader-capture", order.order_id);
        state
            .stripe
            .capture_payment_intent(
                payment_intent_id,
                &CapturePaymentIntent::default(),
                RequestOptions::idempotent(key),
            )
            .await?;
        crate::payments::refresh(state, payment_intent_id).await?;
    }
    Ok(())
}

/// A reader this caller may use: an admin any, a till those assigned to it. Another till's reader is absent.
async fn known(state: &AppState, caller: &Caller, reader_id: &str) -> Result<Reader, ApiError> {
    check_reader_id(reader_id)?;
    let id = reader_id.to_owned();
    let row = state.db.read(move |c| readers::get(c, &id)).await?;
    row.filter(|r| match caller.scope() {
        None => true,
        Some(terminal) => r.terminal.as_deref() == Some(terminal),
    })
    .ok_or_else(|| ApiError::NotFound(format!("reader {reader_id}")))
}

fn check_reader_id(reader_id: &str) -> Result<(), ApiError> {
    crate::payments::check_id("reader_id", reader_id)
}

fn check_label(label: &str) -> Result<(), ApiError> {
    check_len("label", label, 64)?;
    if label.trim().is_empty() {
        return Err(ApiError::invalid(
            "label",
            "label names the reader for the cashier (e.g. Reader 1)",
        ));
    }
    Ok(())
}

fn check_terminal(terminal: Option<&str>) -> Result<Option<String>, ApiError> {
    match terminal.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => {
            check_len("terminal", t, 64)?;
            Ok(Some(t.to_owned()))
        }
    }
}

/// The shop's Terminal location, made at Stripe on the first registration (from the store's name and address).
async fn location(state: &AppState) -> Result<String, ApiError> {
    if let Some(id) = state.db.read(readers::location).await? {
        return Ok(id);
    }
    let store = state.db.read(crate::db::catalog::store).await?;
    let name = store.as_ref().and_then(|s| non_empty(&s.name));
    let line1 = store
        .as_ref()
        .and_then(|s| non_empty(s.address.lines().next().unwrap_or_default()));
    let params = CreateLocation {
        display_name: name.unwrap_or("Kassa").to_owned(),
        address: LocationAddress {
            line1: line1.unwrap_or("Shop").to_owned(),
            city: None,
            postal_code: None,
            country: state.reader_country.clone(),
        },
    };
    let made = state
        .stripe
        .create_location(&params, RequestOptions::idempotent("kassa-reader-location"))
        .await?;
    Ok(state
        .db
        .write(move |c| readers::set_location(c, &made.id))
        .await?)
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The reader's display: the till's lines when they add up to the order's amount, else one line for the order.
fn cart(req: &ReaderPayment, order: &orders::Order) -> Result<SetReaderDisplay, ApiError> {
    if req.cart.len() > MAX_CART_LINES {
        return Err(ApiError::invalid(
            "cart",
            format!("a reader shows at most {MAX_CART_LINES} lines"),
        ));
    }
    for (i, line) in req.cart.iter().enumerate() {
        check_line(i, line)?;
    }
    let tax = req.tax.unwrap_or(0);
    if tax < 0 {
        return Err(ApiError::invalid("tax", "tax must not be negative"));
    }
    let sum = req
        .cart
        .iter()
        .try_fold(tax, |acc, l| acc.checked_add(l.amount))
        .ok_or_else(|| ApiError::invalid("cart", "the cart's amounts are too large"))?;
    if !req.cart.is_empty() && sum != order.amount {
        return Err(ApiError::invalid(
            "cart",
            format!(
                "the cart's lines and tax add up to {sum}, but order {} is for {}: send the sale as it stands",
                order.order_id, order.amount
            ),
        ));
    }
    let line_items = if req.cart.is_empty() {
        vec![ReaderLineItem {
            amount: order.amount,
            description: order
                .description
                .clone()
                .unwrap_or_else(|| format!("Order {}", order.order_id)),
            quantity: 1,
        }]
    } else {
        req.cart
            .iter()
            .map(|l| ReaderLineItem {
                amount: l.amount,
                description: l.description.trim().to_owned(),
                quantity: l.quantity,
            })
            .collect()
    };
    Ok(SetReaderDisplay {
        kind: "cart".into(),
        cart: ReaderCart {
            currency: order.currency.clone(),
            line_items,
            tax: req.tax.filter(|_| !req.cart.is_empty()),
            total: order.amount,
        },
    })
}

fn check_line(i: usize, line: &CartLine) -> Result<(), ApiError> {
    let field = |name: &str| format!("cart[{i}].{name}");
    check_len(&field("description"), &line.description, 100)?;
    if line.description.trim().is_empty() {
        return Err(ApiError::invalid(
            field("description"),
            "each cart line needs a description",
        ));
    }
    if line.quantity < 1 {
        return Err(ApiError::invalid(
            field("quantity"),
            "quantity must be at least 1",
        ));
    }
    if line.amount < 0 {
        return Err(ApiError::invalid(
            field("amount"),
            "amount must not be negative",
        ));
    }
    Ok(())
}

/// Stripe's reader errors, said so a cashier knows what to do.
fn reader_error(reader: &Reader, e: kassa_stripe::Error) -> ApiError {
    let label = &reader.label;
    let (status, code, message) = match e.code() {
        Some("terminal_reader_busy") => (
            StatusCode::CONFLICT,
            "reader_busy",
            format!("{label} is busy with another payment: finish or cancel it on the reader, then try again"),
        ),
        Some("terminal_reader_offline") => (
            StatusCode::SERVICE_UNAVAILABLE,
            "reader_offline",
            format!("{label} is offline: check that it is switched on and connected to the network"),
        ),
        Some("terminal_reader_timeout") => (
            StatusCode::GATEWAY_TIMEOUT,
            "reader_timeout",
            format!(
                "{label} did not answer in time: look at the reader; if it asks for the card, the payment is on \
                 its way, otherwise try again"
            ),
        ),
        Some("intent_invalid_state") => (
            StatusCode::CONFLICT,
            "reader_intent_invalid_state",
            "this sale can no longer be paid on a reader: it is paid, cancelled or being paid another way".into(),
        ),
        _ => return e.into(),
    };
    ApiError::Reader {
        status,
        code,
        message,
    }
}

/// The reader as the API reports it.
fn info(state: &AppState, row: &Reader, live: Option<&kassa_stripe::Reader>) -> ReaderInfo {
    ReaderInfo {
        reader_id: row.reader_id.clone(),
        label: row.label.clone(),
        terminal: row.terminal.clone(),
        device_type: row.device_type.clone(),
        status: live
            .and_then(|r| r.status.clone())
            .unwrap_or_else(|| "unknown".into()),
        action: live
            .and_then(|r| r.action.as_ref())
            .map(|a| ReaderActivity {
                kind: a.kind.clone(),
                status: a.status.as_str().to_owned(),
                payment_intent_id: a.payment_intent().map(str::to_owned),
                failure_code: a.failure_code.clone(),
                failure_message: a.failure_message.clone(),
            }),
        simulated: !state.stripe_config.live() && row.device_type.starts_with("simulated_"),
    }
}
