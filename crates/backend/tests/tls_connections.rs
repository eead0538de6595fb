//! The same limits on the TLS server (--tls-cert, --tls-key), where browsers speak HTTP/2: a client that never
//! finishes its handshake, or finishes it and asks nothing, is let go; an HTTP/2 connection is closed once idle,
//! but not while a feed long-poll is in flight on it.

mod common;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioExecutor, TokioIo};
use kassa_backend::limits::Limits;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

use common::{certs, TOKEN};
use support::{hang_up_within, start_with_flags};

fn within(took: Duration, from: Duration, to: Duration) {
    assert!(
        took >= from && took <= to,
        "took {took:?}, not between {from:?} and {to:?}"
    );
}

/// A TLS client trusting the test CA, offering `alpn`.
fn connector(ca_pem: &str, alpn: &[u8]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn tls_connections_are_let_go_when_stalled_or_idle_but_not_during_a_long_poll() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let (cert, key) = (
        certs.cert.display().to_string(),
        certs.key.display().to_string(),
    );
    let limits = Limits {
        handshake_timeout: Duration::from_secs(1),
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let running = start_with_flags(
        &dir.path().join("data"),
        &["--tls-cert", &cert, "--tls-key", &key],
        limits.clone(),
        None,
    )
    .await;
    let addr = running.addr;
    let slack = Duration::from_secs(2);

    // No handshake at all.
    let mut mute = TcpStream::connect(addr).await.unwrap();
    let began = Instant::now();
    hang_up_within(&mut mute, Duration::from_secs(15))
        .await
        .expect("the server hung up");
    within(
        began.elapsed(),
        limits.handshake_timeout - Duration::from_millis(200),
        limits.handshake_timeout + slack,
    );

    // A handshake, then nothing.
    let tls = connector(&certs.ca_pem, b"http/1.1");
    let localhost = ServerName::try_from("localhost").unwrap();
    let mut silent = tls
        .connect(localhost.clone(), TcpStream::connect(addr).await.unwrap())
        .await
        .unwrap();
    let began = Instant::now();
    let got = hang_up_within(&mut silent, Duration::from_secs(15))
        .await
        .expect("the server hung up");
    assert!(got.is_empty());
    within(
        began.elapsed(),
        limits.header_timeout - Duration::from_millis(200),
        limits.header_timeout + slack,
    );

    // HTTP/2: a long-poll longer than the idle timeout is answered; then, idle, the connection is closed.
    let h2 = connector(&certs.ca_pem, b"h2")
        .connect(localhost, TcpStream::connect(addr).await.unwrap())
        .await
        .unwrap();
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(h2))
            .await
            .unwrap();
    let conn = tokio::spawn(conn);
    let poll = hyper::Request::get(format!(
        "https://localhost:{}/api/events?after=0&wait=4",
        addr.port()
    ))
    .header("authorization", format!("Bearer {TOKEN}"))
    .body(String::new())
    .unwrap();
    let began = Instant::now();
    let answer = send.send_request(poll).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.version(), hyper::Version::HTTP_2);
    within(
        began.elapsed(),
        Duration::from_millis(3900),
        Duration::from_secs(6),
    );
    drop(answer);
    let idle = Instant::now();
    tokio::time::timeout(Duration::from_secs(15), conn)
        .await
        .expect("the idle HTTP/2 connection was closed")
        .unwrap()
        .ok();
    within(
        idle.elapsed(),
        limits.idle_timeout - Duration::from_millis(200),
        limits.idle_timeout + slack,
    );
    running.shutdown().await;
}
