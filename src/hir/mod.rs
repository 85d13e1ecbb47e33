//! The checked program: names resolved, types inferred, sugar removed.
//!
//! Produced by [`crate::check`] only when the rules have no error; consumed by [`crate::lower`].
//! Spans are kept so that later stages can still point at the rules.

mod builtin;
mod consent;
mod freshness;
mod kpi;
pub mod paths;
mod rule_test;
mod sizes;
mod source;

use chrono::{NaiveDate, NaiveDateTime};

use crate::ast::BinaryOp;
use crate::span::Span;
use crate::types::Type;

pub use builtin::Builtin;
pub use consent::*;
pub use freshness::Freshness;
pub use kpi::*;
pub use paths::*;
pub use rule_test::*;
pub use sizes::*;
pub use source::*;

/// Index of a source in [`Program::sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub usize);

/// Index of a `let` in [`Program::lets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LetId(pub usize);

/// Index of a segment in [`Program::segments`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentId(pub usize);

/// Index of an aggregate in [`Program::aggregates`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AggregateId(pub usize);

/// Index of a score in [`Program::scores`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScoreId(pub usize);

/// Index of a tiers item in [`Program::tiers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TiersId(pub usize);

/// Index of a quantile in [`Program::quantiles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuantileId(pub usize);

/// A definition that can be evaluated: a `let`, a segment, a score or tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefId {
    /// A `let`.
    Let(LetId),
    /// A segment.
    Segment(SegmentId),
    /// A score.
    Score(ScoreId),
    /// Tiers.
    Tiers(TiersId),
    /// A quantile over the population (computed by a window over all members).
    Quantile(QuantileId),
}

/// A definition written to the outputs: a segment, a score, tiers or an `output let`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputId {
    /// A segment (a boolean column).
    Segment(SegmentId),
    /// A score (a number column).
    Score(ScoreId),
    /// Tiers (a text column holding the tier name).
    Tiers(TiersId),
    /// An `output let` (a column of the value's type).
    Let(LetId),
}

impl OutputId {
    /// The definition computing this output.
    pub fn def(self) -> DefId {
        match self {
            OutputId::Segment(id) => DefId::Segment(id),
            OutputId::Score(id) => DefId::Score(id),
            OutputId::Tiers(id) => DefId::Tiers(id),
            OutputId::Let(id) => DefId::Let(id),
        }
    }
}

/// A checked rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Declared sources, in file order.
    pub sources: Vec<Source>,
    /// The source whose rows are the members.
    pub population: SourceId,
    /// Which rows of the population source are members: `population NAME where ...`, and its
    /// rows dated up to `as_of` when it has an event column (over its own columns).
    pub population_filter: Option<Expr>,
    /// The sources whose rows dated after `as_of` some aggregate (or the population) leaves
    /// out, in id order: a run tells how many such rows the data held.
    pub dated: Vec<SourceId>,
    /// `let` definitions, in file order.
    pub lets: Vec<Let>,
    /// Segments, in file order.
    pub segments: Vec<Segment>,
    /// Every `let` and segment, dependencies first.
    pub evaluation_order: Vec<DefId>,
    /// Aggregates over sources related to the population, in order of appearance.
    pub aggregates: Vec<Aggregate>,
    /// Scores, in file order.
    pub scores: Vec<Score>,
    /// Tiers, in file order.
    pub tiers: Vec<Tiers>,
    /// Segments, scores, tiers and `output let`s in declaration order (imported files'
    /// first): what a run can write.
    pub outputs: Vec<OutputId>,
    /// The outputs declared in imported files (a part of `outputs`): computed when used,
    /// written only when selected.
    pub imported: Vec<OutputId>,
    /// Quantiles over the population, in order of appearance.
    pub quantiles: Vec<Quantile>,
    /// KPIs, in file order.
    pub kpis: Vec<Kpi>,
    /// The paths of references that lookups and aggregates follow, each once.
    pub paths: Vec<Path>,
    /// The file's `test` items (never part of a plan: `segc test` runs them).
    pub tests: Vec<RuleTest>,
    /// The `expect` clauses of its segments and tier arms, in file order (never part of a
    /// plan: a run judges them from the members it counted).
    pub expectations: Vec<SizeExpectation>,
    /// The columns declared the consent for a channel, at most one per channel.
    pub consents: Vec<Consent>,
    /// The segments declared audiences of a channel, in file order (imported files' first).
    pub audiences: Vec<Audience>,
}

/// A member's position among all members by some value: `ntile(5, x desc)`, `percent_rank(x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantile {
    /// What is computed.
    pub function: QuantileFunction,
    /// The column name it is computed into (`__quantile_N`).
    pub name: String,
    /// The value members are ordered by.
    pub value: Expr,
    /// Whether larger values come first.
    pub descending: bool,
    /// Whether, among equal values, larger keys come first (`ties by key desc`).
    pub ties_descending: bool,
    /// The call.
    pub span: Span,
}

/// Quantile functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantileFunction {
    /// Groups numbered 1..=n of (nearly) equal size, in order; ties broken by the population key
    /// (ascending unless `ties by key desc`).
    Ntile(u32),
    /// `(rank - 1) / (members - 1)`, between 0 and 1; equal values share a rank.
    PercentRank,
}

impl Program {
    /// The column declared the consent for `channel`, if any.
    pub fn consent(&self, channel: Channel) -> Option<Consent> {
        self.consents.iter().find(|c| c.channel == channel).copied()
    }

    /// The population source.
    pub fn population(&self) -> &Source {
        // The checker guarantees `population` indexes `sources`.
        &self.sources[self.population.0]
    }

    /// The source with id `id`.
    pub fn source(&self, id: SourceId) -> &Source {
        &self.sources[id.0]
    }

    /// The path with id `id`.
    pub fn path(&self, id: PathId) -> &Path {
        &self.paths[id.0]
    }

    /// The column a lookup reads: the column `column` of the last source of `path`.
    pub fn lookup_column(&self, path: PathId, column: usize) -> &Column {
        &self.source(self.path(path).to()).columns[column]
    }

    /// The sources joined by following references (every source a path reaches but the
    /// population, which aggregates group by instead): their keys must be unique.
    pub fn joined_sources(&self) -> Vec<SourceId> {
        let mut joined: Vec<SourceId> = self
            .paths
            .iter()
            .flat_map(|p| p.steps.iter().map(|s| s.to))
            .filter(|s| *s != self.population)
            .collect();
        joined.sort();
        joined.dedup();
        joined
    }

    /// The segment called `name`.
    pub fn segment_named(&self, name: &str) -> Option<SegmentId> {
        self.segments
            .iter()
            .position(|s| s.name == name)
            .map(SegmentId)
    }

    /// The KPI called `name`.
    pub fn kpi_named(&self, name: &str) -> Option<KpiId> {
        self.kpis.iter().position(|k| k.name == name).map(KpiId)
    }

    /// The output (segment, score or tiers) called `name`.
    pub fn output_named(&self, name: &str) -> Option<OutputId> {
        self.outputs
            .iter()
            .copied()
            .find(|o| self.output_name(*o) == name)
    }

    /// The outputs a run writes when none is selected: the file's own.
    pub fn own_outputs(&self) -> Vec<OutputId> {
        self.outputs
            .iter()
            .copied()
            .filter(|o| !self.imported.contains(o))
            .collect()
    }

    /// An output's name.
    pub fn output_name(&self, id: OutputId) -> &str {
        match id {
            OutputId::Segment(s) => &self.segments[s.0].name,
            OutputId::Score(s) => &self.scores[s.0].name,
            OutputId::Tiers(t) => &self.tiers[t.0].name,
            OutputId::Let(l) => &self.lets[l.0].name,
        }
    }

    /// An output's label.
    pub fn output_label(&self, id: OutputId) -> Option<&str> {
        match id {
            OutputId::Segment(s) => self.segments[s.0].label.as_deref(),
            OutputId::Score(s) => self.scores[s.0].label.as_deref(),
            OutputId::Tiers(t) => self.tiers[t.0].label.as_deref(),
            OutputId::Let(l) => self.lets[l.0].label.as_deref(),
        }
    }

    /// The expressions a definition evaluates.
    pub fn bodies(&self, def: DefId) -> Vec<&Expr> {
        match def {
            DefId::Let(id) => vec![&self.lets[id.0].value],
            DefId::Segment(id) => vec![&self.segments[id.0].condition],
            DefId::Score(id) => self.scores[id.0]
                .rules
                .iter()
                .flat_map(|r| std::iter::once(&r.condition).chain(&r.value))
                .collect(),
            DefId::Tiers(id) => self.tiers[id.0]
                .arms
                .iter()
                .filter_map(|a| a.condition.as_ref())
                .collect(),
            DefId::Quantile(id) => vec![&self.quantiles[id.0].value],
        }
    }

    /// A definition's name.
    pub fn def_name(&self, def: DefId) -> &str {
        match def {
            DefId::Let(id) => &self.lets[id.0].name,
            DefId::Segment(id) => &self.segments[id.0].name,
            DefId::Score(id) => &self.scores[id.0].name,
            DefId::Tiers(id) => &self.tiers[id.0].name,
            DefId::Quantile(id) => &self.quantiles[id.0].name,
        }
    }
}

/// A checked score.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Its name.
    pub name: String,
    /// Its human label.
    pub label: Option<String>,
    /// Where the name is declared.
    pub span: Span,
    /// Its rules, in order.
    pub rules: Vec<ScoreRule>,
    /// `int`, or `float` when some points are fractional or some values are not `int`s.
    pub ty: Type,
}

/// Points that count when a condition holds (a null condition counts nothing): `points`, or
/// `points × value` when the points are a value (a null value counts nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRule {
    /// The points (a whole number for int scores), or the sign (1 or -1) of a value.
    pub points: f64,
    /// The value counted, for value points (`+ (spend / 100) when ...`): a number.
    pub value: Option<Expr>,
    /// The condition.
    pub condition: Expr,
}

/// Checked tiers: the first arm whose condition holds names the member's tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Tiers {
    /// Its name.
    pub name: String,
    /// Its human label.
    pub label: Option<String>,
    /// Where the name is declared.
    pub span: Span,
    /// The arms, in order.
    pub arms: Vec<TierArm>,
    /// The tier names as an enum type (what `lifecycle` evaluates to).
    pub values: std::sync::Arc<crate::types::EnumDef>,
    /// Whether these tiers are a `split` (groups assigned by the stable bucket).
    pub is_split: bool,
}

/// One tier.
#[derive(Debug, Clone, PartialEq)]
pub struct TierArm {
    /// The tier's name.
    pub name: String,
    /// Its condition; `None` for `else`.
    pub condition: Option<Expr>,
}

/// An aggregate over the rows of a related source that belong to each member.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The aggregated source.
    pub source: SourceId,
    /// The references followed from a row of the source to its member: one column that
    /// references the population, or a chain of them (`orders.contact_id`, then
    /// `contacts.company_id`).
    pub path: PathId,
    /// What is computed.
    pub function: AggregateFunction,
    /// The aggregated value (over the source's columns); `None` for `count(source)` and `exists`.
    pub argument: Option<Expr>,
    /// `by`: the order for `first` and `last`.
    pub order_by: Option<Expr>,
    /// `where`: which rows are taken.
    pub filter: Option<Expr>,
    /// The whole aggregate call.
    pub span: Span,
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateFunction {
    /// Number of rows (or of non-null values): 0 when there are none.
    Count,
    /// Number of distinct non-null values: 0 when there are none.
    CountDistinct,
    /// Sum: 0 when there are no rows.
    Sum,
    /// Mean: null when there are no rows.
    Avg,
    /// Smallest value: null when there are no rows.
    Min,
    /// Largest value: null when there are no rows.
    Max,
    /// The value of the earliest row by the `by` order: null when there are no rows.
    First,
    /// The value of the latest row by the `by` order: null when there are no rows.
    Last,
    /// Whether there is at least one row.
    Exists,
}

impl AggregateFunction {
    /// The function's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFunction::Count => "count",
            AggregateFunction::CountDistinct => "count_distinct",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Avg => "avg",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
            AggregateFunction::First => "first",
            AggregateFunction::Last => "last",
            AggregateFunction::Exists => "exists",
        }
    }

    /// The function called `name`, if it is an aggregate.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "count" => AggregateFunction::Count,
            "count_distinct" => AggregateFunction::CountDistinct,
            "sum" => AggregateFunction::Sum,
            "avg" => AggregateFunction::Avg,
            "min" => AggregateFunction::Min,
            "max" => AggregateFunction::Max,
            "first" => AggregateFunction::First,
            "last" => AggregateFunction::Last,
            "exists" => AggregateFunction::Exists,
            _ => return None,
        })
    }
}

/// A checked `let`.
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    /// Its name.
    pub name: String,
    /// Its human label.
    pub label: Option<String>,
    /// Whether it is a constant whose value stands where it is named (see
    /// `check::values`): used although no expression names it.
    pub inlined: bool,
    /// Where the name is declared.
    pub span: Span,
    /// Its value.
    pub value: Expr,
}

/// A checked segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Its name.
    pub name: String,
    /// Its human label.
    pub label: Option<String>,
    /// Where the name is declared.
    pub span: Span,
    /// The membership condition (bool; null means "not a member").
    pub condition: Expr,
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Type,
    /// Whether it may be null.
    pub nullable: bool,
    /// Where it is written.
    pub span: Span,
}

impl Expr {
    /// Calls `visit` on this expression and every expression inside it, without recursion (so
    /// deep expressions cannot exhaust the stack). Aggregates, quantiles and definitions are
    /// references here: their own expressions are not entered.
    pub fn visit(&self, visit: &mut dyn FnMut(&Expr)) {
        let mut stack = Vec::with_capacity(16);
        stack.push(self);
        while let Some(e) = stack.pop() {
            visit(e);
            match &e.kind {
                ExprKind::Not(x) | ExprKind::Neg(x) => stack.push(x),
                ExprKind::Binary { lhs, rhs, .. } => stack.extend([&**lhs, &**rhs]),
                ExprKind::Elapsed { end, start } => stack.extend([&**end, &**start]),
                ExprKind::Shift { value, .. } | ExprKind::IsNull { value, .. } => stack.push(value),
                ExprKind::InList { value, list, .. } => {
                    stack.push(value);
                    stack.extend(list.iter());
                }
                ExprKind::Between {
                    value, low, high, ..
                } => stack.extend([&**value, &**low, &**high]),
                ExprKind::If {
                    condition,
                    then,
                    otherwise,
                } => stack.extend([&**condition, &**then, &**otherwise]),
                ExprKind::Call { args, .. } | ExprKind::List(args) => stack.extend(args.iter()),
                ExprKind::Column { .. }
                | ExprKind::Lookup { .. }
                | ExprKind::Aggregate(_)
                | ExprKind::Score(_)
                | ExprKind::Tier(_)
                | ExprKind::Quantile(_)
                | ExprKind::Bucket { .. }
                | ExprKind::Let(_)
                | ExprKind::Segment(_)
                | ExprKind::AsOf
                | ExprKind::Literal(_) => {}
            }
        }
    }
}

/// The kinds of typed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An aggregate over a related source (see [`Program::aggregates`]).
    Aggregate(AggregateId),
    /// A column of the population (or, inside an aggregate, of the aggregated source).
    Column {
        /// The source.
        source: SourceId,
        /// Index into the source's columns.
        column: usize,
    },
    /// A column of the row reached by following a path of references from the row being
    /// evaluated (a member, or inside an aggregate a row of the aggregated source): null when a
    /// reference matches no row.
    Lookup {
        /// The path followed.
        path: PathId,
        /// Index into the columns of the path's last source.
        column: usize,
    },
    /// The value of a `let`.
    Let(LetId),
    /// Membership in a segment (never null).
    Segment(SegmentId),
    /// A score's value (never null).
    Score(ScoreId),
    /// The name of a member's tier (null when no arm matches and there is no `else`).
    Tier(TiersId),
    /// A quantile's value (null when the ordering value is null).
    Quantile(QuantileId),
    /// The member's stable bucket, 0..10000, for holdouts and splits (see `lower::bucket`).
    Bucket {
        /// The seed.
        seed: String,
    },
    /// The evaluation date.
    AsOf,
    /// A constant.
    Literal(Value),
    /// `not x`
    Not(Box<Expr>),
    /// `-x`
    Neg(Box<Expr>),
    /// Logic, comparison or arithmetic on operands of compatible types.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a - b` of two dates or timestamps: a duration.
    Elapsed {
        /// The later instant.
        end: Box<Expr>,
        /// The earlier instant.
        start: Box<Expr>,
    },
    /// A date or timestamp moved by a duration literal (`as_of - 30 days`).
    Shift {
        /// The date or timestamp.
        value: Box<Expr>,
        /// The duration.
        by: DurationValue,
        /// Whether the duration is subtracted.
        backwards: bool,
    },
    /// `[a, b]`, the value of a `let` of a constant list: its items stand right of `in` and
    /// as the items of `contains_any` where the `let` is named.
    List(Vec<Expr>),
    /// `x [not] in [...]`.
    InList {
        /// The tested value.
        value: Box<Expr>,
        /// Candidates.
        list: Vec<Expr>,
        /// `not in`.
        negated: bool,
    },
    /// `x [not] between a and b`.
    Between {
        /// The tested value.
        value: Box<Expr>,
        /// Lower bound (included).
        low: Box<Expr>,
        /// Upper bound (included).
        high: Box<Expr>,
        /// `not between`.
        negated: bool,
    },
    /// `x is [not] null`.
    IsNull {
        /// The tested value.
        value: Box<Expr>,
        /// `is not null`.
        negated: bool,
    },
    /// `if c then a else b` (a null condition takes the `else` branch).
    If {
        /// Condition.
        condition: Box<Expr>,
        /// When true.
        then: Box<Expr>,
        /// Otherwise.
        otherwise: Box<Expr>,
    },
    /// A built-in function call.
    Call {
        /// The function.
        function: Builtin,
        /// Arguments, already checked against the function's signature.
        args: Vec<Expr>,
    },
}

/// A constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Integer.
    Int(i64),
    /// Float (also percentages, as fractions: `10%` is 0.1).
    Float(f64),
    /// Text.
    String(String),
    /// Boolean.
    Bool(bool),
    /// Null.
    Null,
    /// Date.
    Date(NaiveDate),
    /// Timestamp.
    Timestamp(NaiveDateTime),
    /// Duration.
    Duration(DurationValue),
}

/// A duration literal's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationValue {
    /// A fixed length of time in microseconds (days, weeks, hours, minutes).
    Fixed {
        /// Microseconds.
        micros: i64,
    },
    /// Whole calendar months (months, years).
    Calendar {
        /// Months.
        months: i32,
    },
}
