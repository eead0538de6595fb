//! Thousands of idle TCP connections (no token needed) against the backend process, with fewer file descriptors
//! than connections: they once took every descriptor, /healthz stopped answering, and the intake's next fsync
//! failed with EMFILE and stopped it for good. Now the connection cap keeps descriptors free, the idle ones are let
//! go at the header timeout, and a signed webhook is stored meanwhile.
//!
//! KASSA_TEST_IDLE_CONNECTIONS sets how many (5000 by default).

mod common;
mod support;

use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use common::TOKEN;
use support::{client, deliver, event, fed};

const SECRET: &str = "whsec_idle_flood";
/// The backend's open-file limit, soft and hard, well under the connections held.
const BACKEND_FDS: u64 = 2048;

/// The backend binary, its open-file limit set to [`BACKEND_FDS`]; its URL, and what it logs.
fn spawn_backend(
    data_dir: &std::path::Path,
) -> (std::process::Child, String, Arc<Mutex<Vec<String>>>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kassa-backend"));
    command
        .args([
            "--addr",
            "127.0.0.1:0",
            "--reconcile-every-secs",
            "0",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("STRIPE_SECRET_KEY", "sk_test_idle_flood")
        .env("STRIPE_PUBLISHABLE_KEY", "pk_test_idle_flood")
        .env("STRIPE_WEBHOOK_SECRET", SECRET)
        .env("STRIPE_API_BASE", "http://127.0.0.1:9")
        .env("KASSA_BOOTSTRAP_TOKEN", TOKEN)
        .env("KASSA_HEADER_TIMEOUT_MS", "2000")
        .env("RUST_LOG", "kassa_backend=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe, and touches nothing of the parent's.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: BACKEND_FDS as libc::rlim_t,
                rlim_max: BACKEND_FDS as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
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
    let logged = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = logged.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("the backend did not start: {:?}", logged.lock().unwrap()));
    (child, url, logged)
}

/// How many connections to hold, within this process's own open-file limit (raised to its hard limit first).
fn connections() -> usize {
    let wanted = std::env::var("KASSA_TEST_IDLE_CONNECTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5000);
    let ours = kassa_backend::limits::raise_fd_limit();
    let room = usize::try_from(ours.saturating_sub(256)).unwrap_or(usize::MAX);
    if wanted > room {
        eprintln!("holding {room} connections, not {wanted}: this process may open {ours} files");
    }
    wanted.min(room)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_connections_do_not_stop_the_backend_or_its_intake() {
    let count = connections();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, logged) = spawn_backend(&dir.path().join("data"));
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let http = client();

    let began = Instant::now();
    let mut opening = JoinSet::new();
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        opening.spawn(async move {
            tokio::time::timeout(Duration::from_secs(20), TcpStream::connect(addr)).await
        });
        // A few hundred connects in flight at a time.
        if opening.len() >= 256 {
            if let Some(done) = opening.join_next().await {
                held.push(done.unwrap().expect("connected in time").unwrap());
            }
        }
    }
    while let Some(done) = opening.join_next().await {
        held.push(done.unwrap().expect("connected in time").unwrap());
    }
    assert_eq!(held.len(), count);
    eprintln!("{count} idle connections open after {:?}", began.elapsed());

    // While they are all held open by this side:
    let payload = event("evt_among_the_idle", Value::Null);
    let stored = deliver(&http, &base, SECRET, &payload).await.unwrap();
    assert_eq!(stored.status(), 200, "{}", stored.text().await.unwrap());
    eprintln!(
        "the webhook was stored {:?} after the connections began",
        began.elapsed()
    );
    let live = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(fed(&http, &base).await, ["evt_among_the_idle"]);

    drop(held);
    let after = event("evt_after_the_idle", Value::Null);
    let stored = deliver(&http, &base, SECRET, &after).await.unwrap();
    assert_eq!(stored.status(), 200, "the intake is still running");
    assert_eq!(
        fed(&http, &base).await,
        ["evt_among_the_idle", "evt_after_the_idle"]
    );
    assert!(
        began.elapsed() < Duration::from_secs(120),
        "took {:?}",
        began.elapsed()
    );

    let _ = child.kill();
    let _ = child.wait();
    let logged = logged.lock().unwrap();
    let at_cap = logged
        .iter()
        .filter(|l| l.contains("the most served at once"))
        .count();
    assert!(
        (1..=2).contains(&at_cap),
        "the cap is reported once a minute, not per connection: {logged:#?}"
    );
    assert!(
        !logged.iter().any(|l| l.contains("Too many open files")),
        "the backend ran out of descriptors: {logged:#?}"
    );
}
