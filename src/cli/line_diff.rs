//! The line diff that `segc fmt --check` prints.

use std::collections::HashSet;

use similar::{DiffableStr as _, TextDiff};

/// The diff of `old` and `new` by lines: what `TextDiff::from_lines` gives, without its search
/// when the changed lines form one block that has no line in common with what replaces it.
///
/// That is what formatting a long condition does (one line of 10,000 `and` terms becomes
/// 10,000 lines), and the Myers search of `similar` explores every diagonal up to half the
/// block's length for it: quadratic, 1.2 s for 10,000 terms and 17 s for 40,000 in a debug
/// build (issue 15). The minimal diff there is the block replaced, which `similar` also gives
/// when its search is cut short by a deadline (delete the block, insert the new one). Its
/// cleanup (`Compact`) then leaves the same operations either way when no line can slide across
/// the block's edges: the last unchanged line before the block and the first after it are not
/// new lines of the block's start or end (see [`one_block`]).
pub(super) fn line_diff<'a>(old: &'a str, new: &'a str) -> TextDiff<'a, 'a, 'a, str> {
    if one_block(&old.tokenize_lines(), &new.tokenize_lines()) {
        // Already past: the search stops before its first step.
        let past = std::time::Instant::now()
            .checked_sub(std::time::Duration::from_secs(1))
            .unwrap_or_else(std::time::Instant::now);
        TextDiff::configure().deadline(past).diff_lines(old, new)
    } else {
        TextDiff::from_lines(old, new)
    }
}

/// Whether the lines of `old` and `new` differ by one block of changed lines, each side
/// non-empty, with no line in common between the two sides, where the last common line
/// before the block is no new line and the first common line after it is not the first new one.
fn one_block(old: &[&str], new: &[&str]) -> bool {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let suffix = old_rest
        .iter()
        .rev()
        .zip(new_rest.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let removed = &old_rest[..old_rest.len() - suffix];
    let added = &new_rest[..new_rest.len() - suffix];
    if removed.is_empty() || added.is_empty() {
        // Nothing to search for: `similar` is quick.
        return false;
    }
    let added_lines: HashSet<&str> = added.iter().copied().collect();
    let before = prefix.checked_sub(1).map(|i| old[i]);
    let after = new_rest.get(added.len()).copied();
    !removed.iter().any(|line| added_lines.contains(line))
        && before.is_none_or(|line| !added_lines.contains(line))
        && after.is_none_or(|line| line != added[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unified<'a>(diff: &'a TextDiff<'a, 'a, 'a, str>) -> String {
        diff.unified_diff()
            .context_radius(2)
            .header("a", "b")
            .to_string()
    }

    /// Random texts of few distinct lines: every case the shortcut takes gives what `similar`'s
    /// search gives.
    #[test]
    fn the_shortcut_diffs_as_the_search_does() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let mut shortcuts = 0;
        for _ in 0..20_000 {
            let lines = ["a\n", "b\n", "c\n", "d\n", "e\n", "}\n", "\n", "x", "a"];
            let text = |length: u64, next: &mut dyn FnMut(u64) -> u64| {
                (0..length)
                    .map(|_| lines[next(lines.len() as u64) as usize])
                    .collect::<String>()
            };
            let common = text(next(4), &mut next);
            let end = text(next(4), &mut next);
            let old_len = next(4);
            let new_len = next(140);
            // Half of the time, removed lines that no new line can equal.
            let removed = match next(2) {
                0 => text(old_len, &mut next),
                _ => (0..old_len).map(|i| format!("p{i}\n")).collect(),
            };
            let old = format!("{common}{removed}{end}");
            let new = format!("{common}{}{end}", text(new_len, &mut next));
            if one_block(&old.tokenize_lines(), &new.tokenize_lines()) {
                shortcuts += 1;
            }
            assert_eq!(
                unified(&line_diff(&old, &new)),
                unified(&TextDiff::from_lines(&old, &new)),
                "{old:?} → {new:?}"
            );
        }
        assert!(shortcuts > 1_000, "{shortcuts} shortcuts");
    }

    #[test]
    fn a_long_line_broken_into_many() {
        let terms: Vec<String> = (0..2_000).map(|i| format!("x > {i}")).collect();
        let old = format!("a\nsegment s = {}\n", terms.join(" and "));
        let new = format!("a\nsegment s =\n  {}\n", terms.join("\n  and "));
        assert!(one_block(&old.tokenize_lines(), &new.tokenize_lines()));
        assert_eq!(
            unified(&line_diff(&old, &new)),
            unified(&TextDiff::from_lines(&old, &new))
        );
    }
}
