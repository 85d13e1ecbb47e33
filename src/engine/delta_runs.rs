//! Runs read from a Delta table (`segc diff --runs TABLE@2026-10-01 TABLE@2026-11-01`): the
//! `as_of` partition of each date, described by the commit that last wrote it; or the run a
//! version committed (`TABLE@v3`), read as the table was at that version.
//!
//! A run written with `--format delta` has no `summary.json`; its commit's information records
//! what the summary would say about its outputs (`segc.outputs`: the layout, the segments and
//! the tiers with their tier names). The columns alone could not tell a tiers item from a text
//! `output let`, nor, after schema merges, which columns the run of that date wrote.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use deltalake_core::{DeltaTable, DeltaTableError};
use futures::TryStreamExt;
use object_store::ObjectStore;
use url::Url;

use super::runs::{Membership, RunOutput};
use super::stores::{Cloud, store_url};
use super::{Engine, Layout, is_url};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::hir::{self, OutputId};

/// Which run of a Delta table a `--runs` argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaRun {
    /// The run of a date, as the latest version has its partition (`TABLE@2026-11-01`).
    Date(NaiveDate),
    /// The run a version committed, as the table was then (`TABLE@v3`): a date run again
    /// later is still seen as it was.
    Version(u64),
}

/// The table and the run of a `--runs` argument `TABLE@YYYY-MM-DD` or `TABLE@vN`, if it is
/// written so.
pub fn delta_run_argument(argument: &str) -> Option<(&str, DeltaRun)> {
    let (table, which) = argument.rsplit_once('@')?;
    if table.is_empty() {
        return None;
    }
    let version = which
        .strip_prefix('v')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    let run = match version {
        Some(digits) => DeltaRun::Version(digits.parse().ok()?),
        None => DeltaRun::Date(NaiveDate::parse_from_str(which, "%Y-%m-%d").ok()?),
    };
    Some((table, run))
}

/// What a membership commit records about the run's outputs (`segc.outputs`).
pub(super) fn recorded_outputs(
    program: &hir::Program,
    outputs: &[OutputId],
    layout: Layout,
) -> serde_json::Value {
    let mut segments = Vec::new();
    let mut tiers = Vec::new();
    for id in outputs {
        let name = program.output_name(*id).to_string();
        match id {
            OutputId::Segment(_) => segments.push(serde_json::Value::String(name)),
            OutputId::Tiers(t) => {
                let arms: Vec<&str> = program.tiers[t.0]
                    .arms
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect();
                tiers.push(serde_json::json!({ "name": name, "tiers": arms }));
            }
            OutputId::Score(_) | OutputId::Let(_) => {}
        }
    }
    serde_json::json!({ "layout": layout, "segments": segments, "tiers": tiers })
}

#[derive(serde::Deserialize)]
struct Recorded {
    layout: Layout,
    segments: Vec<String>,
    tiers: Vec<RecordedTiers>,
}

#[derive(serde::Deserialize)]
struct RecordedTiers {
    name: String,
    tiers: Vec<String>,
}

/// The `segc` information of the newest commit of a run of `as_of` (it wrote the partition as
/// it is now), or the dates of the runs the history has, in order.
fn last_run_of<'h>(
    history: &'h [deltalake_core::kernel::CommitInfo],
    as_of: &str,
) -> Result<&'h serde_json::Value, Vec<String>> {
    let mut dates: Vec<String> = Vec::new();
    // Newest first.
    for commit in history {
        let Some(segc) = commit.info.get("segc") else {
            continue;
        };
        match segc.get("as_of").and_then(|d| d.as_str()) {
            Some(date) if date == as_of => return Ok(segc),
            Some(date) if !dates.iter().any(|d| d == date) => dates.push(date.to_string()),
            _ => {}
        }
    }
    dates.sort();
    Err(dates)
}

impl Engine {
    /// The run `which` names in the Delta table `table` (a folder or a URL): `E1517` when it is
    /// no table that can be read, `E1518` without a run of that date, `E1520` without that
    /// version, `E1521` for a version that no run committed, `E1519` for a run that does not
    /// record its outputs.
    pub async fn delta_run(&self, table: &str, which: DeltaRun) -> Result<RunOutput, Diagnostic> {
        let unreadable = |message: String| {
            Diagnostic::Diff(DiffDiagnostic::DeltaRunsUnreadable {
                table: table.to_string(),
                message: super::messages::one_line(&message),
            })
        };
        let (root, url) = self.table_root(table).map_err(unreadable)?;
        let mut delta = DeltaTable::new(super::delta::log_store(root, &url).map_err(unreadable)?);
        delta.load().await.map_err(|e| match e {
            DeltaTableError::NotATable(_) | DeltaTableError::InvalidTableLocation(_) => {
                unreadable("there is no Delta table there".to_string())
            }
            other => unreadable(other.to_string().lines().next().unwrap_or("").to_string()),
        })?;
        let (segc, shown) = match which {
            DeltaRun::Date(as_of) => (
                self.run_of_date(&delta, table, as_of).await?,
                format!("{table}@{as_of}"),
            ),
            DeltaRun::Version(version) => {
                let segc = committed_run(&delta, table, version).await?;
                delta
                    .load_version(version)
                    .await
                    .map_err(|e| unreadable(e.to_string()))?;
                (segc, format!("{table}@v{version}"))
            }
        };
        let as_of = segc
            .get("as_of")
            .and_then(|d| d.as_str())
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let recorded: Option<Recorded> = segc
            .get("outputs")
            .and_then(|o| serde_json::from_value(o.clone()).ok());
        let (Some(as_of), Some(recorded)) = (as_of, recorded) else {
            return Err(Diagnostic::Diff(DiffDiagnostic::DeltaRunWithoutOutputs {
                table: table.to_string(),
                as_of: as_of.map_or_else(|| shown.clone(), |d| d.to_string()),
            }));
        };
        let provider = delta
            .table_provider()
            .await
            .map_err(|e| unreadable(e.to_string()))?;
        let rules = segc.get("rules").and_then(|r| r.as_str()).unwrap_or("");
        Ok(RunOutput {
            dir: PathBuf::from(shown),
            rules: rules.to_string(),
            as_of: as_of.to_string(),
            segments: recorded.segments,
            definitions: Default::default(),
            tiers: recorded
                .tiers
                .into_iter()
                .map(|t| (t.name, t.tiers))
                .collect(),
            layout: recorded.layout,
            membership: Membership::Delta { provider, as_of },
        })
    }

    /// The `segc` information of the newest commit of a run of `as_of` (`E1518` without one).
    async fn run_of_date(
        &self,
        delta: &DeltaTable,
        table: &str,
        as_of: NaiveDate,
    ) -> Result<serde_json::Value, Diagnostic> {
        let history: Vec<_> = delta.history(None).try_collect().await.map_err(|e| {
            Diagnostic::Diff(DiffDiagnostic::DeltaRunsUnreadable {
                table: table.to_string(),
                message: super::messages::one_line(&e.to_string()),
            })
        })?;
        let wanted = as_of.to_string();
        last_run_of(&history, &wanted).cloned().map_err(|dates| {
            Diagnostic::Diff(DiffDiagnostic::DeltaRunMissing {
                table: table.to_string(),
                as_of: wanted.clone(),
                dates,
            })
        })
    }

    /// The store an existing table is read from and its folder's URL; a remote store is
    /// registered on the session, for the scans of the table's files.
    fn table_root(&self, table: &str) -> Result<(Arc<dyn ObjectStore>, Url), String> {
        let folder = format!("{}/", table.trim_end_matches('/'));
        if is_url(table) {
            let url = Url::parse(&folder).map_err(|e| e.to_string())?;
            let cloud = Cloud::of_scheme(&url.scheme().to_ascii_lowercase())
                .filter(|c| *c != Cloud::Http)
                .ok_or_else(|| format!("`{}://` tables cannot be read", url.scheme()))?;
            let store = self.storage.store(cloud, &url).map_err(|e| e.to_string())?;
            let base = Url::parse(&store_url(&url)).map_err(|e| e.to_string())?;
            self.ctx
                .runtime_env()
                .register_object_store(&base, Arc::clone(&store));
            Ok((store, url))
        } else {
            // Never created: a missing folder is no table (unlike an output, made if missing).
            let absolute = std::path::absolute(&folder).map_err(|e| e.to_string())?;
            if !absolute.is_dir() {
                return Err("there is no such folder".to_string());
            }
            let url = Url::from_directory_path(&absolute)
                .map_err(|()| format!("`{}` is not a folder", absolute.display()))?;
            Ok((Arc::new(object_store::local::LocalFileSystem::new()), url))
        }
    }
}

/// The `segc` information of the commit of `version` (`E1520` when the table has no such
/// version, `E1521` when no run committed it).
async fn committed_run(
    delta: &DeltaTable,
    table: &str,
    version: u64,
) -> Result<serde_json::Value, Diagnostic> {
    let latest = delta.version().unwrap_or(0);
    let missing = || {
        Diagnostic::Diff(DiffDiagnostic::DeltaVersionMissing {
            table: table.to_string(),
            version,
            latest,
        })
    };
    if version > latest {
        return Err(missing());
    }
    // A version's commit may have been cleaned up from the log (after a checkpoint).
    let bytes = delta
        .log_store()
        .read_commit_entry(version)
        .await
        .ok()
        .flatten()
        .ok_or_else(missing)?;
    let info = serde_json::Deserializer::from_slice(&bytes)
        .into_iter::<serde_json::Value>()
        .filter_map(Result::ok)
        .find_map(|action| action.get("commitInfo")?.get("segc").cloned());
    match info {
        Some(segc) if segc.get("as_of").is_some() => Ok(segc),
        _ => Err(Diagnostic::Diff(DiffDiagnostic::DeltaVersionNotARun {
            table: table.to_string(),
            version,
        })),
    }
}
