//! The parts of a KPI that name its groups: targets for some groups (`target >= 5000 for vip`)
//! and the control of a readout (`readout vs control`).

use crate::ast::{self, LiteralKind};
use crate::diagnostics::{Diagnostic, KpiDiagnostic};
use crate::hir::{self, Goal, KpiUnit};
use crate::span::Span;
use crate::suggest::similar;

use super::{Binding, Checker};

fn kpi_problem(problem: KpiDiagnostic) -> Diagnostic {
    Diagnostic::Kpi(problem)
}

impl Checker<'_> {
    /// The names of a KPI's groups, in the order of its groups: the segments after `for`, the
    /// tiers of `for each` but those after `except`; none for the whole population (one group
    /// no clause can name). `None` when the tiers are not known.
    pub(super) fn group_names(&self, scope: &ast::KpiScope) -> Option<Vec<String>> {
        match scope {
            ast::KpiScope::Population => Some(Vec::new()),
            ast::KpiScope::Segments(names) => Some(names.iter().map(|n| n.name.clone()).collect()),
            ast::KpiScope::Each { tiers, except } => {
                match self.names.get(&tiers.name).map(|(b, _)| *b) {
                    Some(Binding::Tiers(id)) => Some(
                        self.tier_values[id.0]
                            .values
                            .iter()
                            .filter(|t| !except.iter().any(|n| n.name == **t))
                            .cloned()
                            .collect(),
                    ),
                    _ => None,
                }
            }
        }
    }

    /// One target per group: the target `for` it, else the one without `for`. Reports names
    /// that are not groups, groups given two targets, and groups left without one.
    pub(super) fn kpi_targets(
        &mut self,
        targets: &[(&ast::KpiTarget, Span)],
        names: Option<&[String]>,
        unit: Option<KpiUnit>,
        value_span: Span,
    ) -> Option<Vec<hir::Target>> {
        let checked: Vec<Option<hir::Target>> = targets
            .iter()
            .map(|(t, span)| self.kpi_target(t, *span, unit, value_span))
            .collect();
        let names = names?;
        let groups = names.len().max(1);
        // For each group, the index of its target and the name that gave it.
        let mut chosen: Vec<Option<(usize, Option<Span>)>> = vec![None; groups];
        let mut ok = true;
        for (index, (target, _)) in targets.iter().enumerate() {
            for name in &target.groups {
                let Some(group) = names.iter().position(|n| *n == name.name) else {
                    ok = false;
                    self.sink.push(kpi_problem(KpiDiagnostic::TargetGroup {
                        name: name.name.clone(),
                        span: name.span,
                        candidates: similar(&name.name, names.iter().map(String::as_str)),
                    }));
                    continue;
                };
                if let Some((_, Some(first))) = chosen[group] {
                    ok = false;
                    self.sink.push(kpi_problem(KpiDiagnostic::TwoTargets {
                        name: name.name.clone(),
                        first,
                        second: name.span,
                    }));
                    continue;
                }
                chosen[group] = Some((index, Some(name.span)));
            }
        }
        let default = targets.iter().position(|(t, _)| t.groups.is_empty());
        let mut without = Vec::new();
        for (group, choice) in chosen.iter_mut().enumerate() {
            if choice.is_none() {
                match default {
                    Some(index) => *choice = Some((index, None)),
                    None => without.push(names.get(group).cloned().unwrap_or_default()),
                }
            }
        }
        if !without.is_empty() && !targets.is_empty() {
            self.sink
                .push(kpi_problem(KpiDiagnostic::GroupsWithoutTarget {
                    groups: without,
                    span: targets[0].1,
                }));
            return None;
        }
        if !ok {
            return None;
        }
        chosen
            .into_iter()
            .map(|choice| checked.get(choice?.0)?.clone())
            .collect()
    }

    /// `readout vs GROUP [detect CHANGE]`: the control among the KPI's groups, the test the
    /// value fits, and the change to detect (by default the control's relative target).
    pub(super) fn kpi_readout(
        &mut self,
        readout: &ast::KpiReadout,
        span: Span,
        names: Option<&[String]>,
        value: Option<&hir::KpiExpr>,
        targets: Option<&[hir::Target]>,
    ) -> Option<hir::Readout> {
        let names = names?;
        let control = names.iter().position(|g| *g == readout.control.name);
        if control.is_none() {
            self.sink.push(kpi_problem(KpiDiagnostic::ReadoutControl {
                name: readout.control.name.clone(),
                span: readout.control.span,
                groups: names.to_vec(),
            }));
        }
        let test = value.and_then(|v| {
            let test = if v.as_share().is_some() {
                Some(hir::ReadoutTest::TwoProportions)
            } else if v.as_mean().is_some() {
                Some(hir::ReadoutTest::Welch)
            } else {
                None
            };
            if test.is_none() {
                self.sink.push(kpi_problem(KpiDiagnostic::ReadoutValue {
                    span,
                    value_span: v.span,
                }));
            }
            test
        });
        let detect = match &readout.detect {
            Some(literal) => match literal.kind {
                LiteralKind::Percent { value, .. } if value > -100.0 => Some(value / 100.0),
                _ => {
                    self.sink.push(kpi_problem(KpiDiagnostic::ImpossibleChange {
                        span: literal.span,
                    }));
                    return None;
                }
            },
            None => control
                .and_then(|c| targets?.get(c))
                .and_then(|t| match t.goal {
                    Goal::Change { change, .. } => Some(change),
                    _ => None,
                }),
        };
        Some(hir::Readout {
            control: control?,
            test: test?,
            detect,
            span,
        })
    }
}
