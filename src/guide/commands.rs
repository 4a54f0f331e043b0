//! `upnotes path` and `upnotes new note`: guide commands that read the site and print or scaffold.

use std::path::{Path, PathBuf};

use super::{Guide, outputs};
use crate::build;
use crate::content::CONTENT_DIR;
use crate::error::{Error, Result};
use crate::version::Version;

/// The site's guide named `wanted` (its folder under content/), or its only guide.
fn pick_guide<'g>(guides: &'g [Guide], wanted: Option<&str>) -> Result<&'g Guide> {
    let names = || {
        guides
            .iter()
            .map(|g| g.dir.trim_end_matches('/').to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(name) => {
            let dir = format!("{}/", name.trim_matches('/'));
            guides.iter().find(|g| g.dir == dir).ok_or_else(|| {
                Error::Usage(format!(
                    "no guide at content/{dir}: the guides are {}",
                    names()
                ))
            })
        }
        None => match guides {
            [only] => Ok(only),
            [] => Err(Error::Usage(
                "the site has no upgrade guide: mark a folder's _index.md with `guide: true`"
                    .to_string(),
            )),
            _ => Err(Error::Usage(format!(
                "the site has several guides ({}): choose one with --guide",
                names()
            ))),
        },
    }
}

/// The Markdown checklist for upgrading from `from` to `to`.
pub fn path(root: &Path, from: &str, to: &str, guide: Option<&str>) -> Result<String> {
    let loaded = build::load(root, false)?;
    let guide = pick_guide(&loaded.site.guides, guide)?;
    let parse = |name: &str| {
        Version::parse(name).map_err(|_| {
            Error::Usage(format!(
                "`{name}` is not a version: write it like 0.27.x or 1.2.0"
            ))
        })
    };
    let (from_version, to_version) = (parse(from)?, parse(to)?);
    if from_version >= to_version {
        return Err(Error::Usage(format!(
            "`{from}` is not earlier than `{to}`: give the version you run, then the one you upgrade to"
        )));
    }
    if guide.find_version(to).is_none() {
        let known: Vec<&str> = guide.versions.iter().map(|v| v.version.name()).collect();
        return Err(Error::Usage(format!(
            "the guide has no version `{to}`: known versions are {}",
            known.join(", ")
        )));
    }
    Ok(outputs::path_checklist(guide, &from_version, &to_version))
}

/// Writes a new note file and, when missing, its version folder's `_index.md`. Returns the paths written.
pub fn new_note(
    root: &Path,
    version: &str,
    slug: &str,
    guide: Option<&str>,
) -> Result<Vec<PathBuf>> {
    if Version::parse(version).is_err() {
        return Err(Error::Usage(format!(
            "`{version}` is not a version: write it like 0.29.x or 1.2.0"
        )));
    }
    let slug_ok = !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !slug_ok {
        return Err(Error::Usage(format!(
            "`{slug}` is not a good file name: use lower-case letters, digits and dashes, like `resource-precision`"
        )));
    }
    let loaded = build::load(root, true)?;
    let guide = pick_guide(&loaded.site.guides, guide)?;
    let folder = root.join(CONTENT_DIR).join(&guide.dir).join(version);
    let note = folder.join(format!("{slug}.md"));
    if note.exists() {
        return Err(Error::Usage(format!(
            "{} exists already: choose another name",
            note.display()
        )));
    }
    let mut written = Vec::new();
    std::fs::create_dir_all(&folder).map_err(|e| Error::io("cannot create", &folder, e))?;
    let index = folder.join("_index.md");
    if !index.exists() {
        let text = "---\n# from: the previous version (default)\n# released: YYYY-MM-DD\n---\n\nDescribe how to upgrade a running installation to this version.\n";
        std::fs::write(&index, text).map_err(|e| Error::io("cannot write", &index, e))?;
        written.push(index);
    }
    let weight = guide.find_version(version).map_or(10, |v| {
        v.notes.iter().map(|n| n.weight).max().unwrap_or(0) + 10
    });
    let title = {
        let words = slug.replace(['-', '_'], " ");
        let mut chars = words.chars();
        chars
            .next()
            .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
    };
    let area = guide
        .columns
        .first()
        .cloned()
        .unwrap_or_else(|| "Core".to_string());
    let kinds: Vec<&str> = guide.kinds.iter().map(|(k, _)| k.as_str()).collect();
    let text = format!(
        "---\ntitle: {title}\nweight: {weight}\nchanges:\n  - area: {area}   # one of: {}\n    kind: C   # one or more of: {}\n---\n\nWhat changed, who is affected, and what they need to do.\n",
        guide.columns.join(", "),
        kinds.join(", ")
    );
    std::fs::write(&note, text).map_err(|e| Error::io("cannot write", &note, e))?;
    written.push(note);
    Ok(written)
}
