//! Following references: lookups (`companies.naf_code` read by a customer rule, through
//! `customers.company_id references companies`) and the chains aggregates follow to their
//! members (`sum(orders.amount)` for companies, through `orders.contact_id` and
//! `contacts.company_id`).
//!
//! A path of references is only followed when it is the only one between the two sources
//! (`hir::paths::find`): two paths are reported, with the references to keep.

use crate::ast;
use crate::diagnostics::{AggregateHint, Diagnostic, NameDiagnostic, PathFix};
use crate::hir::{self, ExprKind as H, PathId, SourceId};
use crate::span::Span;
use crate::types::Type;

use super::Checker;
use super::expr::{poisoned, typed};

/// How the rows of one source reach another.
enum Reach {
    /// By one path.
    One(hir::Path),
    /// By no path.
    None,
    /// By several: each as the `source.column` references it follows.
    Several(Vec<Vec<String>>),
}

impl Checker<'_> {
    /// How rows of `from` reach `to` by references.
    fn reach(&self, from: SourceId, to: SourceId) -> Reach {
        let mut found = hir::paths::find(&self.sources, from, to, 2);
        match found.len() {
            0 => Reach::None,
            1 => Reach::One(found.remove(0)),
            _ => Reach::Several(found.iter().map(|p| self.path_words(p)).collect()),
        }
    }

    /// A path as the `source.column` references it follows.
    fn path_words(&self, path: &hir::Path) -> Vec<String> {
        path.steps
            .iter()
            .map(|s| {
                let source = &self.sources[s.from.0];
                format!("{}.{}", source.name, source.columns[s.column].name)
            })
            .collect()
    }

    /// The id of `path`, recorded once.
    fn path_id(&mut self, path: hir::Path) -> PathId {
        if let Some(i) = self.paths.iter().position(|p| *p == path) {
            return PathId(i);
        }
        self.paths.push(path);
        PathId(self.paths.len() - 1)
    }

    /// `source.column` read from rows of `from` (the population, or inside an aggregate the
    /// aggregated source), where `source` is another source: a lookup along the one path of
    /// references from `from` to it. Nullable: a reference may match no row.
    pub(super) fn lookup(
        &mut self,
        from: SourceId,
        to: SourceId,
        column: usize,
        written: (&ast::Ident, &ast::Ident),
        span: Span,
    ) -> hir::Expr {
        let name = format!("{}.{}", written.0.name, written.1.name);
        let in_aggregate = Some(from) != self.population;
        match self.reach(from, to) {
            Reach::One(path) => {
                let ty = self.sources[to.0].columns[column].ty.clone();
                let path = self.path_id(path);
                typed(H::Lookup { path, column }, ty, true, span)
            }
            Reach::Several(paths) => {
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::AmbiguousPath {
                        name,
                        from: self.sources[from.0].name.clone(),
                        paths,
                        span,
                    }));
                poisoned(span)
            }
            // A source related to the population has many rows per member: an aggregate.
            Reach::None if !in_aggregate && !matches!(self.reach(to, from), Reach::None) => {
                let c = &self.sources[to.0].columns[column];
                let hint = hint_for(&c.ty);
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::NotPopulationColumn {
                        name,
                        source: self.sources[to.0].name.clone(),
                        column: c.name.clone(),
                        population: self.sources[from.0].name.clone(),
                        hint,
                        span,
                    }));
                poisoned(span)
            }
            Reach::None => {
                let fix = Box::new(self.path_fix(from, to, column, in_aggregate));
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::NoReferencePath {
                        name,
                        from: self.sources[from.0].name.clone(),
                        to: self.sources[to.0].name.clone(),
                        fix,
                        in_aggregate,
                        span,
                    }));
                poisoned(span)
            }
        }
    }

    /// The declaration that would lead from rows of `from` to `to`, guessed from column names:
    /// a column of `from` named like `to`'s key (a lookup), or, from the population, a column
    /// of `to` named like the population's key (a related source, aggregated).
    fn path_fix(&self, from: SourceId, to: SourceId, column: usize, in_aggregate: bool) -> PathFix {
        let (rows, target) = (&self.sources[from.0], &self.sources[to.0]);
        let key = target.key_column();
        if let Some(key) = key
            && rows.column(&key.name).is_some()
        {
            return PathFix::Reference {
                column: key.name.clone(),
            };
        }
        if !in_aggregate
            && let Some(own_key) = rows.key_column()
            && target.column(&own_key.name).is_some()
        {
            let used = &target.columns[column];
            return PathFix::Related {
                column: own_key.name.clone(),
                hint: hint_for(&used.ty),
                used: used.name.clone(),
            };
        }
        PathFix::Declare {
            key: key.map(|k| format!("{}: {}", k.name, k.type_text)),
        }
    }

    /// The path from the rows of `source` to their member, for an aggregate over it.
    pub(super) fn link(&mut self, source: SourceId, span: Span) -> Option<PathId> {
        let population = self.population?;
        let decl = &self.sources[source.0];
        match self.reach(source, population) {
            Reach::One(path) => Some(self.path_id(path)),
            Reach::None => {
                let population_decl = &self.sources[population.0];
                let key = population_decl
                    .key_column()
                    .map_or_else(String::new, |k| format!("{}: {}", k.name, k.type_text));
                // The population references the source: one row of it per member, a lookup.
                let lookup = match self.reach(population, source) {
                    Reach::None => None,
                    _ => {
                        let column = decl
                            .columns
                            .iter()
                            .enumerate()
                            .find(|(i, _)| Some(*i) != decl.key)
                            .or(decl.columns.first().map(|c| (0, c)))
                            .map_or("...", |(_, c)| c.name.as_str());
                        Some(format!("{}.{column}", decl.name))
                    }
                };
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::MissingLink {
                        source: decl.name.clone(),
                        population: population_decl.name.clone(),
                        key,
                        lookup,
                        span,
                        source_span: decl.span,
                    }));
                None
            }
            Reach::Several(paths) => {
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::AmbiguousLink {
                        source: decl.name.clone(),
                        population: self.sources[population.0].name.clone(),
                        paths,
                        span,
                    }));
                None
            }
        }
    }
}

/// The aggregate a help proposes for a column of a related source: one valid for its type.
fn hint_for(ty: &Type) -> AggregateHint {
    match ty {
        t if t.is_numeric() => AggregateHint::Sum,
        t if t.is_temporal() => AggregateHint::Latest,
        Type::Bool => AggregateHint::Exists,
        _ => AggregateHint::Matching,
    }
}
