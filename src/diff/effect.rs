//! What a changed condition does to its members, where segc can prove it: with the checker's
//! implication prover (`check::proves_implication`), run across the two versions of the rules,
//! the values the conditions test named by their meaning ([`Canon`]).

use serde::Serialize;

use super::canon::Canon;
use crate::ast::BinaryOp;
use crate::check::proves_implication;
use crate::hir::{Expr, ExprKind, Program};

/// What a change of condition does to the members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The same meaning (only a label, the layout or a name changed).
    Same,
    /// Proven to select the same members.
    Equivalent,
    /// Proven to keep every member and maybe add some.
    Widens,
    /// Proven to add no member and maybe remove some.
    Narrows,
    /// Members may enter and leave: nothing could be proven.
    Unknown,
}

impl Effect {
    /// The effect in words.
    pub fn words(self) -> &'static str {
        match self {
            Effect::Same => "same meaning",
            Effect::Equivalent => "equivalent: the same members",
            Effect::Widens => "only widens: members may enter, none leaves",
            Effect::Narrows => "only narrows: members may leave, none enters",
            Effect::Unknown => "changes both ways (unknown): members may enter and leave",
        }
    }
}

/// Nodes an expansion may add before it stops expanding (definitions used many times could
/// otherwise grow a condition exponentially); what is left unexpanded is still compared by
/// meaning, which only proves less.
const EXPANSION_BUDGET: usize = 20_000;

/// What changing `old` (a condition of `old_canon`'s program) into `new` does.
pub fn of_conditions(old: (&Canon, &Expr), new: (&Canon, &Expr)) -> Effect {
    let (old_canon, new_canon) = (old.0, new.0);
    let old_expr = expand(old_canon.program(), old.1);
    let new_expr = expand(new_canon.program(), new.1);
    let old_key = |e: &Expr| value_name(old_canon, e);
    let new_key = |e: &Expr| value_name(new_canon, e);
    let narrows = proves_implication((&new_expr, &new_key), (&old_expr, &old_key));
    let widens = proves_implication((&old_expr, &old_key), (&new_expr, &new_key));
    match (narrows, widens) {
        (true, true) => Effect::Equivalent,
        (true, false) => Effect::Narrows,
        (false, true) => Effect::Widens,
        (false, false) => Effect::Unknown,
    }
}

/// The name of the value an expression reads, by its meaning, if it is one.
fn value_name(canon: &Canon, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Column { .. }
        | ExprKind::Lookup { .. }
        | ExprKind::Let(_)
        | ExprKind::Segment(_)
        | ExprKind::Score(_)
        | ExprKind::Tier(_)
        | ExprKind::Aggregate(_) => {
            let mut name = String::new();
            canon.expr(e, &mut name);
            Some(name)
        }
        _ => None,
    }
}

/// `condition` with constant `let`s replaced by their values anywhere (a `let` is its value,
/// null included), and segments used on its spine of `and`s and `or`s replaced by their
/// conditions (a segment is never null, but on the spine a null condition and `false` select
/// the same members; under a `not` they would not, so segments there stay).
fn expand(program: &Program, condition: &Expr) -> Expr {
    let mut budget = EXPANSION_BUDGET;
    spine(program, condition, &mut budget)
}

fn spine(program: &Program, e: &Expr, budget: &mut usize) -> Expr {
    match &e.kind {
        ExprKind::Binary {
            op: op @ (BinaryOp::And | BinaryOp::Or),
            lhs,
            rhs,
        } => Expr {
            kind: ExprKind::Binary {
                op: *op,
                lhs: Box::new(spine(program, lhs, budget)),
                rhs: Box::new(spine(program, rhs, budget)),
            },
            ty: e.ty.clone(),
            nullable: e.nullable,
            span: e.span,
        },
        ExprKind::Segment(id) if *budget > 0 => {
            let condition = &program.segments[id.0].condition;
            *budget = budget.saturating_sub(size(condition));
            spine(program, condition, budget)
        }
        _ => constants(program, e, budget),
    }
}

/// `e` with constant `let`s replaced by their values.
fn constants(program: &Program, e: &Expr, budget: &mut usize) -> Expr {
    let mut out = e.clone();
    replace_constants(program, &mut out, budget);
    out
}

fn replace_constants(program: &Program, e: &mut Expr, budget: &mut usize) {
    if let ExprKind::Let(id) = &e.kind {
        let definition = &program.lets[id.0];
        if definition.inlined && *budget > 0 {
            *budget = budget.saturating_sub(size(&definition.value));
            *e = definition.value.clone();
            replace_constants(program, e, budget);
        }
        return;
    }
    for child in children(e) {
        replace_constants(program, child, budget);
    }
}

fn size(e: &Expr) -> usize {
    let mut n = 0;
    e.visit(&mut |_| n += 1);
    n
}

/// The expressions directly inside `e`, to rewrite.
pub(crate) fn children(e: &mut Expr) -> Vec<&mut Expr> {
    match &mut e.kind {
        ExprKind::Not(x) | ExprKind::Neg(x) => vec![&mut **x],
        ExprKind::Binary { lhs, rhs, .. } => vec![&mut **lhs, &mut **rhs],
        ExprKind::Elapsed { end, start } => vec![&mut **end, &mut **start],
        ExprKind::Shift { value, .. } | ExprKind::IsNull { value, .. } => vec![&mut **value],
        ExprKind::InList { value, list, .. } => std::iter::once(&mut **value)
            .chain(list.iter_mut())
            .collect(),
        ExprKind::Between {
            value, low, high, ..
        } => vec![&mut **value, &mut **low, &mut **high],
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => vec![&mut **condition, &mut **then, &mut **otherwise],
        ExprKind::Call { args, .. } => args.iter_mut().collect(),
        _ => Vec::new(),
    }
}
