//! Who may call what (Stripe's key rules and the publishable key's client_secret), and parameters refused the
//! way Stripe refuses them: 400, naming the parameter.

mod common;

use common::*;
use kassa_stripe::client::ListParams;
use kassa_stripe::{PaymentIntent, PaymentIntentStatus as Status, RequestOptions};
use reqwest::Method;
use serde_json::{json, Value};

const PUBLISHABLE: &str = "pk_test_kassa_sim_tests";

fn assert_stripe_error(raw: &Raw, status: u16) {
    assert_eq!(raw.status, status, "{}", raw.body);
    assert_eq!(raw.error()["type"], "invalid_request_error", "{}", raw.body);
    assert!(raw.error()["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn a_request_without_a_key_is_unauthorized() {
    let app = spawn_sim().await;

    let raw = app
        .raw(Method::GET, "/v1/payment_intents", None, &[], json!({}))
        .await;

    assert_stripe_error(&raw, 401);
    assert!(raw.error()["message"]
        .as_str()
        .unwrap()
        .contains("did not provide an API key"));
}

#[tokio::test]
async fn a_live_key_is_unauthorized() {
    let app = spawn_sim().await;

    let raw = app
        .raw(
            Method::POST,
            "/v1/payment_intents",
            Some("sk_live_0123456789abcdef"),
            &[],
            json!({ "amount": "1999", "currency": "usd" }),
        )
        .await;

    assert_stripe_error(&raw, 401);
    let message = raw.error()["message"].as_str().unwrap();
    assert!(
        !message.contains("0123456789abcdef"),
        "the key is masked: {message}"
    );
}

#[tokio::test]
async fn a_secret_key_also_works_as_basic_auth() {
    let app = spawn_sim().await;

    let resp = app
        .http
        .get(format!("{}/v1/payment_intents", app.url()))
        .basic_auth(SECRET_KEY, None::<&str>)
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_publishable_key_retrieves_an_intent_only_with_its_client_secret() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let secret = intent
        .client_secret
        .clone()
        .expect("the secret key sees it");
    let path = format!("/v1/payment_intents/{}", intent.id);

    let by_query = app
        .raw(
            Method::GET,
            &path,
            Some(PUBLISHABLE),
            &[],
            json!({ "client_secret": secret }),
        )
        .await;
    let by_header = app
        .raw(
            Method::GET,
            &path,
            Some(PUBLISHABLE),
            &[("Stripe-Client-Secret", secret.as_str())],
            json!({}),
        )
        .await;
    let without = app
        .raw(Method::GET, &path, Some(PUBLISHABLE), &[], json!({}))
        .await;
    let wrong = app
        .raw(
            Method::GET,
            &path,
            Some(PUBLISHABLE),
            &[],
            json!({ "client_secret": format!("{}_secret_wrong", intent.id) }),
        )
        .await;

    assert_eq!(by_query.status, 200, "{}", by_query.body);
    assert_eq!(by_query.body["id"], json!(intent.id));
    assert_eq!(by_header.status, 200, "{}", by_header.body);
    assert_eq!(by_header.body["id"], json!(intent.id));
    for refused in [&without, &wrong] {
        assert_stripe_error(refused, 400);
        assert_eq!(refused.error()["param"], "client_secret");
    }
}

#[tokio::test]
async fn a_publishable_key_confirms_with_the_client_secret_in_the_body() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let secret = intent.client_secret.clone().unwrap();
    let browser = app.client_with_key(PUBLISHABLE);
    let confirm = format!("/v1/payment_intents/{}/confirm", intent.id);

    let wrong: Result<PaymentIntent, _> = browser
        .request(
            Method::POST,
            &confirm,
            Some(
                &json!({ "payment_method": "pm_card_visa", "client_secret": "pi_other_secret_x" }),
            ),
            RequestOptions::default(),
        )
        .await;
    let paid: PaymentIntent = browser
        .request(
            Method::POST,
            &confirm,
            Some(&json!({ "payment_method": "pm_card_visa", "client_secret": secret })),
            RequestOptions::default(),
        )
        .await
        .expect("the intent's own secret lets the browser confirm");

    let wrong = wrong.unwrap_err();
    assert_eq!(wrong.status(), Some(400));
    assert!(
        matches!(&wrong, kassa_stripe::Error::Api { param: Some(p), .. } if p == "client_secret")
    );
    assert_eq!(paid.status, Status::Succeeded);
}

#[tokio::test]
async fn another_intents_client_secret_opens_nothing() {
    let app = spawn_sim().await;
    let mine = app.create_intent(1999).await;
    let theirs = app.create_intent(2999).await;

    let raw = app
        .raw(
            Method::GET,
            &format!("/v1/payment_intents/{}", theirs.id),
            Some(PUBLISHABLE),
            &[(
                "Stripe-Client-Secret",
                mine.client_secret.as_deref().unwrap(),
            )],
            json!({}),
        )
        .await;

    assert_stripe_error(&raw, 400);
    assert_eq!(raw.error()["param"], "client_secret");
}

#[tokio::test]
async fn a_publishable_key_may_not_list_or_create() {
    let app = spawn_sim().await;
    let browser = app.client_with_key(PUBLISHABLE);

    let list = browser
        .list_payment_intents(&ListParams::default())
        .await
        .unwrap_err();
    let create = app
        .raw(
            Method::POST,
            "/v1/payment_intents",
            Some(PUBLISHABLE),
            &[],
            json!({ "amount": "1999", "currency": "usd" }),
        )
        .await;

    assert_eq!(list.status(), Some(401));
    assert_stripe_error(&create, 401);
}

/// POSTs a create with these params and returns the refusal.
async fn refused_create(app: &TestSim, params: Value) -> Raw {
    let raw = app.post("/v1/payment_intents", None, params.clone()).await;
    assert_stripe_error(&raw, 400);
    assert!(
        raw.error()["param"].is_string(),
        "{params}: a refusal names its param: {}",
        raw.body
    );
    raw
}

#[tokio::test]
async fn an_amount_that_stripe_would_refuse_is_refused_naming_amount() {
    let app = spawn_sim().await;
    let cases = [
        (json!({ "currency": "usd" }), "parameter_missing"),
        (
            json!({ "amount": "0", "currency": "usd" }),
            "amount_too_small",
        ),
        (
            json!({ "amount": "19.99", "currency": "usd" }),
            "parameter_invalid_integer",
        ),
        (
            json!({ "amount": "100000000", "currency": "usd" }),
            "amount_too_large",
        ),
        (
            json!({ "amount": "49", "currency": "usd" }),
            "amount_too_small",
        ),
        (
            json!({ "amount": "49", "currency": "jpy" }),
            "amount_too_small",
        ),
        (
            json!({ "amount": "550", "currency": "isk" }),
            "parameter_invalid_integer",
        ),
    ];

    for (params, code) in cases {
        let raw = refused_create(&app, params.clone()).await;
        assert_eq!(raw.error()["param"], "amount", "{params}");
        assert_eq!(raw.error()["code"], code, "{params}");
    }
}

#[tokio::test]
async fn the_smallest_and_largest_accepted_amounts_are_accepted() {
    let app = spawn_sim().await;

    for params in [
        json!({ "amount": "50", "currency": "usd" }),
        json!({ "amount": "99999999", "currency": "usd" }),
        json!({ "amount": "50", "currency": "jpy" }),
        json!({ "amount": "500", "currency": "isk" }),
        json!({ "amount": "1999", "currency": "EUR" }),
    ] {
        let raw = app.post("/v1/payment_intents", None, params.clone()).await;
        assert_eq!(raw.status, 200, "{params}: {}", raw.body);
    }
}

#[tokio::test]
async fn an_unknown_currency_is_refused_naming_currency() {
    let app = spawn_sim().await;

    let raw = refused_create(&app, json!({ "amount": "1999", "currency": "xyz" })).await;

    assert_eq!(raw.error()["param"], "currency");
}

#[tokio::test]
async fn an_unknown_parameter_is_refused_by_name() {
    let app = spawn_sim().await;

    let top = refused_create(
        &app,
        json!({ "amount": "1999", "currency": "usd", "tip": "100" }),
    )
    .await;
    let nested = refused_create(
        &app,
        json!({ "amount": "1999", "currency": "usd", "automatic_payment_methods": { "enabled": "true", "color": "red" } }),
    )
    .await;

    assert_eq!(top.error()["param"], "tip");
    assert_eq!(top.error()["code"], "parameter_unknown");
    assert_eq!(nested.error()["param"], "automatic_payment_methods[color]");
}

#[tokio::test]
async fn a_list_limit_above_100_is_refused() {
    let app = spawn_sim().await;

    let intents = app
        .get("/v1/payment_intents", json!({ "limit": "101" }))
        .await;
    let events = app.get("/v1/events", json!({ "limit": "101" })).await;
    let hundred = app
        .get("/v1/payment_intents", json!({ "limit": "100" }))
        .await;

    for raw in [&intents, &events] {
        assert_stripe_error(raw, 400);
        assert_eq!(raw.error()["param"], "limit");
    }
    assert_eq!(hundred.status, 200);
}

#[tokio::test]
async fn an_unknown_route_is_a_stripe_shaped_404() {
    let app = spawn_sim().await;

    let raw = app.get("/v1/customers", json!({})).await;

    assert_stripe_error(&raw, 404);
    assert!(raw.error()["message"]
        .as_str()
        .unwrap()
        .contains("Unrecognized request URL (GET: /v1/customers)"));
}

#[tokio::test]
async fn an_unknown_intent_is_a_404_naming_it() {
    let app = spawn_sim().await;

    let raw = app.get("/v1/payment_intents/pi_missing", json!({})).await;

    assert_stripe_error(&raw, 404);
    assert_eq!(raw.error()["code"], "resource_missing");
    assert!(raw.error()["message"]
        .as_str()
        .unwrap()
        .contains("pi_missing"));
}
