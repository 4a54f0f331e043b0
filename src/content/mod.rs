//! Reading `content/`: which files are pages and which are static files, each page split and parsed.

mod flat;
pub mod frontmatter;
pub mod urls;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Diagnostic, Diagnostics, Position};
use crate::folder::Folder;
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
    /// The front matter (defaults when the file has none, and in a page's released document
    /// until [`Document::with_text`] parses it again).
    pub front_matter: Arc<FrontMatter>,
    /// True when the file has a front matter block.
    pub has_front_matter: bool,
    /// The whole file, front matter included (for snippets in messages); empty once released.
    pub text: String,
    /// A hash of `text`: it tells a changed file apart, and stands for the text in fingerprints.
    pub text_hash: u64,
    /// The body's first heading, when the front matter has no title (a page's fallback title).
    pub first_heading: Option<String>,
    /// Byte offset of the Markdown body in `text`.
    pub body_start: usize,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    /// Set once the text was released: where to read it from again.
    pub released_from: Option<Released>,
}

/// Where a released document's text is read from again.
#[derive(Debug, Clone)]
pub struct Released {
    /// The content folder.
    folder: Arc<Folder>,
    /// The length of the text, which is the file's (line ends are normalized byte for byte).
    len: usize,
}

impl Document {
    /// The Markdown after the front matter. Only for a document whose text is held: see
    /// [`Document::with_text`].
    pub fn body(&self) -> &str {
        debug_assert!(self.released_from.is_none(), "{} was released", self.rel);
        &self.text[self.body_start..]
    }

    /// Drops the text, keeping what is needed to read it again. A site of 50,000 pages would
    /// otherwise hold a quarter of a gigabyte of Markdown while it renders one page at a time.
    pub fn release(&mut self, content: &Arc<Folder>) {
        self.released_from = Some(Released {
            folder: Arc::clone(content),
            len: self.text.len(),
        });
        self.text = String::new();
    }

    /// Drops the front matter of a released document once what the site model needs of it was
    /// taken ([`Document::with_text`] parses it again): it is most of a document's size.
    pub fn release_front_matter(&mut self) {
        static EMPTY: std::sync::LazyLock<Arc<FrontMatter>> =
            std::sync::LazyLock::new(Arc::default);
        if self.released_from.is_some() {
            self.front_matter = Arc::clone(&EMPTY);
        }
    }

    /// This document with its text: itself when the text is held, else a copy with the text read
    /// again (and its front matter parsed again). A file that changed since it was loaded is an
    /// error: rendering it would not match what the build checked.
    pub fn with_text(&self) -> Result<Cow<'_, Document>, Diagnostic> {
        self.read_again(true)
    }

    /// [`Document::with_text`] without parsing the front matter again: for a page, which keeps
    /// what it needs of it (a released page's document then has empty front matter).
    pub fn with_text_alone(&self) -> Result<Cow<'_, Document>, Diagnostic> {
        self.read_again(false)
    }

    fn read_again(&self, front_matter: bool) -> Result<Cow<'_, Document>, Diagnostic> {
        let Some(released) = &self.released_from else {
            return Ok(Cow::Borrowed(self));
        };
        let changed = || {
            Diagnostic::error(
                self.source.clone(),
                "the file changed or vanished while the site was being built: build again",
            )
        };
        let bytes = released
            .folder
            .read_expecting(&self.rel, released.len)
            .map_err(|_| changed())?;
        let text = String::from_utf8(bytes).map_err(|_| changed())?;
        let text = match normalize_line_ends(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(normalized) => normalized,
        };
        if text_hash(&text) != self.text_hash {
            return Err(changed());
        }
        if !front_matter {
            return Ok(Cow::Owned(Document {
                text,
                released_from: None,
                ..self.clone()
            }));
        }
        // The same text parsed without problems at load: only its front matter is wanted again.
        let parsed = frontmatter::split(&text)
            .ok()
            .and_then(|split| Some((split.yaml?, split.yaml_line)))
            .and_then(|(yaml, line)| frontmatter::parse(yaml, line).ok());
        let front_matter = match parsed {
            Some(parsed) => Arc::new(parsed.front_matter),
            None => Arc::clone(&self.front_matter),
        };
        Ok(Cow::Owned(Document {
            text,
            front_matter,
            released_from: None,
            ..self.clone()
        }))
    }

    /// Like [`Document::with_text`], for a document that is kept from here on.
    pub fn into_with_text(self) -> Result<Document, Diagnostic> {
        if self.released_from.is_none() {
            return Ok(self);
        }
        self.with_text().map(Cow::into_owned)
    }

    /// The text for a message's snippet: read again if released; empty when that fails (the
    /// message then goes without a snippet).
    pub fn text_for_messages(&self) -> Cow<'_, str> {
        match self.with_text() {
            Ok(Cow::Borrowed(doc)) => Cow::Borrowed(&doc.text),
            Ok(Cow::Owned(doc)) => Cow::Owned(doc.text),
            Err(_) => Cow::Borrowed(""),
        }
    }
}

/// The hash kept in [`Document::text_hash`].
pub fn text_hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
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
    load_with(root, options, diagnostics, None)
}

/// What one file was when it was last read: a file whose stamp is unchanged need not be read
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<std::time::SystemTime>,
    changed: (i64, i64),
    len: u64,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            modified: meta.modified().ok(),
            changed: (meta.ctime(), meta.ctime_nsec()),
            len: meta.len(),
            inode: meta.ino(),
        })
    }
}

/// Documents parsed by earlier loads, for `serve` and `watch`: a rebuild after one edit reads and
/// parses one file, not ten thousand.
#[derive(Debug, Default)]
pub struct Parsed {
    by_rel: std::collections::HashMap<String, (Stamp, ParseResult)>,
}

type ParseResult = (Option<Document>, Vec<Diagnostic>);

impl Parsed {
    /// Forgets `rel` (relative to `content/`), so the next load reads it whatever its stamp says:
    /// the watcher saw it change, and a coarse file system clock may not show it.
    pub fn forget(&mut self, rel: &str) {
        self.by_rel.remove(rel);
    }

    /// The document `rel` parsed into at the last load, with its problems.
    pub fn get(&self, rel: &str) -> Option<(Option<&Document>, &[Diagnostic])> {
        let (_, (document, problems)) = self.by_rel.get(rel)?;
        Some((document.as_ref(), problems))
    }
}

/// [`load`], reusing the documents of `parsed` whose files are unchanged, and keeping the new ones
/// there.
pub fn load_with(
    root: &Path,
    options: LoadOptions,
    diagnostics: &mut Diagnostics,
    parsed: Option<&mut Parsed>,
) -> Content {
    let content_dir = root.join(CONTENT_DIR);
    let (markdown, static_files) = walk(&content_dir, diagnostics);
    let folder = Arc::new(Folder::open(&content_dir));
    let known = parsed.as_deref();
    // Each file's result: reused (`None`), or read now with its stamp (if it could be taken).
    let results: Vec<(Option<Option<Stamp>>, ParseResult)> = markdown
        .par_iter()
        .map(|rel| {
            let stamp = known.and_then(|_| Stamp::of(&content_dir.join(rel)));
            let earlier = known
                .and_then(|p| p.by_rel.get(rel))
                .filter(|(was, _)| stamp == Some(*was));
            if let Some((_, result)) = earlier {
                return (None, result.clone());
            }
            let (mut document, problems) = read_document(&folder, rel);
            // Parsed and checked: the text is read again when the page is rendered.
            if let Some(doc) = &mut document {
                doc.release(&folder);
            }
            (Some(stamp), (document, problems))
        })
        .collect();
    if let Some(parsed) = parsed {
        // Reused entries stay as they are (no copy of ten thousand documents per rebuild), files
        // read now replace theirs, and files gone from `content/` leave.
        let present: std::collections::HashSet<&String> = markdown.iter().collect();
        parsed.by_rel.retain(|rel, _| present.contains(rel));
        for (rel, (read, result)) in markdown.iter().zip(&results) {
            match read {
                None => {}
                Some(Some(stamp)) => {
                    parsed.by_rel.insert(rel.clone(), (*stamp, result.clone()));
                }
                Some(None) => {
                    parsed.by_rel.remove(rel);
                }
            }
        }
    }
    let mut documents = Vec::with_capacity(results.len());
    for (_, (document, problems)) in results {
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
pub fn read_document(content: &Folder, rel: &str) -> (Option<Document>, Vec<Diagnostic>) {
    let source = Path::new(CONTENT_DIR).join(rel);
    let bytes = match content.read(rel) {
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
    parse_text(rel, source, Cow::Owned(text))
}

/// Turns lone carriage returns (classic Mac line ends) into `\n`. YAML and CommonMark read them as
/// line ends too, so without this, positions in messages would count lines differently from the
/// snippet shown under them. CRLF is left alone.
pub fn normalize_line_ends(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: &usize| bytes.get(i + 1) != Some(&b'\n');
    // Every source is read through here, twice in a build: memchr, not a char search.
    if !memchr::memchr_iter(b'\r', bytes).any(|i| lone(&i)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for i in memchr::memchr_iter(b'\r', bytes).filter(lone) {
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
    parse_text(rel, source, Cow::Borrowed(text))
}

/// [`parse_document`]; a text the caller owns becomes the document's without a copy.
fn parse_text(
    rel: &str,
    source: PathBuf,
    text: Cow<'_, str>,
) -> (Option<Document>, Vec<Diagnostic>) {
    let normalized = match normalize_line_ends(&text) {
        Cow::Owned(normalized) => Some(normalized),
        Cow::Borrowed(_) => None,
    };
    let owned = normalized.map_or(text, Cow::Owned);
    let text = &*owned;
    let mut problems = Vec::new();
    if let Some(offset) = memchr::memchr(0, text.as_bytes()) {
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
    let first_heading = match front_matter.title {
        Some(_) => None,
        None => crate::markdown::first_heading(split.body),
    };
    let (has_front_matter, body_line) = (split.yaml.is_some(), split.body_line);
    let text_hash = text_hash(text);
    let document = Document {
        rel: rel.to_string(),
        source,
        front_matter: Arc::new(front_matter),
        has_front_matter,
        text: owned.into_owned(),
        text_hash,
        first_heading,
        body_start,
        body_line,
        released_from: None,
    };
    (Some(document), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_with_reuses_unchanged_files_and_reads_forgotten_ones_again() {
        let site = tempfile::tempdir().expect("temp dir");
        let content = site.path().join(CONTENT_DIR);
        std::fs::create_dir_all(&content).expect("content dir");
        std::fs::write(content.join("a.md"), "# One\n").expect("write");
        let mut parsed = Parsed::default();
        let load = |parsed: &mut Parsed| {
            let mut diagnostics = Diagnostics::new();
            let loaded = load_with(
                site.path(),
                LoadOptions::default(),
                &mut diagnostics,
                Some(parsed),
            );
            loaded.documents[0].first_heading.clone()
        };
        assert_eq!(load(&mut parsed).as_deref(), Some("One"));
        std::fs::write(content.join("a.md"), "# Two\n").expect("write");
        assert_eq!(
            load(&mut parsed).as_deref(),
            Some("Two"),
            "a new stamp is read again"
        );
        // A file system whose clock is too coarse to show the next edit: the stamp stays.
        std::fs::write(content.join("a.md"), "# Six\n").expect("write");
        let now = Stamp::of(&content.join("a.md")).expect("stamp");
        parsed.by_rel.get_mut("a.md").expect("kept").0 = now;
        assert_eq!(
            load(&mut parsed).as_deref(),
            Some("Two"),
            "an unchanged stamp is reused"
        );
        parsed.forget("a.md");
        assert_eq!(
            load(&mut parsed).as_deref(),
            Some("Six"),
            "a forgotten file is read"
        );
    }

    #[test]
    fn load_releases_texts_and_reads_them_again_unless_the_file_changed() {
        let site = tempfile::tempdir().expect("temp dir");
        let content = site.path().join(CONTENT_DIR);
        std::fs::create_dir_all(&content).expect("content dir");
        std::fs::write(
            content.join("a.md"),
            "---\nlayout: page\n---\n# Heading A\r\rText\n",
        )
        .expect("write");
        let mut diagnostics = Diagnostics::new();
        let loaded = load(site.path(), LoadOptions::default(), &mut diagnostics);
        let doc = &loaded.documents[0];
        assert!(doc.text.is_empty() && doc.released_from.is_some());
        // Found before the text went: the fallback title.
        assert_eq!(doc.first_heading.as_deref(), Some("Heading A"));
        let again = doc.with_text().expect("unchanged file");
        assert_eq!(again.body(), "# Heading A\n\nText\n");
        assert!(again.released_from.is_none());

        std::fs::write(content.join("a.md"), "---\nlayout: page\n---\n# Edited\n").expect("write");
        let problem = doc.with_text().expect_err("a changed file is not rendered");
        assert_eq!(
            problem.headline(),
            "content/a.md: error: the file changed or vanished while the site was being built: build again"
        );
        assert_eq!(doc.text_for_messages(), "");
    }

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
