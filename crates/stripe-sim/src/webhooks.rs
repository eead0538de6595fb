//! Webhook delivery, like `stripe listen --forward-to`: every event to every endpoint, signed afresh at each
//! attempt, at least once, with exponential backoff on non-2xx answers and time-outs, and optional faults.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::api_faults::Injected;
use crate::clock::Clock;
use crate::ids::IdGen;
use crate::model::StoredEvent;

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub endpoints: Vec<String>,
    pub secret: String,
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub timeout: Duration,
    pub faults: Faults,
}

/// Misbehaviour on purpose, so receivers can prove they cope with what Stripe does not promise.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub duplicate: f64,
    pub reorder: Duration,
    pub delay: Duration,
    pub fail_first: u32,
    /// Probability that an event is never delivered to an endpoint.
    pub drop: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AttemptOutcome {
    Delivered {
        status: u16,
    },
    Refused {
        status: u16,
    },
    Failed {
        error: String,
    },
    /// Counted as failed by `--fault-fail-first`, never sent.
    InjectedFailure,
    /// Lost by `--fault-drop`: no attempt is made, now or later.
    Dropped,
    GaveUp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub event_id: String,
    pub event_type: String,
    pub endpoint: String,
    pub attempt: u32,
    /// When the attempt started, in unix milliseconds (the machine's clock, not the simulator's): latency probes
    /// measure from here.
    pub at_ms: u64,
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Every attempt made, in the order made; tests read it to prove retries and faults happened.
#[derive(Default)]
pub struct DeliveryLog(Mutex<Vec<Attempt>>);

impl DeliveryLog {
    pub fn snapshot(&self) -> Vec<Attempt> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn push(&self, a: Attempt) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(a);
    }
}

pub struct Deliverer {
    tx: mpsc::UnboundedSender<StoredEvent>,
}

impl Deliverer {
    pub fn start(
        config: DeliveryConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<IdGen>,
        log: Arc<DeliveryLog>,
        injected: Arc<Injected>,
    ) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<StoredEvent>();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent("Stripe/1.0 (+https://stripe.com/docs/webhooks)")
            .build()
            .expect("a TLS backend is compiled in");
        let config = Arc::new(config);
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                for endpoint in &config.endpoints {
                    let job = Job {
                        http: http.clone(),
                        config: config.clone(),
                        clock: clock.clone(),
                        ids: ids.clone(),
                        log: log.clone(),
                        injected: injected.clone(),
                        endpoint: endpoint.clone(),
                        event: event.clone(),
                    };
                    // Each delivery runs on its own, so one endpoint's retries never hold up other events.
                    tokio::spawn(job.run());
                }
            }
        });
        Self { tx }
    }

    pub fn send(&self, event: StoredEvent) {
        let _ = self.tx.send(event);
    }
}

struct Job {
    http: reqwest::Client,
    config: Arc<DeliveryConfig>,
    clock: Arc<dyn Clock>,
    ids: Arc<IdGen>,
    log: Arc<DeliveryLog>,
    injected: Arc<Injected>,
    endpoint: String,
    event: StoredEvent,
}

impl Job {
    async fn run(self) {
        let faults = &self.config.faults;
        if faults.drop > 0.0 && self.ids.unit() < faults.drop {
            Injected::count(&self.injected.dropped);
            self.record(0, unix_ms(), AttemptOutcome::Dropped);
            return;
        }
        let hold = faults.delay + faults.reorder.mul_f64(self.ids.unit());
        if !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
        if self.deliver().await && faults.duplicate > 0.0 && self.ids.unit() < faults.duplicate {
            Injected::count(&self.injected.duplicated);
            self.deliver().await;
        }
    }

    /// Attempts until one is accepted or the attempts run out; true when delivered.
    async fn deliver(&self) -> bool {
        for attempt in 1..=self.config.max_attempts {
            let at_ms = unix_ms();
            let outcome = if attempt <= self.config.faults.fail_first {
                AttemptOutcome::InjectedFailure
            } else {
                self.attempt().await
            };
            let delivered = matches!(outcome, AttemptOutcome::Delivered { .. });
            self.record(attempt, at_ms, outcome);
            if delivered {
                return true;
            }
            if attempt < self.config.max_attempts {
                let backoff = self
                    .config
                    .retry_base
                    .saturating_mul(1 << (attempt - 1).min(20))
                    .min(self.config.retry_max);
                tokio::time::sleep(backoff).await;
            }
        }
        tracing::warn!(event = %self.event.id, endpoint = %self.endpoint, "webhook delivery gave up");
        self.record(self.config.max_attempts, unix_ms(), AttemptOutcome::GaveUp);
        false
    }

    async fn attempt(&self) -> AttemptOutcome {
        let payload = self.event.json.as_bytes().to_vec();
        let signature =
            kassa_stripe::webhook::sign(&payload, &self.config.secret, self.clock.now());
        let sent = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Stripe-Signature", signature)
            .body(payload)
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status().is_success() => AttemptOutcome::Delivered {
                status: resp.status().as_u16(),
            },
            Ok(resp) => AttemptOutcome::Refused {
                status: resp.status().as_u16(),
            },
            Err(e) => AttemptOutcome::Failed {
                error: e.to_string(),
            },
        }
    }

    fn record(&self, attempt: u32, at_ms: u64, outcome: AttemptOutcome) {
        self.log.push(Attempt {
            event_id: self.event.id.clone(),
            event_type: self.event.kind.clone(),
            endpoint: self.endpoint.clone(),
            attempt,
            at_ms,
            outcome,
        });
    }
}
