//! Requests refused before they do anything: a signed event nested deeper than the intake takes, a path no route
//! takes, a method a path does not take. Each answer says what was wrong.

mod common;
mod support;

use kassa_backend::intake::MAX_DEPTH;
use kassa_backend::limits::Limits;
use serde_json::{json, Value};

use support::{client, deliver, event, fed, start, WEBHOOK_SECRET};

/// Arrays `levels` deep, inside the event's `data.object`, which is itself 3 deep.
fn nested(levels: usize) -> Value {
    (0..levels).fold(json!(1), |inner, _| json!([inner]))
}

#[tokio::test]
async fn a_signed_event_nested_past_the_limit_is_refused_and_not_stored() {
    assert_eq!(MAX_DEPTH, 64);
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), Limits::default(), None).await;
    let (http, base) = (client(), running.url());

    let at_limit = event("evt_64_deep", nested(MAX_DEPTH - 3));
    let ok = deliver(&http, &base, WEBHOOK_SECRET, &at_limit)
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());

    for (id, levels) in [("evt_65_deep", MAX_DEPTH - 2), ("evt_10000_deep", 10_000)] {
        // Built as text: serde_json itself would not go 10,000 deep.
        let extra = format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
        let payload = event(id, json!("EXTRA")).replace("\"EXTRA\"", &extra);
        let refused = deliver(&http, &base, WEBHOOK_SECRET, &payload)
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{id}");
        let text = refused.text().await.unwrap();
        assert!(text.contains("nested deeper than 64"), "{text}");
    }
    // The signature is still checked first.
    let forged = event("evt_forged", nested(100));
    let refused = deliver(&http, &base, "whsec_wrong", &forged).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(!refused.text().await.unwrap().contains("nested"));

    assert_eq!(fed(&http, &base).await, ["evt_64_deep"]);
    running.shutdown().await;
}

#[tokio::test]
async fn an_unknown_path_and_a_wrong_method_are_answered_in_json_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), Limits::default(), None).await;
    let (http, base) = (client(), running.url());

    let missing = http
        .get(format!("{base}/nope/here?client_secret=pi_1_secret_2"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "error": { "code": "not_found", "message": "no such endpoint: GET /nope/here" } })
    );

    let wrong = http.post(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(wrong.status(), 405);
    assert_eq!(wrong.headers()["allow"], "GET,HEAD");
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "error": {
            "code": "method_not_allowed",
            "message": "/healthz does not take POST; it takes GET, HEAD",
            "allowed": ["GET", "HEAD"],
        } })
    );

    let wrong = http.get(format!("{base}/webhook")).send().await.unwrap();
    assert_eq!(wrong.status(), 405);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["allowed"], json!(["POST"]), "{body}");

    let wrong = http
        .delete(format!("{base}/api/orders/o-1/intent"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["allowed"], json!(["PUT"]), "{body}");
    running.shutdown().await;
}
