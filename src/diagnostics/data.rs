//! Problems with the data and the run (`E07xx`): data that cannot be found, read or does not
//! match its declaration, outputs that cannot be written, a machine that refuses.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;

/// A problem met while reading the data or running.
#[derive(Debug, Clone, PartialEq)]
pub enum DataDiagnostic {
    /// Rows dated after `as_of` were in the data and left out (a warning).
    LaterRows {
        /// The source.
        source: String,
        /// Its event column.
        column: String,
        /// How many rows were dated after `as_of`.
        rows: u64,
        /// The newest event time among them, as text.
        newest: String,
        /// The evaluation date.
        as_of: String,
        /// The event column's declaration.
        span: Span,
    },
    /// A source's newest event time (or modification) is older than its `fresh within`
    /// allows (an error, or a warning with `else warn`).
    Stale(Box<Stale>),
    /// `fresh within` on a source without an event column.
    FreshWithoutEvent {
        /// The source.
        source: String,
        /// The `fresh within` clause.
        span: Span,
    },
    /// The declared location matches no file.
    DataNotFound {
        /// The location literal.
        span: Span,
        /// The resolved path or pattern.
        location: String,
    },
    /// A declared column is not in the data.
    ColumnNotInData {
        /// The source.
        source: String,
        /// The column.
        column: String,
        /// The column declaration.
        span: Span,
        /// Columns of the data with close names.
        candidates: Vec<String>,
        /// The first file without it, when the source has several files.
        file: Option<String>,
        /// How many more files lack it.
        others: usize,
    },
    /// A declared column's type does not match the data.
    ColumnTypeMismatch {
        /// The column.
        column: String,
        /// The declared type as written.
        declared: String,
        /// The data type.
        found: String,
        /// The type in the declaration.
        span: Span,
        /// The first file with that type, when the source has several files.
        file: Option<String>,
        /// How many more files have a type that does not match.
        others: usize,
    },
    /// `${VAR}` with no `--var VAR=...` and no environment variable.
    UnsetVariable {
        /// The variable.
        name: String,
        /// The location literal.
        span: Span,
    },
    /// A location whose scheme this build cannot read.
    UnsupportedLocation {
        /// The scheme (`s3`, `gs`, ...).
        scheme: String,
        /// The location literal.
        span: Span,
    },
    /// A remote store refused the credentials or the permissions.
    StorageRefused {
        /// The location literal.
        span: Span,
        /// The location as shown.
        location: String,
        /// The store's message.
        message: String,
    },
    /// A remote store could not be reached, or kept failing after its retries.
    StorageFailed {
        /// The location literal.
        span: Span,
        /// The location as shown.
        location: String,
        /// The store's message.
        message: String,
    },
    /// A file of a partition folder whose values of the column the partition derives from fall
    /// outside the folder (or cannot be read from its statistics). Boxed: the largest kind.
    PartitionNotFollowed(Box<Unfollowed>),
    /// A Delta table without the version a source asks for.
    DeltaVersionMissing {
        /// The location literal.
        span: Span,
        /// The table's location as shown.
        location: String,
        /// What was asked: `version 12`, `a version at 2026-10-01 00:00:00`.
        snapshot: String,
    },
    /// A run's membership could not be written to its Delta table.
    DeltaWriteFailed {
        /// The table's location.
        table: String,
        /// The library's message.
        message: String,
    },
    /// Reading or evaluating the data failed.
    DataError {
        /// The source (or the population) being read.
        span: Span,
        /// The reader's message.
        message: String,
    },
    /// Data files whose schema could not be read.
    UnreadableData {
        /// The location literal.
        span: Span,
        /// The file that could not be read, when known.
        file: Option<String>,
        /// The reader's message.
        message: String,
    },
    /// Writing an output file failed.
    OutputFailed {
        /// The file or folder.
        path: String,
        /// The system's message.
        message: String,
    },
    /// The query engine could not start (threads could not be created).
    EngineFailed {
        /// The system's message.
        message: String,
    },
    /// A member row with an empty key.
    MissingKeyValue {
        /// The key column's declaration.
        span: Span,
    },
    /// A key value on several rows of the population.
    RepeatedKey {
        /// The key column's declaration.
        span: Span,
        /// The repeated value.
        value: String,
    },
    /// A key of a source that references lead to (a lookup, a chain of an aggregate) on
    /// several rows: following a reference would find several rows.
    RepeatedReferencedKey {
        /// The source.
        source: String,
        /// The key column's declaration.
        span: Span,
        /// The repeated value.
        value: String,
    },
    /// CSV files of one source whose header lines differ (CSV columns are read by position).
    CsvColumnsDiffer {
        /// The location literal.
        span: Span,
        /// The file that differs.
        file: String,
        /// Its columns.
        columns: String,
        /// The columns of the first file.
        expected: String,
    },
    /// The declared location holds only empty files.
    EmptyData {
        /// The location literal.
        span: Span,
        /// The resolved path or pattern.
        location: String,
    },
    /// The query needed more memory than `--memory-limit` allows, even spilling.
    OutOfMemory {
        /// The engine's message.
        message: String,
    },
    /// Another run holds the lock on the output folder.
    OutputBusy {
        /// The output folder.
        path: String,
    },
    /// The output folder lies in a folder a source reads.
    OutputInsideSource {
        /// The source's location literal.
        span: Span,
        /// The output folder.
        output: String,
    },
    /// A data location outside the folders data may be read from.
    DataOutsideRoots {
        /// The location literal.
        span: Span,
        /// The location (or the file under it) as shown.
        location: String,
        /// The folders data may be read from.
        roots: Vec<String>,
    },
    /// The machine refused to read or write while running (no space left for spills, too many
    /// open files, permissions of the temporary folder).
    SystemIo {
        /// The system's message.
        message: String,
    },
}

/// A source older than its freshness limit (E0725, W0702).
#[derive(Debug, Clone, PartialEq)]
pub struct Stale {
    /// The source.
    pub source: String,
    /// Its event column (`None`: judged by the data's last modification).
    pub column: Option<String>,
    /// The newest event time in the data, or its last modification, as text (`None`: no
    /// dated row at all, or no modification known).
    pub newest: Option<String>,
    /// The oldest the newest event time may be, as text.
    pub since: String,
    /// The limit as written (`2 days`).
    pub within: String,
    /// The evaluation date.
    pub as_of: String,
    /// Whether the source says `else warn`.
    pub warn: bool,
    /// The `fresh within` clause.
    pub span: Span,
}

/// A file outside the partition folder of its own values (E0721).
#[derive(Debug, Clone, PartialEq)]
pub struct Unfollowed {
    /// The partition column's declaration.
    pub span: Span,
    /// The file.
    pub file: String,
    /// The partition column.
    pub partition: String,
    /// The folder's value of it.
    pub folder: String,
    /// The column it derives from.
    pub column: String,
    /// The file's smallest and largest dates of that column, when its statistics hold them.
    pub range: Option<(String, String)>,
}

impl DataDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use DataDiagnostic::*;
        match self {
            LaterRows {
                source,
                column,
                rows,
                newest,
                as_of,
                span,
            } => d
                .code(W0701)
                .message(|| {
                    let plural = if *rows == 1 { "" } else { "s" };
                    format!("{rows} row{plural} of `{source}` dated after {as_of} left out (the newest: {newest})")
                })
                .at(*span)
                .primary_label(|| format!("`{column}` dates the rows"))
                .help(|| {
                    format!("the run counts `{source}` as it was on {as_of}: write `including future` in an aggregate that should take later rows; to read the data itself as it was that day, read a snapshot of it (a Delta table: `with (at_as_of = true)`)")
                }),
            Stale(stale) => {
                let self::Stale {
                    source,
                    column,
                    newest,
                    since,
                    within,
                    as_of,
                    warn,
                    span,
                } = stale.as_ref();
                d
                .code(if *warn { W0702 } else { E0725 })
                .message(|| {
                    let limit = format!("{since} ({within} before {as_of})");
                    match (column, newest) {
                        (Some(column), Some(newest)) => format!("`{source}` is stale: its newest `{column}` is {newest}, before {limit}"),
                        (Some(column), None) => format!("`{source}` is stale: no row has a `{column}` (it must reach {limit})"),
                        (None, Some(newest)) => format!("`{source}` is stale: its data was last modified {newest} UTC, before {limit}"),
                        (None, None) => format!("`{source}` is stale: when its data was last modified is not known (it must be {limit} or later)"),
                    }
                })
                .at(*span)
                .primary_label(|| match column {
                    Some(column) => format!("some `{column}` must be within {within} of `as_of`"),
                    None => format!("the data must be modified within {within} of `as_of`"),
                })
                .help(|| {
                    if *warn {
                        "the run went on with the data as it is: refresh the data, or widen the limit".to_string()
                    } else {
                        format!("nothing was written: refresh `{source}`, run with an earlier `--as-of`, or write `else warn` after the limit to run over stale data with a warning")
                    }
                })
            }
            FreshWithoutEvent { source, span } => d
                .code(E0726)
                .message(|| format!("`{source}` has no event column to be fresh by"))
                .at(*span)
                .primary_label(|| "freshness is measured on the event column")
                .help(|| "mark the column dating each row (`event ordered_at: timestamp`), or judge the files' last modification: `fresh within 1 day by modified`"),
            DataNotFound { span, location } => d
                .code(E0701)
                .message(|| format!("no data found at `{location}`"))
                .at(*span)
                .help(|| {
                    if location.contains("://") {
                        "check the bucket (or container) and the path, or the --var values"
                    } else {
                        "paths are relative to the rule file; check the path or the --var values"
                    }
                }),
            ColumnNotInData {
                source,
                column,
                span,
                candidates,
                file,
                others,
            } => d
                .code(E0702)
                .message(|| match file {
                    None => format!("column `{column}` of `{source}` is not in the data"),
                    Some(file) => format!(
                        "column `{column}` of `{source}` is not in `{file}`{}",
                        and_others("nor in", *others)
                    ),
                })
                .at(*span)
                .primary_label(|| "declared here")
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "`segc schema infer` prints the columns the data has".into()
                    })
                }),
            ColumnTypeMismatch {
                column,
                declared,
                found,
                span,
                file,
                others,
            } => d
                .code(E0703)
                .message(|| match file {
                    None => {
                        format!("column `{column}` is declared {declared} but the data holds {found}")
                    }
                    Some(file) => format!(
                        "column `{column}` is declared {declared} but `{file}` holds {found}{}",
                        and_others("and so do", *others)
                    ),
                })
                .at(*span)
                .primary_label(|| format!("the data holds {found}"))
                .help(|| "`segc schema infer` prints the types the data has"),
            UnsetVariable { name, span } => d
                .code(E0704)
                .message(|| format!("variable `{name}` is not set"))
                .at(*span)
                .help(|| format!("pass --var {name}=... or set the environment variable {name}")),
            UnsupportedLocation { scheme, span } => d
                .code(E0705)
                .message(|| format!("`{scheme}://` locations cannot be read by segc"))
                .at(*span)
                .help(|| {
                    "segc reads local paths and `file://`, `s3://`, `az://` (`abfss://`), `gs://` and `http(s)://` locations (docs/lakes.md)"
                }),
            StorageRefused {
                span,
                location,
                message,
            } => d
                .code(E0719)
                .message(|| format!("`{location}` refused the credentials or permissions: {message}"))
                .at(*span)
                .primary_label(|| "read from here")
                .help(|| {
                    "credentials come from the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AZURE_STORAGE_ACCOUNT_KEY, GOOGLE_APPLICATION_CREDENTIALS, ...): check them and the permissions on the bucket (docs/lakes.md); on a cluster, in the workers' environment too (docs/cluster.md)"
                }),
            StorageFailed {
                span,
                location,
                message,
            } => d
                .code(E0720)
                .message(|| format!("cannot read `{location}`: {message}"))
                .at(*span)
                .primary_label(|| "read from here")
                .help(|| {
                    "the store could not be reached or kept failing after its retries: check its endpoint (`[storage]` in segc.toml, or AWS_ENDPOINT_URL, ...) and the network (docs/lakes.md); on a cluster, the workers' environment and network too (docs/cluster.md)"
                }),
            PartitionNotFollowed(unfollowed) => {
                let Unfollowed {
                    span,
                    file,
                    partition,
                    folder,
                    column,
                    range,
                } = unfollowed.as_ref();
                d.code(E0721)
                .message(|| match range {
                    Some((low, high)) => format!(
                        "`{file}` is in the folder `{partition}={folder}`, but its `{column}` goes from {low} to {high}"
                    ),
                    None => format!(
                        "`{file}` has no statistics of `{column}` to show that it belongs in `{partition}={folder}`"
                    ),
                })
                .at(*span)
                .primary_label(|| "declared to follow the column")
                    .help(|| {
                        "a derived partition skips folders by the column's values, so every file must lie in the folder of its own values: fix the declaration (the column the folders really follow), or drop `= ...` to read every folder"
                    })
            }
            DeltaWriteFailed { table, message } => d
                .code(E0724)
                .message(|| format!("cannot write the Delta table `{table}`: {message}"))
                .help(|| {
                    "the table is unchanged: a run commits its members in one transaction or not at all; a column whose type changed needs a new table (or --out to another one)"
                }),
            DeltaVersionMissing {
                span,
                location,
                snapshot,
            } => d
                .code(E0722)
                .message(|| format!("the Delta table `{location}` has no {snapshot}"))
                .at(*span)
                .primary_label(|| "read from here")
                .help(|| {
                    "`version` counts from 0 to the latest; `at` and `at_as_of` need a version committed at or before that instant (the table's history lists them)"
                }),
            DataError { span, message } => d
                .code(E0706)
                .message(|| format!("reading the data failed: {message}"))
                .at(*span),
            UnreadableData {
                span,
                file,
                message,
            } => d
                .code(E0707)
                .message(|| match file {
                    None => format!("cannot read the data's schema: {message}"),
                    Some(file) => format!("cannot read the schema of `{file}`: {message}"),
                })
                .at(*span),
            OutputFailed { path, message } => d
                .code(E0708)
                .message(|| format!("cannot write `{path}`: {message}"))
                .help(|| "check that the output folder is writable; earlier outputs were kept"),
            EngineFailed { message } => d
                .code(E0709)
                .message(|| format!("cannot start the query engine: {message}")),
            MissingKeyValue { span } => d
                .code(E0710)
                .message(|| "some members have an empty key")
                .at(*span)
                .primary_label(|| "the key")
                .help(|| {
                    "every member needs a key: remove or repair the rows without one; nothing was written"
                }),
            RepeatedKey { span, value } => d
                .code(E0711)
                .message(|| format!("the key `{value}` is on several rows"))
                .at(*span)
                .primary_label(|| "the key")
                .help(|| {
                    "a key identifies one member: deduplicate the data or declare the column that is unique as `key`; nothing was written"
                }),
            RepeatedReferencedKey {
                source,
                span,
                value,
            } => d
                .code(E0723)
                .message(|| format!("the key `{value}` of `{source}` is on several rows"))
                .at(*span)
                .primary_label(|| "the key")
                .help(|| format!(
                    "references to `{source}` lead to one row per key: deduplicate `{source}` or declare the column that is unique as `key`; nothing was written"
                )),
            CsvColumnsDiffer {
                span,
                file,
                columns,
                expected,
            } => d
                .code(E0712)
                .message(|| format!("`{file}` does not have the same columns as the other files"))
                .at(*span)
                .help(|| format!(
                    "it has {columns}; the first file has {expected}: CSV files of one source need the same header"
                )),
            EmptyData { span, location } => d
                .code(E0713)
                .message(|| format!("the data at `{location}` is empty"))
                .at(*span)
                .help(|| {
                    "the files exist but hold nothing (not even a header line); check the export that wrote them"
                }),
            OutOfMemory { message } => d
                .code(E0714)
                .message(|| format!("the run needs more memory than the limit allows: {message}"))
                .help(|| {
                    "raise `--memory-limit`, or lower `--threads`: each thread sorts and aggregates its share in memory, and what does not fit is spilled to the temporary folder"
                }),
            OutputBusy { path } => d
                .code(E0715)
                .message(|| format!("another segc run is writing to `{path}`"))
                .help(|| {
                    "runs into one folder take turns: wait for the other run to end, or write to another --out; nothing was written"
                }),
            OutputInsideSource { span, output } => d
                .code(E0716)
                .message(|| {
                    format!("the output folder `{output}` is inside a folder this source reads")
                })
                .at(*span)
                .primary_label(|| "this source reads the output folder")
                .help(|| {
                    "the next run would read this run's outputs as data: write to a folder outside the source's; nothing was written"
                }),
            DataOutsideRoots {
                span,
                location,
                roots,
            } => d
                .code(E0717)
                .message(|| format!("`{location}` is outside the folders data may be read from"))
                .at(*span)
                .primary_label(|| "read from here")
                .help(|| {
                    let roots = if roots.is_empty() {
                        "no folder".to_string()
                    } else {
                        roots
                            .iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    if location.contains("://") {
                        format!(
                            "data is read only under {roots}; add its URL prefix (say, its bucket: `s3://lake/`) to `roots` in the `[data]` table of segc.toml, or pass --data-root URL (docs/lakes.md)"
                        )
                    } else {
                        format!(
                            "data is read only under {roots}; add a folder to `roots` in the `[data]` table of segc.toml, or pass --data-root FOLDER (docs/security.md)"
                        )
                    }
                }),
            SystemIo { message } => d
                .code(E0718)
                .message(|| {
                    format!("the system refused to read or write during the run: {message}")
                })
                .help(|| {
                    "sorts and aggregates spill to the temporary folder (TMPDIR) beyond --memory-limit: free space there or point TMPDIR at a larger disk; nothing was written"
                }),
        }
    }

    /// This problem with `r` applied to every text that may come from a path or a reader (the
    /// readers' messages, and the files and locations named): what the engine redacts.
    pub(crate) fn map_texts(self, r: impl Fn(String) -> String) -> Self {
        use DataDiagnostic::*;
        let ro = |text: Option<String>| text.map(&r);
        match self {
            DataError { span, message } => DataError {
                span,
                message: r(message),
            },
            OutOfMemory { message } => OutOfMemory {
                message: r(message),
            },
            UnreadableData {
                span,
                file,
                message,
            } => UnreadableData {
                span,
                file: ro(file),
                message: r(message),
            },
            DataNotFound { span, location } => DataNotFound {
                span,
                location: r(location),
            },
            DeltaWriteFailed { table, message } => DeltaWriteFailed {
                table: r(table),
                message: r(message),
            },
            DeltaVersionMissing {
                span,
                location,
                snapshot,
            } => DeltaVersionMissing {
                span,
                location: r(location),
                snapshot,
            },
            PartitionNotFollowed(mut unfollowed) => {
                unfollowed.file = r(std::mem::take(&mut unfollowed.file));
                PartitionNotFollowed(unfollowed)
            }
            StorageRefused {
                span,
                location,
                message,
            } => StorageRefused {
                span,
                location: r(location),
                message: r(message),
            },
            StorageFailed {
                span,
                location,
                message,
            } => StorageFailed {
                span,
                location: r(location),
                message: r(message),
            },
            EmptyData { span, location } => EmptyData {
                span,
                location: r(location),
            },
            CsvColumnsDiffer {
                span,
                file,
                columns,
                expected,
            } => CsvColumnsDiffer {
                span,
                file: r(file),
                columns,
                expected,
            },
            ColumnNotInData {
                source,
                column,
                span,
                candidates,
                file,
                others,
            } => ColumnNotInData {
                source,
                column,
                span,
                candidates,
                file: ro(file),
                others,
            },
            ColumnTypeMismatch {
                column,
                declared,
                found,
                span,
                file,
                others,
            } => ColumnTypeMismatch {
                column,
                declared,
                found,
                span,
                file: ro(file),
                others,
            },
            DataOutsideRoots {
                span,
                location,
                roots,
            } => DataOutsideRoots {
                span,
                location: r(location),
                roots: roots.into_iter().map(&r).collect(),
            },
            other => other,
        }
    }
}

/// ` (nor in 3 other files)`, or nothing when no other file has the problem.
fn and_others(words: &str, others: usize) -> String {
    match others {
        0 => String::new(),
        1 => format!(" ({words} 1 other file)"),
        n => format!(" ({words} {n} other files)"),
    }
}
