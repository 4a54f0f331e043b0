//! The whole build as one linear function: config, content, site model, templates, render, write.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, LoadOptions};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::guide::{Guide, outputs};
use crate::output::{OutputOptions, Staging};
use crate::render::{self, RenderOptions, Renderer, SiteContext};
use crate::site::{self, Site};
use crate::templates::{Templates, Theme};

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
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Where the site was written.
    pub output: PathBuf,
    /// Pages rendered.
    pub pages: usize,
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
    let mut diagnostics = Diagnostics::new();
    let config = match Config::load(root) {
        Ok(config) => config,
        Err(problems) => {
            diagnostics.extend(problems);
            // Keep going with defaults so content errors are reported in the same run.
            Config::default()
        }
    };
    let content = content::load(root, LoadOptions { drafts }, &mut diagnostics);
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
    let root = &options.root;
    let Loaded {
        mut config,
        site,
        theme,
        templates,
        mut diagnostics,
    } = load(root, options.drafts)?;
    if let Some(base_url) = &options.base_url {
        config.base_url.clone_from(base_url);
    }
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| root.join(&config.output));
    let staging = Staging::create(
        root,
        &output,
        OutputOptions {
            force: options.force,
        },
    )?;
    let site_context = SiteContext::new(&config);
    let renderer = Renderer {
        site: &site_context,
        model: &site,
        templates: &templates,
        options: RenderOptions::default(),
    };
    let results = render_all(&renderer, &staging);
    let mut pages = 0;
    for result in results {
        match result {
            Ok(warnings) => {
                pages += 1;
                diagnostics.extend(warnings);
            }
            Err(error) => diagnostics.push(error),
        }
    }
    write_guide_files(&staging, &site, &config)?;
    let files = write_site_files(&staging, &site, &theme, &renderer, &config)?;
    if options.strict {
        diagnostics.make_strict();
    }
    if diagnostics.has_errors() {
        return Err(Error::Content(diagnostics));
    }
    let output = staging.commit()?;
    Ok(BuildReport {
        output,
        pages,
        notes: site
            .guides
            .iter()
            .flat_map(|g| &g.versions)
            .map(|v| v.notes.len())
            .sum(),
        files,
        warnings: diagnostics.sorted(),
        elapsed: started.elapsed(),
    })
}

/// One rendering job: a content page, a version page or a guide's path view.
enum Job<'a> {
    Page(&'a site::Page),
    Version(&'a Guide, &'a crate::guide::VersionSection),
    Path(&'a Guide),
}

/// Renders and writes every page in parallel; nothing is kept in memory after it is written.
fn render_all(
    renderer: &Renderer<'_>,
    staging: &Staging,
) -> Vec<std::result::Result<Vec<Diagnostic>, Diagnostic>> {
    let site = renderer.model;
    let mut jobs: Vec<Job<'_>> = site.pages.iter().map(Job::Page).collect();
    for guide in &site.guides {
        jobs.push(Job::Path(guide));
        jobs.extend(guide.versions.iter().map(|v| Job::Version(guide, v)));
    }
    jobs.par_iter()
        .map(|job| {
            let rendered = match job {
                Job::Page(page) => renderer.page(page)?,
                Job::Version(guide, version) => renderer.version_page(guide, version)?,
                Job::Path(guide) => renderer.path_page(guide)?,
            };
            staging
                .write(&rendered.output, rendered.html.as_bytes())
                .map_err(|e| Diagnostic::error(&rendered.output, e.to_string()))?;
            Ok(rendered.warnings)
        })
        .collect()
}

/// Each guide's `changes.json` and chart, and the site's feed.
fn write_guide_files(staging: &Staging, site: &Site, config: &Config) -> Result<()> {
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

/// Navigation data, the 404 page, highlighting CSS, theme and content static files; returns the
/// number of files copied from `content/`.
fn write_site_files(
    staging: &Staging,
    site: &Site,
    theme: &Theme,
    renderer: &Renderer<'_>,
    config: &Config,
) -> Result<usize> {
    for (rel, file) in theme.static_files() {
        staging.write(rel, &file.bytes)?;
    }
    let nav = site::navigation(site);
    let nav_json = serde_json::to_string(&nav).map_err(|e| Error::Usage(e.to_string()))?;
    staging.write(
        "nav.js",
        format!("window.UPNOTES_NAV = {nav_json};\n").as_bytes(),
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
    if renderer.templates.has("404.html") {
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
