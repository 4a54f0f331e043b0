//! Syntax highlighting of fenced code blocks, with CSS classes instead of inline colours.
//!
//! Highlighting uses [syntect] (Oniguruma regex engine) with the syntax definitions bundled by
//! [two_face], plus three grammars of our own in `src/syntaxes/`:
//!
//! - Protocol Buffers (`protobuf.sublime-syntax`: proto2, proto3 and editions), which two-face
//!   lacks;
//! - Python 3 (`python.sublime-syntax`) and Bash (`bash.sublime-syntax`, also used for the
//!   commands of `console` blocks), for speed. They are the languages of most blocks, and
//!   two-face's grammars for them (many contexts, lookaheads everywhere) are slow: highlighting
//!   was about three quarters of a build's CPU, python over half of that. Ours are written for
//!   syntect's parser: one regex takes most tokens of a context and only ever matches where the
//!   parser stands, so nothing is scanned twice; word lists are grouped by first letter; no
//!   lookbehind. They keep the distinctions the themes colour (keywords, strings and escapes,
//!   comments and docstrings, numbers, definitions, calls, builtins, decorators, f-string fields,
//!   variables, options, heredocs). `cargo bench --bench highlight`, per core, best of four
//!   interleaved runs before and after on the same (shared) machine: python 0.60 → 2.85 MB/s,
//!   bash 0.95 → 2.73 MB/s (protobuf, for comparison, 1.69 and 1.67 MB/s); counted in
//!   instructions, 4.4x and 2.5x fewer. A process that highlights just a python, a bash, a
//!   protobuf and a console block runs 43 % fewer instructions in all: it no longer loads
//!   two-face's set.
//!
//! Lines that come back in the same parser state (braces, imports, shebangs, the boilerplate every
//! page repeats) are replayed from a per-thread memo instead of parsed again (see `lines`): on the
//! benchmark corpus, whose code lines repeat a lot, a cold build runs about 37 % fewer
//! instructions.
//!
//! two-face's syntaxes are compiled into the binary and deserialised once per process, on first
//! use; each of our grammars is compiled from its embedded YAML into a small set of its own (a few
//! milliseconds) the first time a block needs it. Names that only two-face knows for Python or
//! Bash (`pyw`, …) stay with two-face. Tokens become `<span class="hl-…">` elements (one
//! class per scope atom, prefixed with [`CLASS_PREFIX`]); [`theme_css`] turns a light and a dark
//! theme into the matching stylesheet.
//!
//! # Output
//!
//! ```html
//! <pre class="highlight" data-lang="python"><code class="language-python">…spans…</code></pre>
//! ```
//!
//! `data-lang` and `language-…` carry the canonical language name (`py` → `python`, `proto3` →
//! `protobuf`, `c++` → `cpp`). A block without an info string has neither.
//!
//! # Fence info strings
//!
//! The first word is the language, matched case-insensitively against an alias table
//! (`proto`/`protoc`/`proto2`/`proto3` → protobuf, `py` → python, `sh`/`shell`/`zsh` → bash,
//! `shell-session` → console, `yml` → yaml, `c++`/`cc`/`hpp` → cpp, `rs` → rust, `patch` → diff, …)
//! and then against every syntax bundled with two-face, by file extension and by name
//! (`kotlin`, `ts`, `lua`, …). `text`, `txt`, `plain` and an empty info string give plain text.
//! A language that is not known at all is rendered as escaped plain text and reported through
//! [`HighlightedBlock::unknown_language`].
//!
//! Options follow the language, separated by commas or spaces:
//!
//! | option | meaning |
//! | --- | --- |
//! | `linenos` (also `linenums`, `numberLines`, `number-lines`, `line-numbers`) | number the lines |
//! | `linenostart=N` (also `start=N`, `startFrom=N`) | first line number (default 1) |
//! | `hl_lines=2-4` (also `hl-lines`, `highlight`, `mark`, `emphasize-lines`) | highlight lines 2 to 4 |
//! | `{2,5-6}` | highlight lines 2, 5 and 6 |
//!
//! Line ranges may continue after `hl_lines=`: `python linenos hl_lines=2 5-6` highlights lines 2, 5
//! and 6, and so do `hl_lines="2 5-6"` and `hl_lines=2,5-6`. Highlighted line numbers count from
//! the first line of the block, whatever `linenostart` says. Unknown options are ignored (so
//! rustdoc's `rust,ignore` works).
//!
//! Pandoc attribute syntax is accepted too: `{.cpp}`, `{.python .numberLines startFrom="10"}`,
//! `{#listing-1 .proto hl_lines="3"}`. The first class that is not an option names the language.
//!
//! With line numbers or highlighted lines each line is wrapped as
//! `<span class="line">` (or `<span class="line hl">`), the number as
//! `<span class="ln" aria-hidden="true">N</span>`, and the newline follows the line's span.
//!
//! # Console sessions
//!
//! `console` (also `shell-session`, `terminal`) shows a shell session: a line that starts with a
//! prompt (`$ `, `# `, `% `, `user@host:~/dir$ `, `[user@host dir]$ `, optionally after a
//! `(venv) ` marker) has the prompt in `<span class="hl-prompt">` and the command highlighted as
//! bash. A command ending in `\` continues on the next line, and a `> ` line right after a
//! command is a continuation prompt. Every other line is output: escaped, without spans.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use syntect::highlighting::{Color, Theme};
use syntect::html::{ClassStyle, css_for_theme_with_class_style};
use syntect::parsing::{
    ParseState, SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder,
};
use syntect::util::LinesWithEndings;

/// Prefix of every class that the highlighter emits for a scope (`hl-keyword`, `hl-string`, …).
pub const CLASS_PREFIX: &str = "hl-";

/// The class style used both for the HTML and for the theme stylesheet.
pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed {
    prefix: CLASS_PREFIX,
};

/// Default light theme (one of [`available_themes`]).
pub const DEFAULT_LIGHT_THEME: &str = "InspiredGitHub";

/// Default dark theme (one of [`available_themes`]).
pub const DEFAULT_DARK_THEME: &str = "OneHalfDark";

/// Name of our own Protocol Buffers syntax, in [`protobuf_syntax_set`].
pub const PROTOBUF_SYNTAX_NAME: &str = "Protocol Buffers (upnotes)";

/// Name of our own Python syntax, in [`python_syntax_set`].
pub const PYTHON_SYNTAX_NAME: &str = "Python (upnotes)";

/// Name of our own Bash syntax, in [`bash_syntax_set`] (also used for `console` commands).
pub const BASH_SYNTAX_NAME: &str = "Bourne Again Shell (upnotes)";

/// Lines longer than this (in bytes) are not parsed, only escaped: a single minified or
/// base64 line could otherwise take seconds. The parser state carries on with the next line.
const MAX_LINE_LEN: usize = 16 * 1024;

/// Blocks larger than this (in bytes) are rendered as plain text: syntect parses about 1 MB/s.
const MAX_BLOCK_LEN: usize = 4 * 1024 * 1024;

const PROTOBUF_SYNTAX: &str = include_str!("../syntaxes/protobuf.sublime-syntax");
const PYTHON_SYNTAX: &str = include_str!("../syntaxes/python.sublime-syntax");
const BASH_SYNTAX: &str = include_str!("../syntaxes/bash.sublime-syntax");

mod cache;
mod lines;
mod spans;

pub use lines::set_enabled as set_line_memo;
pub use spans::Styling;
pub mod store;

static SYNTAX_SET: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// Our own grammars, each in a set of its own: rebuilding two-face's set with more syntaxes
/// (`into_builder()` + `build()`) re-links every context and costs about half a second, while
/// compiling one grammar alone from its YAML takes a few milliseconds, and only for the languages
/// a process actually meets.
static PROTOBUF_SET: LazyLock<SyntaxSet> = LazyLock::new(|| own_set(PROTOBUF_SYNTAX));
static PYTHON_SET: LazyLock<SyntaxSet> = LazyLock::new(|| own_set(PYTHON_SYNTAX));
static BASH_SET: LazyLock<SyntaxSet> = LazyLock::new(|| own_set(BASH_SYNTAX));

/// A set holding one embedded grammar. The grammars are tested to load; were one broken, its
/// language would be plain text.
fn own_set(yaml: &str) -> SyntaxSet {
    let mut builder = SyntaxSetBuilder::new();
    if let Ok(def) = SyntaxDefinition::load_from_str(yaml, true, None) {
        builder.add(def);
    }
    builder.build()
}

/// The set of one of our own syntaxes, by name; `None` for two-face's syntaxes.
fn own_set_for(name: &str) -> Option<&'static SyntaxSet> {
    match name {
        PROTOBUF_SYNTAX_NAME => Some(&PROTOBUF_SET),
        PYTHON_SYNTAX_NAME => Some(&PYTHON_SET),
        BASH_SYNTAX_NAME => Some(&BASH_SET),
        _ => None,
    }
}

/// The syntax set bundled with two-face (loaded on first use, then shared).
pub fn syntax_set() -> &'static SyntaxSet {
    &SYNTAX_SET
}

/// The set holding our protobuf syntax ([`PROTOBUF_SYNTAX_NAME`]).
pub fn protobuf_syntax_set() -> &'static SyntaxSet {
    &PROTOBUF_SET
}

/// The set holding our Python syntax ([`PYTHON_SYNTAX_NAME`]).
pub fn python_syntax_set() -> &'static SyntaxSet {
    &PYTHON_SET
}

/// The set holding our Bash syntax ([`BASH_SYNTAX_NAME`]).
pub fn bash_syntax_set() -> &'static SyntaxSet {
    &BASH_SET
}

/// Loads the syntaxes now rather than on the first highlighted block (useful before fanning out
/// to worker threads, or to time the load).
pub fn preload() {
    LazyLock::force(&SYNTAX_SET);
    LazyLock::force(&PROTOBUF_SET);
    LazyLock::force(&PYTHON_SET);
    LazyLock::force(&BASH_SET);
}

/// A fenced code block rendered to HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HighlightedBlock {
    /// The complete `<pre>...</pre>` element.
    pub html: String,
    /// Set when the info string named a language that is not known, so the caller can warn once.
    pub unknown_language: Option<String>,
}

/// A parsed fence info string (see the module documentation for the syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceInfo {
    /// The language as written (may be empty).
    pub lang: String,
    /// Number the lines.
    pub line_numbers: bool,
    /// The number of the first line.
    pub line_start: usize,
    /// Lines to highlight, counted from 1 at the first line of the block.
    pub highlight_lines: Vec<RangeInclusive<usize>>,
}

impl Default for FenceInfo {
    fn default() -> Self {
        Self {
            lang: String::new(),
            line_numbers: false,
            line_start: 1,
            highlight_lines: Vec::new(),
        }
    }
}

impl FenceInfo {
    /// Parses a raw info string; never fails, ignores what it does not understand.
    pub fn parse(info: &str) -> Self {
        let mut fence = Self::default();
        let info = info.trim();
        let pandoc = info.len() >= 2 && info.starts_with('{') && info.ends_with('}');
        let body = if pandoc {
            &info[1..info.len() - 1]
        } else {
            info
        };
        let mut in_hl_list = false;
        for (index, token) in tokenize(body).into_iter().enumerate() {
            if let Some((key, value)) = token.split_once('=') {
                in_hl_list = fence.apply_option(key, unquote(value));
                continue;
            }
            if in_hl_list && parse_ranges(token, &mut fence.highlight_lines) {
                continue;
            }
            in_hl_list = false;
            if pandoc {
                if let Some(class) = token.strip_prefix('.') {
                    if !fence.apply_flag(class) && fence.lang.is_empty() {
                        fence.lang = class.to_string();
                    }
                } else if token.starts_with('#') {
                    // An element id: nothing to do with highlighting.
                } else if !fence.apply_flag(token) && fence.lang.is_empty() && index == 0 {
                    fence.lang = token.to_string();
                }
            } else if index == 0 && !token.starts_with('{') {
                fence.lang = token.trim_start_matches('.').to_string();
            } else if let Some(inner) = token.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                parse_ranges(inner, &mut fence.highlight_lines);
            } else {
                fence.apply_flag(token);
            }
        }
        fence
    }

    /// A bare word option; returns whether it was one.
    fn apply_flag(&mut self, flag: &str) -> bool {
        if is_line_numbers_key(flag) {
            self.line_numbers = true;
            true
        } else {
            false
        }
    }

    /// A `key=value` option; returns whether more bare line ranges may follow.
    fn apply_option(&mut self, key: &str, value: &str) -> bool {
        let key = key.trim().to_ascii_lowercase();
        match key.as_str() {
            "hl_lines" | "hl-lines" | "hllines" | "highlight" | "mark" | "emphasize-lines"
            | "emphasize_lines" => {
                parse_ranges(value, &mut self.highlight_lines);
                return true;
            }
            "linenostart" | "linenos_start" | "start" | "startfrom" | "start-from"
            | "start_from" | "startline" | "firstline" => {
                if let Ok(n) = value.trim().parse::<usize>() {
                    self.line_start = n.min(1_000_000_000);
                }
            }
            _ if is_line_numbers_key(&key) => {
                self.line_numbers = !matches!(
                    value.trim().to_ascii_lowercase().as_str(),
                    "false" | "no" | "off" | "0" | "none"
                );
            }
            _ => {}
        }
        false
    }

    fn wraps_lines(&self) -> bool {
        self.line_numbers || !self.highlight_lines.is_empty()
    }

    fn is_highlighted(&self, line: usize) -> bool {
        self.highlight_lines.iter().any(|r| r.contains(&line))
    }
}

fn is_line_numbers_key(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "linenos"
            | "linenums"
            | "line-numbers"
            | "line_numbers"
            | "linenumbers"
            | "numberlines"
            | "number-lines"
            | "number_lines"
            | "numbered"
    )
}

/// Splits on commas and whitespace, keeping quoted values and `{…}` groups together.
fn tokenize(s: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut braces = 0usize;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            '{' => {
                braces += 1;
                start.get_or_insert(i);
            }
            '}' => {
                braces = braces.saturating_sub(1);
                start.get_or_insert(i);
            }
            c if (c == ',' || c.is_whitespace()) && braces == 0 => {
                if let Some(st) = start.take() {
                    tokens.push(&s[st..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(st) = start {
        tokens.push(&s[st..]);
    }
    tokens
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// Parses `2`, `2-4`, `2 5-6`, `2,5-6`, `{2,5}` into `out`; false if any part is not a range.
fn parse_ranges(s: &str, out: &mut Vec<RangeInclusive<usize>>) -> bool {
    let s = s.trim().trim_start_matches('{').trim_end_matches('}');
    let mut parsed = Vec::new();
    for part in s.split(|c: char| c == ',' || c.is_whitespace()) {
        if part.is_empty() {
            continue;
        }
        let range = match part.split_once('-') {
            Some((a, b)) => match (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                (Ok(a), Ok(b)) => a.min(b)..=a.max(b),
                _ => return false,
            },
            None => match part.parse::<usize>() {
                Ok(n) => n..=n,
                Err(_) => return false,
            },
        };
        parsed.push(range);
    }
    if parsed.is_empty() {
        return false;
    }
    out.extend(parsed);
    true
}

/// What a language name resolves to.
#[derive(Debug, Clone, Copy)]
enum Target {
    Plain,
    Console,
    Syntax(&'static SyntaxReference, &'static SyntaxSet),
}

/// Canonical name and syntax name for the languages we name explicitly.
fn alias(lang: &str) -> Option<(&'static str, Option<&'static str>)> {
    let found = match lang {
        "text" | "txt" | "plain" | "plaintext" | "plain-text" | "none" | "nohighlight"
        | "output" => ("text", None),
        "console" | "shell-session" | "shellsession" | "sh-session" | "terminal"
        | "shell_session" => ("console", None),
        "protobuf" | "proto" | "protoc" | "proto2" | "proto3" | "protocol-buffers"
        | "protocolbuffers" | "protocol_buffers" => ("protobuf", Some(PROTOBUF_SYNTAX_NAME)),
        "python" | "py" | "python3" | "py3" | "python2" | "py2" | "pyi" => {
            ("python", Some(PYTHON_SYNTAX_NAME))
        }
        "bash" | "sh" | "shell" | "zsh" | "ksh" | "ash" | "dash" | "shellscript" => {
            ("bash", Some(BASH_SYNTAX_NAME))
        }
        "json" | "jsonc" | "json5" | "jsonl" => ("json", Some("JSON")),
        "yaml" | "yml" => ("yaml", Some("YAML")),
        "toml" => ("toml", Some("TOML")),
        "cpp" | "c++" | "cc" | "cxx" | "hpp" | "hh" | "hxx" | "h++" | "cplusplus" => {
            ("cpp", Some("C++"))
        }
        "c" | "h" => ("c", Some("C")),
        "java" => ("java", Some("Java")),
        "go" | "golang" => ("go", Some("Go")),
        "rust" | "rs" => ("rust", Some("Rust")),
        "scala" | "sbt" | "sc" => ("scala", Some("Scala")),
        "sql" | "mysql" | "postgresql" | "postgres" | "pgsql" | "sqlite" | "plsql" => {
            ("sql", Some("SQL"))
        }
        "xml" | "xsd" | "xsl" | "xslt" | "svg" | "pom" | "wsdl" => ("xml", Some("XML")),
        "html" | "htm" | "xhtml" => ("html", Some("HTML")),
        "diff" | "patch" | "udiff" => ("diff", Some("Diff")),
        "dockerfile" | "docker" | "containerfile" => ("dockerfile", Some("Dockerfile")),
        "ini" | "cfg" | "dosini" | "editorconfig" => ("ini", Some("INI")),
        _ => return None,
    };
    Some(found)
}

/// Resolves a language as written in a fence to (canonical name, target); `None` if unknown.
fn resolve(lang: &str) -> Option<(Cow<'static, str>, Target)> {
    let lower = lang.to_lowercase();
    let lower = lower
        .strip_prefix("language-")
        .or_else(|| lower.strip_prefix("lang-"))
        .unwrap_or(&lower);
    if lower.is_empty() {
        return Some((Cow::Borrowed(""), Target::Plain));
    }
    if let Some((canonical, syntax)) = alias(lower) {
        let target = match (canonical, syntax) {
            ("console", _) => Target::Console,
            (_, None) => Target::Plain,
            (_, Some(name)) => {
                // Our own grammars do not need two-face's set loaded at all.
                let set = own_set_for(name).unwrap_or_else(syntax_set);
                // Only missing if the embedded data were broken: then the block is plain text.
                set.find_syntax_by_name(name)
                    .map_or(Target::Plain, |syntax| Target::Syntax(syntax, set))
            }
        };
        return Some((Cow::Borrowed(canonical), target));
    }
    let set = syntax_set();
    let syntax = set.find_syntax_by_token(lower)?;
    if syntax.name == "Plain Text" {
        return Some((Cow::Owned(lower.to_string()), Target::Plain));
    }
    Some((Cow::Owned(lower.to_string()), Target::Syntax(syntax, set)))
}

/// Renders one fenced code block; `info` is the raw info string (`python`, `{.cpp}`,
/// `proto,linenos`). Never panics: anything syntect cannot handle is rendered as plain text.
/// Spans are written for every scope that any bundled theme can style; a site uses
/// [`highlight_block_for`] with its own themes.
pub fn highlight_block(info: &str, code: &str) -> HighlightedBlock {
    highlight_block_for(info, code, Styling::all())
}

/// [`highlight_block`] with spans only where `styling`'s themes can colour them.
pub fn highlight_block_for(info: &str, code: &str, styling: &'static Styling) -> HighlightedBlock {
    let key = store::key(styling.name(), info, code);
    if let Some(block) = cache::get(key).or_else(|| store::get(key)) {
        return block;
    }
    let block = highlight_uncached(info, code, styling);
    store::put(key, &block);
    cache::insert(key, &block);
    block
}

/// [`highlight_block_for`] without the caches.
fn highlight_uncached(info: &str, code: &str, styling: &'static Styling) -> HighlightedBlock {
    let fence = FenceInfo::parse(info);
    let code = normalize_newlines(code);
    let (name, target, unknown_language) = match resolve(&fence.lang) {
        Some((name, target)) => (name, target, None),
        None => (
            Cow::Owned(fence.lang.to_lowercase()),
            Target::Plain,
            Some(fence.lang.clone()),
        ),
    };

    let mut html = String::with_capacity(code.len() * 3 + 96);
    html.push_str("<pre class=\"highlight\"");
    if !name.is_empty() {
        let name = escape(&name);
        let _ = write!(
            html,
            " data-lang=\"{name}\"><code class=\"language-{name}\">"
        );
    } else {
        html.push_str("><code>");
    }

    let body = match target {
        Target::Plain => None,
        _ if code.len() > MAX_BLOCK_LEN => None,
        Target::Console => guarded(|| console_body(&code, &fence, styling)),
        Target::Syntax(syntax, set) => guarded(|| syntax_body(syntax, set, &code, &fence, styling)),
    };
    match body {
        Some(body) => html.push_str(&body),
        None => plain_body(&code, &fence, &mut html),
    }
    html.push_str("</code></pre>\n");
    HighlightedBlock {
        html,
        unknown_language,
    }
}

/// Runs a highlighter; any error or panic inside syntect means "use plain text instead".
fn guarded(f: impl FnOnce() -> Result<String, syntect::Error>) -> Option<String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(html)) => Some(html),
        Ok(Err(_)) | Err(_) => None,
    }
}

fn normalize_newlines(code: &str) -> Cow<'_, str> {
    if code.contains('\r') {
        Cow::Owned(code.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(code)
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut *out, s);
}

/// Splits a line from [`LinesWithEndings`] into its text and its newline.
fn split_newline(line: &str) -> (&str, &str) {
    match line.strip_suffix('\n') {
        Some(text) => (text, "\n"),
        None => (line, ""),
    }
}

/// Emits the per-line wrapper (`<span class="line">` and the number) when the fence asks for it.
fn open_line(out: &mut String, fence: &FenceInfo, index: usize) {
    out.push_str(if fence.is_highlighted(index + 1) {
        "<span class=\"line hl\">"
    } else {
        "<span class=\"line\">"
    });
    if fence.line_numbers {
        let n = fence.line_start.saturating_add(index);
        let _ = write!(out, "<span class=\"ln\" aria-hidden=\"true\">{n}</span>");
    }
}

fn plain_body(code: &str, fence: &FenceInfo, out: &mut String) {
    if !fence.wraps_lines() {
        push_escaped(out, code);
        return;
    }
    for (index, line) in LinesWithEndings::from(code).enumerate() {
        let (text, newline) = split_newline(line);
        open_line(out, fence, index);
        push_escaped(out, text);
        out.push_str("</span>");
        out.push_str(newline);
    }
}

/// Incremental highlighter for one syntax: keeps the parser state and the scope stack across
/// lines, and can render each line with balanced `<span>`s (reopening the open scopes).
struct LineHighlighter {
    set: &'static SyntaxSet,
    state: ParseState,
    spans: spans::Spans,
    /// Lines were rendered balanced, so no span is left open at the end.
    balanced: bool,
}

impl LineHighlighter {
    fn new(syntax: &SyntaxReference, set: &'static SyntaxSet, styling: &'static Styling) -> Self {
        Self {
            set,
            state: ParseState::new(syntax),
            spans: spans::Spans::new(styling),
            balanced: false,
        }
    }

    /// Highlights `line` (with its newline, if any). With `balanced`, the spans of the scopes
    /// still open are reopened first and everything is closed at the end, and the newline itself
    /// is not written (the caller writes it after its line wrapper).
    fn line(&mut self, line: &str, balanced: bool, out: &mut String) -> Result<(), syntect::Error> {
        let set = self.set;
        let place = lines::Place {
            set,
            balanced,
            line,
        };
        lines::highlight(
            place,
            &mut self.state,
            &mut self.spans,
            out,
            |state, spans, out| {
                let text = if balanced {
                    split_newline(line).0
                } else {
                    line
                };
                if balanced {
                    spans.reopen(out);
                }
                if line.len() > MAX_LINE_LEN {
                    push_escaped(out, text);
                } else {
                    let ops = state.parse_line(line, set)?;
                    spans.line(text, &ops, out)?;
                }
                if balanced {
                    close_spans(out, spans.open());
                }
                Ok(())
            },
        )?;
        self.balanced |= balanced;
        Ok(())
    }

    fn finish(self, out: &mut String) {
        if !self.balanced {
            close_spans(out, self.spans.open());
        }
    }
}

fn close_spans(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("</span>");
    }
}

fn syntax_body(
    syntax: &SyntaxReference,
    set: &'static SyntaxSet,
    code: &str,
    fence: &FenceInfo,
    styling: &'static Styling,
) -> Result<String, syntect::Error> {
    let mut out = String::with_capacity(code.len() * 3);
    let mut hl = LineHighlighter::new(syntax, set, styling);
    let wrap = fence.wraps_lines();
    for (index, line) in LinesWithEndings::from(code).enumerate() {
        if wrap {
            open_line(&mut out, fence, index);
            hl.line(line, true, &mut out)?;
            out.push_str("</span>");
            out.push_str(split_newline(line).1);
        } else {
            hl.line(line, false, &mut out)?;
        }
    }
    hl.finish(&mut out);
    Ok(out)
}

fn console_body(
    code: &str,
    fence: &FenceInfo,
    styling: &'static Styling,
) -> Result<String, syntect::Error> {
    let set = bash_syntax_set();
    let Some(bash) = set.find_syntax_by_name(BASH_SYNTAX_NAME) else {
        return Err(std::fmt::Error.into());
    };
    let mut out = String::with_capacity(code.len() * 3);
    let wrap = fence.wraps_lines();
    let mut command: Option<LineHighlighter> = None;
    // The previous line was (part of) a command, and ended with a backslash.
    let mut continued = false;
    for (index, line) in LinesWithEndings::from(code).enumerate() {
        let (text, newline) = split_newline(line);
        if wrap {
            open_line(&mut out, fence, index);
        }
        let prompt = if continued {
            Some(0)
        } else {
            prompt_len(text, command.is_some())
        };
        match prompt {
            Some(len) => {
                let (prompt, rest) = text.split_at(len);
                if !prompt.is_empty() {
                    out.push_str("<span class=\"hl-prompt\">");
                    push_escaped(&mut out, prompt);
                    out.push_str("</span>");
                }
                // A new `$ ` prompt starts a fresh parse; continuations keep the state.
                let is_new = !continued && !prompt.trim_end().ends_with('>');
                let hl = match &mut command {
                    Some(hl) if !is_new => hl,
                    slot => slot.insert(LineHighlighter::new(bash, set, styling)),
                };
                let mut parsed = String::with_capacity(rest.len() + 1);
                parsed.push_str(rest);
                parsed.push('\n');
                hl.line(&parsed, true, &mut out)?;
                continued = rest.trim_end().ends_with('\\');
            }
            None => {
                command = None;
                continued = false;
                push_escaped(&mut out, text);
            }
        }
        if wrap {
            out.push_str("</span>");
        }
        out.push_str(newline);
    }
    Ok(out)
}

/// Length in bytes of the shell prompt at the start of `line` (including the space after it),
/// or `None` if the line does not start with a prompt. `> ` only counts right after a command.
fn prompt_len(line: &str, after_command: bool) -> Option<usize> {
    let mut start = 0;
    // A virtualenv / conda marker: `(venv) $ `.
    if line.starts_with('(')
        && let Some(close) = line.find(") ")
        && close < 64
        && !line[1..close].contains(char::is_whitespace)
    {
        start = close + 2;
    }
    let rest = &line[start..];
    let end_of_prompt = |after: &str, consumed: usize| -> Option<usize> {
        if after.is_empty() {
            Some(start + consumed)
        } else if after.starts_with(' ') {
            Some(start + consumed + 1)
        } else {
            None
        }
    };
    // `[user@host dir]$ `
    if rest.starts_with('[') {
        if let Some(close) = rest.find(']') {
            let tail = &rest[close + 1..];
            if close < 128 && (tail.starts_with('$') || tail.starts_with('#')) {
                return end_of_prompt(&tail[1..], close + 2);
            }
        }
        return None;
    }
    let token_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let token = &rest[..token_end];
    let last = token.chars().last()?;
    if !matches!(last, '$' | '#' | '%' | '>') {
        return None;
    }
    let head = &token[..token.len() - 1];
    let is_prompt = if head.is_empty() {
        last != '>' || after_command
    } else {
        last != '>'
            && head.contains(['@', ':', '~'])
            && head
                .chars()
                .all(|c| c.is_alphanumeric() || "@:~/._-+".contains(c))
    };
    if !is_prompt {
        return None;
    }
    end_of_prompt(&rest[token_end..], token_end)
}

/// Why [`theme_css`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    /// The theme name is not one of [`available_themes`].
    #[error("unknown highlight theme {name:?} (available: {available})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The available names, comma-separated.
        available: String,
    },
    /// syntect could not turn the theme into CSS.
    #[error("cannot generate CSS for highlight theme {name:?}: {message}")]
    Css {
        /// The theme.
        name: String,
        /// syntect's error.
        message: String,
    },
}

static THEMES: LazyLock<two_face::theme::LazyThemeSet> =
    LazyLock::new(|| two_face::theme::LazyThemeSet::from(two_face::theme::extra()));

/// Names of the themes that [`theme_css`] accepts.
pub fn available_themes() -> Vec<&'static str> {
    THEMES.theme_names().collect()
}

fn find_theme(name: &str) -> Result<(&'static str, &'static Theme), ThemeError> {
    let found = THEMES
        .theme_names()
        .find(|n| *n == name)
        .or_else(|| THEMES.theme_names().find(|n| n.eq_ignore_ascii_case(name)));
    found
        .and_then(|n| THEMES.get(n).map(|t| (n, t)))
        .ok_or_else(|| ThemeError::Unknown {
            name: name.to_string(),
            available: available_themes().join(", "),
        })
}

/// CSS for one theme, unconditional: token colours plus the block's colours on `pre.highlight`.
pub fn single_theme_css(name: &str) -> Result<String, ThemeError> {
    let (name, theme) = find_theme(name)?;
    let css = css_for_theme_with_class_style(theme, CLASS_STYLE).map_err(|e| ThemeError::Css {
        name: name.to_string(),
        message: e.to_string(),
    })?;
    // syntect puts the theme's own foreground/background on `.hl-code`; our blocks are
    // `<pre class="highlight">`.
    let code_selector = format!(".{CLASS_PREFIX}code {{");
    let mut css = css.replacen(&code_selector, "pre.highlight {", 1);
    let settings = &theme.settings;
    let line_hl = settings
        .line_highlight
        .map_or_else(|| "rgba(127, 127, 127, 0.18)".to_string(), css_color);
    let _ = writeln!(
        css,
        "pre.highlight .line.hl {{\n background-color: {line_hl};\n}}"
    );
    if let Some(gutter) = settings.gutter_foreground.or(settings.foreground) {
        let _ = writeln!(
            css,
            "pre.highlight .ln {{\n color: {};\n}}",
            css_color(gutter)
        );
    }
    Ok(css)
}

fn css_color(c: Color) -> String {
    if c.a == 0xff {
        format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
    } else {
        format!(
            "rgba({}, {}, {}, {:.3})",
            c.r,
            c.g,
            c.b,
            f32::from(c.a) / 255.0
        )
    }
}

/// Layout rules that do not depend on the theme.
const BASE_CSS: &str = "\
pre.highlight .hl-prompt, pre.highlight .ln {
 -webkit-user-select: none;
 user-select: none;
}
pre.highlight .ln {
 display: inline-block;
 min-width: 2.5em;
 padding-right: 1em;
 text-align: right;
 opacity: 0.6;
}
pre.highlight .line.hl {
 display: inline-block;
 min-width: 100%;
}
";

/// The `highlight.css` stylesheet: the light theme inside `@media (prefers-color-scheme: light)`
/// and the dark theme inside `@media (prefers-color-scheme: dark)`, so that no colour of one
/// leaks into the other, plus a few layout rules (prompt, line numbers, highlighted lines).
/// Theme names are those of [`available_themes`] (matched case-insensitively).
pub fn theme_css(light: &str, dark: &str) -> Result<String, ThemeError> {
    let light_css = single_theme_css(light)?;
    let dark_css = single_theme_css(dark)?;
    let mut css = String::with_capacity(light_css.len() + dark_css.len() + 512);
    let _ = writeln!(
        css,
        "/* Syntax highlighting: light theme {light:?}, dark theme {dark:?}. */\n"
    );
    css.push_str(BASE_CSS);
    for (query, body) in [("light", &light_css), ("dark", &dark_css)] {
        let _ = writeln!(css, "\n@media (prefers-color-scheme: {query}) {{");
        for line in body.lines() {
            if !line.is_empty() {
                css.push_str("  ");
                css.push_str(line);
            }
            css.push('\n');
        }
        css.push_str("}\n");
    }
    Ok(css)
}

/// [`theme_css`] with [`DEFAULT_LIGHT_THEME`] and [`DEFAULT_DARK_THEME`].
pub fn default_theme_css() -> String {
    theme_css(DEFAULT_LIGHT_THEME, DEFAULT_DARK_THEME).unwrap_or_else(|_| BASE_CSS.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_grammar_loads_and_is_in_the_set() {
        SyntaxDefinition::load_from_str(PROTOBUF_SYNTAX, true, None).expect("grammar parses");
        assert!(
            protobuf_syntax_set()
                .find_syntax_by_name(PROTOBUF_SYNTAX_NAME)
                .is_some()
        );
    }

    #[test]
    fn python_and_bash_grammars_load_and_are_used() {
        for (yaml, name, set) in [
            (PYTHON_SYNTAX, PYTHON_SYNTAX_NAME, python_syntax_set()),
            (BASH_SYNTAX, BASH_SYNTAX_NAME, bash_syntax_set()),
        ] {
            // Loading also compiles every regex of the grammar.
            SyntaxDefinition::load_from_str(yaml, true, None).expect("grammar parses");
            assert!(set.find_syntax_by_name(name).is_some(), "{name}");
        }
        for (langs, canonical, name) in [
            (
                &["python", "py", "python3", "py3", "PY", "language-python"][..],
                "python",
                PYTHON_SYNTAX_NAME,
            ),
            (
                &["bash", "sh", "shell", "zsh", "Bash"][..],
                "bash",
                BASH_SYNTAX_NAME,
            ),
        ] {
            for lang in langs {
                let (found, target) = resolve(lang).expect(lang);
                assert_eq!(found, canonical, "{lang}");
                assert!(
                    matches!(target, Target::Syntax(s, _) if s.name == name),
                    "{lang}"
                );
            }
        }
        // Other names of the same languages that only two-face knows stay with two-face.
        assert!(matches!(resolve("pyw"), Some((_, Target::Syntax(s, _))) if s.name == "Python"));
    }

    #[test]
    fn every_alias_resolves_to_a_syntax() {
        for lang in [
            "protobuf",
            "proto",
            "python",
            "bash",
            "json",
            "yaml",
            "toml",
            "cpp",
            "c",
            "java",
            "go",
            "rust",
            "scala",
            "sql",
            "xml",
            "html",
            "diff",
            "dockerfile",
            "ini",
        ] {
            let (_, target) = resolve(lang).expect(lang);
            assert!(matches!(target, Target::Syntax(..)), "{lang}");
        }
        assert!(matches!(resolve("console"), Some((_, Target::Console))));
        assert!(matches!(resolve("TEXT"), Some((_, Target::Plain))));
        assert!(resolve("no-such-language").is_none());
        // Not in the alias table: found through two-face.
        assert!(matches!(resolve("kotlin"), Some((_, Target::Syntax(..)))));
        assert!(
            matches!(resolve("h"), Some((n, Target::Syntax(s, _))) if n == "c" && s.name == "C")
        );
    }

    #[test]
    fn fence_info_forms() {
        let f = FenceInfo::parse("python,linenos,hl_lines=2-4");
        assert_eq!(f.lang, "python");
        assert!(f.line_numbers);
        assert_eq!(f.highlight_lines, vec![2..=4]);

        let f = FenceInfo::parse("python linenos hl_lines=2 5-6");
        assert_eq!(f.highlight_lines, vec![2..=2, 5..=6]);

        let f = FenceInfo::parse("python hl_lines=\"2 5-6\" linenostart=10");
        assert_eq!(f.highlight_lines, vec![2..=2, 5..=6]);
        assert_eq!(f.line_start, 10);
        assert!(!f.line_numbers);

        let f = FenceInfo::parse("{.python .numberLines startFrom=\"7\"}");
        assert_eq!(f.lang, "python");
        assert!(f.line_numbers);
        assert_eq!(f.line_start, 7);

        let f = FenceInfo::parse("{#id .cpp}");
        assert_eq!(f.lang, "cpp");

        let f = FenceInfo::parse("rust {2,5-6}");
        assert_eq!(f.lang, "rust");
        assert_eq!(f.highlight_lines, vec![2..=2, 5..=6]);

        let f = FenceInfo::parse("rust,ignore");
        assert_eq!(f.lang, "rust");
        assert!(!f.wraps_lines());

        assert_eq!(FenceInfo::parse(""), FenceInfo::default());
        assert_eq!(FenceInfo::parse("{}").lang, "");
        assert_eq!(
            FenceInfo::parse("hl_lines=99999999999999999999999").lang,
            ""
        );
    }

    #[test]
    fn prompts() {
        assert_eq!(prompt_len("$ ls", false), Some(2));
        assert_eq!(prompt_len("$", false), Some(1));
        assert_eq!(prompt_len("# apt-get install x", false), Some(2));
        assert_eq!(prompt_len("% ls", false), Some(2));
        assert_eq!(prompt_len("user@host:~/src$ make", false), Some(17));
        assert_eq!(prompt_len("root@box:/# id", false), Some(12));
        assert_eq!(prompt_len("[me@box tmp]$ ls", false), Some(14));
        assert_eq!(prompt_len("(venv) $ pip install x", false), Some(9));
        assert_eq!(prompt_len("> more", true), Some(2));
        assert_eq!(prompt_len("> quoted output", false), None);
        assert_eq!(prompt_len("$HOME is set", false), None);
        assert_eq!(prompt_len("100% done", false), None);
        assert_eq!(prompt_len("total 0", false), None);
        assert_eq!(prompt_len("", false), None);
    }

    /// The class attributes of the `hl-` spans in `html`, in order.
    fn span_classes(html: &str) -> Vec<String> {
        html.split("<span class=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|classes| classes.starts_with(CLASS_PREFIX))
            .map(str::to_string)
            .collect()
    }

    fn strip_tags(html: &str) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text
    }

    #[test]
    fn the_spans_of_syntect_that_a_theme_can_style_are_kept() {
        use syntect::html::ClassedHTMLGenerator;
        use syntect::parsing::Scope;
        let code = "import os.path\n\n@dataclass\ndef f(x: int) -> str:\n    \"\"\"doc\n    string\"\"\"\n    return f\"{x!r}\" + os.path.join('a', \"b\")  # done\n";
        let set = syntax_set();
        let syntax = set.find_syntax_by_name("Python").unwrap();
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .unwrap();
        }
        let every_span = generator.finalize();
        let ours = syntax_body(syntax, set, code, &FenceInfo::default(), Styling::all()).unwrap();
        assert_eq!(strip_tags(&ours), strip_tags(&every_span), "same text");
        let styled: Vec<String> = span_classes(&every_span)
            .into_iter()
            .filter(|classes| {
                let scope = classes.replace(' ', ".").replace(CLASS_PREFIX, "");
                Styling::all().styles(Scope::new(&scope).unwrap())
            })
            .collect();
        assert_eq!(span_classes(&ours), styled);
        assert!(
            ours.len() < every_span.len(),
            "{} bytes against {}",
            ours.len(),
            every_span.len()
        );
    }

    #[test]
    fn balanced_lines_reopen_multiline_scopes() {
        let html = highlight_block("python linenos", "x = \"\"\"a\nb\"\"\"\n").html;
        // The second line starts inside the string: its span is reopened within the line.
        let second = html.split("<span class=\"line\">").nth(2).unwrap();
        assert!(second.contains("hl-string"), "{second}");
        assert_eq!(
            html.matches("<span").count(),
            html.matches("</span>").count()
        );
    }

    #[test]
    fn replayed_lines_are_what_highlighting_them_again_gives() {
        // Lines that repeat in different states: a brace closing a message or an enum, a line
        // inside and outside a multi-line string, a heredoc, the same line with and without line
        // wrappers, and on a first line.
        let replayable = [
            (
                "protobuf",
                "message A {\n  int32 a = 1;\n}\nenum E {\n  X = 0;\n}\n",
            ),
            (
                "protobuf linenos",
                "message A {\n  int32 a = 1;\n}\nenum E {\n  X = 0;\n}\n",
            ),
            ("python", "x = 1\ns = \"\"\"\nx = 1\n\"\"\"\nx = 1\n"),
            (
                "python hl_lines=2",
                "x = 1\ns = \"\"\"\nx = 1\n\"\"\"\nx = 1\n",
            ),
            ("python", "x = 1\n"),
            ("bash", "cat <<EOF\necho $HOME\nEOF\necho $HOME\n"),
            ("bash linenos", "cat <<EOF\necho $HOME\nEOF\necho $HOME\n"),
            (
                "console",
                "$ echo $HOME\n/root\n$ cat <<EOF\n> echo $HOME\n> EOF\necho $HOME\n",
            ),
        ];
        // The end word is a captured group: these states are never replayed, and must not be
        // mistaken for the `EOF` ones above.
        let captured = [(
            "bash",
            "cat <<END\nEOF\necho $HOME\nEND\necho $HOME\ncat <<EOF\nEND\nEOF\n",
        )];
        let highlight_all = |blocks: &[(&str, &str)]| -> Vec<String> {
            blocks
                .iter()
                .map(|(info, code)| highlight_uncached(info, code, Styling::all()).html)
                .collect()
        };
        set_line_memo(false);
        let expected = [highlight_all(&replayable), highlight_all(&captured)];
        set_line_memo(true);
        // A line is remembered the second time it is seen, and replayed from the third.
        for round in 0..3 {
            let before = lines::entries();
            assert_eq!(highlight_all(&replayable), expected[0], "round {round}");
            if round == 2 {
                assert_eq!(lines::entries(), before, "the third round only replays");
            }
            assert_eq!(highlight_all(&captured), expected[1], "round {round}");
        }
    }

    #[test]
    fn long_lines_are_escaped_not_parsed() {
        let code = format!("x = '{}<'\ny = 1\n", "a".repeat(MAX_LINE_LEN + 10));
        let html = highlight_block("python", &code).html;
        assert!(html.contains("&lt;"));
        assert!(html.contains("hl-constant"));
    }

    #[test]
    fn themes() {
        for name in [DEFAULT_LIGHT_THEME, DEFAULT_DARK_THEME] {
            assert!(available_themes().contains(&name), "{name}");
        }
        assert!(matches!(
            theme_css("no such theme", DEFAULT_DARK_THEME),
            Err(ThemeError::Unknown { .. })
        ));
        assert!(theme_css("nord", "onehalfdark").is_ok());
    }
}
