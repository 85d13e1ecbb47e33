//! Command-line arguments.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compile, check and run customer segment rules.
#[derive(Debug, Parser)]
#[command(
    name = "segc",
    version,
    about = "Compile, check and run customer segment rules",
    long_about = "Compile, check and run customer segment rules written in .seg files.\n\n\
        Exit codes: 0 success, 1 problems in the rules (or data not matching them), \
        2 usage, IO or environment problems."
)]
pub struct Cli {
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and type-check rule files against their declared columns (no data is read)
    Check(CheckArgs),
    /// Evaluate the segments over the data; write memberships and a summary
    Run(RunArgs),
    /// Compute every KPI and judge it against its target (met, on track, behind, missed)
    Kpi(KpiArgs),
    /// Show the DataFusion plans the rules compile to
    Explain(ExplainArgs),
    /// Run the `test` items of rule files over their rows, in memory (see docs/testing.md)
    Test(TestArgs),
    /// Rewrite rule files in the canonical layout (comments kept)
    Fmt(FmtArgs),
    /// What a change of the rules does: segments, tiers, scores, KPIs and sources added,
    /// removed, renamed and changed between two git revisions (see docs/diff.md)
    Diff(DiffArgs),
    /// Work with data schemas
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Serve as a cluster worker for `--cluster` runs (needs the `cluster` build; see
    /// docs/cluster.md)
    Worker(WorkerArgs),
}

/// `segc fmt`
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Rule files, or folders searched for `.seg` files [default: the current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Change nothing: print a diff of each file that is not formatted and exit 1 if any
    #[arg(long)]
    pub check: bool,
}

/// `segc check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files to check [default: the `files` of the segc.toml of the current folder]
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How to report problems: for people, or for tools (see docs/ci.md)
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Exit 1 on warnings too (strict CI)
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `segc test`
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule files, or folders searched for `.seg` files [default: the current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name contains TEXT (repeatable: any of them)
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,
    /// How to report: for people, or for tools (see docs/testing.md)
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Report, per segment, tier and score rule, whether some test row made its condition
    /// true and some made it false
    #[arg(long)]
    pub coverage: bool,
    /// Tests run side by side on N threads [default: number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// A folder test CSV files may be read from, besides the project's folder and `[data]
    /// roots` of segc.toml (repeatable)
    #[arg(long = "data-root", value_name = "FOLDER")]
    pub data_roots: Vec<PathBuf>,
}

/// `segc diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Up to two git revisions, BASE [default: HEAD] and HEAD [default: the work tree], then
    /// rule files (ending in `.seg`) [default: the `files` of the segc.toml of the current
    /// folder]
    #[arg(value_name = "BASE|HEAD|FILE")]
    pub items: Vec<String>,
    /// How to report: for people, for tools, or for a pull-request comment (see docs/diff.md)
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Also run both versions over the data the rules declare, in one plan per file: members
    /// before and after, who entered and who left each changed segment and tier
    #[arg(long)]
    pub data: bool,
    /// Compare the outputs of two runs instead: the arguments are two folders `segc run` wrote,
    /// or dates of a Delta table `segc run --format delta` wrote (`TABLE@2026-11-01`)
    /// (earlier, later): who entered and left each segment, and each tiers' moves
    #[arg(long, conflicts_with = "data")]
    pub runs: bool,
    /// Exit 1 when a changed segment or tier passes this gate over the data (with --data or
    /// --runs;
    /// repeatable): `[NAME:] change|entered|left|members >|>=|<|<= NUMBER[%]`, such as
    /// `change > 20%` or `vip: left > 100`
    #[arg(long = "fail-if", value_name = "GATE")]
    pub fail_if: Vec<String>,
    #[command(flatten)]
    /// Data options (with --data).
    pub data_options: DataArgs,
}

/// Report formats of `segc diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Each changed item with its old and new text, as a line diff
    Human,
    /// One JSON document on stdout (documented in docs/diff.md)
    Json,
    /// Markdown, ready to post as a pull-request comment
    Markdown,
}

/// Report formats of `segc test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per test on stdout, failures drawn on stderr
    Human,
    /// One JSON document on stdout
    Json,
    /// JUnit XML on stdout, one test case per test
    Junit,
    /// GitHub Actions workflow annotations on stdout, one per failure
    Github,
}

/// Report formats of `segc check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Annotated source excerpts on stderr
    Human,
    /// One JSON document on stdout (documented in docs/ci.md)
    Json,
    /// SARIF 2.1.0 on stdout, for code-scanning tools
    Sarif,
    /// GitHub Actions workflow annotations on stdout
    Github,
    /// JUnit XML on stdout, one test case per file
    Junit,
}

/// Options shared by the commands that read data.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Evaluation date, `as_of` in the rules (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Value for a ${NAME} variable reference in source locations (repeatable; overrides the environment)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Number of threads and partitions [default: number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Memory for the query (e.g. 2G, 512M); sorts and aggregates spill to disk beyond it
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<usize>,
    /// A folder (or URL prefix, `s3://lake/exports/`) data may be read from, besides the
    /// project's folder and `[data] roots` of segc.toml (repeatable)
    #[arg(long = "data-root", value_name = "FOLDER")]
    pub data_roots: Vec<PathBuf>,
    /// Run the plans on these `segc worker`s (http://HOST:PORT, comma-separated; see
    /// docs/cluster.md) [default: `[cluster] workers` of segc.toml, else here]
    #[arg(long, value_name = "URL,...", value_delimiter = ',')]
    pub cluster: Vec<String>,
    /// On a cluster, the bytes of input files each task reads (e.g. 64M) [default: 16M]
    #[arg(long, value_name = "SIZE", value_parser = parse_split)]
    pub cluster_split: Option<usize>,
    /// Progress of long runs on stderr: a line redrawn on a terminal (`auto`), plain lines
    /// for logs (`lines`), or none
    #[arg(long, value_enum, value_name = "HOW", default_value = "auto")]
    pub progress: ProgressArg,
}

/// How the progress of long runs is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// A line redrawn in place, when stderr is a terminal and the run lasts a second.
    Auto,
    /// Plain lines, at most one every few seconds, also when stderr is a file or a pipe.
    Lines,
    /// None.
    Off,
}

/// `segc worker`
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The address to listen on (port 0 picks a free one; the ready line on stderr says which)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7100")]
    pub listen: String,
    /// Number of threads [default: number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// `segc run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The rule file [default: every file of the `files` of the segc.toml of the current
    /// folder, each into its own folder under the output folder]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output folder, created if missing, or a folder in object storage (`s3://lake/segments/`)
    /// [default: the rule file's own folder under `[output] dir` of segc.toml]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Membership file format [default: `[output] format` of segc.toml, else parquet]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Membership layout: wide (a column per segment, score and tiers) or long (key, segment
    /// rows) [default: `[output] layout` of segc.toml, else wide]
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Compute only this segment (or score, or tiers, also an imported one) and what it depends
    /// on (repeatable; needs FILE)
    #[arg(long = "segment", value_name = "NAME", requires = "file")]
    pub segments: Vec<String>,
    /// Count the members every two segments (and every tier and segment) share: Jaccard
    /// index and containment, printed (the most overlapping pairs) and in summary.json
    #[arg(long)]
    pub overlaps: bool,
    /// Exit 1 when a size expectation is broken, also one that is only a warning
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<RunFailOn>,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Without FILE: also say which files of the project share one plan, and why the others
    /// do not
    #[arg(long, short, conflicts_with = "quiet")]
    pub verbose: bool,
    #[command(flatten)]
    /// Data options.
    pub data: DataArgs,
}

/// When `segc run` fails besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFailOn {
    /// When a size expectation (`expect ...`) is broken
    Expectation,
}

/// `segc kpi`
#[derive(Debug, Args)]
pub struct KpiArgs {
    /// The rule file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Compute only this KPI (repeatable)
    #[arg(long = "kpi", value_name = "NAME")]
    pub kpis: Vec<String>,
    /// Baseline values recorded by an earlier run (for `vs baseline` targets and progress)
    /// [default: `[kpi] baseline` of segc.toml]
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record this run's values as a baseline file (JSON, meant for git)
    #[arg(long, value_name = "FILE")]
    pub save_baseline: Option<PathBuf>,
    /// Append this run's KPI rows to a Delta table (a folder or `s3://…`), replacing the rows
    /// of the same rule file and date: one row per KPI and group
    #[arg(long, value_name = "TABLE")]
    pub save_history: Option<String>,
    /// Report format (see docs/cli.md)
    #[arg(long, value_enum, default_value_t = KpiFormat::Table)]
    pub format: KpiFormat,
    /// Exit 1 when a KPI is missed, or also when one is behind, has no data or is beyond its warn
    /// level; or when a size expectation of a group is broken
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    /// Data options.
    pub data: DataArgs,
}

/// Report formats of `segc kpi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KpiFormat {
    /// A table for the terminal
    Table,
    /// One JSON document (documented in docs/cli.md)
    Json,
    /// A Markdown table, for pull-request comments
    Markdown,
}

/// When `segc kpi` fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// When a KPI missed its target
    Miss,
    /// When a KPI missed, is behind, has no data, or is beyond its warn level
    Warn,
    /// When a size expectation of a group the KPIs are computed over is broken
    Expectation,
}

/// `segc explain`
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule file [default: every file of the `files` of the segc.toml of the current
    /// folder: the plans of a project run, one per group of files sharing it]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Plan only this segment (or score, or tiers) and what it depends on (repeatable; needs
    /// FILE)
    #[arg(long = "segment", value_name = "NAME", requires = "file")]
    pub segments: Vec<String>,
    /// Also show the physical plan
    #[arg(long, conflicts_with = "declared")]
    pub physical: bool,
    /// Run the plan (writing nothing) and show the physical plan with each operator's rows,
    /// time and memory
    #[arg(long, conflicts_with_all = ["declared", "physical"])]
    pub analyze: bool,
    /// Plan over the declared schemas without reading any data (logical plan only)
    #[arg(long)]
    pub declared: bool,
    /// Show the plan computing the KPIs instead of the memberships (needs FILE)
    #[arg(long, conflicts_with = "segments", requires = "file")]
    pub kpis: bool,
    /// Instead of plans, the declared columns each output and KPI reads, through lets,
    /// aggregates and references (all, or those named); no data is read
    #[arg(long, num_args = 0.., value_name = "NAME", requires = "file", conflicts_with_all = ["segments", "kpis", "physical", "analyze"])]
    pub lineage: Option<Vec<String>>,
    /// With --lineage: print JSON
    #[arg(long, requires = "lineage")]
    pub json: bool,
    #[command(flatten)]
    /// Data options.
    pub data: DataArgs,
}

/// `segc schema ...`
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print a `source` declaration for a Parquet or CSV file
    Infer(InferArgs),
}

/// `segc schema infer`
#[derive(Debug, Args)]
pub struct InferArgs {
    /// The data files or folders (several: declared together, a column named like another
    /// file's key `references` it)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Source name to declare, with one file [default: the file name without extension]
    #[arg(long)]
    pub name: Option<String>,
    /// The rule file the declarations are for: locations are written relative to its folder,
    /// as segc reads them [default: relative to the current folder]
    #[arg(long = "for", value_name = "RULES")]
    pub for_rules: Option<PathBuf>,
    /// File format [default: from the extension]
    #[arg(long, value_enum)]
    pub format: Option<InferFormat>,
    /// CSV field delimiter
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Declare text columns with at most this many distinct values as enums (0: never)
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub enum_max: usize,
}

/// Membership output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Apache Parquet (zstd)
    Parquet,
    /// CSV with a header line
    Csv,
    /// A Delta table at --out, partitioned by as_of (a run replaces its date)
    Delta,
}

/// Membership layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// One row per member: a boolean per segment, a number per score, the tier per tiers
    Wide,
    /// One row per membership: (key, segment), tiers as (key, tiers:tier); scores left out
    Long,
}

/// Input format for schema inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InferFormat {
    /// Apache Parquet
    Parquet,
    /// CSV with a header line
    Csv,
    /// A Delta table at --out, partitioned by as_of (a run replaces its date)
    Delta,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write YYYY-MM-DD"))
}

/// A size such as `2G`, `512M`, `1.5GB`, `64k` or a number of bytes.
fn parse_size(text: &str) -> Result<usize, String> {
    let bytes = parse_bytes(text)?;
    if bytes < 1024 * 1024 {
        return Err("the memory limit must be at least 1M".into());
    }
    Ok(bytes)
}

/// A number of bytes (`16M`, `1`): at least one.
fn parse_split(text: &str) -> Result<usize, String> {
    match parse_bytes(text)? {
        0 => Err("a task reads at least 1 byte".into()),
        bytes => Ok(bytes),
    }
}

fn parse_bytes(text: &str) -> Result<usize, String> {
    let upper = text.trim().to_ascii_uppercase();
    let digits_end = upper
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(upper.len());
    let (number, unit) = upper.split_at(digits_end);
    let factor: f64 = match unit.trim().trim_end_matches('B').trim_end_matches('I') {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("`{text}` is not a size; write it like 2G or 512M")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write it like 2G or 512M"))?;
    let bytes = value * factor;
    if !(bytes >= 0.0 && bytes < usize::MAX as f64) {
        return Err(format!("`{text}` is not a size; write it like 2G or 512M"));
    }
    Ok(bytes as usize)
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text.as_bytes() {
        [b] if *b != b'\n' && *b != b'"' => Ok(*b),
        _ => Err("the delimiter is one ASCII character, such as ';'".into()),
    }
}
