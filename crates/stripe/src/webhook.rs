//! `Stripe-Signature`, signed and verified exactly as the official SDKs do it (stripe-node's Webhooks.ts):
//! HMAC-SHA256 over `"{t}.{raw payload}"`, keyed with the whole `whsec_…` string; any `v1` may match; `v0` and
//! unknown schemes are ignored; the comparison is constant-time; the signature is checked before the timestamp.
//! The clock is a parameter, so callers (and tests) decide what "now" is.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::types::Event;

/// How old a signature may be, in seconds, before it is refused as a possible replay. Stripe's default.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

const EXPECTED_SCHEME: &str = "v1";

/// Why a delivery was refused. The messages are stripe-node's, so they read the same in every Kassa log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("No webhook payload was provided.")]
    NoPayload,
    #[error("No stripe-signature header value was provided.")]
    NoHeader,
    #[error("Unable to extract timestamp and signatures from header")]
    MalformedHeader,
    #[error("No signatures found with expected scheme")]
    NoExpectedScheme,
    #[error(
        "No signatures found matching the expected signature for payload. Are you passing the raw request body \
         you received from Stripe? If a webhook request is being forwarded by a third-party tool, ensure that the \
         exact request body, including JSON formatting and new line characters, is preserved.{}",
        if *secret_has_whitespace {
            "\n\nNote: The provided signing secret contains whitespace. This often indicates an extra newline or \
             space is in the value"
        } else {
            ""
        }
    )]
    NoMatchingSignature { secret_has_whitespace: bool },
    #[error("Timestamp outside the tolerance zone")]
    TimestampOutsideTolerance { age_secs: i64, tolerance_secs: i64 },
    #[error("Webhook payload is not a Stripe event: {0}")]
    InvalidPayload(String),
}

/// The hex HMAC-SHA256 of `"{timestamp}.{payload}"` keyed with the whole secret, `whsec_` prefix included.
pub fn compute_signature(payload: &[u8], secret: &str, timestamp: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Stripe-Signature` header Stripe would send for this payload at this time.
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    format!(
        "t={timestamp},v1={}",
        compute_signature(payload, secret, &timestamp.to_string())
    )
}

/// Checks a delivery. `now` is Unix seconds; a `tolerance_secs` of 0 or less turns the age check off.
pub fn verify(
    payload: &[u8],
    header: &str,
    secret: &str,
    tolerance_secs: i64,
    now: i64,
) -> Result<(), WebhookError> {
    if payload.is_empty() {
        return Err(WebhookError::NoPayload);
    }
    if header.is_empty() {
        return Err(WebhookError::NoHeader);
    }
    let parsed = parse_header(header);
    let Some(timestamp) = parsed.timestamp.filter(|t| *t != Timestamp::Number(-1)) else {
        return Err(WebhookError::MalformedHeader);
    };
    if parsed.signatures.is_empty() {
        return Err(WebhookError::NoExpectedScheme);
    }
    let expected = compute_signature(payload, secret, &timestamp.to_string());
    let found = parsed
        .signatures
        .iter()
        .any(|candidate| bool::from(candidate.as_bytes().ct_eq(expected.as_bytes())));
    if !found {
        return Err(WebhookError::NoMatchingSignature {
            secret_has_whitespace: secret.chars().any(char::is_whitespace),
        });
    }
    let Timestamp::Number(t) = timestamp else {
        unreachable!("a signature over the NaN timestamp cannot match a real one")
    };
    let age_secs = now - t;
    if tolerance_secs > 0 && age_secs > tolerance_secs {
        return Err(WebhookError::TimestampOutsideTolerance {
            age_secs,
            tolerance_secs,
        });
    }
    Ok(())
}

/// Verifies a delivery, then parses it as an [`Event`].
pub fn construct_event(
    payload: &[u8],
    header: &str,
    secret: &str,
    tolerance_secs: i64,
    now: i64,
) -> Result<Event, WebhookError> {
    verify(payload, header, secret, tolerance_secs, now)?;
    serde_json::from_slice(payload).map_err(|e| WebhookError::InvalidPayload(e.to_string()))
}

/// The header's timestamp as JavaScript's `parseInt` reads it, since that is what the signature is computed over
/// in the SDKs: `t=abc` gives NaN, which then can never match a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timestamp {
    Number(i64),
    NaN,
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::NaN => f.write_str("NaN"),
        }
    }
}

struct ParsedHeader<'a> {
    timestamp: Option<Timestamp>,
    signatures: Vec<&'a str>,
}

fn parse_header(header: &str) -> ParsedHeader<'_> {
    let mut parsed = ParsedHeader {
        timestamp: None,
        signatures: Vec::new(),
    };
    for item in header.split(',') {
        let mut kv = item.split('=');
        let key = kv.next().unwrap_or_default();
        let value = kv.next().unwrap_or_default();
        if key == "t" {
            parsed.timestamp = Some(parse_int_like_js(value));
        } else if key == EXPECTED_SCHEME {
            parsed.signatures.push(value);
        }
    }
    parsed
}

fn parse_int_like_js(s: &str) -> Timestamp {
    let s = s.trim_start();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    match digits[..end].parse::<i64>() {
        Ok(n) => Timestamp::Number(sign * n),
        Err(_) => Timestamp::NaN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const PAYLOAD: &[u8] = br#"{"id":"evt_1","object":"event"}"#;

    #[test]
    fn a_fresh_signature_verifies() {
        let header = sign(PAYLOAD, SECRET, 1_700_000_000);
        assert_eq!(verify(PAYLOAD, &header, SECRET, 300, 1_700_000_000), Ok(()));
    }

    #[test]
    fn the_signature_is_checked_before_the_timestamp() {
        let header = sign(PAYLOAD, "whsec_other", 1_000);
        let err = verify(PAYLOAD, &header, SECRET, 300, 1_000_000).unwrap_err();
        assert!(matches!(err, WebhookError::NoMatchingSignature { .. }));
    }

    #[test]
    fn a_stale_signature_is_refused_unless_tolerance_is_off() {
        let header = sign(PAYLOAD, SECRET, 1_000);
        assert_eq!(
            verify(PAYLOAD, &header, SECRET, 300, 1_301),
            Err(WebhookError::TimestampOutsideTolerance {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(verify(PAYLOAD, &header, SECRET, 0, 1_000_000), Ok(()));
    }

    #[test]
    fn a_secret_with_whitespace_gets_a_hint() {
        let header = sign(PAYLOAD, SECRET, 1_000);
        let err = verify(PAYLOAD, &header, "whsec_test_secret\n", 300, 1_000).unwrap_err();
        assert!(err.to_string().contains("contains whitespace"));
    }

    #[test]
    fn construct_event_parses_the_verified_payload() {
        let payload = br#"{"id":"evt_1","type":"payment_intent.succeeded","api_version":null,"created":1,"data":{"object":{"id":"pi_1","object":"payment_intent"}}}"#;
        let header = sign(payload, SECRET, 1);
        let event = construct_event(payload, &header, SECRET, 300, 1).unwrap();
        assert_eq!(event.payment_intent_id(), Some("pi_1"));
    }

    #[test]
    fn timestamps_parse_as_javascript_parse_int_does() {
        assert_eq!(parse_int_like_js("123abc"), Timestamp::Number(123));
        assert_eq!(parse_int_like_js("abc"), Timestamp::NaN);
        assert_eq!(parse_int_like_js(" -5"), Timestamp::Number(-5));
    }
}
