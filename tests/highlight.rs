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

/// The text of an HTML fragment, without its tags.
fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
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
        assert_eq!(text_of(highlighted[0]), "2b = 2", "{highlighted:?}");
        assert_eq!(text_of(highlighted[2]), "4d = 4", "{highlighted:?}");
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

/// True when one of the spans around `needle` has `class` among its classes.
fn has_class(html: &str, needle: &str, class: &str) -> bool {
    classes_around(html, needle)
        .iter()
        .any(|classes| classes.split(' ').any(|c| c == class))
}

fn assert_class(html: &str, needle: &str, class: &str) {
    assert!(
        has_class(html, needle, class),
        "{needle:?} has no {class}: {:?}\n{html}",
        classes_around(html, needle)
    );
}

/// `needle` is plain text: no span around it but those of the source itself.
fn assert_plain(html: &str, needle: &str) {
    let classes = classes_around(html, needle);
    assert!(
        classes.iter().all(|c| c.starts_with("hl-source ")),
        "{needle:?} is in {classes:?}\n{html}"
    );
}

fn assert_no_class(html: &str, needle: &str, class: &str) {
    assert!(
        !has_class(html, needle, class),
        "{needle:?} has {class}: {:?}\n{html}",
        classes_around(html, needle)
    );
}

const PYTHON: &str = r#"import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Framework(Base):
    """A framework.

    Spans lines."""

    name: str
    retries: int = 0x1F + 1_000 + 2.5e-3 + 3j

    async def to_json(self, *args, timeout: float = 1.5) -> str:
        # Keys sorted so output is stable.
        if not self.name or timeout is None:
            raise ValueError("bad name")
        note = """first
second"""
        path = rb'\d+' + b"\x00" + "tab\tend"
        await asyncio.sleep(0)
        return json.dumps({"name": self.name}, sort_keys=True)


match command:
    case [first, *rest]:
        print(first)
match = re.match(r"x", text)
"#;

#[test]
fn python_grammar_scopes() {
    for info in ["python", "py", "python3", "py3", "{.python}"] {
        let html = highlight_block(info, PYTHON).html;
        assert_balanced(&html);
        assert!(
            html.contains("data-lang=\"python\"><code class=\"language-python\">"),
            "{html}"
        );
        for (needle, class) in [
            (">import<", "hl-import"),
            (">from<", "hl-import"),
            (">class<", "hl-storage"),
            (">Framework<", "hl-class"),
            (">Framework<", "hl-entity"),
            (">def<", "hl-storage"),
            (">to_json<", "hl-entity"),
            (">to_json<", "hl-function"),
            (">async<", "hl-keyword"),
            (">await<", "hl-keyword"),
            (">if<", "hl-control"),
            (">raise<", "hl-control"),
            (">return<", "hl-control"),
            (">not<", "hl-keyword"),
            (">is<", "hl-keyword"),
            (">None<", "hl-constant"),
            (">True<", "hl-language"),
            (">self<", "hl-parameter"),
            (">args<", "hl-parameter"),
            (">timeout<", "hl-parameter"),
            (">sort_keys<", "hl-parameter"),
            (">frozen<", "hl-parameter"),
            (">str<", "hl-support"),
            (">float<", "hl-support"),
            (">print<", "hl-builtin"),
            (">ValueError<", "hl-exception"),
            (">dumps<", "hl-function"),
            (">sleep<", "hl-function"),
            (">0x1F<", "hl-numeric"),
            (">1_000<", "hl-numeric"),
            (">2.5e-3<", "hl-numeric"),
            (">3j<", "hl-numeric"),
            (">1.5<", "hl-numeric"),
            ("# Keys sorted so output is stable.", "hl-comment"),
            ("A framework.", "hl-comment"),
            ("Spans lines.", "hl-comment"),
            ("bad name", "hl-string"),
            (">tab<", "hl-string"),
            ("\\t", "hl-escape"),
            ("\\x00", "hl-escape"),
            (">=<", "hl-operator"),
            (">match<", "hl-keyword"),
            (">case<", "hl-keyword"),
        ] {
            assert_class(&html, needle, class);
        }
        // `self` in an expression is the language variable.
        assert_class(&html, ">self</span>.name}", "hl-language");
        // Decorators.
        assert_class(&html, ">dataclass<", "hl-decorator");
        assert_class(&html, ">dataclass<", "hl-function");
        // A raw string shows no escapes; its prefix is marked.
        assert_class(&html, "\\d+", "hl-string");
        assert_no_class(&html, "\\d+", "hl-escape");
        assert_class(&html, ">rb<", "hl-storage");
        // `match` used as a name is not a keyword; plain names have no span of their own.
        assert_plain(&html, "\nmatch ");
        assert_plain(&html, "(first)");
        // Base classes, a keyword after a relative import, `...`.
        assert_class(&html, ">Base<", "hl-inherited-class");
        let bases = highlight_block(info, "class A(B, c.D, metaclass=M):\n    pass\n").html;
        assert_class(&bases, ">B<", "hl-inherited-class");
        assert_class(&bases, ">c.D<", "hl-inherited-class");
        assert_class(&bases, ">metaclass<", "hl-parameter");
        let html = highlight_block(info, "from . import x\ndef f(): ...\n").html;
        assert_class(&html, ">import<", "hl-keyword");
        assert_class(&html, ">f<", "hl-function");
        assert_class(&html, ">...<", "hl-constant");
        // A `#` inside a string is not a comment.
        let html = highlight_block("python", "x = \"a # b\"  # c\n").html;
        assert_no_class(&html, "a # b", "hl-comment");
        assert_class(&html, "# c", "hl-comment");
    }
}

#[test]
fn python_triple_quoted_strings_span_lines() {
    let code = "x = \"\"\"first\nsecond # not a comment\n\"\"\"\ny = 42\n";
    for info in ["python", "python linenos"] {
        let html = highlight_block(info, code).html;
        assert_balanced(&html);
        assert_class(&html, "first", "hl-string");
        assert_class(&html, "second # not a comment", "hl-string");
        assert_no_class(&html, "second # not a comment", "hl-comment");
        // The string ends: the next line is code again.
        assert_no_class(&html, "y ", "hl-string");
        assert_class(&html, ">42<", "hl-numeric");
    }
    // With line numbers, the second line reopens the string in its own span.
    let html = highlight_block("python linenos", code).html;
    let second = html.split("<span class=\"line\">").nth(2).unwrap();
    assert!(second.contains("hl-string"), "{second}");
    // The single-quoted and raw forms, and an f-string.
    let html = highlight_block("py", "s = f'''a {x}\nb {y}'''\nr = R\"\"\"\\n\n\"\"\"\n").html;
    assert_no_class(&html, ">y<", "hl-string");
    assert_class(&html, "b ", "hl-string");
    assert_class(&html, "\\n", "hl-string");
    assert_no_class(&html, "\\n", "hl-escape");
}

#[test]
fn python_f_string_fields_are_code() {
    let code = "msg = f\"{name!r:>10} {{lit}} {len(items) + 1} {d['k']}\"\n";
    let html = highlight_block("python", code).html;
    assert_balanced(&html);
    assert_class(&html, ">f<", "hl-storage");
    // The fields are expressions inside the string, not string text.
    for needle in [">name<", ">len<", "(items)", ">1<", ">+<"] {
        assert_no_class(&html, needle, "hl-string");
    }
    assert_class(&html, ">len<", "hl-builtin");
    assert_class(&html, ">1<", "hl-numeric");
    assert_class(&html, ">+<", "hl-operator");
    assert_class(&html, ">!r<", "hl-conversion");
    assert_class(&html, ":&gt;10", "hl-format-spec");
    // `{{` and `}}` are escapes, not fields.
    assert_class(&html, ">{{<", "hl-escape");
    assert_class(&html, "lit", "hl-string");
    // A string inside a field is a string again.
    assert_class(&html, ">k<", "hl-string");
    // The text around the fields is string.
    assert_class(&html, "&quot;", "hl-string");
}

const BASH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
# Drain the nodes.
for node in $(cat nodes.txt); do
  echo "draining ${node} (${#node} chars)" a#b
  curl -fsS --max-time=10 "http://${node}:5050/drain" || exit 1
done
export PATH="$HOME/bin:$PATH" COUNT=$(( n * 2 + 1 ))
sudo systemctl restart agent.service && echo $'done\n' `date +%s`
if [ -z "${VAR:-}" ]; then printf '%s\n' "$1" >&2; fi
case "$1" in
  start|stop) run "$@" ;;
  *) exit 2 ;;
esac
deploy() { local name=$1; }
cat <<-'EOF' > /etc/app.conf
	key = $notexpanded
	EOF
cat <<EOF | sort
user $USER on $(hostname)
EOF
echo after
"#;

#[test]
fn bash_grammar_scopes() {
    for info in ["bash", "sh", "shell", "zsh"] {
        let html = highlight_block(info, BASH).html;
        assert_balanced(&html);
        assert!(
            html.contains("data-lang=\"bash\"><code class=\"language-bash\">"),
            "{html}"
        );
        for (needle, class) in [
            ("#!/usr/bin/env bash", "hl-comment"),
            ("# Drain the nodes.", "hl-comment"),
            (">set<", "hl-builtin"),
            (">-euo<", "hl-option"),
            (">for<", "hl-keyword"),
            (">in<", "hl-keyword"),
            (">do<", "hl-keyword"),
            (">done<", "hl-keyword"),
            (">cat<", "hl-function"),
            (">echo<", "hl-builtin"),
            ("draining ", "hl-string"),
            (">node<", "hl-variable"),
            (">curl<", "hl-function"),
            (">-fsS<", "hl-option"),
            (">--max-time<", "hl-option"),
            (">||<", "hl-operator"),
            (">exit<", "hl-builtin"),
            (">export<", "hl-storage"),
            (">PATH<", "hl-variable"),
            (">$HOME<", "hl-variable"),
            (">2<", "hl-numeric"),
            (">sudo<", "hl-function"),
            (">systemctl<", "hl-function"),
            (">&amp;&amp;<", "hl-operator"),
            ("\\n", "hl-escape"),
            (">date<", "hl-function"),
            (">if<", "hl-keyword"),
            (">[<", "hl-builtin"),
            (">-z<", "hl-option"),
            (">VAR<", "hl-variable"),
            (">:-<", "hl-operator"),
            (">then<", "hl-keyword"),
            ("%s\\n", "hl-string"),
            (">$1<", "hl-variable"),
            (">&gt;&amp;<", "hl-redirection"),
            (">fi<", "hl-keyword"),
            (">case<", "hl-keyword"),
            (">run<", "hl-function"),
            (">$@<", "hl-variable"),
            (">esac<", "hl-keyword"),
            (">deploy<", "hl-entity"),
            (">local<", "hl-storage"),
            (">name<", "hl-variable"),
        ] {
            assert_class(&html, needle, class);
        }
        // `#` inside a word or a parameter expansion does not start a comment.
        assert_no_class(&html, "a#b", "hl-comment");
        assert_no_class(&html, " chars)", "hl-comment");
        assert_class(&html, ">#<", "hl-expansion");
        // Globs, the end of a test, `return` with its argument.
        let small = highlight_block(info, "[ -f a ] && ls *.proto\nf() { return 1; }\n").html;
        assert_class(&small, ">]<", "hl-builtin");
        assert_class(&small, ">*<", "hl-operator");
        assert_class(&small, ">return<", "hl-keyword");
        assert_plain(&small, " 1<");
        // Arguments are not command names.
        assert_no_class(&html, "restart agent.service", "hl-function");
    }
}

#[test]
fn bash_heredocs_are_strings() {
    let html = highlight_block("bash", BASH).html;
    // Quoted word: the body is literal text, the terminator may be indented by tabs.
    assert_class(&html, "key = $notexpanded", "hl-heredoc");
    assert_class(&html, "key = $notexpanded", "hl-string");
    assert_no_class(&html, "key = $notexpanded", "hl-variable");
    assert_class(&html, ">EOF<", "hl-heredoc-token");
    // The rest of the `<<` line is still a command line.
    assert_class(&html, ">&gt;<", "hl-redirection");
    assert_no_class(&html, " /etc/app.conf", "hl-string");
    assert_class(&html, ">sort<", "hl-function");
    // Unquoted word: expansions in the body.
    assert_class(&html, "user ", "hl-heredoc");
    assert_class(&html, ">$USER<", "hl-variable");
    assert_class(&html, ">hostname<", "hl-function");
    // After the terminator, commands again.
    assert_no_class(&html, "after", "hl-string");
    assert_class(&html, ">echo</span> after", "hl-builtin");
}

#[test]
fn bash_command_substitution_nests() {
    let code = "echo \"a $(basename \"$(pwd)\" | tr a-z A-Z) b\" && ls -l `which git`\n";
    let html = highlight_block("bash", code).html;
    assert_balanced(&html);
    // Each substitution starts a command of its own.
    assert_class(&html, ">basename<", "hl-function");
    assert_class(&html, ">pwd<", "hl-function");
    assert_class(&html, ">tr<", "hl-function");
    assert_class(&html, ">which<", "hl-function");
    // The inner `)` closes only the inner substitution: the pipe and `tr` are still in the
    // outer one, inside the string.
    assert_class(&html, ">tr<", "hl-string");
    assert_class(&html, " b", "hl-string");
    // After the string, a new command.
    assert_class(&html, ">&amp;&amp;<", "hl-operator");
    assert_class(&html, ">ls<", "hl-function");
    assert_no_class(&html, ">ls<", "hl-string");
    assert_class(&html, ">-l<", "hl-option");
    // Blanks inside the parentheses, and a clause list indented under `case`.
    let code = "x=$( ls ) ; ( cd /tmp ; make )\ncase $1 in\n    a) echo a ;;\n  esac\necho after\n";
    let html = highlight_block("bash", code).html;
    assert_balanced(&html);
    assert_class(&html, ">ls<", "hl-function");
    assert_class(&html, ">make<", "hl-function");
    assert_class(&html, ">esac<", "hl-keyword");
    assert_class(&html, ">echo</span> after", "hl-builtin");
    assert_plain(&html, " after");
    // Arithmetic nests parentheses too.
    let html = highlight_block("bash", "echo $(( (a + 1) * 2 )) $((x))\n").html;
    assert_balanced(&html);
    assert_class(&html, ">1<", "hl-numeric");
    assert_class(&html, ">*<", "hl-arithmetic");
    assert_class(&html, ">2<", "hl-numeric");
}

#[test]
fn console_commands_use_the_bash_grammar() {
    let code = "$ sudo apt-get install -y protobuf-compiler # quick\nReading package lists...\n";
    let html = highlight_block("console", code).html;
    assert_balanced(&html);
    assert_class(&html, ">sudo<", "hl-function");
    assert_class(&html, ">apt-get<", "hl-function");
    assert_class(&html, ">-y<", "hl-option");
    assert_class(&html, "# quick", "hl-comment");
    assert_eq!(
        classes_around(&html, "Reading package lists..."),
        Vec::<String>::new()
    );
}
