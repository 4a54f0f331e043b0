//! Writing the output safely: render into a spare folder, then swap it in ([`Staging`]); or, in
//! `serve`, replace single files atomically ([`InPlace`]).
//!
//! This is the only module that deletes anything, and it only deletes inside folders that carry
//! the marker file upnotes writes into every output it creates, or inside its own `.upnotes/`.

mod in_place;
mod staging;

pub use in_place::InPlace;
pub use staging::{STATE_DIR, Staging};

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

/// Where a build writes its files: a [`Staging`] folder for `build`; `serve` collects them to
/// update its output in place.
pub trait Sink: Sync {
    /// Writes `bytes` to site-relative `rel`.
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()>;
    /// [`Sink::write`] when the caller knows whether the file at `rel` already holds `bytes`
    /// (`same`), from a hash it kept: a sink that compares before writing may skip reading it.
    fn write_known(&self, rel: &str, bytes: &[u8], same: bool) -> Result<()> {
        let _ = same;
        self.write(rel, bytes)
    }
    /// Copies the file at `from` to site-relative `rel`.
    fn copy(&self, rel: &str, from: &Path) -> Result<()>;
    /// Writes the concatenation of `parts` to `rel`. A sink that writes files streams them, so a
    /// file of tens of megabytes (a large site's search index) is never joined in memory.
    fn write_parts(&self, rel: &str, parts: &dyn Parts) -> Result<()> {
        let joined = joined(parts).map_err(|e| Error::io("cannot read the parts of", rel, e))?;
        self.write(rel, &joined)
    }
    /// A folder for the build's scratch files (see [`crate::spill`]), on the output's disk.
    fn scratch_dir(&self) -> Option<&Path> {
        None
    }
}

/// A file's contents in parts that are produced again each time they are needed (a sink may go
/// through them twice: to compare with the file on disk, then to write it).
pub trait Parts {
    /// Their total length in bytes.
    fn byte_len(&self) -> u64;
    /// Calls `each` with every part, in order; stops at the first error.
    fn each(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()>;
}

impl Parts for &[&[u8]] {
    fn byte_len(&self) -> u64 {
        self.iter().map(|part| part.len() as u64).sum()
    }

    fn each(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        self.iter().try_for_each(|part| each(part))
    }
}

/// `parts` joined in memory.
pub fn joined(parts: &dyn Parts) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(usize::try_from(parts.byte_len()).unwrap_or(0));
    parts.each(&mut |part| {
        out.extend_from_slice(part);
        Ok(())
    })?;
    Ok(out)
}

/// `dir` joined with site-relative `rel`, refusing anything that could land outside `dir`.
pub(super) fn inside(dir: &Path, rel: &str) -> Result<PathBuf> {
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

/// The rules for an output folder: never the project, `content/`, a parent of the project,
/// nor (without `--force`) outside the project or an existing folder upnotes did not create.
pub(super) fn check_target(root: &Path, target: &Path, options: OutputOptions) -> Result<()> {
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
    use std::path::Path;

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
    fn parts_are_written_joined_and_left_alone_when_unchanged() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        let build = |parts: &[&[u8]]| {
            let staging =
                Staging::create(tmp.path(), &site, OutputOptions::default()).expect("staging");
            staging.write_parts("index.js", &parts).expect("write");
            let written = staging.path_for("index.js").expect("path");
            staging.commit().expect("commit");
            // After the swap, the folder written holds the output; the output's path is free.
            written
        };
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000);
        let age = |path: &Path| {
            let file = std::fs::File::options()
                .write(true)
                .open(path)
                .expect("open");
            file.set_modified(long_ago).expect("set mtime");
        };
        let modified = |path: &Path| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .expect("mtime")
        };
        // Two builds fill the output and the spare folder with the same bytes.
        let spare = build(&[b"ab", b"", b"cd"]);
        build(&[b"ab", b"", b"cd"]);
        assert_eq!(std::fs::read(site.join("index.js")).expect("read"), b"abcd");
        age(&site.join("index.js"));
        age(&spare);
        // Other parts, the same bytes: the file is left alone.
        build(&[b"a", b"bcd"]);
        assert_eq!(
            modified(&site.join("index.js")),
            long_ago,
            "not written again"
        );
        // Same length, other bytes: written.
        build(&[b"ab", b"cx"]);
        assert_eq!(std::fs::read(site.join("index.js")).expect("read"), b"abcx");
    }

    #[test]
    fn a_write_known_to_differ_is_not_compared_and_one_said_to_be_the_same_is() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        let build = |write: &dyn Fn(&Staging)| {
            let staging =
                Staging::create(tmp.path(), &site, OutputOptions::default()).expect("staging");
            write(&staging);
            staging.commit().expect("commit");
        };
        let all = |staging: &Staging| {
            for (rel, bytes) in [("a", b"one"), ("b", b"two"), ("e", b"six")] {
                staging
                    .write(&format!("{rel}/index.html"), bytes)
                    .expect("write");
            }
        };
        // The output and the spare both hold a/, b/ and e/.
        build(&all);
        build(&all);
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
        let spare = super::staging::STATE_DIR;
        for entry in std::fs::read_dir(tmp.path().join(spare)).expect("state") {
            let dir = entry.expect("entry").path();
            if dir.is_dir() {
                let a = std::fs::File::options()
                    .write(true)
                    .open(dir.join("a/index.html"));
                a.and_then(|f| f.set_modified(long_ago)).expect("mtime");
            }
        }
        build(&|staging| {
            // Said to be the same and so it is: left alone.
            staging
                .write_known("a/index.html", b"one", true)
                .expect("write");
            // Said to differ: written over, though its length is the same.
            staging
                .write_known("b/index.html", b"TWO", false)
                .expect("write");
            // Said to be the same but it is not (changed by hand since): written.
            staging
                .write_known("e/index.html", b"SIX", true)
                .expect("write");
            // A file the spare does not hold is written whatever the caller says, folders and all.
            staging
                .write_known("c/d/index.html", b"new", true)
                .expect("write");
        });
        let read = |rel: &str| std::fs::read(site.join(rel)).expect("read");
        let modified = std::fs::metadata(site.join("a/index.html")).and_then(|m| m.modified());
        assert_eq!(modified.expect("mtime"), long_ago, "the spare's file kept");
        assert_eq!(read("a/index.html"), b"one");
        assert_eq!(read("b/index.html"), b"TWO");
        assert_eq!(read("e/index.html"), b"SIX");
        assert_eq!(read("c/d/index.html"), b"new");
    }

    #[test]
    fn a_spare_file_written_again_is_overwritten_in_place_and_cut_to_length() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        let build = |bytes: &[u8]| {
            let staging =
                Staging::create(tmp.path(), &site, OutputOptions::default()).expect("staging");
            staging.write("a/index.html", bytes).expect("write");
            let written = staging.path_for("a/index.html").expect("path");
            let inode = std::fs::metadata(&written).expect("metadata").ino();
            staging.commit().expect("commit");
            inode
        };
        let read = || std::fs::read(site.join("a/index.html")).expect("read");
        // The first two builds leave the file in the output and in the spare; from then on,
        // each build writes into the file of the build before last.
        let first = build(b"a page of some length");
        let second = build(b"a page of some length");
        // Shorter bytes over a longer file: nothing of the old tail is left.
        assert_eq!(build(b"short"), first, "written in place");
        assert_eq!(read(), b"short");
        // Longer bytes over a shorter file, then shorter again.
        assert_eq!(build(b"a page that grew longer than any before it"), second);
        assert_eq!(read(), b"a page that grew longer than any before it");
        assert_eq!(build(b"short"), first);
        assert_eq!(read(), b"short");
        assert_eq!(build(b"a page of some length"), second);
        assert_eq!(read(), b"a page of some length");
    }

    #[test]
    fn the_whole_spare_is_surveyed_stale_files_go_and_links_are_not_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        let outside = tmp.path().join("outside.txt");
        std::fs::write(&outside, "keep me").expect("write");
        let build = |rels: &[&str]| {
            let staging =
                Staging::create(tmp.path(), &site, OutputOptions::default()).expect("staging");
            for rel in rels {
                staging.write(rel, b"x").expect("write");
            }
            let dir = staging.dir().to_path_buf();
            staging.commit().expect("commit");
            dir
        };
        build(&["a/index.html"]);
        // After the swap this is the spare folder, holding the first build's output.
        let spare = build(&["a/index.html"]);
        std::fs::create_dir_all(spare.join("deep/er")).expect("mkdir");
        std::fs::write(spare.join("deep/er/stale.html"), "old").expect("write");
        std::os::unix::fs::symlink(&outside, spare.join("deep/link")).expect("symlink");
        std::fs::create_dir_all(spare.join("deep/.git")).expect("mkdir");
        std::fs::write(spare.join("deep/.git/HEAD"), "ref").expect("write");
        build(&["a/index.html", "deep/link"]);
        assert!(
            !site.join("deep/er/stale.html").exists(),
            "stale file removed"
        );
        assert!(!site.join("deep/link").is_symlink());
        assert_eq!(std::fs::read(site.join("deep/link")).expect("read"), b"x");
        assert_eq!(std::fs::read(&outside).expect("read"), b"keep me");
        assert!(
            site.join("deep/.git/HEAD").exists(),
            "a .git folder is left alone"
        );
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

    fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(std::result::Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).expect("inside");
                let bytes = std::fs::read(e.path()).expect("read");
                (rel.to_string_lossy().into_owned(), bytes)
            })
            .collect();
        files.sort();
        files
    }

    fn build(root: &Path, files: &[(&str, &str)]) -> std::path::PathBuf {
        let staging =
            Staging::create(root, &root.join("site"), OutputOptions::default()).expect("staging");
        for (rel, text) in files {
            staging.write(rel, text.as_bytes()).expect("write");
        }
        staging.commit().expect("commit")
    }

    #[test]
    fn each_build_holds_exactly_what_it_wrote() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let builds: [&[(&str, &str)]; 4] = [
            &[
                ("index.html", "1"),
                ("a/index.html", "a1"),
                ("b/c/index.html", "c"),
            ],
            &[("index.html", "2"), ("a/index.html", "a1")],
            &[
                ("index.html", "3"),
                ("a", "a is a file now"),
                ("d/index.html", "d"),
            ],
            &[("index.html", "3"), ("a/index.html", "a folder again")],
        ];
        for files in builds {
            let site = build(root, files);
            let mut expected: Vec<(String, Vec<u8>)> = files
                .iter()
                .map(|(rel, text)| (rel.to_string(), text.as_bytes().to_vec()))
                .collect();
            expected.push((MARKER.to_string(), tree(&site)[0].1.clone()));
            expected.sort();
            assert_eq!(tree(&site), expected);
        }
        // The spare holds the build before last, and git ignores the state folder.
        let state = root.join(STATE_DIR);
        assert!(
            std::fs::read_to_string(state.join(".gitignore"))
                .expect("gitignore")
                .contains('*')
        );
        let spares: Vec<_> = std::fs::read_dir(&state)
            .expect("list")
            .filter_map(std::result::Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".spare"))
            .collect();
        assert_eq!(spares.len(), 1);
        assert!(spares[0].path().join("d/index.html").exists());
    }

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let files: &[(&str, &str)] = &[("index.html", "same"), ("x/index.html", "x")];
        build(root, files);
        build(root, files);
        // The third build reuses the first build's folder: its files keep their inodes.
        let site = root.join("site");
        use std::os::unix::fs::MetadataExt;
        let inode = |rel: &str| std::fs::metadata(site.join(rel)).expect("stat").ino();
        let before = inode("index.html");
        build(root, &[("index.html", "same"), ("x/index.html", "changed")]);
        build(root, &[("index.html", "same"), ("x/index.html", "changed")]);
        assert_eq!(
            inode("index.html"),
            before,
            "an unchanged file is left alone"
        );
        assert_eq!(
            std::fs::read_to_string(site.join("x/index.html")).expect("read"),
            "changed"
        );
    }

    #[test]
    fn a_symlink_in_the_spare_is_not_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("project");
        std::fs::create_dir_all(&root).expect("mkdir");
        let outside = tmp.path().join("outside.txt");
        std::fs::write(&outside, "keep").expect("write");
        build(&root, &[("index.html", "1")]);
        build(&root, &[("index.html", "2")]);
        let spare = std::fs::read_dir(root.join(STATE_DIR))
            .expect("list")
            .filter_map(std::result::Result::ok)
            .find(|e| e.file_name().to_string_lossy().ends_with(".spare"))
            .expect("spare")
            .path();
        std::fs::remove_file(spare.join("index.html")).expect("rm");
        std::os::unix::fs::symlink(&outside, spare.join("index.html")).expect("symlink");
        build(&root, &[("index.html", "3")]);
        assert_eq!(std::fs::read_to_string(&outside).expect("read"), "keep");
        assert_eq!(
            std::fs::read_to_string(root.join("site/index.html")).expect("read"),
            "3"
        );
    }

    #[test]
    fn an_uncommitted_build_leaves_the_output_alone() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        build(root, &[("index.html", "good")]);
        let staging =
            Staging::create(root, &root.join("site"), OutputOptions::default()).expect("staging");
        staging.write("index.html", b"half").expect("write");
        drop(staging);
        assert_eq!(
            std::fs::read_to_string(root.join("site/index.html")).expect("read"),
            "good"
        );
    }
}
