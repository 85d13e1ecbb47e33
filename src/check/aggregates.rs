//! Aggregates over sources related to the population: `count(orders where ...)`,
//! `sum(orders.amount)`, `last(orders.channel by ordered_at)`, `exists(events where ...)`.
//!
//! Inside an aggregate, names are columns of the aggregated source (qualified or not), columns
//! looked up from its rows (`lookups`) and `as_of`; the source's rows must lead to the population
//! by one path of references: a column declared `references <population>`, or a chain of them.

use crate::ast::{self, ExprKind as A};
use crate::diagnostics::{Context, Diagnostic, TypeDiagnostic};
use crate::hir::{self, AggregateFunction, AggregateId, ExprKind as H, SourceId};
use crate::span::Span;
use crate::types::Type;

use super::expr::{poisoned, typed};
use super::{Checker, Scope};

impl Checker<'_> {
    /// Checks an aggregate call; `function` is known to be an aggregate name.
    pub(super) fn aggregate(
        &mut self,
        function: AggregateFunction,
        args: &[ast::Expr],
        order_by: Option<&ast::Expr>,
        filter: Option<&ast::Expr>,
        future: Option<Span>,
        span: Span,
    ) -> hir::Expr {
        if self.outside_row_filter("an aggregate", span) {
            return poisoned(span);
        }
        if let Scope::Related(_) = self.scope {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::NestedAggregate { span }));
            return poisoned(span);
        }
        let [arg] = args else {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                    function: function.name().to_string(),
                    expected: "1",
                    found: args.len(),
                    span,
                }));
            return poisoned(span);
        };
        let Some((source, bare)) = self.aggregated_source(arg) else {
            if !self.population_poisoned {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::AggregateNeedsSource {
                        function: function.name().to_string(),
                        span: arg.span,
                        related: self.related_example(arg),
                    }));
            }
            return poisoned(span);
        };
        if Some(source) == self.population {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::AggregateOverPopulation {
                    population: self.sources[source.0].name.clone(),
                    span: arg.span,
                }));
            return poisoned(span);
        }
        let Some(path) = self.link(source, arg.span) else {
            return poisoned(span);
        };

        self.scope = Scope::Related(source);
        let argument = (!bare).then(|| self.expr(arg));
        let filter = filter.map(|f| {
            let f = self.expr(f);
            self.expect_bool(&f, Context::Filter(function.name()));
            f
        });
        let order_by = order_by.map(|o| self.expr(o));
        self.scope = Scope::Population;

        let name = function.name().to_string();
        let needs_order = matches!(function, AggregateFunction::First | AggregateFunction::Last);
        match (&order_by, needs_order) {
            (None, true) => {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::MissingOrder {
                        function: name.clone(),
                        span,
                    }));
                return poisoned(span);
            }
            (Some(o), false) => {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::MisplacedClause {
                        function: name.clone(),
                        clause: "by",
                        span: o.span,
                    }));
                return poisoned(span);
            }
            (Some(o), true) if !orderable(&o.ty) => {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                        expected: "a number, date, timestamp or text",
                        found: o.ty.clone(),
                        span: o.span,
                        context: Context::Order(function.name()),
                    }));
                return poisoned(span);
            }
            _ => {}
        }
        let Some((ty, nullable)) = self.aggregate_type(function, argument.as_ref(), arg.span)
        else {
            return poisoned(span);
        };
        let filter = self.rows_in_time(source, filter, future);
        let id = AggregateId(self.aggregates.len());
        self.aggregates.push(hir::Aggregate {
            source,
            path,
            function,
            argument,
            order_by,
            filter,
            span,
        });
        typed(H::Aggregate(id), ty, nullable, span)
    }

    /// The source an aggregate argument is over, and whether the argument is the bare source name.
    fn aggregated_source(&self, arg: &ast::Expr) -> Option<(SourceId, bool)> {
        if let A::Name(parts) = &arg.kind
            && let [name] = parts.as_slice()
            && let Some(id) = self.source_ids.get(&name.name)
            && !self.names.contains_key(&name.name)
        {
            return Some((*id, true));
        }
        // The first qualified name `source.column` in the argument names the source. Only the
        // tested value of `in` and `between` and a call's arguments are searched, not the
        // candidates, the bounds or the clauses.
        let mut stack = vec![arg];
        while let Some(e) = stack.pop() {
            match &e.kind {
                A::Name(parts) if parts.len() == 2 => {
                    if let Some(id) = self.source_ids.get(&parts[0].name) {
                        return Some((*id, false));
                    }
                }
                A::InList { value, .. } | A::Between { value, .. } => stack.push(value),
                A::Call { args, .. } => stack.extend(args.iter().rev()),
                // Reversed: popped in source order.
                _ => stack.extend(e.children().rev()),
            }
        }
        None
    }

    /// For the help of an aggregate without a source: a declared source other than the
    /// population, preferably one with a column named like the bare argument (`sum(amount)`),
    /// and that column.
    fn related_example(&self, arg: &ast::Expr) -> Option<(String, Option<String>)> {
        let bare = match &arg.kind {
            A::Name(parts) if parts.len() == 1 => Some(parts[0].name.as_str()),
            _ => None,
        };
        let others = || {
            self.sources
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(SourceId(*i)) != self.population)
                .map(|(_, s)| s)
        };
        let with_column = bare.and_then(|name| {
            others()
                .find(|s| s.columns.iter().any(|c| c.name == name))
                .map(|s| (s.name.clone(), Some(name.to_string())))
        });
        with_column.or_else(|| others().next().map(|s| (s.name.clone(), None)))
    }

    /// The result type and nullability of an aggregate, after checking its argument.
    fn aggregate_type(
        &mut self,
        function: AggregateFunction,
        argument: Option<&hir::Expr>,
        arg_span: Span,
    ) -> Option<(Type, bool)> {
        use AggregateFunction::*;
        let Some(argument) = argument else {
            return match function {
                Count => Some((Type::Int, false)),
                Exists => Some((Type::Bool, false)),
                _ => {
                    self.sink
                        .push(Diagnostic::Types(TypeDiagnostic::AggregateNeedsValue {
                            function: function.name().to_string(),
                            span: arg_span,
                        }));
                    None
                }
            };
        };
        let ty = argument.ty.clone();
        if ty == Type::Error {
            return Some((Type::Error, true));
        }
        let wrong = |this: &mut Self, expected: &'static str| {
            this.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected,
                    found: ty.clone(),
                    span: argument.span,
                    context: Context::Argument {
                        function: function.name().to_string(),
                        index: 0,
                    },
                }));
            None
        };
        match function {
            Count | CountDistinct => Some((Type::Int, false)),
            Exists => {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::AggregateNeedsSource {
                        function: "exists".to_string(),
                        span: arg_span,
                        related: None,
                    }));
                None
            }
            Sum => match ty {
                Type::Int | Type::Float => Some((ty, false)),
                Type::Decimal { precision, scale } => Some((
                    Type::Decimal {
                        precision: (precision + 10).min(38),
                        scale,
                    },
                    false,
                )),
                _ => wrong(self, "a number"),
            },
            Avg if ty.is_numeric() => Some((Type::Float, true)),
            Avg => wrong(self, "a number"),
            Min | Max if orderable(&ty) => Some((ty, true)),
            Min | Max => wrong(self, "a number, date, timestamp or text"),
            First | Last => Some((ty, true)),
        }
    }
}

fn orderable(ty: &Type) -> bool {
    ty.is_numeric() || ty.is_temporal() || ty.is_textual() || ty.is_unconstrained()
}
