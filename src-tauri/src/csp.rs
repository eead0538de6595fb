//! The window's Content-Security-Policy: Stripe.js's own origins in live mode, the simulator's exact loopback
//! origin in demo mode, and nothing else.

pub const STRIPE_SCRIPT: &[&str] = &["https://js.stripe.com", "https://*.js.stripe.com"];
pub const STRIPE_FRAME: &[&str] = &[
    "https://js.stripe.com",
    "https://*.js.stripe.com",
    "https://hooks.stripe.com",
];
pub const STRIPE_CONNECT: &[&str] = &["https://api.stripe.com"];

/// `sim_origin` is the simulator's origin in demo mode (`http://127.0.0.1:PORT`), None in live mode.
pub fn policy(sim_origin: Option<&str>) -> String {
    let (script, frame, connect) = match sim_origin {
        Some(origin) => (vec![origin], vec![origin], vec![origin]),
        None => (
            STRIPE_SCRIPT.to_vec(),
            STRIPE_FRAME.to_vec(),
            STRIPE_CONNECT.to_vec(),
        ),
    };
    [
        "default-src 'self'".to_owned(),
        format!("script-src 'self' {}", script.join(" ")),
        format!("frame-src {}", frame.join(" ")),
        format!(
            "connect-src 'self' ipc: http://ipc.localhost {}",
            connect.join(" ")
        ),
        // React sets style attributes; Stripe.js positions its overlay with inline styles.
        "style-src 'self' 'unsafe-inline'".to_owned(),
        "img-src 'self' data:".to_owned(),
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
    fn live_mode_allows_only_stripe() {
        let p = policy(None);
        assert!(p.contains("script-src 'self' https://js.stripe.com https://*.js.stripe.com;"));
        assert!(p.contains(
            "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com;"
        ));
        assert!(!p.contains("127.0.0.1"));
    }

    #[test]
    fn demo_mode_allows_only_the_simulator() {
        let p = policy(Some("http://127.0.0.1:4321"));
        assert!(p.contains("script-src 'self' http://127.0.0.1:4321;"));
        assert!(p.contains("frame-src http://127.0.0.1:4321;"));
        assert!(!p.contains("stripe.com"));
    }
}
