//! The files of a project run as one program: one plan scans each source once for all of them
//! and computes each definition once, also one that several files import (or write alike).
//!
//! Definitions are matched by meaning (`diff::canon`: what they compute, names left out), so a
//! segment of a shared file imported by two files, and the `let`s, aggregates, quantiles and
//! paths under it, are placed once. Files join only when the plan can serve them all: the same
//! population (declaration and rows) and, for every source they both read, the same
//! declaration (a source registered once has one location, one `where`).

use std::collections::{HashMap, HashSet};

use super::Placement;
use crate::diff::canon::Canon;
use crate::hir::{AggregateId, DefId, Expr, ExprKind, OutputId, Program, SourceId};

/// Why a file cannot share the plan of other files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinProblem {
    /// Its population is another source (or another declaration of it): its name.
    Population(String),
    /// It keeps other rows of the population (`population ... where`): the population's name.
    PopulationRows(String),
    /// It declares a source of the same name elsewhere (another location or columns).
    OtherDeclaration(String),
}

/// Programs joined into one.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The merged program: the first program's definitions, then those of each next one that
    /// none before computes, renamed when their name is taken.
    pub program: Program,
    /// Per program joined, where its ids went.
    pub placements: Vec<Placement>,
}

/// Whether `other` can be computed by the plan of `first` (see [`JoinProblem`]).
pub fn fits(first: &Program, other: &Program) -> Result<(), JoinProblem> {
    let (a, b) = (first.population(), other.population());
    if a.name != b.name || a.span != b.span {
        return Err(JoinProblem::Population(b.name.clone()));
    }
    let text = |program: &Program, e: Option<&Expr>| {
        let mut out = String::new();
        if let Some(e) = e {
            Canon::new(program).expr(e, &mut out);
        }
        out
    };
    if text(first, first.population_filter.as_ref())
        != text(other, other.population_filter.as_ref())
    {
        return Err(JoinProblem::PopulationRows(b.name.clone()));
    }
    for source in &other.sources {
        if let Some(known) = first.sources.iter().find(|s| s.name == source.name)
            && known.span != source.span
        {
            return Err(JoinProblem::OtherDeclaration(source.name.clone()));
        }
    }
    Ok(())
}

/// Joins `first` and `rest` (each fitting the first, see [`fits`]) into one program.
pub fn join(first: &Program, rest: &[&Program]) -> Result<Joined, JoinProblem> {
    let mut joiner = Joiner::new(first);
    for (index, program) in rest.iter().enumerate() {
        fits(&joiner.merged, program)?;
        let placement = Adding::new(&mut joiner, program, index + 1).add();
        joiner.placements.push(placement);
    }
    Ok(Joined {
        program: joiner.merged,
        placements: joiner.placements,
    })
}

/// The merged program being built, with what its definitions mean.
struct Joiner {
    merged: Program,
    placements: Vec<Placement>,
    /// Each definition of the merged program by its kind and meaning.
    defs: HashMap<String, DefId>,
    /// Each aggregate of the merged program by its meaning.
    aggregates: HashMap<String, AggregateId>,
    /// The names taken in the merged program.
    names: HashSet<String>,
}

/// The meaning of a definition with its kind (a `let` inlined or not is another definition).
fn def_key(canon: &Canon, program: &Program, def: DefId) -> String {
    let kind = match def {
        DefId::Let(id) if program.lets[id.0].inlined => "inlined let",
        DefId::Let(_) => "let",
        DefId::Segment(_) => "segment",
        DefId::Score(_) => "score",
        DefId::Tiers(_) => "tiers",
        DefId::Quantile(_) => "quantile",
    };
    format!("{kind} {}", canon.definition(def))
}

fn aggregate_key(canon: &Canon, id: AggregateId) -> String {
    let mut out = String::new();
    canon.aggregate(id, &mut out);
    out
}

/// Every definition of `program`, in evaluation order then the rest by kind.
fn all_defs(program: &Program) -> Vec<DefId> {
    let mut defs = program.evaluation_order.clone();
    defs.extend((0..program.lets.len()).map(|i| DefId::Let(crate::hir::LetId(i))));
    defs.extend((0..program.segments.len()).map(|i| DefId::Segment(crate::hir::SegmentId(i))));
    defs.extend((0..program.scores.len()).map(|i| DefId::Score(crate::hir::ScoreId(i))));
    defs.extend((0..program.tiers.len()).map(|i| DefId::Tiers(crate::hir::TiersId(i))));
    defs.extend((0..program.quantiles.len()).map(|i| DefId::Quantile(crate::hir::QuantileId(i))));
    defs
}

fn def_name(program: &Program, def: DefId) -> &str {
    match def {
        DefId::Let(id) => &program.lets[id.0].name,
        DefId::Segment(id) => &program.segments[id.0].name,
        DefId::Score(id) => &program.scores[id.0].name,
        DefId::Tiers(id) => &program.tiers[id.0].name,
        DefId::Quantile(id) => &program.quantiles[id.0].name,
    }
}

impl Joiner {
    fn new(first: &Program) -> Joiner {
        let mut merged = first.clone();
        merged.tests.clear();
        merged.kpis.clear();
        let canon = Canon::new(first);
        let mut defs = HashMap::new();
        let mut names = HashSet::new();
        for def in all_defs(first) {
            defs.entry(def_key(&canon, first, def)).or_insert(def);
            names.insert(def_name(first, def).to_string());
        }
        let aggregates = (0..first.aggregates.len())
            .map(|i| (aggregate_key(&canon, AggregateId(i)), AggregateId(i)))
            .rev()
            .collect();
        Joiner {
            merged,
            placements: vec![Placement::identity(first)],
            defs,
            aggregates,
            names,
        }
    }
}

/// One program being added to the merged one.
struct Adding<'j, 'p> {
    joiner: &'j mut Joiner,
    program: &'p Program,
    canon: Canon<'p>,
    placement: Placement,
    /// The prefix of the names of its definitions whose name is taken.
    prefix: String,
    /// Its definitions that were added (not found computed already).
    added: HashSet<DefId>,
}

impl<'j, 'p> Adding<'j, 'p> {
    fn new(joiner: &'j mut Joiner, program: &'p Program, index: usize) -> Self {
        Adding {
            joiner,
            program,
            canon: Canon::new(program),
            placement: Placement::empty(program),
            prefix: format!("__file{index}__"),
            added: HashSet::new(),
        }
    }

    fn add(mut self) -> Placement {
        self.sources();
        for (i, path) in self.program.paths.iter().enumerate() {
            let path = self.placement.path_of(path);
            let merged = &mut self.joiner.merged;
            let id = match merged.paths.iter().position(|p| *p == path) {
                Some(i) => i,
                None => {
                    merged.paths.push(path);
                    merged.paths.len() - 1
                }
            };
            self.placement.paths[i] = Some(crate::hir::PathId(id));
        }
        let program = self.program;
        for def in all_defs(program) {
            self.place(def);
        }
        for def in &program.evaluation_order {
            if self.added.contains(def) {
                let placed = self.placement.def(*def);
                self.joiner.merged.evaluation_order.push(placed);
            }
        }
        let merged = &mut self.joiner.merged;
        for output in &program.outputs {
            let placed = self.placement.output(*output);
            if !merged.outputs.contains(&placed) {
                merged.outputs.push(placed);
            }
        }
        for dated in &program.dated {
            let placed = self.placement.source(*dated);
            if !merged.dated.contains(&placed) {
                merged.dated.push(placed);
            }
        }
        self.placement
    }

    /// Places the program's sources: one the merged program has (the same declaration, see
    /// [`fits`]) is that one, with any column it lacks added; another is appended.
    fn sources(&mut self) {
        let program = self.program;
        let merged = &mut self.joiner.merged;
        let mut appended = Vec::new();
        for (i, source) in program.sources.iter().enumerate() {
            let id = match merged.sources.iter().position(|s| s.name == source.name) {
                Some(at) => at,
                None => {
                    merged.sources.push(source.clone());
                    appended.push(merged.sources.len() - 1);
                    merged.sources.len() - 1
                }
            };
            self.placement.sources[i] = Some(SourceId(id));
            let target = &mut merged.sources[id];
            let mut placed = Vec::with_capacity(source.columns.len());
            for column in &source.columns {
                match target.columns.iter().position(|c| c.name == column.name) {
                    Some(at) => placed.push(at),
                    None => {
                        let mut column = column.clone();
                        column.derived = None;
                        target.columns.push(column);
                        placed.push(target.columns.len() - 1);
                    }
                }
            }
            self.placement.columns[i] = placed;
        }
        // Sources appended keep this program's ids in their references and `where`.
        for id in appended {
            let placement = &self.placement;
            let source = &mut merged.sources[id];
            for column in &mut source.columns {
                column.references = column.references.map(|r| placement.source(r));
            }
            if let Some(filter) = &mut source.filter {
                placement.remap(filter, program);
            }
        }
    }

    /// Places the definitions and aggregates `e` refers to.
    fn place_used(&mut self, e: &Expr) {
        let mut used = Vec::new();
        e.visit(&mut |e| match &e.kind {
            ExprKind::Let(id) => used.push(Used::Def(DefId::Let(*id))),
            ExprKind::Segment(id) => used.push(Used::Def(DefId::Segment(*id))),
            ExprKind::Score(id) => used.push(Used::Def(DefId::Score(*id))),
            ExprKind::Tier(id) => used.push(Used::Def(DefId::Tiers(*id))),
            ExprKind::Quantile(id) => used.push(Used::Def(DefId::Quantile(*id))),
            ExprKind::Aggregate(id) => used.push(Used::Aggregate(*id)),
            _ => {}
        });
        for used in used {
            match used {
                Used::Def(def) => self.place(def),
                Used::Aggregate(id) => self.place_aggregate(id),
            }
        }
    }

    /// `e` with the merged program's ids, what it refers to placed first.
    fn fixed(&mut self, e: &Expr) -> Expr {
        self.place_used(e);
        self.placement.expr(e, self.program)
    }

    fn place_aggregate(&mut self, id: AggregateId) {
        if self
            .placement
            .aggregates
            .get(id.0)
            .copied()
            .flatten()
            .is_some()
        {
            return;
        }
        let key = aggregate_key(&self.canon, id);
        if let Some(known) = self.joiner.aggregates.get(&key) {
            self.placement.aggregates[id.0] = Some(*known);
            return;
        }
        let mut a = self.program.aggregates[id.0].clone();
        a.source = self.placement.source(a.source);
        a.path = self.placement.path(a.path);
        a.argument = a.argument.as_ref().map(|e| self.fixed(e));
        a.order_by = a.order_by.as_ref().map(|e| self.fixed(e));
        a.filter = a.filter.as_ref().map(|e| self.fixed(e));
        let merged = &mut self.joiner.merged;
        let placed = AggregateId(merged.aggregates.len());
        merged.aggregates.push(a);
        self.joiner.aggregates.insert(key, placed);
        self.placement.aggregates[id.0] = Some(placed);
    }

    /// Places a definition: the merged program's of the same meaning, else a copy.
    fn place(&mut self, def: DefId) {
        if self.placement.has_def(def) {
            return;
        }
        let key = def_key(&self.canon, self.program, def);
        if let Some(known) = self.joiner.defs.get(&key) {
            self.set(def, *known);
            return;
        }
        let placed = self.copy(def);
        self.added.insert(def);
        self.joiner.defs.insert(key, placed);
        self.set(def, placed);
    }

    fn set(&mut self, def: DefId, placed: DefId) {
        let p = &mut self.placement;
        match (def, placed) {
            (DefId::Let(a), DefId::Let(b)) => p.lets[a.0] = Some(b),
            (DefId::Segment(a), DefId::Segment(b)) => p.segments[a.0] = Some(b),
            (DefId::Score(a), DefId::Score(b)) => p.scores[a.0] = Some(b),
            (DefId::Tiers(a), DefId::Tiers(b)) => p.tiers[a.0] = Some(b),
            (DefId::Quantile(a), DefId::Quantile(b)) => p.quantiles[a.0] = Some(b),
            _ => {}
        }
    }

    /// A name for a definition of the program that is not taken in the merged program.
    fn name(&mut self, name: &str) -> String {
        let mut name = name.to_string();
        while self.joiner.names.contains(&name) {
            name = format!("{}{name}", self.prefix);
        }
        self.joiner.names.insert(name.clone());
        name
    }

    /// Appends a copy of `def` (what it uses placed first) to the merged program.
    fn copy(&mut self, def: DefId) -> DefId {
        let program = self.program;
        match def {
            DefId::Let(id) => {
                let mut l = program.lets[id.0].clone();
                l.value = self.fixed(&l.value);
                l.name = self.name(&l.name);
                let lets = &mut self.joiner.merged.lets;
                lets.push(l);
                DefId::Let(crate::hir::LetId(lets.len() - 1))
            }
            DefId::Segment(id) => {
                let mut s = program.segments[id.0].clone();
                s.condition = self.fixed(&s.condition);
                s.name = self.name(&s.name);
                let segments = &mut self.joiner.merged.segments;
                segments.push(s);
                DefId::Segment(crate::hir::SegmentId(segments.len() - 1))
            }
            DefId::Score(id) => {
                let mut s = program.scores[id.0].clone();
                for rule in &mut s.rules {
                    rule.condition = self.fixed(&rule.condition);
                    rule.value = rule.value.as_ref().map(|v| self.fixed(v));
                }
                s.name = self.name(&s.name);
                let scores = &mut self.joiner.merged.scores;
                scores.push(s);
                DefId::Score(crate::hir::ScoreId(scores.len() - 1))
            }
            DefId::Tiers(id) => {
                let mut t = program.tiers[id.0].clone();
                for arm in &mut t.arms {
                    arm.condition = arm.condition.as_ref().map(|c| self.fixed(c));
                }
                t.name = self.name(&t.name);
                let tiers = &mut self.joiner.merged.tiers;
                tiers.push(t);
                DefId::Tiers(crate::hir::TiersId(tiers.len() - 1))
            }
            DefId::Quantile(id) => {
                let mut q = program.quantiles[id.0].clone();
                q.value = self.fixed(&q.value);
                q.name = self.name(&q.name);
                let quantiles = &mut self.joiner.merged.quantiles;
                quantiles.push(q);
                DefId::Quantile(crate::hir::QuantileId(quantiles.len() - 1))
            }
        }
    }
}

/// A definition or aggregate an expression refers to.
enum Used {
    Def(DefId),
    Aggregate(AggregateId),
}

/// The outputs of `program` at `outputs` as the merged program names them.
pub fn placed_outputs(placement: &Placement, outputs: &[OutputId]) -> Vec<OutputId> {
    outputs.iter().map(|o| placement.output(*o)).collect()
}
