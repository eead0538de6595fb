//! What a request that no route takes is answered: 404 naming the method and path asked for, and 405 naming the
//! methods the path takes, both in the JSON shape of every other error.

use axum::extract::Request;
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use kassa_api::{ErrorBody, ErrorDetail};

/// Enough of a path to recognise it; the rest of an overlong one is not echoed.
const MAX_ECHOED_PATH: usize = 200;

/// The path only: a query may carry what must not be echoed back (the payment page refuses secrets there).
fn echoed(uri: &Uri) -> String {
    let path = uri.path();
    match path.char_indices().nth(MAX_ECHOED_PATH) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_owned(),
    }
}

fn error(status: StatusCode, error: ErrorDetail) -> Response {
    (status, Json(ErrorBody { error })).into_response()
}

pub async fn no_such_endpoint(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        ErrorDetail::new(
            "not_found",
            format!("no such endpoint: {method} {}", echoed(&uri)),
            None,
        ),
    )
}

/// `app`, its bodiless 405s given a body naming the methods the path takes. Around the whole router, not as a
/// layer of its routes: axum adds the `Allow` header on the way out of a route, after the route's own layers.
pub fn explaining_405(app: Router) -> Router {
    Router::new()
        .fallback_service(app)
        .layer(axum::middleware::from_fn(method_not_allowed))
}

async fn method_not_allowed(req: Request, next: Next) -> Response {
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let response = next.run(req).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED
        || http_body::Body::size_hint(response.body()).exact() != Some(0)
    {
        return response;
    }
    let allowed: Vec<String> = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    let message = match allowed.as_slice() {
        [] => format!("{} does not take {method}", echoed(&uri)),
        _ => format!(
            "{} does not take {method}; it takes {}",
            echoed(&uri),
            allowed.join(", ")
        ),
    };
    let mut answer = error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorDetail {
            allowed: Some(allowed),
            ..ErrorDetail::new("method_not_allowed", message, None)
        },
    );
    if let Some(allow) = response.headers().get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
}
