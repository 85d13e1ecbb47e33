//! Checked KPIs: values aggregated over the members of segments or tiers, with their targets.

use chrono::NaiveDate;

use super::{Expr, SegmentId, TiersId};
use crate::span::Span;

/// Index of a KPI in [`super::Program::kpis`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KpiId(pub usize);

/// A checked KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    /// Its name.
    pub name: String,
    /// Its human label.
    pub label: Option<String>,
    /// Where the name is declared.
    pub span: Span,
    /// The groups of members it is computed over: one result row each.
    pub groups: Vec<KpiGroup>,
    /// How the value is computed from the members of one group.
    pub value: KpiExpr,
    /// What the value measures, for targets and display.
    pub unit: KpiUnit,
    /// The target of each group, in the order of the groups (`target ... for vip` gives some
    /// groups their own).
    pub targets: Vec<Target>,
    /// The warn level, if any: values beyond it are flagged.
    pub warn: Option<Bound>,
    /// The A/B readout, if any: every other group compared with a control group.
    pub readout: Option<Readout>,
    /// `frozen "folder"`: the groups are the members a `segc run` wrote there, not those of
    /// the segments or tiers now.
    pub frozen: Option<Frozen>,
}

/// `frozen "runs/2026-10-01"`: the folder of a run whose members are a KPI's groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// The folder as written: relative to the rule file declaring the KPI.
    pub folder: String,
    /// The string literal.
    pub span: Span,
    /// What the names of the program's segments and tiers start with and the run's do not
    /// (empty but in `segc diff --data`, whose merged program renames the old version's
    /// definitions): the groups are read from the run's outputs under their names as written.
    pub renamed: String,
}

impl Frozen {
    /// The name a run gives the output the program names `name`.
    pub fn run_name<'n>(&self, name: &'n str) -> &'n str {
        name.strip_prefix(self.renamed.as_str()).unwrap_or(name)
    }
}

/// `readout vs GROUP`: each group of a KPI compared with its control group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readout {
    /// Index of the control group in the KPI's groups.
    pub control: usize,
    /// The test that fits the value.
    pub test: ReadoutTest,
    /// The relative change the test is meant to detect (`detect +10%`, or the target's
    /// `+10% vs ...`), as a signed fraction.
    pub detect: Option<f64>,
    /// The `readout` clause.
    pub span: Span,
}

/// The statistical test of a readout, decided by the form of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadoutTest {
    /// A share of members (`share(c)`, `count(where c) / count()`): two-proportion z-test.
    TwoProportions,
    /// A mean of one value per member (`avg(x)`): Welch's t-test.
    Welch,
}

/// A group of members a KPI is computed over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KpiGroup {
    /// Every member of the population.
    Population,
    /// The members of a segment.
    Segment(SegmentId),
    /// The members of one tier (or split group).
    Tier {
        /// The tiers item.
        tiers: TiersId,
        /// The tier's name.
        tier: String,
    },
}

/// What a KPI value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KpiUnit {
    /// A fraction of members, 0 to 1, shown and targeted as a percentage.
    Ratio,
    /// A number of members or rows.
    Count,
    /// A sum or average of decimal values (money).
    Amount,
    /// A net promoter score, −100 to +100.
    Nps,
    /// Any other number.
    Number,
}

/// A KPI value: arithmetic over measures of the members.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiExpr {
    /// What it computes.
    pub kind: KpiExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of KPI expression.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiExprKind {
    /// A constant.
    Number(f64),
    /// An aggregate over the members.
    Measure(Measure),
    /// `-x`
    Neg(Box<KpiExpr>),
    /// `a + b`, `a - b`, `a * b`, `a / b` (null when dividing by zero).
    Binary {
        /// The operator.
        op: KpiOp,
        /// Left operand.
        lhs: Box<KpiExpr>,
        /// Right operand.
        rhs: Box<KpiExpr>,
    },
}

/// Arithmetic between KPI values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// An aggregate over the members of a group: `share`, `nps` and aggregates over related rows
/// are rewritten by the checker into these.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// What is computed.
    pub function: MeasureFunction,
    /// The per-member value (`None` for a count of members).
    pub value: Option<Expr>,
    /// Which members are taken (null counts as not taken).
    pub filter: Option<Expr>,
    /// The call it comes from.
    pub span: Span,
}

/// Aggregates over members.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MeasureFunction {
    /// Members (or members with a non-null value): 0 when there are none.
    Count,
    /// Sum of the values: 0 when there are none.
    Sum,
    /// Mean of the values.
    Avg,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Middle value (the mean of the two middle ones for an even count).
    Median,
    /// The continuous percentile at this fraction (0 to 1), interpolating between values.
    Percentile(f64),
}

/// A KPI target: a goal and, optionally, when it is to be reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What the value must be.
    pub goal: Goal,
    /// The date by which it must be reached.
    pub deadline: Option<NaiveDate>,
    /// The target as written (without `target`), for reports.
    pub text: String,
    /// The `target` clause.
    pub span: Span,
}

/// What a KPI value must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Goal {
    /// A bound: `>= 80%`, `< 5`.
    Bound(Bound),
    /// Between two values, both included.
    Between {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// A relative change from a baseline: at least `+change` (rises) or at most `-change`
    /// (falls), as a fraction (`+15%` is 0.15).
    Change {
        /// The signed fraction.
        change: f64,
        /// The reference value.
        baseline: BaselineSource,
    },
}

/// Where the baseline of a relative target comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineSource {
    /// A baseline file recorded by an earlier run.
    Recorded,
    /// A value written in the rules, measured on `since` if known.
    Inline {
        /// The value.
        value: f64,
        /// When it was measured.
        since: Option<NaiveDate>,
    },
}

/// A one-sided bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// The comparison the value must pass.
    pub op: BoundOp,
    /// The value compared to (fractions for ratios: `80%` is 0.8).
    pub value: f64,
}

/// Comparisons of a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOp {
    /// `>=`
    AtLeast,
    /// `>`
    Above,
    /// `<=`
    AtMost,
    /// `<`
    Below,
}

impl Bound {
    /// Whether `value` passes the bound.
    pub fn holds(self, value: f64) -> bool {
        match self.op {
            BoundOp::AtLeast => value >= self.value,
            BoundOp::Above => value > self.value,
            BoundOp::AtMost => value <= self.value,
            BoundOp::Below => value < self.value,
        }
    }

    /// Whether larger values pass (`>=`, `>`).
    pub fn rises(self) -> bool {
        matches!(self.op, BoundOp::AtLeast | BoundOp::Above)
    }
}

impl KpiExpr {
    /// The measures of a share of members, `count(where ...) / count(where ...)`: the
    /// numerator and the denominator.
    pub fn as_share(&self) -> Option<(&Measure, &Measure)> {
        let KpiExprKind::Binary {
            op: KpiOp::Div,
            lhs,
            rhs,
        } = &self.kind
        else {
            return None;
        };
        fn members(e: &KpiExpr) -> Option<&Measure> {
            match &e.kind {
                KpiExprKind::Measure(m)
                    if m.function == MeasureFunction::Count && m.value.is_none() =>
                {
                    Some(m)
                }
                _ => None,
            }
        }
        Some((members(lhs)?, members(rhs)?))
    }

    /// The measure of a mean of one value per member, `avg(x)`.
    pub fn as_mean(&self) -> Option<&Measure> {
        match &self.kind {
            KpiExprKind::Measure(m) if m.function == MeasureFunction::Avg => Some(m),
            _ => None,
        }
    }

    /// Every measure of the expression, in order.
    pub fn measures(&self) -> Vec<&Measure> {
        let mut found = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match &e.kind {
                KpiExprKind::Number(_) => {}
                KpiExprKind::Measure(m) => found.push(m),
                KpiExprKind::Neg(x) => stack.push(x),
                KpiExprKind::Binary { lhs, rhs, .. } => stack.extend([&**rhs, &**lhs]),
            }
        }
        found
    }
}
