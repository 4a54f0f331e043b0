//! A bounded memo of highlighted blocks, keyed by their content address (the styling, the whole
//! info string and the code, hashed), so a block is highlighted once per process however often it
//! is rendered: notes appear on their guide, their version page and the path view, and `serve`
//! re-renders edited pages whose other blocks did not change. Highlighting is a pure function of
//! the key, so sharing it across threads and rebuilds cannot show stale output.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use super::HighlightedBlock;

/// Bytes of HTML kept at most; when full the memo starts over, so memory stays bounded.
/// Small, because the on-disk store (see `store`) already answers repeats across pages and builds;
/// this only spares `serve` the disk for the blocks of the pages it keeps re-rendering.
const BUDGET: usize = 8 << 20;
/// Blocks larger than this are not kept (they would crowd out everything else).
const LARGEST: usize = 256 << 10;

#[derive(Default)]
struct Memo {
    /// By content address ([`super::store::key`]): hashing the code once serves both caches,
    /// and the memo keeps no copy of it.
    blocks: HashMap<u128, HighlightedBlock>,
    bytes: usize,
}

static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);

/// The memoised block for `key` (the block's content address), or `highlight()` run (outside
/// the lock) and kept.
pub(super) fn get_or_insert(
    key: u128,
    highlight: impl FnOnce() -> HighlightedBlock,
) -> HighlightedBlock {
    if let Some(hit) = MEMO
        .lock()
        .ok()
        .and_then(|memo| memo.blocks.get(&key).cloned())
    {
        return hit;
    }
    let block = highlight();
    let size = block.html.len();
    if size <= LARGEST
        && let Ok(mut memo) = MEMO.lock()
    {
        if memo.bytes + size > BUDGET {
            *memo = Memo::default();
        }
        memo.bytes += size;
        memo.blocks.insert(key, block.clone());
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_highlighted_once() {
        let code = "fn memo_test_unique_name() {}\n";
        let mut calls = 0;
        let mut run = || {
            get_or_insert(
                super::super::store::key("test", "rust-memo-test", code),
                || {
                    calls += 1;
                    HighlightedBlock {
                        html: "<pre>x</pre>".to_string(),
                        unknown_language: None,
                    }
                },
            )
        };
        let first = run();
        let second = run();
        assert_eq!(first, second);
        assert_eq!(calls, 1);
    }

    #[test]
    fn options_are_part_of_the_key() {
        let a = super::super::highlight_block("python", "x = 1\n");
        let b = super::super::highlight_block("python,linenos", "x = 1\n");
        assert_ne!(a.html, b.html);
    }
}
