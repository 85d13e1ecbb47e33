//! Two runs' outputs compared (`segc diff --runs`): each membership file read as its run wrote
//! it (Parquet or CSV, wide or long layout), both shaped as a key and one column per segment
//! and tiers, joined on the key, and counted in one pass ([`crate::diff::tally`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::catalog::TableProvider;

use datafusion::prelude::{CsvReadOptions, ParquetReadOptions};
use futures::StreamExt;

use super::compare::{Pair, count_batch, tallies};
use super::{Engine, Layout, OutputFormat};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::diff::tally::Tally;

/// What `summary.json` (or, for a Delta table, the commit of the date) says about a run's
/// outputs.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The output folder (`TABLE@DATE` for a Delta table).
    pub dir: PathBuf,
    /// The rule file the run ran.
    pub rules: String,
    /// Its evaluation date.
    pub as_of: String,
    /// Its segments, in order.
    pub segments: Vec<String>,
    /// Its tiers (and splits), each with its tier names.
    pub tiers: Vec<(String, Vec<String>)>,
    /// The digest of each segment's (`false`) and tiers' (`true`) meaning the run recorded
    /// (none before segc recorded them, or for a Delta table's date).
    pub(super) definitions: HashMap<(String, bool), String>,
    pub(super) layout: Layout,
    pub(super) membership: Membership,
}

/// Where a run's members are.
#[derive(Debug, Clone)]
pub(super) enum Membership {
    /// `membership.parquet` or `.csv` in the run's folder.
    File(OutputFormat),
    /// The `as_of` partition of a Delta table ([`super::delta_runs`]).
    Delta {
        /// The table at its latest version.
        provider: Arc<dyn TableProvider>,
        /// The partition's date.
        as_of: chrono::NaiveDate,
    },
}

#[derive(serde::Deserialize)]
struct SummaryFile {
    rules: String,
    as_of: String,
    segments: Vec<Named>,
    tiers: Vec<TiersFile>,
    output: OutputFile,
}

#[derive(serde::Deserialize)]
struct Named {
    name: String,
    #[serde(default)]
    definition: Option<String>,
}

#[derive(serde::Deserialize)]
struct TiersFile {
    name: String,
    #[serde(default)]
    definition: Option<String>,
    tiers: Vec<TierFile>,
}

#[derive(serde::Deserialize)]
struct TierFile {
    tier: Option<String>,
}

#[derive(serde::Deserialize)]
struct OutputFile {
    format: OutputFormat,
    layout: Layout,
}

fn unreadable(dir: &Path, message: impl Into<String>) -> Diagnostic {
    Diagnostic::Diff(DiffDiagnostic::RunUnreadable {
        dir: dir.display().to_string(),
        message: message.into(),
    })
}

impl RunOutput {
    /// The outputs of the run written to `dir`, from its `summary.json` (`E1514` when there is
    /// none, it cannot be read, or `dir` is a Delta table given without a date).
    pub fn read(dir: &Path) -> Result<RunOutput, Diagnostic> {
        RunOutput::read_summary(dir).map_err(|message| unreadable(dir, message))
    }

    /// The outputs of the run written to `dir`, or why they cannot be read.
    pub(super) fn read_summary(dir: &Path) -> Result<RunOutput, String> {
        if dir.join("_delta_log").is_dir() {
            return Err(format!(
                "a Delta table: give the dates to compare, as `{0}@2026-11-01`, or its versions, as `{0}@v3`",
                dir.display()
            ));
        }
        let path = dir.join("summary.json");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("summary.json: {e}"))?;
        let summary: SummaryFile =
            serde_json::from_str(&text).map_err(|e| format!("summary.json: {e}"))?;
        if summary.output.format == OutputFormat::Delta {
            return Err("a Delta table: give its dates to compare, as `TABLE@2026-11-01`".into());
        }
        let segments = summary
            .segments
            .iter()
            .map(|s| (&s.name, false, &s.definition));
        let tiers = summary.tiers.iter().map(|t| (&t.name, true, &t.definition));
        let definitions = segments
            .chain(tiers)
            .filter_map(|(name, tiers, def)| Some(((name.clone(), tiers), def.clone()?)))
            .collect();
        Ok(RunOutput {
            dir: dir.to_path_buf(),
            rules: summary.rules,
            as_of: summary.as_of,
            definitions,
            segments: summary.segments.into_iter().map(|s| s.name).collect(),
            tiers: summary
                .tiers
                .into_iter()
                .map(|t| (t.name, t.tiers.into_iter().filter_map(|t| t.tier).collect()))
                .collect(),
            layout: summary.output.layout,
            membership: Membership::File(summary.output.format),
        })
    }

    pub(super) fn has(&self, name: &str, tiers: bool) -> bool {
        match tiers {
            true => self.tiers.iter().any(|(t, _)| t == name),
            false => self.segments.iter().any(|s| s == name),
        }
    }
}

/// A double-quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A single-quoted SQL string.
fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The query giving a run's members as the key (`k`) and one column per wanted output
/// (`c0`, `c1`, ...; null where the run does not have it).
pub(super) fn shaped(run: &RunOutput, table: &str, key: &str, wanted: &[(String, bool)]) -> String {
    let key = quoted(key);
    let mut columns = vec![format!("{key} AS k")];
    for (i, (name, tiers)) in wanted.iter().enumerate() {
        let column = match (run.has(name, *tiers), run.layout, tiers) {
            (false, _, _) => "NULL".to_string(),
            (true, Layout::Wide, _) => quoted(name),
            (true, Layout::Long, false) => format!("bool_or(\"segment\" = {})", text(name)),
            (true, Layout::Long, true) => {
                let prefix = format!("{name}:");
                format!(
                    "max(CASE WHEN starts_with(\"segment\", {}) THEN substr(\"segment\", {}) END)",
                    text(&prefix),
                    prefix.chars().count() + 1
                )
            }
        };
        columns.push(format!("{column} AS c{i}"));
    }
    let group = match run.layout {
        Layout::Long => format!(" GROUP BY {key}"),
        Layout::Wide => String::new(),
    };
    format!("SELECT {} FROM {table}{group}", columns.join(", "))
}

impl Engine {
    /// Registers the members of `run` as `table`; returns what a query reads them from (the
    /// table, or its rows of the run's date for a Delta table). `text_key` names a key column
    /// the rules declare as text: a CSV file's is read as text, whatever its values look like
    /// (`001` stays `001`).
    pub(super) async fn register_run(
        &self,
        run: &RunOutput,
        table: &str,
        text_key: Option<&str>,
    ) -> Result<String, Diagnostic> {
        let failed = |e: datafusion::error::DataFusionError| unreadable(&run.dir, e.to_string());
        match &run.membership {
            Membership::File(format) => {
                let extension = match format {
                    OutputFormat::Csv => "csv",
                    _ => "parquet",
                };
                let path = run.dir.join(format!("membership.{extension}"));
                let shown = path.display().to_string();
                match format {
                    OutputFormat::Csv => {
                        let schema = self
                            .run_csv_schema(&shown, text_key)
                            .await
                            .map_err(failed)?;
                        let mut options = CsvReadOptions::new();
                        if let Some(schema) = &schema {
                            options = options.schema(schema);
                        }
                        self.ctx.register_csv(table, &shown, options).await
                    }
                    _ => {
                        let options = ParquetReadOptions::default();
                        self.ctx.register_parquet(table, &shown, options).await
                    }
                }
                .map_err(failed)?;
                Ok(table.to_string())
            }
            Membership::Delta { provider, as_of } => {
                self.ctx
                    .register_table(table, Arc::clone(provider))
                    .map_err(failed)?;
                // The partition column prunes the other dates' files.
                Ok(format!(
                    "(SELECT * FROM {table} WHERE {} = DATE {}) AS {table}_rows",
                    quoted(super::delta_out::AS_OF_COLUMN),
                    text(&as_of.to_string())
                ))
            }
        }
    }

    /// The schema a run's CSV membership file is read with: the one inferred, with `text_key`
    /// as text (none: read as inferred).
    async fn run_csv_schema(
        &self,
        path: &str,
        text_key: Option<&str>,
    ) -> Result<Option<datafusion::arrow::datatypes::Schema>, datafusion::error::DataFusionError>
    {
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        let Some(key) = text_key else {
            return Ok(None);
        };
        let inferred = self.ctx.read_csv(path, CsvReadOptions::new()).await?;
        let fields: Vec<Field> = inferred
            .schema()
            .fields()
            .iter()
            .map(|f| match f.name() == key {
                true => Field::new(f.name(), DataType::Utf8, true),
                false => f.as_ref().clone(),
            })
            .collect();
        Ok(Some(Schema::new(fields)))
    }

    /// Reads the membership files of two runs and counts each wanted output (name, whether it
    /// is tiers) in both, in one pass over their join on the key.
    pub async fn compare_runs(
        &self,
        old: &RunOutput,
        new: &RunOutput,
        wanted: &[(String, bool)],
    ) -> Result<Vec<Tally>, Diagnostic> {
        let mut keys = Vec::new();
        let mut rows = Vec::new();
        for (run, table) in [(old, "__base_run"), (new, "__head_run")] {
            rows.push(self.register_run(run, table, None).await?);
            let schema = self
                .ctx
                .table(table)
                .await
                .map_err(|e| unreadable(&run.dir, e.to_string()))?
                .schema()
                .clone();
            let key = schema.fields().first().map(|f| f.name().clone());
            keys.push(
                key.ok_or_else(|| unreadable(&run.dir, "a membership file without columns"))?,
            );
        }
        let pairs: Vec<Pair> = wanted
            .iter()
            .enumerate()
            .map(|(i, (name, tiers))| Pair {
                old: old.has(name, *tiers).then_some(2 * i),
                new: new.has(name, *tiers).then_some(2 * i + 1),
                tiers: *tiers,
            })
            .collect();
        let sides: Vec<String> = (0..wanted.len())
            .flat_map(|i| [format!("a.c{i}"), format!("b.c{i}")])
            .collect();
        let query = format!(
            "SELECT coalesce(a.k, b.k) AS k{}{} FROM ({}) a FULL OUTER JOIN ({}) b ON a.k = b.k ORDER BY k",
            if sides.is_empty() { "" } else { ", " },
            sides.join(", "),
            shaped(old, &rows[0], &keys[0], wanted),
            shaped(new, &rows[1], &keys[1], wanted),
        );
        let failed = |e: String| unreadable(&new.dir, e);
        let frame = self
            .ctx
            .sql(&query)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut stream = frame
            .execute_stream()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut counted = tallies(&pairs);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| failed(e.to_string()))?;
            count_batch(&batch, &pairs, &mut counted).map_err(|e| failed(e.to_string()))?;
        }
        Ok(counted)
    }
}
