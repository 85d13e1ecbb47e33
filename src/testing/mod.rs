//! Judging `test` items: the members and values a test's run gave, compared with what the
//! test expects (failures are [`TestDiagnostic::Failed`] diagnostics, drawn like any other),
//! and the coverage of conditions by the tests' rows (`coverage`). No IO: the driver runs the
//! plans and hands the batches here.

mod coverage;
mod values;

use std::collections::BTreeSet;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};

use crate::diagnostics::{Diagnostic, Membership, Mismatch, Target, TestDiagnostic, ValueMismatch};
use crate::hir::{self, Approx, ExpectationKind, Key, MemberCheck};
use crate::judge::Measured;

pub use coverage::{Coverage, CoverageLine, Probe, Probed, probed};

/// What one run of a test gave: the membership rows (the key, then one column per output,
/// named after it) and the KPI values measured (when the test expects some).
pub struct Observed<'a> {
    /// The membership rows, in one batch.
    pub members: &'a RecordBatch,
    /// The KPI values.
    pub kpis: &'a [Measured],
}

/// Whether a test expects KPI values (its run then measures them too).
pub fn expects_kpis(test: &hir::RuleTest) -> bool {
    test.expectations
        .iter()
        .any(|e| matches!(e.kind, ExpectationKind::Kpi { .. }))
}

/// The expectations of `test` that do not hold in `observed`, as failures.
pub fn judge(program: &hir::Program, test: &hir::RuleTest, observed: &Observed) -> Vec<Diagnostic> {
    let keys = keys(observed.members);
    let mut failures = Vec::new();
    for expectation in &test.expectations {
        let (name, target, mismatch) = match &expectation.kind {
            ExpectationKind::Members {
                segment,
                check,
                keys: expected,
            } => {
                let name = &program.segments[segment.0].name;
                let flags = flags(observed.members, name);
                let found: Vec<&Key> = keys
                    .iter()
                    .zip(&flags)
                    .filter(|(_, f)| **f)
                    .map(|(k, _)| k)
                    .collect();
                (name, Target::Segment, members(*check, expected, &found))
            }
            ExpectationKind::Tiers { tiers, expected } => {
                let name = &program.tiers[tiers.0].name;
                let column = texts(observed.members, name);
                let rows = expected.iter().filter_map(|(key, tier)| {
                    let found = keys
                        .iter()
                        .position(|k| k == key)
                        .map(|i| column[i].clone());
                    (found.as_ref() != Some(tier)).then(|| value_row(key, tier.clone(), found))
                });
                (name, Target::Tiers, values(rows.collect()))
            }
            ExpectationKind::Score { score, expected } => {
                let name = &program.scores[score.0].name;
                let column = numbers(observed.members, name);
                let rows = expected.iter().filter_map(|(key, value)| {
                    let found = keys.iter().position(|k| k == key).map(|i| column[i]);
                    number_row(&key.to_string(), *value, found)
                });
                (name, Target::Score, values(rows.collect()))
            }
            ExpectationKind::Value { value, expected } => {
                let definition = &program.lets[value.0];
                let rows = values::mismatches(
                    observed.members,
                    &keys,
                    &definition.name,
                    &definition.value.ty,
                    expected,
                );
                (&definition.name, Target::Value, values(rows))
            }
            ExpectationKind::Kpi { kpi, expected } => {
                let definition = &program.kpis[kpi.0];
                let rows = expected.iter().filter_map(|(group, value)| {
                    let found = observed
                        .kpis
                        .iter()
                        .find(|m| m.kpi == *kpi && m.group == *group)
                        .map(|m| m.value);
                    let shown = program.group_name(&definition.groups[*group]);
                    number_row(shown, *value, found.map(|v| v.unwrap_or(f64::NAN)))
                });
                (&definition.name, Target::Kpi, values(rows.collect()))
            }
        };
        if let Some(mismatch) = mismatch {
            failures.push(Diagnostic::Test(TestDiagnostic::Failed {
                test: test.name.clone(),
                name: name.clone(),
                target,
                span: expectation.span,
                mismatch: Box::new(mismatch),
            }));
        }
    }
    failures
}

fn members(check: MemberCheck, expected: &[Key], found: &[&Key]) -> Option<Mismatch> {
    let listed: BTreeSet<&Key> = expected.iter().collect();
    let members: BTreeSet<&Key> = found.iter().copied().collect();
    let fails = match check {
        MemberCheck::Exactly => listed != members,
        MemberCheck::Contains => !listed.is_subset(&members),
        MemberCheck::Excludes => !listed.is_disjoint(&members),
    };
    fails.then(|| Mismatch::Members {
        check: match check {
            MemberCheck::Exactly => Membership::Exactly,
            MemberCheck::Contains => Membership::Contains,
            MemberCheck::Excludes => Membership::Excludes,
        },
        expected: expected.iter().map(Key::to_string).collect(),
        found: members.iter().map(|k| k.to_string()).collect(),
    })
}

fn values(rows: Vec<ValueMismatch>) -> Option<Mismatch> {
    (!rows.is_empty()).then_some(Mismatch::Values(rows))
}

/// A tier expected of `key`, and the one found (`None` inside: no tier; outside: no row).
fn value_row(key: &Key, expected: Option<String>, found: Option<Option<String>>) -> ValueMismatch {
    ValueMismatch {
        key: key.to_string(),
        expected,
        member: found.is_some(),
        found: found.flatten(),
    }
}

/// A number expected and the one found (NaN inside: null; `None`: no row or group), when
/// they differ.
fn number_row(key: &str, expected: Option<Approx>, found: Option<f64>) -> Option<ValueMismatch> {
    let value = found.filter(|v| !v.is_nan());
    let holds = match (expected, value) {
        (Some(e), Some(v)) => e.accepts(v),
        (None, None) => found.is_some(),
        _ => false,
    };
    let percent = expected.is_some_and(|e| e.percent);
    (!holds).then(|| ValueMismatch {
        key: key.to_string(),
        expected: expected.map(|e| number(e.value, percent)),
        found: value.map(|v| number(v, percent)),
        member: found.is_some(),
    })
}

/// A number as shown in a failure: a percentage when expected as one, else without trailing
/// zeros.
fn number(value: f64, percent: bool) -> String {
    let shown = |v: f64| {
        let text = format!("{v:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    match percent {
        true => format!("{}%", shown(value * 100.0)),
        false => shown(value),
    }
}

/// The population keys of the membership rows (the first column).
fn keys(batch: &RecordBatch) -> Vec<Key> {
    let Some(column) = batch.columns().first() else {
        return Vec::new();
    };
    match column.data_type() {
        DataType::Int64 => column
            .as_primitive::<Int64Type>()
            .iter()
            .map(|k| Key::Int(k.unwrap_or_default()))
            .collect(),
        _ => match datafusion::arrow::compute::cast(column, &DataType::Utf8) {
            Ok(text) => text
                .as_string::<i32>()
                .iter()
                .map(|k| Key::Text(k.unwrap_or_default().to_string()))
                .collect(),
            Err(_) => Vec::new(),
        },
    }
}

/// The flags of a segment's column (false when absent).
pub(crate) fn flags(batch: &RecordBatch, name: &str) -> Vec<bool> {
    match batch.column_by_name(name).and_then(|c| c.as_boolean_opt()) {
        Some(column) => column.iter().map(|f| f.unwrap_or(false)).collect(),
        None => vec![false; batch.num_rows()],
    }
}

/// The values of a tiers column.
fn texts(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let column = batch
        .column_by_name(name)
        .and_then(|c| datafusion::arrow::compute::cast(c, &DataType::Utf8).ok());
    match column {
        Some(column) => column
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect(),
        None => vec![None; batch.num_rows()],
    }
}

/// The values of a score column (NaN for null).
fn numbers(batch: &RecordBatch, name: &str) -> Vec<f64> {
    let column = batch
        .column_by_name(name)
        .and_then(|c| datafusion::arrow::compute::cast(c, &DataType::Float64).ok());
    match column {
        Some(column) => column
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect(),
        None => vec![f64::NAN; batch.num_rows()],
    }
}
