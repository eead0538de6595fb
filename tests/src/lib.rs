//! A harness that runs the real binaries: `stripe-sim` and `kassa-backend` from the workspace's target directory,
//! each as its own process on a loopback port, wired together the way an operator would wire them (the simulator
//! forwards signed webhooks to the backend, the backend talks to the simulator as to api.stripe.com). Processes are
//! killed when their handle is dropped. Build them first: `cargo build -p kassa-backend -p stripe-sim --bins`.

use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

pub mod till;

pub use reqwest;
pub use serde_json;

/// The keys the backend is started with; the simulator accepts any test key.
pub const SECRET_KEY: &str = "sk_test_x";
pub const PUBLISHABLE_KEY: &str = "pk_test_x";

/// How long a process may take to print its ready line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `<target>/debug`, found from the running test binary (`<target>/debug/deps/<test>-<hash>`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let deps = exe.parent().expect("the test binary sits in a directory");
    let dir = if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().expect("deps sits in the profile directory")
    } else {
        deps
    };
    dir.to_owned()
}

const BUILD: &str = "cargo build -p kassa-backend -p stripe-sim --bins";

/// The path of a workspace binary, or a panic that says how to build it. A binary older than one of its sources
/// (as listed in cargo's dep-info next to it) would test yesterday's code, so that is refused too.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is missing: run `{BUILD}` first", path.display()));
    // Cargo puts a binary here as a hard link to its artifact in deps/. A lone file was written by someone else:
    // tauri-build, for one, copies the app's sidecar (src-tauri/binaries/kassa-backend-<triple>) to this very path.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let links = std::fs::metadata(&path).map(|m| m.nlink()).unwrap_or(0);
        assert!(
            links >= 2,
            "{} is not cargo's build output (a copy was written over it, e.g. by tauri-build's externalBin): \
             run `{BUILD}` first",
            path.display()
        );
    }
    for source in dep_info(&path.with_extension("d")) {
        if let Ok(modified) = std::fs::metadata(&source).and_then(|m| m.modified()) {
            assert!(
                modified <= built,
                "{} is older than {}: run `{BUILD}` first",
                path.display(),
                source.display()
            );
        }
    }
    path
}

/// The files a Makefile-style dep-info says its target was built from (`target: a.rs b.rs`, spaces as `\ `).
fn dep_info(path: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let Some(first) = text.lines().next() else {
        return Vec::new();
    };
    let Some((_, deps)) = first.split_once(": ") else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' => {
                if !current.is_empty() {
                    files.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        files.push(PathBuf::from(current));
    }
    files
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("the OS hands out a free port")
        .port()
}

/// A random-enough suffix for secrets and ids, without pulling in a RNG crate.
pub fn unique(prefix: &str) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("{prefix}{:016x}", h.finish())
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is past 1970")
        .as_secs() as i64
}

/// Environment variables either binary reads, removed so the caller's shell cannot change what a test runs.
const INHERITED: &[&str] = &[
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_SIM_ADDR",
    "STRIPE_SIM_SECRET_KEY",
    "KASSA_ADDR",
    "KASSA_DATA_DIR",
    "KASSA_BOOTSTRAP_TOKEN",
    "KASSA_TLS_CERT",
    "KASSA_TLS_KEY",
    "KASSA_TILL_ORIGINS",
];

pub fn command(name: &str) -> Command {
    let mut cmd = Command::new(bin(name));
    for var in INHERITED {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A child process whose stdout lines arrive on a channel and whose stderr is kept for failure messages.
/// Dropping it kills the process (SIGKILL) and reaps it.
pub struct Proc {
    name: String,
    child: Child,
    lines: Mutex<mpsc::Receiver<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Proc {
    pub fn spawn(name: &str, mut cmd: Command) -> Proc {
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            // Keeps draining after the ready line, so a chatty process never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
                // Only the tail matters for a failure message; cap what a long run keeps.
                if s.len() > 256 * 1024 {
                    let cut = s.len() - 128 * 1024;
                    let cut = (cut..s.len())
                        .find(|i| s.is_char_boundary(*i))
                        .unwrap_or(s.len());
                    s.drain(..cut);
                }
            }
        });
        Proc {
            name: name.to_owned(),
            child,
            lines: Mutex::new(lines),
            stderr,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The next stdout line that starts with `prefix`, the text after it; panics with the process's stderr if the
    /// process exits or stays silent past the deadline.
    pub fn wait_for_line(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = self
                .lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recv_timeout(left.min(Duration::from_millis(100)));
            match next {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.to_owned();
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        // Give the stderr reader a moment to catch the last words.
                        std::thread::sleep(Duration::from_millis(50));
                        panic!(
                            "{} exited ({status}) before printing {prefix:?}; stderr:\n{}",
                            self.name,
                            self.stderr()
                        );
                    }
                    if left.is_zero() {
                        panic!(
                            "{} printed no {prefix:?} within {START_TIMEOUT:?}; stderr:\n{}",
                            self.name,
                            self.stderr()
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait();
                    std::thread::sleep(Duration::from_millis(50));
                    panic!(
                        "{} closed stdout ({status:?}) before printing {prefix:?}; stderr:\n{}",
                        self.name,
                        self.stderr()
                    );
                }
            }
        }
    }

    /// SIGKILL, then reap: no shutdown hook runs, as in a power cut of the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the simulator is started with, beyond the address, the secret and the forwarding target.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// Extra flags, e.g. `["--fault-duplicate", "1"]`.
    pub args: Vec<String>,
}

impl SimOptions {
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(args: I) -> Self {
        Self {
            args: args.into_iter().map(Into::into).collect(),
        }
    }
}

/// A running `stripe-sim`.
pub struct Sim {
    pub proc: Proc,
    pub url: String,
    pub webhook_secret: String,
}

impl Sim {
    /// Starts the simulator on a free port, signing with `webhook_secret` and forwarding to `forward_to`.
    pub fn start(webhook_secret: &str, forward_to: Option<&str>, options: &SimOptions) -> Sim {
        let mut cmd = command("stripe-sim");
        cmd.args(["--addr", "127.0.0.1:0", "--webhook-secret", webhook_secret]);
        if let Some(url) = forward_to {
            cmd.args(["--forward-to", url]);
        }
        cmd.args(&options.args);
        let mut proc = Proc::spawn("stripe-sim", cmd);
        let url = proc
            .wait_for_line("stripe-sim listening on ")
            .trim()
            .to_owned();
        let ready = proc.wait_for_line("Ready! Your webhook signing secret is ");
        let printed = ready
            .split_whitespace()
            .next()
            .expect("the ready line names the secret")
            .to_owned();
        assert_eq!(
            printed, webhook_secret,
            "the simulator signs with our secret"
        );
        assert!(printed.starts_with("whsec_"));
        Sim {
            proc,
            url,
            webhook_secret: printed,
        }
    }
}

/// How a `kassa-backend` is started; kept so it can be restarted exactly the same way.
#[derive(Debug, Clone)]
pub struct BackendConfig {
    pub port: u16,
    pub data_dir: PathBuf,
    /// Environment: the Stripe keys and anything else.
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    /// `--database-url`: PostgreSQL when the tests run on it (see [`database_url`]), else None (SQLite in
    /// `data_dir`).
    pub database_url: Option<String>,
}

impl BackendConfig {
    /// A backend that talks to the simulator at `api_base` and trusts webhooks signed with `webhook_secret`.
    pub fn for_sim(port: u16, data_dir: &Path, api_base: &str, webhook_secret: &str) -> Self {
        Self {
            port,
            data_dir: data_dir.to_owned(),
            env: vec![
                ("STRIPE_SECRET_KEY".into(), SECRET_KEY.into()),
                ("STRIPE_PUBLISHABLE_KEY".into(), PUBLISHABLE_KEY.into()),
                ("STRIPE_WEBHOOK_SECRET".into(), webhook_secret.into()),
                ("STRIPE_API_BASE".into(), api_base.into()),
            ],
            args: Vec::new(),
            database_url: database_url(data_dir),
        }
    }

    pub fn command(&self) -> Command {
        let mut cmd = command("kassa-backend");
        cmd.arg("--addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(&self.args);
        if let Some(url) = &self.database_url {
            cmd.arg("--database-url").arg(url);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// A running `kassa-backend` (or a stopped one, between [`Backend::kill`] and [`Backend::restart`]). Shared
/// freely: a test can kill it while other tasks keep talking to its address.
pub struct Backend {
    pub config: BackendConfig,
    pub url: String,
    proc: Mutex<Option<Proc>>,
}

impl Backend {
    pub fn start(config: BackendConfig) -> Backend {
        let proc = Self::spawn(&config);
        Backend {
            url: format!("http://127.0.0.1:{}", config.port),
            config,
            proc: Mutex::new(Some(proc)),
        }
    }

    fn spawn(config: &BackendConfig) -> Proc {
        let mut proc = Proc::spawn("kassa-backend", config.command());
        let url = proc
            .wait_for_line("kassa-backend listening on ")
            .trim()
            .to_owned();
        assert_eq!(
            url,
            format!("http://127.0.0.1:{}", config.port),
            "the backend listens where it was told"
        );
        proc
    }

    /// kill -9: no shutdown code runs.
    pub fn kill(&self) {
        if let Some(mut p) = self.proc.lock().unwrap_or_else(|e| e.into_inner()).take() {
            p.kill();
        }
    }

    /// Starts again on the same port and data directory.
    pub fn restart(&self) {
        self.kill();
        let fresh = Self::spawn(&self.config);
        *self.proc.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
    }

    pub fn stderr(&self) -> String {
        self.proc
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(Proc::stderr)
            .unwrap_or_default()
    }
}

/// With KASSA_TEST_POSTGRES set (scripts/with-postgres sets it), the backend keeps its data in PostgreSQL: a
/// database of its own for each data directory, so a backend restarted on its directory finds its data again.
pub fn database_url(data_dir: &Path) -> Option<String> {
    let server = std::env::var("KASSA_TEST_POSTGRES").ok()?;
    Some(
        kassa_backend::db::pg::scratch_database(&server, &data_dir.to_string_lossy())
            .expect("the test's PostgreSQL takes a database"),
    )
}

/// `kassa-backend token create`: the token is the last line on stdout.
pub fn create_token(data_dir: &Path, name: &str, admin: bool) -> String {
    let mut cmd = command("kassa-backend");
    cmd.args(["token", "create", "--name", name, "--data-dir"])
        .arg(data_dir);
    if let Some(url) = database_url(data_dir) {
        cmd.arg("--database-url").arg(url);
    }
    if admin {
        cmd.arg("--admin");
    }
    let out = cmd.output().expect("kassa-backend token create runs");
    assert!(
        out.status.success(),
        "token create failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("the token is text");
    let token = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .expect("token create prints the token")
        .trim()
        .to_owned();
    assert!(
        !token.is_empty() && !token.contains(' '),
        "token: {token:?}"
    );
    token
}

/// The simulator and the backend, wired as in production, with a terminal token ("till-1") and an admin token.
pub struct Stack {
    pub sim: Sim,
    pub backend: Backend,
    pub http: reqwest::Client,
    /// The terminal "till-1".
    pub till: String,
    pub admin: String,
}

impl Stack {
    pub fn start(data_dir: &Path) -> Stack {
        Self::start_with(data_dir, &SimOptions::default())
    }

    /// The backend's port is chosen first so the simulator can be told where to forward; the simulator's
    /// signing secret is chosen here so the backend can be told what to trust.
    pub fn start_with(data_dir: &Path, sim_options: &SimOptions) -> Stack {
        let port = free_port();
        let secret = unique("whsec_kassa_tests_");
        let sim = Sim::start(
            &secret,
            Some(&format!("http://127.0.0.1:{port}/webhook")),
            sim_options,
        );
        let till = create_token(data_dir, "till-1", false);
        let admin = create_token(data_dir, "admin", true);
        let backend = Backend::start(BackendConfig::for_sim(port, data_dir, &sim.url, &secret));
        Stack {
            sim,
            backend,
            http: client(),
            till,
            admin,
        }
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{path}", self.backend.url)
    }

    pub fn sim_url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.url)
    }

    /// A terminal token for another till (created through the same subcommand, while the backend runs).
    pub fn token(&self, name: &str, admin: bool) -> String {
        create_token(&self.backend.config.data_dir, name, admin)
    }

    /// PUT /api/orders/{order}/intent.
    pub async fn put_intent(
        &self,
        token: &str,
        order: &str,
        amount: i64,
        currency: &str,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .put(self.api(&format!("/api/orders/{order}/intent")))
            .bearer_auth(token)
            .json(&json!({ "amount": amount, "currency": currency }))
            .send()
            .await
            .expect("the backend answers");
        read(resp).await
    }

    /// PUT the intent and insist on success; returns the answer (payment_intent_id, client_secret, ...).
    pub async fn intent(&self, token: &str, order: &str, amount: i64) -> Value {
        let (status, body) = self.put_intent(token, order, amount, "usd").await;
        assert_eq!(status, StatusCode::OK, "PUT intent {order}: {body}");
        body
    }

    /// What a till's Stripe.js does: confirm with the publishable key and the intent's client secret.
    pub async fn confirm(&self, intent: &Value, payment_method: &str) -> (StatusCode, Value) {
        let id = intent["payment_intent_id"].as_str().expect("an intent id");
        let secret = intent["client_secret"].as_str().expect("a client secret");
        let resp = self
            .http
            .post(self.sim_url(&format!("/v1/payment_intents/{id}/confirm")))
            .bearer_auth(PUBLISHABLE_KEY)
            .form(&[
                ("client_secret", secret),
                ("payment_method", payment_method),
            ])
            .send()
            .await
            .expect("the simulator answers");
        read(resp).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.api(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the backend answers");
        read(resp).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.api(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("the backend answers");
        read(resp).await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .put(self.api(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("the backend answers");
        read(resp).await
    }

    /// A catalogue import (`text/csv`), as an admin.
    pub async fn import_csv(&self, csv: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.api("/api/catalog/import"))
            .bearer_auth(&self.admin)
            .header("Content-Type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("the backend answers");
        read(resp).await
    }

    /// One page of the feed.
    pub async fn feed(&self, token: &str, after: i64, wait: u64, limit: usize) -> Value {
        let (status, body) = self
            .get(
                token,
                &format!("/api/events?after={after}&wait={wait}&limit={limit}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "feed: {body}");
        body
    }

    /// The whole feed past `after`, page by page, without waiting.
    pub async fn feed_all(&self, token: &str, after: i64) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor = after;
        loop {
            let page = self.feed(token, cursor, 0, 500).await;
            let events = page["events"].as_array().cloned().unwrap_or_default();
            if events.is_empty() {
                return items;
            }
            cursor = page["next_cursor"].as_i64().expect("a next_cursor");
            items.extend(events);
        }
    }

    /// GET /api/payments, every page.
    pub async fn payments(&self, token: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after = String::new();
        loop {
            let (status, page) = self
                .get(token, &format!("/api/payments?limit=500&after={after}"))
                .await;
            assert_eq!(status, StatusCode::OK, "payments: {page}");
            all.extend(page["payments"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return all,
            }
        }
    }

    /// A GET at the simulator with the secret key; retried on a 500 that says so, as Stripe's clients do (the
    /// simulator answers some with `--fault-api-5xx`).
    pub async fn sim_get(&self, path: &str) -> Value {
        for _ in 0..50 {
            let resp = self
                .http
                .get(self.sim_url(path))
                .bearer_auth(SECRET_KEY)
                .send()
                .await
                .expect("the simulator answers");
            let retry = resp
                .headers()
                .get("stripe-should-retry")
                .is_some_and(|v| v == "true");
            let (status, body) = read(resp).await;
            if !(retry && status.is_server_error()) {
                assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
                return body;
            }
        }
        panic!("GET {path}: the simulator kept answering 500")
    }

    /// A Stripe list at the simulator, every page (`path` without query).
    pub async fn sim_list(&self, path: &str) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        loop {
            let mut url = format!("{path}?limit=100");
            if let Some(last) = all.last() {
                url.push_str(&format!(
                    "&starting_after={}",
                    last["id"].as_str().expect("listed objects have ids")
                ));
            }
            let page = self.sim_get(&url).await;
            all.extend(page["data"].as_array().cloned().unwrap_or_default());
            if !page["has_more"].as_bool().unwrap_or(false) {
                return all;
            }
        }
    }

    /// Every event the simulator emitted.
    pub async fn sim_events(&self) -> Vec<Value> {
        self.sim_list("/v1/events").await
    }

    /// Every delivery attempt the simulator made.
    pub async fn sim_deliveries(&self) -> Vec<Value> {
        let resp = self
            .http
            .get(self.sim_url("/_sim/deliveries"))
            .send()
            .await
            .expect("the simulator answers");
        let (status, body) = read(resp).await;
        assert_eq!(status, StatusCode::OK, "deliveries: {body}");
        body["attempts"].as_array().cloned().unwrap_or_default()
    }
}

/// A client without a global timeout (long-polls decide their own), but with a connect timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a TLS backend is compiled in")
}

/// Status and body; the body as JSON, or as a JSON string when it is not JSON.
pub async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Polls `check` until it returns Some, or panics after `within` with the last thing it saw.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + within;
    let mut pause = Duration::from_millis(20);
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) if Instant::now() >= deadline => {
                panic!("{what}: not within {within:?}; last: {last}")
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(250));
            }
        }
    }
}

/// The Stripe event id of a feed item.
pub fn event_id(item: &Value) -> &str {
    item["event"]["id"].as_str().unwrap_or_default()
}

pub fn event_type(item: &Value) -> &str {
    item["event"]["type"].as_str().unwrap_or_default()
}

/// The id of the object a feed item's event is about.
pub fn object_id(item: &Value) -> &str {
    item["event"]["data"]["object"]["id"]
        .as_str()
        .unwrap_or_default()
}
