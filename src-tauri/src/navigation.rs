//! What the window may load besides the app itself: its backend's payment page, and the Stripe.js frames inside
//! that page (Stripe's own hosts; the simulator's origin when the backend simulates Stripe). WebKit asks for every
//! frame's navigation, nested ones included, so the frames of the payment page pass through here too.

use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Default)]
pub struct FrameOrigins {
    origins: Arc<RwLock<Vec<String>>>,
    /// Stripe's hosts load only where real Stripe is in use: never in demo mode.
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
        self.stripe
            && url.scheme() == "https"
            && url
                .host_str()
                .is_some_and(|h| h == "stripe.com" || h.ends_with(".stripe.com"))
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
    fn live_windows_load_only_the_app_its_backend_and_stripe() {
        let f = FrameOrigins::new(vec!["https://kassa.example.com".into()], true);
        assert!(f.allows(&url("https://kassa.example.com/pay")));
        assert!(f.allows(&url("https://js.stripe.com/v3/elements-inner.html")));
        assert!(f.allows(&url("https://hooks.stripe.com/3d_secure")));
        assert!(!f.allows(&url("https://stripe.com.evil.example/")));
        assert!(!f.allows(&url("http://kassa.example.com/pay")));
        assert!(!f.allows(&url("http://127.0.0.1:4321/")));
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
