//! The tutorial's own endpoint, same request and response bodies: POST /create-payment-intent {amount, currency}
//! → {clientSecret}. Unlike the tutorial it needs a bearer token: a public intent endpoint invites card testing.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::payments::{self, IntentRequest};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreateRequest {
    amount: i64,
    currency: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResponse {
    client_secret: String,
}

pub async fn create_payment_intent(
    state: State<Arc<AppState>>,
    caller: Caller,
    JsonBody(req): JsonBody<CreateRequest>,
) -> Result<Json<CreateResponse>, ApiError> {
    // Each call is a new purchase in the tutorial, so each gets its own order.
    let order_id = format!("web_{}", hex::encode(rand::thread_rng().gen::<[u8; 12]>()));
    let info = payments::put_intent(
        state,
        caller,
        axum::extract::Path(order_id),
        JsonBody(IntentRequest {
            amount: req.amount,
            currency: req.currency,
            description: None,
            capture_method: None,
        }),
    )
    .await?;
    Ok(Json(CreateResponse {
        client_secret: info.0.client_secret,
    }))
}
