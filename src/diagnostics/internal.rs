//! Bugs in segc (`E09xx`): what the checker accepted and a later stage could not handle.

use super::codes::Code::*;
use super::describe::{Describe, Description};
use crate::span::Span;

/// A bug in segc, reported with the place it was met at.
#[derive(Debug, Clone, PartialEq)]
pub enum InternalDiagnostic {
    /// The plan builder (or the engine) refused what the checker accepted.
    PlanFailed {
        /// What was being lowered.
        span: Span,
        /// The engine's message.
        message: String,
    },
    /// A stage found its input broken in a way an earlier stage promised it would not be.
    Invariant {
        /// What was being handled.
        span: Span,
        /// What was broken.
        broken: Invariant,
    },
}

/// What an earlier stage promised and did not hold (E0901).
#[derive(Debug, Clone, PartialEq)]
pub enum Invariant {
    /// A pair the grammar promised is missing from the parse tree.
    MissingParse {
        /// What was missing.
        what: String,
    },
    /// Score points that the grammar let through as something other than a number.
    ScorePointsNotNumber,
    /// The population has no key column after checking.
    PopulationWithoutKey,
    /// A table given to the plan builder lacks a declared column.
    TableWithoutColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column that no source declares.
    UndeclaredColumn {
        /// The column.
        column: String,
    },
    /// A related source read by no aggregate of the plan.
    NoRelatedAggregate,
    /// A source that references lead to has no key after checking.
    ReferencedWithoutKey,
    /// A KPI measure without the value it aggregates.
    MeasureWithoutValue,
    /// A source that the engine did not register.
    UnregisteredSource {
        /// The source.
        source: String,
    },
    /// Files of a project run grouped to share a plan could not be joined.
    UnjoinedFiles {
        /// The file that could not join the others.
        file: String,
    },
    /// The KPI plan gave no row.
    NoKpiRow,
    /// The KPI row lacks a column of the plan.
    KpiRowColumn {
        /// The column.
        column: String,
    },
    /// A value of the KPI row of another type than the plan's.
    KpiRowType {
        /// The column.
        column: String,
        /// Its type.
        found: String,
        /// The type the plan gives it, in words (`an integer`).
        expected: &'static str,
    },
}

impl InternalDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        match self {
            InternalDiagnostic::PlanFailed { span, message } => d
                .code(E0901)
                .message(|| format!("internal error while building the plan: {message}"))
                .at(*span)
                .help(|| "this is a bug in segc; please report it with the rule file"),
            InternalDiagnostic::Invariant { span, broken } => d
                .code(E0901)
                .message(|| format!("internal error while building the plan: {}", broken.words()))
                .at(*span)
                .help(|| "this is a bug in segc; please report it with the rule file"),
        }
    }

    /// This problem with `r` applied to the engine's message (which may quote a path).
    pub(crate) fn map_texts(self, r: impl Fn(String) -> String) -> Self {
        match self {
            InternalDiagnostic::PlanFailed { span, message } => InternalDiagnostic::PlanFailed {
                span,
                message: r(message),
            },
            invariant @ InternalDiagnostic::Invariant { .. } => invariant,
        }
    }
}

impl Invariant {
    /// What was broken, in words.
    fn words(&self) -> String {
        match self {
            Invariant::MissingParse { what } => format!("unexpected parse tree: missing {what}"),
            Invariant::ScorePointsNotNumber => "score points are not a number".into(),
            Invariant::PopulationWithoutKey => "the population has no key".into(),
            Invariant::TableWithoutColumn { table, column } => {
                format!("table `{table}` has no column `{column}`")
            }
            Invariant::UndeclaredColumn { column } => format!("undeclared column `{column}`"),
            Invariant::NoRelatedAggregate => "no aggregate for a related source".into(),
            Invariant::ReferencedWithoutKey => "a referenced source has no key".into(),
            Invariant::MeasureWithoutValue => "a measure without a value".into(),
            Invariant::UnregisteredSource { source } => {
                format!("source `{source}` was not registered")
            }
            Invariant::UnjoinedFiles { file } => {
                format!("`{file}` could not share the plan of the files grouped with it")
            }
            Invariant::NoKpiRow => "the KPI plan gave no row".into(),
            Invariant::KpiRowColumn { column } => format!("no column `{column}` in the KPI row"),
            Invariant::KpiRowType {
                column,
                found,
                expected,
            } => format!("`{column}` is {found}, not {expected}"),
        }
    }
}
