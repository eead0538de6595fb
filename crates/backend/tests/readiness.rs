//! GET /readyz says whether webhooks can be stored now; /healthz only that the process answers. Running out of
//! file descriptors (EMFILE) while syncing the event log is passing: webhooks are answered 503 meanwhile (Stripe
//! retries them), /readyz says why, and once descriptors are free again the intake stores events by itself.

mod common;
mod support;

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kassa_backend::intake::log::Log;
use kassa_backend::limits::Limits;
use serde_json::Value;

use support::{client, deliver, event, fed, start, WEBHOOK_SECRET};

/// The real log, refusing to sync with EMFILE while `out` is set.
struct OutOfDescriptors {
    log: Box<dyn Log>,
    out: Arc<AtomicBool>,
}

impl Log for OutOfDescriptors {
    fn sync(&mut self) -> io::Result<()> {
        if self.out.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(libc::EMFILE));
        }
        self.log.sync()
    }
}

async fn readyz(http: &reqwest::Client, base: &str) -> (u16, Value) {
    let resp = http.get(format!("{base}/readyz")).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn out_of_descriptors_the_intake_refuses_for_now_says_so_on_readyz_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let out = Arc::new(AtomicBool::new(false));
    let switch = out.clone();
    let running = start(
        dir.path(),
        Limits::default(),
        Some(Box::new(move |log| {
            Box::new(OutOfDescriptors { log, out: switch })
        })),
    )
    .await;
    let (http, base) = (client(), running.url());

    let (status, ready) = readyz(&http, &base).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["ready"], true, "{ready}");
    assert_eq!(ready["intake"]["writer"]["state"], "running", "{ready}");
    assert_eq!(ready["intake"]["syncer"]["state"], "running", "{ready}");
    assert_eq!(ready["database"]["state"], "ok", "{ready}");
    assert!(ready["reconciliation"]["last_sweep"].is_null(), "{ready}");

    out.store(true, Ordering::SeqCst);
    let first = event("evt_while_out", Value::Null);
    let refused = deliver(&http, &base, WEBHOOK_SECRET, &first).await.unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.text().await.unwrap().contains("retry later"));

    let (status, ready) = readyz(&http, &base).await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["ready"], false, "{ready}");
    assert_eq!(ready["intake"]["syncer"]["state"], "failing", "{ready}");
    let problems = ready["problems"].to_string();
    assert!(
        problems.contains("intake syncer") && problems.contains("Too many open files"),
        "{ready}"
    );
    assert!(!ready.to_string().contains(WEBHOOK_SECRET), "{ready}");
    let live = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200, "the process itself is alive");

    out.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, ready) = readyz(&http, &base).await;
        if status == 200 {
            assert_eq!(ready["intake"]["syncer"]["state"], "running", "{ready}");
            break;
        }
        assert!(Instant::now() < deadline, "still not ready: {ready}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Stripe's retry of the refused delivery is acknowledged, and so is what comes next.
    let retried = deliver(&http, &base, WEBHOOK_SECRET, &first).await.unwrap();
    assert_eq!(retried.status(), 200);
    let next = event("evt_after", Value::Null);
    let stored = deliver(&http, &base, WEBHOOK_SECRET, &next).await.unwrap();
    assert_eq!(stored.status(), 200);
    assert_eq!(fed(&http, &base).await, ["evt_while_out", "evt_after"]);
    running.shutdown().await;
}
