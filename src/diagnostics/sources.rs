//! Problems with source declarations (`E03xx`): types, formats, options, keys and the
//! population.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;

/// A problem with a `source` or `population` declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceDiagnostic {
    /// An unknown column type.
    UnknownType {
        /// The type name.
        name: String,
        /// Where it is written.
        span: Span,
        /// Close type names.
        candidates: Vec<String>,
    },
    /// A list column that cannot be read so (E0319, E0320).
    ListColumn {
        /// The column.
        column: String,
        /// What is wrong.
        problem: ListProblem,
        /// Its type.
        span: Span,
    },
    /// Type arguments that do not fit the type (`decimal(50, 2)`, `enum()`, ...).
    BadTypeArguments {
        /// The type name.
        type_name: String,
        /// What is wrong.
        problem: TypeArgumentProblem,
        /// Where.
        span: Span,
    },
    /// An unknown file format.
    UnknownFormat {
        /// The format word.
        name: String,
        /// Where.
        span: Span,
        /// Close formats.
        candidates: Vec<String>,
    },
    /// The population source declares no `key`.
    MissingKey {
        /// The source name.
        source: String,
        /// The source's name span.
        span: Span,
    },
    /// A source declares two keys.
    MultipleKeys {
        /// The first key.
        first: Span,
        /// The second key.
        second: Span,
    },
    /// A second column marked `event` in one source.
    MultipleEvents {
        /// The first event column.
        first: Span,
        /// The second one.
        second: Span,
    },
    /// An `event` column that is not a date or a timestamp.
    EventType {
        /// The column.
        column: String,
        /// Its type as written.
        declared: String,
        /// Where the type is written.
        span: Span,
    },
    /// The `where` of a source or of the population reads something else than the rows' own
    /// columns and constants.
    RowFilterReach {
        /// What it reads (`an aggregate`, `a quantile`, `a column of another source`).
        what: &'static str,
        /// Where.
        span: Span,
    },
    /// `including future` where the rows have no event time.
    FutureWithoutEvent {
        /// The source.
        source: String,
        /// The words.
        span: Span,
    },
    /// A key column marked nullable.
    NullableKey {
        /// The `?`'s column.
        span: Span,
    },
    /// Several sources and no `population` item.
    MissingPopulation {
        /// Where the first source is declared.
        span: Span,
    },
    /// No source declared at all.
    NoSource,
    /// Two `population` items.
    DuplicatePopulation {
        /// The first.
        first: Span,
        /// The second.
        second: Span,
    },
    /// A reader option that the format does not have.
    UnknownOption {
        /// The option name.
        name: String,
        /// The format.
        format: String,
        /// Where.
        span: Span,
        /// Close option names.
        candidates: Vec<String>,
    },
    /// A reader option with a value of the wrong kind.
    BadOptionValue {
        /// The option name.
        name: String,
        /// What it takes, in words.
        expected: &'static str,
        /// The value.
        span: Span,
    },
    /// A malformed `${VAR}` variable reference in a location.
    BadVariable {
        /// The location literal.
        span: Span,
        /// The offending text.
        text: String,
    },
    /// A location that carries credentials (a password in the URL, a signature or token in
    /// its query).
    CredentialsInLocation {
        /// The location literal.
        span: Span,
    },
    /// A partition column of a type folder names are not read as.
    PartitionType {
        /// The column.
        column: String,
        /// Its type as written.
        declared: String,
        /// The type.
        span: Span,
    },
    /// A partition column's `= FUNCTION(COLUMN)` that cannot be used.
    BadDerivation {
        /// The column declared with it.
        column: String,
        /// What is wrong.
        problem: DerivationProblem,
        /// `= ...`.
        span: Span,
    },
    /// A source declaring no column.
    EmptySource {
        /// The source name.
        span: Span,
    },
    /// A `references` column whose type differs from the referenced key's.
    ReferenceType {
        /// The referencing column.
        column: String,
        /// Its type as written.
        declared: String,
        /// `source.key`.
        key: String,
        /// The key's type as written.
        key_type: String,
        /// The referencing column's type.
        span: Span,
        /// The key's declaration.
        key_span: Span,
    },
    /// A column references a source that declares no key.
    ReferenceWithoutKey {
        /// The referencing column.
        column: String,
        /// The referenced source.
        source: String,
        /// The referenced source's name after `references`.
        span: Span,
        /// Where the referenced source is declared.
        source_span: Span,
    },
}

/// What is wrong with type arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeArgumentProblem {
    /// The type takes no arguments.
    Unexpected,
    /// The type needs arguments (`decimal` without precision, `enum` without values).
    Missing,
    /// `decimal` precision or scale out of range.
    DecimalRange,
    /// A non-string enum value.
    EnumValueNotString,
    /// An enum value given twice.
    DuplicateEnumValue(String),
    /// Not two integers for decimal.
    DecimalShape,
    /// `list` without its item type.
    ListItemMissing,
    /// A list of items of a type lists cannot hold (as written).
    ListItem(String),
}

/// Why a list column cannot be declared so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListProblem {
    /// A CSV source without `list_delimiter` (E0319).
    CsvWithoutDelimiter,
    /// The source's key (E0320).
    Key,
}

/// What is wrong with a partition column's derivation.
#[derive(Debug, Clone, PartialEq)]
pub enum DerivationProblem {
    /// The column is not a partition column.
    NotPartition,
    /// The source is not Parquet: only Parquet files have the statistics that show each file
    /// lies in its folder.
    NotParquet,
    /// Not `year`, `month` or `date`.
    Function(String),
    /// No such column of the files.
    Column(String),
    /// The column is not a date or timestamp.
    ColumnType {
        /// The column.
        name: String,
        /// Its type as written.
        found: String,
    },
    /// The declared type is not what the function gives.
    ResultType {
        /// The function.
        function: String,
        /// The type it gives.
        expected: &'static str,
    },
}

impl SourceDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use SourceDiagnostic::*;
        match self {
            UnknownType {
                name,
                span,
                candidates,
            } => d
                .code(E0301)
                .message(|| format!("unknown type `{name}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "types are int, float, decimal(p, s), string, bool, date, timestamp, enum(...) and list<TYPE>"
                            .into()
                    })
                }),
            ListColumn {
                column,
                problem: ListProblem::CsvWithoutDelimiter,
                span,
            } => d
                .code(E0319)
                .message(|| format!(
                    "list column `{column}` in a CSV source without `list_delimiter`"
                ))
                .at(*span)
                .primary_label(|| "a list in CSV text")
                .help(|| {
                    "say what separates the items in the text: `with (list_delimiter = \"|\")` after the location"
                }),
            ListColumn {
                column,
                problem: ListProblem::Key,
                span,
            } => d
                .code(E0320)
                .message(|| format!("the key `{column}` cannot be a list"))
                .at(*span)
                .primary_label(|| "a list")
                .help(|| "a key holds one value per row: declare it `string` or `int`"),
            BadTypeArguments {
                type_name,
                problem,
                span,
            } => d
                .code(E0302)
                .message(|| type_arguments_message(type_name, problem))
                .at(*span)
                .help(|| match problem {
                    TypeArgumentProblem::Unexpected => {
                        "remove the arguments: only decimal(p, s), enum(...) and list<TYPE> take some"
                    }
                    TypeArgumentProblem::ListItemMissing | TypeArgumentProblem::ListItem(_) => {
                        "lists hold text or integers: list<string>, list<enum(\"a\", \"b\")> or list<int>"
                    }
                    TypeArgumentProblem::Missing if type_name == "enum" => {
                        "list the values: enum(\"a\", \"b\")"
                    }
                    TypeArgumentProblem::Missing
                    | TypeArgumentProblem::DecimalRange
                    | TypeArgumentProblem::DecimalShape => {
                        "write decimal(precision, scale) with 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision"
                    }
                    TypeArgumentProblem::EnumValueNotString => "quote each value: enum(\"a\", \"b\")",
                    TypeArgumentProblem::DuplicateEnumValue(_) => "remove the repeated value",
                }),
            UnknownFormat {
                name,
                span,
                candidates,
            } => d
                .code(E0303)
                .message(|| format!("unknown data format `{name}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates)
                        .unwrap_or_else(|| "supported formats are `parquet` and `csv`".into())
                }),
            MissingKey { source, span } => d
                .code(E0304)
                .message(|| format!("population source `{source}` has no key"))
                .at(*span)
                .help(|| "mark the column that identifies a member: `key customer_id: int`"),
            MultipleKeys { first, second } => d
                .code(E0305)
                .message(|| "a source has one key column at most")
                .at(*second)
                .primary_label(|| "declared again here")
                .label(*first, || "first declared here")
                .help(|| "keep `key` on one column"),
            MultipleEvents { first, second } => d
                .code(E0321)
                .message(|| "a source has one event column at most")
                .at(*second)
                .primary_label(|| "declared again here")
                .label(*first, || "first declared here")
                .help(|| "keep `event` on the column that dates each row"),
            EventType {
                column,
                declared,
                span,
            } => d
                .code(E0322)
                .message(|| {
                    format!("the event column `{column}` must be a date or a timestamp, not `{declared}`")
                })
                .at(*span)
                .help(|| "mark the column that dates each row (`event ordered_at: timestamp`), or declare this one `date` or `timestamp`"),
            RowFilterReach { what, span } => d
                .code(E0323)
                .message(|| format!("a `where` on a source or the population cannot read {what}"))
                .at(*span)
                .help(|| "it is applied while the rows are read: compare the rows' own columns with constants (`status != \"test\"`, `signup_at <= as_of`)"),
            FutureWithoutEvent { source, span } => d
                .code(E0324)
                .message(|| format!("`including future` over `{source}`, which has no event time"))
                .at(*span)
                .help(|| format!("mark the column that dates the rows of `{source}` with `event` (`event ordered_at: timestamp`), or remove `including future`")),
            NullableKey { span } => d
                .code(E0306)
                .message(|| "a key column cannot be nullable")
                .at(*span)
                .help(|| "remove the `?`: every member needs a key"),
            MissingPopulation { span } => d
                .code(E0307)
                .message(|| "no `population` is declared")
                .at(*span)
                .help(|| "say which source the segments are made of: `population customers`"),
            NoSource => d
                .code(E0308)
                .message(|| "no source is declared")
                .help(|| {
                    "declare the data first: `source customers from parquet \"customers.parquet\" { ... }`"
                }),
            DuplicatePopulation { first, second } => d
                .code(E0309)
                .message(|| "`population` is declared twice")
                .at(*second)
                .primary_label(|| "declared again here")
                .label(*first, || "first declared here")
                .help(|| "keep one `population` item"),
            UnknownOption {
                name,
                format,
                span,
                candidates,
            } => d
                .code(E0310)
                .message(|| format!("unknown {format} option `{name}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| match format.as_str() {
                        "csv" => "csv options are `delimiter` and `header`".into(),
                        _ => format!("`{format}` takes no options"),
                    })
                }),
            BadOptionValue {
                name,
                expected,
                span,
            } => d
                .code(E0311)
                .message(|| format!("option `{name}` takes {expected}"))
                .at(*span),
            BadVariable { span, text } => d
                .code(E0312)
                .message(|| format!("malformed variable reference `{text}`"))
                .at(*span)
                .help(|| "write variable references as ${NAME} with letters, digits and `_`"),
            CredentialsInLocation { span } => d
                .code(E0315)
                .message(|| "this location holds credentials")
                .at(*span)
                .concealed()
                .primary_label(|| "credentials in the URL")
                .help(|| {
                    "rule files are shared and committed: give credentials through the environment (AWS_SECRET_ACCESS_KEY, AZURE_STORAGE_SAS_KEY, ...; docs/lakes.md), or through a ${VARIABLE}, whose value is never shown"
                }),
            PartitionType {
                column,
                declared,
                span,
            } => d
                .code(E0316)
                .message(|| format!("partition column `{column}` cannot be {declared}"))
                .at(*span)
                .help(|| {
                    "a partition column is read from folder names (`order_year=2026/`): declare it string, int, date, bool or an enum"
                }),
            BadDerivation {
                column,
                problem,
                span,
            } => d
                .code(E0317)
                .message(|| match problem {
                    DerivationProblem::NotPartition => {
                        format!("only a partition column derives from another column, and `{column}` is not one")
                    }
                    DerivationProblem::NotParquet => {
                        format!("`{column}` derives from another column, which only Parquet sources can: their statistics show each file lies in its folder")
                    }
                    DerivationProblem::Function(name) => {
                        format!("a partition column derives by `year`, `month` or `date`, not `{name}`")
                    }
                    DerivationProblem::Column(name) => {
                        format!("`{column}` derives from `{name}`, which is not a column of the files of this source")
                    }
                    DerivationProblem::ColumnType { name, found } => {
                        format!("`{column}` derives from `{name}`, which is {found}, not a date or timestamp")
                    }
                    DerivationProblem::ResultType { function, expected } => {
                        format!("`{function}(...)` gives {expected}, so `{column}` must be declared {expected}")
                    }
                })
                .at(*span)
                .help(|| {
                    "declare how folder names follow a column of the files, such as `partition order_year: int = year(ordered_at)`, `partition order_month: int = month(ordered_at)` or `partition order_day: date = date(ordered_at)`"
                }),
            EmptySource { span } => d
                .code(E0313)
                .message(|| "this source declares no column")
                .at(*span)
                .help(|| "declare at least the key column"),
            ReferenceType {
                column,
                declared,
                key,
                key_type,
                span,
                key_span,
            } => d
                .code(E0314)
                .message(|| {
                    format!("`{column}` is {declared} but references `{key}`, which is {key_type}")
                })
                .at(*span)
                .label(*key_span, || "the key")
                .help(|| format!("declare it as {key_type}, like the key it refers to")),
            ReferenceWithoutKey {
                column,
                source,
                span,
                source_span,
            } => d
                .code(E0318)
                .message(|| format!("`{column}` references `{source}`, which has no key"))
                .at(*span)
                .primary_label(|| "referenced here")
                .label(*source_span, || "declared without `key`")
                .help(|| format!(
                    "mark the column of `{source}` that `{column}` holds with `key`: a reference leads to the one row with that key"
                )),
        }
    }
}

/// The message of E0302.
fn type_arguments_message(type_name: &str, problem: &TypeArgumentProblem) -> String {
    match problem {
        TypeArgumentProblem::Unexpected => format!("`{type_name}` takes no arguments"),
        TypeArgumentProblem::Missing => format!("`{type_name}` needs arguments"),
        TypeArgumentProblem::DecimalRange => "decimal precision and scale are out of range".into(),
        TypeArgumentProblem::DecimalShape => {
            "`decimal` takes a precision and a scale, two whole numbers".into()
        }
        TypeArgumentProblem::EnumValueNotString => "enum values must be strings".into(),
        TypeArgumentProblem::ListItemMissing => "`list` needs the type of its items".into(),
        TypeArgumentProblem::ListItem(item) => format!("lists of `{item}` are not supported"),
        TypeArgumentProblem::DuplicateEnumValue(value) => {
            format!("enum value \"{value}\" is listed twice")
        }
    }
}
