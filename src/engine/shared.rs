//! One membership plan computing the outputs of several rule files (the files of a project run
//! joined by `merge::project`), its batches split among the files' writers: each file's
//! membership file and summary as a run of that file alone writes them, staged under the
//! locks on their folders and published together (all or nothing) once every file of the
//! project has been computed.

use std::sync::atomic::Ordering;

use futures::StreamExt;

use super::output::{self, Encoding, MembershipWriter, Outputs};
use super::progress::Phase;
use super::publish::{self, OutputLock, Staged};
use super::{Engine, OutputSpec, RunContext, Summary, execution_failed};
use crate::diagnostics::Diagnostic;
use crate::hir::{self, OutputId};
use crate::lower::MembershipPlan;

/// One rule file's part of a shared membership plan.
pub struct SharedFile<'a> {
    /// The file's program as its own run lowers it (audiences' consent checks added).
    pub program: &'a hir::Program,
    /// The outputs its own plan would give, in order, as its program names them (written ones,
    /// then the hidden flags of its consent checks).
    pub outputs: Vec<OutputId>,
    /// Where each of them is among the shared plan's outputs.
    pub positions: Vec<usize>,
    /// What its run records.
    pub context: RunContext,
    /// Where and how it writes (a local folder; Parquet or CSV).
    pub spec: OutputSpec,
}

/// A file's outputs written and counted, waiting under the lock on its folder to be published
/// with the other files' ([`publish_runs`]).
pub struct StagedRun {
    staged: Staged,
    /// Its summary, as written into `summary.json`.
    pub summary: Summary,
}

/// Publishes the staged outputs of a project run, every folder or none (the previous outputs
/// stay when one cannot be published): the summaries, in order.
pub fn publish_runs(runs: Vec<StagedRun>) -> Result<Vec<Summary>, Diagnostic> {
    let mut summaries = Vec::with_capacity(runs.len());
    let mut staged = Vec::with_capacity(runs.len());
    for run in runs {
        summaries.push(run.summary);
        staged.push(run.staged);
    }
    publish::publish_all(staged)?;
    Ok(summaries)
}

/// What one file's writer needs besides the batches.
struct FileWriter {
    writer: MembershipWriter,
    written: Vec<OutputId>,
}

impl Engine {
    /// Executes `plan` (of `merged`, the files joined) once and writes each file's membership
    /// file and summary to temporary files of its folder, under its lock.
    pub async fn run_shared(
        &self,
        merged: &hir::Program,
        plan: &MembershipPlan,
        files: &[SharedFile<'_>],
    ) -> Result<Vec<StagedRun>, Vec<Diagnostic>> {
        let one = |problem: Diagnostic| vec![problem];
        let population = merged.population();
        let span = population.location.span;
        let mut locks = Vec::with_capacity(files.len());
        for file in files {
            self.refuse_output_inside_sources(&file.spec.dir)
                .map_err(one)?;
            locks.push(OutputLock::acquire(&file.spec.dir).map_err(one)?);
        }
        let (stream, ticker, written) = self
            .membership_stream(&plan.plan, population)
            .await
            .map_err(one)?;
        let mut writers = Vec::with_capacity(files.len());
        for file in files {
            writers.push(
                self.file_writer(plan, file, &stream.schema())
                    .map_err(one)?,
            );
        }
        let key = |problem| super::key_diagnostic(population, problem);
        let drained = panics_contained(self, span, async {
            let mut stream = stream;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| execution_failed(span, e))?;
                for w in &mut writers {
                    w.writer.write(&batch, &key)?;
                }
                let members = writers.first().map_or(0, |w| w.writer.members());
                written.store(members, Ordering::Relaxed);
            }
            Ok(())
        })
        .await;
        drop(ticker);
        drained.map_err(one)?;
        self.progress.phase(Phase::Writing);
        let mut runs = Vec::with_capacity(files.len());
        for ((file, w), lock) in files.iter().zip(writers).zip(locks) {
            let (membership, counts) = w.writer.finish().map_err(one)?;
            let mut summary = super::summary::summarize(
                file.program,
                &w.written,
                &counts,
                &file.context,
                &file.spec,
            );
            super::consent::conclude(
                &mut summary,
                file.program,
                &file.context.consent_checks,
                &counts.hidden,
            )?;
            let summary_file = output::write_summary(&file.spec, &summary).map_err(one)?;
            runs.push(StagedRun {
                staged: Staged {
                    lock,
                    files: vec![membership, summary_file],
                    obsolete: file.spec.other_membership_paths(),
                },
                summary,
            });
        }
        Ok(runs)
    }

    /// The writer of one file: its outputs read where they sit in the shared plan.
    fn file_writer(
        &self,
        plan: &MembershipPlan,
        file: &SharedFile<'_>,
        schema: &datafusion::arrow::datatypes::Schema,
    ) -> Result<FileWriter, Diagnostic> {
        let program = file.program;
        let (written, hidden) = super::consent::hidden(program, &file.outputs, &file.context);
        let columns = super::output_columns(program, written);
        let metadata = super::run_metadata(program, written, &file.context);
        let subjects = file
            .context
            .overlaps
            .then(|| super::overlap_subjects(program, written));
        let packing = plan.packing.select(&file.positions);
        let outputs = Outputs {
            columns: &columns,
            hidden: &hidden,
            packing: &packing,
            overlaps: subjects.as_ref(),
        };
        let encoding = Encoding {
            metadata: &metadata,
            threads: self.threads,
        };
        Ok(FileWriter {
            writer: MembershipWriter::new(&file.spec, &outputs, &encoding, schema)?,
            written: written.to_vec(),
        })
    }
}

/// `run` with a reader's panic turned into a diagnostic naming its file.
async fn panics_contained(
    engine: &Engine,
    span: crate::span::Span,
    run: impl std::future::Future<Output = Result<(), Diagnostic>>,
) -> Result<(), Diagnostic> {
    match super::panics::contained(run).await {
        Ok(ran) => ran,
        Err(panic) => Err(engine.reader_panicked(span, panic).await),
    }
}
