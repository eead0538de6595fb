//! Who is calling: Stripe's key rules, and the publishable key's narrow rights (an intent's own client secret).

use axum::http::HeaderMap;
use base64::Engine;

use crate::failure::Failure;

#[derive(Debug, Clone)]
pub enum Caller {
    Secret(String),
    Publishable(String),
}

impl Caller {
    pub fn key(&self) -> &str {
        match self {
            Self::Secret(k) | Self::Publishable(k) => k,
        }
    }
}

fn masked(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let head: String = key.chars().take_while(|c| *c != '_').collect();
    let mode = key.split('_').nth(1).unwrap_or_default();
    format!("{head}_{mode}_********************{tail}")
}

pub fn caller(headers: &HeaderMap, pinned_secret: Option<&str>) -> Result<Caller, Failure> {
    let raw = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim();
    let key = if let Some(bearer) = raw.strip_prefix("Bearer ") {
        bearer.trim().to_owned()
    } else if let Some(basic) = raw.strip_prefix("Basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .unwrap_or_default();
        String::from_utf8_lossy(&decoded)
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        String::new()
    };
    if key.is_empty() {
        return Err(Failure::auth(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using \
             Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication \
             for details, or we can help at https://support.stripe.com/.",
        ));
    }
    if key.starts_with("pk_test_") {
        return Ok(Caller::Publishable(key));
    }
    let accepted = match pinned_secret {
        Some(pinned) => key == pinned,
        None => key.starts_with("sk_test_") || key.starts_with("rk_test_"),
    };
    if !accepted {
        let hint = if key.contains("_live_") {
            " The simulator is test mode only: use a sk_test_ key."
        } else {
            ""
        };
        return Err(Failure::auth(format!(
            "Invalid API Key provided: {}{hint}",
            masked(&key)
        )));
    }
    Ok(Caller::Secret(key))
}

pub fn publishable_refused() -> Failure {
    Failure::auth(
        "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of \
         your API keys at https://dashboard.stripe.com/account/apikeys.",
    )
}

pub fn client_secret_mismatch() -> Failure {
    Failure::param(
        "client_secret",
        Some("payment_intent_invalid_parameter"),
        "The client_secret provided does not match the client_secret associated with the PaymentIntent.",
    )
}
