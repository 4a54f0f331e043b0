//! Files generated from a guide model: `changes.json`, the Atom feed, the SVG chart, and the
//! Markdown upgrade checklist of `upnotes path` (all pure functions returning strings).

use std::fmt::Write as _;

use serde::Serialize;

use super::{Guide, Note, VersionSection};
use crate::content::urls::encode_path;
use crate::version::Version;

/// The `schema` number of `changes.json`; bumped on any incompatible change.
pub const CHANGES_SCHEMA: u32 = 1;

#[derive(Serialize)]
struct ChangesJson<'a> {
    schema: u32,
    columns: &'a [String],
    kinds: indexmap::IndexMap<&'a str, &'a str>,
    versions: Vec<JsonVersion<'a>>,
}

#[derive(Serialize)]
struct JsonVersion<'a> {
    version: &'a str,
    from: Option<&'a str>,
    released: Option<&'a str>,
    url: String,
    notes: Vec<JsonNote<'a>>,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    area: &'a str,
    kind: &'a str,
    label: &'a str,
}

/// `changes.json`: every version newest first, its notes in guide order, with absolute URLs.
pub fn changes_json(guide: &Guide, base_url: &str) -> String {
    let doc = ChangesJson {
        schema: CHANGES_SCHEMA,
        columns: &guide.columns,
        kinds: guide
            .kinds
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        versions: guide
            .versions
            .iter()
            .map(|v| JsonVersion {
                version: v.version.name(),
                from: v.from.as_deref(),
                released: v.released.as_deref(),
                url: format!("{base_url}{}", encode_path(&v.url)),
                notes: v
                    .notes
                    .iter()
                    .map(|n| JsonNote {
                        id: &n.id,
                        title: &n.title,
                        url: format!("{base_url}{}#{}", encode_path(&guide.url), n.id),
                        changes: n
                            .changes
                            .iter()
                            .map(|c| JsonChange {
                                area: &c.area,
                                kind: &c.kind,
                                label: &c.label,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&doc).unwrap_or_default();
    json.push('\n');
    json
}

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Atom feed: one entry per released version of every guide, newest release first.
/// `updated` is the newest release date, so the feed is the same on every build.
pub fn feed(site_title: &str, base_url: &str, guides: &[Guide]) -> String {
    let mut entries: Vec<(&Guide, &VersionSection, &str)> = guides
        .iter()
        .flat_map(|g| {
            g.versions
                .iter()
                .filter_map(move |v| v.released.as_deref().map(|r| (g, v, r)))
        })
        .collect();
    entries.sort_by(|a, b| b.2.cmp(a.2).then_with(|| b.1.version.cmp(&a.1.version)));
    let updated = entries.first().map_or("1970-01-01", |e| e.2);
    let mut xml = String::new();
    let _ = write!(
        xml,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{}</title>\n  <id>{}</id>\n  <link href=\"{}\"/>\n  <link rel=\"self\" href=\"{}feed.xml\"/>\n  <updated>{updated}T00:00:00Z</updated>\n  <generator>upnotes</generator>\n",
        xml_escape(site_title),
        xml_escape(base_url),
        xml_escape(base_url),
        xml_escape(base_url),
    );
    for (guide, version, released) in entries {
        let url = format!("{base_url}{}", encode_path(&version.url));
        let mut summary = String::from("<ul>");
        for note in &version.notes {
            let _ = write!(
                summary,
                "<li><a href=\"{base_url}{}#{}\">{}</a></li>",
                encode_path(&guide.url),
                note.id,
                crate::markdown::escape(&note.title)
            );
        }
        summary.push_str("</ul>");
        let _ = write!(
            xml,
            "  <entry>\n    <title>{}: {}</title>\n    <id>{}</id>\n    <link href=\"{}\"/>\n    <updated>{released}T00:00:00Z</updated>\n    <content type=\"html\">{}</content>\n  </entry>\n",
            xml_escape(&guide.title),
            xml_escape(&version.title),
            xml_escape(&url),
            xml_escape(&url),
            xml_escape(&summary),
        );
    }
    xml.push_str("</feed>\n");
    xml
}

/// Counts of matrix entries per kind letter for one version (a `DC` entry counts once for D and C).
pub fn kind_counts(guide: &Guide, version: &VersionSection) -> Vec<usize> {
    guide
        .kinds
        .iter()
        .map(|(letter, _)| {
            version
                .notes
                .iter()
                .flat_map(|n| &n.changes)
                .filter(|c| c.kind.contains(letter.as_str()))
                .count()
        })
        .collect()
}

/// Bar width, gap between bars, plot height and left margin of the chart, in pixels.
const BAR: usize = 28;
const GAP: usize = 14;
const PLOT_HEIGHT: usize = 120;
const LEFT: usize = 30;

/// Width and height of the chart in pixels, so pages can reserve its space before it loads.
pub fn chart_size(guide: &Guide) -> (usize, usize) {
    let bars = guide.overview_versions().count().max(1);
    let legend_width: usize = guide
        .kinds
        .iter()
        .map(|(_, legend)| legend_item_width(legend))
        .sum();
    let width = (LEFT + bars * (BAR + GAP) + GAP).max(LEFT + legend_width);
    (width, PLOT_HEIGHT + 48 + 16)
}

/// A stacked bar chart of changes per version by kind (oldest to newest, left to right), with its
/// own light and dark colours so it reads well when embedded as an image.
pub fn chart_svg(guide: &Guide) -> String {
    let versions: Vec<&VersionSection> = guide
        .overview_versions()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let counts: Vec<Vec<usize>> = versions.iter().map(|v| kind_counts(guide, v)).collect();
    let max = counts
        .iter()
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (width, height) = chart_size(guide);
    let legend_y = height - 16;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Changes per version by kind\">\n<title>Changes per version by kind</title>\n<style>\ntext{{font:11px system-ui,sans-serif;fill:#444}}\n.axis{{stroke:#999;stroke-width:1}}\n{}\n@media (prefers-color-scheme: dark){{text{{fill:#ccc}}.axis{{stroke:#666}}}}\n</style>\n",
        kind_styles(guide)
    );
    let base = PLOT_HEIGHT + 10;
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{width}\" y2=\"{base}\"/>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>",
        LEFT - 6,
        10 + 4
    );
    for (i, (version, counts)) in versions.iter().zip(&counts).enumerate() {
        let x = LEFT + GAP + i * (BAR + GAP);
        let mut y = base;
        for ((letter, legend), count) in guide.kinds.iter().zip(counts) {
            if *count == 0 {
                continue;
            }
            let h = count * PLOT_HEIGHT / max;
            y -= h;
            let _ = writeln!(
                svg,
                "<rect class=\"k-{}\" x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{h}\"><title>{}: {count} {}</title></rect>",
                css_class_part(letter),
                xml_escape(version.version.name()),
                xml_escape(legend)
            );
        }
        let total: usize = counts.iter().sum();
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{total}</text>",
            x + BAR / 2,
            y.saturating_sub(3).max(9)
        );
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x + BAR / 2,
            base + 14,
            xml_escape(version.version.name())
        );
    }
    let mut x = LEFT;
    for (letter, legend) in &guide.kinds {
        let _ = writeln!(
            svg,
            "<rect class=\"k-{}\" x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\"/><text x=\"{}\" y=\"{}\">{} {}</text>",
            css_class_part(letter),
            legend_y - 9,
            x + 14,
            legend_y,
            xml_escape(letter),
            xml_escape(legend.split_whitespace().next().unwrap_or(""))
        );
        x += legend_item_width(legend);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Room for one legend item: swatch, letter and the legend's first word, at about 7px a character.
fn legend_item_width(legend: &str) -> usize {
    24 + 7
        * (legend
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .count()
            + 2)
}

/// Fill colours per kind: the four Mesos kinds get fixed colours, others cycle through a palette.
fn kind_styles(guide: &Guide) -> String {
    let palette = [
        "#2e7d32", "#1565c0", "#ef6c00", "#c62828", "#6a1b9a", "#00838f", "#9e9d24", "#5d4037",
    ];
    guide
        .kinds
        .iter()
        .enumerate()
        .map(|(i, (letter, _))| {
            let colour = match letter.as_str() {
                "A" => palette[0],
                "C" => palette[1],
                "D" => palette[2],
                "R" => palette[3],
                _ => palette[4 + i % 4],
            };
            format!(".k-{}{{fill:{colour}}}", css_class_part(letter))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Kind letters are letters, but any non-ASCII one is spelled as its code point in class names.
pub fn css_class_part(letter: &str) -> String {
    letter
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("u{:x}", c as u32)
            }
        })
        .collect()
}

/// The versions a path FROM -> TO crosses: every version after FROM up to and including TO, oldest first.
pub fn path_versions<'g>(
    guide: &'g Guide,
    from: &Version,
    to: &Version,
) -> Vec<&'g VersionSection> {
    let mut hops: Vec<&VersionSection> = guide
        .versions
        .iter()
        .filter(|v| v.version > *from && v.version <= *to)
        .collect();
    hops.reverse();
    hops
}

/// The upgrade checklist from `from` to `to` as Markdown: notes grouped by area and kind, then each
/// hop's procedure. Notes without matrix entries are listed under "Other notes".
pub fn path_checklist(guide: &Guide, from: &Version, to: &Version) -> String {
    let hops = path_versions(guide, from, to);
    let mut md = format!("# {}: upgrading from {from} to {to}\n\n", guide.title);
    if hops.is_empty() {
        md.push_str("No versions between these two.\n");
        return md;
    }
    let names: Vec<&str> = hops.iter().map(|h| h.version.name()).collect();
    let _ = writeln!(md, "Versions crossed: {}.\n", names.join(", "));
    for area in &guide.columns {
        let mut area_md = String::new();
        for (letter, legend) in &guide.kinds {
            let items: Vec<String> = hops
                .iter()
                .flat_map(|h| h.notes.iter().map(move |n| (h, n)))
                .flat_map(|(h, n)| {
                    n.changes
                        .iter()
                        .filter(|c| &c.area == area && c.kind.contains(letter.as_str()))
                        .map(move |c| checklist_item(h, n, &c.label))
                })
                .collect();
            if !items.is_empty() {
                let _ = writeln!(area_md, "### {letter}: {legend}\n\n{}\n", items.join("\n"));
            }
        }
        if !area_md.is_empty() {
            let _ = write!(md, "## {area}\n\n{area_md}");
        }
    }
    let others: Vec<String> = hops
        .iter()
        .flat_map(|h| h.notes.iter().map(move |n| (h, n)))
        .filter(|(_, n)| n.changes.is_empty())
        .map(|(h, n)| checklist_item(h, n, &n.title))
        .collect();
    if !others.is_empty() {
        let _ = write!(md, "## Other notes\n\n{}\n\n", others.join("\n"));
    }
    md.push_str("## Upgrade procedures\n\n");
    for hop in hops {
        let _ = writeln!(md, "### {}\n", hop.title);
        let procedure = hop.index.as_ref().map_or("", |d| d.body().trim());
        if procedure.is_empty() {
            md.push_str("No special procedure.\n\n");
        } else {
            let _ = write!(md, "{procedure}\n\n");
        }
    }
    md
}

fn checklist_item(hop: &VersionSection, note: &Note, label: &str) -> String {
    format!("- [ ] {label} ({}, #{})", hop.version, note.id)
}
