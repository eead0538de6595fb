//! kassa-backend: holds the Stripe secret key, creates one PaymentIntent per order, takes Stripe's webhooks,
//! stores every event durably and serves them to tills as a resumable long-poll feed.

pub mod auth;
mod body_deadline;
pub mod cash;
pub mod catalog;
pub mod config;
mod conn_watch;
pub mod db;
pub mod demo;
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
pub mod readers;
pub mod readiness;
pub mod reconcile;
pub mod server;
pub mod shifts;
pub mod state;
pub mod tls;
pub mod tutorial;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;

use config::ServeArgs;
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
        .route("/api/orders/{order_id}/reader-payment", post(readers::pay))
        .route("/api/readers", get(readers::list).post(readers::register))
        .route(
            "/api/readers/{reader_id}",
            get(readers::get).put(readers::put),
        )
        .route("/api/readers/{reader_id}/cancel", post(readers::cancel))
        .route(
            "/api/readers/{reader_id}/simulate-tap",
            post(readers::simulate_tap),
        )
        .route("/api/payments", get(payments::list))
        .route("/api/payments/totals", get(payments::totals))
        .route("/api/events", get(feed::events))
        .route("/api/reconcile", post(reconcile::on_demand))
        .route("/api/shift-reports", get(shifts::list))
        .route("/api/shift-reports/{report_id}", put(shifts::put))
        .route("/api/cash", get(cash::list))
        .route("/api/cash/{tender_id}", put(cash::put))
        .route("/api/catalog", get(catalog::get))
        .route("/api/catalog/products/{sku}", put(catalog::put_product))
        .route("/api/catalog/tax-rates/{id}", put(catalog::put_tax_rate))
        .route("/api/catalog/store", put(catalog::put_store))
        .layer(DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        .merge(
            Router::new()
                .route("/api/catalog/import", post(catalog::import::import))
                .layer(DefaultBodyLimit::max(catalog::import::MAX_IMPORT_BYTES)),
        )
        .merge(
            Router::new()
                .route(
                    "/api/catalog/products/{sku}/image",
                    put(catalog::images::put),
                )
                .layer(DefaultBodyLimit::max(catalog::images::MAX_IMAGE_BYTES)),
        )
        .route("/api/catalog/images/{sku}", get(catalog::images::get));
    let app = webhook_routes()
        .route(
            "/healthz",
            get(|| async { Json(kassa_api::Health { ok: true }) }),
        )
        .merge(api)
        .fallback(fallback::no_such_endpoint)
        .with_state(state)
        .merge(ready)
        .merge(pay);
    fallback::explaining_405(app)
}

/// Only the webhook intake, for the in-process simulator's deliveries when the main port speaks TLS.
fn webhook_router(state: Arc<AppState>) -> Router {
    fallback::explaining_405(
        webhook_routes()
            .fallback(fallback::no_such_endpoint)
            .with_state(state),
    )
}

async fn me(caller: auth::Caller) -> Json<kassa_api::Me> {
    Json(kassa_api::Me {
        terminal: caller.0.name,
        admin: caller.0.admin,
    })
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
    #[cfg(feature = "simulate")]
    #[error("cannot start the simulator: {0}")]
    Simulator(#[from] stripe_sim::StartError),
    #[error(
        "--simulate: this kassa-backend was built without the simulator (cargo feature `simulate`); \
         give it Stripe keys instead"
    )]
    NoSimulator,
    #[error(transparent)]
    DemoCatalog(#[from] catalog::demo::SeedError),
    #[error("cannot register the demo's card reader: {0}")]
    DemoReader(#[from] error::ApiError),
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
    pub simulator: Option<demo::Simulator>,
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

pub(crate) async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
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
    clock: Arc<dyn kassa_stripe::clock::Clock>,
) -> Result<Running, StartError> {
    start_with(args, clock, Arc::new(pay_page::Embedded)).await
}

/// [`start`], with the payment page's files from `pay_files` rather than the UI's build.
pub async fn start_with(
    args: ServeArgs,
    clock: Arc<dyn kassa_stripe::clock::Clock>,
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
    clock: Arc<dyn kassa_stripe::clock::Clock>,
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
    let (stripe_config, simulator, hooks_listener) = match checked_stripe {
        Some(cfg) => (cfg, None, None),
        None => {
            let demo = demo::start(&args, tls.is_some(), addr, clock.clone()).await?;
            (demo.stripe, Some(demo.simulator), demo.hooks_listener)
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
    let db = db::Db::open(&args.location())?;
    // SQLite's write-ahead log is fsynced after each group commits; a commit on PostgreSQL is durable already.
    let log: Box<dyn intake::log::Log> = match db.sqlite() {
        Some(sqlite) => Box::new(intake::log::OpenLog::of_database(&sqlite.path).map_err(
            |source| StartError::EventLog {
                path: sqlite.path.clone(),
                source,
            },
        )?),
        None => Box::new(intake::log::Committed),
    };
    let log = match wrap_event_log {
        Some(wrap) => wrap(log),
        None => log,
    };
    let wiring = intake::writer::Writer::start(db.writer()?, log, clock.clone())?;
    if let Some(url) = db.postgres_url() {
        db::listen::spawn(url.to_owned(), wiring.writer.announcer());
    }
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
        reader_country: args.reader_country.clone(),
    });
    reconcile::spawn_refetcher(state.clone(), wiring.refetch);
    if args.demo_catalog {
        if let Some(report) = catalog::demo::seed_if_empty(&state).await? {
            tracing::info!(
                "the empty catalogue was given the demo café: {} products",
                report.created
            );
        }
    }
    if args.demo_reader {
        if let Some(reader) = readers::seed_demo_reader(&state).await? {
            tracing::info!(
                "a simulated card reader was registered for the demo till: {}",
                reader.reader_id
            );
        }
    }
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
        app = app.merge(demo::routes(sim));
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
