//! The runs KPIs are frozen to (`kpi k for each offer_test frozen "runs/2026-10-01"`): each
//! read through its `summary.json`, checked to hold the KPI's groups and the population's key,
//! and given to [`lower::kpi_plan`] as a table of the key and one column per group output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{TableSource, cast, ident};

use super::delta_runs::DeltaRun;
use super::runs::{Membership, RunOutput, shaped};
use super::{Engine, OutputFormat};
use crate::diagnostics::{
    DataDiagnostic, Diagnostic, DiffDiagnostic, InternalDiagnostic, Invariant, KpiDiagnostic,
};
use crate::hir::{self, KpiId};
use crate::lower::{self, TableLookup, canonical_type};

/// The engine's tables, and the frozen tables of the KPIs being measured.
pub struct WithFrozen<'e> {
    engine: &'e Engine,
    frozen: HashMap<KpiId, Arc<dyn TableSource>>,
}

impl TableLookup for WithFrozen<'_> {
    fn table(&self, source: &hir::Source) -> Result<Arc<dyn TableSource>, Diagnostic> {
        self.engine.table(source)
    }

    fn frozen(
        &self,
        program: &hir::Program,
        kpi: KpiId,
    ) -> Result<Arc<dyn TableSource>, Diagnostic> {
        match self.frozen.get(&kpi) {
            Some(table) => Ok(Arc::clone(table)),
            None => self.engine.frozen(program, kpi),
        }
    }
}

fn unreadable(span: crate::span::Span, dir: &Path, message: impl Into<String>) -> Diagnostic {
    Diagnostic::Kpi(KpiDiagnostic::FrozenUnreadable {
        span,
        dir: dir.display().to_string(),
        message: message.into(),
    })
}

/// Whether a key read from a run has the population key's type (strings in any layout).
fn same_key_type(found: &DataType, expected: &DataType) -> bool {
    let text =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8);
    found == expected || (text(found) && text(expected))
}

impl Engine {
    /// The engine's tables with the frozen tables of those of `kpis` that are frozen (the runs
    /// they name read and checked).
    pub async fn with_frozen(
        &self,
        program: &hir::Program,
        kpis: &[KpiId],
        as_of: chrono::NaiveDate,
    ) -> Result<WithFrozen<'_>, Diagnostic> {
        let mut frozen = HashMap::new();
        for id in kpis {
            if program.kpis[id.0].frozen.is_some() {
                frozen.insert(*id, self.frozen_table(program, *id, as_of).await?);
            }
        }
        Ok(WithFrozen {
            engine: self,
            frozen,
        })
    }

    /// The folder `frozen` names (without a Delta table's `@DATE`), relative to the rule file
    /// declaring it, within the data roots; and the date named, if any.
    fn frozen_dir(&self, frozen: &hir::Frozen) -> Result<(PathBuf, Option<DeltaRun>), Diagnostic> {
        let (folder, date) = match super::delta_runs::delta_run_argument(&frozen.folder) {
            Some((table, date)) => (table, Some(date)),
            None => (frozen.folder.as_str(), None),
        };
        let dir = self.base_dirs.of(frozen.span).join(folder);
        if !self.roots.admits(&dir) {
            return Err(Diagnostic::Data(DataDiagnostic::DataOutsideRoots {
                span: frozen.span,
                location: dir.display().to_string(),
                roots: self.roots.shown().to_vec(),
            }));
        }
        Ok((dir, date))
    }

    /// The run `frozen` names: a folder's `summary.json`, or a date of a Delta table written by
    /// `segc run --format delta` (the date after `@`, else the newest run on or before
    /// `as_of`); why it cannot be read otherwise.
    async fn frozen_run(
        &self,
        frozen: &hir::Frozen,
        as_of: chrono::NaiveDate,
    ) -> Result<RunOutput, Diagnostic> {
        let (dir, date) = self.frozen_dir(frozen)?;
        let span = frozen.span;
        if !dir.join("_delta_log").is_dir() {
            return match date {
                Some(_) => Err(unreadable(span, &dir, "no Delta table to take a date of")),
                None => RunOutput::read_summary(&dir).map_err(|m| unreadable(span, &dir, m)),
            };
        }
        let table = dir.display().to_string();
        let message = |d: Diagnostic| unreadable(span, &dir, d.message());
        let wanted = match date {
            Some(date) => date,
            None => match self.delta_run(&table, DeltaRun::Date(as_of)).await {
                Ok(run) => return Ok(run),
                Err(Diagnostic::Diff(DiffDiagnostic::DeltaRunMissing { dates, .. })) => {
                    newest_run_before(&dates, as_of)
                        .map(DeltaRun::Date)
                        .ok_or_else(|| {
                            let runs = match dates.is_empty() {
                                true => "none".to_string(),
                                false => dates.join(", "),
                            };
                            let why = format!("no run on or before {as_of} (its runs: {runs})");
                            unreadable(span, &dir, why)
                        })?
                }
                Err(other) => return Err(message(other)),
            },
        };
        self.delta_run(&table, wanted).await.map_err(message)
    }

    /// Reads the run `kpi` is frozen to: its members as the key and one column per output.
    async fn frozen_table(
        &self,
        program: &hir::Program,
        kpi: KpiId,
        as_of: chrono::NaiveDate,
    ) -> Result<Arc<dyn TableSource>, Diagnostic> {
        let decl = &program.kpis[kpi.0];
        let Some(frozen) = &decl.frozen else {
            return self.frozen(program, kpi);
        };
        let span = frozen.span;
        let run = self.frozen_run(frozen, as_of).await?;
        let dir = run.dir.clone();
        if let Membership::File(format) = run.membership {
            let file = match format {
                OutputFormat::Csv => "membership.csv",
                _ => "membership.parquet",
            };
            if !dir.join(file).is_file() {
                return Err(unreadable(span, &dir, format!("no {file}")));
            }
        }
        let outputs = lower::frozen_outputs(program, decl);
        if let Some((output, tiers)) = outputs.iter().find(|(n, t)| !run.has(n, *t)) {
            return Err(Diagnostic::Kpi(KpiDiagnostic::FrozenWithoutOutput {
                span,
                kpi: decl.name.clone(),
                output: output.clone(),
                tiers: *tiers,
                dir: dir.display().to_string(),
            }));
        }
        let table = format!("__frozen_run{}", kpi.0);
        let text_key = program
            .population()
            .key_column()
            .filter(|key| same_key_type(&canonical_type(&key.ty), &DataType::Utf8))
            .map(|key| key.name.as_str());
        let rows = self
            .register_run(&run, &table, text_key)
            .await
            .map_err(|d| match d {
                Diagnostic::Diff(DiffDiagnostic::RunUnreadable { message, .. }) => {
                    unreadable(span, &dir, message)
                }
                other => other,
            })?;
        let key = self.frozen_key(program, &table, span).await?;
        let query = shaped(&run, &rows, &key, &outputs);
        let failed = |e: datafusion::error::DataFusionError| unreadable(span, &dir, e.to_string());
        let frame = self.ctx.sql(&query).await.map_err(failed)?;
        let schema = lower::frozen_schema(program, kpi)?;
        let mut columns = vec![
            cast(ident("k"), schema.field(0).data_type().clone()).alias(lower::frozen_key(kpi)),
        ];
        for index in 0..outputs.len() {
            let ty = schema.field(index + 1).data_type().clone();
            columns
                .push(cast(ident(format!("c{index}")), ty).alias(lower::frozen_column(kpi, index)));
        }
        let view = frame.select(columns).map_err(failed)?.into_view();
        Ok(provider_as_source(view))
    }

    /// The warnings about the runs `kpis` are frozen to: a group's segment or tiers computed
    /// from another definition (`W1004`), a run dated after `as_of` (`W1005`), tiers named
    /// otherwise (`W1006`). A run that cannot be read gives none: measuring reports it.
    pub async fn frozen_findings(
        &self,
        program: &hir::Program,
        kpis: &[KpiId],
        as_of: chrono::NaiveDate,
    ) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        for id in kpis {
            let decl = &program.kpis[id.0];
            let Some(frozen) = &decl.frozen else { continue };
            let Ok(run) = self.frozen_run(frozen, as_of).await else {
                continue;
            };
            found.extend(run_findings(program, decl, frozen, &run, as_of));
        }
        found
    }

    /// The population key's column in the registered run `table`, checked to have its type.
    async fn frozen_key(
        &self,
        program: &hir::Program,
        table: &str,
        span: crate::span::Span,
    ) -> Result<String, Diagnostic> {
        let key = program
            .population()
            .key_column()
            .ok_or(Diagnostic::Internal(InternalDiagnostic::Invariant {
                span,
                broken: Invariant::PopulationWithoutKey,
            }))?;
        let expected = canonical_type(&key.ty);
        let provider = self.ctx.table_provider(table).await.ok();
        let found = provider.as_ref().and_then(|p| {
            p.schema()
                .field_with_name(&key.name)
                .ok()
                .map(|f| f.data_type().clone())
        });
        match found {
            Some(found) if same_key_type(&found, &expected) => Ok(key.name.clone()),
            found => Err(Diagnostic::Kpi(KpiDiagnostic::FrozenKey {
                span,
                key: key.name.clone(),
                expected: expected.to_string(),
                found: found.map(|f| match f {
                    DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8.to_string(),
                    other => other.to_string(),
                }),
            })),
        }
    }
}

/// The newest of the dates of a Delta table's runs on or before `as_of`.
fn newest_run_before(dates: &[String], as_of: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
    dates
        .iter()
        .filter_map(|d| d.parse::<chrono::NaiveDate>().ok())
        .filter(|d| *d <= as_of)
        .max()
}

/// The warnings about the run `kpi` is frozen to (see [`Engine::frozen_findings`]).
fn run_findings(
    program: &hir::Program,
    kpi: &hir::Kpi,
    frozen: &hir::Frozen,
    run: &RunOutput,
    as_of: chrono::NaiveDate,
) -> Vec<Diagnostic> {
    let span = frozen.span;
    let mut found = Vec::new();
    if let Ok(dated) = run.as_of.parse::<chrono::NaiveDate>()
        && dated > as_of
    {
        found.push(Diagnostic::Kpi(KpiDiagnostic::FrozenAfterAsOf {
            span,
            run: run.as_of.clone(),
            as_of: as_of.to_string(),
        }));
    }
    let canon = crate::diff::canon::Canon::new(program);
    let mut seen = Vec::new();
    for group in &kpi.groups {
        let (def, name, defined) = match group {
            hir::KpiGroup::Population => continue,
            hir::KpiGroup::Segment(s) => {
                let segment = &program.segments[s.0];
                (hir::DefId::Segment(*s), &segment.name, segment.span)
            }
            hir::KpiGroup::Tier { tiers, .. } => {
                let item = &program.tiers[tiers.0];
                (hir::DefId::Tiers(*tiers), &item.name, item.span)
            }
        };
        if seen.contains(&def) {
            continue;
        }
        seen.push(def);
        let (output, tiers) = (frozen.run_name(name), matches!(def, hir::DefId::Tiers(_)));
        if let hir::DefId::Tiers(t) = def
            && let Some(other) = other_tiers(program, t, run, output, span)
        {
            // Tiers named otherwise are defined otherwise too: the names say more.
            found.push(other);
            continue;
        }
        let recorded = run.definitions.get(&(output.to_string(), tiers));
        if recorded.is_some_and(|digest| *digest != canon.digest_of(def)) {
            found.push(Diagnostic::Kpi(KpiDiagnostic::FrozenOtherDefinition {
                span,
                output: output.to_string(),
                tiers,
                defined,
                dir: run.dir.display().to_string(),
            }));
        }
    }
    found
}

/// `W1006` when the run's names of the tiers `output` are not the arms of `tiers`.
fn other_tiers(
    program: &hir::Program,
    tiers: hir::TiersId,
    run: &RunOutput,
    output: &str,
    span: crate::span::Span,
) -> Option<Diagnostic> {
    let arms: Vec<&String> = program.tiers[tiers.0]
        .arms
        .iter()
        .map(|a| &a.name)
        .collect();
    let (_, written) = run.tiers.iter().find(|(name, _)| name == output)?;
    let only_run: Vec<String> = written
        .iter()
        .filter(|n| !arms.contains(n))
        .cloned()
        .collect();
    let only_rules: Vec<String> = arms
        .iter()
        .filter(|n| !written.contains(n))
        .map(|n| n.to_string())
        .collect();
    (!only_run.is_empty() || !only_rules.is_empty()).then(|| {
        Diagnostic::Kpi(KpiDiagnostic::FrozenOtherTiers {
            span,
            tiers: output.to_string(),
            only_run,
            only_rules,
        })
    })
}
