//! Problems with `test` items (`E13xx`): rows that do not fit the declared columns,
//! expectations naming nothing or written in the wrong form, and tests that fail.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;

/// What a test gave where a value was expected (for "found ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    /// An integer.
    Integer,
    /// A number with decimals.
    Number,
    /// A percentage.
    Percent,
    /// A string.
    Text,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// A date literal.
    Date,
    /// A timestamp literal.
    Timestamp,
    /// A duration.
    Duration,
    /// A name.
    Name,
}

impl Given {
    fn words(self) -> &'static str {
        match self {
            Given::Integer => "an integer",
            Given::Number => "a number",
            Given::Percent => "a percentage",
            Given::Text => "a string",
            Given::Bool => "a boolean",
            Given::Null => "`null`",
            Given::Date => "a date",
            Given::Timestamp => "a timestamp",
            Given::Duration => "a duration",
            Given::Name => "a name",
        }
    }
}

/// What an expectation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A segment.
    Segment,
    /// A tiers item or split.
    Tiers,
    /// A score.
    Score,
    /// A KPI.
    Kpi,
    /// An `output let`.
    Value,
}

/// How an expectation about a segment compares its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// `=`: exactly these keys.
    Exactly,
    /// `contains`: at least these keys.
    Contains,
    /// `excludes`: none of these keys.
    Excludes,
}

/// The expected and actual value of one key or group, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMismatch {
    /// The member's key or the KPI's group.
    pub key: String,
    /// The value expected (`None`: no tier, null, no data).
    pub expected: Option<String>,
    /// The value found (`None`: no tier, null, no data).
    pub found: Option<String>,
    /// Whether the test's rows have this key (or the KPI this group).
    pub member: bool,
}

/// How the outputs differed from a test's expectation.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// A segment's members.
    Members {
        /// How they were compared.
        check: Membership,
        /// The keys listed.
        expected: Vec<String>,
        /// The members found among the test's rows.
        found: Vec<String>,
    },
    /// Tiers, scores or KPI values that differ.
    Values(Vec<ValueMismatch>),
}

/// A problem with a `test` item.
#[derive(Debug, Clone, PartialEq)]
pub enum TestDiagnostic {
    /// Rows for a source the rules do not declare (E1301).
    UnknownSource {
        /// The name written.
        name: String,
        /// Where.
        span: Span,
        /// Close source names.
        candidates: Vec<String>,
    },
    /// A row names a column its source does not declare (E1302).
    UnknownColumn {
        /// The source.
        source: String,
        /// The column written.
        column: String,
        /// Where.
        span: Span,
        /// Close column names.
        candidates: Vec<String>,
    },
    /// A row without a value for columns declared without `?` (E1303).
    MissingColumns {
        /// The source.
        source: String,
        /// The columns missing.
        columns: Vec<String>,
        /// The row.
        span: Span,
        /// The source's declaration.
        declared: Span,
    },
    /// A value (or a key) of another type than its column's (E1304).
    WrongType {
        /// The column (or the population's key column).
        column: String,
        /// Its type, as declared.
        expected: String,
        /// What was given.
        given: Given,
        /// The value.
        span: Span,
        /// The column's declaration.
        declared: Span,
    },
    /// A value of an `enum` column that is not among its declared values (E1305).
    UnknownEnumValue {
        /// The column.
        column: String,
        /// The value written.
        value: String,
        /// Where.
        span: Span,
        /// The enum's declaration.
        declared: Span,
        /// Close values.
        candidates: Vec<String>,
    },
    /// `null` in a column declared without `?` (E1306).
    NullInRequired {
        /// The column.
        column: String,
        /// The `null`.
        span: Span,
        /// The column's declaration.
        declared: Span,
    },
    /// An expectation about a name that is no segment, tiers item, split, score, output value
    /// or KPI (E1307).
    UnknownTarget {
        /// The name written.
        name: String,
        /// Where.
        span: Span,
        /// Close names.
        candidates: Vec<String>,
        /// Whether it names a `let` that is not written (`output let` would make it one).
        unwritten_let: bool,
    },
    /// An expectation written in a form its target does not take (E1308).
    WrongForm {
        /// The segment, tiers, score or KPI.
        name: String,
        /// What it is.
        target: Target,
        /// The expectation's value or operator.
        span: Span,
    },
    /// A tier, or a KPI group, that the expectation's target does not have (E1309).
    UnknownGroup {
        /// The tiers item or KPI.
        name: String,
        /// What it is.
        target: Target,
        /// The name written.
        group: String,
        /// Where.
        span: Span,
        /// The tiers or groups there are.
        candidates: Vec<String>,
    },
    /// Two sets of rows for one source in a test (E1310).
    RowsTwice {
        /// The source.
        source: String,
        /// The second set.
        span: Span,
        /// The first.
        first: Span,
    },
    /// Two tests of the same name in a file (E1311).
    TestTwice {
        /// The name.
        name: String,
        /// The second test's name.
        span: Span,
        /// The first's.
        first: Span,
    },
    /// A test's `as_of` that is not a date (E1312).
    AsOfNotDate {
        /// The literal.
        span: Span,
    },
    /// Rows read from a file of a format tests cannot read (E1313).
    UnknownFileFormat {
        /// The format written.
        format: String,
        /// Where.
        span: Span,
    },
    /// A key given to two rows of a source in a test (E1314).
    RepeatedKey {
        /// The source.
        source: String,
        /// The key.
        key: String,
        /// The second row's key.
        span: Span,
        /// The first's.
        first: Span,
    },
    /// A key given to two rows of a test's CSV file (E1314).
    RepeatedKeyInFile {
        /// The source.
        source: String,
        /// The key.
        key: String,
        /// The file, as written.
        file: String,
        /// The two rows (1 for the first after the header).
        rows: (usize, usize),
        /// The `SOURCE from csv "..."` clause.
        span: Span,
    },
    /// A test whose expectation does not hold (E1320).
    Failed {
        /// The test.
        test: String,
        /// The segment, tiers, score or KPI.
        name: String,
        /// What it is.
        target: Target,
        /// The expectation.
        span: Span,
        /// What differed.
        mismatch: Box<Mismatch>,
    },
}

impl TestDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use TestDiagnostic::*;
        match self {
            UnknownSource {
                name,
                span,
                candidates,
            } => d
                .code(E1301)
                .message(|| format!("the rules declare no source `{name}`"))
                .at(*span)
                .primary_label(|| "not a declared source")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "a test gives rows to the sources declared by its file and its imports".into()
                    })
                }),
            UnknownColumn {
                source,
                column,
                span,
                candidates,
            } => d
                .code(E1302)
                .message(|| format!("source `{source}` declares no column `{column}`"))
                .at(*span)
                .primary_label(|| "not a declared column")
                .help(|| did_you_mean(candidates)),
            MissingColumns {
                source,
                columns,
                span,
                declared,
            } => d
                .code(E1303)
                .message(|| {
                    let names: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
                    format!("this row of `{source}` has no value for {}", names.join(", "))
                })
                .at(*span)
                .primary_label(|| "in this row")
                .label(*declared, || "declared without `?` here")
                .help(|| "give every column declared without `?` a value; leave out only nullable columns (they are null)"),
            WrongType {
                column,
                expected,
                given,
                span,
                declared,
            } => d
                .code(E1304)
                .message(|| format!("`{column}` is declared `{expected}`, and this is {}", given.words()))
                .at(*span)
                .primary_label(|| format!("expected a value of type `{expected}`"))
                .label(*declared, || "declared here")
                .help(|| "write values as in rules: `42`, `12.5`, `\"text\"`, `true`, `@2026-11-01`, `@2026-11-01T08:30:00`, `null`"),
            UnknownEnumValue {
                column,
                value,
                span,
                declared,
                candidates,
            } => d
                .code(E1305)
                .message(|| format!("\"{value}\" is not a declared value of `{column}`"))
                .at(*span)
                .primary_label(|| "not a declared value")
                .label(*declared, || "values declared here")
                .help(|| did_you_mean(candidates)),
            NullInRequired {
                column,
                span,
                declared,
            } => d
                .code(E1306)
                .message(|| format!("`{column}` is declared without `?`: it cannot be null"))
                .at(*span)
                .label(*declared, || "declared here")
                .help(|| "give it a value, or declare the column nullable (`TYPE?`) if the data can lack it"),
            UnknownTarget {
                name,
                span,
                candidates: _,
                unwritten_let: true,
            } => d
                .code(E1307)
                .message(|| format!("`{name}` is a `let` that is not written to the outputs"))
                .at(*span)
                .primary_label(|| "not an output")
                .help(|| format!("tests read what a run writes: declare it `output let {name} = ...`, or expect the segments it decides")),
            UnknownTarget {
                name,
                span,
                candidates,
                unwritten_let: false,
            } => d
                .code(E1307)
                .message(|| format!("no segment, tiers item, split, score, output value or KPI is called `{name}`"))
                .at(*span)
                .primary_label(|| "not found")
                .help(|| did_you_mean(candidates)),
            WrongForm { name, target, span } => d
                .code(E1308)
                .message(|| format!("this is not how an expectation about {} `{name}` is written", target_words(*target)))
                .at(*span)
                .help(|| match target {
                    Target::Segment => "list the keys of its members: `expect NAME = [1, 2]`, `expect NAME contains [1]` or `expect NAME excludes [3]`",
                    Target::Tiers => "give each key its tier: `expect NAME = { 1: gold, 2: null }`",
                    Target::Score => "give each key its score: `expect NAME = { 1: 25, 2: -10 }`",
                    Target::Kpi => "give the value, or one per group: `expect NAME = 50%`, `expect NAME = { vip: 12.5, loyal: null }`",
                    Target::Value => "give each key its value: `expect NAME = { 1: 120.5, 2: null }` (or `{ 1: \"5-4-3\" }`, `{ 1: @2026-10-01 }`)",
                }),
            UnknownGroup {
                name,
                target,
                group,
                span,
                candidates,
            } => d
                .code(E1309)
                .message(|| match target {
                    Target::Kpi => format!("KPI `{name}` is not computed for `{group}`"),
                    _ => format!("`{name}` has no tier `{group}`"),
                })
                .at(*span)
                .primary_label(|| "not found")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| match target {
                        Target::Kpi => "name one of the KPI's segments or tiers (its groups)".into(),
                        _ => "name one of its tiers, or `null` for no tier".into(),
                    })
                }),
            RowsTwice {
                source,
                span,
                first,
            } => d
                .code(E1310)
                .message(|| format!("this test gives rows to `{source}` twice"))
                .at(*span)
                .label(*first, || "first given here")
                .help(|| "put all the rows of a source in one list"),
            TestTwice { name, span, first } => d
                .code(E1311)
                .message(|| format!("a test called `{name}` is already declared"))
                .at(*span)
                .label(*first, || "first declared here")
                .help(|| "give each test its own name: failures and `--filter` name them"),
            AsOfNotDate { span } => d
                .code(E1312)
                .message(|| "a test's `as_of` is a date")
                .at(*span)
                .help(|| "write a date: `as_of @2026-11-01`"),
            UnknownFileFormat { format, span } => d
                .code(E1313)
                .message(|| format!("tests read rows from CSV files only, not `{format}`"))
                .at(*span)
                .help(|| "write `SOURCE from csv \"rows.csv\"` (a header line naming the columns), or the rows inline"),
            RepeatedKey {
                source,
                key,
                span,
                first,
            } => d
                .code(E1314)
                .message(|| format!("two rows of `{source}` have the key {key}"))
                .at(*span)
                .label(*first, || "first given here")
                .help(|| "each row of a source has its own key: rules join and group on it"),
            RepeatedKeyInFile {
                source,
                key,
                file,
                rows: (first, second),
                span,
            } => d
                .code(E1314)
                .message(|| format!("rows {first} and {second} of `{file}` give `{source}` the key {key}"))
                .at(*span)
                .primary_label(|| "rows read here")
                .help(|| "each row of a source has its own key: rules join and group on it (rows are counted after the header line)"),
            Failed {
                test,
                name,
                target,
                span,
                mismatch,
            } => d
                .code(E1320)
                .message(|| format!("test `{test}` failed: {}", failure_words(name, *target, mismatch)))
                .at(*span)
                .primary_label(|| "expected here")
                .help(|| diff(mismatch)),
        }
    }
}

fn target_words(target: Target) -> &'static str {
    match target {
        Target::Segment => "segment",
        Target::Tiers => "tiers item",
        Target::Score => "score",
        Target::Kpi => "KPI",
        Target::Value => "value",
    }
}

fn failure_words(name: &str, target: Target, mismatch: &Mismatch) -> String {
    match (target, mismatch) {
        (
            _,
            Mismatch::Members {
                check: Membership::Excludes,
                ..
            },
        ) => {
            format!("segment `{name}` has members it should exclude")
        }
        (
            _,
            Mismatch::Members {
                check: Membership::Contains,
                ..
            },
        ) => {
            format!("segment `{name}` lacks members it should contain")
        }
        (_, Mismatch::Members { .. }) => {
            format!("segment `{name}` has other members than expected")
        }
        (Target::Tiers, _) => format!("`{name}` gives other tiers than expected"),
        (Target::Kpi, _) => format!("KPI `{name}` has another value than expected"),
        (Target::Value, _) => format!("value `{name}` differs from what was expected"),
        _ => format!("score `{name}` has other values than expected"),
    }
}

/// The expected and actual members or values, as a diff: `-` expected and missing, `+` found
/// and not expected.
fn diff(mismatch: &Mismatch) -> String {
    match mismatch {
        Mismatch::Members {
            check,
            expected,
            found,
        } => {
            let missing: Vec<&String> = expected.iter().filter(|k| !found.contains(k)).collect();
            let extra: Vec<&String> = found.iter().filter(|k| !expected.contains(k)).collect();
            let listed = match check {
                Membership::Exactly => "expected",
                Membership::Contains => "to contain",
                Membership::Excludes => "to exclude",
            };
            let width = listed.len() + 1;
            let mut lines = vec![
                format!("{:<width$} [{}]", format!("{listed}:"), expected.join(", ")),
                format!("{:<width$} [{}]", "actual:", found.join(", ")),
            ];
            if *check != Membership::Excludes {
                lines.extend(
                    missing
                        .iter()
                        .map(|k| format!("- {k} (expected, not a member)")),
                );
            }
            match check {
                Membership::Exactly => lines.extend(
                    extra
                        .iter()
                        .map(|k| format!("+ {k} (a member, not expected)")),
                ),
                Membership::Excludes => lines.extend(
                    found
                        .iter()
                        .filter(|k| expected.contains(k))
                        .map(|k| format!("+ {k} (a member, expected excluded)")),
                ),
                Membership::Contains => {}
            }
            lines.join("\n")
        }
        Mismatch::Values(rows) => {
            let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
            let mut lines = Vec::with_capacity(rows.len() * 2 + 1);
            lines.push("(- expected, + actual)".to_string());
            for row in rows {
                lines.push(format!("- {}: {}", row.key, shown(&row.expected)));
                match row.member {
                    true => lines.push(format!("+ {}: {}", row.key, shown(&row.found))),
                    false => lines.push(format!("+ {}: (no row has this key)", row.key)),
                }
            }
            lines.join("\n")
        }
    }
}
