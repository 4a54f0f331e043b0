//! `upnotes check --external`: http(s) links checked over the network, a few at a time, with
//! timeouts, and a cache of good links (in the user's cache folder, never in the project).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::content::Document;
use crate::error::{Diagnostic, Position, Severity};
use crate::links::Found;
use crate::markdown::{self, Source};
use crate::site::Site;

/// Requests in flight at once.
const CONCURRENCY: usize = 8;
/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a link that worked is trusted without asking again.
const CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Where a link is used: the document and the position of the link in it.
type Uses<'a> = Vec<(&'a Document, Position)>;

/// Every http(s) link of the site's sources, with the places that use it, sorted by URL.
fn collect<'a>(site: &'a Site, found: &dyn Found) -> BTreeMap<String, Uses<'a>> {
    let mut links: BTreeMap<String, Uses<'a>> = BTreeMap::new();
    let mut add = |doc: &'a Document, position: Position, url: &str| {
        if url.starts_with("http://") || url.starts_with("https://") {
            let url = url.split('#').next().unwrap_or(url).to_string();
            links.entry(url).or_default().push((doc, position));
        }
    };
    // Pages' links were found while rendering them; guide sources keep their texts.
    for page in &site.pages {
        // Pages whose links cannot be read back were reported by the link check.
        for (position, url) in found.of(&page.url).unwrap_or_default().iter() {
            add(&page.doc, *position, url);
        }
    }
    let guide_docs = site.guides.iter().flat_map(|g| {
        g.versions
            .iter()
            .flat_map(|v| v.index.iter().chain(v.notes.iter().map(|n| &n.doc)))
    });
    for doc in guide_docs {
        let source = Source {
            text: doc.body(),
            first_line: doc.body_line,
        };
        for (position, url) in markdown::links(source) {
            add(doc, position, &url);
        }
    }
    links
}

/// Checks every external link; one error per use of a broken link.
pub fn check(site: &Site, found: &dyn Found) -> Vec<Diagnostic> {
    let links = collect(site, found);
    let mut cache = Cache::load();
    let queue: Mutex<Vec<&String>> =
        Mutex::new(links.keys().filter(|url| !cache.is_fresh(url)).collect());
    let results: Mutex<Vec<(String, Result<(), String>)>> = Mutex::new(Vec::new());
    let agent = agent();
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY.min(links.len()) {
            scope.spawn(|| {
                while let Some(url) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let outcome = probe(&agent, url);
                    if let Ok(mut results) = results.lock() {
                        results.push((url.clone(), outcome));
                    }
                }
            });
        }
    });
    let mut problems = Vec::new();
    for (url, outcome) in results.into_inner().unwrap_or_default() {
        match outcome {
            Ok(()) => cache.remember(&url),
            Err(why) => {
                for (doc, position) in links.get(&url).into_iter().flatten() {
                    let message = format!("broken external link `{url}`: {why}");
                    problems.push(
                        Diagnostic::error(doc.source.clone(), message)
                            .at(&doc.text_for_messages(), *position),
                    );
                }
            }
        }
    }
    cache.save();
    for problem in &mut problems {
        problem.severity = Severity::Error;
    }
    problems
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent("upnotes link checker")
        .build()
        .into()
}

/// Asks for `url` with HEAD, then GET where servers refuse HEAD; 2xx, 3xx and 429 count as good.
fn probe(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let status = |response: Result<ureq::http::Response<ureq::Body>, ureq::Error>| {
        response
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("cannot fetch it ({e})"))
    };
    let mut code = status(agent.head(url).call())?;
    if matches!(code, 403 | 404 | 405 | 501) {
        code = status(agent.get(url).call())?;
    }
    match code {
        200..=399 | 429 => Ok(()),
        code => Err(format!("the server answered HTTP {code}")),
    }
}

/// Links that worked recently: `url<TAB>unix seconds` lines in `$XDG_CACHE_HOME/upnotes/`.
struct Cache {
    path: Option<PathBuf>,
    checked: BTreeMap<String, u64>,
}

impl Cache {
    fn load() -> Cache {
        let path = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|dir| dir.join("upnotes").join("external-links.tsv"));
        let checked = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                text.lines()
                    .filter_map(|line| line.split_once('\t'))
                    .filter_map(|(url, time)| Some((url.to_string(), time.parse().ok()?)))
                    .collect()
            })
            .unwrap_or_default();
        Cache { path, checked }
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn is_fresh(&self, url: &str) -> bool {
        self.checked
            .get(url)
            .is_some_and(|&at| Cache::now().saturating_sub(at) < CACHE_TTL.as_secs())
    }

    fn remember(&mut self, url: &str) {
        self.checked.insert(url.to_string(), Cache::now());
    }

    /// Best effort: a cache that cannot be written only costs time on the next run.
    fn save(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let text: String = self
            .checked
            .iter()
            .filter(|(url, _)| self.is_fresh(url))
            .map(|(url, at)| format!("{url}\t{at}\n"))
            .collect();
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = std::fs::write(path, text);
        }
    }
}
