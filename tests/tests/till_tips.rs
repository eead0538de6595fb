//! Tips: one of the store's choices, a percentage of what the card pays toward the sale, added to the card
//! intent; fulfilment expects it, the receipt shows it, and the shift counts it apart from the sales.

use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::{confirm_as_client, TestTill};
use kassa_tests::{eventually, Stack};
use kassa_till::error::TillError;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tip_rides_on_the_card_payment_and_is_counted_apart_from_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(&dir.path().join("backend"));
    let till = TestTill::online(dir.path(), &stack).await;
    let (status, body) = stack
        .put(
            &stack.admin,
            "/api/catalog/store",
            json!({"name": "Diner", "currency": "usd", "tip_percents": [1500, 1000, 2000]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tip_percents"], json!([1000, 1500, 2000]));
    let (status, body) = stack
        .import_csv("sku,name,price,barcode,category,tax\ncoffee,Coffee,250,,,\npie,Pie,325,,,\n")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(
        Duration::from_secs(20),
        "the tip choices reach the till",
        || async {
            let c = till.till.catalog().map_err(|e| e.to_string())?;
            (c.tip_percents == [1000, 1500, 2000] && c.items.len() == 2)
                .then_some(())
                .ok_or(format!("{c:?}"))
        },
    )
    .await;

    // 15% of 5.75 is 0.8625: 0.86 on the card, on top of the sale.
    let sale = till.till.new_order().unwrap();
    till.till.add_item("coffee").unwrap();
    till.till.add_item("pie").unwrap();
    match till.till.set_tip(&sale.id, 1200).await {
        Err(TillError::Invalid { field, .. }) => assert_eq!(field, "basis_points"),
        other => panic!("12% is not one of the choices: {other:?}"),
    }
    let tipped = till.till.set_tip(&sale.id, 1500).await.unwrap();
    assert_eq!(
        (tipped.total, tipped.tip, tipped.card_amount()),
        (575, 86, 661)
    );
    let info = till.till.charge(&sale.id).await.unwrap();
    assert_eq!(info.amount, 661, "the card intent carries the tip");
    // Changed before the card pays, the intent follows.
    till.till.set_tip(&sale.id, 2000).await.unwrap();
    let info = till.till.charge(&sale.id).await.unwrap();
    assert_eq!(info.amount, 575 + 115);
    let (status, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    till.wait_paid(&sale.id).await;
    assert!(matches!(
        till.till.set_tip(&sale.id, 1000).await,
        Err(TillError::Conflict(_))
    ));
    let receipt = till.till.receipt(&sale.id).await.unwrap();
    assert_eq!(
        (receipt.total, receipt.tip, receipt.card_amount),
        (575, 115, 690)
    );

    // A split: the tip is on the card's part only (10% of 2.75 is 0.275: 0.28).
    let split = till.till.new_order().unwrap();
    till.till.add_item("coffee").unwrap();
    till.till.add_item("pie").unwrap();
    till.till.pay_cash(&split.id, 300).await.unwrap();
    let order = till.till.set_tip(&split.id, 1000).await.unwrap();
    assert_eq!((order.due, order.tip), (275, 28));
    let info = till.till.charge(&split.id).await.unwrap();
    assert_eq!(info.amount, 303);
    let (status, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    till.wait_paid(&split.id).await;

    // The shift: sales and their tenders without the tips, the tips apart.
    till.till.set_admin_pin("9999").unwrap();
    assert!(till.till.verify_admin_pin("9999").unwrap());
    let x = till.till.shift_report().await.unwrap();
    assert_eq!((x.gross, x.tips), (575 + 575, 115 + 28));
    let card = x.tenders.iter().find(|t| t.kind == "card").unwrap();
    assert_eq!(card.amount, 575 + 275);
}
