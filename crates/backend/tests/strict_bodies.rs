//! Request bodies are read strictly: one JSON object and nothing after it, no field the endpoint does not know,
//! no over-long text. Each refusal is a 400 naming the field, before anything reaches Stripe.

mod common;

use serde_json::{json, Value};

use common::{start, TOKEN};

struct Case {
    name: &'static str,
    path: &'static str,
    body: String,
    field: &'static str,
}

fn case(
    name: &'static str,
    path: &'static str,
    body: impl Into<String>,
    field: &'static str,
) -> Case {
    Case {
        name,
        path,
        body: body.into(),
        field,
    }
}

#[tokio::test]
async fn trailing_data_unknown_fields_and_long_text_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    // Stripe is unreachable here (args' API base): a request that got past validation would fail with 502.
    let (running, http) = start(&dir.path().join("data"), &[]).await;

    const INTENT: &str = "PUT /api/orders/o-1/intent";
    let long = |field: &str, n: usize| {
        json!({ "amount": 1000, "currency": "usd", field: "x".repeat(n) }).to_string()
    };
    let cases = [
        case(
            "trailing text",
            INTENT,
            r#"{"amount": 1000, "currency": "usd"} x"#,
            "body",
        ),
        case(
            "two objects",
            INTENT,
            r#"{"amount": 1000, "currency": "usd"}{"amount": 1}"#,
            "body",
        ),
        case(
            "unknown field",
            INTENT,
            r#"{"amount": 1000, "currency": "usd", "tip": 100}"#,
            "tip",
        ),
        case(
            "capture_method Kassa does not offer",
            INTENT,
            r#"{"amount": 1000, "currency": "usd", "capture_method": "automatic_async"}"#,
            "capture_method",
        ),
        case(
            "capture_method of a megabyte's kind",
            INTENT,
            long("capture_method", 5000),
            "capture_method",
        ),
        case(
            "1,001-character description",
            INTENT,
            long("description", 1001),
            "description",
        ),
        case(
            "long currency",
            INTENT,
            json!({ "amount": 1000, "currency": "u".repeat(5000) }).to_string(),
            "currency",
        ),
        case(
            "repeated field",
            INTENT,
            r#"{"amount": 1000, "amount": 5, "currency": "usd"}"#,
            "amount",
        ),
        case(
            "refund: unknown field",
            "POST /api/orders/o-1/refunds",
            r#"{"amount": 100, "why": "x"}"#,
            "why",
        ),
        case(
            "refund: trailing data",
            "POST /api/orders/o-1/refunds",
            r#"{} []"#,
            "body",
        ),
        case(
            "capture: unknown field",
            "POST /api/orders/o-1/capture",
            r#"{"amount_to_capture": 5}"#,
            "amount_to_capture",
        ),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let (method, path) = case.path.split_once(' ').unwrap();
        let res = http
            .request(method.parse().unwrap(), format!("{}{path}", running.url()))
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "k-1")
            .body(case.body.clone())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        if status != 400 || body["error"]["field"] != case.field || message.is_empty() {
            failures.push(format!(
                "{}: expected 400 naming {:?}, got {status} {body}",
                case.name, case.field
            ));
        }
        // An error names what to fix; it does not echo a megabyte of what was sent.
        assert!(message.len() < 500, "{}: {message}", case.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing was recorded for any of them.
    let res = http
        .get(format!("{}/api/payments", running.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["payments"], json!([]), "{page}");
    running.shutdown().await;
}
