//! Builds that follow a build: pages whose inputs are unchanged are kept from the last build, not
//! rendered, and the output is still byte for byte what a build from scratch writes.

mod support;

use std::path::Path;

use upnotes::build::{self, BuildOptions, BuildReport};

fn build(root: &Path) -> BuildReport {
    build::build(&BuildOptions {
        root: root.to_path_buf(),
        ..BuildOptions::default()
    })
    .expect("build")
}

/// The output must be what a build from scratch (another output, so nothing to reuse) writes.
fn assert_same_as_fresh_build(root: &Path) {
    let fresh = root.join("fresh-build");
    let report = build::build(&BuildOptions {
        root: root.to_path_buf(),
        output: Some(fresh.clone()),
        ..BuildOptions::default()
    })
    .expect("fresh build");
    assert_eq!(report.rendered, report.pages, "nothing to reuse");
    support::assert_same_trees(
        &support::tree(&root.join("site")),
        &support::tree(&fresh),
        "from a fresh build",
    );
    std::fs::remove_dir_all(&fresh).expect("remove the fresh build");
}

/// Pages with warnings render every time, so their warnings are reported every time.
fn with_warnings(report: &BuildReport) -> usize {
    let mut files: Vec<_> = report.warnings.iter().map(|w| w.path.clone()).collect();
    files.sort();
    files.dedup();
    files.len()
}

#[test]
fn an_unchanged_site_renders_only_pages_with_warnings_and_writes_the_same_output() {
    let site = support::example_site();
    let first = build(site.path());
    assert_eq!(first.rendered, first.pages);
    let second = build(site.path());
    assert!(second.rendered <= with_warnings(&second), "{second:?}");
    assert_eq!(
        second.warnings, first.warnings,
        "the same warnings, reported again"
    );
    let third = build(site.path());
    assert!(third.rendered <= with_warnings(&third));
    assert_same_as_fresh_build(site.path());
}

#[test]
fn an_edited_page_is_rendered_alone() {
    let site = support::example_site();
    build(site.path());
    build(site.path());
    let index = site.path().join("content/index.md");
    let text = std::fs::read_to_string(&index).expect("read");
    std::fs::write(&index, format!("{text}\nA new closing line.\n")).expect("write");
    let after = build(site.path());
    assert!(after.rendered <= 1 + with_warnings(&after), "{after:?}");
    let html = std::fs::read_to_string(site.path().join("site/index.html")).expect("read");
    assert!(html.contains("A new closing line."));
    // Remembered: the next build renders nothing.
    let again = build(site.path());
    assert!(again.rendered <= with_warnings(&again), "{again:?}");
    assert_same_as_fresh_build(site.path());
}

/// The file of the `site` output's working state whose name ends with `suffix`.
fn state_file(root: &Path, suffix: &str) -> std::path::PathBuf {
    let found: Vec<_> = std::fs::read_dir(root.join(".upnotes"))
        .expect("the working state")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with("site-") && n.ends_with(suffix))
        })
        .collect();
    assert_eq!(found.len(), 1, "{suffix}: {found:?}");
    found.into_iter().next().expect("one")
}

#[test]
fn outcomes_that_do_not_match_their_manifest_render_their_pages_again() {
    let site = support::example_site();
    build(site.path());
    let outcomes = state_file(site.path(), ".out.outcomes");
    let older = std::fs::read(&outcomes).expect("read");
    let index = site.path().join("content/index.md");
    let text = std::fs::read_to_string(&index).expect("read");
    std::fs::write(&index, format!("{text}\n## A heading added later\n")).expect("write");
    let second = build(site.path());
    let mut shifted = std::fs::read(&outcomes).expect("read");
    // The outcomes of the build before, as a crash between two renames would leave them, and
    // the right ones shifted by a byte: no page is kept on their word unless its bytes are the
    // ones written for it.
    shifted.rotate_left(1);
    for (damaged, all) in [(older, false), (shifted, true)] {
        std::fs::write(&outcomes, &damaged).expect("write");
        let report = build(site.path());
        assert!(report.rendered >= 1, "the home page's outcome changed");
        if all {
            assert_eq!(report.rendered, report.pages, "{report:?}");
        }
        assert_eq!(report.warnings, second.warnings);
        assert_same_as_fresh_build(site.path());
        // Remembered again: the next build keeps its pages.
        let again = build(site.path());
        assert!(again.rendered <= with_warnings(&again), "{again:?}");
    }
    // Heads that claim outcomes of an absurd length: no page is kept, nothing is asked of memory.
    let heads = state_file(site.path(), ".out.manifest");
    let damaged: Vec<String> = read_lines(&heads)
        .enumerate()
        .map(|(i, line)| match i {
            0 => line,
            _ => {
                let mut fields: Vec<&str> = line.split('\t').collect();
                fields[3] = "fffffffffffffff0";
                fields.join("\t")
            }
        })
        .collect();
    std::fs::write(&heads, damaged.join("\n") + "\n").expect("write");
    let report = build(site.path());
    assert_eq!(report.rendered, report.pages, "{report:?}");
    assert_same_as_fresh_build(site.path());
    // Without it, every page renders too.
    std::fs::remove_file(&outcomes).expect("remove");
    let report = build(site.path());
    assert_eq!(report.rendered, report.pages, "{report:?}");
    assert_same_as_fresh_build(site.path());
}

fn read_lines(path: &Path) -> impl Iterator<Item = String> {
    let text = std::fs::read_to_string(path).expect("read");
    text.lines()
        .map(str::to_string)
        .collect::<Vec<_>>()
        .into_iter()
}

#[test]
fn a_page_edited_back_is_taken_from_the_spare_folder_unwritten() {
    let site = support::example_site();
    let index = site.path().join("content/index.md");
    let text = std::fs::read_to_string(&index).expect("read");
    build(site.path());
    // The output holds this version of the page, and after the next build the spare does.
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000);
    std::fs::File::options()
        .write(true)
        .open(site.path().join("site/index.html"))
        .and_then(|f| f.set_modified(long_ago))
        .expect("set mtime");
    std::fs::write(&index, format!("{text}\nFor one build only.\n")).expect("write");
    build(site.path());
    std::fs::write(&index, &text).expect("write");
    let after = build(site.path());
    assert!(after.rendered <= 1 + with_warnings(&after), "{after:?}");
    let page = site.path().join("site/index.html");
    assert!(
        !std::fs::read_to_string(&page)
            .expect("read")
            .contains("For one build only.")
    );
    assert_eq!(
        std::fs::metadata(&page)
            .and_then(|m| m.modified())
            .expect("mtime"),
        long_ago,
        "rendered again, found the same as the spare's copy and left alone"
    );
    assert_same_as_fresh_build(site.path());
}

#[test]
fn output_files_changed_by_hand_and_failed_builds_are_not_trusted() {
    let site = support::example_site();
    build(site.path());
    build(site.path());
    // Edited in the output by hand: the next build writes the page again, and so does the one
    // after, whose spare folder is the edited output (its manifest is the build's that wrote it).
    let page = site.path().join("site/index.html");
    std::fs::write(&page, "edited by hand").expect("write");
    for _ in 0..3 {
        build(site.path());
        assert_ne!(
            std::fs::read_to_string(&page).expect("read"),
            "edited by hand"
        );
        assert_same_as_fresh_build(site.path());
    }
    // A build that fails half way leaves the spare folder written to; the next good build must
    // not take the spare's files for what its old manifest says they are.
    let index = site.path().join("content/index.md");
    let good = std::fs::read_to_string(&index).expect("read");
    std::fs::write(&index, format!("{good}\nChanged once.\n")).expect("write");
    let broken = site.path().join("content/broken.md");
    std::fs::write(&broken, "---\ntitle: [unclosed\n---\n").expect("write");
    assert!(
        build::build(&BuildOptions {
            root: site.path().to_path_buf(),
            ..BuildOptions::default()
        })
        .is_err()
    );
    std::fs::remove_file(&broken).expect("remove");
    std::fs::write(&index, &good).expect("write");
    build(site.path());
    build(site.path());
    assert_same_as_fresh_build(site.path());
    // Its working state deleted, a build starts over.
    std::fs::remove_dir_all(site.path().join(".upnotes")).expect("remove state");
    let cold = build(site.path());
    assert_eq!(cold.rendered, cold.pages);
    assert_same_as_fresh_build(site.path());
}

#[test]
fn serve_sessions_in_between_leave_no_stale_page() {
    use std::collections::BTreeSet;
    use upnotes::serve::session::Session;
    use upnotes::serve::watch::{Changed, SourceKind};

    let site = support::example_site();
    build(site.path());
    build(site.path());
    let index = site.path().join("content/index.md");
    let good = std::fs::read_to_string(&index).expect("read");
    let session = || {
        let mut session = Session::new(BuildOptions {
            root: site.path().to_path_buf(),
            ..BuildOptions::default()
        })
        .expect("session");
        session.rebuild(&BTreeSet::new()).expect("first build");
        session
    };
    // A serve session edits a page; a second one starts while the edit stands, so the output
    // with the edited page ends up in the spare folder.
    let mut first = session();
    std::fs::write(&index, format!("{good}\nAn edit made while serving.\n")).expect("write");
    let changed: BTreeSet<Changed> = [Changed {
        kind: SourceKind::Content,
        path: "content/index.md".into(),
    }]
    .into_iter()
    .collect();
    first.rebuild(&changed).expect("rebuild");
    drop(first);
    drop(session());
    // The edit is undone, and `build` runs: the page must not come back from the spare folder.
    std::fs::write(&index, &good).expect("write");
    build(site.path());
    let html = std::fs::read_to_string(site.path().join("site/index.html")).expect("read");
    assert!(!html.contains("An edit made while serving."));
    assert_same_as_fresh_build(site.path());
}
