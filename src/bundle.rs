//! `upnotes bundle`: the site built for reading offline from `file://` (every link relative, folder
//! links ending in `index.html`, search from a classic script), optionally as a reproducible zip.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::build::{self, BuildOptions, BuildReport};
use crate::error::{Error, Result};
use crate::output::MARKER;

/// Default bundle folder, relative to the site root.
pub const DEFAULT_OUTPUT: &str = "bundle";

/// Builds the offline bundle (`options.offline` is implied; the output defaults to `bundle/` in
/// the site root), then zips it into `zip` when given.
pub fn bundle(options: &BuildOptions, zip: Option<&Path>) -> Result<BuildReport> {
    let report = build::build(&BuildOptions {
        output: Some(
            options
                .output
                .clone()
                .unwrap_or_else(|| options.root.join(DEFAULT_OUTPUT)),
        ),
        offline: true,
        ..options.clone()
    })?;
    if let Some(zip) = zip {
        write_zip(&report.output, zip)?;
    }
    Ok(report)
}

/// Zips `dir` into `zip_path` reproducibly: sorted entries, fixed timestamps and permissions, and
/// neither the output marker nor a `.git` folder inside.
pub fn write_zip(dir: &Path, zip_path: &Path) -> Result<()> {
    let mut files: Vec<(String, PathBuf)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git")
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() != MARKER)
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, e.path().to_path_buf()))
        })
        .collect();
    files.sort();
    let partial = zip_path.with_extension("zip.partial");
    let file =
        std::fs::File::create(&partial).map_err(|e| Error::io("cannot create", &partial, e))?;
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let zip_error = |e: zip::result::ZipError| {
        Error::io(
            "cannot write",
            zip_path,
            std::io::Error::other(e.to_string()),
        )
    };
    for (rel, path) in files {
        let bytes = std::fs::read(&path).map_err(|e| Error::io("cannot read", &path, e))?;
        zip.start_file(rel, options).map_err(zip_error)?;
        zip.write_all(&bytes)
            .map_err(|e| Error::io("cannot write", zip_path, e))?;
    }
    zip.finish().map_err(zip_error)?;
    std::fs::rename(&partial, zip_path).map_err(|e| Error::io("cannot write", zip_path, e))
}
