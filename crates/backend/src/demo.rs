//! The demo (`--simulate`): the Stripe simulator run in-process, the backend talking to it exactly as to Stripe.
//! It sits behind the `simulate` cargo feature (on by default; the app's sidecar and the tests use it), so a
//! production build can leave the simulator out: `cargo build -p kassa-backend --no-default-features`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::{ServeArgs, StripeConfig};
use crate::StartError;

/// What starting the demo gives: the keys and address to use, the simulator, and (with TLS on) the loopback
/// listener its webhooks come in on.
pub struct Started {
    pub stripe: StripeConfig,
    pub simulator: Simulator,
    pub hooks_listener: Option<TcpListener>,
}

#[cfg(feature = "simulate")]
pub use stripe_sim::Simulator;

/// Built without the simulator: there is never one.
#[cfg(not(feature = "simulate"))]
pub enum Simulator {}

#[cfg(not(feature = "simulate"))]
impl Simulator {
    pub fn url(&self) -> String {
        match *self {}
    }

    pub async fn shutdown(self) {
        match self {}
    }
}

#[cfg(not(feature = "simulate"))]
pub async fn start(
    _: &ServeArgs,
    _: bool,
    _: SocketAddr,
    _: Arc<dyn kassa_stripe::clock::Clock>,
) -> Result<Started, StartError> {
    Err(StartError::NoSimulator)
}

#[cfg(not(feature = "simulate"))]
pub fn routes(sim: &Simulator) -> Router {
    match *sim {}
}

#[cfg(feature = "simulate")]
pub async fn start(
    args: &ServeArgs,
    tls_on: bool,
    addr: SocketAddr,
    clock: Arc<dyn kassa_stripe::clock::Clock>,
) -> Result<Started, StartError> {
    let mut hooks_listener = None;
    // The demo takes exactly the production path: real HTTP to a Stripe-shaped API, real signed webhooks.
    let mut sim_config = stripe_sim::Config::ephemeral();
    if let Some(addr) = args.sim_addr {
        sim_config.addr = addr;
    }
    // The simulator delivers over plain http, as `stripe listen --forward-to` does, and cannot verify our
    // certificate: with TLS on, its webhooks come in on a loopback port of their own.
    let hooks_addr = if tls_on {
        let (l, a) = crate::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        hooks_listener = Some(l);
        a
    } else {
        addr
    };
    sim_config.forward_to = vec![format!("http://{hooks_addr}/webhook")];
    sim_config.processing_delay_ms = args.sim_processing_delay_ms;
    if args.sim_drop_webhooks {
        sim_config.fault_drop = 1.0;
    }
    // Stripe keeps test and live data apart, and so does the simulator: one file per mode.
    sim_config.db = Some(args.data_dir.join(if args.sim_live {
        "stripe-sim-live.sqlite3"
    } else {
        "stripe-sim.sqlite3"
    }));
    sim_config.live = args.sim_live;
    std::fs::create_dir_all(&args.data_dir).map_err(|source| crate::db::DbError::Dir {
        path: args.data_dir.clone(),
        source,
    })?;
    let sim = stripe_sim::Simulator::start_with_clock(sim_config, clock).await?;
    let (secret_key, publishable_key) = if args.sim_live {
        ("sk_live_kassa_simulated", "pk_live_kassa_simulated")
    } else {
        ("sk_test_kassa_simulated", "pk_test_kassa_simulated")
    };
    Ok(Started {
        stripe: StripeConfig {
            secret_key: secret_key.into(),
            publishable_key: publishable_key.into(),
            webhook_secret: sim.webhook_secret().to_owned(),
            api_base: sim.url(),
        },
        simulator: sim,
        hooks_listener,
    })
}

/// The in-process simulator's Stripe.js stand-in (`/v3`) and the API its frames call (`/v1`), on the backend's
/// own origin: the payment page loads Stripe.js from where it is itself served, over https when TLS is on, as it
/// loads js.stripe.com in production. The simulator's own port stays for the backend's API calls. Through this
/// origin the API answers publishable keys only (a PaymentIntent's retrieve, confirm and 3-D Secure, by its
/// client secret): the simulated secret key is well known, and this port may face the network.
#[cfg(feature = "simulate")]
pub fn routes(sim: &Simulator) -> Router {
    use axum::response::IntoResponse as _;
    use tower::ServiceExt as _;
    let sim_router = stripe_sim::routes::router(sim.sim.clone());
    // A fresh request: the simulator routes it by its own paths, and must not see this router's `{*rest}`.
    let svc = tower::service_fn(move |req: axum::extract::Request| {
        let sim_router = sim_router.clone();
        async move {
            let (parts, body) = req.into_parts();
            let publishable = parts
                .headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("Bearer pk_"));
            if parts.uri.path().starts_with("/v1/") && !publishable {
                return Ok(crate::error::ApiError::Invalid {
                    field: "authorization".into(),
                    message: "on this address the simulator's API answers only a publishable key \
                              (Bearer pk_…); use the simulator's own address for the rest"
                        .into(),
                }
                .into_response());
            }
            let mut fresh = axum::extract::Request::new(body);
            *fresh.method_mut() = parts.method;
            *fresh.uri_mut() = parts.uri;
            *fresh.version_mut() = parts.version;
            *fresh.headers_mut() = parts.headers;
            sim_router.oneshot(fresh).await
        }
    });
    Router::new()
        .route_service("/v3", svc.clone())
        .route_service("/v3/{*rest}", svc.clone())
        .route_service("/v1/payment_intents/{*rest}", svc.clone())
        .route_service("/v1/test_helpers/payment_intents/{*rest}", svc)
}
