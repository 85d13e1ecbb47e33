//! Building `test` items from pest pairs, one function per grammar rule.

use pest::iterators::Pair;

use super::super::parser::Rule;
use super::{Builder, Built};
use crate::ast::*;

impl Builder<'_> {
    /// `test_decl`: `test NAME as_of @DATE { clauses }`.
    pub(super) fn test_decl(&mut self, pair: Pair<'_, Rule>) -> Built<TestDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut as_of = None;
        let mut clauses = Vec::new();
        for p in pair.into_inner() {
            let clause_span = self.span(&p);
            let kind = match p.as_rule() {
                Rule::ident => {
                    name = Some(self.ident(p));
                    continue;
                }
                Rule::date_lit => {
                    as_of = Some(self.literal(p)?);
                    continue;
                }
                Rule::test_rows => self.test_rows(p)?,
                Rule::test_csv => self.test_file(p)?,
                Rule::test_expect => TestClauseKind::Expect(self.test_expect(p)?),
                _ => continue,
            };
            clauses.push(TestClause {
                kind,
                span: clause_span,
            });
        }
        let (Some(name), Some(as_of)) = (name, as_of) else {
            return Err(self.malformed(span, "test name or date"));
        };
        Ok(TestDecl {
            name,
            as_of,
            clauses,
        })
    }

    /// `test_rows`: `source [ {row} ... ]`.
    fn test_rows(&mut self, pair: Pair<'_, Rule>) -> Built<TestClauseKind> {
        let span = self.span(&pair);
        let mut source = None;
        let mut rows = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => source = Some(self.ident(p)),
                Rule::test_row => rows.push(self.test_row(p)?),
                _ => {}
            }
        }
        let Some(source) = source else {
            return Err(self.malformed(span, "source of rows"));
        };
        Ok(TestClauseKind::Rows { source, rows })
    }

    /// `test_row`: `{ column: value, ... }`.
    fn test_row(&mut self, pair: Pair<'_, Rule>) -> Built<TestRow> {
        let span = self.span(&pair);
        let mut fields = Vec::new();
        for field in pair.into_inner() {
            let field_span = self.span(&field);
            let mut inner = field.into_inner();
            let column = self.next(&mut inner, field_span, "row column")?;
            let column = self.ident(column);
            let value = self.next(&mut inner, field_span, "row value")?;
            let value = self.test_value(value)?;
            fields.push(RowField { column, value });
        }
        Ok(TestRow { fields, span })
    }

    /// `test_csv`: `source from FORMAT "path"`.
    fn test_file(&mut self, pair: Pair<'_, Rule>) -> Built<TestClauseKind> {
        let span = self.span(&pair);
        let mut names = Vec::with_capacity(2);
        let mut path = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => names.push(self.ident(p)),
                Rule::string => path = Some(self.string(p)?),
                _ => {}
            }
        }
        let mut names = names.into_iter();
        let (Some(source), Some(format), Some(path)) = (names.next(), names.next(), path) else {
            return Err(self.malformed(span, "file of rows"));
        };
        Ok(TestClauseKind::File {
            source,
            format,
            path,
        })
    }

    /// `test_value`: a literal, numbers signed.
    fn test_value(&mut self, pair: Pair<'_, Rule>) -> Built<Literal> {
        let span = self.span(&pair);
        let inner = self.next(&mut pair.into_inner(), span, "value")?;
        match inner.as_rule() {
            Rule::signed_number => self.kpi_number(inner),
            _ => self.literal(inner),
        }
    }

    /// `test_expect`: `expect NAME OP value`.
    fn test_expect(&mut self, pair: Pair<'_, Rule>) -> Built<Expectation> {
        let span = self.span(&pair);
        let mut target = None;
        let mut op = None;
        let mut value = None;
        for p in pair.into_inner() {
            let part_span = self.span(&p);
            match p.as_rule() {
                Rule::ident => target = Some(self.ident(p)),
                Rule::expect_op => {
                    let kind = match p.as_str().trim() {
                        "contains" => ExpectOp::Contains,
                        "excludes" => ExpectOp::Excludes,
                        _ => ExpectOp::Equals,
                    };
                    op = Some((kind, part_span));
                }
                Rule::test_value => value = Some(Expected::Value(self.test_value(p)?)),
                Rule::expect_list => {
                    let mut items = Vec::new();
                    for item in p.into_inner() {
                        items.push(self.test_value(item)?);
                    }
                    value = Some(Expected::List {
                        items,
                        span: part_span,
                    });
                }
                Rule::expect_map => {
                    let mut entries = Vec::new();
                    for entry in p.into_inner() {
                        entries.push(self.expect_entry(entry)?);
                    }
                    value = Some(Expected::Map {
                        entries,
                        span: part_span,
                    });
                }
                _ => {}
            }
        }
        let (Some(target), Some((op, op_span)), Some(value)) = (target, op, value) else {
            return Err(self.malformed(span, "expectation"));
        };
        Ok(Expectation {
            target,
            op,
            op_span,
            value,
        })
    }

    /// `expect_entry`: `key: value`.
    fn expect_entry(&mut self, pair: Pair<'_, Rule>) -> Built<ExpectEntry> {
        let span = self.span(&pair);
        let mut parts = Vec::with_capacity(2);
        for part in pair.into_inner() {
            let part_span = self.span(&part);
            let inner = self.next(&mut part.into_inner(), part_span, "entry part")?;
            parts.push(match inner.as_rule() {
                Rule::ident => ExpectPart::Name(self.ident(inner)),
                _ => ExpectPart::Value(self.test_value(inner)?),
            });
        }
        let mut parts = parts.into_iter();
        let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
            return Err(self.malformed(span, "entry"));
        };
        Ok(ExpectEntry { key, value, span })
    }
}
