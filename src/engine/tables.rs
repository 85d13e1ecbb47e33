//! Registering sources as DataFusion tables, after checking the declarations against the data.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::datasource::physical_plan::parquet::{
    transform_binary_to_string, transform_schema_to_view,
};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionState;
use datafusion::object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};

use super::location::Resolved;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir::{self, Format};
use crate::lower::canonical_type;
use crate::suggest::Names;
use crate::types::Type;

/// How many CSV records are read to infer column types (also by `segc schema infer`).
pub(crate) const CSV_INFER_RECORDS: usize = 10_000;
/// How many files of a CSV source (the first in path order) have their column types inferred
/// from `CSV_INFER_RECORDS` rows; the others are checked on their header and first row, which
/// finds a missing or moved column at the cost of one read per file.
const CSV_FILES_INFERRED: usize = 32;
/// How many files' schemas are read at once (Parquet footers, CSV headers).
pub(super) const SCHEMA_READS_AT_ONCE: usize = 16;

/// Creates the table for `source` at `location`, checking every declared column against the data
/// of every file: a file lacking a column would otherwise give nulls for its rows, and a CSV file
/// with its columns in another order would give another column's values. Also gives the newest
/// file's last modification, from the listing (for `fresh within ... by modified`).
pub(super) async fn listing_table(
    ctx: &SessionContext,
    source: &hir::Source,
    location: &Resolved,
    roots: &super::DataRoots,
) -> Result<(ListingTable, Option<chrono::DateTime<chrono::Utc>>), Vec<Diagnostic>> {
    let span = source.location.span;
    let unreadable = |e: datafusion::error::DataFusionError| {
        if location.remote.is_some()
            && let Some(problem) = super::stores::remote_problem(span, &location.shown, &e)
        {
            return vec![problem];
        }
        vec![Diagnostic::Data(DataDiagnostic::UnreadableData {
            span,
            file: None,
            message: super::messages::engine_message(&e),
        })]
    };
    let url = listing_url(location).map_err(unreadable)?;
    let options = listing_options(source, location);
    let state = ctx.state();
    let store = state.runtime_env().object_store(&url).map_err(unreadable)?;
    let mut files: Vec<_> = url
        .list_all_files(&state, store.as_ref(), &options.file_extension)
        .await
        .map_err(unreadable)?
        .try_collect()
        .await
        .map_err(unreadable)?;
    if files.is_empty() {
        return Err(vec![Diagnostic::Data(DataDiagnostic::DataNotFound {
            span,
            location: location.shown.clone(),
        })]);
    }
    // Path order, so that "the first file" and the file named in a diagnostic do not depend on
    // the order the folder lists them in.
    files.sort_by(|a, b| a.location.cmp(&b.location));
    // A link in the folder may point out of the data roots.
    if let Some(outside) = files
        .iter()
        .filter(|_| location.remote.is_none())
        .find(|f| !roots.admits(Path::new(&location.file_path(f.location.as_ref()))))
    {
        return Err(vec![Diagnostic::Data(DataDiagnostic::DataOutsideRoots {
            span,
            location: location.show_file(&location.file_path(outside.location.as_ref())),
            roots: roots.shown().to_vec(),
        })]);
    }
    let checked = file_schemas(&state, &store, source, location, &options, &files).await?;
    let table_schema = verify_files(source, location, &checked)?;
    let unfollowed =
        super::derived::check(&state, &store, source, location, &options, &checked).await;
    if !unfollowed.is_empty() {
        return Err(unfollowed);
    }
    // Files were found (checked above), but every one of them is empty.
    let Some(schema) = table_schema else {
        return Err(vec![Diagnostic::Data(DataDiagnostic::EmptyData {
            span,
            location: location.shown.clone(),
        })]);
    };
    let modified = files.iter().map(|f| f.last_modified).max();
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let table = ListingTable::try_new(config).map_err(unreadable)?;
    Ok((table, modified))
}

/// Every file's schema checked against the declaration (and, for CSV, the same columns in every
/// file); the schema the table reads them with, from the first file (`None`: all are empty).
fn verify_files(
    source: &hir::Source,
    location: &Resolved,
    checked: &[(&ObjectMeta, SchemaRef)],
) -> Result<Option<SchemaRef>, Vec<Diagnostic>> {
    let span = source.location.span;
    let several = checked.len() > 1;
    let mut table_schema: Option<SchemaRef> = None;
    let mut problems = FileProblems::default();
    for (file, named) in checked {
        let shown = location.show_file(&location.file_path(file.location.as_ref()));
        if let (Format::Csv { .. }, Some(first)) = (&source.format, &table_schema) {
            let names = |s: &Schema| {
                s.fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect::<Vec<_>>()
            };
            if names(first) != names(named) {
                return Err(vec![Diagnostic::Data(DataDiagnostic::CsvColumnsDiffer {
                    span,
                    file: shown,
                    columns: names(named).join(", "),
                    expected: names(first).join(", "),
                })]);
            }
        }
        let compatible = match source.format {
            Format::Parquet | Format::Delta(_) => compatible_parquet,
            Format::Csv { .. } => compatible_csv,
        };
        problems.add(verify(source, named, several.then_some(&shown), compatible));
        table_schema.get_or_insert_with(|| read_schema(source, named));
    }
    if !problems.is_empty() {
        return Err(problems.into_diagnostics());
    }
    Ok(table_schema)
}

/// The URL DataFusion lists: a path with `[`, `*` or `?` in a name that exists as written
/// (`[2026].parquet`) is given as a `file://` URL, which DataFusion does not read as a pattern.
fn listing_url(location: &Resolved) -> datafusion::error::Result<ListingTableUrl> {
    // DataFusion reads patterns in local paths only: a remote one is given as its folder and
    // the pattern of the names under it.
    if location.remote.is_some() && location.is_glob {
        let folder = super::location::folder_part(&location.path);
        let external = |e: Box<dyn std::error::Error + Send + Sync>| DataFusionError::External(e);
        let url = url::Url::parse(folder).map_err(|e| external(Box::new(e)))?;
        let pattern = glob::Pattern::new(&location.path[folder.len()..])
            .map_err(|e| external(Box::new(e)))?;
        return ListingTableUrl::try_new(url, Some(pattern));
    }
    if !location.is_glob && location.path.contains(['*', '?', '[']) {
        let absolute = std::path::absolute(&location.path)?;
        let mut text = absolute.to_string_lossy().to_string();
        if location.is_directory && !text.ends_with('/') {
            text.push('/');
        }
        return ListingTableUrl::parse(format!("file://{text}"));
    }
    ListingTableUrl::parse(&location.path)
}

/// The schema of every non-empty file of a source (columns named by the declaration for CSV
/// files without a header), in path order, read `SCHEMA_READS_AT_ONCE` at a time. A reader that
/// fails, or panics on a corrupt file, is E0707 naming the file.
async fn file_schemas<'a>(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    source: &hir::Source,
    location: &Resolved,
    options: &ListingOptions,
    files: &'a [ObjectMeta],
) -> Result<Vec<(&'a ObjectMeta, SchemaRef)>, Vec<Diagnostic>> {
    let span = source.location.span;
    let reads = files
        .iter()
        .filter(|f| f.size > 0)
        .enumerate()
        .map(|(i, file)| async move {
            let read = file_schema(state, store, source, options, i, file);
            let shown = || location.show_file(&location.file_path(file.location.as_ref()));
            let unreadable = |message| {
                Diagnostic::Data(DataDiagnostic::UnreadableData {
                    span,
                    file: Some(shown()),
                    message,
                })
            };
            let result = match super::panics::contained(read).await {
                Ok(Ok(schema)) => Ok(schema),
                Ok(Err(e)) => Err(location
                    .remote
                    .and_then(|_| super::stores::remote_problem(span, &shown(), &e))
                    .unwrap_or_else(|| unreadable(super::messages::engine_message(&e)))),
                Err(panic) => Err(unreadable(panic.to_string())),
            };
            (file, result)
        });
    let results: Vec<_> = futures::stream::iter(reads)
        .buffered(SCHEMA_READS_AT_ONCE)
        .collect()
        .await;
    let mut schemas = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for (file, result) in results {
        match result {
            Ok(schema) => schemas.push((file, schema)),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(schemas
        .into_iter()
        .map(|(file, schema)| {
            let named = match source.format {
                Format::Csv { header: false, .. } => positional_names(source, &schema),
                _ => schema,
            };
            (file, named)
        })
        .collect())
}

/// The schema of the `index`-th non-empty file of a source: the types of the first
/// `CSV_FILES_INFERRED` CSV files are inferred from `CSV_INFER_RECORDS` records, the others' from
/// their first.
async fn file_schema(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    source: &hir::Source,
    options: &ListingOptions,
    index: usize,
    file: &ObjectMeta,
) -> datafusion::error::Result<SchemaRef> {
    match source.format {
        Format::Csv {
            delimiter, header, ..
        } => {
            let records = if index >= CSV_FILES_INFERRED {
                1
            } else {
                CSV_INFER_RECORDS
            };
            let reader = csv_reader(delimiter, header, records);
            csv_schema(state, store, &reader, records, file).await
        }
        // A Delta table is not listed (`engine::delta`); read as the Parquet files it holds.
        Format::Parquet | Format::Delta(_) => parquet_schema(state, store, options, file).await,
    }
}

/// The schema DataFusion's `ParquetFormat::infer_schema` gives for one file, without merging it
/// with itself as it does (arrow's `Schema::try_merge` looks each field up among the ones before
/// it: 75 % of `segc explain` over a Parquet file of 20,000 columns, 2.2 s in a release build).
/// The footer is read as it reads it (through the session's footer cache), and the schema
/// adjusted as its options say; a file with a repeated column name, or an option segc does
/// not set, is left to DataFusion.
async fn parquet_schema(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    options: &ListingOptions,
    file: &ObjectMeta,
) -> datafusion::error::Result<SchemaRef> {
    let files = std::slice::from_ref(file);
    let format = match options.format.downcast_ref::<ParquetFormat>() {
        Some(format) if format.coerce_int96().is_none() => format,
        _ => return options.format.infer_schema(state, store, files).await,
    };
    let cache = state.runtime_env().cache_manager.get_file_metadata_cache();
    let schema = DFParquetMetadata::new(store.as_ref(), file)
        .with_metadata_size_hint(format.metadata_size_hint())
        .with_file_metadata_cache(Some(cache))
        .fetch_schema()
        .await?;
    if has_repeated_names(&schema) {
        return options.format.infer_schema(state, store, files).await;
    }
    let schema = if format.skip_metadata() {
        let fields: Fields = schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_metadata(HashMap::default()))
            .collect();
        Schema::new(fields)
    } else {
        schema
    };
    let schema = if format.binary_as_string() {
        transform_binary_to_string(&schema)
    } else {
        schema
    };
    let schema = if format.force_view_types() {
        transform_schema_to_view(&schema)
    } else {
        schema
    };
    Ok(Arc::new(schema))
}

/// The schema DataFusion's `CsvFormat::infer_schema` gives for one file, inferred from up to
/// `records` records. Without merging it with itself: arrow's `Schema::try_merge` looks each
/// field up among the ones before it, a third of the time of `segc explain` over a CSV file of
/// 10,000 columns (debug build). Repeated names are merged as it does.
async fn csv_schema(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    reader: &CsvFormat,
    records: usize,
    file: &ObjectMeta,
) -> datafusion::error::Result<SchemaRef> {
    let object_store = |e| DataFusionError::ObjectStore(Box::new(e));
    let read = async {
        let bytes = store.get(&file.location).await.map_err(object_store)?;
        let chunks = reader.read_to_delimited_chunks_from_stream(
            bytes.into_stream().map_err(object_store).boxed(),
        );
        let (schema, _) = reader
            .infer_schema_from_stream(state, records, chunks)
            .await?;
        Ok::<Schema, DataFusionError>(schema)
    };
    let schema = read.await.map_err(|e| {
        DataFusionError::Context(
            format!("Error when processing CSV file {}", file.location),
            Box::new(e),
        )
    })?;
    if has_repeated_names(&schema) {
        Ok(Arc::new(Schema::try_merge([schema])?))
    } else {
        Ok(Arc::new(schema))
    }
}

/// Whether two of the schema's fields have the same name (which DataFusion's inference merges).
fn has_repeated_names(schema: &Schema) -> bool {
    let mut names = HashSet::with_capacity(schema.fields().len());
    !schema.fields().iter().all(|f| names.insert(f.name()))
}

/// The mismatches found over the files of one source: each declared column is reported once,
/// naming the first file (in path order) with the problem and how many more have it.
#[derive(Default)]
struct FileProblems {
    found: Vec<Diagnostic>,
    /// Where each declaration's problem is in `found` (many files may lack many columns).
    by_span: HashMap<Option<crate::span::Span>, usize>,
}

impl FileProblems {
    fn add(&mut self, problems: Vec<Diagnostic>) {
        for problem in problems {
            match self.by_span.get(&problem.primary_span()) {
                Some(&at) => {
                    if let Diagnostic::Data(DataDiagnostic::ColumnNotInData { others, .. })
                    | Diagnostic::Data(DataDiagnostic::ColumnTypeMismatch { others, .. }) =
                        &mut self.found[at]
                    {
                        *others += 1;
                    }
                }
                None => {
                    self.by_span
                        .insert(problem.primary_span(), self.found.len());
                    self.found.push(problem);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found
    }
}

fn listing_options(source: &hir::Source, location: &Resolved) -> ListingOptions {
    let (options, extension) = match source.format {
        Format::Parquet | Format::Delta(_) => (
            ListingOptions::new(Arc::new(ParquetFormat::default())),
            ".parquet",
        ),
        Format::Csv {
            delimiter, header, ..
        } => (
            ListingOptions::new(csv_format(delimiter, header, CSV_INFER_RECORDS)),
            ".csv",
        ),
    };
    // Partition columns come from the folder names (`order_year=2026/`), after the files'.
    let partitions: Vec<(String, DataType)> = source
        .columns
        .iter()
        .filter(|c| c.partition)
        .map(|c| (c.name.clone(), canonical_type(&c.ty)))
        .collect();
    // A single file or a glob is read whatever its extension.
    options
        .with_file_extension(if location.is_directory { extension } else { "" })
        .with_table_partition_cols(partitions)
}

/// The CSV reader of a source, inferring types from up to `records` rows of a file.
fn csv_format(delimiter: u8, header: bool, records: usize) -> Arc<dyn FileFormat> {
    Arc::new(csv_reader(delimiter, header, records))
}

/// [`csv_format`], as its type.
fn csv_reader(delimiter: u8, header: bool, records: usize) -> CsvFormat {
    CsvFormat::default()
        .with_delimiter(delimiter)
        .with_has_header(header)
        .with_schema_infer_max_rec(records)
}

/// Without a header line, declared columns name the file's columns in order.
fn positional_names(source: &hir::Source, file_schema: &Schema) -> SchemaRef {
    let mut declared = file_columns(source);
    let fields: Vec<Field> = file_schema
        .fields()
        .iter()
        .map(|f| match declared.next() {
            Some(c) => f.as_ref().clone().with_name(&c.name),
            None => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The schema files are read with: declared columns get their canonical type (each file's values
/// are cast to it); other columns keep the file's type, or are text in CSV files, where inference
/// only saw the first rows.
fn read_schema(source: &hir::Source, file_schema: &Schema) -> SchemaRef {
    let csv = matches!(source.format, Format::Csv { .. });
    let declared = declared_columns(source);
    let fields: Vec<Field> = file_schema
        .fields()
        .iter()
        .map(|f| match declared.get(f.name().as_str()) {
            // The CSV reader truncates extra decimal digits; read the text and let the cast round.
            // List columns are text in CSV files, split at the source's list delimiter.
            Some(c) if csv && matches!(c.ty, Type::Decimal { .. } | Type::List(_)) => {
                Field::new(f.name(), DataType::Utf8, true)
            }
            Some(c) => Field::new(f.name(), canonical_type(&c.ty), true),
            None if csv => Field::new(f.name(), DataType::Utf8, true),
            None => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Every mismatch between the declared columns and one file's schema.
pub(super) fn verify(
    source: &hir::Source,
    schema: &Schema,
    file: Option<&String>,
    compatible: fn(&Type, &DataType) -> bool,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    // The file's columns, indexed for suggestions at the first missing one.
    let mut suggestions: Option<Names> = None;
    // A map, as `field_with_name` finds them (the first of a name): looking each declared column
    // up in the file's schema was quadratic, half the time of `segc explain` over 10,000 columns.
    let mut fields: HashMap<&str, &Field> = HashMap::with_capacity(schema.fields().len());
    for field in schema.fields() {
        fields
            .entry(field.name().as_str())
            .or_insert(field.as_ref());
    }
    for column in file_columns(source) {
        match fields.get(column.name.as_str()) {
            None => problems.push(Diagnostic::Data(DataDiagnostic::ColumnNotInData {
                source: source.name.clone(),
                column: column.name.clone(),
                span: column.span,
                candidates: suggestions
                    .get_or_insert_with(|| {
                        Names::new(schema.fields().iter().map(|f| f.name().clone()))
                    })
                    .similar(&column.name),
                file: file.cloned(),
                others: 0,
            })),
            Some(field) if !compatible(&column.ty, field.data_type()) => {
                problems.push(Diagnostic::Data(DataDiagnostic::ColumnTypeMismatch {
                    column: column.name.clone(),
                    declared: column.type_text.clone(),
                    found: describe(field.data_type()),
                    span: column.type_span,
                    file: file.cloned(),
                    others: 0,
                }))
            }
            Some(_) => {}
        }
    }
    problems
}

/// The declared columns read from the files (not from folder names).
fn file_columns(source: &hir::Source) -> impl Iterator<Item = &hir::Column> {
    source.columns.iter().filter(|c| !c.partition)
}

/// The declared columns of `source` by name (the first of a name, as [`hir::Source::column`]
/// finds it), for lookups in wide sources.
fn declared_columns(source: &hir::Source) -> HashMap<&str, &hir::Column> {
    let mut declared = HashMap::with_capacity(source.columns.len());
    for column in &source.columns {
        declared.entry(column.name.as_str()).or_insert(column);
    }
    declared
}

fn is_int(t: &DataType) -> bool {
    t.is_integer()
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, value) => is_text(value),
        _ => false,
    }
}

/// Whether Parquet data of type `data` can be read as a declared `declared`.
pub(super) fn compatible_parquet(declared: &Type, data: &DataType) -> bool {
    if *data == DataType::Null {
        return true;
    }
    match declared {
        Type::Int => is_int(data),
        Type::Float => is_int(data) || data.is_floating() || is_decimal(data),
        Type::Decimal { precision, scale } => {
            is_int(data)
                || match data {
                    DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => {
                        *s <= *scale
                            && (*p as i16 - *s as i16) <= (*precision as i16 - *scale as i16)
                    }
                    _ => false,
                }
        }
        Type::String | Type::Enum(_) => is_text(data),
        Type::List(item) => match data {
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::ListView(f)
            | DataType::LargeListView(f)
            | DataType::FixedSizeList(f, _) => compatible_parquet(item, f.data_type()),
            _ => false,
        },
        Type::Bool => *data == DataType::Boolean,
        Type::Date => matches!(data, DataType::Date32 | DataType::Date64),
        Type::Timestamp => matches!(
            data,
            DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
        ),
        Type::Duration | Type::Null | Type::Error => false,
    }
}

fn is_decimal(t: &DataType) -> bool {
    matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..))
}

/// Whether CSV values whose inferred type is `data` can be read as a declared `declared`.
fn compatible_csv(declared: &Type, data: &DataType) -> bool {
    if *data == DataType::Null {
        return true;
    }
    match declared {
        // Lists are read as text and split at the source's list delimiter.
        Type::String | Type::Enum(_) | Type::List(_) => true,
        Type::Int => is_int(data),
        Type::Float | Type::Decimal { .. } => is_int(data) || data.is_floating(),
        Type::Bool => *data == DataType::Boolean,
        Type::Date => *data == DataType::Date32,
        Type::Timestamp => matches!(data, DataType::Timestamp(_, _) | DataType::Date32),
        Type::Duration | Type::Null | Type::Error => false,
    }
}

/// A data type in the words of the language.
pub(crate) fn describe(t: &DataType) -> String {
    match t {
        _ if is_int(t) => "integers".into(),
        _ if t.is_floating() => "floats".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p}, {s})"),
        _ if is_text(t) => "text".into(),
        DataType::Boolean => "booleans".into(),
        DataType::Date32 | DataType::Date64 => "dates".into(),
        DataType::Timestamp(_, _) => "timestamps".into(),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _) => format!("lists of {}", describe(f.data_type())),
        other => format!("values of type {other}"),
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{ArrayRef, BinaryArray, Int64Array, RecordBatch, StringArray};
    use datafusion::object_store::local::LocalFileSystem;
    use datafusion::object_store::path::Path as StorePath;

    use super::*;

    /// A Parquet file of text, binary and integer columns, with field and file metadata.
    fn parquet_file(path: &Path) {
        let field = |name: &str, t: DataType| {
            Field::new(name, t, true).with_metadata(HashMap::from([("why".into(), name.into())]))
        };
        let schema = Arc::new(
            Schema::new(vec![
                field("id", DataType::Int64),
                field("name", DataType::Utf8),
                field("blob", DataType::Binary),
            ])
            .with_metadata(HashMap::from([("owner".into(), "crm".into())])),
        );
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(StringArray::from(vec!["a", "b"])),
            Arc::new(BinaryArray::from(vec![&b"x"[..], &b"y"[..]])),
        ];
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns).expect("batch");
        let file = std::fs::File::create(path).expect("file");
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).expect("writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
    }

    /// `parquet_schema` gives what DataFusion's inference gives, under each option it applies.
    #[tokio::test]
    async fn a_parquet_file_has_the_schema_datafusion_infers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.parquet");
        parquet_file(&path);
        let state = SessionContext::new().state();
        let store: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new());
        let location = StorePath::from_filesystem_path(&path).expect("path");
        let file = store.head(&location).await.expect("head");
        let formats = [
            ParquetFormat::default(),
            ParquetFormat::default().with_skip_metadata(false),
            ParquetFormat::default().with_binary_as_string(true),
            ParquetFormat::default().with_force_view_types(false),
        ];
        for format in formats {
            let options = ListingOptions::new(Arc::new(format));
            let ours = parquet_schema(&state, &store, &options, &file)
                .await
                .expect("ours");
            let theirs = options
                .format
                .infer_schema(&state, &store, std::slice::from_ref(&file))
                .await
                .expect("theirs");
            assert_eq!(ours, theirs);
        }
    }
}
