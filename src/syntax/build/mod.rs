//! Building the AST from pest pairs, one function per grammar rule.
//!
//! The grammar guarantees the shape of the pairs; should it ever not hold, the builder reports an
//! internal diagnostic instead of panicking. Items are built here, KPIs in `kpi`, expressions
//! and literals in `expr`.

mod expr;
mod kpi;
mod size_expect;
mod test_item;

pub(super) use expr::{balanced, binary, comparison, unary};

use pest::iterators::{Pair, Pairs};

use super::parser::Rule;
use crate::ast::*;
use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::span::Span;

/// The building of one item failed; the reason is already in the diagnostics.
pub(crate) struct Stop;

type Built<T> = Result<T, Stop>;

/// Builds AST nodes from the pairs of one chunk, whose text starts at `offset` in the file.
pub(crate) struct Builder<'d> {
    offset: usize,
    /// Whether the chunk may hold a comment (it has a `//`): without, spans only lose their
    /// trailing blanks.
    comments: bool,
    diagnostics: &'d mut Vec<Diagnostic>,
    /// Calls of [`Builder::expr`] under way.
    depth: usize,
    /// Whether an expression was nested deeper than [`MAX_BUILD_DEPTH`].
    too_deep: bool,
}

/// Nested calls of [`Builder::expr`] allowed: a few per level of the tree, so past this the
/// item is far deeper than later stages accept, and recursing on would overflow the stack
/// (`not not not …` nests without brackets).
pub(super) const MAX_BUILD_DEPTH: usize = 4096;

/// Building also stops with less native stack left than this (checked every
/// [`STACK_CHECK_EVERY`] levels): the caller's thread may have a small stack.
const MIN_STACK_LEFT: usize = 256 * 1024;

/// Levels of [`Builder::expr`] between two checks of the stack left.
const STACK_CHECK_EVERY: usize = 16;

impl Builder<'_> {
    /// Whether one more level of [`Builder::expr`] may be entered.
    pub(super) fn may_nest(&mut self) -> bool {
        let stack_low = self.depth.is_multiple_of(STACK_CHECK_EVERY)
            && stacker::remaining_stack().is_some_and(|left| left < MIN_STACK_LEFT);
        if self.depth >= MAX_BUILD_DEPTH || stack_low {
            self.too_deep = true;
        }
        !self.too_deep
    }
}

impl<'d> Builder<'d> {
    /// A builder for the chunk `text` at `offset`, reporting into `diagnostics`.
    pub(crate) fn new(offset: usize, text: &str, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Builder {
            offset,
            comments: text.contains("//"),
            diagnostics,
            depth: 0,
            too_deep: false,
        }
    }

    /// Whether building stopped at an expression nested too deeply.
    pub(crate) fn too_deep(&self) -> bool {
        self.too_deep
    }

    pub(super) fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        let text = span.as_str();
        let len = if self.comments {
            let after = pair.get_input().get(span.end()..).unwrap_or_default();
            super::chunks::trimmed_len(text, after)
        } else {
            super::chunks::trimmed_blank(text.as_bytes(), text.len())
        };
        let start = span.start() + self.offset;
        Span::new(start, start + len)
    }

    pub(super) fn report(&mut self, diagnostic: Diagnostic) -> Stop {
        self.diagnostics.push(diagnostic);
        Stop
    }

    /// A pair the grammar promised but is not there.
    pub(super) fn malformed(&mut self, span: Span, what: &str) -> Stop {
        self.report(Diagnostic::Internal(InternalDiagnostic::Invariant {
            span,
            broken: Invariant::MissingParse {
                what: what.to_string(),
            },
        }))
    }

    pub(super) fn next<'i>(
        &mut self,
        pairs: &mut Pairs<'i, Rule>,
        span: Span,
        what: &str,
    ) -> Built<Pair<'i, Rule>> {
        match pairs.next() {
            Some(p) => Ok(p),
            None => Err(self.malformed(span, what)),
        }
    }

    /// `item_chunk`: the one item of a chunk.
    pub(crate) fn item_chunk(&mut self, pair: Pair<'_, Rule>) -> Built<Item> {
        let span = self.span(&pair);
        let item = self.next(&mut pair.into_inner(), span, "item")?;
        let span = self.span(&item);
        let kind = match item.as_rule() {
            Rule::import_decl => ItemKind::Import(self.import_decl(item)?),
            Rule::source_decl => ItemKind::Source(self.source_decl(item)?),
            Rule::population_decl => ItemKind::Population(self.population_decl(item)?),
            Rule::let_decl => ItemKind::Let(self.let_decl(item)?),
            Rule::segment_decl => ItemKind::Segment(self.segment_decl(item)?),
            Rule::score_decl => ItemKind::Score(self.score_decl(item)?),
            Rule::tiers_decl => ItemKind::Tiers(self.tiers_decl(item)?),
            Rule::split_decl => ItemKind::Split(self.split_decl(item)?),
            Rule::kpi_decl => ItemKind::Kpi(self.kpi_decl(item)?),
            Rule::test_decl => ItemKind::Test(self.test_decl(item)?),
            _ => return Err(self.malformed(span, "item kind")),
        };
        Ok(Item { kind, span })
    }

    fn source_decl(&mut self, pair: Pair<'_, Rule>) -> Built<SourceDecl> {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_source | Rule::kw_from));
        let name = match inner.next() {
            Some(p) => self.ident(p),
            None => return Err(self.malformed(span, "source name")),
        };
        let format = match inner.next() {
            Some(p) => self.ident(p),
            None => return Err(self.malformed(span, "source format")),
        };
        let location = match inner.next() {
            Some(p) => self.string(p)?,
            None => return Err(self.malformed(span, "source location")),
        };
        let mut options = Vec::new();
        let mut columns = Vec::new();
        let mut dated_consents = Vec::new();
        let mut filter = None;
        let mut freshness = None;
        for p in inner {
            match p.as_rule() {
                Rule::source_options => options = self.source_options(p)?,
                Rule::freshness => freshness = Some(self.freshness(p)?),
                Rule::row_filter => filter = Some(self.row_filter(p)?),
                Rule::column_decl => columns.push(self.column_decl(p)?),
                Rule::dated_consent => dated_consents.push(self.dated_consent(p)?),
                _ => {}
            }
        }
        Ok(SourceDecl {
            name,
            format,
            location,
            options,
            freshness,
            filter,
            columns,
            dated_consents,
        })
    }

    /// `NAME: consent CHANNEL given COLUMN [withdrawn COLUMN]`.
    fn dated_consent(&mut self, pair: Pair<'_, Rule>) -> Built<DatedConsentDecl> {
        let span = self.span(&pair);
        let mut names = Vec::new();
        let mut withdrawn = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => names.push(self.ident(p)),
                Rule::consent_withdrawn => {
                    withdrawn = p
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::ident)
                        .map(|p| self.ident(p));
                }
                _ => {}
            }
        }
        let mut names = names.into_iter();
        match (names.next(), names.next(), names.next()) {
            (Some(name), Some(channel), Some(given)) => Ok(DatedConsentDecl {
                name,
                channel,
                given,
                withdrawn,
                span,
            }),
            _ => Err(self.malformed(span, "consent from dates")),
        }
    }

    /// `fresh within 2 days [by modified] [else warn]` on a source.
    fn freshness(&mut self, pair: Pair<'_, Rule>) -> Built<FreshnessDecl> {
        let span = self.span(&pair);
        let mut length = None;
        let mut warn = None;
        let mut by_modified = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::duration => length = Some(self.literal(p)?),
                Rule::fresh_by => by_modified = Some(self.span(&p)),
                Rule::fresh_warn => warn = Some(self.span(&p)),
                _ => {}
            }
        }
        let length = length.ok_or_else(|| self.malformed(span, "length after `fresh within`"))?;
        Ok(FreshnessDecl {
            length,
            by_modified,
            warn,
            span,
        })
    }

    /// `where expr` after a source's options or its population.
    fn row_filter(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::expr) {
            Some(p) => self.expr(p),
            None => Err(self.malformed(span, "condition after where")),
        }
    }

    fn source_options(&mut self, pair: Pair<'_, Rule>) -> Built<Vec<SourceOption>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::source_option)
            .map(|p| self.source_option(p))
            .collect()
    }

    fn source_option(&mut self, pair: Pair<'_, Rule>) -> Built<SourceOption> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span, "option name")?;
        let name = self.ident(name);
        let value = self.next(&mut inner, span, "option value")?;
        let value = self.literal(value)?;
        Ok(SourceOption { name, value, span })
    }

    fn column_decl(&mut self, pair: Pair<'_, Rule>) -> Built<ColumnDecl> {
        let span = self.span(&pair);
        let mut is_key = false;
        let mut is_partition = false;
        let mut is_event = false;
        let mut name = None;
        let mut ty = None;
        let mut nullable = false;
        let mut references = None;
        let mut derivation = None;
        let mut consent = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::key_mark => is_key = true,
                Rule::partition_mark => is_partition = true,
                Rule::event_mark => is_event = true,
                Rule::ident => name = Some(self.ident(p)),
                Rule::type_expr => ty = Some(self.type_expr(p)?),
                Rule::nullable_mark => nullable = true,
                Rule::references => references = Some(self.references(p)?),
                Rule::derivation => derivation = Some(self.derivation(p)?),
                Rule::consent_mark => consent = Some(self.consent_mark(p)?),
                _ => {}
            }
        }
        let (Some(name), Some(ty)) = (name, ty) else {
            return Err(self.malformed(span, "column name or type"));
        };
        Ok(ColumnDecl {
            is_key,
            is_partition,
            is_event,
            name,
            ty,
            nullable,
            references,
            derivation,
            consent,
            span,
        })
    }

    /// `consent CHANNEL`.
    fn consent_mark(&mut self, pair: Pair<'_, Rule>) -> Built<ConsentMark> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::ident) {
            Some(p) => Ok(ConsentMark {
                channel: self.ident(p),
                span,
            }),
            None => Err(self.malformed(span, "consent channel")),
        }
    }

    /// `audience CHANNEL [else warn]`.
    fn audience(&mut self, pair: Pair<'_, Rule>) -> Built<AudienceClause> {
        let span = self.span(&pair);
        let (mut channel, mut warn) = (None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => channel = Some(self.ident(p)),
                Rule::audience_warn => warn = Some(self.span(&p)),
                _ => {}
            }
        }
        match channel {
            Some(channel) => Ok(AudienceClause {
                channel,
                warn,
                span,
            }),
            None => Err(self.malformed(span, "audience channel")),
        }
    }

    fn derivation(&mut self, pair: Pair<'_, Rule>) -> Built<Derivation> {
        let span = self.span(&pair);
        let mut names = pair.into_inner().filter(|p| p.as_rule() == Rule::ident);
        match (names.next(), names.next()) {
            (Some(function), Some(column)) => Ok(Derivation {
                function: self.ident(function),
                column: self.ident(column),
                span,
            }),
            _ => Err(self.malformed(span, "a function of a column")),
        }
    }

    fn references(&mut self, pair: Pair<'_, Rule>) -> Built<Ident> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::ident) {
            Some(p) => Ok(self.ident(p)),
            None => Err(self.malformed(span, "referenced source")),
        }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Built<TypeExpr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span, "type name")?;
        let name = self.ident(name);
        let (mut element, mut args) = (None, None);
        for part in inner {
            match part.as_rule() {
                Rule::type_element => {
                    let item = self.next(&mut part.into_inner(), span, "item type")?;
                    element = Some(Box::new(self.type_expr(item)?));
                }
                _ => {
                    let literals = part.into_inner().map(|p| self.literal(p));
                    args = Some(literals.collect::<Built<Vec<_>>>()?);
                }
            }
        }
        Ok(TypeExpr {
            name,
            element,
            args,
            span,
        })
    }

    fn population_decl(&mut self, pair: Pair<'_, Rule>) -> Built<PopulationDecl> {
        let span = self.span(&pair);
        let (mut name, mut future, mut filter) = (None, None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::including_future => future = Some(self.span(&p)),
                Rule::row_filter => filter = Some(self.row_filter(p)?),
                _ => {}
            }
        }
        match name {
            Some(name) => Ok(PopulationDecl {
                name,
                future,
                filter,
            }),
            None => Err(self.malformed(span, "population name")),
        }
    }

    fn import_decl(&mut self, pair: Pair<'_, Rule>) -> Built<StringLit> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::string) {
            Some(p) => self.string(p),
            None => Err(self.malformed(span, "imported path")),
        }
    }

    fn let_decl(&mut self, pair: Pair<'_, Rule>) -> Built<LetDecl> {
        let span = self.span(&pair);
        let (mut name, mut label, mut output, mut value) = (None, None, None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::output_mark => output = Some(self.span(&p)),
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::expr => value = Some(self.expr(p)?),
                _ => {}
            }
        }
        let (Some(name), Some(value)) = (name, value) else {
            return Err(self.malformed(span, "let name or value"));
        };
        Ok(LetDecl {
            name,
            label,
            output,
            value,
        })
    }

    fn segment_decl(&mut self, pair: Pair<'_, Rule>) -> Built<SegmentDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut condition = None;
        let mut holdout = None;
        let mut audience = None;
        let mut expectations = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::expr => condition = Some(self.expr(p)?),
                Rule::holdout => holdout = Some(self.holdout(p)?),
                Rule::audience => audience = Some(self.audience(p)?),
                Rule::size_expect => expectations.push(self.size_expect(p)?),
                _ => {}
            }
        }
        let (Some(name), Some(condition)) = (name, condition) else {
            return Err(self.malformed(span, "segment name or condition"));
        };
        Ok(SegmentDecl {
            name,
            label,
            condition,
            holdout,
            audience,
            expectations,
        })
    }

    fn holdout(&mut self, pair: Pair<'_, Rule>) -> Built<Holdout> {
        let span = self.span(&pair);
        let mut share = None;
        let mut seed = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::percent => share = Some(self.literal(p)?),
                Rule::string => seed = Some(self.string(p)?),
                _ => {}
            }
        }
        let (Some(share), Some(seed)) = (share, seed) else {
            return Err(self.malformed(span, "holdout share or seed"));
        };
        Ok(Holdout { share, seed, span })
    }

    fn split_decl(&mut self, pair: Pair<'_, Rule>) -> Built<SplitDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut strings = Vec::new();
        let mut base = None;
        let mut groups = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => strings.push(self.string(p)?),
                Rule::expr => base = Some(self.expr(p)?),
                Rule::split_group => groups.push(self.split_group(p)?),
                _ => {}
            }
        }
        // The seed is the last string; a label, if any, comes before it.
        let seed = strings.pop();
        let label = strings.pop();
        let (Some(name), Some(base), Some(seed)) = (name, base, seed) else {
            return Err(self.malformed(span, "split name, members or seed"));
        };
        Ok(SplitDecl {
            name,
            label,
            base,
            groups,
            seed,
        })
    }

    fn split_group(&mut self, pair: Pair<'_, Rule>) -> Built<SplitGroup> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span, "group name")?;
        let name = self.ident(name);
        let share = self.next(&mut inner, span, "group share")?;
        let share = self.literal(share)?;
        Ok(SplitGroup { name, share })
    }

    fn score_decl(&mut self, pair: Pair<'_, Rule>) -> Built<ScoreDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut rules = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::score_rule => rules.push(self.score_rule(p)?),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "score name"));
        };
        Ok(ScoreDecl { name, label, rules })
    }

    fn score_rule(&mut self, pair: Pair<'_, Rule>) -> Built<ScoreRule> {
        let span = self.span(&pair);
        let mut points = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::points => {
                    let points_span = self.span(&p);
                    let text = p.as_str();
                    let negative = text.starts_with('-');
                    let kind = self.number(&text[1..], points_span)?;
                    let kind = match (kind, negative) {
                        (LiteralKind::Int(i), true) => LiteralKind::Int(-i),
                        (LiteralKind::Float { value, text }, true) => LiteralKind::Float {
                            value: -value,
                            text: format!("-{text}"),
                        },
                        (kind, false) => kind,
                        (other, true) => other,
                    };
                    points = Some(Points::Fixed(Literal {
                        kind,
                        span: points_span,
                    }));
                }
                Rule::points_value => {
                    let points_span = self.span(&p);
                    let negative = p.as_str().starts_with('-');
                    let Some(value) = p.into_inner().find(|v| v.as_rule() != Rule::points_sign)
                    else {
                        return Err(self.malformed(points_span, "score points"));
                    };
                    points = Some(Points::Value {
                        negative,
                        value: self.expr(value)?,
                        span: points_span,
                    });
                }
                Rule::expr => condition = Some(self.expr(p)?),
                _ => {}
            }
        }
        let (Some(points), Some(condition)) = (points, condition) else {
            return Err(self.malformed(span, "score rule"));
        };
        Ok(ScoreRule {
            points,
            condition,
            span,
        })
    }

    fn tiers_decl(&mut self, pair: Pair<'_, Rule>) -> Built<TiersDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut arms = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::tier_arm => arms.push(self.tier_arm(p)?),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "tiers name"));
        };
        Ok(TiersDecl { name, label, arms })
    }

    fn tier_arm(&mut self, pair: Pair<'_, Rule>) -> Built<TierArm> {
        let span = self.span(&pair);
        let mut name = None;
        let mut condition = None;
        let mut expectations = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::expr => condition = Some(self.expr(p)?),
                Rule::size_expect => expectations.push(self.size_expect(p)?),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "tier name"));
        };
        Ok(TierArm {
            name,
            condition,
            expectations,
            span,
        })
    }
}
