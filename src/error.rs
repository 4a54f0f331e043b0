//! Errors and warnings that know where they come from: a path, a line, a column and a snippet.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The build continues; `--strict` may turn it into an error.
    Warning,
    /// The build fails and writes nothing.
    Error,
}

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number, in characters.
    pub column: usize,
}

impl Position {
    /// A position at `line`, `column` (both 1-based).
    pub fn new(line: usize, column: usize) -> Self {
        Position { line, column }
    }

    /// The start of a file.
    pub fn start() -> Self {
        Position::new(1, 1)
    }

    /// The position of byte offset `offset` in `source` (clamped to its end).
    pub fn of_offset(source: &str, offset: usize) -> Self {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }
}

/// Turns many byte offsets of one text into positions. Offsets mostly come in order (the links of
/// a page, as written), so it keeps the line it reached last and counts on from there; an offset
/// before that line starts again from the top. Nothing is allocated: every page with a link asks.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// The start of the line reached last, and its number (from 1).
    reached: std::cell::Cell<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            reached: std::cell::Cell::new((0, 1)),
        }
    }

    /// The position of byte `offset`, with line numbers shifted so that the text starts on `first_line`.
    pub fn position(&self, offset: usize, first_line: usize) -> Position {
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let (mut start, mut line) = self.reached.get();
        if end < start {
            (start, line) = (0, 1);
        }
        let bytes = &self.text.as_bytes()[start..end];
        let newlines = memchr::memchr_iter(b'\n', bytes);
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            line += newlines.count();
            start += last + 1;
        }
        self.reached.set((start, line));
        let before = &self.text[start..end];
        let column = if before.is_ascii() {
            before.len()
        } else {
            before.chars().count()
        };
        Position::new(line + first_line - 1, column + 1)
    }
}

/// One located message, printed as `path:line:col: error: message` plus a snippet with a caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the site root where possible.
    pub path: PathBuf,
    /// Where in the file; `None` when the problem is the file as a whole.
    pub position: Option<Position>,
    /// One line saying what is wrong and what to do.
    pub message: String,
    /// The source line the position points into, for the caret display.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// An error about a whole file.
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            position: None,
            message: message.into(),
            source_line: None,
        }
    }

    /// A warning about a whole file.
    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Points the diagnostic at `position`, taking the snippet line from `source`.
    pub fn at(mut self, source: &str, position: Position) -> Self {
        self.source_line = source
            .lines()
            .nth(position.line.saturating_sub(1))
            .map(|line| line.trim_end_matches('\r').to_string());
        self.position = Some(position);
        self
    }

    /// Points the diagnostic at `position` when no source text is at hand (no snippet).
    pub fn at_position(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }

    /// True for errors, false for warnings.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The first line alone: `path:line:col: error: message`.
    pub fn headline(&self) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let path = display_path(&self.path);
        match self.position {
            Some(p) => format!("{path}:{}:{}: {kind}: {}", p.line, p.column, self.message),
            None => format!("{path}: {kind}: {}", self.message),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let (Some(p), Some(line)) = (self.position, &self.source_line) {
            let number = p.line.to_string();
            let gutter = " ".repeat(number.len());
            let shown: String = line.chars().take(160).collect();
            let caret_pad: String = line
                .chars()
                .take(p.column.saturating_sub(1).min(160))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{gutter} |\n{number} | {shown}\n{gutter} | {caret_pad}^"
            )?;
        }
        Ok(())
    }
}

/// Paths are shown with forward slashes on every platform, so messages are stable in tests.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// All diagnostics of one run, kept in a stable order (by path, then position).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds all of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics sorted by path and position, duplicates removed.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.path, a.position, &a.message).cmp(&(&b.path, b.position, &b.message))
        });
        self.items.dedup();
        self.items
    }

    /// Iterates in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Turns every warning into an error (`--strict`).
    pub fn make_strict(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Content, config or template problems; all of them, located.
    #[error("{} error(s) in the content", .0.error_count())]
    Content(Diagnostics),
    /// The command line or the environment is wrong (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// A filesystem operation failed.
    #[error("{action} {}: {source}", display_path(path))]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an IO error with the path and what was being done.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The process exit code for this error: 1 for content and IO problems, 2 for usage.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Content(_) | Error::Io { .. } => 1,
        }
    }
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_of_offset_counts_lines_and_characters() {
        let src = "ab\ncdé\nx";
        assert_eq!(Position::of_offset(src, 0), Position::new(1, 1));
        assert_eq!(Position::of_offset(src, 3), Position::new(2, 1));
        assert_eq!(Position::of_offset(src, 7), Position::new(2, 4));
        assert_eq!(Position::of_offset(src, 999), Position::new(3, 2));
    }

    #[test]
    fn line_index_agrees_with_of_offset() {
        let src = "ab\ncdé\nx";
        let index = LineIndex::new(src);
        // In order, then out of order (from the top again).
        for offset in [0, 1, 3, 5, 7, 8, 9, 99, 6, 2, 8, 0] {
            assert_eq!(
                index.position(offset, 1),
                Position::of_offset(src, offset),
                "{offset}"
            );
        }
        assert_eq!(index.position(3, 10), Position::new(11, 1));
    }

    #[test]
    fn diagnostic_prints_headline_snippet_and_caret() {
        let src = "title: x\nlayout: [\n";
        let d = Diagnostic::error("content/a.md", "bad thing").at(src, Position::new(2, 9));
        assert_eq!(
            d.to_string(),
            "content/a.md:2:9: error: bad thing\n  |\n2 | layout: [\n  |         ^"
        );
    }

    #[test]
    fn sorted_orders_by_path_then_position() {
        let d: Diagnostics = [
            Diagnostic::error("b.md", "x").at_position(Position::new(1, 1)),
            Diagnostic::error("a.md", "y").at_position(Position::new(3, 1)),
            Diagnostic::error("a.md", "z").at_position(Position::new(2, 1)),
        ]
        .into_iter()
        .collect();
        let order: Vec<_> = d.sorted().into_iter().map(|d| d.message).collect();
        assert_eq!(order, ["z", "y", "x"]);
    }
}
