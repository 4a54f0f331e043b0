//! Fingerprints: one hash of everything a rendered page depends on, so a rebuild re-renders a page
//! only when one of its inputs changed.
//!
//! What a page depends on, by kind:
//! - every page: the config (which also decides drafts and the site context) and the templates it
//!   may use (see [`template_hashes`]);
//! - a content page: its own source, title, URL and layout, and what each of its links resolves to
//!   (checked separately, against the links recorded when it was last rendered);
//! - a guide's page and its path view: the whole guide and every link target of the site;
//! - a version page: its own version (procedure and notes), the guide's summary (versions, note
//!   ids, titles and matrix entries, but no note bodies) and every link target.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::path::Path;

use crate::build::Job;
use crate::config::Config;
use crate::guide::{Guide, VersionSection};
use crate::output::Parts;
use crate::site::{Page, Site, Targets};
use crate::templates::Theme;

/// The hasher of fingerprints: xxh3, which hashes the short fields of a page several times
/// quicker than the standard library's SipHash (no key is needed: nothing here is adversarial).
type FieldHasher = xxhash_rust::xxh3::Xxh3Default;

/// Hashes `value`'s `Debug` text: every field of the model types takes part without listing them
/// here, so a field added later cannot be forgotten.
fn debug_hash(hasher: &mut FieldHasher, value: &dyn fmt::Debug) {
    struct Feed<'a>(&'a mut FieldHasher);
    impl fmt::Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let _ = write!(Feed(hasher), "{value:?}");
}

/// Hashes a page. Its source counts by its text's hash, which also stands for everything parsed
/// from the text (the front matter, the fallback title); the rest is listed field by field, and
/// the exhaustive patterns make a field added later a compile error here until it is hashed.
fn page_hash(hasher: &mut FieldHasher, page: &Page) {
    let Page {
        doc,
        url,
        title,
        layout,
        layout_position,
        weight,
        guide,
        description,
    } = page;
    let crate::content::Document {
        rel,
        source,
        front_matter: _,
        has_front_matter,
        text: _,
        text_hash,
        first_heading: _,
        body_start,
        body_line,
        released_from: _,
    } = doc;
    (
        rel,
        source,
        has_front_matter,
        text_hash,
        body_start,
        body_line,
    )
        .hash(hasher);
    (url, title, layout, weight, guide, description).hash(hasher);
    layout_position.map(|p| (p.line, p.column)).hash(hasher);
}

/// Hashes a version section the same way: `Debug` without the sources' texts, then the texts.
fn section_hash(hasher: &mut FieldHasher, section: &VersionSection) {
    let mut shallow = section.clone();
    let docs = shallow
        .index
        .iter_mut()
        .chain(shallow.notes.iter_mut().map(|n| &mut n.doc));
    for doc in docs {
        doc.text = String::new();
    }
    debug_hash(hasher, &shallow);
    let texts = section
        .index
        .iter()
        .chain(section.notes.iter().map(|n| &n.doc));
    for doc in texts {
        doc.text.hash(hasher);
    }
}

/// A hash of `bytes`, to tell whether an output file changed (xxh3: a large site's search index
/// is megabytes, hashed on every rebuild).
pub fn bytes_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// [`bytes_hash`] of the concatenation of `parts`, without joining them.
pub fn parts_hash(parts: &dyn Parts) -> std::io::Result<u64> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    parts.each(&mut |part| {
        hasher.update(part);
        Ok(())
    })?;
    Ok(hasher.digest())
}

/// The site-wide inputs of one build, hashed once and shared by every page's fingerprint.
#[derive(Debug)]
pub struct Inputs {
    env: u64,
    targets: u64,
    /// By guide URL: (everything, summary without note bodies).
    guides: HashMap<String, (u64, u64)>,
    templates: HashMap<String, u64>,
}

impl Inputs {
    /// Hashes the config, link targets and guides of `site`; `templates` from [`template_hashes`].
    pub fn new(
        config: &Config,
        drafts: bool,
        site: &Site,
        templates: HashMap<String, u64>,
    ) -> Self {
        let mut env = FieldHasher::new();
        debug_hash(&mut env, config);
        drafts.hash(&mut env);
        let guides = site
            .guides
            .iter()
            .map(|g| (g.url.clone(), (guide_hash(g), summary_hash(g))))
            .collect();
        Inputs {
            env: env.finish(),
            targets: targets_hash(site.link_targets()),
            guides,
            templates,
        }
    }

    /// The fingerprint of one rendering job.
    pub fn fingerprint(&self, job: &Job<'_>) -> u64 {
        let mut hasher = FieldHasher::new();
        self.env.hash(&mut hasher);
        let guide = |g: &Guide| self.guides.get(&g.url).copied().unwrap_or_default();
        match job {
            Job::Page(page) => {
                self.template(&format!("{}.html", page.layout))
                    .hash(&mut hasher);
                page_hash(&mut hasher, page);
                // A guide's page is the page at the guide's URL; it shows the whole guide.
                if page.guide.is_some() {
                    let whole = self.guides.get(&page.url).map(|g| g.0);
                    (whole, self.targets).hash(&mut hasher);
                }
            }
            Job::Version(g, section) => {
                self.template("version.html").hash(&mut hasher);
                (guide(g).1, self.targets, &g.url).hash(&mut hasher);
                section_hash(&mut hasher, section);
            }
            Job::Path(g) => {
                self.template("path.html").hash(&mut hasher);
                (guide(g).0, self.targets, &g.url).hash(&mut hasher);
            }
        }
        hasher.finish()
    }

    /// Hashes `guide` again (after [`Guide::replace_note_source`]).
    pub fn refresh_guide(&mut self, guide: &Guide) {
        let hashes = (guide_hash(guide), summary_hash(guide));
        self.guides.insert(guide.url.clone(), hashes);
    }

    /// The hash of the site's link targets.
    pub fn targets(&self) -> u64 {
        self.targets
    }

    fn template(&self, name: &str) -> u64 {
        self.templates.get(name).copied().unwrap_or_default()
    }
}

fn guide_hash(guide: &Guide) -> u64 {
    let mut hasher = FieldHasher::new();
    let mut shallow = guide.clone();
    shallow.versions = Vec::new();
    debug_hash(&mut hasher, &shallow);
    for section in &guide.versions {
        section_hash(&mut hasher, section);
    }
    hasher.finish()
}

/// The guide without note bodies and procedures: what the matrix, legend and links of every
/// version page show.
fn summary_hash(guide: &Guide) -> u64 {
    let mut h = FieldHasher::new();
    (
        &guide.dir,
        &guide.url,
        &guide.title,
        &guide.columns,
        &guide.kinds,
    )
        .hash(&mut h);
    debug_hash(&mut h, &guide.since);
    for v in &guide.versions {
        debug_hash(&mut h, &v.version);
        (&v.from, &v.title, &v.released, &v.anchor, &v.url).hash(&mut h);
        v.index.as_ref().map(|d| &d.rel).hash(&mut h);
        for note in &v.notes {
            (&note.id, &note.title, note.weight, &note.doc.rel).hash(&mut h);
            debug_hash(&mut h, &note.changes);
        }
    }
    h.finish()
}

/// Every link target. The sets are unordered: each item is hashed alone and the hashes summed, so
/// no sorting of tens of thousands of paths on every rebuild.
fn targets_hash(targets: Targets<'_>) -> u64 {
    fn one(item: impl Hash) -> u64 {
        let mut h = FieldHasher::new();
        item.hash(&mut h);
        h.finish()
    }
    let mut h = FieldHasher::new();
    for items in [
        &mut targets.documents().map(one) as &mut dyn Iterator<Item = u64>,
        &mut targets.page_urls().map(one),
        &mut targets.files().map(one),
    ] {
        let (count, total) = items.fold((0usize, 0u64), |(n, t), x| (n + 1, t.wrapping_add(x)));
        total.hash(&mut h);
        count.hash(&mut h);
    }
    h.finish()
}

/// The site's own templates (its `templates/` folder): read them before loading the site, so a
/// template edited meanwhile differs from its hash and renders again next time.
pub fn site_templates(root: &Path) -> BTreeMap<String, Vec<u8>> {
    template_sources(root, &Theme::default())
}

/// The hash of every template the site renders with: `theme`'s, overridden by `site_templates`.
pub fn all_template_hashes(
    site_templates: BTreeMap<String, Vec<u8>>,
    theme: &Theme,
) -> HashMap<String, u64> {
    let mut sources = template_sources(Path::new("/nonexistent"), theme);
    sources.extend(site_templates);
    template_hashes(&sources)
}

/// Every template's source by name, as the build sees them: the theme's `templates/`, overridden
/// by the site's `templates/` folder.
pub fn template_sources(root: &Path, theme: &Theme) -> BTreeMap<String, Vec<u8>> {
    let mut sources: BTreeMap<String, Vec<u8>> = theme
        .files
        .iter()
        .filter_map(|f| {
            let name = f.rel.strip_prefix("templates/")?;
            Some((name.to_string(), f.bytes.clone()))
        })
        .collect();
    let dir = root.join("templates");
    let walker = walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::content::is_ignored(e.file_name()));
    for entry in walker.filter_map(std::result::Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&dir) else {
            continue;
        };
        let name = rel.to_string_lossy().replace('\\', "/");
        // An unreadable file hashes as empty; the build reports it.
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        sources.insert(name, bytes);
    }
    sources
}

/// For each template, a hash of every template a page rendered with it may use: its `extends`
/// chain, plus every template that is not a plain layout (partials, includes, templates that
/// define components or macros, or that another template names other than to extend it), since
/// those may be used from anywhere. Editing `documentation.html` thus re-renders the pages whose
/// layout extends it; editing `base.html` or a partial re-renders every page.
pub fn template_hashes(sources: &BTreeMap<String, Vec<u8>>) -> HashMap<String, u64> {
    let texts: BTreeMap<&str, String> = sources
        .iter()
        .map(|(name, bytes)| (name.as_str(), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let parents: HashMap<&str, String> = texts
        .iter()
        .filter_map(|(name, text)| Some((*name, parent_of(text)?)))
        .collect();
    let mut shared = FieldHasher::new();
    for (name, bytes) in sources {
        if !is_plain_layout(name, &texts, &parents) {
            (name, bytes).hash(&mut shared);
        }
    }
    let shared = shared.finish();
    texts
        .keys()
        .map(|name| {
            let mut h = FieldHasher::new();
            shared.hash(&mut h);
            let mut current = Some((*name).to_string());
            let mut depth = 0;
            // Bounded: a cycle of `extends` is a template error anyway.
            while let Some(template) = current.filter(|_| depth < 32) {
                (&template, sources.get(&template)).hash(&mut h);
                current = parents.get(template.as_str()).cloned();
                depth += 1;
            }
            ((*name).to_string(), h.finish())
        })
        .collect()
}

/// A top-level template that pages use as their layout and others only extend.
fn is_plain_layout(
    name: &str,
    texts: &BTreeMap<&str, String>,
    parents: &HashMap<&str, String>,
) -> bool {
    if name.contains('/') || name.starts_with('_') {
        return false;
    }
    let Some(text) = texts.get(name) else {
        return false;
    };
    if has_tag(text, "component") || has_tag(text, "macro") {
        return false;
    }
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    texts
        .iter()
        .filter(|(other, _)| **other != name)
        .all(|(other, text)| {
            let mentions: usize = quoted
                .iter()
                .map(|q| text.matches(q.as_str()).count())
                .sum();
            let extends = usize::from(parents.get(other).is_some_and(|p| p == name));
            mentions <= extends
        })
}

/// True when `text` has a `{% keyword ...` tag (with optional whitespace control).
fn has_tag(text: &str, keyword: &str) -> bool {
    text.match_indices("{%").any(|(at, _)| {
        let rest = text[at + 2..].trim_start_matches('-').trim_start();
        rest.strip_prefix(keyword)
            .is_some_and(|after| after.starts_with(char::is_whitespace))
    })
}

/// The template named by the first `{% extends "..." %}` tag.
fn parent_of(text: &str) -> Option<String> {
    text.match_indices("{%").find_map(|(at, _)| {
        let rest = text[at + 2..].trim_start_matches('-').trim_start();
        let rest = rest.strip_prefix("extends")?.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let name = &rest[1..];
        Some(name[..name.find(quote)?].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme() -> BTreeMap<String, Vec<u8>> {
        [
            (
                "base.html",
                "<html>{% block content %}{% endblock %}</html>",
            ),
            (
                "page.html",
                "{# like page.html #}{% extends \"base.html\" %}x",
            ),
            ("documentation.html", "{%- extends 'page.html' -%} toc"),
            ("version.html", "{% extends \"documentation.html\" %}v"),
            (
                "path.html",
                "{% extends \"base.html\" %}p {% include \"partials/guide.html\" %}",
            ),
            ("partials/guide.html", "g"),
            (
                "partials/note.html",
                "{% component upnotes.note(note: map) %}{% endcomponent %}",
            ),
        ]
        .iter()
        .map(|(n, t)| ((*n).to_string(), t.as_bytes().to_vec()))
        .collect()
    }

    fn changed_after(edit: &str) -> Vec<String> {
        let before = template_hashes(&theme());
        let mut sources = theme();
        sources
            .get_mut(edit)
            .expect("template")
            .extend_from_slice(b" edited");
        let after = template_hashes(&sources);
        let mut changed: Vec<String> = before
            .iter()
            .filter(|(name, hash)| after.get(*name) != Some(hash))
            .map(|(name, _)| name.clone())
            .filter(|name| !name.contains('/'))
            .collect();
        changed.sort();
        changed
    }

    #[test]
    fn parts_hash_as_the_joined_bytes() {
        let hash = |parts: &[&[u8]]| parts_hash(&parts).expect("in memory");
        let parts: [&[u8]; 3] = [b"var X = [", b"", b"1,2];\n"];
        assert_eq!(hash(&parts), bytes_hash(&parts.concat()));
        assert_eq!(hash(&[]), bytes_hash(b""));
        let big = vec![7u8; 100_000];
        assert_eq!(hash(&[&big[..40_000], &big[40_000..]]), bytes_hash(&big));
    }

    #[test]
    fn a_layout_edit_reaches_the_layouts_that_extend_it() {
        assert_eq!(
            changed_after("documentation.html"),
            ["documentation.html", "version.html"]
        );
        assert_eq!(changed_after("version.html"), ["version.html"]);
        assert_eq!(
            changed_after("page.html"),
            ["documentation.html", "page.html", "version.html"]
        );
    }

    #[test]
    fn base_and_partial_edits_reach_every_layout() {
        let all = [
            "base.html",
            "documentation.html",
            "page.html",
            "path.html",
            "version.html",
        ];
        assert_eq!(changed_after("base.html"), all);
        assert_eq!(changed_after("partials/guide.html"), all);
        assert_eq!(changed_after("partials/note.html"), all);
    }

    #[test]
    fn extends_and_component_tags_are_found() {
        assert_eq!(
            parent_of("{%- extends 'page.html' -%}").as_deref(),
            Some("page.html")
        );
        assert_eq!(parent_of("{# extends #} text").as_deref(), None);
        assert!(has_tag("{%- component x() %}", "component"));
        assert!(!has_tag("the component `x`", "component"));
    }
}
