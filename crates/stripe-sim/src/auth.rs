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

/// The prefixes of the keys of a mode: Stripe keeps test and live apart, and so does the simulator (`--live`).
struct Keys {
    publishable: &'static str,
    secret: [&'static str; 2],
}

fn keys(live: bool) -> Keys {
    if live {
        Keys {
            publishable: "pk_live_",
            secret: ["sk_live_", "rk_live_"],
        }
    } else {
        Keys {
            publishable: "pk_test_",
            secret: ["sk_test_", "rk_test_"],
        }
    }
}

/// Whether `key` is a secret (or restricted) key of the mode, for `--secret-key`.
pub fn is_secret_key(key: &str, live: bool) -> bool {
    keys(live).secret.iter().any(|p| key.starts_with(p))
}

pub fn caller(
    headers: &HeaderMap,
    pinned_secret: Option<&str>,
    live: bool,
) -> Result<Caller, Failure> {
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
    if key.starts_with(keys(live).publishable) {
        return Ok(Caller::Publishable(key));
    }
    let accepted = match pinned_secret {
        Some(pinned) => key == pinned,
        None => is_secret_key(&key, live),
    };
    if !accepted {
        let hint = match (live, key.contains("_live_"), key.contains("_test_")) {
            (false, true, _) => {
                " The simulator runs in test mode: use a test key, or start it with --live for live keys."
            }
            (true, _, true) => " The simulator runs in live mode (--live): use a live key.",
            _ => "",
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
