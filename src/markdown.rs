//! Markdown -> HTML, a table of contents and link problems, as a pass over pulldown-cmark events.
//!
//! What it adds to CommonMark: GitHub extensions (tables, footnotes, strikethrough, task lists, bare
//! URL autolinks), heading ids as GitHub makes them (with `{#id}` respected), relative links rewritten
//! through a [`LinkResolver`], and code blocks highlighted by [`crate::highlight`].

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::error::{LineIndex, Position};
use crate::highlight;

/// What a link destination becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Leave the destination as written (external, absolute, or not ours to judge).
    Keep,
    /// Use this href instead.
    Rewrite(String),
}

/// Turns link destinations written in a page into hrefs valid in its output location.
pub trait LinkResolver {
    /// Resolves one link or image destination as written by the author.
    fn resolve(&self, destination: &str) -> Resolved;

    /// [`LinkResolver::resolve`], and whether the link is settled: no check against the same
    /// targets can find it broken (it leads outside the site, or to a page or file of it with no
    /// fragment, whose anchors do not matter). By default nothing is.
    fn resolve_settled(&self, destination: &str) -> (Resolved, bool) {
        (self.resolve(destination), false)
    }
}

/// A resolver that keeps every link as written.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepLinks;

impl LinkResolver for KeepLinks {
    fn resolve(&self, _: &str) -> Resolved {
        Resolved::Keep
    }
}

/// One heading in the table of contents; headings nest under the nearest shallower one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// 1 to 6.
    pub level: u8,
    /// The heading's id (anchor).
    pub id: String,
    /// The heading's text, without markup.
    pub title: String,
    /// Deeper headings under this one.
    pub children: Vec<TocEntry>,
}

/// A rendered Markdown document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The HTML body.
    pub html: String,
    /// Headings, nested.
    pub toc: Vec<TocEntry>,
    /// Text of the first heading, if any (a title for pages without front matter).
    pub first_heading: Option<String>,
    /// Every heading id in the page, in order.
    pub heading_ids: Vec<String>,
    /// Problems found, with positions in the file.
    pub warnings: Vec<(Position, String)>,
    /// Every link and image destination with its position in the file (what [`links`] finds).
    pub links: Vec<(Position, String)>,
    /// Its summary for the search index (what [`summary`] makes with [`SUMMARY_LIMIT`]).
    pub summary: Summary,
}

/// Characters of text in a page's search summary.
pub const SUMMARY_LIMIT: usize = 300;

/// A Markdown text and where it sits in its file.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The Markdown.
    pub text: &'a str,
    /// 1-based line of `text`'s first line in its file, for positions in warnings.
    pub first_line: usize,
}

/// The pulldown-cmark extensions upnotes enables.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Renders `source`, resolving links with `links`; code is highlighted for every bundled theme.
pub fn render(source: Source<'_>, links: &dyn LinkResolver) -> Rendered {
    render_for(source, links, highlight::Styling::all())
}

/// [`render`], with code highlighted for the site's themes (`styling`).
pub fn render_for(
    source: Source<'_>,
    links: &dyn LinkResolver,
    styling: &'static highlight::Styling,
) -> Rendered {
    // Pages of prose, tables and code make an event per 15 to 20 bytes: reserved at once rather
    // than grown (and copied) seven or eight times; headings and bare URLs add a few.
    let events = source.text.len() / 12 + 16;
    let mut pass = Pass {
        source,
        links,
        styling,
        out: Vec::with_capacity(events + events / 4),
        warnings: Vec::new(),
        headings: Vec::new(),
        used_ids: HashSet::new(),
        link_depth: 0,
        warned_languages: HashSet::new(),
        found: LinkFinder::new(source),
        summary: Summarizer::new(SUMMARY_LIMIT),
    };
    if may_have_explicit_ids(source.text) {
        // Explicit ids are reserved before any is generated: the events are read twice.
        let mut all: Vec<(Event<'_>, Range<usize>)> = Vec::with_capacity(events);
        all.extend(parse(source.text));
        pass.reserve_explicit_ids(&all);
        pass.run(all.into_iter());
    } else {
        pass.run(parse(source.text));
    }
    let mut html = String::with_capacity(html_size(source.text, &pass.out));
    pulldown_cmark::html::push_html(&mut html, pass.out.into_iter());
    let heading_ids = pass.headings.iter().map(|h| h.id.clone()).collect();
    let first_heading = pass.headings.first().map(|h| h.title.clone());
    Rendered {
        html,
        toc: nest(pass.headings),
        first_heading,
        heading_ids,
        warnings: pass.warnings,
        links: pass.found.finish(),
        summary: pass.summary.finish(),
    }
}

/// The events of `text` with their ranges, adjacent texts merged into one.
fn parse(text: &str) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    MergeTexts {
        source: text,
        events: Parser::new_ext(text, options())
            .into_offset_iter()
            .peekable(),
    }
}

/// False when `text` surely has no heading with an explicit id: an attribute block `{... #id}`
/// needs a `#` after a `{` and before the `}` that closes it (on its line or, in a setext
/// heading's text, a later one). True may be wrong (`{ # a comment` in code), which only costs a
/// pass.
fn may_have_explicit_ids(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'{', &bytes[at..]) {
        let rest = &bytes[at + open + 1..];
        match memchr::memchr2(b'#', b'}', rest) {
            Some(i) if rest[i] == b'#' => return true,
            Some(i) => at += open + 1 + i + 1,
            None => return false,
        }
    }
    false
}

/// Adjacent text events merged into one, as pulldown-cmark's `TextMergeWithOffset` merges them
/// (an empty result dropped), without its copies: the texts of a code block, one event per line,
/// or of a paragraph split around markup characters are mostly consecutive slices of the source,
/// joined here as one slice of it. Only texts that are not (escapes, entities, indentation left
/// out) are copied into a string.
struct MergeTexts<'s, I: Iterator> {
    source: &'s str,
    events: std::iter::Peekable<I>,
}

impl<'s, I: Iterator<Item = (Event<'s>, Range<usize>)>> Iterator for MergeTexts<'s, I> {
    type Item = (Event<'s>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (event, range) = self.events.next()?;
            let Event::Text(first) = event else {
                return Some((event, range));
            };
            let is_text = |(event, _): &(Event<'s>, Range<usize>)| matches!(event, Event::Text(_));
            let Some(second) = self.events.next_if(is_text) else {
                return Some((Event::Text(first), range));
            };
            let mut joined = Joined::new(self.source, first);
            let mut end = range.end;
            let mut next = Some(second);
            while let Some((Event::Text(text), text_range)) = next {
                joined.push(&text);
                end = text_range.end;
                next = self.events.next_if(is_text);
            }
            let text = joined.finish();
            if !text.is_empty() {
                return Some((Event::Text(text), range.start..end));
            }
        }
    }
}

/// Texts joined: a slice of the source while each comes right after the one before in it, else
/// a string.
enum Joined<'s> {
    Slice { source: &'s str, at: Range<usize> },
    Owned(String),
}

impl<'s> Joined<'s> {
    fn new(source: &'s str, first: CowStr<'s>) -> Self {
        match first {
            CowStr::Borrowed(text) => match offset_in(source, text) {
                Some(start) => Joined::Slice {
                    source,
                    at: start..start + text.len(),
                },
                None => Joined::Owned(text.to_string()),
            },
            other => Joined::Owned(other.into_string()),
        }
    }

    fn push(&mut self, next: &CowStr<'s>) {
        if let Joined::Slice { source, at } = self {
            if let CowStr::Borrowed(text) = next
                && offset_in(source, text) == Some(at.end)
            {
                at.end += text.len();
                return;
            }
            *self = Joined::Owned(source[at.clone()].to_string());
        }
        if let Joined::Owned(string) = self {
            string.push_str(next);
        }
    }

    fn finish(self) -> CowStr<'s> {
        match self {
            Joined::Slice { source, at } => CowStr::Borrowed(&source[at]),
            Joined::Owned(string) => string.into(),
        }
    }
}

/// Where `part` starts in `whole`, if it is a slice of it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start.checked_add(part.len())? <= whole.len()).then_some(start)
}

/// About the size of the HTML written from `events`, so that it is allocated once: highlighted
/// code (HTML already) is several times the size of its source, and the rest about half again
/// the size of its Markdown.
fn html_size(markdown: &str, events: &[Event<'_>]) -> usize {
    let html: usize = events
        .iter()
        .map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => h.len(),
            _ => 0,
        })
        .sum();
    html + markdown.len() * 3 / 2
}

struct Pass<'s, 'l> {
    source: Source<'s>,
    links: &'l dyn LinkResolver,
    styling: &'static highlight::Styling,
    out: Vec<Event<'s>>,
    warnings: Vec<(Position, String)>,
    headings: Vec<TocEntry>,
    used_ids: HashSet<String>,
    link_depth: usize,
    warned_languages: HashSet<String>,
    /// What [`links`] finds, found on the way.
    found: LinkFinder<'s>,
    /// What [`summary`] makes, made on the way.
    summary: Summarizer,
}

impl<'s> Pass<'s, '_> {
    /// Explicit `{#id}`s win over generated ids wherever they are in the page.
    fn reserve_explicit_ids(&mut self, events: &[(Event<'s>, Range<usize>)]) {
        for (event, _) in events {
            if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
                self.used_ids.insert(id.to_string());
            }
        }
    }

    /// The next event, shown to the link finder and the summary on its way.
    fn next(
        &mut self,
        events: &mut impl Iterator<Item = (Event<'s>, Range<usize>)>,
    ) -> Option<(Event<'s>, Range<usize>)> {
        let (event, range) = events.next()?;
        self.found.feed(&event, &range);
        self.summary.feed(&event);
        Some((event, range))
    }

    fn run(&mut self, mut events: impl Iterator<Item = (Event<'s>, Range<usize>)>) {
        while let Some((event, range)) = self.next(&mut events) {
            match event {
                Event::Start(Tag::Heading { .. }) => {
                    let mut inner = Vec::new();
                    while let Some((e, r)) = self.next(&mut events) {
                        if matches!(e, Event::End(TagEnd::Heading(_))) {
                            break;
                        }
                        inner.push((e, r));
                    }
                    self.heading(event, inner);
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    // Its text comes merged into one event: kept as it comes, borrowed or not.
                    let mut code = CowStr::Borrowed("");
                    while let Some((e, _)) = self.next(&mut events) {
                        match e {
                            Event::Text(t) if code.is_empty() => code = t,
                            Event::Text(t) => code = format!("{code}{t}").into(),
                            Event::End(TagEnd::CodeBlock) => break,
                            _ => {}
                        }
                    }
                    self.code_block(&kind, &code, range);
                }
                other => self.inline(other),
            }
        }
    }

    /// Links, images and bare URLs; everything else passes through.
    fn inline(&mut self, event: Event<'s>) {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                self.link_depth += 1;
                let dest_url = self.resolve(dest_url);
                self.out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                self.link_depth = self.link_depth.saturating_sub(1);
                self.out.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.resolve(dest_url);
                self.out.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Text(text) if self.link_depth == 0 => self.autolink(text),
            other => self.out.push(other),
        }
    }

    fn resolve(&mut self, dest: CowStr<'s>) -> CowStr<'s> {
        match self.links.resolve(&dest) {
            Resolved::Keep => dest,
            Resolved::Rewrite(href) => href.into(),
        }
    }

    fn heading(&mut self, start: Event<'s>, inner: Vec<(Event<'s>, Range<usize>)>) {
        let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = start
        else {
            return;
        };
        let title = plain_text(inner.iter().map(|(e, _)| e));
        let id = match id {
            Some(id) => id.to_string(),
            None => self.unique_id(&slugify(&title)),
        };
        self.headings.push(TocEntry {
            level: level as u8,
            id: id.clone(),
            title,
            children: Vec::new(),
        });
        self.out.push(Event::Start(Tag::Heading {
            level,
            id: Some(id.clone().into()),
            classes,
            attrs,
        }));
        for (e, _) in inner {
            self.inline(e);
        }
        self.out.push(Event::InlineHtml(
            format!(
                "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a>",
                escape(&id)
            )
            .into(),
        ));
        self.out.push(Event::End(TagEnd::Heading(level)));
    }

    /// GitHub's rule: `foo`, then `foo-1`, `foo-2` ...
    fn unique_id(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        let mut id = base.to_string();
        let mut n = 0;
        while self.used_ids.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.used_ids.insert(id.clone());
        id
    }

    fn code_block(&mut self, kind: &CodeBlockKind<'_>, code: &str, range: Range<usize>) {
        let info = match kind {
            CodeBlockKind::Fenced(info) => info.as_ref(),
            CodeBlockKind::Indented => "",
        };
        let block = highlight::highlight_block_for(info, code, self.styling);
        if let Some(language) = block.unknown_language
            && self.warned_languages.insert(language.clone())
        {
            let position = self.position(range.start);
            self.warnings.push((
                position,
                format!("unknown code block language `{language}`: shown without highlighting"),
            ));
        }
        self.out.push(Event::Html(block.html.into()));
    }

    /// Splits plain text around bare URLs, turning each into a link as GitHub does.
    fn autolink(&mut self, text: CowStr<'s>) {
        let found = self.found.urls_of(&text);
        if found.is_empty() {
            self.out.push(Event::Text(text));
            return;
        }
        let mut last = 0;
        for url in found {
            if url.start > last {
                self.out
                    .push(Event::Text(text[last..url.start].to_string().into()));
            }
            let shown = &text[url.clone()];
            let href = if shown.starts_with("www.") {
                format!("http://{shown}")
            } else {
                shown.to_string()
            };
            self.out.push(Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                dest_url: href.into(),
                title: "".into(),
                id: "".into(),
            }));
            self.out.push(Event::Text(shown.to_string().into()));
            self.out.push(Event::End(TagEnd::Link));
            last = url.end;
        }
        if last < text.len() {
            self.out.push(Event::Text(text[last..].to_string().into()));
        }
    }

    fn position(&self, offset: usize) -> Position {
        let p = Position::of_offset(self.source.text, offset);
        Position::new(p.line + self.source.first_line - 1, p.column)
    }
}

/// The plain text of a Markdown document for search: its headings, and its text cut at about
/// `limit` characters (code blocks left out: they make poor snippets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Heading texts, in order.
    pub headings: Vec<String>,
    /// The text, whitespace collapsed, at most `limit` characters plus the end of a word.
    pub text: String,
}

/// Summarises `text` for the search index without rendering it. ([`render`] makes the same
/// summary with [`SUMMARY_LIMIT`], in [`Rendered::summary`], without parsing again.)
pub fn summary(text: &str, limit: usize) -> Summary {
    summary_of(Parser::new_ext(text, options()), limit)
}

/// [`summary`] from the events of a parsed text (adjacent texts merged or not).
fn summary_of<'e>(events: impl IntoIterator<Item = Event<'e>>, limit: usize) -> Summary {
    let mut summary = Summarizer::new(limit);
    for event in events {
        summary.feed(&event);
    }
    summary.finish()
}

/// Makes a [`Summary`] from a document's events, one at a time.
struct Summarizer {
    summary: Summary,
    limit: usize,
    /// The text of the heading being read.
    heading: Option<String>,
    in_code_block: bool,
}

impl Summarizer {
    fn new(limit: usize) -> Self {
        Summarizer {
            summary: Summary::default(),
            limit,
            heading: None,
            in_code_block: false,
        }
    }

    fn feed(&mut self, event: &Event<'_>) {
        let summary = &mut self.summary;
        match event {
            Event::Start(Tag::Heading { .. }) => self.heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = self.heading.take() {
                    summary.headings.push(h.trim().to_string());
                }
            }
            Event::Start(Tag::CodeBlock(_)) => self.in_code_block = true,
            Event::End(TagEnd::CodeBlock) => self.in_code_block = false,
            Event::Text(t) | Event::Code(t) if !self.in_code_block => match self.heading.as_mut() {
                Some(h) => h.push_str(t),
                None if summary.text.len() < self.limit => summary.text.push_str(t),
                None => {}
            },
            // Block ends and line breaks separate words.
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::BlockQuote(_),
            )
            | Event::SoftBreak
            | Event::HardBreak
                if summary.text.len() < self.limit =>
            {
                summary.text.push(' ');
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Summary {
        self.summary.text = collapse_whitespace(&self.summary.text);
        self.summary
    }
}

/// `text`'s words with one space between them. ASCII text (most) is split on ASCII whitespace, which
/// is `char::is_whitespace` but for vertical tab: text holding one is split as Unicode text.
fn collapse_whitespace(text: &str) -> String {
    if text.bytes().all(|b| b.is_ascii() && b != 0x0B) {
        join_words(text.split_ascii_whitespace(), text.len())
    } else {
        join_words(text.split_whitespace(), text.len())
    }
}

/// `words` with one space between them.
fn join_words<'t>(words: impl Iterator<Item = &'t str>, capacity: usize) -> String {
    let mut joined = String::with_capacity(capacity);
    for word in words {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(word);
    }
    joined
}

/// Every link and image destination in `source` with its position in the file, in document order.
/// ([`render`] finds them too, in [`Rendered::links`], without parsing again.)
pub fn links(source: Source<'_>) -> Vec<(Position, String)> {
    let mut found = LinkFinder::new(source);
    for (event, range) in parse(source.text) {
        found.feed(&event, &range);
    }
    found.finish()
}

/// Finds the links of a document (see [`links`]) in its events, one at a time.
struct LinkFinder<'s> {
    source: Source<'s>,
    lines: LineIndex<'s>,
    found: Vec<(Position, String)>,
    /// Inside how many links and images.
    link_depth: usize,
    in_code_block: bool,
    /// The bare URLs of the last text it looked through, when that text is a slice of the
    /// source: rendering turns the same text's URLs into links next, and asks for them here
    /// rather than searching the text again.
    last_urls: Option<(&'s str, Vec<Range<usize>>)>,
}

impl<'s> LinkFinder<'s> {
    fn new(source: Source<'s>) -> Self {
        LinkFinder {
            source,
            lines: LineIndex::new(source.text),
            found: Vec::new(),
            link_depth: 0,
            in_code_block: false,
            last_urls: None,
        }
    }

    /// The bare URLs of `text`: those found when it was fed, if it is that same slice of the
    /// source, else searched for now.
    fn urls_of(&mut self, text: &CowStr<'s>) -> Vec<Range<usize>> {
        if let (CowStr::Borrowed(text), Some((last, _))) = (text, &self.last_urls)
            && std::ptr::eq(*text, *last)
        {
            return self
                .last_urls
                .take()
                .map(|(_, urls)| urls)
                .unwrap_or_default();
        }
        find_urls(text)
    }

    /// Takes in the next event and its range in the text.
    fn feed(&mut self, event: &Event<'s>, range: &Range<usize>) {
        match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                self.link_depth += 1;
                let at = self.lines.position(range.start, self.source.first_line);
                self.found.push((at, dest_url.to_string()));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                self.link_depth = self.link_depth.saturating_sub(1);
            }
            Event::Start(Tag::CodeBlock(_)) => self.in_code_block = true,
            Event::End(TagEnd::CodeBlock) => self.in_code_block = false,
            // Bare URLs become links when rendered, so they are links to check too.
            Event::Text(text) if self.link_depth == 0 && !self.in_code_block => {
                let urls = find_urls(text);
                for url in &urls {
                    let shown = &text[url.clone()];
                    let href = if shown.starts_with("www.") {
                        format!("http://{shown}")
                    } else {
                        shown.to_string()
                    };
                    let at = self.source.text[range.clone()]
                        .find(shown)
                        .map_or(range.start, |i| range.start + i);
                    let at = self.lines.position(at, self.source.first_line);
                    self.found.push((at, href));
                }
                self.last_urls = match text {
                    CowStr::Borrowed(text) => Some((text, urls)),
                    _ => None,
                };
            }
            _ => {}
        }
    }

    fn finish(self) -> Vec<(Position, String)> {
        self.found
    }
}

/// The text of the first heading in `text`, without markup; parses no further than that heading.
pub fn first_heading(text: &str) -> Option<String> {
    let mut events = Parser::new_ext(text, options());
    events.find(|e| matches!(e, Event::Start(Tag::Heading { .. })))?;
    let inner: Vec<Event<'_>> = events
        .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
        .collect();
    Some(plain_text(inner.iter())).filter(|t| !t.is_empty())
}

/// The text of inline events, without markup.
fn plain_text<'a, 'e: 'a>(events: impl Iterator<Item = &'a Event<'e>>) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_string()
}

/// A heading id as GitHub makes it: lower case, punctuation dropped, spaces to dashes.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        // ASCII (most headings) without the Unicode tables; the same result.
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if c == '-' || c == '_' {
            slug.push(c);
        } else if c == ' ' {
            slug.push('-');
        }
    }
    slug
}

/// Nests a flat list of headings under the nearest shallower heading.
fn nest(flat: Vec<TocEntry>) -> Vec<TocEntry> {
    let mut roots: Vec<TocEntry> = Vec::new();
    for entry in flat {
        insert(&mut roots, entry);
    }
    roots
}

fn insert(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    match siblings.last_mut() {
        Some(last) if last.level < entry.level => insert(&mut last.children, entry),
        _ => siblings.push(entry),
    }
}

/// Byte ranges of bare URLs (`https://...`, `http://...`, `www....`) in `text`, GitHub-style.
pub fn find_urls(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let rest = &text[from..];
        let Some(start) = next_url_start(rest) else {
            break;
        };
        let start = from + start;
        let boundary_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "*_~(\"'".contains(c));
        let end = start
            + text[start..]
                .find(|c: char| c.is_whitespace() || c == '<')
                .unwrap_or(text.len() - start);
        let end = trim_url_end(&text[start..end]) + start;
        let scheme_only = ["https://", "http://", "www."]
            .iter()
            .any(|p| text[start..end].len() <= p.len());
        if boundary_ok && !scheme_only && text[start..end].contains('.') {
            found.push(start..end);
            from = end;
        } else {
            from = start + 1;
            while !text.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    found
}

/// Where the first `https://`, `http://` or `www.` in `text` starts. Runs on every text event of
/// every page, twice (rendering and the link list), so it makes one memchr pass for the `:` and `.`
/// each prefix must contain, which prose has few of, and looks around those alone.
fn next_url_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b':', b'.', bytes).find_map(|at| {
        let before = &bytes[..at];
        if bytes[at] == b'.' {
            return before.ends_with(b"www").then(|| at - 3);
        }
        if !bytes[at + 1..].starts_with(b"//") {
            return None;
        }
        if before.ends_with(b"https") {
            Some(at - 5)
        } else {
            before.ends_with(b"http").then(|| at - 4)
        }
    })
}

/// Drops trailing punctuation and unbalanced closing parentheses from a URL candidate.
fn trim_url_end(url: &str) -> usize {
    let mut end = url.len();
    loop {
        let candidate = &url[..end];
        let Some(last) = candidate.chars().next_back() else {
            return end;
        };
        let unbalanced_paren =
            last == ')' && candidate.matches(')').count() > candidate.matches('(').count();
        if "?!.,:*_~'\";".contains(last) || unbalanced_paren {
            end -= last.len_utf8();
        } else {
            return end;
        }
    }
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn html(md: &str) -> String {
        render(
            Source {
                text: md,
                first_line: 1,
            },
            &KeepLinks,
        )
        .html
    }

    #[test]
    fn github_heading_ids_with_duplicates_and_explicit_ids() {
        let r = render(
            Source {
                text: "# Hello, World!\n## Hello World\n## Hello World\n## Custom {#mine}\n## `code` & more\n",
                first_line: 1,
            },
            &KeepLinks,
        );
        assert_eq!(
            r.heading_ids,
            [
                "hello-world",
                "hello-world-1",
                "hello-world-2",
                "mine",
                "code--more"
            ]
        );
        assert_eq!(r.first_heading.as_deref(), Some("Hello, World!"));
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children.len(), 4);
    }

    #[test]
    fn rendering_finds_the_links_and_summary_that_links_and_summary_find() {
        let source = Source {
            text: "# T\n\nSee [a](a.md#x), ![i](img.png) and https://example.org/p.\n\n\
                   ```text\nhttps://not.a/link\n```\n\n| [t](t.md) |\n|---|\n\n[r]: r.md\n[ref][r]\n",
            first_line: 4,
        };
        let found = links(source);
        assert_eq!(found.len(), 5, "{found:?}");
        let rendered = render(source, &KeepLinks);
        assert_eq!(rendered.links, found);
        let summary = summary(source.text, SUMMARY_LIMIT);
        assert_eq!(summary.headings, ["T"]);
        assert_eq!(summary.text, "See a, i and https://example.org/p. t ref");
        assert_eq!(rendered.summary, summary);
    }

    #[test]
    fn explicit_id_reserves_the_name_before_generated_ones() {
        let r = render(
            Source {
                text: "## Setup\n## Other {#setup}\n",
                first_line: 1,
            },
            &KeepLinks,
        );
        assert_eq!(r.heading_ids, ["setup-1", "setup"]);
    }

    /// Whenever pulldown-cmark finds an explicit heading id, the quick look said there may be one.
    #[test]
    fn explicit_ids_are_never_missed_by_the_quick_look() {
        let pieces = [
            "# A", "B", " {", "#x", "}", "\n", "===", "{.c", " #y}", "`{`", "\\{",
        ];
        let mut with_ids = 0;
        for text in crate::testing::sequences(&pieces, 5) {
            let has_id = Parser::new_ext(&text, options())
                .any(|e| matches!(e, Event::Start(Tag::Heading { id: Some(_), .. })));
            if has_id {
                with_ids += 1;
                assert!(may_have_explicit_ids(&text), "missed: {text:?}");
            }
        }
        assert!(with_ids > 100, "the inputs have explicit ids: {with_ids}");
        for code in [
            "message X {\n  int32 a = 1;\n}\n",
            "d = {\"a\": 1}\n",
            "no braces",
        ] {
            assert!(!may_have_explicit_ids(code), "{code}");
        }
    }

    #[test]
    fn bare_urls_become_links_without_trailing_punctuation() {
        let out = html("See https://example.org/a_(b). Or www.example.com, and (http://x.io/y).\n");
        assert!(
            out.contains("<a href=\"https://example.org/a_(b)\">https://example.org/a_(b)</a>."),
            "{out}"
        );
        assert!(
            out.contains("<a href=\"http://www.example.com\">www.example.com</a>,"),
            "{out}"
        );
        assert!(
            out.contains("(<a href=\"http://x.io/y\">http://x.io/y</a>)"),
            "{out}"
        );
    }

    #[test]
    fn texts_merge_as_pulldown_cmark_merges_them() {
        let mut texts: Vec<String> = [
            "plain words, a_b*c*d, `code` and **bold** [link](a.md) www.x.org\n",
            "```python\nx = 1\n\n  y = 2\n```\n",
            "- item\n\n  ```\n  indented in a list\n    more\n  ```\n",
            "    indented code\n    second line\n",
            "escapes \\* \\_ and entities &amp; &#58; &copy; and a\\\nhard break\n",
            "| a | b |\n|---|---|\n| x\\|y | &lt; |\n",
            "> quote _with_ text\n> more\n\nlazy\ncontinuation\n",
            "<div>\nraw *html*\n</div>\n\ntext <span>inline</span> after\n",
            "[^1] note\n\n[^1]: the note's text ~~struck~~\n",
            "",
            "\\\n",
            "a\u{0}b \u{2028} é\u{301}\n",
        ]
        .map(String::from)
        .to_vec();
        // And every Markdown file of the example site and of the test fixtures.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["content", "tests/fixtures"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                let markdown = entry.path().extension().is_some_and(|e| e == "md");
                if let Ok(text) = std::fs::read_to_string(entry.path())
                    && markdown
                {
                    texts.push(text);
                }
            }
        }
        assert!(
            texts.len() > 100,
            "the example site and the fixtures are read"
        );
        for text in &texts {
            let ours: Vec<_> = parse(text).collect();
            let theirs: Vec<_> = pulldown_cmark::TextMergeWithOffset::new(
                Parser::new_ext(text, options()).into_offset_iter(),
            )
            .collect();
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes_in_any_script() {
        for (heading, slug) in [
            (
                "Upgrading from 0.27.x to 0.28.x",
                "upgrading-from-027x-to-028x",
            ),
            ("  Snake_case and kebab-case  ", "snake_case-and-kebab-case"),
            ("Über Straße", "über-straße"),
            ("ΣΟΦΙΑ Σοφία", "σοφια-σοφία"),
            ("İstanbul", "i\u{307}stanbul"),
            ("C++ & Rust!", "c--rust"),
            ("", ""),
        ] {
            assert_eq!(slugify(heading), slug, "{heading:?}");
        }
    }

    #[test]
    fn whitespace_collapses_as_unicode_splits_it() {
        let pieces = [
            "a", " ", "\t", "\n", "\r", "\x0B", "\x0C", "\u{a0}", "\u{2003}", "é",
        ];
        let texts = crate::testing::sequences(&pieces, 4);
        for text in &texts {
            let words: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(collapse_whitespace(text), words.join(" "), "{text:?}");
        }
    }

    #[test]
    fn a_url_starts_where_the_first_prefix_does() {
        // The plain definition: the earliest of the three prefixes, wherever it is.
        fn first_prefix(text: &str) -> Option<usize> {
            ["http://", "https://", "www."]
                .iter()
                .filter_map(|p| text.find(p))
                .min()
        }
        // Every sequence of up to four pieces of the prefixes, and a few longer texts.
        let pieces = [
            "http", "https", "://", "www", ".", "h", "w", ":", "/", "s", " ", "é",
        ];
        let mut texts = crate::testing::sequences(&pieces, 4);
        texts.extend(
            [
                "wwww.a",
                "httphttps://a",
                "ahttp://b www.c",
                "http:/ https://y",
            ]
            .map(String::from),
        );
        for text in &texts {
            assert_eq!(next_url_start(text), first_prefix(text), "{text:?}");
        }
    }

    #[test]
    fn urls_inside_links_and_code_are_left_alone() {
        let out = html("[https://a.org](https://b.org) `https://c.org`\n");
        assert_eq!(out.matches("<a ").count(), 1, "{out}");
        assert!(out.contains("<code>https://c.org</code>"));
    }

    #[test]
    fn gfm_extensions_render() {
        let out = html(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\nText[^1].\n\n[^1]: Note.\n",
        );
        assert!(out.contains("<table>"));
        assert!(out.contains("<del>old</del>"));
        assert!(out.contains("type=\"checkbox\""));
        assert!(out.contains("footnote-definition"));
    }

    #[test]
    fn summary_keeps_headings_and_prose_but_not_code() {
        let s = summary(
            "# Title\n\nSome *prose*, with `code`.\n\n```bash\nrm -rf /\n```\n\n## Next\n\nMore.\n",
            100,
        );
        assert_eq!(s.headings, ["Title", "Next"]);
        assert_eq!(s.text, "Some prose, with code. More.");
    }

    #[test]
    fn bare_urls_count_as_links_but_not_in_code() {
        let found = links(Source {
            text: "See https://example.org/a.\n\n```\nhttps://in.code/\n```\n",
            first_line: 1,
        });
        assert_eq!(
            found,
            [(Position::new(1, 5), "https://example.org/a".to_string())]
        );
    }

    #[test]
    fn links_are_listed_with_file_positions() {
        let found = links(Source {
            text: "Intro\n\nsee [x](gone.md) and ![i](a.png)\n",
            first_line: 5,
        });
        assert_eq!(
            found,
            [
                (Position::new(7, 5), "gone.md".to_string()),
                (Position::new(7, 22), "a.png".to_string())
            ]
        );
    }

    #[test]
    fn first_heading_is_found_without_rendering() {
        assert_eq!(
            first_heading("Intro\n\n## The `x` flag\n# Later\n").as_deref(),
            Some("The x flag")
        );
        assert_eq!(first_heading("no heading"), None);
    }

    #[test]
    fn raw_html_passes_through() {
        assert!(html("<a name=\"old\"></a>\n\ntext\n").contains("<a name=\"old\"></a>"));
    }
}
