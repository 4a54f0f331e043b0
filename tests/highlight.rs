//! Integration tests for `upnotes::highlight`.

use std::collections::BTreeSet;
use std::path::Path;

use upnotes::highlight::{
    DEFAULT_DARK_THEME, DEFAULT_LIGHT_THEME, FenceInfo, HighlightedBlock, available_themes,
    default_theme_css, highlight_block, theme_css,
};

const SPAN: &str = "<span class=\"hl-";

/// `(info, code)` of every fenced block in a Markdown file (backtick fences at column 0).
fn fenced_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match current.take() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    current = Some((info.trim().to_string(), String::new()));
                }
            }
            Some((info, mut code)) => {
                if line.trim_end() == "```" {
                    blocks.push((info, code));
                } else {
                    code.push_str(line);
                    code.push('\n');
                    current = Some((info, code));
                }
            }
        }
    }
    assert!(current.is_none(), "unclosed fence");
    blocks
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/highlight")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The classes of every `<span>` that encloses `needle` (innermost last).
fn classes_around(html: &str, needle: &str) -> Vec<String> {
    let pos = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {html}"));
    let mut stack: Vec<String> = Vec::new();
    let mut rest = &html[..pos];
    while let Some(tag) = rest.find('<') {
        rest = &rest[tag..];
        if let Some(after) = rest.strip_prefix("<span class=\"") {
            let end = after.find('"').unwrap();
            stack.push(after[..end].to_string());
        } else if rest.starts_with("</span>") {
            stack.pop();
        }
        rest = &rest[1..];
    }
    stack
}

/// The innermost class list around `needle`.
fn innermost(html: &str, needle: &str) -> String {
    classes_around(html, needle)
        .pop()
        .unwrap_or_else(|| panic!("{needle:?} is not inside a span in {html}"))
}

fn assert_balanced(html: &str) {
    assert_eq!(
        html.matches("<span").count(),
        html.matches("</span>").count(),
        "unbalanced spans in {html}"
    );
}

#[test]
fn every_language_of_the_fixture_page() {
    let page = fixture("languages.md");
    let blocks = fenced_blocks(&page);
    let plain = ["", "txt", "text", "plain"];
    let mut seen = BTreeSet::new();
    for (info, code) in &blocks {
        let HighlightedBlock {
            html,
            unknown_language,
        } = highlight_block(info, code);
        assert!(
            html.starts_with("<pre class=\"highlight\""),
            "{info}: {html}"
        );
        assert!(html.ends_with("</code></pre>\n"), "{info}: {html}");
        assert_balanced(&html);
        seen.insert(info.as_str());
        if info == "klingon" {
            assert_eq!(unknown_language.as_deref(), Some("klingon"));
            assert!(!html.contains(SPAN), "{info}: {html}");
            assert!(
                html.contains("Qapla&#39;") || html.contains("Qapla'"),
                "{html}"
            );
        } else if plain.contains(&info.as_str()) {
            assert_eq!(unknown_language, None, "{info}");
            assert!(!html.contains(SPAN), "{info}: {html}");
        } else {
            assert_eq!(unknown_language, None, "{info}");
            assert!(html.contains(SPAN), "{info} not highlighted: {html}");
        }
    }
    for info in [
        "protobuf",
        "proto",
        "protoc",
        "proto2",
        "proto3",
        "python",
        "py",
        "python3",
        "bash",
        "sh",
        "shell",
        "zsh",
        "console",
        "shell-session",
        "json",
        "yaml",
        "yml",
        "toml",
        "cpp",
        "c++",
        "cc",
        "hpp",
        "c",
        "h",
        "java",
        "go",
        "rust",
        "rs",
        "scala",
        "sql",
        "xml",
        "html",
        "diff",
        "patch",
        "dockerfile",
        "ini",
        "txt",
        "text",
        "plain",
        "",
        "{.cpp}",
        "{.proto}",
        "{.console}",
        "{.python .numberLines}",
        "klingon",
    ] {
        assert!(seen.contains(info), "fixture has no {info:?} block");
    }
}

#[test]
fn output_shape_and_canonical_names() {
    let block = highlight_block("py", "x = 1\n");
    assert!(
        block.html.starts_with(
            "<pre class=\"highlight\" data-lang=\"python\"><code class=\"language-python\">"
        ),
        "{}",
        block.html
    );
    for (info, name) in [
        ("proto3", "protobuf"),
        ("{.proto}", "protobuf"),
        ("c++", "cpp"),
        ("yml", "yaml"),
        ("shell-session", "console"),
        ("RS", "rust"),
        ("kotlin", "kotlin"),
    ] {
        let html = highlight_block(info, "x\n").html;
        assert!(
            html.contains(&format!(
                "data-lang=\"{name}\"><code class=\"language-{name}\">"
            )),
            "{info}: {html}"
        );
    }
    let html = highlight_block("", "x\n").html;
    assert_eq!(html, "<pre class=\"highlight\"><code>x\n</code></pre>\n");
}

const PROTO3: &str = r#"// Search API.
syntax = "proto3";
package search.v1;
import "google/protobuf/timestamp.proto";
option java_package = "com.example.search";

/* A query. */
message SearchRequest {
  string query = 1;
  int32 page_number = 2;
  optional int64 page_size = 3 [deprecated = true];
  repeated Result results = 4;
  map<string, int32> counts = 5;
  google.protobuf.Timestamp at = 6;
  reserved 7, 15, 9 to 11;
  reserved "foo", "bar";
  message Result {
    string url = 1;
  }
  enum Corpus {
    CORPUS_UNSPECIFIED = 0;
    CORPUS_WEB = 1;
  }
  oneof filter {
    string name = 8;
    SubFilter sub = 12;
  }
}

service SearchService {
  rpc Search(SearchRequest) returns (SearchResponse);
  rpc Watch(stream SearchRequest) returns (stream SearchResponse);
}
"#;

const PROTO2: &str = r#"syntax = "proto2";
package legacy;
message Foo {
  required int32 id = 1;
  optional string name = 2 [default = "x"];
  optional int32 count = 3 [default = 5];
  repeated Bar bars = 4;
  extensions 100 to 199;
}
"#;

#[test]
fn protobuf_scopes_are_distinct() {
    for info in ["protobuf", "proto", "protoc", "proto3"] {
        let html = highlight_block(info, PROTO3).html;
        assert_balanced(&html);

        let keyword = innermost(&html, ">message<");
        let scalar = innermost(&html, ">int32<");
        let message_type = innermost(&html, ">Result<");
        let number = innermost(&html, ">15<");
        let string = innermost(&html, "google/protobuf/timestamp.proto");
        let line_comment = innermost(&html, " Search API.");
        let block_comment = innermost(&html, " A query. ");

        assert!(keyword.contains("hl-keyword"), "{keyword}");
        assert!(scalar.contains("hl-type"), "{scalar}");
        assert!(message_type.contains("hl-class"), "{message_type}");
        assert!(number.contains("hl-numeric"), "{number}");
        assert!(string.contains("hl-string"), "{string}");
        assert!(line_comment.contains("hl-comment"), "{line_comment}");
        assert!(block_comment.contains("hl-comment"), "{block_comment}");

        let distinct: BTreeSet<&str> = [&keyword, &scalar, &message_type, &number, &string]
            .into_iter()
            .map(String::as_str)
            .collect();
        assert_eq!(distinct.len(), 5, "{distinct:?}");
        assert!(!distinct.iter().any(|c| c.contains("hl-comment")));

        // The other constructs each have their own scope too.
        for (needle, class) in [
            (">syntax<", "hl-keyword"),
            (">package<", "hl-keyword"),
            (">import<", "hl-keyword"),
            (">option<", "hl-keyword"),
            (">enum<", "hl-keyword"),
            (">oneof<", "hl-keyword"),
            (">service<", "hl-keyword"),
            (">rpc<", "hl-keyword"),
            (">returns<", "hl-keyword"),
            (">reserved<", "hl-keyword"),
            (">repeated<", "hl-modifier"),
            (">optional<", "hl-modifier"),
            (">stream<", "hl-modifier"),
            (">map<", "hl-type"),
            (">Timestamp<", "hl-class"),
            (">SubFilter<", "hl-class"),
            (">SearchRequest<", "hl-entity"),
            (">CORPUS_WEB<", "hl-constant"),
            (">java_package<", "hl-attribute-name"),
            (">true<", "hl-constant"),
            (">Search<", "hl-function"),
            ("foo", "hl-string"),
        ] {
            let classes = innermost(&html, needle);
            assert!(classes.contains(class), "{needle}: {classes}");
        }
    }

    let html = highlight_block("proto2", PROTO2).html;
    assert!(innermost(&html, ">required<").contains("hl-modifier"));
    assert!(innermost(&html, ">default<").contains("hl-attribute-name"));
    assert!(innermost(&html, ">5<").contains("hl-numeric"));
    assert!(innermost(&html, ">Bar<").contains("hl-class"));
    assert!(innermost(&html, ">extensions<").contains("hl-keyword"));
    assert!(innermost(&html, ">199<").contains("hl-numeric"));

    // Editions, and the fragments that notes typically show.
    let html = highlight_block("proto", "edition = \"2023\";\n").html;
    assert!(innermost(&html, ">edition<").contains("hl-keyword"));
    let html = highlight_block("proto", "  repeated Foo foos = 3;\n").html;
    assert!(innermost(&html, ">Foo<").contains("hl-class"));
    assert!(innermost(&html, ">3<").contains("hl-numeric"));
}

#[test]
fn console_sessions() {
    let code = concat!(
        "$ pip install protobuf==5.27.0\n",
        "Collecting protobuf\n",
        "user@host:~/src$ protoc \\\n",
        "    --python_out=. foo.proto\n",
        "# apt-get install -y protobuf-compiler\n",
        "Done.\n",
    );
    let block = highlight_block("console", code);
    assert_eq!(block.unknown_language, None);
    let html = &block.html;
    assert_balanced(html);
    let lines: Vec<&str> = html.trim_start_matches(|c| c != '>').split('\n').collect();
    // Prompt lines: the prompt has its own span, the command is highlighted as bash.
    assert!(
        lines[0].contains("<span class=\"hl-prompt\">$ </span>"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("hl-bash"), "{}", lines[0]);
    assert!(
        lines[2].contains("<span class=\"hl-prompt\">user@host:~/src$ </span>"),
        "{}",
        lines[2]
    );
    // A continuation line is still part of the command.
    assert!(lines[3].contains(SPAN), "{}", lines[3]);
    assert!(!lines[3].contains("hl-prompt"), "{}", lines[3]);
    assert!(
        lines[4].contains("<span class=\"hl-prompt\"># </span>"),
        "{}",
        lines[4]
    );
    // Output lines are plain.
    assert_eq!(lines[1], "Collecting protobuf");
    assert_eq!(lines[5], "Done.");
    assert!(!lines[5].contains("<span"));
    assert_eq!(classes_around(html, "Collecting"), Vec::<String>::new());

    // Output that merely looks like a prompt character stays plain.
    let html = highlight_block("console", "$ echo '> not a prompt'\n> not a prompt\n").html;
    assert!(html.contains("<span class=\"hl-prompt\">&gt; </span>") || !html.contains(SPAN));
    let html = highlight_block("console", "progress 100%\n> quoted\n").html;
    assert!(!html.contains(SPAN), "{html}");
}

#[test]
fn pandoc_attributes() {
    let html = highlight_block("{.cpp}", "int main() { return 0; }\n").html;
    assert!(html.contains("data-lang=\"cpp\""), "{html}");
    assert!(html.contains("hl-source hl-c++"), "{html}");

    let html = highlight_block("{.python .numberLines startFrom=\"10\"}", "a = 1\nb = 2\n").html;
    assert!(html.contains("data-lang=\"python\""), "{html}");
    assert!(
        html.contains("<span class=\"ln\" aria-hidden=\"true\">10</span>"),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"ln\" aria-hidden=\"true\">11</span>"),
        "{html}"
    );

    let html = highlight_block("{#listing .console}", "$ ls\nfile\n").html;
    assert!(html.contains("hl-prompt"), "{html}");
}

#[test]
fn line_numbers_and_highlighted_lines() {
    let code = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\n";
    for info in ["python,linenos,hl_lines=2-4", "python linenos hl_lines=2-4"] {
        let html = highlight_block(info, code).html;
        assert_balanced(&html);
        assert_eq!(html.matches("<span class=\"line").count(), 6, "{html}");
        assert_eq!(
            html.matches("<span class=\"line hl\">").count(),
            3,
            "{html}"
        );
        for n in 1..=6 {
            assert!(
                html.contains(&format!(
                    "<span class=\"ln\" aria-hidden=\"true\">{n}</span>"
                )),
                "{html}"
            );
        }
        let highlighted: Vec<&str> = html
            .split("<span class=\"line hl\">")
            .skip(1)
            .map(|s| &s[..s.find('\n').unwrap()])
            .collect();
        assert!(highlighted[0].contains(">b<"), "{highlighted:?}");
        assert!(highlighted[2].contains(">d<"), "{highlighted:?}");
    }

    let html = highlight_block("python linenos hl_lines=2 5-6", code).html;
    let hl: Vec<usize> = html
        .split('\n')
        .enumerate()
        .filter(|(_, l)| l.contains("<span class=\"line hl\">"))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hl, vec![2, 5, 6]);

    // Highlighted lines without numbers, on plain text.
    let html = highlight_block("text hl_lines=1", "x\ny\n").html;
    assert!(
        html.contains("<span class=\"line hl\">x</span>\n<span class=\"line\">y</span>\n"),
        "{html}"
    );
    assert!(!html.contains("class=\"ln\""), "{html}");
    assert!(!html.contains(SPAN), "{html}");

    // Each wrapped line holds balanced spans even inside a multi-line string.
    let html = highlight_block("python linenos", "s = \"\"\"one\ntwo\"\"\"\n").html;
    for line in html.lines().filter(|l| l.contains("class=\"line")) {
        assert_balanced(line);
    }
}

#[test]
fn code_is_escaped() {
    let code = "<script>alert('x') && 1 < 2</script>\n";
    for info in [
        "html",
        "python",
        "text",
        "klingon",
        "",
        "console",
        "python linenos",
    ] {
        let html = highlight_block(info, code).html;
        assert!(!html.contains("<script>"), "{info}: {html}");
        assert!(html.contains("&lt;"), "{info}: {html}");
        assert!(html.contains("&amp;"), "{info}: {html}");
    }
    // Info strings are escaped too.
    let block = highlight_block("a\"<b>", "x\n");
    assert!(!block.html.contains("<b>"), "{}", block.html);
    assert_eq!(block.unknown_language.as_deref(), Some("a\"<b>"));
}

#[test]
fn odd_inputs_do_not_panic() {
    let huge_line = format!("x = \"{}\"\n", "a".repeat(200_000));
    let long_code = "fn f() {}\n".repeat(300);
    let codes: Vec<String> = vec![
        String::new(),
        "\n".into(),
        "no trailing newline".into(),
        "a = 1\r\nb = 2\r\n".into(),
        "lone\rcarriage\r".into(),
        "\u{feff}bom \u{0} nul \u{fffd} replacement \u{202e} rtl 🦀\n".into(),
        "\"unterminated string\n/* unterminated comment\n".into(),
        "}}}}]]]))) {{{{ (((( [[[[\n".into(),
        huge_line,
        long_code,
        "$\n$ \n# \n> \n\\\n$ echo \\".into(),
    ];
    let infos = [
        "",
        "python",
        "proto",
        "proto2",
        "console",
        "bash",
        "json",
        "yaml",
        "cpp",
        "diff",
        "rust",
        "text",
        "klingon",
        "{",
        "}",
        "{}",
        "{.}",
        "{.python",
        ",,,",
        "   ",
        "python,",
        "=",
        "a=b=c",
        "python hl_lines=",
        "python hl_lines=9-1",
        "python hl_lines=1-99999999999999999999",
        "python linenostart=18446744073709551615 linenos",
        "python {1-}",
        "\u{0}",
        "🦀 linenos",
        "python linenos hl_lines=1",
        "console linenos hl_lines=2",
    ];
    for info in infos {
        for code in &codes {
            let block = highlight_block(info, code);
            assert!(block.html.starts_with("<pre"), "{info}");
            assert!(block.html.ends_with("</pre>\n"), "{info}");
            assert_balanced(&block.html);
        }
    }
    // CRLF is normalised.
    let html = highlight_block("python", "a = 1\r\nb = 2\r\n").html;
    assert!(!html.contains('\r'));
    // Text survives without a trailing newline.
    let html = highlight_block("python", "print(1)").html;
    assert!(html.contains(">print<"), "{html}");
    assert!(html.contains(">)</span>"), "{html}");
}

#[test]
fn fence_info_parsing() {
    let f = FenceInfo::parse("python linenos hl_lines=2 5-6");
    assert_eq!(f.lang, "python");
    assert!(f.line_numbers);
    assert_eq!(f.highlight_lines, vec![2..=2, 5..=6]);
    let f = FenceInfo::parse("{.python .numberLines}");
    assert_eq!(f.lang, "python");
    assert!(f.line_numbers);
}

#[test]
fn theme_stylesheet() {
    let css = theme_css(DEFAULT_LIGHT_THEME, DEFAULT_DARK_THEME).unwrap();
    assert_eq!(css, default_theme_css());
    let dark_at = css.find("@media (prefers-color-scheme: dark) {").unwrap();
    let light_at = css.find("@media (prefers-color-scheme: light) {").unwrap();
    assert!(light_at < dark_at);
    // Both halves style tokens with the same prefixed classes as the HTML.
    assert!(css[light_at..dark_at].contains(".hl-comment"), "{css}");
    assert!(css[dark_at..].contains(".hl-comment"), "{css}");
    assert!(css[light_at..dark_at].contains("pre.highlight {"), "{css}");
    assert!(css[dark_at..].contains("pre.highlight {"), "{css}");
    assert!(css.contains(".hl-prompt"));
    assert_eq!(css.matches('{').count(), css.matches('}').count());
    // Both themes colour the scopes of the protobuf test (keywords, types, strings, numbers).
    for half in [&css[light_at..dark_at], &css[dark_at..]] {
        for class in [
            ".hl-keyword",
            ".hl-storage",
            ".hl-string",
            ".hl-constant",
            ".hl-comment",
        ] {
            assert!(half.contains(class), "{class} missing");
        }
    }

    assert!(available_themes().len() > 10);
    assert!(theme_css("Nord", "Monokai Extended").is_ok());
    let err = theme_css("Nope", DEFAULT_DARK_THEME).unwrap_err();
    assert!(err.to_string().contains("Nope"));
    assert!(err.to_string().contains(DEFAULT_LIGHT_THEME));
}
