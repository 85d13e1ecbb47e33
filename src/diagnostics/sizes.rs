//! Size expectations and overlaps of segments (`E14xx`, `W14xx`): `expect` clauses written in
//! the wrong form or that cannot all hold, expectations a run found broken, and segments whose
//! members overlap beyond the project's threshold.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use super::names::NameKind;
use crate::span::Span;

/// Why an `expect` clause is not well formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeFormProblem {
    /// `members` with a percentage.
    ShareForMembers,
    /// `size` with a number of members.
    CountForSize,
    /// `members` with a number that is not whole.
    FractionalCount,
    /// A share above 100%.
    ShareAbove100,
    /// `between` a high and a low bound.
    EmptyRange,
    /// `members ... of SEGMENT`: a count is not of anything.
    OfWithMembers,
}

/// Whose size an expectation is about, as shown.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeOf {
    /// A segment.
    Segment(String),
    /// A tier of a tiers item.
    Tier {
        /// The tiers item.
        tiers: String,
        /// The tier.
        tier: String,
    },
}

impl SizeOf {
    fn words(&self) -> String {
        match self {
            SizeOf::Segment(name) => format!("segment `{name}`"),
            SizeOf::Tier { tiers, tier } => format!("tier `{tier}` of `{tiers}`"),
        }
    }
}

/// What a run measured for a broken expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Members of the segment or tier.
    pub members: u64,
    /// For a share: the members of what it is a share of (`None`: the population) and their
    /// number.
    pub of: Option<(Option<String>, u64)>,
}

impl Measured {
    fn words(&self) -> String {
        let Some((of, base)) = &self.of else {
            return format!("{} members", self.members);
        };
        let share = if *base == 0 {
            0.0
        } else {
            self.members as f64 * 100.0 / *base as f64
        };
        let whole = match of {
            None => format!("the population ({base} members)"),
            Some(name) => format!("`{name}` ({base} members)"),
        };
        format!("{} members, {share:.1}% of {whole}", self.members)
    }
}

/// A problem with the size of segments.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeDiagnostic {
    /// An `expect` clause of the wrong form (E1401).
    WrongForm {
        /// What is wrong.
        problem: SizeFormProblem,
        /// The part of the clause at fault.
        span: Span,
    },
    /// `of NAME` naming something other than another segment (E1402).
    NotASegment {
        /// The name.
        name: String,
        /// What it names (`None`: nothing; `Some(Segment)`: the segment itself).
        found: Option<NameKind>,
        /// The name in the clause.
        span: Span,
        /// Segments with a close name.
        candidates: Vec<String>,
    },
    /// Two expectations that cannot both hold, whatever the data (E1403).
    Contradiction(Box<Contradiction>),
    /// An expectation the run found broken: an error (`else error`, E1410) or a warning
    /// (W1401).
    Broken(Box<Broken>),
    /// Two segments whose members overlap more than the project allows (W1402).
    Overlap(Box<Overlap>),
}

/// Two expectations that cannot both hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Contradiction {
    /// The expectation reported.
    pub subject: SizeOf,
    /// Its clause.
    pub span: Span,
    /// The segment whose expectation it contradicts.
    pub other: SizeOf,
    /// That expectation's clause.
    pub other_span: Span,
    /// How the two subjects relate.
    pub nested: Nesting,
}

/// An expectation a run found broken.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    /// Whose size.
    pub subject: SizeOf,
    /// The expectation in canonical words (`size between 2% and 10%`).
    pub expected: String,
    /// What was measured.
    pub measured: Measured,
    /// Whether the author made it an error.
    pub is_error: bool,
    /// The clause.
    pub span: Span,
}

/// Two segments (or a tier and a segment) overlapping beyond the project's threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// The first segment (or tier).
    pub first: SizeOf,
    /// The second segment.
    pub second: SizeOf,
    /// Members in both.
    pub common: u64,
    /// Their Jaccard index.
    pub jaccard: f64,
    /// The project's `[overlaps] max_jaccard`.
    pub threshold: f64,
    /// Where the first is declared.
    pub span: Span,
    /// Where the second is declared.
    pub other: Span,
}

/// How the two segments of a contradiction relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Both expectations are about the same segment or tier.
    Same,
    /// Every member of the subject is provably a member of the other.
    Inside,
    /// Every member of the other is provably a member of the subject.
    Contains,
}

impl SizeDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use SizeDiagnostic::*;
        match self {
            WrongForm { problem, span } => d
                .code(E1401)
                .message(|| form_message(*problem))
                .at(*span)
                .primary_label(|| form_label(*problem))
                .help(|| form_help(*problem)),
            NotASegment {
                name,
                found,
                span,
                candidates,
            } => d
                .code(E1402)
                .message(|| match found {
                    None => format!("`{name}` is not a segment: a share is taken of another segment"),
                    Some(NameKind::Segment) => {
                        format!("a share of `{name}` itself is always 100%")
                    }
                    Some(NameKind::Tiers) => format!(
                        "`{name}` is a tiers item, not a segment: a share is taken of another segment"
                    ),
                    Some(kind) => format!(
                        "`{name}` is a {}, not a segment: a share is taken of another segment",
                        kind.word()
                    ),
                })
                .at(*span)
                .primary_label(|| "not another segment")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "name another segment (`expect size <= 30% of clients`), or leave `of` out for a share of the population".into()
                    })
                }),
            Contradiction(c) => d
                .code(E1403)
                .message(|| match c.nested {
                    Nesting::Same => format!(
                        "the expectations of {} cannot both hold",
                        c.subject.words()
                    ),
                    Nesting::Inside => format!(
                        "{} is inside {}, which is expected to be smaller",
                        c.subject.words(),
                        c.other.words()
                    ),
                    Nesting::Contains => format!(
                        "{} contains {}, which is expected to be larger",
                        c.subject.words(),
                        c.other.words()
                    ),
                })
                .at(c.span)
                .primary_label(|| "this expectation")
                .label(c.other_span, || "cannot hold together with this one")
                .help(|| match c.nested {
                    Nesting::Same => "keep the range that is meant, or widen one of them",
                    _ => "a segment inside another has at most its members: make the ranges compatible, or fix the conditions if the segment should not be inside the other",
                }),
            Broken(b) => d
                .code(if b.is_error { E1410 } else { W1401 })
                .message(|| format!(
                    "{} has {}: expected {}",
                    b.subject.words(),
                    b.measured.words(),
                    b.expected
                ))
                .at(b.span)
                .primary_label(|| "this expectation is broken")
                .help(|| {
                    if b.is_error {
                        "the outputs are written (summary.json records the expectation); look at the data or the condition before using them"
                    } else {
                        "a warning (add `else error` to make it an error); `--fail-on expectation` of `segc run` and `segc kpi` fails on it in CI"
                    }
                }),
            Overlap(o) => d
                .code(W1402)
                .message(|| format!(
                    "{} and {} share {} members: Jaccard index {:.2}, above the project's {}",
                    o.first.words(),
                    o.second.words(),
                    o.common,
                    o.jaccard,
                    o.threshold
                ))
                .at(o.span)
                .primary_label(|| "this segment")
                .label(o.other, || "overlaps this one")
                .help(|| "segments that nearly coincide target the same people twice: merge them, or make one exclude the other (`and not other`); `[overlaps] max_jaccard` in segc.toml sets the threshold"),
        }
    }
}

fn form_message(problem: SizeFormProblem) -> &'static str {
    match problem {
        SizeFormProblem::ShareForMembers => {
            "`members` counts members: a whole number, not a percentage"
        }
        SizeFormProblem::CountForSize => "`size` is a share: a percentage, not a number of members",
        SizeFormProblem::FractionalCount => "a number of members is a whole number",
        SizeFormProblem::ShareAbove100 => "a share cannot be above 100%",
        SizeFormProblem::EmptyRange => "the range is empty: its low bound is above its high bound",
        SizeFormProblem::OfWithMembers => {
            "`of` takes a share of a segment: a number of members is not of anything"
        }
    }
}

fn form_label(problem: SizeFormProblem) -> &'static str {
    match problem {
        SizeFormProblem::ShareForMembers => "a percentage",
        SizeFormProblem::CountForSize | SizeFormProblem::FractionalCount => "a number",
        SizeFormProblem::ShareAbove100 => "above 100%",
        SizeFormProblem::EmptyRange => "low bound above high bound",
        SizeFormProblem::OfWithMembers => "a share of this segment",
    }
}

fn form_help(problem: SizeFormProblem) -> &'static str {
    match problem {
        SizeFormProblem::ShareForMembers => "for a share, write `expect size >= 10%`",
        SizeFormProblem::CountForSize => "for a number of members, write `expect members >= 500`",
        SizeFormProblem::FractionalCount => "write a whole number: `expect members >= 500`",
        SizeFormProblem::ShareAbove100 => "a share is between 0% and 100%",
        SizeFormProblem::EmptyRange => {
            "write the low bound first: `expect size between 2% and 10%`"
        }
        SizeFormProblem::OfWithMembers => {
            "write `expect members >= 500` or `expect size >= 10% of clients`"
        }
    }
}
