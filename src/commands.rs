//! Runs a parsed command line and reports the outcome: diagnostics, a summary, an exit code.

use std::io::Write;

use serde::Serialize;

use crate::build::{self, BuildOptions};
use crate::cli::{
    BuildArgs, BundleArgs, CheckArgs, Cli, Command, Format, NewCommand, OutputArgs, RootArg,
};
use crate::error::{Diagnostic, Error, Severity, display_path};

/// Runs `cli`, printing results to `out` and problems to `err`; returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let result = match cli.command {
        Command::Build(args) => run_build(&args, out, err),
        Command::Check(args) => run_check(&args, out, err),
        Command::Bundle(args) => run_bundle(&args, out, err),
        Command::Serve(args) => crate::serve::serve(serve_options(args), out, err),
        Command::Watch(args) => crate::serve::watch(watch_options(args), out, err),
        Command::Init(args) => {
            let dir = args.root.root.join(&args.dir);
            crate::init::init(&dir).map(|created| {
                let _ = writeln!(
                    out,
                    "created a new site in {} ({created} files); build it with `upnotes build --root {}`",
                    display_path(&dir),
                    display_path(&dir)
                );
            })
        }
        Command::Path(args) => crate::guide::commands::path(
            &args.root.root,
            &args.from,
            &args.to,
            args.guide.as_deref(),
        )
        .map(|text| {
            let _ = write!(out, "{text}");
        }),
        Command::New(NewCommand::Note(args)) => crate::guide::commands::new_note(
            &args.root.root,
            &args.version,
            &args.slug,
            args.guide.as_deref(),
        )
        .map(|written| {
            for path in written {
                let _ = writeln!(out, "wrote {}", display_path(&path));
            }
        }),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            report_error(&error, err);
            error.exit_code()
        }
    }
}

fn run_build(
    args: &BuildArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> crate::error::Result<()> {
    let options = BuildOptions {
        base_url: args.base_url.clone(),
        strict: args.strict,
        ..build_options(&args.root, &args.out)
    };
    let report = build::build(&options)?;
    print_report(&report, out, err);
    Ok(())
}

fn run_bundle(
    args: &BundleArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> crate::error::Result<()> {
    let options = BuildOptions {
        strict: args.strict,
        offline: true,
        ..build_options(&args.root, &args.out)
    };
    let report = crate::bundle::bundle(&options, args.zip.as_deref())?;
    print_report(&report, out, err);
    if let Some(zip) = &args.zip {
        let _ = writeln!(out, "zipped into {}", display_path(zip));
    }
    Ok(())
}

fn print_report(report: &build::BuildReport, out: &mut dyn Write, err: &mut dyn Write) {
    print_diagnostics(&report.warnings, err);
    let _ = writeln!(
        out,
        "built {} pages, {} notes and {} into {} in {} ms{}{}",
        report.pages,
        report.notes,
        plural(report.files, "file"),
        display_path(&report.output),
        report.elapsed.as_millis(),
        unchanged_suffix(report),
        warnings_suffix(report.warnings.len()),
    );
}

/// `; 12 rendered, 9990 unchanged` when the build kept pages of the last one.
fn unchanged_suffix(report: &build::BuildReport) -> String {
    let unchanged = report.pages.saturating_sub(report.rendered);
    if unchanged == 0 {
        return String::new();
    }
    format!("; {} rendered, {unchanged} unchanged", report.rendered)
}

fn watch_options(args: crate::cli::WatchArgs) -> BuildOptions {
    BuildOptions {
        base_url: args.base_url,
        ..build_options(&args.root, &args.out)
    }
}

/// The build options every writing command shares: where the site is and where it goes.
fn build_options(root: &RootArg, out: &OutputArgs) -> BuildOptions {
    BuildOptions {
        root: root.root.clone(),
        output: out.output.clone(),
        drafts: out.drafts,
        force: out.force,
        ..BuildOptions::default()
    }
}

fn serve_options(args: crate::cli::ServeArgs) -> crate::serve::ServeOptions {
    crate::serve::ServeOptions {
        bind: args.bind,
        port: args.port,
        open: args.open,
        build: watch_options(args.watch),
    }
}

fn run_check(
    args: &CheckArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> crate::error::Result<()> {
    let (mut diagnostics, failed) = match build::check(&args.root.root, args.drafts, args.external)
    {
        Ok(diagnostics) => (diagnostics, false),
        Err(Error::Content(diagnostics)) => (diagnostics, true),
        Err(other) => return Err(other),
    };
    if args.strict {
        diagnostics.make_strict();
    }
    let failed = failed || diagnostics.has_errors();
    let sorted = diagnostics.sorted();
    match args.format {
        Format::Json => {
            let items: Vec<JsonDiagnostic> = sorted.iter().map(JsonDiagnostic::from).collect();
            let json = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string());
            let _ = writeln!(out, "{json}");
        }
        Format::Text => {
            print_diagnostics(&sorted, err);
            let errors = sorted.iter().filter(|d| d.is_error()).count();
            let _ = writeln!(
                out,
                "checked: {} error(s), {} warning(s)",
                errors,
                sorted.len() - errors
            );
        }
    }
    if failed {
        // Already printed; an empty content error only sets the exit code.
        return Err(Error::Content(crate::error::Diagnostics::new()));
    }
    Ok(())
}

/// A diagnostic as `check --format json` prints it.
#[derive(Debug, Serialize)]
struct JsonDiagnostic {
    severity: &'static str,
    path: String,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

impl From<&Diagnostic> for JsonDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        JsonDiagnostic {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            path: display_path(&d.path),
            line: d.position.map(|p| p.line),
            column: d.position.map(|p| p.column),
            message: d.message.clone(),
        }
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic], err: &mut dyn Write) {
    for d in diagnostics {
        let _ = writeln!(err, "{d}");
    }
}

fn report_error(error: &Error, err: &mut dyn Write) {
    match error {
        Error::Content(diagnostics) => {
            if diagnostics.is_empty() {
                return;
            }
            let errors = diagnostics.error_count();
            print_diagnostics(&diagnostics.clone().sorted(), err);
            let _ = writeln!(
                err,
                "error: build failed with {errors} error(s); nothing was written"
            );
        }
        other => {
            let _ = writeln!(err, "error: {other}");
        }
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn warnings_suffix(count: usize) -> String {
    match count {
        0 => String::new(),
        1 => " (1 warning)".to_string(),
        n => format!(" ({n} warnings)"),
    }
}
