//! The keys of the sources that references lead to: a lookup or a chain joins each row to the
//! one row holding the key its reference holds, so a key on several rows would repeat rows
//! (members, or rows counted twice). Checked before a plan that joins them runs, as the
//! population's keys are checked while writing.

use datafusion::common::ScalarValue;

use super::Engine;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir;

impl Engine {
    /// Fails with `E0723` when a source that references lead to has a key on several rows.
    pub(crate) async fn check_referenced_keys(
        &self,
        program: &hir::Program,
    ) -> Result<(), Diagnostic> {
        // Sources not registered are not read by the plans this engine runs.
        for id in program
            .joined_sources()
            .into_iter()
            .filter(|id| self.tables.contains_key(&program.source(*id).name))
        {
            let plan = crate::lower::repeated_source_key_plan(program, self, id)?;
            let batches = self.collect(program, &plan).await?;
            let Some(value) = batches
                .iter()
                .find(|b| b.num_rows() > 0)
                .and_then(|b| ScalarValue::try_from_array(b.column(0), 0).ok())
            else {
                continue;
            };
            let source = program.source(id);
            return Err(Diagnostic::Data(DataDiagnostic::RepeatedReferencedKey {
                source: source.name.clone(),
                span: source.key_column().map_or(source.span, |k| k.span),
                value: value.to_string(),
            }));
        }
        Ok(())
    }
}
