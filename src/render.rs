//! Pages -> HTML through their layouts. Template contexts are typed here and documented in the README.

use serde::Serialize;
use tera::Context;

use crate::config::Config;
use crate::content::urls;
use crate::error::Diagnostic;
use crate::markdown::{self, Source, TocEntry};
use crate::site::{LinkTargets, Page, PageLinks};
use crate::templates::Templates;

/// Site-wide values every template sees as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteContext {
    /// `title` from the config.
    pub title: String,
    /// `description` from the config.
    pub description: Option<String>,
    /// `base_url` with a trailing slash.
    pub base_url: String,
    /// `language` from the config.
    pub language: String,
    /// Whether search is on.
    pub search: bool,
    /// Whether the feed is on.
    pub feed: bool,
}

impl SiteContext {
    /// The site context of `config`.
    pub fn new(config: &Config) -> Self {
        SiteContext {
            title: config.title.clone(),
            description: config.description.clone(),
            base_url: config.base_url(),
            language: config.language.clone(),
            search: config.search,
            feed: config.feed,
        }
    }
}

/// The page being rendered, seen by templates as `page`.
#[derive(Debug, Clone, Serialize)]
pub struct PageContext<'a> {
    /// Title (escaped by the template engine when printed).
    pub title: &'a str,
    /// `description` from front matter.
    pub description: Option<&'a str>,
    /// Site-relative URL, `""` for the home page.
    pub url: &'a str,
    /// Absolute URL from `base_url`.
    pub permalink: String,
    /// Source path relative to `content/`.
    pub source: &'a str,
    /// Layout name.
    pub layout: &'a str,
    /// The rendered Markdown body (print with `| safe`).
    pub content: String,
    /// Headings, nested.
    pub toc: Vec<TocEntry>,
}

/// Everything a page template receives.
#[derive(Debug, Serialize)]
pub struct TemplateContext<'a> {
    /// Site values.
    pub site: &'a SiteContext,
    /// The page.
    pub page: PageContext<'a>,
    /// Relative prefix from this page to the site root (`./`, `../`, `../../`), for assets and links.
    pub root: String,
    /// `index.html` when folder links need it (offline bundles), else empty.
    pub index_file: &'static str,
}

/// How pages are rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Append `index.html` to folder links (offline bundles).
    pub index_files: bool,
}

/// A rendered page: its HTML and the warnings found on the way.
#[derive(Debug)]
pub struct RenderedPage {
    /// Output path relative to the output folder (`guide/index.html`).
    pub output: String,
    /// The HTML.
    pub html: String,
    /// Located warnings (broken links, unknown languages, missing front matter).
    pub warnings: Vec<Diagnostic>,
}

/// The output path of a page URL.
pub fn output_path(url: &str) -> String {
    format!("{url}index.html")
}

/// Renders one page: Markdown, then its layout.
pub fn render_page(
    page: &Page,
    site: &SiteContext,
    targets: &LinkTargets,
    templates: &Templates,
    options: RenderOptions,
) -> Result<RenderedPage, Diagnostic> {
    let doc = &page.doc;
    let links = PageLinks {
        targets,
        source_dir: urls::parent_dir(&doc.rel),
        page_url: &page.url,
        index_files: options.index_files,
    };
    let rendered = markdown::render(
        Source {
            text: doc.body(),
            first_line: doc.body_line,
        },
        &links,
    );
    let mut warnings: Vec<Diagnostic> = rendered
        .warnings
        .iter()
        .map(|(position, message)| {
            Diagnostic::warning(doc.source.clone(), message.clone()).at(&doc.text, *position)
        })
        .collect();
    let title = &page.title;
    if !doc.has_front_matter {
        warnings.push(Diagnostic::warning(
            doc.source.clone(),
            format!("no front matter: using the title \"{title}\" and layout `{}`; add `---` lines with `title:` and `layout:` to choose", page.layout),
        ));
    }
    let context = TemplateContext {
        site,
        page: PageContext {
            title,
            description: doc.front_matter.description.as_deref(),
            url: &page.url,
            permalink: format!("{}{}", site.base_url, urls::encode_path(&page.url)),
            source: &doc.rel,
            layout: &page.layout,
            content: rendered.html,
            toc: rendered.toc,
        },
        root: urls::root_prefix(&page.url),
        index_file: if options.index_files {
            "index.html"
        } else {
            ""
        },
    };
    let context = Context::from_serialize(&context).map_err(|e| {
        Diagnostic::error(
            doc.source.clone(),
            format!("cannot build the template context: {e}"),
        )
    })?;
    let html = templates.render(&format!("{}.html", page.layout), &context, &doc.source)?;
    Ok(RenderedPage {
        output: output_path(&page.url),
        html,
        warnings,
    })
}

/// Checks that a page's layout exists, naming the layouts that do.
pub fn check_layout(page: &Page, templates: &Templates) -> Option<Diagnostic> {
    if templates.has(&format!("{}.html", page.layout)) {
        return None;
    }
    let message = format!(
        "unknown layout `{}`: use one of {}",
        page.layout,
        templates
            .layouts()
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let diagnostic = Diagnostic::error(page.doc.source.clone(), message);
    Some(match page.layout_position {
        Some(position) => diagnostic.at(&page.doc.text, position),
        None => diagnostic,
    })
}

/// Renders `404.html`. It is served at arbitrary paths, so its root is the absolute base path.
pub fn render_not_found(site: &SiteContext, templates: &Templates) -> Result<String, Diagnostic> {
    let context = TemplateContext {
        site,
        page: PageContext {
            title: "Page not found",
            description: None,
            url: "404.html",
            permalink: format!("{}404.html", site.base_url),
            source: "",
            layout: "404",
            content: String::new(),
            toc: Vec::new(),
        },
        root: base_path(&site.base_url),
        index_file: "",
    };
    let context = Context::from_serialize(&context).map_err(|e| {
        Diagnostic::error(
            "404.html",
            format!("cannot build the template context: {e}"),
        )
    })?;
    templates.render("404.html", &context, std::path::Path::new("404.html"))
}

/// The path part of a base URL: `https://example.org/docs/` -> `/docs/`.
pub fn base_path(base_url: &str) -> String {
    let without_scheme = match base_url.find("://") {
        Some(i) => {
            let rest = &base_url[i + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => base_url,
    };
    let trimmed = without_scheme.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_of_urls() {
        assert_eq!(base_path("https://example.org/docs/mesos/"), "/docs/mesos/");
        assert_eq!(base_path("https://example.org"), "/");
        assert_eq!(base_path("/"), "/");
        assert_eq!(base_path("/docs"), "/docs/");
    }
}
