//! Bearer tokens: random, shown once, stored as SHA-256 (a token has 256 bits of entropy, so a fast hash is enough).

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminal {
    pub name: String,
    pub admin: bool,
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

pub fn find(conn: &Connection, token: &str) -> Result<Option<Terminal>, rusqlite::Error> {
    conn.prepare_cached("SELECT name, admin FROM terminals WHERE token_sha256 = ?1")?
        .query_row([hash(token)], |r| {
            Ok(Terminal {
                name: r.get(0)?,
                admin: r.get(1)?,
            })
        })
        .optional()
}
