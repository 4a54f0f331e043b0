//! A note is shown on three pages (the guide, its version page, the path view) but its Markdown is
//! rendered once per build and shared: links must still be right on each page, and its warnings
//! must be reported once, with the note's file and line.

mod support;

use std::path::Path;

use support::upnotes;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A guide of two versions: the newer one's note links to the older note, to its own version's
/// procedure and to a heading of its own, and has a block in a language nobody knows; the newer
/// procedure has one too.
fn site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "content/index.md", "---\ntitle: Home\n---\nHello.\n");
    write(
        root,
        "content/guide/_index.md",
        "---\ntitle: Guide\nguide: true\n---\nIntro.\n",
    );
    write(
        root,
        "content/guide/0.1.x/first.md",
        "---\ntitle: First\n---\nThe first note.\n",
    );
    write(
        root,
        "content/guide/0.2.x/_index.md",
        "---\nreleased: 2024-01-02\n---\nRestart.\n\n```nosuchprocedurelang\nx\n```\n",
    );
    write(
        root,
        "content/guide/0.2.x/second.md",
        "---\ntitle: Second\n---\nSee [first](../0.1.x/first.md), [the procedure](_index.md) \
         and [below](#details).\n\n## Details\n\n```nosuchnotelang\ny\n```\n",
    );
    tmp
}

fn page(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("site").join(rel)).expect(rel)
}

/// The hrefs of the links `selector` finds on a page, in order.
fn hrefs(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let links = scraper::Selector::parse(selector).expect("selector");
    doc.select(&links)
        .filter_map(|a| a.value().attr("href").map(ToString::to_string))
        .collect()
}

#[test]
fn a_shared_note_links_correctly_from_every_page() {
    let site = site();
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The note's first paragraph holds its three links, on each page that shows it.
    let note = "[id=\"0-2-x-second\"] > p:first-of-type a";
    assert_eq!(
        hrefs(&page(site.path(), "guide/index.html"), note),
        ["#0-1-x-first", "0.2.x/", "#details"]
    );
    assert_eq!(
        hrefs(&page(site.path(), "guide/0.2.x/index.html"), note),
        ["../#0-1-x-first", "./", "#details"]
    );
    assert_eq!(
        hrefs(
            &page(site.path(), "guide/path/index.html"),
            ".path-note > p:first-child a"
        ),
        ["../#0-1-x-first", "../0.2.x/", "#details"]
    );
}

#[test]
fn warnings_of_notes_and_procedures_are_reported_once() {
    let site = site();
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let note =
        "content/guide/0.2.x/second.md:8:1: warning: unknown code block language `nosuchnotelang`";
    let procedure = "content/guide/0.2.x/_index.md:6:1: warning: unknown code block language `nosuchprocedurelang`";
    for warning in [note, procedure] {
        assert_eq!(run.stderr.matches(warning).count(), 1, "{}", run.stderr);
    }
    assert!(run.stdout.contains("(2 warnings)"), "{}", run.stdout);
    let check = upnotes(site.path(), &["check"]);
    for warning in [note, procedure] {
        assert_eq!(check.stderr.matches(warning).count(), 1, "{}", check.stderr);
    }
}
