//! Reading `content/`: which files are pages and which are static files, each page split and parsed.

pub mod frontmatter;
pub mod urls;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Diagnostic, Diagnostics, Position};
use frontmatter::FrontMatter;

/// The content folder name, at the site root.
pub const CONTENT_DIR: &str = "content";

/// A Markdown source file, parsed.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path relative to `content/`, with `/` separators (e.g. `upgrades/0.28.x/precision.md`).
    pub rel: String,
    /// Path relative to the site root, for messages (e.g. `content/upgrades/0.28.x/precision.md`).
    pub source: PathBuf,
    /// The front matter (defaults when the file has none).
    pub front_matter: FrontMatter,
    /// True when the file has a front matter block.
    pub has_front_matter: bool,
    /// The whole file, front matter included (for snippets in messages).
    pub text: String,
    /// Byte offset of the Markdown body in `text`.
    pub body_start: usize,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
}

impl Document {
    /// The Markdown after the front matter.
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }
}

/// A file under `content/` that is copied as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Path relative to `content/`, with `/` separators.
    pub rel: String,
    /// Absolute path on disk.
    pub path: PathBuf,
}

/// Everything found under `content/`.
#[derive(Debug, Default)]
pub struct Content {
    /// Markdown documents, sorted by `rel`.
    pub documents: Vec<Document>,
    /// Other files, sorted by `rel`.
    pub static_files: Vec<StaticFile>,
}

/// Options for loading content.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Keep documents with `draft: true`.
    pub drafts: bool,
}

/// Walks `root/content`, reads every Markdown file in parallel and collects all problems.
pub fn load(root: &Path, options: LoadOptions, diagnostics: &mut Diagnostics) -> Content {
    let content_dir = root.join(CONTENT_DIR);
    let (markdown, static_files) = walk(&content_dir, diagnostics);
    let results: Vec<(Option<Document>, Vec<Diagnostic>)> = markdown
        .par_iter()
        .map(|rel| read_document(&content_dir, rel))
        .collect();
    let mut documents = Vec::with_capacity(results.len());
    for (document, problems) in results {
        diagnostics.extend(problems);
        documents.extend(document);
    }
    if !options.drafts {
        remove_drafts(&mut documents);
    }
    Content {
        documents,
        static_files,
    }
}

/// Drops documents marked `draft: true`; a draft folder index (`_index.md`, `index.md`, `README.md`)
/// takes its whole folder with it, so a draft version hides its notes.
fn remove_drafts(documents: &mut Vec<Document>) {
    let draft_folders: Vec<String> = documents
        .iter()
        .filter(|d| d.front_matter.draft == Some(true))
        .filter(|d| urls::is_index_name(file_stem(&d.rel)))
        .map(|d| urls::parent_dir(&d.rel).to_string())
        .collect();
    documents.retain(|d| {
        d.front_matter.draft != Some(true)
            && !draft_folders
                .iter()
                .any(|folder| !folder.is_empty() && d.rel.starts_with(folder.as_str()))
    });
}

/// The file name without folder and extension: `a/b.md` -> `b`.
pub fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Lists Markdown files and static files, sorted, skipping hidden and editor temporary files.
fn walk(content_dir: &Path, diagnostics: &mut Diagnostics) -> (Vec<String>, Vec<StaticFile>) {
    let mut markdown = Vec::new();
    let mut static_files = Vec::new();
    if !content_dir.is_dir() {
        diagnostics.push(Diagnostic::error(
            CONTENT_DIR,
            "no content folder: create `content/` with an `index.md`, or run `upnotes init`",
        ));
        return (markdown, static_files);
    }
    let project = Project::new(content_dir);
    let mut walker = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()));
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                diagnostics.push(walk_error(content_dir, &e));
                continue;
            }
        };
        if entry.depth() > 0 && entry.path_is_symlink() && !project.contains(entry.path()) {
            diagnostics.push(Diagnostic::warning(
                relative_to_root(content_dir, entry.path()),
                "this symbolic link leads outside the project folder, so it is skipped: \
                 copy what it points to into the project to publish it",
            ));
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(rel) = rel_path(content_dir, entry.path()) else {
            continue;
        };
        if rel.ends_with(".md") || rel.ends_with(".markdown") {
            markdown.push(rel);
        } else {
            static_files.push(StaticFile {
                rel,
                path: entry.path().to_path_buf(),
            });
        }
    }
    (markdown, static_files)
}

/// Dot files and editor leftovers (`foo~`, `#foo#`, `.swp`) are never content.
pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

fn rel_path(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// The folders a symbolic link in `content/` may lead into: the project (the folder holding
/// `content/`) and the real content folder. Anything else is outside and never read, so a link to
/// `~/.ssh` cannot publish it.
struct Project {
    roots: Vec<PathBuf>,
}

impl Project {
    fn new(content_dir: &Path) -> Self {
        let project = content_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let roots = [project, content_dir]
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        Project { roots }
    }

    /// Whether `path` (a symbolic link) resolves inside the project. A link that cannot be
    /// resolved counts as inside: reading it reports the problem.
    fn contains(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).map_or(true, |real| {
            self.roots.iter().any(|root| real.starts_with(root))
        })
    }
}

/// A located, actionable message for a file or folder the walk could not enter.
fn walk_error(content_dir: &Path, e: &walkdir::Error) -> Diagnostic {
    let path = e
        .path()
        .map_or_else(|| PathBuf::from(CONTENT_DIR), Path::to_path_buf);
    let reason = e
        .io_error()
        .map_or_else(|| e.to_string(), ToString::to_string);
    let message = if e.loop_ancestor().is_some() {
        "symbolic link loop: this link leads back to a folder that contains it; \
         remove or fix the link"
            .to_string()
    } else if let Ok(target) = std::fs::read_link(&path) {
        let target = target.display();
        match std::fs::metadata(&path) {
            Err(m) if m.kind() == std::io::ErrorKind::NotFound => format!(
                "broken symbolic link: its target `{target}` does not exist; remove or fix the link"
            ),
            _ => format!(
                "cannot follow the symbolic link to `{target}` ({reason}); remove or fix the link"
            ),
        }
    } else {
        format!("cannot read: {reason}")
    };
    Diagnostic::error(relative_to_root(content_dir, &path), message)
}

fn relative_to_root(content_dir: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(content_dir) {
        Ok(rel) => Path::new(CONTENT_DIR).join(rel),
        Err(_) => path.to_path_buf(),
    }
}

/// Reads and parses one Markdown file; a document is returned whenever the file could be read as text,
/// so later stages can still check it.
fn read_document(content_dir: &Path, rel: &str) -> (Option<Document>, Vec<Diagnostic>) {
    let source = Path::new(CONTENT_DIR).join(rel);
    let bytes = match std::fs::read(content_dir.join(rel)) {
        Ok(bytes) => bytes,
        Err(e) => {
            return (
                None,
                vec![Diagnostic::error(source, format!("cannot read: {e}"))],
            );
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let position = Position::of_offset(valid, valid.len());
            let problem = Diagnostic::error(
                source,
                "the file is not valid UTF-8: save it with UTF-8 encoding",
            )
            .at(valid, position);
            return (None, vec![problem]);
        }
    };
    parse_document(rel, source, &text)
}

/// Turns lone carriage returns (classic Mac line ends) into `\n`. YAML and CommonMark read them as
/// line ends too, so without this, positions in messages would count lines differently from the
/// snippet shown under them. CRLF is left alone.
pub fn normalize_line_ends(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes.get(i + 1) != Some(&b'\n');
    if !text.match_indices('\r').any(|(i, _)| lone(i)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in text.match_indices('\r').filter(|&(i, _)| lone(i)) {
        out.push_str(&text[last..i]);
        out.push('\n');
        last = i + 1;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Parses a document's text (pure: used by the loader, tests and fuzzing).
pub fn parse_document(
    rel: &str,
    source: PathBuf,
    text: &str,
) -> (Option<Document>, Vec<Diagnostic>) {
    let text = &*normalize_line_ends(text);
    let mut problems = Vec::new();
    if let Some(offset) = text.find('\0') {
        // No snippet: the line would put binary bytes on the terminal.
        problems.push(
            Diagnostic::error(
                source,
                "the file contains NUL bytes, so it is binary, not Markdown: save it as text, \
                 or give it another extension to have it copied as is",
            )
            .at_position(Position::of_offset(text, offset)),
        );
        return (None, problems);
    }
    let Ok(split) = frontmatter::split(text) else {
        problems.push(
            Diagnostic::error(
                source,
                "front matter is never closed: add a line `---` after the last key",
            )
            .at(text, Position::start()),
        );
        return (None, problems);
    };
    let mut front_matter = FrontMatter::default();
    if let Some(yaml) = split.yaml {
        match frontmatter::parse(yaml, split.yaml_line) {
            Ok(parsed) => {
                front_matter = parsed.front_matter;
                problems.extend(
                    parsed.unknown_keys.into_iter().map(|p| {
                        Diagnostic::warning(source.clone(), p.message).at(text, p.position)
                    }),
                );
            }
            Err(p) => {
                problems.push(Diagnostic::error(source, p.message).at(text, p.position));
                return (None, problems);
            }
        }
    }
    let body_start = text.len() - split.body.len();
    let document = Document {
        rel: rel.to_string(),
        source,
        front_matter,
        has_front_matter: split.yaml.is_some(),
        text: text.to_string(),
        body_start,
        body_line: split.body_line,
    };
    (Some(document), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_document_reports_unclosed_front_matter_at_line_one() {
        let (doc, problems) = parse_document("a.md", "content/a.md".into(), "---\ntitle: x\n");
        assert!(doc.is_none());
        assert_eq!(
            problems[0].headline(),
            "content/a.md:1:1: error: front matter is never closed: add a line `---` after the last key"
        );
    }

    #[test]
    fn parse_document_keeps_body_line() {
        let (doc, problems) =
            parse_document("a.md", "content/a.md".into(), "---\ntitle: x\n---\nhello\n");
        assert!(problems.is_empty());
        let doc = doc.expect("parsed");
        assert_eq!(doc.body(), "hello\n");
        assert_eq!(doc.body_line, 4);
        assert_eq!(doc.front_matter.title.as_deref(), Some("x"));
    }

    #[test]
    fn lone_carriage_returns_count_as_line_ends() {
        assert_eq!(normalize_line_ends("a\r\nb\rc\r"), "a\r\nb\nc\n");
        assert!(matches!(normalize_line_ends("a\r\nb\n"), Cow::Borrowed(_)));
        let (doc, problems) = parse_document(
            "a.md",
            "content/a.md".into(),
            "---\rtitle: x\rlayout: [\r---\rBody\r",
        );
        assert!(doc.is_none());
        assert_eq!(
            problems[0].to_string(),
            "content/a.md:3:9: error: invalid front matter: this `[` is never closed; close it or quote the value\n  |\n3 | layout: [\n  |         ^"
        );
        let (doc, _) = parse_document("a.md", "content/a.md".into(), "---\rtitle: x\r---\rBody\r");
        let doc = doc.expect("parsed");
        assert_eq!((doc.body(), doc.body_line), ("Body\n", 4));
    }

    #[test]
    fn nul_bytes_make_a_located_error_without_a_snippet() {
        let (doc, problems) =
            parse_document("a.md", "content/a.md".into(), "---\ntitle: a\0b\n---\n");
        assert!(doc.is_none());
        assert_eq!(
            problems[0].to_string(),
            "content/a.md:2:9: error: the file contains NUL bytes, so it is binary, not Markdown: \
             save it as text, or give it another extension to have it copied as is"
        );
    }

    #[test]
    fn editor_files_are_ignored() {
        for name in [
            ".hidden.md",
            "note.md~",
            "#note.md#",
            ".note.md.swp",
            "x.tmp",
        ] {
            assert!(is_ignored(std::ffi::OsStr::new(name)), "{name}");
        }
        assert!(!is_ignored(std::ffi::OsStr::new("note.md")));
    }
}
