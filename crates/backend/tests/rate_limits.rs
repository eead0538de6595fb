//! Per-token rate limits: intents and money-moving calls past a token's budget get 429 with Retry-After, each
//! token on its own budget.

mod common;

use common::{start, TOKEN};
use serde_json::{json, Value};

#[tokio::test]
async fn past_its_budget_a_token_gets_429_with_retry_after_and_other_budgets_are_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (running, http) = start(
        dir.path(),
        &[
            "--simulate",
            "--rate-intents-per-minute",
            "2",
            "--rate-money-per-minute",
            "1",
        ],
    )
    .await;
    let url = running.url();
    let intent = |order: &str| {
        http.put(format!("{url}/api/orders/{order}/intent"))
            .bearer_auth(TOKEN)
            .json(&json!({ "amount": 500, "currency": "usd" }))
            .send()
    };
    assert_eq!(intent("o-1").await.unwrap().status(), 200);
    assert_eq!(intent("o-2").await.unwrap().status(), 200);
    let third = intent("o-3").await.unwrap();
    assert_eq!(third.status(), 429);
    let retry: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "Retry-After: {retry}");
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert_eq!(body["error"]["field"], "Authorization", "{body}");

    // The money budget is its own: one cancel, then 429.
    let cancel = |order: &str| {
        http.post(format!("{url}/api/orders/{order}/cancel"))
            .bearer_auth(TOKEN)
            .send()
    };
    assert_eq!(cancel("o-1").await.unwrap().status(), 200);
    let second = cancel("o-2").await.unwrap();
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    running.shutdown().await;
}
