//! A per-thread memo of highlighted lines.
//!
//! Code in documentation repeats itself line by line far more than block by block: closing
//! braces, blank lines, `import json`, `set -euo pipefail`, `syntax = "proto3";`, the same
//! decorator or shebang on every page. A line's HTML and the parser state after it depend only on
//! the line's text and the state before it (syntect's [`ParseState`], the scope stack and which of
//! its scopes have a span open, the syntax set, the styling, and whether the line is wrapped), so
//! when all of those are equal to a line seen before, the earlier result is replayed instead of
//! running the grammar's regexes again. Equality is checked in full, never by hash alone, so a
//! replayed line is exactly what highlighting it again would give. (With the Oniguruma backend, a
//! state that holds captured text, such as a heredoc's end word, compares its capture positions
//! by address: such a state never equals another, and its lines are always highlighted again.)
//!
//! Memory is bounded per thread: two generations of at most [`GENERATION_BUDGET`] bytes each.
//! When the current one is full it becomes the previous one and the older entries are dropped; a
//! hit in the previous generation moves the entry forward, so lines that keep coming back stay.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use syntect::parsing::{ParseState, SyntaxSet};
use xxhash_rust::xxh3::Xxh3;

use super::spans::Spans;

/// Bytes of one generation (approximate: text, HTML and the states' stacks).
const GENERATION_BUDGET: usize = 1 << 20;

/// Lines longer than this are not kept: long lines rarely repeat and would crowd out short ones.
const LONGEST_LINE: usize = 512;

/// Entries kept under one hash (the same line in different parser states).
const BUCKET: usize = 8;

/// Hashes of lines seen once kept at most (16 bytes each, with the table's overhead).
const SEEN_LIMIT: usize = 1 << 16;

/// Rough bytes per level of a parser state or scope stack, for the budget.
const BYTES_PER_LEVEL: usize = 96;

/// Turns the line memo on or off for the calling thread (on by default). Output is the same
/// either way; benchmarks turn it off to measure the grammars themselves.
pub fn set_enabled(enabled: bool) {
    ENABLED.with(|on| on.set(enabled));
}

/// Where a line is highlighted: everything besides the parser state and spans that decides its
/// HTML.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place<'a> {
    pub set: &'a SyntaxSet,
    pub balanced: bool,
    pub line: &'a str,
}

impl Place<'_> {
    fn hash(&self, spans: &Spans) -> u64 {
        let mut hasher = Xxh3::new();
        (std::ptr::from_ref(self.set) as usize).hash(&mut hasher);
        self.balanced.hash(&mut hasher);
        self.line.hash(&mut hasher);
        spans.hash_into(&mut hasher);
        hasher.finish()
    }
}

/// One highlighted line: what it started from and what it gave.
struct Entry {
    set: usize,
    balanced: bool,
    line: Box<str>,
    state: ParseState,
    spans: Spans,
    html: Box<str>,
    state_after: ParseState,
    spans_after: Spans,
}

impl Entry {
    fn matches(&self, place: &Place<'_>, state: &ParseState, spans: &Spans) -> bool {
        self.set == std::ptr::from_ref(place.set) as usize
            && self.balanced == place.balanced
            && *self.line == *place.line
            && self.spans.same_as(spans)
            && self.state == *state
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<Entry>()
            + self.line.len()
            + self.html.len()
            + BYTES_PER_LEVEL * (self.spans.depth() + self.spans_after.depth())
    }
}

#[derive(Default)]
struct Memo {
    current: HashMap<u64, Vec<Entry>>,
    previous: HashMap<u64, Vec<Entry>>,
    bytes: usize,
    /// Hashes of the places seen once: a line is kept the second time it comes, so the many
    /// lines that never repeat (a field with its own name) cost eight bytes, not an entry.
    seen: HashSet<u64>,
}

impl Memo {
    /// The matching entry, moved into the current generation when it was in the previous one (an
    /// entry's bytes count once per generation, however often it is replayed).
    fn find(
        &mut self,
        hash: u64,
        place: &Place<'_>,
        state: &ParseState,
        spans: &Spans,
    ) -> Option<&Entry> {
        let matching =
            |bucket: &Vec<Entry>| bucket.iter().position(|e| e.matches(place, state, spans));
        if let Some(at) = self.current.get(&hash).and_then(matching) {
            return self.current.get(&hash).map(|bucket| &bucket[at]);
        }
        let bucket = self.previous.get_mut(&hash)?;
        let entry = bucket.swap_remove(matching(bucket)?);
        if bucket.is_empty() {
            self.previous.remove(&hash);
        }
        self.keep(hash, entry);
        self.current.get(&hash).and_then(|bucket| bucket.last())
    }

    /// Whether a line at this place was seen before (and notes that it now was).
    fn seen_before(&mut self, hash: u64) -> bool {
        if self.seen.len() >= SEEN_LIMIT {
            self.seen.clear();
        }
        !self.seen.insert(hash)
    }

    /// Keeps `entry` in the current generation (new, or out of the previous one).
    fn keep(&mut self, hash: u64, entry: Entry) {
        let size = entry.bytes();
        if self.bytes + size > GENERATION_BUDGET {
            self.previous = std::mem::take(&mut self.current);
            self.bytes = 0;
            self.seen.clear();
        }
        self.bytes += size;
        let bucket = self.current.entry(hash).or_default();
        if bucket.len() >= BUCKET {
            bucket.remove(0);
        }
        bucket.push(entry);
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
    static ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Highlights one line at `place` into `out`, moving `state` and `spans` past it: from the memo
/// when the same line was highlighted from the same state before, else by `highlight`, whose
/// result is then remembered. An error from `highlight` is returned and nothing is remembered.
pub(super) fn highlight(
    place: Place<'_>,
    state: &mut ParseState,
    spans: &mut Spans,
    out: &mut String,
    highlight: impl FnOnce(&mut ParseState, &mut Spans, &mut String) -> Result<(), syntect::Error>,
) -> Result<(), syntect::Error> {
    if place.line.len() > LONGEST_LINE || !ENABLED.with(Cell::get) {
        return highlight(state, spans, out);
    }
    let hash = place.hash(spans);
    let replayed = MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        let Some(entry) = memo.find(hash, &place, state, spans) else {
            return false;
        };
        out.push_str(&entry.html);
        state.clone_from(&entry.state_after);
        spans.clone_from(&entry.spans_after);
        true
    });
    if replayed {
        return Ok(());
    }
    if !MEMO.with(|memo| memo.borrow_mut().seen_before(hash)) {
        return highlight(state, spans, out);
    }
    let (state_before, spans_before) = (state.clone(), spans.clone());
    let start = out.len();
    highlight(state, spans, out)?;
    let entry = Entry {
        set: std::ptr::from_ref(place.set) as usize,
        balanced: place.balanced,
        line: place.line.into(),
        state: state_before,
        spans: spans_before,
        html: out[start..].into(),
        state_after: state.clone(),
        spans_after: spans.clone(),
    };
    MEMO.with(|memo| memo.borrow_mut().keep(hash, entry));
    Ok(())
}

/// Entries in this thread's memo, both generations (for tests).
#[cfg(test)]
pub(super) fn entries() -> usize {
    MEMO.with(|memo| {
        let memo = memo.borrow();
        memo.current
            .values()
            .chain(memo.previous.values())
            .map(Vec::len)
            .sum()
    })
}
