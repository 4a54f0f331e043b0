//! The `upnotes` binary: parse arguments, run, print the outcome, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = upnotes::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    ExitCode::from(upnotes::run(cli, &mut stdout, &mut stderr))
}
