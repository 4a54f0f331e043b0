//! What a build remembers for the next one, so that a build after small edits (or none) renders
//! only the pages whose inputs changed, as `serve` does between rebuilds.
//!
//! Two manifests in `.upnotes/` describe the two folders a build alternates between:
//! `<name>.out.manifest` the output, `<name>.spare.manifest` the spare folder the next build
//! writes into (see [`crate::output::Staging`]). Each lists, per rendered page, the fingerprint of its inputs (see
//! [`crate::serve::fingerprint`]), a hash of its HTML and what the site-wide outputs need of it.
//! A page whose fingerprint is unchanged is not rendered: the spare's copy is kept when its hash
//! says it is the same HTML, else the output's copy is taken (checked against its hash).
//!
//! Anything in doubt renders: another upnotes binary, other build options, other link targets,
//! a page that had warnings (they must be reported again), a file that does not match its hash.
//! `serve` and `watch` swap the folders too and then change the output in place, so they drop
//! both manifests ([`forget`]) and the next build starts afresh.
//! A manifest is one JSON line of its key, then one line per page (see [`Entry`]), written while
//! the build goes (so a large site's entries are never all held twice). It takes its place only
//! once its folder is complete: a build that fails leaves the spare without one, so its files are
//! compared byte for byte again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::build::{Job, RenderOutcome, Reuse};
use crate::error::{Error, Result};
use crate::output::Staging;
use crate::render::RenderedPage;
use crate::serve::fingerprint::Inputs;

include!(concat!(env!("OUT_DIR"), "/renderer_fingerprint.rs"));

/// Bumped when the manifest's layout changes.
const FORMAT: u32 = 6;

/// A manifest's first line: reusable only when equal (format, renderer, build options, link
/// targets).
type Key = (u32, u64, u64);

/// One rendered page: a line of its [`Head`] in JSON, a tab, its outcome in JSON but for the
/// search entries, a tab, then those entries (JSON already: written as they are rather than
/// escaped as one string, which cost more than the rest of the line). serde_json writes no tab
/// outside a string, and a tab in a string as `\t`, so the tabs split the line.
#[derive(Debug, Clone)]
struct Entry {
    head: Head,
    /// What rendering it left (never warnings: a page with warnings is not remembered): the
    /// [`RenderOutcome`] in JSON, a tab, its search entries. It is parsed only for a page that
    /// is kept, while pages render: opening a manifest reads no more than the heads.
    outcome: String,
}

/// Which page a manifest line is about, and what it held.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Head {
    /// Output path.
    rel: String,
    fingerprint: u64,
    /// xxh3 of its HTML.
    html: u64,
}

impl Entry {
    fn parse(line: &str) -> Option<Entry> {
        let (head, outcome) = line.split_once('\t')?;
        Some(Entry {
            head: serde_json::from_str(head).ok()?,
            outcome: outcome.to_string(),
        })
    }

    /// The head alone: what the spare's manifest is needed for (which HTML each file holds).
    fn parse_head(line: &str) -> Option<Head> {
        serde_json::from_str(line.split_once('\t')?.0).ok()
    }
}

/// The lines of the manifest at `path` after its key, when its key is `key`, each read by
/// `parse`. A large site's manifest is megabytes and the build waits for it before rendering, so
/// lines are parsed in parallel, a batch at a time (its text is never all held at once). A line
/// that does not read (a torn end) ends the list.
fn read_lines<T: Send>(path: &Path, key: Key, parse: impl Fn(&str) -> Option<T> + Sync) -> Vec<T> {
    const BATCH: usize = 2048;
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    let mut lines = std::io::BufReader::new(file).lines();
    let first = lines.next().and_then(|l| l.ok());
    if first.and_then(|l| serde_json::from_str::<Key>(&l).ok()) != Some(key) {
        return Vec::new();
    }
    let mut read = Vec::new();
    loop {
        let batch: Vec<String> = lines.by_ref().take(BATCH).map_while(|l| l.ok()).collect();
        let parsed: Vec<Option<T>> = batch.par_iter().map(|l| parse(l)).collect();
        let complete = batch.len() == BATCH && parsed.iter().all(Option::is_some);
        read.extend(parsed.into_iter().map_while(|l| l));
        if !complete {
            return read;
        }
    }
}

/// The reuse of one build: the two folders' manifests, and the next output's, being written.
#[derive(Debug)]
pub struct Warm<'a> {
    inputs: &'a Inputs,
    staging: &'a Staging,
    /// The output's pages by output path.
    output: HashMap<String, Entry>,
    /// The spare's pages: output path -> hash of the HTML.
    spare: HashMap<String, u64>,
    /// The next output's manifest, or `None` once writing it failed.
    next: Mutex<Option<BufWriter<File>>>,
    reused: AtomicUsize,
}

impl<'a> Warm<'a> {
    /// Reads the manifests of `staging`'s folders. `options` stands for every build option that
    /// changes the HTML but is not in the fingerprints.
    pub fn open(inputs: &'a Inputs, staging: &'a Staging, options: u64) -> Warm<'a> {
        let key: Key = (FORMAT, RENDERER_FINGERPRINT ^ options, inputs.targets());
        let (output, spare) = rayon::join(
            || {
                read_lines(&staging.state_file("out.manifest"), key, Entry::parse)
                    .into_iter()
                    .map(|e| (e.head.rel.clone(), e))
                    .collect()
            },
            || {
                read_lines(
                    &staging.state_file("spare.manifest"),
                    key,
                    Entry::parse_head,
                )
                .into_iter()
                .map(|h| (h.rel, h.html))
                .collect()
            },
        );
        // The spare is about to change: its manifest holds only once this build is committed.
        let _ = std::fs::remove_file(staging.state_file("spare.manifest"));
        let next = File::create(staging.state_file("next.manifest"))
            .ok()
            .map(BufWriter::new)
            .and_then(|mut w| {
                let line = serde_json::to_string(&key).ok()?;
                writeln!(w, "{line}").ok().map(|()| w)
            });
        Warm {
            inputs,
            staging,
            output,
            spare,
            next: Mutex::new(next),
            reused: AtomicUsize::new(0),
        }
    }

    /// How many pages were kept from the last build, not rendered.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// Finishes the next output's manifest, to save once the build is committed.
    pub fn finish(self) -> Saved {
        let complete = self
            .next
            .into_inner()
            .ok()
            .flatten()
            .is_some_and(|mut w| w.flush().is_ok());
        Saved {
            next: complete.then(|| self.staging.state_file("next.manifest")),
            out: self.staging.state_file("out.manifest"),
            spare: self.staging.state_file("spare.manifest"),
        }
    }

    /// Adds `entry` to the next output's manifest.
    fn remember(&self, entry: &Entry) {
        let Ok(head) = serde_json::to_string(&entry.head) else {
            return;
        };
        if let Ok(mut next) = self.next.lock() {
            let failed = next
                .as_mut()
                .is_some_and(|w| writeln!(w, "{head}\t{}", entry.outcome).is_err());
            if failed {
                *next = None;
            }
        }
    }

    /// Puts the HTML `entry` describes at `rel` in the folder being written: the spare's copy
    /// when it is the same, else the output's.
    fn place(&self, rel: &str, entry: &Entry) -> bool {
        let spare_same = self.spare.get(rel) == Some(&entry.head.html);
        if spare_same && self.staging.keep(rel).unwrap_or(false) {
            return true;
        }
        let from: PathBuf = self.staging.target().join(rel);
        match std::fs::read(&from) {
            Ok(bytes) if xxhash_rust::xxh3::xxh3_64(&bytes) == entry.head.html => {
                self.staging.write(rel, &bytes).is_ok()
            }
            _ => false,
        }
    }
}

impl Reuse for Warm<'_> {
    fn reuse(&self, job: &Job<'_>) -> Option<RenderOutcome> {
        let rel = job.output();
        let entry = self.output.get(&rel)?;
        if entry.head.fingerprint != self.inputs.fingerprint(job) {
            return None;
        }
        let outcome = parse_outcome(&entry.outcome)?;
        if !self.place(&rel, entry) {
            return None;
        }
        self.remember(entry);
        self.reused.fetch_add(1, Ordering::Relaxed);
        Some(outcome)
    }

    fn holds(&self, page: &RenderedPage) -> Option<bool> {
        let held = self.spare.get(&page.output)?;
        Some(*held == page.html_hash())
    }

    fn rendered(&self, job: &Job<'_>, page: &RenderedPage, outcome: &RenderOutcome) {
        // Warnings are reported by every build: a page with warnings renders every time.
        if !outcome.warnings.is_empty() {
            return;
        }
        let Some(outcome) = outcome_line(outcome) else {
            return;
        };
        let entry = Entry {
            head: Head {
                rel: job.output(),
                fingerprint: self.inputs.fingerprint(job),
                html: page.html_hash(),
            },
            outcome,
        };
        self.remember(&entry);
    }
}

/// `outcome` as a manifest line holds it (see [`Entry`]).
fn outcome_line(outcome: &RenderOutcome) -> Option<String> {
    let mut line = serde_json::to_string(outcome).ok()?;
    line.reserve(1 + outcome.search.len());
    line.push('\t');
    line.push_str(&outcome.search);
    Some(line)
}

/// The outcome a manifest line holds, as [`outcome_line`] wrote it.
fn parse_outcome(line: &str) -> Option<RenderOutcome> {
    let (json, search) = line.split_once('\t')?;
    let mut outcome: RenderOutcome = serde_json::from_str(json).ok()?;
    outcome.search = Arc::from(search);
    Some(outcome)
}

/// Drops the manifests of `staging`'s folders: for `serve` and `watch`, which swap the folders and
/// then rewrite the output in place without keeping them.
pub fn forget(staging: &Staging) {
    for suffix in ["out.manifest", "spare.manifest"] {
        let _ = std::fs::remove_file(staging.state_file(suffix));
    }
}

/// The manifest of a build's output, to save once it is committed.
#[derive(Debug)]
pub struct Saved {
    /// The finished manifest, unless writing it failed.
    next: Option<PathBuf>,
    out: PathBuf,
    spare: PathBuf,
}

impl Saved {
    /// After the commit: the old output is the spare now, and the new output is what this build
    /// rendered or kept.
    pub fn save(self) -> Result<()> {
        if self.out.exists() {
            std::fs::rename(&self.out, &self.spare)
                .map_err(|e| Error::io("cannot rename", &self.out, e))?;
        }
        match self.next {
            Some(next) => {
                std::fs::rename(&next, &self.out).map_err(|e| Error::io("cannot rename", &next, e))
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_line_splits_at_its_two_tabs_whatever_its_strings_hold() {
        let outcome = RenderOutcome {
            url: "a\tb/".to_string(),
            anchors: ["tab\there", "x"].map(String::from).into_iter().collect(),
            warnings: Vec::new(),
            links: Arc::from(vec![(
                crate::error::Position::new(1, 2),
                "x\ty.md".to_string(),
            )]),
            search: Arc::from("[\"tab\\there\"]"),
        };
        let head = Head {
            rel: "a\tb/index.html".to_string(),
            fingerprint: 7,
            html: 9,
        };
        let line = format!(
            "{}\t{}",
            serde_json::to_string(&head).expect("head"),
            outcome_line(&outcome).expect("outcome")
        );
        assert_eq!(line.matches('\t').count(), 2, "{line}");
        let entry = Entry::parse(&line).expect("parses");
        assert_eq!(entry.head.rel, head.rel);
        assert_eq!(Entry::parse_head(&line).expect("head").html, 9);
        let back = parse_outcome(&entry.outcome).expect("outcome");
        assert_eq!(back.url, outcome.url);
        assert_eq!(back.links, outcome.links);
        assert_eq!(back.search, outcome.search);
        assert_eq!(back.anchors, outcome.anchors);
        assert!(Entry::parse("{\"rel\":\"torn").is_none());
    }
}
