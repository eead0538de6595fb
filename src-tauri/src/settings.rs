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
        self
    }

    pub fn demo(&self) -> bool {
        self.backend_url.is_none()
    }
}
