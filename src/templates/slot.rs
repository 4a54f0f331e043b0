//! The content slot: a page's HTML put into its layout's output after the layout is rendered,
//! instead of through the template engine.
//!
//! Tera copies every string it is given, and copies it again into its output. A page's HTML is
//! most of its bytes: the two copies took about 4 % of the CPU time of a build that renders every
//! page (its code blocks cached). When the templates only ever print `page.content` whole, as
//! `{{ page.content | safe }}`, the layout can be rendered with a short marker in its place, and
//! the HTML written where the marker came out. Any other use of it (a filter, a test, a loop over
//! `page`, the whole context, output captured by a `set` block, a filter section or a component's
//! body) needs the real value, so the templates are read first, and a site whose templates use it
//! any other way renders as before. A layout that does not print the marker exactly once is
//! rendered again with the value.

use std::hash::BuildHasher;

/// The marker rendered in place of a page's HTML: an HTML comment with a number drawn at random
/// for each run, so no source, config or template can contain it.
pub fn marker() -> String {
    let nonce = std::collections::hash_map::RandomState::new().hash_one(0u8);
    format!("<!--upnotes-content-{nonce:016x}-->")
}

/// `rendered` with the one `marker` in it replaced by `content`; `None` when the marker is not
/// there exactly once (the caller then renders with the real value).
pub fn fill(rendered: &str, marker: &str, content: &str) -> Option<String> {
    let at = memchr::memmem::find(rendered.as_bytes(), marker.as_bytes())?;
    let after = &rendered[at + marker.len()..];
    if memchr::memmem::find(after.as_bytes(), marker.as_bytes()).is_some() {
        return None;
    }
    let mut html = String::with_capacity(rendered.len() - marker.len() + content.len());
    html.push_str(&rendered[..at]);
    html.push_str(content);
    html.push_str(after);
    Some(html)
}

/// True when every template reaches `page.content` only as `{{ page.content | safe }}`: the page
/// is named only to read one of its fields (`page.title`, `page?.url`), never passed, looped over
/// or assigned whole, the whole context (`__tera_context`) is never asked for, and no output is
/// captured (see `opens_capture`). Read as Tera's lexer reads a template (text, `{{ }}`,
/// `{% %}`, `{# #}`, quoted strings); where in doubt (a `{% raw %}` block is read as code,
/// `page .title` with a space is refused), it says no.
pub fn prints_content_whole<'a>(sources: impl IntoIterator<Item = &'a str>) -> bool {
    sources.into_iter().all(template_prints_content_whole)
}

fn template_prints_content_whole(source: &str) -> bool {
    let bytes = source.as_bytes();
    let mut at = 0;
    while let Some(open) = next_tag(bytes, at) {
        let kind = bytes[open + 1];
        let code_start = open + 2;
        if kind == b'#' {
            let Some(end) = memchr::memmem::find(&bytes[code_start..], b"#}") else {
                return false;
            };
            at = code_start + end + 2;
            continue;
        }
        let close: &[u8] = if kind == b'{' { b"}}" } else { b"%}" };
        let Some(code_end) = code_end(bytes, code_start, close) else {
            return false;
        };
        let code = &source[code_start..code_end];
        let printed = kind == b'{';
        if !code_is_allowed(code, printed) || (!printed && opens_capture(code)) {
            return false;
        }
        at = code_end + 2;
    }
    true
}

/// Where the next `{{`, `{%` or `{#` starts at or after `from`.
fn next_tag(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(found) = memchr::memchr(b'{', &bytes[at..]) {
        let open = at + found;
        if matches!(bytes.get(open + 1), Some(b'{' | b'%' | b'#')) {
            return Some(open);
        }
        at = open + 1;
    }
    None
}

/// Where the code that starts at `from` ends: the first `close` outside a quoted string.
fn code_end(bytes: &[u8], from: usize, close: &[u8]) -> Option<usize> {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            quote @ (b'"' | b'\'' | b'`') => at = string_end(bytes, at + 1, quote)?,
            _ if bytes[at..].starts_with(close) => return Some(at),
            _ => at += 1,
        }
    }
    None
}

/// Just past the closing `quote` of a string whose text starts at `from` (a backslash escapes
/// the next byte, as in Tera).
fn string_end(bytes: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b if b == quote => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// Whether the code of one tag uses the page only as [`prints_content_whole`] allows; `printed`
/// is true for `{{ }}`.
fn code_is_allowed(code: &str, printed: bool) -> bool {
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if matches!(b, b'"' | b'\'' | b'`') {
            match string_end(bytes, at + 1, b) {
                Some(end) => at = end,
                None => return false,
            }
            continue;
        }
        if !(b.is_ascii_alphabetic() || b == b'_') {
            at += 1;
            continue;
        }
        let start = at;
        at += word_len(&code[at..]);
        let ident = &code[start..at];
        if ident.starts_with("__tera") {
            return false;
        }
        let is_attribute = start > 0 && bytes[start - 1] == b'.';
        if ident != "page" || is_attribute {
            continue;
        }
        match field_after(&code[at..]) {
            Some("content") if printed && is_whole_content_print(code) => {}
            Some(field) if field != "content" => {}
            _ => return false,
        }
    }
    true
}

/// Whether the code of a `{% %}` starts a section whose output is captured rather than written:
/// a filter section (`{% filter upper %}`), a `set` block (`{% set body %}`), a component called
/// with a body (`{% <Card> %}`). The page's HTML printed inside one would be filtered, stored or
/// handed on, which the marker cannot stand for; where it is printed is not followed across
/// blocks and includes, so any of them anywhere refuses the set.
fn opens_capture(code: &str) -> bool {
    let code = code.strip_prefix('-').unwrap_or(code).trim_start();
    if code.starts_with('<') {
        return true;
    }
    let first = &code[..word_len(code)];
    match first {
        "filter" => true,
        "set" | "set_global" => {
            let rest = code[first.len()..].trim_start();
            let after_name = rest[word_len(rest)..].trim_start();
            !after_name.starts_with('=')
        }
        _ => false,
    }
}

/// The field read right after `page` (`.title`, `?.url`), if that is what follows.
fn field_after(rest: &str) -> Option<&str> {
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix("?."))?;
    let len = word_len(rest);
    (len > 0).then(|| &rest[..len])
}

/// The length of the identifier (or number) `text` starts with: ASCII letters, digits and `_`.
fn word_len(text: &str) -> usize {
    text.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count()
}

/// Whether the code of a `{{ }}` is `page.content | safe` and nothing else (whitespace control
/// and spaces aside).
fn is_whole_content_print(code: &str) -> bool {
    let code = code.strip_prefix('-').unwrap_or(code);
    let code = code.strip_suffix('-').unwrap_or(code);
    let Some((value, filter)) = code.split_once('|') else {
        return false;
    };
    matches!(value.trim(), "page.content" | "page?.content") && filter.trim() == "safe"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_prints_and_other_fields_are_allowed() {
        for template in [
            "{{ page.content | safe }}",
            "{{- page.content|safe -}}",
            "{{ page?.content | safe }}",
            "<h1>{{ page.title }}</h1>{% for h in page.toc %}{{ h.title }}{% endfor %}",
            "{% if page?.description %}{{ page.description }}{% endif %}",
            "{# {{ page.content | wordcount }} #}{{ page.content | safe }}",
            "{{ \"page.content | upper\" }}{{ 'page' }}",
            "{% for note in version.notes %}{{ note.content | safe }}{% endfor %}",
            "<meta name=\"description\" content=\"{{ site.description }}\"> a page",
            "{{ pages | length }}{{ mypage.content }}{{ page_count }}",
            "{{ \"{{ page }}\" }}",
            "{% set toc = page.toc %}{%- set_global n = 1 %}{% set x = a | default(value=1) %}",
            "{{ <upnotes.toc entries={page.toc} depth={1}/> }}",
            "no tags at all { } {x}",
        ] {
            assert!(prints_content_whole([template]), "refused: {template}");
        }
    }

    #[test]
    fn every_other_use_of_the_page_or_the_context_is_refused() {
        for template in [
            "{{ page.content }}",
            "{{ page.content | upper }}",
            "{{ page.content | safe | striptags }}",
            "{{ page.content | wordcount }}",
            "{{ page.content | length }}",
            "{% if page.content %}x{% endif %}",
            "{% set body = page.content %}{{ body | safe }}",
            "{{ page | json_encode }}",
            "{{ page }}",
            "{% set p = page %}{{ p.content | safe }}",
            "{% for k, v in page %}{{ v }}{% endfor %}",
            "{{ page[\"content\"] | safe }}",
            "{{ page . content | safe }}",
            "{{ page.title ~ page.content | safe }}",
            "{{ __tera_context }}",
            "{{ show(p=page) }}",
            "{{ page.title }} {{ unclosed",
            "{{ \"unclosed string }}",
            "{# unclosed comment",
            "{% filter upper %}{{ page.content | safe }}{% endfilter %}",
            "{%- filter replace(from=\"h2\", to=\"h3\") %}x{% endfilter %}",
            "{% set body %}{{ page.content | safe }}{% endset %}{{ body | length }}",
            "{% set_global body | upper %}x{% endset %}",
            "{% <Card title=\"x\"> %}{{ page.content | safe }}{% </Card> %}",
        ] {
            assert!(!prints_content_whole([template]), "allowed: {template}");
        }
    }

    #[test]
    fn one_refused_template_refuses_the_set() {
        let fine = "{{ page.content | safe }}";
        let not = "{{ page.content | truncate(length=10) }}";
        assert!(prints_content_whole([fine, fine]));
        assert!(!prints_content_whole([fine, not]));
    }

    #[test]
    fn the_marker_is_filled_only_when_it_is_there_once() {
        let marker = marker();
        assert_ne!(marker, super::marker(), "each run draws its own");
        let rendered = format!("<main>{marker}</main>");
        assert_eq!(
            fill(&rendered, &marker, "<p>hi</p>").as_deref(),
            Some("<main><p>hi</p></main>")
        );
        assert_eq!(fill("<main></main>", &marker, "x"), None);
        assert_eq!(fill(&format!("{marker}{marker}"), &marker, "x"), None);
    }
}
