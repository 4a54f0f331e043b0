//! The `upnotes` binary: parse arguments, run, print the outcome, exit with its code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a build allocates and frees many small strings on every thread (syntect's scope
/// stacks, HTML spans); the system allocator spent about a fifth of the CPU time of a large build.
/// Built without transparent huge pages (`no_thp` in Cargo.toml): with them, every 2 MiB region
/// mimalloc touched counted whole, and a 10,000-page build showed 74 MiB resident for 22 MiB of
/// heap (50 MiB without, for no measurable CPU cost).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = upnotes::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    // Not locked for the whole run: the progress line is drawn from another thread.
    let mut stderr = std::io::stderr();
    ExitCode::from(upnotes::run(cli, &mut stdout, &mut stderr))
}
