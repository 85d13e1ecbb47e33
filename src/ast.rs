//! The syntax tree of a rule file, as written.
//!
//! Built by [`crate::syntax`]; every node carries the [`Span`] of the text it came from. Names are not
//! resolved and types are not checked here: that is [`crate::check`]'s job.

mod freshness;
mod kpi;
mod rule_test;

use crate::span::Span;

pub use freshness::FreshnessDecl;
pub use kpi::*;
pub use rule_test::*;

/// One parsed rule file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// Top-level items in file order (items that failed to parse appear as [`ItemKind::Broken`]).
    pub items: Vec<Item>,
    /// Every `//` comment of the file, in order.
    pub comments: Vec<Comment>,
}

/// A `//` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment text after `//`, without the line end.
    pub text: String,
    /// Where the comment stands, `//` included.
    pub span: Span,
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name (without backquotes for quoted names).
    pub name: String,
    /// Where the name stands.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What the item is.
    pub kind: ItemKind,
    /// The whole item.
    pub span: Span,
}

/// The kinds of top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `import "PATH"`: the sources, `let`s and population of another file.
    Import(StringLit),
    /// `source NAME from FORMAT "location" [with (...)] { columns }`
    Source(SourceDecl),
    /// `population NAME [including future] [where expr]`
    Population(PopulationDecl),
    /// `let NAME = expr`
    Let(LetDecl),
    /// `segment NAME ["label"] = expr`
    Segment(SegmentDecl),
    /// `score NAME ["label"] { +N when expr ... }`
    Score(ScoreDecl),
    /// `tiers NAME ["label"] { tier: expr ... other: else }`
    Tiers(TiersDecl),
    /// `split NAME of expr { a: 50%, b: 50% } seed "..."`
    Split(SplitDecl),
    /// `kpi NAME ["label"] [for ...] { value = ... target ... [warn ...] }`
    Kpi(KpiDecl),
    /// `test NAME as_of @DATE { rows... expect ... }`: a unit test of the file's rules.
    Test(TestDecl),
    /// An item that did not parse; its name, if it could be read, keeps later references quiet.
    Broken(BrokenItem),
}

/// A weighted score: the sum of the points of every rule whose condition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreDecl {
    /// The score name.
    pub name: Ident,
    /// A human label.
    pub label: Option<StringLit>,
    /// The rules, in order.
    pub rules: Vec<ScoreRule>,
}

/// `+20 when condition` or `+ (spend / 100) when condition`
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRule {
    /// The signed points.
    pub points: Points,
    /// When they count.
    pub condition: Expr,
    /// The whole rule.
    pub span: Span,
}

/// The points of a score rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Points {
    /// A signed number, `+20` or `-2.5`.
    Fixed(Literal),
    /// A signed value: a name, a call or an expression in parentheses, `+ (spend / 100)`.
    Value {
        /// Whether the sign is `-`.
        negative: bool,
        /// The value.
        value: Expr,
        /// The sign and the value.
        span: Span,
    },
}

impl Points {
    /// Where the points are written.
    pub fn span(&self) -> Span {
        match self {
            Points::Fixed(literal) => literal.span,
            Points::Value { span, .. } => *span,
        }
    }
}

/// Exclusive tiers: each member gets the first tier whose condition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TiersDecl {
    /// The tiers' name (the output column).
    pub name: Ident,
    /// A human label.
    pub label: Option<StringLit>,
    /// The arms, in order.
    pub arms: Vec<TierArm>,
}

/// `name: condition` or `name: else`.
#[derive(Debug, Clone, PartialEq)]
pub struct TierArm {
    /// The tier name.
    pub name: Ident,
    /// The condition; `None` for `else`.
    pub condition: Option<Expr>,
    /// `expect ...` clauses: the size the tier must have.
    pub expectations: Vec<SizeExpectation>,
    /// The whole arm.
    pub span: Span,
}

/// What is known of an item that failed to parse.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenItem {
    /// The item keyword (`segment`, `let`, ...), if the chunk started with one.
    pub keyword: Option<String>,
    /// The declared name, if it could be read.
    pub name: Option<Ident>,
}

/// `population NAME [including future] [where expr]`: which source's rows are the members.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationDecl {
    /// The population source.
    pub name: Ident,
    /// `including future`: members whose event time is after `as_of` are kept (where the words
    /// stand).
    pub future: Option<Span>,
    /// `where expr`: the rows of the source that are members.
    pub filter: Option<Expr>,
}

/// A data source declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDecl {
    /// The source name.
    pub name: Ident,
    /// The file format word (`parquet`, `csv`).
    pub format: Ident,
    /// Where the data is: a path, glob or URL, possibly with `${VAR}` variable references.
    pub location: StringLit,
    /// `with (name = value, ...)` reader options.
    pub options: Vec<SourceOption>,
    /// `fresh within 2 days [else warn]`: how recent its newest event time must be.
    pub freshness: Option<FreshnessDecl>,
    /// `where expr`: the rows read at all, for every use of the source.
    pub filter: Option<Expr>,
    /// Declared columns.
    pub columns: Vec<ColumnDecl>,
    /// Consents declared from dates (`email_ok: consent email given optin_at withdrawn
    /// optout_at`), after the columns once formatted.
    pub dated_consents: Vec<DatedConsentDecl>,
}

/// `NAME: consent CHANNEL given COLUMN [withdrawn COLUMN]` in a source: a condition named
/// `NAME`, the members' consent for the channel as of `as_of` (given on or before it, not
/// withdrawn by then), which audiences require as they require a `bool` consent column.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedConsentDecl {
    /// The condition's name.
    pub name: Ident,
    /// The channel.
    pub channel: Ident,
    /// The column of the date the consent was given.
    pub given: Ident,
    /// The column of the date it was withdrawn, if any.
    pub withdrawn: Option<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// A reader option of a source, `name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceOption {
    /// Option name.
    pub name: Ident,
    /// Option value.
    pub value: Literal,
    /// The whole option.
    pub span: Span,
}

/// A declared column: `[key] name: type[?] [references source]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    /// Whether the column is the source's key.
    pub is_key: bool,
    /// Whether the column is a partition column: read from the folder names
    /// (`order_year=2026/`), not from the files.
    pub is_partition: bool,
    /// Whether the column is the source's event time (`event ordered_at: timestamp`).
    pub is_event: bool,
    /// Column name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
    /// Whether `?` marks the column nullable.
    pub nullable: bool,
    /// `references SOURCE`, a foreign key.
    pub references: Option<Ident>,
    /// `= year(ordered_at)`: how a partition column derives from a column of the files.
    pub derivation: Option<Derivation>,
    /// `consent email`: the column is the consent to contact by a channel.
    pub consent: Option<ConsentMark>,
    /// The whole declaration.
    pub span: Span,
}

/// `consent CHANNEL` after a column: the column is the members' consent for the channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentMark {
    /// The channel (`email`, `sms`, `phone`, `post`, `ads`), checked by `check`.
    pub channel: Ident,
    /// `consent CHANNEL` whole.
    pub span: Span,
}

/// `audience CHANNEL [else warn]` after a segment's condition: its members are contacted by the
/// channel, so each must have consented to it.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceClause {
    /// The channel, checked by `check`.
    pub channel: Ident,
    /// `else warn`: where it is written, when members found without consent at run time are
    /// a warning rather than an error that stops the outputs being written.
    pub warn: Option<Span>,
    /// The whole clause.
    pub span: Span,
}

/// `= FUNCTION(COLUMN)` after a partition column: its value is the function of that column.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    /// The function (`year`, `month`, `date`).
    pub function: Ident,
    /// The column of the files.
    pub column: Ident,
    /// `= ...` whole.
    pub span: Span,
}

/// A type as written: a name with optional arguments, e.g. `decimal(12, 2)` or `enum("a", "b")`,
/// or with an item type, `list<string>`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The type name.
    pub name: Ident,
    /// `<TYPE>`: the type of a list's items.
    pub element: Option<Box<TypeExpr>>,
    /// Arguments in parentheses, if any (`None` when there are no parentheses).
    pub args: Option<Vec<Literal>>,
    /// The whole type.
    pub span: Span,
}

/// `[output] let NAME ["label"] = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    /// The bound name.
    pub name: Ident,
    /// A human label (shown with the value in the outputs' summary).
    pub label: Option<StringLit>,
    /// `output`, when the value is written to the outputs: where the word stands.
    pub output: Option<Span>,
    /// Its value.
    pub value: Expr,
}

/// `segment NAME ["label"] = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDecl {
    /// The segment name (an identifier, used in outputs).
    pub name: Ident,
    /// A human label.
    pub label: Option<StringLit>,
    /// The membership condition.
    pub condition: Expr,
    /// `holdout 10% seed "..."`: a stable share of the members kept out of the segment.
    pub holdout: Option<Holdout>,
    /// `audience CHANNEL`: the members are contacted by that channel.
    pub audience: Option<AudienceClause>,
    /// `expect ...` clauses: the size the segment must have.
    pub expectations: Vec<SizeExpectation>,
}

/// `expect members >= 500`, `expect size between 2% and 10% of clients else error`: the size a
/// segment or tier must have, judged from the members a run counts.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeExpectation {
    /// `members` (a count) or `size` (a share).
    pub measure: SizeMeasure,
    /// Where the measure's word stands.
    pub measure_span: Span,
    /// The range the measure must be in.
    pub bound: SizeBound,
    /// `of SEGMENT`: the segment a share is taken of (default: the population).
    pub of: Option<Ident>,
    /// `else error`: where it is written, when a broken expectation is an error, not a warning.
    pub error: Option<Span>,
    /// The whole clause.
    pub span: Span,
}

/// What an expectation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeMeasure {
    /// `members`: the number of members.
    Members,
    /// `size`: the members as a share of the population (or of another segment).
    Size,
}

/// The range of an expectation: `>= 500`, `between 2% and 10%`.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeBound {
    /// `OP AMOUNT`
    Compare {
        /// The comparison.
        op: BinaryOp,
        /// Where it stands.
        op_span: Span,
        /// A number or a percentage.
        amount: Literal,
    },
    /// `between LOW and HIGH`, both included.
    Between {
        /// Lower bound.
        low: Literal,
        /// Upper bound.
        high: Literal,
    },
}

/// `holdout P% seed "S"`
#[derive(Debug, Clone, PartialEq)]
pub struct Holdout {
    /// The share held out.
    pub share: Literal,
    /// The seed of the assignment.
    pub seed: StringLit,
    /// The whole clause.
    pub span: Span,
}

/// `split NAME ["label"] of expr { group: P%, ... } seed "S"`
#[derive(Debug, Clone, PartialEq)]
pub struct SplitDecl {
    /// The split's name (the output column).
    pub name: Ident,
    /// A human label.
    pub label: Option<StringLit>,
    /// The members being split.
    pub base: Expr,
    /// The groups and their shares, in order.
    pub groups: Vec<SplitGroup>,
    /// The seed of the assignment.
    pub seed: StringLit,
}

/// `name: P%`
#[derive(Debug, Clone, PartialEq)]
pub struct SplitGroup {
    /// The group's name.
    pub name: Ident,
    /// Its share.
    pub share: Literal,
}

/// A string literal with its unescaped value.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    /// The unescaped value.
    pub value: String,
    /// Where the literal stands, quotes included.
    pub span: Span,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The whole expression.
    pub span: Span,
}

impl Expr {
    /// The expressions directly inside this one, in source order: operands, an `in`'s value then
    /// its candidates, a `between`'s value then its bounds, a call's arguments then its `by` and
    /// `where` clauses, a list's items. Reversed, they can be pushed on a stack to be popped in
    /// source order.
    pub fn children(&self) -> impl DoubleEndedIterator<Item = &Expr> {
        let mut children = Vec::new();
        self.for_each_child(|child| children.push(child));
        children.into_iter()
    }

    /// Calls `f` on each of [`Expr::children`], in source order (what a walk over many
    /// expressions uses: no iterator to build).
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        use ExprKind as E;
        match &self.kind {
            E::Literal(_) | E::Name(_) => {}
            E::Unary { operand: x, .. } | E::Paren(x) | E::IsNull { value: x, .. } => f(x),
            E::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            E::InList { value, list, .. } => {
                f(value);
                f(list);
            }
            E::Between {
                value, low, high, ..
            } => {
                f(value);
                f(low);
                f(high);
            }
            E::If {
                condition,
                then,
                otherwise,
            } => {
                f(condition);
                f(then);
                f(otherwise);
            }
            E::Call {
                args,
                order_by,
                filter,
                ..
            } => {
                args.iter().for_each(&mut f);
                order_by.iter().chain(filter).for_each(|x| f(x));
            }
            E::List(items) => items.iter().for_each(f),
        }
    }

    /// Calls `visit` on this expression and every expression inside it with its depth (1 for
    /// this one), parents first and in source order, without recursion: it measures nesting
    /// before E0108 bounds it.
    pub fn visit(&self, visit: &mut dyn FnMut(&Expr, usize)) {
        let mut stack = vec![(self, 1)];
        while let Some((e, depth)) = stack.pop() {
            visit(e, depth);
            // Pushed in order, then turned around so that the first child is popped first.
            // Without an iterator: building one per node made the depth check of `segc check`
            // 1 % of its instructions (callgrind, 5,000 segments).
            let start = stack.len();
            e.for_each_child(|child| stack.push((child, depth + 1)));
            stack[start..].reverse();
        }
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A name, possibly qualified: `age`, `customers.age`.
    Name(Vec<Ident>),
    /// `-x` or `not x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Where the operator stands.
        op_span: Span,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Where the operator stands.
        op_span: Span,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x [not] in [a, b]` or `x [not] in NAME` (a `let` of a constant list).
    InList {
        /// The tested value.
        value: Box<Expr>,
        /// The candidates: a [`ExprKind::List`] as written, or a [`ExprKind::Name`].
        list: Box<Expr>,
        /// Whether written `not in`.
        negated: bool,
    },
    /// `x [not] between low and high` (both ends included).
    Between {
        /// The tested value.
        value: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// Whether written `not between`.
        negated: bool,
    },
    /// `x is [not] null`.
    IsNull {
        /// The tested value.
        value: Box<Expr>,
        /// Whether written `is not null`.
        negated: bool,
    },
    /// `if cond then a else b`.
    If {
        /// The condition.
        condition: Box<Expr>,
        /// Value when the condition holds.
        then: Box<Expr>,
        /// Value otherwise (also when the condition is null).
        otherwise: Box<Expr>,
    },
    /// `f(a, b)`, or an aggregate with its clauses: `sum(orders.amount where channel == "web")`,
    /// `last(orders.channel by ordered_at)`.
    Call {
        /// The function name.
        function: Ident,
        /// Arguments.
        args: Vec<Expr>,
        /// `desc` (true) or `asc` (false) written after an argument, for quantiles.
        descending: Vec<Option<bool>>,
        /// `by expr`: the order of `first` and `last`.
        order_by: Option<Box<Expr>>,
        /// `where expr`: the rows an aggregate takes.
        filter: Option<Box<Expr>>,
        /// `ties by key [asc|desc]`: the order of members with equal values, for quantiles.
        ties: Option<Ties>,
        /// `including future`: an aggregate also takes rows dated after `as_of` (where the
        /// words stand).
        future: Option<Span>,
    },
    /// `[a, b]`: the candidates of `in`, the items of `contains_any`, the value of a `let`
    /// (elsewhere an error of the checker, kept for good messages).
    List(Vec<Expr>),
    /// `( expr )`, kept so the formatter can keep the parentheses.
    Paren(Box<Expr>),
}

/// `ties by NAME [asc|desc]` in a quantile call.
#[derive(Debug, Clone, PartialEq)]
pub struct Ties {
    /// What ties are broken by (the population key).
    pub by: Ident,
    /// `desc` (true) or `asc` (false), if written.
    pub descending: Option<bool>,
    /// The whole clause.
    pub span: Span,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `not`
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `||`: text concatenation.
    Concat,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Concat => "||",
        }
    }

    /// Whether this is one of the six comparisons.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    /// Whether this is an ordering comparison (`<`, `<=`, `>`, `>=`).
    pub fn is_ordering(self) -> bool {
        self.is_comparison() && !matches!(self, BinaryOp::Eq | BinaryOp::NotEq)
    }
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Where it stands.
    pub span: Span,
}

/// Literal values, validated by the parser (dates are real dates, numbers fit).
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    /// An integer, `42` or `60_000`.
    Int(i64),
    /// A decimal number, `3.5`; the text is kept so the formatter can print it unchanged.
    Float {
        /// The value.
        value: f64,
        /// The digits as written (underscores removed).
        text: String,
    },
    /// A percentage, `10%`, stored as written (10.0 for `10%`).
    Percent {
        /// The number before `%`.
        value: f64,
        /// The digits as written.
        text: String,
    },
    /// A string.
    String(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `@2026-11-01`.
    Date(chrono::NaiveDate),
    /// `@2026-11-01T08:30:00`.
    Timestamp(chrono::NaiveDateTime),
    /// `30 days`, `12 months`: the unit is validated by the checker.
    Duration {
        /// The amount.
        amount: f64,
        /// The amount as written.
        amount_text: String,
        /// The unit word as written.
        unit: Ident,
    },
}
