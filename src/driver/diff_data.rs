//! `segc diff --data`: both versions of each changed file run over the same data in one plan
//! (`diff::merge`: each source scanned once, both versions' segments side by side), counting
//! per changed segment and tiers who is in them before and after, who entered and who left.

use std::path::Path;

use serde::Serialize;

use super::diff::{Diffed, DiffedFile, FileStatus};
use super::session::{Options, Session};
use super::{Stopped, Wanted};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::diff::gate::{Counts, Gate};
use crate::diff::merge::{MergeProblem, OLD_PREFIX, merge};
use crate::diff::tally::{FlagTally, Tally, TierCount, Transition};
use crate::diff::{Change, Kind, Status};
use crate::engine::Pair;
use crate::hir::{KpiGroup, KpiId, OutputId, Program};
use crate::lower::Selection;

/// A changed segment's members in both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentData {
    /// Its name (the new one when renamed).
    pub name: String,
    /// How it changed.
    pub status: Status,
    /// Its members: before, after, entered, left, and samples.
    #[serde(flatten)]
    pub members: FlagTally,
}

/// Changed tiers' members in both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TiersData {
    /// Their name (the new one when renamed).
    pub name: String,
    /// How they changed.
    pub status: Status,
    /// Per tier of either version: members before, after, entered, left.
    pub tiers: Vec<TierCount>,
    /// How many members went from each tier to each other (staying included).
    pub transitions: Vec<Transition>,
}

/// A KPI's value for one group in both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiData {
    /// The KPI.
    pub kpi: String,
    /// The group (`population`, a segment, `tiers.tier`).
    pub group: String,
    /// What its value measures.
    pub unit: crate::hir::KpiUnit,
    /// The value in the old version (`None`: no value, or not measured there).
    pub before: Option<f64>,
    /// The value in the new version.
    pub after: Option<f64>,
    /// Members of the group in the old version.
    pub members_before: Option<u64>,
    /// Members of the group in the new version.
    pub members_after: Option<u64>,
}

/// What the change of one file does to its members, over the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileData {
    /// The evaluation date.
    pub as_of: chrono::NaiveDate,
    /// The changed segments.
    pub segments: Vec<SegmentData>,
    /// The changed tiers and splits.
    pub tiers: Vec<TiersData>,
    /// Every KPI of either version, per group.
    pub kpis: Vec<KpiData>,
}

/// Runs both versions of each changed file given over the data, one plan per file, and
/// attaches the counts to the file (`FileData`). A file only in one version runs alone: every
/// member of its segments enters (added) or leaves (removed), its KPIs appear or disappear.
pub async fn measure_changes(diffed: &mut Diffed, options: &Options) -> Result<(), Stopped> {
    for index in 0..diffed.files.len() {
        let file = &diffed.files[index];
        let wanted: Vec<&Change> = file
            .changes
            .iter()
            .filter(|c| matches!(c.kind, Kind::Segment | Kind::Tiers | Kind::Split))
            .collect();
        if file.changes.is_empty() || wanted.is_empty() && file.checked_with.is_some() {
            continue;
        }
        let (program, rules) = match (&file.old, &file.new) {
            (Some(old), Some(new)) => (
                merge(old, new).map_err(|p| merge_problem(file, p))?,
                diffed.head_rules(),
            ),
            (None, Some(new)) if file.status == FileStatus::Added => {
                (without_tests(new), diffed.head_rules())
            }
            // The old version alone, under the old version's names, over its own sources.
            (Some(old), None) if file.status == FileStatus::Removed => (
                merge(old, &hollow(old)).map_err(|p| merge_problem(file, p))?,
                diffed.base_rules(),
            ),
            _ => continue,
        };
        let path = file.checked_with.as_deref().unwrap_or(&file.name);
        let in_base = file.status == FileStatus::Removed;
        // An imported file declares no KPI: its importer's are reported with the importer.
        let kpis = file.checked_with.is_none();
        let settings = file.settings.clone();
        let measure = async {
            let session =
                Session::of_program(program, rules, Path::new(path), settings, options.clone())?;
            measured(&session, &wanted, kpis).await
        };
        match measure.await {
            Ok(data) => diffed.files[index].data = Some(data),
            Err(stopped) => {
                diffed.stopped_in_base = in_base;
                return Err(stopped);
            }
        }
    }
    Ok(())
}

/// `program` without its tests (a diff runs no test).
fn without_tests(program: &Program) -> Program {
    let mut program = program.clone();
    program.tests.clear();
    program
}

/// `program`'s sources and population without any definition: merged with `program` as the
/// old version, only the old version's definitions are computed.
fn hollow(program: &Program) -> Program {
    let mut hollow = without_tests(program);
    hollow.lets.clear();
    hollow.segments.clear();
    hollow.evaluation_order.clear();
    hollow.aggregates.clear();
    hollow.scores.clear();
    hollow.tiers.clear();
    hollow.outputs.clear();
    hollow.imported.clear();
    hollow.quantiles.clear();
    hollow.kpis.clear();
    hollow.paths.clear();
    hollow.expectations.clear();
    hollow.audiences.clear();
    hollow
}

fn merge_problem(file: &DiffedFile, problem: MergeProblem) -> Stopped {
    Stopped::standalone(Diagnostic::Diff(match problem {
        MergeProblem::Population(old, new) => DiffDiagnostic::OtherPopulation {
            file: file.name.clone(),
            old,
            new,
        },
        MergeProblem::SourceOnlyInBase(source) => DiffDiagnostic::SourceOnlyInBase {
            file: file.name.clone(),
            source,
        },
        MergeProblem::OtherRows(source) => DiffDiagnostic::OtherRows {
            file: file.name.clone(),
            source,
        },
    }))
}

/// An output in the merged program, in each version: (old, new).
type Versions = (Option<OutputId>, Option<OutputId>);

/// The output of a change in the merged program: (old, new).
fn outputs(program: &Program, change: &Change) -> Versions {
    let old_name = change.old_name.as_deref().unwrap_or(&change.name);
    let old = (change.status != Status::Added)
        .then(|| program.output_named(&format!("{OLD_PREFIX}{old_name}")))
        .flatten();
    let new = (change.status != Status::Removed)
        .then(|| program.output_named(&change.name))
        .flatten();
    (old, new)
}

async fn measured(session: &Session, wanted: &[&Change], kpis: bool) -> Result<FileData, Stopped> {
    let program = session.program();
    let mut data = FileData {
        as_of: session.params().as_of,
        segments: Vec::new(),
        tiers: Vec::new(),
        kpis: Vec::new(),
    };
    if !wanted.is_empty() {
        members(session, wanted, &mut data).await?;
    }
    if kpis && !program.kpis.is_empty() {
        data.kpis = measured_kpis(session).await?;
    }
    Ok(data)
}

/// Both versions' KPIs, measured in one plan: per KPI of either version and group, its value
/// before and after.
async fn measured_kpis(session: &Session) -> Result<Vec<KpiData>, Stopped> {
    let program = session.program();
    let ids: Vec<KpiId> = (0..program.kpis.len()).map(KpiId).collect();
    let engine = session.engine_for(Wanted::Kpis(&ids)).await?;
    let plan = engine
        .kpi_plan(program, session.params(), &ids)
        .await
        .map_err(|p| Session::in_rules(&engine, p))?;
    let measured = engine
        .measure(program, &plan)
        .await
        .map_err(|p| Session::in_rules(&engine, p))?;
    let group_name = |group: &KpiGroup| {
        let plain = |name: &str| name.strip_prefix(OLD_PREFIX).unwrap_or(name).to_string();
        match group {
            KpiGroup::Population => "population".to_string(),
            KpiGroup::Segment(id) => plain(&program.segments[id.0].name),
            KpiGroup::Tier { tiers, tier } => {
                format!("{}.{tier}", plain(&program.tiers[tiers.0].name))
            }
        }
    };
    let mut rows: Vec<KpiData> = Vec::new();
    for m in measured {
        let kpi = &program.kpis[m.kpi.0];
        let (name, old) = match kpi.name.strip_prefix(OLD_PREFIX) {
            Some(name) => (name.to_string(), true),
            None => (kpi.name.clone(), false),
        };
        let group = kpi.groups.get(m.group).map(group_name).unwrap_or_default();
        let index = match rows.iter().position(|r| r.kpi == name && r.group == group) {
            Some(i) => i,
            None => {
                rows.push(KpiData {
                    kpi: name,
                    group,
                    unit: kpi.unit,
                    before: None,
                    after: None,
                    members_before: None,
                    members_after: None,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        match old {
            true => (row.before, row.members_before) = (m.value, Some(m.members)),
            false => (row.after, row.members_after) = (m.value, Some(m.members)),
        }
    }
    Ok(rows)
}

/// Counts the members of the changed segments and tiers `wanted` in both versions, in one
/// plan, into `data`.
async fn members(
    session: &Session,
    wanted: &[&Change],
    data: &mut FileData,
) -> Result<(), Stopped> {
    let program = session.program();
    // Definitions of an imported file the rules do not use are not computed: left out.
    let (wanted, ids): (Vec<&Change>, Vec<Versions>) = wanted
        .iter()
        .map(|c| (*c, outputs(program, c)))
        .filter(|(_, (old, new))| old.is_some() || new.is_some())
        .unzip();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut selected: Vec<OutputId> = ids
        .iter()
        .flat_map(|(a, b)| a.iter().chain(b.iter()).copied())
        .collect();
    selected.sort();
    selected.dedup();
    let selection = Selection::Only(selected);
    let engine = session.engine_for(Wanted::Outputs(&selection)).await?;
    let plan = engine
        .membership_plan(program, session.params(), &selection)
        .await
        .map_err(|p| Session::in_rules(&engine, p))?;
    let column =
        |id: Option<OutputId>| id.and_then(|id| plan.outputs.iter().position(|o| *o == id));
    let pairs: Vec<Pair> = wanted
        .iter()
        .zip(&ids)
        .map(|(change, (old, new))| Pair {
            old: column(*old),
            new: column(*new),
            tiers: change.kind != Kind::Segment,
        })
        .collect();
    let tallies = engine
        .compare(program, &plan, &pairs)
        .await
        .map_err(|p| Session::in_rules(&engine, p))?;
    for ((change, (old, new)), tally) in wanted.iter().zip(&ids).zip(tallies) {
        match tally {
            Tally::Flags(members) => data.segments.push(SegmentData {
                name: change.name.clone(),
                status: change.status,
                members,
            }),
            Tally::Tiers(moves) => {
                let names = tier_names(program, [*old, *new]);
                data.tiers.push(TiersData {
                    name: change.name.clone(),
                    status: change.status,
                    tiers: moves.per_tier(&names),
                    transitions: moves.transitions().cloned().collect(),
                });
            }
        }
    }
    Ok(())
}

/// The tiers of either version, the new one's order first.
fn tier_names(program: &Program, ids: [Option<OutputId>; 2]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for id in ids.into_iter().rev().flatten() {
        if let OutputId::Tiers(t) = id {
            for arm in &program.tiers[t.0].arms {
                if !names.contains(&arm.name) {
                    names.push(arm.name.clone());
                }
            }
        }
    }
    names
}

/// The segments and tiers of the files compared, in either version: what gates may name.
pub fn gate_names(diffed: &Diffed) -> Vec<String> {
    diffed
        .files
        .iter()
        .flat_map(|f| f.old.iter().chain(f.new.iter()))
        .flat_map(|p| {
            let segments = p.segments.iter().map(|s| s.name.clone());
            segments.chain(p.tiers.iter().map(|t| t.name.clone()))
        })
        .collect()
}

/// The `--fail-if` gates read (`E1511` for one that cannot be, `E1512` for one naming none of
/// `names`).
pub fn read_gates(written: &[String], names: &[String]) -> Result<Vec<Gate>, Stopped> {
    let mut gates = Vec::new();
    let mut problems = Vec::new();
    for text in written {
        match Gate::parse(text) {
            Err(problem) => problems.push(Diagnostic::Diff(DiffDiagnostic::BadGate {
                gate: text.clone(),
                problem,
            })),
            Ok(gate) => {
                let subject = gate.subject.clone().unwrap_or_default();
                let base = subject.split_once('.').map_or(subject.as_str(), |(t, _)| t);
                if gate.subject.is_some() && !names.iter().any(|n| n == base) {
                    problems.push(Diagnostic::Diff(DiffDiagnostic::GateNamesNothing {
                        gate: text.clone(),
                        name: subject.clone(),
                        candidates: crate::suggest::similar(base, names.iter().map(String::as_str)),
                    }));
                } else {
                    gates.push(gate);
                }
            }
        }
    }
    match problems.is_empty() {
        true => Ok(gates),
        false => Err(Stopped::Standalone(problems)),
    }
}

/// Every segment and tier counted in `data` that passes a gate (`E1513`).
pub fn tripped_gates<'d>(
    data: impl IntoIterator<Item = &'d FileData>,
    gates: &[Gate],
) -> Vec<Diagnostic> {
    let mut subjects: Vec<(String, Counts)> = Vec::new();
    for data in data {
        for s in &data.segments {
            let m = &s.members;
            let counts = Counts {
                before: m.before,
                after: m.after,
                entered: m.entered,
                left: m.left,
            };
            subjects.push((s.name.clone(), counts));
        }
        for t in &data.tiers {
            for tier in &t.tiers {
                let counts = Counts {
                    before: tier.before,
                    after: tier.after,
                    entered: tier.entered,
                    left: tier.left,
                };
                subjects.push((format!("{}.{}", t.name, tier.tier), counts));
            }
        }
    }
    let mut tripped = Vec::new();
    for gate in gates {
        for (subject, counts) in subjects.iter().filter(|(s, _)| gate.is_about(s)) {
            if let Some(value) = gate.tripped(*counts) {
                let measured = match gate.percent {
                    true if value.is_infinite() => format!("{} from no member", gate.metric.word()),
                    true => format!("{} {:.1} %", gate.metric.word(), value * 100.0),
                    false => format!("{} {value}", gate.metric.word()),
                };
                tripped.push(Diagnostic::Diff(DiffDiagnostic::GateTripped {
                    gate: gate.text.clone(),
                    subject: subject.clone(),
                    before: counts.before,
                    after: counts.after,
                    measured,
                }));
            }
        }
    }
    tripped
}
