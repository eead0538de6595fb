//! The data directory (0700) and the database's files (0600) are the backend's user's alone: the database and its
//! log hold client secrets, card last4 and the tokens' hashes.
//!
//! Modes are set per file, not through the process's umask: the backend also runs inside other processes (tests,
//! benches), where a process-wide umask would change their files too and race with their threads, and an
//! operator's loose umask must not loosen these files either. SQLite creates the -wal, -shm and -journal files with
//! the main file's mode whatever the umask (its unix VFS copies the mode and fchmods), so a main file created 0600
//! is enough for those it creates; files an older version left are tightened on open.

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// What SQLite keeps beside a database file.
pub const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Creates `dir` (and any missing parents) 0700. An existing directory others may enter is tightened to 0700 when
/// it holds nothing but Kassa's files: a home directory or /var/lib given by mistake is left alone (with a warning)
/// rather than locked, and one owned by another user cannot be changed anyway.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let tightened = if holds_only_ours(dir)? {
        std::fs::set_permissions(dir, Permissions::from_mode(mode & !0o077))
    } else {
        Err(io::Error::other("it holds files that are not Kassa's"))
    };
    if let Err(e) = tightened {
        tracing::warn!(
            "the data directory {} is mode {mode:o}, open to other users, and was left so ({e}); \
             make it 0700 (the database's own files are 0600)",
            dir.display()
        );
    }
    Ok(())
}

/// The backend's database files and the in-process simulator's, with their SQLite side files.
fn holds_only_ours(dir: &Path) -> io::Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("kassa-backend.sqlite3") || name.starts_with("stripe-sim")) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Creates `path` empty and 0600 if it is missing (SQLite takes an empty file as a new database), and takes
/// group and other access away from an existing one.
pub fn private_file(path: &Path) -> io::Result<()> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)?;
    tighten(path)
}

/// Takes group and other access away from `path`, if it exists.
pub fn tighten(path: &Path) -> io::Result<()> {
    let mode = match std::fs::metadata(path) {
        Ok(m) => m.permissions().mode() & 0o7777,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if mode & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, Permissions::from_mode(mode & !0o077))
}

/// `db` with a suffix, as SQLite names its side files.
pub fn side_file(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(suffix);
    path.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_new_directory_is_0700_with_its_parents() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a").join("kassa");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
    }

    #[test]
    fn an_open_directory_is_tightened_only_when_it_holds_kassas_files_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let ours = tmp.path().join("ours");
        std::fs::create_dir(&ours).unwrap();
        std::fs::write(ours.join("kassa-backend.sqlite3-wal"), "").unwrap();
        std::fs::write(ours.join("stripe-sim.sqlite3"), "").unwrap();
        chmod(&ours, 0o755);
        private_dir(&ours).unwrap();
        assert_eq!(mode(&ours), 0o700);

        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::write(shared.join("notes.txt"), "").unwrap();
        chmod(&shared, 0o755);
        private_dir(&shared).unwrap();
        assert_eq!(mode(&shared), 0o755, "someone else's files: left alone");
    }

    #[test]
    fn files_are_created_0600_and_loose_ones_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = tmp.path().join("fresh");
        private_file(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);

        let old = tmp.path().join("old");
        std::fs::write(&old, "data").unwrap();
        chmod(&old, 0o644);
        private_file(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "data");

        tighten(&tmp.path().join("missing")).unwrap();
    }
}
