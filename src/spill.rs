//! What the render pass leaves for the site-wide steps after it, out of memory.
//!
//! Every page's anchors and links (for link checking) and search entries (for the search index)
//! are only read once all pages are rendered, and together they are all that a rendered page
//! leaves behind: over a kilobyte a page. Rather than holding them for the whole site, each render
//! job appends them to an unnamed scratch file as soon as the page is done, and keeps only where
//! they are ([`Record`]), by the page's URL as the site model holds it. The file has no name (it
//! is unlinked as it is created), so nothing is left behind whatever happens to the process; it
//! lives in the output's `.upnotes/` folder when there is one, so it is on the disk, not in a
//! RAM-backed `/tmp`.
//! `serve`, which keeps every page's outcome between rebuilds anyway, uses a spill that holds them
//! in memory instead ([`Spill::holding`]).
//!
//! A build's spill holds the first [`HOLD_LIMIT`] bytes of them in memory too, and writes only what
//! comes after: a site of 10,000 pages has about 6 MB of them, and writing them out to read them
//! back (four reads a page) was a tenth of a warm build's time. Memory stays bounded as pages grow.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::Position;
use crate::links::{AnchorSet, Found};
use crate::output::Parts;

/// A page's links, where they are written.
pub type Links = Arc<[(Position, String)]>;

/// Bytes of pages' anchors, links and search entries a build's spill holds in memory before it
/// writes the rest to its scratch file: all of them for a site of about 25,000 pages.
pub const HOLD_LIMIT: usize = 16 << 20;

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

/// Where a page's anchors, links or search entries are: in the scratch file, or held in memory.
#[derive(Debug)]
pub enum Stored<T> {
    /// In the scratch file.
    Spilled(Record),
    /// In memory (see [`Spill::holding`]).
    Held(T),
}

/// The scratch file while pages are being rendered: render jobs append to it from every thread.
#[derive(Debug)]
pub struct Spill {
    /// `None` when everything is held in memory.
    writer: Option<Mutex<Writer>>,
    /// Bytes that may still be held in memory rather than written.
    room: AtomicUsize,
}

#[derive(Debug)]
struct Writer {
    file: BufWriter<File>,
    len: u64,
}

impl Spill {
    /// An empty scratch file in `dir`, or in the system's temporary folder.
    pub fn new(dir: Option<&Path>) -> std::io::Result<Spill> {
        Spill::holding_at_most(dir, HOLD_LIMIT)
    }

    /// [`Spill::new`], holding the first `limit` bytes in memory.
    pub fn holding_at_most(dir: Option<&Path>, limit: usize) -> std::io::Result<Spill> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        Ok(Spill {
            writer: Some(Mutex::new(Writer {
                file: BufWriter::with_capacity(1 << 16, file),
                len: 0,
            })),
            room: AtomicUsize::new(limit),
        })
    }

    /// A spill that writes nothing and holds everything. For `serve`: it keeps every page's
    /// outcome in memory between rebuilds anyway, and encoding all of them again for the scratch
    /// file on every rebuild cost about a tenth of a rebuild of 10,000 pages.
    pub fn holding() -> Spill {
        Spill {
            writer: None,
            room: AtomicUsize::new(usize::MAX),
        }
    }

    /// Whether something of `size` bytes in memory is held rather than written; takes its room.
    fn holds(&self, size: usize) -> bool {
        self.writer.is_none()
            || self
                .room
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |room| {
                    room.checked_sub(size)
                })
                .is_ok()
    }

    /// Puts away a page's links.
    pub fn put_links(&self, links: Links) -> std::io::Result<Stored<Links>> {
        let size = links
            .iter()
            .map(|(_, link)| std::mem::size_of::<(Position, String)>() + link.len())
            .sum();
        if self.holds(size) {
            return Ok(Stored::Held(links));
        }
        let bytes = serde_json::to_vec(&links).map_err(std::io::Error::other)?;
        self.put(&bytes).map(Stored::Spilled)
    }

    /// Puts away a page's anchors.
    pub fn put_anchors(&self, anchors: AnchorSet) -> std::io::Result<Stored<AnchorSet>> {
        if self.holds(anchors.joined().len()) {
            return Ok(Stored::Held(anchors));
        }
        self.put(anchors.joined().as_bytes()).map(Stored::Spilled)
    }

    /// Puts away a page's search entries, joined by commas.
    pub fn put_search(&self, joined: Arc<str>) -> std::io::Result<Stored<Arc<str>>> {
        if self.holds(joined.len()) {
            return Ok(Stored::Held(joined));
        }
        self.put(joined.as_bytes()).map(Stored::Spilled)
    }

    /// Appends `bytes` to the scratch file; returns where they are.
    fn put(&self, bytes: &[u8]) -> std::io::Result<Record> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| std::io::Error::other("a page's data is larger than 4 GiB"))?;
        let Some(writer) = &self.writer else {
            return Err(std::io::Error::other("this spill holds, it does not write"));
        };
        let mut writer = writer
            .lock()
            .map_err(|_| std::io::Error::other("a render job failed while writing"))?;
        writer.file.write_all(bytes)?;
        let at = writer.len;
        writer.len += u64::from(len);
        Ok(Record { at, len })
    }

    /// Ends the writing: what was put can now be read.
    pub fn finish(self) -> std::io::Result<Spilled> {
        let Some(writer) = self.writer else {
            return Ok(Spilled { file: None });
        };
        let writer = writer
            .into_inner()
            .map_err(|_| std::io::Error::other("a render job failed while writing"))?;
        let file = writer.file.into_inner().map_err(|e| e.into_error())?;
        Ok(Spilled { file: Some(file) })
    }
}

/// The scratch file once written: records are read back from any thread.
#[derive(Debug)]
pub struct Spilled {
    /// `None` for a spill that held everything.
    file: Option<File>,
}

impl Spilled {
    /// The bytes of `record`.
    fn get(&self, record: Record) -> std::io::Result<Vec<u8>> {
        let Some(file) = &self.file else {
            return Err(std::io::Error::other("nothing was spilled"));
        };
        let mut bytes = vec![0; record.len as usize];
        file.read_exact_at(&mut bytes, record.at)?;
        Ok(bytes)
    }

    /// The bytes of `stored`.
    fn bytes<'s>(&self, stored: &'s Stored<Arc<str>>) -> std::io::Result<Cow<'s, [u8]>> {
        match stored {
            Stored::Spilled(record) => self.get(*record).map(Cow::Owned),
            Stored::Held(text) => Ok(Cow::Borrowed(text.as_bytes())),
        }
    }

    /// `records` joined as one file: `prefix`, the records with `separator` between them, and
    /// `suffix`, read one record at a time (see [`Parts`]). Empty records are left out.
    pub fn joined<'a>(
        &'a self,
        records: &'a [Stored<Arc<str>>],
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
    records: &'a [Stored<Arc<str>>],
    prefix: &'a [u8],
    separator: &'a [u8],
    suffix: &'a [u8],
}

impl Joined<'_> {
    fn non_empty(&self) -> impl Iterator<Item = &Stored<Arc<str>>> + '_ {
        self.records.iter().filter(|stored| match stored {
            Stored::Spilled(record) => !record.is_empty(),
            Stored::Held(text) => !text.is_empty(),
        })
    }
}

impl Parts for Joined<'_> {
    fn byte_len(&self) -> u64 {
        let count = self.non_empty().count() as u64;
        let records: u64 = self
            .non_empty()
            .map(|stored| match stored {
                Stored::Spilled(record) => record.len(),
                Stored::Held(text) => text.len() as u64,
            })
            .sum();
        let between = count.saturating_sub(1) * self.separator.len() as u64;
        (self.prefix.len() + self.suffix.len()) as u64 + records + between
    }

    fn each(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        each(self.prefix)?;
        for (i, stored) in self.non_empty().enumerate() {
            if i > 0 {
                each(self.separator)?;
            }
            each(&self.spilled.bytes(stored)?)?;
        }
        each(self.suffix)
    }
}

/// What link checking needs of one rendered page.
#[derive(Debug)]
pub struct PageRecords {
    /// Its ids and names.
    pub anchors: Stored<AnchorSet>,
    /// A content page's links, if it has any.
    pub links: Option<Stored<Links>>,
}

/// Finds the index of the page at a URL among the rendered pages.
pub type Locate<'a> = Box<dyn Fn(&str) -> Option<usize> + Send + Sync + 'a>;

/// Every rendered page's anchors and links, spilled or held, by page URL: the link checker's view
/// of the rendered site ([`Found`] and [`crate::links::Anchors`]). The pages are in a list, found
/// by URL through the site model's own tables: a map keyed by URL would cost a site of 50,000
/// pages about 5 MB more.
pub struct Pages<'a> {
    spilled: &'a Spilled,
    /// In rendering order; `None` for a page that failed to render.
    records: Vec<Option<PageRecords>>,
    locate: Locate<'a>,
}

impl std::fmt::Debug for Pages<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl<'a> Pages<'a> {
    /// The pages of `records`, spilled to `spilled` or held; `locate` gives the index in
    /// `records` of the page at a URL.
    pub fn new(
        spilled: &'a Spilled,
        records: Vec<Option<PageRecords>>,
        locate: Locate<'a>,
    ) -> Self {
        Pages {
            spilled,
            records,
            locate,
        }
    }

    fn get(&self, url: &str) -> Option<&PageRecords> {
        self.records.get((self.locate)(url)?)?.as_ref()
    }
}

impl Found for Pages<'_> {
    fn of(&self, url: &str) -> std::io::Result<Cow<'_, [(Position, String)]>> {
        match self.get(url).and_then(|page| page.links.as_ref()) {
            None => Ok(Cow::Borrowed(&[])),
            Some(Stored::Held(links)) => Ok(Cow::Borrowed(&links[..])),
            Some(Stored::Spilled(record)) => {
                let bytes = self.spilled.get(*record)?;
                let links = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
                Ok(Cow::Owned(links))
            }
        }
    }
}

impl crate::links::Anchors for Pages<'_> {
    fn of(&self, url: &str) -> std::io::Result<Option<Cow<'_, AnchorSet>>> {
        match self.get(url).map(|page| &page.anchors) {
            None => Ok(None),
            Some(Stored::Held(anchors)) => Ok(Some(Cow::Borrowed(anchors))),
            Some(Stored::Spilled(record)) => {
                let bytes = self.spilled.get(*record)?;
                let joined = String::from_utf8(bytes).map_err(std::io::Error::other)?;
                Ok(Some(Cow::Owned(AnchorSet::from_joined(joined))))
            }
        }
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
        let texts = ["alpha", "", "beta", "gamma"];
        // Everything held (serve), everything written, and the first few bytes held (a build).
        for limit in [None, Some(0), Some(10)] {
            let spill = match limit {
                None => Spill::holding(),
                Some(limit) => Spill::holding_at_most(Some(dir.path()), limit).expect("spill"),
            };
            let stored: Vec<Stored<Arc<str>>> = std::thread::scope(|scope| {
                let handles: Vec<_> = texts
                    .into_iter()
                    .map(|text| {
                        let spill = &spill;
                        scope.spawn(move || spill.put_search(text.into()).expect("put"))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            });
            assert!(
                std::fs::read_dir(dir.path())
                    .expect("list")
                    .next()
                    .is_none(),
                "the scratch file has no name"
            );
            let spilled = |s: &&Stored<Arc<str>>| matches!(s, Stored::Spilled(_));
            let written = stored.iter().filter(spilled).count();
            match limit {
                None => assert_eq!(written, 0),
                // The empty entry takes no room: it is held whatever the limit.
                Some(0) => assert_eq!(written, 3),
                // The first entry put fits, and not all of them (14 bytes) do.
                _ => assert!((1..=2).contains(&written), "{written} written"),
            }
            let links: Links = vec![(Position { line: 3, column: 7 }, "a.md#x".to_string())].into();
            let anchors: AnchorSet = ["x", "top"].into_iter().map(String::from).collect();
            let page = PageRecords {
                anchors: spill.put_anchors(anchors.clone()).expect("anchors"),
                links: Some(spill.put_links(links.clone()).expect("links")),
            };
            let spilled = spill.finish().expect("finish");
            let locate: Locate<'_> = Box::new(|url| (url == "p/").then_some(1));
            let pages = Pages::new(&spilled, vec![None, Some(page)], locate);
            assert_eq!(Found::of(&pages, "p/").expect("read").as_ref(), &links[..]);
            assert!(Found::of(&pages, "q/").expect("none").is_empty());
            let read = crate::links::Anchors::of(&pages, "p/").expect("read");
            assert_eq!(read.as_deref(), Some(&anchors));
            assert!(
                crate::links::Anchors::of(&pages, "q/")
                    .expect("none")
                    .is_none()
            );
            let joined = spilled.joined(&stored, [b"[", b",", b"]"]);
            let bytes = joined_bytes(&joined);
            assert_eq!(bytes, b"[alpha,beta,gamma]");
            assert_eq!(joined.byte_len(), bytes.len() as u64);
            let none = spilled.joined(&[], [b"[", b",", b"]"]);
            assert_eq!(joined_bytes(&none), b"[]");
            assert_eq!(none.byte_len(), 2);
        }
    }
}
