//! Checking `test` items against the checked rules: each row typed against its source's
//! declared columns (like rule literals: `null`, dates, timestamps, enum values), each
//! expectation resolved to the segment, tiers item, score or KPI it names.

use foldhash::HashMap;

use crate::ast::{self, ExpectOp, ExpectPart, Expected, ItemKind, LiteralKind, TestClauseKind};
use crate::diagnostics::{Diagnostic, Given, Target, TestDiagnostic};
use crate::hir::{
    self, Approx, ExpectationKind, ExpectedValue, Key, MemberCheck, OutputId, RowValue, SourceId,
};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

/// The file's tests, checked against `program`, and their problems.
pub(super) fn check_tests(
    program: &hir::Program,
    ast: &ast::Program,
) -> (Vec<hir::RuleTest>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut tests = Vec::new();
    let mut names: HashMap<&str, Span> = HashMap::default();
    for item in &ast.items {
        let ItemKind::Test(decl) = &item.kind else {
            continue;
        };
        if let Some(first) = names.insert(&decl.name.name, decl.name.span) {
            problems.push(TestDiagnostic::TestTwice {
                name: decl.name.name.clone(),
                span: decl.name.span,
                first,
            });
        }
        let mut checker = TestChecker {
            program,
            problems: &mut problems,
        };
        if let Some(test) = checker.test(decl, item.span) {
            tests.push(test);
        }
    }
    (tests, problems.into_iter().map(Diagnostic::Test).collect())
}

struct TestChecker<'a> {
    program: &'a hir::Program,
    problems: &'a mut Vec<TestDiagnostic>,
}

impl TestChecker<'_> {
    fn test(&mut self, decl: &ast::TestDecl, item: Span) -> Option<hir::RuleTest> {
        let as_of = match &decl.as_of.kind {
            LiteralKind::Date(d) => Some(*d),
            _ => {
                self.problems.push(TestDiagnostic::AsOfNotDate {
                    span: decl.as_of.span,
                });
                None
            }
        };
        let before = self.problems.len();
        let mut data: Vec<hir::TestData> = Vec::new();
        let mut expectations = Vec::new();
        for clause in &decl.clauses {
            match &clause.kind {
                TestClauseKind::Rows { source, rows } => {
                    if let Some(id) = self.given_source(source, &data, clause.span) {
                        let rows = self.rows(id, rows);
                        data.push(hir::TestData {
                            source: id,
                            span: clause.span,
                            rows: hir::TestRows::Inline(rows),
                        });
                    }
                }
                TestClauseKind::File {
                    source,
                    format,
                    path,
                } => {
                    let id = self.given_source(source, &data, clause.span);
                    if format.name != "csv" {
                        self.problems.push(TestDiagnostic::UnknownFileFormat {
                            format: format.name.clone(),
                            span: format.span,
                        });
                    } else if let Some(id) = id {
                        data.push(hir::TestData {
                            source: id,
                            span: clause.span,
                            rows: hir::TestRows::Csv {
                                path: path.value.clone(),
                                span: path.span,
                            },
                        });
                    }
                }
                TestClauseKind::Expect(e) => expectations.extend(self.expectation(e, clause.span)),
            }
        }
        (self.problems.len() == before).then_some(hir::RuleTest {
            name: decl.name.name.clone(),
            span: decl.name.span,
            item,
            as_of: as_of?,
            data,
            expectations,
        })
    }

    /// The source rows are given to, unless unknown or given rows already.
    fn given_source(
        &mut self,
        name: &ast::Ident,
        data: &[hir::TestData],
        span: Span,
    ) -> Option<SourceId> {
        let program = self.program;
        let Some(position) = program.sources.iter().position(|s| s.name == name.name) else {
            self.problems.push(TestDiagnostic::UnknownSource {
                name: name.name.clone(),
                span: name.span,
                candidates: similar(&name.name, program.sources.iter().map(|s| s.name.as_str())),
            });
            return None;
        };
        let id = SourceId(position);
        if let Some(first) = data.iter().find(|d| d.source == id) {
            self.problems.push(TestDiagnostic::RowsTwice {
                source: name.name.clone(),
                span,
                first: first.span,
            });
            return None;
        }
        Some(id)
    }

    /// Each row's values, one per declared column (null when not given).
    fn rows(&mut self, id: SourceId, rows: &[ast::TestRow]) -> Vec<Vec<RowValue>> {
        let source = self.program.source(id);
        let mut keys: HashMap<Key, Span> = HashMap::default();
        let mut typed = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values: Vec<Option<RowValue>> = vec![None; source.columns.len()];
            let mut given = vec![false; source.columns.len()];
            for field in &row.fields {
                let Some(index) = source
                    .columns
                    .iter()
                    .position(|c| c.name == field.column.name)
                else {
                    self.problems.push(TestDiagnostic::UnknownColumn {
                        source: source.name.clone(),
                        column: field.column.name.clone(),
                        span: field.column.span,
                        candidates: similar(
                            &field.column.name,
                            source.columns.iter().map(|c| c.name.as_str()),
                        ),
                    });
                    continue;
                };
                given[index] = true;
                match value_of(&source.columns[index], &field.value) {
                    Ok(value) => values[index] = Some(value),
                    Err(problem) => self.problems.push(problem),
                }
                if source.key == Some(index) {
                    self.repeated_key(&source.name, &mut keys, &field.value);
                }
            }
            let missing: Vec<String> = source
                .columns
                .iter()
                .zip(&given)
                .filter(|(c, given)| !c.nullable && !**given)
                .map(|(c, _)| c.name.clone())
                .collect();
            if !missing.is_empty() {
                self.problems.push(TestDiagnostic::MissingColumns {
                    source: source.name.clone(),
                    columns: missing,
                    span: row.span,
                    declared: source.span,
                });
            }
            typed.push(
                values
                    .into_iter()
                    .map(|v| v.unwrap_or(RowValue::Null))
                    .collect(),
            );
        }
        typed
    }

    fn repeated_key(
        &mut self,
        source: &str,
        keys: &mut HashMap<Key, Span>,
        literal: &ast::Literal,
    ) {
        let key = match &literal.kind {
            LiteralKind::Int(i) => Key::Int(*i),
            LiteralKind::String(s) => Key::Text(s.clone()),
            _ => return,
        };
        let shown = key.to_string();
        if let Some(first) = keys.insert(key, literal.span) {
            self.problems.push(TestDiagnostic::RepeatedKey {
                source: source.to_string(),
                key: shown,
                span: literal.span,
                first,
            });
        }
    }

    fn expectation(&mut self, e: &ast::Expectation, span: Span) -> Option<hir::Expectation> {
        let program = self.program;
        let name = &e.target.name;
        let kind = match (program.output_named(name), program.kpi_named(name)) {
            (Some(OutputId::Segment(segment)), _) => self.members(e, segment),
            (Some(OutputId::Tiers(tiers)), _) => self.tiers(e, tiers),
            (Some(OutputId::Score(score)), _) => self.score(e, score),
            (Some(OutputId::Let(value)), _) => self.value(e, value),
            (None, Some(kpi)) => self.kpi(e, kpi),
            (None, None) => {
                let outputs = program.outputs.iter().map(|o| program.output_name(*o));
                let kpis = program.kpis.iter().map(|k| k.name.as_str());
                self.problems.push(TestDiagnostic::UnknownTarget {
                    name: name.clone(),
                    span: e.target.span,
                    candidates: similar(name, outputs.chain(kpis)),
                    unwritten_let: program.lets.iter().any(|l| l.name == *name),
                });
                None
            }
        }?;
        Some(hir::Expectation { span, kind })
    }

    fn wrong_form(
        &mut self,
        e: &ast::Expectation,
        target: Target,
        span: Span,
    ) -> Option<ExpectationKind> {
        self.problems.push(TestDiagnostic::WrongForm {
            name: e.target.name.clone(),
            target,
            span,
        });
        None
    }

    fn members(
        &mut self,
        e: &ast::Expectation,
        segment: hir::SegmentId,
    ) -> Option<ExpectationKind> {
        let Expected::List { items, .. } = &e.value else {
            return self.wrong_form(e, Target::Segment, expected_span(&e.value));
        };
        let check = match e.op {
            ExpectOp::Equals => MemberCheck::Exactly,
            ExpectOp::Contains => MemberCheck::Contains,
            ExpectOp::Excludes => MemberCheck::Excludes,
        };
        let keys: Vec<Option<Key>> = items.iter().map(|l| self.key(l)).collect();
        Some(ExpectationKind::Members {
            segment,
            check,
            keys: keys.into_iter().collect::<Option<_>>()?,
        })
    }

    /// The entries of a `{ key: value }` expectation, `None` after a problem.
    fn map_entries<'e>(
        &mut self,
        e: &'e ast::Expectation,
        target: Target,
    ) -> Option<&'e [ast::ExpectEntry]> {
        match (&e.value, e.op) {
            (Expected::Map { entries, .. }, ExpectOp::Equals) => Some(entries),
            (_, ExpectOp::Equals) => {
                self.wrong_form(e, target, expected_span(&e.value));
                None
            }
            _ => {
                self.wrong_form(e, target, e.op_span);
                None
            }
        }
    }

    fn tiers(&mut self, e: &ast::Expectation, id: hir::TiersId) -> Option<ExpectationKind> {
        let entries = self.map_entries(e, Target::Tiers)?;
        let tiers = &self.program.tiers[id.0];
        let mut expected = Vec::with_capacity(entries.len());
        let mut fine = true;
        for entry in entries {
            let key = self.key_part(&entry.key);
            let tier = match &entry.value {
                ExpectPart::Value(l) if l.kind == LiteralKind::Null => Some(None),
                ExpectPart::Name(n) if tiers.arms.iter().any(|a| a.name == n.name) => {
                    Some(Some(n.name.clone()))
                }
                ExpectPart::Name(n) => {
                    self.problems.push(TestDiagnostic::UnknownGroup {
                        name: tiers.name.clone(),
                        target: Target::Tiers,
                        group: n.name.clone(),
                        span: n.span,
                        candidates: similar(&n.name, tiers.arms.iter().map(|a| a.name.as_str())),
                    });
                    None
                }
                ExpectPart::Value(l) => self.wrong_form(e, Target::Tiers, l.span).map(|_| None),
            };
            match (key, tier) {
                (Some(key), Some(tier)) => expected.push((key, tier)),
                _ => fine = false,
            }
        }
        fine.then_some(ExpectationKind::Tiers {
            tiers: id,
            expected,
        })
    }

    fn score(&mut self, e: &ast::Expectation, score: hir::ScoreId) -> Option<ExpectationKind> {
        let entries = self.map_entries(e, Target::Score)?;
        let mut expected = Vec::with_capacity(entries.len());
        let mut fine = true;
        for entry in entries {
            let key = self.key_part(&entry.key);
            let value = self.number_part(e, Target::Score, &entry.value);
            match (key, value) {
                (Some(key), Some(value)) => expected.push((key, value)),
                _ => fine = false,
            }
        }
        fine.then_some(ExpectationKind::Score { score, expected })
    }

    /// The values an `output let` is expected to give: numbers within the precision written,
    /// other values typed like the `let` (checked as a test row's value of its type).
    fn value(&mut self, e: &ast::Expectation, id: hir::LetId) -> Option<ExpectationKind> {
        let entries = self.map_entries(e, Target::Value)?;
        let definition = &self.program.lets[id.0];
        let ty = &definition.value.ty;
        let mut expected = Vec::with_capacity(entries.len());
        let mut fine = true;
        for entry in entries {
            let key = self.key_part(&entry.key);
            let value = match (ty.is_numeric(), &entry.value) {
                (true, part) => self
                    .number_part(e, Target::Value, part)
                    .map(ExpectedValue::Number),
                (false, ExpectPart::Name(n)) => self
                    .wrong_form(e, Target::Value, n.span)
                    .map(|_| ExpectedValue::Number(None)),
                (false, ExpectPart::Value(literal)) => {
                    let slot = Slot {
                        name: &definition.name,
                        ty,
                        nullable: true,
                        type_text: &ty.to_string(),
                        declared: definition.span,
                    };
                    match typed_value(&slot, literal) {
                        Ok(value) => Some(ExpectedValue::Exact(value)),
                        Err(problem) => {
                            self.problems.push(problem);
                            None
                        }
                    }
                }
            };
            match (key, value) {
                (Some(key), Some(value)) => expected.push((key, value)),
                _ => fine = false,
            }
        }
        fine.then_some(ExpectationKind::Value {
            value: id,
            expected,
        })
    }

    fn kpi(&mut self, e: &ast::Expectation, id: hir::KpiId) -> Option<ExpectationKind> {
        let kpi = &self.program.kpis[id.0];
        if let (Expected::Value(l), ExpectOp::Equals, 1) = (&e.value, e.op, kpi.groups.len()) {
            let value = self.number_part(e, Target::Kpi, &ExpectPart::Value(l.clone()))?;
            return Some(ExpectationKind::Kpi {
                kpi: id,
                expected: vec![(0, value)],
            });
        }
        let entries = self.map_entries(e, Target::Kpi)?;
        let program = self.program;
        let names: Vec<&str> = kpi.groups.iter().map(|g| program.group_name(g)).collect();
        let mut expected = Vec::with_capacity(entries.len());
        let mut fine = true;
        for entry in entries {
            let group = match &entry.key {
                ExpectPart::Name(n) => match names.iter().position(|g| *g == n.name) {
                    Some(index) => Some(index),
                    None => {
                        self.problems.push(TestDiagnostic::UnknownGroup {
                            name: kpi.name.clone(),
                            target: Target::Kpi,
                            group: n.name.clone(),
                            span: n.span,
                            candidates: similar(&n.name, names.iter().copied()),
                        });
                        None
                    }
                },
                ExpectPart::Value(l) => self.wrong_form(e, Target::Kpi, l.span).map(|_| 0),
            };
            let value = self.number_part(e, Target::Kpi, &entry.value);
            match (group, value) {
                (Some(group), Some(value)) => expected.push((group, value)),
                _ => fine = false,
            }
        }
        fine.then_some(ExpectationKind::Kpi { kpi: id, expected })
    }

    /// A number (or `null`) expected; `Some(None)` for `null`.
    fn number_part(
        &mut self,
        e: &ast::Expectation,
        target: Target,
        part: &ExpectPart,
    ) -> Option<Option<Approx>> {
        match part {
            ExpectPart::Value(l) if l.kind == LiteralKind::Null => Some(None),
            ExpectPart::Value(l) => match approx(&l.kind) {
                Some(a) => Some(Some(a)),
                None => self.wrong_form(e, target, l.span).map(|_| None),
            },
            ExpectPart::Name(n) => self.wrong_form(e, target, n.span).map(|_| None),
        }
    }

    fn key_part(&mut self, part: &ExpectPart) -> Option<Key> {
        match part {
            ExpectPart::Value(l) => self.key(l),
            ExpectPart::Name(n) => {
                self.wrong_key(Given::Name, n.span);
                None
            }
        }
    }

    /// A population key, of the key column's type.
    fn key(&mut self, literal: &ast::Literal) -> Option<Key> {
        let textual = self
            .program
            .population()
            .key_column()
            .is_some_and(|k| k.ty.is_textual());
        match (&literal.kind, textual) {
            (LiteralKind::Int(i), false) => Some(Key::Int(*i)),
            (LiteralKind::String(s), true) => Some(Key::Text(s.clone())),
            (kind, _) => {
                self.wrong_key(given(kind), literal.span);
                None
            }
        }
    }

    fn wrong_key(&mut self, given: Given, span: Span) {
        let population = self.program.population();
        if let Some(key) = population.key_column() {
            self.problems.push(TestDiagnostic::WrongType {
                column: format!("{}.{}", population.name, key.name),
                expected: key.type_text.clone(),
                given,
                span,
                declared: key.span,
            });
        }
    }
}

fn expected_span(value: &Expected) -> Span {
    match value {
        Expected::Value(l) => l.span,
        Expected::List { span, .. } | Expected::Map { span, .. } => *span,
    }
}

/// A number as expected: the tolerance is half a unit of its last digit.
fn approx(kind: &LiteralKind) -> Option<Approx> {
    let decimals = |text: &str| text.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
    Some(match kind {
        LiteralKind::Int(i) => Approx {
            value: *i as f64,
            tolerance: 0.5,
            percent: false,
        },
        LiteralKind::Float { value, text } => Approx {
            value: *value,
            tolerance: 0.5 * 10f64.powi(-decimals(text)),
            percent: false,
        },
        LiteralKind::Percent { value, text } => Approx {
            value: value / 100.0,
            tolerance: 0.5 * 10f64.powi(-decimals(text)) / 100.0,
            percent: true,
        },
        _ => return None,
    })
}

/// What a literal is, for messages.
fn given(kind: &LiteralKind) -> Given {
    match kind {
        LiteralKind::Int(_) => Given::Integer,
        LiteralKind::Float { .. } => Given::Number,
        LiteralKind::Percent { .. } => Given::Percent,
        LiteralKind::String(_) => Given::Text,
        LiteralKind::Bool(_) => Given::Bool,
        LiteralKind::Null => Given::Null,
        LiteralKind::Date(_) => Given::Date,
        LiteralKind::Timestamp(_) => Given::Timestamp,
        LiteralKind::Duration { .. } => Given::Duration,
    }
}

/// The value of `literal` in `column`, checked like a literal compared with the column.
fn value_of(column: &hir::Column, literal: &ast::Literal) -> Result<RowValue, TestDiagnostic> {
    let slot = Slot {
        name: &column.name,
        ty: &column.ty,
        nullable: column.nullable,
        type_text: &column.type_text,
        declared: column.span,
    };
    typed_value(&slot, literal)
}

/// Where a test value goes: a column of a source, or an `output let` whose value is expected.
struct Slot<'a> {
    name: &'a str,
    ty: &'a Type,
    nullable: bool,
    /// The type as written (or shown), for messages.
    type_text: &'a str,
    /// The column's (or the `let`'s) declaration.
    declared: Span,
}

/// `literal` as a value of `slot`'s type: the rules of rule literals (an integer is a float or
/// a decimal, a date a timestamp at midnight, an enum value one of those declared).
fn typed_value(slot: &Slot, literal: &ast::Literal) -> Result<RowValue, TestDiagnostic> {
    let column = slot;
    let wrong = || TestDiagnostic::WrongType {
        column: column.name.to_string(),
        expected: column.type_text.to_string(),
        given: given(&literal.kind),
        span: literal.span,
        declared: column.declared,
    };
    Ok(match (&column.ty, &literal.kind) {
        (_, LiteralKind::Null) if column.nullable => RowValue::Null,
        (_, LiteralKind::Null) => {
            return Err(TestDiagnostic::NullInRequired {
                column: column.name.to_string(),
                span: literal.span,
                declared: column.declared,
            });
        }
        (Type::Int, LiteralKind::Int(i)) => RowValue::Int(*i),
        (Type::Float, LiteralKind::Int(i)) => RowValue::Float(*i as f64),
        (Type::Float, LiteralKind::Float { value, .. }) => RowValue::Float(*value),
        (Type::Decimal { precision, scale }, LiteralKind::Int(i)) => {
            decimal(&i.to_string(), *precision, *scale).ok_or_else(wrong)?
        }
        (Type::Decimal { precision, scale }, LiteralKind::Float { text, .. }) => {
            decimal(text, *precision, *scale).ok_or_else(wrong)?
        }
        (Type::String, LiteralKind::String(s)) => RowValue::Text(s.clone()),
        (Type::Enum(def), LiteralKind::String(s)) if def.values.contains(s) => {
            RowValue::Text(s.clone())
        }
        (Type::Enum(def), LiteralKind::String(s)) => {
            return Err(TestDiagnostic::UnknownEnumValue {
                column: column.name.to_string(),
                value: s.clone(),
                span: literal.span,
                declared: def.span,
                candidates: similar(s, def.values.iter().map(String::as_str)),
            });
        }
        (Type::Bool, LiteralKind::Bool(b)) => RowValue::Bool(*b),
        (Type::Date, LiteralKind::Date(d)) => RowValue::Date(*d),
        (Type::Timestamp, LiteralKind::Timestamp(t)) => RowValue::Timestamp(*t),
        (Type::Timestamp, LiteralKind::Date(d)) => {
            RowValue::Timestamp(d.and_time(chrono::NaiveTime::MIN))
        }
        _ => return Err(wrong()),
    })
}

/// A decimal number written `text` (`-12.50`) as an integer of `scale` digits after the point,
/// when it fits `decimal(precision, scale)`.
fn decimal(text: &str, precision: u8, scale: i8) -> Option<RowValue> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let scale = usize::try_from(scale).ok()?;
    let whole = whole.trim_start_matches('0');
    if fraction.len() > scale || whole.len() + scale > usize::from(precision) {
        return None;
    }
    let padded = format!("{whole}{fraction:0<scale$}");
    let value: i128 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    Some(RowValue::Decimal(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_fit_their_declaration() {
        assert_eq!(decimal("12.5", 10, 2), Some(RowValue::Decimal(1250)));
        assert_eq!(decimal("-0.01", 10, 2), Some(RowValue::Decimal(-1)));
        assert_eq!(decimal("7", 3, 0), Some(RowValue::Decimal(7)));
        assert_eq!(decimal("1.234", 10, 2), None);
        assert_eq!(decimal("1000", 4, 2), None);
    }

    #[test]
    fn numbers_are_expected_to_their_last_digit() {
        let a = approx(&LiteralKind::Float {
            value: 903.58,
            text: "903.58".into(),
        })
        .unwrap();
        assert!(a.accepts(903.5833) && !a.accepts(903.59));
        let p = approx(&LiteralKind::Percent {
            value: 50.0,
            text: "50".into(),
        })
        .unwrap();
        assert!(p.accepts(0.504) && !p.accepts(0.51));
    }
}
