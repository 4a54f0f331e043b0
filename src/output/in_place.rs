//! The output folder of `serve`, updated file by file after its first build.

use std::path::{Path, PathBuf};

use super::{MARKER, absolute, inside};
use crate::error::{Error, Result};

/// An output folder that `serve` updates file by file after its first build: every write lands
/// atomically (a reader sees the old file or the new one), and only files named by the caller
/// (those the previous build wrote) are ever removed, inside a folder that carries the marker.
#[derive(Debug)]
pub struct InPlace {
    dir: PathBuf,
    scratch: PathBuf,
    counter: std::sync::atomic::AtomicUsize,
}

impl InPlace {
    /// Opens `dir`, which must be an output folder upnotes wrote (it carries the marker).
    pub fn open(dir: &Path) -> Result<InPlace> {
        let dir = absolute(dir);
        if !dir.join(MARKER).is_file() {
            return Err(Error::Usage(format!(
                "refusing to update {}: it has no {MARKER} file, so upnotes did not create it",
                dir.display()
            )));
        }
        let name = dir
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        // A sibling of the output, so renames from it into the output stay on one filesystem.
        let scratch = dir.with_file_name(format!(".{name}.upnotes-serve-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).map_err(|e| Error::io("cannot create", &scratch, e))?;
        Ok(InPlace {
            dir,
            scratch,
            counter: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Replaces (or creates) site-relative `rel` with `bytes`, atomically.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = inside(&self.dir, rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temp = self.scratch.join(n.to_string());
        std::fs::write(&temp, bytes).map_err(|e| Error::io("cannot write", &temp, e))?;
        std::fs::rename(&temp, &path).map_err(|e| Error::io("cannot replace", &path, e))
    }

    /// Removes site-relative `rel`, then every folder above it that became empty.
    pub fn remove(&self, rel: &str) -> Result<()> {
        let path = inside(&self.dir, rel)?;
        super::staging::remove_file_and_empty_parents(&self.dir, &path)
    }
}

impl Drop for InPlace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_writes_and_removes_inside_a_marked_folder_only() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        std::fs::create_dir_all(&site).expect("mkdir");
        assert!(InPlace::open(&site).is_err(), "no marker");
        std::fs::write(site.join(MARKER), "").expect("write");
        let place = InPlace::open(&site).expect("open");
        place.write("a/b/index.html", b"new").expect("write");
        assert_eq!(
            std::fs::read(site.join("a/b/index.html")).expect("read"),
            b"new"
        );
        for bad in ["../x", "/etc/passwd", "a/../../x"] {
            assert!(place.write(bad, b"x").is_err(), "{bad}");
            assert!(place.remove(bad).is_err(), "{bad}");
        }
        place.remove("a/b/index.html").expect("remove");
        assert!(!site.join("a").exists(), "empty folders go too");
        assert!(site.join(MARKER).exists());
        drop(place);
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "the scratch folder is removed");
    }
}
