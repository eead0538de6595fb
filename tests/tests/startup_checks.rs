//! A backend with a missing or inconsistent Stripe configuration refuses to start, in one line that says what to
//! set, and never starts serving.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use kassa_tests::{command, free_port};

/// Runs kassa-backend with these arguments and only these Stripe variables; returns its exit status and stderr.
fn run(args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command("kassa-backend");
    cmd.arg("--addr")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("kassa-backend starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kassa-backend kept running with {env:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    (status, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The process failed with exactly one non-empty stderr line, which contains every one of `words`.
fn refused(env: &[(&str, &str)], words: &[&str]) {
    refused_with(&[], env, words)
}

fn refused_with(args: &[&str], env: &[(&str, &str)], words: &[&str]) {
    let (status, stderr) = run(args, env);
    assert!(!status.success(), "{args:?} {env:?} exited {status}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "one line for {args:?} {env:?}, got:\n{stderr}"
    );
    for word in words {
        assert!(
            lines[0].contains(word),
            "{args:?} {env:?}: {:?} does not mention {word}",
            lines[0]
        );
    }
}

const WHSEC: &str = "whsec_startup_check";

#[test]
fn without_keys_it_names_stripe_secret_key() {
    refused(&[], &["STRIPE_SECRET_KEY", "--simulate"]);
}

#[test]
fn a_live_secret_key_with_a_test_publishable_key_is_a_mismatch() {
    refused(
        &[
            ("STRIPE_SECRET_KEY", "sk_live_x"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", WHSEC),
        ],
        &[
            "STRIPE_SECRET_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "live",
            "test",
        ],
    );
}

#[test]
fn without_a_webhook_secret_it_names_stripe_webhook_secret() {
    refused(
        &[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_x"),
        ],
        &["STRIPE_WEBHOOK_SECRET"],
    );
}

#[test]
fn without_a_publishable_key_it_names_stripe_publishable_key() {
    refused(
        &[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", WHSEC),
        ],
        &["STRIPE_PUBLISHABLE_KEY"],
    );
}

#[test]
fn a_secret_key_given_as_the_publishable_key_is_refused() {
    refused(
        &[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_PUBLISHABLE_KEY", "sk_test_y"),
            ("STRIPE_WEBHOOK_SECRET", WHSEC),
        ],
        &["STRIPE_PUBLISHABLE_KEY"],
    );
}

#[test]
fn a_webhook_secret_without_whsec_is_refused() {
    refused(
        &[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", "startup_check"),
        ],
        &["STRIPE_WEBHOOK_SECRET", "whsec_"],
    );
}

#[test]
fn a_tls_certificate_without_its_key_names_tls_key() {
    refused_with(
        &["--simulate", "--tls-cert", "/etc/kassa/fullchain.pem"],
        &[],
        &["--tls-key"],
    );
    refused_with(
        &["--simulate"],
        &[("KASSA_TLS_KEY", "/etc/kassa/privkey.pem")],
        &["--tls-cert"],
    );
}

#[test]
fn a_tls_file_that_is_not_pem_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let junk = junk.to_str().unwrap();
    refused_with(
        &["--simulate", "--tls-cert", junk, "--tls-key", junk],
        &[],
        &["--tls-cert", junk],
    );
}

#[test]
fn sim_live_without_simulate_is_refused() {
    refused_with(&["--sim-live"], &[], &["--sim-live", "--simulate"]);
}

#[test]
fn a_till_origin_with_a_path_is_refused() {
    refused_with(
        &["--simulate", "--till-origin", "http://localhost:1420/pay"],
        &[],
        &["--till-origin", "http://localhost:1420/pay"],
    );
}
