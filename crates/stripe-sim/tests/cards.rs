//! Every row of test-cards.tsv behaves as listed, as a `pm_card_*` token and as raw card data; 3-D Secure;
//! the asynchronous cards; and a declined intent paid with another card.

mod common;

use common::*;
use kassa_stripe::client::ListParams;
use kassa_stripe::{Error, ErrorType, PaymentIntent, PaymentIntentStatus as Status};

const AMOUNT: i64 = 1999;

/// Asserts a 402 card error with these codes, and returns the intent it carried.
fn assert_declined(
    outcome: Result<PaymentIntent, Error>,
    expected_code: &str,
    expected_decline_code: Option<&str>,
    how: &str,
) -> PaymentIntent {
    match outcome {
        Err(Error::Api {
            status,
            kind,
            code,
            decline_code,
            message,
            payment_intent,
            ..
        }) => {
            assert_eq!(status, 402, "{how}");
            assert_eq!(kind, ErrorType::CardError, "{how}");
            assert_eq!(code.as_deref(), Some(expected_code), "{how}");
            assert_eq!(decline_code.as_deref(), expected_decline_code, "{how}");
            assert!(
                message.is_some_and(|m| !m.is_empty()),
                "{how}: a message to show"
            );
            *payment_intent.unwrap_or_else(|| panic!("{how}: the 402 carries the intent"))
        }
        other => panic!("{how}: expected a 402 card error, got {other:?}"),
    }
}

/// The intent is back in requires_payment_method, its last_payment_error naming the decline.
fn assert_awaits_another_card(
    intent: &PaymentIntent,
    code: &str,
    decline_code: Option<&str>,
    how: &str,
) {
    assert_eq!(intent.status, Status::RequiresPaymentMethod, "{how}");
    let error = intent
        .last_payment_error
        .as_ref()
        .unwrap_or_else(|| panic!("{how}: last_payment_error"));
    assert_eq!(error.code.as_deref(), Some(code), "{how}");
    assert_eq!(error.decline_code.as_deref(), decline_code, "{how}");
    assert_eq!(intent.amount_received, 0, "{how}");
}

/// Checks what a confirm with `card` (given as `how`) did against the table's row.
async fn assert_behaves_as_listed(
    app: &TestSim,
    card: &TestCard,
    id: &str,
    outcome: Result<PaymentIntent, Error>,
    how: &str,
) {
    match card.result.as_str() {
        "succeeded" => {
            let intent = outcome.unwrap_or_else(|e| panic!("{how}: expected success, got {e:?}"));
            assert_eq!(intent.status, Status::Succeeded, "{how}");
            assert_eq!(intent.amount_received, AMOUNT, "{how}");
            assert!(intent.latest_charge.is_some(), "{how}: a charge");
            assert!(intent.last_payment_error.is_none(), "{how}");
        }
        "declined" => {
            let code = card
                .error_code
                .as_deref()
                .expect("a declined row has a code");
            let decline_code = card.decline_code.as_deref();
            let carried = assert_declined(outcome, code, decline_code, how);
            assert_eq!(carried.id, id, "{how}");
            assert_awaits_another_card(&carried, code, decline_code, how);
            let stored = app.retrieve(id).await;
            assert_awaits_another_card(&stored, code, decline_code, how);
        }
        "requires_action" => {
            let intent =
                outcome.unwrap_or_else(|e| panic!("{how}: expected a challenge, got {e:?}"));
            assert_eq!(intent.status, Status::RequiresAction, "{how}");
            let next_action = intent.next_action.as_ref().expect("next_action");
            // A server-side confirm with a return_url gets a page to send the customer to; Stripe.js, which
            // says use_stripe_sdk, gets the challenge to run itself (the browser judge covers that).
            assert_eq!(next_action.kind, "redirect_to_url", "{how}");

            let after = app
                .authenticate(id, "complete")
                .await
                .unwrap_or_else(|e| panic!("{how}: authenticate: {e:?}"));
            match card.error_code.as_deref() {
                None => {
                    assert_eq!(after.status, Status::Succeeded, "{how}");
                    assert_eq!(after.amount_received, AMOUNT, "{how}");
                    assert!(after.next_action.is_none(), "{how}");
                }
                Some(code) => {
                    assert_awaits_another_card(&after, code, card.decline_code.as_deref(), how)
                }
            }
        }
        "invalid" => {
            let carried = match outcome {
                Err(e) => e,
                Ok(pi) => panic!("{how}: expected incorrect_number, got {:?}", pi.status),
            };
            assert_eq!(carried.status(), Some(402), "{how}");
            assert_eq!(carried.code(), Some("incorrect_number"), "{how}");
            assert!(
                matches!(
                    carried,
                    Error::Api {
                        kind: ErrorType::CardError,
                        ..
                    }
                ),
                "{how}"
            );
            let stored = app.retrieve(id).await;
            assert_eq!(stored.status, Status::RequiresPaymentMethod, "{how}");
            assert!(
                stored.latest_charge.is_none(),
                "{how}: no charge was attempted"
            );
        }
        other => panic!("test-cards.tsv has a result this test does not know: {other}"),
    }
}

#[tokio::test]
async fn every_test_card_token_behaves_as_the_table_lists() {
    let app = spawn_sim().await;
    let cards: Vec<TestCard> = test_cards()
        .into_iter()
        .filter(|c| c.token.is_some())
        .collect();
    assert!(cards.len() >= 15);

    for card in &cards {
        let token = card.token.as_deref().unwrap();
        let intent = app.create_intent(AMOUNT).await;
        let outcome = app.confirm_with(&intent.id, token).await;
        assert_behaves_as_listed(&app, card, &intent.id, outcome, token).await;
    }
}

#[tokio::test]
async fn every_test_card_number_behaves_as_the_table_lists_when_sent_as_card_data() {
    let app = spawn_sim().await;

    for card in &test_cards() {
        let how = format!("{} with CVC {}", card.number, card.cvc());
        let intent = app.create_intent(AMOUNT).await;
        let outcome = app
            .confirm_with_card(&intent.id, &card.number, Some(card.cvc()))
            .await;
        assert_behaves_as_listed(&app, card, &intent.id, outcome, &how).await;
    }
}

#[tokio::test]
async fn failing_3d_secure_returns_every_challenged_card_to_requires_payment_method() {
    let app = spawn_sim().await;
    let challenged: Vec<TestCard> = test_cards()
        .into_iter()
        .filter(|c| c.result == "requires_action")
        .collect();
    assert!(challenged.len() >= 5);

    for card in &challenged {
        let intent = app.create_intent(AMOUNT).await;
        let challenged = app
            .confirm_with_card(&intent.id, &card.number, Some(card.cvc()))
            .await
            .unwrap();
        assert_eq!(challenged.status, Status::RequiresAction, "{}", card.number);

        let after = app.authenticate(&intent.id, "fail").await.unwrap();

        assert_eq!(
            after.status,
            Status::RequiresPaymentMethod,
            "{}",
            card.number
        );
        assert!(after.next_action.is_none(), "{}", card.number);
        let error = after.last_payment_error.expect("last_payment_error");
        assert_eq!(
            error.code.as_deref(),
            Some("payment_intent_authentication_failure"),
            "{}",
            card.number
        );
        assert_eq!(
            app.retrieve(&intent.id).await.status,
            Status::RequiresPaymentMethod
        );
    }
}

#[tokio::test]
async fn a_challenged_card_can_be_authenticated_once_only() {
    let app = spawn_sim().await;
    let intent = app.create_intent(AMOUNT).await;
    app.confirm_with(&intent.id, "pm_card_authenticationRequired")
        .await
        .unwrap();
    app.authenticate(&intent.id, "complete").await.unwrap();

    let again = app.authenticate(&intent.id, "complete").await.unwrap_err();

    assert_eq!(again.status(), Some(400));
    assert_eq!(again.code(), Some("payment_intent_unexpected_state"));
}

#[tokio::test]
async fn a_luhn_failure_is_refused_as_incorrect_number() {
    let app = spawn_sim().await;
    let intent = app.create_intent(AMOUNT).await;

    let err = app
        .confirm_with_card(&intent.id, "4242424242424241", Some("123"))
        .await
        .unwrap_err();

    match err {
        Error::Api {
            status,
            kind,
            code,
            param,
            ..
        } => {
            assert_eq!(status, 402);
            assert_eq!(kind, ErrorType::CardError);
            assert_eq!(code.as_deref(), Some("incorrect_number"));
            assert_eq!(param.as_deref(), Some("number"));
        }
        other => panic!("expected a card error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_incorrect_cvc_card_declines_only_when_a_cvc_is_given() {
    let app = spawn_sim().await;
    let number = "4000000000000127";

    let without = app.create_intent(AMOUNT).await;
    let paid = app
        .confirm_with_card(&without.id, number, None)
        .await
        .expect("no CVC, nothing to check");
    assert_eq!(paid.status, Status::Succeeded);

    let with = app.create_intent(AMOUNT).await;
    let outcome = app.confirm_with_card(&with.id, number, Some("123")).await;
    assert_declined(outcome, "incorrect_cvc", None, "with a CVC");
}

#[tokio::test]
async fn a_card_number_outside_the_table_declines_as_a_live_card() {
    let app = spawn_sim().await;
    let intent = app.create_intent(AMOUNT).await;

    let outcome = app
        .confirm_with_card(&intent.id, "4111111111111111", Some("123"))
        .await;

    assert_declined(
        outcome,
        "card_declined",
        Some("test_mode_live_card"),
        "4111111111111111",
    );
}

#[tokio::test]
async fn an_asynchronous_card_is_processing_then_succeeds() {
    let app = spawn_sim().await;
    let intent = app.create_intent(AMOUNT).await;

    let processing = app
        .confirm_with(&intent.id, "pm_card_processing_succeeds")
        .await
        .unwrap();
    assert_eq!(processing.status, Status::Processing);
    assert_eq!(processing.amount_received, 0);

    let (app, id) = (&app, &intent.id);
    let done = eventually("the intent to succeed", || async move {
        let pi = app.retrieve(id).await;
        (pi.status != Status::Processing).then_some(pi)
    })
    .await;
    assert_eq!(done.status, Status::Succeeded);
    assert_eq!(done.amount_received, AMOUNT);
}

#[tokio::test]
async fn an_asynchronous_card_is_processing_then_fails() {
    let app = spawn_sim().await;
    let intent = app.create_intent(AMOUNT).await;

    let processing = app
        .confirm_with(&intent.id, "pm_card_processing_fails")
        .await
        .unwrap();
    assert_eq!(processing.status, Status::Processing);

    let (app, id) = (&app, &intent.id);
    let done = eventually("the intent to fail", || async move {
        let pi = app.retrieve(id).await;
        (pi.status != Status::Processing).then_some(pi)
    })
    .await;
    assert_awaits_another_card(
        &done,
        "card_declined",
        Some("generic_decline"),
        "processing_fails",
    );
}

#[tokio::test]
async fn a_declined_intent_is_paid_with_another_card_on_the_same_intent() {
    let app = spawn_sim().await;
    let intent = app.create_intent(AMOUNT).await;

    let declined = app
        .confirm_with(&intent.id, "pm_card_visa_chargeDeclinedInsufficientFunds")
        .await;
    let declined = assert_declined(
        declined,
        "card_declined",
        Some("insufficient_funds"),
        "first card",
    );
    let paid = app
        .confirm_with(&intent.id, "pm_card_visa")
        .await
        .expect("the second card pays");

    assert_eq!(paid.id, intent.id);
    assert_eq!(paid.status, Status::Succeeded);
    assert_eq!(paid.amount_received, AMOUNT);
    assert!(
        paid.last_payment_error.is_none(),
        "a success clears the decline"
    );
    assert_ne!(
        paid.latest_charge.as_ref().map(|c| c.id().to_owned()),
        declined.latest_charge.as_ref().map(|c| c.id().to_owned()),
        "the successful charge is a new one"
    );
    let all = app
        .client
        .list_payment_intents(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(all.data.len(), 1, "one sale, one intent");
}
