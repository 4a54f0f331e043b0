//! Parts of a guide's pages made once per build and shared between the pages that show them.
//!
//! A note appears on the guide page, on its version page and in the path view, and a procedure on
//! the guide page, its version page and the path view. Their HTML depends on the page only through
//! links, which are written relative to the page, so one rendering serves every page on which each
//! of its links resolves as it did when it was rendered: once per note in practice, twice for a
//! note that links into the guide page (`#id` there, `../#id` on the pages below it).
//!
//! Rendered parts are kept as Tera values: those share their strings, lists and maps, and Tera
//! takes a value it meets while converting a page's context as it is, so a part shown on many
//! pages is converted once and then costs a reference count per page.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Serialize, Serializer};

use super::context::{NoteContext, OverviewContext};
use crate::content::Document;
use crate::error::Position;
use crate::highlight::Styling;
use crate::markdown::{self, LinkResolver, Resolved, Source};
use crate::render::Recorder;

/// A template context part converted to a Tera value once; clones share it. It serialises as `T`
/// does, so templates see the same fields.
pub struct Shared<T> {
    value: tera::Value,
    shape: PhantomData<fn() -> T>,
}

impl<T: Serialize> Shared<T> {
    /// Converts `part`. The context types are strings, numbers, options and lists of them, which
    /// always convert.
    pub fn new(part: &T) -> Self {
        Shared {
            value: tera::Value::from_serializable(part),
            shape: PhantomData,
        }
    }
}

impl<T> Shared<T> {
    /// The Tera value.
    pub fn value(&self) -> &tera::Value {
        &self.value
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            value: self.value.clone(),
            shape: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// Pages render in parallel; a panic in one must not make the others fail on a poisoned lock, and
/// nothing is left half-changed under these locks (entries are pushed whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One rendering of a document, and what each of its links resolved to for it.
struct Rendering {
    links: Vec<(String, Resolved)>,
    html: Shared<String>,
}

#[derive(Default)]
struct DocSlot {
    renderings: Vec<Rendering>,
    /// The Markdown's warnings, the same for every rendering.
    warnings: Vec<(Position, String)>,
    /// Note contexts by anchor prefix (`#`, `../#`) and rendering.
    notes: Vec<(String, usize, Shared<NoteContext>)>,
}

/// The renderings of one note or procedure.
#[derive(Default)]
pub struct DocMemo {
    slot: Mutex<DocSlot>,
}

/// Printed without contents: fingerprints hash the model's `Debug` text, which must not depend on
/// what has been rendered so far.
impl fmt::Debug for DocMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DocMemo")
    }
}

/// A clone starts empty: it may be changed, and a rendering of the original would then be stale.
impl Clone for DocMemo {
    fn clone(&self) -> Self {
        DocMemo::default()
    }
}

impl DocMemo {
    /// The HTML of `doc` on a page whose links resolve with `links`, rendered if no earlier
    /// rendering resolved each of its links the same way.
    pub fn html(
        &self,
        doc: &Document,
        links: &dyn LinkResolver,
        styling: &'static Styling,
    ) -> Shared<String> {
        let mut slot = lock(&self.slot);
        let index = rendering(&mut slot, doc, links, styling);
        slot.renderings[index].html.clone()
    }

    /// The note context of `doc` for a page with anchor links starting `prefix`, made by `make`
    /// from the note's HTML when no page with the same prefix and link resolutions made it yet.
    pub fn note(
        &self,
        doc: &Document,
        links: &dyn LinkResolver,
        styling: &'static Styling,
        prefix: &str,
        make: impl FnOnce(Shared<String>) -> NoteContext,
    ) -> Shared<NoteContext> {
        let mut slot = lock(&self.slot);
        let index = rendering(&mut slot, doc, links, styling);
        let found = slot
            .notes
            .iter()
            .find(|(p, i, _)| p == prefix && *i == index)
            .map(|(_, _, note)| note.clone());
        if let Some(note) = found {
            return note;
        }
        let note = Shared::new(&make(slot.renderings[index].html.clone()));
        slot.notes.push((prefix.to_string(), index, note.clone()));
        note
    }

    /// The warnings of the document's Markdown (none until it is first rendered).
    pub fn warnings(&self) -> Vec<(Position, String)> {
        lock(&self.slot).warnings.clone()
    }
}

/// The index of a rendering valid for `links`, rendering `doc` when there is none. It renders
/// under the document's lock, so a page that asks for the same document meanwhile waits for this
/// rendering instead of rendering (and highlighting) it again; rendering takes no other memo lock
/// and starts no parallel work, so the wait cannot deadlock.
fn rendering(
    slot: &mut DocSlot,
    doc: &Document,
    links: &dyn LinkResolver,
    styling: &'static Styling,
) -> usize {
    let valid = |r: &Rendering| r.links.iter().all(|(to, was)| links.resolve(to) == *was);
    if let Some(index) = slot.renderings.iter().position(valid) {
        return index;
    }
    let recorder = Recorder::new(links);
    let rendered = markdown::render_for(
        Source {
            text: doc.body(),
            first_line: doc.body_line,
        },
        &recorder,
        styling,
    );
    if slot.renderings.is_empty() {
        slot.warnings = rendered.warnings;
    }
    slot.renderings.push(Rendering {
        links: recorder.into_links(),
        html: Shared::new(&rendered.html),
    });
    slot.renderings.len() - 1
}

/// Guide-wide parts: the overview matrix, by anchor prefix.
#[derive(Default)]
pub struct GuideMemo {
    overviews: Mutex<Vec<(String, Shared<OverviewContext>)>>,
}

impl fmt::Debug for GuideMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GuideMemo")
    }
}

impl Clone for GuideMemo {
    fn clone(&self) -> Self {
        GuideMemo::default()
    }
}

impl GuideMemo {
    /// The overview for pages whose anchor links start with `prefix`, made by `make` once.
    pub fn overview(
        &self,
        prefix: &str,
        make: impl FnOnce() -> OverviewContext,
    ) -> Shared<OverviewContext> {
        let mut overviews = lock(&self.overviews);
        if let Some((_, overview)) = overviews.iter().find(|(p, _)| p == prefix) {
            return overview.clone();
        }
        let overview = Shared::new(&make());
        overviews.push((prefix.to_string(), overview.clone()));
        overview
    }
}

/// The Markdown warnings of every note and procedure of `guide` rendered so far (the guide page
/// renders them all), each located in its file.
pub fn warnings(guide: &super::Guide) -> Vec<crate::error::Diagnostic> {
    let docs = guide.versions.iter().flat_map(|section| {
        let notes = section.notes.iter().map(|note| (&note.doc, &note.memo));
        notes.chain(
            section
                .index
                .iter()
                .map(|doc| (doc, &section.procedure_memo)),
        )
    });
    docs.flat_map(|(doc, memo)| {
        memo.warnings().into_iter().map(|(position, message)| {
            crate::error::Diagnostic::warning(doc.source.clone(), message).at(&doc.text, position)
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document {
            rel: "guide/1.0.x/note.md".to_string(),
            source: "content/guide/1.0.x/note.md".into(),
            front_matter: std::sync::Arc::default(),
            has_front_matter: false,
            text: text.to_string(),
            text_hash: crate::content::text_hash(text),
            first_heading: None,
            body_start: 0,
            body_line: 1,
            released_from: None,
        }
    }

    /// Resolves every link to the same href.
    struct To(&'static str);

    impl LinkResolver for To {
        fn resolve(&self, _: &str) -> Resolved {
            Resolved::Rewrite(self.0.to_string())
        }
    }

    fn html(shared: &Shared<String>) -> String {
        shared.value().as_str().expect("a string").to_string()
    }

    #[test]
    fn one_rendering_serves_every_page_whose_links_resolve_alike() {
        let memo = DocMemo::default();
        let note = doc("[a](a.md)\n\n```nosuchlang\nx\n```\n");
        let first = memo.html(&note, &To("../#a"), Styling::all());
        let again = memo.html(&note, &To("../#a"), Styling::all());
        let other = memo.html(&note, &To("#a"), Styling::all());
        assert_eq!(lock(&memo.slot).renderings.len(), 2);
        assert_eq!(html(&first), html(&again));
        assert!(html(&first).contains("href=\"../#a\""));
        assert!(html(&other).contains("href=\"#a\""));
        // The warning is kept once, from the first rendering.
        assert_eq!(memo.warnings().len(), 1);
    }

    #[test]
    fn a_note_without_links_is_rendered_once() {
        let memo = DocMemo::default();
        let note = doc("Plain.\n");
        memo.html(&note, &To("#a"), Styling::all());
        memo.html(&note, &To("../#a"), Styling::all());
        assert_eq!(lock(&memo.slot).renderings.len(), 1);
    }

    #[test]
    #[expect(clippy::redundant_clone, reason = "the clone itself is under test")]
    fn clones_start_empty_and_debug_shows_no_contents() {
        let memo = DocMemo::default();
        memo.html(&doc("Text.\n"), &To("#a"), Styling::all());
        assert!(lock(&memo.clone().slot).renderings.is_empty());
        assert_eq!(format!("{memo:?}"), "DocMemo");
    }
}
