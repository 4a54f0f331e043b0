//! Version names as written in folder names (`0.28.x`, `1.10.0`, `v2.0.0-rc1`), ordered by their
//! numeric parts, never as strings: 0.9.x < 0.10.x < 1.10.x < 2.0.0.

use std::cmp::Ordering;
use std::fmt;

/// One dot-separated part of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    /// A number.
    Number(u64),
    /// `x` (or `*`): any number; sorts after every number in the same place.
    Wildcard,
}

/// A parsed version; equality and order ignore a leading `v` and trailing `.0`-free spelling.
#[derive(Debug, Clone, Eq)]
pub struct Version {
    name: String,
    parts: Vec<Part>,
    pre_release: Option<String>,
}

/// Why a name is not a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAVersion;

impl Version {
    /// Parses `0.28.x`, `1.2`, `v2.0.0`, `1.0.0-rc1`. Up to 8 parts of at most 18 digits each.
    pub fn parse(name: &str) -> Result<Version, NotAVersion> {
        let trimmed = name.strip_prefix(['v', 'V']).unwrap_or(name);
        let (core, pre_release) = match trimmed.split_once('-') {
            Some((core, pre)) if valid_pre_release(pre) => (core, Some(pre.to_string())),
            Some(_) => return Err(NotAVersion),
            None => (trimmed, None),
        };
        let parts: Vec<Part> = core.split('.').map(parse_part).collect::<Result<_, _>>()?;
        if parts.is_empty() || parts.len() > 8 || parts[0] == Part::Wildcard {
            return Err(NotAVersion);
        }
        Ok(Version {
            name: name.to_string(),
            parts,
            pre_release,
        })
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name with dots as dashes, for ids: `0.28.x` -> `0-28-x`.
    pub fn dashed(&self) -> String {
        self.name.replace('.', "-")
    }
}

fn parse_part(part: &str) -> Result<Part, NotAVersion> {
    match part {
        "x" | "X" | "*" => Ok(Part::Wildcard),
        digits
            if !digits.is_empty()
                && digits.len() <= 18
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            digits.parse().map(Part::Number).map_err(|_| NotAVersion)
        }
        _ => Err(NotAVersion),
    }
}

fn valid_pre_release(pre: &str) -> bool {
    !pre.is_empty()
        && pre.len() <= 64
        && pre
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        let part = |v: &Version, i: usize| v.parts.get(i).copied().unwrap_or(Part::Number(0));
        for i in 0..len {
            match part(self, i).cmp(&part(other, i)) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        // A pre-release comes before its release.
        match (&self.pre_release, &other.pre_release) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => compare_pre_release(a, b),
        }
    }
}

/// Pre-release tags compare as SemVer says: dot-separated identifiers in turn, numeric ones by
/// value and before words, a prefix first (`alpha` < `alpha.1` < `alpha.beta`, `rc.2` < `rc.10`).
fn compare_pre_release(a: &str, b: &str) -> Ordering {
    let (mut left, mut right) = (a.split('.'), b.split('.'));
    loop {
        let order = match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match (digits(x), digits(y)) {
                // Compared as digit strings, so any length works without overflow.
                (Some(m), Some(n)) => (m.len(), m).cmp(&(n.len(), n)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => x.cmp(y),
            },
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// A numeric pre-release identifier without its leading zeros; `None` for a word.
fn digits(identifier: &str) -> Option<&str> {
    let numeric = !identifier.is_empty() && identifier.bytes().all(|b| b.is_ascii_digit());
    numeric.then(|| identifier.trim_start_matches('0'))
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect(s)
    }

    #[test]
    fn orders_by_numbers_not_strings() {
        let mut names = ["1.10.x", "0.10.x", "2.0.0", "0.9.x", "0.28.x", "0.12.0"];
        names.sort_by_key(|n| v(n));
        assert_eq!(
            names,
            ["0.9.x", "0.10.x", "0.12.0", "0.28.x", "1.10.x", "2.0.0"]
        );
    }

    #[test]
    fn wildcard_sorts_after_numbers_and_pre_releases_before_releases() {
        assert!(v("0.28.x") > v("0.28.5"));
        assert!(v("1.0.0-rc1") < v("1.0.0"));
        assert!(v("1.0.0-rc1") < v("1.0.0-rc2"));
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("v1.2"), v("1.2"));
    }

    #[test]
    fn pre_releases_follow_semver_precedence() {
        let mut names = [
            "1.0.0",
            "1.0.0-rc.10",
            "1.0.0-beta.11",
            "1.0.0-alpha.beta",
            "1.0.0-rc.2",
            "1.0.0-alpha.1",
            "1.0.0-beta",
            "1.0.0-alpha",
            "1.0.0-beta.2",
        ];
        names.sort_by_key(|n| v(n));
        assert_eq!(
            names,
            [
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.2",
                "1.0.0-rc.10",
                "1.0.0"
            ]
        );
        assert_eq!(v("1.0.0-rc.01"), v("1.0.0-rc.1"));
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for bad in [
            "latest",
            "",
            "1..2",
            "x.1",
            "1.2.3.4.5.6.7.8.9",
            "1.a",
            "1.0-",
            "99999999999999999999",
        ] {
            assert_eq!(Version::parse(bad), Err(NotAVersion), "{bad}");
        }
    }

    #[test]
    fn dashed_names_for_ids() {
        assert_eq!(v("0.28.x").dashed(), "0-28-x");
    }
}
