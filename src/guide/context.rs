//! Typed template contexts for guide pages, version pages and the upgrade path view.
//!
//! Templates see these as `guide`, `version` and `path`; every href is relative to the page being
//! rendered, so the same output works under any base path and from `file://`.

use rayon::prelude::*;
use serde::Serialize;

use super::memo::{DocMemo, Shared};
use super::{Guide, Note, VersionSection, outputs};
use crate::content::{Document, urls};
use crate::site::{PageLinks, Targets};

/// A kind letter and its legend.
#[derive(Debug, Clone, Serialize)]
pub struct KindContext {
    /// The letter, e.g. `A`.
    pub letter: String,
    /// Legend text, e.g. "New feature/behavior".
    pub legend: String,
    /// CSS-safe form of the letter for class names (`kind-A`).
    pub class: String,
}

/// One entry in a matrix cell: kind letters, then a link to the note.
#[derive(Debug, Clone, Serialize)]
pub struct EntryContext {
    /// The letters one by one, in author order.
    pub kinds: Vec<KindContext>,
    /// The letters as written, e.g. `DC`.
    pub kind: String,
    /// Link text.
    pub label: String,
    /// Link to the note (`#id` on the guide page).
    pub href: String,
    /// The note's id.
    pub note_id: String,
}

/// One cell of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct CellContext {
    /// The column's area.
    pub area: String,
    /// Entries in author order.
    pub entries: Vec<EntryContext>,
}

/// One row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct RowContext {
    /// Version name.
    pub version: String,
    /// Link to the version's section.
    pub href: String,
    /// One cell per column, in column order.
    pub cells: Vec<CellContext>,
}

/// The overview matrix.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewContext {
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows, newest version first.
    pub rows: Vec<RowContext>,
}

/// One matrix entry as shown beside a note.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeContext {
    /// Area.
    pub area: String,
    /// Kind letters as written.
    pub kind: String,
    /// Letters one by one.
    pub kinds: Vec<KindContext>,
    /// Label.
    pub label: String,
}

/// A note, rendered.
#[derive(Debug, Clone, Serialize)]
pub struct NoteContext {
    /// Anchor id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Link to the note in the guide (permalink).
    pub href: String,
    /// The note's HTML (print with `| safe`).
    pub content: Shared<String>,
    /// Its matrix entries.
    pub changes: Vec<ChangeContext>,
    /// Source path relative to `content/`.
    pub source: String,
}

/// A version section, rendered.
#[derive(Debug, Clone, Serialize)]
pub struct SectionContext {
    /// Version name.
    pub version: String,
    /// Version it upgrades from.
    pub from: Option<String>,
    /// Heading.
    pub title: String,
    /// Anchor id of the section in the guide page.
    pub anchor: String,
    /// Release date.
    pub released: Option<String>,
    /// Link to the version's own page.
    pub url: String,
    /// Link to the section in the guide page.
    pub guide_href: String,
    /// The upgrade procedure as HTML (may be empty).
    pub procedure: Shared<String>,
    /// Notes in guide order.
    pub notes: Vec<Shared<NoteContext>>,
    /// Number of matrix entries per kind, in legend order.
    pub counts: Vec<usize>,
}

/// Everything about a guide a template needs.
#[derive(Debug, Clone, Serialize)]
pub struct GuideContext {
    /// Guide title.
    pub title: String,
    /// Link to the guide page.
    pub href: String,
    /// Kind letters and legend.
    pub kinds: Vec<KindContext>,
    /// The matrix.
    pub overview: Shared<OverviewContext>,
    /// Version sections, newest first (empty on pages that only need the summary).
    pub versions: Vec<SectionContext>,
    /// Link to the SVG chart.
    pub chart: String,
    /// The chart's width in pixels.
    pub chart_width: usize,
    /// The chart's height in pixels.
    pub chart_height: usize,
    /// Link to `changes.json`.
    pub changes_json: String,
    /// Link to the path view.
    pub path: String,
}

/// A version in the path view's pickers.
#[derive(Debug, Clone, Serialize)]
pub struct PathVersion {
    /// Version name.
    pub version: String,
    /// Position, oldest = 0: notes of version i belong to the path FROM -> TO when from < i <= to.
    pub index: usize,
}

/// A note in the path view, tagged with its version's index.
#[derive(Debug, Clone, Serialize)]
pub struct PathEntry {
    /// The note.
    pub note: Shared<NoteContext>,
    /// Label from the matrix entry (or the title for notes without entries).
    pub label: String,
    /// Version name.
    pub version: String,
    /// Version index (see [`PathVersion::index`]).
    pub version_index: usize,
}

/// Notes of one kind in one area.
#[derive(Debug, Clone, Serialize)]
pub struct PathKindGroup {
    /// The kind.
    pub kind: KindContext,
    /// Its notes, oldest version first.
    pub entries: Vec<PathEntry>,
}

/// Notes of one area.
#[derive(Debug, Clone, Serialize)]
pub struct PathAreaGroup {
    /// The area.
    pub area: String,
    /// Groups by kind, in legend order; empty kinds left out.
    pub kinds: Vec<PathKindGroup>,
}

/// A version's procedure in the path view.
#[derive(Debug, Clone, Serialize)]
pub struct PathProcedure {
    /// Version name.
    pub version: String,
    /// Version index.
    pub version_index: usize,
    /// Section title.
    pub title: String,
    /// HTML.
    pub content: Shared<String>,
}

/// The upgrade path view: every note, grouped, each tagged so a script can narrow to FROM -> TO.
#[derive(Debug, Clone, Serialize)]
pub struct PathContext {
    /// Versions, oldest first.
    pub versions: Vec<PathVersion>,
    /// Notes grouped by area, then kind.
    pub groups: Vec<PathAreaGroup>,
    /// Notes without matrix entries.
    pub others: Vec<PathEntry>,
    /// Every version's procedure, oldest first.
    pub procedures: Vec<PathProcedure>,
}

/// Renders guide parts for one output page.
#[derive(Debug, Clone, Copy)]
pub struct GuideRenderer<'a> {
    /// The guide.
    pub guide: &'a Guide,
    /// Link targets of the site.
    pub targets: Targets<'a>,
    /// URL of the page being rendered.
    pub page_url: &'a str,
    /// Append `index.html` to folder links.
    pub index_files: bool,
    /// The themes code is highlighted for.
    pub styling: &'static crate::highlight::Styling,
}

impl GuideRenderer<'_> {
    fn href(&self, url: &str) -> String {
        urls::relative(self.page_url, url, self.index_files)
    }

    /// What links to anchors in the guide page start with: `#` on the guide page itself, else a
    /// link to the guide page and `#`. Pages with the same prefix share overview and note contexts.
    fn anchor_prefix(&self) -> String {
        if self.page_url == self.guide.url {
            "#".to_string()
        } else {
            format!("{}#", self.href(&self.guide.url))
        }
    }

    fn anchor_href(&self, id: &str) -> String {
        format!("{}{id}", self.anchor_prefix())
    }

    fn kinds(&self) -> Vec<KindContext> {
        self.guide
            .kinds
            .iter()
            .map(|(letter, legend)| kind_context(letter, legend))
            .collect()
    }

    fn legend_of(&self, letter: &str) -> String {
        self.guide
            .kinds
            .iter()
            .find(|(l, _)| l == letter)
            .map(|(_, legend)| legend.clone())
            .unwrap_or_default()
    }

    fn letters(&self, kind: &str) -> Vec<KindContext> {
        kind.chars()
            .map(|c| {
                let letter = c.to_string();
                let legend = self.legend_of(&letter);
                kind_context(&letter, &legend)
            })
            .collect()
    }

    /// The matrix: one row per version since `since`, one cell per column, entries in author order.
    pub fn overview(&self) -> OverviewContext {
        let prefix = self.anchor_prefix();
        let rows = self
            .guide
            .overview_versions()
            .map(|section| RowContext {
                version: section.version.name().to_string(),
                href: format!("{prefix}{}", section.anchor),
                cells: self
                    .guide
                    .columns
                    .iter()
                    .map(|area| CellContext {
                        area: area.clone(),
                        entries: section
                            .notes
                            .iter()
                            .flat_map(|note| note.changes.iter().map(move |c| (note, c)))
                            .filter(|(_, c)| &c.area == area)
                            .map(|(note, c)| EntryContext {
                                kinds: self.letters(&c.kind),
                                kind: c.kind.clone(),
                                label: c.label.clone(),
                                href: format!("{prefix}{}", note.id),
                                note_id: note.id.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        OverviewContext {
            columns: self.guide.columns.clone(),
            rows,
        }
    }

    /// The matrix as every page with this page's anchor prefix shows it, made once per build.
    fn shared_overview(&self) -> Shared<OverviewContext> {
        self.guide
            .memo
            .overview(&self.anchor_prefix(), || self.overview())
    }

    fn links<'d>(&'d self, doc: &'d Document) -> PageLinks<'d> {
        PageLinks {
            targets: self.targets,
            source_dir: urls::parent_dir(&doc.rel),
            page_url: self.page_url,
            index_files: self.index_files,
        }
    }

    /// A note for this page: rendered, or shared with a page where it looks the same.
    pub fn note(&self, note: &Note) -> Shared<NoteContext> {
        let links = self.links(&note.doc);
        let prefix = self.anchor_prefix();
        note.memo
            .note(&note.doc, &links, self.styling, &prefix, |content| {
                NoteContext {
                    id: note.id.clone(),
                    title: note.title.clone(),
                    href: format!("{prefix}{}", note.id),
                    content,
                    changes: note
                        .changes
                        .iter()
                        .map(|c| ChangeContext {
                            area: c.area.clone(),
                            kind: c.kind.clone(),
                            kinds: self.letters(&c.kind),
                            label: c.label.clone(),
                        })
                        .collect(),
                    source: note.doc.rel.clone(),
                }
            })
    }

    /// A version's upgrade procedure for this page (empty without an `_index.md`).
    fn procedure(&self, section: &VersionSection) -> Shared<String> {
        match &section.index {
            Some(doc) => self.markdown(doc, &section.procedure_memo),
            None => Shared::new(&String::new()),
        }
    }

    fn markdown(&self, doc: &Document, memo: &DocMemo) -> Shared<String> {
        memo.html(doc, &self.links(doc), self.styling)
    }

    /// A version section with its notes and procedure rendered for this page.
    pub fn section(&self, section: &VersionSection) -> SectionContext {
        SectionContext {
            version: section.version.name().to_string(),
            from: section.from.clone(),
            title: section.title.clone(),
            anchor: section.anchor.clone(),
            released: section.released.clone(),
            url: self.href(&section.url),
            guide_href: self.anchor_href(&section.anchor),
            procedure: self.procedure(section),
            notes: section.notes.iter().map(|n| self.note(n)).collect(),
            counts: outputs::kind_counts(self.guide, section),
        }
    }

    /// The guide context; `with_sections` renders every version section (guide page only), in
    /// parallel: the guide page holds every note, and would otherwise be one long serial job.
    pub fn guide(&self, with_sections: bool) -> GuideContext {
        GuideContext {
            title: self.guide.title.clone(),
            href: self.href(&self.guide.url),
            kinds: self.kinds(),
            overview: self.shared_overview(),
            versions: if with_sections {
                self.guide
                    .versions
                    .par_iter()
                    .map(|s| self.section(s))
                    .collect()
            } else {
                Vec::new()
            },
            chart: self.href(&format!("{}changes.svg", self.guide.url)),
            chart_width: outputs::chart_size(self.guide).0,
            chart_height: outputs::chart_size(self.guide).1,
            changes_json: self.href(&format!("{}changes.json", self.guide.url)),
            path: self.href(&self.guide.path_url()),
        }
    }

    /// The path view's data: all notes grouped by area and kind, tagged by version index.
    pub fn path(&self) -> PathContext {
        // Every note and procedure is rendered (or found) in parallel first, oldest version first;
        // the grouping below only clones shared values.
        let hops: Vec<Hop<'_>> = self
            .guide
            .versions
            .par_iter()
            .rev()
            .enumerate()
            .map(|(index, section)| Hop {
                index,
                section,
                notes: section.notes.iter().map(|n| self.note(n)).collect(),
                procedure: self.procedure(section),
            })
            .collect();
        PathContext {
            versions: hops
                .iter()
                .map(|hop| PathVersion {
                    version: hop.section.version.name().to_string(),
                    index: hop.index,
                })
                .collect(),
            groups: self.path_groups(&hops),
            others: path_others(&hops),
            procedures: hops
                .iter()
                .map(|hop| PathProcedure {
                    version: hop.section.version.name().to_string(),
                    version_index: hop.index,
                    title: hop.section.title.clone(),
                    content: hop.procedure.clone(),
                })
                .collect(),
        }
    }

    /// Notes by area, then kind letter (a `DC` entry is listed under D and under C); empty groups
    /// are left out.
    fn path_groups(&self, hops: &[Hop<'_>]) -> Vec<PathAreaGroup> {
        self.guide
            .columns
            .iter()
            .map(|area| PathAreaGroup {
                area: area.clone(),
                kinds: self
                    .guide
                    .kinds
                    .iter()
                    .map(|(letter, legend)| PathKindGroup {
                        kind: kind_context(letter, legend),
                        entries: path_entries_of_kind(hops, area, letter),
                    })
                    .filter(|g| !g.entries.is_empty())
                    .collect(),
            })
            .filter(|g| !g.kinds.is_empty())
            .collect()
    }
}

/// One version as the path view lists it, with its notes and procedure rendered for the view.
struct Hop<'g> {
    /// Position, oldest = 0.
    index: usize,
    section: &'g VersionSection,
    /// Note contexts, in the order of `section.notes`.
    notes: Vec<Shared<NoteContext>>,
    procedure: Shared<String>,
}

/// Every matrix entry in `area` whose kind includes `letter`, as a path entry labelled as in the
/// matrix, oldest version first and in guide order.
fn path_entries_of_kind(hops: &[Hop<'_>], area: &str, letter: &str) -> Vec<PathEntry> {
    let mut entries = Vec::new();
    for hop in hops {
        for (note, context) in hop.section.notes.iter().zip(&hop.notes) {
            for change in &note.changes {
                if change.area == area && change.kind.contains(letter) {
                    entries.push(path_entry(hop, context, &change.label));
                }
            }
        }
    }
    entries
}

/// The notes without matrix entries, labelled by their titles, oldest version first.
fn path_others(hops: &[Hop<'_>]) -> Vec<PathEntry> {
    let mut entries = Vec::new();
    for hop in hops {
        for (note, context) in hop.section.notes.iter().zip(&hop.notes) {
            if note.changes.is_empty() {
                entries.push(path_entry(hop, context, &note.title));
            }
        }
    }
    entries
}

fn path_entry(hop: &Hop<'_>, note: &Shared<NoteContext>, label: &str) -> PathEntry {
    PathEntry {
        note: note.clone(),
        label: label.to_string(),
        version: hop.section.version.name().to_string(),
        version_index: hop.index,
    }
}

fn kind_context(letter: &str, legend: &str) -> KindContext {
    KindContext {
        letter: letter.to_string(),
        legend: legend.to_string(),
        class: outputs::css_class_part(letter),
    }
}
