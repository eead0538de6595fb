//! The caller behind a bearer token: a terminal sees its own orders, an admin sees all.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::db::terminals::{self, Terminal};
use crate::error::ApiError;
use crate::state::AppState;

pub struct Caller(pub Terminal);

impl Caller {
    /// The terminal whose orders this caller may see; None for an admin (all).
    pub fn scope(&self) -> Option<&str> {
        (!self.0.admin).then_some(self.0.name.as_str())
    }

    pub fn may_see(&self, terminal: &str) -> bool {
        self.0.admin || self.0.name == terminal
    }

    /// Refuses a terminal token with 403; `rule` says what needs an admin token, e.g. "refunds need an admin token".
    pub fn require_admin(&self, rule: &str) -> Result<(), ApiError> {
        if self.0.admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(rule.to_owned()))
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized)?
            .to_owned();
        if state.bootstrap_token_sha256.as_deref() == Some(terminals::hash(&token).as_str()) {
            // The app that started this backend as its sidecar is its only client, and its admin screen (behind
            // the app's PIN) refunds and captures: it acts as an admin, under a name no stored terminal can take.
            return Ok(Caller(Terminal {
                name: terminals::SIDECAR.to_owned(),
                admin: true,
            }));
        }
        let found = state
            .db
            .read(move |conn| terminals::find(conn, &token))
            .await?;
        found.map(Caller).ok_or(ApiError::Unauthorized)
    }
}
