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
    /// Validate config, content, templates, links and anchors; write nothing.
    Check(CheckArgs),
    /// Build an offline bundle that works from file:// (search included), optionally zipped.
    Bundle(BundleArgs),
    /// Build, serve the site on 127.0.0.1, rebuild on changes and reload open pages.
    Serve(ServeArgs),
    /// Build, then rebuild on every change (no server).
    Watch(WatchArgs),
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
    /// Write a ready-to-edit note: `content/<guide>/<VERSION>/<SLUG>.md`.
    #[command(
        about = "Write a ready-to-edit note: content/<guide>/<VERSION>/<SLUG>.md",
        long_about = None
    )]
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

/// Where and what a command writes: shared by build, bundle, watch and serve.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output folder (default: `output` from upnotes.yaml, `site`; `bundle` for bundles).
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Include pages, versions and notes marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Allow an output folder outside the project or not created by upnotes.
    #[arg(long)]
    pub force: bool,
}

/// `upnotes build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub root: RootArg,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Base URL the site is published under (overrides upnotes.yaml).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// `upnotes bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub root: RootArg,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Also write the bundle as a reproducible zip file.
    #[arg(long, value_name = "FILE")]
    pub zip: Option<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// `upnotes watch` (and what `serve` builds).
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub root: RootArg,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Base URL the site is published under (overrides upnotes.yaml).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// `upnotes serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub watch: WatchArgs,
    /// Port to listen on [default: 1111, or the next free one]; 0 picks any free port.
    #[arg(long, short, value_name = "PORT")]
    pub port: Option<u16>,
    /// Address to listen on; anything but a loopback address makes the preview reachable from
    /// other machines.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
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
    /// Also fetch http(s) links (8 at a time, 10 s timeout; good links are cached for a day).
    #[arg(long)]
    pub external: bool,
}

/// `upnotes init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Folder to create the site in, relative to --root (created if missing; must be empty).
    pub dir: PathBuf,
}
