//! The admin PIN: stored only as an Argon2id hash in the till's settings; wrong guesses are slowed down.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::{Result, TillError};
use crate::store::Store;

const SETTING: &str = "admin_pin_argon2";
const MAX_TRIES: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(30);

pub fn set(store: &Store, pin: &str) -> Result<()> {
    if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TillError::Invalid {
            field: "pin",
            message: "the PIN must be 4 to 12 digits".into(),
        });
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| TillError::Storage(format!("cannot hash the PIN: {e}")))?
        .to_string();
    store.set_setting(SETTING, &hash)
}

pub fn is_set(store: &Store) -> Result<bool> {
    Ok(store.setting(SETTING)?.is_some())
}

/// Counts wrong guesses; after five, refuses every guess for 30 seconds.
#[derive(Default)]
pub struct Guard(Mutex<(u32, Option<Instant>)>);

impl Guard {
    pub fn verify(&self, store: &Store, pin: &str) -> Result<bool> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = state.1 {
            if Instant::now() < until {
                return Err(TillError::Conflict(
                    "too many wrong PINs: try again in a little while".into(),
                ));
            }
            *state = (0, None);
        }
        let Some(stored) = store.setting(SETTING)? else {
            return Err(TillError::NotConfigured(
                "no admin PIN is set: run `kassa set-admin-pin` on this machine".into(),
            ));
        };
        let hash = PasswordHash::new(&stored)
            .map_err(|e| TillError::Storage(format!("the stored PIN hash is unreadable: {e}")))?;
        let ok = Argon2::default()
            .verify_password(pin.as_bytes(), &hash)
            .is_ok();
        if ok {
            *state = (0, None);
        } else {
            state.0 += 1;
            if state.0 >= MAX_TRIES {
                state.1 = Some(Instant::now() + LOCKOUT);
            }
        }
        Ok(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_is_stored_hashed_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        set(&store, "2468").unwrap();
        let stored = store.setting(SETTING).unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("2468"));
        let guard = Guard::default();
        assert!(guard.verify(&store, "2468").unwrap());
        assert!(!guard.verify(&store, "1111").unwrap());
    }

    #[test]
    fn five_wrong_guesses_lock_the_pad() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        set(&store, "2468").unwrap();
        let guard = Guard::default();
        for _ in 0..5 {
            assert!(!guard.verify(&store, "0000").unwrap());
        }
        assert!(
            guard.verify(&store, "2468").is_err(),
            "even the right PIN waits out the lock"
        );
    }

    #[test]
    fn a_pin_must_be_digits() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        assert!(set(&store, "12a4").is_err());
        assert!(set(&store, "12").is_err());
    }
}
