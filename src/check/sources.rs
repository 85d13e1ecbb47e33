//! Checking `source` declarations: formats, options, column types, keys, locations.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use crate::ast::{self, LiteralKind};
use crate::diagnostics::{
    DataDiagnostic, DerivationProblem, Diagnostic, ListProblem, NameDiagnostic, NameKind, Sink,
    SourceDiagnostic, TypeArgumentProblem,
};
use crate::hir::{self, Format, Location};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::{EnumDef, Type};
use crate::vars;

const TYPE_NAMES: &[&str] = &[
    "int",
    "float",
    "decimal",
    "string",
    "bool",
    "date",
    "timestamp",
    "enum",
    "list",
];
const FORMATS: &[&str] = &["parquet", "csv", "delta"];
const CSV_OPTIONS: &[&str] = &["delimiter", "header", "list_delimiter", RETENTION];
const DELTA_OPTIONS: &[&str] = &["version", "at", "at_as_of", RETENTION];
/// The option every format takes.
const RETENTION: &str = "retention";

/// Checks one source declaration. `references` are resolved later, once all sources are known.
pub(super) fn check_source(decl: &ast::SourceDecl, sink: &mut Sink) -> hir::Source {
    let format = check_format(decl, sink);
    let retention = check_retention(decl, sink);
    check_location(&decl.location, sink);
    let mut columns: Vec<hir::Column> = Vec::with_capacity(decl.columns.len());
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut key: Option<(usize, Span)> = None;
    let mut event: Option<(usize, Span)> = None;
    for column in &decl.columns {
        if let Some(first) = seen.get(column.name.name.as_str()) {
            sink.push(Diagnostic::Names(NameDiagnostic::DuplicateName {
                kind: NameKind::Column,
                name: column.name.name.clone(),
                first: *first,
                second: column.name.span,
            }));
            continue;
        }
        seen.insert(&column.name.name, column.name.span);
        if column.is_key {
            if let Some((_, first)) = key {
                sink.push(Diagnostic::Sources(SourceDiagnostic::MultipleKeys {
                    first,
                    second: column.name.span,
                }));
            } else {
                key = Some((columns.len(), column.name.span));
            }
            if column.nullable {
                sink.push(Diagnostic::Sources(SourceDiagnostic::NullableKey {
                    span: column.span,
                }));
            }
        }
        let owner = format!("{}.{}", decl.name.name, column.name.name);
        let ty = resolve_type(&column.ty, owner, sink);
        if matches!(ty, Type::List(_)) {
            check_list_column(column, &format, sink);
        }
        if column.is_event {
            match event {
                Some((_, first)) => {
                    sink.push(Diagnostic::Sources(SourceDiagnostic::MultipleEvents {
                        first,
                        second: column.name.span,
                    }))
                }
                None => event = Some((columns.len(), column.name.span)),
            }
            if !matches!(ty, Type::Date | Type::Timestamp | Type::Error) {
                sink.push(Diagnostic::Sources(SourceDiagnostic::EventType {
                    column: column.name.name.clone(),
                    declared: type_text(&column.ty),
                    span: column.ty.span,
                }));
            }
        }
        if column.is_partition && !partition_type(&ty) {
            sink.push(Diagnostic::Sources(SourceDiagnostic::PartitionType {
                column: column.name.name.clone(),
                declared: type_text(&column.ty),
                span: column.ty.span,
            }));
        }
        columns.push(hir::Column {
            name: column.name.name.clone(),
            ty,
            nullable: column.nullable,
            span: column.span,
            type_text: type_text(&column.ty),
            type_span: column.ty.span,
            references: None,
            partition: column.is_partition,
            derived: None,
        });
    }
    derive_partitions(decl, &mut columns, sink);
    if decl.columns.is_empty() {
        sink.push(Diagnostic::Sources(SourceDiagnostic::EmptySource {
            span: decl.name.span,
        }));
    }
    hir::Source {
        name: decl.name.name.clone(),
        span: decl.name.span,
        format,
        location: Location {
            text: decl.location.value.clone(),
            span: decl.location.span,
        },
        columns,
        key: key.map(|(i, _)| i),
        retention,
        event: event.map(|(i, _)| i),
        // Checked once the `let`s are known (`check::time`).
        filter: None,
        freshness: check_freshness(decl, event.is_some(), sink),
    }
}

/// `fresh within LENGTH`: a length of time, over the source's event column unless `by
/// modified`.
fn check_freshness(
    decl: &ast::SourceDecl,
    has_event: bool,
    sink: &mut Sink,
) -> Option<hir::Freshness> {
    let fresh = decl.freshness.as_ref()?;
    if !has_event && fresh.by_modified.is_none() {
        sink.push(Diagnostic::Data(DataDiagnostic::FreshWithoutEvent {
            source: decl.name.name.clone(),
            span: fresh.span,
        }));
        return None;
    }
    let LiteralKind::Duration {
        amount,
        amount_text,
        unit,
    } = &fresh.length.kind
    else {
        return None;
    };
    let length = super::expr::duration(*amount, unit, fresh.length.span, sink)?;
    Some(hir::Freshness {
        length,
        text: format!("{amount_text} {}", unit.name),
        warn: fresh.warn.is_some(),
        by_modified: fresh.by_modified.is_some(),
        span: fresh.span,
    })
}

/// A list column is no key, and a CSV source says how its text is split (`list_delimiter`).
fn check_list_column(column: &ast::ColumnDecl, format: &Format, sink: &mut Sink) {
    let problem = if column.is_key {
        ListProblem::Key
    } else if matches!(
        format,
        Format::Csv {
            list_delimiter: None,
            ..
        }
    ) {
        ListProblem::CsvWithoutDelimiter
    } else {
        return;
    };
    sink.push(Diagnostic::Sources(SourceDiagnostic::ListColumn {
        column: column.name.name.clone(),
        problem,
        span: column.ty.span,
    }));
}

/// Resolves each partition column's `= FUNCTION(COLUMN)` (after all columns are known: the
/// column may be declared after it).
fn derive_partitions(decl: &ast::SourceDecl, columns: &mut [hir::Column], sink: &mut Sink) {
    for written in &decl.columns {
        let Some(derivation) = &written.derivation else {
            continue;
        };
        let problem = |problem| {
            Diagnostic::Sources(SourceDiagnostic::BadDerivation {
                column: written.name.name.clone(),
                problem,
                span: derivation.span,
            })
        };
        if !written.is_partition {
            sink.push(problem(DerivationProblem::NotPartition));
            continue;
        }
        if !matches!(decl.format.name.as_str(), "parquet") {
            sink.push(problem(DerivationProblem::NotParquet));
            continue;
        }
        let (function, gives, result) = match derivation.function.name.as_str() {
            "year" => (hir::DerivedFunction::Year, Type::Int, "int"),
            "month" => (hir::DerivedFunction::Month, Type::Int, "int"),
            "date" => (hir::DerivedFunction::Date, Type::Date, "date"),
            other => {
                sink.push(problem(DerivationProblem::Function(other.to_string())));
                continue;
            }
        };
        let wanted = derivation.column.name.as_str();
        let Some(from) = columns
            .iter()
            .position(|c| c.name == wanted && !c.partition)
        else {
            sink.push(problem(DerivationProblem::Column(wanted.to_string())));
            continue;
        };
        if !matches!(columns[from].ty, Type::Date | Type::Timestamp | Type::Error) {
            sink.push(problem(DerivationProblem::ColumnType {
                name: wanted.to_string(),
                found: columns[from].type_text.clone(),
            }));
            continue;
        }
        let Some(column) = columns.iter_mut().find(|c| c.name == written.name.name) else {
            continue;
        };
        if column.ty != gives && column.ty != Type::Error {
            sink.push(problem(DerivationProblem::ResultType {
                function: derivation.function.name.clone(),
                expected: result,
            }));
            continue;
        }
        column.derived = Some(hir::Derived {
            function,
            column: from,
        });
    }
}

/// Whether a partition column may have type `ty`: the types a folder name is read as.
fn partition_type(ty: &Type) -> bool {
    matches!(
        ty,
        Type::String | Type::Enum(_) | Type::Int | Type::Date | Type::Bool | Type::Error
    )
}

/// The `retention` option, valid for every format: a duration literal.
fn check_retention(decl: &ast::SourceDecl, sink: &mut Sink) -> Option<hir::Retention> {
    let option = decl.options.iter().find(|o| o.name.name == RETENTION)?;
    let LiteralKind::Duration {
        amount,
        amount_text,
        unit,
    } = &option.value.kind
    else {
        sink.push(Diagnostic::Sources(SourceDiagnostic::BadOptionValue {
            name: RETENTION.into(),
            expected: "a length of time such as `13 months` or `90 days`",
            span: option.value.span,
        }));
        return None;
    };
    let length = super::expr::duration(*amount, unit, option.value.span, sink)?;
    Some(hir::Retention {
        length,
        text: format!("{amount_text} {}", unit.name),
        span: option.span,
    })
}

fn check_format(decl: &ast::SourceDecl, sink: &mut Sink) -> Format {
    let mut format = match decl.format.name.as_str() {
        "parquet" => Format::Parquet,
        "csv" => Format::Csv {
            delimiter: b',',
            header: true,
            list_delimiter: None,
        },
        "delta" => Format::Delta(hir::Snapshot::Latest),
        other => {
            sink.push(Diagnostic::Sources(SourceDiagnostic::UnknownFormat {
                name: other.to_string(),
                span: decl.format.span,
                candidates: similar(other, FORMATS.iter().copied()),
            }));
            return Format::Parquet;
        }
    };
    for option in decl.options.iter().filter(|o| o.name.name != RETENTION) {
        check_option(&mut format, option, sink);
    }
    format
}

fn check_option(format: &mut Format, option: &ast::SourceOption, sink: &mut Sink) {
    let unknown = |sink: &mut Sink, format: &Format| {
        let candidates = match format {
            Format::Csv { .. } => similar(&option.name.name, CSV_OPTIONS.iter().copied()),
            Format::Delta(_) => similar(&option.name.name, DELTA_OPTIONS.iter().copied()),
            Format::Parquet => similar(&option.name.name, [RETENTION]),
        };
        sink.push(Diagnostic::Sources(SourceDiagnostic::UnknownOption {
            name: option.name.name.clone(),
            format: format.name().to_string(),
            span: option.name.span,
            candidates,
        }));
    };
    if let Format::Delta(snapshot) = format {
        check_snapshot(snapshot, option, sink)
            .unwrap_or_else(|| unknown(sink, &Format::Delta(*snapshot)));
        return;
    }
    let Format::Csv {
        delimiter,
        header,
        list_delimiter,
    } = format
    else {
        unknown(sink, format);
        return;
    };
    match (option.name.name.as_str(), &option.value.kind) {
        ("delimiter", LiteralKind::String(s)) if s.len() == 1 && s != "\n" && s != "\"" => {
            *delimiter = s.as_bytes()[0];
        }
        ("delimiter", _) => sink.push(Diagnostic::Sources(SourceDiagnostic::BadOptionValue {
            name: "delimiter".into(),
            expected: "a one-character string such as \";\"",
            span: option.value.span,
        })),
        ("list_delimiter", LiteralKind::String(s)) if s.len() == 1 && s != "\n" && s != "\"" => {
            *list_delimiter = Some(s.as_bytes()[0]);
        }
        ("list_delimiter", _) => sink.push(Diagnostic::Sources(SourceDiagnostic::BadOptionValue {
            name: "list_delimiter".into(),
            expected: "a one-character string such as \"|\"",
            span: option.value.span,
        })),
        ("header", LiteralKind::Bool(b)) => *header = *b,
        ("header", _) => sink.push(Diagnostic::Sources(SourceDiagnostic::BadOptionValue {
            name: "header".into(),
            expected: "true or false",
            span: option.value.span,
        })),
        _ => unknown(sink, format),
    }
}

/// A Delta source's option choosing the version it is read at; `None` for an unknown option.
fn check_snapshot(
    snapshot: &mut hir::Snapshot,
    option: &ast::SourceOption,
    sink: &mut Sink,
) -> Option<()> {
    let bad = |sink: &mut Sink, expected: &'static str| {
        sink.push(Diagnostic::Sources(SourceDiagnostic::BadOptionValue {
            name: option.name.name.clone(),
            expected,
            span: option.value.span,
        }))
    };
    let chosen = match (option.name.name.as_str(), &option.value.kind) {
        ("version", LiteralKind::Int(v)) if *v >= 0 => hir::Snapshot::Version(*v),
        ("version", _) => {
            bad(sink, "a version number: 0, 1, 2, ...");
            return Some(());
        }
        ("at", LiteralKind::Date(d)) => hir::Snapshot::At(d.and_time(chrono::NaiveTime::MIN)),
        ("at", LiteralKind::Timestamp(t)) => hir::Snapshot::At(*t),
        ("at", _) => {
            bad(sink, "a date or timestamp such as @2026-10-01");
            return Some(());
        }
        ("at_as_of", LiteralKind::Bool(true)) => hir::Snapshot::AsOf,
        ("at_as_of", LiteralKind::Bool(false)) => return Some(()),
        ("at_as_of", _) => {
            bad(sink, "true or false");
            return Some(());
        }
        _ => return None,
    };
    if *snapshot != hir::Snapshot::Latest {
        bad(sink, "one of `version`, `at` and `at_as_of`, not several");
        return Some(());
    }
    *snapshot = chosen;
    Some(())
}

fn check_location(location: &ast::StringLit, sink: &mut Sink) {
    if let Err(range) = vars::references(&location.value) {
        sink.push(Diagnostic::Sources(SourceDiagnostic::BadVariable {
            span: location.span,
            text: location.value.get(range).unwrap_or_default().to_string(),
        }));
    }
    if holds_credentials(&location.value) {
        sink.push(Diagnostic::Sources(
            SourceDiagnostic::CredentialsInLocation {
                span: location.span,
            },
        ));
    }
}

/// Query parameters that carry credentials: S3 presigned URLs, Azure SAS tokens, GCS signed
/// URLs, bearer tokens.
const CREDENTIAL_PARAMETERS: &[&str] = &[
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "sig",
    "signature",
    "token",
    "access_token",
    "sas",
    "password",
    "secret",
];

/// Whether a location written as a URL carries credentials: a password before its host
/// (`s3://KEY:SECRET@bucket/…`), or a credential parameter in its query. Written as a
/// `${VARIABLE}`, a credential is not in the rule file.
fn holds_credentials(location: &str) -> bool {
    let Some((_, rest)) = location.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let password = authority.split_once('@').is_some_and(|(user, _)| {
        user.split_once(':')
            .is_some_and(|(_, p)| !literal_of_var(p))
    });
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let parameter = query.split('&').any(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        CREDENTIAL_PARAMETERS.contains(&name.to_ascii_lowercase().as_str())
            && !value.is_empty()
            && !literal_of_var(value)
    });
    password || parameter
}

/// Whether `text` is a single `${VARIABLE}` reference (its value comes from outside the file).
fn literal_of_var(text: &str) -> bool {
    text.starts_with("${") && text.ends_with('}') && text.matches("${").count() == 1
}

/// The declared type, or [`Type::Error`] after reporting why it is not one.
fn resolve_type(ty: &ast::TypeExpr, owner: String, sink: &mut Sink) -> Type {
    let name = ty.name.name.as_str();
    let bad = |sink: &mut Sink, problem| {
        sink.push(Diagnostic::Sources(SourceDiagnostic::BadTypeArguments {
            type_name: name.to_string(),
            problem,
            span: ty.span,
        }));
        Type::Error
    };
    if name == "list" {
        return list_type(ty, owner, sink);
    }
    if ty.element.is_some() {
        return bad(sink, TypeArgumentProblem::Unexpected);
    }
    let simple = match name {
        "int" => Some(Type::Int),
        "float" => Some(Type::Float),
        "string" => Some(Type::String),
        "bool" => Some(Type::Bool),
        "date" => Some(Type::Date),
        "timestamp" => Some(Type::Timestamp),
        _ => None,
    };
    if let Some(simple) = simple {
        return match ty.args {
            Some(_) => bad(sink, TypeArgumentProblem::Unexpected),
            None => simple,
        };
    }
    match name {
        "decimal" => {
            let Some(args) = &ty.args else {
                return bad(sink, TypeArgumentProblem::Missing);
            };
            match args.as_slice() {
                [p, s] => match (&p.kind, &s.kind) {
                    (LiteralKind::Int(p), LiteralKind::Int(s))
                        if (1..=38).contains(p) && (0..=*p).contains(s) =>
                    {
                        Type::Decimal {
                            precision: *p as u8,
                            scale: *s as i8,
                        }
                    }
                    (LiteralKind::Int(_), LiteralKind::Int(_)) => {
                        bad(sink, TypeArgumentProblem::DecimalRange)
                    }
                    _ => bad(sink, TypeArgumentProblem::DecimalShape),
                },
                _ => bad(sink, TypeArgumentProblem::DecimalShape),
            }
        }
        "enum" => {
            let args = match &ty.args {
                Some(args) if !args.is_empty() => args,
                _ => return bad(sink, TypeArgumentProblem::Missing),
            };
            let mut values: Vec<String> = Vec::with_capacity(args.len());
            for arg in args {
                let LiteralKind::String(value) = &arg.kind else {
                    return bad(sink, TypeArgumentProblem::EnumValueNotString);
                };
                if values.contains(value) {
                    return bad(sink, TypeArgumentProblem::DuplicateEnumValue(value.clone()));
                }
                values.push(value.clone());
            }
            Type::Enum(Arc::new(EnumDef {
                owner,
                values,
                span: ty.span,
            }))
        }
        other => {
            sink.push(Diagnostic::Sources(SourceDiagnostic::UnknownType {
                name: other.to_string(),
                span: ty.name.span,
                candidates: similar(other, TYPE_NAMES.iter().copied()),
            }));
            Type::Error
        }
    }
}

/// `list<ITEM>`: lists of text (`string`, an enum) or of integers.
fn list_type(ty: &ast::TypeExpr, owner: String, sink: &mut Sink) -> Type {
    let problem = match (&ty.element, &ty.args) {
        (_, Some(_)) => TypeArgumentProblem::Unexpected,
        (None, None) => TypeArgumentProblem::ListItemMissing,
        (Some(item), None) => match resolve_type(item, owner, sink) {
            Type::Error => return Type::Error,
            item @ (Type::String | Type::Int | Type::Enum(_)) => return Type::List(Box::new(item)),
            _ => TypeArgumentProblem::ListItem(type_text(item)),
        },
    };
    sink.push(Diagnostic::Sources(SourceDiagnostic::BadTypeArguments {
        type_name: "list".to_string(),
        problem,
        span: ty.span,
    }));
    Type::Error
}

/// The type as the user wrote it, normalised (`decimal(12, 2)`, `enum("a", "b")`,
/// `list<string>`).
fn type_text(ty: &ast::TypeExpr) -> String {
    if let Some(item) = &ty.element {
        return format!("{}<{}>", ty.name.name, type_text(item));
    }
    match &ty.args {
        None => ty.name.name.clone(),
        Some(args) => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match &a.kind {
                    LiteralKind::String(s) => format!("{s:?}"),
                    LiteralKind::Int(i) => i.to_string(),
                    LiteralKind::Float { text, .. } => text.clone(),
                    _ => "?".to_string(),
                })
                .collect();
            format!("{}({})", ty.name.name, args.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::holds_credentials;

    #[test]
    fn credentials_in_urls_are_found_and_variables_are_not_credentials() {
        assert!(holds_credentials(
            "s3://AKIAEXAMPLE:wJalrXUtn@lake/orders.parquet"
        ));
        assert!(holds_credentials(
            "https://x.blob.core.windows.net/c/o.csv?sv=2024&sig=abc%3D"
        ));
        assert!(holds_credentials(
            "https://h/o.csv?X-Amz-Signature=f00&X-Amz-Date=1"
        ));
        assert!(!holds_credentials(
            "abfss://container@account.dfs.core.windows.net/orders/"
        ));
        assert!(!holds_credentials("https://h/o.csv?sig=${SAS_SIG}"));
        assert!(!holds_credentials("s3://user:${PASSWORD}@lake/x.parquet"));
        assert!(!holds_credentials("data/customers.csv"));
        assert!(!holds_credentials("https://h/o.csv?version=3"));
    }
}
