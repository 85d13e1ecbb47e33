//! `segc diff --runs OUT_A OUT_B`: the outputs of two runs of the same rules (two dates, or
//! before and after a change) compared: per segment who entered and who left, per tiers the
//! transition matrix (prospect → client → loyal → VIP and back).

use std::path::PathBuf;

use super::Stopped;
use super::diff_data::{FileData, SegmentData, TiersData};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::diff::Status;
use crate::diff::tally::Tally;
use crate::engine::{Engine, EngineOptions, RunOutput};

/// Two runs compared.
pub struct RunsDiffed {
    /// The earlier run.
    pub base: RunOutput,
    /// The later run.
    pub head: RunOutput,
    /// Per segment and tiers of either run: members in each, who entered and left (status
    /// `added` or `removed` for one only in the later or the earlier run).
    pub data: FileData,
}

impl RunsDiffed {
    /// The segments and tiers of either run: what gates may name.
    pub fn names(&self) -> Vec<String> {
        let run = |r: &RunOutput| {
            let tiers = r.tiers.iter().map(|(t, _)| t.clone());
            r.segments.iter().cloned().chain(tiers).collect::<Vec<_>>()
        };
        run(&self.base).into_iter().chain(run(&self.head)).collect()
    }
}

/// Compares the runs written to the two folders `dirs` (`E1515` unless two, `E1514` for one
/// that cannot be read).
pub async fn diff_runs(dirs: &[PathBuf], options: EngineOptions) -> Result<RunsDiffed, Stopped> {
    let [base, head] = dirs else {
        return Err(Stopped::standalone(Diagnostic::Diff(
            DiffDiagnostic::RunsNotTwo { given: dirs.len() },
        )));
    };
    let base = RunOutput::read(base).map_err(Stopped::standalone)?;
    let head = RunOutput::read(head).map_err(Stopped::standalone)?;
    let mut wanted: Vec<(String, bool)> = Vec::new();
    for run in [&head, &base] {
        let segments = run.segments.iter().map(|s| (s.clone(), false));
        for item in segments.chain(run.tiers.iter().map(|(t, _)| (t.clone(), true))) {
            if !wanted.contains(&item) {
                wanted.push(item);
            }
        }
    }
    let engine = Engine::new(options).map_err(Stopped::standalone)?;
    let tallies = engine
        .compare_runs(&base, &head, &wanted)
        .await
        .map_err(Stopped::standalone)?;
    let as_of = chrono::NaiveDate::parse_from_str(&head.as_of, "%Y-%m-%d").unwrap_or_default();
    let mut data = FileData {
        as_of,
        segments: Vec::new(),
        tiers: Vec::new(),
        kpis: Vec::new(),
    };
    for ((name, tiers), tally) in wanted.iter().zip(tallies) {
        let status = match (has(&base, name, *tiers), has(&head, name, *tiers)) {
            (false, _) => Status::Added,
            (_, false) => Status::Removed,
            _ => Status::Changed,
        };
        match tally {
            Tally::Flags(members) => data.segments.push(SegmentData {
                name: name.clone(),
                status,
                members,
            }),
            Tally::Tiers(moves) => {
                let mut names: Vec<String> = Vec::new();
                for run in [&head, &base] {
                    let arms = run.tiers.iter().filter(|(t, _)| t == name);
                    for tier in arms.flat_map(|(_, arms)| arms) {
                        if !names.contains(tier) {
                            names.push(tier.clone());
                        }
                    }
                }
                data.tiers.push(TiersData {
                    name: name.clone(),
                    status,
                    tiers: moves.per_tier(&names),
                    transitions: moves.transitions().cloned().collect(),
                });
            }
        }
    }
    Ok(RunsDiffed { base, head, data })
}

fn has(run: &RunOutput, name: &str, tiers: bool) -> bool {
    match tiers {
        true => run.tiers.iter().any(|(t, _)| t == name),
        false => run.segments.iter().any(|s| s == name),
    }
}
