//! Incremental rebuilds of `serve`/`watch`, driven through the library: after each edit the session
//! renders only what depends on it, and the output equals a clean build of the same sources.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use upnotes::build::{self, BuildOptions};
use upnotes::error::Error;
use upnotes::serve::session::{Rebuilt, Session};
use upnotes::serve::watch::{Changed, SourceKind};

fn session(root: &Path) -> Session {
    let mut session = Session::new(BuildOptions {
        root: root.to_path_buf(),
        ..BuildOptions::default()
    })
    .expect("session");
    let first = session.rebuild(&BTreeSet::new()).expect("first build");
    assert!(first.full);
    session
}

fn change(kind: SourceKind, path: &str) -> BTreeSet<Changed> {
    [Changed {
        kind,
        path: PathBuf::from(path),
    }]
    .into_iter()
    .collect()
}

fn rebuild(session: &mut Session, kind: SourceKind, path: &str) -> Rebuilt {
    session
        .rebuild(&change(kind, path))
        .unwrap_or_else(|e| panic!("rebuild after {path}: {e:?}"))
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// The session's output must be byte for byte what `build` writes from the same sources.
fn assert_same_as_clean_build(root: &Path) {
    let clean = root.join("clean-build");
    build::build(&BuildOptions {
        root: root.to_path_buf(),
        output: Some(clean.clone()),
        ..BuildOptions::default()
    })
    .expect("clean build");
    support::assert_same_trees(
        &support::tree(&root.join("site")),
        &support::tree(&clean),
        "from a clean build",
    );
    std::fs::remove_dir_all(&clean).expect("remove the clean build");
}

const NOTE: &str = "content/upgrades/0.28.x/resource-precision.md";

#[test]
fn a_note_edit_renders_its_guide_its_version_page_and_the_path_view_only() {
    let site = support::example_site();
    let mut session = session(site.path());
    edit(
        site.path(),
        NOTE,
        "three decimal digits",
        "three decimal digits (edited)",
    );
    let rebuilt = rebuild(&mut session, SourceKind::Content, NOTE);
    assert_eq!(
        rebuilt.rendered,
        [
            "upgrades/0.28.x/index.html",
            "upgrades/index.html",
            "upgrades/path/index.html"
        ]
    );
    for written in &rebuilt.written {
        assert!(
            written.starts_with("upgrades/")
                || ["search-index.js", "feed.xml", "sitemap.xml"].contains(&written.as_str()),
            "unexpected write: {written}"
        );
    }
    assert!(rebuilt.removed.is_empty());
    let guide =
        std::fs::read_to_string(site.path().join("site/upgrades/index.html")).expect("read");
    assert!(guide.contains("three decimal digits (edited)"));
    assert_same_as_clean_build(site.path());
}

#[test]
fn a_note_title_edit_reaches_every_version_page_through_the_matrix() {
    let site = support::example_site();
    let mut session = session(site.path());
    edit(site.path(), NOTE, "title:", "title: Renamed -");
    let rebuilt = rebuild(&mut session, SourceKind::Content, NOTE);
    assert!(
        rebuilt
            .rendered
            .contains(&"upgrades/0.12.0/index.html".to_string())
    );
    assert!(!rebuilt.rendered.contains(&"about/index.html".to_string()));
    assert!(!rebuilt.rendered.contains(&"index.html".to_string()));
    assert_same_as_clean_build(site.path());
}

#[test]
fn a_template_edit_renders_the_pages_that_use_it() {
    let site = support::example_site();
    let root = site.path();
    std::fs::create_dir_all(root.join("templates")).expect("mkdir");
    let custom = "{% extends \"base.html\" %}{% block content %}<div class=\"custom\">{{ page.content | safe }}</div>{% endblock content %}";
    std::fs::write(root.join("templates/custom.html"), custom).expect("write");
    edit(root, "content/about.md", "layout: page", "layout: custom");
    let mut session = session(root);
    std::fs::write(
        root.join("templates/custom.html"),
        custom.replace("custom\"", "custom edited\""),
    )
    .expect("write");
    let rebuilt = rebuild(&mut session, SourceKind::Template, "templates/custom.html");
    assert_eq!(rebuilt.rendered, ["about/index.html"]);
    assert_eq!(rebuilt.written, ["about/index.html"]);
    assert_same_as_clean_build(root);

    // base.html is under every layout: every page renders again.
    let theme = upnotes::templates::Theme::load(root, "default").expect("theme");
    let base = theme
        .files
        .iter()
        .find(|f| f.rel == "templates/base.html")
        .expect("base.html");
    let mut edited = base.bytes.clone();
    edited.extend_from_slice(b"\n{# edited #}\n");
    std::fs::write(root.join("templates/base.html"), &edited).expect("write");
    let rebuilt = rebuild(&mut session, SourceKind::Template, "templates/base.html");
    assert_eq!(rebuilt.rendered.len(), rebuilt.pages);
    assert_same_as_clean_build(root);
}

#[test]
fn a_config_edit_renders_everything() {
    let site = support::example_site();
    let mut session = session(site.path());
    edit(
        site.path(),
        "upnotes.yaml",
        "title: Apache Mesos",
        "title: Apache Mesos (edited)",
    );
    let rebuilt = rebuild(&mut session, SourceKind::Config, "upnotes.yaml");
    assert_eq!(rebuilt.rendered.len(), rebuilt.pages);
    assert_same_as_clean_build(site.path());
}

#[test]
fn an_edited_static_file_is_copied_alone() {
    let site = support::example_site();
    let root = site.path();
    std::fs::create_dir_all(root.join("content/images")).expect("mkdir");
    std::fs::write(root.join("content/images/chart.png"), b"first").expect("write");
    let mut session = session(root);
    std::fs::write(root.join("content/images/chart.png"), b"second").expect("write");
    let rebuilt = rebuild(&mut session, SourceKind::Static, "content/images/chart.png");
    assert!(rebuilt.rendered.is_empty());
    assert_eq!(rebuilt.written, ["images/chart.png"]);
    assert_same_as_clean_build(root);

    std::fs::remove_file(root.join("content/images/chart.png")).expect("remove");
    let rebuilt = rebuild(&mut session, SourceKind::Static, "content/images/chart.png");
    assert_eq!(rebuilt.removed, ["images/chart.png"]);
    assert!(
        !root.join("site/images").exists(),
        "the emptied folder goes too"
    );
    assert_same_as_clean_build(root);
}

#[test]
fn deleted_and_renamed_sources_leave_no_stale_output() {
    let site = support::example_site();
    let root = site.path();
    let mut session = session(root);
    std::fs::remove_file(root.join("content/about.md")).expect("remove");
    let rebuilt = rebuild(&mut session, SourceKind::Content, "content/about.md");
    assert!(rebuilt.removed.contains(&"about/index.html".to_string()));
    assert_same_as_clean_build(root);

    let (from, to) = ("content/upgrades/0.28.x", "content/upgrades/0.29.x");
    std::fs::rename(root.join(from), root.join(to)).expect("rename");
    let changes = [from, to]
        .iter()
        .map(|p| Changed {
            kind: SourceKind::Content,
            path: PathBuf::from(p),
        })
        .collect();
    let rebuilt = session.rebuild(&changes).expect("rebuild");
    assert!(
        rebuilt
            .removed
            .contains(&"upgrades/0.28.x/index.html".to_string())
    );
    assert!(
        rebuilt
            .written
            .contains(&"upgrades/0.29.x/index.html".to_string())
    );
    assert_same_as_clean_build(root);
}

#[test]
fn a_broken_file_leaves_the_output_alone_and_its_fix_recovers() {
    let site = support::example_site();
    let root = site.path();
    let mut session = session(root);
    let before = support::tree(&root.join("site"));
    std::fs::write(root.join(NOTE), "---\ntitle: [unclosed\n---\nBody\n").expect("write");
    let Err(Error::Content(diagnostics)) = session.rebuild(&change(SourceKind::Content, NOTE))
    else {
        panic!("a broken note must fail the rebuild");
    };
    let headlines: Vec<String> = diagnostics.iter().map(|d| d.headline()).collect();
    assert!(
        headlines
            .iter()
            .any(|h| h.starts_with(&format!("{NOTE}:2:"))),
        "located error: {headlines:?}"
    );
    assert!(
        support::tree(&root.join("site")) == before,
        "the last good build stays"
    );

    std::fs::write(
        root.join(NOTE),
        "---\ntitle: Fixed note\n---\nFixed body.\n",
    )
    .expect("write");
    let rebuilt = rebuild(&mut session, SourceKind::Content, NOTE);
    assert!(
        rebuilt
            .rendered
            .contains(&"upgrades/index.html".to_string())
    );
    assert_same_as_clean_build(root);
}

#[test]
fn creating_a_linked_page_renders_the_pages_that_link_to_it() {
    let site = support::example_site();
    let root = site.path();
    edit(
        root,
        "content/about.md",
        "This example site",
        "See [the new page](new.md). This example site",
    );
    let mut session = session(root);
    std::fs::write(
        root.join("content/new.md"),
        "---\ntitle: New\n---\nHello.\n",
    )
    .expect("write");
    let rebuilt = rebuild(&mut session, SourceKind::Content, "content/new.md");
    assert!(
        rebuilt.rendered.contains(&"about/index.html".to_string()),
        "{:?}",
        rebuilt.rendered
    );
    assert!(rebuilt.rendered.contains(&"new/index.html".to_string()));
    assert!(
        !rebuilt.rendered.contains(&"index.html".to_string()),
        "no link to new.md there"
    );
    assert_same_as_clean_build(root);
}

/// The example site plus two pages of its own: `b.md` links to an anchor of `a.md`.
fn with_linked_pages() -> tempfile::TempDir {
    let site = support::example_site();
    let dir = site.path().join("content/extra");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("a.md"),
        "# Alpha\n\nThe first words of alpha.\n\n## Setup\n\nText.\n",
    )
    .expect("write a");
    std::fs::write(
        dir.join("b.md"),
        "# Beta\n\nSee [setup](a.md#setup) and [more](gone.md).\n",
    )
    .expect("write b");
    site
}

fn warns(rebuilt: &Rebuilt, text: &str) -> bool {
    rebuilt
        .warnings
        .iter()
        .any(|w| w.to_string().contains(text))
}

fn output(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("site").join(rel)).expect("output file")
}

#[test]
fn a_title_edit_changes_the_navigation() {
    let site = with_linked_pages();
    let mut session = session(site.path());
    assert!(output(site.path(), "nav.js").contains("\"Alpha\""));
    edit(site.path(), "content/extra/a.md", "# Alpha", "# Aleph");
    let rebuilt = rebuild(&mut session, SourceKind::Content, "content/extra/a.md");
    assert!(rebuilt.written.contains(&"nav.js".to_string()));
    let nav = output(site.path(), "nav.js");
    assert!(nav.contains("\"Aleph\"") && !nav.contains("\"Alpha\""));
    assert_same_as_clean_build(site.path());
}

#[test]
fn link_warnings_follow_the_edits_of_either_end_of_the_link() {
    let site = with_linked_pages();
    let root = site.path();
    let mut session = session(root);
    let b = "content/extra/b.md";
    let a = "content/extra/a.md";
    // Removing the anchor from `a.md` makes the unchanged `b.md` warn.
    edit(root, a, "## Setup", "## Install");
    let rebuilt = rebuild(&mut session, SourceKind::Content, a);
    assert!(warns(&rebuilt, "has no anchor `#setup`"), "{rebuilt:?}");
    assert!(warns(&rebuilt, "broken link `gone.md`"));
    assert_same_as_clean_build(root);
    // Bringing it back clears the warning again.
    edit(root, a, "## Install", "## Setup");
    let rebuilt = rebuild(&mut session, SourceKind::Content, a);
    assert!(!warns(&rebuilt, "has no anchor"), "{rebuilt:?}");
    // Fixing the broken link in `b.md` clears its warning.
    edit(root, b, "(gone.md)", "(a.md)");
    let rebuilt = rebuild(&mut session, SourceKind::Content, b);
    assert!(!warns(&rebuilt, "broken link `gone.md`"), "{rebuilt:?}");
    // Creating the missing page clears a warning of a page that did not change.
    edit(root, b, "(a.md)", "(c.md)");
    let rebuilt = rebuild(&mut session, SourceKind::Content, b);
    assert!(warns(&rebuilt, "broken link `c.md`"));
    std::fs::write(root.join("content/extra/c.md"), "# Gamma\n").expect("write c");
    let rebuilt = rebuild(&mut session, SourceKind::Content, "content/extra/c.md");
    assert!(!warns(&rebuilt, "broken link `c.md`"), "{rebuilt:?}");
    assert_same_as_clean_build(root);
}

#[test]
fn a_search_entry_changes_with_its_page_text() {
    let site = with_linked_pages();
    let root = site.path();
    let mut session = session(root);
    assert!(output(root, "search-index.js").contains("The first words of alpha."));
    edit(
        root,
        "content/extra/a.md",
        "The first words of alpha.",
        "Other words.",
    );
    let rebuilt = rebuild(&mut session, SourceKind::Content, "content/extra/a.md");
    assert!(rebuilt.written.contains(&"search-index.js".to_string()));
    let index = output(root, "search-index.js");
    assert!(index.contains("Other words.") && !index.contains("The first words of alpha."));
    assert_same_as_clean_build(root);
    edit(root, NOTE, "", "A new first line of the note.\n\n");
    rebuild(&mut session, SourceKind::Content, NOTE);
    assert_same_as_clean_build(root);
}

/// Writes `to` over `from` in `rel` keeping the file's size and modification time (as a tool that
/// restores times would).
fn edit_unstamped(root: &Path, rel: &str, from: &str, to: &str) {
    assert_eq!(from.len(), to.len(), "same size");
    let path = root.join(rel);
    let modified = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    edit(root, rel, from, to);
    let file = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_modified(modified).expect("set mtime");
}

#[test]
fn a_rebuild_reads_again_every_file_that_changed() {
    let site = with_linked_pages();
    let mut session = session(site.path());
    // Unnamed by the watcher, but its stamp changed: read again.
    edit(site.path(), "content/extra/b.md", "Beta", "Beta, longer");
    session.rebuild(&BTreeSet::new()).expect("rebuild");
    assert!(output(site.path(), "extra/b/index.html").contains("Beta, longer"));
    // Same size, same modification time: the change time still tells.
    edit_unstamped(site.path(), "content/extra/b.md", "longer", "LONGER");
    rebuild(&mut session, SourceKind::Content, "content/extra/b.md");
    assert!(output(site.path(), "extra/b/index.html").contains("Beta, LONGER"));
    assert_same_as_clean_build(site.path());
}

/// Rebuilds after `path` changed, returning what was shown before the rest of the rebuild ran.
fn rebuild_showing(session: &mut Session, path: &str) -> (Vec<Rebuilt>, Rebuilt) {
    let mut shown = Vec::new();
    let rebuilt = session
        .rebuild_showing(&change(SourceKind::Content, path), &mut |early| {
            shown.push(early.clone());
        })
        .unwrap_or_else(|e| panic!("rebuild after {path}: {e:?}"));
    (shown, rebuilt)
}

#[test]
fn a_body_edit_shows_its_page_before_the_rest_of_the_rebuild() {
    let site = with_linked_pages();
    let root = site.path();
    let mut session = session(root);
    let a = "content/extra/a.md";
    edit(root, a, "The first words of alpha.", "Other words.");
    let mut seen = None;
    let rebuilt = session
        .rebuild_showing(&change(SourceKind::Content, a), &mut |early| {
            // What is shown is on disk already; the site-wide files come after.
            seen = Some((
                early.clone(),
                output(root, "extra/a/index.html"),
                output(root, "search-index.js"),
            ));
        })
        .expect("rebuild");
    let (early, page, index) = seen.expect("the page is shown early");
    assert_eq!(early.written, ["extra/a/index.html"]);
    assert_eq!(early.rendered, ["extra/a/index.html"]);
    assert!(page.contains("Other words."));
    assert!(index.contains("The first words of alpha."));
    // The rest of the rebuild left the page as the early step wrote it, and did the rest.
    assert_eq!(rebuilt.early, ["extra/a/index.html"]);
    assert_eq!(rebuilt.rendered, ["extra/a/index.html"]);
    assert!(rebuilt.written.contains(&"extra/a/index.html".to_string()));
    assert!(rebuilt.written.contains(&"search-index.js".to_string()));
    assert!(output(root, "search-index.js").contains("Other words."));
    assert_same_as_clean_build(root);

    // An anchor removed early still makes the page that links to it warn.
    edit(root, a, "## Setup", "## Install");
    let (shown, rebuilt) = rebuild_showing(&mut session, a);
    assert_eq!(shown.len(), 1);
    assert!(warns(&rebuilt, "has no anchor `#setup`"), "{rebuilt:?}");
    assert_same_as_clean_build(root);
}

#[test]
fn a_note_body_edit_shows_its_guide_version_page_and_path_view_first() {
    let site = support::example_site();
    let root = site.path();
    let mut session = session(root);
    edit(
        root,
        NOTE,
        "three decimal digits",
        "three decimal digits (edited)",
    );
    let mut seen = None;
    let rebuilt = session
        .rebuild_showing(&change(SourceKind::Content, NOTE), &mut |early| {
            let guide = output(root, "upgrades/index.html");
            seen = Some((early.clone(), guide));
        })
        .expect("rebuild");
    let (early, guide) = seen.expect("the note's pages are shown early");
    assert_eq!(
        early.rendered,
        [
            "upgrades/0.28.x/index.html",
            "upgrades/index.html",
            "upgrades/path/index.html"
        ]
    );
    assert_eq!(early.written, early.rendered);
    assert!(guide.contains("three decimal digits (edited)"));
    assert_eq!(rebuilt.early, early.written);
    assert_eq!(rebuilt.rendered, early.rendered);
    assert_same_as_clean_build(root);
    // Twice in a row: the second edit starts from the model the first rebuild made.
    edit(root, NOTE, "(edited)", "(edited again)");
    let (shown, _) = rebuild_showing(&mut session, NOTE);
    assert_eq!(shown.len(), 1);
    assert!(output(root, "upgrades/0.28.x/index.html").contains("(edited again)"));
    assert_same_as_clean_build(root);
}

#[test]
fn only_a_body_edit_of_a_page_or_note_is_shown_early() {
    let site = with_linked_pages();
    let root = site.path();
    let mut session = session(root);
    let a = "content/extra/a.md";
    // The first heading is the page's title: the navigation changes too.
    edit(root, a, "# Alpha", "# Aleph");
    let (shown, rebuilt) = rebuild_showing(&mut session, a);
    assert!(shown.is_empty(), "{shown:?}");
    assert!(rebuilt.written.contains(&"nav.js".to_string()));
    // A front matter edit may move the page or change its layout.
    edit(
        root,
        "content/about.md",
        "layout: page",
        "layout: page\nweight: 3",
    );
    let (shown, _) = rebuild_showing(&mut session, "content/about.md");
    assert!(shown.is_empty(), "{shown:?}");
    // A note's title is in the matrix of every version page.
    edit(root, NOTE, "title:", "title: Renamed -");
    let (shown, rebuilt) = rebuild_showing(&mut session, NOTE);
    assert!(shown.is_empty(), "{shown:?}");
    assert!(rebuilt.early.is_empty());
    assert_same_as_clean_build(root);
    // After a failed rebuild, nothing is shown early until a rebuild succeeds again.
    std::fs::write(root.join(NOTE), "---\ntitle: [unclosed\n---\nBody\n").expect("write");
    assert!(session.rebuild(&change(SourceKind::Content, NOTE)).is_err());
    edit(root, a, "Text.", "Other text.");
    let result = session.rebuild_showing(&change(SourceKind::Content, a), &mut |early| {
        panic!("shown early after a failed rebuild: {early:?}")
    });
    assert!(result.is_err(), "the note is still broken");
    std::fs::write(root.join(NOTE), "---\ntitle: Fixed\n---\nFixed.\n").expect("write");
    let (shown, _) = rebuild_showing(&mut session, NOTE);
    assert!(shown.is_empty());
    edit(root, a, "Other text.", "Text again.");
    let (shown, _) = rebuild_showing(&mut session, a);
    assert_eq!(shown.len(), 1);
    assert_same_as_clean_build(root);
}
