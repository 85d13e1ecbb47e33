//! Problems with the command line and the project (`E08xx`): arguments, rule files that cannot
//! be read, `segc.toml`.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};

/// A problem with what the command was given.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandDiagnostic {
    /// A malformed `--var`.
    InvalidVar {
        /// The argument.
        argument: String,
        /// What is wrong.
        problem: VarProblem,
    },
    /// `--segment NAME` naming no segment.
    UnknownSelectedSegment {
        /// The name.
        name: String,
        /// Close segment names.
        candidates: Vec<String>,
    },
    /// A rule file or data file that cannot be read.
    FileUnreadable {
        /// The path.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A data file given to `segc schema infer` that has no columns.
    FileWithoutColumns {
        /// The path.
        path: String,
    },
    /// A `segc.toml` that cannot be read or holds unknown settings.
    InvalidProject {
        /// The file.
        path: String,
        /// What is wrong.
        problem: ProjectProblem,
    },
    /// A `segc.toml` setting that holds a secret (its value is neither read nor shown).
    SecretInProject {
        /// The file.
        path: String,
        /// The setting (`storage.s3.secret_access_key`).
        key: String,
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
}

/// What is wrong with a `--var` argument (E0801).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarProblem {
    /// No `=`.
    NoEquals,
    /// The name before `=` is not a variable name.
    BadName,
}

/// Why a file cannot be read, worded by its `Display` (the reason in E0803, E1201 and E0706).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Nothing at the path.
    NotFound,
    /// The system refuses to open it.
    PermissionDenied,
    /// A rule file that is not UTF-8 text.
    NotUtf8,
    /// Something other than a regular file: `a folder`, `a named pipe`, `a socket`, `a device`.
    NotRegular(&'static str),
    /// A rule file over the size limit.
    TooLarge {
        /// Its size in MiB.
        mib: u64,
        /// The limit in MiB.
        limit: u64,
    },
    /// The system's own words.
    System(String),
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileProblem::NotFound => write!(f, "no such file"),
            FileProblem::PermissionDenied => write!(f, "permission denied"),
            FileProblem::NotUtf8 => write!(f, "not UTF-8 text"),
            FileProblem::NotRegular(what) => write!(f, "{what}, not a regular file"),
            FileProblem::TooLarge { mib, limit } => {
                write!(
                    f,
                    "{mib} MiB is too large for a rule file (at most {limit} MiB)"
                )
            }
            FileProblem::System(message) => write!(f, "{message}"),
        }
    }
}

/// What is wrong with a `segc.toml`.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectProblem {
    /// The file cannot be read or is not valid TOML with known settings (the reader's or the
    /// TOML parser's message).
    Unreadable(String),
    /// A lint level that is not `allow`, `warn` or `deny`.
    LintLevel {
        /// The lint (or `all`).
        lint: String,
        /// The level written.
        level: String,
    },
    /// A lint name that names no lint.
    UnknownLint {
        /// The name written.
        name: String,
        /// The closest lint name, if one is close.
        close: Option<String>,
    },
    /// A `[vars]` name that is not a variable name.
    VariableName(String),
    /// A `files` entry that is not a glob pattern.
    FilePattern {
        /// The entry.
        pattern: String,
        /// The pattern parser's message.
        message: String,
    },
    /// A `files` entry that matches no `.seg` file.
    NoMatch(String),
    /// An `[overlaps] max_jaccard` outside 0..=1.
    JaccardThreshold(f64),
}

impl ProjectProblem {
    fn words(&self) -> String {
        match self {
            ProjectProblem::Unreadable(message) => message.clone(),
            ProjectProblem::LintLevel { lint, level } => {
                format!("the level of `{lint}` is `{level}`: write \"allow\", \"warn\" or \"deny\"")
            }
            ProjectProblem::UnknownLint {
                name,
                close: Some(close),
            } => format!("unknown lint `{name}` (did you mean `{close}`?)"),
            ProjectProblem::UnknownLint { name, close: None } => format!("unknown lint `{name}`"),
            ProjectProblem::VariableName(name) => format!(
                "`{name}` is not a variable name: letters, digits and `_`, not starting with a digit"
            ),
            ProjectProblem::FilePattern { pattern, message } => {
                format!("`{pattern}` is not a file pattern: {message}")
            }
            ProjectProblem::NoMatch(pattern) => {
                format!("`{pattern}` matches no rule file (`.seg`)")
            }
            ProjectProblem::JaccardThreshold(x) => format!(
                "`[overlaps] max_jaccard` is {x}: a Jaccard index is between 0 and 1 (0.8: members in both are 80% of the members in either)"
            ),
        }
    }
}

impl CommandDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use CommandDiagnostic::*;
        match self {
            InvalidVar { argument, problem } => d
                .code(E0801)
                .message(|| {
                    let problem = match problem {
                        VarProblem::NoEquals => "expected NAME=VALUE",
                        VarProblem::BadName => {
                            "the name must be letters, digits and `_`, not starting with a digit"
                        }
                    };
                    format!("invalid --var `{argument}`: {problem}")
                })
                .help(|| "write --var NAME=VALUE, NAME made of letters, digits and `_`"),
            UnknownSelectedSegment { name, candidates } => d
                .code(E0802)
                .message(|| format!("no segment named `{name}`"))
                .help(|| did_you_mean(candidates)),
            FileUnreadable { path, message } => d
                .code(E0803)
                .message(|| format!("cannot read `{path}`: {message}")),
            FileWithoutColumns { path } => d
                .code(E0803)
                .message(|| format!("cannot read `{path}`: the file has no columns")),
            InvalidProject { path, problem } => d
                .code(E0804)
                .message(|| format!("invalid project settings `{path}`: {}", problem.words()))
                .help(|| {
                    "segc.toml holds `files = [\"rules/*.seg\"]` and the tables `[vars]` (variable values), `[lints]` (lint names or `all` set to \"allow\", \"warn\" or \"deny\"), `[output]` (`dir`, `format`, `layout`), `[kpi]` (`baseline`), `[fmt]` (`line_width`), `[data]` (`roots`) and `[storage]` (docs/lakes.md); see docs/ci.md"
                }),
            SecretInProject { path, key } => d
                .code(E0807)
                .message(|| format!("`{path}` holds a secret: `{key}`"))
                .help(|| {
                    "segc.toml is committed with the rules: give secrets through the environment (AWS_SECRET_ACCESS_KEY, AZURE_STORAGE_ACCOUNT_KEY, GOOGLE_APPLICATION_CREDENTIALS, ...); the value was not read (docs/lakes.md)"
                }),
            NoRuleFiles { project } => d
                .code(E0805)
                .message(|| match project {
                    Some(path) => format!("no rule file given, and `{path}` lists none"),
                    None => "no rule file given, and no segc.toml lists any".into(),
                })
                .help(|| {
                    "name the files (`segc check rules/*.seg`), or list them in segc.toml: `files = [\"rules/*.seg\"]`"
                }),
            NoOutputDir { project } => d
                .code(E0806)
                .message(|| match project {
                    Some(path) => {
                        format!("no output folder given, and `{path}` has no `[output] dir`")
                    }
                    None => "no output folder given: pass `--out DIR`".into(),
                })
                .help(|| "pass `--out DIR`, or set a default in segc.toml: `[output] dir = \"out\"`"),
        }
    }
}
