//! `check --external` against a real HTTP server on loopback (CI has no other network).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A tiny HTTP/1.1 server: `/ok` 200, `/nohead` 405 to HEAD but 200 to GET, anything else 404.
/// Returns its port and the request lines it has seen.
fn serve() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let request = request.trim().to_string();
            let status = match request.split(' ').take(2).collect::<Vec<_>>()[..] {
                [_, "/ok"] | ["GET", "/nohead"] => "200 OK",
                ["HEAD", "/nohead"] => "405 Method Not Allowed",
                _ => "404 Not Found",
            };
            log.lock().expect("log").push(request);
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, seen)
}

#[test]
fn external_links_are_fetched_reported_and_cached() {
    let (port, seen) = serve();
    let site = tempfile::tempdir().expect("site");
    let cache = tempfile::tempdir().expect("cache");
    std::fs::create_dir_all(site.path().join("content")).expect("mkdir");
    let base = format!("http://127.0.0.1:{port}");
    let page = format!(
        "---\ntitle: Links\n---\n\n[ok]({base}/ok) and [no head]({base}/nohead#part)\n\n[gone]({base}/missing)\n\nBare: {base}/also-missing.\n"
    );
    std::fs::write(site.path().join("content/index.md"), page).expect("write");
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_upnotes"))
            .args(["check", "--external"])
            .current_dir(site.path())
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .expect("run")
    };
    let output = check();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let headlines: Vec<&str> = stderr.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(
        headlines,
        [
            format!(
                "content/index.md:7:1: error: broken external link `{base}/missing`: the server answered HTTP 404"
            ),
            format!(
                "content/index.md:9:7: error: broken external link `{base}/also-missing`: the server answered HTTP 404"
            ),
        ]
    );
    let first_run = seen.lock().expect("log").clone();
    assert!(
        first_run.iter().any(|r| r.starts_with("HEAD /ok")),
        "{first_run:?}"
    );
    assert!(
        first_run.iter().any(|r| r.starts_with("GET /nohead")),
        "{first_run:?}"
    );

    seen.lock().expect("log").clear();
    let again = check();
    assert_eq!(again.status.code(), Some(1));
    let second_run = seen.lock().expect("log").clone();
    assert!(
        !second_run
            .iter()
            .any(|r| r.contains("/ok") || r.contains("/nohead")),
        "good links come from the cache: {second_run:?}"
    );
    assert!(
        second_run.iter().any(|r| r.contains("/missing")),
        "broken links are asked again"
    );
    assert!(
        !site.path().join("site").exists() && !site.path().join(".upnotes-cache").exists(),
        "check writes nothing into the project"
    );
}

#[test]
fn without_the_flag_no_request_is_made() {
    let (port, seen) = serve();
    let site = tempfile::tempdir().expect("site");
    std::fs::create_dir_all(site.path().join("content")).expect("mkdir");
    std::fs::write(
        site.path().join("content/index.md"),
        format!("---\ntitle: Links\n---\n[gone](http://127.0.0.1:{port}/missing)\n"),
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_upnotes"))
        .arg("check")
        .current_dir(site.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert!(seen.lock().expect("log").is_empty());
}
