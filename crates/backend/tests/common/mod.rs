//! What the backend's integration tests share: a test CA and its server certificate, and the serve arguments.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};

use clap::Parser;
use kassa_backend::config::Cli;

// At least 32 characters, as the backend requires of a bootstrap token.
pub const TOKEN: &str = "kt_backend_test_bootstrap_token_0123456789";

pub struct Certs {
    pub ca_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A CA, and a server certificate it signed for localhost and 127.0.0.1, as PEM files in `dir`.
pub fn certs(dir: &Path) -> Certs {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Kassa test shop CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.use_authority_key_identifier_extension = true;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &issuer).unwrap();

    let paths = Certs {
        ca_pem: ca_cert.pem(),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&paths.cert, cert.pem()).unwrap();
    std::fs::write(&paths.key, key.serialize_pem()).unwrap();
    paths
}

/// With KASSA_TEST_POSTGRES set (scripts/with-postgres sets it), the same tests run on PostgreSQL: each data
/// directory stands for a database of its own, made on first use, so a test that restarts the backend on its
/// data directory finds its data again.
pub fn database_url(data_dir: &Path) -> Option<String> {
    let server = std::env::var("KASSA_TEST_POSTGRES").ok()?;
    let key = data_dir.to_string_lossy();
    Some(kassa_backend::db::pg::scratch_database(&server, &key).unwrap())
}

pub fn args(data_dir: &Path, extra: &[&str]) -> kassa_backend::config::ServeArgs {
    let url = database_url(data_dir);
    let mut argv = vec![
        "kassa-backend",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--reconcile-every-secs",
        "0",
        "--bootstrap-token",
        TOKEN,
    ];
    if let Some(url) = &url {
        argv.extend(["--database-url", url]);
    }
    argv.extend_from_slice(extra);
    let mut serve = Cli::parse_from(argv).serve;
    if !serve.simulate {
        // Never called: these tests talk to the backend only.
        serve.stripe_secret_key = Some("sk_test_https".into());
        serve.stripe_publishable_key = Some("pk_test_https".into());
        serve.stripe_webhook_secret = Some("whsec_https".into());
        serve.stripe_api_base = "http://127.0.0.1:9".into();
    }
    serve
}

/// The backend as `kassa-backend FLAGS --data-dir DATA_DIR` starts it (the real payment page), and a client for it.
pub async fn start(data_dir: &Path, flags: &[&str]) -> (kassa_backend::Running, reqwest::Client) {
    let running = kassa_backend::start(
        args(data_dir, flags),
        std::sync::Arc::new(kassa_stripe::clock::SystemClock),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    (running, http)
}

/// Terminal tokens made as `token create` makes them, before the backend starts on `data_dir`: one per
/// (name, admin), in order.
pub fn tokens(data_dir: &Path, who: &[(&str, bool)]) -> Vec<String> {
    let location = kassa_backend::db::Location::of(data_dir, database_url(data_dir).as_deref());
    let db = kassa_backend::db::Db::open(&location).unwrap();
    let conn = db.writer().unwrap();
    who.iter()
        .map(|(name, admin)| {
            conn.with(|c| kassa_backend::db::terminals::create(c, name, *admin, 1))
                .unwrap()
        })
        .collect()
}

/// A request's status and body (JSON, or the text when it is not).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// `PUT /api/orders/{order}/intent` for `amount` US cents with `capture_method`, as `token`'s till asks for it.
pub async fn put_intent(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    order: &str,
    amount: i64,
    capture_method: &str,
) -> (u16, serde_json::Value) {
    send(
        http.put(format!("{base}/api/orders/{order}/intent"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "amount": amount, "currency": "usd", "capture_method": capture_method })),
    )
    .await
}
