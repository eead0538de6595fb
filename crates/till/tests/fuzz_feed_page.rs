//! Fuzzing the till's feed-page reader (proptest): whatever the backend's feed page holds, the reader answers,
//! and every item with a cursor comes out at its cursor, in order, readable or not. `scripts/fuzz` runs many
//! more cases; failures are saved in `fuzz_feed_page.proptest-regressions`.

use kassa_till::backend::{read_feed_page, UNREADABLE_EVENT};
use proptest::prelude::*;
use serde_json::{json, Value};

fn event() -> impl Strategy<Value = Value> {
    prop_oneof![
        // A Stripe-shaped event.
        ("evt_[a-z0-9]{4}", "[a-z_.]{1,30}").prop_map(|(id, kind)| json!({
            "id": id, "type": kind, "created": 1, "data": { "object": { "object": "payment_intent", "id": "pi_1" } }
        })),
        // Anything JSON.
        any::<i64>().prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
        Just(Value::Null),
        // Deeper than the JSON parser goes.
        (129usize..2_000).prop_map(|d| {
            serde_json::from_str::<Box<serde_json::value::RawValue>>(&format!("{}{}", "[".repeat(d), "]".repeat(d)))
                .map(|_| Value::String(format!("DEEP{d}")))
                .unwrap_or(Value::Null)
        }),
    ]
}

/// An item as the backend writes it, or spoiled in one of its fields.
fn item() -> impl Strategy<Value = String> {
    (
        event(),
        prop_oneof![Just(None), Just(Some(json!(5))), Just(Some(json!("ord_1")))],
        any::<bool>(),
    )
        .prop_map(|(event, order_id, foreign)| {
            let event = match event.as_str().and_then(|s| s.strip_prefix("DEEP")) {
                Some(d) => {
                    let d: usize = d.parse().unwrap();
                    format!("{}{}", "[".repeat(d), "]".repeat(d))
                }
                None => event.to_string(),
            };
            let order = order_id
                .map(|o| format!(r#","order_id":{o}"#))
                .unwrap_or_default();
            format!(r#"{{"event":{event}{order},"foreign":{foreign},"cursor":CURSOR}}"#)
        })
}

proptest! {
    #[test]
    fn every_item_with_a_cursor_comes_out_at_it_in_order(items in proptest::collection::vec(item(), 0..12)) {
        let items: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, s)| s.replace("CURSOR", &(i as i64 + 1).to_string()))
            .collect();
        let page = format!(r#"{{"events":[{}],"next_cursor":{}}}"#, items.join(","), items.len());
        let read = read_feed_page(page.as_bytes()).unwrap();
        let cursors: Vec<i64> = read.events.iter().map(|i| i.cursor).collect();
        prop_assert_eq!(cursors, (1..=items.len() as i64).collect::<Vec<_>>());
        for (raw, got) in items.iter().zip(&read.events) {
            let readable = serde_json::from_str::<kassa_till::store::apply::FeedItem>(raw).is_ok();
            prop_assert_eq!(got.event["type"] == UNREADABLE_EVENT, !readable, "{}", raw);
        }
    }

    /// Whatever bytes come back as a feed page, the reader answers and never panics.
    #[test]
    fn any_bytes_get_an_answer(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_feed_page(&bytes);
    }

    #[test]
    fn any_text_gets_an_answer(text in r#"\{"events":\[.{0,200}\],"next_cursor":-?[0-9]{1,3}\}"#) {
        let _ = read_feed_page(text.as_bytes());
    }
}
