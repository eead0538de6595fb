//! Products' pictures: an admin uploads one (`PUT /api/catalog/products/{sku}/image`, the image itself as the
//! body), and anyone may fetch it (`GET /api/catalog/images/{sku}`): a product photo is not a secret, and the
//! kiosk's page shows it with a plain <img>, which sends no token. The URL the feed carries changes with the
//! picture, so it is cached for good.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kassa_api::{CatalogUpdate, Product};
use sha2::{Digest, Sha256};

use super::{publish, rules, ADMIN_ONLY};
use crate::auth::Caller;
use crate::db::catalog as db;
use crate::error::ApiError;
use crate::state::AppState;

/// The largest picture: a kiosk tile is a few hundred pixels wide.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// The picture's type, from its first bytes (never from what the client says it is).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

pub async fn put(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(sku): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Product>, ApiError> {
    caller.require_admin(ADMIN_ONLY)?;
    rules::id("sku", &sku)?;
    let body = body.map_err(|_| ApiError::TooLarge {
        limit: MAX_IMAGE_BYTES,
    })?;
    let Some(kind) = sniff(&body) else {
        return Err(ApiError::invalid(
            "image",
            "the picture must be a PNG, JPEG or WebP file",
        ));
    };
    let said = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if said.as_deref() != Some(kind) {
        return Err(ApiError::invalid(
            "Content-Type",
            format!("the file is {kind}: send it as Content-Type: {kind}"),
        ));
    }
    let hash = hex::encode(Sha256::digest(&body));
    let now = state.clock.now();
    let stored = state
        .db
        .write(move |c| {
            let tx = c.transaction()?;
            let Some(_) = db::product(&tx, &sku)? else {
                return Ok(None);
            };
            db::put_image(&tx, &sku, kind, &body, &hash, now)?;
            let product = db::product(&tx, &sku)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            let update = CatalogUpdate {
                products: vec![product.clone()],
                ..Default::default()
            };
            let (_, cursor) = publish(&tx, update, now)?;
            tx.commit()?;
            Ok(Some((product, cursor)))
        })
        .await?;
    let Some((product, cursor)) = stored else {
        return Err(ApiError::NotFound("product".into()));
    };
    state.writer.announce(cursor);
    Ok(Json(product))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(sku): Path<String>,
) -> Result<Response, ApiError> {
    rules::id("sku", &sku)?;
    let Some((content_type, bytes)) = state.db.read(move |c| db::image(c, &sku)).await? else {
        return Err(ApiError::NotFound("picture".into()));
    };
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (
                CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
