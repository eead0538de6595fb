//! Every error the API answers with: a status, a stable code, a message that says what to fix, and the field at
//! fault where there is one. Never a 500 for bad input; a 5xx only when storage or Stripe itself failed.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("the request body must be JSON: send Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("missing or unknown bearer token: send Authorization: Bearer <token from `kassa-backend token create`>")]
    Unauthorized,
    /// A valid token that may not do this; the message names the rule (e.g. "refunds need an admin token").
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    /// An order id that is not there (or is another terminal's): the path's order_id is what to fix.
    #[error("order {0} not found")]
    UnknownOrder(String),
    #[error("{message}")]
    Conflict { message: String },
    /// Stripe refused the request; its own words are passed on.
    #[error("{message}")]
    Stripe {
        status: u16,
        code: Option<String>,
        decline_code: Option<String>,
        message: String,
        param: Option<String>,
    },
    /// A card reader could not do what was asked (busy, offline, timed out): what to do about it.
    #[error("{message}")]
    Reader {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("Stripe could not be reached: {0}")]
    StripeUnavailable(String),
    #[error("storage failed: {0}")]
    Storage(String),
    /// Too many requests of one kind from one token (`rate_limit`): the client waits `retry_after` seconds.
    #[error("too many {what} from this token: try again in {retry_after} s")]
    RateLimited {
        what: &'static str,
        retry_after: u64,
    },
    /// A file refused as a whole (a catalogue import), with every bad row.
    #[error("{} of the file's rows are wrong; nothing was imported", .0.len())]
    BadRows(Vec<kassa_api::RowProblem>),
    /// The payment page is missing from this build, or broken: the operator has to build the UI.
    #[error("{0}")]
    PageNotBuilt(String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid { .. } | Self::BadRows(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) | Self::UnknownOrder(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Stripe { status, .. } if *status >= 500 => StatusCode::BAD_GATEWAY,
            Self::Stripe { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Self::Reader { status, .. } => *status,
            Self::StripeUnavailable(_) => StatusCode::BAD_GATEWAY,
            Self::Storage(_) | Self::PageNotBuilt(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::Invalid { .. } => "invalid_request",
            Self::BadRows(_) => "invalid_import",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::TooLarge { .. } => "body_too_large",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::RateLimited { .. } => "rate_limited",
            Self::NotFound(_) | Self::UnknownOrder(_) => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::Stripe { code, .. } => code.as_deref().unwrap_or("stripe_error"),
            Self::Reader { code, .. } => code,
            Self::StripeUnavailable(_) => "stripe_unavailable",
            Self::Storage(_) => "storage_unavailable",
            Self::PageNotBuilt(_) => "payment_page_not_built",
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::UnsupportedMediaType => Some("Content-Type"),
            Self::TooLarge { .. } | Self::BadRows(_) => Some("body"),
            Self::UnknownOrder(_) => Some("order_id"),
            Self::Unauthorized | Self::Forbidden(_) | Self::RateLimited { .. } => {
                Some("Authorization")
            }
            Self::Stripe { param, .. } => param.as_deref(),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if matches!(
            self,
            Self::Storage(_) | Self::StripeUnavailable(_) | Self::PageNotBuilt(_)
        ) {
            tracing::error!("{self}");
        }
        let decline_code = match &self {
            Self::Stripe { decline_code, .. } => decline_code.as_deref(),
            _ => None,
        };
        let detail = kassa_api::ErrorDetail {
            decline_code: decline_code.map(str::to_owned),
            ..kassa_api::ErrorDetail::new(self.code(), self.to_string(), self.field())
        };
        let (status, retry_after) = (self.status(), self.retry_after());
        let body = kassa_api::ErrorBody {
            error: match self {
                Self::BadRows(rows) => kassa_api::ErrorDetail { rows, ..detail },
                _ => detail,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

impl From<kassa_stripe::Error> for ApiError {
    fn from(e: kassa_stripe::Error) -> Self {
        match e {
            kassa_stripe::Error::Api {
                status,
                code,
                decline_code,
                message,
                param,
                ..
            } => Self::Stripe {
                status,
                code,
                decline_code,
                message: message.unwrap_or_else(|| "Stripe refused the request".into()),
                param,
            },
            other => Self::StripeUnavailable(other.to_string()),
        }
    }
}

impl From<crate::db::WriteError> for ApiError {
    fn from(e: crate::db::WriteError) -> Self {
        Self::Storage(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}
