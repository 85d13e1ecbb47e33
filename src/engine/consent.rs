//! Audiences in a run's outputs: marked in `summary.json` and the Parquet metadata, and their
//! members without consent in the data (counted from the hidden flags of
//! `lower::consent_checks`) refused (`E1710`) or warned about (`W1701`).

use super::RunContext;
use super::summary::Summary;
use crate::diagnostics::{ConsentDiagnostic, Diagnostic};
use crate::hir;
use crate::lower::ConsentCheck;

/// `segc.audiences`: the written audiences and their channels, as a JSON object (`{"winback":
/// "email"}`), when the run writes any.
pub(super) fn metadata(
    program: &hir::Program,
    written: &[hir::OutputId],
) -> Option<(String, String)> {
    let audiences: serde_json::Map<String, serde_json::Value> = program
        .audiences
        .iter()
        .filter(|a| written.contains(&hir::OutputId::Segment(a.segment)))
        .map(|a| {
            let name = program.segments[a.segment.0].name.clone();
            (name, a.channel.as_str().into())
        })
        .collect();
    (!audiences.is_empty()).then(|| {
        let text = serde_json::Value::Object(audiences).to_string();
        ("segc.audiences".to_string(), text)
    })
}

/// The outputs written (the plan's first) and the names of the hidden flags of the audiences
/// checked, which come last (`lower::consent_checks`).
pub(super) fn hidden<'o>(
    program: &hir::Program,
    outputs: &'o [hir::OutputId],
    context: &RunContext,
) -> (&'o [hir::OutputId], Vec<String>) {
    let shown = outputs.len() - context.consent_checks.len().min(outputs.len());
    let (written, hidden) = outputs.split_at(shown);
    let names = hidden
        .iter()
        .map(|o| program.output_name(*o).to_string())
        .collect();
    (written, names)
}

/// Marks the audiences in the summary with their counts `without` consent, and refuses
/// (`E1710`, one per audience) when some have members without consent and no `else warn`.
pub(super) fn conclude(
    summary: &mut Summary,
    program: &hir::Program,
    checks: &[ConsentCheck],
    without: &[u64],
) -> Result<(), Vec<Diagnostic>> {
    mark(summary, program, checks, without);
    let refused: Vec<Diagnostic> = findings(checks, without)
        .into_iter()
        .filter(|d| d.severity() == crate::diagnostics::Severity::Error)
        .collect();
    match refused.is_empty() {
        true => Ok(()),
        false => Err(refused),
    }
}

/// The warnings (`W1701`) of a published run's audiences, from its summary.
pub fn summary_findings(checks: &[ConsentCheck], summary: &Summary) -> Vec<Diagnostic> {
    let without: Vec<u64> = checks
        .iter()
        .map(|check| {
            let found = summary.segments.iter().find(|s| s.name == check.segment);
            found.and_then(|s| s.without_consent).unwrap_or(0)
        })
        .collect();
    findings(checks, &without)
}

/// Marks the audiences among the summary's segments, with the members `without` (one count per
/// check) found without consent.
fn mark(summary: &mut Summary, program: &hir::Program, checks: &[ConsentCheck], without: &[u64]) {
    for segment in &mut summary.segments {
        let audience = program
            .audiences
            .iter()
            .find(|a| program.segments[a.segment.0].name == segment.name);
        segment.audience = audience.map(|a| a.channel.as_str());
        segment.without_consent = checks
            .iter()
            .zip(without)
            .find(|(check, _)| check.segment == segment.name)
            .map(|(_, n)| *n);
    }
}

/// The diagnostics of the audiences with members without consent: `E1710` (the run writes
/// nothing) or `W1701` (`else warn`), in the order of `checks`.
pub fn findings(checks: &[ConsentCheck], without: &[u64]) -> Vec<Diagnostic> {
    checks
        .iter()
        .zip(without)
        .filter(|(_, members)| **members > 0)
        .map(|(check, members)| {
            ConsentDiagnostic::WithoutConsent {
                segment: check.segment.clone(),
                channel: check.channel.as_str().into(),
                members: *members,
                warn: check.warn,
                span: check.span,
            }
            .into()
        })
        .collect()
}
