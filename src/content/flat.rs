//! Front matter of plain `key: value` lines, read without the YAML parser.
//!
//! Nearly every page's front matter is two or three lines such as `title: "Stream daemon"` and
//! `layout: documentation`, and the YAML parser spent about as long on those lines as on the rest
//! of loading the page (5 % of a build's CPU time). Here such lines are read directly when each is
//! one the YAML parser is sure to read the same way: a known text key, `: `, and a value that is
//! a double-quoted string without escapes, a single-quoted string without doubled quotes, or a
//! plain string that starts with a letter and holds nothing YAML would read otherwise (a comment,
//! a nested key, `null`, `true`, `false`). Anything else, including every note's `changes:` list,
//! goes to the YAML parser. The tests compare both on thousands of front matter texts.

use crate::error::Position;

use super::frontmatter::{FrontMatter, Located};

/// The front matter `yaml` holds, when every line is one read here; `None` sends it to the YAML
/// parser (which reads it whole, so no line read here is lost).
pub fn parse(yaml: &str) -> Option<FrontMatter> {
    let mut front_matter = FrontMatter::default();
    for (index, line) in yaml.split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let (key, written) = line.split_once(": ")?;
        let value = scalar(written)?.to_string();
        // The key and `: ` are ASCII: the value starts at this column, counted in characters.
        let at = Position::new(index + 1, key.len() + 3);
        let taken = match key {
            "title" => set(&mut front_matter.title, value),
            "description" => set(&mut front_matter.description, value),
            "layout" => set(&mut front_matter.layout, Located { value, at }),
            "id" => set(&mut front_matter.id, Located { value, at }),
            "from" => set(&mut front_matter.from, Located { value, at }),
            "released" => set(&mut front_matter.released, Located { value, at }),
            _ => false,
        };
        if !taken {
            return None;
        }
    }
    Some(front_matter)
}

/// Sets `slot` unless the key was seen before (YAML refuses a key given twice: its message comes
/// from the parser).
fn set<T>(slot: &mut Option<T>, value: T) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = Some(value);
    true
}

/// The string a value written on one line stands for, when it is sure to be read as one.
fn scalar(written: &str) -> Option<&str> {
    let inner = match written.as_bytes().first()? {
        b'"' => quoted(written, '"').filter(|inner| !inner.contains('\\'))?,
        b'\'' => quoted(written, '\'')?,
        first if first.is_ascii_alphabetic() => plain(written)?,
        _ => return None,
    };
    inner.chars().all(is_plain_text).then_some(inner)
}

/// The text between `quote` at the start and at the end, with no `quote` between them.
fn quoted(written: &str, quote: char) -> Option<&str> {
    let inner = written.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote)).then_some(inner)
}

/// A plain value that YAML reads as this very string: no comment (` #`), no key (`: `, or `:`
/// at the end), no trailing space, and not one of the words YAML reads as null or a boolean.
fn plain(written: &str) -> Option<&str> {
    let special = ["null", "true", "false"]
        .iter()
        .any(|word| written.eq_ignore_ascii_case(word));
    let ambiguous = written.contains(" #")
        || written.contains(": ")
        || written.ends_with([':', ' '])
        || special;
    (!ambiguous).then_some(written)
}

/// Spaces and printable characters: no tabs, control characters, line or paragraph separators,
/// no-break space, byte order marks or non-characters, which YAML treats apart.
fn is_plain_text(c: char) -> bool {
    c == ' '
        || c.is_ascii_graphic()
        || (c > '\u{a0}'
            && !matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::frontmatter;

    /// What the YAML parser makes of `yaml`: its front matter, or `None` for an error or
    /// unknown keys (which this module never reads).
    fn by_yaml_parser(yaml: &str) -> Option<FrontMatter> {
        frontmatter::parse_locating_unknown_keys(yaml, 2)
            .ok()
            .filter(|parsed| parsed.unknown_keys.is_empty())
            .map(|parsed| parsed.front_matter)
    }

    #[test]
    fn the_usual_front_matter_is_read_here() {
        let yaml = "title: \"Stream module daemon\"\nlayout: documentation\n";
        let read = parse(yaml).expect("read here");
        assert_eq!(read.title.as_deref(), Some("Stream module daemon"));
        let layout = read.layout.as_ref().expect("layout");
        assert_eq!(
            (layout.value.as_str(), layout.at),
            ("documentation", Position::new(2, 9))
        );
        assert_eq!(Some(read), by_yaml_parser(yaml));
        for yaml in [
            "title: Upgrading Mesos\nlayout: documentation\ndescription: 'How to upgrade'\n",
            "title: It's 10:30 [draft], or {later}\n",
            "title: \"A # not a comment: really\"\nid: 'x-y'\n",
            "title: Unïcödé — “quotes”\n",
            "",
            "\n\ntitle: a\n\n",
        ] {
            assert!(parse(yaml).is_some(), "{yaml:?}");
            assert_eq!(parse(yaml), by_yaml_parser(yaml), "{yaml:?}");
        }
    }

    #[test]
    fn anything_else_goes_to_the_yaml_parser() {
        for yaml in [
            "title: null\n",
            "title: True\n",
            "title: a # comment\n",
            "title: a: b\n",
            "title: a:\n",
            "title: trailing \n",
            "title:  two spaces\n",
            "title: \"escaped \\\" quote\"\n",
            "title: 'it''s'\n",
            "title: \"unclosed\n",
            "title: 1.5\n",
            "from: 0.27.x\n",
            "weight: 3\n",
            "draft: true\n",
            "title: a\ntitle: b\n",
            "title: a\n  continued\n",
            "# comment\ntitle: a\n",
            "author: me\n",
            "title: tab\there\n",
            "title: -dash\n",
            "changes:\n- area: Core\n  kind: A\n",
        ] {
            assert_eq!(parse(yaml), None, "{yaml:?}");
        }
    }

    /// Every sequence of up to three lines built from keys, separators and values chosen for what
    /// YAML does with them: where this module reads the text, it reads what the YAML parser reads.
    #[test]
    fn what_is_read_here_is_what_the_yaml_parser_reads() {
        let keys = ["title", "layout", "id", "description", "weight", "Title"];
        let separators = [": ", ":", ":  ", " : ", ":\t"];
        let values = [
            "plain words",
            "\"double quoted\"",
            "'single quoted'",
            "\"\"",
            "''",
            "\"a # b: c\"",
            "'a \" b'",
            "\"a ' b\"",
            "It's [x] {y}, z",
            "a:b",
            "a #b",
            "a#b",
            "a: b",
            "a:",
            "a ",
            "null",
            "NULL",
            "Null",
            "~",
            "true",
            "False",
            "yes",
            "no",
            "on",
            "nan",
            "inf",
            "y",
            "x1.5",
            "1.5",
            "0x1F",
            "2016-03-17",
            ".inf",
            "&anchor a",
            "*alias",
            "!tag a",
            "|",
            ">",
            "%a",
            "@a",
            "`a`",
            "-a",
            "?a",
            "[a]",
            "{a: b}",
            "é accent",
            "a\u{a0}b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{feff}b",
            "\"a\\nb\"",
            "'a''b'",
            "\"a\"b\"",
            "'a'b'",
            "\"a\" ",
            "\"a\" # c",
        ];
        let mut lines = Vec::new();
        for key in keys {
            for separator in separators {
                for value in values {
                    lines.push(format!("{key}{separator}{value}\n"));
                }
            }
        }
        lines.extend(["\n", "# comment\n", "  indented: a\n", "- a\n", "---\n"].map(String::from));
        let mut read_here = 0;
        let mut check = |yaml: &str| {
            if let Some(read) = parse(yaml) {
                read_here += 1;
                assert_eq!(Some(read), by_yaml_parser(yaml), "{yaml:?}");
            }
        };
        for line in &lines {
            check(line);
        }
        // Pairs and triples of the lines most often read here (`key: value`), sampled.
        let usual: Vec<&String> = lines.iter().filter(|l| l.contains(": ")).collect();
        for (i, first) in usual.iter().enumerate() {
            for (j, second) in usual.iter().enumerate().skip(i % 5).step_by(5) {
                check(&format!("{first}{second}"));
                if (i + j) % 13 == 0 {
                    for third in usual.iter().skip(j % 17).step_by(17) {
                        check(&format!("{first}{second}{third}"));
                    }
                }
            }
        }
        assert!(read_here > 1_000, "only {read_here} texts were read here");
    }
}
