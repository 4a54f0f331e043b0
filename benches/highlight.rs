//! Highlighting throughput (MB/s of code) per language, on the code blocks of the benchmark corpus:
//! each grammar without the line memo, then the three languages mixed with it.
//!
//! `cargo bench --bench highlight`; the figures go into BENCHMARKS.md.

#[path = "support/corpus.rs"]
mod corpus;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// The fenced code blocks of `language` in the first `pages` corpus pages.
fn blocks(language: &str, pages: usize) -> Vec<String> {
    let fence = format!("```{language}\n");
    corpus::pages(1, pages)
        .iter()
        .flat_map(|page| {
            let body = corpus::page_body(1, page, pages, corpus::LinkStyle::SourceFile);
            let start = body.find(&fence).map(|i| i + fence.len());
            start.and_then(|s| body[s..].find("```\n").map(|e| body[s..s + e].to_string()))
        })
        .collect()
}

/// `code` made unique by a trailing comment: `highlight_block` memoises blocks per process, and a
/// cold build highlights every block once.
fn unique(language: &str, code: &str, n: u64) -> String {
    let comment = if language == "protobuf" { "//" } else { "#" };
    format!("{code}{comment} {n}\n")
}

fn highlight(c: &mut Criterion) {
    upnotes::highlight::preload();
    // The grammars themselves: every line parsed. `mixed_line_memo` below measures the memo.
    upnotes::highlight::set_line_memo(false);
    let mut group = c.benchmark_group("highlight");
    let mut counter = 0u64;
    for language in ["protobuf", "python", "bash", "text"] {
        // One block at a time, as pages are rendered: per-block setup counts. `text` is the
        // floor: the same Python code escaped without syntect.
        let source = if language == "text" {
            "python"
        } else {
            language
        };
        let code = blocks(source, 50);
        let bytes: usize = code
            .iter()
            .map(|b| unique(language, b, 1_000_000).len())
            .sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(language, |b| {
            b.iter_batched(
                || {
                    counter += 1;
                    let n = 1_000_000 + counter;
                    code.iter()
                        .map(|c| unique(language, c, n))
                        .collect::<Vec<_>>()
                },
                |blocks| {
                    for block in &blocks {
                        black_box(upnotes::highlight::highlight_block(language, block));
                    }
                },
                BatchSize::LargeInput,
            );
        });
    }
    // The corpus's three blocks a page, each made unique, with the line memo on: what a large
    // build pays per block once the memo holds the lines that repeat from page to page.
    upnotes::highlight::set_line_memo(true);
    let mixed: Vec<(&str, String)> = ["protobuf", "python", "bash"]
        .into_iter()
        .flat_map(|language| blocks(language, 50).into_iter().map(move |b| (language, b)))
        .collect();
    let bytes: usize = mixed
        .iter()
        .map(|(language, b)| unique(language, b, 1_000_000).len())
        .sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("mixed_line_memo", |b| {
        b.iter_batched(
            || {
                counter += 1;
                let n = 1_000_000 + counter;
                mixed
                    .iter()
                    .map(|(language, c)| (*language, unique(language, c, n)))
                    .collect::<Vec<_>>()
            },
            |blocks| {
                for (language, block) in &blocks {
                    black_box(upnotes::highlight::highlight_block(language, block));
                }
            },
            BatchSize::LargeInput,
        );
    });
    // The same blocks again and again: what a memo hit costs (warm rebuilds, notes on 3 pages).
    let code = blocks("python", 50);
    let bytes: usize = code.iter().map(String::len).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("python_memo_hit", |b| {
        b.iter(|| {
            for block in &code {
                black_box(upnotes::highlight::highlight_block("python", block));
            }
        });
    });
    group.finish();
}

/// What every process pays once: deserialising two-face's syntax set (cold start of a build).
fn syntax_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    group.bench_function("two_face_syntax_set", |b| {
        b.iter(|| black_box(two_face::syntax::extra_newlines()));
    });
    group.bench_function("theme_css", |b| {
        b.iter(|| black_box(upnotes::highlight::default_theme_css()));
    });
    group.finish();
}

criterion_group!(benches, highlight, syntax_load);
criterion_main!(benches);
