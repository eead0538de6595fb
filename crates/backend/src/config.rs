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
        /// The token sees every terminal's orders, and may refund, capture and cancel paid ones.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (the tutorial's port by default).
    #[arg(long, env = "KASSA_ADDR", default_value = "127.0.0.1:4242")]
    pub addr: SocketAddr,

    /// Where the SQLite database lives (created 0700, its files 0600).
    // Global and defined once: `token create` must write where the server reads, wherever the flag stands on the
    // command line (a second definition in the subcommand took it only after the subcommand's name).
    #[arg(
        long,
        env = "KASSA_DATA_DIR",
        default_value = "kassa-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// A PostgreSQL database (postgres://user:password@host/db) in place of the SQLite file in --data-dir: for
    /// several instances behind a load balancer. Global, like --data-dir, so `token create` writes there too.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true,
        value_parser = parse_database_url
    )]
    pub database_url: Option<String>,

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

    /// Intents a token may create or update a minute, and at once (0: no limit). A busy till makes a few.
    #[arg(long, env = "KASSA_RATE_INTENTS_PER_MINUTE", default_value_t = 60)]
    pub rate_intents_per_minute: u32,

    /// Refunds, captures and cancels a token may ask for a minute, and at once (0: no limit).
    #[arg(long, env = "KASSA_RATE_MONEY_PER_MINUTE", default_value_t = 30)]
    pub rate_money_per_minute: u32,

    /// Seconds between two reconciliation sweeps of non-terminal intents (0: only on demand).
    #[arg(long, default_value_t = 60)]
    pub reconcile_every_secs: u64,

    /// Intents a reconciliation sweep checks at most, oldest due first; the rest wait for the next sweep.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub reconcile_page: u32,

    /// The country (ISO 3166-1 alpha-2) of the shop's Stripe Terminal location, made when the first card reader is
    /// registered: Stripe sets readers up for it.
    #[arg(long, env = "KASSA_READER_COUNTRY", default_value = "US", value_parser = parse_country)]
    pub reader_country: String,

    /// With --simulate: how long the simulator keeps asynchronous payments in `processing`.
    #[arg(long, default_value_t = 2000)]
    pub sim_processing_delay_ms: u64,

    /// With --simulate, for tests of what happens when webhooks are late: the simulator delivers none.
    #[arg(long, hide = true)]
    pub sim_drop_webhooks: bool,

    /// With --simulate: the simulator's address (default: a free loopback port).
    #[arg(long)]
    pub sim_addr: Option<SocketAddr>,

    /// With --simulate: the simulator in live mode, with sk_live_/pk_live_ keys, so the live path (Stripe.js only
    /// on an https page) runs offline.
    #[arg(long)]
    pub sim_live: bool,

    /// With --simulate: an empty catalogue is given the demo café (crates/backend/demo: its store and products,
    /// as data), as the app's demo mode does.
    #[arg(long)]
    pub demo_catalog: bool,

    /// With --simulate: with no card reader registered yet, registers one simulated reader ("Reader 1") for the
    /// app's own till (the sidecar's token), as the app's demo mode does.
    #[arg(long)]
    pub demo_reader: bool,

    /// An origin that may show the payment page (/pay) in a frame, besides the app's own (tauri://localhost,
    /// http(s)://tauri.localhost); e.g. http://localhost:1420 for the UI's dev server. Repeatable.
    #[arg(
        long = "till-origin",
        value_name = "ORIGIN",
        env = "KASSA_TILL_ORIGINS",
        value_delimiter = ','
    )]
    pub till_origins: Vec<String>,

    /// Serve https with this certificate chain (PEM), together with --tls-key.
    #[arg(long, env = "KASSA_TLS_CERT", value_name = "PATH")]
    pub tls_cert: Option<PathBuf>,

    /// The certificate's private key (PEM), together with --tls-cert.
    #[arg(long, env = "KASSA_TLS_KEY", value_name = "PATH")]
    pub tls_key: Option<PathBuf>,

    /// Exit when the process with this pid is gone (the app that started this backend as its sidecar).
    #[arg(long, hide = true)]
    pub exit_with_parent: Option<u32>,

    /// An admin token to accept as well as the stored ones, for an app that starts this backend as its sidecar;
    /// at least 32 characters.
    #[arg(
        long,
        env = "KASSA_BOOTSTRAP_TOKEN",
        hide = true,
        hide_env_values = true,
        value_parser = BootstrapTokenParser
    )]
    pub bootstrap_token: Option<BootstrapToken>,
}

/// The sidecar's token: long enough that it cannot be guessed, and never printed (not even by `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapToken(String);

/// Fewer bytes than a random 128-bit secret in hex is a password, not a token; the app generates 64 hex digits.
pub const MIN_BOOTSTRAP_TOKEN_BYTES: usize = 32;

impl BootstrapToken {
    pub fn new(token: &str) -> Result<Self, String> {
        // Visible ASCII only: anything else cannot travel in an Authorization header, so it could never match.
        if token.len() < MIN_BOOTSTRAP_TOKEN_BYTES || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "--bootstrap-token (KASSA_BOOTSTRAP_TOKEN) must be at least {MIN_BOOTSTRAP_TOKEN_BYTES} \
                 characters of visible ASCII, without spaces (e.g. 64 random hex digits)"
            ));
        }
        Ok(Self(token.to_owned()))
    }
}

impl std::ops::Deref for BootstrapToken {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BootstrapToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BootstrapToken(..)")
    }
}

/// A parser of its own, since clap's errors for a plain function quote the rejected value: a secret, here.
#[derive(Clone)]
struct BootstrapTokenParser;

impl clap::builder::TypedValueParser for BootstrapTokenParser {
    type Value = BootstrapToken;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<BootstrapToken, clap::Error> {
        let refuse = |message: String| {
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, message + "\n")
        };
        let token = value.to_str().ok_or_else(|| {
            refuse("--bootstrap-token (KASSA_BOOTSTRAP_TOKEN) must be text".into())
        })?;
        BootstrapToken::new(token).map_err(refuse)
    }
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
    #[error("--sim-live needs --simulate (it puts the in-process simulator in live mode); for real live keys set STRIPE_SECRET_KEY=sk_live_… instead")]
    SimLiveWithoutSimulate,
    #[error("--demo-catalog needs --simulate: a real store imports its own catalogue (POST /api/catalog/import)")]
    DemoCatalogWithoutSimulate,
    #[error(
        "--demo-reader needs --simulate: a real shop registers its own readers (POST /api/readers)"
    )]
    DemoReaderWithoutSimulate,
    #[error("{given} is set but {missing} is not: give both, the certificate chain and its private key as PEM files, or neither")]
    HalfTls {
        given: &'static str,
        missing: &'static str,
    },
    #[error("--till-origin {0:?} is not an origin: give scheme://host[:port] with no path, e.g. http://localhost:1420")]
    BadTillOrigin(String),
}

/// The certificate chain and private key to serve https with, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

const TLS_CERT: &str = "--tls-cert (KASSA_TLS_CERT)";
const TLS_KEY: &str = "--tls-key (KASSA_TLS_KEY)";

/// `scheme://host[:port]`, lowercased and without a default port (as browsers write an origin), or None. Origins
/// end up in a CSP header and in the page's exact origin checks, so nothing else may pass: no path, wildcard,
/// user, space or separator.
pub fn parse_origin(raw: &str) -> Option<String> {
    let lower = raw.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (addr, _) = v6.split_once(']')?;
            addr.parse::<std::net::Ipv6Addr>().ok()?;
            rest.split_at(addr.len() + 2)
        }
        None => rest.split_at(rest.find(':').unwrap_or(rest.len())),
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host.len() <= 253
            && !host.starts_with(['.', '-'])
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        None => return None,
        Some(p) if (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok().filter(|n| *n > 0)?)
        }
        Some(_) => return None,
    };
    if !(scheme_ok && host_ok) {
        return None;
    }
    Some(match (scheme, port) {
        ("http", Some(80)) | ("https", Some(443)) | (_, None) => format!("{scheme}://{host}"),
        (_, Some(port)) => format!("{scheme}://{host}:{port}"),
    })
}

impl ServeArgs {
    /// Where the data lives: --database-url when given, else the SQLite file in --data-dir.
    pub fn location(&self) -> crate::db::Location {
        crate::db::Location::of(&self.data_dir, self.database_url.as_deref())
    }

    /// The TLS files, if https was asked for; both or neither.
    pub fn tls(&self) -> Result<Option<TlsFiles>, ConfigError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError::HalfTls {
                given: TLS_CERT,
                missing: TLS_KEY,
            }),
            (None, Some(_)) => Err(ConfigError::HalfTls {
                given: TLS_KEY,
                missing: TLS_CERT,
            }),
        }
    }

    /// The extra origins allowed to frame the payment page, checked and normalized.
    pub fn till_origins(&self) -> Result<Vec<String>, ConfigError> {
        self.till_origins
            .iter()
            .map(|raw| parse_origin(raw).ok_or_else(|| ConfigError::BadTillOrigin(raw.clone())))
            .collect()
    }

    /// Flags that only mean something together.
    pub fn check_sim_flags(&self) -> Result<(), ConfigError> {
        if self.sim_live && !self.simulate {
            return Err(ConfigError::SimLiveWithoutSimulate);
        }
        if self.demo_catalog && !self.simulate {
            return Err(ConfigError::DemoCatalogWithoutSimulate);
        }
        if self.demo_reader && !self.simulate {
            return Err(ConfigError::DemoReaderWithoutSimulate);
        }
        Ok(())
    }

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

fn parse_database_url(s: &str) -> Result<String, String> {
    crate::db::pg::config(s).map(|_| s.to_owned())
}

fn parse_country(s: &str) -> Result<String, String> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(format!(
            "{s:?} is not a two-letter country code (ISO 3166-1 alpha-2, e.g. US, DE, JP)"
        ))
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

    fn serve_args(argv: &[&str]) -> ServeArgs {
        Cli::parse_from(std::iter::once("kassa-backend").chain(argv.iter().copied())).serve
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for (raw, origin) in [
            ("http://localhost:1420", "http://localhost:1420"),
            ("HTTPS://Till.Example", "https://till.example"),
            ("https://till.example:443", "https://till.example"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("tauri://localhost", "tauri://localhost"),
            ("http://[::1]:1420", "http://[::1]:1420"),
        ] {
            assert_eq!(parse_origin(raw).as_deref(), Some(origin), "{raw}");
        }
        for raw in [
            "localhost:1420",
            "http://localhost:1420/",
            "http://localhost/pay",
            "http://localhost?x=1",
            "http://*.example.com",
            "http://user@host",
            "http://host:0",
            "http://host:65536",
            "http://host:+80",
            "http://",
            "http://a b",
            "http://a;script-src",
            "http://[::1",
            "1http://host",
            "",
        ] {
            assert_eq!(parse_origin(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_bad_till_origin_is_named() {
        let a = serve_args(&[
            "--till-origin",
            "http://localhost:1420",
            "--till-origin",
            "http://x/y",
        ]);
        let err = a.till_origins().unwrap_err();
        assert_eq!(err, ConfigError::BadTillOrigin("http://x/y".into()));
        assert!(
            err.to_string().starts_with("--till-origin \"http://x/y\""),
            "{err}"
        );
        let ok = serve_args(&["--till-origin", "http://localhost:1420"]);
        assert_eq!(ok.till_origins().unwrap(), ["http://localhost:1420"]);
    }

    #[test]
    fn tls_takes_both_files_or_neither() {
        assert_eq!(serve_args(&[]).tls().unwrap(), None);
        let both = serve_args(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]);
        assert_eq!(
            both.tls().unwrap(),
            Some(TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
        let err = serve_args(&["--tls-cert", "c.pem"]).tls().unwrap_err();
        assert!(err.to_string().contains("--tls-key"), "{err}");
        let err = serve_args(&["--tls-key", "k.pem"]).tls().unwrap_err();
        assert!(err.to_string().contains("--tls-cert"), "{err}");
    }

    #[test]
    fn sim_live_needs_simulate() {
        let err = serve_args(&["--sim-live"]).check_sim_flags().unwrap_err();
        assert!(err.to_string().contains("--sim-live") && err.to_string().contains("--simulate"));
        serve_args(&["--simulate", "--sim-live"])
            .check_sim_flags()
            .unwrap();
    }

    #[test]
    fn the_demo_reader_needs_simulate_and_the_reader_country_is_two_letters() {
        let err = serve_args(&["--demo-reader"])
            .check_sim_flags()
            .unwrap_err();
        assert!(err.to_string().contains("--demo-reader"), "{err}");
        assert_eq!(serve_args(&["--reader-country", "de"]).reader_country, "DE");
        assert_eq!(serve_args(&[]).reader_country, "US");
        assert!(parse_country("Germany").unwrap_err().contains("two-letter"));
    }

    #[test]
    fn the_demo_catalogue_needs_simulate() {
        let err = serve_args(&["--demo-catalog"])
            .check_sim_flags()
            .unwrap_err();
        assert!(err.to_string().contains("--demo-catalog"), "{err}");
        serve_args(&["--simulate", "--demo-catalog"])
            .check_sim_flags()
            .unwrap();
    }

    #[test]
    fn the_data_dir_is_one_option_before_or_after_the_subcommand() {
        for argv in [
            &["token", "create", "--name", "till-1", "--data-dir", "/d"][..],
            &["--data-dir", "/d", "token", "create", "--name", "till-1"],
            &["token", "--data-dir", "/d", "create", "--name", "till-1"],
        ] {
            let cli =
                Cli::try_parse_from(std::iter::once("kassa-backend").chain(argv.iter().copied()))
                    .unwrap();
            assert_eq!(cli.serve.data_dir, PathBuf::from("/d"), "{argv:?}");
            assert!(
                matches!(cli.command, Some(Command::Token { .. })),
                "{argv:?}"
            );
        }
        assert_eq!(serve_args(&[]).data_dir, PathBuf::from("kassa-data"));
    }

    #[test]
    fn the_database_url_is_global_too_and_chooses_postgresql() {
        let url = "postgres://kassa:pw@db.internal/kassa";
        for argv in [
            &["token", "create", "--name", "till-1", "--database-url", url][..],
            &["--database-url", url, "token", "create", "--name", "till-1"],
        ] {
            let cli =
                Cli::try_parse_from(std::iter::once("kassa-backend").chain(argv.iter().copied()))
                    .unwrap();
            assert!(
                matches!(cli.serve.location(), crate::db::Location::Postgres(u) if u == url),
                "{argv:?}"
            );
        }
        assert!(matches!(
            serve_args(&["--data-dir", "/d"]).location(),
            crate::db::Location::Dir(d) if d == std::path::Path::new("/d")
        ));
    }

    #[test]
    fn a_database_url_that_is_not_postgresql_is_named() {
        let err = Cli::try_parse_from(["kassa-backend", "--database-url", "mysql://x@y/z"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--database-url"), "{err}");
    }

    #[test]
    fn a_short_bootstrap_token_is_refused_without_echoing_it() {
        let short = "s3cr3t-but-only-31-characters!!";
        assert_eq!(short.len(), 31);
        let err = Cli::try_parse_from(["kassa-backend", "--bootstrap-token", short]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("--bootstrap-token") && text.contains("32"),
            "{text}"
        );
        assert!(!text.contains(short), "the error quotes the secret: {text}");
        let spaced = format!("{} x", "a".repeat(40));
        assert!(Cli::try_parse_from(["kassa-backend", "--bootstrap-token", &spaced]).is_err());

        let good = "0123456789abcdef".repeat(4);
        let args = serve_args(&["--bootstrap-token", &good]);
        assert_eq!(args.bootstrap_token.as_deref(), Some(good.as_str()));
        assert!(
            !format!("{args:?}").contains(&good),
            "Debug prints the token"
        );
    }
}
