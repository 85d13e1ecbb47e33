//! Problems with KPIs (`E10xx`, `W10xx`): definitions, targets, baselines and their evaluation.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
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
        /// The baseline file looked in, if one was given (or the project's, not recorded yet).
        file: Option<String>,
        /// Whether that file exists.
        recorded: bool,
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
        problem: BaselineProblem,
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
    /// `frozen "folder"` naming a folder without a run's `summary.json` and membership file
    /// that can be read, or outside the data roots.
    FrozenUnreadable {
        /// The folder's string.
        span: Span,
        /// The folder as resolved.
        dir: String,
        /// Why it cannot be read (the reader's or the system's message).
        message: String,
    },
    /// A frozen run without the segment or tiers a group of the KPI is read from.
    FrozenWithoutOutput {
        /// The folder's string.
        span: Span,
        /// The KPI.
        kpi: String,
        /// The segment or tiers.
        output: String,
        /// Whether it is tiers (or a split).
        tiers: bool,
        /// The folder as resolved.
        dir: String,
    },
    /// A frozen run whose membership file has no column named as the population's key, or one
    /// of another type.
    FrozenKey {
        /// The folder's string.
        span: Span,
        /// The key column.
        key: String,
        /// Its type in the population, as Arrow names it.
        expected: String,
        /// Its type in the run (none: no such column).
        found: Option<String>,
    },
    /// A frozen run that computed a group's segment or tiers from another definition than the
    /// rules' now (the digest `summary.json` records differs).
    FrozenOtherDefinition {
        /// The folder's string.
        span: Span,
        /// The segment or tiers.
        output: String,
        /// Whether it is tiers (or a split).
        tiers: bool,
        /// Where the rules define it now.
        defined: Span,
        /// The folder as resolved.
        dir: String,
    },
    /// A frozen run dated after the KPI's `as_of`.
    FrozenAfterAsOf {
        /// The folder's string.
        span: Span,
        /// The run's `as_of`.
        run: String,
        /// The KPI's.
        as_of: String,
    },
    /// A frozen run whose tiers (or groups of a split) are not named as the rules' arms.
    FrozenOtherTiers {
        /// The folder's string.
        span: Span,
        /// The tiers.
        tiers: String,
        /// The run's names the rules do not have (their members are in no group).
        only_run: Vec<String>,
        /// The rules' names the run does not have (groups without members).
        only_rules: Vec<String>,
    },
    /// `readout vs NAME` naming no group of the KPI.
    ReadoutControl {
        /// The name.
        name: String,
        /// Where.
        span: Span,
        /// The KPI's groups (none for a KPI of the whole population).
        groups: Vec<String>,
    },
    /// `readout` on a value that is neither a share of members nor a mean of one value per
    /// member: no test fits it.
    ReadoutValue {
        /// The `readout` clause.
        span: Span,
        /// The value.
        value_span: Span,
    },
    /// `for each TIERS except NAME` where `NAME` is not a tier of `TIERS`.
    UnknownExcept {
        /// The name.
        name: String,
        /// The tiers or split item.
        tiers: String,
        /// Where.
        span: Span,
        /// Close tier names.
        candidates: Vec<String>,
    },
    /// `target ... for NAME` where `NAME` is not one of the KPI's groups.
    TargetGroup {
        /// The name.
        name: String,
        /// Where.
        span: Span,
        /// Close group names.
        candidates: Vec<String>,
    },
    /// A group named by the `for` of two targets.
    TwoTargets {
        /// The group.
        name: String,
        /// The first mention.
        first: Span,
        /// The second one.
        second: Span,
    },
    /// Targets that all name groups, leaving some groups without one.
    GroupsWithoutTarget {
        /// The groups left out.
        groups: Vec<String>,
        /// The first target.
        span: Span,
    },
    /// An arm whose minimum detectable effect is larger than the change the test is meant to
    /// detect (warning).
    Underpowered {
        /// The KPI.
        kpi: String,
        /// The arm, as shown (`offer_test = a`).
        arm: String,
        /// The minimum detectable effect, relative to the control's value.
        mde: f64,
        /// The relative change to detect.
        detect: f64,
        /// The arm's and the control's sizes.
        sizes: (u64, u64),
        /// The `readout` clause.
        span: Span,
    },
}

/// Why a baseline file cannot be used, worded by its `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineProblem {
    /// The file cannot be read, or is not a baseline file's JSON (the reader's message).
    Unreadable(String),
    /// Recorded in a format version this segc does not read.
    Version {
        /// The file's version.
        found: u32,
        /// The latest version this segc reads (it reads every earlier one too).
        supported: u32,
    },
    /// A value that is not a finite number.
    NotANumber {
        /// The KPI.
        kpi: String,
    },
    /// A KPI and group recorded twice.
    Repeated {
        /// The KPI.
        kpi: String,
        /// The group, as shown.
        group: String,
    },
}

impl std::fmt::Display for BaselineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineProblem::Unreadable(message) => write!(f, "{message}"),
            BaselineProblem::Version { found, supported } => write!(
                f,
                "format version {found} is not supported (this segc reads versions 1 to {supported})"
            ),
            BaselineProblem::NotANumber { kpi } => {
                write!(f, "the value of `{kpi}` is not a number")
            }
            BaselineProblem::Repeated { kpi, group } => {
                write!(f, "`{kpi}` ({group}) is recorded twice")
            }
        }
    }
}

impl KpiDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use KpiDiagnostic::*;
        match self {
            MissingClause { kpi, clause, span } => d
                .code(E1001)
                .message(|| format!("KPI `{kpi}` has no `{clause}`"))
                .at(*span)
                .help(|| match *clause {
                    "value" => "add `value = ...`, for example `value = share(orders_12m > 0)`",
                    _ => "add `target ...`, for example `target >= 80%` or `target +10% vs baseline`",
                }),
            RepeatedClause {
                clause,
                first,
                second,
            } => d
                .code(E1002)
                .message(|| format!("`{clause}` is written twice"))
                .at(*second)
                .primary_label(|| "again here")
                .label(*first, || "first here")
                .help(|| "keep one of them"),
            WrongScope {
                name,
                found,
                each,
                span,
            } => d
                .code(E1003)
                .message(|| {
                    if *each {
                        format!("`for each` takes tiers or a split, and `{name}` is {found}")
                    } else {
                        format!("`for` takes segments, and `{name}` is {found}")
                    }
                })
                .at(*span)
                .help(|| match (*each, *found) {
                    (false, "tiers") => format!("write `for each {name}` for one row per tier"),
                    (true, "a segment") => {
                        format!("write `for {name}` for the members of the segment")
                    }
                    (false, _) => {
                        "define a segment with the members to measure, and name it after `for`"
                            .into()
                    }
                    (true, _) => "`for each` takes the name of a `tiers` or `split` item".into(),
                }),
            RepeatedGroup {
                name,
                first,
                second,
            } => d
                .code(E1004)
                .message(|| format!("segment `{name}` is listed twice"))
                .at(*second)
                .primary_label(|| "again here")
                .label(*first, || "first here")
                .help(|| "remove the repeated name"),
            NotAggregated { span, name } => d
                .code(E1005)
                .message(|| match name {
                    Some(name) => format!(
                        "`{name}` has a value per member, but a KPI value is one number per group"
                    ),
                    None => "a KPI value must aggregate over the members".into(),
                })
                .at(*span)
                .primary_label(|| "one value per member")
                .help(|| match name {
                    Some(name) => format!(
                        "aggregate it over the members, for example `avg({name})` or `sum({name})`"
                    ),
                    None => MEASURES_HELP.into(),
                }),
            UnknownMeasure {
                function,
                span,
                candidates,
            } => d
                .code(E1006)
                .message(|| format!("`{function}` does not aggregate over the members"))
                .at(*span)
                .help(|| did_you_mean(candidates).unwrap_or_else(|| MEASURES_HELP.into())),
            RelatedRows {
                function,
                source,
                span,
            } => d
                .code(E1007)
                .message(|| format!("`{function}` cannot take the rows of `{source}` directly"))
                .at(*span)
                .help(|| format!(
                    "aggregate the rows of each member first, for example `{function}(sum({source}.amount))`, or use count, sum, avg, min or max, which take related rows"
                )),
            PercentileFraction { span } => d
                .code(E1008)
                .message(|| "the percentile must be a number from 0 to 1, or a percentage")
                .at(*span)
                .help(|| "for example `percentile(basket, 90%)`"),
            ThresholdUnit {
                span,
                percent,
                unit,
                value_span,
            } => d
                .code(E1009)
                .message(|| match percent {
                    true => "a percentage for a KPI that is not a ratio",
                    false => "a plain number for a KPI that is a ratio",
                })
                .at(*span)
                .primary_label(|| match percent {
                    true => "a percentage",
                    false => "a plain number",
                })
                .label(*value_span, || format!("this is {}", unit_words(*unit)))
                .help(|| match percent {
                    true => "write the number without `%`; percentages are for ratios: `share(...)`, members over members (`count(where c) / count()`), or rows over rows of one source (`count(emails where opened) / count(emails)`)",
                    false => "ratios are compared to percentages: write `80%` rather than `0.8` or `80`",
                }),
            EmptyRange { span } => d
                .code(E1010)
                .message(|| "the lower bound is above the upper bound")
                .at(*span)
                .help(|| "write the smaller bound first"),
            ImpossibleChange { span } => d
                .code(E1011)
                .message(|| "a value cannot fall by 100% or more")
                .at(*span)
                .help(|| "for a fall, write a change above -100%, such as `-5%`"),
            NotADate { span } => d
                .code(E1012)
                .message(|| "expected a date, not a timestamp")
                .at(*span)
                .help(|| "write a date such as `@2026-12-31`"),
            SinceAfterDeadline { since, deadline } => d
                .code(E1013)
                .message(|| "the baseline date is not before the deadline")
                .at(*since)
                .primary_label(|| "measured on this date")
                .label(*deadline, || "the deadline")
                .help(|| "the baseline is measured before the deadline it is judged by"),
            EqualityBound { span } => d
                .code(E1014)
                .message(|| "targets and warn levels are bounds, not exact values")
                .at(*span)
                .help(|| "use `>=`, `>`, `<=`, `<` or `between ... and ...`"),
            WarnOnTargetSide { span, target } => d
                .code(E1015)
                .message(|| "this warn level flags values that meet the target")
                .at(*span)
                .primary_label(|| "the warn level")
                .label(*target, || "the target")
                .help(|| {
                    "a warn level flags values on the far side of the target, for example `target >= 50` and `warn < 30`"
                }),
            MissingBaseline {
                kpi,
                group,
                span,
                file,
                recorded,
            } => d
                .code(E1016)
                .message(|| format!("no baseline for KPI `{kpi}` ({group})"))
                .at(*span)
                .help(|| match file {
                    Some(file) if !recorded => format!(
                        "the project's baseline file `{file}` is not recorded yet: record it with `segc kpi --save-baseline {file}`, or write the baseline in the rules: `vs 1200`"
                    ),
                    Some(file) => format!(
                        "`{file}` has no value for it: record one with `segc kpi --save-baseline {file}`, or write the baseline in the rules: `vs 1200`"
                    ),
                    None => "pass `--baseline FILE` (recorded by `segc kpi --save-baseline FILE`), or write the baseline in the rules: `vs 1200`".into(),
                }),
            BadBaselineFile { path, problem } => d
                .code(E1017)
                .message(|| format!("cannot use the baseline file `{path}`: {problem}"))
                .help(|| "baseline files are written by `segc kpi --save-baseline FILE`"),
            UnknownSelectedKpi { name, candidates } => d
                .code(E1018)
                .message(|| format!("no KPI named `{name}`"))
                .help(|| did_you_mean(candidates)),
            FrozenUnreadable { span, dir, message } => d
                .code(E1027)
                .message(|| format!("cannot read the frozen audience in `{dir}`: {message}"))
                .at(*span)
                .primary_label(|| "frozen to this run")
                .help(|| "`frozen` names a folder `segc run` wrote (its `summary.json` and `membership.parquet` or `.csv`), relative to this rule file"),
            FrozenWithoutOutput {
                span,
                kpi,
                output,
                tiers,
                dir,
            } => d
                .code(E1028)
                .message(|| {
                    let kind = if *tiers { "tiers or split" } else { "segment" };
                    format!("the run in `{dir}` has no {kind} `{output}`, which KPI `{kpi}` is computed over")
                })
                .at(*span)
                .primary_label(|| "frozen to this run")
                .help(|| "freeze a run of the rules that define the KPI's groups, or compute the groups now: remove `frozen`"),
            FrozenKey {
                span,
                key,
                expected,
                found,
            } => d
                .code(E1029)
                .message(|| match found {
                    Some(found) => format!("the frozen audience's key `{key}` is {found}, the population's is {expected}"),
                    None => format!("the frozen audience has no key column `{key}`"),
                })
                .at(*span)
                .primary_label(|| "frozen to this run")
                .help(|| "freeze a run over the same population: its members are matched to the population's on the key"),
            FrozenOtherDefinition {
                span,
                output,
                tiers,
                defined,
                dir,
            } => d
                .code(W1004)
                .message(|| {
                    let kind = if *tiers { "tiers" } else { "segment" };
                    format!("the run in `{dir}` computed {kind} `{output}` from another definition than the rules' now")
                })
                .at(*span)
                .primary_label(|| "frozen to this run")
                .label(*defined, || "defined otherwise now")
                .help(|| "the groups are the members the run chose by its definition; that is what a readout of a campaign measures. If the run is not the campaign's, freeze the right one"),
            FrozenAfterAsOf { span, run, as_of } => d
                .code(W1005)
                .message(|| format!("the frozen run is as of {run}, after the KPI's as_of ({as_of})"))
                .at(*span)
                .primary_label(|| "frozen to this run")
                .help(|| format!("its members were chosen with data up to {run}: measure on or after that date (`--as-of {run}` or later), or freeze a run as of {as_of} or earlier")),
            FrozenOtherTiers {
                span,
                tiers,
                only_run,
                only_rules,
            } => d
                .code(W1006)
                .message(|| format!("the frozen run's groups of `{tiers}` are not the rules' tiers"))
                .at(*span)
                .primary_label(|| "frozen to this run")
                .help(|| {
                    let names = |names: &[String]| {
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    };
                    let mut parts = Vec::new();
                    if !only_run.is_empty() {
                        parts.push(format!("only the run has {} (its members are in no group)", names(only_run)));
                    }
                    if !only_rules.is_empty() {
                        parts.push(format!("only the rules have {} (no member of the run is in them)", names(only_rules)));
                    }
                    format!("{}; freeze a run of the tiers as the rules name them", parts.join("; "))
                }),
            NoKpi => d
                .code(E1019)
                .message(|| "these rules declare no KPI")
                .help(|| "declare one with `kpi NAME for SEGMENT { value = ... target ... }`"),
            BaselineTooLate {
                kpi,
                dated,
                limit_name,
                limit,
                span,
            } => d
                .code(E1020)
                .message(|| {
                    format!(
                        "the baseline of KPI `{kpi}` is dated {dated}, after {limit_name} ({limit})"
                    )
                })
                .at(*span)
                .help(|| {
                    "a baseline is the value a target starts from: use one recorded on or before the evaluation date (and before the deadline); its groups are reported as without a baseline"
                }),
            BaselineRecorded {
                kpi,
                group,
                span,
                file,
            } => d
                .code(W1001)
                .message(|| format!("KPI `{kpi}` ({group}) has no baseline yet"))
                .at(*span)
                .help(|| format!(
                    "its value is recorded in `{file}`; later runs with `--baseline {file}` judge the target"
                )),
            ReadoutControl { name, span, groups } => d
                .code(E1021)
                .message(|| format!("`{name}` is not one of the groups this KPI is computed over"))
                .at(*span)
                .help(|| match groups.as_slice() {
                    [] => "a readout compares groups: write `for each SPLIT` or `for SEGMENT, SEGMENT_holdout` and name the control group".into(),
                    groups => format!("the control is one of: {}", groups.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")),
                }),
            ReadoutValue { span, value_span } => d
                .code(E1022)
                .message(|| "a readout needs a share of members or a mean of one value per member")
                .at(*span)
                .label(*value_span, || "no test fits this value")
                .help(|| "write `value = share(...)` (a two-proportion test) or `value = avg(...)` of a value per member, such as `avg(sum(orders.amount))` (Welch's t-test)"),
            Underpowered {
                kpi,
                arm,
                mde,
                detect,
                sizes,
                span,
            } => d
                .code(W1003)
                .message(|| {
                    format!(
                        "KPI `{kpi}` ({arm}) cannot detect a change of {:+.1}%: its minimum detectable effect is {:.1}%",
                        detect * 100.0,
                        mde * 100.0
                    )
                })
                .at(*span)
                .help(|| {
                    format!(
                        "with {} members against {} in the control, a real change of {:+.1}% is found less than 80% of the time; give the arms more members (larger shares or a longer test)",
                        sizes.0,
                        sizes.1,
                        detect * 100.0
                    )
                }),
            UnknownExcept {
                name,
                tiers,
                span,
                candidates,
            } => d
                .code(E1023)
                .message(|| format!("`{name}` is not a tier of `{tiers}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        format!("`except` takes names of the tiers (or groups) of `{tiers}`")
                    })
                }),
            TargetGroup {
                name,
                span,
                candidates,
            } => d
                .code(E1024)
                .message(|| format!("this KPI is not computed over a group `{name}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "`target ... for` names segments after the KPI's `for`, or tiers of its `for each`".into()
                    })
                }),
            TwoTargets {
                name,
                first,
                second,
            } => d
                .code(E1025)
                .message(|| format!("`{name}` is given two targets"))
                .at(*second)
                .primary_label(|| "again here")
                .label(*first, || "first here")
                .help(|| "give each group one target"),
            GroupsWithoutTarget { groups, span } => d
                .code(E1026)
                .message(|| {
                    let names: Vec<String> = groups.iter().map(|g| format!("`{g}`")).collect();
                    format!("no target for {}", names.join(", "))
                })
                .at(*span)
                .help(|| "add a target without `for`, which the groups without their own take, or name them after a target's `for`"),
            ZeroBaseline { kpi, group, span } => d
                .code(W1002)
                .message(|| {
                    format!("KPI `{kpi}` ({group}) has a baseline of 0: a relative target of it is 0")
                })
                .at(*span)
                .help(|| "write an absolute target instead, such as `>= 100`"),
        }
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
