//! Checks of a guide's front matter values (`from`, `released`, note ids, matrix entries), each
//! reported with the file, line and column of the value at fault.

use std::collections::HashMap;

use super::{Change, Note, VersionSection};
use crate::config::Config;
use crate::content::Document;
use crate::content::frontmatter::Located;
use crate::error::{Diagnostic, Diagnostics, Position};
use crate::version::Version;

/// Front matter positions are relative to the YAML, which starts on line 2 of the file.
pub(super) fn file_position(at: Position) -> Position {
    Position::new(at.line + 1, at.column)
}

pub(super) fn check_from(
    from: &Located<String>,
    version: &Version,
    doc: &Document,
    diagnostics: &mut Diagnostics,
) -> Option<String> {
    let position = file_position(from.at);
    match Version::parse(&from.value) {
        Ok(parsed) if parsed < *version => Some(from.value.clone()),
        Ok(_) => {
            diagnostics.push(
                Diagnostic::error(
                    doc.source.clone(),
                    format!(
                        "`from: {}` is not earlier than {version}: name the version this one upgrades from",
                        from.value
                    ),
                )
                .at(&doc.text, position),
            );
            None
        }
        Err(_) => {
            diagnostics.push(
                Diagnostic::error(
                    doc.source.clone(),
                    format!(
                        "`from: {}` is not a version: write it like 0.27.x",
                        from.value
                    ),
                )
                .at(&doc.text, position),
            );
            None
        }
    }
}

pub(super) fn check_date(
    released: &Located<String>,
    doc: &Document,
    diagnostics: &mut Diagnostics,
) -> Option<String> {
    let value = released.value.trim();
    let b = value.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month_day_ok = shape_ok
        && matches!(value[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(value[8..10].parse::<u8>(), Ok(1..=31));
    if month_day_ok {
        return Some(value.to_string());
    }
    diagnostics.push(
        Diagnostic::error(
            doc.source.clone(),
            format!("`released: {value}` is not a date: write it as YYYY-MM-DD"),
        )
        .at(&doc.text, file_position(released.at)),
    );
    None
}

/// Ids are used as HTML anchors and in URLs: letters, digits and `-_.:` only.
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("is empty: give the note an id or remove `id:`");
    }
    let valid = id
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !valid {
        return Err("is not a valid HTML id: use only letters, digits, `-`, `_`, `.` and `:`");
    }
    Ok(())
}

pub(super) fn check_change(
    config: &Config,
    entry: &crate::content::frontmatter::ChangeEntry,
    title: &str,
    doc: &Document,
    diagnostics: &mut Diagnostics,
) -> Option<Change> {
    let mut ok = true;
    let area = &entry.area.value;
    if !config.overview.columns.contains(area) {
        ok = false;
        diagnostics.push(
            Diagnostic::error(
                doc.source.clone(),
                format!(
                    "unknown area `{}`: use one of {}",
                    crate::yaml::shown(area),
                    quoted_list(config.overview.columns.iter())
                ),
            )
            .at(&doc.text, file_position(entry.area.at)),
        );
    }
    let kind = entry.kind.value.trim();
    let kind_position = file_position(entry.kind.at);
    if kind.is_empty() {
        ok = false;
        diagnostics.push(
            Diagnostic::error(
                doc.source.clone(),
                format!(
                    "empty kind: use one or more of {}",
                    quoted_list(config.overview.kinds.keys())
                ),
            )
            .at(&doc.text, kind_position),
        );
    }
    for letter in kind.chars() {
        if !config
            .overview
            .kinds
            .contains_key(letter.to_string().as_str())
        {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    doc.source.clone(),
                    format!(
                        "unknown kind `{}` in `{}`: use one or more of {}",
                        crate::yaml::shown(&letter.to_string()),
                        crate::yaml::shown(kind),
                        quoted_list(config.overview.kinds.keys())
                    ),
                )
                .at(&doc.text, kind_position),
            );
        }
    }
    ok.then(|| Change {
        area: area.clone(),
        kind: kind.to_string(),
        label: entry.label.clone().unwrap_or_else(|| title.to_string()),
    })
}

fn quoted_list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each note id names one note in its guide; the second file is reported, naming the first.
pub(super) fn check_unique_ids(sections: &[VersionSection], diagnostics: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Note> = HashMap::new();
    for note in sections.iter().flat_map(|s| &s.notes) {
        if let Some(first) = seen.get(note.id.as_str()) {
            let position = note
                .doc
                .front_matter
                .id
                .as_ref()
                .map_or_else(Position::start, |id| file_position(id.at));
            diagnostics.push(
                Diagnostic::error(
                    note.doc.source.clone(),
                    format!(
                        "duplicate note id `{}`: {} has it too; change one `id:`",
                        note.id,
                        crate::error::display_path(&first.doc.source)
                    ),
                )
                .at(&note.doc.text, position),
            );
        } else {
            seen.insert(&note.id, note);
        }
    }
}
