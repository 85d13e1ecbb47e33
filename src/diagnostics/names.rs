//! Problems with names (`E02xx`): unknown, repeated or reserved names, columns out of reach.

use serde::Serialize;

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;

/// A problem with a name.
#[derive(Debug, Clone, PartialEq)]
pub enum NameDiagnostic {
    /// A name that is not declared.
    UnknownName {
        /// What kind of thing was named.
        kind: NameKind,
        /// The name.
        name: String,
        /// Where it is used.
        span: Span,
        /// Close names that exist.
        candidates: Vec<String>,
    },
    /// A column that the named source does not declare.
    UnknownColumn {
        /// The source.
        source: String,
        /// The column name.
        name: String,
        /// Where it is used.
        span: Span,
        /// Where the source is declared.
        source_span: Span,
        /// Close column names.
        candidates: Vec<String>,
    },
    /// An unknown function.
    UnknownFunction {
        /// The name.
        name: String,
        /// Where it is called.
        span: Span,
        /// Close function names.
        candidates: Vec<String>,
    },
    /// A name declared twice.
    DuplicateName {
        /// What kind of thing.
        kind: NameKind,
        /// The name.
        name: String,
        /// The first declaration.
        first: Span,
        /// The repeated declaration.
        second: Span,
    },
    /// A declaration that reuses a built-in name (`as_of`).
    ReservedName {
        /// The name.
        name: String,
        /// Where it is declared.
        span: Span,
    },
    /// A column of a source other than the population used directly in a rule.
    NotPopulationColumn {
        /// `source.column` as written.
        name: String,
        /// The source it belongs to.
        source: String,
        /// The population source.
        population: String,
        /// Where it is used.
        span: Span,
    },
    /// A qualified name with more than two parts (`a.b.c`).
    BadQualifiedName {
        /// Where it is used.
        span: Span,
    },
    /// Inside an aggregate, a name that is not a column of the aggregated source.
    NotInAggregateSource {
        /// The name.
        name: String,
        /// The aggregated source.
        source: String,
        /// Where it is used.
        span: Span,
        /// Close column names of the source.
        candidates: Vec<String>,
    },
    /// An aggregate over a source with no column referencing the population.
    MissingLink {
        /// The aggregated source.
        source: String,
        /// The population.
        population: String,
        /// The population's key declaration (`customer_id: int`), for the suggested link.
        key: String,
        /// The aggregate's argument.
        span: Span,
        /// Where the source is declared.
        source_span: Span,
    },
    /// An aggregate over a source with several columns referencing the population.
    AmbiguousLink {
        /// The aggregated source.
        source: String,
        /// The population.
        population: String,
        /// The referencing columns.
        columns: Vec<String>,
        /// The aggregate's argument.
        span: Span,
    },
}

/// What kind of name was not found or was declared twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameKind {
    /// A data source.
    Source,
    /// A column of a source.
    Column,
    /// A `let` value.
    Let,
    /// A segment.
    Segment,
    /// Anything an expression can name: a column, a `let`, a segment or `as_of`.
    Value,
    /// A reader option of a source.
    Option,
    /// A score.
    Score,
    /// A tiers item.
    Tiers,
    /// One tier of a tiers item.
    Tier,
    /// A KPI.
    Kpi,
}

impl NameDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use NameDiagnostic::*;
        match self {
            UnknownName {
                kind,
                name,
                span,
                candidates,
            } => d
                .code(E0201)
                .message(|| format!("unknown {} `{name}`", kind.word()))
                .at(*span)
                .primary_label(|| "not found")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| match kind {
                        NameKind::Source => format!(
                            "declare it first: `source {name} from parquet \"...\" {{ ... }}`"
                        ),
                        NameKind::Segment => format!("declare it: `segment {name} = ...`"),
                        NameKind::Tiers => format!(
                            "declare it: `tiers {name} {{ ... }}` or `split {name} of ... {{ ... }}`"
                        ),
                        _ => "names in rules are columns of the population, `let` values, segments or `as_of`"
                            .into(),
                    })
                }),
            UnknownColumn {
                source,
                name,
                span,
                source_span,
                candidates,
            } => d
                .code(E0202)
                .message(|| format!("source `{source}` has no column `{name}`"))
                .at(*span)
                .primary_label(|| "not found")
                .label(*source_span, || "source declared here")
                .help(|| did_you_mean(candidates)),
            UnknownFunction {
                name,
                span,
                candidates,
            } => d
                .code(E0203)
                .message(|| format!("unknown function `{name}`"))
                .at(*span)
                .primary_label(|| "not found")
                .help(|| did_you_mean(candidates)),
            DuplicateName {
                kind,
                name,
                first,
                second,
            } => d
                .code(E0204)
                .message(|| format!("{} `{name}` is declared twice", kind.word()))
                .at(*second)
                .primary_label(|| "declared again here")
                .label(*first, || "first declared here")
                .help(|| "rename one of them"),
            ReservedName { name, span } => d
                .code(E0205)
                .message(|| format!("`{name}` is a built-in name"))
                .at(*span)
                .help(|| "choose another name"),
            NotPopulationColumn {
                name,
                source,
                population,
                span,
            } => d
                .code(E0206)
                .message(|| format!("`{name}` is not a column of the population `{population}`"))
                .at(*span)
                .primary_label(|| format!("a column of `{source}`"))
                .help(|| format!(
                    "rules are evaluated per member of `{population}`; aggregate other sources, e.g. `sum({name})` or `count(... where ...)`"
                )),
            BadQualifiedName { span } => d
                .code(E0207)
                .message(|| "only `source.column` names can be qualified")
                .at(*span),
            NotInAggregateSource {
                name,
                source,
                span,
                candidates,
            } => d
                .code(E0208)
                .message(|| {
                    format!("`{name}` is not a column of `{source}`, the source being aggregated")
                })
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| format!(
                        "inside an aggregate over `{source}`, names are its columns; use member values outside the aggregate"
                    ))
                }),
            MissingLink {
                source,
                population,
                key,
                span,
                source_span,
            } => d
                .code(E0209)
                .message(|| format!("`{source}` is not linked to the population `{population}`"))
                .at(*span)
                .label(*source_span, || "source declared here")
                .help(|| format!(
                    "declare the column of `{source}` holding the member's key: `{key} references {population}`"
                )),
            AmbiguousLink {
                source,
                population,
                columns,
                span,
            } => d
                .code(E0210)
                .message(|| format!("`{source}` has several columns referencing `{population}`"))
                .at(*span)
                .help(|| {
                    format!(
                        "keep `references` on one of {}",
                        columns
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
        }
    }
}

impl NameKind {
    /// The kind in words (`source`, `KPI`).
    pub(super) fn word(self) -> &'static str {
        match self {
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
}
