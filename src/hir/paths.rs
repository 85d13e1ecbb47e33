//! Paths of references between sources: a column declared `references companies` leads from
//! each row of its source to at most one row of `companies` (the one whose key it holds).
//! Following such columns one after another gives a many-to-one path: the lookups
//! (`companies.naf_code` in a customer rule) and the chains aggregates follow
//! (`sum(orders.amount)` for companies, through `orders.contact_id` and `contacts.company_id`).

use super::{Source, SourceId};

/// Index of a path in [`super::Program::paths`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(pub usize);

/// One reference followed: the column `column` of `from` holds keys of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Step {
    /// The source whose column is followed.
    pub from: SourceId,
    /// Index of the referencing column in `from`'s columns.
    pub column: usize,
    /// The referenced source (whose key the column holds).
    pub to: SourceId,
}

/// References followed one after another, from a row of `from` to at most one row of the last
/// step's source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    /// Where the path starts.
    pub from: SourceId,
    /// The references followed, at least one; each starts where the previous one ends.
    pub steps: Vec<Step>,
}

impl Path {
    /// Where the path ends.
    pub fn to(&self) -> SourceId {
        self.steps.last().map_or(self.from, |s| s.to)
    }
}

/// The longest path looked for: longer chains of references are not followed.
pub const MAX_STEPS: usize = 8;

/// The ways to go from `from` to `to` by following references, never through a source twice,
/// at most [`MAX_STEPS`] long, shortest first; at most `limit` of them are looked for (two are
/// enough to tell that there are several). Paths always end at a source with a key: the checker
/// reports references to sources without one.
pub fn find(sources: &[Source], from: SourceId, to: SourceId, limit: usize) -> Vec<Path> {
    let mut found = Vec::new();
    if from == to {
        return found;
    }
    // Breadth first over partial paths, so shorter paths come first; the number of partial
    // paths is bounded so that a web of references cannot take long.
    let mut queue: std::collections::VecDeque<Vec<Step>> = std::collections::VecDeque::new();
    queue.push_back(Vec::new());
    let mut budget = 10_000usize;
    while let Some(partial) = queue.pop_front() {
        let at = partial.last().map_or(from, |s| s.to);
        let Some(source) = sources.get(at.0) else {
            continue;
        };
        for (column, c) in source.columns.iter().enumerate() {
            let Some(next) = c.references else {
                continue;
            };
            let visited = next == from || partial.iter().any(|s| s.to == next);
            if visited || sources.get(next.0).is_none_or(|s| s.key.is_none()) {
                continue;
            }
            let mut steps = partial.clone();
            steps.push(Step {
                from: at,
                column,
                to: next,
            });
            if next == to {
                found.push(Path { from, steps });
                if found.len() >= limit {
                    return found;
                }
            } else if steps.len() < MAX_STEPS && budget > 0 {
                budget -= 1;
                queue.push_back(steps);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hir::{Column, Format, Location};
    use crate::span::Span;
    use crate::types::Type;

    /// A source with a key and columns referencing `references` (by index).
    fn source(name: &str, references: &[usize]) -> Source {
        let column = |name: String, to: Option<usize>| Column {
            name,
            ty: Type::Int,
            nullable: false,
            span: Span::default(),
            type_text: "int".into(),
            type_span: Span::default(),
            references: to.map(SourceId),
            partition: false,
            derived: None,
        };
        let mut columns = vec![column("id".into(), None)];
        columns.extend(
            references
                .iter()
                .map(|to| column(format!("ref_{to}"), Some(*to))),
        );
        Source {
            name: name.into(),
            span: Span::default(),
            format: Format::Parquet,
            location: Location {
                text: String::new(),
                span: Span::default(),
            },
            columns,
            key: Some(0),
            retention: None,
            event: None,
            filter: None,
            freshness: None,
        }
    }

    #[test]
    fn paths_follow_references_without_visiting_a_source_twice() {
        // 0 → 1 → 2, 0 → 0 (a self-reference), 1 → 0 (back).
        let sources = [source("a", &[1, 0]), source("b", &[2, 0]), source("c", &[])];
        let found = find(&sources, SourceId(0), SourceId(2), 2);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].steps.len(), 2);
        assert_eq!(found[0].to(), SourceId(2));
        assert!(find(&sources, SourceId(2), SourceId(0), 2).is_empty());
        assert!(find(&sources, SourceId(0), SourceId(0), 2).is_empty());
    }

    #[test]
    fn two_paths_are_both_found_shortest_first() {
        // 0 → 2 directly and 0 → 1 → 2.
        let sources = [source("a", &[2, 1]), source("b", &[2]), source("c", &[])];
        let found = find(&sources, SourceId(0), SourceId(2), 2);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].steps.len(), 1);
        assert_eq!(found[1].steps.len(), 2);
    }

    #[test]
    fn a_web_of_references_is_searched_within_bounds() {
        // 40 sources, each referencing every other, and no way to a 41st: the search stops.
        let mut sources: Vec<Source> = (0..40)
            .map(|i| {
                let others: Vec<usize> = (0..40).filter(|j| *j != i).collect();
                source(&format!("s{i}"), &others)
            })
            .collect();
        sources.push(source("alone", &[]));
        let started = std::time::Instant::now();
        assert!(find(&sources, SourceId(0), SourceId(40), 2).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
