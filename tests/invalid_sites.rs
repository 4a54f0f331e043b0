//! Every invalid fixture under tests/fixtures/invalid/<case>/ fails with exactly the text in its
//! `expected.txt`, exit code 1, and writes no output folder.

mod support;

use support::{assert_matches_file, copy_fixture, fixtures, upnotes};

fn check_case(case: &str) {
    let site = copy_fixture(&format!("invalid/{case}"));
    let run = upnotes(site.path(), &["build"]);
    assert_eq!(run.code, 1, "{case}: exit code; stderr:\n{}", run.stderr);
    assert_eq!(run.stdout, "", "{case}: nothing on stdout");
    assert_matches_file(
        &run.stderr,
        &fixtures().join("invalid").join(case).join("expected.txt"),
    );
    assert!(
        !site.path().join("site").exists(),
        "{case}: a failed build wrote output"
    );
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .expect("read")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("upnotes-tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{case}: temporary folders left: {leftovers:?}"
    );
}

macro_rules! cases {
    ($($name:ident => $dir:literal,)*) => {
        $(#[test] fn $name() { check_case($dir); })*
    };
}

cases! {
    bad_yaml => "bad-yaml",
    front_matter_list => "front-matter-list",
    unclosed_front_matter => "unclosed-front-matter",
    unknown_layout => "unknown-layout",
    template_syntax_error => "template-syntax-error",
    invalid_utf8 => "invalid-utf8",
    tab_indented => "tab-indented",
    three_bad_files => "three-bad-files",
    unknown_config_key => "unknown-config-key",
    duplicate_key => "duplicate-key",
    url_clash => "url-clash",
    guide_unknown_area => "guide-unknown-area",
    guide_unknown_kind => "guide-unknown-kind",
    guide_empty_kind => "guide-empty-kind",
    guide_duplicate_id => "guide-duplicate-id",
    guide_from_not_earlier => "guide-from-not-earlier",
    guide_bad_version_folder => "guide-bad-version-folder",
    guide_invalid_id => "guide-invalid-id",
    guide_note_outside_version => "guide-note-outside-version",
}

#[test]
fn every_invalid_fixture_has_a_test() {
    let dirs = std::fs::read_dir(fixtures().join("invalid"))
        .expect("read")
        .count();
    assert_eq!(
        dirs, 19,
        "add a case to the cases! list for each new invalid fixture"
    );
}
