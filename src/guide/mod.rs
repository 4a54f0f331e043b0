//! Upgrade guides: version folders and note files -> a validated model (pure, no IO).
//!
//! A guide is a folder whose `_index.md` says `guide: true` (or that `guides:` in the config names).
//! Each subfolder is a version; its `_index.md` holds `from`, `released`, a title and the upgrade
//! procedure; every other Markdown file in it is one note.

mod checks;
pub mod commands;
pub mod context;
pub mod memo;
pub mod outputs;

use std::collections::HashMap;

use crate::config::Config;
use crate::content::{Document, file_stem, urls};
use crate::error::{Diagnostic, Diagnostics, Position};
use crate::version::Version;
pub use checks::check_id;
use checks::{check_change, check_date, check_from, check_unique_ids, file_position};
use memo::{DocMemo, GuideMemo};

/// An upgrade guide.
#[derive(Debug, Clone)]
pub struct Guide {
    /// Folder relative to `content/`, ending in `/` (`upgrades/`).
    pub dir: String,
    /// URL of the guide page.
    pub url: String,
    /// The guide's title.
    pub title: String,
    /// Versions, newest first.
    pub versions: Vec<VersionSection>,
    /// Matrix columns (areas), in order.
    pub columns: Vec<String>,
    /// Kind letters with their legend text, in legend order.
    pub kinds: Vec<(String, String)>,
    /// Oldest version with a matrix row.
    pub since: Option<Version>,
    /// Parts of its pages made once per build and shared between them.
    memo: GuideMemo,
}

/// One version of a guide.
#[derive(Debug, Clone)]
pub struct VersionSection {
    /// The version.
    pub version: Version,
    /// The version it upgrades from (`None` for the oldest, unless given).
    pub from: Option<String>,
    /// Heading: the given title, else "Upgrading from {from} to {version}" or "Upgrading to {version}".
    pub title: String,
    /// Release date, `YYYY-MM-DD`.
    pub released: Option<String>,
    /// Anchor of the section in the guide page.
    pub anchor: String,
    /// URL of the version's own page.
    pub url: String,
    /// The version's `_index.md`, whose body is the upgrade procedure.
    pub index: Option<Document>,
    /// Notes in guide order.
    pub notes: Vec<Note>,
    /// The procedure rendered, once for the guide page, its own page and the path view.
    procedure_memo: DocMemo,
}

/// One upgrade note.
#[derive(Debug, Clone)]
pub struct Note {
    /// Anchor id in the guide page.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Ordering inside the version.
    pub weight: i64,
    /// Matrix entries, in author order.
    pub changes: Vec<Change>,
    /// The source.
    pub doc: Document,
    /// The note rendered, once for the guide page, its version page and the path view.
    memo: DocMemo,
}

/// One matrix entry of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The column.
    pub area: String,
    /// The kind letters as written, e.g. `DC`.
    pub kind: String,
    /// Cell text.
    pub label: String,
}

impl Change {
    /// The kind letters one by one, in author order.
    pub fn kinds(&self) -> Vec<String> {
        self.kind.chars().map(String::from).collect()
    }
}

impl Guide {
    /// Puts `doc` in place of the source of the note read from the same file, and forgets what
    /// was rendered of the old one; false when no note of this guide comes from that file. For an
    /// edit that left the note's front matter as it was (`serve` shows such an edit early).
    pub fn replace_note_source(&mut self, doc: Document) -> bool {
        let note = self
            .versions
            .iter_mut()
            .flat_map(|v| v.notes.iter_mut())
            .find(|n| n.doc.rel == doc.rel);
        let Some(note) = note else {
            return false;
        };
        note.doc = doc;
        note.memo = DocMemo::default();
        self.memo = GuideMemo::default();
        true
    }

    /// Versions that get a row in the overview matrix (newest first), honouring `since`.
    pub fn overview_versions(&self) -> impl Iterator<Item = &VersionSection> {
        self.versions
            .iter()
            .filter(|v| self.since.as_ref().is_none_or(|since| v.version >= *since))
    }

    /// The version named `name`, if any.
    pub fn find_version(&self, name: &str) -> Option<&VersionSection> {
        let wanted = Version::parse(name).ok()?;
        self.versions.iter().find(|v| v.version == wanted)
    }

    /// URL of the path view.
    pub fn path_url(&self) -> String {
        format!("{}path/", self.url)
    }
}

/// Splits guide documents off `documents`; returns the guides found, reporting every problem.
pub fn collect(
    documents: &mut Vec<Document>,
    config: &Config,
    diagnostics: &mut Diagnostics,
) -> Vec<Guide> {
    let guide_dirs = find_guide_dirs(documents, config);
    if guide_dirs.is_empty() {
        return Vec::new();
    }
    let mut members: Vec<Vec<Document>> = vec![Vec::new(); guide_dirs.len()];
    let mut rest = Vec::with_capacity(documents.len());
    for doc in documents.drain(..) {
        let owner = guide_dirs
            .iter()
            .enumerate()
            .filter(|(_, (dir, index_rel))| {
                doc.rel.starts_with(dir.as_str()) && doc.rel != *index_rel
            })
            .max_by_key(|(_, (dir, _))| dir.len())
            .map(|(i, _)| i);
        match owner {
            // Guides render their notes several times over: their texts stay in memory.
            Some(i) => match doc.into_with_text() {
                Ok(doc) => members[i].push(doc),
                Err(problem) => diagnostics.push(problem),
            },
            None => rest.push(doc),
        }
    }
    *documents = rest;
    let since = config_since(config, diagnostics);
    guide_dirs
        .into_iter()
        .zip(members)
        .map(|((dir, index_rel), docs)| {
            let title = documents
                .iter()
                .find(|d| d.rel == index_rel)
                .and_then(|d| d.front_matter.title.clone())
                .unwrap_or_else(|| "Upgrade guide".to_string());
            build_guide(
                GuideInput {
                    dir,
                    title,
                    docs,
                    config,
                    since: since.clone(),
                },
                diagnostics,
            )
        })
        .collect()
}

/// Guide folders and their index files: `guide: true`, or named in the config.
fn find_guide_dirs(documents: &[Document], config: &Config) -> Vec<(String, String)> {
    let mut dirs: Vec<(String, String)> = documents
        .iter()
        .filter(|d| file_stem(&d.rel) == "_index" || file_stem(&d.rel) == "index")
        .filter(|d| {
            let dir = urls::parent_dir(&d.rel);
            d.front_matter.guide == Some(true)
                || config
                    .guides
                    .iter()
                    .any(|g| format!("{}/", g.trim_matches('/')) == dir)
        })
        .filter(|d| !urls::parent_dir(&d.rel).is_empty())
        .map(|d| (urls::parent_dir(&d.rel).to_string(), d.rel.clone()))
        .collect();
    dirs.sort();
    dirs.dedup_by(|a, b| a.0 == b.0);
    dirs
}

fn config_since(config: &Config, diagnostics: &mut Diagnostics) -> Option<Version> {
    let (name, position) = config.since()?;
    match Version::parse(name) {
        Ok(v) => Some(v),
        Err(_) => {
            diagnostics.push(
                Diagnostic::error(
                    crate::config::FILE_NAME,
                    format!(
                        "`since: {}` is not a version: write it like `0.25.x` or `1.2.0`",
                        crate::yaml::shown(name)
                    ),
                )
                .at_position(position),
            );
            None
        }
    }
}

struct GuideInput<'a> {
    dir: String,
    title: String,
    docs: Vec<Document>,
    config: &'a Config,
    since: Option<Version>,
}

/// A version folder's documents while they are being sorted out.
#[derive(Default)]
struct Folder {
    index: Option<Document>,
    notes: Vec<Document>,
}

fn build_guide(input: GuideInput<'_>, diagnostics: &mut Diagnostics) -> Guide {
    let GuideInput {
        dir,
        title,
        docs,
        config,
        since,
    } = input;
    let mut folders: HashMap<String, Folder> = HashMap::new();
    for doc in docs {
        let inside = &doc.rel[dir.len()..];
        match inside.split_once('/') {
            None => diagnostics.push(
                Diagnostic::error(
                    doc.source.clone(),
                    format!("this note is outside any version folder: move it into a version folder such as content/{dir}1.0.x/"),
                )
                .at(&doc.text, Position::start()),
            ),
            Some((_, rest)) if rest.contains('/') => diagnostics.push(
                Diagnostic::error(
                    doc.source.clone(),
                    "notes go directly in their version folder, not in a subfolder",
                )
                .at(&doc.text, Position::start()),
            ),
            Some((folder, _)) => {
                let entry = folders.entry(folder.to_string()).or_default();
                if urls::is_index_name(file_stem(&doc.rel)) {
                    entry.index = Some(doc);
                } else {
                    entry.notes.push(doc);
                }
            }
        }
    }
    let mut versions = parse_versions(&dir, folders, diagnostics);
    versions.sort_by(|a, b| a.0.cmp(&b.0));
    let context = SectionContext {
        url: urls::page_url(&format!("{dir}_index.md")),
        config,
    };
    let mut sections = Vec::with_capacity(versions.len());
    let mut previous: Option<Version> = None;
    for (version, folder) in versions {
        let section = build_section(
            &context,
            version.clone(),
            folder,
            previous.as_ref(),
            diagnostics,
        );
        previous = Some(version);
        sections.push(section);
    }
    check_unique_ids(&sections, diagnostics);
    sections.reverse();
    Guide {
        url: context.url,
        dir,
        title,
        versions: sections,
        columns: config.overview.columns.clone(),
        kinds: config
            .overview
            .kinds
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        since,
        memo: GuideMemo::default(),
    }
}

/// Parses the folder names; reports names that are not versions and two spellings of one version.
fn parse_versions(
    dir: &str,
    folders: HashMap<String, Folder>,
    diagnostics: &mut Diagnostics,
) -> Vec<(Version, Folder)> {
    let mut names: Vec<String> = folders.keys().cloned().collect();
    names.sort();
    let mut folders = folders;
    let mut versions: Vec<(Version, Folder)> = Vec::new();
    for name in names {
        let Some(folder) = folders.remove(&name) else {
            continue;
        };
        let first_doc = folder.index.as_ref().or(folder.notes.first());
        let Some(first_doc) = first_doc else {
            continue;
        };
        let problem = |message: String| {
            Diagnostic::error(first_doc.source.clone(), message)
                .at(&first_doc.text, Position::start())
        };
        match Version::parse(&name) {
            Err(_) => diagnostics.push(problem(format!(
                "version folder content/{dir}{name}/ is not a version: name it like 1.2.x or 0.28.0"
            ))),
            Ok(version) => {
                if let Some((other, _)) = versions.iter().find(|(v, _)| *v == version) {
                    diagnostics.push(problem(format!(
                        "version folders {name} and {} are the same version: merge them",
                        other.name()
                    )));
                    continue;
                }
                versions.push((version, folder));
            }
        }
    }
    versions
}

struct SectionContext<'a> {
    url: String,
    config: &'a Config,
}

fn build_section(
    context: &SectionContext<'_>,
    version: Version,
    folder: Folder,
    previous: Option<&Version>,
    diagnostics: &mut Diagnostics,
) -> VersionSection {
    let index = folder.index;
    let fm = index.as_ref().map(|d| &d.front_matter);
    let from = match (fm.and_then(|f| f.from.as_ref()), index.as_ref()) {
        (Some(from), Some(doc)) => check_from(from, &version, doc, diagnostics),
        _ => previous.map(|p| p.name().to_string()),
    };
    let released = match (fm.and_then(|f| f.released.as_ref()), index.as_ref()) {
        (Some(released), Some(doc)) => check_date(released, doc, diagnostics),
        _ => None,
    };
    let title = fm
        .and_then(|f| f.title.clone())
        .unwrap_or_else(|| match &from {
            Some(from) => format!("Upgrading from {from} to {version}"),
            None => format!("Upgrading to {version}"),
        });
    let mut notes: Vec<Note> = folder
        .notes
        .into_iter()
        .map(|doc| build_note(context.config, &version, doc, diagnostics))
        .collect();
    notes.sort_by(|a, b| (a.weight, &a.doc.rel).cmp(&(b.weight, &b.doc.rel)));
    VersionSection {
        anchor: format!("upgrading-to-{}", version.dashed()),
        url: format!("{}{}/", context.url, version.name()),
        from,
        title,
        released,
        index,
        notes,
        version,
        procedure_memo: DocMemo::default(),
    }
}

fn build_note(
    config: &Config,
    version: &Version,
    doc: Document,
    diagnostics: &mut Diagnostics,
) -> Note {
    let fm = &doc.front_matter;
    let id = match &fm.id {
        Some(id) => {
            if let Err(why) = check_id(&id.value) {
                let message = if id.value.is_empty() {
                    format!("the note id {why}")
                } else {
                    format!("note id `{}` {why}", crate::yaml::shown(&id.value))
                };
                diagnostics.push(
                    Diagnostic::error(doc.source.clone(), message)
                        .at(&doc.text, file_position(id.at)),
                );
            }
            id.value.clone()
        }
        None => {
            let id = format!("{}-{}", version.dashed(), file_stem(&doc.rel));
            if let Err(why) = check_id(&id) {
                diagnostics.push(
                    Diagnostic::error(
                        doc.source.clone(),
                        format!("the note id `{id}` made from the file name {why}; rename the file or set `id:`"),
                    )
                    .at(&doc.text, Position::start()),
                );
            }
            id
        }
    };
    let title = fm
        .title
        .clone()
        .or_else(|| doc.first_heading.clone())
        .unwrap_or_else(|| file_stem(&doc.rel).replace(['-', '_'], " "));
    let changes = fm
        .changes
        .iter()
        .flatten()
        .filter_map(|entry| check_change(config, entry, &title, &doc, diagnostics))
        .collect();
    Note {
        id,
        title,
        weight: fm.weight.unwrap_or(0),
        changes,
        doc,
        memo: DocMemo::default(),
    }
}

/// Link targets of a guide: note files -> the note's anchor in the guide, version indexes -> version pages.
pub fn link_targets(guide: &Guide) -> Vec<(String, String)> {
    let mut targets = Vec::new();
    for section in &guide.versions {
        if let Some(index) = &section.index {
            targets.push((index.rel.clone(), section.url.clone()));
        }
        for note in &section.notes {
            targets.push((note.doc.rel.clone(), format!("{}#{}", guide.url, note.id)));
        }
    }
    targets
}
