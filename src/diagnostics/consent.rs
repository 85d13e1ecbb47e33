//! Consent and audiences (`E17xx`, `W17xx`): consent columns and `audience` clauses written
//! wrong, audiences whose rules let in members without consent, and members a run found without
//! consent in the data.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean, label};
use crate::span::Span;

/// The channels, as the messages list them.
const CHANNELS: &str = "`email`, `sms`, `phone`, `post` or `ads`";

/// Where an audience's rules let in a member without consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapKind {
    /// An `or` branch that does not require the consent.
    Branch,
    /// A tier arm that does not (the tiers item and the arm named in [`Unproven::gap_name`]).
    TierArm,
    /// The `else` arm of tiers: whoever no earlier arm took.
    TierElse,
    /// A `not` of a condition: a negation gives no consent.
    Negation,
    /// The condition as a whole does not require it.
    Condition,
}

/// A definition the path to the gap goes through.
#[derive(Debug, Clone, PartialEq)]
pub struct Through {
    /// What it is (`segment`, `let`, `tiers`) and its name.
    pub what: &'static str,
    /// Its name.
    pub name: String,
    /// Where it is used on the path.
    pub used: Span,
}

/// An audience whose rules are not proven to require the consent of its channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Unproven {
    /// The segment.
    pub segment: String,
    /// The channel.
    pub channel: String,
    /// The consent column's name.
    pub consent: String,
    /// What lets members in without it.
    pub gap: GapKind,
    /// The tier arm or `or` branch's own name, when it has one (`lifecycle.dormant`).
    pub gap_name: Option<String>,
    /// Where it is written.
    pub gap_span: Span,
    /// The definitions followed from the audience's condition to the gap, in order.
    pub through: Vec<Through>,
    /// The `audience` clause.
    pub audience: Span,
}

/// A problem with consent or an audience.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsentDiagnostic {
    /// `consent X` or `audience X` naming no channel (E1701).
    UnknownChannel {
        /// The name written.
        name: String,
        /// Where.
        span: Span,
        /// Channels with a close name.
        candidates: Vec<String>,
    },
    /// A consent column that is not a `bool` (E1702).
    NotBool {
        /// The column.
        column: String,
        /// Its type as written.
        ty: String,
        /// Where the type is written.
        span: Span,
        /// The `consent` mark.
        mark: Span,
    },
    /// A consent from dates whose `given` or `withdrawn` names no column of its source (E1707).
    DatedUnknownColumn {
        /// The name written.
        name: String,
        /// The source.
        source: String,
        /// Where.
        span: Span,
        /// Its columns with a close name.
        candidates: Vec<String>,
    },
    /// A consent from dates whose `given` or `withdrawn` column is not a date or timestamp
    /// (E1708).
    DatedNotDate {
        /// The column.
        column: String,
        /// Its type as written.
        ty: String,
        /// Where the column is named in the consent.
        span: Span,
    },
    /// A consent from dates declared on a source other than the population's (E1709).
    DatedNotPopulation {
        /// The consent's name.
        name: String,
        /// The source.
        source: String,
        /// The declaration.
        span: Span,
    },
    /// Two columns declared the consent for one channel (E1703).
    TwoConsents {
        /// The channel.
        channel: String,
        /// The first mark.
        first: Span,
        /// The second.
        second: Span,
    },
    /// An audience for a channel no column is the consent of (E1704).
    NoConsent {
        /// The segment.
        segment: String,
        /// The channel.
        channel: String,
        /// The `audience` clause.
        span: Span,
    },
    /// An audience whose rules let in members without consent (E1705).
    Unproven(Box<Unproven>),
    /// A consent column that the population cannot read: on a source no lookup reaches
    /// (E1706).
    Unreachable {
        /// The column.
        column: String,
        /// Its source.
        source: String,
        /// The `consent` mark.
        span: Span,
    },
    /// Members a run found without consent in the data: an error that keeps the outputs from
    /// being written (E1710), or a warning (`else warn`, W1701).
    WithoutConsent {
        /// The segment.
        segment: String,
        /// The channel.
        channel: String,
        /// The members found without consent.
        members: u64,
        /// Whether the author made it a warning.
        warn: bool,
        /// The `audience` clause.
        span: Span,
    },
}

impl ConsentDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use ConsentDiagnostic::*;
        match self {
            UnknownChannel {
                name,
                span,
                candidates,
            } => d
                .code(E1701)
                .message(|| format!("`{name}` is not a contact channel"))
                .at(*span)
                .primary_label(|| "unknown channel")
                .help(|| {
                    let known = format!("the channels are {CHANNELS}");
                    match did_you_mean(candidates) {
                        Some(mean) => format!("{mean} ({known})"),
                        None => known,
                    }
                }),
            DatedUnknownColumn {
                name,
                source,
                span,
                candidates,
            } => d
                .code(E1707)
                .message(|| format!("`{name}` is not a column of `{source}`"))
                .at(*span)
                .primary_label(|| "no such column")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        format!("`given` and `withdrawn` name date or timestamp columns declared in `{source}`")
                    })
                }),
            DatedNotDate { column, ty, span } => d
                .code(E1708)
                .message(|| format!("consent date `{column}` is of type `{ty}`, not a date or timestamp"))
                .at(*span)
                .primary_label(|| "not a date")
                .help(|| "`given` and `withdrawn` name the dates the consent was given and withdrawn (`date` or `timestamp`, nullable with `?`); a yes-or-no consent is a `bool` column marked `consent CHANNEL`"),
            DatedNotPopulation { name, source, span } => d
                .code(E1709)
                .message(|| format!("consent `{name}` is declared from dates of `{source}`, not of the population's source"))
                .at(*span)
                .primary_label(|| "not the population's source")
                .help(|| "declare a consent from dates in the population's source; a referenced source's consent is a `bool` column marked `consent CHANNEL`, looked up from the member"),
            NotBool {
                column,
                ty,
                span,
                mark,
            } => d
                .code(E1702)
                .message(|| format!("consent column `{column}` is of type `{ty}`, not `bool`"))
                .at(*span)
                .primary_label(|| "not a `bool`")
                .label(*mark, || "declared a consent here")
                .help(|| "a consent is yes or no: declare a `bool` column (nullable with `?`; null is no consent), or compute one in the data"),
            TwoConsents {
                channel,
                first,
                second,
            } => d
                .code(E1703)
                .message(|| format!("two columns are the consent for `{channel}`"))
                .at(*second)
                .primary_label(|| "declared again here")
                .label(*first, || "first declared here")
                .help(|| "keep one consent per channel: the proof and the run check that column"),
            NoConsent {
                segment,
                channel,
                span,
            } => d
                .code(E1704)
                .message(|| format!("`{segment}` is an audience for `{channel}`, but no column is the consent for `{channel}`"))
                .at(*span)
                .primary_label(|| "no consent declared for this channel")
                .help(|| format!("mark the consent column in its source: `consent_{channel}: bool? consent {channel}`")),
            Unproven(u) => d
                .code(E1705)
                .message(|| format!(
                    "audience `{}` may let in members without `{}` consent",
                    u.segment, u.channel
                ))
                .at(u.gap_span)
                .primary_label(|| gap_label(u))
                .labels(|| {
                    let mut labels: Vec<_> = u
                        .through
                        .iter()
                        .map(|t| label(t.used, format!("through {} `{}`", t.what, t.name)))
                        .collect();
                    labels.push(label(u.audience, "declared an audience here"));
                    labels
                })
                .help(|| gap_help(u)),
            Unreachable {
                column,
                source,
                span,
            } => d
                .code(E1706)
                .message(|| format!(
                    "consent column `{column}` is on `{source}`, which is neither the population nor a source its members reference"
                ))
                .at(*span)
                .primary_label(|| "no member can read this consent")
                .help(|| "declare the consent on the population's source, or on a source it `references` (one row per member)"),
            WithoutConsent {
                segment,
                channel,
                members,
                warn,
                span,
            } => d
                .code(if *warn { W1701 } else { E1710 })
                .message(|| format!(
                    "{members} members of audience `{segment}` have no `{channel}` consent in the data"
                ))
                .at(*span)
                .primary_label(|| "this audience")
                .help(|| {
                    if *warn {
                        "the outputs were written with these members: remove them before contacting (consent null or false, or no row where the consent is looked up)"
                    } else {
                        "nothing was written: the rules require the consent, so the data lacks it (a null consent, or no row where it is looked up); fix the data, or write `audience CHANNEL else warn` to publish with a warning"
                    }
                }),
        }
    }
}

fn gap_label(u: &Unproven) -> String {
    let name = u.gap_name.as_deref().unwrap_or_default();
    match u.gap {
        GapKind::Branch => format!("this branch does not require `{}`", u.consent),
        GapKind::TierArm => format!("tier `{name}` does not require `{}`", u.consent),
        GapKind::TierElse => format!("tier `{name}` takes whoever is left, consent or not"),
        GapKind::Negation => "a negation gives no consent".into(),
        GapKind::Condition => format!("does not require `{}`", u.consent),
    }
}

fn gap_help(u: &Unproven) -> String {
    let c = &u.consent;
    match u.gap {
        GapKind::Branch => format!(
            "require the consent in this branch (`(...) and {c}`), or for the whole audience: `segment {} = (...) and {c}`",
            u.segment
        ),
        GapKind::TierArm | GapKind::TierElse => format!(
            "a tier takes members whatever their consent: require it in the audience, `segment {} = (...) and {c}`",
            u.segment
        ),
        GapKind::Negation => format!(
            "`not` of another condition says nothing of the consent: add `and {c}` to the audience's condition"
        ),
        GapKind::Condition => format!(
            "require the consent: `segment {} = (...) and {c}` (a null consent is no consent)",
            u.segment
        ),
    }
}
