//! Hardening: bad input gets a located, actionable message and loses nothing.
//!
//! Every case under tests/fixtures/bad-input/<case>/ is a tiny site, built with the binary: the exit
//! code is checked, stderr must equal the case's `expected.txt` (`UPNOTES_BLESS=1` rewrites it),
//! the build must finish in time, and nothing may change in the project outside the output folder.
//! Inputs that are large, deep or made of symbolic links are generated into the temporary copy.
//! Also here: values from front matter and config are escaped everywhere, and builds are
//! deterministic.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scraper::{Html, Selector};
use support::{Run, assert_matches_file, copy_tree, fixtures, tree};

/// Generous: a debug build of the 50 MB note takes about 40 s on a loaded machine.
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// Runs `upnotes args` in `dir`, killing it if it runs longer than `limit`.
fn upnotes_within(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let logs = tempfile::tempdir().expect("tempdir");
    let (out, err) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_upnotes"))
        .args(args)
        .current_dir(dir)
        .env("UPNOTES_CACHE_DIR", support::highlight_cache())
        .stdout(Stdio::from(fs::File::create(&out).expect("stdout file")))
        .stderr(Stdio::from(fs::File::create(&err).expect("stderr file")))
        .spawn()
        .expect("run upnotes");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("upnotes {args:?} in {} hung for {limit:?}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).expect("read log")).into_owned();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: read(&out),
        stderr: read(&err),
    }
}

/// Every entry under `dir` (symbolic links not followed) with a digest of what it is.
fn snapshot(dir: &Path) -> BTreeMap<String, u64> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            let mut h = DefaultHasher::new();
            if e.path_is_symlink() {
                fs::read_link(e.path()).expect("link").hash(&mut h);
            } else if e.file_type().is_file() {
                fs::read(e.path()).expect("read").hash(&mut h);
            } else {
                "dir".hash(&mut h);
            }
            (rel, h.finish())
        })
        .collect()
}

/// Exit codes: content errors, and a build that succeeds (possibly with warnings).
const FAILS: i32 = 1;
const BUILDS: i32 = 0;

/// Copies case `name`, lets `generate` add files, builds, and checks exit code, stderr, time and
/// that nothing outside `site/` changed. Returns the built project.
fn check_case(name: &str, code: i32, generate: impl FnOnce(&Path)) -> tempfile::TempDir {
    let project = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("bad-input").join(name), project.path());
    generate(project.path());
    let before = snapshot(project.path());
    let run = upnotes_within(project.path(), &["build"], TIME_LIMIT);
    assert_eq!(run.code, code, "{name}: exit code; stderr:\n{}", run.stderr);
    assert!(
        !run.stderr.contains("panicked"),
        "{name}: panic:\n{}",
        run.stderr
    );
    assert_matches_file(
        &run.stderr,
        &fixtures().join("bad-input").join(name).join("expected.txt"),
    );
    if code == 0 {
        assert!(run.stdout.starts_with("built "), "{name}: {}", run.stdout);
    } else {
        assert_eq!(run.stdout, "", "{name}: nothing on stdout");
        assert!(
            !project.path().join("site").exists(),
            "{name}: wrote output"
        );
        // A first build that fails writes nothing, not even its working state.
        assert!(
            !project.path().join(".upnotes").exists(),
            "{name}: wrote .upnotes/"
        );
    }
    let after = snapshot(project.path());
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        // The output, and upnotes' own working state (the spare output folder).
        .filter(|k| !k.starts_with("site/") && k.as_str() != "site")
        .filter(|k| !k.starts_with(".upnotes/") && k.as_str() != ".upnotes")
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "{name}: changed outside the output: {changed:?}"
    );
    project
}

fn read(project: &Path, rel: &str) -> String {
    fs::read_to_string(project.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn select<'a>(html: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(selector).expect("selector"))
        .collect()
}

fn text(element: scraper::ElementRef<'_>) -> String {
    element.text().collect()
}

#[test]
fn invalid_utf8() {
    check_case("invalid-utf8", FAILS, |_| {});
}

#[test]
fn utf8_bom_works() {
    let project = check_case("utf8-bom", BUILDS, |_| {});
    let home = Html::parse_document(&read(project.path(), "site/index.html"));
    assert_eq!(
        text(select(&home, "title")[0]),
        "Home with a BOM · Documentation"
    );
    let plain = Html::parse_document(&read(project.path(), "site/plain/index.html"));
    assert_eq!(
        text(select(&plain, "h1")[0]).trim_end_matches('#'),
        "Heading only"
    );
}

#[test]
fn crlf_line_endings_work_in_front_matter_and_body() {
    let project = check_case("crlf", BUILDS, |_| {});
    let guide = Html::parse_document(&read(project.path(), "site/guide/index.html"));
    let cells: Vec<String> = select(&guide, "table.overview td a")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(cells, ["Second, changed", "First note"]);
    let ids: Vec<&str> = select(&guide, "article.note")
        .into_iter()
        .filter_map(|a| a.value().attr("id"))
        .collect();
    assert_eq!(ids, ["second", "1-0-x-first"]);
    let html = read(project.path(), "site/guide/index.html");
    assert!(html.contains("<a href=\"#1-0-x-first\">the first</a>"));
    assert!(html.contains("Released 2024-01-02 ·"));
    assert!(!html.contains('\r'), "no carriage returns in the output");
}

#[test]
fn empty_file_builds_with_a_warning() {
    let project = check_case("empty-file", BUILDS, |_| {});
    assert!(project.path().join("site/empty/index.html").is_file());
}

#[test]
fn unclosed_front_matter() {
    check_case("unclosed-front-matter", FAILS, |_| {});
}

#[test]
fn front_matter_that_is_a_list_or_a_scalar() {
    check_case("front-matter-not-a-mapping", FAILS, |_| {});
}

#[test]
fn tab_indentation() {
    check_case("tab-indentation", FAILS, |_| {});
}

#[test]
fn duplicate_keys_in_front_matter_and_config() {
    check_case("duplicate-keys", FAILS, |_| {});
}

#[test]
fn deeply_nested_front_matter() {
    check_case("deep-yaml", FAILS, |_| {});
}

/// Writes a note of about `megabytes` MB of paragraphs with links, code and headings.
fn write_big_note(project: &Path, megabytes: usize) {
    let paragraph = "Mesos 0.28 only supports three decimal digits of precision for scalar \
                     resource values, see [home](index.md) and `code` **bold**.\n\n";
    let mut text = String::from("---\ntitle: Big\n---\n");
    let mut section = 0;
    while text.len() < megabytes << 20 {
        if section % 100 == 0 {
            text.push_str(&format!("## Section {section}\n\n"));
        }
        text.push_str(paragraph);
        section += 1;
    }
    fs::write(project.join("content/big.md"), text).expect("write big note");
}

#[test]
fn a_5_mb_note_builds() {
    let project = check_case("huge-note", BUILDS, |p| write_big_note(p, 5));
    assert!(project.path().join("site/big/index.html").is_file());
}

/// 50 MB: about 17 s in a debug build, the slowest test of the suite.
#[test]
fn a_50_mb_note_builds() {
    let project = check_case("huge-note", BUILDS, |p| write_big_note(p, 50));
    assert!(project.path().join("site/big/index.html").is_file());
}

#[test]
fn ten_thousand_deep_lists_and_block_quotes() {
    let project = check_case("deep-nesting", BUILDS, |p| {
        let deep = |prefix: &str| format!("---\ntitle: Deep\n---\n{}deep\n", prefix.repeat(10_000));
        fs::write(p.join("content/lists.md"), deep("- ")).expect("write");
        fs::write(p.join("content/ordered.md"), deep("1. ")).expect("write");
        fs::write(p.join("content/quotes.md"), deep("> ")).expect("write");
        fs::write(p.join("content/mixed.md"), deep("> - ")).expect("write");
        let mut indented = String::from("---\ntitle: Indented\n---\n");
        for depth in 0..1_000 {
            indented.push_str(&"  ".repeat(depth));
            indented.push_str("- item\n");
        }
        fs::write(p.join("content/indented.md"), indented).expect("write");
    });
    let html = read(project.path(), "site/quotes/index.html");
    assert!(html.matches("<blockquote>").count() >= 10_000);
}

#[test]
fn a_1_mb_single_line() {
    let project = check_case("long-line", BUILDS, |p| {
        let line = "word ".repeat(210_000) + "https://example.org/end";
        fs::write(
            p.join("content/line.md"),
            format!("---\ntitle: Line\n---\n{line}"),
        )
        .expect("write");
        let title = "x".repeat(1 << 20);
        fs::write(
            p.join("content/title.md"),
            format!("---\ntitle: {title}\n---\nA long title.\n"),
        )
        .expect("write");
    });
    assert!(read(project.path(), "site/line/index.html").contains("https://example.org/end"));
}

#[test]
fn markdown_full_of_nul_bytes() {
    check_case("binary-markdown", FAILS, |_| {});
}

#[test]
fn binary_static_files_are_copied_unchanged() {
    let project = check_case("binary-static", BUILDS, |_| {});
    for rel in ["images/pixel.png", "files/blob.bin"] {
        assert_eq!(
            fs::read(project.path().join("site").join(rel)).expect("copied"),
            fs::read(fixtures().join("bad-input/binary-static/content").join(rel)).expect("source"),
            "{rel}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_broken_links_are_located_errors() {
    use std::os::unix::fs::symlink;
    check_case("symlink-loop", FAILS, |p| {
        symlink("..", p.join("content/docs/up")).expect("loop to an ancestor");
        symlink("self.md", p.join("content/self.md")).expect("loop to itself");
        symlink("missing.md", p.join("content/gone.md")).expect("dangling");
    });
}

/// Decision: a symbolic link in `content/` that leads outside the project is skipped with a
/// warning (reading it could publish anything, `~/.ssh` included); links inside the project work.
#[cfg(unix)]
#[test]
fn symlinks_outside_the_project_are_skipped_with_a_warning() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("outside");
    fs::write(outside.path().join("secret.md"), "# Secret\n").expect("write");
    fs::write(outside.path().join("key.txt"), "private").expect("write");
    let outside_before = snapshot(outside.path());
    let project = check_case("symlink-outside", BUILDS, |p| {
        symlink(outside.path(), p.join("content/ext")).expect("dir link");
        symlink(outside.path().join("key.txt"), p.join("content/key.txt")).expect("file link");
        symlink("../shared", p.join("content/shared")).expect("inside link");
    });
    let site = project.path().join("site");
    assert!(!site.join("ext").exists() && !site.join("key.txt").exists());
    assert!(site.join("shared/common/index.html").is_file());
    let home = read(project.path(), "site/index.html");
    assert!(home.contains("href=\"shared/common/\""), "{home}");
    assert_eq!(snapshot(outside.path()), outside_before);
}

#[test]
fn file_names_with_spaces_percent_signs_colons_and_non_ascii() {
    let project = check_case("unusual-names", BUILDS, |p| {
        if cfg!(unix) {
            fs::write(
                p.join("content/std::vector.md"),
                "---\ntitle: std::vector\n---\nA page named like C++.\n",
            )
            .expect("write");
        }
    });
    let site = project.path().join("site");
    for page in ["my page", "über/straße", "100% done"] {
        assert!(site.join(page).join("index.html").is_file(), "{page}");
    }
    let home = Html::parse_document(&read(project.path(), "site/index.html"));
    let hrefs: Vec<&str> = select(&home, "main a, article a")
        .into_iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    for expected in [
        "my%20page/",
        "%C3%BCber/stra%C3%9Fe/#abschnitt",
        "%C3%BCber/stra%C3%9Fe/",
        "100%25%20done/",
    ] {
        assert!(hrefs.contains(&expected), "{expected} in {hrefs:?}");
    }
    if cfg!(unix) {
        assert!(hrefs.contains(&"std%3A%3Avector/"), "{hrefs:?}");
    }
    assert!(site.join("images/bild ä.png").is_file());
    assert!(read(project.path(), "site/index.html").contains("src=\"images/bild%20%C3%A4.png\""));
}

#[test]
fn a_version_folder_named_latest() {
    check_case("version-latest", FAILS, |_| {});
}

#[test]
fn note_ids_that_climb_script_or_are_empty() {
    check_case("bad-note-ids", FAILS, |_| {});
}

/// The JSON of a `window.NAME = ...;` data script, checked to be safe to load as a script.
fn script_data(script: &str, name: &str) -> serde_json::Value {
    // `<!--` inside a string is harmless in a script loaded with `src`, so it may stay.
    assert!(
        !script.to_ascii_lowercase().contains("</script"),
        "`</script` in {name}"
    );
    assert!(
        !script.contains(['\u{2028}', '\u{2029}']),
        "raw line separators in {name}"
    );
    let json = script
        .strip_prefix(&format!("window.{name} = "))
        .and_then(|s| s.strip_suffix(";\n"))
        .unwrap_or_else(|| panic!("{name} is one assignment: {script}"));
    serde_json::from_str(json).expect("valid JSON")
}

#[test]
fn front_matter_and_config_values_are_escaped_everywhere() {
    let project = check_case("script-title", BUILDS, |_| {});
    let out = project.path().join("site");
    for (rel, bytes) in tree(&out) {
        let content = String::from_utf8_lossy(&bytes);
        if rel.ends_with(".js") {
            // Data scripts keep the text, but nothing in it may end a script element.
            assert!(!content.to_ascii_lowercase().contains("</script"), "{rel}");
            continue;
        }
        // JSON files are data, not markup: they keep the text as written.
        assert!(
            rel.ends_with(".json")
                || (!content.contains("<script>alert") && !content.contains("<img src=x")),
            "unescaped markup in {rel}"
        );
        if rel.ends_with(".html") {
            let html = Html::parse_document(&content);
            for script in select(&html, "script") {
                assert!(
                    script.value().attr("src").is_some() && text(script).trim().is_empty(),
                    "{rel}: only external scripts, found {}",
                    script.html()
                );
            }
        }
    }
    let home = Html::parse_document(&read(project.path(), "site/index.html"));
    assert_eq!(
        text(select(&home, "title")[0]),
        "<script>alert(1)</script> · Site </script><script>alert(6)</script>"
    );
    assert_eq!(text(select(&home, "h1")[0]), "<script>alert(1)</script>");
    assert_eq!(
        select(&home, "meta[name=description]")[0]
            .value()
            .attr("content"),
        Some("\"><script>alert(2)</script>")
    );
    let guide = Html::parse_document(&read(project.path(), "site/guide/index.html"));
    let note = select(&guide, "article.note h3, article.note h2")[0];
    assert!(text(note).starts_with("</script><script>alert(4)</script>"));
    let label = select(&guide, "table.overview td a")[0];
    assert_eq!(text(label), "<img src=x onerror=alert(5)>");

    let nav = script_data(&read(project.path(), "site/nav.js"), "UPNOTES_NAV");
    let titles: Vec<&str> = nav
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(titles.contains(&"<script>alert(1)</script>"), "{titles:?}");
    assert!(
        titles.contains(&"Separators \u{2028} and \u{2029} and </script><!--"),
        "{titles:?}"
    );
    if out.join("search-index.js").exists() {
        script_data(
            &read(project.path(), "site/search-index.js"),
            "UPNOTES_SEARCH",
        );
    }
    let changes: serde_json::Value =
        serde_json::from_str(&read(project.path(), "site/guide/changes.json")).expect("JSON");
    assert_eq!(
        changes["versions"][0]["notes"][0]["title"],
        "</script><script>alert(4)</script>"
    );
}

/// Copies the example site (config, content, themes) into a temp dir and builds it.
fn build_example(threads: &str) -> tempfile::TempDir {
    let project = tempfile::tempdir().expect("tempdir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(
        repo.join("upnotes.yaml"),
        project.path().join("upnotes.yaml"),
    )
    .expect("config");
    for dir in ["content", "themes"] {
        copy_tree(&repo.join(dir), &project.path().join(dir));
    }
    let output = Command::new(env!("CARGO_BIN_EXE_upnotes"))
        .arg("build")
        .current_dir(project.path())
        .env("RAYON_NUM_THREADS", threads)
        .env("UPNOTES_CACHE_DIR", support::highlight_cache())
        .output()
        .expect("run upnotes");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    project
}

#[test]
fn builds_are_byte_for_byte_deterministic() {
    // One thread against many, in two different folders, then a rebuild over existing output.
    let first = build_example("1");
    let second = build_example("8");
    let a = tree(&first.path().join("site"));
    let b = tree(&second.path().join("site"));
    assert!(a.len() > 20, "the example has pages: {}", a.len());
    support::assert_same_trees(&a, &b, "between builds");
    // Rebuilds over the existing output: through the highlight cache, without it, and a third
    // time, which writes into the spare folder left by the first build.
    for cache in [
        support::highlight_cache(),
        std::path::PathBuf::new(),
        support::highlight_cache(),
    ] {
        let rebuild = Command::new(env!("CARGO_BIN_EXE_upnotes"))
            .arg("build")
            .current_dir(first.path())
            .env("UPNOTES_CACHE_DIR", &cache)
            .output()
            .expect("rebuild");
        assert!(rebuild.status.success());
        assert!(
            tree(&first.path().join("site")) == a,
            "a rebuild changes nothing (cache {cache:?})"
        );
    }
}
