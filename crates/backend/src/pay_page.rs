//! GET /pay: the page that takes the card. Stripe.js refuses a live key on the app's own tauri://localhost, so the
//! till shows this page, served by the backend (over https in production), in a frame. The page holds no secret:
//! the till hands it the client secret by postMessage, never in a URL.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;

use crate::config::{self, ConfigError, StripeConfig};
use crate::error::ApiError;

/// Where the page's files come from: the UI's build, or a few files in memory (tests).
pub trait PageFiles: Send + Sync + 'static {
    /// A file by its path under the page's root: `index.html`, `assets/index-abc123.js`.
    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>>;
}

#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../../ui/dist-pay"]
#[allow_missing = true]
struct Dist;

/// `ui/dist-pay` (`npm --prefix ui run build`): inside the binary in release builds, read from disk in debug ones.
pub struct Embedded;

impl PageFiles for Embedded {
    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        Dist::get(path).map(|file| file.data)
    }
}

/// Files held in memory.
#[derive(Default)]
pub struct InMemory(HashMap<String, Vec<u8>>);

impl InMemory {
    pub fn with(mut self, path: &str, contents: impl Into<Vec<u8>>) -> Self {
        self.0.insert(path.to_owned(), contents.into());
        self
    }
}

impl PageFiles for InMemory {
    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        self.0.get(path).map(|b| Cow::Owned(b.clone()))
    }
}

/// The app's own origins: tauri://localhost on Linux and macOS, http(s)://tauri.localhost on Windows.
pub const APP_ORIGINS: [&str; 3] = [
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// The page's settings go here, inside `<script type="application/json" id="kassa-pay-config">`.
pub const CONFIG_MARKER: &[u8] = b"%KASSA_PAY_CONFIG%";

// Stripe's CSP guidance for Stripe.js. Its maps.googleapis.com entries serve the Address Element's autocomplete,
// which this page does not use.
const STRIPE_SCRIPT: &[&str] = &["https://js.stripe.com", "https://*.js.stripe.com"];
const STRIPE_FRAME: &[&str] = &[
    "https://js.stripe.com",
    "https://*.js.stripe.com",
    "https://hooks.stripe.com",
];
const STRIPE_CONNECT: &[&str] = &["https://api.stripe.com"];
const STRIPE_IMG: &[&str] = &["https://*.stripe.com"];

const NOT_BUILT: &str =
    "the payment page was not built: run `npm --prefix ui run build` (it writes ui/dist-pay), \
    then build kassa-backend again (release builds carry the page inside the binary)";

/// The page, its settings and its policy, fixed at start-up.
pub struct PayPage {
    files: Arc<dyn PageFiles>,
    /// The settings as JSON that cannot end the script element it sits in.
    config_json: String,
    csp: HeaderValue,
}

/// Where the page loads Stripe.js from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeJsAt {
    /// Stripe's own origins, or the origin of a Stripe-shaped API (`STRIPE_API_BASE`, e.g. a stripe-sim of its own).
    StripesOrigin,
    /// The in-process simulator, served on this backend's own origin (`/v3`, `/v1`): an https: page may not load
    /// a script from the simulator's plain-http loopback port (WebKit blocks it as mixed content).
    OwnOrigin,
}

impl PayPage {
    /// `extra_till_origins` are checked origins (`config::parse_origin`), allowed beside [`APP_ORIGINS`].
    pub fn new(
        files: Arc<dyn PageFiles>,
        stripe: &StripeConfig,
        extra_till_origins: &[String],
        stripe_js_at: StripeJsAt,
    ) -> Result<Self, ConfigError> {
        let mut tills: Vec<String> = APP_ORIGINS.iter().map(|o| (*o).to_owned()).collect();
        for origin in extra_till_origins {
            if !tills.contains(origin) {
                tills.push(origin.clone());
            }
        }
        let (stripe_js_url, sources) = match stripe_js_at {
            StripeJsAt::StripesOrigin => (stripe.stripe_js_url(), stripe_sources(stripe)?),
            StripeJsAt::OwnOrigin => {
                let own = || vec!["'self'".to_owned()];
                let sources = Sources {
                    script: vec![],
                    frame: own(),
                    connect: own(),
                    img: vec![],
                };
                ("/v3".to_owned(), sources)
            }
        };
        let config_json = script_safe(
            &serde_json::to_string(&kassa_api::PayConfig {
                stripe_js_url,
                till_origins: tills.clone(),
            })
            .expect("strings serialize"),
        );
        let csp = policy(&sources, &tills);
        let csp = HeaderValue::from_str(&csp)
            .map_err(|_| ConfigError::BadApiBase(stripe.api_base.clone()))?;
        Ok(Self {
            files,
            config_json,
            csp,
        })
    }

    /// index.html with its settings filled in.
    fn render(&self) -> Result<Vec<u8>, ApiError> {
        let html = self
            .files
            .get("index.html")
            .ok_or_else(|| ApiError::PageNotBuilt(NOT_BUILT.to_owned()))?;
        let at = html
            .windows(CONFIG_MARKER.len())
            .position(|w| w == CONFIG_MARKER)
            .ok_or_else(|| {
                ApiError::PageNotBuilt(
                    "the payment page's index.html has no %KASSA_PAY_CONFIG% marker: build it again with \
                     `npm --prefix ui run build`"
                        .to_owned(),
                )
            })?;
        let mut out = Vec::with_capacity(html.len() + self.config_json.len());
        out.extend_from_slice(&html[..at]);
        out.extend_from_slice(self.config_json.as_bytes());
        out.extend_from_slice(&html[at + CONFIG_MARKER.len()..]);
        Ok(out)
    }
}

/// JSON with `<`, `>` and `&` as escapes, so a value can never close the script element or open a comment.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

struct Sources {
    script: Vec<String>,
    frame: Vec<String>,
    connect: Vec<String>,
    img: Vec<String>,
}

/// Stripe's own origins, or only the origin of whatever stands in for Stripe (the simulator), which also serves
/// the Stripe.js stand-in (`StripeConfig::stripe_js_url`).
fn stripe_sources(stripe: &StripeConfig) -> Result<Sources, ConfigError> {
    if stripe.api_base == kassa_stripe::client::DEFAULT_API_BASE {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        return Ok(Sources {
            script: owned(STRIPE_SCRIPT),
            frame: owned(STRIPE_FRAME),
            connect: owned(STRIPE_CONNECT),
            img: owned(STRIPE_IMG),
        });
    }
    let origin = stripe
        .api_base
        .split_once("://")
        .and_then(|(scheme, rest)| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            config::parse_origin(&format!("{scheme}://{authority}"))
        })
        .ok_or_else(|| ConfigError::BadApiBase(stripe.api_base.clone()))?;
    Ok(Sources {
        script: vec![origin.clone()],
        frame: vec![origin.clone()],
        connect: vec![origin.clone()],
        img: vec![origin],
    })
}

fn policy(stripe: &Sources, tills: &[String]) -> String {
    let list = |fixed: &[&str], more: &[String]| {
        let all: Vec<&str> = fixed
            .iter()
            .copied()
            .chain(more.iter().map(String::as_str))
            .collect();
        all.join(" ")
    };
    [
        "default-src 'none'".to_owned(),
        format!("script-src {}", list(&["'self'"], &stripe.script)),
        format!("frame-src {}", list(&[], &stripe.frame)),
        format!("connect-src {}", list(&[], &stripe.connect)),
        // Stripe.js positions its overlays with inline styles.
        "style-src 'self' 'unsafe-inline'".to_owned(),
        format!("img-src {}", list(&["'self'", "data:"], &stripe.img)),
        "font-src 'self'".to_owned(),
        // Only the till may show the page; X-Frame-Options cannot name an origin, so it is not sent.
        format!("frame-ancestors {}", tills.join(" ")),
        "base-uri 'none'".to_owned(),
        "form-action 'none'".to_owned(),
    ]
    .join("; ")
}

pub fn router(page: Arc<PayPage>) -> Router {
    Router::new()
        .route("/pay", get(index))
        .route("/pay/", get(index))
        .route("/pay/assets/{file}", get(asset))
        .route("/pay/{*rest}", any(|| async { not_found() }))
        .layer(middleware::from_fn(refuse_secret_in_query))
        .with_state(page)
}

async fn index(State(page): State<Arc<PayPage>>) -> Response {
    match page.render() {
        Ok(html) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CONTENT_SECURITY_POLICY, page.csp.clone()),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            html,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// GET /pay/assets/{file}: only a file of the build, by its plain name; anything else (`..`, `%2F`) is absent.
async fn asset(
    State(page): State<Arc<PayPage>>,
    file: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(name)) = file else {
        return not_found();
    };
    let plain = (1..=200).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    let Some(bytes) = plain
        .then(|| page.files.get(&format!("assets/{name}")))
        .flatten()
    else {
        return not_found();
    };
    (
        [
            (header::CONTENT_TYPE, content_type(&name)),
            // Vite names every asset by its content's hash: a name never changes what it serves.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn not_found() -> Response {
    ApiError::NotFound("payment page file".into()).into_response()
}

/// A client secret in a URL ends up in histories, logs and Referer headers: such a request is refused, whatever
/// it asked for, and nothing about it is logged.
async fn refuse_secret_in_query(req: Request, next: Next) -> Response {
    if req.uri().query().is_some_and(carries_secret) {
        return ApiError::invalid(
            "query",
            "query: a client secret must never be in a URL; the payment page receives it by postMessage only",
        )
        .into_response();
    }
    next.run(req).await
}

/// Whether a query string holds something shaped like a client secret (`pi_…_secret_…`), as sent or decoded.
fn carries_secret(query: &str) -> bool {
    const MARK: &str = "_secret_";
    let has = |s: &str| s.to_ascii_lowercase().contains(MARK);
    has(query) || form_urlencoded::parse(query.as_bytes()).any(|(k, v)| has(&k) || has(&v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::{json, Value};
    use tower::ServiceExt;

    const PAGE: &str = "<!doctype html><html><head>\
        <script type=\"application/json\" id=\"kassa-pay-config\">%KASSA_PAY_CONFIG%</script>\
        <script type=\"module\" src=\"/pay/assets/index-AbC123.js\"></script></head><body></body></html>";

    fn files() -> InMemory {
        InMemory::default()
            .with("index.html", PAGE)
            .with("assets/index-AbC123.js", "console.log('pay')")
            .with("assets/index-Xy9.css", "body{}")
    }

    fn production() -> StripeConfig {
        StripeConfig {
            secret_key: "sk_live_x".into(),
            publishable_key: "pk_live_x".into(),
            webhook_secret: "whsec_x".into(),
            api_base: kassa_stripe::client::DEFAULT_API_BASE.into(),
        }
    }

    fn simulated() -> StripeConfig {
        StripeConfig {
            api_base: "http://127.0.0.1:4321".into(),
            ..production()
        }
    }

    fn app(files: InMemory, stripe: &StripeConfig, extra: &[&str]) -> Router {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        router(Arc::new(
            PayPage::new(Arc::new(files), stripe, &extra, StripeJsAt::StripesOrigin).unwrap(),
        ))
    }

    async fn get(app: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (parts.status, parts.headers, bytes.to_vec())
    }

    fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    /// The directive's sources, in order.
    fn directive(csp: &str, name: &str) -> Vec<String> {
        let found: Vec<_> = csp
            .split(';')
            .map(str::trim)
            .filter(|d| d.split_whitespace().next() == Some(name))
            .collect();
        assert_eq!(found.len(), 1, "one {name} in {csp}");
        found[0]
            .split_whitespace()
            .skip(1)
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn the_page_is_framed_only_by_the_tills_and_loads_only_stripe() {
        let app = app(files(), &production(), &["http://localhost:1420"]);
        for uri in ["/pay", "/pay/"] {
            let (status, headers, _) = get(&app, uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            let csp = header(&headers, "content-security-policy");
            assert_eq!(
                directive(csp, "frame-ancestors"),
                [
                    "tauri://localhost",
                    "http://tauri.localhost",
                    "https://tauri.localhost",
                    "http://localhost:1420"
                ]
            );
            assert_eq!(directive(csp, "default-src"), ["'none'"]);
            assert_eq!(
                directive(csp, "script-src"),
                ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
            );
            assert_eq!(
                directive(csp, "frame-src"),
                [
                    "https://js.stripe.com",
                    "https://*.js.stripe.com",
                    "https://hooks.stripe.com"
                ]
            );
            assert_eq!(directive(csp, "connect-src"), ["https://api.stripe.com"]);
            assert_eq!(
                directive(csp, "img-src"),
                ["'self'", "data:", "https://*.stripe.com"]
            );
            assert_eq!(directive(csp, "base-uri"), ["'none'"]);
            assert_eq!(directive(csp, "form-action"), ["'none'"]);
            assert_eq!(header(&headers, "cache-control"), "no-store");
            assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
            assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
            assert!(headers.get("x-frame-options").is_none());
        }
    }

    #[tokio::test]
    async fn without_extra_origins_only_the_app_frames_it() {
        let (_, headers, _) = get(&app(files(), &production(), &[]), "/pay").await;
        assert_eq!(
            directive(
                header(&headers, "content-security-policy"),
                "frame-ancestors"
            ),
            APP_ORIGINS
        );
    }

    #[tokio::test]
    async fn with_the_simulator_only_its_origin_stands_for_stripe() {
        let (status, headers, body) = get(&app(files(), &simulated(), &[]), "/pay").await;
        assert_eq!(status, StatusCode::OK);
        let csp = header(&headers, "content-security-policy");
        assert!(!csp.contains("stripe.com"), "{csp}");
        let sim = "http://127.0.0.1:4321";
        assert_eq!(directive(csp, "script-src"), ["'self'", sim]);
        assert_eq!(directive(csp, "frame-src"), [sim]);
        assert_eq!(directive(csp, "connect-src"), [sim]);
        assert_eq!(directive(csp, "img-src"), ["'self'", "data:", sim]);
        assert!(String::from_utf8(body)
            .unwrap()
            .contains(r#""stripe_js_url":"http://127.0.0.1:4321/v3""#));
    }

    #[tokio::test]
    async fn with_the_in_process_simulator_stripe_js_comes_from_the_page_s_own_origin() {
        let page =
            PayPage::new(Arc::new(files()), &simulated(), &[], StripeJsAt::OwnOrigin).unwrap();
        let (status, headers, body) = get(&router(Arc::new(page)), "/pay").await;
        assert_eq!(status, StatusCode::OK);
        let csp = header(&headers, "content-security-policy");
        assert!(
            !csp.contains("stripe.com") && !csp.contains("127.0.0.1"),
            "{csp}"
        );
        assert_eq!(directive(csp, "script-src"), ["'self'"]);
        assert_eq!(directive(csp, "frame-src"), ["'self'"]);
        assert_eq!(directive(csp, "connect-src"), ["'self'"]);
        assert_eq!(directive(csp, "img-src"), ["'self'", "data:"]);
        assert!(String::from_utf8(body)
            .unwrap()
            .contains(r#""stripe_js_url":"/v3""#));
    }

    /// The settings as the page reads them: the text of the config script element.
    fn injected(body: &[u8]) -> String {
        let html = std::str::from_utf8(body).unwrap();
        let start =
            html.find("id=\"kassa-pay-config\">").unwrap() + "id=\"kassa-pay-config\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        html[start..end].to_owned()
    }

    #[tokio::test]
    async fn the_settings_are_injected_as_json() {
        let (_, _, body) = get(
            &app(files(), &production(), &["http://localhost:1420"]),
            "/pay",
        )
        .await;
        let config: Value = serde_json::from_str(&injected(&body)).unwrap();
        assert_eq!(
            config,
            json!({
                "stripe_js_url": "https://js.stripe.com/v3",
                "till_origins": [
                    "tauri://localhost",
                    "http://tauri.localhost",
                    "https://tauri.localhost",
                    "http://localhost:1420"
                ]
            })
        );
        assert!(!String::from_utf8(body)
            .unwrap()
            .contains("%KASSA_PAY_CONFIG%"));
    }

    #[tokio::test]
    async fn the_settings_cannot_close_their_script_element() {
        let hostile = StripeConfig {
            api_base: "http://127.0.0.1:4321/</script><script>alert(1)</script>&<!--".into(),
            ..production()
        };
        let (status, _, body) = get(&app(files(), &hostile, &[]), "/pay").await;
        assert_eq!(status, StatusCode::OK);
        let text = injected(&body);
        for raw in ['<', '>', '&'] {
            assert!(!text.contains(raw), "{raw} in {text}");
        }
        assert!(text.contains(r"\u003c/script\u003e"), "{text}");
        let config: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            config["stripe_js_url"],
            "http://127.0.0.1:4321/</script><script>alert(1)</script>&<!--/v3"
        );
    }

    async fn refused(app: &Router, uri: &str) {
        let (status, _, body) = get(app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        let error: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error["error"]["field"], "query", "{uri}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains("postMessage"), "{message}");
        assert!(
            !message.contains("pi_1"),
            "the secret is not echoed: {message}"
        );
    }

    #[tokio::test]
    async fn a_client_secret_in_the_query_is_refused() {
        let app = app(files(), &production(), &[]);
        for uri in [
            "/pay?client_secret=pi_1_secret_2",
            "/pay/?client_secret=pi_1_secret_2",
            "/pay?payment_intent=pi_1&x=pi_1_secret_2",
            "/pay?s=pi_1%5Fsecret%5F2",
            "/pay?s=pi_1_SECRET_2",
            "/pay?pi_1_secret_2",
            "/pay/assets/index-AbC123.js?k=pi_1_secret_2",
            "/pay/nothing?k=pi_1_secret_2",
        ] {
            refused(&app, uri).await;
        }
        let (status, _, _) = get(&app, "/pay?lang=de&secret=").await;
        assert_eq!(status, StatusCode::OK, "a query without a secret is served");
    }

    #[tokio::test]
    async fn assets_are_served_with_their_type_and_cached_for_good() {
        let app = app(files(), &production(), &[]);
        let (status, headers, body) = get(&app, "/pay/assets/index-AbC123.js").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, b"console.log('pay')");
        assert_eq!(
            header(&headers, "content-type"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        let (status, headers, _) = get(&app, "/pay/assets/index-Xy9.css").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "content-type"), "text/css; charset=utf-8");
    }

    #[tokio::test]
    async fn anything_but_a_built_asset_is_not_found() {
        let app = app(
            files().with("secret.txt", "outside assets/"),
            &production(),
            &[],
        );
        for uri in [
            "/pay/assets/missing.js",
            "/pay/assets/..%2Findex.html",
            "/pay/assets/..%2Fsecret.txt",
            "/pay/assets/%2E%2E%2Fsecret.txt",
            "/pay/assets/../secret.txt",
            "/pay/assets/.hidden",
            "/pay/assets/a%00.js",
            "/pay/assets/%FF",
            "/pay/assets/",
            "/pay/assets/sub/index-AbC123.js",
            "/pay/secret.txt",
            "/pay/index.html",
        ] {
            let (status, headers, body) = get(&app, uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
            assert!(header(&headers, "content-type").starts_with("application/json"));
            let error: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(error["error"]["code"], "not_found", "{uri}");
        }
    }

    #[tokio::test]
    async fn a_missing_page_says_how_to_build_it() {
        let app = app(InMemory::default(), &production(), &[]);
        let (status, _, body) = get(&app, "/pay").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let error: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error["error"]["code"], "payment_page_not_built");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains("not built"), "{message}");
        assert!(message.contains("npm --prefix ui run build"), "{message}");
    }

    #[tokio::test]
    async fn a_page_without_the_marker_is_refused_rather_than_served_without_settings() {
        let app = app(
            InMemory::default().with("index.html", "<html></html>"),
            &production(),
            &[],
        );
        let (status, _, body) = get(&app, "/pay").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("%KASSA_PAY_CONFIG%"));
    }
}
