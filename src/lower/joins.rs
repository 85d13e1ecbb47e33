//! Following references in plans: the sources on the paths of the lookups and chains a plan
//! needs are left-joined to the rows they start from (the members, or the rows of an
//! aggregated source), each source once, on its key.
//!
//! In a plan over the rows of `root`, `root`'s own columns keep their names and a joined
//! source's columns are named `__SOURCE__COLUMN` ([`joined_name`]): the paths from one root are
//! unique per source (the checker rejects two), so the source names its place on them.
//! A reference that matches no row gives nulls. Keys are unique (checked before running,
//! `engine::references`), so no row is repeated.

use std::collections::{BTreeSet, HashMap};

use datafusion::logical_expr::{JoinType, LogicalPlanBuilder, ident};

use crate::diagnostics::Diagnostic;
use crate::hir::{self, SourceId, Step};

use super::{Params, Rows, TableLookup, internal, project, scan_canonical};

/// The name, in a plan over rows of `root`, of column `column` of `source`.
pub(super) fn joined_name(
    program: &hir::Program,
    root: SourceId,
    source: SourceId,
    column: usize,
) -> String {
    let decl = program.source(source);
    let name = &decl.columns[column].name;
    if source == root {
        name.clone()
    } else {
        format!("__{}__{name}", decl.name)
    }
}

/// The steps of `paths`, each once, a step after the one leading to its source.
fn steps_in_order(paths: &[&hir::Path]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let longest = paths.iter().map(|p| p.steps.len()).max().unwrap_or(0);
    for depth in 0..longest {
        for path in paths {
            if let Some(step) = path.steps.get(depth)
                && !steps.iter().any(|s| s.to == step.to)
            {
                steps.push(*step);
            }
        }
    }
    steps
}

/// The columns of `root` the first steps of `paths` follow.
pub(super) fn root_references<'a>(
    program: &'a hir::Program,
    root: SourceId,
    paths: &[&hir::Path],
) -> Vec<&'a str> {
    let source = program.source(root);
    let mut names: Vec<&str> = Vec::new();
    for step in steps_in_order(paths).iter().filter(|s| s.from == root) {
        let name = source.columns[step.column].name.as_str();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Left-joins to `builder` (rows of `root`, carrying the columns `root_references` names) every
/// source on `paths`, reading its key, the references followed from it and its `columns`.
/// Returns the plan and the names of the columns it added.
pub(super) fn join_paths(
    mut builder: LogicalPlanBuilder,
    (program, params): (&hir::Program, Params),
    tables: &dyn TableLookup,
    root: SourceId,
    paths: &[&hir::Path],
    columns: &HashMap<SourceId, BTreeSet<usize>>,
) -> Result<(LogicalPlanBuilder, Vec<String>), Diagnostic> {
    let steps = steps_in_order(paths);
    let mut added = Vec::new();
    for step in &steps {
        let target = program.source(step.to);
        let span = target.span;
        let key = target.key.ok_or(Diagnostic::Internal(
            crate::diagnostics::InternalDiagnostic::Invariant {
                span,
                broken: crate::diagnostics::Invariant::ReferencedWithoutKey,
            },
        ))?;
        let mut read: Vec<usize> = vec![key];
        let followed = steps.iter().filter(|s| s.from == step.to).map(|s| s.column);
        let wanted = columns.get(&step.to).into_iter().flatten().copied();
        for index in followed.chain(wanted) {
            if !read.contains(&index) {
                read.push(index);
            }
        }
        let names: Vec<&str> = read
            .iter()
            .map(|i| target.columns[*i].name.as_str())
            .collect();
        let renamed: Vec<_> = read
            .iter()
            .map(|i| {
                let name = joined_name(program, root, step.to, *i);
                added.push(name.clone());
                ident(&target.columns[*i].name).alias(name)
            })
            .collect();
        let right = scan_canonical(program, step.to, Rows::Read(params), tables, &names)
            .and_then(|b| project(b, renamed).map_err(internal(span)))
            .and_then(|b| b.build().map_err(internal(span)))?;
        let on = ident(joined_name(program, root, step.from, step.column))
            .eq(ident(joined_name(program, root, step.to, key)));
        builder = builder
            .join_on(right, JoinType::Left, vec![on])
            .map_err(internal(span))?;
    }
    Ok((builder, added))
}
