//! Rows in time and rows read at all: the event column of a source (`event ordered_at:
//! timestamp`) cuts the rows dated after `as_of` out of the aggregates over it and out of the
//! population (unless `including future`), and a `where` on a source or on the population
//! keeps only some rows. Each becomes a condition over the rows' own columns and constants.

use crate::ast::{self, BinaryOp, ItemKind};
use crate::diagnostics::{Context, Diagnostic, SourceDiagnostic};
use crate::hir::{self, DurationValue, ExprKind as H, SourceId};
use crate::span::Span;
use crate::types::Type;

use super::expr::{boolean, typed};
use super::{Checker, Scope};

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl Checker<'_> {
    /// The condition keeping the rows of `source` dated up to `as_of` (the whole `as_of` day for
    /// timestamps; rows without a date are kept), when it has an event column.
    pub(super) fn event_cut(&self, source: SourceId) -> Option<hir::Expr> {
        let decl = &self.sources[source.0];
        let index = decl.event?;
        let column = &decl.columns[index];
        let span = column.span;
        let value = typed(
            H::Column {
                source,
                column: index,
            },
            column.ty.clone(),
            column.nullable,
            span,
        );
        let as_of = typed(H::AsOf, Type::Date, false, span);
        let (op, bound) = match column.ty {
            // Before the next midnight: a timestamp during the `as_of` day is not after it.
            Type::Timestamp => (
                BinaryOp::Lt,
                typed(
                    H::Shift {
                        value: Box::new(as_of),
                        by: DurationValue::Fixed {
                            micros: MICROS_PER_DAY,
                        },
                        backwards: false,
                    },
                    Type::Timestamp,
                    false,
                    span,
                ),
            ),
            Type::Date => (BinaryOp::LtEq, as_of),
            _ => return None,
        };
        let cut = boolean(
            H::Binary {
                op,
                lhs: Box::new(value.clone()),
                rhs: Box::new(bound),
            },
            column.nullable,
            span,
        );
        if !column.nullable {
            return Some(cut);
        }
        let undated = boolean(
            H::IsNull {
                value: Box::new(value),
                negated: false,
            },
            false,
            span,
        );
        Some(boolean(
            H::Binary {
                op: BinaryOp::Or,
                lhs: Box::new(undated),
                rhs: Box::new(cut),
            },
            false,
            span,
        ))
    }

    /// The rows an aggregate over `source` takes: its `where` and, unless `including future`,
    /// the event cut.
    pub(super) fn rows_in_time(
        &mut self,
        source: SourceId,
        filter: Option<hir::Expr>,
        future: Option<Span>,
    ) -> Option<hir::Expr> {
        if let Some(span) = future {
            if self.sources[source.0].event.is_none() {
                self.sink
                    .push(Diagnostic::Sources(SourceDiagnostic::FutureWithoutEvent {
                        source: self.sources[source.0].name.clone(),
                        span,
                    }));
            }
            return filter;
        }
        both(self.cut_at_as_of(source), filter)
    }

    /// [`Checker::event_cut`], the source recorded among those cut (see `hir::Program::dated`).
    pub(super) fn cut_at_as_of(&mut self, source: SourceId) -> Option<hir::Expr> {
        let cut = self.event_cut(source)?;
        self.dated.insert(source);
        Some(cut)
    }

    /// Checks the `where` of every source and of the population (after the `let`s are
    /// declared, so constants can be named there).
    pub(super) fn check_row_filters(&mut self, program: &ast::Program) {
        for item in &program.items {
            match &item.kind {
                ItemKind::Source(decl) => {
                    let (Some(filter), Some(&id)) =
                        (&decl.filter, self.source_ids.get(&decl.name.name))
                    else {
                        continue;
                    };
                    // A source declared twice keeps its first declaration.
                    if self.sources[id.0].span != decl.name.span {
                        continue;
                    }
                    self.sources[id.0].filter = self.row_filter(id, filter, "source");
                }
                ItemKind::Population(decl) => self.population_rows(decl),
                _ => {}
            }
        }
    }

    /// The population's `where` and event cut.
    fn population_rows(&mut self, decl: &ast::PopulationDecl) {
        let Some(id) = self.population else { return };
        if self.population_filter.is_some() || self.sources[id.0].name != decl.name.name {
            return;
        }
        let written = decl
            .filter
            .as_ref()
            .and_then(|f| self.row_filter(id, f, "population"));
        self.population_filter = Some(self.rows_in_time(id, written, decl.future));
    }

    /// `filter` over the rows of `source`: a condition over their own columns and constants.
    fn row_filter(
        &mut self,
        source: SourceId,
        filter: &ast::Expr,
        owner: &'static str,
    ) -> Option<hir::Expr> {
        let outer = (self.scope, self.row_filter_of);
        self.scope = Scope::Related(source);
        self.row_filter_of = Some(source);
        let checked = self.expr(filter);
        (self.scope, self.row_filter_of) = outer;
        if checked.ty == Type::Error {
            return None;
        }
        let mut lookup = None;
        checked.visit(&mut |e| {
            if lookup.is_none() && matches!(e.kind, H::Lookup { .. }) {
                lookup = Some(e.span);
            }
        });
        if let Some(span) = lookup {
            self.sink
                .push(Diagnostic::Sources(SourceDiagnostic::RowFilterReach {
                    what: "a column of another source",
                    span,
                }));
            return None;
        }
        self.expect_bool(&checked, Context::Filter(owner));
        (checked.ty == Type::Bool).then_some(checked)
    }

    /// Reports an aggregate or a quantile inside the `where` of a source or the population;
    /// whether there was one.
    pub(super) fn outside_row_filter(&mut self, what: &'static str, span: Span) -> bool {
        if self.row_filter_of.is_none() {
            return false;
        }
        self.sink
            .push(Diagnostic::Sources(SourceDiagnostic::RowFilterReach {
                what,
                span,
            }));
        true
    }
}

/// `a and b`, either of which may be missing.
fn both(a: Option<hir::Expr>, b: Option<hir::Expr>) -> Option<hir::Expr> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (nullable, span) = (a.nullable || b.nullable, b.span);
            Some(boolean(
                H::Binary {
                    op: BinaryOp::And,
                    lhs: Box::new(a),
                    rhs: Box::new(b),
                },
                nullable,
                span,
            ))
        }
        (a, b) => a.or(b),
    }
}
