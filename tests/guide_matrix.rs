//! A guide with its own columns and kinds (six letters, multi-letter kinds): the matrix holds exactly
//! the entries the notes declare, in author order, rows ordered by version number.

mod support;

use scraper::{Html, Selector};
use support::{copy_fixture, upnotes};

fn select(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

fn squash(e: scraper::ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// (version, column, kinds, label, target) for every entry of the matrix, in document order.
fn matrix_entries(html: &str) -> Vec<(String, String, String, String, String)> {
    let doc = Html::parse_document(html);
    let table = doc
        .select(&select("table.overview"))
        .next()
        .expect("overview table");
    let columns: Vec<String> = table
        .select(&select("thead th"))
        .skip(1)
        .map(squash)
        .collect();
    let mut entries = Vec::new();
    for row in table.select(&select("tbody tr")) {
        let version = squash(row.select(&select("th")).next().expect("version"));
        for (column, cell) in columns.iter().zip(row.select(&select("td"))) {
            for entry in cell.select(&select("li.entry")) {
                let kinds: String =
                    squash(entry.select(&select(".kinds")).next().expect("kinds")).replace(' ', "");
                let link = entry.select(&select("a")).next().expect("link");
                entries.push((
                    version.clone(),
                    column.clone(),
                    kinds,
                    squash(link),
                    link.value().attr("href").expect("href").to_string(),
                ));
            }
        }
    }
    entries
}

#[test]
fn matrix_holds_exactly_the_declared_entries() {
    let site = copy_fixture("custom-matrix");
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html =
        std::fs::read_to_string(site.path().join("site/releases/index.html")).expect("guide");
    let t = |v: &str, c: &str, k: &str, l: &str, h: &str| {
        (
            v.to_string(),
            c.to_string(),
            k.to_string(),
            l.to_string(),
            h.to_string(),
        )
    };
    assert_eq!(
        matrix_entries(&html),
        [
            t(
                "2.0.0",
                "Storage",
                "DC",
                "Old backend",
                "#2-0-0-old-backend"
            ),
            t(
                "2.0.0",
                "Network",
                "S",
                "TLS by default",
                "#2-0-0-tls-default"
            ),
            t("2.0.0", "CLI", "C", "--insecure flag", "#2-0-0-tls-default"),
            t(
                "1.10.0",
                "Storage",
                "F",
                "Crash on full disk",
                "#1-10-0-fix-crash"
            ),
            t("1.10.0", "Storage", "A", "Quotas", "#1-10-0-fix-crash"),
            t("1.10.0", "CLI", "R", "v1 commands", "#legacy-remove-v1"),
            t("1.9.0", "Network", "ACD", "First", "#1-9-0-first"),
        ]
    );
}

#[test]
fn legend_lists_all_six_kinds_in_config_order() {
    let site = copy_fixture("custom-matrix");
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    let html =
        std::fs::read_to_string(site.path().join("site/releases/index.html")).expect("guide");
    let doc = Html::parse_document(&html);
    let legend: Vec<String> = doc.select(&select(".legend .kind")).map(squash).collect();
    assert_eq!(legend, ["A", "C", "D", "R", "F", "S"]);
}

#[test]
fn links_to_note_files_resolve_to_note_anchors() {
    let site = copy_fixture("custom-matrix");
    assert_eq!(upnotes(site.path(), &["build"]).code, 0);
    let guide =
        std::fs::read_to_string(site.path().join("site/releases/index.html")).expect("guide");
    assert!(
        guide.contains(r##"<a href="#1-10-0-fix-crash">the crash fix</a>"##),
        "guide page"
    );
    let version = std::fs::read_to_string(site.path().join("site/releases/2.0.0/index.html"))
        .expect("version");
    assert!(
        version.contains(r##"<a href="../#1-10-0-fix-crash">the crash fix</a>"##),
        "version page"
    );
}

#[test]
fn new_note_scaffolds_a_note_that_builds() {
    let site = copy_fixture("custom-matrix");
    let run = upnotes(site.path(), &["new", "note", "2.1.0", "faster-compaction"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "wrote ./content/releases/2.1.0/_index.md\nwrote ./content/releases/2.1.0/faster-compaction.md\n"
    );
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html =
        std::fs::read_to_string(site.path().join("site/releases/index.html")).expect("guide");
    assert!(matrix_entries(&html).contains(&(
        "2.1.0".into(),
        "Storage".into(),
        "C".into(),
        "Faster compaction".into(),
        "#2-1-0-faster-compaction".into()
    )));
    let again = upnotes(site.path(), &["new", "note", "2.1.0", "faster-compaction"]);
    assert_eq!(again.code, 2, "refuses to overwrite");
}
