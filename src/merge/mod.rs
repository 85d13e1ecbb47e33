//! Several checked programs as one, so that one plan computes them all: the definitions of each
//! program placed into the merged one (by [`Placement`]) and the expressions rewritten to the
//! merged program's ids. `segc diff --data` appends the old version of a file to the new one
//! (`diff::merge`); a project run joins its files, each definition they share computed once
//! ([`project`]).

pub mod project;

use crate::diff::effect::children;
use crate::hir::{
    AggregateId, DefId, Expr, ExprKind, KpiExpr, KpiExprKind, KpiGroup, LetId, OutputId, PathId,
    Program, QuantileId, ScoreId, SegmentId, SourceId, TiersId,
};

/// Where the ids of one program went in a merged program (`None`: not placed yet; an id not
/// placed is left as it was).
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// Per source of the program.
    pub sources: Vec<Option<SourceId>>,
    /// Per source of the program: the merged index of each of its columns.
    pub columns: Vec<Vec<usize>>,
    /// Per `let`.
    pub lets: Vec<Option<LetId>>,
    /// Per segment.
    pub segments: Vec<Option<SegmentId>>,
    /// Per score.
    pub scores: Vec<Option<ScoreId>>,
    /// Per tiers item.
    pub tiers: Vec<Option<TiersId>>,
    /// Per quantile.
    pub quantiles: Vec<Option<QuantileId>>,
    /// Per aggregate.
    pub aggregates: Vec<Option<AggregateId>>,
    /// Per path of references.
    pub paths: Vec<Option<PathId>>,
}

fn at<T: Copy>(map: &[Option<T>], i: usize, or: T) -> T {
    map.get(i).copied().flatten().unwrap_or(or)
}

impl Placement {
    /// Nothing of `program` placed yet.
    pub fn empty(program: &Program) -> Placement {
        Placement {
            sources: vec![None; program.sources.len()],
            columns: program
                .sources
                .iter()
                .map(|s| (0..s.columns.len()).collect())
                .collect(),
            lets: vec![None; program.lets.len()],
            segments: vec![None; program.segments.len()],
            scores: vec![None; program.scores.len()],
            tiers: vec![None; program.tiers.len()],
            quantiles: vec![None; program.quantiles.len()],
            aggregates: vec![None; program.aggregates.len()],
            paths: vec![None; program.paths.len()],
        }
    }

    /// Every id of `program` placed where it is (the first program of a join).
    pub fn identity(program: &Program) -> Placement {
        fn same<T>(n: usize, id: impl Fn(usize) -> T) -> Vec<Option<T>> {
            (0..n).map(|i| Some(id(i))).collect()
        }
        Placement {
            sources: same(program.sources.len(), SourceId),
            lets: same(program.lets.len(), LetId),
            segments: same(program.segments.len(), SegmentId),
            scores: same(program.scores.len(), ScoreId),
            tiers: same(program.tiers.len(), TiersId),
            quantiles: same(program.quantiles.len(), QuantileId),
            aggregates: same(program.aggregates.len(), AggregateId),
            paths: same(program.paths.len(), PathId),
            ..Placement::empty(program)
        }
    }

    /// Every id of `program` placed at its own index plus the merged program's count of its kind
    /// when `program` was appended (`merged`, a program before the append), sources and columns
    /// left to the caller.
    pub fn appended(program: &Program, merged: &Program) -> Placement {
        fn shifted<T>(n: usize, offset: usize, id: impl Fn(usize) -> T) -> Vec<Option<T>> {
            (0..n).map(|i| Some(id(i + offset))).collect()
        }
        Placement {
            lets: shifted(program.lets.len(), merged.lets.len(), LetId),
            segments: shifted(program.segments.len(), merged.segments.len(), SegmentId),
            scores: shifted(program.scores.len(), merged.scores.len(), ScoreId),
            tiers: shifted(program.tiers.len(), merged.tiers.len(), TiersId),
            quantiles: shifted(program.quantiles.len(), merged.quantiles.len(), QuantileId),
            aggregates: shifted(
                program.aggregates.len(),
                merged.aggregates.len(),
                AggregateId,
            ),
            paths: shifted(program.paths.len(), merged.paths.len(), PathId),
            ..Placement::empty(program)
        }
    }

    /// Where a source went.
    pub fn source(&self, id: SourceId) -> SourceId {
        at(&self.sources, id.0, id)
    }

    /// Where a path went.
    pub fn path(&self, id: PathId) -> PathId {
        at(&self.paths, id.0, id)
    }

    /// Where a definition went.
    pub fn def(&self, def: DefId) -> DefId {
        match def {
            DefId::Let(id) => DefId::Let(at(&self.lets, id.0, id)),
            DefId::Segment(id) => DefId::Segment(at(&self.segments, id.0, id)),
            DefId::Score(id) => DefId::Score(at(&self.scores, id.0, id)),
            DefId::Tiers(id) => DefId::Tiers(at(&self.tiers, id.0, id)),
            DefId::Quantile(id) => DefId::Quantile(at(&self.quantiles, id.0, id)),
        }
    }

    /// Whether a definition is placed.
    pub fn has_def(&self, def: DefId) -> bool {
        fn placed<T>(map: &[Option<T>], i: usize) -> bool {
            map.get(i).is_some_and(Option::is_some)
        }
        match def {
            DefId::Let(id) => placed(&self.lets, id.0),
            DefId::Segment(id) => placed(&self.segments, id.0),
            DefId::Score(id) => placed(&self.scores, id.0),
            DefId::Tiers(id) => placed(&self.tiers, id.0),
            DefId::Quantile(id) => placed(&self.quantiles, id.0),
        }
    }

    /// Where an output went.
    pub fn output(&self, output: OutputId) -> OutputId {
        match output {
            OutputId::Segment(id) => OutputId::Segment(at(&self.segments, id.0, id)),
            OutputId::Score(id) => OutputId::Score(at(&self.scores, id.0, id)),
            OutputId::Tiers(id) => OutputId::Tiers(at(&self.tiers, id.0, id)),
            OutputId::Let(id) => OutputId::Let(at(&self.lets, id.0, id)),
        }
    }

    /// A path of `program` with the merged program's sources and columns.
    pub fn path_of(&self, path: &crate::hir::Path) -> crate::hir::Path {
        let mut path = path.clone();
        path.from = self.source(path.from);
        for step in &mut path.steps {
            step.column = self.column(step.from, step.column);
            step.from = self.source(step.from);
            step.to = self.source(step.to);
        }
        path
    }

    fn column(&self, source: SourceId, column: usize) -> usize {
        self.columns
            .get(source.0)
            .and_then(|c| c.get(column))
            .copied()
            .unwrap_or(column)
    }

    /// `e`, an expression of `program`, with the merged program's ids.
    pub fn remap(&self, e: &mut Expr, program: &Program) {
        match &mut e.kind {
            ExprKind::Column { source, column } => {
                *column = self.column(*source, *column);
                *source = self.source(*source);
            }
            ExprKind::Lookup { path, column } => {
                let last = program.path(*path).to();
                *column = self.column(last, *column);
                *path = self.path(*path);
            }
            ExprKind::Aggregate(id) => *id = at(&self.aggregates, id.0, *id),
            ExprKind::Let(id) => *id = at(&self.lets, id.0, *id),
            ExprKind::Segment(id) => *id = at(&self.segments, id.0, *id),
            ExprKind::Score(id) => *id = at(&self.scores, id.0, *id),
            ExprKind::Tier(id) => *id = at(&self.tiers, id.0, *id),
            ExprKind::Quantile(id) => *id = at(&self.quantiles, id.0, *id),
            _ => {
                for child in children(e) {
                    self.remap(child, program);
                }
            }
        }
    }

    /// A copy of `e` with the merged program's ids.
    pub fn expr(&self, e: &Expr, program: &Program) -> Expr {
        let mut e = e.clone();
        self.remap(&mut e, program);
        e
    }

    /// A KPI group with the merged program's ids.
    pub fn kpi_group(&self, group: &KpiGroup) -> KpiGroup {
        match group {
            KpiGroup::Population => KpiGroup::Population,
            KpiGroup::Segment(id) => KpiGroup::Segment(at(&self.segments, id.0, *id)),
            KpiGroup::Tier { tiers, tier } => KpiGroup::Tier {
                tiers: at(&self.tiers, tiers.0, *tiers),
                tier: tier.clone(),
            },
        }
    }

    /// A KPI's value with the merged program's ids.
    pub fn remap_kpi(&self, e: &mut KpiExpr, program: &Program) {
        match &mut e.kind {
            KpiExprKind::Number(_) => {}
            KpiExprKind::Measure(m) => {
                for part in [&mut m.value, &mut m.filter].into_iter().flatten() {
                    self.remap(part, program);
                }
            }
            KpiExprKind::Neg(x) => self.remap_kpi(x, program),
            KpiExprKind::Binary { lhs, rhs, .. } => {
                self.remap_kpi(lhs, program);
                self.remap_kpi(rhs, program);
            }
        }
    }
}
