//! The dev server over raw HTTP: nothing outside the output, content types, the 404 page, the
//! reload script only in served HTML, the event stream, and a clear message for a taken port.

use crate::client::{Running, Server, first_status, http};
use crate::{example, support};

const SECRET: &str = "do-not-serve-this-secret";

#[test]
fn nothing_outside_the_output_folder_is_served() {
    let site = example();
    let root = site.path();
    std::fs::write(root.join("secret.txt"), SECRET).expect("write");
    let server = Server::start(root);
    #[cfg(unix)]
    std::os::unix::fs::symlink(root, root.join("site/escape")).expect("symlink");
    let p = &server.prefix;
    let attempts = [
        format!("{p}../secret.txt"),
        format!("{p}../../secret.txt"),
        format!("{p}%2e%2e/secret.txt"),
        format!("{p}%2E%2E%2Fsecret.txt"),
        format!("{p}..%2fsecret.txt"),
        format!("{p}..%5csecret.txt"),
        format!("{p}..\\secret.txt"),
        format!("{p}%2e%2e%5c%2e%2e%5csecret.txt"),
        format!("{p}escape/secret.txt"),
        format!("{p}escape/upnotes.yaml"),
        format!("{p}{}", root.join("secret.txt").display()),
        format!(
            "{p}%2F{}",
            root.join("secret.txt")
                .display()
                .to_string()
                .trim_start_matches('/')
        ),
        "/../secret.txt".to_string(),
        format!("/C:/{}", root.join("secret.txt").display()),
        format!("http://{}/../secret.txt", server.addr),
        format!("{p}.upnotes-output"),
        "//etc/passwd".to_string(),
        format!("{p}..%00/secret.txt"),
    ];
    for path in &attempts {
        let response = server.request(&format!("GET {path} HTTP/1.1"));
        assert_ne!(response.status, 200, "GET {path}");
        assert!(
            !response.text().contains(SECRET),
            "GET {path} leaked the file"
        );
        assert!(
            !response.text().contains("root:x:0"),
            "GET {path} leaked /etc/passwd"
        );
    }
}

#[test]
fn files_have_their_content_types_and_missing_ones_get_the_404_page() {
    let site = example();
    let server = Server::start(site.path());
    let p = &server.prefix;
    for (path, content_type) in [
        (p.clone(), "text/html; charset=utf-8"),
        (format!("{p}upgrades/"), "text/html; charset=utf-8"),
        (format!("{p}style.css"), "text/css; charset=utf-8"),
        (format!("{p}nav.js"), "text/javascript; charset=utf-8"),
        (format!("{p}upgrades/changes.json"), "application/json"),
        (format!("{p}upgrades/changes.svg"), "image/svg+xml"),
        (format!("{p}feed.xml"), "application/xml"),
    ] {
        let response = server.get(&path);
        assert_eq!(response.status, 200, "GET {path}");
        assert_eq!(
            response.header("content-type"),
            Some(content_type),
            "GET {path}"
        );
    }
    // Unchanged files are revalidated, not downloaded again.
    let css = server.get(&format!("{p}style.css"));
    let tag = css.header("etag").expect("an entity tag");
    let again = server.request(&format!(
        "GET {p}style.css HTTP/1.1\r\nIf-None-Match: {tag}"
    ));
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(css.header("cache-control"), Some("no-cache"));

    let missing = server.get(&format!("{p}no/such/page/"));
    assert_eq!(missing.status, 404);
    let not_found = std::fs::read(site.path().join("site/404.html")).expect("404.html");
    assert_eq!(
        crate::strip_reload_script(&missing.body),
        not_found,
        "the site's own 404 page"
    );
    assert!(missing.text().contains("/__upnotes/reload.js"));

    let folder = server.get(&format!("{p}upgrades"));
    assert_eq!(folder.status, 302);
    assert_eq!(
        folder.header("location"),
        Some(format!("{p}upgrades/").as_str())
    );
    let top = server.get("/");
    assert!(top.status == 200 || top.header("location") == Some(p.as_str()));
    let head = server.request(&format!("HEAD {p} HTTP/1.1"));
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = server.request(&format!("POST {p} HTTP/1.1\r\nContent-Length: 0"));
    assert_eq!(post.status, 405);
}

#[test]
fn the_reload_script_is_served_but_never_written_to_disk() {
    let site = example();
    let server = Server::start(site.path());
    let page = server.get(&server.prefix);
    assert_eq!(page.text().matches("/__upnotes/reload.js").count(), 1);
    let css = server.get(&format!("{}style.css", server.prefix));
    assert!(
        !css.text().contains("__upnotes"),
        "only HTML gets the script"
    );
    let script = server.get("/__upnotes/reload.js");
    assert_eq!(script.status, 200);
    assert!(script.text().contains("EventSource"));
    for (rel, bytes) in support::tree(&site.path().join("site")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__upnotes"),
            "{rel} on disk mentions the dev server"
        );
    }
    let status = first_status(&server.addr);
    assert!(status["errors"].is_null());
    assert!(status["generation"].as_str().is_some_and(|g| !g.is_empty()));
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let site = example();
    let mut serve = Running::start(site.path(), &["serve", "--port", &port]);
    assert_eq!(serve.wait_exit(), 2, "{}", serve.transcript());
    assert!(
        serve
            .transcript()
            .contains(&format!("port {port} on 127.0.0.1 is in use")),
        "{}",
        serve.transcript()
    );
    assert!(!site.path().join("site").exists(), "nothing was built");
}

#[test]
fn without_a_port_a_taken_default_moves_to_the_next_one_and_says_so() {
    // Hold the default port if it is free; if something else holds it, the fallback shows anyway.
    let _held = std::net::TcpListener::bind("127.0.0.1:1111");
    let site = example();
    let serve = Running::start(site.path(), &["serve"]);
    let line = serve.wait_for_line("serving http://");
    let port: u16 = line
        .trim_start_matches("serving http://127.0.0.1:")
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert!(port > 1111 && port < 1121, "{line}");
    assert!(
        serve.transcript().contains(&format!(
            "port 1111 is in use, so serving on port {port} instead"
        )),
        "{}",
        serve.transcript()
    );
    let page = http(&format!("127.0.0.1:{port}"), "GET / HTTP/1.1");
    assert!(page.status == 200 || page.status == 302);
}
