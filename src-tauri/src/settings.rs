//! The till's settings: the backend to use and this terminal's token. They live in a file the Rust core reads;
//! the webview has no filesystem access, so the token never reaches it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Settings {
    /// The companion backend; none means demo mode (the backend runs as a sidecar with the simulator).
    #[serde(default)]
    pub backend_url: Option<String>,
    #[serde(default)]
    pub terminal_token: Option<String>,
    /// An admin token (`kassa-backend token create --admin`) for refunds, captures and cancels of paid sales,
    /// which the backend refuses a terminal token; used only behind the admin PIN.
    #[serde(default)]
    pub admin_token: Option<String>,
    /// Start in kiosk mode (also `kassa --kiosk`).
    #[serde(default)]
    pub kiosk: bool,
    /// A network receipt printer, `host` or `host:port` (9100 by default): receipts print on it with no
    /// dialog, and a cash sale opens the drawer wired to it. Without one, receipts go to the system printer.
    #[serde(default)]
    pub receipt_printer: Option<String>,
    /// Characters per line on the receipt printer: 42 for 80 mm paper, 32 for 58 mm.
    #[serde(default)]
    pub receipt_columns: Option<usize>,
}

/// Where the till keeps its database and settings: `KASSA_DATA_DIR`, or the XDG data directory.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KASSA_DATA_DIR") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("com.kassa.till")
}

impl Settings {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join("settings.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{} is not valid: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Backend URL and token from the environment win over the file (for deployment tooling).
    pub fn with_env(mut self) -> Self {
        if let Ok(url) = std::env::var("KASSA_BACKEND_URL") {
            self.backend_url = Some(url).filter(|u| !u.is_empty());
        }
        if let Ok(token) = std::env::var("KASSA_TERMINAL_TOKEN") {
            self.terminal_token = Some(token).filter(|t| !t.is_empty());
        }
        if let Ok(token) = std::env::var("KASSA_ADMIN_TOKEN") {
            self.admin_token = Some(token).filter(|t| !t.is_empty());
        }
        if let Ok(printer) = std::env::var("KASSA_RECEIPT_PRINTER") {
            self.receipt_printer = Some(printer).filter(|p| !p.is_empty());
        }
        self
    }

    /// The receipt printer, checked: a bad address stops the start with a message naming the setting.
    pub fn printer(&self) -> Result<Option<kassa_till::print::ReceiptPrinter>, String> {
        self.receipt_printer
            .as_deref()
            .map(|a| kassa_till::print::ReceiptPrinter::parse(a, self.receipt_columns))
            .transpose()
            .map_err(|e| format!("settings.json: {e}"))
    }

    pub fn demo(&self) -> bool {
        self.backend_url.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_printer_in_the_settings_file_is_checked_and_named_in_errors() {
        let s: Settings =
            serde_json::from_str(r#"{"receipt_printer": "192.168.1.50", "receipt_columns": 32}"#)
                .unwrap();
        let p = s.printer().unwrap().unwrap();
        assert_eq!((p.address.as_str(), p.columns), ("192.168.1.50:9100", 32));
        assert_eq!(Settings::default().printer().unwrap(), None);
        let bad = Settings {
            receipt_printer: Some("http://printer/".into()),
            ..Settings::default()
        };
        let err = bad.printer().unwrap_err();
        assert!(
            err.contains("settings.json") && err.contains("receipt printer"),
            "{err}"
        );
    }
}
