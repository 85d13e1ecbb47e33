//! Sources in two versions of the rules: their meaning (format, location, columns, key,
//! references, retention) and the columns that changed.

use std::fmt::Write as _;

use serde::Serialize;

use super::Status;
use crate::hir::{Column, Program, Source};

/// A declared column that was added, removed, or changed type (or nullability, key,
/// reference).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnChange {
    /// The column.
    pub column: String,
    /// How it changed.
    pub status: Status,
    /// Its old declaration (`income: int?`).
    pub old: Option<String>,
    /// Its new declaration.
    pub new: Option<String>,
}

/// A column as its declaration says it: `key customer_id: int`, `income: float?`,
/// `company_id: int references companies`.
fn declared(program: &Program, source: &Source, index: usize, column: &Column) -> String {
    let mut out = String::new();
    if source.key == Some(index) {
        out.push_str("key ");
    }
    if source.event == Some(index) {
        out.push_str("event ");
    }
    let _ = write!(out, "{}: {}", column.name, column.ty);
    if column.nullable {
        out.push('?');
    }
    if let Some(target) = column.references {
        let _ = write!(out, " references {}", program.source(target).name);
    }
    if column.partition {
        out.push_str(" (partition)");
    }
    let consents = program.consents.iter();
    for consent in
        consents.filter(|c| program.source(c.source).name == source.name && c.column == index)
    {
        let _ = write!(out, " consent {}", consent.channel.as_str());
    }
    out
}

/// The meaning of a source: equal for two declarations that read the same data the same way.
pub(super) fn meaning(program: &Program, source: &Source) -> String {
    let mut out = format!("{:?} {:?}", source.format, source.location.text);
    for (index, column) in source.columns.iter().enumerate() {
        let _ = write!(out, " [{}]", declared(program, source, index, column));
        if let Some(derived) = column.derived {
            let _ = write!(out, "={derived:?}");
        }
    }
    if let Some(retention) = &source.retention {
        let _ = write!(out, " retention {:?}", retention.length);
    }
    // Not who is a member, but whether a run goes ahead: a reviewer sees it changed.
    if let Some(fresh) = &source.freshness {
        let by = if fresh.by_modified {
            " by modified"
        } else {
            ""
        };
        let warn = if fresh.warn { " else warn" } else { "" };
        let _ = write!(out, " fresh within {:?}{by}{warn}", fresh.length);
    }
    out
}

/// The columns of source `name` that differ between the two programs.
pub(super) fn column_changes(old: &Program, new: &Program, name: &str) -> Vec<ColumnChange> {
    let find = |p: &'_ Program| p.sources.iter().find(|s| s.name == name).cloned();
    let (Some(before), Some(after)) = (find(old), find(new)) else {
        return Vec::new();
    };
    let of = |p: &Program, s: &Source, name: &str| {
        let index = s.columns.iter().position(|c| c.name == name)?;
        Some(declared(p, s, index, &s.columns[index]))
    };
    let mut changes = Vec::new();
    for column in &after.columns {
        let is = of(new, &after, &column.name);
        let was = of(old, &before, &column.name);
        let status = match &was {
            None => Status::Added,
            Some(w) if Some(w) != is.as_ref() => Status::Changed,
            Some(_) => continue,
        };
        changes.push(ColumnChange {
            column: column.name.clone(),
            status,
            old: was,
            new: is,
        });
    }
    for column in &before.columns {
        if after.column(&column.name).is_none() {
            changes.push(ColumnChange {
                column: column.name.clone(),
                status: Status::Removed,
                old: of(old, &before, &column.name),
                new: None,
            });
        }
    }
    changes
}
