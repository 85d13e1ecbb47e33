//! The run-time lint about overlapping segments (`W1402`): the pairs a run counted whose
//! Jaccard index is above the project's `[overlaps] max_jaccard`.

use crate::diagnostics::{Diagnostic, Overlap, SizeDiagnostic, SizeOf};
use crate::engine::Summary;
use crate::hir::{self, ExprKind, SegmentId};
use crate::span::Span;

/// The `W1402` warnings of a run's `summary` (with its overlaps counted) for `threshold`,
/// most overlapping first. A segment or tier whose condition names the other segment is
/// inside it on purpose, and is not reported.
pub(super) fn overlap_warnings(
    program: &hir::Program,
    summary: &Summary,
    threshold: f64,
) -> Vec<Diagnostic> {
    let Some(pairs) = &summary.overlaps else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for pair in pairs.iter().filter(|p| p.jaccard > threshold) {
        let (Some(first), Some(second)) = (
            subject(program, &pair.first),
            subject(program, &pair.second),
        ) else {
            continue;
        };
        if names(&first.condition, second.segment) || names(&second.condition, first.segment) {
            continue;
        }
        found.push(Diagnostic::Size(SizeDiagnostic::Overlap(Box::new(
            Overlap {
                first: first.shown,
                second: second.shown,
                common: pair.common,
                jaccard: pair.jaccard,
                threshold,
                span: first.span,
                other: second.span,
            },
        ))));
    }
    found
}

/// A side of a pair as the program declares it.
struct Side<'p> {
    shown: SizeOf,
    span: Span,
    condition: Option<&'p hir::Expr>,
    segment: Option<SegmentId>,
}

/// The segment `name`, or the tier `tiers:tier`.
fn subject<'p>(program: &'p hir::Program, name: &str) -> Option<Side<'p>> {
    if let Some((tiers, tier)) = name.split_once(':') {
        let t = program.tiers.iter().find(|t| t.name == tiers)?;
        let arm = t.arms.iter().find(|a| a.name == tier)?;
        return Some(Side {
            shown: SizeOf::Tier {
                tiers: tiers.to_string(),
                tier: tier.to_string(),
            },
            span: t.span,
            condition: arm.condition.as_ref(),
            segment: None,
        });
    }
    let (id, segment) = program
        .segments
        .iter()
        .enumerate()
        .find(|(_, s)| s.name == name)?;
    Some(Side {
        shown: SizeOf::Segment(name.to_string()),
        span: segment.span,
        condition: Some(&segment.condition),
        segment: Some(SegmentId(id)),
    })
}

/// Whether `condition` names the segment `segment`.
fn names(condition: &Option<&hir::Expr>, segment: Option<SegmentId>) -> bool {
    let (Some(condition), Some(segment)) = (condition, segment) else {
        return false;
    };
    let mut found = false;
    condition.visit(&mut |e| found |= e.kind == ExprKind::Segment(segment));
    found
}
