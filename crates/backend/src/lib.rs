//! kassa-backend: holds the Stripe secret key, creates one PaymentIntent per order, takes Stripe's webhooks,
//! stores every event durably and serves them to tills as a resumable long-poll feed.

pub mod auth;
mod body_deadline;
pub mod config;
mod conn_watch;
pub mod db;
pub mod error;
mod fallback;
pub mod feed;
pub mod intake;
pub mod json;
pub mod limits;
pub mod pay_page;
pub mod payments;
mod query;
pub mod rate_limit;
pub mod readiness;
pub mod reconcile;
pub mod server;
pub mod state;
pub mod tls;
pub mod tutorial;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use config::{ServeArgs, StripeConfig};
use state::AppState;

/// Webhook bodies are Stripe's events, larger than our own API's bodies.
const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

fn webhook_routes() -> Router<Arc<AppState>> {
    Router::new().route(
        "/webhook",
        post(intake::webhook).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES)),
    )
}

/// The listen backlog: connections past the cap wait there (see [`limits::MAX_CONNECTIONS`]); the kernel caps it at
/// net.core.somaxconn.
const LISTEN_BACKLOG: u32 = 4096;

/// Connections on the in-process simulator's own webhook port (loopback, only the simulator's deliveries).
const MAX_HOOK_CONNECTIONS: usize = 64;

/// The application's routes. `health` is what /readyz reports beside the state (see [`readiness`]).
pub fn router(state: Arc<AppState>, health: Arc<readiness::Health>) -> Router {
    let pay = pay_page::router(state.pay_page.clone());
    let ready = Router::new()
        .route("/readyz", get(readiness::readyz))
        .with_state(readiness::Ready {
            app: state.clone(),
            health,
        });
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
    let app = webhook_routes()
        .route("/healthz", get(|| async { Json(json!({ "ok": true })) }))
        .merge(api)
        .fallback(fallback::no_such_endpoint)
        .with_state(state)
        .merge(ready)
        .merge(pay);
    fallback::explaining_405(app)
}

/// The in-process simulator's Stripe.js stand-in (`/v3`) and the API its frames call (`/v1`), on the backend's
/// own origin: the payment page loads Stripe.js from where it is itself served, over https when TLS is on, as it
/// loads js.stripe.com in production. The simulator's own port stays for the backend's API calls. Through this
/// origin the API answers publishable keys only (a PaymentIntent's retrieve, confirm and 3-D Secure, by its
/// client secret): the simulated secret key is well known, and this port may face the network.
fn simulator_routes(sim: &stripe_sim::Simulator) -> Router {
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
                return Ok(error::ApiError::Invalid {
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

/// Only the webhook intake, for the in-process simulator's deliveries when the main port speaks TLS.
fn webhook_router(state: Arc<AppState>) -> Router {
    fallback::explaining_405(
        webhook_routes()
            .fallback(fallback::no_such_endpoint)
            .with_state(state),
    )
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
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot read the event log: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("cannot open the database's log {}: {source}", path.display())]
    EventLog {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// A running backend (and its simulator, with --simulate).
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    pub simulator: Option<stripe_sim::Simulator>,
    tls: bool,
    server: tokio::task::JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

impl Running {
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        if let Some(sim) = self.simulator {
            sim.shutdown().await;
        }
    }
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let bind_error = |source| StartError::Bind { addr, source };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(bind_error)?;
    // As TcpListener::bind does: a restarted backend can take its port while old connections linger in TIME_WAIT.
    socket.set_reuseaddr(true).map_err(bind_error)?;
    socket.bind(addr).map_err(bind_error)?;
    let listener = socket.listen(LISTEN_BACKLOG).map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

pub async fn start(
    args: ServeArgs,
    clock: Arc<dyn stripe_sim::Clock>,
) -> Result<Running, StartError> {
    start_with(args, clock, Arc::new(pay_page::Embedded)).await
}

/// [`start`], with the payment page's files from `pay_files` rather than the UI's build.
pub async fn start_with(
    args: ServeArgs,
    clock: Arc<dyn stripe_sim::Clock>,
    pay_files: Arc<dyn pay_page::PageFiles>,
) -> Result<Running, StartError> {
    start_tuned(
        args,
        clock,
        Tuning {
            pay_files,
            ..Tuning::default()
        },
    )
    .await
}

/// What tests (and anything embedding the backend) set beyond the command line.
pub struct Tuning {
    /// The payment page's files; the UI's build, embedded, by default.
    pub pay_files: Arc<dyn pay_page::PageFiles>,
    /// The HTTP servers' limits; by default [`limits::Limits::from_env`].
    pub limits: limits::Limits,
    /// Stands in front of the log the intake fsyncs: tests inject its faults here.
    pub wrap_event_log: Option<intake::log::WrapLog>,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            pay_files: Arc::new(pay_page::Embedded),
            limits: limits::Limits::from_env(),
            wrap_event_log: None,
        }
    }
}

/// [`start`], tuned.
pub async fn start_tuned(
    args: ServeArgs,
    clock: Arc<dyn stripe_sim::Clock>,
    tuning: Tuning,
) -> Result<Running, StartError> {
    let Tuning {
        pay_files,
        limits,
        wrap_event_log,
    } = tuning;
    // Everything that can refuse the configuration is checked before anything listens.
    args.check_sim_flags()?;
    let till_origins = args.till_origins()?;
    let tls = args.tls()?.map(|files| tls::load(&files)).transpose()?;
    let checked_stripe = if args.simulate {
        None
    } else {
        Some(args.stripe()?)
    };
    let limits = limits.within_fd_limit(limits::raise_fd_limit());
    let (listener, addr) = bind(args.addr).await?;
    let mut hooks_listener = None;
    let (stripe_config, simulator) = match checked_stripe {
        Some(cfg) => (cfg, None),
        None => {
            // The demo takes exactly the production path: real HTTP to a Stripe-shaped API, real signed webhooks.
            let mut sim_config = stripe_sim::Config::ephemeral();
            if let Some(addr) = args.sim_addr {
                sim_config.addr = addr;
            }
            // The simulator delivers over plain http, as `stripe listen --forward-to` does, and cannot verify
            // our certificate: with TLS on, its webhooks come in on a loopback port of their own.
            let hooks_addr = if tls.is_some() {
                let (l, a) = bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
                hooks_listener = Some(l);
                a
            } else {
                addr
            };
            sim_config.forward_to = vec![format!("http://{hooks_addr}/webhook")];
            sim_config.processing_delay_ms = args.sim_processing_delay_ms;
            // Stripe keeps test and live data apart, and so does the simulator: one file per mode.
            sim_config.db = Some(args.data_dir.join(if args.sim_live {
                "stripe-sim-live.sqlite3"
            } else {
                "stripe-sim.sqlite3"
            }));
            sim_config.live = args.sim_live;
            std::fs::create_dir_all(&args.data_dir).map_err(|source| db::DbError::Dir {
                path: args.data_dir.clone(),
                source,
            })?;
            let sim = stripe_sim::Simulator::start_with_clock(sim_config, clock.clone()).await?;
            let (secret_key, publishable_key) = if args.sim_live {
                ("sk_live_kassa_simulated", "pk_live_kassa_simulated")
            } else {
                ("sk_test_kassa_simulated", "pk_test_kassa_simulated")
            };
            let cfg = StripeConfig {
                secret_key: secret_key.into(),
                publishable_key: publishable_key.into(),
                webhook_secret: sim.webhook_secret().to_owned(),
                api_base: sim.url(),
            };
            (cfg, Some(sim))
        }
    };
    let stripe_js_at = if simulator.is_some() {
        pay_page::StripeJsAt::OwnOrigin
    } else {
        pay_page::StripeJsAt::StripesOrigin
    };
    let pay_page = Arc::new(pay_page::PayPage::new(
        pay_files,
        &stripe_config,
        &till_origins,
        stripe_js_at,
    )?);
    let db = db::Db::open_dir(&args.data_dir)?;
    let log: Box<dyn intake::log::Log> = Box::new(
        intake::log::OpenLog::of_database(&db.path).map_err(|source| StartError::EventLog {
            path: db.path.clone(),
            source,
        })?,
    );
    let log = match wrap_event_log {
        Some(wrap) => wrap(log),
        None => log,
    };
    let wiring = intake::writer::Writer::start(db.writer(), log, clock.clone())?;
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
        pay_page,
        rate_limits: rate_limit::RateLimits {
            intents: rate_limit::Limiter::new(rate_limit::Limit {
                per_minute: args.rate_intents_per_minute,
            }),
            money: rate_limit::Limiter::new(rate_limit::Limit {
                per_minute: args.rate_money_per_minute,
            }),
        },
        reconcile: reconcile::Policy {
            every_secs: args.reconcile_every_secs.max(1) as i64,
            page: args.reconcile_page as usize,
        },
    });
    reconcile::spawn_refetcher(state.clone(), wiring.refetch);
    let health = Arc::new(readiness::Health::new(Duration::from_secs(
        args.reconcile_every_secs,
    )));
    readiness::spawn_sweeps(state.clone(), health.clone());
    if let Some(parent) = args.exit_with_parent {
        watch_parent(parent);
    }
    let (shutdown, stop) = watch::channel(false);
    let tls_on = tls.is_some();
    let mut app = router(state.clone(), health);
    if let Some(sim) = &simulator {
        app = app.merge(simulator_routes(sim));
    }
    let hook_limits = limits::Limits {
        max_connections: MAX_HOOK_CONNECTIONS,
        ..limits.clone()
    };
    let main = server::serve(
        listener,
        app,
        tls.map(tls::acceptor),
        limits,
        stopped(stop.clone()),
    );
    let hooks = hooks_listener.map(|l| {
        server::serve(
            l,
            webhook_router(state.clone()),
            None,
            hook_limits,
            stopped(stop),
        )
    });
    let server = tokio::spawn(async move {
        let hooks = async {
            if let Some(hooks) = hooks {
                hooks.await;
            }
        };
        tokio::join!(main, hooks);
    });
    Ok(Running {
        addr,
        state,
        simulator,
        tls: tls_on,
        server,
        shutdown,
    })
}

/// Resolves once shutdown is asked for, or once nobody can ask any more (the [`Running`] was dropped).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
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
