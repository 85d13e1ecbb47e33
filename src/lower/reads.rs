//! What a plan reads, without planning it: the sources `segc run --segment` registers, and the
//! declared columns `segc explain --lineage` lists.

use std::collections::{BTreeMap, BTreeSet};

use super::{Needed, Wanted};
use crate::hir::{self, PathId, SourceId};

impl Needed {
    /// The paths of references the plan follows: for its lookups and to relate the rows of the
    /// sources it aggregates to the members.
    fn paths_followed(&self, program: &hir::Program) -> Vec<PathId> {
        let mut paths: Vec<PathId> = self.lookups.values().flatten().copied().collect();
        paths.extend(self.finals.lookups.iter().map(|(path, _)| *path));
        for id in self.aggregates.iter().chain(&self.finals.aggregates) {
            paths.push(program.aggregates[id.0].path);
        }
        paths
    }
}

/// The sources a plan for `wanted` reads: the population, the sources aggregated and those
/// along the paths of references it follows (for lookups and chains). `segc run --segment`
/// registers only these, so data a selected segment does not read is not looked for.
pub fn sources_read(program: &hir::Program, wanted: Wanted<'_>) -> BTreeSet<SourceId> {
    let needed = Needed::of(program, wanted);
    let mut sources: BTreeSet<SourceId> = needed.columns.keys().copied().collect();
    sources.insert(program.population);
    for id in needed.aggregates.iter().chain(&needed.finals.aggregates) {
        sources.insert(program.aggregates[id.0].source);
    }
    for path in needed.paths_followed(program) {
        let path = program.path(path);
        sources.insert(path.from);
        sources.extend(path.steps.iter().map(|s| s.to));
    }
    sources
}

/// The declared columns a plan for `wanted` reads, per source: those its definitions read
/// (through `let`s, aggregates and lookups), the population's key, the references it follows
/// to relate rows, and the columns of the conditions keeping rows (`where` on a source or the
/// population, the event cut) (`segc explain --lineage`: what personal data feeds an output).
pub fn lineage(program: &hir::Program, wanted: Wanted<'_>) -> BTreeMap<SourceId, BTreeSet<usize>> {
    let needed = Needed::of(program, wanted);
    let mut columns: BTreeMap<SourceId, BTreeSet<usize>> = needed
        .columns
        .iter()
        .map(|(source, columns)| (*source, columns.clone()))
        .collect();
    for (source, column) in &needed.finals.columns {
        columns.entry(*source).or_default().insert(*column);
    }
    if let Some(key) = program.population().key {
        columns.entry(program.population).or_default().insert(key);
    }
    for path in needed.paths_followed(program) {
        for step in &program.path(path).steps {
            columns.entry(step.from).or_default().insert(step.column);
        }
    }
    // The columns deciding which rows are read at all: a source's `where`, the population's.
    let read: Vec<SourceId> = columns.keys().copied().collect();
    let filters = read
        .iter()
        .filter_map(|id| program.source(*id).filter.as_ref())
        .chain(program.population_filter.as_ref());
    for filter in filters {
        filter.visit(&mut |e| {
            if let hir::ExprKind::Column { source, column } = e.kind {
                columns.entry(source).or_default().insert(column);
            }
        });
    }
    columns
}
