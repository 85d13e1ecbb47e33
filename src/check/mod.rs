//! [`ast::Program`] to typed [`hir::Program`]: resolves names, infers types, finds cycles.
//!
//! The checker reports every problem it finds and keeps going: an unknown name or a bad type gets
//! [`Type::Error`], which is accepted everywhere, so one mistake yields one diagnostic. Items that
//! failed to parse are known by name only and references to them stay quiet.

mod aggregates;
mod compare;
mod consent;
mod cycles;
mod expr;
mod functions;
mod imports;
mod kpi_targets;
mod kpis;
mod lints;
mod lists;
mod lookups;
mod measures;
mod nesting;
mod quantiles;
mod reach;
mod rule_tests;
mod rules;
mod sizes;
mod sources;
mod tiers;
mod time;
mod values;

use foldhash::{HashMap, HashSet};

use crate::ast::{self, ItemKind};
use crate::diagnostics::{
    Diagnostic, NameDiagnostic, NameKind, Sink, SourceDiagnostic, TypeDiagnostic,
};
use crate::hir::{self, DefId, LetId, OutputId, ScoreId, SegmentId, SourceId, TiersId};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

pub use lints::LintLevels;
pub use reach::{Keyer, negation, proves_implication};

/// The outcome of checking: the typed program when there was no error, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The typed program, present when no diagnostic is an error.
    pub program: Option<hir::Program>,
    /// All diagnostics, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks a parsed program. `syntax_diagnostics` are those of the parse; when any is present, no
/// HIR is produced, but the rest of the file is still checked so all problems show at once.
pub fn check(program: &ast::Program, syntax_diagnostics: &[Diagnostic]) -> Checked {
    check_with(program, syntax_diagnostics, &Settings::default())
}

/// What a project says about checking a file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Lint levels.
    pub lints: LintLevels,
    /// The extent of the checked file when `program` also holds imported declarations: lints
    /// only report findings inside it (`None`: the whole program is the file's).
    pub home: Option<Span>,
    /// Whether a KPI baseline file is known (named by the project or on the command line);
    /// `Some(false)` lints relative targets, `None` (not known) does not.
    pub baseline: Option<bool>,
}

/// [`check`] with the settings of a project: lints run on files without errors, then every
/// lint's warning is dropped, kept or made an error by its level (see `lints`).
pub fn check_with(
    program: &ast::Program,
    syntax_diagnostics: &[Diagnostic],
    settings: &Settings,
) -> Checked {
    // Consents from dates are checked as the `let`s they are.
    let with_lets = consent::dated_lets(program);
    let program = with_lets.as_ref().unwrap_or(program);
    let mut checker = Checker::default();
    checker.sink.extend(syntax_diagnostics.iter().cloned());
    checker.home = settings.home;
    checker.declare_sources(program);
    checker.choose_population(program);
    checker.imports_on_demand = own_population(program, settings.home);
    checker.declare_definitions(program);
    checker.check_row_filters(program);
    checker.check_definitions();
    checker.sink.extend(consent::channels(program));
    checker.report_cycles();
    let has_errors = checker.sink.has_errors();
    let mut diagnostics = std::mem::take(&mut checker.sink).into_sorted();
    // An import that could not be read may have declared any name: unknown names would only
    // repeat its diagnostic.
    let import_missing = syntax_diagnostics.iter().any(|d| {
        matches!(
            d,
            Diagnostic::Import(crate::diagnostics::ImportDiagnostic::Unreadable { .. })
        )
    });
    if import_missing {
        diagnostics.retain(|d| {
            !matches!(
                d,
                Diagnostic::Names(NameDiagnostic::UnknownName { .. })
                    | Diagnostic::Sources(SourceDiagnostic::NoSource)
            )
        });
    }
    let mut checked = (!has_errors).then(|| checker.finish());
    if let Some(hir) = &mut checked {
        let (tests, problems) = rule_tests::check_tests(hir, program);
        hir.tests = tests;
        diagnostics.extend(problems);
        diagnostics.extend(lints::findings(hir, program, settings));
        diagnostics.extend(nesting::contradictions(hir));
        diagnostics.extend(consent::check(hir, program));
    }
    let diagnostics = lints::apply_levels(diagnostics, program, &settings.lints);
    let denied = diagnostics
        .iter()
        .any(|d| d.severity() == crate::diagnostics::Severity::Error);
    Checked {
        program: checked.filter(|_| !denied),
        diagnostics,
    }
}

/// The file's extent when it declares its own `population` and imports declarations: the
/// imported `let`s were written for the population of their file, and are checked when used.
fn own_population(program: &ast::Program, home: Option<Span>) -> Option<Span> {
    let home = home?;
    let inside = |span: Span| span.start >= home.start && span.start <= home.end;
    let imports = program.items.iter().any(|i| !inside(i.span));
    let declares = program
        .items
        .iter()
        .any(|i| matches!(i.kind, ItemKind::Population(_)) && inside(i.span));
    (imports && declares).then_some(home)
}

/// Whether a column of type `column` can hold values of a key of type `key`.
fn references_fit(column: &Type, key: &Type) -> bool {
    column.is_unconstrained()
        || key.is_unconstrained()
        || (column.is_textual() && key.is_textual())
        || column == key
}

/// What a plain name in an expression refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Binding {
    /// A column of the population (index).
    Column(usize),
    /// A `let`.
    Let(LetId),
    /// A segment.
    Segment(SegmentId),
    /// A score.
    Score(ScoreId),
    /// Tiers.
    Tiers(TiersId),
    /// Something that failed to parse or check; references stay quiet.
    Poisoned,
}

/// Where names are being resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Scope {
    /// Per member of the population: columns, `let`s, segments.
    #[default]
    Population,
    /// Inside an aggregate over this source: its columns.
    Related(SourceId),
}

#[derive(Debug, Clone)]
enum LetState {
    Pending,
    InProgress,
    Done(hir::Expr),
}

#[derive(Default)]
struct Checker<'a> {
    sink: Sink,
    sources: Vec<hir::Source>,
    source_ids: HashMap<String, SourceId>,
    broken_sources: HashSet<String>,
    population: Option<SourceId>,
    /// The population is unknown or broken: names cannot be checked.
    population_poisoned: bool,
    names: HashMap<String, (Binding, Span)>,
    /// `names` and `as_of`, for suggestions (built at the first unknown name, again when names
    /// were declared since: they are only added).
    suggested_names: Option<crate::suggest::Names>,
    /// Each source's columns, for suggestions (built at its first unknown column): a source of
    /// 20,000 columns with thousands of unknown ones compared each with every column.
    suggested_columns: HashMap<SourceId, crate::suggest::Names>,
    lets: Vec<&'a ast::LetDecl>,
    let_states: Vec<LetState>,
    segments: Vec<&'a ast::SegmentDecl>,
    segment_conditions: Vec<Option<hir::Expr>>,
    /// Definition being checked, to record dependency edges.
    current: Option<DefId>,
    /// Dependencies of each definition, with the span of the reference.
    edges: HashMap<DefId, Vec<(DefId, Span)>>,
    /// Where names are resolved.
    scope: Scope,
    /// Aggregates found so far.
    aggregates: Vec<hir::Aggregate>,
    /// Segments generated by `holdout` clauses (ids follow the declared segments).
    holdouts: Vec<tiers::HoldoutSegment>,
    scores: Vec<&'a ast::ScoreDecl>,
    score_types: Vec<Type>,
    checked_scores: Vec<Option<hir::Score>>,
    /// Constant `let`s whose value stood where they were named.
    inlined_lets: HashSet<LetId>,
    /// Scores being checked (a score with value points is checked when first named).
    scores_in_progress: HashSet<ScoreId>,
    tiers: Vec<tiers::TiersEntry<'a>>,
    tier_values: Vec<std::sync::Arc<crate::types::EnumDef>>,
    checked_tiers: Vec<Option<hir::Tiers>>,
    /// Segments, scores, tiers and `output let`s in file order.
    outputs: Vec<OutputId>,
    /// Quantiles found so far (`None` while being checked, or when the check failed).
    quantiles: Vec<Option<hir::Quantile>>,
    /// KPIs as declared, in file order.
    kpis: Vec<&'a ast::KpiDecl>,
    /// KPI names (their own namespace) and where they are declared.
    kpi_names: HashMap<String, Span>,
    /// Checked KPIs (`None` when the check failed).
    checked_kpis: Vec<Option<hir::Kpi>>,
    /// The paths of references followed by lookups and aggregates, each once.
    paths: Vec<hir::Path>,
    /// Tier names reported as also naming another definition (`TierNameTaken`): not warned
    /// about again.
    tier_names_reported: HashSet<String>,
    /// The file's extent when imported `let`s are checked only when used (see
    /// `own_population`).
    imports_on_demand: Option<Span>,
    /// The checked file's extent, when the program also holds imported declarations.
    home: Option<Span>,
    /// The checked `expect` clauses of segments and tier arms.
    expectations: Vec<hir::SizeExpectation>,
    /// Every definition a checked expression names (imported ones are checked when named, see
    /// `imports`).
    referenced: Vec<DefId>,
    /// The source whose `where` (or the population's) is being checked.
    row_filter_of: Option<SourceId>,
    /// The population's rows: its `where` and event cut (`time`); `Some(None)` once looked at.
    population_filter: Option<Option<hir::Expr>>,
    /// The sources whose rows some aggregate or the population cuts at `as_of`.
    dated: std::collections::BTreeSet<SourceId>,
}

const AS_OF: &str = "as_of";

/// The aggregates a KPI value can use over the members of a group.
pub const MEASURE_NAMES: &[&str] = &[
    "count",
    "share",
    "rate",
    "sum",
    "avg",
    "min",
    "max",
    "median",
    "percentile",
    "nps",
];

impl<'a> Checker<'a> {
    fn declare_sources(&mut self, program: &ast::Program) {
        for item in &program.items {
            match &item.kind {
                ItemKind::Source(decl) => {
                    let source = sources::check_source(decl, &mut self.sink);
                    if let Some(first) = self.source_ids.get(&decl.name.name) {
                        let first = self.sources[first.0].span;
                        self.duplicate_name(
                            NameKind::Source,
                            &decl.name.name,
                            first,
                            decl.name.span,
                        );
                        continue;
                    }
                    self.source_ids
                        .insert(decl.name.name.clone(), SourceId(self.sources.len()));
                    self.sources.push(source);
                }
                ItemKind::Broken(broken) if broken.keyword.as_deref() == Some("source") => {
                    if let Some(name) = &broken.name {
                        self.broken_sources.insert(name.name.clone());
                    }
                }
                _ => {}
            }
        }
        // Foreign keys, now that every source is known.
        for item in &program.items {
            let ItemKind::Source(decl) = &item.kind else {
                continue;
            };
            let Some(&id) = self.source_ids.get(&decl.name.name) else {
                continue;
            };
            for column in &decl.columns {
                let Some(target) = &column.references else {
                    continue;
                };
                let resolved = self.resolve_source(target);
                if let Some(target_id) = resolved
                    && self.sources[target_id.0].key.is_none()
                    && !self.sources[target_id.0].columns.is_empty()
                {
                    self.sink
                        .push(Diagnostic::Sources(SourceDiagnostic::ReferenceWithoutKey {
                            column: column.name.name.clone(),
                            source: target.name.clone(),
                            span: target.span,
                            source_span: self.sources[target_id.0].span,
                        }));
                }
                if let Some(target_id) = resolved
                    && let Some(key) = self.sources[target_id.0].key_column()
                    && let Some(c) = self.sources[id.0].column(&column.name.name)
                    && !references_fit(&c.ty, &key.ty)
                {
                    self.sink
                        .push(Diagnostic::Sources(SourceDiagnostic::ReferenceType {
                            column: column.name.name.clone(),
                            declared: c.type_text.clone(),
                            key: format!("{}.{}", self.sources[target_id.0].name, key.name),
                            key_type: key.type_text.clone(),
                            span: column.ty.span,
                            key_span: key.span,
                        }));
                }
                if let Some(c) = self.sources[id.0]
                    .columns
                    .iter_mut()
                    .find(|c| c.name == column.name.name)
                {
                    c.references = resolved;
                }
            }
        }
    }

    /// The source named by `name`, reporting it when unknown.
    fn resolve_source(&mut self, name: &ast::Ident) -> Option<SourceId> {
        if let Some(id) = self.source_ids.get(&name.name) {
            return Some(*id);
        }
        if !self.broken_sources.contains(&name.name) {
            let candidates = similar(&name.name, self.source_ids.keys().map(String::as_str));
            self.sink
                .push(Diagnostic::Names(NameDiagnostic::UnknownName {
                    kind: NameKind::Source,
                    name: name.name.clone(),
                    span: name.span,
                    candidates,
                }));
        }
        None
    }

    fn choose_population(&mut self, program: &ast::Program) {
        let mut declared: Option<(&ast::Ident, Span)> = None;
        for item in &program.items {
            match &item.kind {
                ItemKind::Population(population) => {
                    if let Some((_, first)) = declared {
                        self.sink.push(Diagnostic::Sources(
                            SourceDiagnostic::DuplicatePopulation {
                                first,
                                second: item.span,
                            },
                        ));
                    } else {
                        declared = Some((&population.name, item.span));
                    }
                }
                ItemKind::Broken(b) if b.keyword.as_deref() == Some("population") => {
                    self.population_poisoned = true;
                }
                _ => {}
            }
        }
        self.population = match declared {
            Some((name, _)) => self.resolve_source(name),
            None if self.population_poisoned => None,
            None => match (self.sources.len(), self.broken_sources.is_empty()) {
                (1, true) => Some(SourceId(0)),
                (0, true) => {
                    self.sink
                        .push(Diagnostic::Sources(SourceDiagnostic::NoSource));
                    None
                }
                (0, false) => None,
                _ => {
                    let span = self.sources.first().map(|s| s.span).unwrap_or_default();
                    self.sink
                        .push(Diagnostic::Sources(SourceDiagnostic::MissingPopulation {
                            span,
                        }));
                    None
                }
            },
        };
        match self.population {
            None => self.population_poisoned = true,
            Some(id) => {
                let source = &self.sources[id.0];
                if source.key.is_none() && !source.columns.is_empty() {
                    self.sink
                        .push(Diagnostic::Sources(SourceDiagnostic::MissingKey {
                            source: source.name.clone(),
                            span: source.span,
                        }));
                }
                for (i, column) in source.columns.iter().enumerate() {
                    self.names
                        .insert(column.name.clone(), (Binding::Column(i), column.span));
                }
            }
        }
    }

    fn declare_definitions(&mut self, program: &'a ast::Program) {
        let declared_segments = program
            .items
            .iter()
            .filter(|i| matches!(i.kind, ItemKind::Segment(_)))
            .count();
        for item in &program.items {
            let (name, binding, kind) = match &item.kind {
                ItemKind::Let(decl) => {
                    let id = LetId(self.lets.len());
                    self.lets.push(decl);
                    self.let_states.push(LetState::Pending);
                    self.declare_output_let(id);
                    (&decl.name, Binding::Let(id), NameKind::Let)
                }
                ItemKind::Segment(decl) => {
                    let id = SegmentId(self.segments.len());
                    self.segments.push(decl);
                    self.segment_conditions.push(None);
                    self.outputs.push(OutputId::Segment(id));
                    if let Some(holdout) = &decl.holdout {
                        self.declare_holdout(decl, holdout, declared_segments);
                    }
                    (&decl.name, Binding::Segment(id), NameKind::Segment)
                }
                ItemKind::Split(decl) => {
                    let id = self.declare_split(decl);
                    (&decl.name, Binding::Tiers(id), NameKind::Tiers)
                }
                ItemKind::Score(decl) => {
                    let id = self.declare_score(decl);
                    (&decl.name, Binding::Score(id), NameKind::Score)
                }
                ItemKind::Tiers(decl) => {
                    let id = self.declare_tiers(decl);
                    (&decl.name, Binding::Tiers(id), NameKind::Tiers)
                }
                ItemKind::Kpi(decl) => {
                    self.declare_kpi(decl);
                    continue;
                }
                ItemKind::Broken(b) => {
                    if let (Some(name), Some("let" | "output" | "segment" | "score" | "tiers")) =
                        (&b.name, b.keyword.as_deref())
                    {
                        self.names
                            .entry(name.name.clone())
                            .or_insert((Binding::Poisoned, name.span));
                    }
                    continue;
                }
                _ => continue,
            };
            if name.name == AS_OF {
                self.sink
                    .push(Diagnostic::Names(NameDiagnostic::ReservedName {
                        name: name.name.clone(),
                        span: name.span,
                    }));
                continue;
            }
            if let Some(&(_, first)) = self.names.get(&name.name) {
                self.duplicate_name(kind, &name.name, first, name.span);
                continue;
            }
            self.names.insert(name.name.clone(), (binding, name.span));
        }
    }

    fn check_definitions(&mut self) {
        for i in 0..self.lets.len() {
            let span = self.lets[i].name.span;
            let imported = self
                .imports_on_demand
                .is_some_and(|home| span.start < home.start || span.start > home.end);
            if !imported {
                self.check_let(LetId(i));
            }
        }
        for i in 0..self.segments.len() {
            if !self.on_demand(self.segments[i].name.span) {
                self.check_segment(i);
            }
        }
        for i in 0..self.scores.len() {
            if !self.on_demand(self.scores[i].name.span) {
                self.check_score(ScoreId(i));
            }
        }
        for i in 0..self.tiers.len() {
            if !self.on_demand(self.tiers[i].name().span) {
                self.check_tiers(TiersId(i));
            }
        }
        self.check_size_expectations();
        self.check_kpis();
        self.check_used_imports();
        self.check_output_lets();
        self.report_tier_shadowing();
        self.report_calendar_lengths();
    }

    /// Checks the segment declared `i`-th (and its holdout).
    fn check_segment(&mut self, i: usize) {
        let decl = self.segments[i];
        let id = SegmentId(i);
        let outer = self.current.replace(DefId::Segment(id));
        let condition = self.expr(&decl.condition);
        self.current = outer;
        if !matches!(condition.ty, Type::Bool | Type::Error) {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected: "a condition (bool)",
                    found: condition.ty.clone(),
                    span: condition.span,
                    context: crate::diagnostics::Context::SegmentCondition(decl.name.name.clone()),
                }));
        }
        let condition = match &decl.holdout {
            Some(holdout) => self.split_holdout(id, condition, holdout),
            None => condition,
        };
        self.segment_conditions[i] = Some(condition);
    }

    /// A duration in months or years only makes sense added to or subtracted from a date (where it
    /// became part of a `Shift`); anywhere else it would need a fixed length it does not have.
    fn report_calendar_lengths(&mut self) {
        let mut spans = Vec::new();
        let mut look = |e: &hir::Expr| {
            e.visit(&mut |node| {
                if let hir::ExprKind::Literal(hir::Value::Duration(
                    hir::DurationValue::Calendar { .. },
                )) = node.kind
                {
                    spans.push(node.span);
                }
            })
        };
        for state in &self.let_states {
            // A constant literal (`let window = 12 months`) stands where it is named, and is
            // looked at there.
            if let LetState::Done(value) = state
                && !matches!(value.kind, hir::ExprKind::Literal(_))
            {
                look(value);
            }
        }
        for condition in self.segment_conditions.iter().flatten() {
            look(condition);
        }
        for score in self.checked_scores.iter().flatten() {
            score
                .rules
                .iter()
                .flat_map(|r| std::iter::once(&r.condition).chain(&r.value))
                .for_each(&mut look);
        }
        for tiers in self.checked_tiers.iter().flatten() {
            tiers
                .arms
                .iter()
                .filter_map(|a| a.condition.as_ref())
                .for_each(&mut look);
        }
        for aggregate in &self.aggregates {
            [&aggregate.argument, &aggregate.filter, &aggregate.order_by]
                .into_iter()
                .flatten()
                .for_each(&mut look);
        }
        for quantile in self.quantiles.iter().flatten() {
            look(&quantile.value);
        }
        for kpi in self.checked_kpis.iter().flatten() {
            for measure in kpi.value.measures() {
                [&measure.value, &measure.filter]
                    .into_iter()
                    .flatten()
                    .for_each(&mut look);
            }
        }
        spans.sort();
        spans.dedup();
        for span in spans {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::CalendarDuration { span }));
        }
    }

    /// Checks a `let` (once), returning its value's type and nullability.
    fn check_let(&mut self, id: LetId) -> (Type, bool) {
        match &self.let_states[id.0] {
            LetState::Done(e) => return (e.ty.clone(), e.nullable),
            // A cycle: reported by `report_cycles`.
            LetState::InProgress => return (Type::Error, true),
            LetState::Pending => {}
        }
        self.let_states[id.0] = LetState::InProgress;
        let decl = self.lets[id.0];
        let outer = self.current.replace(DefId::Let(id));
        let scope = std::mem::take(&mut self.scope);
        let value = match &decl.value.kind {
            ast::ExprKind::List(items) => self.list_value(items, decl.value.span),
            _ => self.expr(&decl.value),
        };
        self.scope = scope;
        self.current = outer;
        let result = (value.ty.clone(), value.nullable);
        self.let_states[id.0] = LetState::Done(value);
        result
    }

    fn record_edge(&mut self, to: DefId, span: Span) {
        self.referenced.push(to);
        if let Some(from) = self.current {
            self.edges.entry(from).or_default().push((to, span));
        }
    }

    fn def_name(&self, def: DefId) -> (String, Span) {
        let name = match def {
            DefId::Let(id) => &self.lets[id.0].name,
            DefId::Segment(id) if id.0 >= self.segments.len() => {
                let h = &self.holdouts[id.0 - self.segments.len()];
                return (h.name.clone(), h.span);
            }
            DefId::Segment(id) => &self.segments[id.0].name,
            DefId::Score(id) => &self.scores[id.0].name,
            DefId::Tiers(id) => self.tiers[id.0].name(),
            DefId::Quantile(id) => {
                let span = self.quantiles[id.0]
                    .as_ref()
                    .map_or_else(Span::default, |q| q.span);
                return ("a quantile".to_string(), span);
            }
        };
        (name.name.clone(), name.span)
    }

    fn all_defs(&self) -> Vec<DefId> {
        (0..self.lets.len())
            .map(|i| DefId::Let(LetId(i)))
            .chain(
                (0..self.segments.len() + self.holdouts.len())
                    .map(|i| DefId::Segment(SegmentId(i))),
            )
            .chain((0..self.scores.len()).map(|i| DefId::Score(ScoreId(i))))
            .chain((0..self.tiers.len()).map(|i| DefId::Tiers(TiersId(i))))
            .chain((0..self.quantiles.len()).map(|i| DefId::Quantile(hir::QuantileId(i))))
            .collect()
    }

    /// Assembles the HIR; only called when there is no error.
    fn finish(mut self) -> hir::Program {
        let defs = self.all_defs();
        let (outputs, imported) = self.output_lists();
        let scores = (0..self.scores.len())
            .filter_map(|i| {
                self.checked_scores[i]
                    .take()
                    .or_else(|| self.unused_score(ScoreId(i)))
            })
            .collect();
        let tiers = (0..self.tiers.len())
            .filter_map(|i| {
                self.checked_tiers[i]
                    .take()
                    .or_else(|| self.unused_tiers(TiersId(i)))
            })
            .collect();
        let evaluation_order = cycles::topological(&defs, &self.edges);
        // Without a `population` item, the population is still cut at `as_of`.
        let population_cut = match self.population_filter {
            None => self.population.and_then(|id| self.cut_at_as_of(id)),
            Some(_) => None,
        };
        let inlined = std::mem::take(&mut self.inlined_lets);
        let lets = self
            .lets
            .iter()
            .zip(self.let_states)
            .enumerate()
            .filter_map(|(i, (decl, state))| {
                let value = match state {
                    LetState::Done(value) => value,
                    // An imported `let` this file does not use: never computed.
                    LetState::Pending => expr::typed(
                        hir::ExprKind::Literal(hir::Value::Null),
                        Type::Null,
                        true,
                        decl.name.span,
                    ),
                    LetState::InProgress => return None,
                };
                Some(hir::Let {
                    name: decl.name.name.clone(),
                    label: decl.label.as_ref().map(|l| l.value.clone()),
                    inlined: inlined.contains(&LetId(i)),
                    span: decl.name.span,
                    value,
                })
            })
            .collect();
        let mut conditions = self.segment_conditions.into_iter();
        let mut segments: Vec<hir::Segment> = Vec::new();
        for (decl, condition) in self.segments.iter().zip(conditions.by_ref()) {
            let span = decl.name.span;
            segments.push(hir::Segment {
                name: decl.name.name.clone(),
                label: decl.label.as_ref().map(|l| l.value.clone()),
                span,
                condition: condition.unwrap_or_else(|| Checker::unused_condition(span)),
            });
        }
        for (holdout, condition) in self.holdouts.iter().zip(conditions) {
            segments.push(hir::Segment {
                name: holdout.name.clone(),
                label: holdout.label.clone(),
                span: holdout.span,
                condition: condition.unwrap_or_else(|| Checker::unused_condition(holdout.span)),
            });
        }
        hir::Program {
            sources: self.sources,
            population: self.population.unwrap_or(SourceId(0)),
            population_filter: self.population_filter.unwrap_or(population_cut),
            dated: self.dated.into_iter().collect(),
            lets,
            segments,
            evaluation_order,
            aggregates: self.aggregates,
            scores,
            tiers,
            outputs,
            imported,
            quantiles: self
                .quantiles
                .into_iter()
                .map(|q| q.unwrap_or_else(|| quantiles::unused_quantile(Span::default())))
                .collect(),
            kpis: self.checked_kpis.into_iter().flatten().collect(),
            paths: self.paths,
            tests: Vec::new(),
            expectations: self.expectations,
            consents: Vec::new(),
            audiences: Vec::new(),
        }
    }
}
