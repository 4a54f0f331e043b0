//! Helpers shared by unit tests.

/// Every concatenation of up to `up_to` of `pieces` (repeats allowed), the empty string first:
/// small exhaustive inputs for comparing a fast function with its plain definition.
pub fn sequences<S: AsRef<str>>(pieces: &[S], up_to: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..up_to {
        last = last
            .iter()
            .flat_map(|start| pieces.iter().map(move |p| format!("{start}{}", p.as_ref())))
            .collect();
        all.extend(last.iter().cloned());
    }
    all
}
