//! `upnotes serve` and `upnotes watch`: build, then rebuild on every change of the sources;
//! `serve` also serves the output folder and reloads the open pages after each good rebuild.
//!
//! The rebuild loop runs on the calling thread and owns the [`session::Session`]; the server runs
//! on its own thread and sees only the [`server::Status`] the loop publishes after each rebuild.

pub mod derived;
pub mod fingerprint;
pub mod server;
pub mod session;
pub mod watch;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::build::BuildOptions;
use crate::error::{Error, Result, display_path};
use server::Status;
use session::{Rebuilt, Session};
use watch::{Changed, Layout, SourceKind, Watcher};

/// Options of `upnotes serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to build.
    pub build: BuildOptions,
    /// Address to listen on.
    pub bind: IpAddr,
    /// Port; `None` tries the default and the next few.
    pub port: Option<u16>,
    /// Open the site in a browser once it is served.
    pub open: bool,
}

/// Builds, then rebuilds on every change until the process is stopped.
pub fn watch(options: BuildOptions, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let mut session = Session::new(options)?;
    // Watch before building: an edit made during the first build triggers a rebuild.
    let mut watcher = Watcher::start(layout(&session))?;
    // A failed first build is reported and waits for a fix like any other.
    let _first = first_build(&mut session, out, err)?;
    watcher.set_output(layout(&session).output);
    let _ = writeln!(
        out,
        "watching {} for changes (press Ctrl+C to stop)",
        display_path(session.root())
    );
    while let Some(changes) = watcher.next_batch() {
        let changes = session.relevant(&changes);
        if changes.is_empty() {
            continue;
        }
        rebuild(
            &mut session,
            &changes,
            out,
            err,
            &mut |_| {},
            Duration::ZERO,
        );
        watcher.set_output(layout(&session).output);
    }
    Ok(())
}

/// Builds, serves the output and rebuilds on every change until the process is stopped.
pub fn serve(options: ServeOptions, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    // Bind first: a taken port should fail before any work.
    let bound = server::bind(options.bind, options.port)?;
    let mut session = Session::new(options.build)?;
    let mut watcher = Watcher::start(layout(&session))?;
    let first = first_build(&mut session, out, err)?;
    let mut generations = Generations::new();
    let watched = layout(&session);
    watcher.set_output(watched.output.clone());
    let status = Status {
        generation: generations.next(),
        errors: first.as_ref().err().cloned(),
        changed: None,
        since: None,
        earlier: None,
        dir: watched.output,
        prefix: first
            .as_ref()
            .map_or_else(|_| "/".to_string(), |r| r.base_path.clone()),
    };
    let (publish, subscribe) = tokio::sync::watch::channel(status);
    server::spawn(bound.listener, subscribe)?;
    if let Some(note) = &bound.note {
        let _ = writeln!(err, "note: {note}");
    }
    if !bound.addr.ip().is_loopback() {
        let _ = writeln!(
            err,
            "note: listening on {}: other machines on the network can see this preview",
            bound.addr.ip()
        );
    }
    let url = site_url(bound.addr, &publish.borrow().prefix);
    let _ = writeln!(out, "serving {url} (press Ctrl+C to stop)");
    if options.open {
        open_browser(&url, err);
    }
    while let Some(changes) = watcher.next_batch() {
        let changes = session.relevant(&changes);
        if changes.is_empty() {
            continue;
        }
        // Only Markdown edits leave every page's frame (head, header, scripts) as it was, so only
        // after them may open pages update in place; config, templates and themes reload them.
        let content_only = changes.iter().all(|c| c.kind == SourceKind::Content);
        let mut update = |result: &std::result::Result<Rebuilt, String>| {
            publish.send_modify(|status| match result {
                Ok(rebuilt) => {
                    if rebuilt.changed_output() || status.errors.is_some() {
                        // The status the early files were announced in, before it is replaced.
                        status.earlier = match (&status.since, &status.changed) {
                            (Some(since), Some(changed)) if rebuilt.shown_after.is_some() => {
                                Some((since.clone(), changed.clone()))
                            }
                            _ => None,
                        };
                        let next = generations.next();
                        status.since = Some(std::mem::replace(&mut status.generation, next));
                        // Files shown early were announced then; the pages showing them are
                        // current.
                        status.changed = (content_only && !rebuilt.full).then(|| {
                            let written = rebuilt.written.iter();
                            let changed = written.filter(|rel| !rebuilt.early.contains(rel));
                            changed.chain(&rebuilt.removed).cloned().collect()
                        });
                    }
                    status.errors = None;
                    status.dir.clone_from(&rebuilt.output);
                    status.prefix.clone_from(&rebuilt.base_path);
                }
                Err(text) => status.errors = Some(text.clone()),
            });
        };
        rebuild(&mut session, &changes, out, err, &mut update, SHOWN_GRACE);
        watcher.set_output(layout(&session).output);
    }
    Ok(())
}

/// The first build; content errors are reported and survived (the writer fixes them while
/// watching), anything else (an output folder upnotes may not use, say) ends the command.
fn first_build(
    session: &mut Session,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<std::result::Result<Rebuilt, String>> {
    match session.rebuild(&BTreeSet::new()) {
        Ok(rebuilt) => {
            print_warnings(&rebuilt.warnings, err);
            let _ = writeln!(
                out,
                "built {} pages, {} notes and {} files into {} in {} ms",
                rebuilt.pages,
                rebuilt.notes,
                rebuilt.files,
                display_path(&rebuilt.output),
                rebuilt.elapsed.as_millis()
            );
            Ok(Ok(rebuilt))
        }
        Err(Error::Content(diagnostics)) => {
            let text = error_text(&Error::Content(diagnostics));
            let _ = writeln!(err, "{text}");
            let _ = writeln!(
                err,
                "error: the build failed; fix the files above and upnotes rebuilds by itself"
            );
            Ok(Err(text))
        }
        Err(other) => Err(other),
    }
}

/// How long the rest of a rebuild waits after its edited page was shown: the open page fetches
/// and swaps in its new version meanwhile, with the machine to itself (at 10,000 pages the rest of
/// the rebuild keeps both cores of a small machine busy for about 100 ms; this wait took the
/// median time from save to page shown from 45-48 ms to 36-39 ms).
const SHOWN_GRACE: Duration = Duration::from_millis(50);

/// One rebuild, reported as one line (after its new warnings, or its errors). `publish` gets the
/// outcome (or the error text) before the line is printed, so whoever reads the line (a person,
/// a test) finds the server already showing that rebuild; an edited page written ahead of the
/// rest of the rebuild is published as soon as it is written, and the rest waits `grace`.
fn rebuild(
    session: &mut Session,
    changes: &BTreeSet<Changed>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    publish: &mut dyn FnMut(&std::result::Result<Rebuilt, String>),
    grace: Duration,
) {
    let what = describe(changes, session.root());
    let started = std::time::Instant::now();
    let result = session
        .rebuild_showing(changes, &mut |early| {
            publish(&Ok(early.clone()));
            std::thread::sleep(grace);
        })
        .map_err(|e| error_text(&e));
    match &result {
        Ok(rebuilt) => print_warnings(&rebuilt.new_warnings, err),
        Err(text) => {
            let _ = writeln!(err, "{text}");
        }
    }
    let _ = err.flush();
    publish(&result);
    // Failures go to the same stream as successes, so one stream tells every rebuild in order.
    let line = match &result {
        Ok(rebuilt) => summary(rebuilt, &what),
        Err(_) => format!(
            "rebuild failed in {} ms after {what}; the last good build stays in place",
            started.elapsed().as_millis()
        ),
    };
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// `rebuilt in 12 ms after content/a.md changed: 3 pages rendered, 5 files written, 0 removed`;
/// `... changed (the page shown after 2 ms): ...` when the edited page was shown early.
pub fn summary(rebuilt: &Rebuilt, what: &str) -> String {
    let ms = rebuilt.elapsed.as_millis();
    let effect = if rebuilt.full {
        format!(
            "{} pages rendered, {} files written",
            rebuilt.rendered.len(),
            rebuilt.written.len()
        )
    } else if !rebuilt.changed_output() {
        "no output changed".to_string()
    } else {
        format!(
            "{} rendered, {} written, {} removed",
            count(rebuilt.rendered.len(), "page"),
            count(rebuilt.written.len(), "file"),
            rebuilt.removed.len()
        )
    };
    let warnings = match rebuilt.warnings.len() {
        0 => String::new(),
        1 => " (1 warning)".to_string(),
        n => format!(" ({n} warnings)"),
    };
    let shown = rebuilt.shown_after.map_or_else(String::new, |after| {
        format!(" (the page shown after {} ms)", after.as_millis())
    });
    format!("rebuilt in {ms} ms after {what}{shown}: {effect}{warnings}")
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What changed, for the terminal: `content/a.md changed`, `a.md and 4 more changed`.
pub fn describe(changes: &BTreeSet<Changed>, root: &Path) -> String {
    if changes.iter().any(|c| c.kind == SourceKind::Unknown) {
        return "the watcher lost track of changes".to_string();
    }
    let names: Vec<String> = changes
        .iter()
        .map(|c| {
            let removed = if root.join(&c.path).exists() {
                ""
            } else {
                " (removed)"
            };
            format!("{}{removed}", display_path(&c.path))
        })
        .collect();
    match names.len() {
        0 => "a change".to_string(),
        1..=3 => format!("{} changed", names.join(", ")),
        n => format!("{} and {} more changed", names[..2].join(", "), n - 2),
    }
}

fn error_text(error: &Error) -> String {
    match error {
        Error::Content(diagnostics) => diagnostics
            .clone()
            .sorted()
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("error: {other}"),
    }
}

fn print_warnings(warnings: &[crate::error::Diagnostic], err: &mut dyn Write) {
    for warning in warnings {
        let _ = writeln!(err, "{warning}");
    }
}

/// Where the watcher looks, and which folder (the output) it ignores.
fn layout(session: &Session) -> Layout {
    let root = session.root().to_path_buf();
    let output = session.output().map_or_else(
        || default_output(&root),
        |o| o.canonicalize().unwrap_or_else(|_| o.to_path_buf()),
    );
    Layout { root, output }
}

/// The output a build would use, read from the config when it can be (before any good build).
fn default_output(root: &Path) -> PathBuf {
    let configured = crate::config::Config::load(root).map(|c| c.output);
    root.join(configured.unwrap_or_else(|_| PathBuf::from("site")))
}

fn site_url(addr: std::net::SocketAddr, prefix: &str) -> String {
    let host = match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}{prefix}", addr.port())
}

/// Opens `url` in the desktop's browser; failing to is worth a note, not an error.
fn open_browser(url: &str, err: &mut dyn Write) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        let _ = writeln!(
            err,
            "note: cannot open a browser with {program}: {e}; open {url}"
        );
    }
}

/// Generation tags: unique across restarts of the server, so a page from an earlier run reloads.
struct Generations {
    start: u128,
    count: u64,
}

impl Generations {
    fn new() -> Self {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Generations { start, count: 0 }
    }

    fn next(&mut self) -> String {
        self.count += 1;
        format!("{}-{}", self.start, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(kind: SourceKind, path: &str) -> Changed {
        Changed {
            kind,
            path: PathBuf::from(path),
        }
    }

    #[test]
    fn changes_are_named_briefly_and_removals_said() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("content")).expect("mkdir");
        std::fs::write(root.path().join("content/a.md"), "").expect("write");
        let one: BTreeSet<Changed> = [changed(SourceKind::Content, "content/a.md")].into();
        assert_eq!(describe(&one, root.path()), "content/a.md changed");
        let gone: BTreeSet<Changed> = [changed(SourceKind::Content, "content/b.md")].into();
        assert_eq!(
            describe(&gone, root.path()),
            "content/b.md (removed) changed"
        );
        let many: BTreeSet<Changed> = (0..5)
            .map(|i| changed(SourceKind::Content, &format!("content/{i}.md")))
            .collect();
        assert_eq!(
            describe(&many, root.path()),
            "content/0.md (removed), content/1.md (removed) and 3 more changed"
        );
    }

    #[test]
    fn the_summary_says_what_was_rendered_written_and_removed() {
        let rebuilt = Rebuilt {
            output: PathBuf::from("site"),
            base_path: "/".into(),
            full: false,
            pages: 10,
            notes: 2,
            files: 0,
            rendered: vec!["a/index.html".into()],
            written: vec!["a/index.html".into(), "search-index.js".into()],
            early: Vec::new(),
            shown_after: None,
            removed: Vec::new(),
            warnings: Vec::new(),
            new_warnings: Vec::new(),
            elapsed: std::time::Duration::from_millis(12),
        };
        assert_eq!(
            summary(&rebuilt, "content/a.md changed"),
            "rebuilt in 12 ms after content/a.md changed: 1 page rendered, 2 files written, 0 removed"
        );
        let quiet = Rebuilt {
            rendered: Vec::new(),
            written: Vec::new(),
            ..rebuilt
        };
        assert_eq!(
            summary(&quiet, "templates/x.html changed"),
            "rebuilt in 12 ms after templates/x.html changed: no output changed"
        );
        let early = Rebuilt {
            rendered: vec!["a/index.html".into()],
            written: vec!["a/index.html".into()],
            early: vec!["a/index.html".into()],
            shown_after: Some(std::time::Duration::from_millis(3)),
            ..quiet
        };
        assert_eq!(
            summary(&early, "content/a.md changed"),
            "rebuilt in 12 ms after content/a.md changed (the page shown after 3 ms): 1 page rendered, 1 file written, 0 removed"
        );
    }
}
