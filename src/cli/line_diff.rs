//! The line diff that `segc fmt --check` and `segc diff` print.
//!
//! `similar` draws the diff; the search is segc's own, in two steps, each near-linear for rule
//! files:
//!
//! 1. **Anchors** (the patience diff's first step): lines found exactly once on each side are
//!    paired, and the longest run of pairs in the same order on both sides is kept. An item's
//!    first line names it, so nearly every item gives one.
//! 2. **Between anchors**, `similar`'s Myers search, or, when the two sides of a gap have no
//!    line in common, the gap replaced outright.
//!
//! Myers over the whole text (`similar`'s `TextDiff::from_lines`, and its own "patience",
//! which runs Myers over the unique lines) costs the text's length times the number of
//! differences (issue 15):
//! - every other line of a file reformatted: 5,000 items 0.13 s, 20,000 1.4 s, 80,000 19 s
//!   (release build);
//! - one line of 10,000 `and` terms broken into 10,000 lines: 1.2 s, 40,000 terms 17 s (debug
//!   build).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use similar::algorithms::{Capture, Compact, DiffHook, NoFinishHook, Replace, myers};
use similar::udiff::UnifiedDiffHunk;
use similar::{Change, DiffOp, TextDiff, group_diff_ops};

/// The changes from one text to another, by lines.
pub(super) struct LineDiff<'a> {
    /// The two texts' lines. Its own operations are not used: the search was skipped.
    lines: TextDiff<'a, 'a, 'a, str>,
    ops: Vec<DiffOp>,
}

/// The diff of `old` and `new` by lines.
pub(super) fn line_diff<'a>(old: &'a str, new: &'a str) -> LineDiff<'a> {
    // A deadline already past: `similar` splits the lines and stops its search at once.
    let past = std::time::Instant::now()
        .checked_sub(std::time::Duration::from_secs(1))
        .unwrap_or_else(std::time::Instant::now);
    let lines = TextDiff::configure().deadline(past).diff_lines(old, new);
    let (old_ids, new_ids) = line_ids(lines.old_slices(), lines.new_slices());
    let ops = diff_ops(&old_ids, &new_ids);
    LineDiff { lines, ops }
}

impl<'a> LineDiff<'a> {
    /// The unified diff, `context` lines around each change, headed by the two names; empty
    /// when the texts are the same.
    pub(super) fn unified(&'a self, context: usize, old_name: &str, new_name: &str) -> String {
        let mut text = String::new();
        for hunk in group_diff_ops(self.ops.clone(), context) {
            if text.is_empty() {
                text = format!("--- {old_name}\n+++ {new_name}\n");
            }
            text.push_str(&UnifiedDiffHunk::new(hunk, &self.lines, true).to_string());
        }
        text
    }

    /// Every line of both texts in order, each kept, removed or added.
    pub(super) fn changes(&self) -> impl Iterator<Item = Change<&'a str>> + '_ {
        self.ops
            .iter()
            .flat_map(|op| op.iter_changes(self.lines.old_slices(), self.lines.new_slices()))
    }
}

/// The lines of both sides as numbers, equal for equal lines: cheaper to compare and to hash.
fn line_ids<'a>(old: &[&'a str], new: &[&'a str]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'a str, u32> = HashMap::new();
    let mut id_of = |line: &&'a str| {
        let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        *ids.entry(*line).or_insert(next)
    };
    let old_ids = old.iter().map(&mut id_of).collect();
    let new_ids = new.iter().map(&mut id_of).collect();
    (old_ids, new_ids)
}

/// The operations turning `old` into `new`, cleaned up as `similar` cleans up its own
/// (`Compact` slides changes to their natural place, `Replace` pairs removals with additions).
fn diff_ops(old: &[u32], new: &[u32]) -> Vec<DiffOp> {
    let mut hook = Compact::new(Replace::new(Capture::new()), old, new);
    let Ok(()) = search(&mut hook, old, new);
    hook.into_inner().into_inner().into_ops()
}

/// Reports the diff of `old` and `new` to `hook`: the anchors kept, the gaps between them
/// searched.
fn search<D: DiffHook>(hook: &mut D, old: &[u32], new: &[u32]) -> Result<(), D::Error> {
    let mut gaps = NoFinishHook::new(&mut *hook);
    let (mut o, mut n) = (0, 0);
    for (anchor_old, anchor_new) in anchors(old, new) {
        gap(&mut gaps, old, o..anchor_old, new, n..anchor_new)?;
        gaps.equal(anchor_old, anchor_new, 1)?;
        (o, n) = (anchor_old + 1, anchor_new + 1);
    }
    gap(&mut gaps, old, o..old.len(), new, n..new.len())?;
    hook.finish()
}

/// The most edits the search looks for in a gap longer than that: it costs the gap's length
/// times the edits, so a gap needing more is replaced whole. Only gaps of lines found several
/// times on each side get there (a long `and` chain with every other line indented wrongly:
/// 20,000 lines took 0.96 s, 5,000 0.11 s, release build).
const MAX_EDITS: usize = 1_000;

/// The diff of one gap between anchors: the gap replaced when its two sides have no line in
/// common (what the search finds too, at a cost of the gap's length squared) or need more than
/// [`MAX_EDITS`] edits, else the search.
fn gap<D: DiffHook>(
    hook: &mut D,
    old: &[u32],
    old_range: Range<usize>,
    new: &[u32],
    new_range: Range<usize>,
) -> Result<(), D::Error> {
    let removed = &old[old_range.clone()];
    let added = &new[new_range.clone()];
    let shared = !removed.is_empty() && !added.is_empty() && {
        let added_lines: HashSet<u32> = added.iter().copied().collect();
        removed.iter().any(|line| added_lines.contains(line))
    };
    let searched = shared
        && (removed.len() + added.len() <= MAX_EDITS || within_edits(removed, added, MAX_EDITS));
    if searched {
        return myers::diff_deadline(hook, old, old_range, new, new_range, None);
    }
    if !removed.is_empty() {
        hook.delete(old_range.start, removed.len(), new_range.start)?;
    }
    if !added.is_empty() {
        hook.insert(old_range.end, new_range.start, added.len())?;
    }
    Ok(())
}

/// Whether `old` becomes `new` with at most `max` lines removed or added: the forward half of
/// the search, stopped after `max` steps (cost: the lengths times `max` at worst).
fn within_edits(old: &[u32], new: &[u32], max: usize) -> bool {
    let (n, m) = (old.len(), new.len());
    // `ends[k]`: how far along `old` the best path on diagonal `k - max - 1` has reached.
    let mut ends = vec![0_usize; 2 * max + 3];
    for edits in 0..=max {
        for diagonal in (0..=edits).map(|step| max + 1 + 2 * step - edits) {
            let from_above = diagonal == max + 1 - edits
                || (diagonal != max + 1 + edits && ends[diagonal - 1] < ends[diagonal + 1]);
            let mut x = if from_above {
                ends[diagonal + 1]
            } else {
                ends[diagonal - 1] + 1
            };
            // y = x - (diagonal - max - 1), never negative on a reachable diagonal.
            let Some(mut y) = (x + max + 1).checked_sub(diagonal) else {
                continue;
            };
            while x < n && y < m && old[x] == new[y] {
                x += 1;
                y += 1;
            }
            ends[diagonal] = x;
            if x >= n && y >= m {
                return true;
            }
        }
    }
    false
}

/// The pairs of lines (index in `old`, index in `new`) found once on each side, the longest
/// run of them in the same order on both sides (patience sorting: n log n).
fn anchors(old: &[u32], new: &[u32]) -> Vec<(usize, usize)> {
    // For each line: how often on each side, and where.
    let mut seen: HashMap<u32, (u32, usize, u32, usize)> = HashMap::new();
    for (i, line) in old.iter().enumerate() {
        let entry = seen.entry(*line).or_insert((0, i, 0, 0));
        entry.0 += 1;
    }
    for (i, line) in new.iter().enumerate() {
        if let Some(entry) = seen.get_mut(line) {
            entry.2 += 1;
            entry.3 = i;
        }
    }
    let pairs: Vec<(usize, usize)> = old
        .iter()
        .filter_map(|line| match seen[line] {
            (1, o, 1, n) => Some((o, n)),
            _ => None,
        })
        .collect();
    longest_increasing(&pairs)
}

/// The longest subsequence of `pairs` (increasing in their first index) whose second indices
/// increase too.
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // `tails[k]`: the pair ending the best run of length k + 1 found so far (the smallest
    // second index); `before[i]`: the pair preceding pair i in its run.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = Vec::with_capacity(pairs.len());
    for (i, &(_, n)) in pairs.iter().enumerate() {
        let k = tails.partition_point(|&t| pairs[t].1 < n);
        before.push(k.checked_sub(1).map(|k| tails[k]));
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut next = tails.last().copied();
    while let Some(i) = next {
        run.push(pairs[i]);
        next = before[i];
    }
    run.reverse();
    run
}

#[cfg(test)]
mod tests {
    use similar::ChangeTag;

    use super::*;

    /// `similar`'s own unified diff (a Myers search over the whole text).
    fn myers(old: &str, new: &str) -> String {
        TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(2)
            .header("a", "b")
            .to_string()
    }

    /// The two texts the changes of `diff` spell out.
    fn sides(diff: &LineDiff<'_>) -> (String, String) {
        let (mut old, mut new) = (String::new(), String::new());
        for change in diff.changes() {
            match change.tag() {
                ChangeTag::Equal => {
                    old.push_str(change.value());
                    new.push_str(change.value());
                }
                ChangeTag::Delete => old.push_str(change.value()),
                ChangeTag::Insert => new.push_str(change.value()),
            }
        }
        (old, new)
    }

    /// Pseudo-random numbers below the argument (xorshift), the same ones for a seed.
    fn numbers(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut state = seed;
        move |below| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        }
    }

    /// Random texts of few distinct lines: every diff spells out both texts, and where no line
    /// is found once on each side (no anchor), it is the one `similar`'s search gives, unified
    /// diff's text included.
    #[test]
    fn random_texts_diff_as_the_search_does_without_anchors() {
        let mut next = numbers(0x9e37_79b9_7f4a_7c15);
        let (mut anchored, mut unanchored) = (0, 0);
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
            let diff = line_diff(&old, &new);
            assert_eq!(sides(&diff), (old.clone(), new.clone()));
            let (old_ids, new_ids) = line_ids(diff.lines.old_slices(), diff.lines.new_slices());
            if anchors(&old_ids, &new_ids).is_empty() {
                assert_eq!(
                    diff.unified(2, "a", "b"),
                    myers(&old, &new),
                    "{old:?} → {new:?}"
                );
                unanchored += usize::from(old_len > 0 && new_len > 0);
            } else {
                anchored += 1;
            }
        }
        assert!(
            anchored > 1_000 && unanchored > 1_000,
            "{anchored} {unanchored}"
        );
    }

    #[test]
    fn a_long_line_broken_into_many() {
        let terms: Vec<String> = (0..2_000).map(|i| format!("x > {i}")).collect();
        let old = format!("a\nsegment s = {}\n", terms.join(" and "));
        let new = format!("a\nsegment s =\n  {}\n", terms.join("\n  and "));
        assert_eq!(
            line_diff(&old, &new).unified(2, "a", "b"),
            myers(&old, &new)
        );
    }

    /// Every other line of a long file reformatted: the unchanged lines, each found once, are
    /// the anchors, and each changed line is a change of its own, as the search finds it.
    #[test]
    fn scattered_changes_are_paired_by_their_unchanged_lines() {
        let old: String = (0..2_000)
            .map(|i| match i % 2 {
                0 => format!("segment   s{i} =  x > {i}\n"),
                _ => format!("segment s{i} = x > {i}\n"),
            })
            .collect();
        let new: String = (0..2_000)
            .map(|i| format!("segment s{i} = x > {i}\n"))
            .collect();
        let diff = line_diff(&old, &new);
        assert_eq!(diff.ops.len(), 2_000);
        assert_eq!(diff.unified(2, "a", "b"), myers(&old, &new));
    }

    /// The number of lines removed or added in `similar`'s (minimal) diff of two lists.
    fn edits(old: &[u32], new: &[u32]) -> usize {
        similar::capture_diff_slices(similar::Algorithm::Myers, old, new)
            .iter()
            .map(|op| match *op {
                DiffOp::Equal { .. } => 0,
                DiffOp::Delete { old_len, .. } => old_len,
                DiffOp::Insert { new_len, .. } => new_len,
                DiffOp::Replace {
                    old_len, new_len, ..
                } => old_len + new_len,
            })
            .sum()
    }

    /// The bounded search says yes exactly when the minimal diff has at most `max` edits.
    #[test]
    fn within_edits_agrees_with_the_minimal_diff() {
        let mut next = numbers(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let old: Vec<u32> = (0..next(30)).map(|_| next(4) as u32).collect();
            let new: Vec<u32> = (0..next(30)).map(|_| next(4) as u32).collect();
            let distance = edits(&old, &new);
            let below = distance.saturating_sub(1);
            for max in [0, 1, 2, 5, below, distance, distance + 1] {
                assert_eq!(
                    within_edits(&old, &new, max),
                    distance <= max,
                    "{old:?} → {new:?}, {distance} edits, max {max}"
                );
            }
        }
    }

    /// A long gap of repeated lines needing more than [`MAX_EDITS`] edits (every other line of a
    /// long `and` chain indented wrongly) is replaced whole; the diff still spells out both.
    #[test]
    fn a_gap_needing_too_many_edits_is_replaced() {
        // `lines` lines, every other one indented wrongly, and the same lines all right: the
        // minimal diff removes and adds half of them each, `lines` edits.
        let texts = |lines: usize| {
            let old: String = (0..lines)
                .map(|i| ["  and x > 3\n", "    and x > 3\n"][i % 2])
                .collect();
            (old, "  and x > 3\n".repeat(lines))
        };
        let (old, new) = texts(4 * MAX_EDITS);
        let diff = line_diff(&old, &new);
        assert_eq!(sides(&diff), (old.clone(), new.clone()));
        assert_eq!(diff.ops.len(), 1, "{:?}", diff.ops.first());
        let (old, new) = texts(MAX_EDITS);
        assert_eq!(
            line_diff(&old, &new).unified(2, "a", "b"),
            myers(&old, &new)
        );
    }

    /// Lines moved: the longest run in order stays, the rest is removed and added again.
    #[test]
    fn the_longest_run_in_order_is_kept() {
        let pairs = [(0, 3), (1, 0), (2, 1), (3, 4), (4, 2), (5, 5)];
        assert_eq!(
            longest_increasing(&pairs),
            vec![(1, 0), (2, 1), (4, 2), (5, 5)]
        );
        assert!(longest_increasing(&[]).is_empty());
    }

    #[test]
    fn the_same_texts_have_no_diff() {
        assert_eq!(line_diff("a\nb\n", "a\nb\n").unified(2, "a", "b"), "");
    }
}
