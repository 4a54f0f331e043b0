//! A persistent, content-addressed cache of highlighted blocks, so a rebuild does not highlight
//! again the code that an earlier build (of any site, in any process) already highlighted.
//!
//! Two files, `highlight-v1.pack` and `highlight-v1.index`, in `$UPNOTES_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/upnotes`, else `~/.cache/upnotes` (`UPNOTES_CACHE_DIR=` with an empty value
//! turns the cache off). They are safe to delete at any time. The pack is a log of records, each a
//! 32-byte header (magic, key, payload length, payload checksum) and the payload: the highlighted
//! block. The index repeats each record's key, place and checksum in 36 fixed bytes, so opening
//! the cache is one read of the index, however large the pack (without it, a process would read
//! every record header before highlighting its first block). The key hashes the
//! highlighter's own fingerprint (its source, grammars and dependency versions, computed when
//! upnotes is compiled), the info string and the code, so a changed highlighter never reads an old
//! block. Records are only ever appended (one `write` each, with `O_APPEND`, so concurrent builds
//! do not interleave); a record that fails its checksum, or a torn last record, is a miss. When the
//! file has grown past `MAX_FILE` it is started over.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use super::HighlightedBlock;

include!(concat!(env!("OUT_DIR"), "/highlighter_fingerprint.rs"));

/// File name of the pack inside the cache folder; the version changes with the record format.
pub const FILE_NAME: &str = "highlight-v1.pack";

/// File name of the pack's index.
pub const INDEX_NAME: &str = "highlight-v1.index";

/// Bytes of one index entry: key, payload offset, payload length, checksum.
const ENTRY_LEN: usize = 36;

/// Past this size the pack is emptied when a process opens it (a 10,000-page site with three
/// blocks a page needs about 100 MiB).
const MAX_FILE: u64 = 1 << 30;

const MAGIC: [u8; 4] = *b"UPH1";
const HEADER_LEN: usize = 32;

/// Where a record's payload sits in the pack.
#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u64,
    len: u32,
    checksum: u64,
}

/// An open pack: the index of the records present when it was opened, and the file to read them
/// from and append to.
#[derive(Debug)]
pub struct Store {
    file: File,
    index_file: File,
    index: ByAddress<Entry>,
    /// Serialises this process's appends (one `write` per record keeps other processes apart).
    append: Mutex<()>,
}

static GLOBAL: LazyLock<Option<Store>> =
    LazyLock::new(|| cache_dir().and_then(|dir| Store::open(&dir).ok()));

/// A map keyed by content addresses ([`key`]). They are xxh3 hashes already, so their low half is
/// the map's hash: hashing them again with SipHash cost more than the lookups themselves, and a
/// large cache's index has hundreds of thousands of them to insert before the first block is read.
pub type ByAddress<V> = HashMap<u128, V, BuildHasherDefault<AddressHasher>>;

/// The [`Hasher`] of [`ByAddress`]: a `u128` key's low 64 bits, as they are.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, address: u128) {
        self.0 = address as u64;
    }

    /// Anything but a `u128` (not used: the maps are keyed by `u128`) is folded in, FNV-style.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Opens the process's pack now, on a thread of its own, while the caller goes on (loading the
/// site): a large cache's index takes a while to read, and the render threads would otherwise
/// wait for it at their first code block. The scope joins the thread, so an index being written
/// again is never cut short by the process's exit.
pub fn open_in<'scope>(scope: &'scope std::thread::Scope<'scope, '_>) {
    scope.spawn(|| {
        global();
    });
}

/// The process's pack, opened on first use; `None` when the cache is off or cannot be opened
/// (then blocks are highlighted as if it were empty).
pub fn global() -> Option<&'static Store> {
    GLOBAL.as_ref()
}

/// The cache folder, from the environment (see the module documentation). Unit tests of the
/// library never touch the user's cache.
pub fn cache_dir() -> Option<PathBuf> {
    if cfg!(test) {
        return None;
    }
    if let Some(dir) = std::env::var_os("UPNOTES_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|dir| dir.join("upnotes"))
}

/// The content address of a block: highlighter fingerprint, styling (the themes it is written
/// for), info string and code.
pub fn key(styling: &str, info: &str, code: &str) -> u128 {
    let mut hasher = Xxh3::new();
    hasher.update(&HIGHLIGHTER_FINGERPRINT.to_le_bytes());
    hasher.update(&(styling.len() as u64).to_le_bytes());
    hasher.update(styling.as_bytes());
    hasher.update(&(info.len() as u64).to_le_bytes());
    hasher.update(info.as_bytes());
    hasher.update(code.as_bytes());
    hasher.digest128()
}

impl Store {
    /// Opens (creating if needed) the pack in `dir` and reads its index.
    pub fn open(dir: &Path) -> std::io::Result<Store> {
        std::fs::create_dir_all(dir)?;
        let options = {
            let mut options = File::options();
            options.read(true).append(true).create(true);
            options
        };
        let file = options.open(dir.join(FILE_NAME))?;
        let index_file = options.open(dir.join(INDEX_NAME))?;
        let size = file.metadata()?.len();
        let index = if size > MAX_FILE {
            trim(&file, 0);
            trim(&index_file, 0);
            ByAddress::default()
        } else {
            let mut bytes = Vec::new();
            (&index_file).read_to_end(&mut bytes)?;
            if bytes.is_empty() && size > 0 {
                rebuild_index(&file, &index_file, size)?
            } else {
                parse_index(&bytes, size)
            }
        };
        Ok(Store {
            file,
            index_file,
            index,
            append: Mutex::new(()),
        })
    }

    /// Number of records indexed when the pack was opened.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the pack held no records when it was opened.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The stored block for `key`, if there is one and it reads back intact.
    pub fn get(&self, key: u128) -> Option<HighlightedBlock> {
        let entry = self.index.get(&key)?;
        let len = entry.len as usize;
        // Read into the vector's spare room: a zeroed buffer would be written twice.
        let mut payload = Vec::with_capacity(len);
        while payload.len() < len {
            let at = entry.offset + payload.len() as u64;
            let spare = rustix::buffer::spare_capacity(&mut payload);
            if rustix::io::pread(&self.file, spare, at).ok()? == 0 {
                return None;
            }
        }
        payload.truncate(len);
        if xxh3_64(&payload) != entry.checksum {
            return None;
        }
        decode(payload)
    }

    /// Appends `block` under `key`. Best effort: a block that cannot be stored is highlighted
    /// again next time.
    pub fn put(&self, key: u128, block: &HighlightedBlock) {
        let payload = encode(block);
        let Ok(len) = u32::try_from(payload.len()) else {
            return;
        };
        let mut record = Vec::with_capacity(HEADER_LEN + payload.len());
        record.extend_from_slice(&MAGIC);
        record.extend_from_slice(&key.to_le_bytes());
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        record.extend_from_slice(&payload);
        // The shared lock tells another process's `open` that an append may be under way.
        if let Ok(_guard) = self.append.lock()
            && self.file.lock_shared().is_ok()
        {
            // With O_APPEND the write lands at the end, wherever other processes left it, and
            // leaves this handle's position just after it: that tells where the payload is.
            let at = (&self.file)
                .write_all(&record)
                .and_then(|()| (&self.file).stream_position());
            if let Ok(end) = at {
                let entry = Entry {
                    offset: end - payload.len() as u64,
                    len,
                    checksum: xxh3_64(&payload),
                };
                let _ = (&self.index_file).write_all(&entry_bytes(key, &entry));
            }
            let _ = self.file.unlock();
        }
    }
}

/// The block at content address `key` (see [`key`]) from the process's pack, if it holds one.
pub(super) fn get(key: u128) -> Option<HighlightedBlock> {
    global()?.get(key)
}

/// Stores `block` at content address `key` in the process's pack, if it has one.
pub(super) fn put(key: u128, block: &HighlightedBlock) {
    if let Some(store) = global() {
        store.put(key, block);
    }
}

/// Cuts the pack to `len` bytes (dropping a torn record, or everything), unless another process
/// is appending right now; then the next open tries again.
fn trim(file: &File, len: u64) {
    if file.try_lock().is_ok() {
        let _ = file.set_len(len);
        let _ = file.unlock();
    }
}

/// One index entry.
fn entry_bytes(key: u128, entry: &Entry) -> [u8; ENTRY_LEN] {
    let mut bytes = [0u8; ENTRY_LEN];
    bytes[..16].copy_from_slice(&key.to_le_bytes());
    bytes[16..24].copy_from_slice(&entry.offset.to_le_bytes());
    bytes[24..28].copy_from_slice(&entry.len.to_le_bytes());
    bytes[28..].copy_from_slice(&entry.checksum.to_le_bytes());
    bytes
}

/// The entries of an index, but those that point past the end of the pack (`size`); a torn last
/// entry is ignored. The first entry for a key wins.
fn parse_index(bytes: &[u8], size: u64) -> ByAddress<Entry> {
    let mut index =
        ByAddress::with_capacity_and_hasher(bytes.len() / ENTRY_LEN, Default::default());
    for chunk in bytes.chunks_exact(ENTRY_LEN) {
        let number = |range: std::ops::Range<usize>| {
            let mut buf = [0u8; 16];
            buf[..range.len()].copy_from_slice(&chunk[range]);
            u128::from_le_bytes(buf)
        };
        let entry = Entry {
            offset: number(16..24) as u64,
            len: number(24..28) as u32,
            checksum: number(28..36) as u64,
        };
        if entry.offset.saturating_add(u64::from(entry.len)) <= size {
            index.entry(number(0..16)).or_insert(entry);
        }
    }
    index
}

/// A pack without an index (the index was deleted): scans the pack, drops a torn tail, and
/// writes the index again.
fn rebuild_index(file: &File, index_file: &File, size: u64) -> std::io::Result<ByAddress<Entry>> {
    let (index, valid) = read_index(file)?;
    if valid < size {
        trim(file, valid);
    }
    let mut bytes = Vec::with_capacity(index.len() * ENTRY_LEN);
    for (key, entry) in &index {
        bytes.extend_from_slice(&entry_bytes(*key, entry));
    }
    let _ = (&*index_file).write_all(&bytes);
    Ok(index)
}

/// Indexes the records of `file` up to the first one that is not whole (a torn append, or bytes
/// that are not a record), and says where that is: everything after it is ignored.
fn read_index(file: &File) -> std::io::Result<(ByAddress<Entry>, u64)> {
    let size = file.metadata()?.len();
    let mut index = ByAddress::default();
    let mut offset = 0u64;
    let mut header = [0u8; HEADER_LEN];
    // One small positioned read per record: a buffered reader would read the payloads too.
    while offset + HEADER_LEN as u64 <= size {
        file.read_exact_at(&mut header, offset)?;
        let (magic, rest) = header.split_at(4);
        let (key, rest) = rest.split_at(16);
        let (len, checksum) = rest.split_at(4);
        let len = u32::from_le_bytes(len.try_into().unwrap_or_default());
        let payload_at = offset + HEADER_LEN as u64;
        if magic != MAGIC || payload_at + u64::from(len) > size {
            break;
        }
        index
            .entry(u128::from_le_bytes(key.try_into().unwrap_or_default()))
            .or_insert(Entry {
                offset: payload_at,
                len,
                checksum: u64::from_le_bytes(checksum.try_into().unwrap_or_default()),
            });
        offset = payload_at + u64::from(len);
    }
    Ok((index, offset))
}

/// Payload: the unknown language's length (u16, `u16::MAX` for none) and bytes, then the HTML.
fn encode(block: &HighlightedBlock) -> Vec<u8> {
    let lang = block.unknown_language.as_deref();
    let lang_len = lang.map_or(u16::MAX, |l| u16::try_from(l.len()).unwrap_or(u16::MAX));
    let lang = lang.filter(|_| lang_len != u16::MAX).unwrap_or_default();
    let mut payload = Vec::with_capacity(2 + lang.len() + block.html.len());
    payload.extend_from_slice(&lang_len.to_le_bytes());
    payload.extend_from_slice(lang.as_bytes());
    payload.extend_from_slice(block.html.as_bytes());
    payload
}

fn decode(mut payload: Vec<u8>) -> Option<HighlightedBlock> {
    let lang_len = u16::from_le_bytes([*payload.first()?, *payload.get(1)?]);
    let (lang, start) = if lang_len == u16::MAX {
        (None, 2)
    } else {
        let end = 2 + usize::from(lang_len);
        let lang = std::str::from_utf8(payload.get(2..end)?).ok()?.to_string();
        (Some(lang), end)
    };
    payload.drain(..start);
    Some(HighlightedBlock {
        html: String::from_utf8(payload).ok()?,
        unknown_language: lang,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(html: &str, lang: Option<&str>) -> HighlightedBlock {
        HighlightedBlock {
            html: html.to_string(),
            unknown_language: lang.map(str::to_string),
        }
    }

    #[test]
    fn addresses_that_share_their_low_half_are_told_apart() {
        let mut map = ByAddress::default();
        let low = 0x0123_4567_89ab_cdef_u128;
        map.insert(low, "one");
        map.insert((1 << 64) | low, "two");
        map.insert(2 << 64, "three");
        assert_eq!(map.get(&low), Some(&"one"));
        assert_eq!(map.get(&((1 << 64) | low)), Some(&"two"));
        assert_eq!(map.get(&(2 << 64)), Some(&"three"));
        assert_eq!(map.get(&((3 << 64) | low)), None);
    }

    #[test]
    fn blocks_stored_by_one_process_are_read_by_the_next() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        assert!(store.is_empty());
        let plain = block("<pre>x = 1</pre>", None);
        let unknown = block("<pre>??</pre>", Some("klingon"));
        store.put(key("*", "python", "x = 1\n"), &plain);
        store.put(key("*", "klingon", "??\n"), &unknown);
        drop(store);

        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.len(), 2);
        assert_eq!(store.get(key("*", "python", "x = 1\n")), Some(plain));
        assert_eq!(store.get(key("*", "klingon", "??\n")), Some(unknown));
        assert_eq!(store.get(key("*", "python,linenos", "x = 1\n")), None);
    }

    #[test]
    fn the_key_separates_info_from_code() {
        assert_ne!(key("*", "py", "thon x"), key("*", "python", " x"));
        assert_ne!(key("*", "python", "x\n"), key("*", "python", "x\r\n"));
        assert_ne!(key("a+b", "python", "x\n"), key("*", "python", "x\n"));
    }

    #[test]
    fn a_damaged_record_is_a_miss_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store.put(1, &block("<pre>first</pre>", None));
        store.put(2, &block("<pre>second</pre>", None));
        drop(store);
        let path = dir.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&path).expect("read");
        // Flip a byte of the first payload, and cut the second record short.
        let first_payload = HEADER_LEN + 2;
        bytes[first_payload] ^= 0x20;
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&path, &bytes).expect("write");

        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.get(1), None, "checksum mismatch must be a miss");
        assert_eq!(store.get(2), None, "torn record must be ignored");
        // A record appended after the torn one is found by the next open; the torn one never.
        store.put(3, &block("<pre>third</pre>", None));
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.get(2), None);
        assert_eq!(store.get(3), Some(block("<pre>third</pre>", None)));
    }

    #[test]
    fn a_deleted_index_is_rebuilt_from_the_pack() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store.put(7, &block("<pre>seven</pre>", None));
        store.put(8, &block("<pre>eight</pre>", Some("x")));
        drop(store);
        std::fs::remove_file(dir.path().join(INDEX_NAME)).expect("rm");
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.get(8), Some(block("<pre>eight</pre>", Some("x"))));
        drop(store);
        let index = std::fs::metadata(dir.path().join(INDEX_NAME)).expect("index");
        assert_eq!(index.len(), 2 * ENTRY_LEN as u64, "written again");
    }

    #[test]
    fn garbage_is_not_a_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(FILE_NAME), vec![0xffu8; 4096]).expect("write");
        let store = Store::open(dir.path()).expect("open");
        assert!(store.is_empty());
        assert_eq!(
            std::fs::metadata(dir.path().join(FILE_NAME))
                .expect("stat")
                .len(),
            0
        );
    }
}
