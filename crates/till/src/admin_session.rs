//! The admin session. The PIN unlocks the admin commands (the payments table, refunds, captures, cancels, the
//! day's totals, the CSV export) for a fixed time, here in the core: whatever the webview's state says, a command
//! without a live session is refused.

use std::sync::Mutex;

use crate::error::{Result, TillError};

/// How long one PIN entry keeps the admin screen unlocked. Fixed from the unlock, not sliding: the admin table
/// refreshes itself, so a sliding window would keep an unattended screen unlocked for ever.
pub const ADMIN_SESSION_SECS: i64 = 15 * 60;

#[derive(Debug, Default)]
pub struct AdminSession {
    /// Unix seconds until which the session is open; None when locked.
    until: Mutex<Option<i64>>,
}

impl AdminSession {
    pub fn unlock(&self, now: i64) {
        *self.until.lock().unwrap_or_else(|e| e.into_inner()) = Some(now + ADMIN_SESSION_SECS);
    }

    pub fn lock(&self) {
        *self.until.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn check(&self, now: i64) -> Result<()> {
        let mut until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        match *until {
            Some(t) if now < t => Ok(()),
            _ => {
                *until = None;
                Err(TillError::AdminLocked)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_until_unlocked_then_open_for_the_session_then_locked_again() {
        let s = AdminSession::default();
        assert!(matches!(s.check(1_000), Err(TillError::AdminLocked)));
        s.unlock(1_000);
        assert!(s.check(1_000).is_ok());
        assert!(s.check(1_000 + ADMIN_SESSION_SECS - 1).is_ok());
        assert!(matches!(
            s.check(1_000 + ADMIN_SESSION_SECS),
            Err(TillError::AdminLocked)
        ));
        // Expired means locked: going back in time does not reopen it.
        assert!(matches!(s.check(1_000), Err(TillError::AdminLocked)));
    }

    #[test]
    fn locking_ends_the_session_at_once() {
        let s = AdminSession::default();
        s.unlock(10);
        s.lock();
        assert!(matches!(s.check(11), Err(TillError::AdminLocked)));
    }
}
