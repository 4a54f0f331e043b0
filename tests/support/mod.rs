//! Shared helpers for integration tests: copy a fixture into a temp dir, run the binary, compare trees.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies fixture `name` (a path under tests/fixtures) into a fresh temporary folder.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join(name), tmp.path());
    tmp
}

/// The example site (config and content; the built-in theme) in a fresh folder.
pub fn example_site() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::copy(repo.join("upnotes.yaml"), tmp.path().join("upnotes.yaml")).expect("config");
    copy_tree(&repo.join("content"), &tmp.path().join("content"));
    tmp
}

/// Asserts that two trees (from [`tree`]) hold the same files with the same bytes; `what` ends
/// the message about a file that differs ("from a clean build").
pub fn assert_same_trees(got: &[(String, Vec<u8>)], want: &[(String, Vec<u8>)], what: &str) {
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(got), names(want), "the same files");
    for ((name, got), (_, want)) in got.iter().zip(want) {
        assert!(got == want, "{name} differs {what}");
    }
}

/// Copies a folder recursively, skipping `expected*` entries at its top.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).expect("inside");
        if rel
            .components()
            .next()
            .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with("expected"))
        {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// The outcome of running the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `upnotes` with `args` in `dir`.
pub fn upnotes(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_upnotes"))
        .args(args)
        .current_dir(dir)
        .env("UPNOTES_CACHE_DIR", highlight_cache())
        .output()
        .expect("run upnotes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The highlight cache the tests' builds share (not the user's): concurrent builds sharing one
/// cache is part of what is tested.
pub fn highlight_cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("highlight-cache")
}

/// True when expected output should be rewritten instead of compared (`UPNOTES_BLESS=1`).
pub fn bless() -> bool {
    std::env::var_os("UPNOTES_BLESS").is_some()
}

/// Compares `actual` with the file at `expected`, or writes it when blessing.
pub fn assert_matches_file(actual: &str, expected: &Path) {
    if bless() {
        std::fs::create_dir_all(expected.parent().expect("parent")).expect("mkdir");
        std::fs::write(expected, actual).expect("bless");
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
        panic!(
            "missing {}; run with UPNOTES_BLESS=1 to create it",
            expected.display()
        )
    });
    assert_eq!(actual, want, "output differs from {}", expected.display());
}

/// Every file under `dir` as (relative path, bytes), sorted.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}
