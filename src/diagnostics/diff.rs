//! Problems of `segc diff` (`E15xx`): git that cannot be run or does not know a revision, rule
//! files outside the repository or in neither version, rules with errors at a revision.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};

/// A problem of `segc diff`.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffDiagnostic {
    /// The `git` program cannot be started (E1501).
    GitUnavailable {
        /// The system's message.
        message: String,
    },
    /// The current folder is not inside a git work tree (E1502).
    NotARepository {
        /// The folder.
        dir: String,
    },
    /// git knows no commit by this name (E1503).
    UnknownRevision {
        /// The revision as given.
        revision: String,
    },
    /// More than two arguments that are not rule files (E1504).
    TooManyRevisions {
        /// The arguments taken for revisions.
        given: Vec<String>,
    },
    /// A rule file lies outside the repository, so no revision has it (E1505).
    OutsideRepository {
        /// The file as given.
        path: String,
        /// The repository's top folder.
        top: String,
    },
    /// The rules of a file have errors in one of the versions compared (E1506): its
    /// diagnostics are reported before this one.
    RulesWithErrors {
        /// The file.
        file: String,
        /// The version (`HEAD`, `work tree`).
        version: String,
    },
    /// A rule file given is in neither version (E1507).
    InNeither {
        /// The file as given.
        path: String,
        /// The two versions.
        base: String,
        /// The second version.
        head: String,
    },
    /// `--data`: the two versions' populations are different sources (E1508).
    OtherPopulation {
        /// The file.
        file: String,
        /// The old version's population.
        old: String,
        /// The new version's.
        new: String,
    },
    /// `--data`: the old version reads a source the new one no longer declares (E1509).
    SourceOnlyInBase {
        /// The file.
        file: String,
        /// The source.
        source: String,
    },
    /// `--data`: the versions read other rows of a source, or other members of the
    /// population (its `where`, or the population's) (E1516).
    OtherRows {
        /// The file.
        file: String,
        /// The source.
        source: String,
    },
    /// `--fail-if` without `--data` (E1510).
    GateWithoutData,
    /// A `--fail-if` gate that cannot be read (E1511).
    BadGate {
        /// The gate as written.
        gate: String,
        /// What is wrong, in words.
        problem: String,
    },
    /// A `--fail-if` gate naming no segment or tiers of the files compared (E1512).
    GateNamesNothing {
        /// The gate as written.
        gate: String,
        /// The name.
        name: String,
        /// Close names.
        candidates: Vec<String>,
    },
    /// A change passed a `--fail-if` gate (E1513).
    GateTripped {
        /// The gate as written.
        gate: String,
        /// The segment or tier (`value.gold`).
        subject: String,
        /// Members before.
        before: u64,
        /// Members after.
        after: u64,
        /// The measured value (`change 45.0 %`, `left 9`).
        measured: String,
    },
    /// `--runs`: an output folder whose run cannot be read (E1514).
    RunUnreadable {
        /// The folder.
        dir: String,
        /// Why, in the reader's words.
        message: String,
    },
    /// `--runs` without exactly two output folders (E1515).
    RunsNotTwo {
        /// The arguments given.
        given: usize,
    },
    /// `--runs TABLE@DATE`: the Delta table cannot be read (E1517).
    DeltaRunsUnreadable {
        /// The table, as given.
        table: String,
        /// Why, in the reader's words.
        message: String,
    },
    /// `--runs TABLE@DATE`: no run of that date was written into the table (E1518).
    DeltaRunMissing {
        /// The table, as given.
        table: String,
        /// The date asked for.
        as_of: String,
        /// The dates the table has runs of, in order.
        dates: Vec<String>,
    },
    /// `--runs TABLE@DATE`: the run of that date does not record its segments and tiers, as
    /// runs of segc before this one do not (E1519).
    DeltaRunWithoutOutputs {
        /// The table, as given.
        table: String,
        /// The date asked for.
        as_of: String,
    },
    /// `--runs TABLE@vN`: the table has no such version (E1520).
    DeltaVersionMissing {
        /// The table, as given.
        table: String,
        /// The version asked for.
        version: u64,
        /// The table's latest version.
        latest: u64,
    },
    /// `--runs TABLE@vN`: the version was not committed by a `segc run` (E1521).
    DeltaVersionNotARun {
        /// The table, as given.
        table: String,
        /// The version asked for.
        version: u64,
    },
}

impl DiffDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use DiffDiagnostic::*;
        match self {
            GitUnavailable { message } => d
                .code(E1501)
                .message(|| format!("cannot run git: {message}"))
                .help(|| "segc diff reads old versions of the rules with git: install it, or put it on the PATH"),
            NotARepository { dir } => d
                .code(E1502)
                .message(|| format!("`{dir}` is not inside a git repository"))
                .help(|| "run segc diff in the checkout of the rules (or `git init` one)"),
            UnknownRevision { revision } => d
                .code(E1503)
                .message(|| format!("git knows no commit `{revision}`"))
                .help(|| {
                    "give a branch, a tag or a commit (`main`, `v1.2`, `HEAD~1`); on CI, fetch the base branch first (`git fetch origin main`)"
                }),
            TooManyRevisions { given } => d
                .code(E1504)
                .message(|| {
                    let quoted: Vec<String> = given.iter().map(|g| format!("`{g}`")).collect();
                    format!("at most two revisions are compared, and {} are given: {}", given.len(), quoted.join(", "))
                })
                .help(|| "give `segc diff [BASE] [HEAD] [FILE...]`: rule files end in `.seg`"),
            OutsideRepository { path, top } => d
                .code(E1505)
                .message(|| format!("`{path}` is outside the git repository `{top}`"))
                .help(|| "compare rule files of the repository segc diff runs in"),
            RulesWithErrors { file, version } => d
                .code(E1506)
                .message(|| format!("`{file}` has errors in the {version} version: it cannot be compared"))
                .help(|| "the errors are reported above; fix them (in a new commit, for a revision) and compare again"),
            InNeither { path, base, head } => d
                .code(E1507)
                .message(|| format!("`{path}` is in neither version compared ({base}, {head})"))
                .help(|| "check the path: it is taken from the current folder, as for `git diff`"),
            GateWithoutData => d
                .code(E1510)
                .message(|| "--fail-if checks members: it needs --data")
                .help(|| "add --data (and --as-of DATE) to run both versions over the data"),
            BadGate { gate, problem } => d
                .code(E1511)
                .message(|| format!("cannot read the gate `{gate}`: {problem}"))
                .help(|| "write `[NAME:] change|entered|left|members >|>=|<|<= NUMBER[%]`, such as `change > 20%` or `vip: left > 100`"),
            GateNamesNothing {
                gate,
                name,
                candidates,
            } => d
                .code(E1512)
                .message(|| format!("the gate `{gate}` names `{name}`, which is no segment or tiers of the files compared"))
                .help(|| did_you_mean(candidates).unwrap_or_else(|| "name a segment, tiers (`value`) or tier (`value.gold`)".into())),
            GateTripped {
                gate,
                subject,
                before,
                after,
                measured,
            } => d
                .code(E1513)
                .message(|| format!("`{subject}` passes the gate `{gate}`: {measured} ({before} → {after} members)"))
                .help(|| "review the change's entered and left members above; the gate is set by --fail-if"),
            RunUnreadable { dir, message } => d
                .code(E1514)
                .message(|| format!("cannot read the run in `{dir}`: {message}"))
                .help(|| "give folders `segc run --out` wrote to (with summary.json and membership.parquet or .csv)"),
            RunsNotTwo { given } => d
                .code(E1515)
                .message(|| format!("--runs compares two output folders, and {given} are given"))
                .help(|| "give `segc diff --runs OUT_BEFORE OUT_AFTER`"),
            DeltaRunsUnreadable { table, message } => d
                .code(E1517)
                .message(|| format!("cannot read the Delta table `{table}`: {message}"))
                .help(|| "give a Delta table `segc run --format delta --out TABLE` wrote, as `TABLE@DATE`"),
            DeltaRunMissing { table, as_of, dates } => d
                .code(E1518)
                .message(|| format!("the Delta table `{table}` has no run of {as_of}"))
                .help(|| match dates.is_empty() {
                    true => "no `segc run --format delta` has written into it".to_string(),
                    false => format!("it has runs of {}", dates.join(", ")),
                }),
            DeltaRunWithoutOutputs { table, as_of } => d
                .code(E1519)
                .message(|| format!("the run of {as_of} in the Delta table `{table}` does not record its segments and tiers"))
                .help(|| "it was written by an earlier segc: run the rules of that date again with `--format delta` (the partition is replaced)"),
            DeltaVersionMissing { table, version, latest } => d
                .code(E1520)
                .message(|| format!("the Delta table `{table}` has no version {version}"))
                .help(|| format!("its versions go up to {latest} (older ones may have been cleaned up from its log); `segc run --format delta` prints the version it commits")),
            DeltaVersionNotARun { table, version } => d
                .code(E1521)
                .message(|| format!("version {version} of the Delta table `{table}` is no run of segc"))
                .help(|| "give a version a `segc run --format delta` committed (it prints it), or a date: `TABLE@YYYY-MM-DD`"),
            OtherPopulation { file, old, new } => d
                .code(E1508)
                .message(|| format!("`{file}`: the population is `{old}` in one version and `{new}` in the other: their members cannot be compared over the data"))
                .help(|| "compare without --data: the changes of the rules are still listed"),
            SourceOnlyInBase { file, source } => d
                .code(E1509)
                .message(|| format!("`{file}`: the base version reads the source `{source}`, which the other version does not declare"))
                .help(|| "both versions run over the sources the new version declares; compare without --data, or keep the source declared until the change is merged"),
            OtherRows { file, source } => d
                .code(E1516)
                .message(|| format!("`{file}`: the versions read other rows of `{source}` (its `where`, or the population's, changed): one pass over the data cannot compute both"))
                .help(|| "compare the outputs of a run of each version with `segc diff --runs OUT_BEFORE OUT_AFTER`, or compare without --data"),
        }
    }
}
