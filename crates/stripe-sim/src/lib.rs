//! stripe-sim: a stateful Stripe test-mode simulator, wire-compatible with the part of Stripe's API Kassa uses.
//! See README.md beside this crate for what it does; `Simulator::start` embeds it (the backend's `--simulate`).

pub mod api_faults;
pub mod auth;
pub mod cards;
pub mod clock;
pub mod config;
pub mod engine;
pub mod failure;
pub mod ids;
pub mod model;
mod params;
pub mod persist;
pub mod routes;
pub mod sim;
pub mod store;
mod stripejs;
pub mod terminal;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use sim::Sim;

use webhooks::{DeliveryConfig, DeliveryLog, Faults};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Persist(#[from] persist::PersistError),
    #[error("--{0} must be between 0 and 1, got {1}")]
    FaultProbability(&'static str, f64),
    #[error("--forward-to {0} is not an http(s) URL")]
    ForwardTo(String),
    #[error("--secret-key must be a {0}")]
    SecretKeyMode(&'static str),
}

/// A running simulator. Dropping it does not stop it; call [`Simulator::shutdown`].
pub struct Simulator {
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    pub async fn start(config: Config) -> Result<Self, StartError> {
        Self::start_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        for (flag, p) in [
            ("fault-duplicate", config.fault_duplicate),
            ("fault-drop", config.fault_drop),
            ("fault-api-5xx", config.fault_api_5xx),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(StartError::FaultProbability(flag, p));
            }
        }
        if let Some(bad) = config
            .forward_to
            .iter()
            .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
        {
            return Err(StartError::ForwardTo(bad.clone()));
        }
        // Pinning a key of the other mode would let a test key make live objects (or the reverse): Stripe never does.
        if let Some(key) = &config.secret_key {
            if !auth::is_secret_key(key, config.live) {
                return Err(StartError::SecretKeyMode(if config.live {
                    "sk_live_ or rk_live_ key with --live"
                } else {
                    "sk_test_ or rk_test_ key (live keys need --live)"
                }));
            }
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
        let ids = Arc::new(ids::IdGen::new(config.seed));
        let webhook_secret = config
            .webhook_secret
            .clone()
            .unwrap_or_else(|| format!("whsec_{}", ids.token(32)));
        let deliveries = Arc::new(DeliveryLog::default());
        let injected = Arc::new(api_faults::Injected::default());
        let deliverer = (!config.forward_to.is_empty()).then(|| {
            webhooks::Deliverer::start(
                DeliveryConfig {
                    endpoints: config.forward_to.clone(),
                    secret: webhook_secret.clone(),
                    max_attempts: config.webhook_max_attempts.max(1),
                    retry_base: Duration::from_millis(config.webhook_retry_base_ms),
                    retry_max: Duration::from_millis(config.webhook_retry_max_ms),
                    timeout: Duration::from_millis(config.webhook_timeout_ms),
                    faults: Faults {
                        duplicate: config.fault_duplicate,
                        reorder: Duration::from_millis(config.fault_reorder_ms),
                        delay: Duration::from_millis(config.fault_delay_ms),
                        fail_first: config.fault_fail_first,
                        drop: config.fault_drop,
                    },
                },
                clock.clone(),
                ids.clone(),
                deliveries.clone(),
                injected.clone(),
            )
        });
        let mut store = store::Store {
            endpoints: config.forward_to.len() as i64,
            ..Default::default()
        };
        let persist = match &config.db {
            Some(path) => {
                let p = persist::Persist::open(path, config.live)?;
                p.load(&mut store)?;
                Some(p.start())
            }
            None => None,
        };
        let still_processing: Vec<String> = store
            .intents
            .values()
            .filter(|i| i.status == kassa_stripe::PaymentIntentStatus::Processing)
            .map(|i| i.id.clone())
            .collect();
        let sim = Arc::new(Sim {
            origin: format!("http://{addr}"),
            config,
            store: Mutex::new(store),
            ids,
            clock,
            webhook_secret,
            deliveries,
            injected,
            deliverer,
            persist,
        });
        for id in still_processing {
            sim.schedule_processing(id);
        }
        let (shutdown, rx) = tokio::sync::oneshot::channel();
        let app = routes::router(sim.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            sim,
            shutdown,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn webhook_secret(&self) -> &str {
        &self.sim.webhook_secret
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        if let Some(persist) = &self.sim.persist {
            let _ = persist.flush().await;
        }
    }
}
