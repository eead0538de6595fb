fn main() {
    // Every command is declared, so the capability file can grant each one by name and nothing else.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_info",
            "catalog",
            "current_order",
            "new_order",
            "add_item",
            "add_custom",
            "scan",
            "search",
            "pay_cash",
            "set_quantity",
            "remove_line",
            "charge",
            "refresh_order",
            "cancel_sale",
            "order",
            "receipt",
            "sync_status",
            "reconcile",
            "admin_payments",
            "admin_detail",
            "admin_refund",
            "admin_cancel",
            "admin_capture",
            "admin_end_of_day",
            "admin_export_csv",
            "admin_needs_attention",
            "verify_admin_pin",
            "lock_admin",
            "exit_kiosk",
            "ui_ready",
        ]),
    ))
    .expect("tauri build configuration is valid");
}
