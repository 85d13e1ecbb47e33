//! `segc schema infer`: a `source` declaration written from a real file.

use std::fmt::Write as _;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::functions_aggregate::expr_fn::{count, count_distinct};
use datafusion::logical_expr::{Expr, col, ident, lit};
use datafusion::prelude::{CsvReadOptions, DataFrame, ParquetReadOptions, SessionContext};

use crate::diagnostics::{CommandDiagnostic, Diagnostic};
use crate::words::{quote_name, quote_string};

/// Options of schema inference.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// The source name to declare.
    pub name: String,
    /// The location to write in the declaration (as given by the user).
    pub location: String,
    /// Whether the file is CSV (else Parquet).
    pub csv: bool,
    /// CSV delimiter.
    pub delimiter: u8,
    /// Text columns with at most this many distinct values are declared as enums (0: never).
    pub enum_max: usize,
    /// How remote locations are read (segc.toml `[storage]`).
    pub storage: super::StorageSettings,
    /// The location is a folder: every file with the format's extension under it, and the
    /// `name=value` folders of a partitioned one as partition columns.
    pub folder: bool,
}

/// What is learnt about one column.
struct Profile {
    name: String,
    data_type: DataType,
    nulls: bool,
    non_null: i64,
    distinct: Option<i64>,
}

/// Reads `path` and writes a `source` declaration for it. A reader that panics on a corrupt
/// file is E0803 like any unreadable file.
/// `path` may be a local file or the URL of a remote one (`s3://lake/customers.parquet`).
pub async fn infer_source(path: &Path, options: &InferOptions) -> Result<String, Diagnostic> {
    super::panics::contained(infer(path, options))
        .await
        .unwrap_or_else(|panic| {
            Err(Diagnostic::Command(CommandDiagnostic::FileUnreadable {
                path: path.display().to_string(),
                message: panic.to_string(),
            }))
        })
}

async fn infer(path: &Path, options: &InferOptions) -> Result<String, Diagnostic> {
    let unreadable = |e: datafusion::error::DataFusionError| {
        Diagnostic::Command(CommandDiagnostic::FileUnreadable {
            path: path.display().to_string(),
            message: super::messages::engine_message(&e),
        })
    };
    let ctx = SessionContext::new();
    let text = path.to_string_lossy().to_string();
    register_store(&ctx, &text, &options.storage).map_err(|message| {
        Diagnostic::Command(CommandDiagnostic::FileUnreadable {
            path: text.clone(),
            message,
        })
    })?;
    let partitions = if options.folder {
        partition_names(&ctx, &text, options.csv)
            .await
            .map_err(unreadable)?
    } else {
        Vec::new()
    };
    let typed: Vec<(String, DataType)> = partitions
        .iter()
        .map(|name| (name.clone(), DataType::Utf8))
        .collect();
    let extension = match (options.folder, options.csv) {
        (false, _) => "",
        (true, true) => ".csv",
        (true, false) => ".parquet",
    };
    let df = if options.csv {
        let read = CsvReadOptions::new()
            .delimiter(options.delimiter)
            .file_extension(extension)
            .table_partition_cols(typed)
            .schema_infer_max_records(super::tables::CSV_INFER_RECORDS);
        ctx.read_csv(text, read).await
    } else {
        let read = ParquetReadOptions::default()
            .file_extension(extension)
            .table_partition_cols(typed);
        ctx.read_parquet(text, read).await
    }
    .map_err(unreadable)?;
    if df.schema().fields().is_empty() {
        return Err(Diagnostic::Command(CommandDiagnostic::FileWithoutColumns {
            path: path.display().to_string(),
        }));
    }
    let profiles = profile(&df).await.map_err(unreadable)?;
    let mut enums: Vec<Option<Vec<String>>> = Vec::with_capacity(profiles.len());
    for p in &profiles {
        // Few values, each seen at least twice on average: a category, not free text.
        let small = p
            .distinct
            .is_some_and(|d| d >= 1 && (d as usize) <= options.enum_max && p.non_null >= 2 * d);
        enums.push(if small {
            Some(distinct_values(&df, &p.name).await.map_err(unreadable)?)
        } else {
            None
        });
    }
    let mut partition_types = Vec::with_capacity(partitions.len());
    for name in &partitions {
        let values = distinct_values(&df, name).await.map_err(unreadable)?;
        partition_types.push((name.clone(), partition_type(&values)));
    }
    Ok(render(options, &profiles, &enums, &partition_types))
}

/// Registers the object store of `location` on `ctx` when it is a remote location.
fn register_store(
    ctx: &SessionContext,
    location: &str,
    storage: &super::StorageSettings,
) -> Result<(), String> {
    let Some((scheme, _)) = location.split_once("://") else {
        return Ok(());
    };
    let Some(cloud) = super::Cloud::of_scheme(&scheme.to_ascii_lowercase()) else {
        return Ok(());
    };
    let url = url::Url::parse(location).map_err(|e| e.to_string())?;
    let store = storage.store(cloud, &url).map_err(|e| e.to_string())?;
    let base = url::Url::parse(&super::stores::store_url(&url)).map_err(|e| e.to_string())?;
    ctx.runtime_env().register_object_store(&base, store);
    Ok(())
}

async fn profile(df: &DataFrame) -> datafusion::error::Result<Vec<Profile>> {
    let fields: Vec<(String, DataType)> = df
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let mut aggregates: Vec<Expr> = vec![count(lit(1)).alias("__rows")];
    for (i, (name, ty)) in fields.iter().enumerate() {
        aggregates.push(count(ident(name)).alias(format!("__n{i}")));
        if is_text(ty) {
            aggregates.push(count_distinct(ident(name)).alias(format!("__d{i}")));
        }
    }
    let batches = df.clone().aggregate(vec![], aggregates)?.collect().await?;
    let value = |name: &str| -> Option<i64> {
        let batch: &RecordBatch = batches.first()?;
        let column = batch.column_by_name(name)?;
        column
            .as_primitive_opt::<Int64Type>()
            .filter(|c| !c.is_empty())
            .map(|c| c.value(0))
    };
    let rows = value("__rows").unwrap_or(0);
    Ok(fields
        .into_iter()
        .enumerate()
        .map(|(i, (name, data_type))| Profile {
            nulls: value(&format!("__n{i}")).is_some_and(|n| n < rows),
            non_null: value(&format!("__n{i}")).unwrap_or(0),
            distinct: value(&format!("__d{i}")),
            name,
            data_type,
        })
        .collect())
}

async fn distinct_values(df: &DataFrame, name: &str) -> datafusion::error::Result<Vec<String>> {
    let batches = df
        .clone()
        .select(vec![ident(name).alias("v")])?
        .filter(col("v").is_not_null())?
        .distinct()?
        .sort(vec![col("v").sort(true, false)])?
        .collect()
        .await?;
    let mut values = Vec::new();
    for batch in batches {
        let column = datafusion::arrow::compute::cast(batch.column(0), &DataType::Utf8)?;
        let strings = column.as_string::<i32>();
        values.extend(strings.iter().flatten().map(str::to_string));
    }
    Ok(values)
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

fn seg_type(t: &DataType) -> Option<String> {
    Some(match t {
        _ if t.is_integer() => "int".into(),
        _ if t.is_floating() => "float".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) if *p <= 38 => {
            format!("decimal({p}, {s})")
        }
        _ if is_text(t) => "string".into(),
        DataType::Boolean => "bool".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => {
            match seg_type(f.data_type())?.as_str() {
                item @ ("string" | "int") => format!("list<{item}>"),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// The key: `<singular>_id`, `id`, or the first column ending in `_id`.
fn guess_key(source: &str, profiles: &[Profile]) -> Option<usize> {
    let singular = source.strip_suffix('s').unwrap_or(source);
    let candidates = [
        format!("{singular}_id"),
        format!("{source}_id"),
        "id".into(),
    ];
    let usable = |p: &Profile| !p.nulls && (p.data_type.is_integer() || is_text(&p.data_type));
    candidates
        .iter()
        .find_map(|c| profiles.iter().position(|p| &p.name == c && usable(p)))
        .or_else(|| {
            profiles
                .iter()
                .position(|p| p.name.ends_with("_id") && usable(p))
        })
}

/// The partition columns of the folder `location`: the `name=value` folders on the way to its
/// first file, in order.
async fn partition_names(
    ctx: &SessionContext,
    location: &str,
    csv: bool,
) -> datafusion::error::Result<Vec<String>> {
    use futures::TryStreamExt as _;
    let url = datafusion::datasource::listing::ListingTableUrl::parse(location)?;
    let state = ctx.state();
    let store = state.runtime_env().object_store(&url)?;
    let extension = if csv { ".csv" } else { ".parquet" };
    let mut files = url
        .list_all_files(&state, store.as_ref(), extension)
        .await?;
    let Some(first) = files.try_next().await? else {
        return Ok(Vec::new());
    };
    let relative = first
        .location
        .as_ref()
        .strip_prefix(url.prefix().as_ref())
        .unwrap_or(first.location.as_ref())
        .to_string();
    Ok(relative
        .split('/')
        .filter_map(|segment| segment.split_once('=').map(|(name, _)| name.to_string()))
        .collect())
}

/// The type of a partition column with folder values `values`: `int` or `date` when every value
/// reads as one, else `string`.
fn partition_type(values: &[String]) -> &'static str {
    if !values.is_empty() && values.iter().all(|v| v.parse::<i64>().is_ok()) {
        "int"
    } else if !values.is_empty()
        && values
            .iter()
            .all(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok())
    {
        "date"
    } else {
        "string"
    }
}

fn render(
    options: &InferOptions,
    profiles: &[Profile],
    enums: &[Option<Vec<String>>],
    partitions: &[(String, &str)],
) -> String {
    let key = guess_key(&options.name, profiles);
    let format = if options.csv { "csv" } else { "parquet" };
    let mut out = String::new();
    let with = if options.csv && options.delimiter != b',' {
        format!(
            " with (delimiter = {:?})",
            (options.delimiter as char).to_string()
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "source {} from {format} {}{with} {{",
        quote_name(&options.name),
        quote_string(&options.location)
    );
    if key.is_none() {
        let _ = writeln!(
            out,
            "  // no key column found: mark the member identifier with `key`"
        );
    }
    for (name, ty) in partitions {
        let _ = writeln!(out, "  partition {}: {ty}", quote_name(name));
    }
    for (i, (p, values)) in profiles.iter().zip(enums).enumerate() {
        if partitions.iter().any(|(name, _)| *name == p.name) {
            continue;
        }
        let name = quote_name(&p.name);
        let Some(mut ty) = seg_type(&p.data_type) else {
            let _ = writeln!(
                out,
                "  // {name}: skipped, {} has no segc type",
                p.data_type
            );
            continue;
        };
        if let Some(values) = values {
            let quoted: Vec<String> = values.iter().map(|v| quote_string(v)).collect();
            ty = format!("enum({})", quoted.join(", "));
        }
        let key_mark = if Some(i) == key { "key " } else { "" };
        let null_mark = if p.nulls { "?" } else { "" };
        let _ = writeln!(out, "  {key_mark}{name}: {ty}{null_mark}");
    }
    out.push_str("}\n");
    out
}
