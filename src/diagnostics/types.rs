//! Problems with types and expressions (`E04xx`): values of the wrong type, operators, function
//! calls, aggregates and quantiles used where they cannot be.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;
use crate::types::Type;

/// A problem with the types of an expression or the shape of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDiagnostic {
    /// A value of the wrong type where a specific kind was needed.
    ExpectedType {
        /// What was needed, in words (`a condition (bool)`, `a number`).
        expected: &'static str,
        /// What was found.
        found: Type,
        /// The value.
        span: Span,
        /// Where it stands.
        context: Context,
    },
    /// Two operands that cannot be combined with an operator.
    OperandTypes {
        /// The operator as written.
        op: &'static str,
        /// Where the operator stands (or the item, inside lists and ranges).
        op_span: Span,
        /// Left type.
        lhs: Type,
        /// Right type.
        rhs: Type,
        /// Left operand.
        lhs_span: Span,
        /// Right operand.
        rhs_span: Span,
    },
    /// A string that is not among an enum's declared values.
    UnknownEnumValue {
        /// The string.
        value: String,
        /// Where it stands.
        span: Span,
        /// The enum definition (owner, values, declaration span).
        owner: String,
        /// Where the enum is declared.
        declared: Span,
        /// Close declared values.
        candidates: Vec<String>,
    },
    /// Values that cannot stand together (branches of `if`, `coalesce` arguments).
    IncompatibleValues {
        /// The first type.
        first: Type,
        /// The first value.
        first_span: Span,
        /// The other type.
        other: Type,
        /// The other value.
        other_span: Span,
        /// Where (`if` branches, `coalesce`, a list).
        context: &'static str,
    },
    /// A function called with the wrong number of arguments.
    ArgumentCount {
        /// The function.
        function: String,
        /// What it takes, in words (`2`, `1 or 2`, `at least 1`).
        expected: &'static str,
        /// What was given.
        found: usize,
        /// The call.
        span: Span,
    },
    /// `x == null`, `x < null`, `x in [null]`: comparing with null is never true.
    NullComparison {
        /// The comparison.
        span: Span,
        /// The operator as written (`==`, `!=`, `<`, ..., `in`, `not in`).
        op: &'static str,
    },
    /// A duration in months or years used as a length of time.
    CalendarDuration {
        /// The literal.
        span: Span,
    },
    /// A list used anywhere but right of `in`, as the items of `contains_any` or
    /// `contains_all`, or as the value of a `let`.
    MisplacedList {
        /// The list.
        span: Span,
    },
    /// Right of `in`, a name that is not a `let` of a list.
    NotAList {
        /// `in` or `not in`.
        operator: &'static str,
        /// What the name is.
        found: Type,
        /// The name.
        span: Span,
    },
    /// An item of a `let` of a list that is not a constant (a column, an aggregate, another list).
    VaryingListItem {
        /// The item.
        span: Span,
        /// Whether the item is itself a list.
        list: bool,
    },
    /// Enum ordering comparison with a value that is not a literal.
    EnumOrdering {
        /// The comparison.
        span: Span,
    },
    /// An aggregate whose argument names no related source.
    AggregateNeedsSource {
        /// The aggregate.
        function: String,
        /// The argument.
        span: Span,
        /// A source of many rows per member the rules declare, and its column named like the
        /// argument if it has one: the example of the help.
        related: Option<(String, Option<String>)>,
    },
    /// `sum(orders)`: an aggregate other than `count`/`exists` needs a value.
    AggregateNeedsValue {
        /// The aggregate.
        function: String,
        /// The argument.
        span: Span,
    },
    /// An aggregate over the population itself.
    AggregateOverPopulation {
        /// The population.
        population: String,
        /// The argument.
        span: Span,
    },
    /// An aggregate inside another aggregate.
    NestedAggregate {
        /// The inner aggregate.
        span: Span,
    },
    /// `where` or `by` on a function that does not take it.
    MisplacedClause {
        /// The function.
        function: String,
        /// `where`, `by`, `asc`, `desc` or `ties by`.
        clause: &'static str,
        /// The clause's expression.
        span: Span,
    },
    /// `ties by NAME` where NAME is not the population key.
    TiesNotByKey {
        /// The name written.
        name: String,
        /// The population's key column.
        key: Option<String>,
        /// The name.
        span: Span,
    },
    /// `first` or `last` without `by`.
    MissingOrder {
        /// The aggregate.
        function: String,
        /// The call.
        span: Span,
    },
    /// `ntile` whose group count is not a whole number literal from 2 to 1000.
    QuantileGroups {
        /// The count argument.
        span: Span,
    },
    /// A quantile inside an aggregate.
    QuantileInAggregate {
        /// The quantile.
        span: Span,
    },
}

/// Where a value of the wrong type was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Context {
    /// The condition of segment `name`.
    SegmentCondition(String),
    /// An operand of `and`, `or` or `not`.
    Logic(&'static str),
    /// The condition of an `if`.
    IfCondition,
    /// An operand of an arithmetic operator.
    Arithmetic(&'static str),
    /// The condition of a tier or of a score rule (`"tier"`, `"score rule"`).
    Rule(&'static str),
    /// The `where` clause of an aggregate.
    Filter(&'static str),
    /// The `by` clause of `first` or `last`.
    Order(&'static str),
    /// Argument `index` (0-based) of function `name`.
    Argument {
        /// Function name.
        function: String,
        /// 0-based position.
        index: usize,
    },
    /// A duration was expected (e.g. right of `date - ...`).
    Duration,
    /// The value of a score rule's points (`+ (spend / 100) when ...`).
    ScorePoints,
}

impl TypeDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use TypeDiagnostic::*;
        match self {
            ExpectedType {
                expected,
                found,
                span,
                context,
            } => d
                .code(E0401)
                .message(|| context.expected(expected, &a(found)))
                .at(*span)
                .primary_label(|| format!("this is {}", a(found)))
                .help(|| match context {
                    Context::SegmentCondition(_) => {
                        Some("a segment is a condition: compare the value, e.g. `x > 0`".into())
                    }
                    Context::ScorePoints => Some(
                        "points count a number: `+ (spend_12m / 100) when ...`; to count a condition, write `+1 when CONDITION`"
                            .into(),
                    ),
                    _ => None,
                }),
            OperandTypes {
                op,
                op_span,
                lhs,
                rhs,
                lhs_span,
                rhs_span,
            } => d
                .code(E0402)
                .message(|| format!("cannot apply `{op}` to {} and {}", a(lhs), a(rhs)))
                .at(*op_span)
                .label(*lhs_span, || format!("this is {}", a(lhs)))
                .label(*rhs_span, || format!("this is {}", a(rhs)))
                .help(|| {
                    if *op == "||" {
                        Some(concat_help(lhs, rhs).to_string())
                    } else {
                        operand_help(lhs, rhs).map(str::to_string)
                    }
                }),
            UnknownEnumValue {
                value,
                span,
                owner,
                declared,
                candidates,
            } => d
                .code(E0403)
                .message(|| format!("\"{value}\" is not a declared value of `{owner}`"))
                .at(*span)
                .primary_label(|| "not a declared value")
                .label(*declared, || "values declared here")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        if owner.contains('.') {
                            "add the value to the enum's declaration".into()
                        } else {
                            format!("the tiers of `{owner}` are named in its declaration")
                        }
                    })
                }),
            IncompatibleValues {
                first,
                first_span,
                other,
                other_span,
                context,
            } => d
                .code(E0404)
                .message(|| format!("{context} mixes {} and {}", a(first), a(other)))
                .at(*other_span)
                .primary_label(|| format!("this is {}", a(other)))
                .label(*first_span, || format!("this is {}", a(first))),
            ArgumentCount {
                function,
                expected,
                found,
                span,
            } => d
                .code(E0405)
                .message(|| {
                    let plural = if expected.ends_with(" 1") || *expected == "1" {
                        ""
                    } else {
                        "s"
                    };
                    format!("`{function}` takes {expected} argument{plural}, {found} given")
                })
                .at(*span),
            NullComparison { span, op } => d
                .code(E0406)
                .message(|| format!("`{op} null` is never true"))
                .at(*span)
                .help(|| match *op {
                    "!=" | "not in" => "use `is not null`",
                    "==" | "in" => "use `is null`",
                    _ => "nothing compares with null; test `is null` or use `coalesce(x, default)`",
                }),
            CalendarDuration { span } => d
                .code(E0407)
                .message(|| "months and years have no fixed length")
                .at(*span)
                .primary_label(|| "not a fixed length of time")
                .help(|| {
                    "compare dates instead: `signup_at > as_of - 12 months`, or use days or weeks"
                }),
            MisplacedList { span } => d
                .code(E0408)
                .message(|| "a list can only stand right of `in`, in `contains_any` or `contains_all`, or as the value of a `let`")
                .at(*span)
                .help(|| "test membership with `x in [a, b]`, or name the list: `let eu = [\"FR\", \"DE\"]` then `country in eu`"),
            NotAList {
                operator,
                found,
                span,
            } => d
                .code(E0418)
                .message(|| format!("`{operator}` needs a list, not {}", a(found)))
                .at(*span)
                .help(|| "write the values in brackets, `x in [a, b]`, or name a `let` of a list: `let eu = [\"FR\", \"DE\"]`"),
            VaryingListItem { span, list } => d
                .code(E0419)
                .message(|| "the items of a listed `let` must be constants")
                .at(*span)
                .primary_label(|| {
                    if *list {
                        "this is a list: lists do not nest"
                    } else {
                        "this is not the same for every member"
                    }
                })
                .help(|| "a list holds literals and constant `let`s (numbers, text, dates); test columns where they are used"),
            EnumOrdering { span } => d
                .code(E0409)
                .message(|| "enum values can only be ordered against a literal")
                .at(*span)
                .help(|| "enum values are ordered as declared; compare with a quoted value"),
            AggregateNeedsSource {
                function,
                span,
                related: Some((source, column)),
            } => d
                .code(E0410)
                .message(|| format!("`{function}` needs a source related to the population"))
                .at(*span)
                .help(|| match (function.as_str(), column) {
                    ("exists", Some(column)) => format!(
                        "`exists` takes a related source and a condition: `exists({source} where {column} ...)`"
                    ),
                    ("exists", None) => format!(
                        "`exists` takes a related source and a condition: `exists({source} where ...)`"
                    ),
                    ("count", None) => format!(
                        "name the source or qualify a column: `count({source})`, or `count({source}.COLUMN)` for its rows where COLUMN is not null"
                    ),
                    (_, Some(column)) => format!(
                        "`{column}` is a column of `{source}`: qualify it, `{function}({source}.{column})`"
                    ),
                    (_, None) => format!(
                        "aggregates take the rows of a related source: qualify the value with its source, `{function}({source}.COLUMN)`; a column of the population is used as is, without an aggregate"
                    ),
                }),
            AggregateNeedsSource {
                function, span, ..
            } => d
                .code(E0410)
                .message(|| format!("`{function}` needs a source related to the population"))
                .at(*span)
                .help(|| match function.as_str() {
                    "exists" => "`exists` takes a related source and a condition: `exists(orders where amount > 100)`"
                        .into(),
                    "first" | "last" => format!(
                        "qualify the value with its source: `{function}(orders.channel by ordered_at)`"
                    ),
                    "count" => "name the source or qualify a column: `count(orders)`, `count(orders.coupon)`"
                        .into(),
                    _ => format!(
                        "a column of the population is used as is, without `{function}`; aggregates take the rows of another source that references the population (declare one with a `... references` column)"
                    ),
                }),
            AggregateNeedsValue { function, span } => d
                .code(E0411)
                .message(|| format!("`{function}` needs a value to aggregate, not a whole source"))
                .at(*span)
                .help(|| format!("aggregate a column: `{function}(orders.amount)`")),
            AggregateOverPopulation { population, span } => d
                .code(E0412)
                .message(|| {
                    format!("aggregates take related sources, not the population `{population}`")
                })
                .at(*span)
                .help(|| "segments are evaluated per member; use the member's columns directly"),
            NestedAggregate { span } => d
                .code(E0413)
                .message(|| "aggregates cannot be nested")
                .at(*span)
                .help(|| {
                    "an aggregate takes the related rows of one member; put row conditions in its `where`: `count(orders where amount > 100)`"
                }),
            TiesNotByKey { name, key, span } => d
                .code(E0420)
                .message(|| format!("ties are broken by the population key, not by `{name}`"))
                .at(*span)
                .help(|| match key {
                    Some(key) => format!(
                        "write `ties by key desc` or `ties by key asc` (`key` names the population's key, `{key}`)"
                    ),
                    None => "write `ties by key desc` or `ties by key asc`".to_string(),
                }),
            MisplacedClause {
                function,
                clause,
                span,
            } => d
                .code(E0414)
                .message(|| format!("`{function}` takes no `{clause}` clause"))
                .at(*span)
                .help(|| match *clause {
                    "by" => "only `first` and `last` take `by`",
                    "where" => "only aggregates take `where`",
                    "ties by" if function == "percent_rank" => {
                        "`percent_rank` gives equal values the same rank: there are no ties to break"
                    }
                    "ties by" => "only quantile groups (`ntile`, `quintile`, `decile`) take `ties by`",
                    "including future" => {
                        "only aggregates over a source with an event time take `including future`"
                    }
                    _ => "only quantiles (`ntile`, `quintile`, `decile`, `percent_rank`) take `asc` or `desc`",
                }),
            MissingOrder { function, span } => d
                .code(E0415)
                .message(|| format!("`{function}` needs an order: `by ...`"))
                .at(*span)
                .help(|| {
                    format!(
                        "say which row comes {}: `{function}(orders.channel by ordered_at)`",
                        if function == "first" { "first" } else { "last" }
                    )
                }),
            QuantileGroups { span } => d
                .code(E0416)
                .message(|| "the number of groups must be a whole number from 2 to 1000")
                .at(*span)
                .help(|| "for example `ntile(4, spend)` for quartiles"),
            QuantileInAggregate { span } => d
                .code(E0417)
                .message(|| "quantiles cannot be used inside an aggregate")
                .at(*span)
                .help(|| {
                    "quantiles rank members; rank an aggregate instead: `quintile(sum(orders.amount))`"
                }),
        }
    }
}

impl Context {
    /// The message of E0401: `expected` was needed here, `found` was given.
    fn expected(&self, expected: &str, found: &str) -> String {
        match self {
            Context::SegmentCondition(name) => {
                format!("segment `{name}` must be {expected}, but this is {found}")
            }
            Context::Logic("not") => format!("`not` needs {expected}, but this is {found}"),
            Context::Logic(op) => {
                format!("both sides of `{op}` must be {expected}, but this is {found}")
            }
            Context::IfCondition => {
                format!("the condition of `if` must be {expected}, but this is {found}")
            }
            Context::Arithmetic(op) => format!("`{op}` needs {expected}, but this is {found}"),
            Context::Rule(what) => {
                format!("the condition of a {what} must be {expected}, but this is {found}")
            }
            Context::Filter(function) => {
                format!("the `where` of `{function}` must be {expected}, but this is {found}")
            }
            Context::Order(function) => {
                format!("the `by` of `{function}` must be {expected}, but this is {found}")
            }
            Context::Argument { function, index } => format!(
                "argument {} of `{function}` must be {expected}, but this is {found}",
                index + 1
            ),
            Context::Duration => {
                "dates and timestamps can only be moved by a duration literal such as `30 days`"
                    .to_string()
            }
            Context::ScorePoints => {
                format!("the points of a score rule must be {expected}, but this is {found}")
            }
        }
    }
}

/// "a string", "an int", "null".
fn a(ty: &Type) -> String {
    let text = ty.to_string();
    match ty {
        Type::Null => "null".into(),
        Type::Error => "a value of unknown type".into(),
        _ if text.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {text}"),
        _ => format!("a {text}"),
    }
}

/// What `||` takes, for operands it does not.
fn concat_help(lhs: &Type, rhs: &Type) -> &'static str {
    if *lhs == Type::Bool && *rhs == Type::Bool {
        "`||` joins texts; for either condition, write `or`"
    } else if *lhs == Type::Bool || *rhs == Type::Bool {
        "`||` joins texts, numbers and dates, before comparisons: for either condition, write `or`; for a condition as text, `to_text(x)`"
    } else {
        "`||` joins texts, numbers and dates; write a duration as a number first, e.g. `days_between(a, b)`"
    }
}

/// How to combine two types that an operator does not take, when there is a usual way.
fn operand_help(lhs: &Type, rhs: &Type) -> Option<&'static str> {
    use Type::*;
    match (lhs, rhs) {
        (Date | Timestamp, Int | Float) | (Int | Float, Date | Timestamp) => Some(
            "add or subtract durations to dates (`as_of - 30 days`); `days_between(a, b)` gives a number",
        ),
        (Duration, Int | Float) | (Int | Float, Duration) => {
            Some("compare durations with durations: `tenure < 90 days`")
        }
        (String | Enum(_), Int | Float | Decimal { .. })
        | (Int | Float | Decimal { .. }, String | Enum(_)) => {
            Some("numbers and text do not mix; check the declared types")
        }
        _ => None,
    }
}
