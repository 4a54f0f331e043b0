//! A folder opened once, whose files are then opened relative to it.
//!
//! The kernel walks every component of a path it opens. A large site's pages sit three or four
//! folders deep in `content/`, and their output deeper still under `.upnotes/`: walking those
//! paths from the working folder (or the root) for every read and write was 5 % of a warm build's
//! CPU time. Opened relative to their folder, only the part below it is walked.
//!
//! Paths given here are relative, with `/` separators, and never climb out (`..`): callers pass
//! paths they found under the folder, or checked (see `output::inside`).

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

/// A folder and, when it could be opened, its file descriptor.
#[derive(Debug)]
pub struct Folder {
    path: PathBuf,
    /// `None` when opening failed: files are then opened by their whole path (and fail, or not,
    /// as they would have).
    fd: Option<OwnedFd>,
}

impl Folder {
    /// The folder at `path`.
    pub fn open(path: &Path) -> Folder {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        Folder {
            path: path.to_path_buf(),
            fd: rustix::fs::open(path, flags, Mode::empty()).ok(),
        }
    }

    /// Where the folder is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file at `rel` with `flags` (read or write, never create).
    fn open_file(&self, rel: &str, flags: OFlags) -> std::io::Result<File> {
        match &self.fd {
            Some(fd) => Ok(File::from(rustix::fs::openat(
                fd,
                rel,
                flags | OFlags::CLOEXEC,
                Mode::empty(),
            )?)),
            None => {
                let mut options = File::options();
                options
                    .read(!flags.contains(OFlags::WRONLY))
                    .write(flags.contains(OFlags::WRONLY));
                options.open(self.path.join(rel))
            }
        }
    }

    /// The bytes of the file at `rel`, as [`std::fs::read`] reads them.
    pub fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        let file = self.open_file(rel, OFlags::RDONLY)?;
        let size = file.metadata().map_or(0, |m| m.len());
        read_whole(file, usize::try_from(size).unwrap_or(0))
    }

    /// [`Folder::read`] of a file expected to hold `expected` bytes: room for them is made
    /// without asking the file system for the size. (Any size is read whole all the same.)
    pub fn read_expecting(&self, rel: &str, expected: usize) -> std::io::Result<Vec<u8>> {
        read_whole(self.open_file(rel, OFlags::RDONLY)?, expected)
    }

    /// The existing file at `rel`, opened for writing over it.
    pub fn open_existing_for_writing(&self, rel: &str) -> std::io::Result<File> {
        self.open_file(rel, OFlags::WRONLY)
    }
}

/// The rest of `file`, expected to hold `size` bytes: read in one call when it does. A read that
/// stops short at exactly `size` bytes is the file's end (a file that grew fills the one byte
/// more asked for), so the call that finds nothing more is spared; any other size is read on to
/// its end.
fn read_whole(mut file: File, size: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(size.saturating_add(1))?;
    bytes.resize(size.saturating_add(1), 0);
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => {
                bytes.truncate(filled);
                return Ok(bytes);
            }
            Ok(read) => {
                filled += read;
                if filled == size {
                    bytes.truncate(filled);
                    return Ok(bytes);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Longer than expected: the rest, as `File::read_to_end` reads it.
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_and_written_relative_to_the_folder_whether_or_not_it_opened() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(tmp.path().join("a/b")).expect("dirs");
        std::fs::write(tmp.path().join("a/b/c.md"), "hello").expect("write");
        let opened = Folder::open(tmp.path());
        assert!(opened.fd.is_some());
        let unopened = Folder {
            path: tmp.path().to_path_buf(),
            fd: None,
        };
        for folder in [&opened, &unopened] {
            assert_eq!(folder.read("a/b/c.md").expect("read"), b"hello");
            assert_eq!(
                folder.read_expecting("a/b/c.md", 2).expect("read"),
                b"hello"
            );
            assert_eq!(
                folder.read_expecting("a/b/c.md", 99).expect("read"),
                b"hello"
            );
            for expected in [0, 4, 5, 6] {
                assert_eq!(
                    folder.read_expecting("a/b/c.md", expected).expect("read"),
                    b"hello",
                    "expecting {expected} bytes"
                );
            }
            assert!(folder.read("a/b/missing.md").is_err());
            assert!(folder.open_existing_for_writing("a/b/new.md").is_err());
            let mut file = folder.open_existing_for_writing("a/b/c.md").expect("open");
            std::io::Write::write_all(&mut file, b"HE").expect("write");
            drop(file);
            assert_eq!(folder.read("a/b/c.md").expect("read"), b"HEllo");
            std::fs::write(tmp.path().join("a/b/c.md"), "hello").expect("write");
        }
        assert!(!tmp.path().join("a/b/new.md").exists());
    }

    #[test]
    fn files_larger_than_one_read_and_empty_ones_are_read_whole() {
        let tmp = tempfile::tempdir().expect("tmp");
        let large: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(tmp.path().join("large"), &large).expect("write");
        std::fs::write(tmp.path().join("empty"), "").expect("write");
        let folder = Folder::open(tmp.path());
        assert_eq!(folder.read("large").expect("read"), large);
        for expected in [0, 1 << 20, large.len(), large.len() + 1] {
            assert_eq!(
                folder.read_expecting("large", expected).expect("read"),
                large
            );
        }
        assert!(folder.read("empty").expect("read").is_empty());
        assert!(folder.read_expecting("empty", 10).expect("read").is_empty());
    }
}
