//! Link checking: every relative link and `#anchor` written in the sources, resolved against the
//! pages and ids the build actually produced (heading ids, `{#id}`, `<a name>`/`<a id>`, note ids,
//! version anchors, anything with an `id` in the rendered HTML).

use std::borrow::Cow;

use rayon::prelude::*;

use crate::content::{Document, urls};
use crate::error::{Diagnostic, Position, Severity};
use crate::markdown::{self, Source};
use crate::site::{LinkTarget, PageLinks, Site};

/// Ids and names of the elements of each rendered page, kept in memory or spilled to disk (see
/// [`crate::spill`]).
pub trait Anchors: Sync + std::fmt::Debug {
    /// The anchors of the page at `url`; `None` when no page was rendered there (a static file).
    fn of(&self, url: &str) -> std::io::Result<Option<Cow<'_, AnchorSet>>>;
}

/// The links of each rendered content page, where they are written: found while its source's
/// text was in memory for rendering, and kept in memory or spilled to disk (see [`crate::spill`]).
pub trait Found: Sync + std::fmt::Debug {
    /// The links of the page at `url`, in the order they are written (none for a page without
    /// links, or one that failed to render).
    fn of(&self, url: &str) -> std::io::Result<Cow<'_, [(Position, String)]>>;
}

/// The ids and names of one page, sorted, in one allocation. Every page's set is kept until links
/// are checked, and a hash set of strings costs about three times as much; a lookup scans the
/// set, which is a few dozen names on most pages. Shared, not copied: `serve` hands every kept
/// page's set to each rebuild.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct AnchorSet(std::sync::Arc<str>);

impl AnchorSet {
    /// NUL cannot be part of an attribute value in HTML text, so it separates the names.
    const SEPARATOR: char = '\0';

    /// Whether `anchor` is one of the names: found where it is a whole name, between separators
    /// or the ends (one SIMD search of the joined names, not a split of them).
    pub fn contains(&self, anchor: &str) -> bool {
        if anchor.is_empty() || anchor.contains(Self::SEPARATOR) {
            return false;
        }
        let joined = self.0.as_bytes();
        let separator = Self::SEPARATOR as u8;
        memchr::memmem::find_iter(joined, anchor.as_bytes()).any(|at| {
            let end = at + anchor.len();
            (at == 0 || joined[at - 1] == separator)
                && joined.get(end).is_none_or(|&b| b == separator)
        })
    }

    /// The names, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(Self::SEPARATOR).filter(|a| !a.is_empty())
    }

    /// The names as one string, as [`AnchorSet::from_joined`] takes them back.
    pub fn joined(&self) -> &str {
        &self.0
    }

    /// The set whose [`AnchorSet::joined`] is `joined`.
    pub fn from_joined(joined: String) -> Self {
        AnchorSet(joined.into())
    }
}

impl FromIterator<String> for AnchorSet {
    fn from_iter<I: IntoIterator<Item = String>>(names: I) -> Self {
        let mut names: Vec<String> = names
            .into_iter()
            .filter(|n| !n.is_empty() && !n.contains(Self::SEPARATOR))
            .collect();
        names.sort_unstable();
        names.dedup();
        AnchorSet(names.join("\0").into())
    }
}

/// Every `id="..."` and `name="..."` attribute value in `html` (either quote).
///
/// One SIMD scan per attribute name: this runs over every rendered page, and four `str::find`
/// passes cost about 5% of a large build.
pub fn html_anchors(html: &str) -> AnchorSet {
    // The searchers are made once: making one costs about as much as searching a page with it.
    static ATTRIBUTES: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::LazyLock::new(|| {
            [
                memchr::memmem::Finder::new("id="),
                memchr::memmem::Finder::new("name="),
            ]
        });
    let mut anchors = Vec::new();
    let bytes = html.as_bytes();
    for finder in ATTRIBUTES.iter() {
        let attribute = finder.needle();
        for at in finder.find_iter(bytes) {
            if at == 0 || !bytes[at - 1].is_ascii_whitespace() {
                continue;
            }
            let start = at + attribute.len();
            let Some(&quote) = bytes.get(start).filter(|&&b| b == b'"' || b == b'\'') else {
                continue;
            };
            if let Some(len) = memchr::memchr(quote, &bytes[start + 1..]) {
                anchors.push(unescape(&html[start + 1..start + 1 + len]));
            }
        }
    }
    anchors.into_iter().collect()
}

/// Undoes the HTML escaping of attribute values (`&amp;` and friends).
fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Checks every link of every source (pages, notes, version procedures): one diagnostic of
/// `severity` per broken link (`build` warns, `check` fails).
pub fn check(
    site: &Site,
    anchors: &dyn Anchors,
    found: &dyn Found,
    severity: Severity,
) -> Vec<Diagnostic> {
    // In parallel, in a stable order.
    let mut problems: Vec<Diagnostic> = sources(site, found)
        .par_iter()
        .flat_map_iter(|source| check_source(site, anchors, source).problems)
        .collect();
    for problem in problems.iter_mut().filter(|p| !p.is_error()) {
        problem.severity = severity;
    }
    problems
}

/// A source whose links are checked.
#[derive(Debug, Clone, Copy)]
pub struct LinkSource<'a> {
    /// The parsed source.
    pub doc: &'a Document,
    /// The URL of the page it is shown on (a note's guide page).
    pub page_url: &'a str,
    /// The URL of the page whose rendering it is part of (a note's version page).
    pub owner_url: &'a str,
    /// Where its links are, when they were found while rendering; else its text is parsed for
    /// them.
    pub links: Option<&'a dyn Found>,
}

/// Every source with links, in the stable order of [`check`]; pages take their links from `found`.
pub fn sources<'a>(site: &'a Site, found: &'a dyn Found) -> Vec<LinkSource<'a>> {
    let mut sources: Vec<LinkSource<'a>> = site
        .pages
        .iter()
        .map(|page| LinkSource {
            doc: &page.doc,
            page_url: &page.url,
            owner_url: &page.url,
            // A page without links has none; one that failed to render has its error.
            links: Some(found),
        })
        .collect();
    for guide in &site.guides {
        for version in &guide.versions {
            let docs = version
                .index
                .iter()
                .chain(version.notes.iter().map(|n| &n.doc));
            sources.extend(docs.map(|doc| LinkSource {
                doc,
                page_url: &guide.url,
                owner_url: &version.url,
                links: None,
            }));
        }
    }
    sources
}

/// What checking one source found, and what else it depended on.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Its broken links, as warnings.
    pub problems: Vec<Diagnostic>,
    /// URLs of the pages whose anchors its links name: the result holds while their anchors do.
    pub anchored: Vec<String>,
}

/// Checks the links of one source against the site's link targets and `anchors`.
pub fn check_source(site: &Site, anchors: &dyn Anchors, source: &LinkSource<'_>) -> Checked {
    let doc = source.doc;
    let resolver = PageLinks {
        targets: site.link_targets(),
        source_dir: urls::parent_dir(&doc.rel),
        page_url: source.page_url,
        index_files: false,
    };
    let mut checked = Checked::default();
    let found = match source.links.map(|found| found.of(source.page_url)) {
        Some(Ok(found)) => found,
        Some(Err(e)) => {
            let what = "the links found while rendering this page";
            checked.problems.push(not_read_back(doc, what, &e));
            return checked;
        }
        None => Cow::Owned(markdown::links(Source {
            text: doc.body(),
            first_line: doc.body_line,
        })),
    };
    for (position, destination) in found.iter() {
        let (position, destination) = (*position, destination.as_str());
        let problem = match resolver.target(destination) {
            LinkTarget::External => None,
            LinkTarget::Missing { looked_for } => {
                Some(missing_target(site, destination, looked_for.as_deref()))
            }
            LinkTarget::Internal { url, fragment } => fragment.and_then(|f| {
                let problem = match anchors.of(&url) {
                    Ok(ids) => missing_anchor(ids.as_deref(), destination, &url, &f),
                    Err(e) => {
                        let what = format!("the anchors of /{url}");
                        checked.problems.push(not_read_back(doc, &what, &e));
                        None
                    }
                };
                checked.anchored.push(url.into_owned());
                problem
            }),
        };
        if let Some(message) = problem {
            let warning = Diagnostic::warning(doc.source.clone(), message)
                .at(&doc.text_for_messages(), position);
            checked.problems.push(warning);
        }
    }
    checked
}

/// The error of a page's record that the scratch file could not give back (see [`crate::spill`]).
fn not_read_back(doc: &Document, what: &str, e: &std::io::Error) -> Diagnostic {
    let message = format!("{what} could not be read back ({e}); build again");
    Diagnostic::error(doc.source.clone(), message)
}

fn missing_target(site: &Site, destination: &str, looked_for: Option<&str>) -> String {
    let Some(looked_for) = looked_for else {
        return format!(
            "broken link `{destination}`: it leads outside content/; link to a file of this site"
        );
    };
    let wanted = destination.split('#').next().unwrap_or(destination);
    let wanted_name = wanted.rsplit('/').next().unwrap_or(wanted);
    let targets = site.link_targets();
    let candidates = targets
        .documents()
        .map(|(rel, _)| rel)
        .chain(targets.files())
        .map(|rel| (rel.rsplit('/').next().unwrap_or(rel), rel));
    let suggestion = closest(wanted_name, candidates)
        .map(|rel| format!(" (did you mean content/{rel}?)"))
        .unwrap_or_default();
    format!("broken link `{destination}`: {looked_for} does not exist{suggestion}")
}

fn missing_anchor(
    ids: Option<&AnchorSet>,
    destination: &str,
    url: &str,
    fragment: &str,
) -> Option<String> {
    // A link to a static file (not a page) has no anchors to check.
    let ids = ids?;
    if ids.contains(fragment) {
        return None;
    }
    let page = if url.is_empty() {
        "the home page".to_string()
    } else {
        format!("/{url}")
    };
    let suggestion = closest(fragment, ids.iter().map(|id| (id, id)))
        .map(|id| format!(" (did you mean `#{id}`?)"))
        .unwrap_or_default();
    Some(format!(
        "broken link `{destination}`: {page} has no anchor `#{fragment}`{suggestion}"
    ))
}

/// The candidate whose key is nearest to `wanted` by edit distance, if it is near enough to be a typo.
fn closest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(2);
    candidates
        .map(|(key, value)| (edit_distance(wanted, key), value))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, value)| value)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_come_from_ids_and_names() {
        let html = r#"<h2 id="setup">S</h2><a name="old-anchor"></a><div class='x' id='single'></div><p data-id="no">
<span
  id="on-a-new-line" title="id=quoted"></span><a id=unquoted></a><i id="a&amp;b"></i>"#;
        let found = html_anchors(html);
        assert_eq!(
            found.iter().collect::<Vec<_>>(),
            ["a&b", "old-anchor", "on-a-new-line", "setup", "single"]
        );
        assert!(found.contains("setup") && !found.contains("set") && !found.contains(""));
    }

    #[test]
    fn contains_finds_whole_names_as_a_split_of_the_names_does() {
        let names = ["a", "b", "ab", "a-b", "é", "ba b"];
        let anchors = names
            .iter()
            .chain(&["", "abab", "-", "a\0", "a\0b", "ba", "b b"]);
        for subset in 0..1u32 << names.len() {
            let set: AnchorSet = (0..names.len())
                .filter(|i| subset & (1 << i) != 0)
                .map(|i| names[i].to_string())
                .collect();
            for anchor in anchors.clone() {
                assert_eq!(
                    set.contains(anchor),
                    set.iter().any(|a| a == *anchor),
                    "{anchor:?} in {:?}",
                    set.joined()
                );
            }
        }
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("setup", "set-up"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_only_suggests_near_misses() {
        let ids = [("upgrade-steps", "upgrade-steps"), ("overview", "overview")];
        assert_eq!(
            closest("upgrade-step", ids.into_iter()),
            Some("upgrade-steps")
        );
        assert_eq!(closest("zzz", ids.into_iter()), None);
    }
}
