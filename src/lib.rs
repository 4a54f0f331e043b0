//! upnotes: a static site generator for software upgrade notes.
//!
//! The modules follow the data flow: [`config`] and [`content`] are read, [`site`] assembles the
//! model, [`markdown`] and [`highlight`] render bodies, [`templates`] and [`render`] produce pages,
//! [`output`] writes them safely, [`warm`] remembers them for the next build. [`build`] runs the
//! whole pipeline; [`commands`] maps the CLI onto it.

pub mod build;
pub mod bundle;
pub mod cli;
pub mod commands;
pub mod config;
pub mod content;
pub mod error;
pub mod external;
pub mod folder;
pub mod guide;
pub mod highlight;
pub mod init;
pub mod links;
pub mod markdown;
pub mod output;
pub mod progress;
pub mod publish;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod spill;
pub mod templates;
#[cfg(test)]
mod testing;
pub mod version;
pub mod warm;
pub mod yaml;

pub use commands::run;
