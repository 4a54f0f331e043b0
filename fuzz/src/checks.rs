//! The properties the fuzz targets check, one function per target. Shared with the main crate's
//! test suite (`tests/hardening_props.rs` includes this file), so a short run of the same checks is
//! part of `cargo test`.
//!
//! Each function takes arbitrary input and panics only when upnotes misbehaves: a panic inside
//! upnotes, a position outside the file, a link rewritten to climb out of the site, a version order
//! that is not a total order.

use std::cmp::Ordering;
use std::path::PathBuf;

use upnotes::config::Config;
use upnotes::content::{frontmatter, normalize_line_ends, parse_document};
use upnotes::error::{Diagnostic, Position};
use upnotes::highlight;
use upnotes::markdown::{self, LinkResolver, Resolved, Source};
use upnotes::site::{LinkTarget, LinkTargets, PageLinks, Targets};
use upnotes::version::Version;

/// Front matter splitting and parsing, and the whole document parse, on any text.
///
/// `split` and `parse` get the text as the loader gives it to them, lone carriage returns made
/// line ends; `parse_document` gets it raw.
pub fn front_matter(raw: &str) {
    let normalized = normalize_line_ends(raw);
    let text: &str = &normalized;
    let lines = line_count(text);
    if let Ok(split) = frontmatter::split(text) {
        assert!(
            text.ends_with(split.body),
            "the body is the end of the file"
        );
        assert!(split.yaml_line >= 1 && split.body_line >= split.yaml_line);
        if let Some(yaml) = split.yaml {
            assert!(text.contains(yaml), "the YAML is part of the file");
            if !split.body.is_empty() {
                let before_body = &text[..text.len() - split.body.len()];
                assert_eq!(
                    split.body_line,
                    before_body.matches('\n').count() + 1,
                    "body_line counts the lines before the body"
                );
            }
            let parsed = frontmatter::parse(yaml, split.yaml_line);
            assert_eq!(
                parsed,
                frontmatter::parse_locating_unknown_keys(yaml, split.yaml_line),
                "one parse when every key is known gives what two give"
            );
            match parsed {
                Ok(parsed) => {
                    for problem in parsed.unknown_keys {
                        check_position(problem.position, text, lines, "unknown key");
                    }
                }
                Err(problem) => check_position(problem.position, text, lines, &problem.message),
            }
        }
    }
    let (document, diagnostics) =
        parse_document("g/1.0.x/n.md", PathBuf::from("content/n.md"), raw);
    for diagnostic in &diagnostics {
        check_diagnostic(diagnostic, text, lines);
    }
    if let Some(document) = document {
        assert!(text.ends_with(document.body()));
        assert!(document.body_line >= 1 && document.body_line <= lines + 1);
    }
}

/// `upnotes.yaml` parsing on any text: errors are located inside the text.
pub fn config(raw: &str) {
    let normalized = normalize_line_ends(raw);
    let text: &str = &normalized;
    let lines = line_count(text);
    match Config::parse(raw) {
        Ok(config) => {
            let _ = config.base_url();
            if let Some((_, position)) = config.since() {
                check_position(position, text, lines, "since");
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "an error names at least one problem");
            for problem in &problems {
                check_diagnostic(problem, text, lines);
            }
        }
    }
}

/// Version parsing and ordering: every line of `text` that parses is one version, and the
/// order over them is a total order consistent with equality.
pub fn versions(text: &str) {
    let versions: Vec<Version> = text
        .lines()
        .take(12)
        .filter_map(|line| Version::parse(line).ok())
        .collect();
    for a in &versions {
        assert_eq!(a.cmp(a), Ordering::Equal, "reflexive: {a}");
        let again = Version::parse(a.name()).expect("a version's own name parses");
        assert_eq!(again.cmp(a), Ordering::Equal, "{a} parses to itself");
        assert!(!a.dashed().contains('.'), "dashed form of {a}");
        for b in &versions {
            let ab = a.cmp(b);
            assert_eq!(ab, b.cmp(a).reverse(), "antisymmetric: {a} {b}");
            assert_eq!(a == b, ab == Ordering::Equal, "eq agrees with cmp: {a} {b}");
            assert_eq!(a.partial_cmp(b), Some(ab), "partial_cmp agrees: {a} {b}");
            for c in &versions {
                if ab != Ordering::Greater && b <= c {
                    assert!(a <= c, "transitive: {a} <= {b} <= {c}");
                }
                if ab == Ordering::Equal {
                    assert_eq!(
                        a.cmp(c),
                        b.cmp(c),
                        "equal values compare alike: {a} {b} {c}"
                    );
                }
            }
        }
    }
    let mut sorted = versions;
    sorted.sort();
    assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "sort orders");
}

/// The pages a Markdown input may be rendered as: (source folder, page URL).
const PAGES: [(&str, &str); 5] = [
    ("", ""),
    ("", "about/"),
    ("guide/", "guide/"),
    ("guide/0.27.x/", "guide/0.27.x/other/"),
    ("deep/er/", "deep/er/page/"),
];

/// A small site for links to point into.
fn targets() -> LinkTargets {
    let documents = [
        ("index.md", ""),
        ("about.md", "about/"),
        ("my page.md", "my page/"),
        ("über/straße.md", "über/straße/"),
        ("guide/_index.md", "guide/"),
        ("guide/intro.md", "guide/intro/"),
        ("guide/0.28.x/precision.md", "guide/#0-28-x-precision"),
        ("guide/0.27.x/other.md", "guide/0.27.x/other/"),
        ("deep/er/page.md", "deep/er/page/"),
        // Names a browser could misread in an href: `%2e%2e` is `..`, `std:` a URL scheme.
        ("%2e%2e.md", "%2e%2e/"),
        ("100%.md", "100%/"),
        ("std::vector.md", "std::vector/"),
    ];
    LinkTargets::new(
        &[],
        documents
            .iter()
            .map(|(rel, url)| ((*rel).to_string(), (*url).to_string()))
            .collect(),
        documents
            .iter()
            .map(|(_, url)| url.split('#').next().unwrap_or(url).to_string())
            .chain(["guide/0.28.x/".to_string(), "guide/path/".to_string()])
            .collect(),
        ["guide/images/d.png", "images/a b.png", "deep/er/x.txt"]
            .iter()
            .map(ToString::to_string)
            .collect(),
    )
}

/// A whole page body: Markdown rendering with link rewriting against a small site, highlighting
/// of the first line as a fence info string over the rest. The first byte picks the page.
pub fn markdown_page(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (source_dir, page_url) = PAGES[usize::from(selector) % PAGES.len()];
    let first_line = 1 + usize::from(selector >> 4);
    let targets = targets();
    let links = PageLinks {
        targets: Targets::new(&targets, &[]),
        source_dir,
        page_url,
        index_files: selector & 8 != 0,
    };
    let source = Source {
        text: &text,
        first_line,
    };
    // Spans for every bundled theme, or only for the default pair (what a site without a
    // `highlight` setting gets).
    let rendered = if selector & 4 != 0 {
        let styling = upnotes::highlight::Styling::for_themes(
            upnotes::highlight::DEFAULT_LIGHT_THEME,
            upnotes::highlight::DEFAULT_DARK_THEME,
        );
        markdown::render_for(source, &links, styling)
    } else {
        markdown::render(source, &links)
    };
    let last_line = first_line + line_count(&text);
    for (position, message) in &rendered.warnings {
        assert!(
            position.line >= first_line && position.line <= last_line && position.column >= 1,
            "warning outside the text at {position:?}: {message}"
        );
    }
    assert!(rendered.heading_ids.iter().all(|id| !id.is_empty()));
    let _ = markdown::first_heading(&text);
    for (_, destination) in markdown::links(source) {
        check_link(&links, &destination);
    }
    for word in text.split(|c: char| c.is_whitespace() || "()<>[]".contains(c)) {
        check_link(&links, word);
    }
    let (info, code) = text.split_once('\n').unwrap_or((&text, ""));
    let block = highlight::highlight_block(info, code);
    assert!(block.html.starts_with("<pre") && block.html.ends_with("</pre>\n"));
    assert!(
        !block.html.to_ascii_lowercase().contains("<script"),
        "code and info strings are escaped: {}",
        block.html
    );
}

/// A link never resolves to a place above the site root, whatever it says.
fn check_link(links: &PageLinks<'_>, destination: &str) {
    if let LinkTarget::Internal { url, .. } = links.target(destination) {
        assert!(
            !url.starts_with('/') && !url.split('/').any(|part| part == ".." || part == "."),
            "link `{destination}` targets `{url}`"
        );
    }
    if let Resolved::Rewrite(href) = links.resolve(destination) {
        assert!(
            stays_inside(links.page_url, &href),
            "link `{destination}` on page `{}` became `{href}`, which leaves the site",
            links.page_url
        );
    }
}

/// Whether following relative `href` from page URL `from` stays at or below the site root, the way
/// a browser resolves it (`%2e` is a dot to a browser).
fn stays_inside(from: &str, href: &str) -> bool {
    let path = href.split(['#', '?']).next().unwrap_or(href);
    let first = path.split('/').next().unwrap_or("");
    if path.starts_with('/') || first.contains(':') {
        // Absolute, or read by a browser as a URL scheme (`std::vector/`).
        return false;
    }
    let mut depth = from.split('/').filter(|p| !p.is_empty()).count();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let segment = segment.to_ascii_lowercase().replace("%2e", ".");
        let last = i + 1 == segments.len();
        match segment.as_str() {
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            "" | "." => {}
            _ if last => {}
            _ => depth += 1,
        }
    }
    true
}

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// A position is inside the text (or just after its end) and its line is shown in full.
fn check_position(position: Position, text: &str, lines: usize, what: &str) {
    assert!(
        position.line >= 1 && position.line <= lines && position.column >= 1,
        "{what}: position {position:?} outside a text of {lines} lines"
    );
    let line = text.split('\n').nth(position.line - 1).unwrap_or("");
    let width = line.trim_end_matches('\r').chars().count();
    assert!(
        position.column <= width + 2,
        "{what}: column {} past the end of line {} ({width} characters)",
        position.column,
        position.line
    );
}

fn check_diagnostic(diagnostic: &Diagnostic, text: &str, lines: usize) {
    if let Some(position) = diagnostic.position {
        check_position(position, text, lines, &diagnostic.message);
    }
    let shown = diagnostic.to_string();
    assert!(!diagnostic.message.is_empty());
    assert!(
        !diagnostic.message.contains(['\n', '\r']),
        "one-line message: {shown}"
    );
}

/// A layout's source: reading it for the content slot never panics, and when the slot would be
/// used (every use of `page.content` a whole print, the marker printed once), filling the marker
/// in gives what rendering with the page's HTML gives.
pub fn layout(source: &str) {
    use upnotes::templates::slot;
    if !slot::prints_content_whole([source]) {
        return;
    }
    let mut tera = tera::Tera::new();
    if tera.add_raw_template("layout.html", source).is_err() {
        return;
    }
    let marker = slot::marker();
    for html in [
        "<p>Hello <em>there</em> &amp; more.</p>\n",
        "",
        "x",
        "<h2 id=\"a\">A</h2>",
    ] {
        let with = |content: &str| {
            let mut context = tera::Context::new();
            let page = serde_json::json!({
                "title": "T <&>",
                "url": "a/b/",
                "content": content,
                "toc": [{"level": 1, "id": "a", "title": "A", "children": []}],
            });
            context.insert("page", &page);
            context.insert("site", &serde_json::json!({"title": "S", "search": true}));
            tera.render("layout.html", &context)
        };
        let (Ok(rendered), Ok(real)) = (with(&marker), with(html)) else {
            continue;
        };
        if let Some(filled) = slot::fill(&rendered, &marker, html) {
            assert_eq!(filled, real, "the slot changed the page");
        }
    }
}
