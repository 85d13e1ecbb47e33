//! Tiers in two versions: which tiers were added or removed, and for each tier in both what
//! the change does to its members. A member is in a tier when the tier's condition holds and
//! no earlier arm's does, so a tier is compared by that whole condition: adding `platinum`
//! before `gold` narrows `gold` without touching its text.

use super::canon::Canon;
use super::effect::{self, Effect};
use super::{ArmChange, Side, Status};
use crate::ast::BinaryOp;
use crate::check::negation;
use crate::hir::{Expr, ExprKind, Tiers, Value};
use crate::span::Span;
use crate::types::Type;

/// The condition of the `index`-th arm of `tiers` with the negations of the arms before it,
/// and its meaning; the expression is `None` when an earlier arm's negation cannot be written
/// as a conjunction the prover reads.
fn effective(canon: &Canon, tiers: &Tiers, index: usize) -> (Option<Expr>, String) {
    let mut meaning = String::new();
    let mut parts: Option<Vec<Expr>> = Some(Vec::new());
    for earlier in &tiers.arms[..index] {
        if let Some(condition) = &earlier.condition {
            meaning.push_str("not ");
            canon.expr(condition, &mut meaning);
            meaning.push_str(" and ");
            let negated = negation(condition);
            parts = parts.zip(negated).map(|(mut p, n)| {
                p.push(n);
                p
            });
        }
    }
    match &tiers.arms[index].condition {
        Some(condition) => {
            canon.expr(condition, &mut meaning);
            if let Some(p) = parts.as_mut() {
                p.push(condition.clone());
            }
        }
        None => meaning.push_str("else"),
    }
    (parts.map(conjunction), meaning)
}

/// `a and b and ...` (`true` for none).
fn conjunction(parts: Vec<Expr>) -> Expr {
    let boolean = |kind: ExprKind| Expr {
        kind,
        ty: Type::Bool,
        nullable: true,
        span: Span::default(),
    };
    parts
        .into_iter()
        .reduce(|lhs, rhs| {
            boolean(ExprKind::Binary {
                op: BinaryOp::And,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            })
        })
        .unwrap_or_else(|| boolean(ExprKind::Literal(Value::Bool(true))))
}

/// The tiers of `name` that changed: added, removed, or taking other members.
pub(super) fn arm_changes(old: &Side, new: &Side, name: &str) -> Vec<ArmChange> {
    let before = old.version.program.tiers.iter().find(|t| t.name == name);
    let after = new.version.program.tiers.iter().find(|t| t.name == name);
    let (Some(before), Some(after)) = (before, after) else {
        return Vec::new();
    };
    let mut arms = Vec::new();
    for (index, arm) in after.arms.iter().enumerate() {
        let Some(was) = before.arms.iter().position(|a| a.name == arm.name) else {
            arms.push(ArmChange {
                tier: arm.name.clone(),
                status: Status::Added,
                effect: None,
            });
            continue;
        };
        let (old_condition, old_meaning) = effective(&old.canon, before, was);
        let (new_condition, new_meaning) = effective(&new.canon, after, index);
        if old_meaning == new_meaning {
            continue;
        }
        let effect = match (&old_condition, &new_condition) {
            (Some(a), Some(b)) => effect::of_conditions((&old.canon, a), (&new.canon, b)),
            _ => Effect::Unknown,
        };
        if effect != Effect::Equivalent {
            arms.push(ArmChange {
                tier: arm.name.clone(),
                status: Status::Changed,
                effect: Some(effect),
            });
        }
    }
    for arm in &before.arms {
        if !after.arms.iter().any(|a| a.name == arm.name) {
            arms.push(ArmChange {
                tier: arm.name.clone(),
                status: Status::Removed,
                effect: None,
            });
        }
    }
    arms
}
