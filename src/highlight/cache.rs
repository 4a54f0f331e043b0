//! A bounded memo of the blocks this process highlighted, keyed by their content address (the
//! styling, the whole info string and the code, hashed), so a block is highlighted once per process
//! however often it is rendered: notes appear on their guide, their version page and the path
//! view, and `serve` re-renders edited pages whose other blocks did not change. Highlighting is a
//! pure function of the key, so sharing it across threads and rebuilds cannot show stale output.
//!
//! Blocks read from the on-disk store (see `store`) are not kept: reading one again costs less
//! than copying every block of a warm build into the memo, where most are never asked for again.

use std::sync::{LazyLock, Mutex};

use super::HighlightedBlock;
use super::store::ByAddress;

/// Bytes of HTML kept at most; when full the memo starts over, so memory stays bounded.
/// Small, because the on-disk store (see `store`) already answers repeats across pages and builds;
/// this only spares highlighting again a block this process highlighted (a new note shown on three
/// pages, a new block `serve` re-renders), with or without a store.
const BUDGET: usize = 8 << 20;
/// Blocks larger than this are not kept (they would crowd out everything else).
const LARGEST: usize = 256 << 10;

#[derive(Default)]
struct Memo {
    /// By content address ([`super::store::key`]): hashing the code once serves both caches,
    /// and the memo keeps no copy of it.
    blocks: ByAddress<HighlightedBlock>,
    bytes: usize,
}

static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);

/// The memoised block at content address `key`, if there is one.
pub(super) fn get(key: u128) -> Option<HighlightedBlock> {
    MEMO.lock().ok()?.blocks.get(&key).cloned()
}

/// Keeps `block`, just highlighted, at content address `key`.
pub(super) fn insert(key: u128, block: &HighlightedBlock) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_block_is_found_by_its_content_address() {
        let code = "fn memo_test_unique_name() {}\n";
        let key = super::super::store::key("test", "rust-memo-test", code);
        let other = super::super::store::key("test", "rust-memo-test,linenos", code);
        assert_eq!(get(key), None);
        let block = HighlightedBlock {
            html: "<pre>x</pre>".to_string(),
            unknown_language: None,
        };
        insert(key, &block);
        assert_eq!(get(key), Some(block));
        assert_eq!(get(other), None, "another info string is another block");
    }

    #[test]
    fn options_are_part_of_the_key() {
        let a = super::super::highlight_block("python", "x = 1\n");
        let b = super::super::highlight_block("python,linenos", "x = 1\n");
        assert_ne!(a.html, b.html);
    }
}
