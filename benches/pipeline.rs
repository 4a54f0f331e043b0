//! The per-page stages of a build, on pages of the benchmark corpus: front matter, Markdown
//! (with and without highlighting), the page template, and a whole page.
//!
//! `cargo bench --bench pipeline`; the figures go into BENCHMARKS.md.

#[path = "support/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use upnotes::build::Loaded;
use upnotes::content::frontmatter;
use upnotes::markdown::{self, KeepLinks, Source};
use upnotes::render::{PageContext, RenderOptions, Renderer, SiteContext, TemplateContext};

/// Pages in the corpus the benchmarks draw from (links point among these).
const PAGES: usize = 20;

fn write_site(root: &Path, files: &[corpus::File]) {
    for file in files {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create folder");
        std::fs::write(path, &file.text).expect("write file");
    }
}

fn docs_sources() -> Vec<String> {
    corpus::upnotes_docs(1, PAGES)
        .into_iter()
        .filter(|f| f.path.starts_with("content/s"))
        .map(|f| f.text)
        .collect()
}

fn front_matter(c: &mut Criterion) {
    let pages = docs_sources();
    let notes: Vec<String> = corpus::upnotes_guide(1, 5, 4)
        .into_iter()
        .filter(|f| f.path.contains("/note-"))
        .map(|f| f.text)
        .collect();
    let mut group = c.benchmark_group("front_matter");
    for (name, sources) in [("page", &pages), ("note", &notes)] {
        group.throughput(Throughput::Elements(sources.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for source in sources {
                    let split = frontmatter::split(source).expect("closed");
                    let yaml = split.yaml.expect("has front matter");
                    black_box(frontmatter::parse(yaml, split.yaml_line).expect("valid"));
                }
            });
        });
    }
    group.finish();
}

fn markdown(c: &mut Criterion) {
    upnotes::highlight::preload();
    let bodies: Vec<String> = docs_sources()
        .iter()
        .map(|s| frontmatter::split(s).expect("closed").body.to_string())
        .collect();
    // The same pages with every fence marked `text`: Markdown alone, without syntect.
    let plain: Vec<String> = bodies
        .iter()
        .map(|b| {
            b.replace("```protobuf", "```text")
                .replace("```python", "```text")
                .replace("```bash", "```text")
        })
        .collect();
    let bytes: usize = bodies.iter().map(String::len).sum();
    let mut group = c.benchmark_group("markdown");
    group.throughput(Throughput::Bytes(bytes as u64));
    // Every code block made unique per iteration: `highlight_block` memoises blocks per process.
    let mut counter = 0u64;
    group.bench_function("highlighted", |b| {
        b.iter_batched(
            || {
                counter += 1;
                let n = counter;
                bodies
                    .iter()
                    .map(|body| {
                        body.replace("```protobuf\n", &format!("```protobuf\n// {n}\n"))
                            .replace("```python\n", &format!("```python\n# {n}\n"))
                            .replace("```bash\n", &format!("```bash\n# {n}\n"))
                    })
                    .collect::<Vec<_>>()
            },
            |texts| {
                for text in &texts {
                    black_box(markdown::render_for(
                        Source {
                            text,
                            first_line: 4,
                        },
                        &KeepLinks,
                        site_styling(),
                    ));
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("code_as_text", |b| {
        b.iter(|| {
            for text in &plain {
                black_box(markdown::render_for(
                    Source {
                        text,
                        first_line: 4,
                    },
                    &KeepLinks,
                    site_styling(),
                ));
            }
        });
    });
    group.finish();
}

fn templates(c: &mut Criterion) {
    upnotes::highlight::preload();
    let dir = tempfile::tempdir().expect("temp dir");
    write_site(dir.path(), &corpus::upnotes_docs(1, PAGES));
    let Loaded {
        config,
        site,
        templates,
        ..
    } = upnotes::build::load(dir.path(), false).expect("corpus loads");
    let site_context = SiteContext::new(&config);
    let renderer = Renderer {
        site: &site_context,
        model: &site,
        templates: &templates,
        options: RenderOptions::default(),
    };
    let page = site
        .pages
        .iter()
        .find(|p| p.layout == "documentation")
        .expect("a documentation page");
    let rendered = markdown::render_for(
        Source {
            text: page.doc.body(),
            first_line: page.doc.body_line,
        },
        &KeepLinks,
        site_styling(),
    );
    let mut group = c.benchmark_group("template");
    group.throughput(Throughput::Elements(1));
    // The layout alone: context serialisation plus Tera, with the body already rendered.
    group.bench_function("documentation_layout", |b| {
        b.iter(|| {
            let context = TemplateContext {
                site: &site_context,
                page: PageContext {
                    title: &page.title,
                    description: None,
                    url: &page.url,
                    permalink: format!("{}{}", site_context.base_url, page.url),
                    source: &page.doc.rel,
                    layout: &page.layout,
                    content: rendered.html.clone(),
                    toc: rendered.toc.clone(),
                },
                root: "../../../".to_string(),
                index_file: "",
                guide: None,
                version: None,
                path: None,
            };
            let size = context.page.content.len() + upnotes::render::LAYOUT_SIZE;
            let context = tera::Context::from_serialize(&context).expect("serialises");
            black_box(
                templates
                    .render("documentation.html", &context, &page.doc.source, size)
                    .expect("renders"),
            )
        });
    });
    // A whole page as the build renders it: Markdown, links, layout; its code blocks are memo
    // hits after the first iteration (as on a rebuild in `serve`).
    group.bench_function("whole_page_memo_hit", |b| {
        b.iter(|| black_box(renderer.page(page).expect("renders")));
    });
    group.finish();
}

criterion_group!(benches, front_matter, markdown, templates);
criterion_main!(benches);

/// What a site with the default themes highlights for, as `build` does.
fn site_styling() -> &'static upnotes::highlight::Styling {
    upnotes::highlight::Styling::for_themes(
        upnotes::highlight::DEFAULT_LIGHT_THEME,
        upnotes::highlight::DEFAULT_DARK_THEME,
    )
}
