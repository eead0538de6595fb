//! Fuzzing Stripe's form codec (proptest): any body gets an answer, and what we encode decodes to the same
//! parameters. `scripts/fuzz` runs many more cases; failures are saved in `fuzz_form.proptest-regressions`.

use kassa_stripe::form::{decode, encode};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Keys as Stripe's are: a letter first (an all-digit key reads as an array index), no brackets.
fn key() -> impl Strategy<Value = String> {
    "[a-z_][^\\[\\]]{0,7}"
}

/// Parameters whose leaves are strings (as decode gives them), with non-empty hashes and arrays.
fn params() -> impl Strategy<Value = Value> {
    let leaf = ".{0,12}".prop_map(Value::String);
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(".{0,8}".prop_map(Value::String), 1..4)
                .prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner.clone(), 1..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            proptest::collection::vec(
                proptest::collection::btree_map(key(), ".{0,8}".prop_map(Value::String), 1..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
                1..3,
            )
            .prop_map(Value::Array),
        ]
    })
}

fn top() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map(key(), params(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

proptest! {
    #[test]
    fn what_we_encode_decodes_to_the_same_parameters(v in top()) {
        let body = encode(&v);
        let back = decode(&body);
        prop_assert_eq!(back.as_ref().ok(), Some(&v), "body: {}", body);
    }

    /// Whatever a client sends, decoding answers (parameters, or an error naming one) and never panics.
    #[test]
    fn any_body_gets_an_answer(body in ".{0,300}") {
        if let Err(e) = decode(&body) {
            prop_assert!(!e.message.is_empty());
        }
    }

    /// Bodies made of the grammar's own pieces: brackets, indexes, `&` and `=` in every order.
    #[test]
    fn bracket_soup_gets_an_answer(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just("[".to_owned()), Just("]".to_owned()), Just("[]".to_owned()), Just("&".to_owned()),
                Just("=".to_owned()), Just("%5B".to_owned()), Just("%5D".to_owned()),
                "[a-z0-9]{1,4}", "\\[[0-9]{1,3}\\]",
            ],
            0..40,
        ),
    ) {
        let _ = decode(&pieces.concat());
    }
}

#[test]
fn the_seed_corpus_gets_answers() {
    for body in [
        "",
        "&",
        "=",
        "a",
        "a[",
        "a]",
        "[a]=1",
        "a[b]=1&a=2",
        "a=2&a[b]=1",
        "a[]=1&a[x]=2",
        "a[0][b]=1&a[]=2",
        "a[99999999999999999999]=1",
        "a[0]=1&a[2]=2",
        "a[][][][]=1",
        "a%5Bb%5D=1",
        "a[b]c=1",
        "a[b][=1",
    ] {
        let _ = decode(body);
    }
}
