//! "Did you mean" candidates.

/// Up to three names from `candidates` close to `name`, closest first.
///
/// Closeness is the Damerau-Levenshtein distance, also tried case-insensitively; a candidate is kept
/// when the distance is at most a third of the name's length (at least 1, at most 3), or when one
/// name is a prefix of the other and they differ by no more than three characters.
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let lower = name.to_lowercase();
    let budget = (name.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let c_lower = c.to_lowercase();
            let distance = strsim::damerau_levenshtein(&lower, &c_lower);
            let prefix = (c_lower.starts_with(&lower) || lower.starts_with(&c_lower))
                && c_lower.len().abs_diff(lower.len()) <= 3
                && lower.len().min(c_lower.len()) >= 2;
            (distance <= budget || prefix).then_some((distance, c))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::similar;

    #[test]
    fn close_names() {
        let names = ["prospect", "client", "vip"];
        assert_eq!(similar("prospct", names), ["prospect"]);
        assert_eq!(similar("Client", names), ["client"]);
        assert!(similar("zzz", names).is_empty());
        assert_eq!(similar("incom", ["income", "outcome"]), ["income"]);
    }
}
