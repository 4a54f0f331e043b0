//! Filesystem events -> which sources changed (pure, unit-tested), and the watcher that turns an
//! editor's save or a `git checkout` into one batch of changes.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::event::{CreateKind, EventKind, MetadataKind, ModifyKind, RemoveKind, RenameMode};
use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::config::FILE_NAME;
use crate::content::{CONTENT_DIR, is_ignored};
use crate::error::{Error, Result};

/// Folders under the site root whose files are sources (besides `upnotes.yaml`).
pub const SOURCE_DIRS: [&str; 3] = [CONTENT_DIR, "templates", "themes"];

/// A batch ends once no new event has arrived for this long: the steps of one save arrive
/// closer together than this.
const QUIET: Duration = Duration::from_millis(40);

/// ...unless the last change was a file renamed onto a source: that is how an editor's atomic
/// save (and `sed -i`) ends, so the batch waits only this long for a next change (another file of
/// a "save all", say) before the rebuild starts.
const SETTLE: Duration = Duration::from_millis(5);

/// Once a batch holds this many changes, a bulk operation (a `git checkout`, a copy) is under way...
const BULK: usize = 8;

/// ...and the batch waits this long for quiet instead, so hundreds of files are one rebuild even
/// when a busy machine pauses the writer.
const BULK_QUIET: Duration = Duration::from_millis(300);

/// However busy the sources are, a batch ends this long after its first change, so a steady
/// stream of saves (a generator rewriting files, an autosave) still shows up in the preview.
const LONGEST: Duration = Duration::from_secs(2);

/// How long a batch of `changes` waits for the next source change before it ends; `saved` when
/// the last change completed a save (see [`completes_save`]).
fn quiet_for(changes: usize, saved: bool) -> Duration {
    if changes >= BULK {
        BULK_QUIET
    } else if saved {
        SETTLE
    } else {
        QUIET
    }
}

/// What kind of source a changed path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// `upnotes.yaml`.
    Config,
    /// A Markdown file (or a folder) under `content/`.
    Content,
    /// A file under `content/` that is copied as is.
    Static,
    /// A site template under `templates/`.
    Template,
    /// A file of a theme under `themes/`.
    Theme,
    /// The watcher lost track (an overflow or an error): anything may have changed.
    Unknown,
}

/// One changed source: its kind and its path relative to the site root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Changed {
    /// What it is.
    pub kind: SourceKind,
    /// Path relative to the site root (`content/upgrades/0.28.x/x.md`).
    pub path: PathBuf,
}

/// Where a site's sources and output live, as absolute paths.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The site root.
    pub root: PathBuf,
    /// The output folder, whose events are the build's own writes.
    pub output: PathBuf,
}

/// The sources an event touches; empty when it cannot change the site (reads, the output folder,
/// dot files and editor leftovers, files outside the source folders).
pub fn classify(event: &Event, layout: &Layout) -> Vec<Changed> {
    if event.need_rescan() {
        return vec![unknown()];
    }
    match event.kind {
        // Reading a file must never trigger a rebuild: the build reads every source.
        EventKind::Access(_)
        | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => {
            return Vec::new();
        }
        _ => {}
    }
    let folder = matches!(
        event.kind,
        EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
    );
    event
        .paths
        .iter()
        .filter_map(|path| classify_path(path, folder, layout))
        .collect()
}

/// True for the step that ends an atomic save: a file renamed onto a source (the source is
/// complete from this moment). Writing in place is not: it comes in several steps (truncate,
/// write, close), and so do the copies of a `git checkout`.
pub fn completes_save(event: &Event, layout: &Layout) -> bool {
    matches!(
        event.kind,
        EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    ) && !event.need_rescan()
        && event
            .paths
            .last()
            .is_some_and(|to| classify_path(to, false, layout).is_some())
}

/// The kind of source at `path` (a folder when `folder`), if it is one. The ignore rules are the
/// build's own ([`is_ignored`] on every component), so every file a build reads is watched.
pub fn classify_path(path: &Path, folder: bool, layout: &Layout) -> Option<Changed> {
    if path.starts_with(&layout.output) {
        return None;
    }
    let rel = path.strip_prefix(&layout.root).ok()?;
    let mut components = rel.components();
    let Some(Component::Normal(first)) = components.next() else {
        return None;
    };
    let rest: Vec<&std::ffi::OsStr> = components
        .map(|c| match c {
            Component::Normal(name) => Some(name),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if rest.iter().any(|name| is_ignored(name)) {
        return None;
    }
    let kind = match first.to_str()? {
        FILE_NAME if rest.is_empty() => SourceKind::Config,
        CONTENT_DIR if folder || is_markdown(&rest) => SourceKind::Content,
        CONTENT_DIR => SourceKind::Static,
        "templates" => SourceKind::Template,
        "themes" => SourceKind::Theme,
        _ => return None,
    };
    Some(Changed {
        kind,
        path: rel.to_path_buf(),
    })
}

/// Markdown files are pages or notes; any other file under `content/` is copied as is. (A renamed
/// folder looks like a file here; the session treats any unknown path as a reason to reload.)
fn is_markdown(rest: &[&std::ffi::OsStr]) -> bool {
    rest.last()
        .and_then(|n| n.to_str())
        .is_none_or(|name| name.ends_with(".md") || name.ends_with(".markdown"))
}

fn unknown() -> Changed {
    Changed {
        kind: SourceKind::Unknown,
        path: PathBuf::new(),
    }
}

/// Watches a site's sources and hands out batches of changes. It takes the file system's events as
/// they come (no debouncer in between, which would hold every event for its whole delay) and
/// groups them into batches itself.
pub struct Watcher {
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<Event>>,
    layout: Layout,
    watched: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("layout", &self.layout)
            .field("watched", &self.watched)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// Starts watching the root (for `upnotes.yaml` and new source folders) and every source folder.
    pub fn start(layout: Layout) -> Result<Watcher> {
        let (tx, events) = channel();
        let watcher = notify::recommended_watcher(tx).map_err(|e| watch_error(&layout.root, &e))?;
        let mut watcher = Watcher {
            watcher,
            events,
            layout,
            watched: BTreeSet::new(),
        };
        let root = watcher.layout.root.clone();
        watcher
            .watcher
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(&root, &e))?;
        watcher.watch_source_dirs()?;
        Ok(watcher)
    }

    /// Ignores events under `output` from now on (the config may move the output).
    pub fn set_output(&mut self, output: PathBuf) {
        self.layout.output = output;
    }

    /// Blocks until a source changes, then collects events until the burst is over; `None` when
    /// the watcher stopped.
    pub fn next_batch(&mut self) -> Option<BTreeSet<Changed>> {
        let mut changes = BTreeSet::new();
        let mut saved = false;
        while changes.is_empty() {
            let result = self.events.recv().ok()?;
            saved = self.absorb(result, &mut changes) == Some(true);
        }
        // Only a source change extends the burst: files and folders are opened all the time (the
        // build's own reads, an editor's indexer, `ls` or `git status` in a loop), and if their
        // events counted, a reader that never pauses for the quiet time would hold off every
        // rebuild.
        let cut = Instant::now() + LONGEST;
        let mut quiet_until = Instant::now() + quiet_for(changes.len(), saved);
        loop {
            let left = quiet_until
                .min(cut)
                .saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(result) => {
                    if let Some(saved) = self.absorb(result, &mut changes) {
                        quiet_until = Instant::now() + quiet_for(changes.len(), saved);
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        // A source folder created (or recreated by a checkout) since the last batch needs a watch.
        if self.watch_source_dirs().is_err() {
            changes.insert(unknown());
        }
        Some(changes)
    }

    /// Adds the sources the event touches; `None` when it touched none, else whether it
    /// completed a save.
    fn absorb(
        &self,
        result: notify::Result<Event>,
        changes: &mut BTreeSet<Changed>,
    ) -> Option<bool> {
        match result {
            Ok(event) => {
                let sources = classify(&event, &self.layout);
                if sources.is_empty() {
                    return None;
                }
                changes.extend(sources);
                Some(completes_save(&event, &self.layout))
            }
            Err(_) => {
                changes.insert(unknown());
                Some(false)
            }
        }
    }

    fn watch_source_dirs(&mut self) -> Result<()> {
        for name in SOURCE_DIRS {
            let dir = self.layout.root.join(name);
            if !dir.is_dir() {
                self.watched.remove(&dir);
                continue;
            }
            if self.watched.contains(&dir) {
                continue;
            }
            self.watcher
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(|e| watch_error(&dir, &e))?;
            self.watched.insert(dir);
        }
        Ok(())
    }
}

fn watch_error(path: &Path, e: &notify::Error) -> Error {
    Error::Usage(format!(
        "cannot watch {} for changes: {e}",
        crate::error::display_path(path)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, AccessMode, DataChange, Flag, RenameMode};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn layout() -> Layout {
        Layout {
            root: PathBuf::from("/site"),
            output: PathBuf::from("/site/public"),
        }
    }

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        let mut event = Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from(path));
        }
        event
    }

    fn kinds(kind: EventKind, paths: &[&str]) -> Vec<(SourceKind, String)> {
        classify(&event(kind, paths), &layout())
            .into_iter()
            .map(|c| (c.kind, c.path.to_string_lossy().into_owned()))
            .collect()
    }

    const WRITE: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Content));

    #[test]
    fn sources_are_classified_by_folder_and_extension() {
        assert_eq!(
            kinds(WRITE, &["/site/upnotes.yaml"]),
            [(SourceKind::Config, "upnotes.yaml".into())]
        );
        assert_eq!(
            kinds(WRITE, &["/site/content/g/0.28.x/a.md"]),
            [(SourceKind::Content, "content/g/0.28.x/a.md".into())]
        );
        assert_eq!(
            kinds(WRITE, &["/site/content/images/d.png"]),
            [(SourceKind::Static, "content/images/d.png".into())]
        );
        assert_eq!(
            kinds(WRITE, &["/site/templates/page.html"]),
            [(SourceKind::Template, "templates/page.html".into())]
        );
        assert_eq!(
            kinds(WRITE, &["/site/themes/x/static/s.css"]),
            [(SourceKind::Theme, "themes/x/static/s.css".into())]
        );
    }

    #[test]
    fn reads_output_and_unrelated_files_are_ignored() {
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert!(kinds(read, &["/site/content/a.md"]).is_empty());
        let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
        assert!(kinds(open, &["/site/upnotes.yaml"]).is_empty());
        let atime = EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime));
        assert!(kinds(atime, &["/site/content/a.md"]).is_empty());
        assert!(kinds(WRITE, &["/site/public/index.html"]).is_empty());
        assert!(
            kinds(
                WRITE,
                &["/site/README.md", "/site/target/x", "/elsewhere/a.md"]
            )
            .is_empty()
        );
        assert!(kinds(WRITE, &["/site/upnotes.yaml.bak/x"]).is_empty());
    }

    #[test]
    fn editor_temporary_and_hidden_files_are_ignored() {
        for path in [
            "/site/content/.a.md.swp",
            "/site/content/a.md~",
            "/site/content/#a.md#",
            "/site/content/.#a.md",
            "/site/content/x.tmp",
            "/site/content/.git/HEAD",
            "/site/templates/.page.html.swp",
            "/site/content/.hidden/a.md",
        ] {
            assert!(
                kinds(EventKind::Create(CreateKind::File), &[path]).is_empty(),
                "{path}"
            );
        }
    }

    #[test]
    fn an_atomic_save_is_the_file_it_replaces() {
        // Editors write `x.md.tmp` (ignored) and rename it over `x.md`; the rename names both.
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert_eq!(
            kinds(rename, &["/site/content/x.md.tmp", "/site/content/x.md"]),
            [(SourceKind::Content, "content/x.md".into())]
        );
        let removed = EventKind::Remove(RemoveKind::File);
        assert_eq!(
            kinds(removed, &["/site/content/g/old.md"]),
            [(SourceKind::Content, "content/g/old.md".into())]
        );
    }

    #[test]
    fn only_a_rename_onto_a_source_completes_a_save() {
        let to = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        let both = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let from = EventKind::Modify(ModifyKind::Name(RenameMode::From));
        let done = |kind, paths: &[&str]| completes_save(&event(kind, paths), &layout());
        assert!(done(to, &["/site/content/x.md"]));
        assert!(done(
            both,
            &["/site/content/.x.md.tmp", "/site/content/x.md"]
        ));
        assert!(done(
            both,
            &["/site/content/x.md", "/site/content/images/y.png"]
        ));
        // vim moves the file away to its backup first: the save has only begun.
        assert!(!done(both, &["/site/content/x.md", "/site/content/x.md~"]));
        assert!(!done(from, &["/site/content/x.md"]));
        assert!(!done(WRITE, &["/site/content/x.md"]));
        assert!(!done(
            EventKind::Create(CreateKind::File),
            &["/site/content/x.md"]
        ));
        assert!(!done(to, &["/site/public/x.html"]));
        assert_eq!(quiet_for(1, true), SETTLE);
        assert_eq!(quiet_for(1, false), QUIET);
        assert_eq!(quiet_for(BULK, true), BULK_QUIET);
    }

    #[test]
    fn folders_and_lost_events_are_content_changes() {
        let removed = EventKind::Remove(RemoveKind::Folder);
        assert_eq!(
            kinds(removed, &["/site/content/g/0.29.x"]),
            [(SourceKind::Content, "content/g/0.29.x".into())]
        );
        let overflow = event(EventKind::Other, &[]).set_flag(Flag::Rescan);
        assert_eq!(classify(&overflow, &layout())[0].kind, SourceKind::Unknown);
    }

    #[test]
    fn a_reader_that_never_pauses_does_not_hold_off_the_batch() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().expect("root");
        std::fs::create_dir_all(root.join("content")).expect("mkdir");
        let read: Vec<PathBuf> = (0..20)
            .map(|i| root.join(format!("content/read-{i}.md")))
            .collect();
        for path in &read {
            std::fs::write(path, "read").expect("write");
        }
        let layout = Layout {
            root: root.clone(),
            output: root.join("site"),
        };
        let mut watcher = Watcher::start(layout).expect("watch");
        // Opens one source after the other, each every 5 ms (each open comes through as an event):
        // far more often than the quiet time.
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let until = Instant::now() + Duration::from_secs(20);
                for path in read.iter().cycle() {
                    if stop.load(Ordering::Relaxed) || Instant::now() > until {
                        break;
                    }
                    let _ = std::fs::read(path);
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        std::fs::write(root.join("content/a.md"), "a").expect("write");
        let batch = watcher.next_batch().expect("a batch");
        let waited = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        reader.join().expect("reader");
        assert!(
            batch.contains(&Changed {
                kind: SourceKind::Content,
                path: PathBuf::from("content/a.md"),
            }),
            "{batch:?}"
        );
        assert!(
            waited < Duration::from_secs(5),
            "the batch ended only after {waited:?}, when the reads stopped"
        );
    }

    #[test]
    fn a_steady_stream_of_saves_does_not_hold_off_the_batch() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().expect("root");
        std::fs::create_dir_all(root.join("content")).expect("mkdir");
        let layout = Layout {
            root: root.clone(),
            output: root.join("site"),
        };
        let mut watcher = Watcher::start(layout).expect("watch");
        // Saves a different page every 10 ms, for much longer than a batch may last.
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let until = Instant::now() + Duration::from_secs(20);
                for i in (0..20).cycle() {
                    if stop.load(Ordering::Relaxed) || Instant::now() > until {
                        break;
                    }
                    let _ = std::fs::write(root.join(format!("content/p{i}.md")), "p");
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let started = Instant::now();
        let batch = watcher.next_batch().expect("a batch");
        let waited = started.elapsed();
        let still_writing = !writer.is_finished();
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("writer");
        assert!(batch.len() > 1, "{batch:?}");
        assert!(
            still_writing && waited < Duration::from_secs(10),
            "the batch took {waited:?}: the stream held it until it stopped"
        );
    }
}
