//! The run-time check of audiences: for each audience written, a hidden segment "member of the
//! audience without consent" (`segment and (consent is null or not consent)`) computed by the
//! membership plan in the same pass as the outputs, counted by the writer and never written.
//! The rules are proven to require the consent (`check`), so it only finds members the data
//! lets in: a null consent read through a lookup whose row is missing, or data that changed.

use crate::hir::{self, Channel, DefId, Expr, ExprKind, OutputId, SegmentId};
use crate::span::Span;
use crate::types::Type;

use super::Selection;

/// One audience checked at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentCheck {
    /// The audience's segment.
    pub segment: String,
    /// Its channel.
    pub channel: Channel,
    /// Whether members without consent are a warning (`else warn`).
    pub warn: bool,
    /// The `audience` clause.
    pub span: Span,
}

/// The program and selection with the hidden segments of the audiences `selection` writes
/// (after every output, in the order of `checks`), when it writes any.
#[derive(Debug, Clone)]
pub struct ConsentChecks {
    /// The program with one hidden segment per check.
    pub program: hir::Program,
    /// The selection with the hidden segments last.
    pub selection: Selection,
    /// The audiences checked, in the order of their hidden segments.
    pub checks: Vec<ConsentCheck>,
}

/// The prefix of the hidden segments' names (not a name rules can declare).
pub const HIDDEN_PREFIX: &str = "__segc_without_consent_";

/// [`ConsentChecks`] for the audiences `selection` writes; `None` when it writes none.
pub fn consent_checks(program: &hir::Program, selection: &Selection) -> Option<ConsentChecks> {
    let selected = selection.outputs(program);
    let audiences: Vec<&hir::Audience> = program
        .audiences
        .iter()
        .filter(|a| selected.contains(&OutputId::Segment(a.segment)))
        .filter(|a| program.consent(a.channel).is_some())
        .collect();
    if audiences.is_empty() {
        return None;
    }
    let mut copy = program.clone();
    let mut outputs = selected;
    let mut checks = Vec::with_capacity(audiences.len());
    for audience in audiences {
        let consent = program.consent(audience.channel)?;
        let segment = &program.segments[audience.segment.0];
        let granted = consent_value(&mut copy, consent, audience.span)?;
        let condition = without_consent(audience.segment, granted, audience.span);
        let id = SegmentId(copy.segments.len());
        copy.segments.push(hir::Segment {
            name: format!(
                "{HIDDEN_PREFIX}{}_{}",
                audience.channel.as_str(),
                segment.name
            ),
            label: None,
            span: audience.span,
            condition,
        });
        copy.evaluation_order.push(DefId::Segment(id));
        copy.outputs.push(OutputId::Segment(id));
        outputs.push(OutputId::Segment(id));
        checks.push(ConsentCheck {
            segment: segment.name.clone(),
            channel: audience.channel,
            warn: audience.warn,
            span: audience.span,
        });
    }
    Some(ConsentChecks {
        program: copy,
        selection: Selection::Only(outputs),
        checks,
    })
}

/// The consent column as the members read it: a column of the population, or looked up along
/// [`hir::Program::consent_path`] (added to the program when no rule follows it yet).
fn consent_value(program: &mut hir::Program, consent: hir::Consent, span: Span) -> Option<Expr> {
    // A consent from dates: its `let`, the condition the rules read.
    if let Some(id) = consent.dated {
        return Some(boolean(ExprKind::Let(id), true, span));
    }
    let column = &program.sources[consent.source.0].columns[consent.column];
    let nullable = column.nullable || consent.source != program.population;
    let kind = if consent.source == program.population {
        ExprKind::Column {
            source: consent.source,
            column: consent.column,
        }
    } else {
        let wanted = program.consent_path(consent)?;
        let path = match program.paths.iter().position(|p| *p == wanted) {
            Some(i) => i,
            None => {
                program.paths.push(wanted);
                program.paths.len() - 1
            }
        };
        ExprKind::Lookup {
            path: hir::PathId(path),
            column: consent.column,
        }
    };
    Some(boolean(kind, nullable, span))
}

/// `segment and (consent is null or not consent)`: a member the data gives no consent.
fn without_consent(segment: SegmentId, consent: Expr, span: Span) -> Expr {
    let nullable = consent.nullable;
    let missing = boolean(
        ExprKind::IsNull {
            value: Box::new(consent.clone()),
            negated: false,
        },
        false,
        span,
    );
    let refused = boolean(ExprKind::Not(Box::new(consent)), nullable, span);
    let lacking = boolean(
        ExprKind::Binary {
            op: crate::ast::BinaryOp::Or,
            lhs: Box::new(missing),
            rhs: Box::new(refused),
        },
        nullable,
        span,
    );
    boolean(
        ExprKind::Binary {
            op: crate::ast::BinaryOp::And,
            lhs: Box::new(boolean(ExprKind::Segment(segment), false, span)),
            rhs: Box::new(lacking),
        },
        nullable,
        span,
    )
}

fn boolean(kind: ExprKind, nullable: bool, span: Span) -> Expr {
    Expr {
        kind,
        ty: Type::Bool,
        nullable,
        span,
    }
}
