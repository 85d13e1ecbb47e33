//! Typing expressions.

use crate::ast::{self, BinaryOp, ExprKind as A, LiteralKind, UnaryOp};
use crate::diagnostics::{
    Context, Diagnostic, LiteralDiagnostic, NameDiagnostic, NameKind, TypeDiagnostic,
};
use crate::hir::{self, DefId, DurationValue, ExprKind as H, Value};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

use super::{AS_OF, Binding, Checker, Scope};

const MICROS_PER_MINUTE: f64 = 60_000_000.0;
const MICROS_PER_HOUR: f64 = 60.0 * MICROS_PER_MINUTE;
const MICROS_PER_DAY: f64 = 24.0 * MICROS_PER_HOUR;
const UNITS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "minute",
    "minutes",
];
/// Words that a misplaced unit may really be (`18 adn 30`).
const OPERATOR_WORDS: &[&str] = &["and", "or", "not", "in", "between", "is"];

/// A typed expression.
pub(super) fn typed(kind: H, ty: Type, nullable: bool, span: Span) -> hir::Expr {
    hir::Expr {
        kind,
        ty,
        nullable,
        span,
    }
}

/// A variable reference for an expression that could not be typed (its problem is already reported).
pub(super) fn poisoned(span: Span) -> hir::Expr {
    typed(H::Literal(Value::Null), Type::Error, true, span)
}

/// `lhs op rhs` producing a condition, null when either side is.
pub(super) fn boolean_binary(
    op: BinaryOp,
    lhs: hir::Expr,
    rhs: hir::Expr,
    span: Span,
) -> hir::Expr {
    let nullable = lhs.nullable || rhs.nullable;
    boolean(
        H::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        nullable,
        span,
    )
}

/// The first `asc` or `desc` written after an argument of a call, as (word, argument span).
pub(super) fn first_sort_order(
    args: &[ast::Expr],
    descending: &[Option<bool>],
) -> Option<(&'static str, Span)> {
    args.iter()
        .zip(descending)
        .find_map(|(a, d)| d.map(|desc| (if desc { "desc" } else { "asc" }, a.span)))
}

/// The first `by`, `where` or `including future` clause of a call, as (clause word, span).
fn first_clause(
    order_by: &Option<Box<ast::Expr>>,
    filter: &Option<Box<ast::Expr>>,
    future: &Option<Span>,
) -> Option<(&'static str, Span)> {
    order_by
        .as_ref()
        .map(|o| ("by", o.span))
        .or(filter.as_ref().map(|f| ("where", f.span)))
        .or(future.map(|span| ("including future", span)))
}

pub(super) fn boolean(kind: H, nullable: bool, span: Span) -> hir::Expr {
    typed(kind, Type::Bool, nullable, span)
}

pub(super) fn is_null_literal(e: &hir::Expr) -> bool {
    matches!(e.kind, H::Literal(Value::Null)) && e.ty == Type::Null
}

pub(super) fn string_literal(e: &hir::Expr) -> Option<&str> {
    match &e.kind {
        H::Literal(Value::String(s)) => Some(s),
        _ => None,
    }
}

impl Checker<'_> {
    /// Types an expression, reporting problems and returning a best-effort typed node.
    pub(super) fn expr(&mut self, e: &ast::Expr) -> hir::Expr {
        match &e.kind {
            A::Literal(literal) => self.literal(literal),
            A::Name(parts) => self.name(parts, e.span),
            A::Paren(inner) => {
                let mut inner = self.expr(inner);
                inner.span = e.span;
                inner
            }
            A::Unary { op, operand, .. } => self.unary(*op, operand, e.span),
            A::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let lhs_typed = self.expr(lhs);
                if self.tier_name_taken(op, &lhs_typed, rhs) {
                    return poisoned(e.span);
                }
                let rhs = self.expr(rhs);
                if self.tier_name_taken(op, &rhs, lhs) {
                    return poisoned(e.span);
                }
                self.binary(*op, *op_span, lhs_typed, rhs, e.span)
            }
            A::InList {
                value,
                list,
                negated,
            } => self.in_list(value, list, *negated, e.span),
            A::Between {
                value,
                low,
                high,
                negated,
            } => self.between(value, low, high, *negated, e.span),
            A::IsNull { value, negated } => {
                let value = self.expr(value);
                boolean(
                    H::IsNull {
                        value: Box::new(value),
                        negated: *negated,
                    },
                    false,
                    e.span,
                )
            }
            A::If {
                condition,
                then,
                otherwise,
            } => self.if_expr(condition, then, otherwise, e.span),
            A::Call {
                function,
                args,
                descending,
                order_by,
                filter,
                ties,
                future,
            } if super::quantiles::quantile_function(&function.name).is_some() => {
                if let Some((clause, span)) = first_clause(order_by, filter, future) {
                    self.sink
                        .push(Diagnostic::Types(TypeDiagnostic::MisplacedClause {
                            function: function.name.clone(),
                            clause,
                            span,
                        }));
                }
                let fixed = super::quantiles::quantile_function(&function.name).flatten();
                let order = super::quantiles::Written {
                    descending,
                    ties: ties.as_ref(),
                };
                self.quantile(function, fixed, args, order, e.span)
            }
            A::Call {
                function,
                args,
                descending,
                order_by,
                filter,
                ties,
                future,
            } => match hir::AggregateFunction::from_name(&function.name) {
                Some(aggregate) => {
                    let tied = ties.as_ref().map(|t| ("ties by", t.span));
                    if let Some((clause, span)) = first_sort_order(args, descending).or(tied) {
                        self.sink
                            .push(Diagnostic::Types(TypeDiagnostic::MisplacedClause {
                                function: function.name.clone(),
                                clause,
                                span,
                            }));
                    }
                    self.aggregate(
                        aggregate,
                        args,
                        order_by.as_deref(),
                        filter.as_deref(),
                        *future,
                        e.span,
                    )
                }
                None => {
                    let sorted = first_sort_order(args, descending)
                        .or(ties.as_ref().map(|t| ("ties by", t.span)));
                    if let Some((clause, span)) = first_clause(order_by, filter, future).or(sorted)
                    {
                        self.sink
                            .push(Diagnostic::Types(TypeDiagnostic::MisplacedClause {
                                function: function.name.clone(),
                                clause,
                                span,
                            }));
                    }
                    self.call(function, args, e.span)
                }
            },
            A::List(items) => {
                for item in items {
                    self.expr(item);
                }
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::MisplacedList {
                        span: e.span,
                    }));
                poisoned(e.span)
            }
        }
    }

    fn literal(&mut self, literal: &ast::Literal) -> hir::Expr {
        let span = literal.span;
        let (value, ty) = match &literal.kind {
            LiteralKind::Int(i) => (Value::Int(*i), Type::Int),
            LiteralKind::Float { value, .. } => (Value::Float(*value), Type::Float),
            LiteralKind::Percent { value, .. } => {
                if !(0.0..=100.0).contains(value) {
                    self.sink
                        .push(Diagnostic::Literals(LiteralDiagnostic::PercentOutOfRange {
                            span,
                        }));
                    return poisoned(span);
                }
                (Value::Float(value / 100.0), Type::Float)
            }
            LiteralKind::String(s) => (Value::String(s.clone()), Type::String),
            LiteralKind::Bool(b) => (Value::Bool(*b), Type::Bool),
            LiteralKind::Null => return typed(H::Literal(Value::Null), Type::Null, true, span),
            LiteralKind::Date(d) => (Value::Date(*d), Type::Date),
            LiteralKind::Timestamp(t) => (Value::Timestamp(*t), Type::Timestamp),
            LiteralKind::Duration { amount, unit, .. } => {
                match duration(*amount, unit, span, &mut self.sink) {
                    Some(d) => (Value::Duration(d), Type::Duration),
                    None => return poisoned(span),
                }
            }
        };
        typed(H::Literal(value), ty, false, span)
    }

    fn name(&mut self, parts: &[ast::Ident], span: Span) -> hir::Expr {
        match parts {
            [name] => self.plain_name(name),
            [source, column] => self.qualified_name(source, column, span),
            _ => {
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::BadQualifiedName { span }));
                poisoned(span)
            }
        }
    }

    fn plain_name(&mut self, name: &ast::Ident) -> hir::Expr {
        let span = name.span;
        // `as_of` is always the evaluation date; a column named so is reached as `source.as_of`.
        if name.name == AS_OF {
            return typed(H::AsOf, Type::Date, false, span);
        }
        if let Scope::Related(source) = self.scope {
            return self.related_column(source, name);
        }
        match self.names.get(&name.name).map(|(b, _)| *b) {
            Some(Binding::Column(index)) => self.population_column(index, span),
            Some(Binding::Let(id)) => {
                self.record_edge(DefId::Let(id), span);
                let (ty, nullable) = self.check_let(id);
                if let Some(value) = self.constant_let(id, span) {
                    return value;
                }
                typed(H::Let(id), ty, nullable, span)
            }
            Some(Binding::Segment(id)) => {
                self.record_edge(DefId::Segment(id), span);
                boolean(H::Segment(id), false, span)
            }
            Some(Binding::Score(id)) => {
                self.record_edge(DefId::Score(id), span);
                let ty = self.score_type(id);
                typed(H::Score(id), ty, false, span)
            }
            Some(Binding::Tiers(id)) => {
                self.record_edge(DefId::Tiers(id), span);
                let exhaustive = self.tiers[id.0].exhaustive();
                let values = Type::Enum(self.tier_values[id.0].clone());
                typed(H::Tier(id), values, !exhaustive, span)
            }
            Some(Binding::Poisoned) => poisoned(span),
            // A bare tier name (`lifecycle == vip`) stands for the tier's name as text.
            None if self
                .tier_values
                .iter()
                .any(|t| t.position(&name.name).is_some()) =>
            {
                typed(
                    H::Literal(Value::String(name.name.clone())),
                    Type::String,
                    false,
                    span,
                )
            }
            None => {
                if !self.population_poisoned {
                    let candidates = self.similar_value_names(&name.name);
                    self.sink
                        .push(Diagnostic::Names(NameDiagnostic::UnknownName {
                            kind: NameKind::Value,
                            name: name.name.clone(),
                            span,
                            candidates,
                        }));
                }
                poisoned(span)
            }
        }
    }

    /// The names in scope (and `as_of`) close to the unknown `name`, from names indexed once
    /// for all unknown names: comparing each with every name, 2,000 unknown names among 2,000
    /// segments spent 10 s of the 11 s of `segc check` there in a debug build (issue 15).
    fn similar_value_names(&mut self, name: &str) -> Vec<String> {
        let known = self.names.len() + 1;
        let names = match &mut self.suggested_names {
            Some(names) if names.len() == known => names,
            stale => {
                let all = self.names.keys().cloned().chain([AS_OF.to_string()]);
                stale.insert(crate::suggest::Names::new(all))
            }
        };
        names.similar(name)
    }

    /// The columns of `source` close to the unknown `name`, from the columns indexed once.
    fn similar_columns(&mut self, source: hir::SourceId, name: &str) -> Vec<String> {
        let columns = &self.sources[source.0].columns;
        self.suggested_columns
            .entry(source)
            .or_insert_with(|| crate::suggest::Names::new(columns.iter().map(|c| c.name.clone())))
            .similar(name)
    }

    /// A name inside an aggregate over `source`: one of its columns, or `as_of`.
    fn related_column(&mut self, source: hir::SourceId, name: &ast::Ident) -> hir::Expr {
        let decl = &self.sources[source.0];
        if let Some(index) = decl.columns.iter().position(|c| c.name == name.name) {
            let column = &decl.columns[index];
            return typed(
                H::Column {
                    source,
                    column: index,
                },
                column.ty.clone(),
                column.nullable,
                name.span,
            );
        }
        if let Some(value) = self.outer_name_in_aggregate(source, name) {
            return value;
        }
        let source_name = self.sources[source.0].name.clone();
        let candidates = self.similar_columns(source, &name.name);
        if self.row_filter_of.is_some() {
            let source_span = self.sources[source.0].span;
            self.sink
                .push(Diagnostic::Names(NameDiagnostic::UnknownColumn {
                    source: source_name,
                    name: name.name.clone(),
                    span: name.span,
                    source_span,
                    candidates,
                }));
            return poisoned(name.span);
        }
        self.sink
            .push(Diagnostic::Names(NameDiagnostic::NotInAggregateSource {
                name: name.name.clone(),
                source: source_name,
                span: name.span,
                candidates,
            }));
        poisoned(name.span)
    }

    fn population_column(&self, index: usize, span: Span) -> hir::Expr {
        let Some(source) = self.population else {
            return poisoned(span);
        };
        let column = &self.sources[source.0].columns[index];
        typed(
            H::Column {
                source,
                column: index,
            },
            column.ty.clone(),
            column.nullable,
            span,
        )
    }

    fn qualified_name(
        &mut self,
        source: &ast::Ident,
        column: &ast::Ident,
        span: Span,
    ) -> hir::Expr {
        let Some(&id) = self.source_ids.get(&source.name) else {
            if !self.broken_sources.contains(&source.name) {
                let candidates = similar(&source.name, self.source_ids.keys().map(String::as_str));
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::UnknownName {
                        kind: NameKind::Source,
                        name: source.name.clone(),
                        span: source.span,
                        candidates,
                    }));
            }
            return poisoned(span);
        };
        let decl = &self.sources[id.0];
        let Some(index) = decl.columns.iter().position(|c| c.name == column.name) else {
            let (source_name, source_span) = (decl.name.clone(), decl.span);
            let candidates = self.similar_columns(id, &column.name);
            self.sink
                .push(Diagnostic::Names(NameDiagnostic::UnknownColumn {
                    source: source_name,
                    name: column.name.clone(),
                    span: column.span,
                    source_span,
                    candidates,
                }));
            return poisoned(span);
        };
        let from = match self.scope {
            Scope::Related(related) => related,
            Scope::Population => match self.population {
                Some(population) => population,
                None => return poisoned(span),
            },
        };
        if from == id {
            let c = &decl.columns[index];
            return typed(
                H::Column {
                    source: id,
                    column: index,
                },
                c.ty.clone(),
                c.nullable,
                span,
            );
        }
        if self.outside_row_filter("a column of another source", span) {
            return poisoned(span);
        }
        // Inside an aggregate, the member's own values are used outside it.
        if Some(id) == self.population {
            let aggregated = self.sources[from.0].name.clone();
            self.sink
                .push(Diagnostic::Names(NameDiagnostic::NotInAggregateSource {
                    name: format!("{}.{}", source.name, column.name),
                    source: aggregated,
                    span,
                    candidates: Vec::new(),
                }));
            return poisoned(span);
        }
        self.lookup(from, id, index, (source, column), span)
    }

    fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, span: Span) -> hir::Expr {
        let operand = self.expr(operand);
        match op {
            UnaryOp::Not => {
                self.expect_bool(&operand, Context::Logic("not"));
                let nullable = operand.nullable;
                boolean(H::Not(Box::new(operand)), nullable, span)
            }
            UnaryOp::Neg => {
                let ty = operand.ty.clone();
                if !(ty.is_numeric() || ty == Type::Duration || ty.is_unconstrained()) {
                    self.sink
                        .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                            expected: "a number",
                            found: ty,
                            span: operand.span,
                            context: Context::Arithmetic("-"),
                        }));
                    return poisoned(span);
                }
                let nullable = operand.nullable;
                typed(H::Neg(Box::new(operand)), ty, nullable, span)
            }
        }
    }

    /// Reports `e` unless it is a condition (or unknown).
    pub(super) fn expect_bool(&mut self, e: &hir::Expr, context: Context) {
        if !matches!(e.ty, Type::Bool | Type::Error) {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected: "a condition (bool)",
                    found: e.ty.clone(),
                    span: e.span,
                    context,
                }));
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        lhs: hir::Expr,
        rhs: hir::Expr,
        span: Span,
    ) -> hir::Expr {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let word = if op == BinaryOp::And { "and" } else { "or" };
                self.expect_bool(&lhs, Context::Logic(word));
                self.expect_bool(&rhs, Context::Logic(word));
                boolean_binary(op, lhs, rhs, span)
            }
            BinaryOp::Concat => self.concat_operator(op_span, lhs, rhs, span),
            _ if op.is_comparison() => self.comparison(op, op_span, lhs, rhs, span),
            _ => self.arithmetic(op, op_span, lhs, rhs, span),
        }
    }

    fn arithmetic(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        lhs: hir::Expr,
        rhs: hir::Expr,
        span: Span,
    ) -> hir::Expr {
        use Type::*;
        let nullable = lhs.nullable || rhs.nullable;
        if lhs.ty == Error || rhs.ty == Error {
            return poisoned(span);
        }
        let plain = |ty: Type, lhs: hir::Expr, rhs: hir::Expr| {
            typed(
                H::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                ty,
                nullable,
                span,
            )
        };
        match (op, &lhs.ty, &rhs.ty) {
            (BinaryOp::Sub, a, b) if a.is_temporal() && b.is_temporal() => typed(
                H::Elapsed {
                    end: Box::new(lhs),
                    start: Box::new(rhs),
                },
                Duration,
                nullable,
                span,
            ),
            (BinaryOp::Add | BinaryOp::Sub, t, Duration) if t.is_temporal() => {
                self.shift(lhs, rhs, op == BinaryOp::Sub, span)
            }
            (BinaryOp::Add, Duration, t) if t.is_temporal() => self.shift(rhs, lhs, false, span),
            (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => plain(Duration, lhs, rhs),
            (_, a, b) if (a.is_numeric() || *a == Null) && (b.is_numeric() || *b == Null) => {
                let ty = match op {
                    BinaryOp::Div => Float,
                    _ => match a.unify(b) {
                        Some(Null) | None => Int,
                        Some(t) => t,
                    },
                };
                plain(ty, lhs, rhs)
            }
            _ => {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::OperandTypes {
                        op: op.symbol(),
                        op_span,
                        lhs: lhs.ty.clone(),
                        rhs: rhs.ty.clone(),
                        lhs_span: lhs.span,
                        rhs_span: rhs.span,
                    }));
                poisoned(span)
            }
        }
    }

    /// `value ± duration`, where the duration must be a literal.
    fn shift(&mut self, value: hir::Expr, by: hir::Expr, backwards: bool, span: Span) -> hir::Expr {
        let H::Literal(Value::Duration(duration)) = by.kind else {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected: "a duration literal such as `30 days`",
                    found: by.ty.clone(),
                    span: by.span,
                    context: Context::Duration,
                }));
            return poisoned(span);
        };
        let sub_day = matches!(duration, DurationValue::Fixed { micros } if micros % (MICROS_PER_DAY as i64) != 0);
        let ty = if value.ty == Type::Date && sub_day {
            Type::Timestamp
        } else {
            value.ty.clone()
        };
        let nullable = value.nullable;
        typed(
            H::Shift {
                value: Box::new(value),
                by: duration,
                backwards,
            },
            ty,
            nullable,
            span,
        )
    }

    fn if_expr(
        &mut self,
        condition: &ast::Expr,
        then: &ast::Expr,
        otherwise: &ast::Expr,
        span: Span,
    ) -> hir::Expr {
        let condition = self.expr(condition);
        self.expect_bool(&condition, Context::IfCondition);
        let then = self.expr(then);
        let otherwise = self.expr(otherwise);
        let Some(ty) = then.ty.unify(&otherwise.ty) else {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::IncompatibleValues {
                    first: then.ty.clone(),
                    first_span: then.span,
                    other: otherwise.ty.clone(),
                    other_span: otherwise.span,
                    context: "this `if`",
                }));
            return poisoned(span);
        };
        let nullable = then.nullable || otherwise.nullable;
        typed(
            H::If {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            ty,
            nullable,
            span,
        )
    }
}

/// The length of the duration literal `amount unit` at `span`, or `None` after reporting why it
/// is not one.
pub(super) fn duration(
    amount: f64,
    unit: &ast::Ident,
    span: Span,
    sink: &mut crate::diagnostics::Sink,
) -> Option<DurationValue> {
    let fixed = |micros_per_unit: f64| {
        let micros = amount * micros_per_unit;
        (micros.abs() < i64::MAX as f64).then(|| DurationValue::Fixed {
            micros: micros.round() as i64,
        })
    };
    let calendar = |months_per_unit: f64| {
        let months = amount * months_per_unit;
        (months.abs() < i32::MAX as f64).then_some(DurationValue::Calendar {
            months: months as i32,
        })
    };
    let value = match unit.name.as_str() {
        "minute" | "minutes" => fixed(MICROS_PER_MINUTE),
        "hour" | "hours" => fixed(MICROS_PER_HOUR),
        "day" | "days" => fixed(MICROS_PER_DAY),
        "week" | "weeks" => fixed(7.0 * MICROS_PER_DAY),
        "month" | "months" | "year" | "years" => {
            if amount.fract() != 0.0 {
                sink.push(Diagnostic::Literals(
                    LiteralDiagnostic::FractionalCalendarUnit { span },
                ));
                return None;
            }
            calendar(if unit.name.starts_with("month") {
                1.0
            } else {
                12.0
            })
        }
        other => {
            let candidates = similar(other, UNITS.iter().chain(OPERATOR_WORDS).copied());
            sink.push(Diagnostic::Literals(LiteralDiagnostic::UnknownUnit {
                unit: other.to_string(),
                span: unit.span,
                candidates,
            }));
            return None;
        }
    };
    if value.is_none() {
        sink.push(Diagnostic::Literals(LiteralDiagnostic::DurationTooLong {
            span,
        }));
    }
    value
}
