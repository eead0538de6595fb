//! kassa-backend: holds the Stripe secret key, creates one PaymentIntent per order, takes Stripe's webhooks,
//! stores every event durably and serves them to tills as a resumable long-poll feed.

pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod feed;
pub mod intake;
pub mod json;
pub mod payments;
mod query;
pub mod reconcile;
pub mod state;
pub mod tutorial;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;

use config::{ServeArgs, StripeConfig};
use state::AppState;

/// Webhook bodies are Stripe's events, larger than our own API's bodies.
const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route(
            "/create-payment-intent",
            post(tutorial::create_payment_intent),
        )
        .route("/api/me", get(me))
        .route("/api/orders/{order_id}/intent", put(payments::put_intent))
        .route("/api/orders/{order_id}", get(payments::get_order))
        .route("/api/orders/{order_id}/events", get(payments::order_events))
        .route("/api/orders/{order_id}/cancel", post(payments::cancel))
        .route("/api/orders/{order_id}/refunds", post(payments::refund))
        .route("/api/orders/{order_id}/capture", post(payments::capture))
        .route("/api/payments", get(payments::list))
        .route("/api/payments/totals", get(payments::totals))
        .route("/api/events", get(feed::events))
        .route("/api/reconcile", post(reconcile::on_demand))
        .layer(DefaultBodyLimit::max(json::MAX_BODY_BYTES));
    Router::new()
        .route(
            "/webhook",
            post(intake::webhook).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES)),
        )
        .route("/healthz", get(|| async { Json(json!({ "ok": true })) }))
        .merge(api)
        .fallback(|| async { error::ApiError::NotFound("no such endpoint".into()) })
        .with_state(state)
}

async fn me(caller: auth::Caller) -> Json<serde_json::Value> {
    Json(json!({ "terminal": caller.0.name, "admin": caller.0.admin }))
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the simulator: {0}")]
    Simulator(#[from] stripe_sim::StartError),
    #[error("cannot read the event log: {0}")]
    Storage(#[from] rusqlite::Error),
}

/// A running backend (and its simulator, with --simulate).
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub state: Arc<AppState>,
    pub simulator: Option<stripe_sim::Simulator>,
    server: tokio::task::JoinHandle<()>,
    shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.server.await;
        if let Some(sim) = self.simulator {
            sim.shutdown().await;
        }
    }
}

pub async fn start(
    args: ServeArgs,
    clock: Arc<dyn stripe_sim::Clock>,
) -> Result<Running, StartError> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: args.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: args.addr,
        source,
    })?;
    let (stripe_config, simulator) = if args.simulate {
        // The demo takes exactly the production path: real HTTP to a Stripe-shaped API, real signed webhooks.
        let mut sim_config = stripe_sim::Config::ephemeral();
        if let Some(addr) = args.sim_addr {
            sim_config.addr = addr;
        }
        sim_config.forward_to = vec![format!("http://{addr}/webhook")];
        sim_config.processing_delay_ms = args.sim_processing_delay_ms;
        sim_config.db = Some(args.data_dir.join("stripe-sim.sqlite3"));
        std::fs::create_dir_all(&args.data_dir).map_err(|source| db::DbError::Dir {
            path: args.data_dir.clone(),
            source,
        })?;
        let sim = stripe_sim::Simulator::start_with_clock(sim_config, clock.clone()).await?;
        let cfg = StripeConfig {
            secret_key: "sk_test_kassa_simulated".into(),
            publishable_key: "pk_test_kassa_simulated".into(),
            webhook_secret: sim.webhook_secret().to_owned(),
            api_base: sim.url(),
        };
        (cfg, Some(sim))
    } else {
        (args.stripe()?, None)
    };
    let db = db::Db::open_dir(&args.data_dir)?;
    let wiring = intake::writer::Writer::start(db.writer(), db.wal.clone(), clock.clone())?;
    let stripe = kassa_stripe::Client::new(
        kassa_stripe::ClientConfig::new(&stripe_config.secret_key)
            .api_base(&stripe_config.api_base),
    );
    let state = Arc::new(AppState {
        db,
        stripe,
        stripe_config,
        writer: wiring.writer,
        feed: wiring.feed,
        clock,
        order_locks: Default::default(),
        bootstrap_token_sha256: args.bootstrap_token.as_deref().map(db::terminals::hash),
    });
    reconcile::spawn_refetcher(state.clone(), wiring.refetch);
    reconcile::spawn_periodic(
        state.clone(),
        Duration::from_secs(args.reconcile_every_secs),
    );
    if let Some(parent) = args.exit_with_parent {
        watch_parent(parent);
    }
    let (shutdown, rx) = tokio::sync::oneshot::channel();
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        state,
        simulator,
        server,
        shutdown,
    })
}

/// A sidecar must not outlive its app, even when the app is killed: every stored event is committed before it
/// is acknowledged, so exiting at any moment loses nothing. It checks its own parent (a dead app's pid can be a
/// zombie or reused), and exits without logging: stderr is a pipe to the app that is gone.
fn watch_parent(pid: u32) {
    tokio::spawn(async move {
        while std::os::unix::process::parent_id() == pid {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        std::process::exit(0);
    });
}
