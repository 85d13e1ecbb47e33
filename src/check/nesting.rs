//! Segments provably inside others, read from their conditions: the size expectations that
//! cannot all hold (`E1403`), and the `equal-segments` and `nested-segments` lints.
//!
//! A segment is inside another when its facts (its condition's, and those of the segments it
//! requires, `clients and ...`) imply all of the other's (`reach::Facts`): sound, not complete,
//! so a pair is only reported when it is proven.

use std::collections::BTreeSet;

use super::reach::Facts;
use crate::diagnostics::{
    Contradiction, Diagnostic, LintDiagnostic, Nesting, SizeDiagnostic, SizeOf,
};
use crate::hir::{self, SegmentId, SizeExpectation, SizeSubject};
use crate::span::Span;

/// Above this many declared segments the lints do not compare every pair (the proof of
/// expectations only compares the segments that have some, and runs whatever their number).
pub(super) const MAX_SEGMENTS_COMPARED: usize = 400;

/// What is known of the members of each segment and tier arm.
struct Known {
    /// Each segment's own facts: what it takes to be a member.
    own: Vec<Facts>,
    /// Each segment's facts with those of the segments it requires: what its members are.
    members: Vec<Facts>,
    /// Each segment's condition with the segments it requires replaced by their own
    /// conditions, when every one was understood: exactly what it takes to be a member.
    defined: Vec<Option<Facts>>,
}

impl Known {
    fn of(program: &hir::Program) -> Known {
        let own: Vec<Facts> = program
            .segments
            .iter()
            .map(|s| Facts::of(&s.condition))
            .collect();
        let members = own.iter().map(|facts| expanded(facts, &own)).collect();
        let defined = (0..own.len())
            .map(|i| definition(SegmentId(i), &own, &mut BTreeSet::new()))
            .collect();
        Known {
            own,
            members,
            defined,
        }
    }

    /// Whether every member of a segment with `members` facts is a member of `outer`.
    fn inside(&self, members: &Facts, outer: SegmentId) -> bool {
        members.implies(&self.own[outer.0])
            || self.defined[outer.0]
                .as_ref()
                .is_some_and(|defined| members.implies(defined))
    }

    /// What the members of `subject` are known to satisfy (`None`: an `else` tier).
    fn subject(&self, program: &hir::Program, subject: SizeSubject) -> Option<Facts> {
        match subject {
            SizeSubject::Segment(id) => Some(self.members[id.0].clone()),
            // A tier's members satisfy its condition (and are in no earlier tier, which is
            // left out: knowing less keeps the proof sound).
            SizeSubject::Tier { tiers, arm } => {
                let condition = program.tiers[tiers.0].arms.get(arm)?.condition.as_ref()?;
                Some(expanded(&Facts::of(condition), &self.own))
            }
        }
    }
}

/// `facts` with the facts of every segment they require, and of those these require.
fn expanded(facts: &Facts, own: &[Facts]) -> Facts {
    let mut all = facts.clone();
    let mut seen = BTreeSet::new();
    let mut pending = facts.segments_within();
    while let Some(id) = pending.pop() {
        if id.0 >= own.len() || !seen.insert(id) {
            continue;
        }
        all.merge(&own[id.0]);
        pending.extend(own[id.0].segments_within());
    }
    all
}

/// What it takes to be a member of `id`, without naming segments (`None` when some part was
/// not understood, or a segment is required not to hold).
fn definition(id: SegmentId, own: &[Facts], seen: &mut BTreeSet<SegmentId>) -> Option<Facts> {
    if !seen.insert(id) {
        return None;
    }
    let facts = own.get(id.0)?;
    let mut defined = facts.without_segments()?;
    for required in facts.segments_within() {
        defined.and(&definition(required, own, seen)?);
    }
    seen.remove(&id);
    Some(defined)
}

/// The expectations that cannot hold together, whatever the data (`E1403`): two of one
/// segment or tier whose ranges do not meet, or one of a segment inside another that asks it
/// to be larger than the other may be.
pub(super) fn contradictions(program: &hir::Program) -> Vec<Diagnostic> {
    let expectations = &program.expectations;
    if expectations.len() < 2 {
        return Vec::new();
    }
    let known = Known::of(program);
    let facts: Vec<Option<Facts>> = expectations
        .iter()
        .map(|e| known.subject(program, e.subject))
        .collect();
    let mut found = Vec::new();
    for (later, b) in expectations.iter().enumerate() {
        for (earlier, a) in expectations[..later].iter().enumerate() {
            if a.measure != b.measure {
                continue;
            }
            let nesting = if a.subject == b.subject {
                (b.range.above(a.range) || a.range.above(b.range)).then_some(Nesting::Same)
            } else {
                nested_conflict(&known, (b, &facts[later]), (a, &facts[earlier]))
            };
            if let Some(nested) = nesting {
                found.push(Diagnostic::Size(SizeDiagnostic::Contradiction(Box::new(
                    Contradiction {
                        subject: size_of(program, b.subject),
                        span: b.span,
                        other: size_of(program, a.subject),
                        other_span: a.span,
                        nested,
                    },
                ))));
                break;
            }
        }
    }
    found
}

/// How `b` and `a` conflict, if one's subject is inside the other's (only segments can
/// contain) and asks to be larger than the other may be.
fn nested_conflict(
    known: &Known,
    (b, b_facts): (&SizeExpectation, &Option<Facts>),
    (a, a_facts): (&SizeExpectation, &Option<Facts>),
) -> Option<Nesting> {
    if let (Some(facts), SizeSubject::Segment(outer)) = (b_facts, a.subject)
        && known.inside(facts, outer)
        && b.range.above(a.range)
    {
        return Some(Nesting::Inside);
    }
    if let (Some(facts), SizeSubject::Segment(outer)) = (a_facts, b.subject)
        && known.inside(facts, outer)
        && a.range.above(b.range)
    {
        return Some(Nesting::Contains);
    }
    None
}

fn size_of(program: &hir::Program, subject: SizeSubject) -> SizeOf {
    match subject {
        SizeSubject::Segment(id) => SizeOf::Segment(program.segments[id.0].name.clone()),
        SizeSubject::Tier { tiers, arm } => {
            let t = &program.tiers[tiers.0];
            SizeOf::Tier {
                tiers: t.name.clone(),
                tier: t.arms.get(arm).map(|a| a.name.clone()).unwrap_or_default(),
            }
        }
    }
}

/// The `equal-segments` and `nested-segments` findings over `segments` (the declared ones of
/// the file, in file order). Segments selecting the same members form a class, whose first
/// segment stands for it: each other one is reported equal to it, unless it names it in its
/// condition or is already `duplicate-segment` (in `duplicates`). Nesting is reported between
/// the classes' first segments, only from a segment to the closest ones around it (not through
/// another one in between), unless the inner one names the outer one.
pub(super) fn nested_pairs(
    program: &hir::Program,
    segments: &[(SegmentId, Span)],
    duplicates: &BTreeSet<String>,
) -> Vec<LintDiagnostic> {
    let n = segments.len();
    if !(2..=MAX_SEGMENTS_COMPARED).contains(&n) {
        return Vec::new();
    }
    let known = Known::of(program);
    let inside: Vec<Vec<bool>> = segments
        .iter()
        .map(|&(a, _)| {
            segments
                .iter()
                .map(|&(b, _)| a != b && known.inside(&known.members[a.0], b))
                .collect()
        })
        .collect();
    let equal = |i: usize, j: usize| inside[i][j] && inside[j][i];
    let first_equal: Vec<usize> = (0..n)
        .map(|i| (0..i).find(|&j| equal(i, j)).unwrap_or(i))
        .collect();
    let names = |i: usize, j: usize| {
        known.own[segments[i].0.0]
            .segments_within()
            .contains(&segments[j].0)
    };
    let name = |i: usize| program.segments[segments[i].0.0].name.clone();
    let mut found = Vec::new();
    for (i, &first) in first_equal.iter().enumerate() {
        if first != i && !names(i, first) && !names(first, i) && !duplicates.contains(&name(i)) {
            found.push(LintDiagnostic::EqualSegments {
                name: name(i),
                span: segments[i].1,
                other: name(first),
                other_span: segments[first].1,
            });
        }
    }
    let classes: Vec<usize> = (0..n).filter(|&i| first_equal[i] == i).collect();
    let strictly = |i: usize, j: usize| inside[i][j] && !inside[j][i];
    for &i in &classes {
        for &j in &classes {
            let through_another = || {
                classes
                    .iter()
                    .any(|&k| k != i && k != j && strictly(i, k) && strictly(k, j))
            };
            if strictly(i, j) && !names(i, j) && !through_another() {
                found.push(LintDiagnostic::NestedSegments {
                    name: name(i),
                    span: segments[i].1,
                    outer: name(j),
                    outer_span: segments[j].1,
                });
            }
        }
    }
    found
}
