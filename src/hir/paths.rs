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
