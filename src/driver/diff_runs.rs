//! `segc diff --runs OUT_A OUT_B`: the outputs of two runs of the same rules (two dates, or
//! before and after a change) compared: per segment who entered and who left, per tiers the
//! transition matrix (prospect → client → loyal → VIP and back). A run is a folder `segc run
//! --out` wrote, or one date of a Delta table `segc run --format delta` writes into.

use std::path::{Path, PathBuf};

use super::diff_data::{FileData, SegmentData, TiersData};
use super::{Project, Stopped};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::diff::Status;
use crate::diff::tally::Tally;
use crate::engine::{DeltaRun, Engine, EngineOptions, RunOutput, delta_run_argument};

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

/// Compares the runs written to the two folders `dirs`, or to dates of Delta tables
/// (`TABLE@2026-11-01`) or versions (`TABLE@v3`), object stores set by the current folder's
/// segc.toml: `E1515` unless two, `E1514` for a folder that cannot be read, `E1517`–`E1521`
/// for a table.
pub async fn diff_runs(dirs: &[PathBuf], options: EngineOptions) -> Result<RunsDiffed, Stopped> {
    let [base, head] = dirs else {
        return Err(Stopped::standalone(Diagnostic::Diff(
            DiffDiagnostic::RunsNotTwo { given: dirs.len() },
        )));
    };
    let mut engine = Engine::new(options).map_err(Stopped::standalone)?;
    if dirs.iter().any(|d| delta_run(d).is_some()) {
        let project = Project::of_dir(Path::new(".")).map_err(Stopped::standalone)?;
        engine.set_storage(project.storage);
    }
    let base = read_run(&engine, base).await.map_err(Stopped::standalone)?;
    let head = read_run(&engine, head).await.map_err(Stopped::standalone)?;
    let mut wanted: Vec<(String, bool)> = Vec::new();
    for run in [&head, &base] {
        let segments = run.segments.iter().map(|s| (s.clone(), false));
        for item in segments.chain(run.tiers.iter().map(|(t, _)| (t.clone(), true))) {
            if !wanted.contains(&item) {
                wanted.push(item);
            }
        }
    }
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

/// The table and run of a `TABLE@DATE` or `TABLE@vN` argument that is not a run's folder.
fn delta_run(argument: &Path) -> Option<(&str, DeltaRun)> {
    if argument.join("summary.json").is_file() {
        return None;
    }
    delta_run_argument(argument.to_str()?)
}

/// The run a `--runs` argument names: a folder, or a date or version of a Delta table.
async fn read_run(engine: &Engine, argument: &Path) -> Result<RunOutput, Diagnostic> {
    match delta_run(argument) {
        Some((table, which)) => engine.delta_run(table, which).await,
        None => RunOutput::read(argument),
    }
}

fn has(run: &RunOutput, name: &str, tiers: bool) -> bool {
    match tiers {
        true => run.tiers.iter().any(|(t, _)| t == name),
        false => run.segments.iter().any(|s| s == name),
    }
}
