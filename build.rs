//! Embeds the default theme (`themes/default/`) into the binary, so `upnotes` works in any folder.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    println!("cargo:rerun-if-changed={}", theme.display());
    let mut files = Vec::new();
    collect(&theme, &mut files);
    files.sort();
    let mut code = String::from(
        "/// Files of the built-in theme: (path inside the theme, contents).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file
            .strip_prefix(&theme)
            .expect("inside theme")
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            file.display().to_string()
        )
        .expect("write to string");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    std::fs::write(out.join("default_theme.rs"), code).expect("write default_theme.rs");
    write_highlighter_fingerprint(&out);
    write_renderer_fingerprint(&out);
}

/// Hashes all of upnotes' own source, the built-in theme and every dependency version: pages a
/// build remembers (see `src/warm.rs`) are reused only by the very same renderer.
fn write_renderer_fingerprint(out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash_files(
        root,
        &["src", "themes"],
        vec![root.join("Cargo.lock"), root.join("build.rs")],
        &mut hasher,
    );
    let code = format!(
        "/// Hash of upnotes' source, theme and dependency versions.\nconst RENDERER_FINGERPRINT: u64 = {:#x};\n",
        hasher.finish()
    );
    std::fs::write(out.join("renderer_fingerprint.rs"), code)
        .expect("write renderer_fingerprint.rs");
}

/// Hashes everything that decides what a highlighted block looks like (the highlighter's source,
/// our grammars, the syntect and two-face versions in Cargo.lock), so the on-disk cache of
/// highlighted blocks never serves output of a different highlighter.
fn write_highlighter_fingerprint(out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash_files(
        root,
        &["src/highlight", "src/syntaxes"],
        Vec::new(),
        &mut hasher,
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    for block in lock.split("[[package]]") {
        if ["\"syntect\"", "\"two-face\"", "\"onig\""]
            .iter()
            .any(|name| block.contains(&format!("name = {name}\n")))
        {
            block.hash(&mut hasher);
        }
    }
    let code = format!(
        "/// Hash of the highlighter's source, grammars and dependency versions.\nconst HIGHLIGHTER_FINGERPRINT: u64 = {:#x};\n",
        hasher.finish()
    );
    std::fs::write(out.join("highlighter_fingerprint.rs"), code)
        .expect("write highlighter_fingerprint.rs");
}

/// Hashes the path (relative to `root`) and bytes of `files` and of every file under `dirs`, in
/// path order, and has cargo run this script again when any of them changes.
fn hash_files(root: &Path, dirs: &[&str], mut files: Vec<PathBuf>, hasher: &mut impl Hasher) {
    for dir in dirs {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    for file in &files {
        file.strip_prefix(root).unwrap_or(file).hash(hasher);
        std::fs::read(file).unwrap_or_default().hash(hasher);
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
