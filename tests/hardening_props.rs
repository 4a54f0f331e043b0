//! A short fuzz-like run inside `cargo test`: the checks of the cargo-fuzz targets (fuzz/src/checks.rs,
//! included below) over the repository's own content, the committed fuzz seeds and regressions, and
//! a few thousand inputs mutated from them by a seeded generator: the same sequence every run, cut
//! short after a time budget on a slow machine. The real fuzzing is `cargo fuzz run` (see
//! fuzz/README.md); a failure here prints the input, to be saved under fuzz/regressions/.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Each test stops generating after this long, so a loaded machine does not slow the suite down.
const BUDGET: Duration = Duration::from_secs(2);

/// xorshift64*: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Characters that parsers trip over.
const ODD: &[&str] = &[
    "\0", "\r", "\r\n", "\t", "\u{feff}", "\u{2028}", "\u{85}", "\u{fffd}", "é", "😀", "\u{301}",
    "\\", "\"", "'", "`", "%", "&", "<", ">", "\n", " ", "",
];

const YAML: &[&str] = &[
    "---\n",
    "...\n",
    "title: ",
    "layout: ",
    "id: ",
    "from: ",
    "released: ",
    "weight: ",
    "draft: ",
    "guide: true\n",
    "changes:\n",
    "  - area: ",
    "    kind: ",
    "    label: ",
    "overview:\n",
    "  columns: ",
    "  kinds:\n",
    "    A: ",
    "  since: ",
    "highlight:\n",
    "  light: ",
    "output: ",
    "base_url: ",
    "search: ",
    "feed: ",
    "guides: ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "&a ",
    "*a",
    "!!str ",
    "!!map ",
    "<<: ",
    "? ",
    "|\n",
    ">-\n",
    "#",
    "null",
    "~",
    "true",
    "no",
    "0.28.x",
    "1e999",
    "-1",
    "99999999999999999999",
    "\"\\u0000\"",
    "'x'",
];

const TEMPLATE: &[&str] = &[
    "{{ ",
    " }}",
    "{{- ",
    " -}}",
    "{% ",
    " %}",
    "{%- ",
    "{# ",
    " #}",
    "page.content",
    "page?.content",
    "page",
    ".",
    "?.",
    "content",
    "title",
    "toc",
    " | ",
    "|",
    "safe",
    "upper",
    "length",
    "trim",
    "set x = ",
    "set x ",
    "set_global y ",
    "endset",
    "filter upper",
    "filter trim",
    "endfilter",
    "if ",
    "else",
    "endif",
    "for e in ",
    "endfor",
    "x",
    "e.title",
    "\"",
    "'",
    "`",
    "raw",
    "endraw",
    "__tera_context",
    "<C>",
    "</C>",
    "<p>",
    "~",
    " == ",
    "<!--",
    "-->",
    "\\",
    "\n",
];

const MARKDOWN: &[&str] = &[
    "# ",
    "## ",
    "###### ",
    " {#id}",
    "{#",
    "}",
    "> ",
    "- ",
    "* ",
    "1. ",
    "- [x] ",
    "```",
    "~~~",
    "```console\n$ ls\n",
    "```{.cpp}\n",
    "```proto hl_lines=\"1-3\"\n",
    "```python linenos\n",
    "    ",
    "[",
    "](",
    ")",
    "![img](",
    "<a name=\"x\">",
    "</a>",
    "<",
    ">",
    "|---|---|\n",
    "| ",
    "[^1]",
    "[^1]: ",
    "~~",
    "**",
    "_",
    "`",
    "https://",
    "www.",
    "http://a.b/c",
    "../",
    "./",
    ".md",
    "#",
    "%2e%2e/",
    "%20",
    "index.md",
    "_index.md",
    "guide/",
    "intro.md",
    "0.28.x/precision.md",
    "../0.28.x/precision.md",
    "images/d.png",
    "my page.md",
    "über/straße.md",
    "&amp;",
    "&#0;",
    "&#x2028;",
    "\\",
    "\n\n",
    "---\n",
    "===\n",
    "<!--",
    "-->",
    "<script>",
];

const VERSION: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "10",
    "28",
    "999999999999999999",
    ".",
    ".",
    ".",
    "x",
    "X",
    "*",
    "-",
    "v",
    "V",
    "rc",
    "alpha",
    "beta",
    ".0",
    "-rc.",
    "\n",
    "\n",
    "00",
];

/// A new input: tokens and odd characters, sometimes with a piece repeated many times.
fn generate(rng: &mut Rng, tokens: &[&str]) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(40) {
        let piece = if rng.below(8) == 0 {
            rng.pick(ODD)
        } else {
            rng.pick(tokens)
        };
        if rng.below(30) == 0 {
            text.push_str(&piece.repeat(rng.below(300)));
        } else {
            text.push_str(piece);
        }
    }
    text
}

/// `seed` with a few random edits: tokens inserted, ranges deleted or repeated.
fn mutate(rng: &mut Rng, seed: &str, tokens: &[&str]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 => {
                let end = (at + rng.below(20)).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let end = (at + rng.below(10)).min(chars.len());
                let piece: Vec<char> = chars[at..end].to_vec();
                for _ in 0..rng.below(50) {
                    chars.splice(at..at, piece.iter().copied());
                }
            }
            2 => {
                let odd = rng.pick(ODD);
                chars.splice(at..at, odd.chars());
            }
            _ => {
                let token = rng.pick(tokens);
                chars.splice(at..at, token.chars());
            }
        }
    }
    chars.into_iter().collect()
}

/// Text files under `dirs` (relative to the repository) whose names end in one of `extensions`.
fn files(dirs: &[&str], extensions: &[&str]) -> Vec<String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(repo.join(d)).into_iter())
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            let name = p.to_string_lossy();
            extensions.is_empty() || extensions.iter().any(|ext| name.ends_with(ext))
        })
        .collect();
    found.sort();
    found
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .filter(|t| t.len() < 100_000)
        .collect()
}

/// Runs `check` on every seed, then on mutated and generated inputs until `count` or the budget.
fn run(seeds: &[String], tokens: &[&str], count: usize, seed: u64, check: impl Fn(&str)) {
    let check = |input: &str| {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(input)));
        if outcome.is_err() {
            let shown: String = input.chars().take(3_000).collect();
            panic!("failing input ({} bytes): {shown:?}", input.len());
        }
    };
    for text in seeds {
        check(text);
    }
    let mut rng = Rng(seed);
    let started = Instant::now();
    for i in 0..count {
        let input = if seeds.is_empty() || i % 3 == 0 {
            generate(&mut rng, tokens)
        } else {
            let seed = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, seed, tokens)
        };
        check(&input);
        if started.elapsed() > BUDGET {
            break;
        }
    }
}

/// The committed seeds and saved regressions of fuzz target `target`, as the fuzzer reads them.
fn fuzz_inputs(target: &str) -> Vec<Vec<u8>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = ["fuzz/seeds", "fuzz/regressions"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(repo.join(dir).join(target)).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Repository files plus the fuzz target's inputs that are text (the text targets skip the rest).
fn seeds(dirs: &[&str], extensions: &[&str], target: &str) -> Vec<String> {
    let mut seeds = files(dirs, extensions);
    seeds.extend(
        fuzz_inputs(target)
            .into_iter()
            .filter_map(|bytes| String::from_utf8(bytes).ok()),
    );
    seeds
}

#[test]
fn front_matter_and_documents() {
    let seeds = seeds(
        &["content", "tests/fixtures"],
        &[".md", ".markdown"],
        "front_matter",
    );
    run(&seeds, YAML, 3_000, 1, checks::front_matter);
}

#[test]
fn config() {
    let seeds = seeds(&["tests/fixtures"], &[".yaml"], "config");
    run(&seeds, YAML, 3_000, 2, checks::config);
}

#[test]
fn version_order_laws() {
    let seeds = seeds(&[], &[], "version");
    run(&seeds, VERSION, 5_000, 3, checks::versions);
}

#[test]
fn markdown_pages() {
    for input in fuzz_inputs("markdown_page") {
        checks::markdown_page(&input);
    }
    let seeds = files(
        &[
            "content",
            "tests/fixtures/github-docs",
            "tests/fixtures/highlight",
        ],
        &[".md"],
    );
    run(&seeds, MARKDOWN, 1_000, 4, |text| {
        for selector in [0u8, 9, 0x13, 0xfe] {
            let mut data = vec![selector];
            data.extend_from_slice(text.as_bytes());
            checks::markdown_page(&data);
        }
    });
}

#[test]
fn layouts() {
    let mut seeds = files(&["themes/default/templates"], &[".html"]);
    seeds.extend(
        fuzz_inputs("layout")
            .into_iter()
            .filter_map(|b| String::from_utf8(b).ok()),
    );
    run(&seeds, TEMPLATE, 3_000, 5, checks::layout);
}

/// Layouts that always compile, composed from whole constructs around the page's HTML: printed
/// whole or otherwise, inside conditions, loops, captures, filter sections and raw blocks. The
/// mutated texts of [`layouts`] rarely compile; these do, so the slot's filling is compared with
/// the engine's rendering on every one that the slot accepts.
#[test]
fn composed_layouts() {
    fn compose(rng: &mut Rng, depth: usize, out: &mut String) {
        const LEAVES: &[&str] = &[
            "{{ page.content | safe }}",
            "{{- page.content|safe -}}",
            "{{ page?.content | safe }}",
            "{{ page.title }}",
            "<p>text</p>",
            " ",
            "{{ page.content | length }}",
            "{{ page.content | upper }}",
            "{{ page.content }}",
            "{{ page | length }}",
            "{# {{ page.content | wordcount }} #}",
            "{% raw %}{{ page.content | upper }}{% endraw %}",
            "{{ \"page.content\" }}",
            "{% set t = page.title %}{{ t }}",
        ];
        const WRAPS: &[(&str, &str)] = &[
            ("{% if page.toc %}", "{% endif %}"),
            ("{% if page.title == \"x\" %}{% else %}", "{% endif %}"),
            ("{% for e in page.toc %}{{ e.title }}", "{% endfor %}"),
            (
                "{% set captured %}",
                "{% endset %}{{ captured | length }}{{ captured | safe }}",
            ),
            ("{% filter trim %}", "{% endfilter %}"),
            ("{% filter upper %}", "{% endfilter %}"),
        ];
        for _ in 0..=rng.below(3) {
            if depth < 3 && rng.below(3) == 0 {
                let (open, close) = WRAPS[rng.below(WRAPS.len())];
                out.push_str(open);
                compose(rng, depth + 1, out);
                out.push_str(close);
            } else {
                out.push_str(rng.pick(LEAVES));
            }
        }
    }
    let mut rng = Rng(6);
    let started = Instant::now();
    for _ in 0..3_000 {
        let mut layout = String::new();
        compose(&mut rng, 0, &mut layout);
        let outcome = std::panic::catch_unwind(|| checks::layout(&layout));
        assert!(outcome.is_ok(), "failing layout: {layout:?}");
        if started.elapsed() > BUDGET {
            break;
        }
    }
}
