//! Writing parsed tokens as `<span>`s, only for the scopes the site's themes can style.
//!
//! A grammar pushes a scope for every construct it recognises (`source.python`,
//! `meta.statement.import.python`, `meta.qualified-name.python`, …), and most of them carry no
//! colour: one span per scope made highlighted blocks about eighteen times the size of their code,
//! which every later step (the page, the cache, the disk, the browser) paid for. A [`Styling`]
//! names the themes whose stylesheet the site ships (its light and dark theme), and a span is
//! written when one of their selectors could match it: its class set contains all the atoms of the
//! last scope of a selector, or of one of the scopes that selector descends from. Ancestors named
//! by a single atom are the exception: some themes count nesting with chains like
//! `meta meta meta.structure.dictionary.json string`, and honouring them would keep every `meta`
//! span; those few deep-nesting colours are given up.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use syntect::highlighting::Theme;
use syntect::parsing::{BasicScopeStackOp, Scope, ScopeStack, ScopeStackOp};

use super::{CLASS_PREFIX, push_escaped};

/// The scopes a set of themes can style; blocks are highlighted for one styling.
#[derive(Debug)]
pub struct Styling {
    /// The theme names, part of every cache key.
    name: String,
    /// Atom lists of the scopes named in the themes' selectors (all but single-atom ancestors).
    compounds: Vec<Vec<String>>,
}

static ALL: LazyLock<Styling> = LazyLock::new(|| {
    let themes = &*super::THEMES;
    let names: Vec<&str> = themes.theme_names().collect();
    Styling::new("*", names.iter().filter_map(|n| themes.get(n)))
});

static BY_THEMES: LazyLock<Mutex<HashMap<(String, String), &'static Styling>>> =
    LazyLock::new(Mutex::default);

impl Styling {
    /// Every bundled theme: output that any of them can style.
    pub fn all() -> &'static Styling {
        &ALL
    }

    /// The styling of a site with these light and dark themes (unknown names are left out).
    pub fn for_themes(light: &str, dark: &str) -> &'static Styling {
        let key = (light.to_string(), dark.to_string());
        let Ok(mut known) = BY_THEMES.lock() else {
            return Styling::all();
        };
        known.entry(key).or_insert_with(|| {
            let themes = [light, dark].map(|name| super::find_theme(name).ok().map(|(_, t)| t));
            // One per theme pair a process sees: a handful at most, kept for its lifetime.
            Box::leak(Box::new(Styling::new(
                &format!("{light}+{dark}"),
                themes.into_iter().flatten(),
            )))
        })
    }

    fn new<'t>(name: &str, themes: impl Iterator<Item = &'t Theme>) -> Styling {
        let mut compounds: HashSet<Vec<String>> = HashSet::new();
        for theme in themes {
            for item in &theme.scopes {
                for selector in &item.scope.selectors {
                    let path = selector.path.as_slice();
                    for (i, scope) in path.iter().enumerate() {
                        let atoms: Vec<String> = scope
                            .build_string()
                            .split('.')
                            .map(str::to_string)
                            .collect();
                        if i + 1 == path.len() || atoms.len() > 1 {
                            compounds.insert(atoms);
                        }
                    }
                }
            }
        }
        let mut compounds: Vec<Vec<String>> = compounds.into_iter().collect();
        compounds.sort();
        Styling {
            name: name.to_string(),
            compounds,
        }
    }

    /// The theme names, for cache keys.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a selector could match the span of `scope` (memoised per thread).
    pub(super) fn styles(&self, scope: Scope) -> bool {
        let key = (std::ptr::from_ref(self) as usize, scope);
        if let Some(known) = RELEVANT.with(|r| r.borrow().get(&key).copied()) {
            return known;
        }
        let name = scope.build_string();
        let atoms: Vec<&str> = name.split('.').collect();
        let styled = self
            .compounds
            .iter()
            .any(|compound| compound.iter().all(|atom| atoms.contains(&atom.as_str())));
        RELEVANT.with(|r| r.borrow_mut().insert(key, styled));
        styled
    }
}

thread_local! {
    static RELEVANT: std::cell::RefCell<HashMap<(usize, Scope), bool>> =
        std::cell::RefCell::new(HashMap::new());
}

fn open_span(out: &mut String, scope: Scope) {
    out.push_str("<span class=\"");
    for (i, atom) in scope.build_string().split('.').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(CLASS_PREFIX);
        push_escaped(out, atom);
    }
    out.push_str("\">");
}

/// The scope stack across the lines of one block, and which of its scopes have a span open.
#[derive(Debug, Clone)]
pub(super) struct Spans {
    styling: &'static Styling,
    stack: ScopeStack,
    /// One entry per scope on the stack: whether a span was written for it.
    written: Vec<bool>,
}

impl Spans {
    pub(super) fn new(styling: &'static Styling) -> Spans {
        Spans {
            styling,
            stack: ScopeStack::new(),
            written: Vec::new(),
        }
    }

    /// Whether `other` has the same styling, scopes and open spans: the same next line gives the
    /// same HTML from both.
    pub(super) fn same_as(&self, other: &Spans) -> bool {
        std::ptr::eq(self.styling, other.styling)
            && self.stack == other.stack
            && self.written == other.written
    }

    /// Feeds what [`Spans::same_as`] compares to `hasher` (scopes nested in a cleared-scope
    /// frame are left to the comparison).
    pub(super) fn hash_into(&self, hasher: &mut impl std::hash::Hasher) {
        use std::hash::Hash as _;
        (std::ptr::from_ref(self.styling) as usize).hash(hasher);
        self.stack.as_slice().hash(hasher);
        self.written.hash(hasher);
    }

    /// Scopes on the stack.
    pub(super) fn depth(&self) -> usize {
        self.written.len()
    }

    /// Spans currently open.
    pub(super) fn open(&self) -> usize {
        self.written.iter().filter(|w| **w).count()
    }

    /// Writes the spans of the scopes still open from earlier lines.
    pub(super) fn reopen(&self, out: &mut String) {
        for (scope, written) in self.stack.as_slice().iter().zip(&self.written) {
            if *written {
                open_span(out, *scope);
            }
        }
    }

    /// Writes `line` escaped, with spans opened and closed as `ops` (from the parser) say.
    pub(super) fn line(
        &mut self,
        line: &str,
        ops: &[(usize, ScopeStackOp)],
        out: &mut String,
    ) -> Result<(), syntect::Error> {
        let Spans {
            styling,
            stack,
            written,
        } = self;
        let mut at = 0;
        // Where the innermost span opened, while nothing has been written inside it: a span that
        // closes empty is taken back out.
        let mut empty_since: Option<usize> = None;
        for (index, op) in ops {
            let index = (*index).min(line.len());
            if index > at && line.is_char_boundary(index) {
                push_escaped(out, &line[at..index]);
                at = index;
                empty_since = None;
            }
            stack.apply_with_hook(op, |basic, _| match basic {
                BasicScopeStackOp::Push(scope) => {
                    let styled = styling.styles(scope);
                    if styled {
                        empty_since = Some(out.len());
                        open_span(out, scope);
                    }
                    written.push(styled);
                }
                BasicScopeStackOp::Pop => {
                    if written.pop() == Some(true) {
                        match empty_since.take() {
                            Some(start) => out.truncate(start),
                            None => out.push_str("</span>"),
                        }
                    }
                }
            })?;
        }
        push_escaped(out, &line[at..]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scopes_a_theme_can_style_get_a_span() {
        let keyword = Scope::new("keyword.control.import.python").expect("scope");
        let meta = Scope::new("meta.generic-name.python").expect("scope");
        let import = Scope::new("meta.statement.import.python").expect("scope");
        for styling in [
            Styling::all(),
            Styling::for_themes("InspiredGitHub", "OneHalfDark"),
        ] {
            assert!(styling.styles(keyword), "{}", styling.name());
            assert!(!styling.styles(meta), "{}", styling.name());
        }
        assert!(Styling::all().styles(import), "some theme colours imports");
        let defaults = Styling::for_themes("InspiredGitHub", "OneHalfDark");
        assert!(!defaults.styles(import), "the default themes do not");
        assert!(std::ptr::eq(
            defaults,
            Styling::for_themes("InspiredGitHub", "OneHalfDark")
        ));
    }
}
