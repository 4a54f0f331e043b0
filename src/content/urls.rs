//! Pretty URLs for content paths, and relative links between them (pure string functions).
//!
//! URLs here are site-relative without a leading slash: `""` is the home page, `guide/intro/` a page,
//! `guide/images/d.png` a file. Pages link to each other with relative hrefs, so one build works
//! under any base path and, with `index.html` appended to folder links, from `file://`.

use std::borrow::Cow;

/// The site-relative URL of a Markdown file at `rel` (relative to `content/`).
///
/// `index.md`, `_index.md` and `README.md` stand for their folder; `a/b.md` becomes `a/b/`.
pub fn page_url(rel: &str) -> String {
    let stem = rel
        .strip_suffix(".md")
        .or_else(|| rel.strip_suffix(".markdown"))
        .unwrap_or(rel);
    let (dir, name) = match stem.rfind('/') {
        Some(i) => (&stem[..=i], &stem[i + 1..]),
        None => ("", stem),
    };
    if is_index_name(name) {
        dir.to_string()
    } else {
        format!("{dir}{name}/")
    }
}

/// File stems that stand for their folder.
pub fn is_index_name(stem: &str) -> bool {
    stem == "index" || stem == "_index" || stem.eq_ignore_ascii_case("readme")
}

/// The folder part of a content path (`a/b.md` -> `a/`), with a trailing slash, `""` at the top.
pub fn parent_dir(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(i) => &rel[..=i],
        None => "",
    }
}

/// The non-empty parts of `path` between its slashes. Paths here are a few short parts, so each
/// is found by a plain byte loop: a `split('/')` searches with `memchr`, whose setup costs more
/// than the part is long.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            let end = find_byte(rest, b'/').unwrap_or(rest.len());
            let part = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or("");
            if !part.is_empty() {
                return Some(part);
            }
        }
    })
}

/// The byte offset of the first `byte` (ASCII) in `text`, by a plain loop (see `segments`).
pub fn find_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|b| b == byte)
}

/// Resolves `link` (a relative path, possibly with `..`) against folder `dir` (`""` or ending in `/`).
///
/// Returns `None` when the link climbs above the top, so it can never point outside the site.
/// Every link of every page is resolved through here, twice (rendering and the link check): the
/// path is built in one string, a `..` cutting it back to its last `/`.
pub fn join(dir: &str, link: &str) -> Option<String> {
    fn push(path: &mut String, part: &str) {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(part);
    }
    let mut joined = String::with_capacity(dir.len() + link.len() + 1);
    for part in segments(dir) {
        push(&mut joined, part);
    }
    for part in segments(link) {
        match part {
            "." => {}
            ".." if joined.is_empty() => return None,
            ".." => joined.truncate(joined.rfind('/').unwrap_or(0)),
            other => push(&mut joined, other),
        }
    }
    if link.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    Some(joined)
}

/// The href that leads from the page at URL `from` to the site-relative `to`.
///
/// `from` is a page URL (a folder, ending in `/`, or `""`). With `index_files`, links to folders get
/// `index.html` appended so they work from `file://`.
pub fn relative(from: &str, to: &str, index_files: bool) -> String {
    let (mut from_rest, mut to_rest) = (segments(from).peekable(), segments(to).peekable());
    while from_rest.peek().is_some() && from_rest.peek() == to_rest.peek() {
        from_rest.next();
        to_rest.next();
    }
    let to_is_dir = to.is_empty() || to.ends_with('/');
    let mut href = String::with_capacity(to.len() + 16);
    for _ in from_rest {
        href.push_str("../");
    }
    let mut descends = false;
    for (i, part) in to_rest.enumerate() {
        if i > 0 {
            href.push('/');
        }
        href.push_str(part);
        descends = true;
    }
    if to_is_dir && descends {
        href.push('/');
    }
    if to_is_dir && index_files {
        href.push_str("index.html");
    } else if href.is_empty() {
        href.push_str("./");
    }
    encode_owned(href)
}

/// The prefix that leads from page URL `from` back to the site root (`""` -> `./`, `a/b/` -> `../../`).
pub fn root_prefix(from: &str) -> String {
    let depth = from.split('/').filter(|p| !p.is_empty()).count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

/// Percent-encodes what may not appear raw in an href path (spaces, quotes, non-ASCII ...).
///
/// `path` is decoded (a file name as on disk), so `%` is encoded too; so is `:`, which a browser
/// would read as a URL scheme in a relative href (`std::vector/`).
pub fn encode_path(path: &str) -> String {
    encode_owned(path.to_string())
}

/// [`encode_path`] of a string already owned: returned as it is when nothing needs escaping, as
/// for most hrefs (every link of every page comes through here).
fn encode_owned(path: String) -> String {
    if path.bytes().all(keeps) {
        return path;
    }
    let mut out = String::with_capacity(path.len() + 8);
    push_encoded(&mut out, &path);
    out
}

/// Appends [`encode_path`] of `path` to `out`.
pub fn push_encoded(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in path.bytes() {
        if keeps(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}

/// Whether `byte` may stand in an href path as it is.
fn keeps(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~/!$&()*+,;=@".contains(&byte)
}

/// Decodes `%XX` escapes in a link written by an author, so `my%20page.md` finds `my page.md`.
pub fn decode_path(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_are_pretty() {
        assert_eq!(page_url("index.md"), "");
        assert_eq!(page_url("about.md"), "about/");
        assert_eq!(page_url("guide/_index.md"), "guide/");
        assert_eq!(page_url("guide/README.md"), "guide/");
        assert_eq!(page_url("guide/0.28.x/note.md"), "guide/0.28.x/note/");
    }

    #[test]
    fn join_resolves_dots_and_refuses_to_climb_out() {
        assert_eq!(join("a/b/", "../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(join("", "./images/d.png").as_deref(), Some("images/d.png"));
        assert_eq!(join("a/", "../../x"), None);
        assert_eq!(join("a/", "b/").as_deref(), Some("a/b/"));
    }

    /// Every path of up to four segments over `pieces`, with and without a trailing slash.
    fn paths(pieces: &[&str]) -> Vec<String> {
        let segments: Vec<String> = pieces.iter().map(|p| format!("{p}/")).collect();
        let mut all = crate::testing::sequences(&segments, 4);
        let bare: Vec<String> = all.iter().map(|p| p.trim_end_matches('/').into()).collect();
        all.extend(bare);
        all
    }

    #[test]
    fn join_and_relative_match_their_plain_definitions() {
        // The definitions: lists of segments, as a reader would write them.
        fn plain_join(dir: &str, link: &str) -> Option<String> {
            let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
            for part in link.split('/') {
                match part {
                    "" | "." => {}
                    ".." => {
                        parts.pop()?;
                    }
                    other => parts.push(other),
                }
            }
            let mut joined = parts.join("/");
            if link.ends_with('/') && !joined.is_empty() {
                joined.push('/');
            }
            Some(joined)
        }
        fn plain_relative(from: &str, to: &str, index_files: bool) -> String {
            let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
            let to_parts: Vec<&str> = to.split('/').filter(|p| !p.is_empty()).collect();
            let to_is_dir = to.is_empty() || to.ends_with('/');
            let common = from
                .iter()
                .zip(&to_parts)
                .take_while(|(a, b)| a == b)
                .count();
            let mut href = "../".repeat(from.len() - common);
            href.push_str(&to_parts[common..].join("/"));
            if to_is_dir && common < to_parts.len() {
                href.push('/');
            }
            if to_is_dir && index_files {
                href.push_str("index.html");
            } else if href.is_empty() {
                href.push_str("./");
            }
            encode_path(&href)
        }
        let dirs = paths(&["a", "b", "."]);
        // "" makes doubled slashes, which both skip.
        let links = paths(&["a", "..", ".", "b c", ""]);
        for dir in dirs.iter().filter(|d| d.is_empty() || d.ends_with('/')) {
            for link in &links {
                assert_eq!(join(dir, link), plain_join(dir, link), "{dir:?} {link:?}");
            }
        }
        let urls = paths(&["a", "b", "é"]);
        for from in urls.iter().filter(|u| u.is_empty() || u.ends_with('/')) {
            for to in &urls {
                for index_files in [false, true] {
                    assert_eq!(
                        relative(from, to, index_files),
                        plain_relative(from, to, index_files),
                        "{from:?} {to:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn relative_hrefs_between_pages() {
        assert_eq!(relative("", "about/", false), "about/");
        assert_eq!(relative("about/", "", false), "../");
        assert_eq!(relative("about/", "", true), "../index.html");
        assert_eq!(relative("a/b/", "a/c/", false), "../c/");
        assert_eq!(relative("a/b/", "a/b/", false), "./");
        assert_eq!(relative("a/b/", "a/img/x.png", false), "../img/x.png");
        assert_eq!(relative("", "my page/", false), "my%20page/");
    }

    #[test]
    fn percent_signs_and_colons_in_file_names_are_encoded() {
        // A raw `%2e%2e/` would be `../` to a browser, and `std::vector/` a URL scheme.
        assert_eq!(relative("", "%2e%2e/", false), "%252e%252e/");
        assert_eq!(relative("", "100%/", false), "100%25/");
        assert_eq!(relative("", "std::vector/", false), "std%3A%3Avector/");
        assert_eq!(decode_path(&encode_path("a%b:c d")), "a%b:c d");
    }

    #[test]
    fn root_prefix_climbs_to_the_top() {
        assert_eq!(root_prefix(""), "./");
        assert_eq!(root_prefix("a/b/"), "../../");
    }

    #[test]
    fn decode_reverses_encode() {
        assert_eq!(decode_path("my%20page.md"), "my page.md");
        assert_eq!(decode_path("100%"), "100%");
        assert_eq!(decode_path("%e2%82%ac"), "€");
    }
}
