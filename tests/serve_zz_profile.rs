use std::collections::BTreeSet;
use std::time::Instant;
#[test]
#[ignore]
fn profile() {
    let root = std::path::PathBuf::from(std::env::var("SITE").unwrap());
    let t = Instant::now();
    let loaded = upnotes::build::load(&root, false).unwrap();
    eprintln!("load {:?}", t.elapsed());
    let t = Instant::now();
    let anchors = upnotes::links::Anchors::new();
    let _ = upnotes::links::check(&loaded.site, &anchors, upnotes::error::Severity::Warning);
    eprintln!("links::check {:?}", t.elapsed());
    let t = Instant::now();
    let e = upnotes::search::entries(&loaded.site);
    let _ = upnotes::search::index_script(&e);
    eprintln!("search {:?}", t.elapsed());
    let t = Instant::now();
    let nav = upnotes::site::navigation(&loaded.site);
    let _ = serde_json::to_string(&nav);
    eprintln!("nav {:?}", t.elapsed());
    let mut s = upnotes::serve::session::Session::new(upnotes::build::BuildOptions {
        root: root.clone(),
        ..Default::default()
    })
    .unwrap();
    let t = Instant::now();
    s.rebuild(&BTreeSet::new()).unwrap();
    eprintln!("first {:?}", t.elapsed());
    for _ in 0..3 {
        let t = Instant::now();
        let r = s.rebuild(&BTreeSet::new()).unwrap();
        eprintln!(
            "again {:?} rendered {} written {:?}",
            t.elapsed(),
            r.rendered.len(),
            r.written
        );
    }
}
#[test]
#[ignore]
fn profile_parts() {
    let root = std::path::PathBuf::from(std::env::var("SITE").unwrap());
    let loaded = upnotes::build::load(&root, false).unwrap();
    let t = Instant::now();
    let _ = upnotes::highlight::theme_css(
        &loaded.config.highlight.light,
        &loaded.config.highlight.dark,
    );
    eprintln!("theme_css {:?}", t.elapsed());
    let t = Instant::now();
    let inputs = upnotes::serve::fingerprint::Inputs::new(
        &loaded.config,
        false,
        &loaded.site,
        Default::default(),
    );
    eprintln!("inputs {:?}", t.elapsed());
    let t = Instant::now();
    let jobs = upnotes::build::jobs(&loaded.site);
    let mut x = 0u64;
    for j in &jobs {
        x ^= inputs.fingerprint(j);
    }
    eprintln!("fingerprints {:?} {x}", t.elapsed());
    let t = Instant::now();
    let theme = upnotes::templates::Theme::load(&root, "default").unwrap();
    let _ = upnotes::templates::Templates::load(&root, &theme);
    eprintln!("templates {:?}", t.elapsed());
}
