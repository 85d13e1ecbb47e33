//! Two versions' members counted in one pass over a membership plan that computes both
//! (`diff::merge`), or over two membership outputs read side by side: per segment who entered
//! and left, per tiers the transition matrix ([`crate::diff::tally`]).

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::array_value_to_string;
use futures::StreamExt;

use super::{Engine, execution_failed, unpack};
use crate::diagnostics::Diagnostic;
use crate::diff::tally::{FlagTally, Tally, TierTally};
use crate::hir::{self, OutputId};
use crate::lower::MembershipPlan;

/// One output in two versions: its column in each (an index among the outputs; `None` when the
/// version does not have it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// In the old version.
    pub old: Option<usize>,
    /// In the new version.
    pub new: Option<usize>,
    /// Tiers (text) rather than a segment (flags).
    pub tiers: bool,
}

impl Pair {
    fn tally(&self) -> Tally {
        match self.tiers {
            true => Tally::Tiers(TierTally::default()),
            false => Tally::Flags(FlagTally::default()),
        }
    }
}

/// Counts the rows of `batch` (the key, then one column per output) into `tallies`.
pub fn count_batch(
    batch: &RecordBatch,
    pairs: &[Pair],
    tallies: &mut [Tally],
) -> Result<(), ArrowError> {
    let key = batch.column(0);
    let name = |row: usize| array_value_to_string(key, row).unwrap_or_default();
    for (pair, tally) in pairs.iter().zip(tallies.iter_mut()) {
        let column = |i: Option<usize>| i.map(|i| batch.column(i + 1));
        match tally {
            Tally::Flags(flags) => {
                let as_flags = |c: Option<&std::sync::Arc<dyn Array>>| {
                    c.map(|c| cast(c, &DataType::Boolean)).transpose()
                };
                let (old, new) = (as_flags(column(pair.old))?, as_flags(column(pair.new))?);
                let at = |c: &Option<std::sync::Arc<dyn Array>>, row: usize| {
                    c.as_ref().is_some_and(|c| {
                        let c = c.as_boolean();
                        c.is_valid(row) && c.value(row)
                    })
                };
                for row in 0..batch.num_rows() {
                    flags.add(|| name(row), at(&old, row), at(&new, row));
                }
            }
            Tally::Tiers(tiers) => {
                let as_text = |c: Option<&std::sync::Arc<dyn Array>>| {
                    c.map(|c| cast(c, &DataType::Utf8)).transpose()
                };
                let (old, new) = (as_text(column(pair.old))?, as_text(column(pair.new))?);
                let at = |c: &Option<std::sync::Arc<dyn Array>>, row: usize| {
                    c.as_ref().and_then(|c| {
                        let c = c.as_string::<i32>();
                        c.is_valid(row).then(|| c.value(row).to_string())
                    })
                };
                for row in 0..batch.num_rows() {
                    tiers.add(
                        || name(row),
                        at(&old, row).as_deref(),
                        at(&new, row).as_deref(),
                    );
                }
            }
        }
    }
    Ok(())
}

/// The empty tallies of `pairs`.
pub fn tallies(pairs: &[Pair]) -> Vec<Tally> {
    pairs.iter().map(Pair::tally).collect()
}

impl Engine {
    /// Runs a membership plan computing both versions' outputs and counts each pair of outputs
    /// (indices into `plan.outputs`) over its rows, in one pass.
    pub async fn compare(
        &self,
        program: &hir::Program,
        plan: &MembershipPlan,
        pairs: &[Pair],
    ) -> Result<Vec<Tally>, Diagnostic> {
        let population = program.population();
        let span = population.location.span;
        let physical = self.physical_plan(&plan.plan, population.span).await?;
        let stream = datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx())
            .map_err(|e| execution_failed(span, e))?;
        // A reader that panics on a corrupt file becomes a diagnostic naming it, as in a run.
        match super::panics::contained(self.count(program, plan, pairs, stream)).await {
            Ok(counted) => counted,
            Err(panic) => Err(self.reader_panicked(span, panic).await),
        }
    }

    /// Counts the batches of `stream`, the membership plan `plan` executed.
    async fn count(
        &self,
        program: &hir::Program,
        plan: &MembershipPlan,
        pairs: &[Pair],
        mut stream: datafusion::execution::SendableRecordBatchStream,
    ) -> Result<Vec<Tally>, Diagnostic> {
        let span = program.population().location.span;
        let names: Vec<String> = plan
            .outputs
            .iter()
            .map(|o: &OutputId| program.output_name(*o).to_string())
            .collect();
        let schema = unpack::unpacked_schema(&plan.packing, &stream.schema(), &names);
        let mut counted = tallies(pairs);
        let failed = |e: ArrowError| execution_failed(span, e.into());
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| execution_failed(span, e))?;
            let batch = unpack::unpacked(&plan.packing, &batch, &schema).map_err(failed)?;
            count_batch(&batch, pairs, &mut counted).map_err(failed)?;
        }
        Ok(counted)
    }
}
