//! The merchant's catalogue at the till: it arrives through the feed, the till sells from it by SKU, barcode and
//! search, a sale keeps the price and tax it was rung up with, and the till still sells from its copy after a
//! restart with the backend down.

use std::path::PathBuf;
use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::TestTill;
use kassa_tests::{eventually, Stack};
use kassa_till::error::TillError;
use kassa_till::store::orders;
use serde_json::json;
use tempfile::TempDir;

fn dirs() -> (TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till").join("till.sqlite3");
    let backend = dir.path().join("backend");
    (dir, db, backend)
}

const CAFE: &str = "sku,name,price,barcode,category,tax
espresso,Espresso,250,4006381333931,Coffee,vat-reduced
tea,Green tea,220,,Tea,vat-reduced
bagel,Bagel,340,012345678905|2000000000015,Food,vat-standard
";

/// A café in euros: the store, two VAT rates (prices include them) and three products.
async fn open_the_cafe(stack: &Stack) {
    for (path, body) in [
        (
            "/api/catalog/store",
            json!({"name": "Café Kassa", "address": "1 Quay St", "currency": "eur"}),
        ),
        (
            "/api/catalog/tax-rates/vat-reduced",
            json!({"name": "VAT 7%", "basis_points": 700, "inclusive": true}),
        ),
        (
            "/api/catalog/tax-rates/vat-standard",
            json!({"name": "VAT 19%", "basis_points": 1900, "inclusive": true}),
        ),
    ] {
        let (status, body) = stack.put(&stack.admin, path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, body) = stack.import_csv(CAFE).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn wait_catalog(till: &TestTill, what: &str, check: impl Fn(&kassa_till::Catalog) -> bool) {
    eventually(Duration::from_secs(20), what, || async {
        let catalog = till.till.catalog().map_err(|e| e.to_string())?;
        check(&catalog)
            .then_some(())
            .ok_or_else(|| format!("{catalog:?}"))
    })
    .await;
}

fn price_of(catalog: &kassa_till::Catalog, sku: &str) -> Option<i64> {
    catalog.find(sku).map(|i| i.unit_amount)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_sells_the_merchants_catalogue_by_barcode_and_search_at_the_prices_rung_up() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;
    open_the_cafe(&stack).await;
    wait_catalog(&till, "the café's catalogue reaches the till", |c| {
        c.currency == "eur" && c.items.len() == 3
    })
    .await;

    // A scan adds the product its barcode names; an unknown one says so and adds nothing.
    let sale = till.till.scan("4006381333931").unwrap();
    assert_eq!(sale.currency, "eur");
    assert_eq!(sale.lines[0].name, "Espresso");
    let sale = till.till.scan("2000000000015").unwrap();
    assert_eq!(sale.lines[1].name, "Bagel", "a product's second barcode");
    match till.till.scan("4006381333948") {
        Err(TillError::Invalid { field, message }) => {
            assert_eq!(field, "barcode");
            assert_eq!(message, "Unknown barcode 4006381333948");
        }
        other => panic!("an unknown barcode is refused: {other:?}"),
    }
    assert_eq!(till.order(&sale.id).lines.len(), 2);

    // Search by name (anywhere, any case) or by the start of a SKU.
    let names = |q: &str| -> Vec<String> {
        till.till
            .search(q)
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect()
    };
    assert_eq!(names("TEA"), ["Green tea"]);
    assert_eq!(names("bag"), ["Bagel"]);
    assert_eq!(names("espr"), ["Espresso"]);
    assert!(names("%").is_empty(), "LIKE's wildcards are literal");
    assert_eq!(
        names("gr"),
        ["Green tea"],
        "one or two characters: what starts with them"
    );
    assert!(names("ea").is_empty(), "…not what merely contains them");
    assert_eq!(
        names("SPRESS"),
        ["Espresso"],
        "three or more: any part of the name"
    );
    assert!(
        names("tea\" OR \"bag").is_empty(),
        "the query is one phrase, quotes and all"
    );
    assert_eq!(names("bagel"), ["Bagel"]);
    assert!(names("  ").is_empty());

    // The espresso goes up: the till learns it within the feed's latency; the sale keeps the price it was rung
    // up with, and another espresso is a line of its own at the new price.
    let (status, body) = stack
        .put(
            &stack.admin,
            "/api/catalog/products/espresso",
            json!({"name": "Espresso", "price": 270, "barcodes": ["4006381333931"], "category": "Coffee",
                   "tax_rate": "vat-reduced"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_catalog(&till, "the new price reaches the till", |c| {
        price_of(c, "espresso") == Some(270)
    })
    .await;
    let sale = till.till.scan("4006381333931").unwrap();
    let amounts: Vec<(String, i64, i64)> = sale
        .lines
        .iter()
        .map(|l| (l.name.clone(), l.unit_amount, l.quantity))
        .collect();
    assert_eq!(
        amounts,
        [
            ("Espresso".to_owned(), 250, 1),
            ("Bagel".to_owned(), 340, 1),
            ("Espresso".to_owned(), 270, 1)
        ]
    );
    // Each line keeps its tax rate too.
    let taxes = orders::line_taxes(&till.till.store.conn(), &sale.id).unwrap();
    let rates: Vec<(&str, u32, bool)> = taxes
        .iter()
        .map(|(_, t)| (t.id.as_str(), t.basis_points, t.inclusive))
        .collect();
    assert_eq!(
        rates,
        [
            ("vat-reduced", 700, true),
            ("vat-standard", 1900, true),
            ("vat-reduced", 700, true)
        ]
    );

    // The card intent is in the store's currency, for the sale's total.
    let info = till.till.charge(&sale.id).await.unwrap();
    assert_eq!((info.amount, info.currency.as_str()), (860, "eur"));

    // An archived product is no longer sold, by SKU or by barcode.
    let (status, _) = stack
        .put(
            &stack.admin,
            "/api/catalog/products/tea",
            json!({"name": "Green tea", "price": 220, "active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    wait_catalog(&till, "the archived tea leaves the till", |c| {
        c.find("tea").is_none()
    })
    .await;
    assert!(matches!(
        till.till.add_item("tea"),
        Err(TillError::Invalid { field: "sku", .. })
    ));
    assert!(names("tea").is_empty());

    // Restarted with the backend down, the till still sells from its copy.
    till.close().await;
    stack.backend.kill();
    let reopened = TestTill::open(&db, &stack.backend.url, &stack.till);
    let sale = reopened.till.new_order().unwrap();
    let sale = reopened.till.scan("012345678905").unwrap_or_else(|e| {
        panic!(
            "the reopened till scans from its own copy (sale {}): {e}",
            sale.id
        )
    });
    assert_eq!(sale.lines.last().map(|l| l.unit_amount), Some(340));
    assert_eq!(
        price_of(&reopened.till.catalog().unwrap(), "espresso"),
        Some(270)
    );
}

/// A US shop: sales tax is added to prices (8.25%), and rounded per line or once per order as the store says.
/// The customer's card is charged the total with tax, and the receipt breaks it down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tax_added_to_prices_is_charged_and_an_order_keeps_the_rounding_it_was_started_under() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.till);
    till.wait_sync("online", |s| s.online).await;
    for (path, body) in [
        (
            "/api/catalog/store",
            json!({"name": "Corner Deli", "address": "5 Main St\nSpringfield", "currency": "usd",
                   "rounding": "half_up", "tax_scope": "per_line"}),
        ),
        (
            "/api/catalog/tax-rates/sales",
            json!({"name": "Sales tax 8.25%", "basis_points": 825, "inclusive": false}),
        ),
    ] {
        let (status, body) = stack.put(&stack.admin, path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, body) = stack
        .import_csv("sku,name,price,barcode,category,tax\ncoffee,Coffee,250,,Drinks,sales\nmuffin,Muffin,325,,Food,sales\n")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_catalog(&till, "the deli's catalogue reaches the till", |c| {
        c.currency == "usd" && c.items.len() == 2
    })
    .await;

    // Per line: 250 × 8.25% = 20.625 → 21, and 325 × 8.25% = 26.8125 → 27.
    let (per_line, info) = till.sale(&["coffee", "muffin"]).await;
    assert_eq!((per_line.tax, per_line.total), (48, 623));
    assert_eq!(per_line.taxes.len(), 1);
    assert_eq!(
        (
            per_line.taxes[0].name.as_str(),
            per_line.taxes[0].tax,
            per_line.taxes[0].net
        ),
        ("Sales tax 8.25%", 48, 575)
    );
    assert_eq!(
        info.amount, 623,
        "the card pays the price with the tax added"
    );

    // The store changes to rounding once per order: 575 × 8.25% = 47.4375 → 47. A new sale follows it, the sale
    // already charged keeps its own rule and so its total.
    let (status, body) = stack
        .put(
            &stack.admin,
            "/api/catalog/store",
            json!({"name": "Corner Deli", "address": "5 Main St\nSpringfield", "currency": "usd",
                   "rounding": "half_up", "tax_scope": "per_order"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(
        Duration::from_secs(20),
        "the new rule reaches the till",
        || async {
            let store = kassa_till::store::catalog::store(&till.till.store.conn())
                .map_err(|e| e.to_string())?;
            match store {
                Some(s) if s.tax_scope == kassa_api::TaxScope::PerOrder => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    let (per_order, info) = till.sale(&["coffee", "muffin"]).await;
    assert_eq!(
        (per_order.tax, per_order.total, info.amount),
        (47, 622, 622)
    );
    assert_eq!(till.order(&per_line.id).total, 623);

    // Paid, the receipt heads with the store and breaks the tax down.
    let (status, body) =
        kassa_tests::till::confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    till.wait_paid(&per_order.id).await;
    let receipt = till.till.receipt(&per_order.id).await.unwrap();
    assert_eq!((receipt.total, receipt.tax), (622, 47));
    assert_eq!(receipt.store_name, "Corner Deli");
    assert_eq!(receipt.store_address, "5 Main St\nSpringfield");
    assert_eq!(receipt.taxes, per_order.taxes);
}

/// The admin screen's editor: behind the PIN, every change goes to the backend with the admin token and comes
/// back through the feed; an import with bad rows names each one and stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_edits_the_catalogue_from_the_till_and_a_bad_import_names_its_rows() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let till = TestTill::running(&db, &stack.backend.url, &stack.admin);
    till.wait_sync("online", |s| s.online).await;
    till.till.set_admin_pin("1357").unwrap();
    assert!(matches!(
        till.till.admin_catalog().await,
        Err(TillError::AdminLocked)
    ));
    assert!(till.till.verify_admin_pin("1357").unwrap());

    let store: kassa_api::PutStore = serde_json::from_value(
        json!({"name": "Deli", "address": "5 Main St", "currency": "usd", "tax_scope": "per_line"}),
    )
    .unwrap();
    till.till.admin_put_store(&store).await.unwrap();
    let rate: kassa_api::PutTaxRate = serde_json::from_value(
        json!({"name": "Sales tax", "basis_points": 825, "inclusive": false}),
    )
    .unwrap();
    till.till.admin_put_tax_rate("sales", &rate).await.unwrap();
    let product: kassa_api::PutProduct = serde_json::from_value(
        json!({"name": "Pickles", "price": 399, "barcodes": ["4006381333931"], "category": "Jars", "tax_rate": "sales"}),
    )
    .unwrap();
    let saved = till
        .till
        .admin_put_product("pickles", &product)
        .await
        .unwrap();
    assert_eq!((saved.sku.as_str(), saved.price), ("pickles", 399));
    // A field the backend refuses comes back naming it.
    let bad: kassa_api::PutProduct =
        serde_json::from_value(json!({"name": "Bad", "price": 0})).unwrap();
    match till.till.admin_put_product("bad", &bad).await {
        Err(TillError::Backend { field, .. }) => assert_eq!(field.as_deref(), Some("price")),
        other => panic!("a zero price is refused: {other:?}"),
    }
    assert!(matches!(
        till.till.admin_put_product("../store", &product).await,
        Err(TillError::Invalid { field: "sku", .. })
    ));

    // Two bad rows: nothing is stored, and each is named by line and column.
    let outcome = till
        .till
        .admin_import_catalog(
            "sku,name,price,barcode,category,tax\nolives,Olives,450,,Jars,sales\nfeta,Feta,abc,,Cheese,sales\nbrie,Brie,600,,Cheese,nosuchrate\n".into(),
        )
        .await
        .unwrap();
    assert!(outcome.report.is_none());
    let problems: Vec<(usize, &str)> = outcome
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(problems, [(3, "price"), (4, "tax")]);
    let outcome = till
        .till
        .admin_import_catalog(
            "sku,name,price,barcode,category,tax\nolives,Olives,450,,Jars,sales\n".into(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.report.map(|r| r.created), Some(1));

    wait_catalog(&till, "the edits reach the till through the feed", |c| {
        c.currency == "usd" && c.find("pickles").is_some() && c.find("olives").is_some()
    })
    .await;
    let sale = till.till.scan("4006381333931").unwrap();
    assert_eq!(
        (sale.total, sale.tax),
        (399 + 33, 33),
        "8.25% added to 3.99"
    );
    let all = till.till.admin_catalog().await.unwrap();
    assert_eq!(all.products.len(), 2);

    // A picture for the kiosk: the till's grid item points at the backend's copy.
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 32]].concat();
    let resp = stack
        .http
        .put(stack.api("/api/catalog/products/pickles/image"))
        .bearer_auth(&stack.admin)
        .header("Content-Type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let prefix = format!("{}/api/catalog/images/pickles?v=", stack.backend.url);
    wait_catalog(&till, "the picture reaches the till", |c| {
        c.find("pickles")
            .and_then(|i| i.image_url.as_deref())
            .is_some_and(|u| u.starts_with(&prefix))
    })
    .await;
    let url = till
        .till
        .catalog()
        .unwrap()
        .find("pickles")
        .unwrap()
        .image_url
        .clone()
        .unwrap();
    let served = stack.http.get(url).send().await.unwrap();
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        png.as_slice(),
        "no token needed"
    );
}
