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
    trimmed.trim_start_matches("error: ").trim().to_string()
}
