//! Every word segc says about a problem: codes, messages, labels and help, in one place.

use super::{Context, Diagnostic, Label, NameKind, TypeArgumentProblem, VarProblem};
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
            OutOfMemory { .. } => "E0714",
            UnreadableData { .. } => "E0707",
            OutputFailed { .. } => "E0708",
            OutputBusy { .. } => "E0715",
            OutputInsideSource { .. } => "E0716",
            DataOutsideRoots { .. } => "E0717",
            SystemIo { .. } => "E0718",
            EngineFailed { .. } => "E0709",
            MissingKeyValue { .. } => "E0710",
            CsvColumnsDiffer { .. } => "E0712",
            EmptyData { .. } => "E0713",
            RepeatedKey { .. } => "E0711",
            InvalidVar { .. } => "E0801",
            UnknownSelectedSegment { .. } => "E0802",
            FileUnreadable { .. } => "E0803",
            InvalidProject { .. } => "E0804",
            NoRuleFiles { .. } => "E0805",
            NoOutputDir { .. } => "E0806",
            Internal { .. } => "E0901",
            Kpi(k) => k.code(),
            Import(i) => i.code(),
            Lint(l) => l.code(),
            Denied(d) => d.code(),
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
            ColumnNotInData {
                source,
                column,
                file: None,
                ..
            } => format!("column `{column}` of `{source}` is not in the data"),
            ColumnNotInData {
                source,
                column,
                file: Some(file),
                others,
                ..
            } => format!(
                "column `{column}` of `{source}` is not in `{file}`{}",
                and_others("nor in", *others)
            ),
            ColumnTypeMismatch {
                column,
                declared,
                found,
                file: None,
                ..
            } => format!("column `{column}` is declared {declared} but the data holds {found}"),
            ColumnTypeMismatch {
                column,
                declared,
                found,
                file: Some(file),
                others,
                ..
            } => format!(
                "column `{column}` is declared {declared} but `{file}` holds {found}{}",
                and_others("and so do", *others)
            ),
            UnsetVariable { name, .. } => format!("variable `{name}` is not set"),
            UnsupportedLocation { scheme, .. } => {
                format!("`{scheme}://` locations cannot be read by this build of segc")
            }
            DataError { message, .. } => format!("reading the data failed: {message}"),
            OutOfMemory { message } => {
                format!("the run needs more memory than the limit allows: {message}")
            }
            UnreadableData {
                file: None,
                message,
                ..
            } => format!("cannot read the data's schema: {message}"),
            UnreadableData {
                file: Some(file),
                message,
                ..
            } => format!("cannot read the schema of `{file}`: {message}"),
            OutputFailed { path, message } => format!("cannot write `{path}`: {message}"),
            OutputBusy { path } => format!("another segc run is writing to `{path}`"),
            SystemIo { message } => {
                format!("the system refused to read or write during the run: {message}")
            }
            DataOutsideRoots { location, .. } => {
                format!("`{location}` is outside the folders data may be read from")
            }
            OutputInsideSource { output, .. } => {
                format!("the output folder `{output}` is inside a folder this source reads")
            }
            EngineFailed { message } => format!("cannot start the query engine: {message}"),
            MissingKeyValue { .. } => "some members have an empty key".into(),
            EmptyData { location, .. } => format!("the data at `{location}` is empty"),
            CsvColumnsDiffer { file, .. } => {
                format!("`{file}` does not have the same columns as the other files")
            }
            RepeatedKey { value, .. } => format!("the key `{value}` is on several rows"),
            InvalidVar { argument, problem } => {
                let problem = match problem {
                    VarProblem::NoEquals => "expected NAME=VALUE",
                    VarProblem::BadName => {
                        "the name must be letters, digits and `_`, not starting with a digit"
                    }
                };
                format!("invalid --var `{argument}`: {problem}")
            }
            UnknownSelectedSegment { name, .. } => format!("no segment named `{name}`"),
            FileUnreadable { path, message } => format!("cannot read `{path}`: {message}"),
            InvalidProject { path, message } => {
                format!("invalid project settings `{path}`: {message}")
            }
            NoRuleFiles {
                project: Some(path),
            } => {
                format!("no rule file given, and `{path}` lists none")
            }
            NoRuleFiles { project: None } => {
                "no rule file given, and no segc.toml lists any".into()
            }
            NoOutputDir {
                project: Some(path),
            } => format!("no output folder given, and `{path}` has no `[output] dir`"),
            NoOutputDir { project: None } => "no output folder given: pass `--out DIR`".into(),
            Internal { message, .. } => {
                format!("internal error while building the plan: {message}")
            }
            Kpi(k) => k.message(),
            Import(i) => i.message(),
            Lint(l) => l.message(),
            Denied(d) => d.message(),
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
            | EmptyData { span, .. }
            | RepeatedKey { span, .. }
            | UnreadableData { span, .. }
            | OutputInsideSource { span, .. }
            | DataOutsideRoots { span, .. }
            | Internal { span, .. } => *span,
            DuplicateName { second, .. }
            | MultipleKeys { second, .. }
            | DuplicatePopulation { second, .. } => *second,
            OperandTypes { op_span, .. } => *op_span,
            IncompatibleValues { other_span, .. } => *other_span,
            Cycle { chain } => chain.first().map(|(_, s)| *s)?,
            Kpi(k) => k.primary_span()?,
            Import(i) => i.primary_span(),
            Lint(l) => l.primary_span(),
            Denied(d) => d.primary_span()?,
            NoSource
            | InvalidVar { .. }
            | UnknownSelectedSegment { .. }
            | OutputFailed { .. }
            | OutputBusy { .. }
            | SystemIo { .. }
            | EngineFailed { .. }
            | FileUnreadable { .. }
            | InvalidProject { .. }
            | NoRuleFiles { .. }
            | NoOutputDir { .. }
            | OutOfMemory { .. } => {
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
            OutputInsideSource { .. } => "this source reads the output folder".into(),
            DataOutsideRoots { .. } => "read from here".into(),
            MissingKeyValue { .. } | RepeatedKey { .. } => "the key".into(),
            Cycle { chain } if chain.len() > 1 => {
                let next = chain.get(1).map(|(n, _)| n.as_str()).unwrap_or_default();
                format!("refers to `{next}`")
            }
            CalendarDuration { .. } => "not a fixed length of time".into(),
            Kpi(k) => k.primary_label()?,
            Import(i) => i.primary_label(),
            Denied(d) => d.primary_label()?,
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
            Kpi(k) => k.labels(),
            Import(i) => i.labels(),
            Lint(l) => l.labels(),
            Denied(d) => d.labels(),
            _ => Vec::new(),
        }
    }
}

pub(super) fn label(span: Span, text: &str) -> Label {
    Label {
        span,
        text: Some(text.to_string()),
    }
}

pub(super) fn kind_word(kind: NameKind) -> &'static str {
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
        NameKind::Kpi => "KPI",
    }
}

/// "a string", "an int", "null".
pub(super) fn a(ty: &Type) -> String {
    let text = ty.to_string();
    match ty {
        Type::Null => "null".into(),
        Type::Error => "a value of unknown type".into(),
        _ if text.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {text}"),
        _ => format!("a {text}"),
    }
}

pub(super) fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// ` (nor in 3 other files)`, or nothing when no other file has the problem.
fn and_others(words: &str, others: usize) -> String {
    match others {
        0 => String::new(),
        1 => format!(" ({words} 1 other file)"),
        n => format!(" ({words} {n} other files)"),
    }
}
