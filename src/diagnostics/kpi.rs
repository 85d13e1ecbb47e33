//! Problems with KPIs (codes `E10xx`, `W10xx`): the variants and all their wording.

use super::wording::label;
use super::{Label, Severity};
use crate::hir::KpiUnit;
use crate::span::Span;

/// A problem with a `kpi` item, its baseline or its evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiDiagnostic {
    /// A KPI without `value = ...` or without `target ...`.
    MissingClause {
        /// The KPI.
        kpi: String,
        /// `value` or `target`.
        clause: &'static str,
        /// The KPI's name.
        span: Span,
    },
    /// A clause written twice.
    RepeatedClause {
        /// `value`, `target` or `warn`.
        clause: &'static str,
        /// The first one.
        first: Span,
        /// The repeated one.
        second: Span,
    },
    /// `for NAME` naming something other than a segment, or `for each NAME` something other
    /// than tiers.
    WrongScope {
        /// The name.
        name: String,
        /// What it names (`tiers`, `a segment`, `a let`, ...).
        found: &'static str,
        /// Whether written `for each`.
        each: bool,
        /// Where.
        span: Span,
    },
    /// A segment listed twice after `for`.
    RepeatedGroup {
        /// The segment.
        name: String,
        /// The first mention.
        first: Span,
        /// The repeated one.
        second: Span,
    },
    /// Something at the top of a KPI value that does not aggregate over the members.
    NotAggregated {
        /// Where.
        span: Span,
        /// A column or definition name, if that is what it is.
        name: Option<String>,
    },
    /// A function at the top of a KPI value that is not a KPI aggregate.
    UnknownMeasure {
        /// The function.
        function: String,
        /// The call.
        span: Span,
        /// Close KPI aggregates.
        candidates: Vec<String>,
    },
    /// A KPI aggregate that cannot take the rows of a related source directly.
    RelatedRows {
        /// The aggregate.
        function: String,
        /// The related source.
        source: String,
        /// The argument.
        span: Span,
    },
    /// The fraction of `percentile` is not a literal between 0 and 1.
    PercentileFraction {
        /// The argument.
        span: Span,
    },
    /// A threshold or baseline written as a percentage for a KPI that is not a ratio, or as a
    /// plain number for a ratio.
    ThresholdUnit {
        /// The number.
        span: Span,
        /// Whether it is written as a percentage.
        percent: bool,
        /// What the KPI measures.
        unit: KpiUnit,
        /// The KPI's value.
        value_span: Span,
    },
    /// `between a and b` with `a > b`.
    EmptyRange {
        /// The target.
        span: Span,
    },
    /// A fall of 100 % or more.
    ImpossibleChange {
        /// The change.
        span: Span,
    },
    /// `by` or `since` followed by a timestamp rather than a date.
    NotADate {
        /// The literal.
        span: Span,
    },
    /// The baseline date is not before the deadline.
    SinceAfterDeadline {
        /// The `since` date.
        since: Span,
        /// The deadline.
        deadline: Span,
    },
    /// `==` or `!=` in a target or warn level.
    EqualityBound {
        /// The operator.
        span: Span,
    },
    /// A warn level on the side of the values that meet the target.
    WarnOnTargetSide {
        /// The warn clause.
        span: Span,
        /// The target clause.
        target: Span,
    },
    /// A relative target whose baseline was not found.
    MissingBaseline {
        /// The KPI.
        kpi: String,
        /// The group (`vip`, `lifecycle = loyal`, `all members`).
        group: String,
        /// The target.
        span: Span,
        /// The baseline file looked in, if one was given.
        file: Option<String>,
    },
    /// A baseline dated after the evaluation date or after the target's deadline: judging
    /// against it would compare with a measure taken later.
    BaselineTooLate {
        /// The KPI.
        kpi: String,
        /// The baseline's date.
        dated: chrono::NaiveDate,
        /// `--as-of` or `the deadline`.
        limit_name: &'static str,
        /// That date.
        limit: chrono::NaiveDate,
        /// The target.
        span: Span,
    },
    /// A relative target whose baseline is being recorded by this run (warning).
    BaselineRecorded {
        /// The KPI.
        kpi: String,
        /// The group.
        group: String,
        /// The target.
        span: Span,
        /// The file being written.
        file: String,
    },
    /// A relative target of a baseline of 0, which any change of it leaves at 0 (warning).
    ZeroBaseline {
        /// The KPI.
        kpi: String,
        /// The groups.
        group: String,
        /// The target.
        span: Span,
    },
    /// A baseline file that cannot be read or is not a segc baseline.
    BadBaselineFile {
        /// The path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// `--kpi NAME` naming no KPI.
    UnknownSelectedKpi {
        /// The name.
        name: String,
        /// Close KPI names.
        candidates: Vec<String>,
    },
    /// `segc kpi` on rules that declare no KPI.
    NoKpi,
}

use KpiDiagnostic::*;

impl KpiDiagnostic {
    /// The stable code. Listed in `docs/errors.md`.
    pub fn code(&self) -> &'static str {
        match self {
            MissingClause { .. } => "E1001",
            RepeatedClause { .. } => "E1002",
            WrongScope { .. } => "E1003",
            RepeatedGroup { .. } => "E1004",
            NotAggregated { .. } => "E1005",
            UnknownMeasure { .. } => "E1006",
            RelatedRows { .. } => "E1007",
            PercentileFraction { .. } => "E1008",
            ThresholdUnit { .. } => "E1009",
            EmptyRange { .. } => "E1010",
            ImpossibleChange { .. } => "E1011",
            NotADate { .. } => "E1012",
            SinceAfterDeadline { .. } => "E1013",
            EqualityBound { .. } => "E1014",
            WarnOnTargetSide { .. } => "E1015",
            MissingBaseline { .. } => "E1016",
            BadBaselineFile { .. } => "E1017",
            UnknownSelectedKpi { .. } => "E1018",
            NoKpi => "E1019",
            BaselineTooLate { .. } => "E1020",
            BaselineRecorded { .. } => "W1001",
            ZeroBaseline { .. } => "W1002",
        }
    }

    /// How serious it is.
    pub fn severity(&self) -> Severity {
        match self {
            BaselineRecorded { .. } | ZeroBaseline { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Whether the command's inputs (files, arguments) rather than the rules are to blame.
    pub fn blames_environment(&self) -> bool {
        matches!(self, BadBaselineFile { .. } | UnknownSelectedKpi { .. })
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        match self {
            MissingClause { kpi, clause, .. } => format!("KPI `{kpi}` has no `{clause}`"),
            RepeatedClause { clause, .. } => format!("`{clause}` is written twice"),
            WrongScope {
                name, found, each, ..
            } => {
                if *each {
                    format!("`for each` takes tiers or a split, and `{name}` is {found}")
                } else {
                    format!("`for` takes segments, and `{name}` is {found}")
                }
            }
            RepeatedGroup { name, .. } => format!("segment `{name}` is listed twice"),
            NotAggregated {
                name: Some(name), ..
            } => {
                format!("`{name}` has a value per member, but a KPI value is one number per group")
            }
            NotAggregated { name: None, .. } => {
                "a KPI value must aggregate over the members".into()
            }
            UnknownMeasure { function, .. } => {
                format!("`{function}` does not aggregate over the members")
            }
            RelatedRows {
                function, source, ..
            } => format!("`{function}` cannot take the rows of `{source}` directly"),
            PercentileFraction { .. } => {
                "the percentile must be a number from 0 to 1, or a percentage".into()
            }
            ThresholdUnit { percent: true, .. } => {
                "a percentage for a KPI that is not a ratio".into()
            }
            ThresholdUnit { percent: false, .. } => {
                "a plain number for a KPI that is a ratio".into()
            }
            EmptyRange { .. } => "the lower bound is above the upper bound".into(),
            ImpossibleChange { .. } => "a value cannot fall by 100% or more".into(),
            NotADate { .. } => "expected a date, not a timestamp".into(),
            SinceAfterDeadline { .. } => "the baseline date is not before the deadline".into(),
            EqualityBound { .. } => "targets and warn levels are bounds, not exact values".into(),
            WarnOnTargetSide { .. } => "this warn level flags values that meet the target".into(),
            MissingBaseline { kpi, group, .. } => {
                format!("no baseline for KPI `{kpi}` ({group})")
            }
            BaselineTooLate {
                kpi,
                dated,
                limit_name,
                limit,
                ..
            } => format!(
                "the baseline of KPI `{kpi}` is dated {dated}, after {limit_name} ({limit})"
            ),
            BaselineRecorded { kpi, group, .. } => {
                format!("KPI `{kpi}` ({group}) has no baseline yet")
            }
            ZeroBaseline { kpi, group, .. } => {
                format!("KPI `{kpi}` ({group}) has a baseline of 0: a relative target of it is 0")
            }
            BadBaselineFile { path, message } => {
                format!("cannot use the baseline file `{path}`: {message}")
            }
            UnknownSelectedKpi { name, .. } => format!("no KPI named `{name}`"),
            NoKpi => "these rules declare no KPI".into(),
        }
    }

    /// The main span, if the problem has a place in a rule file.
    pub fn primary_span(&self) -> Option<Span> {
        Some(match self {
            MissingClause { span, .. }
            | WrongScope { span, .. }
            | NotAggregated { span, .. }
            | UnknownMeasure { span, .. }
            | RelatedRows { span, .. }
            | PercentileFraction { span }
            | ThresholdUnit { span, .. }
            | EmptyRange { span }
            | ImpossibleChange { span }
            | NotADate { span }
            | EqualityBound { span }
            | WarnOnTargetSide { span, .. }
            | MissingBaseline { span, .. }
            | BaselineTooLate { span, .. }
            | BaselineRecorded { span, .. }
            | ZeroBaseline { span, .. } => *span,
            RepeatedClause { second, .. } | RepeatedGroup { second, .. } => *second,
            SinceAfterDeadline { since, .. } => *since,
            BadBaselineFile { .. } | UnknownSelectedKpi { .. } | NoKpi => return None,
        })
    }

    /// The text under the primary span.
    pub fn primary_label(&self) -> Option<String> {
        Some(match self {
            RepeatedClause { .. } | RepeatedGroup { .. } => "again here".into(),
            ThresholdUnit { percent: true, .. } => "a percentage".into(),
            ThresholdUnit { percent: false, .. } => "a plain number".into(),
            NotAggregated { .. } => "one value per member".into(),
            SinceAfterDeadline { .. } => "measured on this date".into(),
            WarnOnTargetSide { .. } => "the warn level".into(),
            _ => return None,
        })
    }

    /// Secondary labels.
    pub fn labels(&self) -> Vec<Label> {
        match self {
            RepeatedClause { first, .. } | RepeatedGroup { first, .. } => {
                vec![label(*first, "first here")]
            }
            ThresholdUnit {
                unit, value_span, ..
            } => vec![label(
                *value_span,
                &format!("this is {}", unit_words(*unit)),
            )],
            SinceAfterDeadline { deadline, .. } => vec![label(*deadline, "the deadline")],
            WarnOnTargetSide { target, .. } => vec![label(*target, "the target")],
            _ => Vec::new(),
        }
    }

    /// How to fix it.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            MissingClause { clause: "value", .. } => {
                "add `value = ...`, for example `value = share(orders_12m > 0)`".into()
            }
            MissingClause { .. } => {
                "add `target ...`, for example `target >= 80%` or `target +10% vs baseline`".into()
            }
            RepeatedClause { .. } => "keep one of them".into(),
            WrongScope { name, each: false, found, .. } if *found == "tiers" => {
                format!("write `for each {name}` for one row per tier")
            }
            WrongScope { name, each: true, found, .. } if *found == "a segment" => {
                format!("write `for {name}` for the members of the segment")
            }
            WrongScope { each: false, .. } => {
                "define a segment with the members to measure, and name it after `for`".into()
            }
            WrongScope { .. } => "`for each` takes the name of a `tiers` or `split` item".into(),
            RepeatedGroup { .. } => "remove the repeated name".into(),
            NotAggregated { name: Some(name), .. } => {
                format!("aggregate it over the members, for example `avg({name})` or `sum({name})`")
            }
            NotAggregated { .. } => MEASURES_HELP.into(),
            UnknownMeasure { candidates, .. } if !candidates.is_empty() => {
                super::help::did_you_mean(candidates)
            }
            UnknownMeasure { .. } => MEASURES_HELP.into(),
            RelatedRows {
                function, source, ..
            } => format!(
                "aggregate the rows of each member first, for example `{function}(sum({source}.amount))`, or use count, sum, avg, min or max, which take related rows"
            ),
            PercentileFraction { .. } => "for example `percentile(basket, 90%)`".into(),
            ThresholdUnit { percent: true, .. } => {
                "write the number without `%`; percentages are for ratios such as `share(...)`"
                    .into()
            }
            ThresholdUnit { percent: false, .. } => {
                "ratios are compared to percentages: write `80%` rather than `0.8` or `80`".into()
            }
            EmptyRange { .. } => "write the smaller bound first".into(),
            ImpossibleChange { .. } => "for a fall, write a change above -100%, such as `-5%`".into(),
            NotADate { .. } => "write a date such as `@2026-12-31`".into(),
            SinceAfterDeadline { .. } => {
                "the baseline is measured before the deadline it is judged by".into()
            }
            EqualityBound { .. } => {
                "use `>=`, `>`, `<=`, `<` or `between ... and ...`".into()
            }
            WarnOnTargetSide { .. } => {
                "a warn level flags values on the far side of the target, for example `target >= 50` and `warn < 30`".into()
            }
            MissingBaseline { file: Some(file), .. } => format!(
                "`{file}` has no value for it: record one with `segc kpi --save-baseline {file}`, or write the baseline in the rules: `vs 1200`"
            ),
            MissingBaseline { file: None, .. } => {
                "pass `--baseline FILE` (recorded by `segc kpi --save-baseline FILE`), or write the baseline in the rules: `vs 1200`".into()
            }
            BaselineTooLate { .. } => {
                "a baseline is the value a target starts from: use one recorded on or before the evaluation date (and before the deadline); its groups are reported as without a baseline".into()
            }
            BaselineRecorded { file, .. } => {
                format!("its value is recorded in `{file}`; later runs with `--baseline {file}` judge the target")
            }
            ZeroBaseline { .. } => {
                "write an absolute target instead, such as `>= 100`".into()
            }
            BadBaselineFile { .. } => {
                "baseline files are written by `segc kpi --save-baseline FILE`".into()
            }
            UnknownSelectedKpi { candidates, .. } if !candidates.is_empty() => {
                super::help::did_you_mean(candidates)
            }
            NoKpi => "declare one with `kpi NAME for SEGMENT { value = ... target ... }`".into(),
            _ => return None,
        })
    }
}

const MEASURES_HELP: &str = "KPI values aggregate over the members with count, share (or rate), sum, avg, min, max, median, percentile or nps, combined with + - * /";

/// What a KPI of `unit` measures, in words.
fn unit_words(unit: KpiUnit) -> &'static str {
    match unit {
        KpiUnit::Ratio => "a ratio",
        KpiUnit::Count => "a count",
        KpiUnit::Amount => "an amount",
        KpiUnit::Nps => "a net promoter score",
        KpiUnit::Number => "a number",
    }
}
