//! Values beyond conditions: constant `let`s used wherever a literal may stand (inside
//! aggregates too), text joined with `||`, and the `let`s written to the outputs (`output let`).

use crate::ast;
use crate::diagnostics::{DefinitionDiagnostic, Diagnostic, NameDiagnostic, TypeDiagnostic};
use crate::hir::{self, DefId, ExprKind as H, LetId, OutputId};
use crate::span::Span;
use crate::types::Type;

use super::expr::{poisoned, typed};
use super::functions::printable;
use super::{Binding, Checker, LetState};

/// Whether `e` is the same for every member: literals and `as_of` combined by operators and
/// functions (no column, aggregate or definition).
pub(super) fn is_constant(e: &hir::Expr) -> bool {
    let mut constant = true;
    e.visit(&mut |node| {
        constant &= !matches!(
            node.kind,
            H::Column { .. }
                | H::Lookup { .. }
                | H::Aggregate(_)
                | H::Let(_)
                | H::Segment(_)
                | H::Score(_)
                | H::Tier(_)
                | H::Quantile(_)
                | H::Bucket { .. }
        ) && node.ty != Type::Error;
    });
    constant
}

impl Checker<'_> {
    /// The value of `let` `id` named at `span` when it is a constant, to stand where it is
    /// named (so `as_of - window` moves a date by a duration literal, and an aggregate's `where`
    /// can use it).
    pub(super) fn constant_let(&mut self, id: LetId, span: Span) -> Option<hir::Expr> {
        let LetState::Done(value) = &self.let_states[id.0] else {
            return None;
        };
        if !is_constant(value) {
            return None;
        }
        let mut value = value.clone();
        value.span = span;
        self.inlined_lets.insert(id);
        Some(value)
    }

    /// A name inside an aggregate that is not a column of the aggregated source: a constant
    /// `let` stands for its value; anything else is an error.
    pub(super) fn outer_name_in_aggregate(
        &mut self,
        source: hir::SourceId,
        name: &ast::Ident,
    ) -> Option<hir::Expr> {
        let Some(&(Binding::Let(id), _)) = self.names.get(&name.name) else {
            return None;
        };
        self.record_edge(DefId::Let(id), name.span);
        let scope = std::mem::take(&mut self.scope);
        let (ty, _) = self.check_let(id);
        self.scope = scope;
        if ty == Type::Error {
            return Some(poisoned(name.span));
        }
        if let Some(value) = self.constant_let(id, name.span) {
            return Some(value);
        }
        if self.outside_row_filter("a `let` that depends on the member", name.span) {
            return Some(poisoned(name.span));
        }
        self.sink
            .push(Diagnostic::Names(NameDiagnostic::MemberLetInAggregate {
                name: name.name.clone(),
                source: self.sources[source.0].name.clone(),
                span: name.span,
                declared: self.lets[id.0].name.span,
            }));
        Some(poisoned(name.span))
    }

    /// `a || b`: texts (numbers, dates and timestamps written as `to_text` writes them)
    /// joined; null when either is null.
    pub(super) fn concat_operator(
        &mut self,
        op_span: Span,
        lhs: hir::Expr,
        rhs: hir::Expr,
        span: Span,
    ) -> hir::Expr {
        if lhs.ty == Type::Error || rhs.ty == Type::Error {
            return poisoned(span);
        }
        if !printable(&lhs.ty) || !printable(&rhs.ty) {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::OperandTypes {
                    op: ast::BinaryOp::Concat.symbol(),
                    op_span,
                    lhs: lhs.ty.clone(),
                    rhs: rhs.ty.clone(),
                    lhs_span: lhs.span,
                    rhs_span: rhs.span,
                }));
            return poisoned(span);
        }
        let nullable = lhs.nullable || rhs.nullable;
        typed(
            H::Binary {
                op: ast::BinaryOp::Concat,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            Type::String,
            nullable,
            span,
        )
    }

    /// Registers the `let`s marked `output` among the outputs, in file order with the others.
    pub(super) fn declare_output_let(&mut self, id: LetId) {
        if self.lets[id.0].output.is_some() {
            self.outputs.push(OutputId::Let(id));
        }
    }

    /// Checks that every `output let` has a type the outputs can hold.
    pub(super) fn check_output_lets(&mut self) {
        for i in 0..self.lets.len() {
            let decl = self.lets[i];
            let Some(word) = decl.output else { continue };
            if self.on_demand(decl.name.span) {
                continue;
            }
            let LetState::Done(value) = &self.let_states[i] else {
                continue;
            };
            if !writable(&value.ty) {
                self.sink.push(Diagnostic::Definitions(
                    DefinitionDiagnostic::UnwritableValue {
                        name: decl.name.name.clone(),
                        ty: value.ty.clone(),
                        span: word.to(decl.name.span),
                        value: value.span,
                    },
                ));
            }
        }
    }
}

/// Whether an output column can hold a value of type `ty`: numbers, text, conditions, dates
/// and timestamps (not durations, which have no column type, nor lists).
pub(super) fn writable(ty: &Type) -> bool {
    *ty != Type::Null && (printable(ty) || *ty == Type::Bool)
}
