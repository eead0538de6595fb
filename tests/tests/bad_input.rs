//! Bad input is a 4xx with a JSON error that names the field to fix; never a 500, never a call to Stripe.

use kassa_tests::reqwest::{Method, StatusCode};
use kassa_tests::{read, Stack};
use serde_json::{json, Value};

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    status: StatusCode,
    field: &'static str,
}

fn put(name: &'static str, order: &str, body: Value, field: &'static str) -> Case {
    Case {
        name,
        method: Method::PUT,
        path: format!("/api/orders/{order}/intent"),
        token: None,
        content_type: Some("application/json"),
        body: Some(body.to_string().into_bytes()),
        status: StatusCode::BAD_REQUEST,
        field,
    }
}

async fn send(stack: &Stack, case: &Case) -> (StatusCode, Value) {
    let mut req = stack
        .http
        .request(case.method.clone(), stack.api(&case.path))
        .bearer_auth(case.token.as_deref().unwrap_or(&stack.till));
    if let Some(ct) = case.content_type {
        req = req.header("Content-Type", ct);
    }
    if let Some(body) = &case.body {
        req = req.body(body.clone());
    }
    read(req.send().await.expect("the backend answers")).await
}

#[tokio::test]
async fn bad_requests_get_a_4xx_naming_the_field_and_never_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path());
    // An existing paid order, for the requests about one.
    let intent = stack.intent(&stack.till, "order-paid", 2000).await;
    stack.confirm(&intent, "pm_card_visa").await;

    let mut big = json!({ "amount": 1000, "currency": "usd" });
    big["description"] = Value::String("x".repeat(70 * 1024));
    let cases = vec![
        put(
            "zero amount",
            "o-bad",
            json!({"amount": 0, "currency": "usd"}),
            "amount",
        ),
        put(
            "negative amount",
            "o-bad",
            json!({"amount": -5, "currency": "usd"}),
            "amount",
        ),
        put(
            "fractional amount",
            "o-bad",
            json!({"amount": 10.5, "currency": "usd"}),
            "amount",
        ),
        put(
            "amount as a string",
            "o-bad",
            json!({"amount": "1000", "currency": "usd"}),
            "amount",
        ),
        put(
            "amount over the usd maximum",
            "o-bad",
            json!({"amount": 100_000_000, "currency": "usd"}),
            "amount",
        ),
        put(
            "amount under the usd minimum",
            "o-bad",
            json!({"amount": 10, "currency": "usd"}),
            "amount",
        ),
        put(
            "amount under the jpy minimum",
            "o-bad",
            json!({"amount": 49, "currency": "jpy"}),
            "amount",
        ),
        put(
            "unknown currency",
            "o-bad",
            json!({"amount": 1000, "currency": "xyz"}),
            "currency",
        ),
        put(
            "missing currency",
            "o-bad",
            json!({"amount": 1000}),
            "currency",
        ),
        put(
            "missing amount",
            "o-bad",
            json!({"currency": "usd"}),
            "amount",
        ),
        put(
            "unknown field",
            "o-bad",
            json!({"amount": 1000, "currency": "usd", "tip": 5}),
            "tip",
        ),
        put(
            "bad capture method",
            "o-bad",
            json!({"amount": 1000, "currency": "usd", "capture_method": "later"}),
            "capture_method",
        ),
        put("a JSON array", "o-bad", json!([1000, "usd"]), "body"),
        put(
            "order id with a space",
            "o%20bad",
            json!({"amount": 1000, "currency": "usd"}),
            "order_id",
        ),
        put(
            "order id too long",
            &"o".repeat(65),
            json!({"amount": 1000, "currency": "usd"}),
            "order_id",
        ),
        Case {
            name: "malformed JSON",
            body: Some(br#"{"amount": 1000, "currency": "#.to_vec()),
            ..put("", "o-bad", Value::Null, "body")
        },
        Case {
            name: "empty body",
            body: Some(Vec::new()),
            ..put("", "o-bad", Value::Null, "body")
        },
        Case {
            name: "wrong content type",
            content_type: Some("text/plain"),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ..put(
                "",
                "o-bad",
                json!({"amount": 1000, "currency": "usd"}),
                "Content-Type",
            )
        },
        Case {
            name: "form-encoded body",
            content_type: Some("application/x-www-form-urlencoded"),
            body: Some(b"amount=1000&currency=usd".to_vec()),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ..put("", "o-bad", Value::Null, "Content-Type")
        },
        Case {
            name: "no content type",
            content_type: None,
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ..put(
                "",
                "o-bad",
                json!({"amount": 1000, "currency": "usd"}),
                "Content-Type",
            )
        },
        Case {
            name: "body over 64 KiB",
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..put("", "o-big", big, "body")
        },
        Case {
            name: "unknown order",
            method: Method::GET,
            path: "/api/orders/order-nobody-made".into(),
            content_type: None,
            body: None,
            status: StatusCode::NOT_FOUND,
            ..put("", "", Value::Null, "order_id")
        },
        Case {
            name: "refund of an unknown order",
            method: Method::POST,
            path: "/api/orders/order-nobody-made/refunds".into(),
            // Refunds are an admin's (a terminal token gets 403): these cases check what comes after that.
            token: Some(stack.admin.clone()),
            body: Some(br#"{"amount": 100}"#.to_vec()),
            status: StatusCode::NOT_FOUND,
            ..put("", "", Value::Null, "order_id")
        },
        Case {
            name: "refund of nothing",
            method: Method::POST,
            path: "/api/orders/order-paid/refunds".into(),
            token: Some(stack.admin.clone()),
            body: Some(br#"{"amount": 0}"#.to_vec()),
            ..put("", "", Value::Null, "amount")
        },
        Case {
            name: "refund with an unknown reason",
            method: Method::POST,
            path: "/api/orders/order-paid/refunds".into(),
            token: Some(stack.admin.clone()),
            body: Some(br#"{"amount": 100, "reason": "because"}"#.to_vec()),
            ..put("", "", Value::Null, "reason")
        },
        Case {
            name: "wrong token",
            token: Some("kt_not_a_token".into()),
            status: StatusCode::UNAUTHORIZED,
            ..put(
                "",
                "o-bad",
                json!({"amount": 1000, "currency": "usd"}),
                "Authorization",
            )
        },
        Case {
            name: "wrong token on the feed",
            method: Method::GET,
            path: "/api/events?after=0".into(),
            token: Some("kt_not_a_token".into()),
            content_type: None,
            body: None,
            status: StatusCode::UNAUTHORIZED,
            ..put("", "", Value::Null, "Authorization")
        },
        Case {
            name: "negative feed cursor",
            method: Method::GET,
            path: "/api/events?after=-1".into(),
            content_type: None,
            body: None,
            ..put("", "", Value::Null, "after")
        },
        Case {
            name: "feed cursor that is not a number",
            method: Method::GET,
            path: "/api/events?after=abc".into(),
            content_type: None,
            body: None,
            ..put("", "", Value::Null, "after")
        },
        Case {
            name: "feed wait too long",
            method: Method::GET,
            path: "/api/events?after=0&wait=31".into(),
            content_type: None,
            body: None,
            ..put("", "", Value::Null, "wait")
        },
        Case {
            name: "feed limit zero",
            method: Method::GET,
            path: "/api/events?after=0&limit=0".into(),
            content_type: None,
            body: None,
            ..put("", "", Value::Null, "limit")
        },
        Case {
            name: "payments with an unknown status",
            method: Method::GET,
            path: "/api/payments?status=paid".into(),
            content_type: None,
            body: None,
            ..put("", "", Value::Null, "status")
        },
    ];

    let intents_before = stack.sim_list("/v1/payment_intents").await.len();
    let mut failures = Vec::new();
    for case in &cases {
        let (status, body) = send(&stack, case).await;
        let field = body["error"]["field"].as_str();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        if status != case.status
            || field != Some(case.field)
            || message.is_empty()
            || body["error"]["code"].as_str().is_none()
        {
            failures.push(format!(
                "{}: expected {} naming {:?}, got {status} {body}",
                case.name, case.status, case.field
            ));
        }
        assert!(status.is_client_error(), "{}: {status} {body}", case.name);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // None of it reached Stripe, and the paid order is untouched.
    assert_eq!(
        stack.sim_list("/v1/payment_intents").await.len(),
        intents_before
    );
    let (status, order) = stack.get(&stack.till, "/api/orders/order-paid").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["order"]["amount_refunded"], 0);
    let payments = stack.payments(&stack.admin).await;
    assert_eq!(payments.len(), 1, "no order was recorded for bad requests");
}
