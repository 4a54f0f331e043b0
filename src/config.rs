//! `upnotes.yaml` -> a typed, validated [`Config`]. Unknown keys are errors with line and column.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::content::frontmatter::location;
use crate::error::{Diagnostic, Position};
use crate::yaml;

/// The config file name, at the site root.
pub const FILE_NAME: &str = "upnotes.yaml";

/// The site configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Site title, shown in every page header.
    pub title: String,
    /// One-line description for the home page and feed.
    pub description: Option<String>,
    /// Absolute URL the site is published under, e.g. `https://example.org/docs/`.
    pub base_url: String,
    /// Theme name: a folder under `themes/`, or `default` for the built-in theme.
    pub theme: String,
    /// Output folder, relative to the site root.
    pub output: PathBuf,
    /// `lang` attribute of every page.
    pub language: String,
    /// Syntax highlighting themes.
    pub highlight: HighlightConfig,
    /// The overview matrix of upgrade guides.
    pub overview: OverviewConfig,
    /// Folders (relative to `content/`) that are upgrade guides even without `guide: true`.
    pub guides: Vec<String>,
    /// Whether to write a search index and show a search box.
    pub search: bool,
    /// Whether to write `feed.xml`.
    pub feed: bool,
}

/// Highlighting theme names (see `upnotes::highlight` for the built-in list).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HighlightConfig {
    /// Theme for light mode.
    pub light: String,
    /// Theme for `prefers-color-scheme: dark`.
    pub dark: String,
}

/// Columns, kinds and rows of the overview matrix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverviewConfig {
    /// Areas of the product, in column order.
    pub columns: Vec<String>,
    /// Kind letter -> legend text, in legend order.
    pub kinds: IndexMap<String, String>,
    /// Oldest version shown as a row.
    pub since: Option<Spanned<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Documentation".to_string(),
            description: None,
            base_url: "/".to_string(),
            theme: "default".to_string(),
            output: PathBuf::from("site"),
            language: "en".to_string(),
            highlight: HighlightConfig::default(),
            overview: OverviewConfig::default(),
            guides: Vec::new(),
            search: true,
            feed: true,
        }
    }
}

impl Default for HighlightConfig {
    fn default() -> Self {
        HighlightConfig {
            light: crate::highlight::DEFAULT_LIGHT_THEME.to_string(),
            dark: crate::highlight::DEFAULT_DARK_THEME.to_string(),
        }
    }
}

impl Default for OverviewConfig {
    fn default() -> Self {
        let columns = [
            "Mesos Core",
            "Flags",
            "Framework API",
            "Module API",
            "Endpoints",
        ];
        let kinds = [
            ("A", "New feature/behavior"),
            ("C", "Changed feature/behavior"),
            ("D", "Deprecated feature/behavior"),
            ("R", "Removed feature/behavior"),
        ];
        OverviewConfig {
            columns: columns.iter().map(ToString::to_string).collect(),
            kinds: kinds
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            since: None,
        }
    }
}

impl Config {
    /// Reads `upnotes.yaml` from `root`; a missing file means the defaults.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(vec![Diagnostic::error(
                FILE_NAME,
                format!("cannot read the config file: {e}"),
            )]),
        }
    }

    /// Parses and validates the text of `upnotes.yaml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let text = &*crate::content::normalize_line_ends(text);
        let config: Config = yaml::from_str(text).map_err(|e| {
            vec![
                Diagnostic::error(FILE_NAME, format!("invalid config: {}", e.message))
                    .at(text, e.position),
            ]
        })?;
        let problems = config.validate(text);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    fn validate(&self, text: &str) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let at_key = |key: &str| key_position(text, key).unwrap_or_else(Position::start);
        for letter in self.overview.kinds.keys() {
            let mut chars = letter.chars();
            let single_letter =
                matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic());
            if !single_letter {
                problems.push(
                    Diagnostic::error(
                        FILE_NAME,
                        format!(
                            "overview kind `{}` must be a single letter, like `A` or `C`",
                            yaml::shown(letter)
                        ),
                    )
                    .at(
                        text,
                        key_position(text, letter).unwrap_or_else(|| at_key("kinds")),
                    ),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for column in &self.overview.columns {
            if !seen.insert(column) {
                problems.push(
                    Diagnostic::error(
                        FILE_NAME,
                        format!("overview column `{}` is listed twice", yaml::shown(column)),
                    )
                    .at(text, at_key("columns")),
                );
            }
        }
        if self.output.as_os_str().is_empty() {
            problems.push(
                Diagnostic::error(FILE_NAME, "`output` must name a folder, like `site`")
                    .at(text, at_key("output")),
            );
        }
        problems
    }

    /// The `since` version and where it was written, if set.
    pub fn since(&self) -> Option<(&str, Position)> {
        self.overview
            .since
            .as_ref()
            .map(|s| (s.value.as_str(), location(&s.referenced)))
    }

    /// `base_url` with exactly one trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }
}

/// Where `key:` first appears at the start of a line (after indentation), for messages about values.
fn key_position(text: &str, key: &str) -> Option<Position> {
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let rest = trimmed.strip_prefix(key)?;
        rest.trim_start()
            .starts_with(':')
            .then(|| Position::new(i + 1, line.len() - trimmed.len() + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_mesos_defaults() {
        let c = Config::parse("").expect("valid");
        assert_eq!(c.overview.columns.len(), 5);
        assert_eq!(
            c.overview.kinds.keys().collect::<Vec<_>>(),
            ["A", "C", "D", "R"]
        );
        assert_eq!(c.output, PathBuf::from("site"));
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let e = Config::parse("title: x\noverview:\n  colums: [a]\n").expect_err("unknown key");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].headline()
                .starts_with("upnotes.yaml:3:3: error: invalid config: unknown field `colums`"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn kinds_keep_author_order_and_must_be_letters() {
        let c =
            Config::parse("overview:\n  kinds:\n    R: Removed\n    A: Added\n").expect("valid");
        assert_eq!(c.overview.kinds.keys().collect::<Vec<_>>(), ["R", "A"]);
        let e = Config::parse("overview:\n  kinds:\n    AB: Both\n").expect_err("two letters");
        assert_eq!(
            e[0].headline(),
            "upnotes.yaml:3:5: error: overview kind `AB` must be a single letter, like `A` or `C`"
        );
    }

    #[test]
    fn values_with_line_breaks_are_shown_on_one_line() {
        let e = Config::parse(
            "overview:\n  kinds:\n    \"A\\nB\": two lines\n  columns: [\"a\\nb\", \"a\\nb\"]\n",
        )
        .expect_err("invalid");
        let headlines: Vec<String> = e.iter().map(Diagnostic::headline).collect();
        assert_eq!(
            headlines,
            [
                "upnotes.yaml:2:3: error: overview kind `A\\nB` must be a single letter, like `A` or `C`",
                "upnotes.yaml:4:3: error: overview column `a\\nb` is listed twice"
            ]
        );
    }

    #[test]
    fn since_keeps_its_position() {
        let c = Config::parse("overview:\n  since: 0.25.x\n").expect("valid");
        assert_eq!(c.since(), Some(("0.25.x", Position::new(2, 10))));
    }
}
