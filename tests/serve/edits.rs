//! Fifty edits to a served site, made the way editors, shells and people make them (atomic saves,
//! `sed -i`, vim's backup dance, renames, deletes, broken files and their fixes); after each the
//! server must have rebuilt (or reported the error and kept serving), and every tenth the served
//! site must equal a clean build of the same sources.

use std::path::Path;
use std::process::Command;

use crate::client::{Server, first_status};
use crate::{assert_serves_clean_build, example};

const NOTE_A: &str = "content/upgrades/0.28.x/resource-precision.md";
const NOTE_B: &str = "content/upgrades/0.27.x/implicit-roles.md";
const NOTE_C: &str = "content/upgrades/0.28.x/reservation-acls.md";
const VERSION: &str = "content/upgrades/0.27.x/_index.md";
const CUSTOM: &str = "{% extends \"base.html\" %}{% block content %}<div class=\"custom\">{{ page.content | safe }}</div>{% endblock content %}";

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// Write a temporary file beside the target, then rename it over the target.
fn atomic(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    let temp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("x")
    ));
    std::fs::write(&temp, text).expect("write temp");
    std::fs::rename(&temp, &path).expect("rename over");
}

/// Truncate and write in place.
fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// vim's default save: probe the folder with `4913`, move the file to `file~`, write a new one,
/// delete the backup.
fn vim(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    let dir = path.parent().expect("parent");
    std::fs::write(dir.join("4913"), "").expect("probe");
    std::fs::remove_file(dir.join("4913")).expect("probe");
    let backup = path.with_file_name(format!(
        "{}~",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("x")
    ));
    std::fs::rename(&path, &backup).expect("backup");
    std::fs::write(&path, text).expect("write");
    std::fs::remove_file(&backup).expect("remove backup");
}

/// `sed -i s/FROM/TO/ file` (the real sed: it writes a temporary `sedXXXXXX` and renames it).
fn sed(root: &Path, rel: &str, from: &str, to: &str) {
    let ok = Command::new("sed")
        .arg("-i")
        .arg(format!("s/{from}/{to}/"))
        .arg(root.join(rel))
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let text = read(root, rel).replacen(from, to, 1);
        atomic(root, rel, &text);
    }
}

/// Appends a paragraph to the body.
fn append(root: &Path, rel: &str, text: &str) {
    atomic(root, rel, &format!("{}\n{text}\n", read(root, rel)));
}

/// Sets `key: value` in the front matter (replacing the line, or adding it).
fn front(root: &Path, rel: &str, key: &str, value: &str) {
    let text = read(root, rel);
    let body_start = text[3..].find("\n---").map_or(0, |i| i + 3);
    let (yaml, body) = text.split_at(body_start);
    let prefix = format!("\n{key}:");
    let yaml = match yaml.find(&prefix) {
        Some(at) => {
            let end = yaml[at + 1..].find('\n').map_or(yaml.len(), |i| at + 1 + i);
            format!("{}\n{key}: {value}{}", &yaml[..at], &yaml[end..])
        }
        None => format!("{yaml}\n{key}: {value}"),
    };
    atomic(root, rel, &format!("{yaml}{body}"));
}

fn remove(root: &Path, rel: &str) {
    let path = root.join(rel);
    if path.is_dir() {
        std::fs::remove_dir_all(path).expect("remove folder");
    } else {
        std::fs::remove_file(path).expect("remove");
    }
}

fn rename(root: &Path, from: &str, to: &str) {
    std::fs::rename(root.join(from), root.join(to)).expect("rename");
}

fn note(title: &str, area: &str, body: &str) -> String {
    format!("---\ntitle: {title}\nchanges:\n  - area: {area}\n    kind: A\n---\n{body}\n")
}

type Edit = fn(&Path);

/// The steps after which the rebuild must fail (and the server keep serving the last good site).
const FAILING: [&str; 6] = [
    "the template broken",
    "the config broken",
    "a note's front matter broken",
    "an unknown area",
    "a duplicate note id",
    "the layout in use deleted",
];

/// The script: a name and the edit, in order.
fn script() -> Vec<(&'static str, Edit)> {
    [
        content(),
        templates_config_and_errors(),
        folders_and_static_files(),
        layouts_renames_and_config(),
    ]
    .concat()
}

/// Notes and pages: atomic saves, vim, sed, creates, renames, deletes.
fn content() -> Vec<(&'static str, Edit)> {
    vec![
        ("atomic save of a note", |r| append(r, NOTE_A, "Edit one.")),
        ("vim save of a note", |r| {
            let text = read(r, NOTE_B) + "\nEdit two.\n";
            vim(r, NOTE_B, &text);
        }),
        ("sed -i on a note", |r| {
            sed(r, NOTE_A, "Edit one", "Edit one (sed)")
        }),
        ("a new note", |r| {
            atomic(
                r,
                "content/upgrades/0.28.x/new-note.md",
                &note("New note", "Flags", "Fresh."),
            )
        }),
        ("the new note's title, in place", |r| {
            write(
                r,
                "content/upgrades/0.28.x/new-note.md",
                &note("New note, retitled", "Flags", "Fresh."),
            )
        }),
        ("the new note renamed", |r| {
            rename(
                r,
                "content/upgrades/0.28.x/new-note.md",
                "content/upgrades/0.28.x/renamed-note.md",
            )
        }),
        ("the renamed note deleted", |r| {
            remove(r, "content/upgrades/0.28.x/renamed-note.md")
        }),
        ("a new page", |r| {
            atomic(
                r,
                "content/tips.md",
                "---\ntitle: Tips\n---\n# Tips\n\nSome tips.\n",
            )
        }),
        ("a link to the new page", |r| {
            append(r, "content/about.md", "See [tips](tips.md).")
        }),
        ("the new page deleted (the link breaks: a warning)", |r| {
            remove(r, "content/tips.md")
        }),
        ("a site template", |r| {
            write(r, "templates/custom.html", CUSTOM)
        }),
        ("a page switched to it", |r| {
            front(r, "content/about.md", "layout", "custom")
        }),
        ("the template edited", |r| {
            write(
                r,
                "templates/custom.html",
                &CUSTOM.replace("\"custom\"", "\"custom edited\""),
            )
        }),
    ]
}

/// Templates, config and broken files.
fn templates_config_and_errors() -> Vec<(&'static str, Edit)> {
    vec![
        ("the template broken", |r| {
            write(
                r,
                "templates/custom.html",
                "{% extends \"base.html\" %}{% block content %}<p>unclosed",
            )
        }),
        ("the template fixed", |r| {
            write(r, "templates/custom.html", CUSTOM)
        }),
        ("the config's title", |r| {
            sed(
                r,
                "upnotes.yaml",
                "title: Apache Mesos",
                "title: Apache Mesos docs",
            )
        }),
        ("the config broken", |r| {
            append(r, "upnotes.yaml", "titel: typo")
        }),
        ("the config fixed", |r| {
            sed(r, "upnotes.yaml", "titel: typo", "")
        }),
        ("a note's front matter broken", |r| {
            atomic(r, NOTE_C, "---\ntitle: [unclosed\n---\nBroken.\n")
        }),
        ("the note fixed", |r| {
            atomic(
                r,
                NOTE_C,
                &note("Reservation ACLs", "Framework API", "Fixed."),
            )
        }),
        ("an unknown area", |r| {
            atomic(r, NOTE_C, &note("Reservation ACLs", "Nowhere", "Fixed."))
        }),
        ("the area fixed", |r| {
            atomic(r, NOTE_C, &note("Reservation ACLs", "Flags", "Fixed."))
        }),
        ("a new version", |r| {
            write(
                r,
                "content/upgrades/0.29.x/_index.md",
                "---\nreleased: 2016-06-01\n---\nUpgrade the masters first.\n",
            )
        }),
        ("a note in it", |r| {
            atomic(
                r,
                "content/upgrades/0.29.x/gpu.md",
                &note("GPU support", "Mesos Core", "GPUs."),
            )
        }),
        ("the version folder renamed", |r| {
            rename(r, "content/upgrades/0.29.x", "content/upgrades/0.30.x")
        }),
        ("the version folder deleted", |r| {
            remove(r, "content/upgrades/0.30.x")
        }),
    ]
}

/// Versions, folders and static files.
fn folders_and_static_files() -> Vec<(&'static str, Edit)> {
    vec![
        ("a static file", |r| {
            write(
                r,
                "content/images/diagram.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            )
        }),
        ("the static file changed", |r| {
            atomic(
                r,
                "content/images/diagram.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>",
            )
        }),
        ("the static file deleted", |r| {
            remove(r, "content/images/diagram.svg")
        }),
        ("a folder of pages", |r| {
            write(
                r,
                "content/ops/index.md",
                "---\ntitle: Operations\n---\nOps.\n",
            );
            write(
                r,
                "content/ops/checklist.md",
                "---\ntitle: Checklist\n---\n- [ ] back up\n",
            );
        }),
        ("the folder deleted", |r| remove(r, "content/ops")),
        ("the home page", |r| {
            append(r, "content/index.md", "Home edit.")
        }),
        ("a note's weight", |r| front(r, NOTE_A, "weight", "-5")),
        ("a note made a draft", |r| front(r, NOTE_B, "draft", "true")),
        ("the draft published", |r| {
            front(r, NOTE_B, "draft", "false")
        }),
        ("the matrix rows", |r| {
            sed(r, "upnotes.yaml", "since: 0.25.x", "since: 0.26.x")
        }),
        ("a version's procedure", |r| {
            append(r, VERSION, "Then restart the agents.")
        }),
        ("a version's release date", |r| {
            front(r, VERSION, "released", "2016-02-03")
        }),
    ]
}

/// Layout overrides, editor temporary files, renames, feed on and off.
fn layouts_renames_and_config() -> Vec<(&'static str, Edit)> {
    vec![
        ("a duplicate note id", |r| {
            front(r, NOTE_C, "id", "0-28-x-resource-precision")
        }),
        ("the id removed", |r| {
            atomic(
                r,
                NOTE_C,
                &note("Reservation ACLs", "Flags", "Fixed again."),
            )
        }),
        ("a site page.html override", |r| {
            let theme = upnotes::templates::Theme::load(r, "default").expect("theme");
            let page = theme
                .files
                .iter()
                .find(|f| f.rel == "templates/page.html")
                .expect("page.html");
            let text = String::from_utf8_lossy(&page.bytes).replace(
                "{% block content %}",
                "{% block content %}<!-- override -->",
            );
            write(r, "templates/page.html", &text);
        }),
        ("the override deleted", |r| remove(r, "templates/page.html")),
        ("the layout in use deleted", |r| {
            remove(r, "templates/custom.html")
        }),
        ("the page back on a known layout", |r| {
            front(r, "content/about.md", "layout", "page")
        }),
        ("a save through a hidden temporary file", |r| {
            append(r, "content/about.md", "Saved atomically.")
        }),
        ("an emacs save with an autosave file", |r| {
            write(r, "content/#index.md#", "autosave");
            append(r, "content/index.md", "Emacs edit.");
            remove(r, "content/#index.md#");
        }),
        ("a page renamed", |r| {
            rename(r, "content/about.md", "content/about-us.md")
        }),
        ("the feed turned off", |r| {
            sed(r, "upnotes.yaml", "feed: true", "feed: false")
        }),
        ("the feed turned on", |r| {
            sed(r, "upnotes.yaml", "feed: false", "feed: true")
        }),
        ("a last note edit", |r| append(r, NOTE_A, "Edit fifty.")),
    ]
}

#[test]
fn fifty_edits_later_the_server_serves_what_a_clean_build_writes() {
    let site = example();
    let root = site.path();
    let server = Server::start(root);
    let steps = script();
    assert_eq!(steps.len(), 50);
    for (n, (name, edit)) in steps.into_iter().enumerate() {
        let good = !FAILING.contains(&name);
        let before = server.process.rebuilds().len();
        edit(root);
        let expected = if good { "rebuilt in" } else { "rebuild failed" };
        server
            .process
            .wait_for(&format!("step {}: {name}", n + 1), |_| {
                let rebuilds = server.process.rebuilds();
                rebuilds.len() > before && rebuilds.last().is_some_and(|l| l.starts_with(expected))
            });
        let status = first_status(&server.addr);
        if good {
            assert!(
                status["errors"].is_null(),
                "step {}: {name}: {status}",
                n + 1
            );
        } else {
            let errors = status["errors"].as_str().unwrap_or_default();
            assert!(
                errors.contains(": error: "),
                "step {}: {name}: located errors: {errors}",
                n + 1
            );
            let page = server.get(&server.prefix);
            assert_eq!(
                page.status,
                200,
                "step {}: the last good site is still served",
                n + 1
            );
        }
        if (n + 1) % 10 == 0 {
            assert_serves_clean_build(&server, root);
        }
    }
}
