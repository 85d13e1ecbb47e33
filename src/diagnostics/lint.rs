//! Lints: warnings about rules that are valid but probably not what was meant, each with a name,
//! a default level and a code (`W05xx` for tiers, `W11xx` for the others). Levels are set per
//! project (`segc.toml`) and per item (`// segc: allow(NAME)`); a denied lint is an error.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;

/// What to do with a lint's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Say nothing.
    Allow,
    /// Report a warning.
    Warn,
    /// Report an error (the rules do not run).
    Deny,
}

impl Level {
    /// The level called `name` (`allow`, `warn`, `deny`).
    pub fn from_name(name: &str) -> Option<Level> {
        Some(match name {
            "allow" => Level::Allow,
            "warn" => Level::Warn,
            "deny" => Level::Deny,
            _ => return None,
        })
    }
}

/// The lints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lint {
    /// A tier that can never be chosen (W0501).
    UnreachableTier,
    /// Tiers without `else` (W0502).
    TiersWithoutElse,
    /// A tier named like another definition (W0503).
    TierShadows,
    /// A `let` nothing uses (W1101).
    UnusedLet,
    /// A source nothing reads (W1102).
    UnusedSource,
    /// A segment whose condition can never hold (W1103).
    AlwaysEmpty,
    /// Two segments with the same condition (W1104).
    DuplicateSegment,
    /// A segment without a label (W1105, allowed by default).
    MissingLabel,
    /// A comparison that leaves out members with a null value (W1106, allowed by default).
    NullableComparison,
    /// A segment whose condition always holds (W1107).
    AlwaysTrue,
    /// A KPI target relative to a recorded baseline, in a project that names none (W1108).
    KpiWithoutBaseline,
    /// A time window reaching further back than the source's declared retention (W1109).
    WindowBeyondRetention,
    /// A segment no `test` of its file mentions (W1110, allowed by default).
    UntestedSegment,
    /// Two segments whose conditions provably select the same members (W1111).
    EqualSegments,
    /// A segment whose members are provably all in another (W1112, allowed by default).
    NestedSegments,
}

impl Lint {
    /// Every lint.
    pub const ALL: [Lint; 15] = [
        Lint::UnreachableTier,
        Lint::TiersWithoutElse,
        Lint::TierShadows,
        Lint::UnusedLet,
        Lint::UnusedSource,
        Lint::AlwaysEmpty,
        Lint::DuplicateSegment,
        Lint::MissingLabel,
        Lint::NullableComparison,
        Lint::AlwaysTrue,
        Lint::KpiWithoutBaseline,
        Lint::WindowBeyondRetention,
        Lint::UntestedSegment,
        Lint::EqualSegments,
        Lint::NestedSegments,
    ];

    /// The lint's name in `segc.toml` and directives.
    pub fn name(self) -> &'static str {
        match self {
            Lint::UnreachableTier => "unreachable-tier",
            Lint::TiersWithoutElse => "tiers-without-else",
            Lint::TierShadows => "tier-shadows",
            Lint::UnusedLet => "unused-let",
            Lint::UnusedSource => "unused-source",
            Lint::AlwaysEmpty => "always-empty",
            Lint::DuplicateSegment => "duplicate-segment",
            Lint::MissingLabel => "missing-label",
            Lint::NullableComparison => "nullable-comparison",
            Lint::AlwaysTrue => "always-true",
            Lint::KpiWithoutBaseline => "kpi-without-baseline",
            Lint::WindowBeyondRetention => "window-beyond-retention",
            Lint::UntestedSegment => "untested-segment",
            Lint::EqualSegments => "equal-segments",
            Lint::NestedSegments => "nested-segments",
        }
    }

    /// The lint called `name`.
    pub fn from_name(name: &str) -> Option<Lint> {
        Lint::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The level a lint has unless configured.
    pub fn default_level(self) -> Level {
        match self {
            Lint::MissingLabel
            | Lint::NullableComparison
            | Lint::UntestedSegment
            | Lint::NestedSegments => Level::Allow,
            _ => Level::Warn,
        }
    }
}

/// A finding of one of the `W11xx` lints.
#[derive(Debug, Clone, PartialEq)]
pub enum LintDiagnostic {
    /// A `let` nothing uses.
    UnusedLet {
        /// The name.
        name: String,
        /// Where it is declared.
        span: Span,
    },
    /// A source that is neither the population nor read by an aggregate.
    UnusedSource {
        /// The name.
        name: String,
        /// Where it is declared.
        span: Span,
    },
    /// A segment whose condition contradicts itself.
    AlwaysEmpty {
        /// The segment.
        name: String,
        /// Its condition.
        span: Span,
    },
    /// A segment with the same condition as an earlier one.
    DuplicateSegment {
        /// The segment.
        name: String,
        /// Its name.
        span: Span,
        /// The earlier segment.
        first: String,
        /// Its name.
        first_span: Span,
    },
    /// A segment without a label.
    MissingLabel {
        /// The segment.
        name: String,
        /// Its name.
        span: Span,
    },
    /// A comparison on a nullable column in a segment, tier or score condition.
    NullableComparison {
        /// The column.
        column: String,
        /// The `let` compared, when the column is read through it (`age` of `birth_date`).
        via: Option<String>,
        /// The comparison.
        span: Span,
    },
    /// A segment whose condition holds for every member.
    AlwaysTrue {
        /// The segment.
        name: String,
        /// Its condition.
        span: Span,
    },
    /// A KPI with a target relative to a recorded baseline, and no baseline in the project.
    KpiWithoutBaseline {
        /// The KPI.
        name: String,
        /// Its target.
        span: Span,
    },
    /// A window `as_of - LENGTH` over a source that keeps less history.
    WindowBeyondRetention {
        /// The source.
        source: String,
        /// The window as written.
        window: String,
        /// The retention as written.
        retention: String,
        /// The window.
        span: Span,
        /// The retention option.
        retention_span: Span,
    },
    /// A segment that no `test` of its file names in an expectation.
    UntestedSegment {
        /// The segment.
        name: String,
        /// Its name.
        span: Span,
    },
    /// Two segments whose conditions provably select the same members, written differently.
    EqualSegments {
        /// The later segment.
        name: String,
        /// Its name.
        span: Span,
        /// The earlier one.
        other: String,
        /// Its name.
        other_span: Span,
    },
    /// A segment whose members are provably all members of another.
    NestedSegments {
        /// The segment inside.
        name: String,
        /// Its name.
        span: Span,
        /// The segment around it.
        outer: String,
        /// Its name.
        outer_span: Span,
    },
    /// A directive naming no lint.
    UnknownLint {
        /// The name written.
        name: String,
        /// The directive comment.
        span: Span,
        /// Close lint names.
        candidates: Vec<String>,
    },
}

impl LintDiagnostic {
    /// Everything this finding says, for the part `d` asks for. The help of a lint's finding
    /// says how to fix it, then how to silence it.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use LintDiagnostic::*;
        match self {
            UnknownLint {
                name,
                span,
                candidates,
            } => d
                .code(W1100)
                .message(|| format!("unknown lint `{name}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        format!("the lints are {}", Lint::ALL.map(Lint::name).join(", "))
                    })
                }),
            EqualSegments {
                name,
                span,
                other,
                other_span,
            } => d
                .code(W1111)
                .message(|| format!(
                    "segments `{name}` and `{other}` select the same members: their conditions are equivalent"
                ))
                .at(*span)
                .label(*other_span, || "the same members")
                .lint(Lint::EqualSegments)
                .fix_or_allow("keep one of them, or define one from the other (`segment NAME = OTHER`)"),
            NestedSegments {
                name,
                span,
                outer,
                outer_span,
            } => d
                .code(W1112)
                .message(|| format!("every member of segment `{name}` is a member of `{outer}`"))
                .at(*span)
                .label(*outer_span, || "contains it")
                .lint(Lint::NestedSegments)
                .fix_or_allow("if both should not be targeted together, exclude one from the other (`and not OUTER`)"),
            UntestedSegment { name, span } => d
                .code(W1110)
                .message(|| format!("no test says who is in segment `{name}`"))
                .at(*span)
                .lint(Lint::UntestedSegment)
                .fix_or_allow("add an expectation to a test: `expect NAME = [1, 2]` (docs/testing.md)"),
            UnusedLet { name, span } => d
                .code(W1101)
                .message(|| format!("`{name}` is never used"))
                .at(*span)
                .lint(Lint::UnusedLet)
                .fix_or_allow("remove it, or use it in a segment, score, tiers item or KPI"),
            UnusedSource { name, span } => d
                .code(W1102)
                .message(|| format!("source `{name}` is never read"))
                .at(*span)
                .lint(Lint::UnusedSource)
                .fix_or_allow("remove it, or aggregate it in a rule: `count(SOURCE)`"),
            AlwaysEmpty { name, span } => d
                .code(W1103)
                .message(|| format!("segment `{name}` is always empty: its condition can never hold"))
                .at(*span)
                .lint(Lint::AlwaysEmpty)
                .fix_or_allow("its bounds or values exclude each other: check the condition"),
            DuplicateSegment {
                name,
                span,
                first,
                first_span,
            } => d
                .code(W1104)
                .message(|| format!("segment `{name}` has the same condition as `{first}`"))
                .at(*span)
                .label(*first_span, || "the same condition")
                .lint(Lint::DuplicateSegment)
                .fix_or_allow("keep one of them, or define one from the other"),
            MissingLabel { name, span } => d
                .code(W1105)
                .message(|| format!("segment `{name}` has no label"))
                .at(*span)
                .lint(Lint::MissingLabel)
                .fix_or_allow("add a label for reports: `segment NAME \"Label\" = ...`"),
            NullableComparison { column, via, span } => d
                .code(W1106)
                .message(|| match via {
                    Some(name) => format!(
                        "members without `{column}` are never taken by this comparison of `{name}`, null for them"
                    ),
                    None => format!("members without `{column}` are never taken by this comparison"),
                })
                .at(*span)
                .lint(Lint::NullableComparison)
                .fix_or_allow(
                    "say what a missing value means: `coalesce(x, 0) > 5` or `x is null or x > 5`",
                ),
            AlwaysTrue { name, span } => d
                .code(W1107)
                .message(|| format!("segment `{name}` takes every member: its condition always holds"))
                .at(*span)
                .lint(Lint::AlwaysTrue)
                .fix_or_allow(
                    "a segment of everyone says nothing: check the condition, or measure the population itself",
                ),
            KpiWithoutBaseline { name, span } => d
                .code(W1108)
                .message(|| format!(
                    "KPI `{name}` is measured against a baseline, and the project names no baseline file"
                ))
                .at(*span)
                .lint(Lint::KpiWithoutBaseline)
                .fix_or_allow(
                    "record one with `segc kpi --save-baseline baseline.json` and name it in segc.toml: `[kpi] baseline = \"baseline.json\"`",
                ),
            WindowBeyondRetention {
                source,
                window,
                retention,
                span,
                retention_span,
            } => d
                .code(W1109)
                .message(|| format!(
                    "this window goes back {window}, but `{source}` keeps only {retention} of history"
                ))
                .at(*span)
                .label(*retention_span, || "retention declared here")
                .lint(Lint::WindowBeyondRetention)
                .fix_or_allow(
                    "older rows are not in the data, so the window silently covers less: shorten it to the retention",
                ),
        }
    }
}
