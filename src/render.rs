//! Pages -> HTML through their layouts. Template contexts are typed here and documented in the README.

use serde::Serialize;
use tera::Context;

use crate::config::Config;
use crate::content::urls;
use crate::error::Diagnostic;
use std::path::Path;

use crate::guide::context::{GuideContext, GuideRenderer, PathContext, SectionContext};
use crate::guide::{Guide, VersionSection};
use crate::markdown::{self, LinkResolver, Resolved, Source, TocEntry};
use crate::site::{Page, PageLinks, Site};
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
    /// The themes code is highlighted for (the config's light and dark theme).
    #[serde(skip)]
    pub styling: &'static crate::highlight::Styling,
    /// These values as the template engine holds them, made once: every page's context shares
    /// them rather than converting them again.
    #[serde(skip)]
    value: std::sync::OnceLock<tera::Value>,
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
            styling: crate::highlight::Styling::for_themes(
                &config.highlight.light,
                &config.highlight.dark,
            ),
            value: std::sync::OnceLock::new(),
        }
    }

    /// These values for a template context.
    fn value(&self) -> Result<tera::Value, tera::Error> {
        if let Some(value) = self.value.get() {
            return Ok(value.clone());
        }
        let value = tera::Value::try_from_serializable(self)?;
        Ok(self.value.get_or_init(|| value).clone())
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
    /// On a guide's page, a version page or the path view: the guide (matrix, sections, links).
    pub guide: Option<GuideContext>,
    /// On a version page: that version.
    pub version: Option<SectionContext>,
    /// On the path view: all notes grouped and tagged by version.
    pub path: Option<PathContext>,
}

impl TemplateContext<'_> {
    /// The context as the template engine takes it: what serializing the whole struct gives,
    /// with the site's values shared rather than converted for every page.
    fn to_tera(&self) -> Result<Context, tera::Error> {
        use tera::Value;
        let mut context = Context::new();
        context.insert_value("site", self.site.value()?);
        context.insert_value("page", Value::try_from_serializable(&self.page)?);
        context.insert_value("root", Value::from(self.root.as_str()));
        context.insert_value("index_file", Value::from(self.index_file));
        context.insert_value("guide", Value::try_from_serializable(&self.guide)?);
        context.insert_value("version", Value::try_from_serializable(&self.version)?);
        context.insert_value("path", Value::try_from_serializable(&self.path)?);
        Ok(context)
    }
}

/// How pages are rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Append `index.html` to folder links (offline bundles).
    pub index_files: bool,
    /// Leave settled links (see [`crate::markdown::LinkResolver::resolve_settled`]) out of each
    /// page's found links: for a build, which checks links against the targets it rendered with
    /// (and keeps a page's found links only for builds with the same targets). Not for `serve`,
    /// whose targets change between rebuilds, or `check --external`, which fetches external
    /// links.
    pub unsettled_links_only: bool,
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
    /// Each link destination of a content page's Markdown and what it resolved to, so `serve`
    /// can tell whether a change elsewhere in the site alters this page.
    pub links: Vec<(String, Resolved)>,
    /// Each link destination of a content page's Markdown where it is written, for link checking
    /// (but the settled ones, with [`RenderOptions::unsettled_links_only`]).
    pub found_links: Vec<(crate::error::Position, String)>,
    /// A content page's summary for the search index.
    pub summary: Option<crate::markdown::Summary>,
    /// [`RenderedPage::html_hash`], once asked for.
    html_hash: std::cell::OnceCell<u64>,
}

impl RenderedPage {
    /// The xxh3 hash of the HTML, computed once however many ask (the spare folder's record of
    /// what it holds, the next build's manifest).
    pub fn html_hash(&self) -> u64 {
        *self
            .html_hash
            .get_or_init(|| xxhash_rust::xxh3::xxh3_64(self.html.as_bytes()))
    }
}

/// Remembers what each destination resolved to while a page renders.
pub(crate) struct Recorder<'a> {
    inner: &'a dyn LinkResolver,
    seen: std::cell::RefCell<Vec<(String, Resolved)>>,
    /// Indices in `seen` of the settled destinations.
    settled: std::cell::RefCell<Vec<usize>>,
}

impl<'a> Recorder<'a> {
    /// Records the resolutions of `inner`.
    pub(crate) fn new(inner: &'a dyn LinkResolver) -> Self {
        Recorder {
            inner,
            seen: std::cell::RefCell::default(),
            settled: std::cell::RefCell::default(),
        }
    }

    /// Removes from `found` the links whose destinations resolved as settled.
    fn drop_settled(&self, found: &mut Vec<(crate::error::Position, String)>) {
        let seen = self.seen.borrow();
        let settled: std::collections::HashSet<&str> = self
            .settled
            .borrow()
            .iter()
            .filter_map(|&i| seen.get(i).map(|(destination, _)| destination.as_str()))
            .collect();
        if !settled.is_empty() {
            found.retain(|(_, destination)| !settled.contains(destination.as_str()));
        }
    }

    /// Each destination resolved, in order, with what it resolved to.
    pub(crate) fn into_links(self) -> Vec<(String, Resolved)> {
        self.seen.into_inner()
    }
}

impl LinkResolver for Recorder<'_> {
    fn resolve(&self, destination: &str) -> Resolved {
        let (resolved, settled) = self.inner.resolve_settled(destination);
        let mut seen = self.seen.borrow_mut();
        if settled {
            self.settled.borrow_mut().push(seen.len());
        }
        seen.push((destination.to_string(), resolved.clone()));
        resolved
    }
}

/// The output path of a page URL.
pub fn output_path(url: &str) -> String {
    format!("{url}index.html")
}

/// Renders pages of one site with one set of templates.
#[derive(Debug, Clone, Copy)]
pub struct Renderer<'a> {
    /// Site values.
    pub site: &'a SiteContext,
    /// The site model.
    pub model: &'a Site,
    /// Templates.
    pub templates: &'a Templates,
    /// Options.
    pub options: RenderOptions,
}

impl Renderer<'_> {
    fn guide_renderer<'g>(&'g self, guide: &'g Guide, page_url: &'g str) -> GuideRenderer<'g> {
        GuideRenderer {
            guide,
            targets: self.model.link_targets(),
            page_url,
            index_files: self.options.index_files,
            styling: self.site.styling,
        }
    }

    /// The page's absolute URL under `base_url`; empty in offline bundles, which have no home.
    fn permalink(&self, url: &str) -> String {
        if self.options.index_files {
            String::new()
        } else {
            format!("{}{}", self.site.base_url, urls::encode_path(url))
        }
    }

    fn context<'c>(&'c self, page: PageContext<'c>) -> TemplateContext<'c> {
        TemplateContext {
            site: self.site,
            root: urls::root_prefix(page.url),
            page,
            index_file: if self.options.index_files {
                "index.html"
            } else {
                ""
            },
            guide: None,
            version: None,
            path: None,
        }
    }

    fn finish(
        &self,
        template: &str,
        context: &TemplateContext<'_>,
        source: &Path,
    ) -> Result<String, Diagnostic> {
        // The page's HTML, and the layout around it: a few KiB of head, header and contents.
        let size = context.page.content.len() + LAYOUT_SIZE;
        let context = context.to_tera().map_err(|e| {
            Diagnostic::error(source, format!("cannot build the template context: {e}"))
        })?;
        self.templates.render(template, &context, source, size)
    }

    /// [`Renderer::finish`] for a content page: its layout is rendered with the templates' marker
    /// in place of its HTML, which then goes where the marker came out (see
    /// [`crate::templates::Templates::content_marker`]); through the template engine when the
    /// templates use `page.content` otherwise, or the layout did not print it once.
    fn finish_page(
        &self,
        template: &str,
        mut context: TemplateContext<'_>,
        source: &Path,
    ) -> Result<String, Diagnostic> {
        if let Some(marker) = self.templates.content_marker() {
            let content = std::mem::replace(&mut context.page.content, marker.to_string());
            let rendered = self.finish(template, &context, source)?;
            if let Some(html) = self.templates.fill_content(&rendered, &content) {
                return Ok(html);
            }
            context.page.content = content;
        }
        self.finish(template, &context, source)
    }

    /// Renders one content page: Markdown, then its layout (with the guide, on a guide's page).
    pub fn page(&self, page: &Page) -> Result<RenderedPage, Diagnostic> {
        let doc = &page.doc;
        let links = PageLinks {
            targets: self.model.link_targets(),
            source_dir: urls::parent_dir(&doc.rel),
            page_url: &page.url,
            index_files: self.options.index_files,
        };
        let recorder = Recorder::new(&links);
        let rendered = markdown::render_for(
            Source {
                text: doc.body(),
                first_line: doc.body_line,
            },
            &recorder,
            self.site.styling,
        );
        let mut warnings: Vec<Diagnostic> = rendered
            .warnings
            .iter()
            .map(|(position, message)| {
                Diagnostic::warning(doc.source.clone(), message.clone()).at(&doc.text, *position)
            })
            .collect();
        if !doc.has_front_matter {
            warnings.push(Diagnostic::warning(
                doc.source.clone(),
                format!(
                    "no front matter: using the title \"{}\" and layout `{}`; add `---` lines with `title:` and `layout:` to choose",
                    page.title, page.layout
                ),
            ));
        }
        let mut context = self.context(PageContext {
            title: &page.title,
            description: page.description.as_deref(),
            url: &page.url,
            permalink: self.permalink(&page.url),
            source: &doc.rel,
            layout: &page.layout,
            content: rendered.html,
            toc: rendered.toc,
        });
        if let Some(guide) = page.guide.and_then(|i| self.model.guides.get(i)) {
            let guide_context = self.guide_renderer(guide, &page.url).guide(true);
            context.page.toc.extend(guide_toc(&guide_context));
            context.guide = Some(guide_context);
            // The guide page renders every note and procedure, so it reports their warnings: once
            // each, however many pages show them.
            warnings.extend(crate::guide::memo::warnings(guide));
        }
        let html = self.finish_page(&format!("{}.html", page.layout), context, &doc.source)?;
        let mut found_links = rendered.links;
        if self.options.unsettled_links_only {
            recorder.drop_settled(&mut found_links);
        }
        Ok(RenderedPage {
            output: output_path(&page.url),
            html,
            warnings,
            links: recorder.into_links(),
            found_links,
            summary: Some(rendered.summary),
            html_hash: std::cell::OnceCell::new(),
        })
    }

    /// Renders a version's own page with `version.html`.
    pub fn version_page(
        &self,
        guide: &Guide,
        section: &VersionSection,
    ) -> Result<RenderedPage, Diagnostic> {
        let renderer = self.guide_renderer(guide, &section.url);
        let version = renderer.section(section);
        let source = section.index.as_ref().map_or_else(
            || {
                std::path::PathBuf::from(crate::content::CONTENT_DIR)
                    .join(&guide.dir)
                    .join(section.version.name())
            },
            |d| d.source.clone(),
        );
        let rel = section.index.as_ref().map_or("", |d| d.rel.as_str());
        let toc = section
            .notes
            .iter()
            .map(|n| TocEntry {
                level: 3,
                id: n.id.clone(),
                title: n.title.clone(),
                children: Vec::new(),
            })
            .collect();
        let mut context = self.context(PageContext {
            title: &section.title,
            description: None,
            url: &section.url,
            permalink: self.permalink(&section.url),
            source: rel,
            layout: "version",
            content: String::new(),
            toc,
        });
        context.guide = Some(renderer.guide(false));
        context.version = Some(version);
        let html = self.finish("version.html", &context, &source)?;
        Ok(RenderedPage {
            output: output_path(&section.url),
            html,
            warnings: Vec::new(),
            links: Vec::new(),
            found_links: Vec::new(),
            summary: None,
            html_hash: std::cell::OnceCell::new(),
        })
    }

    /// Renders a guide's upgrade path view with `path.html`.
    pub fn path_page(&self, guide: &Guide) -> Result<RenderedPage, Diagnostic> {
        let url = guide.path_url();
        let renderer = self.guide_renderer(guide, &url);
        let title = format!("{}: upgrade path", guide.title);
        let mut context = self.context(PageContext {
            title: &title,
            description: None,
            url: &url,
            permalink: self.permalink(&url),
            source: "",
            layout: "path",
            content: String::new(),
            toc: Vec::new(),
        });
        context.guide = Some(renderer.guide(false));
        context.path = Some(renderer.path());
        let source = std::path::PathBuf::from(crate::content::CONTENT_DIR).join(&guide.dir);
        let html = self.finish("path.html", &context, &source)?;
        Ok(RenderedPage {
            output: output_path(&url),
            html,
            warnings: Vec::new(),
            links: Vec::new(),
            found_links: Vec::new(),
            summary: None,
            html_hash: std::cell::OnceCell::new(),
        })
    }

    /// Renders `404.html`. It is served at arbitrary paths, so its root is the absolute base path.
    pub fn not_found(&self) -> Result<String, Diagnostic> {
        let mut context = self.context(PageContext {
            title: "Page not found",
            description: None,
            url: "404.html",
            permalink: format!("{}404.html", self.site.base_url),
            source: "",
            layout: "404",
            content: String::new(),
            toc: Vec::new(),
        });
        context.root = base_path(&self.site.base_url);
        self.finish("404.html", &context, Path::new("404.html"))
    }
}

/// About what the default theme's layouts add to a page's HTML, table of contents included.
pub const LAYOUT_SIZE: usize = 8 * 1024;

/// Guide pages list each version section in their table of contents, after the intro's headings.
fn guide_toc(guide: &GuideContext) -> Vec<TocEntry> {
    guide
        .versions
        .iter()
        .map(|v| TocEntry {
            level: 2,
            id: v.anchor.clone(),
            title: v.title.clone(),
            children: Vec::new(),
        })
        .collect()
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
        Some(position) => diagnostic.at(&page.doc.text_for_messages(), position),
        None => diagnostic,
    })
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
    fn the_template_context_is_the_whole_struct_serialized() {
        let config = Config::default();
        let site = SiteContext::new(&config);
        let page = PageContext {
            title: "T",
            description: Some("d"),
            url: "a/b/",
            permalink: "https://example.org/a/b/".to_string(),
            source: "a/b.md",
            layout: "page",
            content: "<p>x</p>".to_string(),
            toc: vec![TocEntry {
                level: 2,
                id: "x".to_string(),
                title: "X".to_string(),
                children: Vec::new(),
            }],
        };
        let mut context = TemplateContext {
            site: &site,
            root: urls::root_prefix(page.url),
            page,
            index_file: "index.html",
            guide: None,
            version: None,
            path: None,
        };
        for _ in 0..2 {
            let whole = Context::from_serialize(&context).expect("serialize");
            assert_eq!(context.to_tera().expect("context"), whole);
            context.index_file = "";
        }
    }

    /// The example site's pages, guide page included, come out the same whether their HTML is
    /// filled in after the layout or passed through the template engine.
    #[test]
    fn filled_in_pages_equal_pages_rendered_through_the_engine() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = crate::build::load(root, false).expect("the example site loads");
        assert!(
            loaded.templates.content_marker().is_some(),
            "the built-in theme prints page.content whole"
        );
        let through_engine = crate::build::load(root, false)
            .expect("loads")
            .templates
            .without_content_slot();
        let site = SiteContext::new(&loaded.config);
        let renderer = |templates| Renderer {
            site: &site,
            model: &loaded.site,
            templates,
            options: RenderOptions::default(),
        };
        let (filled, plain) = (renderer(&loaded.templates), renderer(&through_engine));
        assert!(loaded.site.pages.iter().any(|p| p.guide.is_some()));
        for page in &loaded.site.pages {
            let page = page.with_text().expect("source readable");
            let want = plain.page(&page).expect("renders").html;
            assert!(want.len() > 1000, "{}", page.url);
            assert_eq!(
                filled.page(&page).expect("renders").html,
                want,
                "{}",
                page.url
            );
        }
    }

    #[test]
    fn base_path_of_urls() {
        assert_eq!(base_path("https://example.org/docs/mesos/"), "/docs/mesos/");
        assert_eq!(base_path("https://example.org"), "/");
        assert_eq!(base_path("/"), "/");
        assert_eq!(base_path("/docs"), "/docs/");
    }
}
