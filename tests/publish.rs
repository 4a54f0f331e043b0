//! Publishing: link checking, safe output, base URLs, the offline bundle.

mod support;

use std::path::Path;

use support::{copy_fixture, fixtures, tree, upnotes};

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn check_reports_exactly_the_broken_links_and_anchors() {
    let site = copy_fixture("broken-links");
    let run = upnotes(site.path(), &["check"]);
    assert_eq!(run.code, 1);
    support::assert_matches_file(
        &run.stderr,
        &fixtures().join("broken-links/expected-check.txt"),
    );
    assert_eq!(run.stdout, "checked: 9 error(s), 0 warning(s)\n");
    assert!(!site.path().join("site").exists(), "check writes nothing");
}

#[test]
fn check_json_lists_each_problem_with_its_location() {
    let site = copy_fixture("broken-links");
    let run = upnotes(site.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let items: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let items = items.as_array().expect("array");
    assert_eq!(items.len(), 9);
    assert_eq!(items[0]["path"], "content/guide.md");
    assert_eq!(items[0]["line"], 11);
    assert_eq!(items[0]["column"], 33);
    assert_eq!(items[0]["severity"], "error");
    assert!(
        items[0]["message"]
            .as_str()
            .expect("message")
            .starts_with("broken link `index.md#outro`")
    );
}

#[test]
fn build_warns_about_broken_links_and_strict_fails() {
    let site = copy_fixture("broken-links");
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The same problems `check` reports, as warnings: a build leaves the links that cannot be
    // broken out of its check, and must find every other.
    let expected = read(fixtures().join("broken-links/expected-check.txt"));
    let expected = expected.replace(": error: ", ": warning: ");
    assert!(run.stderr.starts_with(&expected), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches(": warning: broken link").count(),
        9,
        "{}",
        run.stderr
    );
    // Built again with nothing changed, pages are kept with the links they had left to check.
    let again = upnotes(site.path(), &["build"]);
    assert!(again.stderr.starts_with(&expected), "{}", again.stderr);
    // The pages linking to a heading that went away are kept too: their links are checked.
    let index = site.path().join("content/index.md");
    let text = read(&index);
    std::fs::write(&index, text.replace("# Intro", "# Introduction")).expect("write");
    let renamed = upnotes(site.path(), &["build"]);
    assert!(
        renamed
            .stderr
            .contains("content/guide.md:11:6: warning: broken link `index.md#intro`"),
        "{}",
        renamed.stderr
    );
    std::fs::write(&index, text).expect("write");
    std::fs::remove_dir_all(site.path().join("site")).expect("clean");
    let strict = upnotes(site.path(), &["build", "--strict"]);
    assert_eq!(strict.code, 1);
    assert_eq!(strict.stderr.matches(": error: broken link").count(), 9);
    assert!(!site.path().join("site").exists());
}

#[test]
fn a_failing_build_leaves_the_previous_output_identical() {
    let site = copy_fixture("github-docs");
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    let before = tree(&site.path().join("site"));
    std::fs::write(
        site.path().join("content/other.md"),
        "---\ntitle: [broken\n---\n",
    )
    .expect("break");
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 1);
    assert_eq!(before, tree(&site.path().join("site")));
    let leftovers: Vec<String> = std::fs::read_dir(site.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("upnotes-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn refuses_output_folders_it_must_not_clean_and_deletes_nothing() {
    let site = copy_fixture("github-docs");
    std::fs::create_dir_all(site.path().join("mine")).expect("mkdir");
    std::fs::write(site.path().join("mine/keep.txt"), "precious").expect("write");
    let before = tree(site.path());
    for (output, why) in [
        (".", "it is the project folder or contains it"),
        ("..", "it is the project folder or contains it"),
        ("content", "it is inside content/"),
        ("content/sub", "it is inside content/"),
        ("mine", "it exists and was not created by upnotes"),
        ("../elsewhere", "it is outside the project"),
    ] {
        let run = upnotes(site.path(), &["build", "--output", output]);
        assert_eq!(run.code, 2, "{output}: {}", run.stderr);
        assert!(run.stderr.contains(why), "{output}: {}", run.stderr);
        assert_eq!(before, tree(site.path()), "{output}: something changed");
    }
    assert!(
        !site
            .path()
            .parent()
            .expect("parent")
            .join("elsewhere")
            .exists()
    );
}

#[test]
fn a_git_folder_inside_the_output_survives_rebuilds() {
    let site = copy_fixture("github-docs");
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    let git = site.path().join("site/.git");
    std::fs::create_dir_all(git.join("refs")).expect("mkdir");
    std::fs::write(git.join("HEAD"), "ref: refs/heads/gh-pages\n").expect("write");
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    assert_eq!(read(git.join("HEAD")), "ref: refs/heads/gh-pages\n");
    assert!(site.path().join("site/index.html").exists());
}

#[test]
fn a_fresh_gh_pages_checkout_is_accepted_as_output() {
    let site = copy_fixture("github-docs");
    std::fs::create_dir_all(site.path().join("site/.git")).expect("mkdir");
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(site.path().join("site/.git").is_dir());
}

#[test]
fn hostile_links_write_nothing_outside_the_output() {
    // The project sits in a folder of its own, so anything written beside it would show.
    let outer = tempfile::tempdir().expect("tempdir");
    let project = outer.path().join("project");
    support::copy_tree(&fixtures().join("github-docs"), &project);
    let page = "---\ntitle: Hostile\n---\n[a](../../x.md) [b](/etc/passwd) [c](%2e%2e/%2e%2e/y.md) ![d](../../../z.png)\n";
    std::fs::write(project.join("content/hostile.md"), page).expect("write");
    let run = upnotes(&project, &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("broken link").count(),
        3,
        "{}",
        run.stderr
    );
    let html = read(project.join("site/hostile/index.html"));
    assert!(
        html.contains(r#"href="/etc/passwd""#),
        "absolute links are kept as written"
    );
    let names = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The output, and upnotes' own working state (the spare output folder).
    assert_eq!(names(&project), [".upnotes", "content", "site"]);
    assert_eq!(names(outer.path()), ["project"]);
}

#[test]
fn hostile_note_ids_are_refused_before_anything_is_written() {
    let site = copy_fixture("custom-matrix");
    std::fs::write(
        site.path().join("content/releases/2.0.0/evil.md"),
        "---\ntitle: Evil\nid: ../../../escape\n---\nx\n",
    )
    .expect("write");
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("note id `../../../escape` is not a valid HTML id"),
        "{}",
        run.stderr
    );
    assert!(!site.path().join("site").exists());
}

#[test]
fn base_url_makes_feed_sitemap_robots_and_404_absolute() {
    let site = copy_fixture("custom-matrix");
    let run = upnotes(
        site.path(),
        &["build", "--base-url", "https://example.org/docs/storage"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = site.path().join("site");
    let sitemap = read(out.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>https://example.org/docs/storage/</loc>"));
    assert!(sitemap.contains("<loc>https://example.org/docs/storage/releases/2.0.0/</loc>"));
    assert!(sitemap.contains("<loc>https://example.org/docs/storage/releases/path/</loc>"));
    assert_eq!(
        read(out.join("robots.txt")),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/docs/storage/sitemap.xml\n"
    );
    let feed = read(out.join("feed.xml"));
    assert!(
        feed.contains(r#"<link href="https://example.org/docs/storage/releases/2.0.0/"/>"#),
        "{feed}"
    );
    let not_found = read(out.join("404.html"));
    assert!(not_found.contains(r#"href="/docs/storage/style.css""#));
}

#[test]
fn bundles_are_relative_and_zip_reproducibly() {
    let site = copy_fixture("custom-matrix");
    let run = upnotes(site.path(), &["bundle", "--zip", "one.zip"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = upnotes(site.path(), &["bundle", "--zip", "two.zip"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read(site.path().join("one.zip")).expect("zip"),
        std::fs::read(site.path().join("two.zip")).expect("zip")
    );
    let bundle = site.path().join("bundle");
    for name in ["feed.xml", "sitemap.xml", "robots.txt", "404.html"] {
        assert!(!bundle.join(name).exists(), "{name} has no use offline");
    }
    for (rel, bytes) in tree(&bundle)
        .iter()
        .filter(|(rel, _)| rel.ends_with(".html"))
    {
        let html = String::from_utf8_lossy(bytes);
        for attribute in [
            "href=\"/",
            "src=\"/",
            "src=\"http",
            "href=\"http://",
            "href=\"https://example",
        ] {
            assert!(!html.contains(attribute), "{rel} has {attribute}");
        }
        for folder_link in html.match_indices("href=\"").map(|(i, _)| &html[i + 6..]) {
            let target = &folder_link[..folder_link.find('"').unwrap_or(0)];
            let path = target.split('#').next().unwrap_or("");
            assert!(
                !path.ends_with('/'),
                "{rel}: folder link {target} does not work from file://"
            );
        }
    }
}
