//! What a client may hold of the backend's HTTP server: a connection that dribbles its headers or its body, sits
//! idle, or is one too many is let go, while a feed long-poll in flight is never cut. Timeouts here are short so
//! the tests are; the defaults are in `kassa_backend::limits`.

mod common;
mod support;

use std::time::{Duration, Instant};

use kassa_backend::limits::Limits;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use common::TOKEN;
use support::{client, hang_up_within, read_response, start};

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

fn within(took: Duration, from: Duration, to: Duration) {
    assert!(
        took >= from && took <= to,
        "took {took:?}, not between {from:?} and {to:?}"
    );
}

#[tokio::test]
async fn a_client_sending_its_headers_a_byte_a_second_is_cut_off_at_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_secs(2);
    let running = start(
        dir.path(),
        Limits {
            header_timeout: timeout,
            ..Limits::default()
        },
        None,
    )
    .await;

    let (mut read, mut write) = TcpStream::connect(running.addr).await.unwrap().into_split();
    let began = Instant::now();
    let slowloris = tokio::spawn(async move {
        let request =
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: slowly, slowly\r\n\r\n";
        for byte in request {
            if write.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let got = hang_up_within(&mut read, Duration::from_secs(15))
        .await
        .expect("the server hung up");
    within(
        began.elapsed(),
        timeout - Duration::from_millis(200),
        timeout + Duration::from_secs(2),
    );
    assert!(
        got.is_empty(),
        "answered: {}",
        String::from_utf8_lossy(&got)
    );
    slowloris.abort();

    // A connection that never says anything is let go at the same time.
    let mut silent = TcpStream::connect(running.addr).await.unwrap();
    let began = Instant::now();
    hang_up_within(&mut silent, Duration::from_secs(15))
        .await
        .expect("the server hung up");
    within(
        began.elapsed(),
        timeout - Duration::from_millis(200),
        timeout + Duration::from_secs(2),
    );

    let ok = client()
        .get(format!("{}/healthz", running.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    running.shutdown().await;
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off_at_the_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_secs(1);
    let running = start(
        dir.path(),
        Limits {
            body_timeout: timeout,
            ..Limits::default()
        },
        None,
    )
    .await;

    let (mut read, mut write) = TcpStream::connect(running.addr).await.unwrap().into_split();
    write
        .write_all(
            b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Stripe-Signature: t=1,v1=00\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
    let began = Instant::now();
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if write.write_all(b" ").await.is_err() {
                return;
            }
        }
    });
    let (status, body) = tokio::time::timeout(Duration::from_secs(10), read_response(&mut read))
        .await
        .expect("answered")
        .unwrap();
    within(
        began.elapsed(),
        timeout - Duration::from_millis(200),
        timeout + Duration::from_secs(2),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("did not arrive within"), "{body}");
    hang_up_within(&mut read, Duration::from_secs(5))
        .await
        .expect("and then hung up");
    trickle.abort();
    running.shutdown().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout_but_a_longer_long_poll_is_not_cut() {
    let dir = tempfile::tempdir().unwrap();
    let idle = Duration::from_secs(2);
    let running = start(
        dir.path(),
        Limits {
            idle_timeout: idle,
            header_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
        None,
    )
    .await;
    let addr = running.addr;

    let kept_alive = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        let (status, _) = read_response(&mut stream).await.unwrap();
        assert_eq!(status, 200);
        // Idle from here: longer than the header timeout is fine, the idle timeout is not.
        let began = Instant::now();
        hang_up_within(&mut stream, Duration::from_secs(15))
            .await
            .expect("the idle connection was closed");
        within(
            began.elapsed(),
            idle - Duration::from_millis(200),
            idle + Duration::from_secs(2),
        );
    };
    let long_poll = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let poll = format!(
            "GET /api/events?after=0&wait=4 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        );
        stream.write_all(poll.as_bytes()).await.unwrap();
        let began = Instant::now();
        let (status, body) = read_response(&mut stream).await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"events\":[]"), "{body}");
        within(
            began.elapsed(),
            Duration::from_millis(3900),
            Duration::from_secs(6),
        );
        // And the connection serves on.
        stream.write_all(HEALTHZ).await.unwrap();
        assert_eq!(read_response(&mut stream).await.unwrap().0, 200);
    };
    tokio::join!(kept_alive, long_poll);
    running.shutdown().await;
}

#[tokio::test]
async fn past_the_cap_a_connection_waits_until_one_closes() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(
        dir.path(),
        Limits {
            max_connections: 3,
            ..Limits::default()
        },
        None,
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(running.addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        assert_eq!(read_response(&mut stream).await.unwrap().0, 200);
        held.push(stream);
    }
    let url = format!("{}/healthz", running.url());
    let fourth = tokio::spawn(async move { client().get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!fourth.is_finished(), "a fourth connection was served");
    drop(held.pop());
    let status = tokio::time::timeout(Duration::from_secs(5), fourth)
        .await
        .expect("served once a connection closed")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    running.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_idle_connections_at_once_and_lets_a_long_poll_answer() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), Limits::default(), None).await;
    let mut idle = TcpStream::connect(running.addr).await.unwrap();
    idle.write_all(HEALTHZ).await.unwrap();
    assert_eq!(read_response(&mut idle).await.unwrap().0, 200);
    let mut polling = TcpStream::connect(running.addr).await.unwrap();
    let poll = format!(
        "GET /api/events?after=0&wait=3 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    polling.write_all(poll.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let began = Instant::now();
    let shutdown = tokio::spawn(running.shutdown());
    hang_up_within(&mut idle, Duration::from_secs(2))
        .await
        .expect("the idle connection was closed at once");
    let (status, _) = read_response(&mut polling).await.unwrap();
    assert_eq!(status, 200, "the long-poll answered");
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown finished")
        .unwrap();
    assert!(began.elapsed() < Duration::from_secs(6));
}
