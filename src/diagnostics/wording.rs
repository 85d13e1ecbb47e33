//! Every word segc says about a problem: codes, messages, labels and help, in one place.

use super::{Context, Diagnostic, Label, NameKind, SyntaxHint, TypeArgumentProblem};
use crate::span::Span;
use crate::types::Type;

impl Diagnostic {
    /// The stable code, e.g. `E0201`. Listed in `docs/errors.md`.
    pub fn code(&self) -> &'static str {
        use Diagnostic::*;
        match self {
            Syntax { .. } => "E0101",
            UnterminatedString { .. } => "E0102",
            NumberTooLarge { .. } => "E0103",
            InvalidDate { .. } => "E0104",
            InvalidEscape { .. } => "E0105",
            StrayText { .. } => "E0106",
            FutureItem { .. } => "E0107",
            TooDeep { .. } => "E0108",
            UnknownName { .. } => "E0201",
            UnknownColumn { .. } => "E0202",
            UnknownFunction { .. } => "E0203",
            DuplicateName { .. } => "E0204",
            ReservedName { .. } => "E0205",
            NotPopulationColumn { .. } => "E0206",
            BadQualifiedName { .. } => "E0207",
            NotInAggregateSource { .. } => "E0208",
            MissingLink { .. } => "E0209",
            AmbiguousLink { .. } => "E0210",
            UnknownType { .. } => "E0301",
            BadTypeArguments { .. } => "E0302",
            UnknownFormat { .. } => "E0303",
            MissingKey { .. } => "E0304",
            MultipleKeys { .. } => "E0305",
            NullableKey { .. } => "E0306",
            MissingPopulation { .. } => "E0307",
            NoSource => "E0308",
            DuplicatePopulation { .. } => "E0309",
            UnknownOption { .. } => "E0310",
            BadOptionValue { .. } => "E0311",
            BadVariable { .. } => "E0312",
            EmptySource { .. } => "E0313",
            ReferenceType { .. } => "E0314",
            ExpectedType { .. } => "E0401",
            OperandTypes { .. } => "E0402",
            UnknownEnumValue { .. } => "E0403",
            IncompatibleValues { .. } => "E0404",
            ArgumentCount { .. } => "E0405",
            NullComparison { .. } => "E0406",
            CalendarDuration { .. } => "E0407",
            MisplacedList { .. } => "E0408",
            EnumOrdering { .. } => "E0409",
            AggregateNeedsSource { .. } => "E0410",
            AggregateNeedsValue { .. } => "E0411",
            AggregateOverPopulation { .. } => "E0412",
            NestedAggregate { .. } => "E0413",
            MisplacedClause { .. } => "E0414",
            MissingOrder { .. } => "E0415",
            QuantileGroups { .. } => "E0416",
            QuantileInAggregate { .. } => "E0417",
            Cycle { .. } => "E0501",
            ElseNotLast { .. } => "E0502",
            BadShare { .. } => "E0504",
            SplitShares { .. } => "E0505",
            EmptySeed { .. } => "E0506",
            UnreachableTier { .. } => "W0501",
            TiersWithoutElse { .. } => "W0502",
            TierShadows { .. } => "W0503",
            UnknownUnit { .. } => "E0601",
            FractionalCalendarUnit { .. } => "E0602",
            PercentOutOfRange { .. } => "E0603",
            InvalidRegex { .. } => "E0604",
            DurationTooLong { .. } => "E0605",
            DataNotFound { .. } => "E0701",
            ColumnNotInData { .. } => "E0702",
            ColumnTypeMismatch { .. } => "E0703",
            UnsetVariable { .. } => "E0704",
            UnsupportedLocation { .. } => "E0705",
            DataError { .. } => "E0706",
            UnreadableData { .. } => "E0707",
            OutputFailed { .. } => "E0708",
            EngineFailed { .. } => "E0709",
            MissingKeyValue { .. } => "E0710",
            CsvColumnsDiffer { .. } => "E0712",
            RepeatedKey { .. } => "E0711",
            InvalidVar { .. } => "E0801",
            UnknownSelectedSegment { .. } => "E0802",
            FileUnreadable { .. } => "E0803",
            Internal { .. } => "E0901",
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        use Diagnostic::*;
        match self {
            Syntax {
                expected, found, ..
            } => {
                let found = match found {
                    Some(text) => format!("found `{text}`"),
                    None => "found the end of the item".to_string(),
                };
                if expected.is_empty() {
                    format!("unexpected text: {found}")
                } else {
                    format!("expected {}, {found}", one_of(expected))
                }
            }
            UnterminatedString { .. } => "this string is not closed".into(),
            NumberTooLarge { .. } => "this number is too large".into(),
            InvalidDate { text, .. } => format!("`{text}` is not a valid date or timestamp"),
            InvalidEscape { escape, .. } => format!("unknown escape `{escape}` in string"),
            StrayText { found, .. } => format!("`{found}` does not start an item"),
            TooDeep { .. } => "this item is nested too deeply".into(),
            FutureItem { keyword, .. } => {
                format!("`{keyword}` items are not supported by this version of segc")
            }
            UnknownName { kind, name, .. } => format!("unknown {} `{name}`", kind_word(*kind)),
            UnknownColumn { source, name, .. } => {
                format!("source `{source}` has no column `{name}`")
            }
            UnknownFunction { name, .. } => format!("unknown function `{name}`"),
            DuplicateName { kind, name, .. } => {
                format!("{} `{name}` is declared twice", kind_word(*kind))
            }
            ReservedName { name, .. } => format!("`{name}` is a built-in name"),
            NotPopulationColumn {
                name, population, ..
            } => format!("`{name}` is not a column of the population `{population}`"),
            BadQualifiedName { .. } => "only `source.column` names can be qualified".into(),
            NotInAggregateSource { name, source, .. } => {
                format!("`{name}` is not a column of `{source}`, the source being aggregated")
            }
            MissingLink {
                source, population, ..
            } => format!("`{source}` is not linked to the population `{population}`"),
            AmbiguousLink {
                source, population, ..
            } => format!("`{source}` has several columns referencing `{population}`"),
            AggregateNeedsSource { function, .. } => {
                format!("`{function}` needs a source related to the population")
            }
            AggregateNeedsValue { function, .. } => {
                format!("`{function}` needs a value to aggregate, not a whole source")
            }
            AggregateOverPopulation { population, .. } => {
                format!("aggregates take related sources, not the population `{population}`")
            }
            NestedAggregate { .. } => "aggregates cannot be nested".into(),
            MisplacedClause {
                function, clause, ..
            } => format!("`{function}` takes no `{clause}` clause"),
            MissingOrder { function, .. } => format!("`{function}` needs an order: `by ...`"),
            QuantileGroups { .. } => {
                "the number of groups must be a whole number from 2 to 1000".into()
            }
            QuantileInAggregate { .. } => "quantiles cannot be used inside an aggregate".into(),
            UnknownType { name, .. } => format!("unknown type `{name}`"),
            BadTypeArguments {
                type_name, problem, ..
            } => match problem {
                TypeArgumentProblem::Unexpected => format!("`{type_name}` takes no arguments"),
                TypeArgumentProblem::Missing => format!("`{type_name}` needs arguments"),
                TypeArgumentProblem::DecimalRange => {
                    "decimal precision and scale are out of range".into()
                }
                TypeArgumentProblem::DecimalShape => {
                    "`decimal` takes a precision and a scale, two whole numbers".into()
                }
                TypeArgumentProblem::EnumValueNotString => "enum values must be strings".into(),
                TypeArgumentProblem::DuplicateEnumValue(value) => {
                    format!("enum value \"{value}\" is listed twice")
                }
            },
            UnknownFormat { name, .. } => format!("unknown data format `{name}`"),
            MissingKey { source, .. } => format!("population source `{source}` has no key"),
            MultipleKeys { .. } => "a source has one key column at most".into(),
            NullableKey { .. } => "a key column cannot be nullable".into(),
            MissingPopulation { .. } => "no `population` is declared".into(),
            NoSource => "no source is declared".into(),
            DuplicatePopulation { .. } => "`population` is declared twice".into(),
            UnknownOption { name, format, .. } => {
                format!("unknown {format} option `{name}`")
            }
            BadOptionValue { name, expected, .. } => {
                format!("option `{name}` takes {expected}")
            }
            BadVariable { text, .. } => format!("malformed variable reference `{text}`"),
            EmptySource { .. } => "this source declares no column".into(),
            ReferenceType {
                column,
                declared,
                key,
                key_type,
                ..
            } => format!("`{column}` is {declared} but references `{key}`, which is {key_type}"),
            ExpectedType {
                expected,
                found,
                context,
                ..
            } => {
                let found = a(found);
                match context {
                    Context::SegmentCondition(name) => {
                        format!("segment `{name}` must be {expected}, but this is {found}")
                    }
                    Context::Logic("not") => {
                        format!("`not` needs {expected}, but this is {found}")
                    }
                    Context::Logic(op) => {
                        format!("both sides of `{op}` must be {expected}, but this is {found}")
                    }
                    Context::IfCondition => {
                        format!("the condition of `if` must be {expected}, but this is {found}")
                    }
                    Context::Arithmetic(op) => format!("`{op}` needs {expected}, but this is {found}"),
                    Context::Rule(what) => format!(
                        "the condition of a {what} must be {expected}, but this is {found}"
                    ),
                    Context::Filter(function) => format!(
                        "the `where` of `{function}` must be {expected}, but this is {found}"
                    ),
                    Context::Order(function) => format!(
                        "the `by` of `{function}` must be {expected}, but this is {found}"
                    ),
                    Context::Argument {
                        function, index, ..
                    } => format!(
                        "argument {} of `{function}` must be {expected}, but this is {found}",
                        index + 1
                    ),
                    Context::Duration => {
                        "dates and timestamps can only be moved by a duration literal such as `30 days`"
                            .to_string()
                    }
                }
            }
            OperandTypes { op, lhs, rhs, .. } => {
                format!("cannot apply `{op}` to {} and {}", a(lhs), a(rhs))
            }
            UnknownEnumValue { value, owner, .. } => {
                format!("\"{value}\" is not a declared value of `{owner}`")
            }
            IncompatibleValues {
                first,
                other,
                context,
                ..
            } => format!("{context} mixes {} and {}", a(first), a(other)),
            ArgumentCount {
                function,
                expected,
                found,
                ..
            } => format!(
                "`{function}` takes {expected} argument{}, {found} given",
                if expected.ends_with(" 1") || *expected == "1" {
                    ""
                } else {
                    "s"
                }
            ),
            NullComparison { op, .. } => format!("`{op} null` is never true"),
            CalendarDuration { .. } => "months and years have no fixed length".into(),
            MisplacedList { .. } => "a list can only stand right of `in`".into(),
            EnumOrdering { .. } => "enum values can only be ordered against a literal".into(),
            Cycle { chain } => {
                let names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
                match names.as_slice() {
                    [one] => format!("`{one}` is defined in terms of itself"),
                    _ => format!(
                        "cyclic definitions: {} → {}",
                        names.join(" → "),
                        names.first().copied().unwrap_or_default()
                    ),
                }
            }
            ElseNotLast { .. } => "`else` must be the last tier".into(),
            BadShare { what, .. } => {
                format!("the share of {what} must be a percentage above 0% and below 100%")
            }
            SplitShares { total, groups, .. } if *groups < 2 => {
                format!("a split needs at least two groups (total {total}%)")
            }
            SplitShares { total, .. } => {
                format!("the groups of a split must add up to 100%, not {total}%")
            }
            EmptySeed { .. } => "the seed is empty".into(),
            UnreachableTier { tier, earlier, .. } => match earlier {
                Some((name, _)) => format!(
                    "tier `{tier}` is never chosen: `{name}` comes first and takes all its members"
                ),
                None => format!("tier `{tier}` is never chosen: its condition can never hold"),
            },
            TiersWithoutElse { name, .. } => {
                format!("tiers `{name}` have no `else`: some members may get no tier")
            }
            TierShadows { tier, .. } => {
                format!("tier `{tier}` has the name of another definition")
            }
            UnknownUnit { unit, .. } => format!("unknown duration unit `{unit}`"),
            FractionalCalendarUnit { .. } => "months and years must be whole numbers".into(),
            PercentOutOfRange { .. } => "a percentage must be between 0% and 100%".into(),
            InvalidRegex { message, .. } => format!("invalid regular expression: {message}"),
            DurationTooLong { .. } => "this duration is too long".into(),
            DataNotFound { location, .. } => format!("no data found at `{location}`"),
            ColumnNotInData { source, column, .. } => {
                format!("column `{column}` of `{source}` is not in the data")
            }
            ColumnTypeMismatch {
                column,
                declared,
                found,
                ..
            } => format!("column `{column}` is declared {declared} but the data holds {found}"),
            UnsetVariable { name, .. } => format!("variable `{name}` is not set"),
            UnsupportedLocation { scheme, .. } => {
                format!("`{scheme}://` locations cannot be read by this build of segc")
            }
            DataError { message, .. } => format!("reading the data failed: {message}"),
            UnreadableData { message, .. } => format!("cannot read the data's schema: {message}"),
            OutputFailed { path, message } => format!("cannot write `{path}`: {message}"),
            EngineFailed { message } => format!("cannot start the query engine: {message}"),
            MissingKeyValue { .. } => "some members have an empty key".into(),
            CsvColumnsDiffer { file, .. } => {
                format!("`{file}` does not have the same columns as the other files")
            }
            RepeatedKey { value, .. } => format!("the key `{value}` is on several rows"),
            InvalidVar { argument, problem } => format!("invalid --var `{argument}`: {problem}"),
            UnknownSelectedSegment { name, .. } => format!("no segment named `{name}`"),
            FileUnreadable { path, message } => format!("cannot read `{path}`: {message}"),
            Internal { message, .. } => {
                format!("internal error while building the plan: {message}")
            }
        }
    }

    /// The main span, if the problem has a place in a rule file.
    pub fn primary_span(&self) -> Option<Span> {
        use Diagnostic::*;
        Some(match self {
            Syntax { span, .. }
            | UnterminatedString { span }
            | NumberTooLarge { span }
            | InvalidDate { span, .. }
            | InvalidEscape { span, .. }
            | StrayText { span, .. }
            | FutureItem { span, .. }
            | TooDeep { span }
            | UnknownName { span, .. }
            | UnknownColumn { span, .. }
            | UnknownFunction { span, .. }
            | ReservedName { span, .. }
            | NotPopulationColumn { span, .. }
            | BadQualifiedName { span }
            | NotInAggregateSource { span, .. }
            | MissingLink { span, .. }
            | AmbiguousLink { span, .. }
            | AggregateNeedsSource { span, .. }
            | AggregateNeedsValue { span, .. }
            | AggregateOverPopulation { span, .. }
            | NestedAggregate { span }
            | MisplacedClause { span, .. }
            | MissingOrder { span, .. }
            | QuantileGroups { span }
            | QuantileInAggregate { span }
            | UnknownType { span, .. }
            | BadTypeArguments { span, .. }
            | UnknownFormat { span, .. }
            | MissingKey { span, .. }
            | NullableKey { span }
            | MissingPopulation { span }
            | UnknownOption { span, .. }
            | BadOptionValue { span, .. }
            | BadVariable { span, .. }
            | EmptySource { span }
            | ReferenceType { span, .. }
            | ExpectedType { span, .. }
            | UnknownEnumValue { span, .. }
            | ArgumentCount { span, .. }
            | NullComparison { span, .. }
            | CalendarDuration { span }
            | MisplacedList { span }
            | EnumOrdering { span }
            | UnknownUnit { span, .. }
            | ElseNotLast { span }
            | BadShare { span, .. }
            | SplitShares { span, .. }
            | EmptySeed { span }
            | UnreachableTier { span, .. }
            | TiersWithoutElse { span, .. }
            | TierShadows { span, .. }
            | FractionalCalendarUnit { span }
            | PercentOutOfRange { span }
            | InvalidRegex { span, .. }
            | DurationTooLong { span }
            | DataNotFound { span, .. }
            | ColumnNotInData { span, .. }
            | ColumnTypeMismatch { span, .. }
            | UnsetVariable { span, .. }
            | UnsupportedLocation { span, .. }
            | DataError { span, .. }
            | MissingKeyValue { span }
            | CsvColumnsDiffer { span, .. }
            | RepeatedKey { span, .. }
            | UnreadableData { span, .. }
            | Internal { span, .. } => *span,
            DuplicateName { second, .. }
            | MultipleKeys { second, .. }
            | DuplicatePopulation { second, .. } => *second,
            OperandTypes { op_span, .. } => *op_span,
            IncompatibleValues { other_span, .. } => *other_span,
            Cycle { chain } => chain.first().map(|(_, s)| *s)?,
            NoSource
            | InvalidVar { .. }
            | UnknownSelectedSegment { .. }
            | OutputFailed { .. }
            | EngineFailed { .. }
            | FileUnreadable { .. } => {
                return None;
            }
        })
    }

    /// The text under the primary span.
    pub fn primary_label(&self) -> Option<String> {
        use Diagnostic::*;
        Some(match self {
            Syntax { expected, .. } if !expected.is_empty() => {
                format!("expected {}", one_of(expected))
            }
            UnknownName { .. } | UnknownColumn { .. } | UnknownFunction { .. } => {
                "not found".into()
            }
            DuplicateName { .. } | MultipleKeys { .. } | DuplicatePopulation { .. } => {
                "declared again here".into()
            }
            ExpectedType { found, .. } => format!("this is {}", a(found)),
            UnknownEnumValue { .. } => "not a declared value".into(),
            IncompatibleValues { other, .. } => format!("this is {}", a(other)),
            NotPopulationColumn { source, .. } => format!("a column of `{source}`"),
            ColumnTypeMismatch { found, .. } => format!("the data holds {found}"),
            ColumnNotInData { .. } => "declared here".into(),
            MissingKeyValue { .. } | RepeatedKey { .. } => "the key".into(),
            Cycle { chain } if chain.len() > 1 => {
                let next = chain.get(1).map(|(n, _)| n.as_str()).unwrap_or_default();
                format!("refers to `{next}`")
            }
            CalendarDuration { .. } => "not a fixed length of time".into(),
            _ => return None,
        })
    }

    /// Secondary labels (other places involved in the problem).
    pub fn labels(&self) -> Vec<Label> {
        use Diagnostic::*;
        match self {
            DuplicateName { first, .. }
            | MultipleKeys { first, .. }
            | DuplicatePopulation { first, .. } => vec![label(*first, "first declared here")],
            UnknownColumn { source_span, .. } | MissingLink { source_span, .. } => {
                vec![label(*source_span, "source declared here")]
            }
            UnknownEnumValue { declared, .. } => vec![label(*declared, "values declared here")],
            UnreachableTier {
                earlier: Some((name, span)),
                ..
            } => vec![label(*span, &format!("`{name}` takes them first"))],
            TierShadows { other, .. } => vec![label(*other, "declared here")],
            ReferenceType { key_span, .. } => vec![label(*key_span, "the key")],
            OperandTypes {
                lhs,
                rhs,
                lhs_span,
                rhs_span,
                ..
            } => vec![
                label(*lhs_span, &format!("this is {}", a(lhs))),
                label(*rhs_span, &format!("this is {}", a(rhs))),
            ],
            IncompatibleValues {
                first, first_span, ..
            } => vec![label(*first_span, &format!("this is {}", a(first)))],
            Cycle { chain } => {
                let len = chain.len();
                chain
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(i, (_, span))| {
                        let next = chain.get((i + 1) % len).map(|(n, _)| n.as_str());
                        label(*span, &format!("refers to `{}`", next.unwrap_or_default()))
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// A hint on how to fix the problem.
    pub fn help(&self) -> Option<String> {
        use Diagnostic::*;
        match self {
            Syntax { candidates, .. } if !candidates.is_empty() => Some(did_you_mean(candidates)),
            Syntax {
                hint: Some(hint), ..
            } => Some(
                match hint {
                    SyntaxHint::SingleEquals => {
                        "compare with `==`; a single `=` only follows a declared name"
                    }
                    SyntaxHint::ParenthesisedList => "lists take brackets: `x in [\"a\", \"b\"]`",
                    SyntaxHint::SingleQuotes => "strings take double quotes: \"FR\"",
                    SyntaxHint::DoubleAmpersand => "write `and`",
                    SyntaxHint::DoublePipe => "write `or`",
                    SyntaxHint::UnicodeOperator => "write `>=`, `<=` or `!=`",
                    SyntaxHint::NonAsciiName => {
                        "bare names are ASCII letters, digits and `_`; write other names in backquotes: `café`"
                    }
                }
                .into(),
            ),
            Syntax { found: Some(word), .. } if crate::syntax::RESERVED_WORDS.contains(&word.as_str()) => {
                Some(format!(
                    "`{word}` is a reserved word; a column named like it is written in backquotes: `{word}`"
                ))
            }
            UnterminatedString { .. } => Some("add the closing `\"` on the same line".into()),
            NumberTooLarge { .. } => Some("integers range up to 9223372036854775807".into()),
            InvalidDate { .. } => {
                Some("write dates as @YYYY-MM-DD and timestamps as @YYYY-MM-DDTHH:MM:SS".into())
            }
            InvalidEscape { .. } => Some("valid escapes are \\\", \\\\, \\n and \\t".into()),
            StrayText { candidates, .. } if candidates.is_empty() => Some(
                "items start with `source`, `population`, `let`, `segment`, `score`, `tiers` or `split` at the start of a line"
                    .into(),
            ),
            TooDeep { .. } => Some(
                "split it into `let` definitions; parentheses nest at most 64 deep and expressions 256"
                    .into(),
            ),
            FutureItem { .. } => Some(
                "`import` and `kpi` items come in later versions".into(),
            ),
            UnknownName { candidates, .. }
            | NotInAggregateSource { candidates, .. }
            | StrayText { candidates, .. }
            | UnknownColumn { candidates, .. }
            | UnknownFunction { candidates, .. }
            | UnknownType { candidates, .. }
            | UnknownFormat { candidates, .. }
            | UnknownOption { candidates, .. }
            | UnknownEnumValue { candidates, .. }
            | UnknownUnit { candidates, .. }
            | UnknownSelectedSegment { candidates, .. }
                if !candidates.is_empty() =>
            {
                Some(did_you_mean(candidates))
            }
            UnknownName {
                kind: NameKind::Source,
                name,
                ..
            } => Some(format!(
                "declare it first: `source {name} from parquet \"...\" {{ ... }}`"
            )),
            UnknownName { .. } => Some(
                "names in rules are columns of the population, `let` values, segments or `as_of`"
                    .into(),
            ),
            UnknownFormat { .. } => Some("supported formats are `parquet` and `csv`".into()),
            UnknownEnumValue { owner, .. } if !owner.contains('.') => {
                Some(format!("the tiers of `{owner}` are named in its declaration"))
            }
            UnknownEnumValue { .. } => Some("add the value to the enum's declaration".into()),
            UnknownUnit { .. } => Some(
                "units are minutes, hours, days, weeks, months and years (a date moved by hours or minutes becomes a timestamp)"
                    .into(),
            ),
            DuplicateName { .. } => Some("rename one of them".into()),
            NotInAggregateSource { source, .. } => Some(format!(
                "inside an aggregate over `{source}`, names are its columns; use member values outside the aggregate"
            )),
            MissingLink {
                source,
                population,
                key,
                ..
            } => Some(format!(
                "declare the column of `{source}` holding the member's key: `{key} references {population}`"
            )),
            AmbiguousLink { columns, .. } => Some(format!(
                "keep `references` on one of {}",
                columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )),
            AggregateNeedsSource { function, .. } if function == "exists" => Some(
                "`exists` takes a related source and a condition: `exists(orders where amount > 100)`"
                    .into(),
            ),
            AggregateNeedsSource { function, .. } if function == "first" || function == "last" => {
                Some(format!(
                    "qualify the value with its source: `{function}(orders.channel by ordered_at)`"
                ))
            }
            AggregateNeedsSource { function, .. } if function == "count" => Some(
                "name the source or qualify a column: `count(orders)`, `count(orders.coupon)`"
                    .into(),
            ),
            AggregateNeedsSource { function, .. } => Some(format!(
                "qualify the value with its source: `{function}(orders.amount)`"
            )),
            AggregateNeedsValue { function, .. } => {
                Some(format!("aggregate a column: `{function}(orders.amount)`"))
            }
            AggregateOverPopulation { .. } => Some(
                "segments are evaluated per member; use the member's columns directly".into(),
            ),
            NestedAggregate { .. } => Some(
                "an aggregate takes the related rows of one member; put row conditions in its `where`: `count(orders where amount > 100)`"
                    .into(),
            ),
            MisplacedClause { clause: "by", .. } => {
                Some("only `first` and `last` take `by`".into())
            }
            MisplacedClause {
                clause: "where", ..
            } => Some("only aggregates take `where`".into()),
            MisplacedClause { .. } => Some(
                "only quantiles (`ntile`, `quintile`, `decile`, `percent_rank`) take `asc` or `desc`"
                    .into(),
            ),
            QuantileGroups { .. } => Some("for example `ntile(4, spend)` for quartiles".into()),
            QuantileInAggregate { .. } => Some(
                "quantiles rank members; rank an aggregate instead: `quintile(sum(orders.amount))`"
                    .into(),
            ),
            MissingOrder { function, .. } => Some(format!(
                "say which row comes {}: `{function}(orders.channel by ordered_at)`",
                if function == "first" { "first" } else { "last" }
            )),
            ReservedName { .. } => Some("choose another name".into()),
            NotPopulationColumn {
                population, name, ..
            } => Some(format!(
                "rules are evaluated per member of `{population}`; aggregate other sources, e.g. `sum({name})` or `count(... where ...)`"
            )),
            BadTypeArguments {
                problem, type_name, ..
            } => Some(match problem {
                TypeArgumentProblem::Unexpected => "remove the parentheses".into(),
                TypeArgumentProblem::Missing if type_name == "enum" => {
                    "list the values: enum(\"a\", \"b\")".into()
                }
                TypeArgumentProblem::Missing
                | TypeArgumentProblem::DecimalRange
                | TypeArgumentProblem::DecimalShape => {
                    "write decimal(precision, scale) with 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision".into()
                }
                TypeArgumentProblem::EnumValueNotString => "quote each value: enum(\"a\", \"b\")".into(),
                TypeArgumentProblem::DuplicateEnumValue(_) => "remove the repeated value".into(),
            }),
            UnknownType { .. } => Some(
                "types are int, float, decimal(p, s), string, bool, date, timestamp and enum(...)"
                    .into(),
            ),
            MissingKey { .. } => {
                Some("mark the column that identifies a member: `key customer_id: int`".into())
            }
            MultipleKeys { .. } => Some("keep `key` on one column".into()),
            NullableKey { .. } => Some("remove the `?`: every member needs a key".into()),
            MissingPopulation { .. } => {
                Some("say which source the segments are made of: `population customers`".into())
            }
            NoSource => Some(
                "declare the data first: `source customers from parquet \"customers.parquet\" { ... }`"
                    .into(),
            ),
            DuplicatePopulation { .. } => Some("keep one `population` item".into()),
            UnknownOption { format, .. } => Some(match format.as_str() {
                "csv" => "csv options are `delimiter` and `header`".into(),
                _ => format!("`{format}` takes no options"),
            }),
            BadVariable { .. } => {
                Some("write variable references as ${NAME} with letters, digits and `_`".into())
            }
            EmptySource { .. } => Some("declare at least the key column".into()),
            ReferenceType { key_type, .. } => Some(format!(
                "declare it as {key_type}, like the key it refers to"
            )),
            ExpectedType {
                context: Context::SegmentCondition(_),
                ..
            } => Some("a segment is a condition: compare the value, e.g. `x > 0`".into()),
            OperandTypes { lhs, rhs, .. } => operand_help(lhs, rhs),
            NullComparison { op, .. } => Some(match *op {
                "!=" | "not in" => "use `is not null`".into(),
                "==" | "in" => "use `is null`".into(),
                _ => "nothing compares with null; test `is null` or use `coalesce(x, default)`".into(),
            }),
            CalendarDuration { .. } => Some(
                "compare dates instead: `signup_at > as_of - 12 months`, or use days or weeks".into(),
            ),
            MisplacedList { .. } => Some("test membership with `x in [a, b]`".into()),
            EnumOrdering { .. } => {
                Some("enum values are ordered as declared; compare with a quoted value".into())
            }
            Cycle { .. } => Some("a definition cannot depend on itself, even indirectly".into()),
            ElseNotLast { .. } => Some("tiers after `else` are never chosen; move `else` last".into()),
            BadShare { .. } => Some("write it like `10%`".into()),
            SplitShares { .. } => Some("for example `{ a: 45%, b: 45%, control: 10% }`".into()),
            EmptySeed { .. } => Some(
                "name the experiment, e.g. seed \"q4-2026\": the same seed gives the same groups".into(),
            ),
            UnreachableTier { .. } => Some("reorder the tiers (most specific first) or remove this one".into()),
            TiersWithoutElse { .. } => {
                Some("add a last tier such as `other: else`; members matching no tier get null".into())
            }
            TierShadows { tier, .. } => Some(format!(
                "in expressions `{tier}` names the other definition; compare tiers with \"{tier}\" in quotes"
            )),
            FractionalCalendarUnit { .. } => Some("use days for fractions of a month".into()),
            PercentOutOfRange { .. } => Some("a percentage is a share of a whole".into()),
            DurationTooLong { .. } => {
                Some("durations reach about 290,000 years; dates range over years 1 to 9999".into())
            }
            InvalidRegex { .. } => Some(
                "patterns use Rust regex syntax; inside a string a backslash is doubled, e.g. \"\\\\.fr$\""
                    .into(),
            ),
            DataNotFound { .. } => Some(
                "paths are relative to the rule file; check the path or the --var values".into(),
            ),
            ColumnNotInData { candidates, .. } if !candidates.is_empty() => {
                Some(did_you_mean(candidates))
            }
            ColumnNotInData { .. } => {
                Some("`segc schema infer` prints the columns the data has".into())
            }
            ColumnTypeMismatch { .. } => {
                Some("`segc schema infer` prints the types the data has".into())
            }
            UnsetVariable { name, .. } => Some(format!(
                "pass --var {name}=... or set the environment variable {name}"
            )),
            MissingKeyValue { .. } => Some(
                "every member needs a key: remove or repair the rows without one; nothing was written"
                    .into(),
            ),
            RepeatedKey { .. } => Some(
                "a key identifies one member: deduplicate the data or declare the column that is unique as `key`; nothing was written"
                    .into(),
            ),
            CsvColumnsDiffer {
                columns, expected, ..
            } => Some(format!(
                "it has {columns}; the first file has {expected}: CSV files of one source need the same header"
            )),
            UnsupportedLocation { .. } => {
                Some("read local files, or copy the data locally first".into())
            }
            OutputFailed { .. } => Some("check that the output folder is writable; earlier outputs were kept".into()),
            InvalidVar { .. } => {
                Some("write --var NAME=VALUE, NAME made of letters, digits and `_`".into())
            }
            Internal { .. } => Some("this is a bug in segc; please report it with the rule file".into()),
            _ => None,
        }
    }
}

fn label(span: Span, text: &str) -> Label {
    Label {
        span,
        text: Some(text.to_string()),
    }
}

fn kind_word(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Source => "source",
        NameKind::Column => "column",
        NameKind::Let => "let",
        NameKind::Segment => "segment",
        NameKind::Value => "name",
        NameKind::Option => "option",
        NameKind::Score => "score",
        NameKind::Tiers => "tiers",
        NameKind::Tier => "tier",
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

fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn did_you_mean(candidates: &[String]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    let refs: Vec<&str> = quoted.iter().map(String::as_str).collect();
    format!("did you mean {}?", one_of(&refs))
}

fn operand_help(lhs: &Type, rhs: &Type) -> Option<String> {
    use Type::*;
    match (lhs, rhs) {
        (Date | Timestamp, Int | Float) | (Int | Float, Date | Timestamp) => Some(
            "add or subtract durations to dates (`as_of - 30 days`); `days_between(a, b)` gives a number"
                .into(),
        ),
        (Duration, Int | Float) | (Int | Float, Duration) => {
            Some("compare durations with durations: `tenure < 90 days`".into())
        }
        (String | Enum(_), Int | Float | Decimal { .. })
        | (Int | Float | Decimal { .. }, String | Enum(_)) => {
            Some("numbers and text do not mix; check the declared types".into())
        }
        _ => None,
    }
}
