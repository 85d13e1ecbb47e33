//! KPI items: `kpi NAME [for SEGMENTS | for each TIERS] { value = ... target ... [warn ...] }`.
//!
//! A KPI is one value per group of members (a segment, a tier, or the whole population) and a
//! target it is judged by. Values are checked in `measures`; this file resolves the groups and
//! checks targets and warn levels against what the value measures (ratios take percentages,
//! other values plain numbers).

use chrono::NaiveDate;

use crate::ast::{self, BinaryOp, KpiBaseline, KpiClauseKind, KpiGoal, LiteralKind};
use crate::diagnostics::{Diagnostic, KpiDiagnostic, NameDiagnostic, NameKind};
use crate::hir::{self, BaselineSource, Bound, BoundOp, Goal, KpiGroup, KpiUnit, SegmentId};
use crate::span::Span;
use crate::suggest::similar;

use super::{Binding, Checker};

/// The clauses of a KPI body, by kind.
#[derive(Default)]
struct Clauses<'d> {
    value: Option<(&'d ast::Expr, Span)>,
    targets: Vec<(&'d ast::KpiTarget, Span)>,
    warn: Option<(&'d ast::KpiThreshold, Span)>,
    readout: Option<(&'d ast::KpiReadout, Span)>,
}

fn kpi_problem(problem: KpiDiagnostic) -> Diagnostic {
    Diagnostic::Kpi(problem)
}

/// A number of a target as written (`80%`, `-5%`, `1_200`).
fn number_text(literal: &ast::Literal) -> String {
    match &literal.kind {
        LiteralKind::Int(i) => i.to_string(),
        LiteralKind::Float { text, .. } => text.clone(),
        LiteralKind::Percent { text, .. } => format!("{text}%"),
        _ => String::new(),
    }
}

fn date_text(literal: &ast::Literal) -> String {
    match &literal.kind {
        LiteralKind::Date(d) => d.to_string(),
        _ => String::new(),
    }
}

/// The target as it is shown in reports: `>= 80%`, `+15% vs baseline by 2026-12-31`.
fn target_text(target: &ast::KpiTarget) -> String {
    let mut text = match &target.goal {
        KpiGoal::Threshold(t) => format!("{} {}", t.op.symbol(), number_text(&t.value)),
        KpiGoal::Between { low, high } => {
            format!("between {} and {}", number_text(low), number_text(high))
        }
        KpiGoal::Change { change, baseline } => {
            let sign = match change.kind {
                LiteralKind::Percent { value, .. } if value < 0.0 => "",
                _ => "+",
            };
            let reference = match baseline {
                KpiBaseline::Recorded(_) => "baseline".to_string(),
                KpiBaseline::Inline { value, since } => match since {
                    Some(since) => format!("{} since {}", number_text(value), date_text(since)),
                    None => number_text(value),
                },
            };
            format!("{sign}{} vs {reference}", number_text(change))
        }
    };
    if let Some(deadline) = &target.deadline {
        text.push_str(&format!(" by {}", date_text(deadline)));
    }
    text
}

/// Whether a warn level lies beyond the target, on the side of the values that miss it.
fn warn_beyond_target(goal: &Goal, warn: Bound) -> bool {
    match goal {
        Goal::Bound(target) if target.rises() => !warn.rises() && warn.value <= target.value,
        Goal::Bound(target) => warn.rises() && warn.value >= target.value,
        Goal::Change { change, .. } => (*change >= 0.0) != warn.rises(),
        Goal::Between { low, high } => {
            if warn.rises() {
                warn.value >= *high
            } else {
                warn.value <= *low
            }
        }
    }
}

impl<'a> Checker<'a> {
    /// Registers a KPI (KPIs have their own names: a KPI may be named like a segment).
    pub(super) fn declare_kpi(&mut self, decl: &'a ast::KpiDecl) {
        if let Some(first) = self.kpi_names.get(&decl.name.name) {
            self.sink
                .push(Diagnostic::Names(NameDiagnostic::DuplicateName {
                    kind: NameKind::Kpi,
                    name: decl.name.name.clone(),
                    first: *first,
                    second: decl.name.span,
                }));
        } else {
            self.kpi_names
                .insert(decl.name.name.clone(), decl.name.span);
        }
        self.kpis.push(decl);
    }

    /// Checks every KPI.
    pub(super) fn check_kpis(&mut self) {
        for i in 0..self.kpis.len() {
            let checked = self.check_kpi(self.kpis[i]);
            self.checked_kpis.push(checked);
        }
    }

    fn check_kpi(&mut self, decl: &ast::KpiDecl) -> Option<hir::Kpi> {
        let groups = self.kpi_groups(&decl.scope);
        let clauses = self.kpi_clauses(decl);
        let checked_value = clauses.value.map(|(e, _)| (self.kpi_value(e), e.span));
        // Targets are checked against the unit only when the value is known.
        let (unit, value_span) = match &checked_value {
            Some((Some((_, unit)), span)) => (Some(*unit), *span),
            Some((None, span)) => (None, *span),
            None => (None, decl.name.span),
        };
        let names = self.group_names(&decl.scope);
        let targets = self.kpi_targets(&clauses.targets, names.as_deref(), unit, value_span);
        let checked_warn = clauses
            .warn
            .map(|(w, span)| (self.kpi_bound(w, unit, value_span), span));
        if let (Some(targets), Some((Some(w), span))) = (&targets, &checked_warn)
            && unit.is_some()
        {
            let mut seen: Vec<Span> = Vec::new();
            for t in targets.iter().filter(|t| !warn_beyond_target(&t.goal, *w)) {
                if !seen.contains(&t.span) {
                    seen.push(t.span);
                    self.sink.push(kpi_problem(KpiDiagnostic::WarnOnTargetSide {
                        span: *span,
                        target: t.span,
                    }));
                }
            }
        }
        let value_expr = checked_value.as_ref().and_then(|(v, _)| v.as_ref());
        let checked_readout = clauses.readout.map(|(r, span)| {
            let value = value_expr.map(|(e, _)| e);
            self.kpi_readout(r, span, names.as_deref(), value, targets.as_deref())
        });
        let (value, unit) = checked_value?.0?;
        let warn = match checked_warn {
            Some((w, _)) => Some(w?),
            None => None,
        };
        let readout = match checked_readout {
            Some(r) => Some(r?),
            None => None,
        };
        Some(hir::Kpi {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            span: decl.name.span,
            groups: groups?,
            value,
            unit,
            targets: targets?,
            warn,
            readout,
            frozen: decl.frozen.as_ref().map(|f| hir::Frozen {
                folder: f.value.clone(),
                span: f.span,
                renamed: String::new(),
            }),
        })
    }

    /// The clauses of a KPI, reporting clauses written twice (targets for groups may be several)
    /// and missing ones.
    fn kpi_clauses<'d>(&mut self, decl: &'d ast::KpiDecl) -> Clauses<'d> {
        let mut clauses = Clauses::default();
        let mut default_target: Option<Span> = None;
        for clause in &decl.clauses {
            let span = clause.span;
            let (name, first) = match &clause.kind {
                KpiClauseKind::Value(e) => ("value", clauses.value.replace((e, span)).map(|v| v.1)),
                KpiClauseKind::Target(t) => {
                    clauses.targets.push((t, span));
                    let first = if t.groups.is_empty() {
                        default_target.replace(span)
                    } else {
                        None
                    };
                    ("target", first)
                }
                KpiClauseKind::Warn(w) => ("warn", clauses.warn.replace((w, span)).map(|v| v.1)),
                KpiClauseKind::Readout(r) => {
                    ("readout", clauses.readout.replace((r, span)).map(|v| v.1))
                }
            };
            if let Some(first) = first {
                self.sink.push(kpi_problem(KpiDiagnostic::RepeatedClause {
                    clause: name,
                    first,
                    second: span,
                }));
            }
        }
        let missing = [
            ("value", clauses.value.is_none()),
            ("target", clauses.targets.is_empty()),
        ];
        for (clause, missing) in missing {
            if missing {
                self.sink.push(kpi_problem(KpiDiagnostic::MissingClause {
                    kpi: decl.name.name.clone(),
                    clause,
                    span: decl.name.span,
                }));
            }
        }
        clauses
    }

    /// The groups a KPI is computed over, reporting names that are not segments (or tiers).
    fn kpi_groups(&mut self, scope: &ast::KpiScope) -> Option<Vec<KpiGroup>> {
        match scope {
            ast::KpiScope::Population => Some(vec![KpiGroup::Population]),
            ast::KpiScope::Segments(names) => {
                let mut groups = Vec::with_capacity(names.len());
                let mut seen: Vec<(SegmentId, Span)> = Vec::new();
                let mut ok = true;
                for name in names {
                    match self.scope_binding(name, false) {
                        Some(Binding::Segment(id)) => {
                            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
                                self.sink.push(kpi_problem(KpiDiagnostic::RepeatedGroup {
                                    name: name.name.clone(),
                                    first: *first,
                                    second: name.span,
                                }));
                                ok = false;
                                continue;
                            }
                            seen.push((id, name.span));
                            groups.push(KpiGroup::Segment(id));
                        }
                        _ => ok = false,
                    }
                }
                ok.then_some(groups)
            }
            ast::KpiScope::Each { tiers, except } => match self.scope_binding(tiers, true) {
                Some(Binding::Tiers(id)) => {
                    let all = self.tier_values[id.0].values.clone();
                    let mut ok = true;
                    for name in except.iter().filter(|n| !all.contains(&n.name)) {
                        ok = false;
                        self.sink.push(kpi_problem(KpiDiagnostic::UnknownExcept {
                            name: name.name.clone(),
                            tiers: tiers.name.clone(),
                            span: name.span,
                            candidates: similar(&name.name, all.iter().map(String::as_str)),
                        }));
                    }
                    let kept = all
                        .into_iter()
                        .filter(|t| !except.iter().any(|n| n.name == *t));
                    let groups = kept.map(|tier| KpiGroup::Tier { tiers: id, tier });
                    ok.then(|| groups.collect())
                }
                _ => None,
            },
        }
    }

    /// What a name after `for` (or `for each`) is bound to, reporting it when it is not what
    /// that place takes; `None` when it is not.
    pub(super) fn scope_binding(&mut self, name: &ast::Ident, each: bool) -> Option<Binding> {
        let binding = self.names.get(&name.name).map(|(b, _)| *b);
        let found = match binding {
            Some(Binding::Segment(_)) if !each => return binding,
            Some(Binding::Tiers(_)) if each => return binding,
            Some(Binding::Poisoned) => return None,
            Some(Binding::Segment(_)) => "a segment",
            Some(Binding::Tiers(_)) => "tiers",
            Some(Binding::Let(_)) => "a let",
            Some(Binding::Score(_)) => "a score",
            Some(Binding::Column(_)) => "a column",
            None => {
                if !self.population_poisoned {
                    let wanted = |b: &Binding| match b {
                        Binding::Segment(_) => !each,
                        Binding::Tiers(_) => each,
                        _ => false,
                    };
                    let candidates = similar(
                        &name.name,
                        self.names
                            .iter()
                            .filter(|(_, (b, _))| wanted(b))
                            .map(|(n, _)| n.as_str()),
                    );
                    self.sink
                        .push(Diagnostic::Names(NameDiagnostic::UnknownName {
                            kind: if each {
                                NameKind::Tiers
                            } else {
                                NameKind::Segment
                            },
                            name: name.name.clone(),
                            span: name.span,
                            candidates,
                        }));
                }
                return None;
            }
        };
        self.sink.push(kpi_problem(KpiDiagnostic::WrongScope {
            name: name.name.clone(),
            found,
            each,
            span: name.span,
        }));
        None
    }

    pub(super) fn kpi_target(
        &mut self,
        target: &ast::KpiTarget,
        span: Span,
        unit: Option<KpiUnit>,
        value_span: Span,
    ) -> Option<hir::Target> {
        let goal = match &target.goal {
            KpiGoal::Threshold(t) => self.kpi_bound(t, unit, value_span).map(Goal::Bound),
            KpiGoal::Between { low, high } => {
                let l = self.kpi_number(low, unit, value_span);
                let h = self.kpi_number(high, unit, value_span);
                match (l, h) {
                    (Some(l), Some(h)) if l > h => {
                        self.sink.push(kpi_problem(KpiDiagnostic::EmptyRange {
                            span: low.span.to(high.span),
                        }));
                        None
                    }
                    (Some(low), Some(high)) => Some(Goal::Between { low, high }),
                    _ => None,
                }
            }
            KpiGoal::Change { change, baseline } => {
                let fraction = match change.kind {
                    LiteralKind::Percent { value, .. } => Some(value / 100.0),
                    _ => None,
                };
                let fraction = fraction.filter(|f| *f > -1.0);
                if fraction.is_none() {
                    self.sink.push(kpi_problem(KpiDiagnostic::ImpossibleChange {
                        span: change.span,
                    }));
                }
                let baseline = match baseline {
                    KpiBaseline::Recorded(_) => Some(BaselineSource::Recorded),
                    KpiBaseline::Inline { value, since } => {
                        let value = self.kpi_number(value, unit, value_span);
                        let since = since.as_ref().map(|s| self.kpi_date(s));
                        match (value, since) {
                            (Some(value), Some(Some(since))) => Some(BaselineSource::Inline {
                                value,
                                since: Some(since),
                            }),
                            (Some(value), None) => {
                                Some(BaselineSource::Inline { value, since: None })
                            }
                            _ => None,
                        }
                    }
                };
                match (fraction, baseline) {
                    (Some(change), Some(baseline)) => Some(Goal::Change { change, baseline }),
                    _ => None,
                }
            }
        };
        let deadline = match &target.deadline {
            Some(d) => Some(self.kpi_date(d)?),
            None => None,
        };
        if let (
            Some(Goal::Change {
                baseline:
                    BaselineSource::Inline {
                        since: Some(since), ..
                    },
                ..
            }),
            Some(deadline),
        ) = (&goal, deadline)
            && *since >= deadline
        {
            let since_span = match &target.goal {
                KpiGoal::Change {
                    baseline: KpiBaseline::Inline { since: Some(s), .. },
                    ..
                } => s.span,
                _ => span,
            };
            self.sink
                .push(kpi_problem(KpiDiagnostic::SinceAfterDeadline {
                    since: since_span,
                    deadline: target.deadline.as_ref().map_or(span, |d| d.span),
                }));
            return None;
        }
        Some(hir::Target {
            goal: goal?,
            deadline,
            text: target_text(target),
            span,
        })
    }

    /// A bound of a target or warn level.
    fn kpi_bound(
        &mut self,
        threshold: &ast::KpiThreshold,
        unit: Option<KpiUnit>,
        value_span: Span,
    ) -> Option<Bound> {
        let op = match threshold.op {
            BinaryOp::GtEq => Some(BoundOp::AtLeast),
            BinaryOp::Gt => Some(BoundOp::Above),
            BinaryOp::LtEq => Some(BoundOp::AtMost),
            BinaryOp::Lt => Some(BoundOp::Below),
            _ => {
                self.sink.push(kpi_problem(KpiDiagnostic::EqualityBound {
                    span: threshold.op_span,
                }));
                None
            }
        };
        let value = self.kpi_number(&threshold.value, unit, value_span);
        Some(Bound {
            op: op?,
            value: value?,
        })
    }

    /// A threshold or baseline number: a percentage (as a fraction) for ratios, a plain number
    /// otherwise.
    fn kpi_number(
        &mut self,
        literal: &ast::Literal,
        unit: Option<KpiUnit>,
        value_span: Span,
    ) -> Option<f64> {
        let (value, percent) = match literal.kind {
            LiteralKind::Int(i) => (i as f64, false),
            LiteralKind::Float { value, .. } => (value, false),
            LiteralKind::Percent { value, .. } => (value / 100.0, true),
            _ => return None,
        };
        if let Some(unit) = unit
            && (unit == KpiUnit::Ratio) != percent
        {
            self.sink.push(kpi_problem(KpiDiagnostic::ThresholdUnit {
                span: literal.span,
                percent,
                unit,
                value_span,
            }));
            return None;
        }
        Some(value)
    }

    fn kpi_date(&mut self, literal: &ast::Literal) -> Option<NaiveDate> {
        match literal.kind {
            LiteralKind::Date(d) => Some(d),
            _ => {
                self.sink
                    .push(kpi_problem(KpiDiagnostic::NotADate { span: literal.span }));
                None
            }
        }
    }
}
