//! Typing comparisons, membership tests and ranges, including the checks and rewrites of enums.

use crate::ast::{self, BinaryOp};
use crate::diagnostics::{Diagnostic, TypeDiagnostic};
use crate::hir::{self, ExprKind as H, Value};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::{EnumDef, Type};

use super::Checker;
use super::expr::{boolean, boolean_binary, is_null_literal, poisoned, string_literal, typed};

impl Checker<'_> {
    pub(super) fn comparison(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        lhs: hir::Expr,
        rhs: hir::Expr,
        span: Span,
    ) -> hir::Expr {
        if is_null_literal(&lhs) || is_null_literal(&rhs) {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::NullComparison {
                    span,
                    op: op.symbol(),
                }));
            return poisoned(span);
        }
        if !self.comparable(op, op_span, &lhs, &rhs) {
            return typed(H::Literal(Value::Null), Type::Bool, true, span);
        }
        // Enum ordering compares declaration positions: rewrite to membership.
        if op.is_ordering() {
            if let Type::Enum(def) = &lhs.ty {
                return self.enum_ordering(op, lhs.clone(), def, &rhs, span);
            }
            if let Type::Enum(def) = &rhs.ty {
                let flipped = match op {
                    BinaryOp::Lt => BinaryOp::Gt,
                    BinaryOp::LtEq => BinaryOp::GtEq,
                    BinaryOp::Gt => BinaryOp::Lt,
                    _ => BinaryOp::LtEq,
                };
                return self.enum_ordering(flipped, rhs.clone(), def, &lhs, span);
            }
        }
        boolean_binary(op, lhs, rhs, span)
    }

    /// Whether `lhs op rhs` is a valid comparison; reports why not. Also validates enum literals.
    pub(super) fn comparable(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        lhs: &hir::Expr,
        rhs: &hir::Expr,
    ) -> bool {
        use Type::*;
        if lhs.ty == Error || rhs.ty == Error {
            return true;
        }
        let ok = match (&lhs.ty, &rhs.ty) {
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (a, b) if a.is_temporal() && b.is_temporal() => true,
            (Bool, Bool) => !op.is_ordering(),
            // Months and years compared as lengths are reported once, after checking.
            (Duration, Duration) => true,
            (Enum(def), _) if rhs.ty.is_textual() => return self.enum_operand(def, rhs),
            (_, Enum(def)) if lhs.ty.is_textual() => return self.enum_operand(def, lhs),
            (String, String) => true,
            _ => false,
        };
        if !ok {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::OperandTypes {
                    op: op.symbol(),
                    op_span,
                    lhs: lhs.ty.clone(),
                    rhs: rhs.ty.clone(),
                    lhs_span: lhs.span,
                    rhs_span: rhs.span,
                }));
        }
        ok
    }

    /// Checks that a string literal compared with an enum is one of its values.
    pub(super) fn enum_operand(&mut self, def: &EnumDef, other: &hir::Expr) -> bool {
        let Some(value) = string_literal(other) else {
            return true;
        };
        if def.position(value).is_some() {
            return true;
        }
        self.sink
            .push(Diagnostic::Types(TypeDiagnostic::UnknownEnumValue {
                value: value.to_string(),
                span: other.span,
                owner: def.owner.clone(),
                declared: def.span,
                candidates: similar(value, def.values.iter().map(String::as_str)),
            }));
        false
    }

    pub(super) fn enum_ordering(
        &mut self,
        op: BinaryOp,
        value: hir::Expr,
        def: &EnumDef,
        bound: &hir::Expr,
        span: Span,
    ) -> hir::Expr {
        let Some(position) = string_literal(bound).and_then(|b| def.position(b)) else {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::EnumOrdering { span }));
            return poisoned(span);
        };
        let keep = |i: usize| match op {
            BinaryOp::Lt => i < position,
            BinaryOp::LtEq => i <= position,
            BinaryOp::Gt => i > position,
            _ => i >= position,
        };
        self.enum_members(value, def, keep, span)
    }

    /// `value in [declared values at positions where keep(position)]`.
    pub(super) fn enum_members(
        &mut self,
        value: hir::Expr,
        def: &EnumDef,
        keep: impl Fn(usize) -> bool,
        span: Span,
    ) -> hir::Expr {
        let list = def
            .values
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, v)| {
                typed(
                    H::Literal(Value::String(v.clone())),
                    Type::String,
                    false,
                    span,
                )
            })
            .collect();
        let nullable = value.nullable;
        boolean(
            H::InList {
                value: Box::new(value),
                list,
                negated: false,
            },
            nullable,
            span,
        )
    }

    /// `value [not] in list`, the list written in brackets or a `let` of a constant list.
    pub(super) fn in_list(
        &mut self,
        value: &ast::Expr,
        list: &ast::Expr,
        negated: bool,
        span: Span,
    ) -> hir::Expr {
        let value = self.expr(value);
        let candidates = match &list.kind {
            ast::ExprKind::List(written) => {
                let mut items = Vec::with_capacity(written.len());
                for item in written {
                    if !self.tier_name_taken(&BinaryOp::Eq, &value, item) {
                        items.push(self.expr(item));
                    }
                }
                items
            }
            _ => match self.named_list(list, if negated { "not in" } else { "in" }) {
                Some(items) => items,
                None => return poisoned(span),
            },
        };
        let mut items = Vec::with_capacity(candidates.len());
        let mut nullable = value.nullable;
        for item in candidates {
            if is_null_literal(&item) {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::NullComparison {
                        span: item.span,
                        op: if negated { "not in" } else { "in" },
                    }));
                continue;
            }
            self.comparable(BinaryOp::Eq, item.span, &value, &item);
            nullable |= item.nullable;
            items.push(item);
        }
        boolean(
            H::InList {
                value: Box::new(value),
                list: items,
                negated,
            },
            nullable,
            span,
        )
    }

    pub(super) fn between(
        &mut self,
        value: &ast::Expr,
        low: &ast::Expr,
        high: &ast::Expr,
        negated: bool,
        span: Span,
    ) -> hir::Expr {
        let value = self.expr(value);
        let low = self.expr(low);
        let high = self.expr(high);
        let low_ok = self.comparable(BinaryOp::LtEq, low.span, &value, &low);
        let high_ok = self.comparable(BinaryOp::LtEq, high.span, &value, &high);
        if let Type::Enum(def) = &value.ty
            && low_ok
            && high_ok
        {
            let bounds = (
                string_literal(&low).and_then(|b| def.position(b)),
                string_literal(&high).and_then(|b| def.position(b)),
            );
            let (Some(lo), Some(hi)) = bounds else {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::EnumOrdering { span }));
                return poisoned(span);
            };
            let def = def.clone();
            let members = self.enum_members(value, &def, |i| (lo..=hi).contains(&i), span);
            return if negated {
                boolean(H::Not(Box::new(members.clone())), members.nullable, span)
            } else {
                members
            };
        }
        let nullable = value.nullable || low.nullable || high.nullable;
        boolean(
            H::Between {
                value: Box::new(value),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            },
            nullable,
            span,
        )
    }
}
