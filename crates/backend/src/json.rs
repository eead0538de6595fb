//! A JSON body extractor whose rejections name what to fix: the content type, the size, or the exact field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Bodies are small (an order's payment request); anything bigger is a mistake or abuse.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        // The router's DefaultBodyLimit makes this fail past MAX_BODY_BYTES.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::TooLarge {
                limit: MAX_BODY_BYTES,
            })?;
        parse(&bytes).map(JsonBody)
    }
}

/// One JSON object, nothing after it, read into `T`. Types read here deny unknown fields
/// (`#[serde(deny_unknown_fields)]`): a misspelt or unsupported option must be refused, not silently dropped.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object; serde would otherwise also take a struct's fields from a JSON array.
    if !matches!(bytes.trim_ascii_start().first(), None | Some(b'{')) {
        return Err(ApiError::invalid("body", "the body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(field_error)?;
    // serde stops after the first value; whatever follows it (a second object, stray text) is a broken client.
    de.end().map_err(|e| {
        ApiError::invalid(
            "body",
            format!("the body must be one JSON object with nothing after it: {e}"),
        )
    })?;
    Ok(value)
}

fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::invalid("body", format!("the body is not valid JSON: {inner}"));
    }
    // A missing field's error sits at its parent's path; the field itself is what to fix. An unknown one's path
    // ends with it already.
    let message = inner.to_string();
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
    };
    let field = match (path.as_str(), named("missing field `")) {
        (".", Some(name)) => name.to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (".", None) => named("duplicate field `").unwrap_or("body").to_owned(),
        (other, None) => other.to_owned(),
    };
    ApiError::invalid(field.clone(), format!("{field}: {message}"))
}

/// A free-text field at most `max` characters long (Stripe counts characters, not bytes).
pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Req {
        amount: i64,
        #[serde(default)]
        #[allow(dead_code)]
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[allow(dead_code)]
        x: i64,
    }

    fn field(body: &str) -> String {
        match parse::<Req>(body.as_bytes()).unwrap_err() {
            ApiError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_object_and_nothing_after_it() {
        assert_eq!(parse::<Req>(b" {\"amount\": 5} \n").unwrap().amount, 5);
        for trailing in [
            r#"{"amount": 5} x"#,
            r#"{"amount": 5}{"amount": 6}"#,
            r#"{"amount": 5},"#,
        ] {
            assert_eq!(field(trailing), "body", "{trailing}");
        }
        let err = parse::<Req>(br#"{"amount": 5} x"#).unwrap_err().to_string();
        assert!(err.contains("nothing after it"), "{err}");
    }

    #[test]
    fn unknown_missing_and_repeated_fields_are_named() {
        assert_eq!(field(r#"{"amount": 5, "capture": "now"}"#), "capture");
        assert_eq!(
            field(r#"{"amount": 5, "inner": {"x": 1, "y": 2}}"#),
            "inner.y"
        );
        assert_eq!(field(r#"{"inner": {"x": 1}}"#), "amount");
        assert_eq!(field(r#"{"amount": 5, "inner": {}}"#), "inner.x");
        assert_eq!(field(r#"{"amount": 5, "amount": 6}"#), "amount");
        assert_eq!(field(r#"{"amount": "5"}"#), "amount");
        assert_eq!(field(r#"[5]"#), "body");
        assert_eq!(field(r#"{"amount": 5"#), "body");
    }

    #[test]
    fn lengths_count_characters() {
        check_len("description", &"é".repeat(1000), 1000).unwrap();
        let err = check_len("description", &"x".repeat(1001), 1000).unwrap_err();
        assert!(
            matches!(&err, ApiError::Invalid { field, .. } if field == "description"),
            "{err:?}"
        );
    }
}
