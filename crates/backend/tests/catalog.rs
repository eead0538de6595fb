//! The merchant's catalogue at the backend: an admin sets the store, tax rates and products (one at a time or from
//! a CSV file, all or nothing), any till reads it, and every mistake is refused naming its field or its row.

mod common;

use std::path::Path;

use serde_json::{json, Value};

use common::start;

struct Shop {
    running: kassa_backend::Running,
    http: reqwest::Client,
    till: String,
    admin: String,
}

impl Shop {
    async fn start(dir: &Path) -> Shop {
        let data = dir.join("data");
        let [till, admin]: [String; 2] =
            common::tokens(&data, &[("till-1", false), ("boss", true)])
                .try_into()
                .unwrap();
        let (running, http) = start(&data, &["--simulate"]).await;
        Shop {
            running,
            http,
            till,
            admin,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        common::send(req).await
    }

    async fn put(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.put(self.url(path)).bearer_auth(token).json(&body))
            .await
    }

    async fn catalog(&self, token: &str) -> Value {
        let (status, body) = self
            .send(self.http.get(self.url("/api/catalog")).bearer_auth(token))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn import(&self, token: &str, csv: &str) -> (u16, Value) {
        self.send(
            self.http
                .post(self.url("/api/catalog/import"))
                .bearer_auth(token)
                .header("Content-Type", "text/csv")
                .body(csv.to_owned()),
        )
        .await
    }

    /// A café in euros with a reduced VAT rate.
    async fn set_up(&self) {
        let (s, b) = self
            .put(
                &self.admin,
                "/api/catalog/store",
                json!({"name": "Café Kassa", "address": "1 Main St", "currency": "EUR"}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = self
            .put(
                &self.admin,
                "/api/catalog/tax-rates/vat-reduced",
                json!({"name": "VAT 7%", "basis_points": 700, "inclusive": true}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
}

fn field(body: &Value) -> &str {
    body["error"]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_admin_builds_the_catalogue_and_every_till_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    assert_eq!(shop.catalog(&shop.till).await["version"], 0);
    shop.set_up().await;
    let (s, product) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/espresso",
            json!({"name": "Espresso", "price": 250, "barcodes": ["4006381333931"], "category": "Coffee",
                   "tax_rate": "vat-reduced", "active": true}),
        )
        .await;
    assert_eq!(s, 200, "{product}");

    let catalog = shop.catalog(&shop.till).await;
    assert_eq!(catalog["version"], 3);
    assert_eq!(catalog["store"]["currency"], "eur");
    assert_eq!(catalog["store"]["rounding"], "half_up");
    assert_eq!(catalog["tax_rates"][0]["basis_points"], 700);
    assert_eq!(catalog["products"], json!([product]));

    // Archiving keeps the product, marked inactive, for the orders that sold it.
    let (s, _) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/espresso",
            json!({"name": "Espresso", "price": 260, "active": false}),
        )
        .await;
    assert_eq!(s, 200);
    let catalog = shop.catalog(&shop.till).await;
    assert_eq!(catalog["products"][0]["active"], false);
    assert_eq!(catalog["products"][0]["price"], 260);
    assert_eq!(catalog["products"][0]["barcodes"], json!([]));
}

#[tokio::test]
async fn only_an_admin_changes_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    for (path, body) in [
        (
            "/api/catalog/store",
            json!({"name": "X", "currency": "usd"}),
        ),
        (
            "/api/catalog/tax-rates/vat",
            json!({"name": "VAT", "basis_points": 2000, "inclusive": true}),
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 220}),
        ),
    ] {
        let (s, b) = shop.put(&shop.till, path, body).await;
        assert_eq!((s, field(&b)), (403, "Authorization"), "{path}: {b}");
    }
    let (s, b) = shop
        .import(&shop.till, "sku,name,price\ntea,Tea,220\n")
        .await;
    assert_eq!((s, field(&b)), (403, "Authorization"), "{b}");
    assert_eq!(shop.catalog(&shop.admin).await["version"], 0);
}

#[tokio::test]
async fn a_bad_product_is_refused_naming_the_field_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    shop.set_up().await;
    let (s, _) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/espresso",
            json!({"name": "Espresso", "price": 250, "barcodes": ["4006381333931"]}),
        )
        .await;
    assert_eq!(s, 200);
    let before = shop.catalog(&shop.till).await;
    for (path, body, want) in [
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": -1}),
            "price",
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 2.5}),
            "price",
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": " ", "price": 220}),
            "name",
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 220, "tax_rate": "nope"}),
            "tax_rate",
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 220, "barcodes": ["4006381333931"]}),
            "barcodes",
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 220, "barcodes": ["4006381333932"]}),
            "barcodes",
        ),
        (
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 220, "colour": "green"}),
            "colour",
        ),
        (
            "/api/catalog/products/te%20a",
            json!({"name": "Tea", "price": 220}),
            "sku",
        ),
        (
            "/api/catalog/tax-rates/vat",
            json!({"name": "VAT", "basis_points": 10001, "inclusive": true}),
            "basis_points",
        ),
        (
            "/api/catalog/store",
            json!({"name": "Café", "currency": "usd"}),
            "currency",
        ),
        (
            "/api/catalog/store",
            json!({"name": "Café", "currency": "xyz"}),
            "currency",
        ),
    ] {
        let (s, b) = shop.put(&shop.admin, path, body.clone()).await;
        assert_eq!((s, field(&b)), (400, want), "{path} {body}: {b}");
    }
    assert_eq!(shop.catalog(&shop.till).await, before);
}

#[tokio::test]
async fn a_csv_import_is_all_or_nothing_and_names_each_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    shop.set_up().await;
    let (s, report) = shop
        .import(
            &shop.admin,
            "sku,name,price,barcode,category,tax\n\
             espresso,Espresso,250,4006381333931,Coffee,vat-reduced\n\
             \"tea\",\"Tea, green\",220,,Tea,\n",
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(2), Some(0))
    );
    let before = shop.catalog(&shop.till).await;
    assert_eq!(before["products"][1]["name"], "Tea, green");

    let (s, refused) = shop
        .import(
            &shop.admin,
            "sku,name,price,barcode,tax\n\
             espresso,Espresso,270,,vat-reduced\n\
             muffin,Muffin,3.10,,\n\
             cookie,Cookie,150,,vat-standard\n\
             bagel,Bagel,340,4006381333931,\n",
        )
        .await;
    assert_eq!(s, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_import");
    let rows: Vec<(u64, &str)> = refused["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    // Bagel takes espresso's barcode, which is allowed: the same file gives espresso no barcodes. The price in
    // major units and the unknown tax rate are wrong.
    assert_eq!(rows, [(3, "price"), (4, "tax")]);
    assert_eq!(
        shop.catalog(&shop.till).await,
        before,
        "nothing was imported"
    );

    let (s, b) = shop
        .send(
            shop.http
                .post(shop.url("/api/catalog/import"))
                .bearer_auth(&shop.admin)
                .json(&json!({"sku": "x"})),
        )
        .await;
    assert_eq!((s, field(&b)), (400, "Content-Type"), "{b}");
}

#[tokio::test]
async fn a_barcode_moves_between_products_of_one_file_but_not_from_one_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    shop.set_up().await;
    let (s, b) = shop
        .import(
            &shop.admin,
            "sku,name,price,barcode\na,A,100,CODE-A\nb,B,100,CODE-B\n",
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // a is not in this file, so its barcode stays its own.
    let (s, b) = shop
        .import(&shop.admin, "sku,name,price,barcode\nc,C,100,CODE-A\n")
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["rows"][0]["line"], 2);
    assert_eq!(b["error"]["rows"][0]["field"], "barcode");
    // Here both change: the codes swap.
    let (s, b) = shop
        .import(
            &shop.admin,
            "sku,name,price,barcode\na,A,100,CODE-B\nb,B,100,CODE-A\n",
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let products = shop.catalog(&shop.till).await["products"].clone();
    assert_eq!(products[0]["barcodes"], json!(["CODE-B"]));
    assert_eq!(products[1]["barcodes"], json!(["CODE-A"]));
}

#[tokio::test]
async fn the_currency_cannot_change_under_existing_prices() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    shop.set_up().await;
    let (s, _) = shop
        .put(
            &shop.admin,
            "/api/catalog/store",
            json!({"name": "Café", "currency": "jpy"}),
        )
        .await;
    assert_eq!(s, 200, "no products yet: the currency may change");
    let (s, _) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 300}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = shop
        .put(
            &shop.admin,
            "/api/catalog/store",
            json!({"name": "Café", "currency": "eur"}),
        )
        .await;
    assert_eq!((s, field(&b)), (400, "currency"), "{b}");
    let (s, _) = shop
        .put(
            &shop.admin,
            "/api/catalog/store",
            json!({"name": "Café Kassa", "currency": "jpy", "rounding": "half_even"}),
        )
        .await;
    assert_eq!(s, 200, "the same currency, other details");
}

impl Shop {
    async fn feed(&self, token: &str, after: i64, wait: u64) -> Value {
        let (s, page) = self
            .send(
                self.http
                    .get(self.url(&format!("/api/events?after={after}&wait={wait}")))
                    .bearer_auth(token),
            )
            .await;
        assert_eq!(s, 200, "{page}");
        page
    }
}

/// The catalogue items of a feed page: (type, source, data.object).
fn catalog_items(page: &Value) -> Vec<(String, String, Value)> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["event"]["type"].as_str().unwrap().to_owned(),
                i["source"].as_str().unwrap().to_owned(),
                i["event"]["data"]["object"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_change_reaches_every_till_through_the_feed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    // A till's long-poll is waiting when the change is made: it is woken, not left to time out.
    let waiting = {
        let (http, url, till) = (
            shop.http.clone(),
            shop.url("/api/events?after=0&wait=20"),
            shop.till.clone(),
        );
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let page: Value = http
                .get(url)
                .bearer_auth(till)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (page, started.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    shop.set_up().await;
    let (page, waited) = waiting.await.unwrap();
    assert!(
        waited < std::time::Duration::from_secs(10),
        "the long-poll was woken"
    );
    assert_eq!(catalog_items(&page)[0].0, "catalog.updated");
    assert_eq!(catalog_items(&page)[0].1, "catalog");

    let (s, b) = shop
        .import(
            &shop.admin,
            "sku,name,price,barcode,tax\nespresso,Espresso,250,4006381333931,vat-reduced\ntea,Tea,220,,\n",
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/tea",
            json!({"name": "Tea", "price": 240}),
        )
        .await;
    assert_eq!(s, 200);

    // The till's token sees every change (none of them is its own order's), oldest first, and each says what it
    // set in full.
    let items = catalog_items(&shop.feed(&shop.till, 0, 0).await);
    let updates: Vec<&Value> = items.iter().map(|(_, _, o)| o).collect();
    assert_eq!(updates.len(), 4, "{updates:?}");
    assert_eq!(updates[0]["store"]["currency"], "eur");
    assert_eq!(updates[1]["tax_rates"][0]["id"], "vat-reduced");
    assert_eq!(
        updates[2]["products"][0]["barcodes"],
        json!(["4006381333931"])
    );
    assert_eq!(updates[2]["products"][1]["sku"], "tea");
    assert_eq!(
        updates[3]["products"],
        json!([{"sku": "tea", "name": "Tea", "price": 240, "barcodes": [],
        "category": null, "tax_rate": null, "active": true}])
    );
    let versions: Vec<i64> = updates
        .iter()
        .map(|u| u["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    assert_eq!(shop.catalog(&shop.till).await["version"], 4);

    // A refused change publishes nothing.
    let (s, _) = shop
        .import(&shop.admin, "sku,name,price\nbad sku,X,1\n")
        .await;
    assert_eq!(s, 400);
    assert_eq!(catalog_items(&shop.feed(&shop.till, 0, 0).await).len(), 4);
}

#[tokio::test]
async fn the_demo_cafe_is_data_loaded_into_an_empty_catalogue_and_only_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (running, http) = start(&data, &["--simulate", "--demo-catalog"]).await;
    let token = common::tokens(&data, &[("till-1", false)]).remove(0);
    let catalog: Value = http
        .get(format!("{}/api/catalog", running.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalog["store"]["currency"], "usd");
    assert_eq!(catalog["store"]["name"], "Kassa demo café");
    let products = catalog["products"].as_array().unwrap();
    assert_eq!(products.len(), 12);
    let espresso = products.iter().find(|p| p["sku"] == "espresso").unwrap();
    assert_eq!(espresso["price"], 250);
    assert_eq!(espresso["barcodes"], json!(["4006381333931"]));
    // Through the feed too, as any change: a till starting from scratch gets it.
    let page: Value = http
        .get(format!("{}/api/events?after=0", running.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        catalog_items(&page).len(),
        2,
        "the store, then the products"
    );
    let version = catalog["version"].clone();
    drop(running);

    // Started again, the catalogue (which the demo may have changed since) is left as it is.
    let (running, http) = start(&data, &["--simulate", "--demo-catalog"]).await;
    let again: Value = http
        .get(format!("{}/api/catalog", running.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["version"], version);
}

/// A product's picture: an admin uploads it, anyone fetches it at a URL that changes with it, and the catalogue
/// (and so the feed) carries that URL.
#[tokio::test]
async fn a_products_picture_is_uploaded_by_an_admin_served_to_anyone_and_carried_by_the_catalogue()
{
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(dir.path()).await;
    let (status, body) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/olives",
            json!({"name": "Olives", "price": 450}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let upload = |token: &str, content_type: &str, bytes: Vec<u8>| {
        shop.send(
            shop.http
                .put(shop.url("/api/catalog/products/olives/image"))
                .bearer_auth(token)
                .header("Content-Type", content_type)
                .body(bytes),
        )
    };
    let (status, body) = upload(&shop.till, "image/png", png.clone()).await;
    assert_eq!(status, 403, "a terminal token may not: {body}");
    let (status, body) = upload(&shop.admin, "image/png", b"<svg onload=alert(1)>".to_vec()).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("image")),
        "{body}"
    );
    let (status, body) = upload(&shop.admin, "image/jpeg", png.clone()).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("Content-Type")),
        "{body}"
    );
    let (status, body) = upload(&shop.admin, "image/png", vec![0x89; 600 * 1024]).await;
    assert_eq!(status, 413, "{body}");
    let (status, body) = shop
        .send(
            shop.http
                .put(shop.url("/api/catalog/products/nosuch/image"))
                .bearer_auth(&shop.admin)
                .header("Content-Type", "image/png")
                .body(png.clone()),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    let (status, product) = upload(&shop.admin, "image/png", png.clone()).await;
    assert_eq!(status, 200, "{product}");
    let url = product["image_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/api/catalog/images/olives?v="), "{url}");
    // Anyone may fetch it: the kiosk's <img> sends no token.
    let resp = shop.http.get(shop.url(&url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), png.as_slice());
    assert_eq!(
        shop.catalog(&shop.till).await["products"][0]["image_url"],
        json!(url)
    );
    // A new picture is a new URL; changing the product keeps its picture.
    let other: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[1u8; 64]].concat();
    let (_, product) = upload(&shop.admin, "image/png", other).await;
    let new_url = product["image_url"].as_str().unwrap().to_owned();
    assert_ne!(new_url, url);
    let (_, product) = shop
        .put(
            &shop.admin,
            "/api/catalog/products/olives",
            json!({"name": "Olives", "price": 475}),
        )
        .await;
    assert_eq!(product["image_url"], json!(new_url));
    let resp = shop
        .http
        .get(shop.url("/api/catalog/images/nosuch"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
