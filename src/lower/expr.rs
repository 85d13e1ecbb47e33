//! Lowering typed expressions to DataFusion `Expr`s.

use chrono::NaiveDate;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use std::collections::HashMap;

use datafusion::functions::expr_fn as f;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::functions_window::expr_fn as window;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, Operator, binary_expr, cast, ident, in_list, lit, when,
};

use super::canonical_type;
use super::schema::{date_scalar, interval};
use crate::ast::BinaryOp;
use crate::diagnostics::{Diagnostic, InternalDiagnostic};
use crate::hir::{
    self, AggregateFunction, AggregateId, Builtin, DefId, DurationValue, ExprKind,
    QuantileFunction, Value,
};
use crate::types::Type;

use super::{Params, Ranks};

mod text;

use super::schema::MICROS_PER_DAY;

type Lowered = Result<Expr, Diagnostic>;

/// Lowers expressions of one program for one evaluation.
pub(super) struct Lowerer<'p> {
    program: &'p hir::Program,
    as_of: NaiveDate,
    /// The column holding each aggregate's result, once joined.
    aggregates: &'p HashMap<AggregateId, String>,
    /// The boundaries of the `ntile` quantiles ranked so far.
    ranks: &'p Ranks,
}

impl<'p> Lowerer<'p> {
    pub(super) fn new(
        program: &'p hir::Program,
        params: Params,
        aggregates: &'p HashMap<AggregateId, String>,
        ranks: &'p Ranks,
    ) -> Self {
        Lowerer {
            program,
            as_of: params.as_of,
            aggregates,
            ranks,
        }
    }

    /// An aggregate as a DataFusion aggregate expression over its source's rows, and its filter.
    pub(super) fn aggregate(&self, a: &hir::Aggregate) -> Result<(Expr, Option<Expr>), Diagnostic> {
        let fail = |e: datafusion::error::DataFusionError| {
            Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span: a.span,
                message: e.to_string(),
            })
        };
        let argument = match &a.argument {
            Some(x) => Some(self.lower(x)?),
            None => None,
        };
        let value = || argument.clone().unwrap_or_else(|| lit(1i64));
        let filter = match &a.filter {
            Some(f) => Some(self.lower(f)?),
            None => None,
        };
        if matches!(
            a.function,
            AggregateFunction::First | AggregateFunction::Last
        ) {
            return Ok((self.first_or_last(a, value(), filter.clone())?, filter));
        }
        // `FILTER` on a distinct count loses the distinct in DataFusion 55: count the values of
        // the rows taken instead (nulls are not counted).
        if a.function == AggregateFunction::CountDistinct
            && let Some(f) = &filter
        {
            let taken = when(f.clone(), value())
                .otherwise(lit(ScalarValue::Null))
                .map_err(|err| self.internal_span(a.span, &err.to_string()))?;
            return Ok((agg::count_distinct(taken), filter));
        }
        let expr = match a.function {
            AggregateFunction::Count | AggregateFunction::Exists => agg::count(value()),
            AggregateFunction::CountDistinct => agg::count_distinct(value()),
            AggregateFunction::Sum => agg::sum(value()),
            // Decimals are averaged exactly (then converted), so the result does not depend on how
            // rows are split across threads.
            AggregateFunction::Avg => match a.argument.as_ref().map(|x| &x.ty) {
                Some(Type::Decimal { .. }) => agg::avg(value()),
                _ => agg::avg(cast(value(), DataType::Float64)),
            },
            AggregateFunction::Min | AggregateFunction::Max => {
                // Enums are compared by declared position (mapped back in `aggregate_result`).
                let value = match &a.argument {
                    Some(x) if matches!(x.ty, Type::Enum(_)) => self.order_value(x)?,
                    _ => value(),
                };
                if a.function == AggregateFunction::Min {
                    agg::min(value)
                } else {
                    agg::max(value)
                }
            }
            AggregateFunction::First | AggregateFunction::Last => {
                return Err(self.internal_span(a.span, "first/last lowered twice"));
            }
        };
        let expr = match &filter {
            Some(f) => expr.filter(f.clone()).build().map_err(fail)?,
            None => expr,
        };
        Ok((expr, filter))
    }

    /// `first`/`last`: the value of the earliest/latest row by `by`, among the rows its `where`
    /// takes. DataFusion's ordered `first_value`/`last_value` do not honour `FILTER` reliably across
    /// partitions, so rows are ranked instead: rows not taken (or with no order value) sort before
    /// every taken row for `last` (after for `first`) and contribute no value. Ties on the order
    /// are broken by the source's key, so the result does not depend on partitioning.
    fn first_or_last(&self, a: &hir::Aggregate, value: Expr, filter: Option<Expr>) -> Lowered {
        let order = a
            .order_by
            .as_ref()
            .ok_or_else(|| self.internal_span(a.span, "first/last without an order"))?;
        let order = self.order_value(order)?;
        // `CASE WHEN` rather than `IS TRUE`: DataFusion 55's common-subexpression elimination
        // disagrees with the physical planner about the nullability of `x IS TRUE` under `AND`.
        let taken_condition = match filter {
            Some(f) => order.clone().is_not_null().and(f),
            None => order.clone().is_not_null(),
        };
        let taken = when(taken_condition, lit(true))
            .otherwise(lit(false))
            .map_err(|err| self.internal_span(a.span, &err.to_string()))?;
        let last = a.function == AggregateFunction::Last;
        let mut sort = vec![
            taken.clone().sort(last, false),
            order.clone().sort(true, false),
        ];
        let source = self.program.source(a.source);
        if let Some(key) = source.key_column()
            && order != ident(&key.name)
        {
            sort.push(ident(&key.name).sort(true, false));
        }
        let value = when(taken, value)
            .otherwise(lit(ScalarValue::Null))
            .map_err(|err| self.internal_span(a.span, &err.to_string()))?;
        Ok(if last {
            agg::last_value(value, sort)
        } else {
            agg::first_value(value, sort)
        })
    }

    /// A value to order by: enums by their declared position (not alphabetically), others as
    /// they are.
    pub(super) fn order_value(&self, e: &hir::Expr) -> Lowered {
        let lowered = self.lower(e)?;
        let Type::Enum(def) = &e.ty else {
            return Ok(lowered);
        };
        let mut positions = def.values.iter().enumerate();
        let Some((_, first)) = positions.next() else {
            return Ok(lowered);
        };
        let mut case = when(lowered.clone().eq(lit(first.as_str())), lit(0i64));
        for (i, value) in positions {
            case = case.when(lowered.clone().eq(lit(value.as_str())), lit(i as i64));
        }
        case.otherwise(lit(ScalarValue::Int64(None)))
            .map_err(|err| self.internal(e, &err.to_string()))
    }

    /// The enum value at a position computed by [`Self::order_value`].
    fn enum_at(&self, position: Expr, def: &crate::types::EnumDef, e: &hir::Expr) -> Lowered {
        let mut values = def.values.iter().enumerate();
        let Some((_, first)) = values.next() else {
            return Ok(lit(ScalarValue::Utf8(None)));
        };
        let mut case = when(position.clone().eq(lit(0i64)), lit(first.as_str()));
        for (i, value) in values {
            case = case.when(position.clone().eq(lit(i as i64)), lit(value.as_str()));
        }
        case.otherwise(lit(ScalarValue::Utf8(None)))
            .map_err(|err| self.internal(e, &err.to_string()))
    }

    fn internal_span(&self, span: crate::span::Span, message: &str) -> Diagnostic {
        Diagnostic::Internal(InternalDiagnostic::PlanFailed {
            span,
            message: message.to_string(),
        })
    }

    /// The value a definition computes.
    pub(super) fn definition(&self, def: DefId) -> Lowered {
        match def {
            DefId::Let(id) => self.lower(&self.program.lets[id.0].value),
            DefId::Segment(id) => self.condition(&self.program.segments[id.0].condition),
            DefId::Score(id) => self.score(&self.program.scores[id.0]),
            DefId::Tiers(id) => self.tiers(&self.program.tiers[id.0]),
            DefId::Quantile(id) => {
                let q = &self.program.quantiles[id.0];
                let ty = match q.function {
                    // The group among the boundaries found by the ranking pass.
                    QuantileFunction::Ntile(groups) => {
                        let key =
                            self.program.population().key_column().ok_or_else(|| {
                                self.internal(&q.value, "the population has no key")
                            })?;
                        return Ok(super::ranking::ntile_call(
                            groups,
                            crate::functions::RankOrder {
                                descending: q.descending,
                                ties_descending: q.ties_descending,
                            },
                            self.ranks.get(id),
                            self.order_value(&q.value)?,
                            ident(&key.name),
                        ));
                    }
                    // The window computed the rank; members with no value get none.
                    QuantileFunction::PercentRank => DataType::Float64,
                };
                when(
                    self.lower(&q.value)?.is_null(),
                    lit(ScalarValue::try_from(&ty)
                        .map_err(|err| self.internal(&q.value, &err.to_string()))?),
                )
                .otherwise(cast(ident(raw_name(q)), ty))
                .map_err(|err| self.internal(&q.value, &err.to_string()))
            }
        }
    }

    /// The window function computing a percent rank (to be renamed [`raw_name`]). Members with
    /// no value are ranked apart. (`ntile` groups need no window: see `ranking.rs`.)
    pub(super) fn quantile_window(&self, q: &hir::Quantile) -> Lowered {
        let value = self.order_value(&q.value)?;
        let ordered = value.clone().sort(!q.descending, true);
        // (Without a partition, DataFusion sorts in parallel but merges the wide rows on one
        // thread, which measured slower.)
        window::percent_rank()
            .partition_by(vec![value.is_null()])
            .order_by(vec![ordered])
            .build()
            .map_err(|err| self.internal(&q.value, &err.to_string()))
    }

    /// The sum of the points of the rules that hold (a null condition counts nothing).
    fn score(&self, score: &hir::Score) -> Lowered {
        let result = canonical_type(&score.ty);
        let points = |p: f64| match score.ty {
            Type::Int => lit(p as i64),
            _ => lit(p),
        };
        let mut total = points(0.0);
        for rule in &score.rules {
            let counted = match &rule.value {
                // A value counts nothing when it is null.
                Some(value) => {
                    let value = f::coalesce(vec![self.cast_to(value, &result)?, points(0.0)]);
                    match rule.points < 0.0 {
                        true => Expr::Negative(Box::new(value)),
                        false => value,
                    }
                }
                None => points(rule.points),
            };
            let term = when(self.lower(&rule.condition)?, counted)
                .otherwise(points(0.0))
                .map_err(|err| self.internal(&rule.condition, &err.to_string()))?;
            total = binary_expr(total, Operator::Plus, term);
        }
        Ok(total)
    }

    /// The name of the first tier whose condition holds (`else`, or null when none does).
    fn tiers(&self, tiers: &hir::Tiers) -> Lowered {
        let mut otherwise = lit(ScalarValue::Utf8(None));
        let mut cases = Vec::new();
        for arm in &tiers.arms {
            match &arm.condition {
                Some(c) => cases.push((self.lower(c)?, lit(arm.name.as_str()))),
                None => {
                    otherwise = lit(arm.name.as_str());
                    break;
                }
            }
        }
        let Some(((first_condition, first_value), rest)) = cases.split_first() else {
            return Ok(otherwise);
        };
        let mut case = when(first_condition.clone(), first_value.clone());
        for (condition, value) in rest {
            case = case.when(condition.clone(), value.clone());
        }
        case.otherwise(otherwise).map_err(|err| {
            Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span: tiers.span,
                message: err.to_string(),
            })
        })
    }

    /// A segment condition: null counts as false. Applied whatever the declared nullability says,
    /// so data holding nulls in a column declared without `?` still gives true or false.
    fn condition(&self, e: &hir::Expr) -> Lowered {
        Ok(super::common_conditions::is_true_call(self.lower(e)?))
    }

    fn internal(&self, e: &hir::Expr, message: &str) -> Diagnostic {
        Diagnostic::Internal(InternalDiagnostic::PlanFailed {
            span: e.span,
            message: message.to_string(),
        })
    }

    /// A per-member expression.
    pub(super) fn lower(&self, e: &hir::Expr) -> Lowered {
        Ok(match &e.kind {
            ExprKind::Aggregate(id) => self.aggregate_result(e, *id)?,
            ExprKind::Column { source, column } => {
                ident(&self.program.source(*source).columns[*column].name)
            }
            ExprKind::Lookup { path, column } => {
                let path = self.program.path(*path);
                ident(super::joins::joined_name(
                    self.program,
                    path.from,
                    path.to(),
                    *column,
                ))
            }
            ExprKind::Let(id) => ident(&self.program.lets[id.0].name),
            ExprKind::Segment(id) => ident(&self.program.segments[id.0].name),
            ExprKind::Score(id) => ident(&self.program.scores[id.0].name),
            ExprKind::Tier(id) => ident(&self.program.tiers[id.0].name),
            ExprKind::Quantile(id) => ident(&self.program.quantiles[id.0].name),
            ExprKind::Bucket { seed } => {
                let key = self
                    .program
                    .population()
                    .key_column()
                    .ok_or_else(|| self.internal(e, "the population has no key"))?;
                crate::functions::segc_bucket().call(vec![
                    lit(seed.as_str()),
                    cast(ident(&key.name), DataType::Utf8),
                ])
            }
            ExprKind::AsOf => lit(date_scalar(self.as_of)),
            ExprKind::Literal(value) => self.literal(e, value)?,
            ExprKind::Not(x) => Expr::Not(Box::new(self.lower(x)?)),
            ExprKind::Neg(x) => Expr::Negative(Box::new(self.lower(x)?)),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs)?,
            ExprKind::Elapsed { end, start } => {
                binary_expr(self.micros(end)?, Operator::Minus, self.micros(start)?)
            }
            ExprKind::Shift {
                value,
                by,
                backwards,
            } => {
                let mut base = self.lower(value)?;
                if e.ty == Type::Timestamp && value.ty == Type::Date {
                    base = cast(base, canonical_type(&Type::Timestamp));
                }
                let op = if *backwards {
                    Operator::Minus
                } else {
                    Operator::Plus
                };
                binary_expr(base, op, lit(interval(*by)))
            }
            ExprKind::InList {
                value,
                list,
                negated,
            } => {
                let target = alignment(std::iter::once(&**value).chain(list));
                let list = list
                    .iter()
                    .map(|x| self.aligned(x, &target))
                    .collect::<Result<Vec<_>, _>>()?;
                in_list(self.aligned(value, &target)?, list, *negated)
            }
            ExprKind::List(items) => {
                let target = alignment(items);
                let items = items
                    .iter()
                    .map(|x| self.aligned(x, &target))
                    .collect::<Result<Vec<_>, _>>()?;
                datafusion::functions_nested::expr_fn::make_array(items)
            }
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => {
                let target = alignment([&**value, &**low, &**high]);
                let (v, lo, hi) = (
                    self.aligned(value, &target)?,
                    self.aligned(low, &target)?,
                    self.aligned(high, &target)?,
                );
                if *negated {
                    v.not_between(lo, hi)
                } else {
                    v.between(lo, hi)
                }
            }
            ExprKind::IsNull { value, negated } => {
                let v = self.lower(value)?;
                if *negated {
                    v.is_not_null()
                } else {
                    v.is_null()
                }
            }
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                let ty = canonical_type(&e.ty);
                when(self.lower(condition)?, self.cast_to(then, &ty)?)
                    .otherwise(self.cast_to(otherwise, &ty)?)
                    .map_err(|err| self.internal(e, &err.to_string()))?
            }
            ExprKind::Call { function, args } => self.call(e, *function, args)?,
        })
    }

    /// The joined result of an aggregate: members without related rows count 0 (count, sum) or
    /// have no value (null: avg, min, max, first, last).
    fn aggregate_result(&self, e: &hir::Expr, id: AggregateId) -> Lowered {
        let name = self
            .aggregates
            .get(&id)
            .ok_or_else(|| self.internal(e, "aggregate not computed"))?;
        let column = ident(name);
        let function = self.program.aggregates[id.0].function;
        let ty = canonical_type(&e.ty);
        Ok(match function {
            AggregateFunction::Exists => column.gt(lit(0i64)).is_true(),
            AggregateFunction::Count
            | AggregateFunction::CountDistinct
            | AggregateFunction::Sum => {
                let zero =
                    ScalarValue::new_zero(&ty).map_err(|err| self.internal(e, &err.to_string()))?;
                f::coalesce(vec![cast(column, ty), lit(zero)])
            }
            AggregateFunction::Min | AggregateFunction::Max if matches!(e.ty, Type::Enum(_)) => {
                match &e.ty {
                    Type::Enum(def) => self.enum_at(column, def, e)?,
                    _ => cast(column, ty),
                }
            }
            _ => cast(column, ty),
        })
    }

    fn literal(&self, e: &hir::Expr, value: &Value) -> Lowered {
        Ok(match value {
            Value::Int(i) => lit(*i),
            Value::Float(x) => lit(*x),
            Value::String(s) => lit(s.as_str()),
            Value::Bool(b) => lit(*b),
            Value::Null => lit(ScalarValue::Null),
            Value::Date(d) => lit(date_scalar(*d)),
            Value::Timestamp(t) => lit(ScalarValue::TimestampMicrosecond(
                Some(t.and_utc().timestamp_micros()),
                None,
            )),
            Value::Duration(DurationValue::Fixed { micros }) => lit(*micros),
            Value::Duration(DurationValue::Calendar { .. }) => {
                return Err(self.internal(e, "a calendar duration outside date arithmetic"));
            }
        })
    }

    fn binary(&self, op: BinaryOp, lhs: &hir::Expr, rhs: &hir::Expr) -> Lowered {
        let operator = match op {
            BinaryOp::Concat => return self.concat_operator(lhs, rhs),
            BinaryOp::Or => Operator::Or,
            BinaryOp::And => Operator::And,
            BinaryOp::Eq => Operator::Eq,
            BinaryOp::NotEq => Operator::NotEq,
            BinaryOp::Lt => Operator::Lt,
            BinaryOp::LtEq => Operator::LtEq,
            BinaryOp::Gt => Operator::Gt,
            BinaryOp::GtEq => Operator::GtEq,
            BinaryOp::Add => Operator::Plus,
            BinaryOp::Sub => Operator::Minus,
            BinaryOp::Mul => Operator::Multiply,
            BinaryOp::Div => Operator::Divide,
            BinaryOp::Rem => Operator::Modulo,
        };
        let (l, r) = if op == BinaryOp::Div {
            // Dividing by zero gives null (so the member is in no segment that needs the value).
            let zero = lit(0.0f64);
            (
                self.cast_to(lhs, &DataType::Float64)?,
                f::nullif(self.cast_to(rhs, &DataType::Float64)?, zero),
            )
        } else if op == BinaryOp::Rem {
            let zero = lit(
                ScalarValue::new_zero(&canonical_type(&rhs.ty)).map_err(|e| {
                    Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                        span: rhs.span,
                        message: e.to_string(),
                    })
                })?,
            );
            (self.lower(lhs)?, f::nullif(self.lower(rhs)?, zero))
        } else if op.is_comparison() {
            let target = alignment([lhs, rhs]);
            (self.aligned(lhs, &target)?, self.aligned(rhs, &target)?)
        } else {
            (self.lower(lhs)?, self.lower(rhs)?)
        };
        Ok(binary_expr(l, operator, r))
    }

    /// `e` as the comparison's alignment wants it (see [`alignment`]).
    fn aligned(&self, e: &hir::Expr, target: &Alignment) -> Lowered {
        match (target, &e.kind) {
            (Alignment::Cast(t), _) if matches!(e.ty, Type::Date | Type::Decimal { .. }) => {
                Ok(cast(self.lower(e)?, t.clone()))
            }
            (Alignment::ExactDecimals, ExprKind::Literal(Value::Float(x))) => {
                Ok(exact_decimal(*x).map_or_else(|| lit(*x), lit))
            }
            _ => self.lower(e),
        }
    }

    fn cast_to(&self, e: &hir::Expr, ty: &DataType) -> Lowered {
        let lowered = self.lower(e)?;
        Ok(if canonical_type(&e.ty) == *ty {
            lowered
        } else {
            cast(lowered, ty.clone())
        })
    }

    /// A date or timestamp as microseconds since the epoch (Int64).
    fn micros(&self, e: &hir::Expr) -> Lowered {
        let lowered = self.lower(e)?;
        Ok(match e.ty {
            Type::Date => binary_expr(
                cast(cast(lowered, DataType::Int32), DataType::Int64),
                Operator::Multiply,
                lit(MICROS_PER_DAY),
            ),
            // Timestamps are microseconds already (their canonical type).
            _ => cast(lowered, DataType::Int64),
        })
    }

    /// Days since the epoch of a date or timestamp (Int64).
    fn days(&self, e: &hir::Expr) -> Lowered {
        let lowered = self.lower(e)?;
        let date = if e.ty == Type::Date {
            lowered
        } else {
            cast(lowered, DataType::Date32)
        };
        Ok(cast(cast(date, DataType::Int32), DataType::Int64))
    }

    fn part(&self, part: &str, e: &hir::Expr) -> Lowered {
        Ok(cast(
            f::date_part(lit(part), self.lower(e)?),
            DataType::Int64,
        ))
    }

    /// `year * 10000 + month * 100 + day`: whole years between two dates are the difference of
    /// these keys divided by 10000, truncated towards zero.
    fn year_key(&self, e: &hir::Expr) -> Lowered {
        Ok(binary_expr(
            binary_expr(
                binary_expr(self.part("year", e)?, Operator::Multiply, lit(10_000i64)),
                Operator::Plus,
                binary_expr(self.part("month", e)?, Operator::Multiply, lit(100i64)),
            ),
            Operator::Plus,
            self.part("day", e)?,
        ))
    }

    /// `(year * 12 + month) * 100 + day`: whole months between two dates are the difference of
    /// these keys divided by 100, truncated towards zero.
    fn month_key(&self, e: &hir::Expr) -> Lowered {
        Ok(binary_expr(
            binary_expr(
                binary_expr(
                    binary_expr(self.part("year", e)?, Operator::Multiply, lit(12i64)),
                    Operator::Plus,
                    self.part("month", e)?,
                ),
                Operator::Multiply,
                lit(100i64),
            ),
            Operator::Plus,
            self.part("day", e)?,
        ))
    }

    fn call(&self, e: &hir::Expr, function: Builtin, args: &[hir::Expr]) -> Lowered {
        let arg = |i: usize| -> Lowered {
            match args.get(i) {
                Some(a) => self.lower(a),
                None => Err(self.internal(e, "missing argument")),
            }
        };
        let first = args
            .first()
            .ok_or_else(|| self.internal(e, "missing argument"))?;
        let result = canonical_type(&e.ty);
        Ok(match function {
            Builtin::Lower => f::lower(arg(0)?),
            Builtin::Upper => f::upper(arg(0)?),
            Builtin::Trim => f::btrim(vec![arg(0)?]),
            Builtin::Length => cast(f::character_length(arg(0)?), DataType::Int64),
            Builtin::StartsWith => f::starts_with(arg(0)?, arg(1)?),
            Builtin::EndsWith => f::ends_with(arg(0)?, arg(1)?),
            Builtin::Contains => f::contains(arg(0)?, arg(1)?),
            Builtin::Matches => f::regexp_like(arg(0)?, arg(1)?, None),
            Builtin::Year => self.part("year", first)?,
            Builtin::Month => self.part("month", first)?,
            Builtin::Day => self.part("day", first)?,
            Builtin::Date => cast(arg(0)?, DataType::Date32),
            Builtin::DaysBetween => {
                let b = args
                    .get(1)
                    .ok_or_else(|| self.internal(e, "missing argument"))?;
                binary_expr(self.days(b)?, Operator::Minus, self.days(first)?)
            }
            Builtin::MonthsBetween => {
                let b = args
                    .get(1)
                    .ok_or_else(|| self.internal(e, "missing argument"))?;
                let difference =
                    binary_expr(self.month_key(b)?, Operator::Minus, self.month_key(first)?);
                binary_expr(difference, Operator::Divide, lit(100i64))
            }
            Builtin::YearsBetween => {
                let b = args
                    .get(1)
                    .ok_or_else(|| self.internal(e, "missing argument"))?;
                let difference =
                    binary_expr(self.year_key(b)?, Operator::Minus, self.year_key(first)?);
                binary_expr(difference, Operator::Divide, lit(10_000i64))
            }
            Builtin::Abs => f::abs(arg(0)?),
            // Integers are whole already: through a float, `round(n) == n` was false beyond
            // 2^53, and near i64::MAX the cast back failed.
            Builtin::Round | Builtin::Floor | Builtin::Ceil
                if first.ty == Type::Int && !negative_digits(args.get(1)) =>
            {
                arg(0)?
            }
            Builtin::Round => {
                let mut round_args = vec![self.cast_to(first, &DataType::Float64)?];
                if args.len() > 1 {
                    round_args.push(arg(1)?);
                }
                cast(f::round(round_args), result)
            }
            Builtin::Floor => cast(f::floor(self.cast_to(first, &DataType::Float64)?), result),
            Builtin::Ceil => cast(f::ceil(self.cast_to(first, &DataType::Float64)?), result),
            Builtin::Coalesce => f::coalesce(
                args.iter()
                    .map(|a| self.cast_to(a, &result))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Builtin::Concat
            | Builtin::ToText
            | Builtin::Lpad
            | Builtin::Left
            | Builtin::Substring => self.text_call(e, function, args)?,
            Builtin::Size
            | Builtin::ListContains
            | Builtin::ListContainsAny
            | Builtin::ListContainsAll => {
                let item = first.ty.list_item().map(canonical_type);
                let items = args[1..]
                    .iter()
                    .map(|a| match &item {
                        Some(t) => self.cast_to(a, t),
                        None => self.lower(a),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                super::lists::list_call(function, arg(0)?, items)
                    .ok_or_else(|| self.internal(e, "not a list function"))?
            }
        })
    }
}

/// Float literals below this magnitude fit the decimal DataFusion compares decimals with floats
/// as (`Decimal128(30, 15)`).
const DECIMAL_COMPARABLE: f64 = 1e15;

/// How the operands of a comparison are brought to one type.
enum Alignment {
    /// As they are (DataFusion coerces them).
    AsIs,
    /// Dates and decimals cast to this type (timestamps; floats).
    Cast(DataType),
    /// Decimals compared with float literals: each literal as the decimal it is written as.
    /// Through a float, `1234567890.12` was `1234567890.119999885…` and equality failed.
    ExactDecimals,
}

/// How a comparison's operands are aligned: timestamps when dates meet timestamps; when
/// decimals meet floats (typed float by the checker), exact decimals if the floats are literals
/// of less than 1e15, else floats (a larger literal failed to plan as DataFusion's decimal,
/// E0901; a float column would fail at run time).
fn alignment<'e>(exprs: impl IntoIterator<Item = &'e hir::Expr>) -> Alignment {
    let exprs: Vec<&hir::Expr> = exprs.into_iter().collect();
    let has = |t: fn(&Type) -> bool| exprs.iter().any(|e| t(&e.ty));
    if has(|t| *t == Type::Date) && has(|t| *t == Type::Timestamp) {
        return Alignment::Cast(canonical_type(&Type::Timestamp));
    }
    if !(has(|t| *t == Type::Float) && has(|t| matches!(t, Type::Decimal { .. }))) {
        return Alignment::AsIs;
    }
    let literal = |e: &hir::Expr| matches!(e.kind, ExprKind::Literal(Value::Float(x)) if x.abs() < DECIMAL_COMPARABLE);
    if exprs
        .iter()
        .filter(|e| e.ty == Type::Float)
        .all(|e| literal(e))
    {
        Alignment::ExactDecimals
    } else {
        Alignment::Cast(DataType::Float64)
    }
}

/// `x` as the decimal its shortest text is (`99.99` → `Decimal128(9999, 4, 2)`): the literal as
/// written, for the literals a float holds exactly enough to print back. `None` beyond 38 digits.
fn exact_decimal(x: f64) -> Option<ScalarValue> {
    let text = format!("{x}");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all = format!("{whole}{fraction}");
    let value: i128 = all.parse().ok()?;
    let scale = i8::try_from(fraction.len()).ok()?;
    let precision = u8::try_from(all.len().max(fraction.len() + 1)).ok()?;
    (precision <= 38).then(|| ScalarValue::Decimal128(Some(sign * value), precision, scale))
}

/// Whether `round`'s digits argument may be negative (rounding an integer to tens, hundreds).
fn negative_digits(digits: Option<&hir::Expr>) -> bool {
    match digits.map(|d| &d.kind) {
        None => false,
        Some(ExprKind::Literal(Value::Int(d))) => *d < 0,
        Some(_) => true,
    }
}

/// The column a quantile's window writes its raw rank to.
pub(super) fn raw_name(q: &hir::Quantile) -> String {
    format!("{}_raw", q.name)
}
