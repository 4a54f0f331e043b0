//! Splitting a Markdown file into YAML front matter and body (pure, on `&str`), and parsing the front matter.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::error::Position;
use crate::yaml;

/// A source file cut into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the `---` lines, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// The Markdown after the front matter.
    pub body: &'a str,
    /// 1-based line of the first YAML line in the file.
    pub yaml_line: usize,
    /// 1-based line of the first body line in the file.
    pub body_line: usize,
}

/// Front matter that opens with `---` but never closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed;

/// Cuts `source` into front matter and body. A UTF-8 byte order mark is skipped; CRLF line ends work.
///
/// Front matter starts with a `---` line at the very top and ends with a `---` (or `...`) line.
pub fn split(source: &str) -> Result<Split<'_>, Unclosed> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let no_front_matter = Split {
        yaml: None,
        body: source,
        yaml_line: 1,
        body_line: 1,
    };
    let Some(first_end) = line_end(source, 0) else {
        return Ok(no_front_matter);
    };
    if !is_delimiter(&source[..first_end.content], "---") {
        return Ok(no_front_matter);
    }
    let yaml_start = first_end.next;
    let mut at = yaml_start;
    let mut line = 2;
    while let Some(end) = line_end(source, at) {
        let text = &source[at..end.content];
        if is_delimiter(text, "---") || is_delimiter(text, "...") {
            return Ok(Split {
                yaml: Some(&source[yaml_start..at]),
                body: &source[end.next..],
                yaml_line: 2,
                body_line: line + 1,
            });
        }
        at = end.next;
        line += 1;
    }
    Err(Unclosed)
}

struct LineEnd {
    /// End of the line's text, before `\r\n` or `\n`.
    content: usize,
    /// Start of the next line.
    next: usize,
}

fn line_end(source: &str, from: usize) -> Option<LineEnd> {
    if from >= source.len() {
        return None;
    }
    let rest = &source[from..];
    let (len, next) = match rest.find('\n') {
        Some(i) => (i, from + i + 1),
        None => (rest.len(), source.len()),
    };
    let text = &rest[..len];
    let content = from + text.strip_suffix('\r').map_or(len, str::len);
    Some(LineEnd { content, next })
}

fn is_delimiter(line: &str, marker: &str) -> bool {
    line.trim_end() == marker
}

/// A value of the front matter with where it is written, for messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it starts, relative to the YAML text (line 1 is its first line).
    pub at: Position,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<T>::deserialize(deserializer)?;
        Ok(Located {
            value: spanned.value,
            at: location(&spanned.referenced),
        })
    }
}

/// One entry of a note's `changes:` list, with the positions needed for error messages.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeEntry {
    /// A column of the overview matrix.
    pub area: Located<String>,
    /// One or more kind letters, in author order.
    pub kind: Located<String>,
    /// Text in the matrix cell; defaults to the note title.
    pub label: Option<String>,
}

/// Declares [`FrontMatter`], [`KNOWN_KEYS`] and [`KnownKeysOnly`] from one list of keys.
macro_rules! front_matter {
    ($($(#[$doc:meta])* $key:ident: $ty:ty,)*) => {
        /// Every key upnotes understands in front matter; unknown keys are warned about, not fatal.
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        pub struct FrontMatter {
            $($(#[$doc])* pub $key: $ty,)*
        }

        /// The keys [`FrontMatter`] reads; anything else gets a warning.
        pub const KNOWN_KEYS: &[&str] = &[$(stringify!($key)),*];

        /// [`FrontMatter`] that refuses unknown keys: front matter without any reads in one
        /// parse, the others are parsed again to locate them.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct KnownKeysOnly {
            $($key: $ty,)*
        }

        impl From<KnownKeysOnly> for FrontMatter {
            fn from(known: KnownKeysOnly) -> Self {
                FrontMatter { $($key: known.$key,)* }
            }
        }
    };
}

front_matter! {
    /// Page or note heading.
    title: Option<String>,
    /// Template name without `.html`.
    layout: Option<Located<String>>,
    /// Short summary for listings and feeds.
    description: Option<String>,
    /// Left out of every output unless `--drafts`.
    draft: Option<bool>,
    /// Ordering among siblings.
    weight: Option<i64>,
    /// Marks a folder's `_index.md` as an upgrade guide.
    guide: Option<bool>,
    /// A note's anchor id, kept verbatim.
    id: Option<Located<String>>,
    /// The version a version folder upgrades from.
    from: Option<Located<String>>,
    /// Release date of a version (`YYYY-MM-DD`).
    released: Option<Located<String>>,
    /// A note's entries in the overview matrix.
    changes: Option<Vec<ChangeEntry>>,
}

/// A located front matter problem; positions are in file coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the file.
    pub position: Position,
    /// What is wrong and what to do.
    pub message: String,
}

/// Parsed front matter plus the unknown keys found in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The typed front matter.
    pub front_matter: FrontMatter,
    /// Unknown top-level keys, for warnings.
    pub unknown_keys: Vec<Problem>,
}

/// Parses the YAML of a front matter block that starts on file line `yaml_line`.
pub fn parse(yaml_text: &str, yaml_line: usize) -> Result<Parsed, Problem> {
    if let Some(front_matter) = super::flat::parse(yaml_text) {
        return Ok(Parsed {
            front_matter,
            unknown_keys: Vec::new(),
        });
    }
    // Most front matter has only known keys: then one parse gives what two would.
    if let Ok(known) = yaml::from_str::<KnownKeysOnly>(yaml_text) {
        return Ok(Parsed {
            front_matter: known.into(),
            unknown_keys: Vec::new(),
        });
    }
    parse_locating_unknown_keys(yaml_text, yaml_line)
}

/// [`parse`] in two passes: the top-level keys with their positions (unknown ones become
/// warnings, anything but a mapping an error), then the typed front matter. `parse` falls back to
/// it and must agree with it on every text (the fuzz checks compare them).
pub fn parse_locating_unknown_keys(yaml_text: &str, yaml_line: usize) -> Result<Parsed, Problem> {
    let to_file = |p: Position| Position::new(p.line + yaml_line - 1, p.column);
    let keys: TopLevel =
        yaml::from_str(yaml_text).map_err(|e| locate_yaml_error(yaml_text, &e, yaml_line))?;
    let keys = match keys {
        TopLevel::Mapping(keys) => keys,
        TopLevel::Other(found) => {
            return Err(Problem {
                position: Position::new(yaml_line, 1),
                message: format!(
                    "front matter must be a mapping of keys to values (like `title: My page`), found {found}"
                ),
            });
        }
    };
    let unknown_keys = keys
        .into_iter()
        .filter(|k| !KNOWN_KEYS.contains(&k.value.as_str()))
        .map(|k| Problem {
            position: to_file(location(&k.referenced)),
            message: format!(
                "unknown front matter key `{}` is ignored (known keys: {})",
                yaml::shown(&k.value),
                KNOWN_KEYS.join(", ")
            ),
        })
        .collect();
    let front_matter =
        yaml::from_str(yaml_text).map_err(|e| locate_yaml_error(yaml_text, &e, yaml_line))?;
    Ok(Parsed {
        front_matter,
        unknown_keys,
    })
}

/// Converts a serde-saphyr location into a [`Position`] relative to the YAML text.
pub fn location(l: &serde_saphyr::Location) -> Position {
    let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX).max(1);
    Position::new(n(l.line()), n(l.column()))
}

/// Gives YAML errors file positions and a hint about what to do.
fn locate_yaml_error(yaml_text: &str, e: &yaml::YamlError, yaml_line: usize) -> Problem {
    if e.message.contains("tab")
        && let Some((index, line)) = yaml_text
            .lines()
            .enumerate()
            .find(|(_, l)| l.trim_start_matches(' ').starts_with('\t'))
    {
        let column = line.find('\t').map_or(1, |c| c + 1);
        return Problem {
            position: Position::new(yaml_line + index, column),
            message: "a tab is used for indentation in front matter; YAML needs spaces".to_string(),
        };
    }
    let error_line = e.position.line + yaml_line - 1;
    // A bracket left open is the usual cause of confusing errors reported further down; one
    // opened after the error cannot be its cause.
    if let Some((index, column, open)) = unclosed_bracket(yaml_text)
        && yaml_line + index <= error_line
    {
        return Problem {
            position: Position::new(yaml_line + index, column),
            message: format!(
                "invalid front matter: this `{open}` is never closed; close it or quote the value"
            ),
        };
    }
    Problem {
        position: Position::new(error_line, e.position.column),
        message: format!("invalid front matter: {}", hint(&e.message)),
    }
}

/// The line (0-based), column (1-based) and bracket of the outermost `[` or `{` that starts a flow
/// collection and is still open at the end of the text. Brackets may span lines; a bracket inside
/// a plain value (`title: a [b`), a quoted one or a comment is text, not a collection.
fn unclosed_bracket(yaml_text: &str) -> Option<(usize, usize, char)> {
    let mut open: Vec<(usize, usize, char)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, line) in yaml_text.lines().enumerate() {
        // The last character on this line that is not a space, and whether a space followed it.
        let mut previous: Option<char> = None;
        let mut spaced = true;
        for (column, c) in line.chars().enumerate() {
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if q == '"' && c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    (previous, spaced) = (Some(c), false);
                }
                continue;
            }
            let starts_value = match previous {
                None | Some('[' | '{' | ',') => true,
                Some(':' | '-' | '?') => spaced,
                Some(_) => false,
            };
            match c {
                ' ' | '\t' => {
                    spaced = true;
                    continue;
                }
                '#' if spaced => break,
                '"' | '\'' if starts_value => quote = Some(c),
                '[' | '{' if starts_value || !open.is_empty() => open.push((index, column + 1, c)),
                ']' | '}' => {
                    open.pop();
                }
                _ => {}
            }
            (previous, spaced) = (Some(c), false);
        }
    }
    open.first().copied()
}

fn hint(message: &str) -> String {
    if message.contains("invalid boolean") {
        return "expected `true` or `false`".to_string();
    }
    message.to_string()
}

/// The top level of a front matter block: the keys of a mapping, or what was found instead.
enum TopLevel {
    Mapping(Vec<Spanned<String>>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            map.next_value::<IgnoredAny>()?;
            keys.push(key);
        }
        Ok(TopLevel::Mapping(keys))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopLevel::Other("a list"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Mapping(Vec::new()))
    }

    fn visit_none<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Mapping(Vec::new()))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a single value"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a single value"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a single value"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a single value"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a single value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parse_gives_what_two_give_however_odd_the_front_matter() {
        let texts = [
            "",
            "# only a comment\n",
            "~\n",
            "null\n",
            "title: x\n",
            "title: x\nlayout: doc\nweight: 3\n",
            "title: x\nfoo: y\n",
            "- a\n- b\n",
            "just text\n",
            "{title: x, layout: y}\n",
            "{title: x, other: y}\n",
            "title: x\ntitle: y\n",
            "? title\n: x\n",
            "<<: {title: x}\n",
            "base: &b x\ntitle: *b\n",
            "title: [1, 2]\n",
            "draft: yes\n",
            "weight: 1.5\n",
            "changes:\n- area: Core\n  kind: A\n",
            "changes:\n- area: Core\n  kind: A\n  extra: 1\n",
            "  title: indented\n  layout: doc\n",
            "title: \"a\nlayout: b\"\n",
            "title: x\n\tlayout: y\n",
            "1: x\n",
            "\"title\": quoted\n",
        ];
        for text in texts {
            assert_eq!(
                parse(text, 2),
                parse_locating_unknown_keys(text, 2),
                "{text:?}"
            );
        }
    }

    #[test]
    fn splits_front_matter_and_body_with_line_numbers() {
        let s = split("---\ntitle: A\n---\n# Body\n").expect("closed");
        assert_eq!(s.yaml, Some("title: A\n"));
        assert_eq!(s.body, "# Body\n");
        assert_eq!((s.yaml_line, s.body_line), (2, 4));
    }

    #[test]
    fn handles_bom_crlf_and_dots_terminator() {
        let s = split("\u{feff}---\r\ntitle: A\r\n...\r\nbody").expect("closed");
        assert_eq!(s.yaml, Some("title: A\r\n"));
        assert_eq!(s.body, "body");
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let s = split("# Title\n---\n").expect("no front matter");
        assert_eq!(s.yaml, None);
        assert_eq!(s.body, "# Title\n---\n");
        assert_eq!(split("").expect("empty").body, "");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert_eq!(split("---\ntitle: A\n# Body\n"), Err(Unclosed));
        assert_eq!(split("---"), Err(Unclosed));
    }

    #[test]
    fn empty_front_matter_is_fine() {
        let s = split("---\n---\nx").expect("closed");
        assert_eq!(s.yaml, Some(""));
        let parsed = parse("", 2).expect("empty mapping");
        assert!(parsed.front_matter.title.is_none());
    }

    #[test]
    fn versions_and_yaml11_booleans_stay_strings() {
        let parsed = parse("title: no\nfrom: 0.10\n", 2).expect("valid");
        assert_eq!(parsed.front_matter.title.as_deref(), Some("no"));
        assert_eq!(
            parsed.front_matter.from.map(|f| f.value).as_deref(),
            Some("0.10")
        );
    }

    #[test]
    fn unknown_keys_are_reported_with_file_positions() {
        let parsed = parse("title: A\nauthor: me\n", 2).expect("valid");
        assert_eq!(parsed.unknown_keys.len(), 1);
        assert_eq!(parsed.unknown_keys[0].position, Position::new(3, 1));
    }

    #[test]
    fn an_unknown_key_with_line_breaks_is_shown_on_one_line() {
        // Found by the front_matter fuzz target: a complex key (`? `) spanning lines.
        let parsed = parse("? unclosed bracket \n\n\n ,X\n", 2).expect("valid YAML");
        assert_eq!(parsed.unknown_keys[0].position, Position::new(2, 3));
        assert!(
            parsed.unknown_keys[0]
                .message
                .starts_with("unknown front matter key `unclosed bracket\\n\\n,X` is ignored"),
            "{}",
            parsed.unknown_keys[0].message
        );
    }

    #[test]
    fn a_list_is_not_front_matter() {
        let e = parse("- a\n- b\n", 2).expect_err("list");
        assert_eq!(e.position, Position::new(2, 1));
        assert!(e.message.contains("found a list"), "{}", e.message);
    }

    #[test]
    fn unclosed_bracket_points_at_the_bracket() {
        let e = parse("title: [unclosed\nlayout: page\n", 2).expect_err("unclosed");
        assert_eq!(e.position, Position::new(2, 8));
        assert!(e.message.contains("`[` is never closed"), "{}", e.message);
    }

    #[test]
    fn only_a_bracket_left_open_before_the_error_is_blamed() {
        // Brackets closed on a later line, and brackets inside plain or quoted values, are fine.
        let e = parse(
            "title: a [b\nlayout: 'it''s [x'\nid: \"\\\" [\"\nchanges: [\n  {area: Core, kind: A}\n]\ntitle: c\n",
            2,
        )
        .expect_err("duplicate key");
        assert_eq!(e.position, Position::new(8, 1));
        assert_eq!(
            e.message,
            "invalid front matter: the key `title` appears twice; keep one"
        );
        let e = parse("changes: [\n  {area: Core}\n]\nweight: [x\n", 2).expect_err("open");
        assert_eq!(e.position, Position::new(5, 9));
        assert!(e.message.contains("`[` is never closed"), "{}", e.message);
    }

    #[test]
    fn tab_indentation_points_at_the_tab() {
        let e = parse("title: a\n\tlayout: b\n", 2).expect_err("tab");
        assert_eq!(e.position, Position::new(3, 1));
        assert!(e.message.contains("tab"));
    }
}
