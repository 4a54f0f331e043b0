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

/// Milliseconds mimalloc waits before it returns freed memory to the system.
///
/// A build frees the text and HTML of thousands of pages a second. With mimalloc's default delay
/// (a second) a 50,000-page build peaked at 82 MiB resident. Returning memory at once brought that
/// to 65 MiB, but every page's buffers were then given back and faulted in again: a third of the
/// build's system time. Ten milliseconds keeps the buffers pages reuse right away: the 50,000-page
/// cold build took 13 % less time and peaked at 70–74 MiB; a 10,000-page one 8 % less, 38–40 MiB
/// against 38 (interleaved runs).
const PURGE_DELAY_MS: std::os::raw::c_long = 10;

#[allow(unsafe_code)]
fn purge_freed_memory_soon() {
    // SAFETY: `mi_option_set` takes any option number and value (options are plain integers
    // read where they are used), and runs here before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}

fn main() -> ExitCode {
    purge_freed_memory_soon();
    let cli = upnotes::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    // Not locked for the whole run: the progress line is drawn from another thread.
    let mut stderr = std::io::stderr();
    ExitCode::from(upnotes::run(cli, &mut stdout, &mut stderr))
}
