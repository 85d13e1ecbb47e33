//! `segc explain --lineage`: the declared columns each output and KPI reads, through `let`s,
//! aggregates and references: what personal data feeds an audience (a GDPR record of
//! processing asks for it), and what removing a column would break.

use serde::Serialize;

use super::{Session, Stopped};
use crate::diagnostics::{CommandDiagnostic, Diagnostic};
use crate::hir::{KpiId, OutputId};
use crate::lower::{self, Selection, Wanted};
use crate::suggest::similar;

/// What one output or KPI reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lineage {
    /// `segment`, `score`, `tiers`, `value` (an `output let`) or `kpi`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The sources read, in declaration order, each with the columns read.
    pub sources: Vec<SourceColumns>,
}

/// Columns read from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceColumns {
    /// The source.
    pub source: String,
    /// Its columns read, in declaration order.
    pub columns: Vec<String>,
}

impl Session {
    /// The lineage of the outputs and KPIs named `names` (every one when empty), outputs first.
    pub fn lineage(&self, names: &[String]) -> Result<Vec<Lineage>, Stopped> {
        let program = &self.program;
        let kpi_named = |name: &str| {
            (0..program.kpis.len())
                .map(KpiId)
                .find(|id| program.kpis[id.0].name == name)
        };
        let mut problems = Vec::new();
        for name in names {
            if program.output_named(name).is_none() && kpi_named(name).is_none() {
                let candidates = program
                    .outputs
                    .iter()
                    .map(|o| program.output_name(*o))
                    .chain(program.kpis.iter().map(|k| k.name.as_str()));
                problems.push(Diagnostic::Command(
                    CommandDiagnostic::UnknownSelectedSegment {
                        name: name.clone(),
                        candidates: similar(name, candidates),
                    },
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Stopped::Standalone(problems));
        }
        let wanted = |name: &str| names.is_empty() || names.iter().any(|n| n == name);
        let mut found = Vec::new();
        for output in program
            .outputs
            .iter()
            .filter(|o| wanted(program.output_name(**o)))
        {
            let kind = match output {
                OutputId::Segment(_) => "segment",
                OutputId::Score(_) => "score",
                OutputId::Tiers(_) => "tiers",
                OutputId::Let(_) => "value",
            };
            let selection = Selection::Only(vec![*output]);
            found.push(self.lineage_of(
                kind,
                program.output_name(*output),
                program.output_label(*output),
                Wanted::Outputs(&selection),
            ));
        }
        for (i, kpi) in program.kpis.iter().enumerate() {
            if wanted(&kpi.name) {
                let ids = [KpiId(i)];
                let label = kpi.label.as_deref();
                found.push(self.lineage_of("kpi", &kpi.name, label, Wanted::Kpis(&ids)));
            }
        }
        Ok(found)
    }

    fn lineage_of(
        &self,
        kind: &'static str,
        name: &str,
        label: Option<&str>,
        wanted: Wanted<'_>,
    ) -> Lineage {
        let program = &self.program;
        let sources = lower::lineage(program, wanted)
            .into_iter()
            .map(|(source, columns)| {
                let source = program.source(source);
                SourceColumns {
                    source: source.name.clone(),
                    columns: columns
                        .into_iter()
                        .map(|c| source.columns[c].name.clone())
                        .collect(),
                }
            })
            .collect();
        Lineage {
            kind,
            name: name.to_string(),
            label: label.map(str::to_string),
            sources,
        }
    }
}
