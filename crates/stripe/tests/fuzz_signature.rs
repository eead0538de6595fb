//! Fuzzing the `Stripe-Signature` check with generated inputs (proptest). `cargo test` runs a few hundred cases
//! of each; `scripts/fuzz` runs many more (PROPTEST_CASES). A failure proptest finds is shrunk and saved in
//! `fuzz_signature.proptest-regressions`, which is checked in and replayed first on every later run.

use kassa_stripe::webhook::{compute_signature, sign, verify, WebhookError};
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;

fn secret() -> impl Strategy<Value = String> {
    "whsec_[A-Za-z0-9]{1,40}"
}

proptest! {
    /// Whatever a client sends as the header, the check answers (never panics) and accepts only a header that
    /// carries the right signature.
    #[test]
    fn any_header_gets_an_answer_and_only_the_right_signature_passes(
        payload in proptest::collection::vec(any::<u8>(), 0..512),
        header in ".{0,200}",
        secret in secret(),
    ) {
        if verify(&payload, &header, &secret, 300, NOW).is_ok() {
            let t = header.split(',').find_map(|kv| kv.strip_prefix("t=")).unwrap_or_default();
            prop_assert!(header.contains(&compute_signature(&payload, &secret, t)));
        }
    }

    /// Headers built from the grammar's own pieces, in any order and number, with junk between them.
    #[test]
    fn headers_made_of_its_own_pieces_never_panic(
        payload in proptest::collection::vec(any::<u8>(), 1..256),
        pieces in proptest::collection::vec(
            prop_oneof![
                "t=[+-]?[0-9]{0,20}[a-z ]{0,3}",
                "v1=[0-9a-f]{0,70}",
                "v0=[0-9a-f]{0,64}",
                "[a-z0-9=]{0,8}",
                Just(String::new()),
            ],
            0..8,
        ),
        secret in secret(),
    ) {
        let header = pieces.join(",");
        let _ = verify(&payload, &header, &secret, 300, NOW);
    }

    /// Stripe's own signature verifies within the tolerance, among other schemes and stale signatures.
    #[test]
    fn a_signature_stripe_made_verifies_among_others(
        payload in proptest::collection::vec(any::<u8>(), 1..512),
        secret in secret(),
        age in 0i64..=300,
        decoys in proptest::collection::vec("[0-9a-f]{64}", 0..3),
    ) {
        let t = NOW - age;
        let mut header = sign(&payload, &secret, t);
        for d in &decoys {
            header = format!("v1={d},{header},v0={d}");
        }
        prop_assert_eq!(verify(&payload, &header, &secret, 300, NOW), Ok(()));
    }

    /// Any change to the body, however small, is refused.
    #[test]
    fn a_changed_body_is_refused(
        payload in proptest::collection::vec(any::<u8>(), 1..512),
        secret in secret(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let header = sign(&payload, &secret, NOW);
        let mut changed = payload.clone();
        let i = at.index(changed.len());
        changed[i] ^= flip;
        let refused = matches!(
            verify(&changed, &header, &secret, 300, NOW),
            Err(WebhookError::NoMatchingSignature { .. })
        );
        prop_assert!(refused);
    }
}

/// The seed corpus: headers that broke or nearly broke parsers like this one.
#[test]
fn the_seed_corpus_gets_answers() {
    let payload = br#"{"id":"evt_1"}"#;
    for header in [
        "",
        ",",
        ",,,,",
        "t=",
        "t=,v1=",
        "=",
        "t==1",
        "t=1=2,v1=a=b",
        "t=-1,v1=00",
        "t=+5,v1=",
        "t=99999999999999999999999,v1=00",
        "t=-9223372036854775808,v1=00",
        "t=9223372036854775807,v1=00",
        "t= 12,v1=ab",
        "t=NaN,v1=ab",
        "v1=ab,t=1",
        "t=1,t=2,v1=ab",
        "t=1,v1=é,v1=\u{0}",
    ] {
        let _ = verify(payload, header, "whsec_x", 300, NOW);
        let _ = verify(payload, header, "whsec_x", 0, NOW);
    }
}
