//! The one entry point for YAML (front matter and `upnotes.yaml`), so the parser can be swapped in one place.
//!
//! serde-saphyr is used with YAML 1.2 booleans: `no`, `on` and `yes` stay strings.

use serde::de::DeserializeOwned;

use crate::error::Position;

/// A YAML problem at a position relative to the start of the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Where, relative to the YAML text (line 1 is its first line).
    pub position: Position,
    /// What is wrong, without location.
    pub message: String,
}

/// Deserializes `text` into `T`, reporting the first problem with its position.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let position = e
            .location()
            .map(|l| Position::new(to_usize(l.line()), to_usize(l.column())))
            .unwrap_or_else(Position::start);
        YamlError {
            position,
            message: clean_message(&e.to_string()),
        }
    })
}

/// A value read from YAML as shown inside a one-line message: line breaks and other control
/// characters escaped (`a\nb`), and cut after 80 characters.
pub fn shown(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(100));
    for (i, c) in value.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX).max(1)
}

/// serde-saphyr appends ` at line X, column Y` to messages; the position is reported separately.
fn clean_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let trimmed = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    let message = trimmed.trim_start_matches("error: ").trim();
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        // serde-saphyr adds advice about its own options: `title, set DuplicateKeyPolicy ...`.
        let key = rest.split(',').next().unwrap_or(rest);
        return format!("the key `{key}` appears twice; keep one");
    }
    explain_limit(message).unwrap_or_else(|| message.to_string())
}

/// serde-saphyr stops deeply nested or huge YAML (a guard against stack overflows and alias
/// bombs) with messages like `budget breached: Depth { depth: 65 }`; say it in words.
fn explain_limit(message: &str) -> Option<String> {
    if message.contains("recursion limit exceeded") || message.contains("budget breached: Depth") {
        return Some("lists and mappings are nested too deeply; flatten them".to_string());
    }
    let breach = message.strip_prefix("budget breached: ")?;
    let kind = breach.split([' ', '{']).next().unwrap_or(breach);
    Some(format!(
        "the YAML is too large to read (too many {}); simplify it",
        kind.to_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_stay_on_one_line() {
        assert_eq!(shown("title"), "title");
        assert_eq!(shown("a\nb\r\tc\u{2028}"), "a\\nb\\r\\tc\\u{2028}");
        assert_eq!(shown(&"é".repeat(100)), format!("{}…", "é".repeat(80)));
    }

    #[test]
    fn duplicate_keys_are_named_without_parser_advice() {
        let e = from_str::<serde::de::IgnoredAny>("title: a\nlayout: b\ntitle: c\n")
            .expect_err("duplicate");
        assert_eq!(e.message, "the key `title` appears twice; keep one");
        assert_eq!(e.position, Position::new(3, 1));
    }

    #[test]
    fn nesting_limits_are_explained_in_words() {
        let deep = format!("title: {}{}", "[".repeat(100), "]".repeat(100));
        let e = from_str::<serde::de::IgnoredAny>(&deep).expect_err("too deep");
        assert_eq!(
            e.message,
            "lists and mappings are nested too deeply; flatten them"
        );
        let deeper = format!("title: {}{}", "[".repeat(1000), "]".repeat(1000));
        let e = from_str::<serde::de::IgnoredAny>(&deeper).expect_err("too deep");
        assert_eq!(
            e.message,
            "lists and mappings are nested too deeply; flatten them"
        );
        assert_eq!(
            explain_limit("budget breached: Aliases { aliases: 5000 }").as_deref(),
            Some("the YAML is too large to read (too many aliases); simplify it")
        );
    }
}
