//! Writes a synthetic benchmark corpus (see `corpus.rs` and BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example gen_corpus -- docs --pages 1000 --out target/bench/docs-1000
//! cargo run --release --example gen_corpus -- guide --versions 100 --notes 20 --out target/bench/guide
//! ```
//!
//! `docs` writes `OUT/upnotes/`, `OUT/hugo/` and `OUT/mdbook/` (choose with `--tools`); `guide`
//! writes an upnotes site. OUT must be missing, empty, or a corpus this tool wrote earlier (it has
//! a `.bench-corpus` marker); only then is it replaced.

mod corpus;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

const MARKER: &str = ".bench-corpus";

/// Generates seeded synthetic sites for the benchmarks.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    shape: Shape,
}

#[derive(Debug, Subcommand)]
enum Shape {
    /// N documentation pages, for upnotes, Hugo and mdBook.
    Docs {
        /// Number of pages.
        #[arg(long, default_value_t = 1000)]
        pages: usize,
        /// Which tools' inputs to write.
        #[arg(long, value_delimiter = ',', default_values = ["upnotes", "hugo", "mdbook"])]
        tools: Vec<Tool>,
        #[command(flatten)]
        common: Common,
    },
    /// An upgrade guide of VERSIONS x NOTES notes, for upnotes.
    Guide {
        /// Number of versions.
        #[arg(long, default_value_t = 100)]
        versions: usize,
        /// Notes per version.
        #[arg(long, default_value_t = 20)]
        notes: usize,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Tool {
    Upnotes,
    Hugo,
    Mdbook,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.shape {
        Shape::Docs {
            pages,
            tools,
            common,
        } => {
            prepare(&common.out)?;
            for tool in tools {
                let (dir, files) = match tool {
                    Tool::Upnotes => ("upnotes", corpus::upnotes_docs(common.seed, pages)),
                    Tool::Hugo => ("hugo", corpus::hugo_docs(common.seed, pages)),
                    Tool::Mdbook => ("mdbook", corpus::mdbook_docs(common.seed, pages)),
                };
                write_all(&common.out.join(dir), &files)?;
            }
            Ok(())
        }
        Shape::Guide {
            versions,
            notes,
            common,
        } => {
            prepare(&common.out)?;
            write_all(
                &common.out,
                &corpus::upnotes_guide(common.seed, versions, notes),
            )
        }
    }
}

/// Makes `out` an empty folder with our marker, refusing to clear anything we did not write.
fn prepare(out: &Path) -> Result<(), String> {
    let context = |e: std::io::Error| format!("{}: {e}", out.display());
    if out.exists() {
        let empty = fs::read_dir(out).map_err(context)?.next().is_none();
        if !empty {
            if !out.join(MARKER).is_file() {
                return Err(format!(
                    "{} is not empty and was not written by gen_corpus; choose another --out",
                    out.display()
                ));
            }
            fs::remove_dir_all(out).map_err(context)?;
        }
    }
    fs::create_dir_all(out).map_err(context)?;
    fs::write(out.join(MARKER), "written by gen_corpus; safe to delete\n").map_err(context)
}

fn write_all(dir: &Path, files: &[corpus::File]) -> Result<(), String> {
    let mut bytes = 0;
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&path, &file.text).map_err(|e| format!("{}: {e}", path.display()))?;
        bytes += file.text.len();
    }
    println!(
        "{}: {} files, {:.1} MiB",
        dir.display(),
        files.len(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::corpus::{LinkStyle, relative_link};

    #[test]
    fn links_are_relative_to_the_source() {
        assert_eq!(
            relative_link(
                "s00/f01/page-00100",
                "s00/f01/page-00101",
                LinkStyle::SourceFile
            ),
            "page-00101.md"
        );
        assert_eq!(
            relative_link(
                "s00/f01/page-00100",
                "s01/f00/page-01000",
                LinkStyle::SourceFile
            ),
            "../../s01/f00/page-01000.md"
        );
        assert_eq!(
            relative_link(
                "s00/f01/page-00100",
                "s00/f02/page-00200",
                LinkStyle::PrettyUrl
            ),
            "../../f02/page-00200/"
        );
    }
}
