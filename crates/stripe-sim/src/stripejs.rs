//! The Stripe.js stand-in's files. They are compiled in; `STRIPE_SIM_ASSETS=DIR` serves them from disk instead,
//! for working on them without a rebuild.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &str)] = &[
    (
        "stripe.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/stripe.js"),
    ),
    (
        "payment.html",
        "text/html; charset=utf-8",
        include_str!("../assets/payment.html"),
    ),
    (
        "challenge.html",
        "text/html; charset=utf-8",
        include_str!("../assets/challenge.html"),
    ),
];

pub fn serve(name: &str) -> Response {
    let (_, content_type, built_in) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .expect("known asset");
    let body = std::env::var_os("STRIPE_SIM_ASSETS")
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join(name)).ok())
        .unwrap_or_else(|| (*built_in).to_owned());
    (
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "no-store"),
            // The host page (tauri://localhost, or any origin) loads the script cross-origin, as it does js.stripe.com.
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}
