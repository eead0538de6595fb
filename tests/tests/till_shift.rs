//! Closing the day: the X report adds up the open shift by tender, tax rate and refunds; the Z report closes it
//! against the counted cash, opens the next shift, and reaches the backend exactly once.

use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::{confirm_as_client, TestTill};
use kassa_tests::{eventually, Stack};
use kassa_till::error::TillError;
use serde_json::json;

fn tender(r: &kassa_api::ShiftReport, kind: &str) -> (i64, i64) {
    r.tenders
        .iter()
        .find(|t| t.kind == kind)
        .map(|t| (t.count, t.amount))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_x_and_z_reports_match_the_sales_and_the_z_reaches_the_backend_once() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(&dir.path().join("backend"));
    let till = TestTill::online(dir.path(), &stack).await;
    till.till.set_admin_pin("2468").unwrap();
    // The café: VAT 7% (included) on drinks, 19% on food.
    for (path, body) in [
        (
            "/api/catalog/store",
            json!({"name": "Café", "address": "", "currency": "eur"}),
        ),
        (
            "/api/catalog/tax-rates/vat7",
            json!({"name": "VAT 7%", "basis_points": 700, "inclusive": true}),
        ),
        (
            "/api/catalog/tax-rates/vat19",
            json!({"name": "VAT 19%", "basis_points": 1900, "inclusive": true}),
        ),
    ] {
        let (status, body) = stack.put(&stack.admin, path, body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = stack
        .import_csv("sku,name,price,barcode,category,tax\nespresso,Espresso,250,,Coffee,vat7\ntea,Tea,220,,Tea,vat7\nbagel,Bagel,340,,Food,vat19\n")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(
        Duration::from_secs(20),
        "the catalogue reaches the till",
        || async {
            let c = till.till.catalog().map_err(|e| e.to_string())?;
            (c.currency == "eur" && c.items.len() == 3)
                .then_some(())
                .ok_or(format!("{c:?}"))
        },
    )
    .await;

    // Cash: an espresso, paid with 5.00.
    let cash_sale = till.till.new_order().unwrap();
    till.till.add_item("espresso").unwrap();
    till.till.pay_cash(&cash_sale.id, 500).await.unwrap();
    // Split: a bagel and an espresso (5.90), 2.00 cash and 3.90 by card.
    let split = till.till.new_order().unwrap();
    till.till.add_item("bagel").unwrap();
    till.till.add_item("espresso").unwrap();
    till.till.pay_cash(&split.id, 200).await.unwrap();
    let info = till.till.charge(&split.id).await.unwrap();
    assert_eq!(info.amount, 390);
    let (status, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    till.wait_paid(&split.id).await;
    // Card: a tea, then 1.00 of it refunded.
    let (card_sale, info) = till.sale(&["tea"]).await;
    let (status, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    till.wait_paid(&card_sale.id).await;
    let resp = stack
        .http
        .post(stack.api(&format!("/api/orders/{}/refunds", card_sale.id)))
        .bearer_auth(&stack.admin)
        .header("Idempotency-Key", "shift-test-refund")
        .json(&json!({ "amount": 100 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // An abandoned sale counts for nothing.
    let abandoned = till.till.new_order().unwrap();
    till.till.add_item("bagel").unwrap();
    till.till.cancel_sale(&abandoned.id).await.unwrap();

    // The reports are the admin's: behind the PIN.
    assert!(matches!(
        till.till.shift_report().await,
        Err(TillError::AdminLocked)
    ));
    assert!(till.till.verify_admin_pin("2468").unwrap());
    let x = eventually(
        Duration::from_secs(20),
        "the refund reaches the till",
        || async {
            let x = till.till.shift_report().await.map_err(|e| e.to_string())?;
            (x.refunds == 100)
                .then_some(x.clone())
                .ok_or(format!("{x:?}"))
        },
    )
    .await;
    assert_eq!(
        (x.number, x.closed_at, x.currency.as_str()),
        (1, None, "eur")
    );
    assert_eq!((x.sales_count, x.gross), (3, 250 + 590 + 220));
    assert_eq!(tender(&x, "cash"), (2, 250 + 200));
    assert_eq!(tender(&x, "card"), (2, 390 + 220));
    assert_eq!((x.refunds_count, x.refunds), (1, 100));
    assert_eq!((x.opening_float, x.expected_cash), (0, 450));
    // Tax by rate is the sales' own tax, added up.
    let orders = [&cash_sale.id, &split.id, &card_sale.id].map(|id| till.order(id));
    let tax: i64 = orders.iter().map(|o| o.tax).sum();
    assert_eq!(x.taxes.iter().map(|t| t.tax).sum::<i64>(), tax);
    let names: Vec<&str> = x.taxes.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["VAT 7%", "VAT 19%"]);
    let vat7 = &x.taxes[0];
    assert_eq!(
        vat7.net + vat7.tax,
        250 + 250 + 220,
        "VAT 7% covers two espressos and a tea"
    );

    // Z: 4.40 counted against 4.50 expected; 1.00 stays in the drawer for the next shift.
    assert!(matches!(
        till.till.close_shift(-1, 0).await,
        Err(TillError::Invalid {
            field: "counted_cash",
            ..
        })
    ));
    let z = till.till.close_shift(440, 100).await.unwrap();
    assert_eq!(
        (z.number, z.counted_cash, z.difference),
        (1, Some(440), Some(-10))
    );
    assert!(z.closed_at.is_some());
    assert_eq!((z.gross, z.tenders.clone()), (x.gross, x.tenders.clone()));

    let next = till.till.shift_report().await.unwrap();
    assert_eq!(
        (
            next.number,
            next.sales_count,
            next.opening_float,
            next.expected_cash
        ),
        (2, 0, 100, 100)
    );
    let later = till.till.new_order().unwrap();
    till.till.add_item("tea").unwrap();
    till.till.pay_cash(&later.id, 220).await.unwrap();
    let next = till.till.shift_report().await.unwrap();
    assert_eq!(
        (next.sales_count, next.expected_cash),
        (1, 320),
        "a sale after the Z is the next shift's"
    );

    // The backend has the Z report, once, with the till's figures; the admin's CSV lists it.
    let stored = eventually(
        Duration::from_secs(20),
        "the Z report reaches the backend",
        || async {
            let (status, body) = stack.get(&stack.admin, "/api/shift-reports").await;
            let reports = body["reports"].as_array().cloned().unwrap_or_default();
            (status == StatusCode::OK && reports.len() == 1)
                .then_some(reports)
                .ok_or(format!("{body}"))
        },
    )
    .await;
    assert_eq!(stored[0]["number"], json!(1));
    assert_eq!(stored[0]["difference"], json!(-10));
    assert_eq!(stored[0]["terminal"], json!("till-1"));
    // The till marks it sent once the backend has answered (the list above may see it a moment before).
    eventually(
        Duration::from_secs(10),
        "the till marks the Z report sent",
        || async {
            let local = till
                .till
                .local_shift_reports()
                .await
                .map_err(|e| e.to_string())?;
            (local.len() == 1 && local[0].1)
                .then_some(())
                .ok_or(format!("{local:?}"))
        },
    )
    .await;
    assert_eq!(
        till.till.send_shift_reports().await.unwrap(),
        0,
        "nothing left to send"
    );
    let reports = till.till.shift_reports().await.unwrap();
    assert_eq!(reports.len(), 1);
    let csv = kassa_till::shift::reports_csv(&reports);
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("till-1,1,"), "{csv}");
    assert!(row.contains(",eur,3,10.60,4.50,6.10,0.00,"), "{csv}");
    assert!(row.contains(",1.00,1.00,0.00,4.50,4.40,-0.10,z_"), "{csv}");
    assert!(
        !row.contains("1970"),
        "the first shift opened when the till did: {csv}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_keeps_a_tills_own_z_reports_and_refuses_ones_that_do_not_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(&dir.path().join("backend"));
    let report = json!({
        "terminal": "till-1", "number": 1, "currency": "usd", "opened_at": 100, "closed_at": 200,
        "sales_count": 1, "gross": 500, "tenders": [{"kind": "cash", "count": 1, "amount": 500}], "taxes": [],
        "refunds_count": 0, "refunds": 0, "opening_float": 0, "expected_cash": 500, "counted_cash": 500,
        "difference": 0
    });
    let (status, body) = stack
        .put(&stack.till, "/api/shift-reports/z_one", report.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, again) = stack
        .put(&stack.till, "/api/shift-reports/z_one", report.clone())
        .await;
    assert_eq!(
        (status, &again),
        (StatusCode::OK, &body),
        "a repeat is the stored one"
    );
    let (status, _) = stack
        .put(&stack.till, "/api/shift-reports/z_two", report.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "shift 1 is closed already");
    for (field, patch) in [
        ("difference", json!({"number": 2, "difference": 5})),
        ("tenders", json!({"number": 2, "gross": 600})),
        ("closed_at", json!({"number": 2, "closed_at": null})),
        ("terminal", json!({"number": 2, "terminal": "till-9"})),
        ("currency", json!({"number": 2, "currency": "zzz"})),
    ] {
        let mut body = report.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = stack
            .put(&stack.till, "/api/shift-reports/z_bad", body)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}: {answer}");
        assert_eq!(answer["error"]["field"], json!(field), "{patch}: {answer}");
    }
    let other = stack.token("till-2", false);
    let (_, mine) = stack.get(&other, "/api/shift-reports").await;
    assert_eq!(mine["reports"], json!([]), "a till sees only its own");
}
