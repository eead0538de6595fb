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
            "set_quantity",
            "remove_line",
            "charge",
            "refresh_order",
            "cancel_sale",
            "order",
            "receipt",
            "sync_status",
            "reconcile",
        ]),
    ))
    .expect("tauri build configuration is valid");
}
