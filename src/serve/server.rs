//! The dev server: files from the output folder (and nothing else), HTML pages with the reload
//! script added on the way out, the site's 404 page, and a Server-Sent Events stream that tells
//! open pages to reload after a good rebuild or to show the errors of a failed one.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::watch;

use crate::error::{Error, Result};

/// The port `serve` tries first.
pub const DEFAULT_PORT: u16 = 1111;

/// How many ports after the default `serve` tries when it is taken.
const PORT_TRIES: u16 = 10;

/// Where the reload script and the event stream live; outside any site's base path.
pub const EVENTS_PATH: &str = "/__upnotes/events";
const SCRIPT_PATH: &str = "/__upnotes/reload.js";
const SCRIPT: &str = include_str!("reload.js");

/// What the server shows, as the rebuild loop last published it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Changes after every good rebuild that changed the output; pages loaded at another
    /// generation reload.
    pub generation: String,
    /// The located errors of the last rebuild, when it failed.
    pub errors: Option<String>,
    /// The output files the last good rebuild wrote or removed (output-relative), when it was not
    /// a build from scratch: an open page that is not among them, and whose assets are not, stays;
    /// one that is can update in place instead of reloading (see `reload.js`).
    pub changed: Option<std::sync::Arc<[String]>>,
    /// The generation `changed` is counted from: a page of any other generation reloads...
    pub since: Option<String>,
    /// ...unless it is this one, the generation before files of the same rebuild were written
    /// and shown early (see [`super::session::Session::rebuild_showing`]), with those files: a
    /// page that missed that status (the server sends only the latest) counts them too.
    pub earlier: Option<(String, std::sync::Arc<[String]>)>,
    /// The output folder served.
    pub dir: PathBuf,
    /// The site's base path (`/` or `/docs/`): the site is served under it, as it will be published.
    pub prefix: String,
}

/// A bound listening socket and what to tell the user about the port.
#[derive(Debug)]
pub struct Bound {
    /// The socket.
    pub listener: TcpListener,
    /// The address it listens on (with the real port when port 0 was asked).
    pub addr: SocketAddr,
    /// Set when the default port was taken and another one is used.
    pub note: Option<String>,
}

/// Binds `bind:port`. An explicit port that is taken is an error; when no port was given, the
/// default is tried first and then the next few, saying which one is used.
pub fn bind(ip: IpAddr, port: Option<u16>) -> Result<Bound> {
    let candidates: Vec<u16> = match port {
        Some(port) => vec![port],
        None => (DEFAULT_PORT..DEFAULT_PORT + PORT_TRIES).collect(),
    };
    let mut last_error = None;
    for candidate in &candidates {
        match TcpListener::bind((ip, *candidate)) {
            Ok(listener) => {
                let addr = listener
                    .local_addr()
                    .map_err(|e| Error::Usage(format!("cannot serve on {ip}:{candidate}: {e}")))?;
                let note = (port.is_none() && *candidate != DEFAULT_PORT).then(|| {
                    format!("port {DEFAULT_PORT} is in use, so serving on port {candidate} instead")
                });
                return Ok(Bound {
                    listener,
                    addr,
                    note,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_error = Some(e),
            Err(e) => {
                return Err(Error::Usage(format!(
                    "cannot serve on {}: {e}",
                    SocketAddr::new(ip, *candidate)
                )));
            }
        }
    }
    let tried = match port {
        Some(port) => format!("port {port} on {ip} is in use"),
        None => format!(
            "ports {DEFAULT_PORT} to {} on {ip} are all in use",
            DEFAULT_PORT + PORT_TRIES - 1
        ),
    };
    Err(Error::Usage(format!(
        "cannot serve: {tried} ({}); stop the other server or choose a port with --port",
        last_error.map_or_else(String::new, |e| e.to_string())
    )))
}

/// Serves until the process ends, on a thread of its own.
pub fn spawn(listener: TcpListener, status: watch::Receiver<Status>) -> Result<()> {
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Usage(format!("cannot serve: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the server: {e}")))?;
    std::thread::Builder::new()
        .name("upnotes-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = Router::new()
                    .route(EVENTS_PATH, get(events))
                    .route(SCRIPT_PATH, get(script))
                    .fallback(files)
                    .with_state(status);
                let _ = axum::serve(listener, app).await;
            });
        })
        .map_err(|e| Error::Usage(format!("cannot start the server: {e}")))?;
    Ok(())
}

/// The reload script; revalidated by its hash, so a reload does not download it again.
async fn script(headers: HeaderMap) -> Response {
    let tag = format!(
        "\"{:x}\"",
        super::fingerprint::bytes_hash(SCRIPT.as_bytes())
    );
    let current = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == tag.as_bytes());
    let content_type = "text/javascript; charset=utf-8";
    let mut response = if current {
        respond(StatusCode::NOT_MODIFIED, content_type, Vec::new())
    } else {
        respond(StatusCode::OK, content_type, SCRIPT.into())
    };
    add_entity_tag(&mut response, Some(&tag));
    response
}

/// The event stream: the current status at once (so a page that missed a rebuild catches up),
/// then every status published after it.
async fn events(
    State(status): State<watch::Receiver<Status>>,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold((status, true), |(mut status, first)| async move {
        if !first && status.changed().await.is_err() {
            return None;
        }
        let event = status_event(&status.borrow_and_update());
        Some((Ok(event), (status, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn status_event(status: &Status) -> Event {
    let data = serde_json::json!({
        "generation": status.generation,
        "errors": status.errors,
        "changed": status.changed.as_deref(),
        "since": status.since,
        "earlier": status.earlier.as_ref().map(|(since, changed)| {
            serde_json::json!({ "since": since, "changed": changed.as_ref() })
        }),
        "prefix": status.prefix,
    });
    Event::default().event("status").data(data.to_string())
}

/// Every other request: a file of the site, a redirect, or the 404 page.
async fn files(
    State(status): State<watch::Receiver<Status>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "only GET and HEAD\n".into(),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    // Read before the file: a page is never tagged newer than its content, at worst older (and
    // then it reloads once more).
    let status = status.borrow().clone();
    match route(uri.path(), &status.prefix) {
        Route::Redirect(location) => redirect(&location),
        Route::File { rel, folder } => match lookup(&status.dir, &rel, folder) {
            Found::File(path) => {
                let if_none_match = headers.get(header::IF_NONE_MATCH);
                file_response(&path, &status, if_none_match.and_then(|v| v.to_str().ok()))
            }
            Found::Folder => redirect(&format!("{}/", uri.path())),
            Found::Nothing => not_found(&status),
        },
        Route::Missing => not_found(&status),
    }
}

/// Where a request path leads, decided on the path alone.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// Send the browser here instead (the base path without its slash, or `/`).
    Redirect(String),
    /// A path inside the output folder (`/`-separated, no `.` or `..`, no hidden names); `folder`
    /// when the request ended in `/`.
    File {
        /// Output-relative path.
        rel: String,
        /// The request named a folder.
        folder: bool,
    },
    /// Outside the site: 404.
    Missing,
}

/// Maps a request path (still percent-encoded) to a file of the site under `prefix`. Anything that
/// could name a file outside the output folder is refused: `..` and `.` segments (encoded or not),
/// backslashes, drive letters, NUL, invalid UTF-8 and hidden names.
pub fn route(raw_path: &str, prefix: &str) -> Route {
    let Some(path) = percent_decode(raw_path) else {
        return Route::Missing;
    };
    let trimmed_prefix = prefix.trim_end_matches('/');
    if (path == "/" && prefix != "/") || (!trimmed_prefix.is_empty() && path == trimmed_prefix) {
        return Route::Redirect(prefix.to_string());
    }
    let Some(rest) = path.strip_prefix(prefix) else {
        return Route::Missing;
    };
    let mut parts = Vec::new();
    for segment in rest.split('/') {
        if segment.is_empty() {
            continue;
        }
        let unsafe_segment = segment.starts_with('.')
            || segment.contains(['\\', '\0', ':'])
            || segment.chars().any(char::is_control);
        if unsafe_segment {
            return Route::Missing;
        }
        parts.push(segment);
    }
    Route::File {
        rel: parts.join("/"),
        folder: path.ends_with('/'),
    }
}

/// `%XX` decoding; `None` for malformed escapes or bytes that are not UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

enum Found {
    File(PathBuf),
    Folder,
    Nothing,
}

/// The file for `rel` in `dir` (a folder's `index.html`), checked to resolve inside `dir` even
/// through symbolic links.
fn lookup(dir: &Path, rel: &str, folder: bool) -> Found {
    let path = if rel.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel)
    };
    let (Ok(real), Ok(real_dir)) = (path.canonicalize(), dir.canonicalize()) else {
        return Found::Nothing;
    };
    if !real.starts_with(&real_dir) {
        return Found::Nothing;
    }
    if real.is_dir() {
        if !folder && !rel.is_empty() {
            return Found::Folder;
        }
        let index = real.join("index.html");
        return if index.is_file() {
            Found::File(index)
        } else {
            Found::Nothing
        };
    }
    if real.is_file() && !folder {
        Found::File(real)
    } else {
        Found::Nothing
    }
}

/// A file, or `304 Not Modified` when the browser's copy is current: a reload then refetches only
/// what a rebuild changed (a big `search-index.js` is not downloaded and parsed again).
fn file_response(path: &Path, status: &Status, if_none_match: Option<&str>) -> Response {
    let content_type = content_type(path);
    let html = content_type.starts_with("text/html");
    // HTML carries the generation in its script tag, so its tag changes with every rebuild.
    let tag = entity_tag(path, html.then_some(status.generation.as_str()));
    if tag.is_some() && if_none_match == tag.as_deref() {
        let mut response = respond(StatusCode::NOT_MODIFIED, content_type, Vec::new());
        response.headers_mut().remove(header::CONTENT_TYPE);
        add_entity_tag(&mut response, tag.as_deref());
        return response;
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let body = if html {
                inject(bytes, &status.generation)
            } else {
                bytes
            };
            let mut response = respond(StatusCode::OK, content_type, body);
            add_entity_tag(&mut response, tag.as_deref());
            response
        }
        Err(_) => not_found(status),
    }
}

/// An entity tag from the file's size and modification time (every write of the output replaces
/// the file, so both change), plus the generation for HTML.
fn entity_tag(path: &Path, generation: Option<&str>) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    let modified = metadata
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let generation = generation.map_or_else(String::new, |g| format!("-{g}"));
    Some(format!("\"{:x}-{modified:x}{generation}\"", metadata.len()))
}

fn add_entity_tag(response: &mut Response, tag: Option<&str>) {
    if let Some(value) = tag.and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert(header::ETAG, value);
        // Always ask: a preview must never show a stale file.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
}

/// The site's own `404.html` (with the reload script, so a page being written appears by itself),
/// with status 404.
fn not_found(status: &Status) -> Response {
    match std::fs::read(status.dir.join("404.html")) {
        Ok(bytes) => respond(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            inject(bytes, &status.generation),
        ),
        // No site yet (the first build failed): a bare page that still shows the errors and
        // reloads once the site builds.
        Err(_) => respond(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            inject(
                b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1></body></html>\n".to_vec(),
                &status.generation,
            ),
        ),
    }
}

/// Adds the reload script before `</body>` (or at the end), tagged with the page's generation.
pub fn inject(mut html: Vec<u8>, generation: &str) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" data-generation=\"{generation}\"></script>");
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    html.splice(at..at, tag.into_bytes());
    html
}

fn redirect(location: &str) -> Response {
    let mut response = respond(StatusCode::FOUND, "text/plain; charset=utf-8", Vec::new());
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn respond(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // A preview must never show a stale file from the browser's cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The content type of a file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("xml") => "application/xml",
        Some("svg") => "image/svg+xml",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("pdf") => "application/pdf",
        Some("wasm") => "application/wasm",
        Some("zip") => "application/zip",
        Some("gz") => "application/gzip",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        Some("mp3") => "audio/mpeg",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, folder: bool) -> Route {
        Route::File {
            rel: rel.to_string(),
            folder,
        }
    }

    #[test]
    fn paths_map_into_the_site_under_its_base_path() {
        assert_eq!(route("/", "/"), file("", true));
        assert_eq!(route("/a/b/", "/"), file("a/b", true));
        assert_eq!(route("/style.css", "/"), file("style.css", false));
        assert_eq!(route("/docs/a%20b.png", "/docs/"), file("a b.png", false));
        assert_eq!(route("/docs", "/docs/"), Route::Redirect("/docs/".into()));
        assert_eq!(route("/", "/docs/"), Route::Redirect("/docs/".into()));
        assert_eq!(route("/other/", "/docs/"), Route::Missing);
    }

    #[test]
    fn nothing_outside_the_output_is_reachable() {
        for path in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%5c..%5cetc%5cpasswd",
            "/a\\..\\b",
            "/C:/Windows/win.ini",
            "/%00/x",
            "/.upnotes-output",
            "/.git/config",
            "/%ff",
            "/%zz",
        ] {
            assert_eq!(route(path, "/"), Route::Missing, "{path}");
        }
        // An absolute path after decoding is still inside the site.
        assert_eq!(route("/%2Fetc%2Fpasswd", "/"), file("etc/passwd", false));
    }

    #[test]
    fn the_script_goes_before_the_last_body_end_tag() {
        let html = b"<html><body><p>x</p></BODY></html>".to_vec();
        let out = String::from_utf8(inject(html, "7")).expect("utf8");
        assert_eq!(
            out,
            "<html><body><p>x</p><script src=\"/__upnotes/reload.js\" data-generation=\"7\"></script></BODY></html>"
        );
        let bare = String::from_utf8(inject(b"<p>x</p>".to_vec(), "1")).expect("utf8");
        assert!(bare.starts_with("<p>x</p><script"));
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(
            content_type(Path::new("a/index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("changes.json")), "application/json");
        assert_eq!(content_type(Path::new("changes.SVG")), "image/svg+xml");
        assert_eq!(content_type(Path::new("feed.xml")), "application/xml");
        assert_eq!(content_type(Path::new("x")), "application/octet-stream");
    }
}
