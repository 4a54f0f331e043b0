//! What a rebuild derives from the whole site besides its pages, kept per source so that the next
//! rebuild redoes only the sources whose result may have changed: the broken links of each source.
//! (Search entries travel with each page's render outcome, which a kept page keeps.)
//!
//! A source's page (or version page) is rendered again whenever its text, title or anything else
//! it shows changed (see [`super::fingerprint`]); a source whose page was kept is thus unchanged,
//! and so are its search entries. Its links also depend on the site's link targets (any change
//! re-checks every source) and on the anchors of the pages they name.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::Diagnostic;
use crate::links::{self, Anchors, Checked, Found};
use crate::render;
use crate::site::Site;

/// By source file: the URL of the page it is rendered on, and its links' problems (shared, so
/// that the next rebuild keeps a source's result without copying it).
pub type SourceLinks = HashMap<PathBuf, (String, Arc<Checked>)>;

/// Per-source results of one rebuild.
#[derive(Debug, Default)]
pub struct Derived {
    /// The hash of the site's link targets the links were checked against.
    targets: u64,
    /// Each source's links.
    links: SourceLinks,
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
        anchors: &dyn Anchors,
        found: &dyn Found,
    ) -> (Vec<Diagnostic>, SourceLinks) {
        let old = self.old.filter(|old| old.targets == self.targets);
        let checked: Vec<(PathBuf, (String, Arc<Checked>))> = links::sources(site, found)
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
                    Some((_, checked)) => Arc::clone(checked),
                    None => Arc::new(links::check_source(site, anchors, source)),
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
}

impl Derived {
    /// The results of one rebuild, for the next.
    pub fn new(targets: u64, links: SourceLinks) -> Self {
        Derived { targets, links }
    }

    /// The hash of the link targets these results were found with.
    pub fn targets(&self) -> u64 {
        self.targets
    }
}
