//! The rows a run leaves out because they are dated after `as_of` (`W0701`): counted per
//! dated source by a small plan reading only the event column, its condition on the scan (see
//! `lower::later_rows_plan`).

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::util::display::array_value_to_string;

use super::Engine;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir;
use crate::lower::{self, LATER_ROWS, NEWEST, Params};

impl Engine {
    /// A `W0701` warning for each source the plans read whose rows an aggregate or the
    /// population cuts at `as_of`, when the data holds rows dated later.
    pub async fn later_rows(
        &self,
        program: &hir::Program,
        params: Params,
    ) -> Result<Vec<Diagnostic>, Diagnostic> {
        let mut warnings = Vec::new();
        // Sources not registered are not read by the plans this engine runs.
        for &id in program
            .dated
            .iter()
            .filter(|id| self.tables.contains_key(&program.source(**id).name))
        {
            let plan = lower::later_rows_plan(program, self, params, id)?;
            let batches = self.collect(program, &plan).await?;
            let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
                continue;
            };
            let rows = batch
                .column_by_name(LATER_ROWS)
                .and_then(|c| c.as_primitive_opt::<Int64Type>())
                .filter(|c| c.is_valid(0))
                .map_or(0, |c| c.value(0));
            let newest = batch
                .column_by_name(NEWEST)
                .and_then(|c| array_value_to_string(c, 0).ok())
                .unwrap_or_default();
            if rows <= 0 {
                continue;
            }
            let source = program.source(id);
            let Some(column) = source.event.and_then(|i| source.columns.get(i)) else {
                continue;
            };
            warnings.push(Diagnostic::Data(DataDiagnostic::LaterRows {
                source: source.name.clone(),
                column: column.name.clone(),
                rows: rows.unsigned_abs(),
                newest,
                as_of: params.as_of.to_string(),
                span: column.span,
            }));
        }
        Ok(warnings)
    }
}
