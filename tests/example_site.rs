//! The example site (the Apache Mesos upgrade guide in content/) built end to end.

mod support;

use std::path::Path;

use scraper::{Html, Selector};
use support::{assert_matches_file, copy_tree, fixtures, upnotes};

/// Copies the example (config, content, theme) into a temp dir and builds it there.
fn build_example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("upnotes.yaml"), tmp.path().join("upnotes.yaml")).expect("config");
    for dir in ["content", "themes"] {
        copy_tree(&repo.join(dir), &tmp.path().join(dir));
    }
    let run = upnotes(tmp.path(), &["build"]);
    assert_eq!(run.code, 0, "example build failed:\n{}", run.stderr);
    tmp
}

fn select(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

fn text(e: scraper::ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn guide_page_has_the_generated_matrix_and_all_sections() {
    let site = build_example();
    let html =
        std::fs::read_to_string(site.path().join("site/upgrades/index.html")).expect("guide page");
    let doc = Html::parse_document(&html);
    let table = doc
        .select(&select("table.overview"))
        .next()
        .expect("overview table");
    let header: Vec<String> = table.select(&select("thead th")).map(text).collect();
    assert_eq!(
        header,
        [
            "Version",
            "Mesos Core",
            "Flags",
            "Framework API",
            "Module API",
            "Endpoints"
        ]
    );
    let rows: Vec<String> = table
        .select(&select("tbody tr"))
        .map(|r| text(r.select(&select("th")).next().expect("version cell")))
        .collect();
    assert_eq!(rows, ["0.28.x", "0.27.x", "0.26.x", "0.25.x"]);
    let ids: std::collections::HashSet<&str> = doc
        .select(&select("[id]"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    let links: Vec<&str> = table
        .select(&select("td a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(links.len() >= 17, "matrix entries: {links:?}");
    for href in links {
        let id = href.strip_prefix('#').expect("in-page link");
        assert!(ids.contains(id), "matrix link {href} has no target");
    }
    let sections: Vec<String> = doc
        .select(&select("section.version > h2"))
        .map(text)
        .map(|t| t.trim_end_matches('#').trim().to_string())
        .collect();
    assert_eq!(sections.len(), 17, "{sections:?}");
    assert_eq!(sections[0], "Upgrading from 0.27.x to 0.28.x");
    assert_eq!(sections[16], "Upgrading from 0.11.0 to 0.12.0");
    assert!(
        doc.select(&select(r#"article.note[id="0-28-x-resource-precision"]"#))
            .next()
            .is_some()
    );
}

#[test]
fn changes_json_follows_the_documented_schema() {
    let site = build_example();
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(site.path().join("site/upgrades/changes.json"))
            .expect("changes.json"),
    )
    .expect("valid JSON");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/changes.schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("compile schema");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let versions: Vec<&str> = json["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_str().expect("name"))
        .collect();
    assert_eq!(versions.len(), 17);
    assert_eq!(versions[..3], ["0.28.x", "0.27.x", "0.26.x"]);
    assert_eq!(versions[16], "0.12.0");
    assert_eq!(
        json["versions"][0]["url"],
        "https://example.org/mesos/upgrades/0.28.x/"
    );
}

#[test]
fn version_pages_feed_chart_and_path_view_are_written() {
    let site = build_example();
    let out = site.path().join("site");
    for version in ["0.28.x", "0.20.x", "0.12.0"] {
        assert!(
            out.join(format!("upgrades/{version}/index.html")).exists(),
            "{version} page"
        );
    }
    let svg = std::fs::read_to_string(out.join("upgrades/changes.svg")).expect("chart");
    assert!(svg.starts_with("<svg") && svg.contains("0.28.x"));
    let feed = std::fs::read_to_string(out.join("feed.xml")).expect("feed");
    assert_eq!(
        feed.matches("<entry>").count(),
        4,
        "one entry per released version"
    );
    let path = std::fs::read_to_string(out.join("upgrades/path/index.html")).expect("path view");
    assert!(path.contains("0-28-x-resource-precision"));
}

#[test]
fn path_command_prints_the_checklist() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = upnotes(repo, &["path", "0.22.x", "0.28.x"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_matches_file(
        &run.stdout,
        &fixtures().join("example-path-0.22.x-0.28.x.md"),
    );
    assert!(
        !run.stdout.contains("(0.22.x,"),
        "notes of FROM itself are not part of the path"
    );
    assert!(run.stdout.contains("(0.23.x,") && run.stdout.contains("(0.28.x,"));
}

#[test]
fn path_command_rejects_bad_versions_with_usage_errors() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = upnotes(repo, &["path", "0.28.x", "0.22.x"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `0.28.x` is not earlier than `0.22.x`: give the version you run, then the one you upgrade to\n"
    );
    let run = upnotes(repo, &["path", "0.22.x", "latest"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `latest` is not a version: write it like 0.27.x or 1.2.0\n"
    );
}
