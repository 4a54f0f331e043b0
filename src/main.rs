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

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same in its v2 and v3 headers; the
/// Rust bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc return freed memory to the system at once rather than a second later. A build
/// frees the text and HTML of thousands of pages a second; with the delay, a 50,000-page build
/// peaked at 82 MiB resident, without it at 64 MiB, for no measurable CPU cost (interleaved runs).
#[allow(unsafe_code)]
fn purge_freed_memory_at_once() {
    // SAFETY: `mi_option_set` takes any option number and value (options are plain integers
    // read where they are used), and runs here before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    purge_freed_memory_at_once();
    let cli = upnotes::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    // Not locked for the whole run: the progress line is drawn from another thread.
    let mut stderr = std::io::stderr();
    ExitCode::from(upnotes::run(cli, &mut stdout, &mut stderr))
}
