//! The till's errors, serialized for the UI as `{kind, message, field}` (the Yaak way: thiserror types that the
//! webview can show as they are).

use serde::ser::SerializeStruct;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum TillError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the backend cannot be reached: {0}")]
    Offline(String),
    #[error("{message}")]
    Backend {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
    #[error("the till's database failed: {0}")]
    Storage(String),
    #[error("{0}")]
    NotConfigured(String),
    #[error("Kassa could not start: {0}")]
    Startup(String),
    #[error("enter the admin PIN first: the admin screen is locked, or its session has timed out")]
    AdminLocked,
}

impl TillError {
    /// The backend said no to the request itself (not an outage, not "too many", not "try later"): sending it
    /// again will not change the answer.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Conflict(_) | Self::Invalid { .. } => true,
            Self::Backend { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            _ => false,
        }
    }

    /// Every kind [`TillError::kind`] gives, for the UI's `TillErrorKind` (ui/src/api/generated.ts).
    pub const KINDS: [&'static str; 9] = [
        "invalid",
        "not_found",
        "conflict",
        "offline",
        "backend",
        "storage",
        "not_configured",
        "startup",
        "admin_locked",
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Offline(_) => "offline",
            Self::Backend { .. } => "backend",
            Self::Storage(_) => "storage",
            Self::NotConfigured(_) => "not_configured",
            Self::Startup(_) => "startup",
            Self::AdminLocked => "admin_locked",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Backend { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl Serialize for TillError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("TillError", 3)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("field", &self.field())?;
        st.end()
    }
}

impl From<rusqlite::Error> for TillError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

pub type Result<T, E = TillError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_one_the_ui_knows() {
        let all = [
            TillError::Invalid {
                field: "x",
                message: String::new(),
            },
            TillError::NotFound(String::new()),
            TillError::Conflict(String::new()),
            TillError::Offline(String::new()),
            TillError::Backend {
                status: 500,
                code: String::new(),
                message: String::new(),
                field: None,
            },
            TillError::Storage(String::new()),
            TillError::NotConfigured(String::new()),
            TillError::Startup(String::new()),
            TillError::AdminLocked,
        ];
        let kinds: Vec<&str> = all.iter().map(TillError::kind).collect();
        assert_eq!(kinds, TillError::KINDS);
    }
}
