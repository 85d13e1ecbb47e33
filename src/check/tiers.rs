//! Scores (`score NAME { +N when ... }`) and exclusive tiers (`tiers NAME { tier: ... }`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{self, LiteralKind};
use crate::diagnostics::{Context, Diagnostic, NameKind};
use crate::hir::{self, DefId, OutputId, ScoreId, TiersId};
use crate::span::Span;
use crate::types::{EnumDef, Type};

use super::{Binding, Checker, reach};

impl<'a> Checker<'a> {
    /// Registers a score; its type (int, or float with fractional points) is known from the text.
    pub(super) fn declare_score(&mut self, decl: &'a ast::ScoreDecl) -> ScoreId {
        let id = ScoreId(self.scores.len());
        let fractional = decl
            .rules
            .iter()
            .any(|r| matches!(r.points.kind, LiteralKind::Float { .. }));
        self.scores.push(decl);
        self.score_types
            .push(if fractional { Type::Float } else { Type::Int });
        self.checked_scores.push(None);
        self.outputs.push(OutputId::Score(id));
        id
    }

    /// Registers tiers; their values (the tier names) are known from the text.
    pub(super) fn declare_tiers(&mut self, decl: &'a ast::TiersDecl) -> TiersId {
        let id = TiersId(self.tiers.len());
        let mut values: Vec<String> = Vec::with_capacity(decl.arms.len());
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for arm in &decl.arms {
            if let Some(first) = seen.insert(&arm.name.name, arm.name.span) {
                self.sink.push(Diagnostic::DuplicateName {
                    kind: NameKind::Tier,
                    name: arm.name.name.clone(),
                    first,
                    second: arm.name.span,
                });
                continue;
            }
            values.push(arm.name.name.clone());
        }
        self.tiers.push(decl);
        self.tier_values.push(Arc::new(EnumDef {
            owner: decl.name.name.clone(),
            values,
            span: decl.name.span,
        }));
        self.checked_tiers.push(None);
        self.outputs.push(OutputId::Tiers(id));
        id
    }

    pub(super) fn check_score(&mut self, id: ScoreId) {
        let decl = self.scores[id.0];
        self.current = Some(DefId::Score(id));
        let mut rules = Vec::with_capacity(decl.rules.len());
        for rule in &decl.rules {
            let condition = self.expr(&rule.condition);
            self.expect_bool(&condition, Context::Rule("score rule"));
            let points = match rule.points.kind {
                LiteralKind::Int(i) => i as f64,
                LiteralKind::Float { value, .. } => value,
                _ => {
                    self.sink.push(Diagnostic::BadPoints {
                        span: rule.points.span,
                    });
                    continue;
                }
            };
            rules.push(hir::ScoreRule { points, condition });
        }
        self.current = None;
        self.checked_scores[id.0] = Some(hir::Score {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            span: decl.name.span,
            rules,
            ty: self.score_types[id.0].clone(),
        });
    }

    pub(super) fn check_tiers(&mut self, id: TiersId) {
        let decl = self.tiers[id.0];
        self.current = Some(DefId::Tiers(id));
        let mut arms: Vec<hir::TierArm> = Vec::with_capacity(decl.arms.len());
        let mut facts: Vec<(String, Span, reach::Facts)> = Vec::new();
        let mut else_seen = false;
        for (i, arm) in decl.arms.iter().enumerate() {
            let condition = arm.condition.as_ref().map(|c| {
                let c = self.expr(c);
                self.expect_bool(&c, Context::Rule("tier"));
                c
            });
            if condition.is_none() {
                if i + 1 < decl.arms.len() {
                    self.sink.push(Diagnostic::ElseNotLast { span: arm.span });
                }
                else_seen = true;
            }
            let duplicate = decl.arms[..i].iter().any(|a| a.name.name == arm.name.name);
            if let Some(c) = condition.as_ref().filter(|_| !duplicate) {
                let these = reach::Facts::of(c);
                match reach::first_covering(&these, &facts) {
                    Some(reach::Verdict::Impossible) => {
                        self.sink.push(Diagnostic::UnreachableTier {
                            tier: arm.name.name.clone(),
                            span: arm.span,
                            earlier: None,
                        })
                    }
                    Some(reach::Verdict::CoveredBy(name, span)) => {
                        self.sink.push(Diagnostic::UnreachableTier {
                            tier: arm.name.name.clone(),
                            span: arm.span,
                            earlier: Some((name, span)),
                        })
                    }
                    None => {}
                }
                facts.push((arm.name.name.clone(), arm.span, these));
            }
            arms.push(hir::TierArm {
                name: arm.name.name.clone(),
                condition,
            });
        }
        self.current = None;
        if !else_seen {
            self.sink.push(Diagnostic::TiersWithoutElse {
                name: decl.name.name.clone(),
                span: decl.name.span,
            });
        }
        self.checked_tiers[id.0] = Some(hir::Tiers {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            span: decl.name.span,
            arms,
            values: self.tier_values[id.0].clone(),
        });
    }

    /// Warns about tiers named like another definition or column, which wins in expressions.
    pub(super) fn report_tier_shadowing(&mut self) {
        for decl in self.tiers.clone() {
            for arm in &decl.arms {
                if let Some((binding, other)) = self.names.get(&arm.name.name)
                    && *binding != Binding::Poisoned
                {
                    self.sink.push(Diagnostic::TierShadows {
                        tier: arm.name.name.clone(),
                        span: arm.name.span,
                        other: *other,
                    });
                }
            }
        }
    }
}
