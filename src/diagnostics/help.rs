//! Help texts: how to fix each problem.

use super::wording::one_of;
use super::{Context, Diagnostic, NameKind, SyntaxHint, TypeArgumentProblem};
use crate::types::Type;

impl Diagnostic {
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
                    SyntaxHint::BareDate => "dates start with `@`: `@2026-12-31`",
                }
                .into(),
            ),
            Syntax { found: Some(word), .. } if crate::words::RESERVED_WORDS.contains(&word.as_str()) => {
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
                "items start with `source`, `population`, `let`, `segment`, `score`, `tiers`, `split` or `kpi` at the start of a line"
                    .into(),
            ),
            TooDeep { .. } => Some(
                "split it into `let` definitions; parentheses nest at most 64 deep and expressions 256"
                    .into(),
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
            UnknownName {
                kind: NameKind::Segment,
                name,
                ..
            } => Some(format!("declare it: `segment {name} = ...`")),
            UnknownName {
                kind: NameKind::Tiers,
                name,
                ..
            } => Some(format!(
                "declare it: `tiers {name} {{ ... }}` or `split {name} of ... {{ ... }}`"
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
            EmptyData { .. } => Some(
                "the files exist but hold nothing (not even a header line); check the export that wrote them"
                    .into(),
            ),
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
            DataOutsideRoots { roots, .. } => Some(format!(
                "data is read only under {}; add a folder to `roots` in the `[data]` table of segc.toml, or pass --data-root FOLDER (docs/security.md)",
                if roots.is_empty() { "no folder".to_string() } else { roots.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ") }
            )),
            SystemIo { .. } => Some(
                "sorts and aggregates spill to the temporary folder (TMPDIR) beyond --memory-limit: free space there or point TMPDIR at a larger disk; nothing was written"
                    .into(),
            ),
            OutputBusy { .. } => Some(
                "runs into one folder take turns: wait for the other run to end, or write to another --out; nothing was written"
                    .into(),
            ),
            OutputInsideSource { .. } => Some(
                "the next run would read this run's outputs as data: write to a folder outside the source's; nothing was written"
                    .into(),
            ),
            InvalidVar { .. } => {
                Some("write --var NAME=VALUE, NAME made of letters, digits and `_`".into())
            }
            Internal { .. } => Some("this is a bug in segc; please report it with the rule file".into()),
            Kpi(k) => k.help(),
            Import(i) => i.help(),
            NoRuleFiles { .. } => Some(
                "name the files (`segc check rules/*.seg`), or list them in segc.toml: `files = [\"rules/*.seg\"]`".into(),
            ),
            InvalidProject { .. } => Some(
                "segc.toml holds `files = [\"rules/*.seg\"]` and the tables `[vars]` (variable values), `[lints]` (lint names or `all` set to \"allow\", \"warn\" or \"deny\"), `[output]` (`dir`, `format`, `layout`) and `[kpi]` (`baseline`); see docs/ci.md".into(),
            ),
            OutOfMemory { .. } => Some(
                "raise `--memory-limit`, or lower `--threads`: each thread sorts and aggregates its share in memory, and what does not fit is spilled to the temporary folder".into(),
            ),
            NoOutputDir { .. } => Some(
                "pass `--out DIR`, or set a default in segc.toml: `[output] dir = \"out\"`".into(),
            ),
            Lint(l) => l.help(),
            Denied(d) => d.help(),
            _ => None,
        }
    }
}

pub(super) fn did_you_mean(candidates: &[String]) -> String {
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
