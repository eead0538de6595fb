//! --simulate --sim-live: the in-process simulator in live mode, so the live path runs offline. Tills are handed
//! the live publishable key, and the intents the backend makes are live ones.

mod common;

use std::sync::Arc;

use common::{args, start, TOKEN};
use serde_json::{json, Value};

#[tokio::test]
async fn tills_get_the_live_publishable_key_and_intents_are_live() {
    let dir = tempfile::tempdir().unwrap();
    let (running, http) = start(dir.path(), &["--simulate", "--sim-live"]).await;

    let resp = http
        .put(format!("{}/api/orders/o-live-1/intent", running.url()))
        .bearer_auth(TOKEN)
        .json(&json!({ "amount": 990, "currency": "eur" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let intent: Value = resp.json().await.unwrap();
    assert_eq!(
        intent["publishable_key"], "pk_live_kassa_simulated",
        "{intent}"
    );
    let id = intent["payment_intent_id"].as_str().unwrap();

    let sim = running.simulator.as_ref().unwrap().url();
    let at_stripe: Value = http
        .get(format!("{sim}/v1/payment_intents/{id}"))
        .bearer_auth("sk_live_kassa_simulated")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(at_stripe["id"], id, "{at_stripe}");
    assert_eq!(at_stripe["livemode"], true, "{at_stripe}");
    // No redirect-based methods: a redirect would leave the till's frame with the client secret in its URL.
    assert_eq!(
        at_stripe["automatic_payment_methods"],
        json!({ "enabled": true, "allow_redirects": "never" }),
        "{at_stripe}"
    );
    running.shutdown().await;
}

#[tokio::test]
async fn sim_live_without_simulate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = args(dir.path(), &["--sim-live"]);
    serve.stripe_secret_key = Some("sk_live_x".into());
    serve.stripe_publishable_key = Some("pk_live_x".into());
    serve.stripe_webhook_secret = Some("whsec_x".into());
    let Err(e) = kassa_backend::start(serve, Arc::new(kassa_stripe::clock::SystemClock)).await
    else {
        panic!("--sim-live without --simulate started");
    };
    let message = e.to_string();
    assert!(
        message.contains("--sim-live") && message.contains("--simulate"),
        "{message}"
    );
}

/// An https: page may not load a script from the simulator's plain-http port, so the backend serves the
/// simulator's Stripe.js stand-in, its frames and the API they call on its own origin, and the page loads it there.
#[tokio::test]
async fn the_simulators_stripe_js_and_frames_are_served_on_the_backends_own_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (running, http) = start(dir.path(), &["--simulate", "--sim-live"]).await;
    let url = running.url();
    for path in ["/v3", "/v3/elements/payment", "/v3/challenge"] {
        let res = http.get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let script = http
        .get(format!("{url}/v3"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains("Live Stripe.js integrations must use HTTPS."));
    // The frames' API calls, with the live publishable key, reach the simulator through the same origin.
    let res = http
        .get(format!("{url}/v1/payment_intents/pi_missing"))
        .bearer_auth("pk_live_kassa_simulated")
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 404, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    // Only what the frames do, with a publishable key: the simulated secret key is well known.
    let res = http
        .get(format!("{url}/v1/payment_intents/pi_missing"))
        .bearer_auth("sk_live_kassa_simulated")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "authorization", "{body}");
    for path in ["/v1/payment_intents", "/v1/refunds", "/v1/events"] {
        let res = http
            .get(format!("{url}{path}"))
            .bearer_auth("pk_live_kassa_simulated")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            404,
            "{path} is not served on the backend's origin"
        );
    }
    // The page is told to load it from there, and its CSP allows nothing else.
    let page = http.get(format!("{url}/pay")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    running.shutdown().await;
}
