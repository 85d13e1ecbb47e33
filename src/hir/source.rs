//! Declared sources: where the data is, its format, its columns with their types, keys,
//! references, partitions and event column, and the rows a source keeps.

use super::{DurationValue, Expr, Freshness, SourceId};
use crate::span::Span;
use crate::types::Type;

/// A data source.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Its name.
    pub name: String,
    /// Where its name is declared.
    pub span: Span,
    /// How to read it.
    pub format: Format,
    /// Where the data is.
    pub location: Location,
    /// Declared columns, in declaration order.
    pub columns: Vec<Column>,
    /// Index of the key column in `columns`.
    pub key: Option<usize>,
    /// How far back the data goes (`with (retention = 13 months)`), if declared.
    pub retention: Option<Retention>,
    /// Index of the event column in `columns` (`event ordered_at: timestamp`): rows dated after
    /// `as_of` are left out of aggregates (and of the population).
    pub event: Option<usize>,
    /// `where ...` on the source: the rows read at all, for every use of the source (over its
    /// own columns and constants).
    pub filter: Option<Expr>,
    /// `fresh within 2 days`: how recent the newest event time must be (only with an event
    /// column).
    pub freshness: Option<Freshness>,
}

/// A source's declared data retention: rows older than this are not in the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Retention {
    /// The length.
    pub length: DurationValue,
    /// The length as written (`13 months`).
    pub text: String,
    /// The option.
    pub span: Span,
}

impl Source {
    /// The key column, if declared.
    pub fn key_column(&self) -> Option<&Column> {
        self.key.and_then(|k| self.columns.get(k))
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// File format and reader options.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Delimited text.
    Csv {
        /// Field delimiter (default `,`).
        delimiter: u8,
        /// Whether the first line names the columns (default true).
        header: bool,
        /// What separates the items of a list column's text (`list_delimiter`; required by
        /// list columns).
        list_delimiter: Option<u8>,
    },
    /// A Delta Lake table, read at one of its versions.
    Delta(Snapshot),
}

/// Which version of a Delta table is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshot {
    /// The latest version.
    Latest,
    /// A given version (`with (version = 12)`).
    Version(i64),
    /// The version current at an instant (`with (at = @2026-10-01)`, UTC).
    At(chrono::NaiveDateTime),
    /// The version current at the end of the run's `as_of` day (`with (at_as_of = true)`): a
    /// re-run of an old date reads the table as it was then.
    AsOf,
}

impl Format {
    /// The format's word in the language.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv { .. } => "csv",
            Format::Delta(_) => "delta",
        }
    }
}

/// A data location as written, with `${VAR}` variable references still in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The text of the string literal.
    pub text: String,
    /// The string literal.
    pub span: Span,
}

/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether it may hold nulls.
    pub nullable: bool,
    /// The whole declaration.
    pub span: Span,
    /// The type as written, for messages.
    pub type_text: String,
    /// Where the type is written.
    pub type_span: Span,
    /// The source this column refers to, if declared with `references`.
    pub references: Option<SourceId>,
    /// Read from the folder names of a partitioned source (`order_year=2026/`), not the files.
    pub partition: bool,
    /// For a partition column, the column of the files it is a function of (`= year(ordered_at)`):
    /// filters on that column also prune partitions.
    pub derived: Option<Derived>,
}

/// A partition column's value as a function of a column of the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derived {
    /// The function.
    pub function: DerivedFunction,
    /// The column of the files (an index into the source's columns).
    pub column: usize,
}

/// The functions a partition column can derive from a date or timestamp column by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivedFunction {
    /// `year(x)`: an int.
    Year,
    /// `month(x)`: an int, 1 to 12 (prunes with a `year` partition of the same column).
    Month,
    /// `date(x)`: the day of a timestamp.
    Date,
}
