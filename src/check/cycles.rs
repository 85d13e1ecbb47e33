//! Cycles, depth and evaluation order among `let`s and segments.

use foldhash::{HashMap, HashMapExt as _};

use crate::diagnostics::{DefinitionDiagnostic, Diagnostic};
use crate::hir::DefId;
use crate::span::Span;

type Edges = HashMap<DefId, Vec<(DefId, Span)>>;

impl super::Checker<'_> {
    /// Reports every cycle among the definitions (`E0501`), or else a chain of them deeper than
    /// [`MAX_DEPTH`] (`E0508`).
    pub(super) fn report_cycles(&mut self) {
        let defs = self.all_defs();
        let found = find(&defs, &self.edges);
        if found.is_empty()
            && let Some((def, depth)) = too_deep(&defs, &self.edges)
        {
            let (name, span) = self.def_name(def);
            let max = MAX_DEPTH;
            let deep = DefinitionDiagnostic::TooDeep {
                name,
                span,
                depth,
                max,
            };
            self.sink.push(Diagnostic::Definitions(deep));
        }
        for cycle in found {
            let chain = cycle.iter().map(|d| self.def_name(*d)).collect();
            let cycle = DefinitionDiagnostic::Cycle { chain };
            self.sink.push(Diagnostic::Definitions(cycle));
        }
    }
}

/// Every cycle (a strongly connected component with more than one member, or a self-reference),
/// each listed from its first-declared member in reference order.
pub(super) fn find(defs: &[DefId], edges: &Edges) -> Vec<Vec<DefId>> {
    let mut cycles = Vec::new();
    for component in strongly_connected(defs, edges) {
        let self_loop = component.len() == 1
            && edges
                .get(&component[0])
                .is_some_and(|out| out.iter().any(|(to, _)| *to == component[0]));
        if component.len() > 1 || self_loop {
            cycles.push(order_cycle(&component, edges));
        }
    }
    cycles.sort();
    cycles
}

/// Walks the component from its smallest member, following references inside it.
fn order_cycle(component: &[DefId], edges: &Edges) -> Vec<DefId> {
    let mut members: Vec<DefId> = component.to_vec();
    members.sort();
    let start = members[0];
    let mut path = vec![start];
    let mut current = start;
    loop {
        let next = edges.get(&current).and_then(|out| {
            out.iter()
                .map(|(to, _)| *to)
                .filter(|to| members.contains(to))
                .find(|to| !path.contains(to) || *to == start)
        });
        match next {
            Some(n) if n != start => {
                path.push(n);
                current = n;
            }
            _ => break,
        }
    }
    path
}

/// Tarjan's algorithm, iterative so that long chains cannot exhaust the stack.
fn strongly_connected(defs: &[DefId], edges: &Edges) -> Vec<Vec<DefId>> {
    let mut index: HashMap<DefId, usize> = HashMap::new();
    let mut low: HashMap<DefId, usize> = HashMap::new();
    let mut on_stack: HashMap<DefId, bool> = HashMap::new();
    let mut stack: Vec<DefId> = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    let empty = Vec::new();
    for &root in defs {
        if index.contains_key(&root) {
            continue;
        }
        // (node, next edge position)
        let mut work: Vec<(DefId, usize)> = vec![(root, 0)];
        while let Some((node, pos)) = work.pop() {
            if pos == 0 {
                index.insert(node, counter);
                low.insert(node, counter);
                counter += 1;
                stack.push(node);
                on_stack.insert(node, true);
            }
            let out = edges.get(&node).unwrap_or(&empty);
            if let Some((next, _)) = out.get(pos) {
                work.push((node, pos + 1));
                if !index.contains_key(next) {
                    work.push((*next, 0));
                } else if on_stack.get(next).copied().unwrap_or(false) {
                    let l = low[&node].min(index[next]);
                    low.insert(node, l);
                }
                continue;
            }
            // All edges done: propagate low to the parent and pop a component if root.
            if let Some(&(parent, _)) = work.last() {
                let l = low[&parent].min(low[&node]);
                low.insert(parent, l);
            }
            if low[&node] == index[&node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack.insert(member, false);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// Definitions ordered so that each comes after everything it refers to (declaration order
/// otherwise). Assumes there is no cycle.
pub(super) fn topological(defs: &[DefId], edges: &Edges) -> Vec<DefId> {
    let mut done: HashMap<DefId, bool> = HashMap::new();
    let mut order = Vec::with_capacity(defs.len());
    let empty = Vec::new();
    for &root in defs {
        if done.contains_key(&root) {
            continue;
        }
        let mut work: Vec<(DefId, usize)> = vec![(root, 0)];
        done.insert(root, false);
        while let Some((node, pos)) = work.pop() {
            let out = edges.get(&node).unwrap_or(&empty);
            if let Some((next, _)) = out.get(pos) {
                work.push((node, pos + 1));
                if !done.contains_key(next) {
                    done.insert(*next, false);
                    work.push((*next, 0));
                }
                continue;
            }
            done.insert(node, true);
            order.push(node);
        }
    }
    order
}

/// How deep definitions may depend on each other. Each level is a step of the membership plan,
/// and DataFusion's planner recurses over the steps: a chain of 100,000 `let`s overflowed its
/// stack (release build), while 5,000 plan and run in a debug build.
pub(super) const MAX_DEPTH: usize = 5_000;

/// The deepest definition, with its depth, when it is deeper than [`MAX_DEPTH`] (a definition
/// referring to no other is 1 deep). Assumes there is no cycle.
pub(super) fn too_deep(defs: &[DefId], edges: &Edges) -> Option<(DefId, usize)> {
    let mut depth: HashMap<DefId, usize> = HashMap::with_capacity(defs.len());
    for def in topological(defs, edges) {
        let below = edges
            .get(&def)
            .into_iter()
            .flatten()
            .filter_map(|(to, _)| depth.get(to).copied())
            .max()
            .unwrap_or(0);
        depth.insert(def, below + 1);
    }
    let mut deepest: Option<(DefId, usize)> = None;
    for &def in defs {
        let n = depth.get(&def).copied().unwrap_or(1);
        if n > MAX_DEPTH && deepest.is_none_or(|(_, most)| n > most) {
            deepest = Some((def, n));
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hir::{LetId, SegmentId};

    fn edge(edges: &mut Edges, a: DefId, b: DefId) {
        edges.entry(a).or_default().push((b, Span::default()));
    }

    #[test]
    fn chains_deeper_than_the_limit_are_found() {
        let chain = |n: usize| {
            let defs: Vec<DefId> = (0..n).map(|i| DefId::Let(LetId(i))).collect();
            let mut edges = Edges::new();
            for pair in defs.windows(2) {
                edge(&mut edges, pair[1], pair[0]);
            }
            (defs, edges)
        };
        let (defs, edges) = chain(MAX_DEPTH);
        assert_eq!(too_deep(&defs, &edges), None);
        let (defs, edges) = chain(MAX_DEPTH + 2);
        assert_eq!(
            too_deep(&defs, &edges),
            Some((DefId::Let(LetId(MAX_DEPTH + 1)), MAX_DEPTH + 2))
        );
    }

    #[test]
    fn finds_cycles_and_orders() {
        let a = DefId::Let(LetId(0));
        let b = DefId::Let(LetId(1));
        let c = DefId::Segment(SegmentId(0));
        let d = DefId::Segment(SegmentId(1));
        let mut edges = Edges::new();
        edge(&mut edges, a, b);
        edge(&mut edges, b, a);
        edge(&mut edges, c, c);
        edge(&mut edges, d, a);
        let cycles = find(&[a, b, c, d], &edges);
        assert_eq!(cycles, vec![vec![a, b], vec![c]]);

        let mut acyclic = Edges::new();
        edge(&mut acyclic, d, c);
        edge(&mut acyclic, c, a);
        assert_eq!(topological(&[a, b, c, d], &acyclic), vec![a, b, c, d]);
        assert_eq!(topological(&[d, c, a], &acyclic), vec![a, c, d]);
    }
}
