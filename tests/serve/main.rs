//! `upnotes serve` and `upnotes watch` as a user runs them: a real process, real file edits made the
//! way editors and git make them, and what the server then serves, compared with a clean build.

#[path = "../support/mod.rs"]
mod support;

mod client;
mod edits;
mod http;
mod soak;

use std::path::Path;

use client::{Running, Server};

pub use support::example_site as example;

/// A clean `upnotes build` of the site's current sources into `clean-build/` (outside the sources).
pub fn clean_build(root: &Path) -> Vec<(String, Vec<u8>)> {
    let run = support::upnotes(root, &["build", "--output", "clean-build"]);
    assert_eq!(run.code, 0, "clean build failed: {}", run.stderr);
    support::tree(&root.join("clean-build"))
}

/// Waits until the served folder holds exactly the files of a clean build, then checks that every
/// one of them is served with those bytes (HTML with the reload script added, and nothing else).
pub fn assert_serves_clean_build(server: &Server, root: &Path) {
    let expected = clean_build(root);
    let started = std::time::Instant::now();
    while support::tree(&root.join("site")) != expected {
        if started.elapsed() > client::PATIENCE {
            let served = support::tree(&root.join("site"));
            let names =
                |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            let differing: Vec<&String> = served
                .iter()
                .filter(|(name, bytes)| !expected.iter().any(|(n, b)| n == name && b == bytes))
                .map(|(name, _)| name)
                .collect();
            panic!(
                "the output differs from a clean build\nserved: {:?}\nclean: {:?}\ndiffering: {differing:?}\n{}",
                names(&served),
                names(&expected),
                server.process.transcript()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    for (rel, bytes) in &expected {
        if rel.starts_with('.') {
            continue;
        }
        let response = server.get(&format!("{}{rel}", server.prefix));
        assert_eq!(response.status, 200, "GET {rel}");
        assert_eq!(
            strip_reload_script(&response.body),
            *bytes,
            "GET {rel} serves the built file"
        );
        if let Some(folder) = rel.strip_suffix("index.html") {
            let page = server.get(&format!("{}{folder}", server.prefix));
            assert_eq!(strip_reload_script(&page.body), *bytes, "GET {folder}");
        }
    }
}

/// The served body without the one reload script tag the server adds to HTML.
pub fn strip_reload_script(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let Some(start) = text.find("<script src=\"/__upnotes/reload.js\"") else {
        return body.to_vec();
    };
    let end = start + text[start..].find("</script>").expect("closed") + "</script>".len();
    [&body[..start], &body[end..]].concat()
}

#[test]
fn watch_rebuilds_on_change_without_a_server() {
    let site = example();
    let root = site.path();
    let watch = Running::start(root, &["watch"]);
    watch.wait_for_line("watching ");
    let note = root.join("content/upgrades/0.28.x/resource-precision.md");
    let text = std::fs::read_to_string(&note).expect("read") + "\nWatched edit.\n";
    std::fs::write(&note, text).expect("write");
    let line = watch.wait_for("a rebuild", |l| {
        l.iter().any(|l| l.starts_with("rebuilt in"))
    });
    assert!(
        line.iter()
            .any(|l| l.contains("content/upgrades/0.28.x/resource-precision.md changed")),
        "{line:?}"
    );
    let guide = std::fs::read_to_string(root.join("site/upgrades/index.html")).expect("read");
    assert!(guide.contains("Watched edit."));
    assert!(!watch.lines().iter().any(|l| l.starts_with("serving")));
}

#[test]
fn a_git_checkout_of_hundreds_of_files_is_one_rebuild() {
    let site = example();
    let root = site.path();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(root)
            .output();
        matches!(status, Ok(o) if o.status.success())
    };
    if !git(&["init", "-q", "-b", "main"]) {
        eprintln!("skipped: git is not available");
        return;
    }
    assert!(git(&["add", "-A"]) && git(&["commit", "-qm", "site"]));
    assert!(git(&["checkout", "-qb", "many"]));
    std::fs::create_dir_all(root.join("content/many")).expect("mkdir");
    for i in 0..300 {
        let page = format!("---\ntitle: Page {i}\n---\nPage number {i}.\n");
        std::fs::write(root.join(format!("content/many/page-{i}.md")), page).expect("write");
    }
    assert!(
        git(&["add", "-A"]) && git(&["commit", "-qm", "many"]) && git(&["checkout", "-q", "main"])
    );

    let server = Server::start(root);
    assert!(git(&["checkout", "-q", "many"]));
    server.process.wait_for("the rebuild with 300 pages", |_| {
        root.join("site/many/page-299/index.html").is_file()
    });
    assert_serves_clean_build(&server, root);
    let after_first = server.process.rebuilds().len();
    assert!(
        after_first <= 2,
        "300 files, {after_first} rebuilds: {:?}",
        server.process.rebuilds()
    );

    assert!(git(&["checkout", "-q", "main"]));
    server.process.wait_for("the rebuild without them", |_| {
        !root.join("site/many").exists()
    });
    assert_serves_clean_build(&server, root);
    let second = server.process.rebuilds().len() - after_first;
    assert!(second <= 2, "300 files removed, {second} rebuilds");
}
