//! The command line: one Args struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// upnotes: upgrade notes and documentation as a static site.
#[derive(Debug, Parser)]
#[command(name = "upnotes", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Validate config, content and templates; write nothing.
    Check(CheckArgs),
    /// Scaffold a new site: config, a guide, one version and one note.
    Init(InitArgs),
    /// Print the upgrade checklist between two versions (Markdown).
    Path(PathArgs),
    /// Scaffold new content.
    #[command(subcommand)]
    New(NewCommand),
}

/// `upnotes new ...`.
#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// Write a ready-to-edit note: content/<guide>/<VERSION>/<SLUG>.md.
    Note(NewNoteArgs),
}

/// `upnotes path`.
#[derive(Debug, Args)]
pub struct PathArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// The version you run now.
    pub from: String,
    /// The version you upgrade to.
    pub to: String,
    /// The guide folder under content/ (needed when the site has several guides).
    #[arg(long, value_name = "DIR")]
    pub guide: Option<String>,
}

/// `upnotes new note`.
#[derive(Debug, Args)]
pub struct NewNoteArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Version folder, e.g. 0.29.x (created when missing).
    pub version: String,
    /// File name without `.md`: lower-case letters, digits and dashes.
    pub slug: String,
    /// The guide folder under content/ (needed when the site has several guides).
    #[arg(long, value_name = "DIR")]
    pub guide: Option<String>,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct RootArg {
    /// The site folder (holds upnotes.yaml and content/).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

/// `upnotes build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Output folder (default: `output` from upnotes.yaml, `site`).
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Base URL the site is published under (overrides upnotes.yaml).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include pages, versions and notes marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Allow an output folder outside the project or not created by upnotes.
    #[arg(long)]
    pub force: bool,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: error: message` lines.
    #[default]
    Text,
    /// A JSON array of diagnostics.
    Json,
}

/// `upnotes check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `upnotes init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the site in (created if missing; must be empty).
    pub dir: PathBuf,
}
