//! The HTTP surface: thin handlers that read the request and hand it to [`Sim`] with the right operation.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kassa_stripe::form;
use serde_json::{json, Value};

use crate::engine;
use crate::failure::Failure;
use crate::sim::{Access, Reply, Sim};

type S = State<Arc<Sim>>;

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/v1/payment_intents", post(create_intent).get(list_intents))
        .route(
            "/v1/payment_intents/{id}",
            get(retrieve_intent).post(update_intent),
        )
        .route("/v1/payment_intents/{id}/confirm", post(confirm_intent))
        .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
        .route("/v1/payment_intents/{id}/capture", post(capture_intent))
        .route(
            "/v1/test_helpers/payment_intents/{id}/authenticate",
            post(authenticate),
        )
        .route("/v1/refunds", post(create_refund).get(list_refunds))
        .route("/v1/refunds/{id}", get(retrieve_refund))
        .route("/v1/terminal/locations", post(create_location))
        .route("/v1/terminal/locations/{id}", get(retrieve_location))
        .route(
            "/v1/terminal/readers",
            post(register_reader).get(list_readers),
        )
        .route(
            "/v1/terminal/readers/{id}",
            get(retrieve_reader)
                .post(update_reader)
                .delete(delete_reader),
        )
        .route("/v1/terminal/readers/{id}/{action}", post(reader_action))
        .route(
            "/v1/test_helpers/terminal/readers/{id}/present_payment_method",
            post(present_payment_method),
        )
        .route("/_sim/terminal/readers/{id}", post(set_reader_connection))
        .route("/v1/events", get(list_events))
        .route("/v1/events/{id}", get(retrieve_event))
        .route("/v3", get(|| async { crate::stripejs::serve("stripe.js") }))
        .route(
            "/v3/",
            get(|| async { crate::stripejs::serve("stripe.js") }),
        )
        .route(
            "/v3/elements/payment",
            get(|| async { crate::stripejs::serve("payment.html") }),
        )
        .route(
            "/v3/challenge",
            get(|| async { crate::stripejs::serve("challenge.html") }),
        )
        .route(
            "/v3/authenticate/{source}",
            get(challenge_page).post(challenge_answer),
        )
        .route("/_sim/deliveries", get(deliveries))
        .route("/_sim/faults", get(faults))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(unrecognized)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            crate::api_faults::inject,
        ))
        .layer(axum::middleware::from_fn(echo_stripe_version))
        .with_state(sim)
}

/// Stripe answers in the API version the request asked for; the simulator has one shape, but says which was asked.
async fn echo_stripe_version(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let version = req.headers().get("stripe-version").cloned();
    let mut resp = next.run(req).await;
    if let Some(v) = version {
        resp.headers_mut().insert("stripe-version", v);
    }
    resp
}

/// A body that is not Stripe's form encoding is refused, naming the parameter it could not read.
fn form_body(body: &str) -> Result<Value, Failure> {
    form::decode(body)
        .map_err(|e| Failure::param(&e.param, Some("parameter_invalid_string"), e.message))
}

fn query(raw: Option<String>) -> Result<Value, Failure> {
    form_body(raw.as_deref().unwrap_or_default())
}

fn bad(f: Failure) -> Response {
    (
        axum::http::StatusCode::from_u16(f.status).unwrap_or(axum::http::StatusCode::BAD_REQUEST),
        axum::Json(f.body),
    )
        .into_response()
}

macro_rules! try_input {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(failure) => return bad(failure),
        }
    };
}

fn client_secret_of(params: &Value, headers: &HeaderMap) -> Option<String> {
    params
        .get("client_secret")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| {
            headers
                .get("stripe-client-secret")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
}

async fn create_intent(State(sim): S, headers: HeaderMap, body: String) -> Response {
    let params = try_input!(form_body(&body));
    sim.write(
        &headers,
        "POST /v1/payment_intents",
        params,
        Access::Secret,
        engine::create_intent,
    )
    .await
}

async fn list_intents(State(sim): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let params = try_input!(query(q));
    sim.read(&headers, Access::Secret, |store| {
        engine::list_intents(store, &params).map(Reply::Json)
    })
}

async fn retrieve_intent(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = try_input!(query(q));
    let access = Access::IntentClientSecret {
        intent: &id,
        client_secret: client_secret_of(&params, &headers),
    };
    sim.read(&headers, access, |store| {
        engine::retrieve_intent(store, &id, &params).map(Reply::Json)
    })
}

async fn update_intent(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = try_input!(form_body(&body));
    sim.write(
        &headers,
        &format!("POST /v1/payment_intents/{id}"),
        params,
        Access::Secret,
        |s, c, p| engine::update_intent(s, c, &id, p),
    )
    .await
}

async fn confirm_intent(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = try_input!(form_body(&body));
    let access = Access::IntentClientSecret {
        intent: &id,
        client_secret: client_secret_of(&params, &headers),
    };
    sim.write(
        &headers,
        &format!("POST /v1/payment_intents/{id}/confirm"),
        params.clone(),
        access,
        |s, c, p| engine::confirm_intent(s, c, &id, p),
    )
    .await
}

async fn cancel_intent(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = try_input!(form_body(&body));
    sim.write(
        &headers,
        &format!("POST /v1/payment_intents/{id}/cancel"),
        params,
        Access::Secret,
        |s, c, p| engine::cancel_intent(s, c, &id, p),
    )
    .await
}

async fn capture_intent(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = try_input!(form_body(&body));
    sim.write(
        &headers,
        &format!("POST /v1/payment_intents/{id}/capture"),
        params,
        Access::Secret,
        |s, c, p| engine::capture_intent(s, c, &id, p),
    )
    .await
}

async fn authenticate(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = try_input!(form_body(&body));
    let access = Access::IntentClientSecret {
        intent: &id,
        client_secret: client_secret_of(&params, &headers),
    };
    let path = format!("POST /v1/test_helpers/payment_intents/{id}/authenticate");
    sim.write(&headers, &path, params.clone(), access, |s, c, p| {
        engine::authenticate(s, c, &id, p)
    })
    .await
}

async fn create_refund(State(sim): S, headers: HeaderMap, body: String) -> Response {
    let params = try_input!(form_body(&body));
    sim.write(
        &headers,
        "POST /v1/refunds",
        params,
        Access::Secret,
        engine::create_refund,
    )
    .await
}

async fn retrieve_refund(State(sim): S, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.read(&headers, Access::Secret, |store| {
        engine::retrieve_refund(store, &id).map(Reply::Json)
    })
}

async fn list_refunds(State(sim): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let params = try_input!(query(q));
    sim.read(&headers, Access::Secret, |store| {
        engine::list_refunds(store, &params).map(Reply::Json)
    })
}

async fn create_location(State(sim): S, headers: HeaderMap, body: String) -> Response {
    let params = try_input!(form_body(&body));
    let path = "POST /v1/terminal/locations";
    sim.write(
        &headers,
        path,
        params,
        Access::Secret,
        engine::create_location,
    )
    .await
}

async fn retrieve_location(State(sim): S, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.read(&headers, Access::Secret, |store| {
        engine::retrieve_location(store, &id).map(Reply::Json)
    })
}

async fn register_reader(State(sim): S, headers: HeaderMap, body: String) -> Response {
    let params = try_input!(form_body(&body));
    let path = "POST /v1/terminal/readers";
    sim.write(
        &headers,
        path,
        params,
        Access::Secret,
        engine::register_reader,
    )
    .await
}

async fn list_readers(State(sim): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let params = try_input!(query(q));
    sim.read(&headers, Access::Secret, |store| {
        engine::list_readers(store, &params).map(Reply::Json)
    })
}

async fn retrieve_reader(State(sim): S, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.read(&headers, Access::Secret, |store| {
        engine::retrieve_reader(store, &id).map(Reply::Json)
    })
}

type ReaderOp =
    fn(&mut crate::store::Store, &crate::store::Ctx, &str, &Value) -> crate::failure::Outcome;

/// A write to one reader: the reader's id goes to `op` beside the form.
async fn on_reader(
    sim: Arc<Sim>,
    headers: HeaderMap,
    method_and_path: String,
    id: String,
    body: &str,
    op: ReaderOp,
) -> Response {
    let params = try_input!(form_body(body));
    sim.write(
        &headers,
        &method_and_path,
        params,
        Access::Secret,
        |s, c, p| op(s, c, &id, p),
    )
    .await
}

async fn update_reader(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("POST /v1/terminal/readers/{id}");
    on_reader(sim, headers, path, id, &body, engine::update_reader).await
}

async fn delete_reader(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("DELETE /v1/terminal/readers/{id}");
    on_reader(sim, headers, path, id, &body, engine::delete_reader).await
}

async fn reader_action(
    State(sim): S,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    let op: ReaderOp = match action.as_str() {
        "process_payment_intent" => engine::process_payment_intent,
        "set_reader_display" => engine::set_reader_display,
        "refund_payment" => engine::refund_payment,
        "cancel_action" => engine::cancel_action,
        _ => return unrecognized(method, uri).await,
    };
    let path = format!("POST /v1/terminal/readers/{id}/{action}");
    on_reader(sim, headers, path, id, &body, op).await
}

async fn present_payment_method(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("POST /v1/test_helpers/terminal/readers/{id}/present_payment_method");
    on_reader(
        sim,
        headers,
        path,
        id,
        &body,
        engine::present_payment_method,
    )
    .await
}

/// The simulator's own control (not Stripe's API): `status=offline|online`, `unresponsive=true|false`.
async fn set_reader_connection(
    State(sim): S,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("POST /_sim/terminal/readers/{id}");
    on_reader(sim, headers, path, id, &body, engine::set_reader_connection).await
}

async fn list_events(State(sim): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let params = try_input!(query(q));
    sim.read(&headers, Access::Secret, |store| {
        let page = engine::list_events(store, &params)?;
        // The stored JSON is spliced in as is, so a listed event is byte for byte the delivered one.
        let data = page.events.iter().map(|e| e.as_ref()).collect::<Vec<_>>().join(",\n");
        Ok(Reply::Raw(format!(
            "{{\n  \"object\": \"list\",\n  \"data\": [\n{data}\n  ],\n  \"has_more\": {},\n  \"url\": \"/v1/events\"\n}}",
            page.has_more
        )))
    })
}

async fn retrieve_event(State(sim): S, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.read(&headers, Access::Secret, |store| {
        engine::retrieve_event(store, &id).map(|e| Reply::Raw(e.to_string()))
    })
}

/// The page a redirect-based 3-D Secure challenge sends the customer to, as Stripe's test-mode page does.
async fn challenge_page(Path(source): Path<String>) -> Response {
    let source: String = source
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    axum::response::Html(format!(
        "<!doctype html><meta charset=utf-8><title>3-D Secure test page</title>\
         <body style=\"font:16px system-ui;max-width:28rem;margin:3rem auto\"><h1>3-D Secure test payment</h1>\
         <p>This test page stands in for the bank's authentication.</p>\
         <form method=post action=\"/v3/authenticate/{source}\"><button name=outcome value=complete id=complete>Complete authentication</button> \
         <button name=outcome value=fail id=fail>Fail authentication</button></form>"
    ))
    .into_response()
}

async fn challenge_answer(State(sim): S, Path(source): Path<String>, body: String) -> Response {
    let params = try_input!(form_body(&body));
    let outcome = params
        .get("outcome")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(outcome, "complete" | "fail") {
        return bad(Failure::param(
            "outcome",
            None,
            "outcome must be complete or fail",
        ));
    }
    match sim.authenticate_by_source(&source, outcome).await {
        Ok(to) => axum::response::Redirect::to(&to).into_response(),
        Err(f) => bad(f),
    }
}

async fn deliveries(State(sim): S) -> Response {
    axum::Json(json!({ "attempts": sim.deliveries.snapshot() })).into_response()
}

async fn faults(State(sim): S) -> Response {
    axum::Json(json!({ "injected": &*sim.injected })).into_response()
}

async fn unrecognized(method: Method, uri: Uri) -> Response {
    let mut f = Failure::auth(format!(
        "Unrecognized request URL ({method}: {}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
        uri.path()
    ));
    f.status = 404;
    bad(f)
}

/// A path that exists, asked with a method it does not take: 405, with Stripe's error object like every error.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let mut f = Failure::auth(format!(
        "Unrecognized request URL ({method}: {}): this path does not take {method}. Please see https://stripe.com/docs \
         or we can help at https://support.stripe.com/.",
        uri.path()
    ));
    f.status = 405;
    bad(f)
}
