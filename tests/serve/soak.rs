//! A seeded soak: random edits against a running `upnotes serve`, paced like a person and a tool
//! at once (gaps of 0–50 ms, bursts with none, now and then a pause), made every way a file
//! changes: atomic saves, in-place writes, renames, deletes and re-creations, new notes and pages,
//! broken files fixed a few edits later, template, static file and config edits. Rebuilds race the
//! edits on purpose. The server must stay up and keep serving, its memory must stay bounded, and
//! once the edits stop its output must equal a clean build of the final sources.
//!
//! `UPNOTES_SOAK_EDITS` sets the number of edits (default 60, quick enough for every test run;
//! `scripts/soak` runs 1,000), `UPNOTES_SOAK_SEED` the seed (the same seed makes the same edits),
//! and `UPNOTES_SOAK_REPORT` a file to write the figures to.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::client::{PATIENCE, Server, first_status};
use crate::{assert_serves_clean_build, example};

const DEFAULT_EDITS: u64 = 60;
const DEFAULT_SEED: u64 = 20_261_127;
const GUIDE: &str = "content/upgrades";
const AREAS: [&str; 5] = [
    "Mesos Core",
    "Flags",
    "Framework API",
    "Module API",
    "Endpoints",
];
const KINDS: [&str; 6] = ["A", "C", "D", "R", "DC", "AC"];
const TEMPLATE: &str = "templates/soak.html";

/// How often memory is sampled and the server asked for a page.
const SAMPLE_EVERY: usize = 50;

/// Runs also compare with a clean build this often (short ones halfway), so a stale file shows
/// near its cause.
const CHECKPOINT_EVERY: usize = 250;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// SplitMix64: tiny, and the same sequence everywhere for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())].clone())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    AtomicSave,
    InPlaceWrite,
    RenameNote,
    RenamePage,
    Delete,
    Remove,
    NewNote,
    NewPage,
    BadFrontMatter,
    UnknownArea,
    BadVersionFolder,
    Template,
    BrokenTemplate,
    StaticFile,
    Config,
}

/// How often each edit comes up, out of the sum.
const WEIGHTS: [(Op, usize); 15] = [
    (Op::AtomicSave, 24),
    (Op::InPlaceWrite, 14),
    (Op::RenameNote, 8),
    (Op::RenamePage, 4),
    (Op::Delete, 6),
    // About as many removals as additions, so the site keeps its size and memory can be compared
    // over a long run.
    (Op::Remove, 15),
    (Op::NewNote, 8),
    (Op::NewPage, 5),
    (Op::BadFrontMatter, 4),
    (Op::UnknownArea, 3),
    (Op::BadVersionFolder, 2),
    (Op::Template, 4),
    (Op::BrokenTemplate, 1),
    (Op::StaticFile, 4),
    (Op::Config, 1),
];

/// An edit owed for later: a broken file's fix, or a deleted file's return.
#[derive(Debug)]
struct Owed {
    due: usize,
    /// Paths under this prefix are left alone until it is paid (a broken file stays broken).
    guard: Option<String>,
    fix: Fix,
}

#[derive(Debug)]
enum Fix {
    Write { rel: String, text: String },
    Rename { from: String, to: String },
}

/// The edits made so far and what they owe.
struct Soak<'a> {
    root: &'a Path,
    rng: Rng,
    step: usize,
    owed: Vec<Owed>,
    counts: BTreeMap<&'static str, usize>,
}

impl Soak<'_> {
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// A temporary file beside the target (hidden, so the build ignores it), renamed over it.
    fn atomic(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let temp = path.with_file_name(format!(".{name}.soak.tmp"));
        std::fs::write(&temp, text).expect("write temp");
        std::fs::rename(&temp, &path).expect("rename over");
    }

    /// Truncate and write: watchers see the file empty or half written first.
    fn in_place(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn save(&mut self, rel: &str, text: &str) {
        if self.rng.chance(60) {
            self.atomic(rel, text);
        } else {
            self.in_place(rel, text);
        }
    }

    fn rename(&self, from: &str, to: &str) {
        let to_path = self.root.join(to);
        std::fs::create_dir_all(to_path.parent().expect("parent")).expect("mkdir");
        std::fs::rename(self.root.join(from), to_path)
            .unwrap_or_else(|e| panic!("rename {from} -> {to}: {e}"));
    }

    fn guarded(&self, rel: &str) -> bool {
        self.owed
            .iter()
            .filter_map(|o| o.guard.as_deref())
            .any(|g| rel == g || rel.starts_with(&format!("{g}/")))
    }

    /// Markdown sources not being kept broken, sorted (the choices depend on the seed alone).
    fn markdown(&self) -> Vec<String> {
        let mut files: Vec<String> = walkdir::WalkDir::new(self.root.join("content"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(self.root).ok()?.to_str()?.to_string();
                let hidden = e.file_name().to_str().is_none_or(|n| n.starts_with('.'));
                (rel.ends_with(".md") && !hidden && !self.guarded(&rel)).then_some(rel)
            })
            .collect();
        files.sort();
        files
    }

    fn notes(&self) -> Vec<String> {
        self.markdown()
            .into_iter()
            .filter(|rel| rel.matches('/').count() == 3 && rel.starts_with(&format!("{GUIDE}/")))
            .filter(|rel| !rel.ends_with("/_index.md"))
            .collect()
    }

    fn pages(&self) -> Vec<String> {
        self.markdown()
            .into_iter()
            .filter(|rel| !rel.starts_with(&format!("{GUIDE}/")))
            .collect()
    }

    fn versions(&self) -> Vec<String> {
        let mut versions: Vec<String> = std::fs::read_dir(self.root.join(GUIDE))
            .expect("guide folder")
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().to_str().map(|n| format!("{GUIDE}/{n}")))
            .filter(|rel| !self.guarded(rel))
            .collect();
        versions.sort();
        versions
    }

    fn owe(&mut self, guard: Option<String>, fix: Fix, within: usize) {
        let due = self.step + 1 + self.rng.below(within);
        self.owed.push(Owed { due, guard, fix });
    }

    fn pay(&mut self, owed: Owed) {
        match owed.fix {
            Fix::Write { rel, text } => self.save(&rel, &text),
            Fix::Rename { from, to } => self.rename(&from, &to),
        }
        *self.counts.entry("fix or return").or_default() += 1;
    }

    /// One edit: an owed one that is due, or a random one.
    fn edit(&mut self) {
        self.step += 1;
        if let Some(at) = self.owed.iter().position(|o| o.due <= self.step) {
            let owed = self.owed.remove(at);
            self.pay(owed);
            return;
        }
        let total: usize = WEIGHTS.iter().map(|(_, w)| w).sum();
        loop {
            let mut roll = self.rng.below(total);
            let (op, _) = WEIGHTS
                .iter()
                .find(|(_, w)| {
                    if roll < *w {
                        true
                    } else {
                        roll -= w;
                        false
                    }
                })
                .copied()
                .expect("a weight");
            if let Some(name) = self.apply(op) {
                *self.counts.entry(name).or_default() += 1;
                return;
            }
        }
    }

    /// Makes the edit; `None` when it does not apply now (nothing to rename, say).
    fn apply(&mut self, op: Op) -> Option<&'static str> {
        let n = self.step;
        match op {
            Op::AtomicSave | Op::InPlaceWrite => {
                let rel = self.rng.pick(&self.markdown())?;
                let text = format!("{}\nSoak edit {n}.\n", self.read(&rel));
                if op == Op::AtomicSave {
                    self.atomic(&rel, &text);
                    Some("atomic save")
                } else {
                    self.in_place(&rel, &text);
                    Some("in-place write")
                }
            }
            Op::RenameNote => {
                let from = self.rng.pick(&self.notes())?;
                let version = self.rng.pick(&self.versions())?;
                self.rename(&from, &format!("{version}/soak-moved-{n}.md"));
                Some("note renamed")
            }
            Op::RenamePage => {
                let from = self.rng.pick(&self.pages())?;
                let folder = from.rsplit_once('/').map_or("content", |(d, _)| d);
                self.rename(&from, &format!("{folder}/renamed-{n}.md"));
                Some("page renamed")
            }
            Op::Delete | Op::Remove => {
                let mut candidates = self.notes();
                candidates.extend(self.pages());
                let rel = self.rng.pick(&candidates)?;
                let text = self.read(&rel);
                std::fs::remove_file(self.root.join(&rel)).expect("delete");
                if op == Op::Remove {
                    return Some("deleted for good");
                }
                self.owe(None, Fix::Write { rel, text }, 30);
                Some("deleted (returns later)")
            }
            Op::NewNote => {
                let version = self.rng.pick(&self.versions())?;
                let area = self.rng.pick(&AREAS)?;
                let text = self.note(n, area);
                self.save(&format!("{version}/soak-{n}.md"), &text);
                Some("new note")
            }
            Op::NewPage => {
                let text = format!(
                    "---\ntitle: Soak page {n}\n---\n# Soak page {n}\n\nBack to [the start](../index.md).\n"
                );
                self.save(&format!("content/soak/page-{n}.md"), &text);
                Some("new page")
            }
            Op::BadFrontMatter => {
                let mut candidates = self.notes();
                candidates.extend(self.pages());
                let rel = self.rng.pick(&candidates)?;
                let text = self.read(&rel);
                self.save(&rel, "---\ntitle: [unclosed\n---\nBroken.\n");
                self.owe(Some(rel.clone()), Fix::Write { rel, text }, 20);
                Some("broken front matter")
            }
            Op::UnknownArea => {
                let rel = self.rng.pick(&self.notes())?;
                let text = self.read(&rel);
                let broken = self.note(n, &format!("Nowhere {n}"));
                self.save(&rel, &broken);
                self.owe(Some(rel.clone()), Fix::Write { rel, text }, 20);
                Some("unknown area")
            }
            Op::BadVersionFolder => {
                let folder = format!("{GUIDE}/soak-bad-{n}");
                let area = self.rng.pick(&AREAS)?;
                let text = self.note(n, area);
                self.save(&format!("{folder}/stray.md"), &text);
                let fix = Fix::Rename {
                    from: folder.clone(),
                    to: format!("{GUIDE}/9.{n}.0"),
                };
                self.owe(Some(folder), fix, 20);
                Some("bad version folder")
            }
            Op::Template => self.template(n),
            Op::BrokenTemplate => {
                if self.guarded(TEMPLATE) || !self.root.join(TEMPLATE).is_file() {
                    return None;
                }
                let good = self.read(TEMPLATE);
                self.save(
                    TEMPLATE,
                    "{% extends \"base.html\" %}{% block content %}<p>unclosed",
                );
                let fix = Fix::Write {
                    rel: TEMPLATE.to_string(),
                    text: good,
                };
                self.owe(Some(TEMPLATE.to_string()), fix, 10);
                Some("broken template")
            }
            Op::StaticFile => {
                let images = self.root.join("content/images");
                let mut existing: Vec<String> = std::fs::read_dir(&images)
                    .map(|d| {
                        d.filter_map(Result::ok)
                            .filter_map(|e| e.file_name().to_str().map(str::to_string))
                            .filter(|name| name.starts_with("soak-"))
                            .collect()
                    })
                    .unwrap_or_default();
                existing.sort();
                let svg =
                    format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>{n}</text></svg>\n");
                match self.rng.pick(&existing) {
                    Some(name) if self.rng.chance(50) => {
                        self.save(&format!("content/images/{name}"), &svg);
                        Some("static file changed")
                    }
                    Some(name) if self.rng.chance(50) => {
                        std::fs::remove_file(images.join(name)).expect("delete");
                        Some("static file deleted")
                    }
                    _ => {
                        self.save(&format!("content/images/soak-{n}.svg"), &svg);
                        Some("static file added")
                    }
                }
            }
            Op::Config => {
                let text = self.read("upnotes.yaml");
                let toggled = if text.contains("feed: true") {
                    text.replace("feed: true", "feed: false")
                } else {
                    text.replace("feed: false", "feed: true")
                };
                self.atomic("upnotes.yaml", &toggled);
                Some("config")
            }
        }
    }

    /// Creates the site template, then puts pages on it, then edits it.
    fn template(&mut self, n: usize) -> Option<&'static str> {
        if self.guarded(TEMPLATE) {
            return None;
        }
        let text = format!(
            "{{% extends \"base.html\" %}}{{% block content %}}<div class=\"soak-{n}\">{{{{ page.content | safe }}}}</div>{{% endblock content %}}"
        );
        if !self.root.join(TEMPLATE).is_file() || self.rng.chance(50) {
            self.save(TEMPLATE, &text);
            return Some("template edit");
        }
        let page = self.rng.pick(&self.pages())?;
        let body = self.read(&page);
        let rest = body.strip_prefix("---\n")?;
        let (yaml, after) = rest.split_once("\n---")?;
        let yaml: Vec<&str> = yaml.lines().filter(|l| !l.starts_with("layout:")).collect();
        let text = format!("---\n{}\nlayout: soak\n---{after}", yaml.join("\n"));
        self.save(&page, &text);
        Some("page put on the template")
    }

    fn note(&mut self, n: usize, area: &str) -> String {
        let kind = self.rng.pick(&KINDS).unwrap_or("A");
        format!(
            "---\ntitle: Soak note {n}\nchanges:\n  - area: {area}\n    kind: {kind}\n---\nA note written by edit {n}.\n"
        )
    }
}

/// Resident and peak resident memory of a process, in KiB (Linux; `None` elsewhere).
fn memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The RSS of a server started afresh on a copy of the final sources, once it has built them:
/// what the site itself needs, whatever the edits made it grow to.
fn fresh_server_rss(root: &Path) -> Option<u64> {
    let copy = tempfile::tempdir().expect("tempdir");
    std::fs::copy(root.join("upnotes.yaml"), copy.path().join("upnotes.yaml")).expect("config");
    for folder in ["content", "templates"] {
        for entry in walkdir::WalkDir::new(root.join(folder)) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(root).expect("inside");
            let to = copy.path().join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &to)
                    .unwrap_or_else(|e| panic!("copy {}: {e}", rel.display()));
            }
        }
    }
    let server = Server::start(copy.path());
    memory(server.process.pid()).map(|(rss, _)| rss)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "—".to_string(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

/// Repairs everything still owed, then waits for the served site to equal a clean build and for
/// the server to show no error; returns how many edits the repairs took.
fn settle(soak: &mut Soak<'_>, server: &Server) -> usize {
    let owed: Vec<Owed> = std::mem::take(&mut soak.owed);
    let repairs = owed.len();
    for owed in owed {
        soak.pay(owed);
    }
    assert_serves_clean_build(server, soak.root);
    let started = Instant::now();
    loop {
        let status = first_status(&server.addr);
        if status["errors"].is_null() {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the server still shows errors for good sources: {status}\n{}",
            server.process.transcript()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    repairs
}

#[test]
fn soak_random_edits_end_with_what_a_clean_build_writes() {
    let edits =
        usize::try_from(env_number("UPNOTES_SOAK_EDITS", DEFAULT_EDITS)).expect("edit count");
    let seed = env_number("UPNOTES_SOAK_SEED", DEFAULT_SEED);
    let site = example();
    let root = site.path();
    let mut server = Server::start(root);
    let pid = server.process.pid();
    let built = memory(pid);
    // The baseline is taken once the server has rebuilt a while, not after its first build alone.
    let baseline_at = (edits / 2).min(100);
    let mut baseline = None;
    let mut samples = Vec::new();
    let mut soak = Soak {
        root,
        rng: Rng(seed),
        step: 0,
        owed: Vec::new(),
        counts: BTreeMap::new(),
    };
    let sources_at_start = soak.markdown().len();
    let started = Instant::now();
    let mut burst = 0;
    let mut repairs = 0;
    let mut checkpoints = 0;
    let checkpoint_every = CHECKPOINT_EVERY.min(edits / 2).max(1);
    for done in 1..=edits {
        soak.edit();
        // Gaps of 0–50 ms keep the server's batches open (a tool at work); bursts come with none;
        // a pause now and then (a person reading the preview) lets a batch close, so rebuilds
        // start at random points of the edits, not only when they stop.
        let gap = if burst > 0 {
            burst -= 1;
            0
        } else if soak.rng.chance(4) {
            burst = 5 + soak.rng.below(16);
            0
        } else if soak.rng.chance(5) {
            100 + soak.rng.below(401)
        } else {
            soak.rng.below(51)
        };
        std::thread::sleep(Duration::from_millis(u64::try_from(gap).unwrap_or(0)));
        if done.is_multiple_of(SAMPLE_EVERY) || done == baseline_at {
            assert!(
                server.process.is_running(),
                "the server stopped after {done} edits\n{}",
                server.process.transcript()
            );
            let style = server.get(&format!("{}style.css", server.prefix));
            assert_eq!(style.status, 200, "the server answers after {done} edits");
            let sample = memory(pid);
            if done.is_multiple_of(SAMPLE_EVERY) {
                samples.push(sample.map(|(rss, _)| rss));
            }
            if done == baseline_at {
                baseline = sample.map(|(rss, _)| rss);
            }
        }
        if done.is_multiple_of(checkpoint_every) && done < edits {
            repairs += settle(&mut soak, &server);
            checkpoints += 1;
        }
    }
    let editing = started.elapsed();
    repairs += settle(&mut soak, &server);
    let converged = started.elapsed();

    assert!(
        server.process.is_running(),
        "the server stopped\n{}",
        server.process.transcript()
    );
    let transcript = server.process.transcript();
    assert!(!transcript.contains("panicked"), "{transcript}");
    // The lowest of a few samples once the server is idle: what it keeps, not what the last
    // rebuild or request had in hand at that instant.
    let end = (0..5)
        .filter_map(|_| {
            std::thread::sleep(Duration::from_millis(200));
            memory(pid)
        })
        .min_by_key(|(rss, _)| *rss);
    // The edits may leave the site bigger than they found it; a server started afresh on the
    // final sources tells what the site itself needs.
    let fresh = fresh_server_rss(root);
    let series: Vec<String> = samples
        .iter()
        .map(|kib| kib.map_or_else(|| "—".to_string(), |k| format!("{:.0}", k as f64 / 1024.0)))
        .collect();
    let sources_at_end = soak.markdown().len();
    if let (Some(base), Some((end_rss, _))) = (baseline, end) {
        let allowed = 2 * base.max(fresh.unwrap_or(0));
        assert!(
            end_rss < allowed,
            "memory grew to {end_rss} KiB after {edits} edits, from {base} KiB after {baseline_at}; \
             a fresh server on the final sources needs {fresh:?} KiB; \
             samples every {SAMPLE_EVERY} edits (MiB): {series:?}"
        );
    }
    let rebuilds = server.process.rebuilds();
    let failed = rebuilds
        .iter()
        .filter(|l| l.starts_with("rebuild failed"))
        .count();
    assert!(rebuilds.len() > 1, "the edits caused rebuilds");

    let peak_sample = samples.iter().flatten().copied().max();
    let kinds: Vec<String> = soak
        .counts
        .iter()
        .map(|(name, count)| format!("{name} {count}"))
        .collect();
    let report = format!(
        "| what | figure |\n|---|---|\n\
         | seed | {seed} |\n\
         | edits | {edits} random, plus {repairs} fixes and returns made before a comparison |\n\
         | comparisons with a clean build | {} (every {checkpoint_every} edits, and at the end) |\n\
         | edits by kind | {} |\n\
         | Markdown sources at the start / end | {sources_at_start} / {} |\n\
         | rebuilds | {} ({} good; {failed} failed on a file broken or caught half written) |\n\
         | editing time | {:.1} s |\n\
         | from the first edit until the last comparison passed | {:.1} s |\n\
         | RSS after the first build | {} |\n\
         | RSS after {baseline_at} edits | {} |\n\
         | RSS peak (the samples and the kernel's high-water mark) | {} |\n\
         | RSS at the end (lowest of 5 samples over 1 s, once idle) | {} |\n\
         | RSS of a fresh server on the final sources | {} |\n\
         | RSS every {SAMPLE_EVERY} edits (MiB) | {} |\n\
         | server up at the end, output equals a clean build | yes |\n",
        checkpoints + 1,
        kinds.join(", "),
        sources_at_end,
        rebuilds.len(),
        rebuilds.len() - failed,
        editing.as_secs_f64(),
        converged.as_secs_f64(),
        mib(built.map(|(rss, _)| rss)),
        mib(baseline),
        mib(peak_sample.max(end.map(|(_, hwm)| hwm))),
        mib(end.map(|(rss, _)| rss)),
        mib(fresh),
        series.join(", "),
    );
    eprintln!("{report}");
    if let Some(path) = std::env::var_os("UPNOTES_SOAK_REPORT") {
        std::fs::write(path, &report).expect("write the report");
    }
}
