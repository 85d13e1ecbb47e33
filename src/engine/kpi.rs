//! Executing KPI plans.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::ScalarValue;

use super::Engine;
use crate::diagnostics::{DataDiagnostic, Diagnostic, InternalDiagnostic, Invariant};
use crate::hir;
use crate::judge::{Measured, MeasuredSample};
use crate::lower::KpiPlan;

impl Engine {
    /// Executes a KPI plan (one pass over the data) and reads each KPI's value per group.
    pub async fn measure(
        &self,
        program: &hir::Program,
        plan: &KpiPlan,
    ) -> Result<Vec<Measured>, Diagnostic> {
        let batches = self.collect(program, &plan.plan).await?;
        self.read_measures(program, plan, &batches).await
    }

    /// Executes a KPI plan: each KPI's value per group, and the population's size (to judge
    /// the size expectations of the groups as shares of it).
    pub async fn measure_with_population(
        &self,
        program: &hir::Program,
        plan: &KpiPlan,
    ) -> Result<(Vec<Measured>, u64), Diagnostic> {
        let batches = self.collect(program, &plan.plan).await?;
        let measured = self.read_measures(program, plan, &batches).await?;
        let rows = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .and_then(|batch| integer(batch, &plan.key_counts[0]).ok().flatten());
        Ok((measured, rows.unwrap_or(0)))
    }

    /// Each KPI's value per group, read from the batches of `plan`.
    pub(super) async fn read_measures(
        &self,
        program: &hir::Program,
        plan: &KpiPlan,
        batches: &[RecordBatch],
    ) -> Result<Vec<Measured>, Diagnostic> {
        let population = program.population();
        let internal = |broken: Invariant| {
            Diagnostic::Internal(InternalDiagnostic::Invariant {
                span: population.span,
                broken,
            })
        };
        let batch = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .ok_or_else(|| internal(Invariant::NoKpiRow))?;
        let [rows, keys, distinct] = plan
            .key_counts
            .each_ref()
            .map(|name| integer(batch, name).map(|n| n.unwrap_or(0)));
        let (rows, keys, distinct) = (
            rows.map_err(internal)?,
            keys.map_err(internal)?,
            distinct.map_err(internal)?,
        );
        let key_span = population.key_column().map_or(population.span, |k| k.span);
        if keys < rows {
            return Err(Diagnostic::Data(DataDiagnostic::MissingKeyValue {
                span: key_span,
            }));
        }
        if distinct < keys {
            let value = self.repeated_key(program).await?;
            return Err(Diagnostic::Data(DataDiagnostic::RepeatedKey {
                span: key_span,
                value,
            }));
        }
        plan.columns
            .iter()
            .map(|c| {
                let sample = match &c.sample {
                    Some(sample) => Some(MeasuredSample {
                        n: integer(batch, &sample.n).map_err(internal)?.unwrap_or(0),
                        variance: match &sample.variance {
                            Some(name) => float(batch, name).map_err(internal)?,
                            None => None,
                        },
                    }),
                    None => None,
                };
                Ok(Measured {
                    kpi: c.kpi,
                    group: c.group,
                    members: integer(batch, &c.members).map_err(internal)?.unwrap_or(0),
                    value: float(batch, &c.value).map_err(internal)?,
                    sample,
                })
            })
            .collect()
    }
}

impl Engine {
    /// Executes a small plan over the program's sources and gathers its batches.
    pub(super) async fn collect(
        &self,
        program: &hir::Program,
        plan: &datafusion::logical_expr::LogicalPlan,
    ) -> Result<Vec<RecordBatch>, Diagnostic> {
        let population = program.population();
        self.progress.phase(super::Phase::Planning);
        let physical = self.physical_plan(plan, population.span).await?;
        self.progress.phase(super::Phase::Computing);
        let _ticker = super::Ticker::start(
            std::sync::Arc::clone(&self.progress),
            std::sync::Arc::clone(&physical),
            std::sync::Arc::default(),
            self.cluster.as_ref(),
        );
        let span = population.location.span;
        let collected = datafusion::physical_plan::collect(physical, self.ctx.task_ctx());
        match super::panics::contained(collected).await {
            Ok(batches) => batches.map_err(|e| super::execution_failed(span, e)),
            Err(panic) => Err(self.reader_panicked(span, panic).await),
        }
    }

    /// A population key on several rows, as text.
    async fn repeated_key(&self, program: &hir::Program) -> Result<String, Diagnostic> {
        let plan = crate::lower::repeated_key_plan(program, self)?;
        let batches = self.collect(program, &plan).await?;
        let value = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .and_then(|b| ScalarValue::try_from_array(b.column(0), 0).ok())
            .map_or_else(String::new, |v| v.to_string());
        Ok(value)
    }
}

/// The first value of the float column `name`; `None` for null (and for NaN or infinities,
/// which no KPI can mean).
fn float(batch: &RecordBatch, name: &str) -> Result<Option<f64>, Invariant> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| Invariant::KpiRowColumn {
            column: name.to_string(),
        })?;
    if column.data_type() != &DataType::Float64 {
        return Err(Invariant::KpiRowType {
            column: name.to_string(),
            found: column.data_type().to_string(),
            expected: "a float",
        });
    }
    let values = column.as_primitive::<Float64Type>();
    Ok((!values.is_null(0))
        .then(|| values.value(0))
        .filter(|v| v.is_finite()))
}

/// The first value of the integer column `name`.
fn integer(batch: &RecordBatch, name: &str) -> Result<Option<u64>, Invariant> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| Invariant::KpiRowColumn {
            column: name.to_string(),
        })?;
    if column.data_type() != &DataType::Int64 {
        return Err(Invariant::KpiRowType {
            column: name.to_string(),
            found: column.data_type().to_string(),
            expected: "an integer",
        });
    }
    let values = column.as_primitive::<Int64Type>();
    Ok((!values.is_null(0)).then(|| u64::try_from(values.value(0)).unwrap_or(0)))
}
