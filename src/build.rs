//! The whole build as one linear function: config, content, site model, templates, render, write.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, LoadOptions};
use crate::error::{Diagnostic, Diagnostics, Error, Result, Severity};
use crate::guide::{Guide, outputs};
use crate::links;
use crate::output::{OutputOptions, Sink, Staging};
use crate::publish;
use crate::render::{self, RenderOptions, Renderer, SiteContext};
use crate::search;
use crate::serve::fingerprint::{Inputs, all_template_hashes, site_templates};
use crate::site::{self, Site};
use crate::spill::{self, Spill, Stored};
use crate::templates::{Templates, Theme};
use crate::warm::Warm;

/// Templates a site with upgrade guides needs besides page layouts.
pub const GUIDE_TEMPLATES: [&str; 2] = ["version.html", "path.html"];

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site root (holds `upnotes.yaml` and `content/`).
    pub root: PathBuf,
    /// Output folder; default: `output` from the config, relative to the root.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from the config.
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Treat warnings as errors.
    pub strict: bool,
    /// Allow unusual output folders (outside the project, not created by upnotes).
    pub force: bool,
    /// An offline bundle: folder links end in `index.html` so the site works from `file://`, and
    /// files only a web host uses (feed, sitemap, robots.txt, 404 page) are left out.
    pub offline: bool,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Where the site was written.
    pub output: PathBuf,
    /// Pages rendered.
    pub pages: usize,
    /// Pages rendered by this build; the others were unchanged since the last one and kept.
    pub rendered: usize,
    /// Upgrade notes in all guides.
    pub notes: usize,
    /// Files copied from `content/`.
    pub files: usize,
    /// Warnings, sorted.
    pub warnings: Vec<Diagnostic>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Everything loaded and checked, before anything is written.
#[derive(Debug)]
pub struct Loaded {
    /// The config.
    pub config: Config,
    /// The site model.
    pub site: Site,
    /// The theme's files.
    pub theme: Theme,
    /// The compiled templates.
    pub templates: Templates,
    /// Problems so far (warnings only, when loading succeeded).
    pub diagnostics: Diagnostics,
}

/// Loads config, content and templates and validates them, writing nothing (`upnotes check`).
pub fn load(root: &Path, drafts: bool) -> Result<Loaded> {
    load_with(root, drafts, None)
}

/// [`load`], reusing the documents `parsed` holds whose files did not change (`serve`, `watch`).
pub fn load_with(
    root: &Path,
    drafts: bool,
    parsed: Option<&mut content::Parsed>,
) -> Result<Loaded> {
    let mut diagnostics = Diagnostics::new();
    let config = match Config::load(root) {
        Ok(config) => config,
        Err(problems) => {
            diagnostics.extend(problems);
            // Keep going with defaults so content errors are reported in the same run.
            Config::default()
        }
    };
    let content = content::load_with(root, LoadOptions { drafts }, &mut diagnostics, parsed);
    let site = site::assemble(content, &config, &mut diagnostics);
    let theme = Theme::load(root, &config.theme).map_err(|d| {
        diagnostics.push(d);
        Error::Content(diagnostics.clone())
    })?;
    let templates = match Templates::load(root, &theme) {
        Ok(templates) => templates,
        Err(problems) => {
            diagnostics.extend(problems);
            return Err(Error::Content(diagnostics));
        }
    };
    for page in &site.pages {
        if let Some(problem) = render::check_layout(page, &templates) {
            diagnostics.push(problem);
        }
    }
    if !site.guides.is_empty() {
        for needed in GUIDE_TEMPLATES {
            if !templates.has(needed) {
                diagnostics.push(Diagnostic::error(
                    "templates",
                    format!("the theme has no `{needed}`, which upgrade guides need: add templates/{needed}"),
                ));
            }
        }
    }
    if diagnostics.has_errors() {
        return Err(Error::Content(diagnostics));
    }
    Ok(Loaded {
        config,
        site,
        theme,
        templates,
        diagnostics,
    })
}

/// Builds the site into its output folder; on any error the previous output is left untouched.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    std::thread::scope(|scope| {
        crate::highlight::store::open_in(scope);
        build_from(options, started)
    })
}

/// [`build`], timed from `started`.
fn build_from(options: &BuildOptions, started: Instant) -> Result<BuildReport> {
    let root = &options.root;
    let site_templates = site_templates(root);
    let output_options = OutputOptions {
        force: options.force,
    };
    // The output folder is known before the content is read (unless the config cannot be read):
    // its spare, when an earlier build left one, is then surveyed (a folder per page) beside the
    // reading.
    let planned = options
        .output
        .clone()
        .or_else(|| {
            Config::load(root)
                .ok()
                .map(|config| root.join(&config.output))
        })
        .filter(|output| Staging::has_spare(root, output));
    let (loaded, early) = match &planned {
        Some(output) => {
            let (loaded, staging) = rayon::join(
                || load(root, options.drafts),
                || Staging::create(root, output, output_options),
            );
            (loaded, Some(staging))
        }
        None => (load(root, options.drafts), None),
    };
    // Content errors come first, as when nothing ran beside the reading.
    let Loaded {
        mut config,
        site,
        theme,
        templates,
        mut diagnostics,
    } = loaded?;
    if let Some(base_url) = &options.base_url {
        config.base_url.clone_from(base_url);
    }
    if options.offline {
        config.feed = false;
    }
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| root.join(&config.output));
    let staging = match early {
        // The config read for the plan is the one loaded (unless it changed in between).
        Some(staging) if planned.as_ref() == Some(&output) => staging?,
        other => {
            drop(other);
            Staging::create(root, &output, output_options)?
        }
    };
    let site_context = SiteContext::new(&config);
    let renderer = Renderer {
        site: &site_context,
        model: &site,
        templates: &templates,
        options: RenderOptions {
            index_files: options.offline,
            unsettled_links_only: true,
        },
    };
    let progress = crate::progress::Progress::on_stderr(jobs(&site).len(), "pages");
    let inputs = Inputs::new(
        &config,
        options.drafts,
        &site,
        all_template_hashes(site_templates, &theme),
    );
    let warm = Warm::open(&inputs, &staging, u64::from(options.offline));
    let input = Emit {
        renderer: &renderer,
        theme: &theme,
        config: &config,
        reuse: Some(&warm),
        progress: Some(&progress),
    };
    let (pages, files) = emit(&input, &staging, &mut diagnostics)?;
    if options.strict {
        diagnostics.make_strict();
    }
    if diagnostics.has_errors() {
        return Err(Error::Content(diagnostics));
    }
    let rendered = pages - warm.reused();
    let remembered = warm.finish();
    let output = staging.commit()?;
    // Losing the manifest costs the next build its head start, nothing else.
    let _ = remembered.save();
    Ok(BuildReport {
        output,
        pages,
        rendered,
        notes: site.note_count(),
        files,
        warnings: diagnostics.sorted(),
        elapsed: started.elapsed(),
    })
}

/// What [`emit`] renders from, and which renders it may skip.
#[derive(Clone, Copy)]
pub struct Emit<'a> {
    /// The renderer (site model, templates, options).
    pub renderer: &'a Renderer<'a>,
    /// The theme, for its static files.
    pub theme: &'a Theme,
    /// The config (after command-line overrides).
    pub config: &'a Config,
    /// `serve` passes its cache of pages whose inputs did not change; `build` passes `None`.
    pub reuse: Option<&'a dyn Reuse>,
    /// Counts rendered pages for a progress line (`build`).
    pub progress: Option<&'a crate::progress::Progress>,
}

impl std::fmt::Debug for Emit<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emit")
            .field("config", self.config)
            .field("reuse", &self.reuse.is_some())
            .finish_non_exhaustive()
    }
}

/// Renders and writes every output of a site into `sink`, collecting problems into `diagnostics`;
/// returns the number of pages and of files copied from `content/`. Every file a build writes is
/// written here, so `serve` (which calls this too) writes exactly what `build` does.
pub fn emit(
    input: &Emit<'_>,
    sink: &dyn Sink,
    diagnostics: &mut Diagnostics,
) -> Result<(usize, usize)> {
    let Emit {
        renderer,
        theme,
        config,
        reuse,
        progress,
    } = *input;
    let site = renderer.model;
    let scratch = sink.scratch_dir();
    let spill = if reuse.is_some_and(|r| r.holds_outcomes()) {
        Spill::holding()
    } else {
        Spill::new(scratch).map_err(|e| scratch_error(scratch, e))?
    };
    // The site-wide files that need no page rendered go beside the pages: written after them,
    // they were the end of the build that only one thread worked on.
    let (rendered, site_files) = rayon::join(
        || render_all(renderer, Some(sink), reuse, progress, &spill),
        || {
            write_guide_files(sink, site, config)?;
            write_site_files(sink, site, theme, renderer, config)
        },
    );
    let Collected {
        pages,
        records,
        search,
    } = collect_rendered(rendered, diagnostics);
    let spilled = spill.finish().map_err(|e| scratch_error(scratch, e))?;
    let rendered = spill::Pages::new(&spilled, records, locate_jobs(site));
    diagnostics.extend(match reuse {
        Some(reuse) => reuse.check_links(site, &rendered, &rendered),
        None => links::check(site, &rendered, &rendered, Severity::Warning),
    });
    // Every page's anchors and links are no longer needed: the search index written next must
    // not come on top of them.
    drop(rendered);
    if config.search {
        let index = spilled.joined(&search, search::INDEX_SCRIPT);
        sink.write_parts("search-index.js", &index)?;
    }
    Ok((pages, site_files?))
}

/// The error of a scratch file that cannot be created or written.
fn scratch_error(dir: Option<&Path>, e: std::io::Error) -> Error {
    let dir = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    Error::io("cannot write a scratch file in", dir, e)
}

/// One rendering job: a content page, a version page or a guide's path view.
#[derive(Debug, Clone, Copy)]
pub enum Job<'a> {
    /// A content page (a guide's own page included).
    Page(&'a site::Page),
    /// A version's own page.
    Version(&'a Guide, &'a crate::guide::VersionSection),
    /// A guide's upgrade path view.
    Path(&'a Guide),
}

impl<'a> Job<'a> {
    /// The URL of the page the job renders, borrowed from the site model where it is there.
    pub fn url(&self) -> Cow<'a, str> {
        match *self {
            Job::Page(page) => Cow::Borrowed(&page.url),
            Job::Version(_, version) => Cow::Borrowed(&version.url),
            Job::Path(guide) => Cow::Owned(guide.path_url()),
        }
    }

    /// The output path the job writes, relative to the output folder.
    pub fn output(&self) -> String {
        match self {
            Job::Page(page) => render::output_path(&page.url),
            Job::Version(_, version) => render::output_path(&version.url),
            Job::Path(guide) => render::output_path(&guide.path_url()),
        }
    }
}

/// Every rendering job of `site`, in a stable order: its pages in the site's order, then each
/// guide's path view and version pages.
pub fn jobs(site: &Site) -> Vec<Job<'_>> {
    site.pages
        .iter()
        .map(Job::Page)
        .chain(guide_jobs(site))
        .collect()
}

/// The jobs of [`jobs`] after the pages.
fn guide_jobs(site: &Site) -> impl Iterator<Item = Job<'_>> {
    site.guides.iter().flat_map(jobs_of_guide)
}

/// The jobs that render a guide's own pages, besides its content page: its path view, then its
/// version pages.
pub fn jobs_of_guide(guide: &Guide) -> impl Iterator<Item = Job<'_>> {
    let versions = guide.versions.iter().map(move |v| Job::Version(guide, v));
    std::iter::once(Job::Path(guide)).chain(versions)
}

/// Finds the index in [`jobs`] of the job that renders the page at a URL: a content page's is
/// its index among the site's pages, which the site model's link targets find; the few others
/// are in a map.
fn locate_jobs(site: &Site) -> spill::Locate<'_> {
    let targets = site.link_targets();
    let others: HashMap<Cow<'_, str>, usize> = guide_jobs(site)
        .enumerate()
        .map(|(i, job)| (job.url(), site.pages.len() + i))
        .collect();
    Box::new(move |url| targets.page_index(url).or_else(|| others.get(url).copied()))
}

/// What rendering one page left behind once its HTML is written: where it is, its anchors,
/// warnings, and what the site-wide outputs need of its source (whose text is not kept).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RenderOutcome {
    /// The page's URL.
    pub url: String,
    /// Ids and names in its HTML, for link checking.
    pub anchors: links::AnchorSet,
    /// Warnings found while rendering it (not kept between builds: see [`crate::warm`]).
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
    /// A content page's links, where they are written, for link checking (a build leaves out the
    /// settled ones: see [`render::RenderOptions::unsettled_links_only`]).
    pub links: Arc<[(crate::error::Position, String)]>,
    /// Its search entries as JSON (see [`search::entry_json`]), joined by commas. (Already JSON:
    /// the manifest of [`crate::warm`] writes it as it is, not as a string escaped again.)
    #[serde(skip)]
    pub search: Arc<str>,
}

/// Lets `serve` skip rendering pages whose inputs did not change since it last rendered them.
pub trait Reuse: Sync {
    /// The earlier outcome of `job` when its file on disk is still what rendering it would write;
    /// `None` renders it.
    fn reuse(&self, job: &Job<'_>) -> Option<RenderOutcome>;
    /// Whether the sink's file at the page's output path already holds its HTML, as far as a
    /// record says: a page said to differ is then written without its file being read first.
    fn holds(&self, page: &render::RenderedPage) -> Option<bool> {
        let _ = page;
        None
    }
    /// Called for every job that was rendered, with its page and outcome.
    fn rendered(&self, job: &Job<'_>, page: &render::RenderedPage, outcome: &RenderOutcome);
    /// The site's broken links, as [`links::check`] warns of them; `serve` re-checks only the
    /// sources whose result may have changed.
    fn check_links(
        &self,
        site: &Site,
        anchors: &dyn links::Anchors,
        found: &dyn links::Found,
    ) -> Vec<Diagnostic> {
        links::check(site, anchors, found, Severity::Warning)
    }
    /// True when it keeps every page's outcome in memory anyway (`serve`, between rebuilds): the
    /// build then holds pages' links and search entries instead of spilling them.
    fn holds_outcomes(&self) -> bool {
        false
    }
}

/// A rendered page as the site-wide steps after rendering need it: its URL (the site model's) and
/// warnings; its anchors, links and search entries wait in the scratch file (see [`crate::spill`]).
#[derive(Debug)]
struct Kept {
    warnings: Vec<Diagnostic>,
    records: spill::PageRecords,
    /// Its search entries, joined by commas.
    search: Stored<Arc<str>>,
}

/// Renders every page in parallel and writes each to `sink` (when given) as soon as it is done;
/// what the steps after need is kept small, the rest goes to `spill`.
fn render_all(
    renderer: &Renderer<'_>,
    sink: Option<&dyn Sink>,
    reuse: Option<&dyn Reuse>,
    progress: Option<&crate::progress::Progress>,
    spill: &Spill,
) -> Vec<std::result::Result<Kept, Box<Diagnostic>>> {
    // One job per task: the few big pages (guide, path view) must not queue up behind each
    // other in one thread's share while the other thread runs out of work.
    jobs(renderer.model)
        .par_iter()
        .with_max_len(1)
        .map(|job| {
            let kept = render_job(renderer, sink, reuse, job)
                .and_then(|outcome| keep(spill, outcome))
                .map_err(Box::new);
            if let Some(progress) = progress {
                progress.tick();
            }
            kept
        })
        .collect()
}

/// Puts `outcome`'s anchors, links and search entries into `spill`.
fn keep(spill: &Spill, outcome: RenderOutcome) -> std::result::Result<Kept, Diagnostic> {
    let failed = |e: std::io::Error| {
        Diagnostic::error(
            render::output_path(&outcome.url),
            format!("cannot write the build's scratch file: {e}"),
        )
    };
    let search = spill.put_search(outcome.search).map_err(failed)?;
    let links = if outcome.links.is_empty() {
        None
    } else {
        Some(spill.put_links(outcome.links).map_err(failed)?)
    };
    let anchors = spill.put_anchors(outcome.anchors).map_err(failed)?;
    Ok(Kept {
        warnings: outcome.warnings,
        records: spill::PageRecords { anchors, links },
        search,
    })
}

/// Renders one job (or takes `reuse`'s unchanged outcome) and writes it to `sink`.
pub fn render_job(
    renderer: &Renderer<'_>,
    sink: Option<&dyn Sink>,
    reuse: Option<&dyn Reuse>,
    job: &Job<'_>,
) -> std::result::Result<RenderOutcome, Diagnostic> {
    if let Some(outcome) = reuse.and_then(|r| r.reuse(job)) {
        return Ok(outcome);
    }
    let search_on = renderer.site.search;
    let (rendered, links, search) = match job {
        Job::Page(page) => {
            let page = page.with_text()?;
            let mut rendered = renderer.page(&page)?;
            let links = std::mem::take(&mut rendered.found_links);
            let search = match rendered.summary.take() {
                Some(summary) if search_on => {
                    vec![search::entry_json(&search::page_entry(&page, summary))]
                }
                _ => Vec::new(),
            };
            (rendered, links, search)
        }
        Job::Version(guide, version) => {
            let search = if search_on {
                let entries = search::version_entries(guide, version);
                entries.iter().map(search::entry_json).collect()
            } else {
                Vec::new()
            };
            (renderer.version_page(guide, version)?, Vec::new(), search)
        }
        Job::Path(guide) => (renderer.path_page(guide)?, Vec::new(), Vec::new()),
    };
    if let Some(sink) = sink {
        let bytes = rendered.html.as_bytes();
        match reuse.and_then(|r| r.holds(&rendered)) {
            Some(same) => sink.write_known(&rendered.output, bytes, same),
            None => sink.write(&rendered.output, bytes),
        }
        .map_err(|e| Diagnostic::error(&rendered.output, e.to_string()))?;
    }
    let outcome = RenderOutcome {
        url: rendered.output.trim_end_matches("index.html").to_string(),
        anchors: links::html_anchors(&rendered.html),
        warnings: rendered.warnings.clone(),
        links: links.into(),
        search: search.join(",").into(),
    };
    if let Some(reuse) = reuse {
        reuse.rendered(job, &rendered, &outcome);
    }
    Ok(outcome)
}

/// What the rendered pages left for the site-wide outputs.
struct Collected {
    /// Pages rendered (or kept).
    pages: usize,
    /// Where each page's anchors and links are, in [`jobs`] order (`None` for a failed job).
    records: Vec<Option<spill::PageRecords>>,
    /// Where each page's search entries are, in rendering order (the index's order).
    search: Vec<Stored<Arc<str>>>,
}

/// Sorts render results into what the site-wide outputs need, and the diagnostics.
fn collect_rendered(
    results: Vec<std::result::Result<Kept, Box<Diagnostic>>>,
    diagnostics: &mut Diagnostics,
) -> Collected {
    let mut collected = Collected {
        pages: 0,
        records: Vec::with_capacity(results.len()),
        search: Vec::with_capacity(results.len()),
    };
    for result in results {
        match result {
            Ok(kept) => {
                diagnostics.extend(kept.warnings);
                collected.search.push(kept.search);
                collected.records.push(Some(kept.records));
                collected.pages += 1;
            }
            Err(error) => {
                diagnostics.push(*error);
                collected.records.push(None);
            }
        }
    }
    collected
}

/// Validates everything `build` would, including links and anchors, and writes nothing; with
/// `external`, http(s) links are fetched too.
pub fn check(root: &Path, drafts: bool, external: bool) -> Result<Diagnostics> {
    let Loaded {
        config,
        site,
        templates,
        mut diagnostics,
        ..
    } = load(root, drafts)?;
    let site_context = SiteContext::new(&config);
    let renderer = Renderer {
        site: &site_context,
        model: &site,
        templates: &templates,
        options: RenderOptions::default(),
    };
    let spill = Spill::new(None).map_err(|e| scratch_error(None, e))?;
    let rendered = render_all(&renderer, None, None, None, &spill);
    let collected = collect_rendered(rendered, &mut diagnostics);
    let spilled = spill.finish().map_err(|e| scratch_error(None, e))?;
    let rendered = spill::Pages::new(&spilled, collected.records, locate_jobs(&site));
    diagnostics.extend(links::check(&site, &rendered, &rendered, Severity::Error));
    if external {
        diagnostics.extend(crate::external::check(&site, &rendered));
    }
    Ok(diagnostics)
}

/// Each guide's `changes.json` and chart, and the site's feed.
fn write_guide_files(staging: &dyn Sink, site: &Site, config: &Config) -> Result<()> {
    let base_url = config.base_url();
    for guide in &site.guides {
        staging.write(
            &format!("{}changes.json", guide.url),
            outputs::changes_json(guide, &base_url).as_bytes(),
        )?;
        staging.write(
            &format!("{}changes.svg", guide.url),
            outputs::chart_svg(guide).as_bytes(),
        )?;
    }
    if config.feed {
        staging.write(
            "feed.xml",
            outputs::feed(&config.title, &base_url, &site.guides).as_bytes(),
        )?;
    }
    Ok(())
}

/// Navigation data, highlighting CSS, theme and content static files, and for a web
/// host the sitemap, robots.txt and 404 page; returns the
/// number of files copied from `content/`.
fn write_site_files(
    staging: &dyn Sink,
    site: &Site,
    theme: &Theme,
    renderer: &Renderer<'_>,
    config: &Config,
) -> Result<usize> {
    for (rel, file) in theme.static_files() {
        staging.write(rel, &file.bytes)?;
    }
    let nav = site::navigation(site);
    staging.write(
        "nav.js",
        search::data_script("UPNOTES_NAV", &nav).as_bytes(),
    )?;
    let css = crate::highlight::theme_css(&config.highlight.light, &config.highlight.dark)
        .map_err(|e| {
            Error::Content(
                [Diagnostic::error(crate::config::FILE_NAME, e.to_string())]
                    .into_iter()
                    .collect(),
            )
        })?;
    staging.write("highlight.css", css.as_bytes())?;
    if !renderer.options.index_files {
        let base_url = config.base_url();
        staging.write("sitemap.xml", publish::sitemap(site, &base_url).as_bytes())?;
        staging.write("robots.txt", publish::robots(&base_url).as_bytes())?;
    }
    if renderer.templates.has("404.html") && !renderer.options.index_files {
        let html = renderer
            .not_found()
            .map_err(|d| Error::Content([d].into_iter().collect()))?;
        staging.write("404.html", html.as_bytes())?;
    }
    for file in &site.static_files {
        staging.copy(&file.rel, &file.path)?;
    }
    Ok(site.static_files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_is_found_by_the_url_it_renders() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = load(root, false).expect("the example site loads");
        let jobs = jobs(&loaded.site);
        assert!(
            jobs.iter().any(|j| matches!(j, Job::Version(..)))
                && jobs.iter().any(|j| matches!(j, Job::Path(..))),
            "the example has version pages and a path view"
        );
        let locate = locate_jobs(&loaded.site);
        for (i, job) in jobs.iter().enumerate() {
            assert_eq!(locate(&job.url()), Some(i), "{}", job.url());
        }
        assert_eq!(locate("/no/such/page/"), None);
    }
}
