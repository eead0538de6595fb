//! Idempotency for the calls that move money. The till sends an `Idempotency-Key` per action (one refund, one
//! capture), the same on every retry of it; Stripe gets a key derived from it, so a retried request is answered
//! with the first one's result and moves the money once. The derived key binds the client's key to the caller,
//! the order and the action: the same client key on another order or another action is another request, and a
//! client key can never replay someone else's.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const HEADER: &str = "Idempotency-Key";

/// Stripe's own limit for its Idempotency-Key.
const MAX_LEN: usize = 255;

/// The client's key, if it sent one; a malformed one is refused rather than ignored.
pub fn client_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=MAX_LEN).contains(&k.len()))
        .ok_or_else(|| {
            ApiError::invalid(
                HEADER,
                format!("the {HEADER} header must be 1 to {MAX_LEN} characters of visible ASCII"),
            )
        })?;
    Ok(Some(key))
}

/// The client's key, which `what` (e.g. "a refund") cannot go without.
pub fn require<'h>(headers: &'h HeaderMap, what: &str) -> Result<&'h str, ApiError> {
    client_key(headers)?.ok_or_else(|| {
        ApiError::invalid(
            HEADER,
            format!(
                "{what} needs an {HEADER} header: a value unique to it, sent again unchanged when the request is \
                 retried, so a retry cannot move the money twice"
            ),
        )
    })
}

/// The key Stripe gets for `action` on `order_id` by `caller`, from the client's key. Each part is
/// length-prefixed, so no two different inputs hash the same text.
pub fn derive(caller: &str, order_id: &str, action: &str, client_key: &str) -> String {
    let mut h = Sha256::new();
    for part in ["kassa-v1", caller, order_id, action, client_key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("kassa-{action}-{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(key: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HEADER, HeaderValue::from_str(key).unwrap());
        h
    }

    fn field(e: ApiError) -> String {
        match e {
            ApiError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_header_is_required_and_checked() {
        assert_eq!(require(&headers("r-1"), "a refund").unwrap(), "r-1");
        assert_eq!(client_key(&HeaderMap::new()).unwrap(), None);
        let missing = require(&HeaderMap::new(), "a refund").unwrap_err();
        assert!(missing
            .to_string()
            .starts_with("a refund needs an Idempotency-Key header"));
        assert_eq!(field(missing), HEADER);
        assert_eq!(field(client_key(&headers("  ")).unwrap_err()), HEADER);
        assert_eq!(
            field(client_key(&headers(&"k".repeat(256))).unwrap_err()),
            HEADER
        );
        let mut binary = HeaderMap::new();
        binary.insert(HEADER, HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        assert_eq!(field(client_key(&binary).unwrap_err()), HEADER);
    }

    #[test]
    fn derived_keys_are_stable_and_bound_to_caller_order_and_action() {
        let key = derive("admin", "order-1", "refund", "r-1");
        assert_eq!(key, derive("admin", "order-1", "refund", "r-1"));
        assert!(
            key.starts_with("kassa-refund-") && key.len() <= MAX_LEN,
            "{key}"
        );
        for other in [
            derive("till-1", "order-1", "refund", "r-1"),
            derive("admin", "order-2", "refund", "r-1"),
            derive("admin", "order-1", "capture", "r-1"),
            derive("admin", "order-1", "refund", "r-2"),
            // The parts' boundaries count: "order-1" + "refund" is not "order-1r" + "efund".
            derive("admin", "order-1r", "efund", "r-1"),
        ] {
            assert_ne!(other, key);
        }
    }
}
