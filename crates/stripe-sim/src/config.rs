//! Everything the simulator can be told, from the command line (`stripe-sim --help`) or from code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "stripe-sim",
    version,
    about = "A stateful Stripe test-mode simulator: the PaymentIntents API, test cards, \
    3-D Secure, signed webhooks with retries, and a Stripe.js stand-in at /v3."
)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one (the first line printed tells which).
    #[arg(long, default_value = "127.0.0.1:12111", env = "STRIPE_SIM_ADDR")]
    pub addr: SocketAddr,

    /// Accept only this secret key instead of any sk_test_ key.
    #[arg(long, env = "STRIPE_SIM_SECRET_KEY")]
    pub secret_key: Option<String>,

    /// Deliver every event to this URL, like `stripe listen --forward-to`. Repeatable.
    #[arg(long = "forward-to", value_name = "URL")]
    pub forward_to: Vec<String>,

    /// Signing secret for webhook deliveries (default: a new whsec_ printed at start).
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET")]
    pub webhook_secret: Option<String>,

    /// How long an asynchronous payment method stays in `processing`.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub processing_delay_ms: u64,

    /// Delivery attempts per event and endpoint before giving up.
    #[arg(long, default_value_t = 8)]
    pub webhook_max_attempts: u32,

    /// Delay before the first retry; each later retry doubles it.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub webhook_retry_base_ms: u64,

    /// Upper bound on the delay between retries.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    pub webhook_retry_max_ms: u64,

    /// An endpoint that has not answered in this time counts as failed and is retried.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub webhook_timeout_ms: u64,

    /// Fault injection: probability (0 to 1) that a delivered event is delivered a second time.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub fault_duplicate: f64,

    /// Fault injection: hold each delivery a random 0..MS first, so later events can overtake earlier ones.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub fault_reorder_ms: u64,

    /// Fault injection: hold every delivery this long first.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub fault_delay_ms: u64,

    /// Fault injection: count the first N attempts of every delivery as failed without sending them.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub fault_fail_first: u32,

    /// Fault injection: probability (0 to 1) that an event is never delivered to an endpoint at all, as when
    /// Stripe gives up; only a re-fetch (reconciliation) can then tell the receiver.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub fault_drop: f64,

    /// Fault injection: probability (0 to 1) that an API request is answered 500. Half of these are refused
    /// before anything happens; the other half, when the request has an Idempotency-Key, are carried out and only
    /// the answer is lost, so a retry with the same key must get the original's result.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub fault_api_5xx: f64,

    /// Keep state in this SQLite file, so a demo survives a restart (default: memory only).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Seed for ids and secrets, for reproducible runs.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Live-like mode: accept sk_live_/pk_live_ keys (and only those), and say `"livemode": true` in every
    /// object and event, so the whole live path runs offline. Stripe.js's live rules apply (HTTPS pages only).
    #[arg(long, env = "STRIPE_SIM_LIVE")]
    pub live: bool,
}

impl Config {
    /// The defaults, listening on a free loopback port: what tests and the embedding backend start from.
    pub fn ephemeral() -> Self {
        Self::parse_from(["stripe-sim", "--addr", "127.0.0.1:0"])
    }

    pub fn processing_delay(&self) -> Duration {
        Duration::from_millis(self.processing_delay_ms)
    }
}
