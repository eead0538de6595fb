//! The log the intake makes durable: SQLite's write-ahead log, which the syncer fsyncs after each group commits.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What the syncer fsyncs. A trait so that tests can stand in front of it and make it fail.
pub trait Log: Send + 'static {
    fn sync(&mut self) -> io::Result<()>;
}

/// Puts something in front of the log the intake syncs (tests inject faults through it).
pub type WrapLog = Box<dyn FnOnce(Box<dyn Log>) -> Box<dyn Log> + Send>;

impl Log for Box<dyn Log> {
    fn sync(&mut self) -> io::Result<()> {
        (**self).sync()
    }
}

impl Log for crate::db::Wal {
    fn sync(&mut self) -> io::Result<()> {
        crate::db::Wal::sync(self)
    }
}

/// PostgreSQL's log: a commit returns once it is durable (synchronous_commit = on), so there is nothing left to
/// sync.
pub struct Committed;

impl Log for Committed {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The log, held open from start-up. Opening it for every fsync needed a free descriptor at the worst moment:
/// with every descriptor taken by client connections the open failed with EMFILE, and the intake stopped for good
/// as if the disk had failed. A descriptor held from before a write also hears of that write's failure (Linux
/// reports writeback errors to the descriptors open at the time), where one opened afterwards may not.
pub struct OpenLog {
    path: PathBuf,
    file: File,
}

impl OpenLog {
    /// The write-ahead log of the database at `db` (SQLite names it `<db>-wal`); it exists once the database is
    /// open in WAL mode.
    pub fn of_database(db: &Path) -> io::Result<Self> {
        let mut path = db.as_os_str().to_owned();
        path.push("-wal");
        Self::open(path.into())
    }

    pub fn open(path: PathBuf) -> io::Result<Self> {
        let file = File::open(&path)?;
        Ok(Self { path, file })
    }
}

impl Log for OpenLog {
    fn sync(&mut self) -> io::Result<()> {
        // SQLite deletes the log only when the database's last connection closes, and the backend's writer
        // connection lives as long as the process. Should the file still have been replaced, syncing the old one
        // would promise nothing, so the one now at the path is synced (two stats, no descriptor, per fsync).
        let (at_path, held) = (std::fs::metadata(&self.path)?, self.file.metadata()?);
        if (at_path.dev(), at_path.ino()) != (held.dev(), held.ino()) {
            self.file = File::open(&self.path)?;
        }
        self.file.sync_data()
    }
}

/// An error that says nothing about the data: the call could not be made just now (no descriptor or memory free,
/// a signal). Any other error from an fsync may mean the kernel dropped pages it could not write.
pub fn is_passing(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Interrupted
        || matches!(
            e.raw_os_error(),
            Some(
                libc::EMFILE
                    | libc::ENFILE
                    | libc::EINTR
                    | libc::EAGAIN
                    | libc::ENOMEM
                    | libc::ENOBUFS
            )
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_of_descriptors_passes_and_a_failed_write_does_not() {
        for errno in [
            libc::EMFILE,
            libc::ENFILE,
            libc::EINTR,
            libc::EAGAIN,
            libc::ENOMEM,
        ] {
            assert!(is_passing(&io::Error::from_raw_os_error(errno)), "{errno}");
        }
        for errno in [
            libc::EIO,
            libc::ENOSPC,
            libc::EROFS,
            libc::ENOENT,
            libc::EBADF,
        ] {
            assert!(!is_passing(&io::Error::from_raw_os_error(errno)), "{errno}");
        }
    }

    #[test]
    fn the_held_log_follows_a_file_that_was_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db-wal");
        std::fs::write(&path, b"one").unwrap();
        let mut log = OpenLog::of_database(&dir.path().join("db")).unwrap();
        log.sync().unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"two").unwrap();
        log.sync().unwrap();
        let (at_path, held) = (
            std::fs::metadata(&path).unwrap(),
            log.file.metadata().unwrap(),
        );
        assert_eq!(at_path.ino(), held.ino());
        std::fs::remove_file(&path).unwrap();
        assert!(
            !is_passing(&log.sync().unwrap_err()),
            "a missing log is not passing"
        );
    }
}
