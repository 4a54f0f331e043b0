//! cargo-fuzz targets for upnotes; the properties live in [`checks`] so the main crate's tests can
//! run them too.

pub mod checks;
