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
//! A manifest is written only once its folder is complete: a build that fails leaves the spare
//! without one, so its files are compared byte for byte again.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::build::{Job, RenderOutcome, Reuse};
use crate::error::{Error, Position, Result};
use crate::output::Staging;
use crate::render::RenderedPage;
use crate::serve::fingerprint::Inputs;

include!(concat!(env!("OUT_DIR"), "/renderer_fingerprint.rs"));

/// Bumped when the manifest's layout changes.
const FORMAT: u32 = 1;

/// One folder's pages, as the build that wrote it rendered them.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    /// Reusable only when equal: format, renderer, build options and link targets.
    key: (u32, u64, u64),
    /// By output path.
    pages: HashMap<String, Entry>,
}

/// The spare folder's manifest: only the hash of each page's HTML is needed of it.
#[derive(Debug, Default, Deserialize)]
struct SpareManifest {
    key: (u32, u64, u64),
    pages: HashMap<String, HtmlHash>,
}

#[derive(Debug, Deserialize)]
struct HtmlHash {
    html: u64,
}

/// One rendered page.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    fingerprint: u64,
    /// xxh3 of its HTML.
    html: u64,
    url: String,
    anchors: String,
    links: Vec<(usize, usize, String)>,
    search: Vec<String>,
}

impl Entry {
    fn of(fingerprint: u64, html: &str, outcome: &RenderOutcome) -> Entry {
        Entry {
            fingerprint,
            html: xxhash_rust::xxh3::xxh3_64(html.as_bytes()),
            url: outcome.url.clone(),
            anchors: outcome.anchors.iter().collect::<Vec<_>>().join("\0"),
            links: outcome
                .links
                .iter()
                .map(|(p, to)| (p.line, p.column, to.clone()))
                .collect(),
            search: outcome.search.clone(),
        }
    }

    fn outcome(&self) -> RenderOutcome {
        RenderOutcome {
            url: self.url.clone(),
            anchors: self.anchors.split('\0').map(str::to_string).collect(),
            warnings: Vec::new(),
            links: self
                .links
                .iter()
                .map(|(line, column, to)| (Position::new(*line, *column), to.clone()))
                .collect(),
            search: self.search.clone(),
        }
    }
}

/// The reuse of one build: the two folders' manifests, and the next output's.
#[derive(Debug)]
pub struct Warm<'a> {
    inputs: &'a Inputs,
    staging: &'a Staging,
    key: (u32, u64, u64),
    output: Manifest,
    /// The spare's pages: output path -> hash of the HTML.
    spare: HashMap<String, u64>,
    /// Output paths of the pages kept from the output.
    kept: Mutex<Vec<String>>,
    /// Pages rendered now.
    fresh: Mutex<HashMap<String, Entry>>,
}

impl<'a> Warm<'a> {
    /// Reads the manifests of `staging`'s folders. `options` stands for every build option that
    /// changes the HTML but is not in the fingerprints.
    pub fn open(inputs: &'a Inputs, staging: &'a Staging, options: u64) -> Warm<'a> {
        let key = (FORMAT, RENDERER_FINGERPRINT ^ options, inputs.targets());
        let read = |suffix: &str| std::fs::read(staging.state_file(suffix)).unwrap_or_default();
        let output = serde_json::from_slice::<Manifest>(&read("out.manifest"))
            .ok()
            .filter(|m| m.key == key)
            .unwrap_or_default();
        let spare = serde_json::from_slice::<SpareManifest>(&read("spare.manifest"))
            .ok()
            .filter(|m| m.key == key)
            .map(|m| m.pages.into_iter().map(|(rel, h)| (rel, h.html)).collect())
            .unwrap_or_default();
        // The spare is about to change: its manifest holds only once this build is committed.
        let _ = std::fs::remove_file(staging.state_file("spare.manifest"));
        Warm {
            inputs,
            staging,
            key,
            output,
            spare,
            kept: Mutex::default(),
            fresh: Mutex::default(),
        }
    }

    /// How many pages were kept from the last build, not rendered.
    pub fn reused(&self) -> usize {
        self.kept.lock().map_or(0, |kept| kept.len())
    }

    /// What to save once the build is committed.
    pub fn finish(mut self) -> Saved {
        let mut pages = self.fresh.into_inner().unwrap_or_default();
        for rel in self.kept.into_inner().unwrap_or_default() {
            if let Some(entry) = self.output.pages.remove(&rel) {
                pages.insert(rel, entry);
            }
        }
        Saved {
            out: self.staging.state_file("out.manifest"),
            spare: self.staging.state_file("spare.manifest"),
            manifest: Manifest {
                key: self.key,
                pages,
            },
        }
    }

    /// Puts the HTML `entry` describes at `rel` in the folder being written: the spare's copy
    /// when it is the same, else the output's.
    fn place(&self, rel: &str, entry: &Entry) -> bool {
        let spare_same = self.spare.get(rel) == Some(&entry.html);
        if spare_same && self.staging.keep(rel).unwrap_or(false) {
            return true;
        }
        let from: PathBuf = self.staging.target().join(rel);
        match std::fs::read(&from) {
            Ok(bytes) if xxhash_rust::xxh3::xxh3_64(&bytes) == entry.html => {
                self.staging.write(rel, &bytes).is_ok()
            }
            _ => false,
        }
    }
}

impl Reuse for Warm<'_> {
    fn reuse(&self, job: &Job<'_>) -> Option<RenderOutcome> {
        let rel = job.output();
        let entry = self.output.pages.get(&rel)?;
        if entry.fingerprint != self.inputs.fingerprint(job) || !self.place(&rel, entry) {
            return None;
        }
        self.kept.lock().ok()?.push(rel);
        Some(entry.outcome())
    }

    fn rendered(&self, job: &Job<'_>, page: &RenderedPage, outcome: &RenderOutcome) {
        // Warnings are reported by every build: a page with warnings renders every time.
        if !outcome.warnings.is_empty() {
            return;
        }
        let entry = Entry::of(self.inputs.fingerprint(job), &page.html, outcome);
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(job.output(), entry);
        }
    }
}

/// The manifest of a build's output, to save once it is committed.
#[derive(Debug)]
pub struct Saved {
    out: PathBuf,
    spare: PathBuf,
    manifest: Manifest,
}

impl Saved {
    /// After the commit: the old output is the spare now, and the new output is what this build
    /// rendered or kept.
    pub fn save(self) -> Result<()> {
        if self.out.exists() {
            std::fs::rename(&self.out, &self.spare)
                .map_err(|e| Error::io("cannot rename", &self.out, e))?;
        }
        let mut temp = self.out.clone().into_os_string();
        temp.push(".new");
        let temp = PathBuf::from(temp);
        let failed = |e: std::io::Error| Error::io("cannot write", &temp, e);
        // Streamed: on a large site the manifest is tens of megabytes.
        let mut file = std::io::BufWriter::new(std::fs::File::create(&temp).map_err(failed)?);
        serde_json::to_writer(&mut file, &self.manifest).map_err(|e| failed(e.into()))?;
        file.flush().map_err(failed)?;
        drop(file);
        std::fs::rename(&temp, &self.out).map_err(|e| Error::io("cannot rename", &temp, e))
    }
}
