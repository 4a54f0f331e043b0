//! What the render pass leaves for the site-wide steps after it, out of memory.
//!
//! Every page's links (for link checking) and search entries (for the search index) are only read
//! once all pages are rendered, and together they are most of what a rendered page leaves behind:
//! about a kilobyte a page, against a hundred bytes for its URL and anchors. Rather than holding
//! them for the whole site, each render job appends them to an unnamed scratch file as soon as the
//! page is done, and keeps only where they are ([`Record`]). The file has no name (it is unlinked
//! as it is created), so nothing is left behind whatever happens to the process; it lives in the
//! output's `.upnotes/` folder when there is one, so it is on the disk, not in a RAM-backed `/tmp`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

use crate::error::Position;
use crate::links::Found;
use crate::output::Parts;

/// Where one piece of data sits in the scratch file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    at: u64,
    len: u32,
}

impl Record {
    /// Its length in bytes.
    pub fn len(self) -> u64 {
        u64::from(self.len)
    }

    /// Whether it holds no bytes.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// The scratch file while pages are being rendered: render jobs append to it from every thread.
#[derive(Debug)]
pub struct Spill {
    writer: Mutex<Writer>,
}

#[derive(Debug)]
struct Writer {
    file: BufWriter<File>,
    len: u64,
}

impl Spill {
    /// An empty scratch file in `dir`, or in the system's temporary folder.
    pub fn new(dir: Option<&Path>) -> std::io::Result<Spill> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        Ok(Spill {
            writer: Mutex::new(Writer {
                file: BufWriter::with_capacity(1 << 16, file),
                len: 0,
            }),
        })
    }

    /// Appends `bytes`; returns where they are.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<Record> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| std::io::Error::other("a page's data is larger than 4 GiB"))?;
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("a render job failed while writing"))?;
        writer.file.write_all(bytes)?;
        let at = writer.len;
        writer.len += u64::from(len);
        Ok(Record { at, len })
    }

    /// Ends the writing: what was put can now be read.
    pub fn finish(self) -> std::io::Result<Spilled> {
        let writer = self
            .writer
            .into_inner()
            .map_err(|_| std::io::Error::other("a render job failed while writing"))?;
        let file = writer.file.into_inner().map_err(|e| e.into_error())?;
        Ok(Spilled { file })
    }
}

/// The scratch file once written: records are read back from any thread.
#[derive(Debug)]
pub struct Spilled {
    file: File,
}

impl Spilled {
    /// The bytes of `record`.
    pub fn get(&self, record: Record) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; record.len as usize];
        self.file.read_exact_at(&mut bytes, record.at)?;
        Ok(bytes)
    }

    /// `records` joined as one file: `prefix`, the records with `separator` between them, and
    /// `suffix`, read one record at a time (see [`Parts`]). Empty records are left out.
    pub fn joined<'a>(
        &'a self,
        records: &'a [Record],
        [prefix, separator, suffix]: [&'a [u8]; 3],
    ) -> Joined<'a> {
        Joined {
            spilled: self,
            records,
            prefix,
            separator,
            suffix,
        }
    }
}

/// Records of a [`Spilled`] file joined with a prefix, separators and a suffix.
#[derive(Debug)]
pub struct Joined<'a> {
    spilled: &'a Spilled,
    records: &'a [Record],
    prefix: &'a [u8],
    separator: &'a [u8],
    suffix: &'a [u8],
}

impl Joined<'_> {
    fn non_empty(&self) -> impl Iterator<Item = Record> + '_ {
        self.records.iter().copied().filter(|r| !r.is_empty())
    }
}

impl Parts for Joined<'_> {
    fn byte_len(&self) -> u64 {
        let count = self.non_empty().count() as u64;
        let records: u64 = self.non_empty().map(Record::len).sum();
        let between = count.saturating_sub(1) * self.separator.len() as u64;
        (self.prefix.len() + self.suffix.len()) as u64 + records + between
    }

    fn each(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        each(self.prefix)?;
        for (i, record) in self.non_empty().enumerate() {
            if i > 0 {
                each(self.separator)?;
            }
            each(&self.spilled.get(record)?)?;
        }
        each(self.suffix)
    }
}

/// Content pages' links in a [`Spilled`] file, by page URL (each page's list as JSON).
#[derive(Debug)]
pub struct Links<'a> {
    spilled: &'a Spilled,
    by_url: HashMap<String, Record>,
}

impl<'a> Links<'a> {
    /// The links of the pages in `by_url`, read from `spilled`.
    pub fn new(spilled: &'a Spilled, by_url: HashMap<String, Record>) -> Self {
        Links { spilled, by_url }
    }

    /// `links` as a page's record holds them.
    pub fn encode(links: &[(Position, String)]) -> Vec<u8> {
        serde_json::to_vec(links).unwrap_or_default()
    }
}

impl Found for Links<'_> {
    fn of(&self, url: &str) -> std::io::Result<Cow<'_, [(Position, String)]>> {
        let Some(record) = self.by_url.get(url) else {
            return Ok(Cow::Borrowed(&[]));
        };
        let bytes = self.spilled.get(*record)?;
        let links = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
        Ok(Cow::Owned(links))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined_bytes(parts: &dyn Parts) -> Vec<u8> {
        let mut out = Vec::new();
        parts
            .each(&mut |part| {
                out.extend_from_slice(part);
                Ok(())
            })
            .expect("read back");
        out
    }

    #[test]
    fn records_read_back_from_any_thread_and_join() {
        let dir = tempfile::tempdir().expect("tempdir");
        let spill = Spill::new(Some(dir.path())).expect("spill");
        let records: Vec<Record> = std::thread::scope(|scope| {
            let handles: Vec<_> = ["alpha", "", "beta", "gamma"]
                .into_iter()
                .map(|text| {
                    let spill = &spill;
                    scope.spawn(move || (text, spill.put(text.as_bytes()).expect("put")))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread").1)
                .collect()
        });
        assert!(
            std::fs::read_dir(dir.path())
                .expect("list")
                .next()
                .is_none(),
            "the scratch file has no name"
        );
        let spilled = spill.finish().expect("finish");
        assert_eq!(spilled.get(records[2]).expect("get"), b"beta");
        assert!(records[1].is_empty());
        let joined = spilled.joined(&records, [b"[", b",", b"]"]);
        let bytes = joined_bytes(&joined);
        assert_eq!(bytes, b"[alpha,beta,gamma]");
        assert_eq!(joined.byte_len(), bytes.len() as u64);
        let none = spilled.joined(&[], [b"[", b",", b"]"]);
        assert_eq!(joined_bytes(&none), b"[]");
        assert_eq!(none.byte_len(), 2);
    }
}
