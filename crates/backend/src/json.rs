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

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object; serde would otherwise also take a struct's fields from a JSON array.
    if !matches!(bytes.trim_ascii_start().first(), None | Some(b'{')) {
        return Err(ApiError::invalid("body", "the body must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::invalid("body", format!("the body is not valid JSON: {inner}"));
        }
        // A missing field's error sits at its parent's path; the field itself is what to fix.
        let message = inner.to_string();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => name.to_owned(),
            (parent, Some(name)) => format!("{parent}.{name}"),
            (".", None) => "body".to_owned(),
            (other, None) => other.to_owned(),
        };
        ApiError::invalid(field.clone(), format!("{field}: {message}"))
    })
}
