//! The syntax tree of `kpi` items: what is measured, for which groups, against which targets,
//! and the readouts of arms against their control.

use super::{BinaryOp, Expr, Ident, Literal, StringLit};
use crate::span::Span;

/// A KPI: a value aggregated over the members of segments or tiers, and its target.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiDecl {
    /// The KPI's name.
    pub name: Ident,
    /// A human label.
    pub label: Option<StringLit>,
    /// Whose members the value is computed over.
    pub scope: KpiScope,
    /// `frozen "runs/2026-10-01"`: the groups are the members a run wrote to that folder.
    pub frozen: Option<StringLit>,
    /// `value = ...`, `target ...` and `warn ...`, in the order written.
    pub clauses: Vec<KpiClause>,
}

/// The members a KPI is computed over.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiScope {
    /// No `for`: the whole population.
    Population,
    /// `for vip, loyal`: one row per segment.
    Segments(Vec<Ident>),
    /// `for each lifecycle [except a, b]`: one row per tier (or split group), but those after
    /// `except`.
    Each {
        /// The tiers or split item.
        tiers: Ident,
        /// The tiers left out.
        except: Vec<Ident>,
    },
}

/// One clause of a KPI body.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiClause {
    /// What the clause says.
    pub kind: KpiClauseKind,
    /// The whole clause.
    pub span: Span,
}

/// The kinds of KPI clause.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiClauseKind {
    /// `value = expr`
    Value(Expr),
    /// `target ...`
    Target(Box<KpiTarget>),
    /// `warn < 30`
    Warn(KpiThreshold),
    /// `readout vs control [detect +10%]`
    Readout(KpiReadout),
}

/// `readout vs GROUP [detect CHANGE]`: every other group compared with the control group.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiReadout {
    /// The control group: a segment after `for`, or a tier (split group) of `for each`.
    pub control: Ident,
    /// The smallest relative change the test is meant to detect (a signed percentage).
    pub detect: Option<Literal>,
}

/// `target GOAL [by @DATE]`
#[derive(Debug, Clone, PartialEq)]
pub struct KpiTarget {
    /// What counts as reaching the target.
    pub goal: KpiGoal,
    /// `by @DATE`: when the target is to be reached (a date literal).
    pub deadline: Option<Literal>,
    /// `for vip, loyal`: the groups this target is for (none: every group without one).
    pub groups: Vec<Ident>,
}

/// What a KPI target asks of the value.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiGoal {
    /// `>= 80%`, `< 5`
    Threshold(KpiThreshold),
    /// `between 7 and 9` (both ends included)
    Between {
        /// Lower bound.
        low: Literal,
        /// Upper bound.
        high: Literal,
    },
    /// `+15% vs baseline`, `-5% vs 42.5 since @2026-01-01`
    Change {
        /// The signed relative change, a percentage.
        change: Literal,
        /// What it is relative to.
        baseline: KpiBaseline,
    },
}

/// `OP NUMBER`, in a target or a warn level.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiThreshold {
    /// The comparison.
    pub op: BinaryOp,
    /// Where the comparison stands.
    pub op_span: Span,
    /// The signed number or percentage.
    pub value: Literal,
}

/// The reference of a relative target.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiBaseline {
    /// `vs baseline`: the value recorded in a baseline file by an earlier run.
    Recorded(Span),
    /// `vs 1200 [since @DATE]`: a value written in the rules.
    Inline {
        /// The baseline value.
        value: Literal,
        /// When it was measured (a date literal), for judging progress.
        since: Option<Literal>,
    },
}
