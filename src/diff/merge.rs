//! Two versions of the rules as one program, for `segc diff --data`: the new version's
//! definitions as they are, the old version's appended under prefixed names, both over the new
//! version's sources (with the columns only the old version declares added). Lowered once, the
//! plan scans each source once and computes both versions' members side by side.

use std::collections::HashMap;

use crate::hir::{Expr, Kpi, OutputId, Program, SourceId};
use crate::merge::Placement;

/// What the old version's names start with in the merged program.
pub const OLD_PREFIX: &str = "__base__";

/// Why two versions cannot be computed as one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeProblem {
    /// The versions' populations are different sources: (old, new).
    Population(String, String),
    /// The old version reads a source the new one does not declare.
    SourceOnlyInBase(String),
    /// The versions read other rows of a source (its `where`, or the population's): the
    /// source, or the population source.
    OtherRows(String),
}

/// Both versions as one program: `new` unchanged, then `old`'s definitions named
/// [`OLD_PREFIX`]`name`, its KPIs too.
pub fn merge(old: &Program, new: &Program) -> Result<Program, MergeProblem> {
    let mut merged = new.clone();
    merged.tests.clear();
    let offsets = sources(old, &mut merged)?;
    if offsets.source(old.population) != new.population {
        return Err(MergeProblem::Population(
            old.population().name.clone(),
            new.population().name.clone(),
        ));
    }
    same_rows(old, new)?;
    for path in &old.paths {
        merged.paths.push(offsets.path_of(path));
    }
    append_definitions(old, &offsets, &mut merged);
    merged
        .evaluation_order
        .extend(old.evaluation_order.iter().map(|d| offsets.def(*d)));
    let output = |o: &OutputId| offsets.output(*o);
    merged.outputs.extend(old.outputs.iter().map(output));
    merged.imported.extend(old.imported.iter().map(output));
    Ok(merged)
}

/// Appends `old`'s `let`s, segments, scores, tiers, quantiles, aggregates and KPIs to
/// `merged`, renamed and with the merged program's ids.
fn append_definitions(old: &Program, offsets: &Placement, merged: &mut Program) {
    let fix = |e: &Expr| offsets.expr(e, old);
    let renamed = |name: &str| format!("{OLD_PREFIX}{name}");
    for l in &old.lets {
        let mut l = l.clone();
        (l.name, l.value) = (renamed(&l.name), fix(&l.value));
        merged.lets.push(l);
    }
    for s in &old.segments {
        let mut s = s.clone();
        (s.name, s.condition) = (renamed(&s.name), fix(&s.condition));
        merged.segments.push(s);
    }
    for s in &old.scores {
        let mut s = s.clone();
        s.name = renamed(&s.name);
        for rule in &mut s.rules {
            rule.condition = fix(&rule.condition);
            rule.value = rule.value.as_ref().map(fix);
        }
        merged.scores.push(s);
    }
    for t in &old.tiers {
        let mut t = t.clone();
        t.name = renamed(&t.name);
        for arm in &mut t.arms {
            arm.condition = arm.condition.as_ref().map(fix);
        }
        merged.tiers.push(t);
    }
    for q in &old.quantiles {
        let mut q = q.clone();
        (q.name, q.value) = (renamed(&q.name), fix(&q.value));
        merged.quantiles.push(q);
    }
    for a in &old.aggregates {
        let mut a = a.clone();
        a.source = offsets.source(a.source);
        a.path = offsets.path(a.path);
        a.argument = a.argument.as_ref().map(fix);
        a.order_by = a.order_by.as_ref().map(fix);
        a.filter = a.filter.as_ref().map(fix);
        merged.aggregates.push(a);
    }
    for kpi in &old.kpis {
        merged
            .kpis
            .push(kpi_of(kpi, old, offsets, &renamed(&kpi.name)));
    }
}

/// Refuses versions that read other rows of a source or of the population: the merged program
/// scans each source once, with one `where` (the event cut at `as_of` is in each aggregate's own
/// filter, so it may differ).
fn same_rows(old: &Program, new: &Program) -> Result<(), MergeProblem> {
    let (old_canon, new_canon) = (super::canon::Canon::new(old), super::canon::Canon::new(new));
    let text = |canon: &super::canon::Canon, e: Option<&Expr>| {
        let mut out = String::new();
        if let Some(e) = e {
            canon.expr(e, &mut out);
        }
        out
    };
    for source in &old.sources {
        let Some(other) = new.sources.iter().find(|s| s.name == source.name) else {
            continue;
        };
        if text(&old_canon, source.filter.as_ref()) != text(&new_canon, other.filter.as_ref()) {
            return Err(MergeProblem::OtherRows(source.name.clone()));
        }
    }
    let population = |canon, p: &Program| text(canon, p.population_filter.as_ref());
    if population(&old_canon, old) != population(&new_canon, new) {
        return Err(MergeProblem::OtherRows(new.population().name.clone()));
    }
    Ok(())
}

/// The new version's sources with the columns only the old version declares: where each old
/// source and column went.
fn sources(old: &Program, merged: &mut Program) -> Result<Placement, MergeProblem> {
    let by_name: HashMap<&str, usize> = merged
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut ids = Vec::with_capacity(old.sources.len());
    for source in &old.sources {
        match by_name.get(source.name.as_str()) {
            Some(&i) => ids.push(SourceId(i)),
            None => return Err(MergeProblem::SourceOnlyInBase(source.name.clone())),
        }
    }
    let mut columns = Vec::with_capacity(old.sources.len());
    for (source, id) in old.sources.iter().zip(&ids) {
        let mut placed = Vec::with_capacity(source.columns.len());
        for column in &source.columns {
            let target = &mut merged.sources[id.0];
            match target.columns.iter().position(|c| c.name == column.name) {
                Some(i) => placed.push(i),
                None => {
                    let mut column = column.clone();
                    column.references = column.references.map(|r| ids[r.0]);
                    // A derived partition names a column by index: the old one's may differ.
                    column.derived = None;
                    target.columns.push(column);
                    placed.push(target.columns.len() - 1);
                }
            }
        }
        columns.push(placed);
    }
    Ok(Placement {
        sources: ids.into_iter().map(Some).collect(),
        columns,
        ..Placement::appended(old, merged)
    })
}

fn kpi_of(kpi: &Kpi, old: &Program, o: &Placement, name: &str) -> Kpi {
    let mut kpi = kpi.clone();
    kpi.name = name.to_string();
    for group in &mut kpi.groups {
        *group = o.kpi_group(group);
    }
    o.remap_kpi(&mut kpi.value, old);
    // The run wrote the groups under the names the old version gives them.
    if let Some(frozen) = &mut kpi.frozen {
        frozen.renamed = OLD_PREFIX.to_string();
    }
    kpi
}
