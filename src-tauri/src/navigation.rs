//! What the window may load besides the app itself: its backend's payment page, and the frames inside that page.
//! WebKit asks here for every frame's navigation, nested ones included. In demo mode those are the simulator's
//! (an exact origin). In live mode they are Stripe's, and during 3-D Secure the card issuer's own challenge page,
//! on whatever https: host the bank uses: so live mode allows https: frames, and nothing that is not https:. The
//! till's page itself cannot be taken away by them: its CSP frames only the backend, and WebKit lets a cross-origin
//! frame navigate the top window only after a user gesture inside it, which Stripe's and the banks' pages never
//! ask for.

use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Default)]
pub struct FrameOrigins {
    origins: Arc<RwLock<Vec<String>>>,
    /// Live mode: Stripe's frames and the issuers' 3-D Secure pages (any https: host). Never in demo mode.
    stripe: bool,
}

impl FrameOrigins {
    pub fn new(origins: Vec<String>, stripe: bool) -> Self {
        Self {
            origins: Arc::new(RwLock::new(origins)),
            stripe,
        }
    }

    /// The origin of Stripe.js as the backend names it with each intent: js.stripe.com, or the simulator's
    /// when the backend runs it (the till cannot know that origin before the backend says it).
    pub fn allow_stripe_js(&self, stripe_js_url: &str) {
        let Some(origin) = crate::csp::origin_of(stripe_js_url) else {
            return;
        };
        let mut origins = self.origins.write().unwrap_or_else(|e| e.into_inner());
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }

    pub fn allows(&self, url: &tauri::Url) -> bool {
        match url.scheme() {
            "tauri" | "about" | "data" => return true,
            _ if url.host_str() == Some("tauri.localhost") => return true,
            _ => {}
        }
        let origin = url.origin().ascii_serialization();
        if self
            .origins
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&origin)
        {
            return true;
        }
        self.stripe && url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> tauri::Url {
        s.parse().unwrap()
    }

    #[test]
    fn demo_windows_load_only_the_app_its_backend_and_the_simulator() {
        let f = FrameOrigins::new(
            vec![
                "http://127.0.0.1:4242".into(),
                "http://127.0.0.1:4321".into(),
            ],
            false,
        );
        assert!(f.allows(&url("tauri://localhost/index.html")));
        assert!(f.allows(&url("http://127.0.0.1:4242/pay")));
        assert!(f.allows(&url("http://127.0.0.1:4321/v3/elements/payment")));
        assert!(!f.allows(&url("http://127.0.0.1:9999/")));
        assert!(!f.allows(&url("https://js.stripe.com/v3")));
        assert!(!f.allows(&url("https://example.com/")));
    }

    #[test]
    fn live_windows_load_the_app_its_backend_stripe_and_the_banks_3ds_pages_over_https_only() {
        let f = FrameOrigins::new(vec!["https://kassa.example.com".into()], true);
        assert!(f.allows(&url("https://kassa.example.com/pay")));
        assert!(f.allows(&url("https://js.stripe.com/v3/elements-inner.html")));
        assert!(f.allows(&url("https://hooks.stripe.com/3d_secure")));
        // An issuer's ACS challenge page, inside Stripe's 3-D Secure frame.
        assert!(f.allows(&url("https://acs.examplebank.com/challenge")));
        assert!(!f.allows(&url("http://kassa.example.com/pay")));
        assert!(!f.allows(&url("http://127.0.0.1:4321/")));
        assert!(!f.allows(&url("file:///etc/passwd")));
        assert!(!f.allows(&url("javascript:alert(1)")));
    }

    #[test]
    fn the_stripe_js_origin_the_backend_names_is_allowed_from_then_on() {
        let f = FrameOrigins::new(vec!["https://localhost:8443".into()], true);
        assert!(!f.allows(&url("http://127.0.0.1:4321/v3/elements/payment")));
        f.allow_stripe_js("http://127.0.0.1:4321/v3");
        assert!(f.allows(&url("http://127.0.0.1:4321/v3/elements/payment")));
        f.allow_stripe_js("not a url");
        assert!(!f.allows(&url("http://127.0.0.1:4322/")));
    }
}
