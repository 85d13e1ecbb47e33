//! KPI values: aggregates over the members of a group (`share(...)`, `avg(...)`, `nps(...)`),
//! combined with `+ - * /`.
//!
//! The arguments of these aggregates are per-member expressions, checked like segment
//! conditions. Sugar is removed here: `share(c)` becomes a ratio of two counts, `nps(x)` a
//! difference of counts, and aggregates over the rows of a related source (`sum(orders.amount)`,
//! `avg(orders.amount)`) become sums of per-member aggregates, so lowering only sees plain
//! [`MeasureFunction`]s.

use crate::ast::{self, BinaryOp, ExprKind as A, LiteralKind, UnaryOp};
use crate::diagnostics::{Context, Diagnostic, KpiDiagnostic, TypeDiagnostic};
use crate::hir::{
    self, AggregateFunction, ExprKind as H, KpiExpr, KpiExprKind, KpiOp, KpiUnit, Measure,
    MeasureFunction, SourceId, Value,
};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

use super::expr::{boolean_binary, first_sort_order, typed};
use super::{Checker, MEASURE_NAMES};

/// A checked KPI value and what it measures.
pub(super) type Valued = (KpiExpr, KpiUnit);

fn kpi(kind: KpiExprKind, span: Span) -> KpiExpr {
    KpiExpr { kind, span }
}

fn measure(
    function: MeasureFunction,
    value: Option<hir::Expr>,
    filter: Option<hir::Expr>,
    span: Span,
) -> KpiExpr {
    kpi(
        KpiExprKind::Measure(Measure {
            function,
            value,
            filter,
            span,
        }),
        span,
    )
}

fn binary(op: KpiOp, lhs: KpiExpr, rhs: KpiExpr, span: Span) -> KpiExpr {
    kpi(
        KpiExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    )
}

/// `a and b`, or `b` alone when there is no `a`.
fn both(a: Option<hir::Expr>, b: hir::Expr) -> hir::Expr {
    match a {
        Some(a) => {
            let span = a.span.to(b.span);
            boolean_binary(BinaryOp::And, a, b, span)
        }
        None => b,
    }
}

/// What a sum, average or extreme of values of type `ty` measures.
fn unit_of(ty: &Type) -> KpiUnit {
    match ty {
        Type::Decimal { .. } => KpiUnit::Amount,
        _ => KpiUnit::Number,
    }
}

/// What arithmetic on two KPI values measures. A plain number keeps an amount an amount; members
/// counted over members counted are ratios; anything else is a number.
fn arithmetic_unit(
    op: KpiOp,
    (lhs, lu): (&KpiExpr, KpiUnit),
    (rhs, ru): (&KpiExpr, KpiUnit),
) -> KpiUnit {
    let plain =
        |e: &KpiExpr, u: KpiUnit| matches!(e.kind, KpiExprKind::Number(_)) && u == KpiUnit::Number;
    // A count of members (not of related rows, which are sums of per-member counts).
    let members = |e: &KpiExpr| matches!(&e.kind, KpiExprKind::Measure(m) if m.function == MeasureFunction::Count);
    let keeps = |u: KpiUnit| matches!(u, KpiUnit::Amount | KpiUnit::Count | KpiUnit::Nps);
    match op {
        KpiOp::Add | KpiOp::Sub if lu == ru => lu,
        KpiOp::Add | KpiOp::Sub if plain(rhs, ru) && keeps(lu) => lu,
        KpiOp::Add | KpiOp::Sub if plain(lhs, lu) && keeps(ru) => ru,
        KpiOp::Mul if lu == KpiUnit::Amount && plain(rhs, ru) => KpiUnit::Amount,
        KpiOp::Mul if ru == KpiUnit::Amount && plain(lhs, lu) => KpiUnit::Amount,
        KpiOp::Div if members(lhs) && members(rhs) => KpiUnit::Ratio,
        KpiOp::Div if lu == KpiUnit::Amount && (ru == KpiUnit::Count || plain(rhs, ru)) => {
            KpiUnit::Amount
        }
        _ => KpiUnit::Number,
    }
}

impl Checker<'_> {
    /// The related source whose rows `e` counts, when it is `count(source [where ...])`: a sum
    /// over the members of their rows counted.
    fn rows_counted(&self, e: &KpiExpr) -> Option<SourceId> {
        let KpiExprKind::Measure(Measure {
            function: MeasureFunction::Sum,
            value: Some(value),
            filter: None,
            ..
        }) = &e.kind
        else {
            return None;
        };
        let H::Aggregate(id) = &value.kind else {
            return None;
        };
        let aggregate = self.aggregates.get(id.0)?;
        (aggregate.function == AggregateFunction::Count && aggregate.argument.is_none())
            .then_some(aggregate.source)
    }

    /// Checks a KPI value, reporting every problem; `None` when it has any.
    pub(super) fn kpi_value(&mut self, e: &ast::Expr) -> Option<Valued> {
        match &e.kind {
            A::Paren(inner) => {
                let (mut value, unit) = self.kpi_value(inner)?;
                value.span = e.span;
                Some((value, unit))
            }
            A::Literal(literal) => match literal.kind {
                LiteralKind::Int(i) => {
                    Some((kpi(KpiExprKind::Number(i as f64), e.span), KpiUnit::Number))
                }
                LiteralKind::Float { value, .. } => {
                    Some((kpi(KpiExprKind::Number(value), e.span), KpiUnit::Number))
                }
                LiteralKind::Percent { value, .. } => Some((
                    kpi(KpiExprKind::Number(value / 100.0), e.span),
                    KpiUnit::Ratio,
                )),
                _ => self.not_aggregated(e.span, None),
            },
            A::Unary {
                op: UnaryOp::Neg,
                operand,
                ..
            } => {
                let (value, unit) = self.kpi_value(operand)?;
                Some((kpi(KpiExprKind::Neg(Box::new(value)), e.span), unit))
            }
            A::Binary { op, lhs, rhs, .. } => {
                let op = match op {
                    BinaryOp::Add => KpiOp::Add,
                    BinaryOp::Sub => KpiOp::Sub,
                    BinaryOp::Mul => KpiOp::Mul,
                    BinaryOp::Div => KpiOp::Div,
                    _ => return self.not_aggregated(e.span, None),
                };
                // Both sides are checked, so every problem shows.
                let lhs = self.kpi_value(lhs);
                let rhs = self.kpi_value(rhs);
                let ((lhs, lu), (rhs, ru)) = (lhs?, rhs?);
                let rows_of_one_source = op == KpiOp::Div
                    && self
                        .rows_counted(&lhs)
                        .is_some_and(|s| self.rows_counted(&rhs) == Some(s));
                // Rows of a source over rows of the same source (opened emails over sent
                // emails) are a rate, as members over members are.
                let unit = if rows_of_one_source {
                    KpiUnit::Ratio
                } else {
                    arithmetic_unit(op, (&lhs, lu), (&rhs, ru))
                };
                Some((binary(op, lhs, rhs, e.span), unit))
            }
            A::Name(parts) => {
                let name = parts
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                self.not_aggregated(e.span, Some(name))
            }
            A::Call {
                function,
                args,
                descending,
                order_by,
                filter,
            } => {
                let sorted = first_sort_order(args, descending);
                let clause = order_by.as_ref().map(|o| ("by", o.span)).or(sorted);
                if let Some((clause, span)) = clause
                    && MEASURE_NAMES.contains(&function.name.as_str())
                {
                    self.sink
                        .push(Diagnostic::Types(TypeDiagnostic::MisplacedClause {
                            function: function.name.clone(),
                            clause,
                            span,
                        }));
                    return None;
                }
                self.measure(function, args, filter.as_deref(), e.span)
            }
            _ => self.not_aggregated(e.span, None),
        }
    }

    fn not_aggregated(&mut self, span: Span, name: Option<String>) -> Option<Valued> {
        self.sink
            .push(Diagnostic::Kpi(KpiDiagnostic::NotAggregated { span, name }));
        None
    }

    /// A KPI aggregate call: `share(c where w)`, `avg(x)`, `percentile(x, 90%)`, ...
    fn measure(
        &mut self,
        function: &ast::Ident,
        args: &[ast::Expr],
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> Option<Valued> {
        let Some(name) = MEASURE_NAMES.iter().copied().find(|n| *n == function.name) else {
            self.sink
                .push(Diagnostic::Kpi(KpiDiagnostic::UnknownMeasure {
                    function: function.name.clone(),
                    span,
                    candidates: similar(&function.name, MEASURE_NAMES.iter().copied()),
                }));
            return None;
        };
        if let Some(source) = args.first().and_then(|a| self.related_rows(a)) {
            return self.related_measure(name, source, args, filter, span);
        }
        let (arity_ok, expected) = match name {
            "count" => (args.len() <= 1, "0 or 1"),
            "percentile" => (args.len() == 2, "2"),
            _ => (args.len() == 1, "1"),
        };
        if !arity_ok {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                    function: name.to_string(),
                    expected,
                    found: args.len(),
                    span,
                }));
            return None;
        }
        let filter = filter.map(|f| {
            let f = self.expr(f);
            self.expect_bool(&f, Context::Filter(name));
            f
        });
        let value = args.first().map(|a| self.expr(a));
        let argument = Context::Argument {
            function: name.to_string(),
            index: 0,
        };
        let Some(value) = value else {
            // `count()`: the members.
            return Some((
                measure(MeasureFunction::Count, None, filter, span),
                KpiUnit::Count,
            ));
        };
        if value.ty == Type::Error || filter.as_ref().is_some_and(|f| f.ty == Type::Error) {
            return None;
        }
        match name {
            "count" => Some((
                measure(MeasureFunction::Count, Some(value), filter, span),
                KpiUnit::Count,
            )),
            "share" | "rate" => {
                if value.ty != Type::Bool {
                    self.expect_bool(&value, argument);
                    return None;
                }
                let taken = both(filter.clone(), value);
                let share = binary(
                    KpiOp::Div,
                    measure(MeasureFunction::Count, None, Some(taken), span),
                    measure(MeasureFunction::Count, None, filter, span),
                    span,
                );
                Some((share, KpiUnit::Ratio))
            }
            "nps" => {
                self.expect_number(&value, argument)?;
                Some((self.nps(value, filter, span), KpiUnit::Nps))
            }
            _ => {
                self.expect_number(&value, argument)?;
                let unit = unit_of(&value.ty);
                let function = match name {
                    "sum" => MeasureFunction::Sum,
                    "avg" => MeasureFunction::Avg,
                    "min" => MeasureFunction::Min,
                    "max" => MeasureFunction::Max,
                    "median" => MeasureFunction::Median,
                    _ => MeasureFunction::Percentile(self.percentile_fraction(args.get(1)?)?),
                };
                Some((measure(function, Some(value), filter, span), unit))
            }
        }
    }

    /// Reports `e` unless it is a number (or unknown).
    fn expect_number(&mut self, e: &hir::Expr, context: Context) -> Option<()> {
        if e.ty.is_numeric() {
            return Some(());
        }
        if e.ty != Type::Error {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected: "a number",
                    found: e.ty.clone(),
                    span: e.span,
                    context,
                }));
        }
        None
    }

    /// `100 × (promoters − detractors) / respondents`, promoters scoring 9 or 10, detractors 0
    /// to 6, respondents having a score.
    fn nps(&mut self, score: hir::Expr, filter: Option<hir::Expr>, span: Span) -> KpiExpr {
        let scored = |this: &mut Self, op: BinaryOp, n: i64| {
            let bound = typed(H::Literal(Value::Int(n)), Type::Int, false, span);
            let test = this.binary(op, span, score.clone(), bound, span);
            measure(
                MeasureFunction::Count,
                None,
                Some(both(filter.clone(), test)),
                span,
            )
        };
        let promoters = scored(self, BinaryOp::GtEq, 9);
        let detractors = scored(self, BinaryOp::LtEq, 6);
        let respondents = measure(MeasureFunction::Count, Some(score), filter, span);
        let net = binary(KpiOp::Sub, promoters, detractors, span);
        let hundred = kpi(KpiExprKind::Number(100.0), span);
        binary(
            KpiOp::Div,
            binary(KpiOp::Mul, hundred, net, span),
            respondents,
            span,
        )
    }

    /// The fraction argument of `percentile`: 0 to 1, or 0% to 100%.
    fn percentile_fraction(&mut self, arg: &ast::Expr) -> Option<f64> {
        let fraction = match &arg.kind {
            A::Literal(l) => match l.kind {
                LiteralKind::Int(i) => Some(i as f64),
                LiteralKind::Float { value, .. } => Some(value),
                LiteralKind::Percent { value, .. } => Some(value / 100.0),
                _ => None,
            },
            _ => None,
        };
        match fraction {
            Some(f) if (0.0..=1.0).contains(&f) => Some(f),
            _ => {
                self.sink
                    .push(Diagnostic::Kpi(KpiDiagnostic::PercentileFraction {
                        span: arg.span,
                    }));
                None
            }
        }
    }

    /// The related source whose rows `arg` takes directly (`orders`, `orders.amount * 2`), if
    /// any. Related columns inside a per-member aggregate (`sum(orders.amount)`) and looked-up
    /// columns (`companies.headcount`) do not count: those are per-member values.
    fn related_rows(&self, arg: &ast::Expr) -> Option<SourceId> {
        let related = |name: &str| {
            self.source_ids
                .get(name)
                .copied()
                .filter(|id| Some(*id) != self.population)
        };
        let mut stack = vec![arg];
        while let Some(e) = stack.pop() {
            match &e.kind {
                A::Name(parts) => match parts.as_slice() {
                    [one] if !self.names.contains_key(&one.name) => {
                        if let Some(id) = related(&one.name) {
                            return Some(id);
                        }
                    }
                    // A source the members lead to is looked up: a value per member.
                    [source, _] => {
                        if let Some(id) = related(&source.name)
                            && self.population.is_none_or(|population| {
                                crate::hir::paths::find(&self.sources, population, id, 1).is_empty()
                            })
                        {
                            return Some(id);
                        }
                    }
                    _ => {}
                },
                A::Call { function, .. }
                    if AggregateFunction::from_name(&function.name).is_some() => {}
                // A call's clauses are not searched.
                A::Call { args, .. } => stack.extend(args.iter()),
                _ => stack.extend(e.children()),
            }
        }
        None
    }

    /// An aggregate over the rows of a related source of the members, as sums (or extremes)
    /// of per-member aggregates: `avg(orders.amount)` is the total amount over the number of
    /// amounts.
    fn related_measure(
        &mut self,
        name: &'static str,
        source: SourceId,
        args: &[ast::Expr],
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> Option<Valued> {
        if let [arg] = args
            && name != "count"
            && matches!(&arg.kind, A::Name(parts) if parts.len() == 1)
        {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::AggregateNeedsValue {
                    function: name.to_string(),
                    span: arg.span,
                }));
            return None;
        }
        let per_member = |this: &mut Self, function: AggregateFunction| {
            let e = this.aggregate(function, args, None, filter, span);
            (e.ty != Type::Error).then_some(e)
        };
        match name {
            "count" => {
                let count = per_member(self, AggregateFunction::Count)?;
                Some((
                    measure(MeasureFunction::Sum, Some(count), None, span),
                    KpiUnit::Count,
                ))
            }
            "sum" => {
                let total = per_member(self, AggregateFunction::Sum)?;
                let unit = unit_of(&total.ty);
                Some((measure(MeasureFunction::Sum, Some(total), None, span), unit))
            }
            "avg" => {
                let total = per_member(self, AggregateFunction::Sum)?;
                let count = per_member(self, AggregateFunction::Count)?;
                let unit = unit_of(&total.ty);
                let average = binary(
                    KpiOp::Div,
                    measure(MeasureFunction::Sum, Some(total), None, span),
                    measure(MeasureFunction::Sum, Some(count), None, span),
                    span,
                );
                Some((average, unit))
            }
            "min" | "max" => {
                let (aggregate, function) = if name == "min" {
                    (AggregateFunction::Min, MeasureFunction::Min)
                } else {
                    (AggregateFunction::Max, MeasureFunction::Max)
                };
                let extreme = per_member(self, aggregate)?;
                let argument = Context::Argument {
                    function: name.to_string(),
                    index: 0,
                };
                let mut shown = extreme.clone();
                shown.span = args.first().map_or(span, |a| a.span);
                self.expect_number(&shown, argument)?;
                let unit = unit_of(&extreme.ty);
                Some((measure(function, Some(extreme), None, span), unit))
            }
            _ => {
                self.sink.push(Diagnostic::Kpi(KpiDiagnostic::RelatedRows {
                    function: name.to_string(),
                    source: self.sources[source.0].name.clone(),
                    span: args.first().map_or(span, |a| a.span),
                }));
                None
            }
        }
    }
}
