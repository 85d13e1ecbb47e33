//! Problems with definitions (`E05xx`, and the `W05xx` warnings about tiers): cycles, tiers,
//! holdouts and splits.

use super::Lint;
use super::codes::Code::*;
use super::describe::{Describe, Description, label};
use crate::span::Span;

/// A problem with a definition, a score, tiers, a holdout or a split.
#[derive(Debug, Clone, PartialEq)]
pub enum DefinitionDiagnostic {
    /// Definitions that refer to each other in a cycle.
    Cycle {
        /// The definitions in cycle order, each with its declaration name span.
        chain: Vec<(String, Span)>,
    },
    /// Definitions depending on each other more deeply than the plan can take.
    TooDeep {
        /// The deepest definition.
        name: String,
        /// Its name.
        span: Span,
        /// How many definitions deep it is (itself included).
        depth: usize,
        /// The most allowed.
        max: usize,
    },
    /// An `output let` whose value has no column type (a duration, a list, null).
    UnwritableValue {
        /// The `let`.
        name: String,
        /// The value's type.
        ty: crate::types::Type,
        /// `output let NAME`.
        span: Span,
        /// The value.
        value: Span,
    },
    /// `else` that is not the last tier.
    ElseNotLast {
        /// The `else` arm.
        span: Span,
    },
    /// A holdout or split share that is not a percentage in range.
    BadShare {
        /// The share.
        span: Span,
        /// `a holdout` or `a split group`.
        what: &'static str,
    },
    /// Split groups whose shares do not add up to 100 %, or fewer than two groups.
    SplitShares {
        /// The split's name.
        span: Span,
        /// The total of the shares, in percent.
        total: f64,
        /// How many groups.
        groups: usize,
    },
    /// An empty seed.
    EmptySeed {
        /// The seed literal.
        span: Span,
    },
    /// A tier that can never be chosen (warning).
    UnreachableTier {
        /// The tier.
        tier: String,
        /// Its arm.
        span: Span,
        /// The earlier tier that takes all its members, if one does.
        earlier: Option<(String, Span)>,
    },
    /// Tiers without `else`: some members may get no tier (warning).
    TiersWithoutElse {
        /// The tiers' name.
        name: String,
        /// The tiers' name span.
        span: Span,
    },
    /// A tier named like another definition, which wins in expressions (warning).
    TierShadows {
        /// The tier.
        tier: String,
        /// The tier's arm.
        span: Span,
        /// The other definition.
        other: Span,
    },
}

impl DefinitionDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use DefinitionDiagnostic::*;
        match self {
            Cycle { chain } => {
                let name = |i: usize| chain.get(i).map(|(n, _)| n.as_str()).unwrap_or_default();
                d.code(E0501)
                    .message(|| match chain.as_slice() {
                        [(one, _)] => format!("`{one}` is defined in terms of itself"),
                        _ => {
                            let names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
                            format!("cyclic definitions: {} → {}", names.join(" → "), name(0))
                        }
                    })
                    .at(chain.first().map(|(_, s)| *s))
                    .primary_label(|| (chain.len() > 1).then(|| format!("refers to `{}`", name(1))))
                    .labels(|| {
                        let len = chain.len();
                        chain
                            .iter()
                            .enumerate()
                            .skip(1)
                            .map(|(i, (_, span))| {
                                label(*span, format!("refers to `{}`", name((i + 1) % len)))
                            })
                            .collect()
                    })
                    .help(|| "a definition cannot depend on itself, even indirectly")
            }
            TooDeep {
                name,
                span,
                depth,
                max,
            } => d
                .code(E0508)
                .message(|| {
                    format!(
                        "`{name}` ends a chain of {depth} definitions, each using the one before \
                         it (at most {max})"
                    )
                })
                .at(*span)
                .primary_label(|| Some(format!("{depth} definitions deep")))
                .help(|| {
                    "each definition using another is a step of the plan: compute the chain in \
                     fewer steps (one `let` can combine several values)"
                }),
            ElseNotLast { span } => d
                .code(E0502)
                .message(|| "`else` must be the last tier")
                .at(*span)
                .help(|| "tiers after `else` are never chosen; move `else` last"),
            BadShare { span, what } => d
                .code(E0504)
                .message(|| {
                    format!("the share of {what} must be a percentage above 0% and below 100%")
                })
                .at(*span)
                .help(|| "write it like `10%`"),
            SplitShares {
                span,
                total,
                groups,
            } => d
                .code(E0505)
                .message(|| {
                    if *groups < 2 {
                        format!("a split needs at least two groups (total {total}%)")
                    } else {
                        format!("the groups of a split must add up to 100%, not {total}%")
                    }
                })
                .at(*span)
                .help(|| "for example `{ a: 45%, b: 45%, control: 10% }`"),
            UnwritableValue {
                name,
                ty,
                span,
                value,
            } => d
                .code(E0507)
                .message(|| format!("`{name}` cannot be written to the outputs: its type is `{ty}`"))
                .at(*span)
                .label(*value, || format!("of type `{ty}`"))
                .help(|| match ty {
                    crate::types::Type::Duration => {
                        "write a number: `days_between(a, b)` or `months_between(a, b)`".to_string()
                    }
                    _ => "outputs hold numbers, text, conditions, dates and timestamps".to_string(),
                }),
            EmptySeed { span } => d
                .code(E0506)
                .message(|| "the seed is empty")
                .at(*span)
                .help(|| {
                    "name the experiment, e.g. seed \"q4-2026\": the same seed gives the same groups"
                }),
            UnreachableTier {
                tier,
                span,
                earlier,
            } => {
                let described = d
                    .code(W0501)
                    .message(|| match earlier {
                        Some((name, _)) => format!(
                            "tier `{tier}` is never chosen: `{name}` comes first and takes all its members"
                        ),
                        None => {
                            format!("tier `{tier}` is never chosen: its condition can never hold")
                        }
                    })
                    .at(*span)
                    .lint(Lint::UnreachableTier)
                    .help(|| "reorder the tiers (most specific first) or remove this one");
                match earlier {
                    Some((name, earlier)) => {
                        described.label(*earlier, || format!("`{name}` takes them first"))
                    }
                    None => described,
                }
            }
            TiersWithoutElse { name, span } => d
                .code(W0502)
                .message(|| format!("tiers `{name}` have no `else`: some members may get no tier"))
                .at(*span)
                .lint(Lint::TiersWithoutElse)
                .help(|| "add a last tier such as `other: else`; members matching no tier get null"),
            TierShadows { tier, span, other } => d
                .code(W0503)
                .message(|| format!("tier `{tier}` has the name of another definition"))
                .at(*span)
                .label(*other, || "declared here")
                .lint(Lint::TierShadows)
                .help(|| format!(
                    "in expressions `{tier}` names the other definition; compare tiers with \"{tier}\" in quotes"
                )),
        }
    }
}
