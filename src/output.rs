//! Writing the output safely: render into a temporary sibling folder, then swap it in.
//!
//! This is the only module that deletes anything, and it only deletes folders that carry the
//! marker file upnotes writes into every output it creates (or its own temporary folders).

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Marker file identifying an output folder created by upnotes.
pub const MARKER: &str = ".upnotes-output";

/// Options for choosing and replacing the output folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputOptions {
    /// Allow an output folder outside the project, or one without the marker.
    pub force: bool,
}

/// A temporary output folder being filled; [`Staging::commit`] swaps it in.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
}

impl Staging {
    /// Checks that `target` may be replaced, and creates an empty temporary sibling of it.
    pub fn create(project_root: &Path, target: &Path, options: OutputOptions) -> Result<Staging> {
        let target = absolute(target);
        check_target(&absolute(project_root), &target, options)?;
        let parent = target.parent().unwrap_or(Path::new("/"));
        let name = target
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(".{name}.upnotes-tmp-{}", std::process::id()));
        if dir.exists() {
            remove_dir(&dir)?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
        std::fs::write(
            dir.join(MARKER),
            "This folder was written by upnotes; `upnotes build` replaces it.\n",
        )
        .map_err(|e| Error::io("cannot write", dir.join(MARKER), e))?;
        Ok(Staging { target, dir })
    }

    /// The temporary folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path inside the staging folder for site-relative `rel`, refusing anything that could
    /// land outside it (`..`, absolute paths, drive prefixes).
    pub fn path_for(&self, rel: &str) -> Result<PathBuf> {
        inside(&self.dir, rel)
    }

    /// Writes `bytes` to site-relative `rel`, creating folders as needed.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io("cannot write", &path, e))
    }

    /// Copies the file at `from` to site-relative `rel`.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let path = self.path_for(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        std::fs::copy(from, &path)
            .map(|_| ())
            .map_err(|e| Error::io("cannot copy", from, e))
    }

    /// Replaces the target with the staged folder, keeping a `.git` that was inside the target.
    pub fn commit(self) -> Result<PathBuf> {
        let old = self.target.with_file_name(format!(
            ".{}.upnotes-old-{}",
            self.target
                .file_name()
                .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        if self.target.exists() {
            let git = self.target.join(".git");
            if git.exists() {
                let moved = self.dir.join(".git");
                std::fs::rename(&git, &moved).map_err(|e| Error::io("cannot move", &git, e))?;
            }
            std::fs::rename(&self.target, &old)
                .map_err(|e| Error::io("cannot replace", &self.target, e))?;
        }
        std::fs::rename(&self.dir, &self.target)
            .map_err(|e| Error::io("cannot move the new output to", &self.target, e))?;
        if old.exists() {
            remove_dir(&old)?;
        }
        let target = self.target.clone();
        std::mem::forget(self);
        Ok(target)
    }
}

/// Where a build writes its files: a [`Staging`] folder for `build`; `serve` collects them to
/// update its output in place.
pub trait Sink: Sync {
    /// Writes `bytes` to site-relative `rel`.
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()>;
    /// Copies the file at `from` to site-relative `rel`.
    fn copy(&self, rel: &str, from: &Path) -> Result<()>;
}

impl Sink for Staging {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        Staging::write(self, rel, bytes)
    }

    fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        Staging::copy(self, rel, from)
    }
}

/// `dir` joined with site-relative `rel`, refusing anything that could land outside `dir`.
fn inside(dir: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = Path::new(rel);
    let safe = !rel.is_empty()
        && rel_path
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !safe {
        return Err(Error::Usage(format!(
            "refusing to write `{rel}`: output paths must stay inside the output folder"
        )));
    }
    Ok(dir.join(rel_path))
}

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
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("cannot remove", &path, e)),
        }
        let mut folder = path.parent();
        while let Some(dir) = folder.filter(|d| *d != self.dir && d.starts_with(&self.dir)) {
            // Fails on a folder that still has files, which ends the climb.
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
            folder = dir.parent();
        }
        Ok(())
    }
}

impl Drop for InPlace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

impl Drop for Staging {
    /// A build that did not commit leaves no trace.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn remove_dir(dir: &Path) -> Result<()> {
    std::fs::remove_dir_all(dir).map_err(|e| Error::io("cannot remove", dir, e))
}

/// The rules for an output folder: never the project, `content/`, a parent of the project,
/// nor (without `--force`) outside the project or an existing folder upnotes did not create.
fn check_target(root: &Path, target: &Path, options: OutputOptions) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::Usage(format!(
            "refusing to use {} as the output folder: {why}",
            target.display()
        )))
    };
    if target == root || root.starts_with(target) {
        return refuse("it is the project folder or contains it");
    }
    if target.starts_with(root.join(crate::content::CONTENT_DIR)) {
        return refuse("it is inside content/, where the sources are");
    }
    if !options.force && !target.starts_with(root) {
        return refuse("it is outside the project (use --force if you mean it)");
    }
    if !options.force && target.exists() {
        let empty = std::fs::read_dir(target)
            .map(|mut entries| entries.all(|e| e.is_ok_and(|e| e.file_name() == ".git")))
            .unwrap_or(false);
        if !target.is_dir() || (!empty && !target.join(MARKER).exists()) {
            return refuse(&format!(
                "it exists and was not created by upnotes (no {MARKER} file); move it away or use --force"
            ));
        }
    }
    Ok(())
}

/// Makes `path` absolute and lexically normal (no `.` or `..`), without touching the filesystem.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_escape() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let staging = Staging::create(
            tmp.path(),
            &tmp.path().join("site"),
            OutputOptions::default(),
        )
        .expect("staging");
        for bad in ["../x", "/etc/passwd", "a/../../x", ""] {
            assert!(staging.path_for(bad).is_err(), "{bad}");
        }
        assert!(staging.path_for("a/b/index.html").is_ok());
    }

    #[test]
    fn commit_swaps_and_keeps_git() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join(".git")).expect("mkdir");
        std::fs::write(site.join(".git/HEAD"), "ref").expect("write");
        std::fs::write(site.join(MARKER), "").expect("write");
        std::fs::write(site.join("stale.html"), "old").expect("write");
        let staging =
            Staging::create(tmp.path(), &site, OutputOptions::default()).expect("staging");
        staging.write("index.html", b"new").expect("write");
        staging.commit().expect("commit");
        assert_eq!(
            std::fs::read_to_string(site.join("index.html")).expect("read"),
            "new"
        );
        assert!(site.join(".git/HEAD").exists());
        assert!(!site.join("stale.html").exists());
    }

    #[test]
    fn refuses_unmarked_folder_root_and_content() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        std::fs::create_dir_all(root.join("mine")).expect("mkdir");
        std::fs::write(root.join("mine/keep.txt"), "x").expect("write");
        let options = OutputOptions::default();
        assert!(Staging::create(root, &root.join("mine"), options).is_err());
        assert!(Staging::create(root, root, options).is_err());
        assert!(Staging::create(root, &root.join("content"), options).is_err());
        assert!(Staging::create(root, &root.join(".."), options).is_err());
        assert!(root.join("mine/keep.txt").exists());
    }

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

    #[test]
    fn dropping_an_uncommitted_staging_removes_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let staging = Staging::create(
            tmp.path(),
            &tmp.path().join("site"),
            OutputOptions::default(),
        )
        .expect("staging");
        let dir = staging.dir().to_path_buf();
        drop(staging);
        assert!(!dir.exists());
        assert!(!tmp.path().join("site").exists());
    }
}
