//! `kassa-backend token create` writes where the server reads, wherever `--data-dir` stands on the command line;
//! the data directory and the database's files are private to the backend's user; reserved names and short
//! bootstrap tokens are refused.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::{command, free_port, Backend, BackendConfig};

/// Runs kassa-backend with `args` in `cwd` (so a token written to the default ./kassa-data would show there).
fn run(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = command("kassa-backend");
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("kassa-backend runs")
}

/// The token `token create` printed, as its last line.
fn token(out: &Output) -> String {
    assert!(
        out.status.success(),
        "token create failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    stdout.lines().last().unwrap().trim().to_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn tokens_made_with_the_data_dir_anywhere_work_with_the_server_on_that_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    let dir = tmp.path().join("var-lib-kassa");
    let d = dir.to_str().unwrap();

    // As README's "Running it for real" shows it, and the other way round, and from the environment.
    let till_1 = token(&run(
        &cwd,
        &["token", "create", "--name", "till-1", "--data-dir", d],
        &[],
    ));
    let till_2 = token(&run(
        &cwd,
        &["--data-dir", d, "token", "create", "--name", "till-2"],
        &[],
    ));
    let till_3 = token(&run(
        &cwd,
        &["token", "create", "--name", "till-3"],
        &[("KASSA_DATA_DIR", &dir)],
    ));
    assert!(
        !cwd.join("kassa-data").exists(),
        "a token went to ./kassa-data"
    );

    // The server alone is enough here: /api/me never calls Stripe. --data-dir is what is tested, so SQLite
    // even when the suite runs on PostgreSQL.
    let backend = Backend::start(BackendConfig {
        database_url: None,
        ..BackendConfig::for_sim(free_port(), &dir, "http://127.0.0.1:9", "whsec_unused")
    });
    let http = kassa_tests::client();
    for (token, name) in [
        (&till_1, "till-1"),
        (&till_2, "till-2"),
        (&till_3, "till-3"),
    ] {
        let resp = http
            .get(format!("{}/api/me", backend.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let (status, body) = kassa_tests::read(resp).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["terminal"], name, "{body}");
        assert_eq!(body["admin"], false, "{body}");
    }

    // The directory and the database's files, log and index included, are the backend's user's alone.
    assert_eq!(mode(&dir), 0o700);
    for file in [
        "kassa-backend.sqlite3",
        "kassa-backend.sqlite3-wal",
        "kassa-backend.sqlite3-shm",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[test]
fn reserved_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    for name in ["_sidecar", "_anything"] {
        let out = run(
            tmp.path(),
            &[
                "token",
                "create",
                "--name",
                name,
                "--data-dir",
                d.to_str().unwrap(),
            ],
            &[],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("--name") && stderr.contains("reserved"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "a token was printed for {name}");
    }
}

#[test]
fn a_short_bootstrap_token_stops_the_start_naming_the_option() {
    let tmp = tempfile::tempdir().unwrap();
    let short = "only-twenty-characte";
    let mut cmd = command("kassa-backend");
    cmd.current_dir(tmp.path())
        .args(["--simulate", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.path().join("data"))
        .env("KASSA_BOOTSTRAP_TOKEN", short);
    let out = cmd.output().expect("kassa-backend runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--bootstrap-token") && stderr.contains("32"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(short),
        "the error shows the secret: {stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("listening"),
        "it started"
    );
}
