//! The Tauri commands through Tauri's own IPC layer (the `test` feature's mock runtime), with the real capability
//! file: what the webview can call, what it gets back, and how errors reach it.

use std::sync::Arc;

use kassa_app::commands::{AppInfo, AppState, Boot};
use kassa_till::{Backend, Catalog, Silent, SystemClock, Till};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

/// The admin PIN every test app has.
const PIN: &str = "2468";

struct App {
    app: tauri::App<tauri::test::MockRuntime>,
    window: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

/// An app whose backend is unreachable: the commands that need it must say so, the rest must work.
fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let till = Till::open(
        &dir.path().join("till.sqlite3"),
        Backend::new("http://127.0.0.1:9", "kt_test"),
        Catalog::demo(),
        "till-1",
        Arc::new(Silent),
        Arc::new(SystemClock),
    )
    .unwrap();
    till.set_admin_pin(PIN).unwrap();
    let info = AppInfo {
        mode: "demo",
        view: "cashier",
        terminal: "till-1".into(),
        backend_url: "http://127.0.0.1:9".into(),
        currency: "usd".into(),
        receipt_printer: None,
    };
    let app = kassa_app::with_commands(mock_builder())
        .manage(AppState {
            till: Arc::new(till),
            exports_dir: dir.path().join("exports"),
        })
        .manage(Boot::ready(info))
        .manage(kassa_app::navigation::FrameOrigins::default())
        .build(tauri::generate_context!(test = true))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    App {
        app,
        window,
        _dir: dir,
    }
}

fn invoke(
    window: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn app_info_tells_the_ui_its_mode_and_view() {
    let app = app();
    let info = invoke(&app.window, "app_info", json!({})).unwrap();
    assert_eq!(info["mode"], "demo");
    assert_eq!(info["view"], "cashier");
    assert_eq!(info["currency"], "usd");
}

#[test]
fn a_cart_is_built_from_catalog_items_and_keypad_amounts() {
    let app = app();
    let catalog = invoke(&app.window, "catalog", json!({})).unwrap();
    let sku = catalog["items"][0]["sku"].as_str().unwrap().to_owned();
    let price = catalog["items"][0]["unit_amount"].as_i64().unwrap();

    invoke(&app.window, "add_item", json!({ "sku": sku })).unwrap();
    let order = invoke(&app.window, "add_item", json!({ "sku": sku })).unwrap();
    assert_eq!(
        order["lines"].as_array().unwrap().len(),
        1,
        "the same item raises the quantity"
    );
    assert_eq!(order["lines"][0]["quantity"], 2);

    let order = invoke(
        &app.window,
        "add_custom",
        json!({ "amount": 1234, "name": null }),
    )
    .unwrap();
    assert_eq!(order["total"], 2 * price + 1234);
    assert_eq!(order["status"], "open");

    let line = order["lines"][1]["id"].as_i64().unwrap();
    let order = invoke(&app.window, "remove_line", json!({ "lineId": line })).unwrap();
    assert_eq!(order["total"], 2 * price);
    let current = invoke(&app.window, "current_order", json!({})).unwrap();
    assert_eq!(current["id"], order["id"]);
}

#[test]
fn bad_input_comes_back_as_a_typed_error_naming_the_field() {
    let app = app();
    let err = invoke(
        &app.window,
        "add_custom",
        json!({ "amount": 0, "name": null }),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "invalid");
    assert_eq!(err["field"], "amount");
    let err = invoke(&app.window, "add_item", json!({ "sku": "no-such-item" })).unwrap_err();
    assert_eq!(err["field"], "sku");
    let err = invoke(
        &app.window,
        "set_quantity",
        json!({ "lineId": 1, "quantity": -1 }),
    )
    .unwrap_err();
    assert_eq!(err["field"], "quantity");
}

#[test]
fn charging_while_the_backend_is_down_says_it_is_offline() {
    let app = app();
    let order = invoke(&app.window, "add_item", json!({ "sku": "espresso" })).unwrap();
    let err = invoke(&app.window, "charge", json!({ "orderId": order["id"] })).unwrap_err();
    assert_eq!(err["kind"], "offline");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("cannot be reached"));
}

#[test]
fn an_empty_order_cannot_be_charged() {
    let app = app();
    let order = invoke(&app.window, "new_order", json!({})).unwrap();
    let err = invoke(&app.window, "charge", json!({ "orderId": order["id"] })).unwrap_err();
    assert_eq!(err["kind"], "invalid");
    assert_eq!(err["field"], "order");
}

#[test]
fn a_window_the_capability_does_not_name_may_call_nothing() {
    let app = app();
    let stranger = WebviewWindowBuilder::new(&app.app, "stranger", Default::default())
        .build()
        .unwrap();
    let err = invoke(&stranger, "catalog", json!({})).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "got {err}");
    assert!(
        invoke(&app.window, "catalog", json!({})).is_ok(),
        "the main window may"
    );
}

#[test]
fn the_admin_commands_need_the_pin_and_leaving_the_admin_screen_locks_them_again() {
    let app = app();
    let query = json!({ "query": {} });
    let locked = invoke(&app.window, "admin_payments", query.clone()).unwrap_err();
    assert_eq!(locked["kind"], "admin_locked", "{locked}");
    let refund = invoke(
        &app.window,
        "admin_refund",
        json!({ "orderId": "ord_1", "amount": null, "idempotencyKey": "k1" }),
    )
    .unwrap_err();
    assert_eq!(refund["kind"], "admin_locked", "{refund}");

    assert_eq!(
        invoke(&app.window, "verify_admin_pin", json!({ "pin": "0000" })).unwrap(),
        json!(false)
    );
    let still = invoke(&app.window, "admin_needs_attention", json!({})).unwrap_err();
    assert_eq!(still["kind"], "admin_locked");

    assert_eq!(
        invoke(&app.window, "verify_admin_pin", json!({ "pin": PIN })).unwrap(),
        json!(true)
    );
    invoke(&app.window, "admin_payments", query.clone()).unwrap();
    invoke(&app.window, "admin_needs_attention", json!({})).unwrap();

    invoke(&app.window, "lock_admin", json!({})).unwrap();
    let again = invoke(&app.window, "admin_payments", query).unwrap_err();
    assert_eq!(again["kind"], "admin_locked");
}

#[test]
fn the_kiosk_window_cannot_call_any_admin_command_even_with_the_pin() {
    let app = app();
    let kiosk = WebviewWindowBuilder::new(&app.app, "kiosk", Default::default())
        .build()
        .unwrap();
    // A sale works in the kiosk.
    invoke(&kiosk, "catalog", json!({})).unwrap();
    // The PIN check itself is not granted there; leaving kiosk mode is its only use of the PIN.
    assert!(invoke(&kiosk, "verify_admin_pin", json!({ "pin": PIN })).is_err());
    // Even with a session opened elsewhere, the kiosk's capability grants no admin command.
    assert_eq!(
        invoke(&app.window, "verify_admin_pin", json!({ "pin": PIN })).unwrap(),
        json!(true)
    );
    for (cmd, args) in [
        ("admin_payments", json!({ "query": {} })),
        ("admin_detail", json!({ "orderId": "ord_1" })),
        (
            "admin_refund",
            json!({ "orderId": "ord_1", "amount": null, "idempotencyKey": "k" }),
        ),
        ("admin_cancel", json!({ "orderId": "ord_1" })),
        (
            "admin_capture",
            json!({ "orderId": "ord_1", "amount": null }),
        ),
        ("admin_end_of_day", json!({ "from": 0, "to": 1 })),
        ("admin_export_csv", json!({ "query": {} })),
        ("admin_needs_attention", json!({})),
        ("admin_shift_report", json!({})),
        ("admin_catalog", json!({})),
        ("admin_import_catalog", json!({ "csv": "sku,name,price\n" })),
        (
            "admin_put_store",
            json!({ "store": { "name": "x", "currency": "usd" } }),
        ),
        (
            "admin_close_shift",
            json!({ "countedCash": 0, "nextFloat": 0 }),
        ),
        ("admin_shift_reports", json!({})),
        ("admin_export_shift_reports", json!({})),
    ] {
        let err = invoke(&kiosk, cmd, args).unwrap_err();
        assert!(
            err.to_string().contains("not allowed"),
            "{cmd} from the kiosk window: {err}"
        );
    }
    // The same command from the cashier's window, with the session, goes through.
    invoke(&app.window, "admin_payments", json!({ "query": {} })).unwrap();
    // The kiosk is card only: cash is not granted there, while the cashier's window may take it.
    let err = invoke(
        &kiosk,
        "pay_cash",
        json!({ "orderId": "ord_1", "given": 500 }),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("not allowed"),
        "pay_cash from the kiosk: {err}"
    );
    let err = invoke(
        &app.window,
        "pay_cash",
        json!({ "orderId": "ord_1", "given": 500 }),
    )
    .unwrap_err();
    assert!(
        !err.to_string().contains("not allowed"),
        "pay_cash from the cashier: {err}"
    );
}
