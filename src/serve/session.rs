//! A build session: what `serve` and `watch` keep between rebuilds, so that a rebuild renders only
//! the pages whose inputs changed, writes only the files whose bytes changed and removes the files
//! no source produces any more.
//!
//! Every rebuild loads and validates the whole site (cheap next to rendering) and runs the same
//! [`build::emit`] as `build`, so the output after any sequence of edits is what a clean build
//! writes. The first build goes through a staging folder like `build`; later ones update the
//! output in place, and only once the whole rebuild succeeded.
//!
//! One exception makes a preview quick on a large site: when an edit changed only the body of one
//! content page, that page is rendered from the last build's site model and written (and shown)
//! first; the rebuild then runs as always, takes that page as rendered by itself if its inputs
//! are what the early step saw, and corrects it otherwise.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::derived::{Derived, Since};
use super::fingerprint::{Inputs, all_template_hashes, bytes_hash, parts_hash, site_templates};
use super::watch::{Changed, SourceKind};
use crate::build::{self, BuildOptions, Emit, Job, RenderOutcome, Reuse};
use crate::content::{self, urls};
use crate::error::{Diagnostic, Error, Result};
use crate::markdown::{LinkResolver, Resolved};
use crate::output::{self, InPlace, OutputOptions, Parts, Sink, Staging, joined};
use crate::render::{self, RenderOptions, RenderedPage, Renderer, SiteContext};
use crate::site::{PageLinks, Site};

/// The state kept between rebuilds.
#[derive(Debug)]
pub struct Session {
    options: BuildOptions,
    last: Option<Last>,
    /// The sources as last parsed, reused while their files are unchanged.
    parsed: content::Parsed,
}

/// What the last good build left behind.
#[derive(Debug)]
struct Last {
    output: PathBuf,
    base_path: String,
    /// Every file written, output-relative, with a hash of its bytes.
    files: HashMap<String, u64>,
    /// Every rendered page by output path.
    pages: HashMap<String, Cached>,
    /// Files copied from `content/`: source path -> output path.
    statics: HashMap<PathBuf, String>,
    /// Its warnings, sorted.
    warnings: Vec<Diagnostic>,
    /// Its link problems and search entries, by source.
    derived: Derived,
    /// What it was built from, while no later build failed: an edit of one page's body renders
    /// that page from it before the rebuild proper loads the site again.
    model: Option<Prepared>,
    /// Pages rendered and written from `model` since (by output path); the next rebuild takes
    /// them as rendered by itself when their fingerprints still match.
    early: HashMap<String, Cached>,
}

impl Last {
    /// What a rebuild that updated a few files of this build in place (without loading the
    /// site again) did: it rendered `rendered` and wrote `written`.
    fn updated(&self, rendered: Vec<String>, written: Vec<String>, started: Instant) -> Rebuilt {
        Rebuilt {
            output: self.output.clone(),
            base_path: self.base_path.clone(),
            full: false,
            pages: self.pages.len(),
            notes: self
                .model
                .as_ref()
                .map_or(0, |m| m.loaded.site.note_count()),
            files: self.statics.len(),
            rendered,
            written,
            early: Vec::new(),
            shown_after: None,
            removed: Vec::new(),
            warnings: self.warnings.clone(),
            new_warnings: Vec::new(),
            elapsed: started.elapsed(),
        }
    }
}

/// A page as last rendered: its fingerprint, what rendering it left, and its links' resolutions.
#[derive(Debug, Clone)]
struct Cached {
    fingerprint: u64,
    outcome: RenderOutcome,
    links: Vec<(String, Resolved)>,
}

/// What one rebuild did.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The output folder.
    pub output: PathBuf,
    /// The base path the site is published under (`/` or `/docs/`).
    pub base_path: String,
    /// True for a build from scratch (through a staging folder).
    pub full: bool,
    /// Pages in the site.
    pub pages: usize,
    /// Upgrade notes in the site.
    pub notes: usize,
    /// Files copied from `content/`.
    pub files: usize,
    /// Output paths of the pages this rebuild rendered, sorted.
    pub rendered: Vec<String>,
    /// Output files written because their bytes changed, sorted (on a full build: all of them).
    pub written: Vec<String>,
    /// Of `written`, the files written and shown before the rest of the rebuild ran (see
    /// [`Session::rebuild_showing`]), which the rest then left as they were.
    pub early: Vec<String>,
    /// When an edited page was shown early: how long after the start of the rebuild.
    pub shown_after: Option<Duration>,
    /// Output files removed because no source produces them any more, sorted.
    pub removed: Vec<String>,
    /// Every warning, sorted.
    pub warnings: Vec<Diagnostic>,
    /// The warnings the previous build did not have.
    pub new_warnings: Vec<Diagnostic>,
    /// Wall time.
    pub elapsed: Duration,
}

impl Rebuilt {
    /// True when a file of the output changed.
    pub fn changed_output(&self) -> bool {
        self.full || !self.written.is_empty() || !self.removed.is_empty()
    }
}

impl Session {
    /// A session for the site at `options.root` (made absolute, as the watcher reports paths).
    pub fn new(mut options: BuildOptions) -> Result<Session> {
        options.root = options
            .root
            .canonicalize()
            .map_err(|e| Error::io("cannot open the site folder", &options.root, e))?;
        options.output = options.output.map(|o| output::absolute(&o));
        Ok(Session {
            options,
            last: None,
            parsed: content::Parsed::default(),
        })
    }

    /// The site root, absolute.
    pub fn root(&self) -> &Path {
        &self.options.root
    }

    /// The output folder of the last good build, if any.
    pub fn output(&self) -> Option<&Path> {
        self.last.as_ref().map(|l| l.output.as_path())
    }

    /// Drops changes that cannot matter: files under `content/` that appeared and vanished
    /// between two builds (an editor's probe file) were never part of any output.
    pub fn relevant(&self, changes: &BTreeSet<Changed>) -> BTreeSet<Changed> {
        changes
            .iter()
            .filter(|c| {
                let path = self.root().join(&c.path);
                c.kind != SourceKind::Static
                    || path.exists()
                    || self
                        .last
                        .as_ref()
                        .is_none_or(|l| l.statics.contains_key(&path))
            })
            .cloned()
            .collect()
    }

    /// Rebuilds after `changes`; on error the output is left as the last good build wrote it.
    pub fn rebuild(&mut self, changes: &BTreeSet<Changed>) -> Result<Rebuilt> {
        self.rebuild_showing(changes, &mut |_| {})
    }

    /// [`Session::rebuild`]; when the only change is to the body of a content page or an upgrade
    /// note, the pages showing it are rendered and written first and `show` gets what was written,
    /// so that a preview shows the edit before the rest of the rebuild (which loads and checks the
    /// whole site) has run.
    pub fn rebuild_showing(
        &mut self,
        changes: &BTreeSet<Changed>,
        show: &mut dyn FnMut(&Rebuilt),
    ) -> Result<Rebuilt> {
        let started = Instant::now();
        if let Some(rebuilt) = self.copy_changed_statics(changes, started)? {
            return Ok(rebuilt);
        }
        let early = self.render_edited_page(changes, started);
        if let Some(early) = &early {
            show(early);
        }
        for change in changes {
            if let Ok(rel) = change.path.strip_prefix(content::CONTENT_DIR) {
                self.parsed
                    .forget(&rel.to_string_lossy().replace('\\', "/"));
            }
        }
        let mut rebuilt = self.build(started)?;
        if let Some(early) = early {
            rebuilt.shown_after = Some(early.elapsed);
            rebuilt.early = early
                .written
                .into_iter()
                .filter(|rel| !rebuilt.written.contains(rel))
                .collect();
            rebuilt.written.extend(rebuilt.early.iter().cloned());
            rebuilt.written.sort();
        }
        Ok(rebuilt)
    }

    /// Renders and writes the pages showing the body `changes` edited, from the last good build's
    /// site model, when nothing else can have changed (see [`Session::edited_body`]) and the
    /// source is a content page outside any guide or an upgrade note. A note's pages are its
    /// guide's page, path view and version pages (those whose fingerprints did not change are
    /// left alone). `None` in every other case, and whenever anything fails: the rebuild that
    /// follows does it all again, checked.
    fn render_edited_page(
        &mut self,
        changes: &BTreeSet<Changed>,
        started: Instant,
    ) -> Option<Rebuilt> {
        let now = self.edited_body(changes)?;
        let last = self.last.as_mut()?;
        // The model is replaced by the rebuild that follows: it may take the edit in place.
        let model = last.model.as_mut()?;
        let edited = edit_model(model, now)?;
        let model = last.model.as_ref()?;
        let jobs = edited.jobs(&model.loaded.site);
        let cache = Cache::new(model, Some(last), &last.early);
        let sink = Collect::new(None, &last.files);
        let failed = with_renderer(model, |renderer| {
            jobs.iter()
                .any(|job| build::render_job(renderer, Some(&sink), Some(&cache), job).is_err())
        });
        let fresh = into_inner(cache.fresh);
        if failed || fresh.is_empty() {
            return None;
        }
        let produced = into_inner(sink.produced);
        let pending = into_inner(sink.pending);
        let place = InPlace::open(&last.output).ok()?;
        for (rel, bytes) in &pending {
            place.write(rel, bytes).ok()?;
            last.files.insert(rel.clone(), produced[rel]);
        }
        let rendered = sorted(fresh.keys());
        last.early.extend(fresh);
        if pending.is_empty() {
            return None;
        }
        Some(last.updated(rendered, sorted(pending.keys()), started))
    }

    /// The new text of the one Markdown file `changes` name, when only its body changed since the
    /// last load: its front matter and first heading (so its title, URL, place in the site and
    /// matrix entries) are as they were, and it parses without problems, as it did.
    fn edited_body(&self, changes: &BTreeSet<Changed>) -> Option<content::Document> {
        let mut changes = changes.iter();
        let (Some(change), None) = (changes.next(), changes.next()) else {
            return None;
        };
        if change.kind != SourceKind::Content {
            return None;
        }
        let rel = change.path.strip_prefix(content::CONTENT_DIR).ok()?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        let (Some(was), []) = self.parsed.get(&rel)? else {
            return None;
        };
        let content_dir =
            crate::folder::Folder::open(&self.options.root.join(content::CONTENT_DIR));
        let (Some(now), problems) = content::read_document(&content_dir, &rel) else {
            return None;
        };
        let same_place = problems.is_empty()
            && now.has_front_matter == was.has_front_matter
            && now.front_matter == was.front_matter
            && now.first_heading == was.first_heading;
        same_place.then_some(now)
    }

    /// When only files under `content/` that were already copied changed, copying them again is
    /// the whole rebuild: the set of files (and so every link) is unchanged.
    fn copy_changed_statics(
        &mut self,
        changes: &BTreeSet<Changed>,
        started: Instant,
    ) -> Result<Option<Rebuilt>> {
        let root = self.options.root.clone();
        let Some(last) = self.last.as_mut() else {
            return Ok(None);
        };
        let mut updates = Vec::new();
        for change in changes {
            let source = root.join(&change.path);
            let rel = last.statics.get(&source);
            let (Some(rel), SourceKind::Static, true) = (rel, change.kind, source.is_file()) else {
                return Ok(None);
            };
            let Ok(bytes) = std::fs::read(&source) else {
                return Ok(None);
            };
            updates.push((rel.clone(), bytes));
        }
        if updates.is_empty() {
            return Ok(None);
        }
        let place = InPlace::open(&last.output)?;
        let mut written = Vec::new();
        for (rel, bytes) in updates {
            let hash = bytes_hash(&bytes);
            if last.files.get(&rel) != Some(&hash) {
                place.write(&rel, &bytes)?;
                last.files.insert(rel.clone(), hash);
                written.push(rel);
            }
        }
        written.sort();
        Ok(Some(last.updated(Vec::new(), written, started)))
    }

    /// Loads the whole site, renders what changed through [`build::emit`] and applies the result.
    fn build(&mut self, started: Instant) -> Result<Rebuilt> {
        // The model of the last build is replaced now (and stays away should this build fail:
        // an edited page must not be rendered from a model older than the sources last loaded).
        if let Some(last) = &mut self.last {
            last.model = None;
        }
        let prepared = self.prepare()?;
        // A moved output, or one removed behind the session's back, is built afresh.
        let previous = self
            .last
            .take()
            .filter(|l| l.output == prepared.output && l.output.join(output::MARKER).is_file());
        let staging = match previous {
            Some(_) => None,
            None => {
                let staging = Staging::create(
                    &self.options.root,
                    &prepared.output,
                    OutputOptions {
                        force: self.options.force,
                    },
                )?;
                // The folders are about to change without a build's record of their pages.
                crate::warm::forget(&staging);
                Some(staging)
            }
        };
        let emitted = match emit_site(&prepared, previous.as_ref(), staging.as_ref()) {
            Ok(emitted) => emitted,
            Err(e) => {
                self.last = previous;
                return Err(e);
            }
        };
        // From here on the output changes; should that fail, `last` stays empty and the next
        // rebuild starts from scratch.
        let full = staging.is_some();
        let (written, removed) = match (staging, &previous) {
            (Some(staging), _) => {
                staging.commit()?;
                (sorted(emitted.produced.keys()), Vec::new())
            }
            (None, Some(last)) => apply(&prepared.output, &emitted, &last.files)?,
            (None, None) => (Vec::new(), Vec::new()),
        };
        let old_warnings: Option<BTreeSet<String>> = previous
            .as_ref()
            .map(|l| l.warnings.iter().map(Diagnostic::headline).collect());
        let new_warnings = emitted
            .warnings
            .iter()
            .filter(|w| {
                old_warnings
                    .as_ref()
                    .is_none_or(|old| !old.contains(&w.headline()))
            })
            .cloned()
            .collect();
        let site = &prepared.loaded.site;
        let rebuilt = Rebuilt {
            output: prepared.output.clone(),
            base_path: render::base_path(&prepared.loaded.config.base_url),
            full,
            pages: emitted.pages,
            notes: site.note_count(),
            files: emitted.files,
            rendered: sorted(emitted.fresh.keys()),
            written,
            early: Vec::new(),
            shown_after: None,
            removed,
            warnings: emitted.warnings.clone(),
            new_warnings,
            elapsed: started.elapsed(),
        };
        self.last = Some(remember(&rebuilt, emitted, previous, prepared));
        Ok(rebuilt)
    }

    /// Loads and validates the site, and hashes what its pages depend on.
    fn prepare(&mut self) -> Result<Prepared> {
        let root = &self.options.root;
        // Read before `load`: if a template changes in between, the hash is of the older text and
        // the change's own event re-renders its pages (the reverse order could miss it).
        let site_templates = site_templates(root);
        let mut loaded = build::load_with(root, self.options.drafts, Some(&mut self.parsed))?;
        if let Some(base_url) = &self.options.base_url {
            loaded.config.base_url.clone_from(base_url);
        }
        let output = self
            .options
            .output
            .clone()
            .unwrap_or_else(|| root.join(&loaded.config.output));
        let inputs = Inputs::new(
            &loaded.config,
            self.options.drafts,
            &loaded.site,
            all_template_hashes(site_templates, &loaded.theme),
        );
        Ok(Prepared {
            loaded,
            output,
            inputs,
        })
    }
}

/// A loaded site, where it goes, and the hashes of its inputs.
#[derive(Debug)]
struct Prepared {
    loaded: build::Loaded,
    output: PathBuf,
    inputs: Inputs,
}

/// What a session's [`build::emit`] produced, before anything is applied to the output.
struct Emitted {
    pages: usize,
    files: usize,
    warnings: Vec<Diagnostic>,
    /// Pages reused from the last build, by output path.
    kept: Vec<String>,
    /// Pages rendered now.
    fresh: HashMap<String, Cached>,
    /// Every file of the new output with the hash of its bytes (kept pages included).
    produced: HashMap<String, u64>,
    /// Files whose bytes differ from the last build's.
    pending: HashMap<String, Vec<u8>>,
    statics: HashMap<PathBuf, String>,
    derived: Derived,
}

/// Runs [`build::emit`] with the session's cache and sink; fails on any error diagnostic.
fn emit_site(
    prepared: &Prepared,
    previous: Option<&Last>,
    staging: Option<&Staging>,
) -> Result<Emitted> {
    let loaded = &prepared.loaded;
    let no_early = HashMap::new();
    let no_files = HashMap::new();
    let cache = Cache::new(prepared, previous, previous.map_or(&no_early, |l| &l.early));
    let sink = Collect::new(staging, previous.map_or(&no_files, |l| &l.files));
    let mut diagnostics = loaded.diagnostics.clone();
    // The first build renders everything: on a large site it takes seconds, so it shows progress.
    let progress = staging
        .map(|_| crate::progress::Progress::on_stderr(build::jobs(&loaded.site).len(), "pages"));
    let (pages, files) = with_renderer(prepared, |renderer| {
        let input = Emit {
            renderer,
            theme: &loaded.theme,
            config: &loaded.config,
            reuse: Some(&cache),
            progress: progress.as_ref(),
        };
        build::emit(&input, &sink, &mut diagnostics)
    })?;
    if diagnostics.has_errors() {
        return Err(Error::Content(diagnostics));
    }
    let derived = Derived::new(prepared.inputs.targets(), into_inner(cache.links));
    let kept = into_inner(cache.kept);
    let mut produced = into_inner(sink.produced);
    // Pages kept, and pages written ahead of this rebuild, are on disk as the last build's record
    // of its files says.
    for rel in kept.iter().chain(&into_inner(cache.reused_early)) {
        if let Some(hash) = previous.and_then(|l| l.files.get(rel)) {
            produced.insert(rel.clone(), *hash);
        }
    }
    Ok(Emitted {
        pages,
        files,
        warnings: diagnostics.sorted(),
        kept,
        fresh: into_inner(cache.fresh),
        produced,
        pending: into_inner(sink.pending),
        statics: into_inner(sink.statics),
        derived,
    })
}

/// Where an edited source sits in a site model (see [`edit_model`]).
enum Edited {
    /// The page at this index of the site's pages.
    Page(usize),
    /// A note of the guide at this index of the site's guides.
    Note(usize),
}

impl Edited {
    /// The jobs that show the edited source.
    fn jobs(self, site: &Site) -> Vec<Job<'_>> {
        match self {
            Edited::Page(i) => vec![Job::Page(&site.pages[i])],
            Edited::Note(g) => {
                let pages = site.pages.iter().filter(|p| p.guide == Some(g));
                pages
                    .map(Job::Page)
                    .chain(build::jobs_of_guide(&site.guides[g]))
                    .collect()
            }
        }
    }
}

/// Puts `doc`, a new text of a source whose front matter is unchanged, into `prepared`'s site
/// model in place of the old one, and hashes again what depends on it; `None` for a source that
/// is neither a content page outside a guide nor a note.
fn edit_model(prepared: &mut Prepared, doc: content::Document) -> Option<Edited> {
    let site = &mut prepared.loaded.site;
    let page = site.pages.iter().position(|p| p.doc.rel == doc.rel);
    if let Some(i) = page {
        if site.pages[i].guide.is_some() {
            return None;
        }
        site.pages[i].doc = doc;
        return Some(Edited::Page(i));
    }
    let from_doc = |n: &crate::guide::Note| n.doc.rel == doc.rel;
    let g = site
        .guides
        .iter()
        .position(|g| g.versions.iter().any(|v| v.notes.iter().any(from_doc)))?;
    let guide = &mut site.guides[g];
    if !guide.replace_note_source(doc) {
        return None;
    }
    prepared.inputs.refresh_guide(guide);
    Some(Edited::Note(g))
}

/// Runs `f` with a renderer of `prepared`'s site.
fn with_renderer<T>(prepared: &Prepared, f: impl FnOnce(&Renderer<'_>) -> T) -> T {
    let loaded = &prepared.loaded;
    let site_context = SiteContext::new(&loaded.config);
    f(&Renderer {
        site: &site_context,
        model: &loaded.site,
        templates: &loaded.templates,
        options: RenderOptions::default(),
    })
}

/// The state to keep after a good rebuild: pages rendered now plus those kept from before. The
/// last build's map is updated in place: after one edit it holds ten thousand kept pages and one
/// fresh one.
fn remember(
    rebuilt: &Rebuilt,
    emitted: Emitted,
    previous: Option<Last>,
    prepared: Prepared,
) -> Last {
    let pages = match previous {
        Some(last) => {
            let mut pages = last.pages;
            let fresh: Vec<String> = emitted.fresh.keys().cloned().collect();
            pages.extend(emitted.fresh);
            // Kept pages are the last build's and fresh ones are not kept, so the map holds
            // exactly both unless some page of the last build is produced by no job any more.
            if pages.len() != emitted.kept.len() + fresh.len() {
                let live: HashSet<&String> = emitted.kept.iter().chain(&fresh).collect();
                pages.retain(|rel, _| live.contains(rel));
            }
            pages
        }
        None => emitted.fresh,
    };
    Last {
        output: rebuilt.output.clone(),
        base_path: rebuilt.base_path.clone(),
        files: emitted.produced,
        pages,
        statics: emitted.statics,
        warnings: emitted.warnings,
        derived: emitted.derived,
        model: Some(prepared),
        early: HashMap::new(),
    }
}

/// Writes the changed files into the output and removes the ones no longer produced; returns
/// their paths (written, removed).
fn apply(
    output: &Path,
    emitted: &Emitted,
    previous: &HashMap<String, u64>,
) -> Result<(Vec<String>, Vec<String>)> {
    let place = InPlace::open(output)?;
    emitted
        .pending
        .par_iter()
        .try_for_each(|(rel, bytes)| place.write(rel, bytes))?;
    let stale = sorted(
        previous
            .keys()
            .filter(|rel| !emitted.produced.contains_key(*rel)),
    );
    for rel in &stale {
        place.remove(rel)?;
    }
    Ok((sorted(emitted.pending.keys()), stale))
}

fn sorted<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut items: Vec<String> = items.cloned().collect();
    items.sort();
    items
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// Decides which pages keep their last rendering, and remembers the ones rendered now.
struct Cache<'a> {
    inputs: &'a Inputs,
    site: &'a Site,
    old: &'a HashMap<String, Cached>,
    /// Pages rendered and written ahead of this build; one taken from here counts as rendered
    /// now (its anchors and links are new) but is not written again.
    early: &'a HashMap<String, Cached>,
    kept: Mutex<Vec<String>>,
    reused_early: Mutex<Vec<String>>,
    fresh: Mutex<HashMap<String, Cached>>,
    /// What the last build derived from its sources, and what this one does.
    derived: Option<&'a Derived>,
    links: Mutex<super::derived::SourceLinks>,
}

impl<'a> Cache<'a> {
    /// A cache for a build of `prepared` after `previous`.
    fn new(
        prepared: &'a Prepared,
        previous: Option<&'a Last>,
        early: &'a HashMap<String, Cached>,
    ) -> Self {
        static NO_PAGES: std::sync::LazyLock<HashMap<String, Cached>> =
            std::sync::LazyLock::new(HashMap::new);
        Cache {
            inputs: &prepared.inputs,
            site: &prepared.loaded.site,
            old: previous.map_or(&NO_PAGES, |l| &l.pages),
            early,
            kept: Mutex::default(),
            reused_early: Mutex::default(),
            fresh: Mutex::default(),
            derived: previous.map(|l| &l.derived),
            links: Mutex::default(),
        }
    }

    /// Runs `f` with what changed since the last build: the pages rendered now, and the URLs of
    /// those whose anchors differ from their last rendering's.
    fn since<T>(&self, f: impl FnOnce(&Since<'_>) -> T) -> T {
        let fresh = lock(&self.fresh);
        let rendered: HashSet<String> = fresh.keys().cloned().collect();
        let anchors_changed: HashSet<String> = fresh
            .iter()
            .filter(|(rel, now)| {
                self.old
                    .get(*rel)
                    .is_none_or(|was| was.outcome.anchors != now.outcome.anchors)
            })
            .map(|(_, now)| now.outcome.url.clone())
            .collect();
        drop(fresh);
        f(&Since {
            old: self.derived,
            rendered: &rendered,
            anchors_changed: &anchors_changed,
            targets: self.inputs.targets(),
        })
    }
}

impl Reuse for Cache<'_> {
    fn reuse(&self, job: &Job<'_>) -> Option<RenderOutcome> {
        let output = job.output();
        let (old, early) = match self.early.get(&output) {
            Some(early) => (early, true),
            None => (self.old.get(&output)?, false),
        };
        if old.fingerprint != self.inputs.fingerprint(job) {
            return None;
        }
        let same_targets = self.derived.map(Derived::targets) == Some(self.inputs.targets());
        if let (Job::Page(page), false) = (job, same_targets) {
            // A page's links resolve against the whole site: a file created, removed or renamed
            // elsewhere may change them. (With the same link targets, they resolve as before.)
            let resolver = PageLinks {
                targets: self.site.link_targets(),
                source_dir: urls::parent_dir(&page.doc.rel),
                page_url: &page.url,
                index_files: false,
            };
            if old
                .links
                .iter()
                .any(|(to, was)| resolver.resolve(to) != *was)
            {
                return None;
            }
        }
        if early {
            lock(&self.fresh).insert(output.clone(), old.clone());
            lock(&self.reused_early).push(output);
        } else {
            lock(&self.kept).push(output);
        }
        Some(old.outcome.clone())
    }

    fn rendered(&self, job: &Job<'_>, page: &RenderedPage, outcome: &RenderOutcome) {
        let cached = Cached {
            fingerprint: self.inputs.fingerprint(job),
            outcome: outcome.clone(),
            links: page.links.clone(),
        };
        lock(&self.fresh).insert(job.output(), cached);
    }

    fn check_links(
        &self,
        site: &Site,
        anchors: &dyn crate::links::Anchors,
        found: &dyn crate::links::Found,
    ) -> Vec<Diagnostic> {
        let (problems, links) = self.since(|since| since.check_links(site, anchors, found));
        *lock(&self.links) = links;
        problems
    }

    fn holds_outcomes(&self) -> bool {
        true
    }
}

/// The sink of a session build: through to the staging folder on a first build; otherwise it
/// keeps only the files whose bytes differ from what the last build wrote.
struct Collect<'a> {
    staging: Option<&'a Staging>,
    previous: &'a HashMap<String, u64>,
    produced: Mutex<HashMap<String, u64>>,
    pending: Mutex<HashMap<String, Vec<u8>>>,
    statics: Mutex<HashMap<PathBuf, String>>,
}

impl<'a> Collect<'a> {
    fn new(staging: Option<&'a Staging>, previous: &'a HashMap<String, u64>) -> Self {
        Collect {
            staging,
            previous,
            produced: Mutex::default(),
            pending: Mutex::default(),
            statics: Mutex::default(),
        }
    }

    /// Records `rel` with `hash`; true when its bytes must be written (they differ from the last
    /// build's). A later write of the same path wins, as it does in a staging folder.
    fn produce(&self, rel: &str, hash: u64) -> bool {
        lock(&self.produced).insert(rel.to_string(), hash);
        if self.previous.get(rel) == Some(&hash) {
            lock(&self.pending).remove(rel);
            false
        } else {
            true
        }
    }
}

impl Sink for Collect<'_> {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        if let Some(staging) = self.staging {
            lock(&self.produced).insert(rel.to_string(), bytes_hash(bytes));
            return staging.write(rel, bytes);
        }
        if self.produce(rel, bytes_hash(bytes)) {
            lock(&self.pending).insert(rel.to_string(), bytes.to_vec());
        }
        Ok(())
    }

    /// Hashes the parts as they are and joins them only when the file changed: a large site's
    /// search index is megabytes that an edit seldom changes.
    fn write_parts(&self, rel: &str, parts: &dyn Parts) -> Result<()> {
        let unreadable = |e| Error::io("cannot read the parts of", rel, e);
        let hash = parts_hash(parts).map_err(unreadable)?;
        if let Some(staging) = self.staging {
            lock(&self.produced).insert(rel.to_string(), hash);
            return staging.write_parts(rel, parts);
        }
        if self.produce(rel, hash) {
            lock(&self.pending).insert(rel.to_string(), joined(parts).map_err(unreadable)?);
        }
        Ok(())
    }

    fn scratch_dir(&self) -> Option<&Path> {
        self.staging.map(|staging| staging.state_dir())
    }

    fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let bytes = std::fs::read(from).map_err(|e| Error::io("cannot read", from, e))?;
        lock(&self.statics).insert(from.to_path_buf(), rel.to_string());
        if let Some(staging) = self.staging {
            lock(&self.produced).insert(rel.to_string(), bytes_hash(&bytes));
            return staging.copy(rel, from);
        }
        self.write(rel, &bytes)
    }
}
