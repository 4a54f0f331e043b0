//! `upnotes init DIR`: a new site with a config, a home page, a guide, one version and one note.

use std::path::Path;

use crate::error::{Error, Result};

/// The files of a new site: (path relative to the site, contents).
const FILES: &[(&str, &str)] = &[
    (
        "upnotes.yaml",
        "title: My Project\nbase_url: https://example.org/\n\noverview:\n  columns: [Core, Configuration, API]\n  kinds:\n    A: New feature/behavior\n    C: Changed feature/behavior\n    D: Deprecated feature/behavior\n    R: Removed feature/behavior\n",
    ),
    (
        "content/index.md",
        "---\ntitle: My Project\nlayout: page\n---\n\nWelcome. Read the [upgrade guide](upgrades/_index.md) before upgrading.\n",
    ),
    (
        "content/upgrades/_index.md",
        "---\ntitle: Upgrading My Project\nlayout: documentation\nguide: true\n---\n\nThis guide lists what changed in each version and how to upgrade a running installation.\n",
    ),
    (
        "content/upgrades/1.0.x/_index.md",
        "---\nreleased: 2026-01-01\n---\n\nTo upgrade, stop the service, install the new version and start it again.\n",
    ),
    (
        "content/upgrades/1.0.x/first-note.md",
        "---\ntitle: A first note\nweight: 10\nchanges:\n  - area: Core\n    kind: A\n---\n\nDescribe the change, who it affects and what they need to do.\n",
    ),
];

/// Writes a new site into `dir`, which must be missing or empty. Returns the number of files.
pub fn init(dir: &Path) -> Result<usize> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read", dir, e))?;
        if entries.next().is_some() {
            return Err(Error::Usage(format!(
                "{} is not empty: choose a new folder for the site",
                dir.display()
            )));
        }
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io("cannot write", &path, e))?;
    }
    Ok(FILES.len())
}
