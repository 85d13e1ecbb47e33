//! The runs KPIs are frozen to (`kpi k for each offer_test frozen "runs/2026-10-01"`): each
//! read through its `summary.json`, checked to hold the KPI's groups and the population's key,
//! and given to [`lower::kpi_plan`] as a table of the key and one column per group output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{TableSource, cast, ident};

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
    ) -> Result<WithFrozen<'_>, Diagnostic> {
        let mut frozen = HashMap::new();
        for id in kpis {
            if program.kpis[id.0].frozen.is_some() {
                frozen.insert(*id, self.frozen_table(program, *id).await?);
            }
        }
        Ok(WithFrozen {
            engine: self,
            frozen,
        })
    }

    /// The folder `frozen` names, relative to the rule file declaring it, within the data
    /// roots.
    fn frozen_dir(&self, frozen: &hir::Frozen) -> Result<PathBuf, Diagnostic> {
        let dir = self.base_dirs.of(frozen.span).join(&frozen.folder);
        if !self.roots.admits(&dir) {
            return Err(Diagnostic::Data(DataDiagnostic::DataOutsideRoots {
                span: frozen.span,
                location: dir.display().to_string(),
                roots: self.roots.shown().to_vec(),
            }));
        }
        Ok(dir)
    }

    /// Reads the run `kpi` is frozen to: its members as the key and one column per output.
    async fn frozen_table(
        &self,
        program: &hir::Program,
        kpi: KpiId,
    ) -> Result<Arc<dyn TableSource>, Diagnostic> {
        let decl = &program.kpis[kpi.0];
        let Some(frozen) = &decl.frozen else {
            return self.frozen(program, kpi);
        };
        let span = frozen.span;
        let dir = self.frozen_dir(frozen)?;
        let run = RunOutput::read_summary(&dir).map_err(|m| unreadable(span, &dir, m))?;
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
    pub fn frozen_findings(
        &self,
        program: &hir::Program,
        kpis: &[KpiId],
        as_of: chrono::NaiveDate,
    ) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        for id in kpis {
            let decl = &program.kpis[id.0];
            let Some(frozen) = &decl.frozen else { continue };
            let Ok(dir) = self.frozen_dir(frozen) else {
                continue;
            };
            let Ok(run) = RunOutput::read_summary(&dir) else {
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
