//! Seeded, deterministic synthetic sites for benchmarks (pure: returns files, writes nothing).
//!
//! Two shapes:
//! - a documentation site of N pages of about 5 KB of Markdown each (a table, lists, links to other
//!   pages, and three fenced code blocks — protobuf, python, bash — of about 1 KB of code in all),
//!   in nested folders, emitted as equivalent inputs for upnotes, Hugo and mdBook;
//! - an upgrade guide of V versions x K notes for upnotes.
//!
//! The same seed always gives the same bytes, so figures from different runs compare.
#![allow(dead_code)]

use std::fmt::Write as _;

/// A small, fast, seeded generator (SplitMix64): benchmarks must not depend on a random crate.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`, decorrelated for each `stream` (page number, note number, ...).
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next();
        rng
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One element of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "agent",
    "allocation",
    "backend",
    "batch",
    "broker",
    "buffer",
    "cache",
    "cluster",
    "codec",
    "commit",
    "config",
    "consumer",
    "container",
    "daemon",
    "driver",
    "endpoint",
    "executor",
    "failover",
    "framework",
    "gateway",
    "handler",
    "heartbeat",
    "index",
    "journal",
    "kernel",
    "latency",
    "leader",
    "lease",
    "master",
    "metric",
    "module",
    "namespace",
    "offset",
    "operator",
    "partition",
    "payload",
    "pipeline",
    "quota",
    "quorum",
    "record",
    "region",
    "replica",
    "request",
    "resource",
    "role",
    "scheduler",
    "schema",
    "segment",
    "session",
    "shard",
    "slave",
    "snapshot",
    "socket",
    "storage",
    "stream",
    "task",
    "tenant",
    "throughput",
    "timeout",
    "token",
    "topology",
    "upgrade",
    "volume",
    "worker",
    "zone",
];

const VERBS: &[&str] = &[
    "accepts",
    "allocates",
    "batches",
    "caches",
    "checks",
    "compacts",
    "configures",
    "drains",
    "emits",
    "enforces",
    "exposes",
    "forwards",
    "handles",
    "limits",
    "marks",
    "migrates",
    "persists",
    "probes",
    "rejects",
    "reports",
    "retries",
    "rotates",
    "schedules",
    "serialises",
    "splits",
    "throttles",
    "tracks",
    "validates",
    "watches",
    "writes",
];

const TYPES: &[&str] = &[
    "string", "int32", "int64", "uint32", "uint64", "bool", "double", "bytes", "float",
];

/// How many pages sit in one leaf folder, and leaf folders in one top folder.
const PAGES_PER_FOLDER: usize = 100;
const FOLDERS_PER_SECTION: usize = 10;

/// One synthetic page: where it lives and what it says, independent of the tool.
#[derive(Debug, Clone)]
pub struct Page {
    /// Page number, 0-based.
    pub index: usize,
    /// Path without extension relative to the content root: `s01/f03/page-00042`.
    pub stem: String,
    /// Title.
    pub title: String,
}

/// Where page `index` lives: `sNN/fNN/page-NNNNN`.
pub fn page_stem(index: usize) -> String {
    let folder = index / PAGES_PER_FOLDER;
    let section = folder / FOLDERS_PER_SECTION;
    format!(
        "s{section:02}/f{:02}/page-{index:05}",
        folder % FOLDERS_PER_SECTION
    )
}

/// The pages of an `n`-page corpus.
pub fn pages(seed: u64, n: usize) -> Vec<Page> {
    (0..n)
        .map(|index| {
            let mut rng = Rng::new(seed, index as u64);
            let title = format!(
                "{} {} {}",
                capitalise(rng.pick(WORDS)),
                rng.pick(WORDS),
                rng.pick(WORDS)
            );
            Page {
                index,
                stem: page_stem(index),
                title,
            }
        })
        .collect()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// How each tool wants a link to another page written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStyle {
    /// A relative path to the source file (`../f02/page-00007.md#anchor`): upnotes and mdBook
    /// rewrite it to the target's URL.
    SourceFile,
    /// A relative URL of the rendered page (`../../f02/page-00007/#anchor`): Hugo's pretty URLs.
    PrettyUrl,
}

/// Relative link from page `from` to page `to` (stems as from [`page_stem`]).
pub fn relative_link(from: &str, to: &str, style: LinkStyle) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    // Folders of the source file (SourceFile) or of the page URL, which adds the page's own
    // folder (PrettyUrl: `s01/f03/page-00042/`).
    let from_depth = match style {
        LinkStyle::SourceFile => from_dirs.len() - 1,
        LinkStyle::PrettyUrl => from_dirs.len(),
    };
    let common = from_dirs[..from_dirs.len() - 1]
        .iter()
        .zip(&to_parts[..to_parts.len() - 1])
        .take_while(|(a, b)| a == b)
        .count();
    let mut link = "../".repeat(from_depth - common);
    link.push_str(&to_parts[common..].join("/"));
    match style {
        LinkStyle::SourceFile => link.push_str(".md"),
        LinkStyle::PrettyUrl => link.push('/'),
    }
    link
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = capitalise(rng.pick(WORDS));
    for i in 1..words {
        s.push(' ');
        match i % 4 {
            2 => s.push_str(rng.pick(VERBS)),
            3 if rng.below(8) == 0 => {
                let _ = write!(s, "`{}_{}`", rng.pick(WORDS), rng.pick(WORDS));
            }
            _ => s.push_str(rng.pick(WORDS)),
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng, sentences: usize) -> String {
    let mut p = String::new();
    for i in 0..sentences {
        if i > 0 {
            p.push(' ');
        }
        let words = 8 + rng.below(10);
        if i == 1 {
            let _ = write!(p, "**{}** ", rng.pick(WORDS));
        }
        p.push_str(&sentence(rng, words));
    }
    p
}

/// About 380 bytes of proto3.
fn protobuf_code(rng: &mut Rng) -> String {
    let name = capitalise(rng.pick(WORDS));
    let mut s = format!(
        "syntax = \"proto3\";\n\npackage bench.{}.v{};\n\n// {} describes one {}.\nmessage {name}Request {{\n",
        rng.pick(WORDS),
        1 + rng.below(3),
        name,
        rng.pick(WORDS)
    );
    for field in 1..=5 {
        let _ = writeln!(
            s,
            "  {} {}_{} = {field};",
            rng.pick(TYPES),
            rng.pick(WORDS),
            rng.pick(WORDS)
        );
    }
    let _ = writeln!(
        s,
        "  map<string, string> labels = 6;\n  oneof target {{\n    string {} = 7;\n    int64 {}_id = 8;\n  }}\n  reserved 9, 10;\n}}\n",
        rng.pick(WORDS),
        rng.pick(WORDS)
    );
    let _ = writeln!(
        s,
        "service {name}Service {{\n  rpc Watch({name}Request) returns (stream {name}Request);\n}}"
    );
    s
}

/// About 350 bytes of Python.
fn python_code(rng: &mut Rng) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    format!(
        "import json\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass {cls}:\n    \"\"\"A {a} with its {b}.\"\"\"\n\n    {a}: str\n    {b}: int = {n}\n\n    def to_json(self) -> str:\n        # Keys sorted so output is stable.\n        return json.dumps({{\"{a}\": self.{a}, \"{b}\": self.{b} * {m}}}, sort_keys=True)\n\n\nif __name__ == \"__main__\":\n    print({cls}(\"{c}\").to_json())\n",
        cls = capitalise(rng.pick(WORDS)),
        n = rng.below(1000),
        m = 2 + rng.below(7),
        c = rng.pick(WORDS),
    )
}

/// About 300 bytes of bash.
fn bash_code(rng: &mut Rng) -> String {
    let svc = rng.pick(WORDS);
    format!(
        "#!/usr/bin/env bash\nset -euo pipefail\n\n# Drain the {svc} before the upgrade.\nfor node in $(cat nodes.txt); do\n  echo \"draining ${{node}}\"\n  curl -fsS -X POST \"http://${{node}}:{port}/{svc}/drain?timeout={t}s\" || exit 1\ndone\nexport {var}_{svc}=\"{val}\"\nsystemctl restart {svc}.service && echo done\n",
        port = 5000 + rng.below(1000),
        t = 10 + rng.below(50),
        var = rng.pick(WORDS).to_uppercase(),
        val = rng.pick(WORDS),
    )
}

/// The Markdown body (no front matter) of page `page` among `count` pages.
pub fn page_body(seed: u64, page: &Page, count: usize, style: LinkStyle) -> String {
    let mut rng = Rng::new(seed ^ 0xB0D1, page.index as u64);
    let link = |rng: &mut Rng, anchor: &str| {
        let target = page_stem(rng.below(count));
        let text = format!("{} {}", rng.pick(WORDS), rng.pick(WORDS));
        format!(
            "[{text}]({}{anchor})",
            relative_link(&page.stem, &target, style)
        )
    };
    let mut md = String::with_capacity(6 * 1024);
    let _ = writeln!(md, "# {}\n", page.title);
    let _ = writeln!(
        md,
        "{} See {} and {}.\n",
        paragraph(&mut rng, 4),
        link(&mut rng, ""),
        link(&mut rng, "#overview")
    );
    let _ = writeln!(md, "## Overview\n\n{}\n", paragraph(&mut rng, 5));
    md.push_str("| Option | Type | Default | Description |\n| --- | --- | --- | --- |\n");
    for _ in 0..6 {
        let _ = writeln!(
            md,
            "| `--{}_{}` | {} | `{}` | {} |",
            rng.pick(WORDS),
            rng.pick(WORDS),
            rng.pick(TYPES),
            rng.below(10_000),
            sentence(&mut rng, 7)
        );
    }
    let _ = writeln!(md, "\n## Steps\n\n{}\n", paragraph(&mut rng, 3));
    for i in 1..=5 {
        let _ = writeln!(md, "{i}. {}", sentence(&mut rng, 9));
    }
    md.push('\n');
    for _ in 0..4 {
        let _ = writeln!(md, "- {}", sentence(&mut rng, 8));
    }
    let _ = writeln!(md, "- Read {} first.", link(&mut rng, "#steps"));
    let _ = writeln!(
        md,
        "\n## Protocol\n\n{}\n\n```protobuf\n{}```\n",
        paragraph(&mut rng, 2),
        protobuf_code(&mut rng)
    );
    let _ = writeln!(
        md,
        "## Client\n\n{}\n\n```python\n{}```\n",
        paragraph(&mut rng, 2),
        python_code(&mut rng)
    );
    let _ = writeln!(
        md,
        "## Rollout\n\n{}\n\n```bash\n{}```\n",
        paragraph(&mut rng, 2),
        bash_code(&mut rng)
    );
    let _ = writeln!(md, "## See also\n");
    for _ in 0..3 {
        let _ = writeln!(md, "- {}", link(&mut rng, ""));
    }
    md
}

/// A file to write, relative to the corpus folder of one tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative path with `/` separators.
    pub path: String,
    /// Contents.
    pub text: String,
}

fn file(path: impl Into<String>, text: impl Into<String>) -> File {
    File {
        path: path.into(),
        text: text.into(),
    }
}

fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The upnotes site of an `n`-page documentation corpus.
pub fn upnotes_docs(seed: u64, n: usize) -> Vec<File> {
    let pages = pages(seed, n);
    let mut files = vec![
        file(
            "upnotes.yaml",
            "title: Benchmark corpus\nbase_url: https://example.org/\n",
        ),
        file(
            "content/index.md",
            format!(
                "---\ntitle: Benchmark corpus\nlayout: page\n---\n\n{n} generated pages; start with [the first one]({}.md).\n",
                pages.first().map_or("index", |p| p.stem.as_str())
            ),
        ),
    ];
    for page in &pages {
        files.push(file(
            format!("content/{}.md", page.stem),
            format!(
                "---\ntitle: {}\nlayout: documentation\n---\n{}",
                yaml_string(&page.title),
                page_body(seed, page, n, LinkStyle::SourceFile)
            ),
        ));
    }
    files
}

const HUGO_CONFIG: &str = r#"baseURL = "https://example.org/"
title = "Benchmark corpus"
disableKinds = ["taxonomy", "term"]

[markup.highlight]
codeFences = true
noClasses = false
guessSyntax = false

[markup.goldmark.renderer]
unsafe = true

[markup.tableOfContents]
startLevel = 2
endLevel = 3
"#;

const HUGO_BASEOF: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "highlight.css" | relURL }}"></head>
<body>{{ block "main" . }}{{ end }}</body>
</html>
"#;

const HUGO_SINGLE: &str = r#"{{ define "main" }}
<nav>{{ .TableOfContents }}</nav>
<main>{{ .Content }}</main>
{{ end }}
"#;

const HUGO_LIST: &str = r#"{{ define "main" }}
<main>{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</main>
{{ end }}
"#;

/// The Hugo site of the same corpus: YAML front matter, pretty-URL links, Chroma with CSS classes.
pub fn hugo_docs(seed: u64, n: usize) -> Vec<File> {
    let pages = pages(seed, n);
    let mut files = vec![
        file("hugo.toml", HUGO_CONFIG),
        file("layouts/_default/baseof.html", HUGO_BASEOF),
        file("layouts/_default/single.html", HUGO_SINGLE),
        file("layouts/_default/list.html", HUGO_LIST),
        file(
            "content/_index.md",
            format!("---\ntitle: Benchmark corpus\n---\n\n{n} generated pages.\n"),
        ),
    ];
    for page in &pages {
        files.push(file(
            format!("content/{}.md", page.stem),
            format!(
                "---\ntitle: {}\n---\n{}",
                yaml_string(&page.title),
                page_body(seed, page, n, LinkStyle::PrettyUrl)
            ),
        ));
    }
    files
}

/// The mdBook book of the same corpus: every page a chapter, nested by folder in `SUMMARY.md`.
pub fn mdbook_docs(seed: u64, n: usize) -> Vec<File> {
    let pages = pages(seed, n);
    let mut summary = String::from("# Summary\n\n[Introduction](README.md)\n\n");
    let mut files = vec![
        file(
            "book.toml",
            "[book]\ntitle = \"Benchmark corpus\"\nlanguage = \"en\"\n\n[build]\ncreate-missing = false\n",
        ),
        file(
            "src/README.md",
            format!("# Benchmark corpus\n\n{n} generated pages.\n"),
        ),
    ];
    let mut last_dirs: Vec<String> = Vec::new();
    for page in &pages {
        let parts: Vec<&str> = page.stem.split('/').collect();
        let dirs = &parts[..parts.len() - 1];
        // A draft chapter (no page) for each folder, the pages nested under it.
        for (depth, dir) in dirs.iter().enumerate() {
            if last_dirs.get(depth).map(String::as_str) != Some(*dir) {
                last_dirs.truncate(depth);
                last_dirs.push((*dir).to_string());
                let _ = writeln!(summary, "{}- [{}]()", "  ".repeat(depth), dir);
            }
        }
        let _ = writeln!(
            summary,
            "{}- [{}]({}.md)",
            "  ".repeat(dirs.len()),
            page.title,
            page.stem
        );
        files.push(file(
            format!("src/{}.md", page.stem),
            page_body(seed, page, n, LinkStyle::SourceFile),
        ));
    }
    files.push(file("src/SUMMARY.md", summary));
    files
}

/// Version folder name of version `i` (0-based, oldest first): `1.0.x`, ..., `1.19.x`, `2.0.x`, ...
pub fn version_name(i: usize) -> String {
    format!("{}.{}.x", 1 + i / 20, i % 20)
}

const AREAS: &[&str] = &["Core", "Flags", "Framework API", "Module API", "Endpoints"];
const KINDS: &[&str] = &["A", "C", "D", "R", "C", "A", "DC"];

/// An upnotes site with one guide of `versions` x `notes` notes plus a home page.
pub fn upnotes_guide(seed: u64, versions: usize, notes: usize) -> Vec<File> {
    let mut files = vec![
        file(
            "upnotes.yaml",
            "title: Benchmark guide\nbase_url: https://example.org/\noverview:\n  columns: [Core, Flags, Framework API, Module API, Endpoints]\n  kinds:\n    A: New feature/behavior\n    C: Changed feature/behavior\n    D: Deprecated feature/behavior\n    R: Removed feature/behavior\nsearch: true\nfeed: true\n",
        ),
        file(
            "content/index.md",
            "---\ntitle: Benchmark guide\nlayout: page\n---\n\nRead [the upgrade guide](upgrades/_index.md).\n",
        ),
        file(
            "content/upgrades/_index.md",
            format!(
                "---\ntitle: Upgrading the benchmark product\nlayout: documentation\nguide: true\n---\n\nThis guide has {versions} versions with {notes} notes each.\n"
            ),
        ),
    ];
    for v in 0..versions {
        let mut rng = Rng::new(seed ^ 0x6A1D, v as u64);
        let version = version_name(v);
        let released = format!(
            "20{:02}-{:02}-{:02}",
            10 + v / 12 % 80,
            1 + v % 12,
            1 + v % 28
        );
        files.push(file(
            format!("content/upgrades/{version}/_index.md"),
            format!(
                "---\nreleased: {released}\n---\n\n{}\n\n1. {}\n2. {}\n3. {}\n\n```bash\n{}```\n",
                paragraph(&mut rng, 2),
                sentence(&mut rng, 8),
                sentence(&mut rng, 8),
                sentence(&mut rng, 8),
                bash_code(&mut rng)
            ),
        ));
        for k in 0..notes {
            files.push(file(
                format!("content/upgrades/{version}/note-{k:03}.md"),
                guide_note(&mut rng, v, k, notes),
            ));
        }
    }
    files
}

fn guide_note(rng: &mut Rng, v: usize, k: usize, notes: usize) -> String {
    let title = format!(
        "{} {} {}",
        capitalise(rng.pick(WORDS)),
        rng.pick(VERBS),
        rng.pick(WORDS)
    );
    let mut fm = format!("---\ntitle: {}\nweight: {}\n", yaml_string(&title), k * 10);
    let entries = rng.below(3);
    if entries > 0 {
        fm.push_str("changes:\n");
        for e in 0..entries {
            let _ = writeln!(
                fm,
                "  - area: {}\n    kind: {}",
                rng.pick(AREAS),
                rng.pick(KINDS)
            );
            if e == 1 {
                let _ = writeln!(fm, "    label: {}", yaml_string(rng.pick(WORDS)));
            }
        }
    }
    fm.push_str("---\n");
    let mut body = paragraph(rng, 3);
    if v > 0 && rng.below(3) == 0 {
        let _ = write!(
            body,
            " See [the earlier note](../{}/note-{:03}.md).",
            version_name(rng.below(v)),
            rng.below(notes)
        );
    }
    body.push_str("\n\n");
    match rng.below(6) {
        0 => {
            let _ = write!(body, "```python\n{}```\n", python_code(rng));
        }
        1 => {
            let _ = write!(body, "```protobuf\n{}```\n", protobuf_code(rng));
        }
        _ => {
            let _ = writeln!(body, "{}", paragraph(rng, 2));
        }
    }
    fm + &body
}
