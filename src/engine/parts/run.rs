//! The client's side of a run whose members the workers write: the plan wrapped in
//! [`WriteParts`](super::node), one row per part received (never the members), the counts
//! added up into the summary, and the run published by writing `latest.json` last.

use std::sync::atomic::Ordering;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use futures::StreamExt;

use super::super::progress::Phase;
use super::super::shape::Counts;
use super::super::{
    Engine, OutputSpec, Published, RunContext, Summary, consent, execution_failed, key_diagnostic,
    output_columns, overlap_subjects, remote_out, run_metadata, summary,
};
use super::wire::WireCounts;
use super::{PartProblem, PartsSpec};
use crate::diagnostics::{DataDiagnostic, Diagnostic, InternalDiagnostic};
use crate::hir;
use crate::lower::MembershipPlan;

/// A part the workers wrote: its file name, what it counted.
struct Part {
    name: String,
    counts: Counts,
}

impl Engine {
    /// Executes a membership plan on the cluster with the workers writing the members under
    /// `spec.dir` (a URL in object storage) in `runs/<run>/membership/`, and publishes the run
    /// (`summary.json`, then `latest.json` naming the parts). Nothing is published when a part
    /// fails or an audience is refused for its members without consent.
    pub async fn run_in_parts(
        &self,
        program: &hir::Program,
        plan: &MembershipPlan,
        context: &RunContext,
        spec: &OutputSpec,
        run: &str,
    ) -> Result<(Summary, Published), Vec<Diagnostic>> {
        let one = |d: Diagnostic| vec![d];
        let out = spec.dir.to_string_lossy().into_owned();
        let population = program.population();
        let (written_outputs, hidden) = consent::hidden(program, &plan.outputs, context);
        let parts = PartsSpec {
            folder: remote_out::run_file_url(&out, run, "membership"),
            format: spec.format,
            layout: spec.layout,
            key: plan.plan.schema().field(0).name().clone(),
            columns: output_columns(program, written_outputs),
            hidden,
            packing: plan.packing.clone(),
            overlaps: context
                .overlaps
                .then(|| overlap_subjects(program, written_outputs)),
            metadata: run_metadata(program, written_outputs, context),
            storage: self.storage.clone(),
        };
        let span = population.span;
        let wrapped = super::node::wrap(&parts, &plan.plan).map_err(|e| {
            one(Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span,
                message: e.to_string(),
            }))
        })?;
        let (mut stream, ticker, written) = self
            .membership_stream(&wrapped, population)
            .await
            .map_err(one)?;
        let mut received = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| one(execution_failed(population.location.span, e)))?;
            let parts = parts_of(&batch).map_err(|p| one(p.into_diagnostic(population, &out)))?;
            for part in parts {
                written.fetch_add(part.counts.members, Ordering::Relaxed);
                received.push(part);
            }
        }
        drop(ticker);
        self.progress.phase(Phase::Writing);
        received.sort_by(|a, b| a.name.cmp(&b.name));
        let mut counts = empty_counts(&parts);
        let mut names = Vec::with_capacity(received.len());
        for part in received {
            counts.absorb(part.counts).map_err(|message| {
                one(Refused::Unreadable(message).into_diagnostic(population, &out))
            })?;
            names.push(part.name);
        }
        let mut summary = summary::summarize(program, written_outputs, &counts, context, spec);
        consent::conclude(
            &mut summary,
            program,
            &context.consent_checks,
            &counts.hidden,
        )?;
        let published = remote_out::publish_parts(&self.storage, &out, run, &summary, &names)
            .await
            .map_err(one)?;
        Ok((summary, published))
    }
}

/// Counts of no member, for the outputs of `parts`.
fn empty_counts(parts: &PartsSpec) -> Counts {
    Counts::empty(&super::super::output::Outputs {
        columns: &parts.columns,
        hidden: &parts.hidden,
        packing: &parts.packing,
        overlaps: parts.overlaps.as_ref(),
    })
}

/// Why a part's row stops the run.
enum Refused {
    /// The part's own problem.
    Problem(PartProblem),
    /// The row could not be read (an internal fault), in the reader's words.
    Unreadable(String),
}

impl Refused {
    fn into_diagnostic(self, population: &hir::Source, out: &str) -> Diagnostic {
        match self {
            Refused::Problem(PartProblem::Key(key)) => key_diagnostic(population, key),
            Refused::Problem(PartProblem::Output(message)) | Refused::Unreadable(message) => {
                Diagnostic::Data(DataDiagnostic::OutputFailed {
                    path: out.to_string(),
                    message,
                })
            }
        }
    }
}

/// The parts a batch of part rows tells of, or the first problem one of them reports.
fn parts_of(batch: &RecordBatch) -> Result<Vec<Part>, Refused> {
    let unreadable = Refused::Unreadable;
    let column = |i: usize| batch.column(i).as_string_opt::<i32>();
    let (Some(urls), Some(counts), Some(problems)) = (column(0), column(1), column(2)) else {
        return Err(unreadable("a part's row has other columns".into()));
    };
    let mut parts = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        if problems.is_valid(row) {
            let problem: PartProblem =
                serde_json::from_str(problems.value(row)).map_err(|e| unreadable(e.to_string()))?;
            return Err(Refused::Problem(problem));
        }
        let wire: WireCounts =
            serde_json::from_str(counts.value(row)).map_err(|e| unreadable(e.to_string()))?;
        let url = urls.value(row);
        let name = url.rsplit('/').next().unwrap_or(url).to_string();
        parts.push(Part {
            name,
            counts: Counts::from(wire),
        });
    }
    Ok(parts)
}
