//! GET /api/events: a long-poll that answers as soon as an event is stored, a cursor that resumes exactly, and
//! scoping (a terminal sees its own orders' events, an admin all of them, foreign intents included).

use std::time::{Duration, Instant};

use kassa_tests::reqwest::StatusCode;
use kassa_tests::{event_id, eventually, object_id, read, Stack, SECRET_KEY};
use serde_json::Value;

fn cursors(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|i| i["cursor"].as_i64().unwrap())
        .collect()
}

/// Waits until the admin feed holds at least `n` events and returns them all.
async fn admin_feed_with(stack: &Stack, n: usize) -> Vec<Value> {
    eventually(Duration::from_secs(15), "events in the feed", || async {
        let all = stack.feed_all(&stack.admin, 0).await;
        if all.len() >= n {
            Ok(all)
        } else {
            Err(format!("{} events", all.len()))
        }
    })
    .await
}

#[tokio::test]
async fn a_waiting_long_poll_answers_soon_after_a_new_event() {
    let dir = tempfile::tempdir().unwrap();
    let stack = std::sync::Arc::new(Stack::start(dir.path()));
    // Something already stored, so the poll starts from a real cursor.
    stack.intent(&stack.till, "order-before", 1000).await;
    let before = admin_feed_with(&stack, 1).await;
    let latest = *cursors(&before).last().unwrap();

    let poll = {
        let stack = stack.clone();
        tokio::spawn(async move {
            let page = stack.feed(&stack.till, latest, 10, 100).await;
            (Instant::now(), page)
        })
    };
    // An idle feed holds the request: nothing comes back while nothing happens.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !poll.is_finished(),
        "the long-poll answered with no new event"
    );

    let trigger = Instant::now();
    let intent = stack.intent(&stack.till, "order-during", 1000).await;
    let (answered, page) = poll.await.unwrap();
    let latency = answered.duration_since(trigger);
    assert!(
        latency < Duration::from_secs(2),
        "the long-poll answered {latency:?} after the event"
    );
    let events = page["events"].as_array().unwrap();
    assert!(!events.is_empty(), "{page}");
    assert!(cursors(events).iter().all(|c| *c > latest));
    assert!(
        events
            .iter()
            .any(|i| object_id(i) == intent["payment_intent_id"].as_str().unwrap()),
        "{page}"
    );
    assert_eq!(page["next_cursor"], *cursors(events).last().unwrap());

    // With nothing new, the poll waits its time out and answers an empty page at the same cursor.
    let next = page["next_cursor"].as_i64().unwrap();
    let started = Instant::now();
    let empty = stack.feed(&stack.till, next, 1, 100).await;
    let waited = started.elapsed();
    assert_eq!(empty["events"], serde_json::json!([]));
    assert_eq!(empty["next_cursor"], next);
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[tokio::test]
async fn a_cursor_resumes_exactly_where_the_reader_left_off() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path());
    for n in 0..4 {
        let intent = stack
            .intent(&stack.till, &format!("order-c{n}"), 1000 + n)
            .await;
        let (status, body) = stack.confirm(&intent, "pm_card_visa").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // 4 payments: created, charge.succeeded, payment_intent.succeeded each.
    let all = admin_feed_with(&stack, 12).await;
    let all_cursors = cursors(&all);
    assert!(
        all_cursors.windows(2).all(|w| w[0] < w[1]),
        "{all_cursors:?}"
    );

    // From any cursor: exactly the events after it, in order, nothing skipped.
    for (i, &c) in all_cursors.iter().enumerate() {
        let rest = stack.feed_all(&stack.admin, c).await;
        assert_eq!(cursors(&rest), all_cursors[i + 1..], "after={c}");
    }
    let from_zero = stack.feed_all(&stack.admin, 0).await;
    assert_eq!(cursors(&from_zero), all_cursors);

    // Small pages chained by next_cursor give the same sequence.
    let mut chained = Vec::new();
    let mut cursor = 0;
    loop {
        let page = stack.feed(&stack.admin, cursor, 0, 5).await;
        let events = page["events"].as_array().unwrap().clone();
        assert!(events.len() <= 5);
        if events.is_empty() {
            assert_eq!(
                page["next_cursor"], cursor,
                "an empty page keeps the cursor"
            );
            break;
        }
        cursor = page["next_cursor"].as_i64().unwrap();
        chained.extend(events);
    }
    assert_eq!(cursors(&chained), all_cursors);
    let ids: Vec<&str> = chained.iter().map(event_id).collect();
    let all_ids: Vec<&str> = all.iter().map(event_id).collect();
    assert_eq!(ids, all_ids);

    // A terminal's feed is exactly its own part of the admin's, in the same order.
    let mine = stack.feed_all(&stack.till, 0).await;
    let expected: Vec<i64> = all
        .iter()
        .filter(|i| i["terminal"] == "till-1")
        .map(|i| i["cursor"].as_i64().unwrap())
        .collect();
    assert_eq!(cursors(&mine), expected);
    let middle = expected[expected.len() / 2];
    let resumed = stack.feed_all(&stack.till, middle).await;
    assert_eq!(
        cursors(&resumed),
        expected
            .iter()
            .copied()
            .filter(|c| *c > middle)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_terminal_sees_only_its_own_orders_and_an_admin_sees_all_including_foreign_intents() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path());
    let till2 = stack.token("till-2", false);

    let one = stack.intent(&stack.till, "order-till1", 1000).await;
    let two = stack.intent(&till2, "order-till2", 2000).await;
    stack.confirm(&one, "pm_card_visa").await;
    stack.confirm(&two, "pm_card_visa").await;

    // An intent made at Stripe with the secret key, not through Kassa.
    let resp = stack
        .http
        .post(stack.sim_url("/v1/payment_intents"))
        .bearer_auth(SECRET_KEY)
        .form(&[("amount", "777"), ("currency", "usd")])
        .send()
        .await
        .unwrap();
    let (status, foreign) = read(resp).await;
    assert_eq!(status, StatusCode::OK, "{foreign}");
    let foreign_pi = foreign["id"].as_str().unwrap().to_owned();

    let all = eventually(
        Duration::from_secs(15),
        "both tills' payments and the foreign intent in the admin feed",
        || async {
            let all = stack.feed_all(&stack.admin, 0).await;
            let has = |pred: &dyn Fn(&Value) -> bool| all.iter().any(pred);
            let ok = has(&|i| {
                i["order_id"] == "order-till1" && i["event"]["type"] == "payment_intent.succeeded"
            }) && has(&|i| {
                i["order_id"] == "order-till2" && i["event"]["type"] == "payment_intent.succeeded"
            }) && has(&|i| object_id(i) == foreign_pi);
            if ok {
                Ok(all)
            } else {
                Err(format!("{} events", all.len()))
            }
        },
    )
    .await;
    let foreign_item = all.iter().find(|i| object_id(i) == foreign_pi).unwrap();
    assert_eq!(foreign_item["foreign"], true, "{foreign_item}");
    assert_eq!(foreign_item["order_id"], Value::Null);
    assert!(all
        .iter()
        .filter(|i| i["order_id"].is_string())
        .all(|i| i["foreign"] == false));

    for (token, name, order) in [
        (&stack.till, "till-1", "order-till1"),
        (&till2, "till-2", "order-till2"),
    ] {
        let mine = stack.feed_all(token, 0).await;
        assert!(!mine.is_empty());
        for item in &mine {
            assert_eq!(item["terminal"], name, "{item}");
            assert_eq!(item["order_id"], order, "{item}");
            assert_eq!(item["foreign"], false);
        }
        let expected: Vec<i64> = all
            .iter()
            .filter(|i| i["terminal"] == name)
            .map(|i| i["cursor"].as_i64().unwrap())
            .collect();
        assert_eq!(cursors(&mine), expected, "{name} sees all its own events");
    }

    // Another till's order does not exist for a terminal; the admin sees both.
    let (status, body) = stack.get(&till2, "/api/orders/order-till1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = stack.get(&stack.admin, "/api/orders/order-till1").await;
    assert_eq!(status, StatusCode::OK);
    let theirs: Vec<String> = stack
        .payments(&till2)
        .await
        .iter()
        .map(|p| p["order_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(theirs, ["order-till2"]);
    assert_eq!(stack.payments(&stack.admin).await.len(), 2);
}
