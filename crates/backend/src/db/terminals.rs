//! Bearer tokens: random, shown once, stored as SHA-256 (a token has 256 bits of entropy, so a fast hash is enough).

use rand::RngCore;
use rusqlite::{params, OptionalExtension};

use super::Connection;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminal {
    pub name: String,
    pub admin: bool,
}

/// The name the sidecar's bootstrap token acts under. Orders belong to a terminal by name, so no stored terminal
/// may share it: names starting with `_` are refused by [`check_name`] and never matched by [`find`].
pub const SIDECAR: &str = "_sidecar";

/// Names starting with this are the backend's own identities.
const RESERVED_PREFIX: char = '_';

pub fn is_reserved(name: &str) -> bool {
    name.starts_with(RESERVED_PREFIX)
}

/// A terminal name as `token create --name` takes it: shown in the admin screen and written to CSV exports.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err("--name must be 1 to 64 characters".into());
    }
    if name.chars().any(char::is_control) {
        return Err("--name must not contain control characters".into());
    }
    if is_reserved(name) {
        return Err(format!(
            "--name must not start with {RESERVED_PREFIX:?}: such names are reserved (e.g. {SIDECAR:?}, the app's \
             own backend)"
        ));
    }
    Ok(())
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("kt_{}", hex::encode(bytes))
}

/// Creates a terminal and returns its token; a name already taken gets a new token (the old one stops working).
pub fn create(
    conn: &Connection,
    name: &str,
    admin: bool,
    now: i64,
) -> Result<String, rusqlite::Error> {
    let token = new_token();
    conn.prepare_cached(
        "INSERT INTO terminals (name, token_sha256, admin, created) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256, admin = excluded.admin")?.execute(
        params![name, hash(&token), admin, now],
    )?;
    Ok(token)
}

/// The terminal behind a token. A reserved name stored by an older version, before such names were refused, is
/// not matched: it would act as the sidecar.
pub fn find(conn: &Connection, token: &str) -> Result<Option<Terminal>, rusqlite::Error> {
    let found = conn
        .prepare_cached("SELECT name, admin FROM terminals WHERE token_sha256 = ?1")?
        .query_row([hash(token)], |r| {
            Ok(Terminal {
                name: r.get(0)?,
                admin: r.get(1)?,
            })
        })
        .optional()?;
    Ok(found.filter(|t| !is_reserved(&t.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_reserved_ones_refused() {
        for ok in ["till-1", "Kasse Süd", &"x".repeat(64)] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "  ", &"x".repeat(65), "till\n1", SIDECAR, "_admin"] {
            let err = check_name(bad).unwrap_err();
            assert!(err.starts_with("--name"), "{bad:?}: {err}");
        }
        assert!(check_name(SIDECAR).unwrap_err().contains("reserved"));
    }

    #[test]
    fn a_stored_reserved_name_is_never_matched() {
        let mut conn = crate::db::open(std::path::Path::new(":memory:")).unwrap();
        crate::db::migrations().to_latest(&mut conn).unwrap();
        let conn = Connection::sqlite(&conn);
        let legacy = create(&conn, SIDECAR, true, 1).unwrap();
        let till = create(&conn, "till-1", false, 1).unwrap();
        assert_eq!(find(&conn, &legacy).unwrap(), None);
        assert_eq!(
            find(&conn, &till).unwrap(),
            Some(Terminal {
                name: "till-1".into(),
                admin: false
            })
        );
    }
}
