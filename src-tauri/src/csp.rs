//! The window's Content-Security-Policy. The till's page loads no Stripe.js of its own: the card is taken on the
//! backend's payment page, in a frame, because Stripe.js refuses a live key on tauri://localhost. So the page may
//! frame exactly one origin, its backend's, and fetch nothing but IPC.

/// The origin (`scheme://host[:port]`) of the backend's URL, or None if it is not an http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = tauri::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https")
        .then(|| parsed.origin().ascii_serialization())
        .filter(|o| o != "null")
}

/// `backend_origin` is the backend's exact origin: `http://127.0.0.1:PORT` for the demo sidecar, the configured
/// backend's otherwise.
pub fn policy(backend_origin: &str) -> String {
    [
        "default-src 'self'".to_owned(),
        "script-src 'self'".to_owned(),
        format!("frame-src {backend_origin}"),
        "connect-src 'self' ipc: http://ipc.localhost".to_owned(),
        // React sets style attributes.
        "style-src 'self' 'unsafe-inline'".to_owned(),
        // Products' pictures come from the backend.
        format!("img-src 'self' data: {backend_origin}"),
        "font-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'none'".to_owned(),
        "form-action 'none'".to_owned(),
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_frames_only_its_backend_and_loads_no_script_from_elsewhere() {
        let p = policy("https://kassa.example.com");
        assert!(p.contains("frame-src https://kassa.example.com;"));
        assert!(p.contains("script-src 'self';"));
        assert!(p.contains("connect-src 'self' ipc: http://ipc.localhost;"));
        assert!(
            p.contains("img-src 'self' data: https://kassa.example.com;"),
            "products' pictures from the backend, and nowhere else"
        );
        assert!(!p.contains("stripe.com"));
        assert!(!p.contains("*"));
    }

    #[test]
    fn the_backends_origin_is_exact() {
        assert_eq!(
            origin_of("https://kassa.example.com:8443/some/path").as_deref(),
            Some("https://kassa.example.com:8443")
        );
        assert_eq!(
            origin_of("https://kassa.example.com/").as_deref(),
            Some("https://kassa.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:4242").as_deref(),
            Some("http://127.0.0.1:4242")
        );
        assert_eq!(origin_of("kassa.example.com"), None);
        assert_eq!(origin_of("file:///etc/passwd"), None);
    }
}
