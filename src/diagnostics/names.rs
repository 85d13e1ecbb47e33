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
    /// A column of a source related to the population (many rows per member) used directly in
    /// a rule.
    NotPopulationColumn {
        /// `source.column` as written.
        name: String,
        /// The source it belongs to.
        source: String,
        /// The column.
        column: String,
        /// The population source.
        population: String,
        /// The aggregate that fits the column's type.
        hint: AggregateHint,
        /// Where it is used.
        span: Span,
    },
    /// A column of a source that no path of references leads to from the rows being evaluated.
    NoReferencePath {
        /// `source.column` as written.
        name: String,
        /// The source of the rows being evaluated (the population, or the aggregated source).
        from: String,
        /// The source named.
        to: String,
        /// The declaration that would give a path (boxed: diagnostics stay small).
        fix: Box<PathFix>,
        /// Whether the name is inside an aggregate over `from`.
        in_aggregate: bool,
        /// Where it is used.
        span: Span,
    },
    /// A column of a source reached from the rows being evaluated by several paths of
    /// references.
    AmbiguousPath {
        /// `source.column` as written.
        name: String,
        /// The source of the rows being evaluated.
        from: String,
        /// The paths, each as the `source.column` references it follows.
        paths: Vec<Vec<String>>,
        /// Where it is used.
        span: Span,
    },
    /// A bare tier name compared with its tiers, where the name is also another definition.
    TierNameTaken {
        /// The name.
        name: String,
        /// The tiers it is a tier of.
        tiers: String,
        /// What else it names.
        kind: NameKind,
        /// Where it is used.
        span: Span,
        /// Where the other definition is declared.
        other: Span,
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
    /// A `let` computed from a member's data, named inside an aggregate's expressions.
    MemberLetInAggregate {
        /// The `let`.
        name: String,
        /// The aggregated source.
        source: String,
        /// Where it is named.
        span: Span,
        /// Where it is declared.
        declared: Span,
    },
    /// An aggregate over a source with no column referencing the population.
    MissingLink {
        /// The aggregated source.
        source: String,
        /// The population.
        population: String,
        /// The population's key declaration (`customer_id: int`), for the suggested link.
        key: String,
        /// When the population references the source (one row of it per member): a column of
        /// the source to look up instead (`companies.naf_code`).
        lookup: Option<String>,
        /// The aggregate's argument.
        span: Span,
        /// Where the source is declared.
        source_span: Span,
    },
    /// An aggregate over a source whose rows reach the population by several paths of
    /// references.
    AmbiguousLink {
        /// The aggregated source.
        source: String,
        /// The population.
        population: String,
        /// The paths, each as the `source.column` references it follows.
        paths: Vec<Vec<String>>,
        /// The aggregate's argument.
        span: Span,
    },
}

/// The declaration a help proposes when no path of references leads to a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathFix {
    /// A column of the rows' source is named like the other source's key: declare it
    /// `references` that source (then the column is looked up).
    Reference {
        /// The column of the rows' source.
        column: String,
    },
    /// A column of the other source is named like the population's key: declare it
    /// `references` the population (then the source is related, and aggregated).
    Related {
        /// The column of the other source.
        column: String,
        /// The aggregate fitting the column used.
        hint: AggregateHint,
        /// The column used.
        used: String,
    },
    /// A new column holding the other source's key (`company_id: string`), if it has one.
    Declare {
        /// The key as declared.
        key: Option<String>,
    },
}

/// The aggregate a help proposes for a column of a related source, by the column's type: one
/// that is valid for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateHint {
    /// A number: `sum(orders.amount)`.
    Sum,
    /// A date or timestamp: `max(orders.ordered_at)`.
    Latest,
    /// A condition: `exists(orders where flag)`.
    Exists,
    /// Text and others: `exists(orders where channel == ...)`.
    Matching,
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
                column,
                population,
                hint,
                span,
            } => d
                .code(E0206)
                .message(|| format!("`{name}` is not a column of the population `{population}`"))
                .at(*span)
                .primary_label(|| format!("a column of `{source}`, which has many rows per member"))
                .help(|| {
                    format!(
                        "rules are evaluated per member of `{population}`; aggregate the rows of `{source}` of each member, e.g. {}",
                        aggregate_example(*hint, source, column)
                    )
                }),
            NoReferencePath {
                name,
                from,
                to,
                fix,
                in_aggregate,
                span,
            } => d
                .code(E0211)
                .message(|| {
                    if *in_aggregate {
                        format!("no reference leads from the rows of `{from}` to `{to}`, for `{name}`")
                    } else {
                        format!("no reference leads from the population `{from}` to `{to}`, for `{name}`")
                    }
                })
                .at(*span)
                .primary_label(|| format!("a column of `{to}`"))
                .help(|| match &**fix {
                    PathFix::Reference { column } => format!(
                        "to look up `{to}` from each row of `{from}`, declare `{from}.{column}` with `references {to}`"
                    ),
                    PathFix::Related { column, hint, used } => format!(
                        "if `{to}.{column}` holds keys of `{from}`, declare it with `references {from}`, then aggregate the rows of `{to}` of each member, e.g. {}",
                        aggregate_example(*hint, to, used)
                    ),
                    PathFix::Declare { key: Some(key) } => format!(
                        "to look up `{to}` from each row of `{from}`, declare the column of `{from}` holding its key: `{key} references {to}`"
                    ),
                    PathFix::Declare { key: None } => format!(
                        "`{to}` has no key: declare one (`key ...`), then a column of `{from}` that `references {to}`"
                    ),
                }),
            AmbiguousPath {
                name,
                from,
                paths,
                span,
            } => d
                .code(E0212)
                .message(|| format!("`{name}` can be reached from `{from}` by several paths of references"))
                .at(*span)
                .help(|| format!(
                    "the paths are {}: keep `references` on the columns of one of them",
                    path_list(paths)
                )),
            TierNameTaken {
                name,
                tiers,
                kind,
                span,
                other,
            } => d
                .code(E0213)
                .message(|| format!("`{name}` is a tier of `{tiers}` and also a {}", kind.word()))
                .at(*span)
                .primary_label(|| format!("names the {} here", kind.word()))
                .label(*other, || format!("the {} `{name}`", kind.word()))
                .help(|| format!("write the tier in quotes, `{tiers} == \"{name}\"`, or rename the {}", kind.word())),
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
            MemberLetInAggregate {
                name,
                source,
                span,
                declared,
            } => d
                .code(E0208)
                .message(|| {
                    format!("`{name}` depends on each member's data and cannot be used inside an aggregate over `{source}`")
                })
                .at(*span)
                .primary_label(|| "a member's value")
                .label(*declared, || "declared here")
                .help(|| {
                    format!("inside an aggregate, names are the columns of `{source}` and constant `let`s (literals, `as_of`, durations); compare with `{name}` outside the aggregate, or write its value here")
                }),
            MissingLink {
                source,
                population,
                key,
                lookup,
                span,
                source_span,
            } => d
                .code(E0209)
                .message(|| format!("`{source}` is not linked to the population `{population}`"))
                .at(*span)
                .label(*source_span, || "source declared here")
                .help(|| match lookup {
                    Some(lookup) => format!(
                        "each member of `{population}` has at most one row of `{source}`: read its columns directly (`{lookup}`), or make `{source}` the population (`population {source}`) to segment its rows"
                    ),
                    None => format!(
                        "declare the column of `{source}` holding the member's key, `{key} references {population}`, or a column referencing a source that leads to `{population}`"
                    ),
                }),
            AmbiguousLink {
                source,
                population,
                paths,
                span,
            } => d
                .code(E0210)
                .message(|| format!("`{source}` is linked to `{population}` by several paths of references"))
                .at(*span)
                .help(|| format!(
                    "the paths are {}: keep `references` on the columns of one of them",
                    path_list(paths)
                )),
        }
    }
}

/// An aggregate of `source.column` valid for the column's type.
fn aggregate_example(hint: AggregateHint, source: &str, column: &str) -> String {
    match hint {
        AggregateHint::Sum => format!("`sum({source}.{column})`"),
        AggregateHint::Latest => format!("`max({source}.{column})`"),
        AggregateHint::Exists => format!("`exists({source} where {column})`"),
        AggregateHint::Matching => format!("`exists({source} where {column} == ...)`"),
    }
}

/// Paths of references in words: `` `orders.contact_id` → `contacts.company_id` and `orders.company_id` ``.
fn path_list(paths: &[Vec<String>]) -> String {
    let each: Vec<String> = paths
        .iter()
        .map(|p| {
            p.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .collect();
    each.join(" and ")
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
