//! Lints over a checked program, and the levels that decide which warnings are shown.
//!
//! Lints only run on files without errors (they read the HIR). Every warning that belongs to a
//! [`Lint`] (the tier warnings too) then gets its level: from a directive comment before (or in)
//! its item (`// segc: allow(unused-let)`), else from a file directive (`// segc: file
//! allow(unused-let)`), else from the project (`segc.toml`, see [`LintLevels`]), else the lint's
//! default. `allow` drops it, `deny` makes it an error.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt as _};

use crate::ast::{self, ItemKind};
use crate::diagnostics::{Diagnostic, Level, Lint, LintDiagnostic};
use crate::hir::{self, ExprKind};
use crate::span::Span;
use crate::suggest::similar;

use super::reach::Facts;
use super::rules;

/// Lint levels set for a project, over each lint's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintLevels {
    levels: BTreeMap<Lint, Level>,
    all: Option<Level>,
}

impl LintLevels {
    /// Sets the level of one lint.
    pub fn set(&mut self, lint: Lint, level: Level) {
        self.levels.insert(lint, level);
    }

    /// Sets the level of every lint not set one by one.
    pub fn set_all(&mut self, level: Level) {
        self.all = Some(level);
    }

    /// The level of `lint`.
    pub fn level(&self, lint: Lint) -> Level {
        self.levels
            .get(&lint)
            .copied()
            .or(self.all)
            .unwrap_or_else(|| lint.default_level())
    }
}

/// The findings of the `W11xx` lints over a program without errors, inside `settings.home`.
///
/// A file that declares no segment, score, tiers item, split or KPI is a library (its sources and
/// `let`s are there to be imported): it is not told that they are unused.
pub(super) fn findings(
    program: &hir::Program,
    ast: &ast::Program,
    settings: &super::Settings,
) -> Vec<Diagnostic> {
    let at_home = |span: Span| {
        settings
            .home
            .is_none_or(|home| span.start >= home.start && span.start <= home.end)
    };
    let library = !ast.items.iter().any(|item| {
        at_home(item.span)
            && matches!(
                item.kind,
                ItemKind::Segment(_)
                    | ItemKind::Score(_)
                    | ItemKind::Tiers(_)
                    | ItemKind::Split(_)
                    | ItemKind::Kpi(_)
            )
    });
    let shown = Shown::of(ast, &settings.lints);
    let mut found = Vec::new();
    if !library {
        unused_lets(program, &mut found);
        unused_sources(program, &mut found);
    }
    if settings.baseline == Some(false) {
        rules::kpis_without_baseline(program, &mut found);
    }
    rules::windows_beyond_retention(program, &mut found);
    let declared: BTreeSet<&str> = ast
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Segment(s) => Some(s.name.name.as_str()),
            _ => None,
        })
        .collect();
    // Holdout segments are generated: their base segment is the one to look at.
    let segments: Vec<&hir::Segment> = program
        .segments
        .iter()
        .filter(|s| declared.contains(s.name.as_str()))
        .collect();
    let looked_at = crate::parallel::map_in_order(
        &segments,
        PARALLEL_FROM,
        "segc-lint",
        LINT_STACK,
        |segment| SegmentFindings::of(program, segment, &shown),
    );
    if shown.may(Lint::UntestedSegment) {
        untested_segments(program, &segments, &mut found);
    }
    let compared: Vec<(hir::SegmentId, Span)> = program
        .segments
        .iter()
        .enumerate()
        .filter(|(_, s)| declared.contains(s.name.as_str()) && at_home(s.span))
        .map(|(i, s)| (hir::SegmentId(i), s.span))
        .collect();
    merge_segment_findings(&segments, looked_at, &shown, &mut found);
    let duplicates: BTreeSet<String> = found
        .iter()
        .filter_map(|f| match f {
            LintDiagnostic::DuplicateSegment { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    found.extend(super::nesting::nested_pairs(
        program,
        &compared,
        &duplicates,
    ));
    if shown.may(Lint::NullableComparison) {
        nullable_in_scores_and_tiers(program, &mut found);
    }
    found
        .into_iter()
        .map(Diagnostic::Lint)
        .filter(|d| d.primary_span().is_some_and(at_home))
        .collect()
}

/// Each segment's findings in the segments' order, with the duplicates found across them (the
/// first of equal conditions is named by the others) and missing labels.
fn merge_segment_findings(
    segments: &[&hir::Segment],
    looked_at: Vec<SegmentFindings>,
    shown: &Shown,
    found: &mut Vec<LintDiagnostic>,
) {
    let mut conditions: HashMap<Vec<u8>, (&str, Span)> = HashMap::with_capacity(segments.len());
    for (segment, findings) in segments.iter().zip(looked_at) {
        found.extend(findings.always_empty_or_true);
        match conditions.get(&findings.shape) {
            Some((first, first_span)) => found.push(LintDiagnostic::DuplicateSegment {
                name: segment.name.clone(),
                span: segment.span,
                first: first.to_string(),
                first_span: *first_span,
            }),
            None => {
                conditions.insert(findings.shape, (segment.name.as_str(), segment.span));
            }
        }
        if segment.label.is_none() && shown.may(Lint::MissingLabel) {
            found.push(LintDiagnostic::MissingLabel {
                name: segment.name.clone(),
                span: segment.span,
            });
        }
        found.extend(findings.nullable_comparisons);
    }
}

/// The nullable comparisons of score rules and tier arms (those of segments are found with
/// each segment's other findings).
fn nullable_in_scores_and_tiers(program: &hir::Program, found: &mut Vec<LintDiagnostic>) {
    for score in &program.scores {
        for rule in &score.rules {
            nullable_comparisons(program, &rule.condition, found);
        }
    }
    for tiers in program.tiers.iter().filter(|t| !t.is_split) {
        for condition in tiers.arms.iter().filter_map(|a| a.condition.as_ref()) {
            nullable_comparisons(program, condition, found);
        }
    }
}

/// The lints whose findings [`apply_levels`] may keep in a file. A lint `allow`ed by the project
/// (or by default: `missing-label`, `nullable-comparison`, `untested-segment`) that no directive
/// comment of the file sets to `warn` or `deny` is dropped whatever it finds, so the passes that
/// only feed it are skipped: on 5,000 segments they built 5,000 `untested-segment` findings and
/// visited every condition for nullable comparisons, all dropped (bench/README.md).
struct Shown {
    lints: Vec<Lint>,
}

impl Shown {
    fn of(ast: &ast::Program, levels: &LintLevels) -> Shown {
        let mut lints: Vec<Lint> = Lint::ALL
            .into_iter()
            .filter(|lint| levels.level(*lint) != Level::Allow)
            .collect();
        // Unknown names are reported by `apply_levels`, which reads the directives again.
        for directive in directives(ast, &mut Vec::new()) {
            if directive.level != Level::Allow {
                lints.extend(directive.lints);
            }
        }
        Shown { lints }
    }

    /// Whether findings of `lint` may be shown (else they need not be looked for).
    fn may(&self, lint: Lint) -> bool {
        self.lints.contains(&lint)
    }
}

/// Files with at least this many segments have them linted by several threads.
const PARALLEL_FROM: usize = 256;
/// Stack of a linting thread: a condition's negation is built recursively.
const LINT_STACK: usize = 64 * 1024 * 1024;

/// What the lints found in one segment on its own, to be merged in the segments' order.
struct SegmentFindings {
    /// Whether it can never hold, or always holds.
    always_empty_or_true: Vec<LintDiagnostic>,
    /// Its condition's [`shape`], to find duplicates.
    shape: Vec<u8>,
    /// Its comparisons that leave out missing values.
    nullable_comparisons: Vec<LintDiagnostic>,
}

impl SegmentFindings {
    fn of(program: &hir::Program, segment: &hir::Segment, shown: &Shown) -> Self {
        let mut always_empty_or_true = Vec::new();
        if Facts::of(&segment.condition).is_impossible() {
            always_empty_or_true.push(LintDiagnostic::AlwaysEmpty {
                name: segment.name.clone(),
                span: segment.condition.span,
            });
        }
        always_empty_or_true.extend(rules::always_true(segment));
        let mut nullable = Vec::new();
        if shown.may(Lint::NullableComparison) {
            nullable_comparisons(program, &segment.condition, &mut nullable);
        }
        SegmentFindings {
            always_empty_or_true,
            shape: shape(&segment.condition),
            nullable_comparisons: nullable,
        }
    }
}

/// Every expression of the program, with those of its aggregates, quantiles and KPIs.
pub(super) fn all_expressions(program: &hir::Program) -> Vec<&hir::Expr> {
    let mut exprs: Vec<&hir::Expr> = program.lets.iter().map(|l| &l.value).collect();
    exprs.extend(program.segments.iter().map(|s| &s.condition));
    for score in &program.scores {
        exprs.extend(
            score
                .rules
                .iter()
                .flat_map(|r| std::iter::once(&r.condition).chain(&r.value)),
        );
    }
    for tiers in &program.tiers {
        exprs.extend(tiers.arms.iter().filter_map(|a| a.condition.as_ref()));
    }
    exprs.extend(program.quantiles.iter().map(|q| &q.value));
    for aggregate in &program.aggregates {
        exprs.extend(
            [&aggregate.argument, &aggregate.filter, &aggregate.order_by]
                .into_iter()
                .flatten(),
        );
    }
    for kpi in &program.kpis {
        for measure in kpi.value.measures() {
            exprs.extend(measure.value.iter().chain(&measure.filter));
        }
    }
    exprs
}

fn unused_lets(program: &hir::Program, found: &mut Vec<LintDiagnostic>) {
    let mut used = BTreeSet::new();
    for e in all_expressions(program) {
        e.visit(&mut |node| {
            if let ExprKind::Let(id) = node.kind {
                used.insert(id.0);
            }
        });
    }
    let written: BTreeSet<usize> = program
        .outputs
        .iter()
        .filter_map(|o| match o {
            hir::OutputId::Let(id) => Some(id.0),
            _ => None,
        })
        .collect();
    for (i, l) in program.lets.iter().enumerate() {
        if !used.contains(&i) && !l.inlined && !written.contains(&i) {
            found.push(LintDiagnostic::UnusedLet {
                name: l.name.clone(),
                span: l.span,
            });
        }
    }
}

fn unused_sources(program: &hir::Program, found: &mut Vec<LintDiagnostic>) {
    let read: BTreeSet<hir::SourceId> = program
        .aggregates
        .iter()
        .map(|a| a.source)
        .chain([program.population])
        .chain(
            program
                .paths
                .iter()
                .flat_map(|p| p.steps.iter().map(|s| s.to)),
        )
        .collect();
    for (i, source) in program.sources.iter().enumerate() {
        if !read.contains(&hir::SourceId(i)) {
            found.push(LintDiagnostic::UnusedSource {
                name: source.name.clone(),
                span: source.span,
            });
        }
    }
}

/// A condition's structure without its spans, to compare conditions written apart: each node's
/// tag and own fields in visiting order. Every tag is followed by fields of a fixed width, or by
/// a length and then that many bytes or children, so two conditions have the same key only if
/// they have the same structure. Bytes, not text: this runs for every segment.
fn shape(e: &hir::Expr) -> Vec<u8> {
    let mut key = ShapeKey(Vec::with_capacity(64));
    e.visit(&mut |node| match &node.kind {
        ExprKind::Aggregate(id) => key.tag_number(b'A', id.0),
        ExprKind::Column { source, column } => {
            key.tag_number(b'C', source.0);
            key.number(*column);
        }
        ExprKind::Lookup { path, column } => {
            key.tag_number(b'P', path.0);
            key.number(*column);
        }
        ExprKind::Let(id) => key.tag_number(b'L', id.0),
        ExprKind::Segment(id) => key.tag_number(b'S', id.0),
        ExprKind::Score(id) => key.tag_number(b'R', id.0),
        ExprKind::Tier(id) => key.tag_number(b'T', id.0),
        ExprKind::Quantile(id) => key.tag_number(b'Q', id.0),
        ExprKind::Bucket { seed } => {
            key.0.push(b'B');
            key.text(seed);
        }
        ExprKind::AsOf => key.0.push(b'@'),
        ExprKind::Literal(value) => {
            key.0.push(b'V');
            key.value(value);
        }
        ExprKind::Not(_) => key.0.push(b'!'),
        ExprKind::Neg(_) => key.0.push(b'-'),
        ExprKind::Binary { op, .. } => key.0.extend([b'O', *op as u8]),
        ExprKind::Elapsed { .. } => key.0.push(b'E'),
        ExprKind::Shift { by, backwards, .. } => {
            key.0.extend([b'H', u8::from(*backwards)]);
            key.duration(*by);
        }
        ExprKind::InList { list, negated, .. } => {
            key.0.extend([b'I', u8::from(*negated)]);
            key.number(list.len());
        }
        ExprKind::List(items) => {
            key.0.push(b'L');
            key.number(items.len());
        }
        ExprKind::Between { negated, .. } => key.0.extend([b'W', u8::from(*negated)]),
        ExprKind::IsNull { negated, .. } => key.0.extend([b'N', u8::from(*negated)]),
        ExprKind::If { .. } => key.0.push(b'?'),
        ExprKind::Call { function, args } => {
            key.0.extend([b'F', *function as u8]);
            key.number(args.len());
        }
    });
    key.0
}

/// The bytes of a [`shape`] being written.
struct ShapeKey(Vec<u8>);

impl ShapeKey {
    fn tag_number(&mut self, tag: u8, n: usize) {
        self.0.push(tag);
        self.number(n);
    }

    fn number(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }

    fn signed(&mut self, n: i64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.number(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn duration(&mut self, d: hir::DurationValue) {
        match d {
            hir::DurationValue::Fixed { micros } => {
                self.0.push(b'f');
                self.signed(micros);
            }
            hir::DurationValue::Calendar { months } => {
                self.0.push(b'c');
                self.signed(i64::from(months));
            }
        }
    }

    fn value(&mut self, value: &hir::Value) {
        use chrono::Datelike as _;
        match value {
            hir::Value::Int(n) => {
                self.0.push(b'i');
                self.signed(*n);
            }
            hir::Value::Float(x) => {
                self.0.push(b'x');
                self.0.extend_from_slice(&x.to_bits().to_le_bytes());
            }
            hir::Value::String(s) => {
                self.0.push(b's');
                self.text(s);
            }
            hir::Value::Bool(b) => self.0.extend([b'b', u8::from(*b)]),
            hir::Value::Null => self.0.push(b'n'),
            hir::Value::Date(d) => {
                self.0.push(b'd');
                self.signed(i64::from(d.num_days_from_ce()));
            }
            hir::Value::Timestamp(t) => {
                self.0.push(b't');
                let t = t.and_utc();
                self.signed(t.timestamp());
                self.number(t.timestamp_subsec_nanos() as usize);
            }
            hir::Value::Duration(d) => {
                self.0.push(b'u');
                self.duration(*d);
            }
        }
    }
}

/// The nullable population column `e` is, or a nullable `let` reads (through other `let`s,
/// not through aggregates): its source and index, its name, and the `let`'s name.
fn nullable_origin(
    program: &hir::Program,
    e: &hir::Expr,
) -> Option<(hir::SourceId, usize, String, Option<String>)> {
    match e.kind {
        ExprKind::Column { source, column } if source == program.population => {
            let c = &program.source(source).columns[column];
            c.nullable.then(|| (source, column, c.name.clone(), None))
        }
        ExprKind::Let(id) if e.nullable => {
            let l = &program.lets[id.0];
            let mut found = None;
            // Lets refer only to earlier lets (no cycles), so this ends.
            l.value.visit(&mut |inner| {
                if found.is_none()
                    && matches!(inner.kind, ExprKind::Column { .. } | ExprKind::Let(_))
                {
                    found = nullable_origin(program, inner);
                }
            });
            found.map(|(s, c, column, _)| (s, c, column, Some(l.name.clone())))
        }
        _ => None,
    }
}

/// Comparisons of a nullable population column (or of a `let` null when it is), unless the
/// condition also tests it for null.
fn nullable_comparisons(
    program: &hir::Program,
    condition: &hir::Expr,
    found: &mut Vec<LintDiagnostic>,
) {
    let column = |e: &hir::Expr| nullable_origin(program, e);
    let mut tested = BTreeSet::new();
    condition.visit(&mut |e| {
        if let ExprKind::IsNull { value, .. } = &e.kind
            && let Some((s, c, _, _)) = column(value)
        {
            tested.insert((s, c));
        }
    });
    condition.visit(&mut |e| {
        let operands: Vec<&hir::Expr> = match &e.kind {
            ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => vec![lhs, rhs],
            ExprKind::InList { value, .. } | ExprKind::Between { value, .. } => vec![value],
            _ => return,
        };
        for operand in operands {
            if let Some((s, c, name, via)) = column(operand)
                && !tested.contains(&(s, c))
            {
                found.push(LintDiagnostic::NullableComparison {
                    column: name,
                    via,
                    span: e.span,
                });
                return;
            }
        }
    });
}

/// A directive comment: `// segc: allow(unused-let, missing-label)` (for the item it stands
/// before or in) or `// segc: file allow(unused-let)` (for every item of the file).
struct Directive {
    level: Level,
    lints: Vec<Lint>,
    span: Span,
    whole_file: bool,
}

/// Reads the directive comments, reporting names that are no lint.
fn directives(ast: &ast::Program, unknown: &mut Vec<Diagnostic>) -> Vec<Directive> {
    let mut found = Vec::new();
    for comment in &ast.comments {
        let Some(rest) = comment.text.trim().strip_prefix("segc:") else {
            continue;
        };
        let rest = rest.trim();
        let (whole_file, rest) = match rest.strip_prefix("file ") {
            Some(after) => (true, after.trim_start()),
            None => (false, rest),
        };
        let Some((level, names)) = rest.split_once('(') else {
            continue;
        };
        let Some(level) = Level::from_name(level.trim()) else {
            continue;
        };
        let mut lints = Vec::new();
        for name in names.trim_end().trim_end_matches(')').split(',') {
            let name = name.trim();
            match Lint::from_name(name) {
                Some(lint) => lints.push(lint),
                None => unknown.push(Diagnostic::Lint(LintDiagnostic::UnknownLint {
                    name: name.to_string(),
                    span: comment.span,
                    candidates: similar(name, Lint::ALL.map(Lint::name)),
                })),
            }
        }
        found.push(Directive {
            level,
            lints,
            span: comment.span,
            whole_file,
        });
    }
    found
}

/// The index of the item a directive applies to: the item it stands in, else the next one.
/// The spans of the items in address order (imported items come first in the program but
/// after the file's own in the address space), with their index.
fn by_position(items: &[ast::Item]) -> Vec<(Span, usize)> {
    let mut spans: Vec<(Span, usize)> = items.iter().map(|i| i.span).zip(0..).collect();
    spans.sort_by_key(|(span, _)| span.start);
    spans
}

/// The item a directive at `at` applies to: the one it stands in, else the next one.
fn directed_item(items: &[(Span, usize)], at: Span) -> Option<usize> {
    let next = items.partition_point(|(s, _)| s.start < at.end);
    let inside = next
        .checked_sub(1)
        .map(|i| items[i])
        .filter(|(s, _)| s.start <= at.start && at.start < s.end);
    inside.or_else(|| items.get(next).copied()).map(|(_, i)| i)
}

/// The item whose span holds the start of `span`.
fn item_at(items: &[(Span, usize)], span: Span) -> Option<usize> {
    let after = items.partition_point(|(s, _)| s.start <= span.start);
    after
        .checked_sub(1)
        .map(|i| items[i])
        .filter(|(s, _)| span.start <= s.end)
        .map(|(_, i)| i)
}

/// Gives every lint's warning its level: drops the allowed ones, turns the denied ones into
/// errors, and reports directives naming no lint.
pub(super) fn apply_levels(
    diagnostics: Vec<Diagnostic>,
    ast: &ast::Program,
    levels: &LintLevels,
) -> Vec<Diagnostic> {
    let mut out = Vec::with_capacity(diagnostics.len());
    let directives = directives(ast, &mut out);
    let positions = by_position(&ast.items);
    let mut per_item: HashMap<usize, Vec<&Directive>> = HashMap::new();
    for d in directives.iter().filter(|d| !d.whole_file) {
        if let Some(item) = directed_item(&positions, d.span) {
            per_item.entry(item).or_default().push(d);
        }
    }
    let file_wide: Vec<&Directive> = directives.iter().filter(|d| d.whole_file).collect();
    for diagnostic in diagnostics {
        let Some(lint) = diagnostic.lint() else {
            out.push(diagnostic);
            continue;
        };
        let item = diagnostic
            .primary_span()
            .and_then(|span| item_at(&positions, span));
        let naming = |ds: &[&Directive]| {
            ds.iter()
                .rev()
                .find(|d| d.lints.contains(&lint))
                .map(|d| d.level)
        };
        let directed = item
            .and_then(|i| per_item.get(&i))
            .and_then(|ds| naming(ds))
            .or_else(|| naming(&file_wide));
        match directed.unwrap_or_else(|| levels.level(lint)) {
            Level::Allow => {}
            Level::Warn => out.push(diagnostic),
            Level::Deny => out.push(Diagnostic::Denied(Box::new(diagnostic))),
        }
    }
    // Each key once (the sort is stable all the same): a key costs a `describe`.
    out.sort_by_cached_key(|d| (d.primary_span().map(|s| s.start), d.code()));
    out
}

/// The declared segments that no test's expectation names (`untested-segment`).
fn untested_segments(
    program: &hir::Program,
    segments: &[&hir::Segment],
    found: &mut Vec<LintDiagnostic>,
) {
    let tested: BTreeSet<&str> = program
        .tests
        .iter()
        .flat_map(|t| &t.expectations)
        .filter_map(|e| match &e.kind {
            hir::ExpectationKind::Members { segment, .. } => {
                Some(program.segments[segment.0].name.as_str())
            }
            _ => None,
        })
        .collect();
    for segment in segments {
        if !tested.contains(segment.name.as_str()) {
            found.push(LintDiagnostic::UntestedSegment {
                name: segment.name.clone(),
                span: segment.span,
            });
        }
    }
}
