//! The whole build as one linear function: config, content, site model, templates, render, write.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, LoadOptions};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::output::{OutputOptions, Staging};
use crate::render::{self, RenderOptions, SiteContext};
use crate::site::{self, Site};
use crate::templates::{Templates, Theme};

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
    /// Files copied from `content/` and the theme.
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
    let site = site::assemble(content, &mut diagnostics);
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
    let render_options = RenderOptions::default();

    // Render and write each page in parallel; nothing is kept in memory after it is written.
    let results: Vec<std::result::Result<Vec<Diagnostic>, Diagnostic>> = site
        .pages
        .par_iter()
        .map(|page| {
            let rendered = render::render_page(
                page,
                &site_context,
                &site.targets,
                &templates,
                render_options,
            )?;
            staging
                .write(&rendered.output, rendered.html.as_bytes())
                .map_err(|e| Diagnostic::error(page.doc.source.clone(), e.to_string()))?;
            Ok(rendered.warnings)
        })
        .collect();
    for result in results {
        match result {
            Ok(warnings) => diagnostics.extend(warnings),
            Err(error) => diagnostics.push(error),
        }
    }
    let files = write_site_files(&staging, &site, &theme, &templates, &site_context, &config)?;
    if options.strict {
        diagnostics.make_strict();
    }
    if diagnostics.has_errors() {
        return Err(Error::Content(diagnostics));
    }
    let output = staging.commit()?;
    Ok(BuildReport {
        output,
        pages: site.pages.len(),
        files,
        warnings: diagnostics.sorted(),
        elapsed: started.elapsed(),
    })
}

/// Navigation data, the 404 page, highlighting CSS, theme and content static files.
fn write_site_files(
    staging: &Staging,
    site: &Site,
    theme: &Theme,
    templates: &Templates,
    site_context: &SiteContext,
    config: &Config,
) -> Result<usize> {
    let mut count = 0;
    for (rel, file) in theme.static_files() {
        staging.write(rel, &file.bytes)?;
        count += 1;
    }
    let nav = site::navigation(&site.pages);
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
    if templates.has("404.html") {
        let html = render::render_not_found(site_context, templates)
            .map_err(|d| Error::Content([d].into_iter().collect()))?;
        staging.write("404.html", html.as_bytes())?;
    }
    for file in &site.static_files {
        staging.copy(&file.rel, &file.path)?;
        count += 1;
    }
    Ok(count)
}
