//! Delta Lake tables (`source orders from delta "s3://lake/orders"`), read through segc's own
//! object stores at the version the source asks for: the latest, a version number, the version
//! current at an instant, or at the end of the run's `as_of` day.
//!
//! The table's log is read with `deltalake-core` over a default log store built on segc's store
//! (no process-wide registry of stores); its schema is checked against the declaration like a
//! Parquet file's, and its DataFusion provider (partition pruning, file statistics) is
//! registered as the source's table.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use datafusion::catalog::TableProvider;
use datafusion::prelude::SessionContext;
use deltalake_core::logstore::{LogStoreRef, StorageConfig, default_logstore};
use deltalake_core::{DeltaTable, DeltaTableError};
use object_store::ObjectStore;
use url::Url;

use super::Resolved;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir::{self, Snapshot};

/// The provider of the Delta table at `location` for `source`, at `snapshot` (`as_of` for
/// [`Snapshot::AsOf`]).
pub(super) async fn table(
    ctx: &SessionContext,
    source: &hir::Source,
    location: &Resolved,
    snapshot: Snapshot,
    as_of: NaiveDate,
) -> Result<(Arc<dyn TableProvider>, Option<DateTime<Utc>>), Vec<Diagnostic>> {
    let span = source.location.span;
    let unreadable = |message: String| {
        vec![Diagnostic::Data(DataDiagnostic::UnreadableData {
            span,
            file: Some(location.shown.clone()),
            message: super::messages::one_line(&message),
        })]
    };
    let (url, root) = root_store(ctx, location).map_err(unreadable)?;
    let mut table = DeltaTable::new(log_store(root, &url).map_err(unreadable)?);
    let instant = match snapshot {
        Snapshot::At(at) => Some(at),
        Snapshot::AsOf => Some(end_of_day(as_of)),
        Snapshot::Latest | Snapshot::Version(_) => None,
    };
    let loaded = match (snapshot, instant) {
        // Versions are checked non-negative (`check::sources`).
        (Snapshot::Version(version), _) => table.load_version(version.unsigned_abs()).await,
        (_, Some(at)) => table.load_with_datetime(at.and_utc()).await,
        _ => table.load().await,
    };
    loaded.map_err(|e| vec![problem(span, location, snapshot, e)])?;
    // The commit of the version read: checked against the instant asked for, and the table's
    // last modification for `fresh within ... by modified` (one request for the commit file).
    let by_modified = source.freshness.as_ref().is_some_and(|f| f.by_modified);
    let committed = if instant.is_some() || by_modified {
        commit_time(&table).await.map_err(unreadable)?
    } else {
        None
    };
    if let (Some(at), Some(committed)) = (instant, committed)
        && committed.naive_utc() > at
    {
        return Err(vec![version_missing(span, location, snapshot)]);
    }
    let schema = table
        .snapshot()
        .map_err(|e| unreadable(e.to_string()))?
        .snapshot()
        .arrow_schema();
    let problems = super::tables::verify(source, &schema, None, super::tables::compatible_parquet);
    if !problems.is_empty() {
        return Err(problems);
    }
    let provider = table
        .table_provider()
        .await
        .map_err(|e| unreadable(e.to_string()))?;
    Ok((provider, committed))
}

/// The log store of the table at `url` (a folder) in `root`, the store of its bucket (or the
/// local file system): a default log store, without deltalake's process-wide registry.
pub(super) fn log_store(root: Arc<dyn ObjectStore>, url: &Url) -> Result<LogStoreRef, String> {
    let config = StorageConfig::default();
    let prefixed: Arc<dyn ObjectStore> = config
        .decorate_store(Arc::clone(&root), url)
        .map_err(|e| e.to_string())?
        .into();
    Ok(default_logstore(prefixed, root, url, &config))
}

/// The table's root URL (a folder) and the store it is read from: segc's store of the bucket
/// for a remote table (registered on the session), the local file system for a folder.
fn root_store(
    ctx: &SessionContext,
    location: &Resolved,
) -> Result<(Url, Arc<dyn ObjectStore>), String> {
    let folder = if location.path.ends_with('/') {
        location.path.clone()
    } else {
        format!("{}/", location.path)
    };
    match location.remote {
        Some(_) => {
            let url = Url::parse(&folder).map_err(|e| e.to_string())?;
            let bucket = datafusion::execution::object_store::ObjectStoreUrl::parse(
                super::stores::store_url(&url),
            )
            .map_err(|e| e.to_string())?;
            let store = ctx
                .runtime_env()
                .object_store(bucket)
                .map_err(|e| e.to_string())?;
            Ok((url, store))
        }
        None => {
            let absolute = std::path::absolute(&folder).map_err(|e| e.to_string())?;
            let url = Url::from_directory_path(&absolute)
                .map_err(|()| format!("`{}` is not a folder", absolute.display()))?;
            Ok((url, Arc::new(object_store::local::LocalFileSystem::new())))
        }
    }
}

/// The last instant of the day `date` (the version current at the end of the `as_of` day).
fn end_of_day(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + TimeDelta::days(1) - TimeDelta::milliseconds(1)
}

/// When the loaded version was committed (its log file's modification). A version loaded for
/// an instant and committed after it means the table did not exist yet (deltalake then gives
/// its first version).
async fn commit_time(table: &DeltaTable) -> Result<Option<DateTime<Utc>>, String> {
    let Some(version) = table.version() else {
        return Ok(None);
    };
    let log = table.log_store();
    let commit = object_store::path::Path::from(format!("_delta_log/{version:020}.json"));
    let meta = object_store::ObjectStoreExt::head(log.object_store(None).as_ref(), &commit)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Some(meta.last_modified))
}

/// E0722: the table has no version `snapshot` names.
fn version_missing(span: crate::span::Span, location: &Resolved, snapshot: Snapshot) -> Diagnostic {
    Diagnostic::Data(DataDiagnostic::DeltaVersionMissing {
        span,
        location: location.shown.clone(),
        snapshot: match snapshot {
            Snapshot::Version(v) => format!("version {v}"),
            Snapshot::At(at) => format!("a version at {at}"),
            _ => "a version at the end of the as_of day".to_string(),
        },
    })
}

/// The diagnostic for a table that cannot be loaded at `snapshot`.
fn problem(
    span: crate::span::Span,
    location: &Resolved,
    snapshot: Snapshot,
    error: DeltaTableError,
) -> Diagnostic {
    let shown = location.shown.clone();
    match (&error, snapshot) {
        (DeltaTableError::NotATable(_) | DeltaTableError::InvalidTableLocation(_), _) => {
            Diagnostic::Data(DataDiagnostic::DataNotFound {
                span,
                location: shown,
            })
        }
        (DeltaTableError::InvalidVersion(_), _) => version_missing(span, location, snapshot),
        // A version past the last one: the kernel finds no log segment ending there.
        (DeltaTableError::KernelError(e), Snapshot::Version(_))
            if e.to_string().contains("end version") =>
        {
            version_missing(span, location, snapshot)
        }
        _ => Diagnostic::Data(DataDiagnostic::UnreadableData {
            span,
            file: Some(shown),
            message: super::messages::one_line(
                error.to_string().lines().next().unwrap_or_default(),
            ),
        }),
    }
}
