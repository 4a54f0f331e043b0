//! Fixture sites built into temporary folders and compared with their expected output.

mod support;

use support::{assert_matches_file, copy_fixture, fixtures, tree, upnotes};

/// The `<main>` element of a page: what the content produced, without the theme's chrome.
fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("page has <main>");
    let end = html.rfind("</main>").expect("page has </main>") + "</main>".len();
    format!("{}\n", &html[start..end])
}

/// Builds fixture `name` and compares the `<main>` of every page (`**/index.html`), `nav.js` and
/// copied content files with `tests/fixtures/<name>/expected/`.
fn build_and_compare(name: &str) -> tempfile::TempDir {
    let site = copy_fixture(name);
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{name}: build failed:\n{}", run.stderr);
    let expected = fixtures().join(name).join("expected");
    let output = tree(&site.path().join("site"));
    let compared: Vec<&(String, Vec<u8>)> = output
        .iter()
        .filter(|(rel, _)| {
            rel.ends_with("index.html") || rel == "nav.js" || rel.starts_with("images/")
        })
        .collect();
    for (rel, bytes) in &compared {
        let text = String::from_utf8_lossy(bytes);
        let snapshot = if rel.ends_with(".html") {
            main_of(&text)
        } else {
            text.to_string()
        };
        assert_matches_file(&snapshot, &expected.join(rel));
    }
    if !support::bless() {
        let expected_files = tree(&expected);
        let names: Vec<&str> = compared.iter().map(|(r, _)| r.as_str()).collect();
        let want: Vec<&str> = expected_files.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(names, want, "{name}: set of output files");
    }
    site
}

#[test]
fn github_docs_folder_builds_without_edits() {
    let site = build_and_compare("github-docs");
    let out = site.path().join("site");
    // Links and images resolve to files that exist in the output.
    let home = std::fs::read_to_string(out.join("index.html")).expect("home");
    assert!(
        home.contains(r#"<a href="other/#second-section">"#),
        "{home}"
    );
    assert!(home.contains(r#"<img src="images/d.png""#));
    assert!(out.join("images/d.png").exists());
    let setup = std::fs::read_to_string(out.join("guide/setup/index.html")).expect("setup");
    assert!(setup.contains(r#"href="../../images/d.png""#), "{setup}");
    assert!(
        setup.contains(r#"href="../../other/#custom-id""#),
        "{setup}"
    );
    assert!(setup.contains(r#"href="../../""#), "{setup}");
    let other = std::fs::read_to_string(out.join("other/index.html")).expect("other");
    assert!(other.contains(r#"id="second-section-1""#));
    // The theme's shared files are there once, not per page.
    for shared in [
        "nav.js",
        "highlight.css",
        "style.css",
        "upnotes.js",
        "404.html",
    ] {
        assert!(out.join(shared).exists(), "{shared} missing");
    }
}

#[test]
fn pages_without_front_matter_build_with_a_warning() {
    let site = copy_fixture("github-docs");
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains(
            "content/README.md: warning: no front matter: using the title \"Project docs\""
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .starts_with("built 3 pages, 0 notes and 1 file into "),
        "{}",
        run.stdout
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let site = copy_fixture("github-docs");
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    let first = tree(&site.path().join("site"));
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    assert_eq!(first, tree(&site.path().join("site")));
}

#[test]
fn init_scaffolds_a_site_that_builds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = upnotes(tmp.path(), &["init", "docs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let built = upnotes(tmp.path(), &["build", "--root", "docs"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert_eq!(built.stderr, "", "a new site builds without warnings");
    let guide =
        std::fs::read_to_string(tmp.path().join("docs/site/upgrades/index.html")).expect("guide");
    assert!(
        guide.contains(r##"<a href="#1-0-x-first-note">A first note</a>"##),
        "{guide}"
    );
    let again = upnotes(tmp.path(), &["init", "docs"]);
    assert_eq!(again.code, 2, "refuses a folder that is not empty");
}

/// Layouts get a page's real HTML however they use it: printed whole (filled in after the layout
/// is rendered), printed twice, not printed at all, or used any other way: counted, escaped, stored
/// by a `set` block (which makes every layout of the site get it through the engine).
#[test]
fn layouts_see_the_real_html_however_they_use_it() {
    let html = "<p>Hello <em>there</em>.</p>\n";
    let whole: [(&str, &str, String); 3] = [
        ("whole", "[{{ page.content | safe }}]", format!("[{html}]")),
        (
            "twice",
            "[{{ page.content | safe }}|{{ page.content | safe }}]",
            format!("[{html}|{html}]"),
        ),
        ("none", "[{{ page.title }}]", "[None]".to_string()),
    ];
    let others: [(&str, &str, String); 3] = [
        (
            "escaped",
            "[{{ page.content }}]",
            "[&lt;p&gt;Hello &lt;em&gt;there&lt;/em&gt;.&lt;/p&gt;\n]".to_string(),
        ),
        (
            "counted",
            "[{{ page.content | length }}|{{ page.content | safe }}]",
            format!("[29|{html}]"),
        ),
        (
            "captured",
            "{% set body %}{{ page.content | safe }}{% endset %}[{{ body | length }}|{{ body | safe }}]",
            format!("[29|{html}]"),
        ),
    ];
    // Each set of templates is judged as a whole: alone, and with each layout that needs the value.
    for extra in [None, Some(0), Some(1), Some(2)] {
        let site = tempfile::tempdir().expect("tempdir");
        let root = site.path();
        std::fs::create_dir_all(root.join("content")).expect("content");
        std::fs::create_dir_all(root.join("templates")).expect("templates");
        std::fs::write(root.join("upnotes.yaml"), "title: Layouts\n").expect("config");
        let layouts: Vec<&(&str, &str, String)> =
            whole.iter().chain(extra.map(|i| &others[i])).collect();
        for (stem, body, _) in &layouts {
            std::fs::write(root.join("templates").join(format!("{stem}.html")), body)
                .expect("layout");
            let title = format!("{}{}", stem[..1].to_uppercase(), &stem[1..]);
            std::fs::write(
                root.join("content").join(format!("{stem}.md")),
                format!("---\ntitle: {title}\nlayout: {stem}\n---\nHello *there*.\n"),
            )
            .expect("page");
        }
        let run = upnotes(root, &["build"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for (stem, _, want) in &layouts {
            let written = std::fs::read_to_string(root.join("site").join(stem).join("index.html"))
                .expect("page written");
            assert_eq!(&written, want, "layout {stem}, beside {extra:?}");
        }
    }
}
