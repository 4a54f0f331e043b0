//! The site model: every page with its URL, title and layout, and the link targets between them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use hashbrown::HashTable;

use serde::Serialize;

use crate::config::Config;
use crate::content::{Content, Document, StaticFile, urls};
use crate::error::{Diagnostic, Diagnostics, Position};
use crate::guide::{self, Guide};
use crate::markdown::{LinkResolver, Resolved};

/// Layout used when a page's front matter names none.
pub const DEFAULT_LAYOUT: &str = "page";

/// A page to render.
#[derive(Debug, Clone)]
pub struct Page {
    /// The parsed source.
    pub doc: Document,
    /// Site-relative URL (`""`, `guide/`, `guide/intro/`).
    pub url: String,
    /// Title from front matter, else the first heading, else the file name.
    pub title: String,
    /// Template name without `.html`.
    pub layout: String,
    /// Where the layout was named, for errors.
    pub layout_position: Option<Position>,
    /// Ordering among siblings in navigation.
    pub weight: i64,
    /// For a guide's index page: the guide (index into [`Site::guides`]).
    pub guide: Option<usize>,
    /// `description` from front matter: all that rendering needs of it, so that a page's front
    /// matter is not parsed again when its text is read again.
    pub description: Option<Box<str>>,
}

impl Page {
    /// This page with its source's text (see [`Document::with_text`]; the front matter is not
    /// parsed again: what the page needs of it is in the page).
    pub fn with_text(&self) -> Result<Cow<'_, Page>, Diagnostic> {
        Ok(match self.doc.with_text_alone()? {
            Cow::Borrowed(_) => Cow::Borrowed(self),
            Cow::Owned(doc) => Cow::Owned(Page {
                doc,
                url: self.url.clone(),
                title: self.title.clone(),
                layout: self.layout.clone(),
                layout_position: self.layout_position,
                weight: self.weight,
                guide: self.guide,
                description: self.description.clone(),
            }),
        })
    }
}

/// Every page and file of a site, ready to render.
#[derive(Debug, Default)]
pub struct Site {
    /// Pages sorted by source path.
    pub pages: Vec<Page>,
    /// Files copied from `content/`.
    pub static_files: Vec<StaticFile>,
    /// Upgrade guides.
    pub guides: Vec<Guide>,
    /// What relative links in pages can point at.
    pub targets: LinkTargets,
}

impl Site {
    /// Upgrade notes in all guides.
    pub fn note_count(&self) -> usize {
        self.guides
            .iter()
            .flat_map(|g| &g.versions)
            .map(|v| v.notes.len())
            .sum()
    }
}

/// Maps content paths to URLs so links written between source files can be rewritten.
///
/// Pages' own paths and URLs are not copied: two tables hold indices into [`Site::pages`] (read
/// through [`Targets`]). Copies of them cost a site of 50,000 pages about 8 MB.
#[derive(Debug, Default)]
pub struct LinkTargets {
    /// Pages by source path: indices into the pages.
    pages_by_rel: HashTable<usize>,
    /// Pages by URL: indices into the pages.
    pages_by_url: HashTable<usize>,
    /// Markdown files that are not pages (a guide's version procedures and notes) -> URL, with a
    /// fragment for notes.
    other_documents: HashMap<String, String>,
    /// URLs of pages rendered from no page source (version pages, path views).
    other_page_urls: HashSet<String>,
    /// Static files relative to `content/`.
    files: HashSet<String>,
}

/// The hash of a path or URL in the tables: xxh3 in one call, several times quicker on short
/// strings than the standard library's keyed SipHash. (A site's own paths need no protection
/// from crafted collisions: a writer who wanted a slow build could simply write more pages.)
fn key_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

impl LinkTargets {
    /// The targets of `pages` and of the other documents, page URLs and static files.
    pub fn new(
        pages: &[Page],
        other_documents: HashMap<String, String>,
        other_page_urls: HashSet<String>,
        files: HashSet<String>,
    ) -> Self {
        let mut pages_by_rel = HashTable::with_capacity(pages.len());
        let mut pages_by_url = HashTable::with_capacity(pages.len());
        for i in 0..pages.len() {
            let by_rel = |&j: &usize| key_hash(&pages[j].doc.rel);
            pages_by_rel.insert_unique(by_rel(&i), i, by_rel);
            let by_url = |&j: &usize| key_hash(&pages[j].url);
            pages_by_url.insert_unique(by_url(&i), i, by_url);
        }
        LinkTargets {
            pages_by_rel,
            pages_by_url,
            other_documents,
            other_page_urls,
            files,
        }
    }
}

/// A site's link targets with the pages their tables index.
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    tables: &'a LinkTargets,
    pages: &'a [Page],
}

impl<'a> Targets<'a> {
    /// `tables` read against `pages`, the pages they were made from.
    pub fn new(tables: &'a LinkTargets, pages: &'a [Page]) -> Self {
        Targets { tables, pages }
    }

    /// The URL of the Markdown file at `rel` (relative to `content/`), with a fragment for a note.
    pub fn document(&self, rel: &str) -> Option<&'a str> {
        let hash = key_hash(rel);
        let page = self
            .tables
            .pages_by_rel
            .find(hash, |&i| self.pages[i].doc.rel == rel);
        match page {
            Some(&i) => Some(&self.pages[i].url),
            None => self.tables.other_documents.get(rel).map(String::as_str),
        }
    }

    /// The index among the pages of the page at `url`.
    pub fn page_index(&self, url: &str) -> Option<usize> {
        let hash = key_hash(url);
        let found = self
            .tables
            .pages_by_url
            .find(hash, |&i| self.pages[i].url == url);
        found.copied()
    }

    /// Whether a page is rendered at `url`.
    pub fn is_page_url(&self, url: &str) -> bool {
        self.page_index(url).is_some() || self.tables.other_page_urls.contains(url)
    }

    /// Whether `rel` (relative to `content/`) is a static file.
    pub fn is_file(&self, rel: &str) -> bool {
        self.tables.files.contains(rel)
    }

    /// Every Markdown file that links can name, with its URL, in no particular order.
    pub fn documents(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let pages = self
            .pages
            .iter()
            .map(|p| (p.doc.rel.as_str(), p.url.as_str()));
        let others = self.tables.other_documents.iter();
        pages.chain(others.map(|(rel, url)| (rel.as_str(), url.as_str())))
    }

    /// Every page URL, in no particular order.
    pub fn page_urls(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let pages = self.pages.iter().map(|p| p.url.as_str());
        pages.chain(self.tables.other_page_urls.iter().map(String::as_str))
    }

    /// Every static file, relative to `content/`, in no particular order.
    pub fn files(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.tables.files.iter().map(String::as_str)
    }
}

impl Site {
    /// The site's link targets.
    pub fn link_targets(&self) -> Targets<'_> {
        Targets::new(&self.targets, &self.pages)
    }
}

/// Builds the site model: guides split off, every page with its URL; reports URL clashes.
pub fn assemble(content: Content, config: &Config, diagnostics: &mut Diagnostics) -> Site {
    let mut documents = content.documents;
    let guides = guide::collect(&mut documents, config, diagnostics);
    let urls: Vec<String> = documents.iter().map(|d| urls::page_url(&d.rel)).collect();
    let clashes = url_clashes(&documents, &urls);
    let mut pages = Vec::with_capacity(documents.len());
    for ((doc, url), clash) in documents.into_iter().zip(urls).zip(clashes) {
        if let Some(first) = clash {
            diagnostics.push(Diagnostic::error(
                doc.source.clone(),
                format!(
                    "this page and content/{first} both become /{url}: rename or remove one of them"
                ),
            ));
            continue;
        }
        let mut page = page(doc, url);
        page.guide = guides.iter().position(|g| g.url == page.url);
        pages.push(page);
    }
    let mut documents = HashMap::new();
    let mut page_urls = HashSet::new();
    for guide in &guides {
        documents.extend(guide::link_targets(guide));
        page_urls.extend(guide.versions.iter().map(|v| v.url.clone()));
        page_urls.insert(guide.path_url());
    }
    let files = content.static_files.iter().map(|f| f.rel.clone()).collect();
    let targets = LinkTargets::new(&pages, documents, page_urls, files);
    Site {
        pages,
        static_files: content.static_files,
        guides,
        targets,
    }
}

/// For each document, the path of the earlier one with the same URL, if any (the first keeps it).
fn url_clashes(documents: &[Document], urls: &[String]) -> Vec<Option<String>> {
    let mut first_at: HashMap<&str, usize> = HashMap::with_capacity(urls.len());
    urls.iter()
        .enumerate()
        .map(|(i, url)| {
            let first = *first_at.entry(url).or_insert(i);
            (first != i).then(|| documents[first].rel.clone())
        })
        .collect()
}

fn page(mut doc: Document, url: String) -> Page {
    let (layout, layout_position) = match &doc.front_matter.layout {
        Some(l) => (l.value.clone(), Some(l.at)),
        None => (DEFAULT_LAYOUT.to_string(), None),
    };
    // Front matter positions are relative to the YAML, which starts on line 2 of the file.
    let layout_position = layout_position.map(|p| Position::new(p.line + 1, p.column));
    let title = doc
        .front_matter
        .title
        .clone()
        .or_else(|| doc.first_heading.clone())
        .unwrap_or_else(|| file_title(&doc.rel));
    let weight = doc.front_matter.weight.unwrap_or(0);
    let description = doc.front_matter.description.as_deref().map(Box::from);
    doc.release_front_matter();
    Page {
        title,
        weight,
        doc,
        url,
        layout,
        layout_position,
        guide: None,
        description,
    }
}

/// A title from a file name: `upgrade-guide.md` -> `Upgrade guide`.
fn file_title(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name
        .split('.')
        .next()
        .unwrap_or(name)
        .replace(['-', '_'], " ");
    let mut chars = stem.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Resolves the links of one page against the site's targets.
#[derive(Debug)]
pub struct PageLinks<'a> {
    /// The site's targets.
    pub targets: Targets<'a>,
    /// The folder of the page's source, relative to `content/` (`""` or ending in `/`).
    pub source_dir: &'a str,
    /// The page's URL.
    pub page_url: &'a str,
    /// Append `index.html` to folder links (offline bundles).
    pub index_files: bool,
}

/// Where a link written in a page leads. URLs and fragments are borrowed from the site model or
/// the link where they can be: every link of every page is resolved when it renders (and again
/// by the link check, unless the build left it out as settled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget<'a> {
    /// Not ours to check: a URL with a scheme, an absolute path, an empty link.
    External,
    /// A place in this site: a site-relative URL (page folder or file) and an optional fragment.
    Internal {
        /// Site-relative URL of the page or file.
        url: Cow<'a, str>,
        /// The fragment without `#`, if any.
        fragment: Option<Cow<'a, str>>,
    },
    /// A relative link to something that does not exist (or leads outside `content/`).
    Missing {
        /// The file looked for (`content/...`), or `None` when the link climbs out of `content/`.
        looked_for: Option<String>,
    },
}

impl<'a> PageLinks<'a> {
    /// Resolves `destination` as written in this page's source to its target in the site.
    pub fn target<'d>(&self, destination: &'d str) -> LinkTarget<'d>
    where
        'a: 'd,
    {
        let nonempty = |fragment: Cow<'d, str>| Some(fragment).filter(|f| !f.is_empty());
        if let Some(fragment) = destination.strip_prefix('#') {
            return LinkTarget::Internal {
                url: Cow::Borrowed(self.page_url),
                fragment: nonempty(urls::decode_path(fragment)),
            };
        }
        if is_external(destination) {
            return LinkTarget::External;
        }
        // An empty fragment written out (`page.md#`) still overrides a note's own.
        let (path, fragment) = match urls::find_byte(destination, b'#') {
            Some(hash) => (
                &destination[..hash],
                Some(urls::decode_path(&destination[hash + 1..])),
            ),
            None => (destination, None),
        };
        let path = urls::find_byte(path, b'?').map_or(path, |query| &path[..query]);
        let Some(target) = urls::join(self.source_dir, &urls::decode_path(path)) else {
            return LinkTarget::Missing { looked_for: None };
        };
        if let Some(url) = self.targets.document(&target) {
            // A note's URL already carries its fragment; an explicit one in the link wins.
            let (url, fragment) = match url.split_once('#') {
                Some((page, anchor)) => (page, fragment.or(Some(Cow::Borrowed(anchor)))),
                None => (url, fragment),
            };
            return LinkTarget::Internal {
                url: Cow::Borrowed(url),
                fragment: fragment.and_then(nonempty),
            };
        }
        let fragment = fragment.and_then(nonempty);
        if target.is_empty() || self.targets.is_file(&target) {
            return LinkTarget::Internal {
                url: Cow::Owned(target),
                fragment,
            };
        }
        // The folder's page: `target` with one `/` at its end, made in place.
        let written = target.len();
        let mut folder = target;
        folder.truncate(folder.trim_end_matches('/').len());
        let bare = folder.len();
        folder.push('/');
        if self.targets.is_page_url(&folder) {
            return LinkTarget::Internal {
                url: Cow::Owned(folder),
                fragment,
            };
        }
        folder.truncate(bare);
        folder.extend(std::iter::repeat_n('/', written - bare));
        LinkTarget::Missing {
            looked_for: Some(format!("content/{folder}")),
        }
    }
}

impl PageLinks<'_> {
    /// The href of a link to `destination`, which leads to `target`.
    fn rewrite(&self, destination: &str, target: LinkTarget<'_>) -> Resolved {
        match target {
            // An in-page fragment stays as written.
            LinkTarget::Internal { .. } if destination.starts_with('#') => Resolved::Keep,
            LinkTarget::Internal { url, fragment } => {
                let same_page = url == self.page_url;
                let mut href = match (&fragment, same_page) {
                    (Some(_), true) => String::new(),
                    _ => urls::relative(self.page_url, &url, self.index_files),
                };
                if let Some(fragment) = fragment {
                    href.push('#');
                    urls::push_encoded(&mut href, &fragment);
                }
                Resolved::Rewrite(href)
            }
            LinkTarget::External | LinkTarget::Missing { .. } => Resolved::Keep,
        }
    }
}

impl LinkResolver for PageLinks<'_> {
    fn resolve(&self, destination: &str) -> Resolved {
        self.rewrite(destination, self.target(destination))
    }

    fn resolve_settled(&self, destination: &str) -> (Resolved, bool) {
        let target = self.target(destination);
        let settled = matches!(
            target,
            LinkTarget::External | LinkTarget::Internal { fragment: None, .. }
        );
        (self.rewrite(destination, target), settled)
    }
}

/// Links the resolver leaves alone: URLs with a scheme, absolute paths and pure fragments.
fn is_external(destination: &str) -> bool {
    if destination.is_empty() || destination.starts_with('#') || destination.starts_with('/') {
        return true;
    }
    match urls::find_byte(destination, b':') {
        Some(colon) => {
            let scheme = &destination.as_bytes()[..colon];
            !scheme.is_empty()
                && scheme
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        }
        None => false,
    }
}

/// One entry of the navigation tree, shared by all pages through one script.
///
/// Titles and URLs are borrowed from the site model: on a site of tens of thousands of pages a
/// copy of each would be megabytes, held while the navigation script is written.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NavEntry<'a> {
    /// Page title, or for a folder without a page its name made readable.
    pub title: Cow<'a, str>,
    /// Site-relative URL; `None` (left out of the JSON) for a folder without a page, which the
    /// theme shows as a group that only opens and closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Cow<'a, str>>,
    /// Pages in folders below this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NavEntry<'a>>,
}

/// The navigation tree: each page under the page of its folder; a folder without a page of its
/// own (no `_index.md`, `index.md`, `README.md` or `<folder>.md`) becomes a group titled after its
/// name, so a site of many folders opens as a short list rather than one flat list of every page.
/// Siblings go by weight, then source path, a group having the default weight and sorting as its
/// folder does; the home page comes first. A guide's page lists its path view and version pages
/// (newest first) after its other children.
///
/// Built through an index by URL rather than by searching the tree for each page: `serve` runs
/// this after every edit, and the search is quadratic on a site of thousands of sibling pages.
pub fn navigation(site: &Site) -> Vec<NavEntry<'_>> {
    let mut tree = NavTree::of(&site.pages);
    for guide in &site.guides {
        let Some(&at) = tree.by_url.get(guide.url.as_str()) else {
            continue;
        };
        tree.leaf(at, "Upgrade path".into(), guide.path_url().into());
        for version in &guide.versions {
            let name = version.version.name().to_string();
            tree.leaf(at, name.into(), version.url.as_str().into());
        }
    }
    tree.into_entries()
}

/// The navigation tree as a flat list of nodes with the indices of their children.
struct NavTree<'p> {
    nodes: Vec<NavNode<'p>>,
    /// The home page, listed before every other top-level entry.
    home: Option<usize>,
    roots: Vec<usize>,
    /// Pages and groups by URL (a group's URL is its folder's path).
    by_url: HashMap<&'p str, usize>,
}

struct NavNode<'p> {
    entry: NavEntry<'p>,
    /// Sort key among siblings: weight, then source path (a group's: its folder with a `/`).
    weight: i64,
    path: &'p str,
    children: Vec<usize>,
}

impl<'p> NavTree<'p> {
    /// Every page under its folder's page or group, groups created on the way up; each page stops
    /// at the first folder already placed, so the work is linear in pages plus folders.
    fn of(pages: &'p [Page]) -> Self {
        let mut tree = NavTree {
            nodes: Vec::with_capacity(pages.len()),
            home: None,
            roots: Vec::new(),
            by_url: HashMap::with_capacity(pages.len()),
        };
        for page in pages {
            let entry = NavEntry {
                title: page.title.as_str().into(),
                url: Some(page.url.as_str().into()),
                children: Vec::new(),
            };
            let at = tree.push(entry, page.weight, &page.doc.rel);
            tree.by_url.insert(page.url.as_str(), at);
        }
        for (at, page) in pages.iter().enumerate() {
            if page.url.is_empty() {
                tree.home = Some(at);
            } else {
                tree.attach(at, &page.url);
            }
        }
        tree.sort_siblings();
        tree
    }

    fn push(&mut self, entry: NavEntry<'p>, weight: i64, path: &'p str) -> usize {
        self.nodes.push(NavNode {
            entry,
            weight,
            path,
            children: Vec::new(),
        });
        self.nodes.len() - 1
    }

    /// Places node `at` (URL `url`) under its folder's entry, creating groups for folders without
    /// a page up to the first folder that has an entry.
    fn attach(&mut self, mut at: usize, mut url: &'p str) {
        while let Some(folder) = parent_folder(url) {
            if let Some(&parent) = self.by_url.get(folder) {
                self.nodes[parent].children.push(at);
                return;
            }
            let entry = NavEntry {
                title: folder_title(folder).into(),
                url: None,
                children: Vec::new(),
            };
            let group = self.push(entry, 0, folder);
            self.by_url.insert(folder, group);
            self.nodes[group].children.push(at);
            at = group;
            url = folder;
        }
        self.roots.push(at);
    }

    fn sort_siblings(&mut self) {
        let key = |nodes: &[NavNode<'p>], at: usize| (nodes[at].weight, nodes[at].path);
        let nodes = &self.nodes;
        self.roots.sort_by_key(|&at| key(nodes, at));
        for at in 0..self.nodes.len() {
            let mut children = std::mem::take(&mut self.nodes[at].children);
            children.sort_by_key(|&child| key(&self.nodes, child));
            self.nodes[at].children = children;
        }
    }

    fn leaf(&mut self, parent: usize, title: Cow<'p, str>, url: Cow<'p, str>) {
        let entry = NavEntry {
            title,
            url: Some(url),
            children: Vec::new(),
        };
        let at = self.push(entry, 0, "");
        self.nodes[parent].children.push(at);
    }

    fn into_entries(mut self) -> Vec<NavEntry<'p>> {
        let roots = std::mem::take(&mut self.roots);
        self.home
            .into_iter()
            .chain(roots)
            .map(|at| self.take(at))
            .collect()
    }

    fn take(&mut self, at: usize) -> NavEntry<'p> {
        let node = &mut self.nodes[at];
        let children = std::mem::take(&mut node.children);
        let mut entry = NavEntry {
            title: std::mem::take(&mut node.entry.title),
            url: node.entry.url.take(),
            children: Vec::new(),
        };
        entry.children = children.into_iter().map(|c| self.take(c)).collect();
        entry
    }
}

/// The folder a page or folder URL sits in (`a/b/c/` -> `a/b/`); `None` at the top.
fn parent_folder(url: &str) -> Option<&str> {
    let inner = url.strip_suffix('/').unwrap_or(url);
    inner.rfind('/').map(|at| &url[..=at])
}

/// A group title from a folder path: `docs/getting-started/` -> `Getting started`.
fn folder_title(folder: &str) -> String {
    let name = folder.trim_end_matches('/');
    let name = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .replace(['-', '_'], " ");
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> LinkTargets {
        LinkTargets::new(
            &[],
            [
                ("index.md", ""),
                ("guide/intro.md", "guide/intro/"),
                ("guide/_index.md", "guide/"),
                ("guide/0.28.x/precision.md", "guide/#0-28-x-precision"),
            ]
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect(),
            ["", "guide/", "guide/intro/"]
                .iter()
                .map(ToString::to_string)
                .collect(),
            ["guide/images/d.png".to_string()].into_iter().collect(),
        )
    }

    fn resolve(source_dir: &str, page_url: &str, dest: &str) -> Resolved {
        let targets = targets();
        PageLinks {
            targets: Targets::new(&targets, &[]),
            source_dir,
            page_url,
            index_files: false,
        }
        .resolve(dest)
    }

    /// The links of the page `guide/intro.md` against `targets`.
    fn intro_links(targets: &LinkTargets) -> PageLinks<'_> {
        PageLinks {
            targets: Targets::new(targets, &[]),
            source_dir: "guide/",
            page_url: "guide/intro/",
            index_files: false,
        }
    }

    #[test]
    fn settled_links_are_those_no_check_can_find_broken() {
        let targets = targets();
        let links = intro_links(&targets);
        for (dest, settled) in [
            ("https://example.org/", true),
            ("/absolute/", true),
            ("", true),
            ("intro.md", true),
            ("0.28.x/precision.md", false),
            ("images/d.png", true),
            ("_index.md", true),
            ("intro.md#setup", false),
            ("#setup", false),
            ("missing.md", false),
            ("../../outside.md", false),
        ] {
            let (resolved, got) = links.resolve_settled(dest);
            assert_eq!(got, settled, "{dest}");
            assert_eq!(resolved, links.resolve(dest), "{dest}");
        }
    }

    /// A site of pages from `(path, front matter)` pairs, sorted by path as `assemble` leaves them.
    fn site_of(files: &[(&str, &str)]) -> Site {
        let mut files = files.to_vec();
        files.sort_unstable();
        let pages = files
            .iter()
            .map(|(rel, front_matter)| {
                let text = format!("---\n{front_matter}\n---\n");
                let (doc, problems) =
                    crate::content::parse_document(rel, format!("content/{rel}").into(), &text);
                assert!(problems.is_empty(), "{rel}: {problems:?}");
                page(doc.expect("a document"), urls::page_url(rel))
            })
            .collect();
        Site {
            pages,
            ..Site::default()
        }
    }

    #[test]
    fn folders_without_a_page_become_navigation_groups() {
        let site = site_of(&[
            ("index.md", "title: Home"),
            ("about.md", "title: About"),
            ("zebra.md", "title: Zebra\nweight: -1"),
            ("changelog.md", "title: Changelog\nweight: 5"),
            ("a/b/c.md", "title: C"),
            ("getting-started/install.md", "title: Install\nweight: -1"),
            ("getting-started/advanced_topics/tuning.md", "title: Tuning"),
            ("guide/_index.md", "title: Guide"),
            ("guide/intro.md", "title: Intro"),
            ("guide/deep/dive.md", "title: Dive"),
            ("docs.md", "title: Docs"),
            ("docs/api.md", "title: API"),
            ("v1.2_API/x.md", "title: X"),
        ]);
        let nav = serde_json::to_value(navigation(&site)).expect("JSON");
        let expected = serde_json::json!([
            {"title": "Home", "url": ""},
            {"title": "Zebra", "url": "zebra/"},
            {"title": "A", "children": [
                {"title": "B", "children": [{"title": "C", "url": "a/b/c/"}]},
            ]},
            {"title": "About", "url": "about/"},
            {"title": "Docs", "url": "docs/", "children": [{"title": "API", "url": "docs/api/"}]},
            {"title": "Getting started", "children": [
                {"title": "Install", "url": "getting-started/install/"},
                {"title": "Advanced topics", "children": [
                    {"title": "Tuning", "url": "getting-started/advanced_topics/tuning/"},
                ]},
            ]},
            {"title": "Guide", "url": "guide/", "children": [
                {"title": "Deep", "children": [{"title": "Dive", "url": "guide/deep/dive/"}]},
                {"title": "Intro", "url": "guide/intro/"},
            ]},
            {"title": "V1.2 API", "children": [{"title": "X", "url": "v1.2_API/x/"}]},
            {"title": "Changelog", "url": "changelog/"},
        ]);
        assert_eq!(
            nav,
            expected,
            "{}",
            serde_json::to_string_pretty(&nav).unwrap_or_default()
        );
    }

    #[test]
    fn file_titles_are_readable() {
        assert_eq!(file_title("guide/upgrade-notes.md"), "Upgrade notes");
    }

    #[test]
    fn md_links_become_page_urls_with_fragments() {
        assert_eq!(
            resolve("guide/", "guide/intro/", "_index.md#x"),
            Resolved::Rewrite("../#x".into())
        );
        assert_eq!(
            resolve("", "", "guide/intro.md"),
            Resolved::Rewrite("guide/intro/".into())
        );
        assert_eq!(
            resolve("guide/", "guide/intro/", "images/d.png"),
            Resolved::Rewrite("../images/d.png".into())
        );
    }

    #[test]
    fn note_links_resolve_to_the_note_anchor() {
        assert_eq!(
            resolve(
                "guide/0.27.x/",
                "guide/0.27.x/other/",
                "../0.28.x/precision.md"
            ),
            Resolved::Rewrite("../../#0-28-x-precision".into())
        );
    }

    #[test]
    fn external_and_missing_links_are_kept_as_written() {
        assert_eq!(resolve("", "", "https://example.org/x.md"), Resolved::Keep);
        assert_eq!(resolve("", "", "mailto:a@b.c"), Resolved::Keep);
        assert_eq!(resolve("", "", "#top"), Resolved::Keep);
        assert_eq!(resolve("", "", "missing.md"), Resolved::Keep);
    }

    #[test]
    fn targets_name_pages_fragments_and_missing_files() {
        let targets = targets();
        let links = intro_links(&targets);
        let internal = |url: &'static str, fragment: Option<&'static str>| LinkTarget::Internal {
            url: url.into(),
            fragment: fragment.map(Cow::Borrowed),
        };
        assert_eq!(
            links.target("#setup"),
            internal("guide/intro/", Some("setup"))
        );
        assert_eq!(
            links.target("0.28.x/precision.md"),
            internal("guide/", Some("0-28-x-precision"))
        );
        assert_eq!(links.target("../index.md#a%20b"), internal("", Some("a b")));
        assert_eq!(links.target("https://x.org"), LinkTarget::External);
        assert!(matches!(
            links.target("../../etc/passwd"),
            LinkTarget::Missing { .. }
        ));
        assert!(matches!(
            links.target("%2e%2e/%2e%2e/x"),
            LinkTarget::Missing { .. }
        ));
        assert_eq!(
            links.target("gone.md"),
            LinkTarget::Missing {
                looked_for: Some("content/guide/gone.md".to_string())
            }
        );
    }
}
