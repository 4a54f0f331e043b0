//! What a rebuild derives from the whole site besides its pages, kept per source so that the next
//! rebuild redoes only the sources whose result may have changed: the broken links of each source
//! and the search entries of each page and version section.
//!
//! A source's page (or version page) is rendered again whenever its text, title or anything else
//! it shows changed (see [`super::fingerprint`]); a source whose page was kept is thus unchanged,
//! and so are its search entries. Its links also depend on the site's link targets (any change
//! re-checks every source) and on the anchors of the pages they name.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::error::Diagnostic;
use crate::links::{self, Anchors, Checked};
use crate::render;
use crate::search;
use crate::site::Site;

/// Per-source results of one rebuild.
#[derive(Debug, Default)]
pub struct Derived {
    /// The hash of the site's link targets the links were checked against.
    targets: u64,
    /// By source file: the URL of the page it is rendered on, and its links' problems.
    links: HashMap<PathBuf, (String, Checked)>,
    /// By page or version URL: its search entries as JSON.
    search: HashMap<String, Vec<String>>,
}

/// What changed since the results in `old` were found.
#[derive(Debug)]
pub struct Since<'a> {
    /// The last rebuild's results, if there was one.
    pub old: Option<&'a Derived>,
    /// Output paths of the pages rendered now (the others were kept).
    pub rendered: &'a HashSet<String>,
    /// URLs of the pages whose anchors changed.
    pub anchors_changed: &'a HashSet<String>,
    /// The hash of the site's link targets now.
    pub targets: u64,
}

impl Since<'_> {
    /// True when the page at `url` was rendered before and kept now.
    fn kept(&self, url: &str) -> bool {
        !self.rendered.contains(&render::output_path(url))
    }

    /// The broken links of `site`, and the per-source results to keep for the next rebuild.
    pub fn check_links(
        &self,
        site: &Site,
        anchors: &Anchors,
    ) -> (Vec<Diagnostic>, HashMap<PathBuf, (String, Checked)>) {
        let old = self.old.filter(|old| old.targets == self.targets);
        let checked: Vec<(PathBuf, (String, Checked))> = links::sources(site)
            .par_iter()
            .map(|source| {
                let reused = old
                    .and_then(|old| old.links.get(&source.doc.source))
                    .filter(|(owner, checked)| {
                        owner == source.owner_url
                            && self.kept(owner)
                            && !checked
                                .anchored
                                .iter()
                                .any(|url| self.anchors_changed.contains(url))
                    });
                let result = match reused {
                    Some((_, checked)) => checked.clone(),
                    None => links::check_source(site, anchors, source),
                };
                let owner = source.owner_url.to_string();
                (source.doc.source.clone(), (owner, result))
            })
            .collect();
        let problems = checked
            .iter()
            .flat_map(|(_, (_, c))| c.problems.iter().cloned())
            .collect();
        (problems, checked.into_iter().collect())
    }

    /// `search-index.js`, and the entries to keep for the next rebuild.
    pub fn search_index(&self, site: &Site) -> (String, HashMap<String, Vec<String>>) {
        let reuse = |url: &str| {
            self.old
                .and_then(|old| old.search.get(url))
                .filter(|_| self.kept(url))
        };
        let json = |entries: Vec<search::Entry>| entries.iter().map(search::entry_json).collect();
        let mut parts: Vec<(String, Vec<String>)> = site
            .pages
            .par_iter()
            .map(|page| {
                let entries = reuse(&page.url)
                    .cloned()
                    .unwrap_or_else(|| json(vec![search::page_entry(page)]));
                (page.url.clone(), entries)
            })
            .collect();
        for guide in &site.guides {
            for version in &guide.versions {
                let entries = reuse(&version.url)
                    .cloned()
                    .unwrap_or_else(|| json(search::version_entries(guide, version)));
                parts.push((version.url.clone(), entries));
            }
        }
        let script =
            search::index_script_of(parts.iter().flat_map(|(_, e)| e.iter().map(String::as_str)));
        (script, parts.into_iter().collect())
    }
}

impl Derived {
    /// The results of one rebuild, for the next.
    pub fn new(
        targets: u64,
        links: HashMap<PathBuf, (String, Checked)>,
        search: HashMap<String, Vec<String>>,
    ) -> Self {
        Derived {
            targets,
            links,
            search,
        }
    }
}
