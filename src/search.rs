//! The search index: one JavaScript file (`search-index.js`) that a classic `<script>` can load, so
//! search works from `file://` where `fetch` and modules are blocked.
//!
//! Entries are `[kind, title, url, context, text]` arrays (compact for large sites): `kind` is
//! `page`, `version` or `note`; `url` is site-relative, with a `#fragment` for sections and notes.

use rayon::prelude::*;
use serde::Serialize;

use crate::guide::{Guide, VersionSection};
use crate::markdown;
use crate::site::Page;

/// Characters of body text kept per page or note for matching and snippets.
const TEXT_LIMIT: usize = markdown::SUMMARY_LIMIT;

/// One search result candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry(
    /// Kind: `page`, `version` or `note`.
    pub &'static str,
    /// Title.
    pub String,
    /// Site-relative URL, possibly with a fragment.
    pub String,
    /// Where it belongs (headings of a page; guide and version of a note).
    pub String,
    /// The start of its text.
    pub String,
);

/// The entry of one page; `summary` is the one rendering the page made (the same as
/// [`markdown::summary`] of its body with [`markdown::SUMMARY_LIMIT`]).
pub fn page_entry(page: &Page, summary: markdown::Summary) -> Entry {
    let headings: Vec<&str> = summary
        .headings
        .iter()
        .map(String::as_str)
        .filter(|h| *h != page.title)
        .collect();
    Entry(
        "page",
        page.title.clone(),
        page.url.clone(),
        headings.join(" · "),
        summary.text,
    )
}

/// The entries of one version section: the version, then its notes.
pub fn version_entries(guide: &Guide, version: &VersionSection) -> Vec<Entry> {
    let mut entries = vec![Entry(
        "version",
        version.title.clone(),
        format!("{}#{}", guide.url, version.anchor),
        guide.title.clone(),
        version
            .index
            .as_ref()
            .map(|d| markdown::summary(d.body(), TEXT_LIMIT).text)
            .unwrap_or_default(),
    )];
    let notes: Vec<Entry> = version
        .notes
        .par_iter()
        .map(|note| {
            let labels: Vec<&str> = note.changes.iter().map(|c| c.label.as_str()).collect();
            let mut context = format!("{} · {}", version.version, guide.title);
            if !labels.is_empty() {
                context = format!("{context} · {}", labels.join(", "));
            }
            Entry(
                "note",
                note.title.clone(),
                format!("{}#{}", guide.url, note.id),
                context,
                markdown::summary(note.doc.body(), TEXT_LIMIT).text,
            )
        })
        .collect();
    entries.extend(notes);
    entries
}

/// One entry as it appears in the index script (JSON, escaped like [`data_script`]); each render
/// job makes its own, and the build joins them with [`INDEX_SCRIPT`].
pub fn entry_json(entry: &Entry) -> String {
    escape_json(serde_json::to_string(entry).unwrap_or_else(|_| "null".to_string()))
}

/// The index as a script, `window.UPNOTES_SEARCH = [...]` (what [`data_script`] makes of the
/// entries), is this start, the entries from [`entry_json`] with this separator between them, and
/// this end: no escape can span two entries, as each starts with `[` and ends with `]`.
pub const INDEX_SCRIPT: [&[u8]; 3] = [b"window.UPNOTES_SEARCH = [", b",", b"];\n"];

/// A classic script that sets `window.<variable>` to `value` as JSON; `</` and the JavaScript line
/// separators are escaped so no text in the data can end a script or break older parsers.
pub fn data_script(variable: &str, value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    format!("window.{variable} = {};\n", escape_json(json))
}

fn escape_json(json: String) -> String {
    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8: a byte search finds any candidate.
    let bytes = json.as_bytes();
    if memchr::memmem::find(bytes, b"</").is_none() && memchr::memchr(0xE2, bytes).is_none() {
        return json;
    }
    json.replace("</", "<\\/")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index in one piece, as the reference for [`INDEX_SCRIPT`].
    fn index_script(entries: &[Entry]) -> String {
        data_script("UPNOTES_SEARCH", &entries)
    }

    #[test]
    fn script_cannot_be_broken_out_of() {
        let entries = [Entry(
            "page",
            "</script><b>".into(),
            "x/".into(),
            String::new(),
            "a\u{2028}b".into(),
        )];
        let script = index_script(&entries);
        assert!(!script.contains("</script>"));
        assert!(!script.contains('\u{2028}'));
        assert!(script.starts_with("window.UPNOTES_SEARCH = [[\"page\",\"<\\/script><b>\""));
        let joined = |entries: &[String]| {
            let [start, separator, end] = INDEX_SCRIPT;
            [
                start,
                entries
                    .join(std::str::from_utf8(separator).expect("utf-8"))
                    .as_bytes(),
                end,
            ]
            .concat()
        };
        let parts: Vec<String> = entries.iter().chain(&entries).map(entry_json).collect();
        assert_eq!(
            joined(&parts),
            index_script(&[entries[0].clone(), entries[0].clone()]).into_bytes()
        );
        assert_eq!(joined(&[]), index_script(&[]).into_bytes());
    }
}
