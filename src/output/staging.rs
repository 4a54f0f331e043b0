//! Building into a spare copy of the output, then swapping it in.
//!
//! A build writes into `.upnotes/<output>.spare/` (in the project, or beside an output outside
//! it): a folder that, from the third build on, holds the output of the build before last. Files
//! whose bytes are unchanged are left alone, changed ones are rewritten, and files this build did
//! not write are removed; then the spare and the output trade places in one atomic rename
//! (`RENAME_EXCHANGE`; two renames where the filesystem lacks it). So a failed build never touches
//! the output, a server never sees a half-written site, and a rebuild that changes little writes
//! little: creating and deleting thousands of files and folders is what made rebuilds slow.
//!
//! `.upnotes/` holds a `.gitignore` of `*`, so git ignores it; deleting it is always safe.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustix::fs::{Mode, OFlags};

use super::{MARKER, OutputOptions, Parts, Sink, absolute, check_target, inside};
use crate::error::{Error, Result};
use crate::folder::Folder;

/// Folder of upnotes' own working state (the spare outputs), in the project root.
pub const STATE_DIR: &str = ".upnotes";

/// The folder a build writes into; [`Staging::commit`] swaps it in.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    /// The folder being written, opened: files it already holds are opened relative to it.
    folder: Folder,
    /// `.upnotes/<name>`: the prefix of this output's files in the state folder.
    state_prefix: PathBuf,
    /// Files the spare held when the build started (none for a fresh folder) that this build has
    /// not written or kept yet: what is left at the end is stale. (Only these are remembered, so
    /// that a build into a fresh folder keeps no list of the files it wrote.)
    unclaimed: Mutex<HashSet<String>>,
    /// Held until the build ends: two builds into one output wait for each other.
    _lock: File,
}

impl Staging {
    /// Checks that `target` may be replaced, and prepares its spare folder.
    pub fn create(project_root: &Path, target: &Path, options: OutputOptions) -> Result<Staging> {
        let root = absolute(project_root);
        let target = absolute(target);
        check_target(&root, &target, options)?;
        let state = state_dir(&root, &target);
        std::fs::create_dir_all(&state).map_err(|e| Error::io("cannot create", &state, e))?;
        let ignore = state.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "# upnotes' working state; safe to delete.\n*\n")
                .map_err(|e| Error::io("cannot write", &ignore, e))?;
        }
        let name = spare_name(&root, &target);
        let lock_path = state.join(format!("{name}.lock"));
        let lock = File::create(&lock_path)
            .and_then(|file| file.lock().map(|()| file))
            .map_err(|e| Error::io("cannot lock", &lock_path, e))?;
        let dir = state.join(format!("{name}.spare"));
        let existing = if dir.join(MARKER).is_file() && !is_symlink(&dir) {
            survey(&dir)?
        } else {
            fresh(&dir)?;
            HashSet::new()
        };
        Ok(Staging {
            target,
            folder: Folder::open(&dir),
            state_prefix: state.join(&name),
            unclaimed: Mutex::new(existing),
            _lock: lock,
        })
    }

    /// Whether an earlier build left `target` a spare folder to survey: a build only gains from
    /// preparing its staging early when there is one, and a first build that fails writes nothing.
    pub fn has_spare(project_root: &Path, target: &Path) -> bool {
        let (root, target) = (absolute(project_root), absolute(target));
        let name = spare_name(&root, &target);
        state_dir(&root, &target)
            .join(format!("{name}.spare"))
            .is_dir()
    }

    /// The folder being written.
    pub fn dir(&self) -> &Path {
        self.folder.path()
    }

    /// The output folder the build replaces.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// A file of this output's state in `.upnotes/` (`<name>.<suffix>`).
    pub fn state_file(&self, suffix: &str) -> PathBuf {
        let mut name = self.state_prefix.clone().into_os_string();
        name.push(".");
        name.push(suffix);
        PathBuf::from(name)
    }

    /// Keeps the spare's file at `rel` as this build's, unwritten, when its bytes hash (xxh3) to
    /// `hash`; false when the spare has no such file. The file is read: a manifest says what a
    /// build left in the folder, not what a hand may have changed since.
    pub fn keep_if_holding(&self, rel: &str, hash: u64) -> Result<bool> {
        self.path_for(rel)?;
        let holding = self
            .folder
            .read(rel)
            .is_ok_and(|bytes| xxhash_rust::xxh3::xxh3_64(&bytes) == hash);
        Ok(holding && self.claim(rel))
    }

    /// The path inside the staging folder for site-relative `rel`, refusing anything that could
    /// land outside it (`..`, absolute paths, drive prefixes).
    pub fn path_for(&self, rel: &str) -> Result<PathBuf> {
        inside(self.folder.path(), rel)
    }

    /// Writes `bytes` to site-relative `rel` unless the file already holds exactly them.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        let held = self.claim(rel);
        if held && holds(&path, bytes) {
            return Ok(());
        }
        self.put(rel, &path, bytes, held)
    }

    /// [`Staging::write`] when the caller knows whether the spare's file at `rel` holds `bytes`
    /// (`same`), from the spare's manifest (see [`crate::warm`]). A difference is taken on its
    /// word: the file is written without being read. Sameness is not: the file is compared, as
    /// a hand may have changed it since the manifest was written.
    pub fn write_known(&self, rel: &str, bytes: &[u8], same: bool) -> Result<()> {
        let path = self.path_for(rel)?;
        let held = self.claim(rel);
        if held && same && holds(&path, bytes) {
            return Ok(());
        }
        self.put(rel, &path, bytes, held)
    }

    /// Writes `bytes` at `rel` (whose full path is `path`). A file the spare `held` there has its
    /// folders already, so only a new file (or a failed write) makes room first.
    fn put(&self, rel: &str, path: &Path, bytes: &[u8], held: bool) -> Result<()> {
        if held && overwrite(&self.folder, rel, bytes).is_ok() {
            return Ok(());
        }
        make_room(self.folder.path(), path)?;
        std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
    }

    /// [`Staging::write`] of the concatenation of `parts`, streamed both when comparing and
    /// when writing.
    pub fn write_parts(&self, rel: &str, parts: &dyn Parts) -> Result<()> {
        let path = self.path_for(rel)?;
        if self.claim(rel) && holds_parts(&path, parts) {
            return Ok(());
        }
        make_room(self.folder.path(), &path)?;
        let failed = |e| Error::io("cannot write", &path, e);
        let mut file = std::io::BufWriter::new(File::create(&path).map_err(failed)?);
        parts
            .each(&mut |part| file.write_all(part))
            .map_err(failed)?;
        file.flush().map_err(failed)
    }

    /// The folder of this output's state (`.upnotes/`).
    pub fn state_dir(&self) -> &Path {
        self.state_prefix.parent().unwrap_or(Path::new("."))
    }

    /// Copies the file at `from` to site-relative `rel` unless it is already there.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let path = self.path_for(rel)?;
        if self.claim(rel) && std::fs::read(from).is_ok_and(|bytes| holds(&path, &bytes)) {
            return Ok(());
        }
        make_room(self.folder.path(), &path)?;
        std::fs::copy(from, &path)
            .map(|_| ())
            .map_err(|e| Error::io("cannot copy", from, e))
    }

    /// Records that this build writes (or keeps) `rel`; true when the spare held a file there
    /// that no earlier write of this build claimed (its bytes may already be the right ones).
    fn claim(&self, rel: &str) -> bool {
        self.unclaimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(rel)
    }

    /// Removes what this build did not write, then swaps the folder in for the target (keeping a
    /// `.git` that was inside the target); the previous output becomes the next build's spare.
    pub fn commit(self) -> Result<PathBuf> {
        let stale = self
            .unclaimed
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = self.folder.path();
        for rel in &stale {
            if rel != MARKER {
                remove_file_and_empty_parents(dir, &dir.join(rel))?;
            }
        }
        let git = self.target.join(".git");
        if git.exists() {
            let moved = dir.join(".git");
            std::fs::rename(&git, &moved).map_err(|e| Error::io("cannot move", &git, e))?;
        }
        if self.target.exists() {
            swap(dir, &self.target)?;
            // A target that upnotes did not write (replaced with `--force`) is not kept.
            if !dir.join(MARKER).is_file() {
                std::fs::remove_dir_all(dir).map_err(|e| Error::io("cannot remove", dir, e))?;
            }
        } else {
            std::fs::rename(dir, &self.target)
                .map_err(|e| Error::io("cannot move the new output to", &self.target, e))?;
        }
        Ok(self.target)
    }
}

impl Sink for Staging {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        Staging::write(self, rel, bytes)
    }

    fn write_known(&self, rel: &str, bytes: &[u8], same: bool) -> Result<()> {
        Staging::write_known(self, rel, bytes, same)
    }

    fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        Staging::copy(self, rel, from)
    }

    fn write_parts(&self, rel: &str, parts: &dyn Parts) -> Result<()> {
        Staging::write_parts(self, rel, parts)
    }

    fn scratch_dir(&self) -> Option<&Path> {
        Some(self.state_dir())
    }
}

/// `.upnotes/` in the project root, or beside a target outside the project (so the swap stays
/// on one filesystem).
fn state_dir(root: &Path, target: &Path) -> PathBuf {
    if target.starts_with(root) {
        root.join(STATE_DIR)
    } else {
        target.parent().unwrap_or(Path::new("/")).join(STATE_DIR)
    }
}

/// The target's folder name plus a hash of its path, so `site` and `docs/site` get their own.
fn spare_name(root: &Path, target: &Path) -> String {
    let name = target
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let rel = target.strip_prefix(root).unwrap_or(target);
    let hash = xxhash_rust::xxh3::xxh3_64(rel.as_os_str().as_encoded_bytes());
    format!("{name}-{:08x}", hash & 0xffff_ffff)
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// An empty, marked folder at `dir` (whatever was there is upnotes' own state and goes).
fn fresh(dir: &Path) -> Result<()> {
    if is_symlink(dir) {
        std::fs::remove_file(dir).map_err(|e| Error::io("cannot remove", dir, e))?;
    } else if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io("cannot remove", dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    std::fs::write(
        dir.join(MARKER),
        "This folder was written by upnotes; `upnotes build` replaces it.\n",
    )
    .map_err(|e| Error::io("cannot write", dir.join(MARKER), e))
}

/// The files of a spare folder, by site-relative path. Symbolic links (upnotes never writes
/// one) are removed, so no write can follow one out of the folder. Folders are read in parallel,
/// each opened relative to the one above it: a large site's spare has a folder per page, and the
/// build waits for this before rendering.
fn survey(dir: &Path) -> Result<HashSet<String>> {
    let folder = open_folder(rustix::fs::CWD, dir).map_err(|e| Error::io("cannot read", dir, e))?;
    let mut files = HashSet::new();
    survey_folder(folder, dir, "", &mut |rel| {
        files.insert(rel);
    })?;
    Ok(files)
}

/// The folder `name` in `parent`, opened for reading its entries (not through a symbolic link).
fn open_folder(parent: impl AsFd, name: impl rustix::path::Arg) -> std::io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    Ok(rustix::fs::openat(parent, name, flags, Mode::empty())?)
}

/// Calls `found` with the site-relative path of every file in `folder` (at `path`, for messages;
/// at `prefix`, which is empty or ends in `/`), skipping `.git` folders and removing symbolic
/// links.
fn survey_folder(
    folder: OwnedFd,
    path: &Path,
    prefix: &str,
    found: &mut dyn FnMut(String),
) -> Result<()> {
    use rayon::prelude::*;
    use rustix::fs::{AtFlags, FileType};
    let failed = |e: rustix::io::Errno| Error::io("cannot read", path, e.into());
    let mut entries = rustix::fs::Dir::new(folder).map_err(failed)?;
    let mut below = Vec::new();
    while let Some(entry) = entries.read() {
        let entry = entry.map_err(failed)?;
        let name = entry.file_name();
        if matches!(name.to_bytes(), b"." | b"..") {
            continue;
        }
        let folder = entries.fd().map_err(failed)?;
        let kind = match entry.file_type() {
            // Some file systems do not say in the entry.
            FileType::Unknown => rustix::fs::statat(folder, name, AtFlags::SYMLINK_NOFOLLOW)
                .map(|stat| FileType::from_raw_mode(stat.st_mode))
                .map_err(failed)?,
            kind => kind,
        };
        let rel = format!("{prefix}{}", String::from_utf8_lossy(name.to_bytes()));
        match kind {
            FileType::Symlink => {
                rustix::fs::unlinkat(folder, name, AtFlags::empty()).map_err(|e| {
                    Error::io("cannot remove", path.join(&rel[prefix.len()..]), e.into())
                })?
            }
            FileType::Directory if name.to_bytes() != b".git" => {
                below.push((name.to_owned(), rel));
            }
            FileType::RegularFile => found(rel),
            _ => {}
        }
    }
    let parent = entries.fd().map_err(failed)?;
    let nested: Vec<Result<Vec<String>>> = below
        .par_iter()
        .map(|(name, rel)| {
            let path = path.join(&rel[prefix.len()..]);
            let folder = open_folder(parent, name.as_c_str())
                .map_err(|e| Error::io("cannot read", &path, e))?;
            let mut files = Vec::new();
            survey_folder(folder, &path, &format!("{rel}/"), &mut |f| {
                files.push(f);
            })
            .map(|()| files)
        })
        .collect();
    for files in nested {
        files?.into_iter().for_each(&mut *found);
    }
    Ok(())
}

/// Writes `bytes` over the file at `path` in place, then cuts it to their length if it was
/// longer. Truncating it to nothing first would cost more: tmpfs frees its pages and allocates
/// them again, and ext4 starts writing the file back on close (its guard against empty files
/// after a crash). A write cut short leaves a mix of old and new bytes, as a truncating one
/// leaves a cut file: either way the build fails, and a spare without a manifest has its files
/// compared byte for byte again.
fn overwrite(folder: &Folder, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = folder.open_existing_for_writing(rel)?;
    // Asking the size costs less than cutting the file to the length it has: most rewritten
    // pages are as long as before, or longer.
    let old_len = file.metadata()?.len();
    file.write_all(bytes)?;
    let len = bytes.len() as u64;
    if old_len > len {
        file.set_len(len)?;
    }
    Ok(())
}

/// Whether the file at `path` holds exactly `bytes` (size first: most changes change it).
fn holds(path: &Path, bytes: &[u8]) -> bool {
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.len() == bytes.len() as u64) {
        return false;
    }
    let mut old = Vec::with_capacity(bytes.len());
    file.read_to_end(&mut old).is_ok() && old == bytes
}

/// [`holds`] for the concatenation of `parts`, reading the file a block at a time.
fn holds_parts(path: &Path, parts: &dyn Parts) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.len() == parts.byte_len()) {
        return false;
    }
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut file = std::io::BufReader::with_capacity(1 << 16, file);
    let mut block = Vec::new();
    let unequal = || std::io::Error::other("differs");
    parts
        .each(&mut |part| {
            block.resize(part.len(), 0);
            file.read_exact(&mut block)?;
            if block == part {
                Ok(())
            } else {
                Err(unequal())
            }
        })
        .is_ok()
}

/// Makes sure `path` can be written: its parents are folders (a file of an older build in the
/// way is removed) and no folder sits where the file goes.
fn make_room(dir: &Path, path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(path).map_err(|e| Error::io("cannot remove", path, e))?;
    }
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if std::fs::create_dir_all(parent).is_ok() {
        return Ok(());
    }
    for ancestor in parent.ancestors().take_while(|a| *a != dir) {
        if std::fs::symlink_metadata(ancestor).is_ok_and(|m| !m.is_dir()) {
            std::fs::remove_file(ancestor).map_err(|e| Error::io("cannot remove", ancestor, e))?;
        }
    }
    std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))
}

/// Removes the file at `path`, then every folder above it (up to `dir`) that became empty.
pub(super) fn remove_file_and_empty_parents(dir: &Path, path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        // Gone already, or a folder on its path became a file.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) => {}
        Err(e) => return Err(Error::io("cannot remove", path, e)),
    }
    let mut folder = path.parent();
    while let Some(parent) = folder.filter(|d| *d != dir && d.starts_with(dir)) {
        // Fails on a folder that still has files, which ends the climb.
        if std::fs::remove_dir(parent).is_err() {
            break;
        }
        folder = parent.parent();
    }
    Ok(())
}

/// Puts `dir` where `target` is and `target` where `dir` was, atomically where the filesystem
/// can (Linux `renameat2` with `RENAME_EXCHANGE`).
fn swap(dir: &Path, target: &Path) -> Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    if renameat_with(CWD, dir, CWD, target, RenameFlags::EXCHANGE).is_ok() {
        return Ok(());
    }
    let aside = dir.with_extension("old");
    if aside.exists() {
        std::fs::remove_dir_all(&aside).map_err(|e| Error::io("cannot remove", &aside, e))?;
    }
    std::fs::rename(target, &aside).map_err(|e| Error::io("cannot replace", target, e))?;
    std::fs::rename(dir, target)
        .map_err(|e| Error::io("cannot move the new output to", target, e))?;
    std::fs::rename(&aside, dir).map_err(|e| Error::io("cannot keep", &aside, e))
}
