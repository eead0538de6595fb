//! The edges of a PaymentIntent's life: what may be canceled, captured, refunded and updated, and when not.

mod common;

use common::*;
use kassa_stripe::client::{
    CancelPaymentIntent, CapturePaymentIntent, CreateRefund, UpdatePaymentIntent,
};
use kassa_stripe::{Charge, Error, PaymentIntentStatus as Status, RefundStatus, RequestOptions};

fn assert_refused(err: &Error, code: &str, param: Option<&str>) {
    match err {
        Error::Api {
            status,
            code: c,
            param: p,
            ..
        } => {
            assert_eq!(*status, 400, "{err:?}");
            assert_eq!(c.as_deref(), Some(code), "{err:?}");
            if let Some(param) = param {
                assert_eq!(p.as_deref(), Some(param), "{err:?}");
            }
        }
        other => panic!("expected a 400 {code}, got {other:?}"),
    }
}

async fn refund(
    app: &TestSim,
    intent: &str,
    amount: Option<i64>,
) -> Result<kassa_stripe::Refund, Error> {
    app.client
        .create_refund(
            &CreateRefund {
                payment_intent: Some(intent.into()),
                amount,
                ..Default::default()
            },
            RequestOptions::default(),
        )
        .await
}

async fn capture(
    app: &TestSim,
    intent: &str,
    amount: Option<i64>,
) -> Result<kassa_stripe::PaymentIntent, Error> {
    app.client
        .capture_payment_intent(
            intent,
            &CapturePaymentIntent {
                amount_to_capture: amount,
            },
            RequestOptions::default(),
        )
        .await
}

async fn latest_charge(app: &TestSim, intent: &str) -> Charge {
    let pi = app
        .client
        .retrieve_payment_intent(intent, &["latest_charge"])
        .await
        .unwrap();
    pi.latest_charge
        .and_then(|c| c.object().cloned())
        .expect("latest_charge expanded")
}

async fn authorized(app: &TestSim, amount: i64) -> kassa_stripe::PaymentIntent {
    let intent = app.create_manual_capture_intent(amount).await;
    let held = app.confirm_with(&intent.id, "pm_card_visa").await.unwrap();
    assert_eq!(held.status, Status::RequiresCapture);
    assert_eq!(held.amount_capturable, amount);
    held
}

#[tokio::test]
async fn a_succeeded_intent_cannot_be_canceled() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1000).await;

    let err = app
        .client
        .cancel_payment_intent(
            &paid.id,
            &CancelPaymentIntent::default(),
            RequestOptions::default(),
        )
        .await
        .unwrap_err();

    assert_refused(&err, "payment_intent_unexpected_state", None);
    assert_eq!(app.retrieve(&paid.id).await.status, Status::Succeeded);
}

#[tokio::test]
async fn an_unpaid_intent_can_be_canceled() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1000).await;

    let canceled = app
        .client
        .cancel_payment_intent(
            &intent.id,
            &CancelPaymentIntent {
                cancellation_reason: Some("abandoned".into()),
            },
            RequestOptions::default(),
        )
        .await
        .unwrap();

    assert_eq!(canceled.status, Status::Canceled);
    assert!(canceled.canceled_at.is_some());
    assert_eq!(canceled.cancellation_reason.as_deref(), Some("abandoned"));
    let err = app
        .confirm_with(&intent.id, "pm_card_visa")
        .await
        .unwrap_err();
    assert_refused(&err, "payment_intent_unexpected_state", None);
}

#[tokio::test]
async fn capturing_more_than_is_capturable_is_refused() {
    let app = spawn_sim().await;
    let held = authorized(&app, 1000).await;

    let err = capture(&app, &held.id, Some(1001)).await.unwrap_err();

    assert_refused(&err, "amount_too_large", Some("amount_to_capture"));
    let still = app.retrieve(&held.id).await;
    assert_eq!(still.status, Status::RequiresCapture);
    assert_eq!(still.amount_capturable, 1000);
}

#[tokio::test]
async fn a_partial_capture_receives_only_the_captured_amount() {
    let app = spawn_sim().await;
    let held = authorized(&app, 1000).await;

    let captured = capture(&app, &held.id, Some(600)).await.unwrap();

    assert_eq!(captured.status, Status::Succeeded);
    assert_eq!(captured.amount_received, 600);
    assert_eq!(captured.amount_capturable, 0);
    let charge = latest_charge(&app, &held.id).await;
    assert!(charge.captured);
    assert_eq!(charge.amount_captured, 600);
    assert!(!charge.refunded);
}

#[tokio::test]
async fn the_captured_part_of_a_partial_capture_can_be_refunded_in_full() {
    let app = spawn_sim().await;
    let held = authorized(&app, 1000).await;
    capture(&app, &held.id, Some(600)).await.unwrap();

    let refunded = refund(&app, &held.id, None)
        .await
        .expect("the 600 captured are refundable");

    assert_eq!(refunded.amount, 600);
    let too_much = refund(&app, &held.id, Some(1)).await.unwrap_err();
    assert_refused(&too_much, "charge_already_refunded", None);
    assert!(latest_charge(&app, &held.id).await.refunded);
}

#[tokio::test]
async fn a_capture_without_an_amount_captures_everything() {
    let app = spawn_sim().await;
    let held = authorized(&app, 1000).await;

    let captured = capture(&app, &held.id, None).await.unwrap();

    assert_eq!(captured.amount_received, 1000);
    assert_eq!(latest_charge(&app, &held.id).await.amount_captured, 1000);
}

#[tokio::test]
async fn an_intent_that_is_not_authorized_cannot_be_captured() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1000).await;

    let err = capture(&app, &paid.id, None).await.unwrap_err();

    assert_refused(&err, "payment_intent_unexpected_state", None);
}

#[tokio::test]
async fn canceling_an_authorization_releases_it() {
    let app = spawn_sim().await;
    let held = authorized(&app, 1000).await;

    let canceled = app
        .client
        .cancel_payment_intent(
            &held.id,
            &CancelPaymentIntent::default(),
            RequestOptions::default(),
        )
        .await
        .unwrap();

    assert_eq!(canceled.status, Status::Canceled);
    assert_eq!(canceled.amount_capturable, 0);
    assert_eq!(canceled.amount_received, 0);
}

#[tokio::test]
async fn refunding_more_than_was_received_is_refused() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1000).await;

    let err = refund(&app, &paid.id, Some(1001)).await.unwrap_err();

    assert_refused(&err, "amount_too_large", Some("amount"));
    assert_eq!(latest_charge(&app, &paid.id).await.amount_refunded, 0);
}

#[tokio::test]
async fn partial_refunds_add_up_to_at_most_what_was_received() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1000).await;

    let first = refund(&app, &paid.id, Some(300)).await.unwrap();
    let second = refund(&app, &paid.id, Some(300)).await.unwrap();
    let over = refund(&app, &paid.id, Some(401)).await.unwrap_err();

    assert_eq!((first.amount, second.amount), (300, 300));
    assert_eq!(first.status, RefundStatus::Succeeded);
    assert_ne!(first.id, second.id);
    assert_refused(&over, "amount_too_large", Some("amount"));
    let charge = latest_charge(&app, &paid.id).await;
    assert_eq!(charge.amount_refunded, 600);
    assert!(!charge.refunded);

    let rest = refund(&app, &paid.id, None).await.unwrap();
    assert_eq!(rest.amount, 400, "no amount refunds what remains");
    assert!(latest_charge(&app, &paid.id).await.refunded);
    let fetched = app.client.retrieve_refund(&rest.id).await.unwrap();
    assert_eq!(fetched.amount, 400);
    assert_eq!(fetched.payment_intent.as_deref(), Some(paid.id.as_str()));
}

#[tokio::test]
async fn an_intent_that_has_not_succeeded_cannot_be_refunded() {
    let app = spawn_sim().await;
    let unpaid = app.create_intent(1000).await;
    let held = authorized(&app, 1000).await;

    let unpaid_err = refund(&app, &unpaid.id, None).await.unwrap_err();
    let held_err = refund(&app, &held.id, None).await.unwrap_err();

    assert_refused(&unpaid_err, "charge_not_refundable", Some("payment_intent"));
    assert_refused(&held_err, "charge_not_refundable", Some("payment_intent"));
}

#[tokio::test]
async fn the_amount_of_an_unpaid_intent_can_be_changed() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1000).await;

    let updated = app
        .client
        .update_payment_intent(
            &intent.id,
            &UpdatePaymentIntent {
                amount: Some(2500),
                ..Default::default()
            },
            RequestOptions::default(),
        )
        .await
        .unwrap();
    let paid = app.confirm_with(&intent.id, "pm_card_visa").await.unwrap();

    assert_eq!(updated.amount, 2500);
    assert_eq!(paid.amount_received, 2500, "the new amount is charged");
}

#[tokio::test]
async fn the_amount_of_a_succeeded_intent_cannot_be_changed() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1000).await;

    let err = app
        .client
        .update_payment_intent(
            &paid.id,
            &UpdatePaymentIntent {
                amount: Some(2500),
                ..Default::default()
            },
            RequestOptions::default(),
        )
        .await
        .unwrap_err();

    assert_refused(&err, "payment_intent_unexpected_state", None);
    assert_eq!(app.retrieve(&paid.id).await.amount, 1000);
}

#[tokio::test]
async fn the_description_of_a_succeeded_intent_can_still_be_changed() {
    let app = spawn_sim().await;
    let paid = app.paid_intent(1000).await;

    let updated = app
        .client
        .update_payment_intent(
            &paid.id,
            &UpdatePaymentIntent {
                description: Some("table 4".into()),
                ..Default::default()
            },
            RequestOptions::default(),
        )
        .await
        .unwrap();

    assert_eq!(updated.description.as_deref(), Some("table 4"));
    assert_eq!(updated.status, Status::Succeeded);
}

#[tokio::test]
async fn a_server_side_confirm_that_could_redirect_needs_a_return_url_unless_redirects_are_off() {
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let refused = app
        .post(
            &format!("/v1/payment_intents/{}/confirm", intent.id),
            None,
            serde_json::json!({ "payment_method": "pm_card_visa" }),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error()["param"], "return_url");

    let no_redirects = app
        .post(
            "/v1/payment_intents",
            None,
            serde_json::json!({ "amount": "1999", "currency": "usd",
                    "automatic_payment_methods": { "enabled": "true", "allow_redirects": "never" } }),
        )
        .await;
    assert_eq!(
        no_redirects.body["automatic_payment_methods"]["allow_redirects"],
        "never"
    );
    let id = no_redirects.body["id"].as_str().unwrap().to_owned();
    let confirmed = app
        .post(
            &format!("/v1/payment_intents/{id}/confirm"),
            None,
            serde_json::json!({ "payment_method": "pm_card_visa" }),
        )
        .await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(confirmed.body["status"], "succeeded");
}

#[tokio::test]
async fn a_server_side_3d_secure_confirm_redirects_to_a_challenge_page_and_back_to_the_return_url()
{
    let app = spawn_sim().await;
    let intent = app.create_intent(1999).await;
    let confirmed = app
        .confirm_with(&intent.id, "pm_card_authenticationRequired")
        .await
        .unwrap();
    let action = confirmed.next_action.expect("a challenge");
    assert_eq!(action.kind, "redirect_to_url");
    let value = app
        .get(
            &format!("/v1/payment_intents/{}", intent.id),
            serde_json::json!({}),
        )
        .await
        .body;
    let url = value["next_action"]["redirect_to_url"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        value["next_action"]["redirect_to_url"]["return_url"],
        RETURN_URL
    );

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let shown = http.get(&url).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    assert!(shown
        .text()
        .await
        .unwrap()
        .contains("Complete authentication"));
    let answered = http
        .post(&url)
        .form(&[("outcome", "complete")])
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 303);
    let location = answered.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!(
            "{RETURN_URL}?payment_intent={}&redirect_status=succeeded",
            intent.id
        )
    );
    assert!(
        !location.contains("secret"),
        "the client secret never goes in a URL"
    );
    assert_eq!(
        app.retrieve(&intent.id).await.status,
        kassa_stripe::PaymentIntentStatus::Succeeded
    );
}
