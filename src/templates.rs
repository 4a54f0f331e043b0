//! Themes and Tera templates: the theme's `templates/`, overridden by the site's own `templates/`.
//!
//! The `default` theme is compiled into the binary; a folder `themes/<name>/` in the site takes
//! precedence, so the repository's `themes/default/` is both the source and a live override.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::{Context, ErrorKind, Kwargs, State, Tera, Value};

use crate::error::{Diagnostic, Position};

pub mod slot;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));
}

/// Name of the theme compiled into the binary.
pub const BUILTIN_THEME: &str = "default";

/// Templates with a fixed role, not layouts a page can name.
pub const SPECIAL_TEMPLATES: [&str; 4] = ["base.html", "404.html", "version.html", "path.html"];

/// One file of a theme or of the site's `templates/` folder.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    /// Path inside the theme (`templates/page.html`, `static/style.css`).
    pub rel: String,
    /// Where it comes from, for messages (`themes/default/templates/page.html`).
    pub origin: PathBuf,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A theme's files, loaded once per build.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Every file, sorted by `rel`.
    pub files: Vec<ThemeFile>,
}

impl Theme {
    /// Loads theme `name` from `root/themes/<name>/`, or the built-in theme for `default`.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let dir = root.join("themes").join(name);
        if dir.is_dir() {
            let origin = Path::new("themes").join(name);
            return read_tree(&dir, &origin).map(|files| Theme { files });
        }
        if name == BUILTIN_THEME {
            let files = builtin::FILES
                .iter()
                .map(|(rel, bytes)| ThemeFile {
                    rel: (*rel).to_string(),
                    origin: Path::new("<built-in theme>").join(rel),
                    bytes: bytes.to_vec(),
                })
                .collect();
            return Ok(Theme { files });
        }
        Err(Diagnostic::error(
            crate::config::FILE_NAME,
            format!("theme `{name}` not found: create themes/{name}/ or use `theme: default`"),
        ))
    }

    /// The theme's static files (under `static/`), with paths relative to that folder.
    pub fn static_files(&self) -> impl Iterator<Item = (&str, &ThemeFile)> {
        self.files
            .iter()
            .filter_map(|f| f.rel.strip_prefix("static/").map(|rel| (rel, f)))
    }
}

fn read_tree(dir: &Path, origin: &Path) -> Result<Vec<ThemeFile>, Diagnostic> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::content::is_ignored(e.file_name()));
    for entry in walker {
        let entry =
            entry.map_err(|e| Diagnostic::error(origin, format!("cannot read the theme: {e}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel_path = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel_path.to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(entry.path())
            .map_err(|e| Diagnostic::error(origin.join(rel_path), format!("cannot read: {e}")))?;
        files.push(ThemeFile {
            rel,
            origin: origin.join(rel_path),
            bytes,
        });
    }
    Ok(files)
}

/// Compiled templates and where each came from.
#[derive(Debug)]
pub struct Templates {
    tera: Tera,
    origins: BTreeMap<String, PathBuf>,
    sources: BTreeMap<String, String>,
    /// What layouts render in place of a page's HTML, when the templates allow (see [`slot`]).
    content_marker: Option<String>,
}

impl Templates {
    /// Compiles the theme's templates with the site's `templates/` folder on top; reports every
    /// template with a syntax error.
    pub fn load(root: &Path, theme: &Theme) -> Result<Templates, Vec<Diagnostic>> {
        let mut origins = BTreeMap::new();
        let mut sources = BTreeMap::new();
        let mut problems = Vec::new();
        let site_templates =
            read_tree(&root.join("templates"), Path::new("templates")).map_err(|d| vec![d])?;
        let theme_templates = theme.files.iter().filter_map(|f| {
            f.rel
                .strip_prefix("templates/")
                .map(|name| (name.to_string(), f))
        });
        let site_templates = site_templates.iter().map(|f| (f.rel.clone(), f));
        for (name, file) in theme_templates.chain(site_templates) {
            match String::from_utf8(file.bytes.clone()) {
                Ok(text) => {
                    origins.insert(name.clone(), file.origin.clone());
                    sources.insert(name, text);
                }
                Err(_) => problems.push(Diagnostic::error(
                    &file.origin,
                    "the template is not valid UTF-8: save it with UTF-8 encoding",
                )),
            }
        }
        let mut tera = Tera::new();
        tera.register_filter("safe", safe);
        // Tera reports one error at a time: drop the culprit and retry, so every broken template
        // is reported; templates extending a broken one are not reported again.
        let mut batch: BTreeMap<String, String> = sources.clone();
        let mut broken: Vec<String> = Vec::new();
        loop {
            let Err(e) = tera.add_raw_templates(batch.iter()) else {
                break;
            };
            let cascaded = match e.kind() {
                ErrorKind::MissingParent { parent, .. } => broken.contains(parent),
                _ => false,
            };
            let (diagnostic, culprit) = template_error(&e, &origins, &sources);
            if !cascaded {
                problems.push(diagnostic);
            }
            match culprit.and_then(|name| batch.remove_entry(&name)) {
                Some((name, _)) => broken.push(name),
                None => break,
            }
        }
        if problems.is_empty() {
            let content_marker =
                slot::prints_content_whole(sources.values().map(String::as_str)).then(slot::marker);
            Ok(Templates {
                tera,
                origins,
                sources,
                content_marker,
            })
        } else {
            Err(problems)
        }
    }

    /// Layout names a page may use: top-level `.html` templates, except partials (`_x.html`) and
    /// the templates with a fixed role ([`SPECIAL_TEMPLATES`]).
    pub fn layouts(&self) -> Vec<&str> {
        self.origins
            .keys()
            .filter(|name| !name.contains('/') && !name.starts_with('_'))
            .filter(|name| !SPECIAL_TEMPLATES.contains(&name.as_str()))
            .filter_map(|name| name.strip_suffix(".html"))
            .collect()
    }

    /// The marker to render in place of a page's HTML, which [`Templates::fill_content`] then
    /// replaces; `None` when some template uses `page.content` other than by printing it whole.
    pub fn content_marker(&self) -> Option<&str> {
        self.content_marker.as_deref()
    }

    /// `rendered` (a layout rendered with [`Templates::content_marker`] as the page's HTML) with
    /// `content` in the marker's place; `None` when the marker is not in it exactly once.
    pub fn fill_content(&self, rendered: &str, content: &str) -> Option<String> {
        slot::fill(rendered, self.content_marker.as_deref()?, content)
    }

    /// The same templates, rendering every page's HTML through the template engine.
    #[cfg(test)]
    pub(crate) fn without_content_slot(mut self) -> Self {
        self.content_marker = None;
        self
    }

    /// True when `templates/<name>` exists.
    pub fn has(&self, name: &str) -> bool {
        self.origins.contains_key(name)
    }

    /// Renders template `name` with `context`; a failure names the template and the page.
    /// `size` is about the size of the output: reserved at once, it spares growing (and copying)
    /// a page's HTML a few times over.
    pub fn render(
        &self,
        name: &str,
        context: &Context,
        page: &Path,
        size: usize,
    ) -> Result<String, Diagnostic> {
        let mut out = Vec::with_capacity(size);
        self.tera.render_to(name, context, &mut out).map_err(|e| {
            let (mut diagnostic, _) = template_error(&e, &self.origins, &self.sources);
            diagnostic.message = format!(
                "{} (while rendering {})",
                diagnostic.message,
                crate::error::display_path(page)
            );
            diagnostic
        })?;
        String::from_utf8(out).map_err(|e| {
            Diagnostic::error(
                page,
                format!("template `{name}` wrote bytes that are not UTF-8 text: {e}"),
            )
        })
    }
}

/// Tera's `safe`, without its copy of the string: every layout writes `{{ page.content | safe }}`,
/// and the built-in filter copied a page's whole HTML to mark it. Tera's strings are shared, so
/// marking a copy of the value costs nothing. Other values are written as text, as Tera does.
fn safe(value: &Value, _: Kwargs, _: &State) -> Value {
    if value.is_string() {
        value.clone().mark_safe()
    } else {
        Value::safe_string(&value.to_string())
    }
}

/// Turns a Tera error into a located diagnostic, and names the template at fault when known.
fn template_error(
    e: &tera::Error,
    origins: &BTreeMap<String, PathBuf>,
    sources: &BTreeMap<String, String>,
) -> (Diagnostic, Option<String>) {
    let origin_of = |name: &str| {
        origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from("templates").join(name))
    };
    match e.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let name = report.filename().to_string();
            let span = report.span();
            let position = Position::new(span.start_line.max(1), span.start_col + 1);
            let message = format!("template error: {}", report.message());
            let diagnostic = Diagnostic::error(origin_of(&name), message);
            let diagnostic = match sources.get(&name) {
                Some(source) => diagnostic.at(source, position),
                None => diagnostic.at_position(position),
            };
            (diagnostic, Some(name))
        }
        ErrorKind::MissingParent { current, parent } => (
            Diagnostic::error(
                origin_of(current),
                format!("template extends `{parent}`, which does not exist"),
            ),
            Some(current.clone()),
        ),
        other => (
            Diagnostic::error("templates", format!("template error: {other}")),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_theme_has_the_documentation_layout() {
        let theme = Theme::load(Path::new("/nonexistent"), BUILTIN_THEME).expect("built in");
        let templates = Templates::load(Path::new("/nonexistent"), &theme).expect("compiles");
        assert!(templates.layouts().contains(&"documentation"));
        assert!(templates.layouts().contains(&"page"));
    }

    #[test]
    fn safe_writes_what_teras_own_filter_writes() {
        let template =
            "{{ html | safe }}|{{ html }}|{{ short | safe }}|{{ n | safe }}|{{ list | safe }}";
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("templates")).expect("templates folder");
        std::fs::write(root.path().join("templates/t.html"), template).expect("write");
        let theme = Theme::load(root.path(), BUILTIN_THEME).expect("built in");
        let templates = Templates::load(root.path(), &theme).expect("compiles");
        let mut context = Context::new();
        let html = "<p>A paragraph long enough to be shared, not inlined.</p>";
        context.insert("html", html);
        context.insert("short", "<b>");
        context.insert("n", &3);
        context.insert("list", &["<a>", "b"]);
        let ours = templates
            .render("t.html", &context, Path::new("t.md"), 0)
            .expect("renders");
        let mut plain = Tera::new();
        plain
            .add_raw_template("t.html", template)
            .expect("compiles");
        let theirs = plain.render("t.html", &context).expect("renders");
        assert_eq!(ours, theirs);
        assert!(ours.starts_with(&format!("{html}|&lt;p&gt;")), "{ours}");
    }

    #[test]
    fn unknown_theme_is_an_error() {
        let e = Theme::load(Path::new("/nonexistent"), "fancy").expect_err("missing");
        assert!(e.message.contains("theme `fancy` not found"));
    }
}
