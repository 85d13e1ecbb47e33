//! Problems found in rule files, as data.
//!
//! Every stage reports problems as [`Diagnostic`] values: enum variants holding spans, names and
//! candidates, never preformatted text. All wording lives in this module (codes, messages and
//! labels in `wording`, help texts in `help`), and the conversion to terminal output lives in
//! [`render`]. Each variant has a stable code, listed in `docs/errors.md`.

mod help;
mod import;
mod kpi;
mod lint;
mod parts;
mod sink;
mod wording;

pub mod render;

use crate::span::Span;
use crate::types::Type;

pub use import::ImportDiagnostic;
pub use kpi::KpiDiagnostic;
pub use lint::{Level, Lint, LintDiagnostic};
pub use parts::{
    Blame, Context, Label, NameKind, Severity, SyntaxHint, TypeArgumentProblem, VarProblem,
};
pub use sink::Sink;

/// One problem, with everything needed to word and place it.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagnostic {
    // ----- syntax (E01xx)
    /// The text does not follow the grammar.
    Syntax {
        /// Where parsing stopped.
        span: Span,
        /// What would have been accepted there, in words.
        expected: Vec<&'static str>,
        /// What was found (`None` at the end of the item).
        found: Option<String>,
        /// Keywords close to what was found (`adn` → `and`).
        candidates: Vec<String>,
        /// A likely cause recognised from the text, if any.
        hint: Option<SyntaxHint>,
    },
    /// A string literal is not closed on its line.
    UnterminatedString {
        /// From the opening quote to the end of the line.
        span: Span,
    },
    /// A number does not fit 64 bits.
    NumberTooLarge {
        /// The literal.
        span: Span,
    },
    /// `@...` is not a valid date or timestamp.
    InvalidDate {
        /// The literal.
        span: Span,
        /// The literal text.
        text: String,
    },
    /// A backslash escape that is not `\"`, `\\`, `\n` or `\t`.
    InvalidEscape {
        /// The escape.
        span: Span,
        /// The escape text.
        escape: String,
    },
    /// A chunk of text that does not start with an item keyword.
    StrayText {
        /// The first word.
        found: String,
        /// Where it stands.
        span: Span,
        /// Item keywords close to it.
        candidates: Vec<String>,
    },
    /// An item nested too deeply to be compiled safely.
    TooDeep {
        /// The item.
        span: Span,
    },

    // ----- names (E02xx)
    /// A name that is not declared.
    UnknownName {
        /// What kind of thing was named.
        kind: NameKind,
        /// The name.
        name: String,
        /// Where it is used.
        span: Span,
        /// Close names that exist.
        candidates: Vec<String>,
    },
    /// A column that the named source does not declare.
    UnknownColumn {
        /// The source.
        source: String,
        /// The column name.
        name: String,
        /// Where it is used.
        span: Span,
        /// Where the source is declared.
        source_span: Span,
        /// Close column names.
        candidates: Vec<String>,
    },
    /// An unknown function.
    UnknownFunction {
        /// The name.
        name: String,
        /// Where it is called.
        span: Span,
        /// Close function names.
        candidates: Vec<String>,
    },
    /// A name declared twice.
    DuplicateName {
        /// What kind of thing.
        kind: NameKind,
        /// The name.
        name: String,
        /// The first declaration.
        first: Span,
        /// The repeated declaration.
        second: Span,
    },
    /// A declaration that reuses a built-in name (`as_of`).
    ReservedName {
        /// The name.
        name: String,
        /// Where it is declared.
        span: Span,
    },
    /// A column of a source other than the population used directly in a rule.
    NotPopulationColumn {
        /// `source.column` as written.
        name: String,
        /// The source it belongs to.
        source: String,
        /// The population source.
        population: String,
        /// Where it is used.
        span: Span,
    },
    /// A qualified name with more than two parts (`a.b.c`).
    BadQualifiedName {
        /// Where it is used.
        span: Span,
    },

    /// Inside an aggregate, a name that is not a column of the aggregated source.
    NotInAggregateSource {
        /// The name.
        name: String,
        /// The aggregated source.
        source: String,
        /// Where it is used.
        span: Span,
        /// Close column names of the source.
        candidates: Vec<String>,
    },
    /// An aggregate over a source with no column referencing the population.
    MissingLink {
        /// The aggregated source.
        source: String,
        /// The population.
        population: String,
        /// The population's key declaration (`customer_id: int`), for the suggested link.
        key: String,
        /// The aggregate's argument.
        span: Span,
        /// Where the source is declared.
        source_span: Span,
    },
    /// An aggregate over a source with several columns referencing the population.
    AmbiguousLink {
        /// The aggregated source.
        source: String,
        /// The population.
        population: String,
        /// The referencing columns.
        columns: Vec<String>,
        /// The aggregate's argument.
        span: Span,
    },

    // ----- sources (E03xx)
    /// An unknown column type.
    UnknownType {
        /// The type name.
        name: String,
        /// Where it is written.
        span: Span,
        /// Close type names.
        candidates: Vec<String>,
    },
    /// Type arguments that do not fit the type (`decimal(50, 2)`, `enum()`, ...).
    BadTypeArguments {
        /// The type name.
        type_name: String,
        /// What is wrong.
        problem: TypeArgumentProblem,
        /// Where.
        span: Span,
    },
    /// An unknown file format.
    UnknownFormat {
        /// The format word.
        name: String,
        /// Where.
        span: Span,
        /// Close formats.
        candidates: Vec<String>,
    },
    /// The population source declares no `key`.
    MissingKey {
        /// The source name.
        source: String,
        /// The source's name span.
        span: Span,
    },
    /// A source declares two keys.
    MultipleKeys {
        /// The first key.
        first: Span,
        /// The second key.
        second: Span,
    },
    /// A key column marked nullable.
    NullableKey {
        /// The `?`'s column.
        span: Span,
    },
    /// Several sources and no `population` item.
    MissingPopulation {
        /// Where the first source is declared.
        span: Span,
    },
    /// No source declared at all.
    NoSource,
    /// Two `population` items.
    DuplicatePopulation {
        /// The first.
        first: Span,
        /// The second.
        second: Span,
    },
    /// A reader option that the format does not have.
    UnknownOption {
        /// The option name.
        name: String,
        /// The format.
        format: String,
        /// Where.
        span: Span,
        /// Close option names.
        candidates: Vec<String>,
    },
    /// A reader option with a value of the wrong kind.
    BadOptionValue {
        /// The option name.
        name: String,
        /// What it takes, in words.
        expected: &'static str,
        /// The value.
        span: Span,
    },
    /// A malformed `${VAR}` variable reference in a location.
    BadVariable {
        /// The location literal.
        span: Span,
        /// The offending text.
        text: String,
    },
    /// A source declaring no column.
    EmptySource {
        /// The source name.
        span: Span,
    },

    /// A `references` column whose type differs from the referenced key's.
    ReferenceType {
        /// The referencing column.
        column: String,
        /// Its type as written.
        declared: String,
        /// `source.key`.
        key: String,
        /// The key's type as written.
        key_type: String,
        /// The referencing column's type.
        span: Span,
        /// The key's declaration.
        key_span: Span,
    },

    // ----- types (E04xx)
    /// A value of the wrong type where a specific kind was needed.
    ExpectedType {
        /// What was needed, in words (`a condition (bool)`, `a number`).
        expected: &'static str,
        /// What was found.
        found: Type,
        /// The value.
        span: Span,
        /// Where it stands.
        context: Context,
    },
    /// Two operands that cannot be combined with an operator.
    OperandTypes {
        /// The operator as written.
        op: &'static str,
        /// Where the operator stands (or the item, inside lists and ranges).
        op_span: Span,
        /// Left type.
        lhs: Type,
        /// Right type.
        rhs: Type,
        /// Left operand.
        lhs_span: Span,
        /// Right operand.
        rhs_span: Span,
    },
    /// A string that is not among an enum's declared values.
    UnknownEnumValue {
        /// The string.
        value: String,
        /// Where it stands.
        span: Span,
        /// The enum definition (owner, values, declaration span).
        owner: String,
        /// Where the enum is declared.
        declared: Span,
        /// Close declared values.
        candidates: Vec<String>,
    },
    /// Values that cannot stand together (branches of `if`, `coalesce` arguments).
    IncompatibleValues {
        /// The first type.
        first: Type,
        /// The first value.
        first_span: Span,
        /// The other type.
        other: Type,
        /// The other value.
        other_span: Span,
        /// Where (`if` branches, `coalesce`, a list).
        context: &'static str,
    },
    /// A function called with the wrong number of arguments.
    ArgumentCount {
        /// The function.
        function: String,
        /// What it takes, in words (`2`, `1 or 2`, `at least 1`).
        expected: &'static str,
        /// What was given.
        found: usize,
        /// The call.
        span: Span,
    },
    /// `x == null`, `x < null`, `x in [null]`: comparing with null is never true.
    NullComparison {
        /// The comparison.
        span: Span,
        /// The operator as written (`==`, `!=`, `<`, ..., `in`, `not in`).
        op: &'static str,
    },
    /// A duration in months or years used as a length of time.
    CalendarDuration {
        /// The literal.
        span: Span,
    },
    /// A list used anywhere but right of `in`.
    MisplacedList {
        /// The list.
        span: Span,
    },
    /// Enum ordering comparison with a value that is not a literal.
    EnumOrdering {
        /// The comparison.
        span: Span,
    },

    /// An aggregate whose argument names no related source.
    AggregateNeedsSource {
        /// The aggregate.
        function: String,
        /// The argument.
        span: Span,
    },
    /// `sum(orders)`: an aggregate other than `count`/`exists` needs a value.
    AggregateNeedsValue {
        /// The aggregate.
        function: String,
        /// The argument.
        span: Span,
    },
    /// An aggregate over the population itself.
    AggregateOverPopulation {
        /// The population.
        population: String,
        /// The argument.
        span: Span,
    },
    /// An aggregate inside another aggregate.
    NestedAggregate {
        /// The inner aggregate.
        span: Span,
    },
    /// `where` or `by` on a function that does not take it.
    MisplacedClause {
        /// The function.
        function: String,
        /// `where` or `by`.
        clause: &'static str,
        /// The clause's expression.
        span: Span,
    },
    /// `ntile` whose group count is not a whole number literal from 2 to 1000.
    QuantileGroups {
        /// The count argument.
        span: Span,
    },
    /// A quantile inside an aggregate.
    QuantileInAggregate {
        /// The quantile.
        span: Span,
    },
    /// `first` or `last` without `by`.
    MissingOrder {
        /// The aggregate.
        function: String,
        /// The call.
        span: Span,
    },

    // ----- definitions (E05xx)
    /// Definitions that refer to each other in a cycle.
    Cycle {
        /// The definitions in cycle order, each with its declaration name span.
        chain: Vec<(String, Span)>,
    },

    /// `else` that is not the last tier.
    ElseNotLast {
        /// The `else` arm.
        span: Span,
    },
    /// A holdout or split share that is not a percentage in range.
    BadShare {
        /// The share.
        span: Span,
        /// `a holdout` or `a split group`.
        what: &'static str,
    },
    /// Split groups whose shares do not add up to 100 %, or fewer than two groups.
    SplitShares {
        /// The split's name.
        span: Span,
        /// The total of the shares, in percent.
        total: f64,
        /// How many groups.
        groups: usize,
    },
    /// An empty seed.
    EmptySeed {
        /// The seed literal.
        span: Span,
    },
    /// A tier that can never be chosen (warning).
    UnreachableTier {
        /// The tier.
        tier: String,
        /// Its arm.
        span: Span,
        /// The earlier tier that takes all its members, if one does.
        earlier: Option<(String, Span)>,
    },
    /// Tiers without `else`: some members may get no tier (warning).
    TiersWithoutElse {
        /// The tiers' name.
        name: String,
        /// The tiers' name span.
        span: Span,
    },
    /// A tier named like another definition, which wins in expressions (warning).
    TierShadows {
        /// The tier.
        tier: String,
        /// The tier's arm.
        span: Span,
        /// The other definition.
        other: Span,
    },

    // ----- literals (E06xx)
    /// A duration with an unknown unit.
    UnknownUnit {
        /// The unit word.
        unit: String,
        /// Where.
        span: Span,
        /// Close units or keywords.
        candidates: Vec<String>,
    },
    /// A fractional amount of months or years (`1.5 months`).
    FractionalCalendarUnit {
        /// The literal.
        span: Span,
    },
    /// A duration beyond what can be represented (about 290,000 years).
    DurationTooLong {
        /// The literal.
        span: Span,
    },
    /// A `matches` pattern that is not a valid regular expression.
    InvalidRegex {
        /// The pattern literal.
        span: Span,
        /// What the regex parser says.
        message: String,
    },
    /// A percentage outside 0%..100%.
    PercentOutOfRange {
        /// The literal.
        span: Span,
    },

    // ----- data and running (E07xx)
    /// The declared location matches no file.
    DataNotFound {
        /// The location literal.
        span: Span,
        /// The resolved path or pattern.
        location: String,
    },
    /// A declared column is not in the data.
    ColumnNotInData {
        /// The source.
        source: String,
        /// The column.
        column: String,
        /// The column declaration.
        span: Span,
        /// Columns of the data with close names.
        candidates: Vec<String>,
        /// The first file without it, when the source has several files.
        file: Option<String>,
        /// How many more files lack it.
        others: usize,
    },
    /// A declared column's type does not match the data.
    ColumnTypeMismatch {
        /// The column.
        column: String,
        /// The declared type as written.
        declared: String,
        /// The data type.
        found: String,
        /// The type in the declaration.
        span: Span,
        /// The first file with that type, when the source has several files.
        file: Option<String>,
        /// How many more files have a type that does not match.
        others: usize,
    },
    /// `${VAR}` with no `--var VAR=...` and no environment variable.
    UnsetVariable {
        /// The variable.
        name: String,
        /// The location literal.
        span: Span,
    },
    /// A location whose scheme this build cannot read.
    UnsupportedLocation {
        /// The scheme (`s3`, `gs`, ...).
        scheme: String,
        /// The location literal.
        span: Span,
    },
    /// Reading or evaluating the data failed.
    DataError {
        /// The source (or the population) being read.
        span: Span,
        /// The reader's message.
        message: String,
    },
    /// The query needed more memory than `--memory-limit` allows, even spilling.
    OutOfMemory {
        /// The engine's message.
        message: String,
    },
    /// Data files whose schema could not be read.
    UnreadableData {
        /// The location literal.
        span: Span,
        /// The file that could not be read, when known.
        file: Option<String>,
        /// The reader's message.
        message: String,
    },

    /// CSV files of one source whose header lines differ (CSV columns are read by position).
    CsvColumnsDiffer {
        /// The location literal.
        span: Span,
        /// The file that differs.
        file: String,
        /// Its columns.
        columns: String,
        /// The columns of the first file.
        expected: String,
    },
    /// The declared location holds only empty files.
    EmptyData {
        /// The location literal.
        span: Span,
        /// The resolved path or pattern.
        location: String,
    },
    /// A member row with an empty key.
    MissingKeyValue {
        /// The key column's declaration.
        span: Span,
    },
    /// A key value on several rows of the population.
    RepeatedKey {
        /// The key column's declaration.
        span: Span,
        /// The repeated value.
        value: String,
    },
    /// Writing an output file failed.
    OutputFailed {
        /// The file or folder.
        path: String,
        /// The system's message.
        message: String,
    },

    /// The machine refused to read or write while running (no space left for spills, too many
    /// open files, permissions of the temporary folder).
    SystemIo {
        /// The system's message.
        message: String,
    },
    /// A data location outside the folders data may be read from.
    DataOutsideRoots {
        /// The location literal.
        span: Span,
        /// The location (or the file under it) as shown.
        location: String,
        /// The folders data may be read from.
        roots: Vec<String>,
    },
    /// Another run holds the lock on the output folder.
    OutputBusy {
        /// The output folder.
        path: String,
    },
    /// The output folder lies in a folder a source reads.
    OutputInsideSource {
        /// The source's location literal.
        span: Span,
        /// The output folder.
        output: String,
    },

    /// The query engine could not start (threads could not be created).
    EngineFailed {
        /// The system's message.
        message: String,
    },

    // ----- command line (E08xx)
    /// A malformed `--var`.
    InvalidVar {
        /// The argument.
        argument: String,
        /// What is wrong.
        problem: VarProblem,
    },
    /// A rule file or data file that cannot be read.
    FileUnreadable {
        /// The path.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A `segc.toml` that cannot be read or holds unknown settings.
    InvalidProject {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// `segc check` without files, and no project listing any.
    NoRuleFiles {
        /// The project file found, if any (it has no `files`).
        project: Option<String>,
    },
    /// `segc run` without `--out`, and no `[output] dir` in the project.
    NoOutputDir {
        /// The project file found, if any.
        project: Option<String>,
    },
    /// `--segment NAME` naming no segment.
    UnknownSelectedSegment {
        /// The name.
        name: String,
        /// Close segment names.
        candidates: Vec<String>,
    },

    // ----- KPIs (E10xx, W10xx)
    /// A problem with a KPI, its baseline or its evaluation.
    Kpi(KpiDiagnostic),
    /// A problem with an `import` (E12xx).
    Import(ImportDiagnostic),

    // ----- lints (W11xx)
    /// A lint's finding.
    Lint(LintDiagnostic),
    /// A lint's finding (or any warning with a lint) at level `deny`: an error.
    Denied(Box<Diagnostic>),

    // ----- internal (E09xx)
    /// A bug in segc: the plan builder refused what the checker accepted.
    Internal {
        /// What was being lowered.
        span: Span,
        /// The engine's message.
        message: String,
    },
}

impl Diagnostic {
    /// The severity: warnings never stop a run.
    pub fn severity(&self) -> Severity {
        match self {
            Diagnostic::UnreachableTier { .. }
            | Diagnostic::TiersWithoutElse { .. }
            | Diagnostic::TierShadows { .. } => Severity::Warning,
            Diagnostic::Kpi(k) => k.severity(),
            Diagnostic::Lint(_) => Severity::Warning,
            Diagnostic::Denied(_) => Severity::Error,
            _ => Severity::Error,
        }
    }

    /// Whether the rules or the environment are to blame (exit code 1 or 2).
    pub fn blame(&self) -> Blame {
        match self {
            Diagnostic::DataNotFound { .. }
            | Diagnostic::EmptyData { .. }
            | Diagnostic::UnsetVariable { .. }
            | Diagnostic::UnsupportedLocation { .. }
            | Diagnostic::UnreadableData { .. }
            | Diagnostic::OutputFailed { .. }
            | Diagnostic::OutputBusy { .. }
            | Diagnostic::OutputInsideSource { .. }
            | Diagnostic::DataOutsideRoots { .. }
            | Diagnostic::SystemIo { .. }
            | Diagnostic::EngineFailed { .. }
            | Diagnostic::InvalidVar { .. }
            | Diagnostic::FileUnreadable { .. }
            | Diagnostic::UnknownSelectedSegment { .. }
            | Diagnostic::InvalidProject { .. }
            | Diagnostic::NoRuleFiles { .. }
            | Diagnostic::OutOfMemory { .. }
            | Diagnostic::NoOutputDir { .. } => Blame::Environment,
            Diagnostic::Kpi(k) if k.blames_environment() => Blame::Environment,
            _ => Blame::Rules,
        }
    }
}
