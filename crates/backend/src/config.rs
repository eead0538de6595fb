//! Configuration, under Stripe's own variable names, and the start-up checks that refuse a bad one in one line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kassa-backend",
    version,
    about = "Kassa's companion backend: creates PaymentIntents, verifies \
    Stripe's webhooks, stores every event and serves them to tills as a long-poll feed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the bearer tokens tills and admins use.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create a token; it is printed once, as the last line on stdout, and stored only as a hash.
    Create {
        /// The terminal's name, shown in the admin screen (e.g. "till-1").
        #[arg(long)]
        name: String,
        /// The token sees and acts on every terminal's orders.
        #[arg(long)]
        admin: bool,
        #[arg(long, env = "KASSA_DATA_DIR", default_value = "kassa-data")]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (the tutorial's port by default).
    #[arg(long, env = "KASSA_ADDR", default_value = "127.0.0.1:4242")]
    pub addr: SocketAddr,

    /// Where the SQLite database lives.
    #[arg(long, env = "KASSA_DATA_DIR", default_value = "kassa-data")]
    pub data_dir: PathBuf,

    /// Run the Stripe simulator in-process and use it: no keys needed, nothing leaves the machine.
    #[arg(long)]
    pub simulate: bool,

    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY")]
    pub stripe_publishable_key: Option<String>,

    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    #[arg(long, env = "STRIPE_API_BASE", default_value = kassa_stripe::client::DEFAULT_API_BASE)]
    pub stripe_api_base: String,

    /// Seconds between two reconciliation sweeps of non-terminal intents (0: only on demand).
    #[arg(long, default_value_t = 60)]
    pub reconcile_every_secs: u64,

    /// With --simulate: how long the simulator keeps asynchronous payments in `processing`.
    #[arg(long, default_value_t = 2000)]
    pub sim_processing_delay_ms: u64,

    /// With --simulate: the simulator's address (default: a free loopback port).
    #[arg(long)]
    pub sim_addr: Option<SocketAddr>,

    /// Exit when the process with this pid is gone (the app that started this backend as its sidecar).
    #[arg(long, hide = true)]
    pub exit_with_parent: Option<u32>,

    /// A terminal token to accept as well as the stored ones, for an app that starts this backend as its sidecar.
    #[arg(
        long,
        env = "KASSA_BOOTSTRAP_TOKEN",
        hide = true,
        hide_env_values = true
    )]
    pub bootstrap_token: Option<String>,
}

/// The Stripe account in use, checked.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
    pub api_base: String,
}

impl StripeConfig {
    /// Where tills load Stripe.js from: js.stripe.com for Stripe itself, `/v3` of anything else (the simulator).
    pub fn stripe_js_url(&self) -> String {
        if self.api_base == kassa_stripe::client::DEFAULT_API_BASE {
            "https://js.stripe.com/v3".to_owned()
        } else {
            format!("{}/v3", self.api_base.trim_end_matches('/'))
        }
    }

    pub fn live(&self) -> bool {
        self.secret_key.starts_with("sk_live_") || self.secret_key.starts_with("rk_live_")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("STRIPE_SECRET_KEY is not set: set it to your sk_test_… or sk_live_… key, or run with --simulate")]
    MissingSecretKey,
    #[error("STRIPE_PUBLISHABLE_KEY is not set: set it to the pk_… key of the same account, or run with --simulate")]
    MissingPublishableKey,
    #[error("STRIPE_WEBHOOK_SECRET is not set: set it to the endpoint's whsec_… signing secret (`stripe listen` prints one)")]
    MissingWebhookSecret,
    #[error("STRIPE_SECRET_KEY must start with sk_test_, sk_live_, rk_test_ or rk_live_")]
    BadSecretKey,
    #[error("STRIPE_PUBLISHABLE_KEY must start with pk_test_ or pk_live_ (it looks like a secret key; never give one to a till)")]
    BadPublishableKey,
    #[error("STRIPE_WEBHOOK_SECRET must start with whsec_")]
    BadWebhookSecret,
    #[error("STRIPE_SECRET_KEY is a {secret} key but STRIPE_PUBLISHABLE_KEY is a {publishable} key: both must be test keys or both live keys")]
    ModeMismatch {
        secret: &'static str,
        publishable: &'static str,
    },
    #[error("STRIPE_API_BASE must be an http(s) URL, got {0:?}")]
    BadApiBase(String),
}

impl ServeArgs {
    /// The Stripe configuration, unless it is missing or inconsistent. Not used with --simulate.
    pub fn stripe(&self) -> Result<StripeConfig, ConfigError> {
        let secret = self
            .stripe_secret_key
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::MissingSecretKey)?;
        let publishable = self
            .stripe_publishable_key
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::MissingPublishableKey)?;
        let webhook = self
            .stripe_webhook_secret
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::MissingWebhookSecret)?;
        let secret_mode = match secret.split('_').take(2).collect::<Vec<_>>()[..] {
            ["sk" | "rk", "test"] => "test",
            ["sk" | "rk", "live"] => "live",
            _ => return Err(ConfigError::BadSecretKey),
        };
        let publishable_mode = match publishable.split('_').take(2).collect::<Vec<_>>()[..] {
            ["pk", "test"] => "test",
            ["pk", "live"] => "live",
            _ => return Err(ConfigError::BadPublishableKey),
        };
        if secret_mode != publishable_mode {
            return Err(ConfigError::ModeMismatch {
                secret: secret_mode,
                publishable: publishable_mode,
            });
        }
        if !webhook.starts_with("whsec_") {
            return Err(ConfigError::BadWebhookSecret);
        }
        let base = self.stripe_api_base.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ConfigError::BadApiBase(base));
        }
        Ok(StripeConfig {
            secret_key: secret,
            publishable_key: publishable,
            webhook_secret: webhook,
            api_base: base,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(secret: &str, publishable: &str, webhook: &str) -> ServeArgs {
        let mut a = Cli::parse_from(["kassa-backend"]).serve;
        a.stripe_secret_key = Some(secret.into()).filter(|s: &String| !s.is_empty());
        a.stripe_publishable_key = Some(publishable.into()).filter(|s: &String| !s.is_empty());
        a.stripe_webhook_secret = Some(webhook.into()).filter(|s: &String| !s.is_empty());
        a
    }

    #[test]
    fn consistent_test_keys_are_accepted() {
        let c = args("sk_test_1", "pk_test_1", "whsec_1").stripe().unwrap();
        assert_eq!(c.stripe_js_url(), "https://js.stripe.com/v3");
        assert!(!c.live());
    }

    #[test]
    fn a_live_secret_key_with_a_test_publishable_key_is_refused() {
        assert_eq!(
            args("sk_live_1", "pk_test_1", "whsec_1")
                .stripe()
                .unwrap_err(),
            ConfigError::ModeMismatch {
                secret: "live",
                publishable: "test"
            }
        );
    }

    #[test]
    fn each_missing_piece_is_named() {
        assert_eq!(
            args("", "pk_test_1", "whsec_1").stripe().unwrap_err(),
            ConfigError::MissingSecretKey
        );
        assert_eq!(
            args("sk_test_1", "", "whsec_1").stripe().unwrap_err(),
            ConfigError::MissingPublishableKey
        );
        assert_eq!(
            args("sk_test_1", "pk_test_1", "").stripe().unwrap_err(),
            ConfigError::MissingWebhookSecret
        );
        assert_eq!(
            args("sk_test_1", "sk_test_2", "whsec_1")
                .stripe()
                .unwrap_err(),
            ConfigError::BadPublishableKey
        );
    }
}
