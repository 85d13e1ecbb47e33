//! Lints about what rules mean against their data and targets: segments that take everyone
//! (`W1107`), KPIs measured against a baseline the project does not have (`W1108`), and time
//! windows longer than a source's declared retention (`W1109`).

use crate::ast::BinaryOp;
use crate::diagnostics::LintDiagnostic;
use crate::hir::{self, DurationValue, ExprKind, Goal};

use super::reach::{Facts, negation};

/// A segment whose condition holds for every member: `true`, or a disjunction whose negation
/// contradicts itself (`age >= 18 or age < 18` on a column that is never null).
pub(super) fn always_true(segment: &hir::Segment) -> Option<LintDiagnostic> {
    let condition = &segment.condition;
    let holds = match &condition.kind {
        ExprKind::Literal(hir::Value::Bool(true)) => true,
        _ => negation(condition).is_some_and(|n| Facts::of(&n).is_impossible()),
    };
    holds.then(|| LintDiagnostic::AlwaysTrue {
        name: segment.name.clone(),
        span: condition.span,
    })
}

/// KPIs with a `vs baseline` target (called when no baseline file is configured).
pub(super) fn kpis_without_baseline(program: &hir::Program, found: &mut Vec<LintDiagnostic>) {
    for kpi in &program.kpis {
        // Groups share a target unless given their own: each target once.
        let mut seen = Vec::new();
        for target in &kpi.targets {
            if let Goal::Change {
                baseline: hir::BaselineSource::Recorded,
                ..
            } = &target.goal
                && !seen.contains(&target.span)
            {
                seen.push(target.span);
                found.push(LintDiagnostic::KpiWithoutBaseline {
                    name: kpi.name.clone(),
                    span: target.span,
                });
            }
        }
    }
}

/// Comparisons of a column with `as_of - LENGTH` (`ordered_at >= as_of - 24 months`) where the
/// column's source keeps less than `LENGTH` of history.
pub(super) fn windows_beyond_retention(program: &hir::Program, found: &mut Vec<LintDiagnostic>) {
    for e in super::lints::all_expressions(program) {
        e.visit(&mut |node| {
            let ExprKind::Binary { op, lhs, rhs } = &node.kind else {
                return;
            };
            if !matches!(
                op,
                BinaryOp::Gt | BinaryOp::GtEq | BinaryOp::Lt | BinaryOp::LtEq
            ) {
                return;
            }
            let (column, window) = match (&lhs.kind, &rhs.kind) {
                (ExprKind::Column { source, .. }, _) => (*source, &**rhs),
                (_, ExprKind::Column { source, .. }) => (*source, &**lhs),
                _ => return,
            };
            // The window reaches back: the column is later than `as_of - LENGTH`.
            let reaches_back = match (&lhs.kind, op) {
                (ExprKind::Column { .. }, BinaryOp::Gt | BinaryOp::GtEq) => true,
                (ExprKind::Column { .. }, _) => false,
                (_, BinaryOp::Lt | BinaryOp::LtEq) => true,
                _ => false,
            };
            let ExprKind::Shift {
                value,
                by,
                backwards: true,
            } = &window.kind
            else {
                return;
            };
            if !reaches_back || !matches!(value.kind, ExprKind::AsOf) {
                return;
            }
            let source = program.source(column);
            let Some(retention) = &source.retention else {
                return;
            };
            if days(by).0 > days(&retention.length).1 {
                found.push(LintDiagnostic::WindowBeyondRetention {
                    source: source.name.clone(),
                    window: duration_text(by),
                    retention: retention.text.clone(),
                    span: window.span,
                    retention_span: retention.span,
                });
            }
        });
    }
}

/// The shortest and longest number of days a duration can span (months are 28 to 31 days,
/// years 365 or 366).
fn days(d: &DurationValue) -> (f64, f64) {
    match d {
        DurationValue::Fixed { micros } => {
            let days = *micros as f64 / 86_400_000_000.0;
            (days, days)
        }
        DurationValue::Calendar { months } => {
            let (years, rest) = (f64::from(months / 12), f64::from(months % 12));
            (years * 365.0 + rest * 28.0, years * 366.0 + rest * 31.0)
        }
    }
}

/// A duration as people write it: `24 months`, `400 days`.
fn duration_text(d: &DurationValue) -> String {
    match d {
        DurationValue::Calendar { months } if months % 12 == 0 => {
            let years = months / 12;
            format!("{years} year{}", if years == 1 { "" } else { "s" })
        }
        DurationValue::Calendar { months } => {
            format!("{months} month{}", if *months == 1 { "" } else { "s" })
        }
        DurationValue::Fixed { micros } => {
            let days = *micros as f64 / 86_400_000_000.0;
            if days.fract() == 0.0 {
                format!("{days} day{}", if days == 1.0 { "" } else { "s" })
            } else {
                format!("{:.1} days", days)
            }
        }
    }
}
