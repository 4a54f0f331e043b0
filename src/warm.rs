//! What a build remembers for the next one, so that a build after small edits (or none) renders
//! only the pages whose inputs changed, as `serve` does between rebuilds.
//!
//! Two manifests in `.upnotes/` describe the two folders a build alternates between:
//! `<name>.out.manifest` the output, `<name>.spare.manifest` the spare folder the next build
//! writes into (see [`crate::output::Staging`]). Each lists, per rendered page, the fingerprint of its inputs (see
//! [`crate::serve::fingerprint`]), a hash of its HTML and what the site-wide outputs need of it.
//! A page whose fingerprint is unchanged is not rendered: the spare's copy is kept when the
//! manifest's hash says it is the same HTML and its bytes agree (a hand may have changed the
//! output since, and that folder is the next build's spare), else the output's copy is taken
//! (checked against its hash too).
//!
//! Anything in doubt renders: another upnotes binary, other build options, other link targets,
//! a page that had warnings (they must be reported again), a file that does not match its hash.
//! `serve` and `watch` swap the folders too and then change the output in place, so they drop
//! both manifests ([`forget`]) and the next build starts afresh.
//! A manifest is two files written while the build goes (so a large site's entries are never all
//! held twice): its heads (`.manifest`: a JSON line of its key, then a line per page, see `Head`)
//! and its pages' outcomes (`.outcomes`), which a head points into. Opening one reads only the
//! heads, a tenth of its size; an outcome is read when its page is kept. The spare's needs only its
//! heads. A manifest takes its place only once its folder is complete: a build that fails leaves
//! the spare without one, so its files are compared byte for byte again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::build::{Job, RenderOutcome, Reuse};
use crate::error::{Error, Result};
use crate::output::Staging;
use crate::render::RenderedPage;
use crate::serve::fingerprint::Inputs;

include!(concat!(env!("OUT_DIR"), "/renderer_fingerprint.rs"));

/// Bumped when the manifest's layout changes.
const FORMAT: u32 = 7;

/// A manifest's first line: reusable only when equal (format, renderer, build options, link
/// targets).
type Key = (u32, u64, u64);

/// One rendered page in a manifest's heads: which page, what it held, and where its outcome is.
/// A line of five hexadecimal numbers (fingerprint, HTML hash, and the outcome's offset, length
/// and hash), each followed by a tab, then the output path up to the line's end: a tenth of the
/// time serde_json took to read the same as an object. A page whose path holds a line break is
/// not remembered (it renders every time).
#[derive(Debug, Clone, PartialEq)]
struct Head {
    /// Output path.
    rel: String,
    fingerprint: u64,
    /// xxh3 of its HTML.
    html: u64,
    /// Its outcome in the outcomes file.
    outcome: Place,
}

/// Where a page's outcome is in a manifest's outcomes file: what rendering it left (never
/// warnings: a page with warnings is not remembered), as [`outcome_line`] writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    at: u64,
    len: u64,
    /// xxh3 of the bytes: an outcomes file that is not the one the heads were written with (a
    /// crash between two renames) reads as a miss, not as another page's outcome.
    checksum: u64,
}

impl Head {
    /// The head's line, `None` for a path that cannot be one.
    fn line(&self) -> Option<String> {
        if self.rel.contains(['\n', '\r']) {
            return None;
        }
        let Place { at, len, checksum } = self.outcome;
        let (fingerprint, html, rel) = (self.fingerprint, self.html, &self.rel);
        Some(format!(
            "{fingerprint:x}\t{html:x}\t{at:x}\t{len:x}\t{checksum:x}\t{rel}\n"
        ))
    }

    /// Reads a line [`Head::line`] wrote, its line break included (a torn last line has none).
    fn parse(line: &str) -> Option<Head> {
        let mut fields = line.strip_suffix('\n')?.splitn(6, '\t');
        let mut hex = || u64::from_str_radix(fields.next()?, 16).ok();
        let (fingerprint, html) = (hex()?, hex()?);
        let outcome = Place {
            at: hex()?,
            len: hex()?,
            checksum: hex()?,
        };
        let rel = fields.next().filter(|rel| !rel.contains('\r'))?.to_string();
        Some(Head {
            rel,
            fingerprint,
            html,
            outcome,
        })
    }
}

/// The heads of the manifest at `path`, when its key is `key`. A line that does not read (a torn
/// end) ends the list.
fn read_heads(path: &Path, key: Key) -> Vec<Head> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut lines = text.split_inclusive('\n');
    let first = lines
        .next()
        .and_then(|l| serde_json::from_str::<Key>(l).ok());
    if first != Some(key) {
        return Vec::new();
    }
    lines.map_while(Head::parse).collect()
}

/// The next output's manifest, being written.
#[derive(Debug)]
struct Next {
    heads: BufWriter<File>,
    outcomes: BufWriter<File>,
    /// Bytes written to `outcomes` so far.
    outcomes_len: u64,
}

impl Next {
    fn create(staging: &Staging, key: Key) -> Option<Next> {
        let create = |suffix| File::create(staging.state_file(suffix)).ok();
        let mut heads = BufWriter::new(create("next.manifest")?);
        let outcomes = BufWriter::new(create("next.outcomes")?);
        let line = serde_json::to_string(&key).ok()?;
        writeln!(heads, "{line}").ok()?;
        Some(Next {
            heads,
            outcomes,
            outcomes_len: 0,
        })
    }

    /// Appends a page's outcome, then its head pointing at it.
    fn append(&mut self, mut head: Head, outcome: &[u8]) -> std::io::Result<()> {
        head.outcome.at = self.outcomes_len;
        let Some(line) = head.line() else {
            return Ok(());
        };
        self.outcomes.write_all(outcome)?;
        self.outcomes_len += outcome.len() as u64;
        self.heads.write_all(line.as_bytes())
    }

    fn flush(mut self) -> std::io::Result<()> {
        self.outcomes.flush()?;
        self.heads.flush()
    }
}

/// The reuse of one build: the two folders' manifests, and the next output's, being written.
#[derive(Debug)]
pub struct Warm<'a> {
    inputs: &'a Inputs,
    staging: &'a Staging,
    /// The output's pages by output path.
    output: HashMap<String, Head>,
    /// The output's outcomes file, read from for the pages kept, and its length.
    outcomes: Option<(File, u64)>,
    /// The spare's pages: output path -> hash of the HTML.
    spare: HashMap<String, u64>,
    /// The next output's manifest, or `None` once writing it failed.
    next: Mutex<Option<Next>>,
    reused: AtomicUsize,
}

impl<'a> Warm<'a> {
    /// Reads the manifests of `staging`'s folders. `options` stands for every build option that
    /// changes the HTML but is not in the fingerprints.
    pub fn open(inputs: &'a Inputs, staging: &'a Staging, options: u64) -> Warm<'a> {
        let key: Key = (FORMAT, RENDERER_FINGERPRINT ^ options, inputs.targets());
        let (output, spare) = rayon::join(
            || read_heads(&staging.state_file("out.manifest"), key),
            || read_heads(&staging.state_file("spare.manifest"), key),
        );
        let outcomes = File::open(staging.state_file("out.outcomes"))
            .and_then(|file| file.metadata().map(|m| (file, m.len())))
            .ok();
        // The spare is about to change: its manifest holds only once this build is committed.
        let _ = std::fs::remove_file(staging.state_file("spare.manifest"));
        Warm {
            inputs,
            staging,
            output: output.into_iter().map(|h| (h.rel.clone(), h)).collect(),
            outcomes,
            spare: spare.into_iter().map(|h| (h.rel, h.html)).collect(),
            next: Mutex::new(Next::create(staging, key)),
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
            .is_some_and(|next| next.flush().is_ok());
        Saved {
            next: complete.then(|| {
                (
                    self.staging.state_file("next.manifest"),
                    self.staging.state_file("next.outcomes"),
                )
            }),
            out: self.staging.state_file("out.manifest"),
            out_outcomes: self.staging.state_file("out.outcomes"),
            spare: self.staging.state_file("spare.manifest"),
        }
    }

    /// Adds a page to the next output's manifest: the page at output path `rel`, the
    /// fingerprint of its inputs, the hash of its HTML and its `outcome` line.
    fn remember(&self, rel: String, fingerprint: u64, html: u64, outcome: &str) {
        let head = Head {
            rel,
            fingerprint,
            html,
            // Where it goes is known once the lock is held (see `Next::append`).
            outcome: Place {
                at: 0,
                len: outcome.len() as u64,
                checksum: xxhash_rust::xxh3::xxh3_64(outcome.as_bytes()),
            },
        };
        if let Ok(mut next) = self.next.lock() {
            let failed = next
                .as_mut()
                .is_some_and(|w| w.append(head, outcome.as_bytes()).is_err());
            if failed {
                *next = None;
            }
        }
    }

    /// The outcome line of a page of the output's manifest, read back and checked.
    fn outcome_of(&self, head: &Head) -> Option<String> {
        use std::os::unix::fs::FileExt;
        let Place { at, len, checksum } = head.outcome;
        let (file, file_len) = self.outcomes.as_ref()?;
        // A damaged head must not ask for more memory than the file could fill.
        if at.checked_add(len)? > *file_len {
            return None;
        }
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        file.read_exact_at(&mut bytes, at).ok()?;
        if xxhash_rust::xxh3::xxh3_64(&bytes) != checksum {
            return None;
        }
        String::from_utf8(bytes).ok()
    }

    /// Puts the HTML `head` describes at `rel` in the folder being written: the spare's copy
    /// when it is the same, else the output's.
    fn place(&self, rel: &str, head: &Head) -> bool {
        let spare_same = self.spare.get(rel) == Some(&head.html);
        if spare_same
            && self
                .staging
                .keep_if_holding(rel, head.html)
                .unwrap_or(false)
        {
            return true;
        }
        let from: PathBuf = self.staging.target().join(rel);
        match std::fs::read(&from) {
            Ok(bytes) if xxhash_rust::xxh3::xxh3_64(&bytes) == head.html => {
                self.staging.write(rel, &bytes).is_ok()
            }
            _ => false,
        }
    }
}

impl Reuse for Warm<'_> {
    fn reuse(&self, job: &Job<'_>) -> Option<RenderOutcome> {
        let rel = job.output();
        let head = self.output.get(&rel)?;
        if head.fingerprint != self.inputs.fingerprint(job) {
            return None;
        }
        let line = self.outcome_of(head)?;
        let outcome = parse_outcome(&line)?;
        if !self.place(&rel, head) {
            return None;
        }
        self.remember(rel, head.fingerprint, head.html, &line);
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
        let Some(line) = outcome_line(outcome) else {
            return;
        };
        let fingerprint = self.inputs.fingerprint(job);
        self.remember(job.output(), fingerprint, page.html_hash(), &line);
    }
}

/// `outcome` as a manifest's outcomes file holds it: the [`RenderOutcome`] in JSON but for the
/// search entries, a tab, then those entries (JSON already: written as they are rather than
/// escaped as one string, which cost more than the rest). serde_json writes no tab outside a
/// string, and a tab in a string as `\t`, so the tab splits the line.
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
    for suffix in ["out.manifest", "out.outcomes", "spare.manifest"] {
        let _ = std::fs::remove_file(staging.state_file(suffix));
    }
}

/// The manifest of a build's output, to save once it is committed.
#[derive(Debug)]
pub struct Saved {
    /// The finished manifest's heads and outcomes, unless writing them failed.
    next: Option<(PathBuf, PathBuf)>,
    out: PathBuf,
    out_outcomes: PathBuf,
    spare: PathBuf,
}

impl Saved {
    /// After the commit: the old output is the spare now (whose manifest needs only its heads),
    /// and the new output is what this build rendered or kept.
    pub fn save(self) -> Result<()> {
        let rename = |from: &Path, to: &Path| {
            std::fs::rename(from, to).map_err(|e| Error::io("cannot rename", from, e))
        };
        if self.out.exists() {
            rename(&self.out, &self.spare)?;
        }
        match self.next {
            Some((heads, outcomes)) => {
                rename(&outcomes, &self.out_outcomes)?;
                rename(&heads, &self.out)
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_line_splits_at_its_tab_whatever_its_strings_hold() {
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
        let line = outcome_line(&outcome).expect("outcome");
        assert_eq!(line.matches('\t').count(), 1, "{line}");
        let back = parse_outcome(&line).expect("outcome");
        assert_eq!(back.url, outcome.url);
        assert_eq!(back.links, outcome.links);
        assert_eq!(back.search, outcome.search);
        assert_eq!(back.anchors, outcome.anchors);
    }

    #[test]
    fn a_head_reads_back_whole_and_a_torn_or_unwritable_one_does_not() {
        let head = Head {
            rel: "a\tb c/index.html".to_string(),
            fingerprint: u64::MAX,
            html: 0,
            outcome: Place {
                at: 1 << 40,
                len: 17,
                checksum: 0xdead_beef,
            },
        };
        let line = head.line().expect("a line");
        assert_eq!(Head::parse(&line), Some(head.clone()));
        for cut in 0..line.len() {
            assert_eq!(Head::parse(&line[..cut]), None, "{:?}", &line[..cut]);
        }
        for rel in ["a\nb/index.html", "a\rb/index.html"] {
            let head = Head {
                rel: rel.to_string(),
                ..head.clone()
            };
            assert_eq!(head.line(), None, "{rel:?}");
        }
        assert_eq!(Head::parse("1\t2\tx\t4\t5\tindex.html\n"), None);
    }
}
