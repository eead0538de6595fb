//! Every case of tests/fixtures/stripe/webhook-signature-vectors.json (vendored), whose outcomes the official
//! stripe-node SDK produced.

use kassa_stripe::webhook::{verify, WebhookError};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    secret: String,
    payload: String,
    header: String,
    now: i64,
    tolerance: i64,
    expect: String,
    stripe_node_message: Option<String>,
}

fn vectors() -> Vec<Vector> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/stripe/webhook-signature-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the vectors are vendored at {} (see tests/fixtures/README.md): {e}",
            path.display()
        )
    });
    serde_json::from_str::<Vectors>(&text)
        .expect("vectors parse")
        .vectors
}

#[test]
fn every_vector_agrees_with_stripe_node() {
    let vectors = vectors();
    assert!(
        vectors.len() >= 20,
        "expected the full vector set, got {}",
        vectors.len()
    );
    for v in vectors {
        let result = verify(
            v.payload.as_bytes(),
            &v.header,
            &v.secret,
            v.tolerance,
            v.now,
        );
        match v.expect.as_str() {
            "ok" => assert_eq!(result, Ok(()), "{}", v.name),
            "reject" => {
                let err: WebhookError = result.expect_err(&v.name);
                let want = v
                    .stripe_node_message
                    .as_deref()
                    .expect("a rejection carries stripe-node's message");
                assert!(
                    err.to_string().starts_with(want.trim_end()),
                    "{}: we said {:?}, stripe-node said {:?}",
                    v.name,
                    err.to_string(),
                    want
                );
            }
            other => panic!("{}: unknown expectation {other}", v.name),
        }
    }
}
