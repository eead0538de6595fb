//! What the hardening tests share: a backend started with chosen limits, signed webhooks, the feed, and HTTP/1.1
//! spoken by hand over a TCP stream (to hold a connection idle, or dribble a request, as no client library does).

#![allow(dead_code)] // each test file uses its own part

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kassa_backend::intake::log::WrapLog;
use kassa_backend::limits::Limits;
use kassa_backend::pay_page::InMemory;
use kassa_backend::{Running, Tuning};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::common::{args, TOKEN};

/// The webhook secret `common::args` gives the backend.
pub const WEBHOOK_SECRET: &str = "whsec_https";

pub async fn start(
    data_dir: &std::path::Path,
    limits: Limits,
    wrap_event_log: Option<WrapLog>,
) -> Running {
    start_with_flags(data_dir, &[], limits, wrap_event_log).await
}

pub async fn start_with_flags(
    data_dir: &std::path::Path,
    flags: &[&str],
    limits: Limits,
    wrap_event_log: Option<WrapLog>,
) -> Running {
    kassa_backend::start_tuned(
        args(data_dir, flags),
        Arc::new(kassa_stripe::clock::SystemClock),
        Tuning {
            pay_files: Arc::new(InMemory::default().with("index.html", "<html></html>")),
            limits,
            wrap_event_log,
        },
    )
    .await
    .unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Stripe event about an intent no order of ours made, with `extra` inside its `data.object`.
pub fn event(id: &str, extra: Value) -> String {
    let mut object =
        json!({ "id": "pi_stranger", "object": "payment_intent", "status": "succeeded" });
    object["extra"] = extra;
    json!({
        "id": id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": unix_now(),
        "data": { "object": object },
    })
    .to_string()
}

/// POST /webhook, signed as Stripe signs it.
pub async fn deliver(
    http: &reqwest::Client,
    base: &str,
    secret: &str,
    payload: &str,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{base}/webhook"))
        .header("content-type", "application/json")
        .header(
            "stripe-signature",
            kassa_stripe::webhook::sign(payload.as_bytes(), secret, unix_now()),
        )
        .body(payload.to_owned())
        .send()
        .await
}

/// The ids of the events the feed serves to an admin.
pub async fn fed(http: &reqwest::Client, base: &str) -> Vec<String> {
    let page: Value = http
        .get(format!("{base}/api/events?after=0&limit=500"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|e| e["event"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// One HTTP/1.1 response read off a kept-alive stream: its status, and its body (by Content-Length).
pub async fn read_response(
    stream: &mut (impl AsyncRead + Unpin),
) -> std::io::Result<(u16, String)> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        if stream.read(&mut byte).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a response: {head}"));
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Reads until the server hangs up (or resets), at most `limit`; what was read, or None if it kept the
/// connection open.
pub async fn hang_up_within(
    stream: &mut (impl AsyncRead + Unpin),
    limit: Duration,
) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut got)).await {
        Ok(_) => Some(got),
        Err(_) => None,
    }
}
