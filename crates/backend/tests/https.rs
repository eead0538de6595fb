//! The backend over https (--tls-cert, --tls-key): a certificate for localhost and 127.0.0.1 from a CA made here,
//! trusted by the client the way a till trusts a shop's own CA. Nothing leaves the loopback interface.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kassa_backend::pay_page::InMemory;
use kassa_backend::{Running, StartError};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::{args, certs, Certs, TOKEN};

const PAGE: &str = "<html><script type=\"application/json\" id=\"kassa-pay-config\">%KASSA_PAY_CONFIG%</script></html>";

async fn start(data_dir: &Path, extra: &[&str]) -> Result<Running, StartError> {
    kassa_backend::start_with(
        args(data_dir, extra),
        Arc::new(kassa_stripe::clock::SystemClock),
        Arc::new(InMemory::default().with("index.html", PAGE)),
    )
    .await
}

fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn tls_flags(certs: &Certs) -> [String; 4] {
    [
        "--tls-cert".into(),
        certs.cert.display().to_string(),
        "--tls-key".into(),
        certs.key.display().to_string(),
    ]
}

#[tokio::test]
async fn it_serves_https_with_the_given_certificate_and_shuts_down() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let flags = tls_flags(&certs);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let running = start(&dir.path().join("data"), &flags).await.unwrap();
    let url = running.url();
    assert_eq!(url, format!("https://{}", running.addr));
    let http = trusting(&certs.ca_pem);

    for base in [
        url.clone(),
        format!("https://localhost:{}", running.addr.port()),
    ] {
        let resp = http.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{base}");
        assert_eq!(resp.json::<Value>().await.unwrap(), json!({ "ok": true }));
    }
    let page = http.get(format!("{url}/pay")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("frame-ancestors tauri://localhost"));

    // A client that does not trust the shop's CA gets no answer at all.
    let stranger = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(
                rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
                    .unwrap()
                    .cert
                    .pem()
                    .as_bytes(),
            )
            .unwrap(),
        )
        .no_proxy()
        .build()
        .unwrap();
    assert!(stranger.get(format!("{url}/healthz")).send().await.is_err());

    let addr = running.addr;
    tokio::time::timeout(Duration::from_secs(10), running.shutdown())
        .await
        .expect("shutdown finishes");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after shutdown"
    );
}

#[tokio::test]
async fn plain_http_to_the_tls_port_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let flags = tls_flags(&certs);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let running = start(&dir.path().join("data"), &flags).await.unwrap();

    let mut stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer))
        .await
        .expect("the server hangs up on a plain-http request");
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("HTTP/1.1"), "served over plain http: {text}");
    assert!(!text.contains("\"ok\""), "served over plain http: {text}");

    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let tried = plain
        .get(format!("http://{}/healthz", running.addr))
        .send()
        .await;
    assert!(
        tried.is_err(),
        "plain http got {:?}",
        tried.map(|r| r.status())
    );
    running.shutdown().await;
}

/// With --simulate the simulator delivers its webhooks over plain http; with TLS on they come in on a loopback
/// port of their own, so a payment still reaches the feed.
#[tokio::test]
async fn with_the_simulator_webhooks_still_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let flags = tls_flags(&certs);
    let mut flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    flags.push("--simulate");
    let running = start(&dir.path().join("data"), &flags).await.unwrap();
    let url = running.url();
    let sim = running.simulator.as_ref().unwrap().url();
    let http = trusting(&certs.ca_pem);

    let intent: Value = http
        .put(format!("{url}/api/orders/o-https-1/intent"))
        .bearer_auth(TOKEN)
        .json(&json!({ "amount": 1250, "currency": "eur" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = intent["payment_intent_id"]
        .as_str()
        .expect("an intent")
        .to_owned();
    let confirmed: Value = http
        .post(format!("{sim}/v1/payment_intents/{id}/confirm"))
        .bearer_auth(intent["publishable_key"].as_str().unwrap())
        .form(&[
            ("client_secret", intent["client_secret"].as_str().unwrap()),
            ("payment_method", "pm_card_visa"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");

    let mut after = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page: Value = http
            .get(format!("{url}/api/events?after={after}&wait=5"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = page["events"].as_array().unwrap();
        if events
            .iter()
            .any(|e| e.to_string().contains("payment_intent.succeeded"))
        {
            break;
        }
        after = page["next_cursor"].as_i64().unwrap();
        assert!(
            tokio::time::Instant::now() < deadline,
            "no payment_intent.succeeded in the feed"
        );
    }
    running.shutdown().await;
}

async fn refusal(data_dir: &Path, extra: &[&str]) -> String {
    match start(data_dir, extra).await {
        Ok(_) => panic!("{extra:?} started"),
        Err(e) => {
            let message = e.to_string();
            assert_eq!(message.lines().count(), 1, "one line: {message}");
            message
        }
    }
}

#[tokio::test]
async fn one_file_without_the_other_names_the_missing_flag() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let data = dir.path().join("data");
    let cert = certs.cert.to_str().unwrap();
    let key = certs.key.to_str().unwrap();
    let message = refusal(&data, &["--tls-cert", cert]).await;
    assert!(message.contains("--tls-key"), "{message}");
    let message = refusal(&data, &["--tls-key", key]).await;
    assert!(message.contains("--tls-cert"), "{message}");
}

#[tokio::test]
async fn a_bad_or_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let data = dir.path().join("data");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let missing = dir.path().join("missing.pem");
    let other = certs_in(dir.path().join("other"));
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());

    for (c, k, named) in [
        (garbage.to_str().unwrap(), key, &garbage),
        (broken.to_str().unwrap(), key, &broken),
        (missing.to_str().unwrap(), key, &missing),
        (cert, garbage.to_str().unwrap(), &garbage),
        (cert, missing.to_str().unwrap(), &missing),
        // A private key as the certificate: no certificate in it.
        (key, key, &certs.key),
        // The key of another certificate.
        (cert, other.key.to_str().unwrap(), &other.key),
    ] {
        let message = refusal(&data, &["--tls-cert", c, "--tls-key", k]).await;
        assert!(
            message.contains(&named.display().to_string()),
            "{c} {k}: {message}"
        );
    }
}

fn certs_in(dir: PathBuf) -> Certs {
    std::fs::create_dir_all(&dir).unwrap();
    certs(&dir)
}

/// The binary itself says where it listens, with the scheme (the app's sidecar start-up reads that line).
#[tokio::test]
async fn the_process_says_https_and_serves_there() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kassa-backend"))
        .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .args(["--simulate", "--tls-cert"])
        .arg(&certs.cert)
        .arg("--tls-key")
        .arg(&certs.key)
        .env_remove("STRIPE_SECRET_KEY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.strip_prefix("kassa-backend listening on ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(30));
    let served = match &url {
        Ok(url) => trusting(&certs.ca_pem)
            .get(format!("{url}/healthz"))
            .send()
            .await
            .map(|r| r.status().as_u16()),
        Err(_) => Ok(0),
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(url.unwrap(), format!("https://127.0.0.1:{port}"));
    assert_eq!(served.unwrap(), 200);
}
