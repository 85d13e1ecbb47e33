//! `segc explain` over a session: the ranking passes and the plan of the selected outputs (or
//! of the KPIs), as built, optimized, and on request physical or run with metrics.

use chrono::NaiveDate;
use datafusion::logical_expr::LogicalPlan;

use super::Stopped;
use super::session::Session;
use crate::diagnostics::Diagnostic;
use crate::engine::Engine;
use crate::hir;
use crate::lower::{self, DeclaredTables, Selection};

/// What `segc explain` shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainRequest {
    /// The plan of the KPIs instead of the membership plan.
    pub kpis: bool,
    /// Over schema-only tables from the declarations (no data read).
    pub declared: bool,
    /// With the physical plan.
    pub physical: bool,
    /// Run, with the physical plan's metrics.
    pub analyze: bool,
}

/// A ranking pass as `segc explain` shows it.
#[derive(Debug)]
pub struct ExplainedPass {
    /// The quantiles whose group boundaries it finds.
    pub quantiles: Vec<String>,
    /// The related sources whose aggregates it computes and keeps for the plans after it.
    pub kept: Vec<String>,
    /// Its plan.
    pub plan: LogicalPlan,
}

/// The plans of a command, as `segc explain` shows them.
#[derive(Debug)]
pub struct Explanation {
    /// The evaluation date the plans use.
    pub as_of: NaiveDate,
    /// The ranking passes, in order.
    pub passes: Vec<ExplainedPass>,
    /// Whether the passes keep the aggregates they compute for the plans after them (not
    /// under a memory limit).
    pub keeps_aggregates: bool,
    /// The plan as built.
    pub logical: LogicalPlan,
    /// The plan as DataFusion's optimizer leaves it.
    pub optimized: LogicalPlan,
    /// The physical plan, when asked for.
    pub physical: Option<String>,
    /// The physical plan run, with its metrics, when asked for.
    pub analyzed: Option<String>,
}

impl Session {
    /// `segc explain`: the plans of the selected outputs (or of every KPI), optimized, and on
    /// request physical or run with metrics. `engine` has the sources registered unless the
    /// request is over the declarations.
    pub async fn explain(
        &self,
        engine: &Engine,
        selection: &Selection,
        request: ExplainRequest,
    ) -> Result<Explanation, Stopped> {
        let kpis: Vec<hir::KpiId> = (0..self.program.kpis.len()).map(hir::KpiId).collect();
        if request.kpis && kpis.is_empty() {
            let problem = Diagnostic::Kpi(crate::diagnostics::KpiDiagnostic::NoKpi);
            return Err(Stopped::InRules(vec![problem]));
        }
        let wanted = if request.kpis {
            lower::Wanted::Kpis(&kpis)
        } else {
            lower::Wanted::Outputs(selection)
        };
        self.explained(engine, wanted, request)
            .await
            .map_err(|p| Session::in_rules(engine, p))
    }

    async fn explained(
        &self,
        engine: &Engine,
        wanted: lower::Wanted<'_>,
        request: ExplainRequest,
    ) -> Result<Explanation, Diagnostic> {
        let (program, params) = (&self.program, self.setting.params);
        let span = program.population().span;
        // KPIs frozen to a run read it, unless the tables are the declared ones.
        let frozen = match wanted {
            lower::Wanted::Kpis(kpis) if !request.declared => {
                Some(engine.with_frozen(program, kpis, params.as_of).await?)
            }
            _ => None,
        };
        let tables: &dyn lower::TableLookup = match &frozen {
            _ if request.declared => &DeclaredTables,
            Some(frozen) => frozen,
            None => engine,
        };
        // The ranking passes are shown; they run only to analyze the plan that needs them.
        let keep = engine.keeps_aggregates();
        let (passes, mut ranks) = lower::planned_passes(program, tables, params, wanted, keep)?;
        let passes = passes
            .into_iter()
            .map(|pass| {
                let names = pass
                    .quantiles
                    .iter()
                    .map(|r| program.quantiles[r.quantile.0].name.clone())
                    .collect();
                let kept = pass
                    .aggregates
                    .iter()
                    .map(|(source, _)| program.source(*source).name.clone())
                    .collect();
                ExplainedPass {
                    quantiles: names,
                    kept,
                    plan: pass.plan,
                }
            })
            .collect();
        if request.analyze {
            ranks = engine.ranks(program, params, wanted).await?;
        }
        let logical = match wanted {
            lower::Wanted::Kpis(kpis) => {
                lower::kpi_plan(program, tables, params, kpis, &ranks).map(|p| p.plan)
            }
            lower::Wanted::Outputs(selection) => {
                lower::membership_plan(program, tables, params, selection, &ranks).map(|p| p.plan)
            }
        }?;
        let optimized = engine.optimize(&logical, span)?;
        let physical = if request.physical {
            Some(engine.physical_plan_text(&optimized, span).await?)
        } else {
            None
        };
        let analyzed = if request.analyze {
            Some(engine.analyze_text(&optimized, span).await?)
        } else {
            None
        };
        Ok(Explanation {
            as_of: params.as_of,
            passes,
            keeps_aggregates: keep,
            logical,
            optimized,
            physical,
            analyzed,
        })
    }
}
