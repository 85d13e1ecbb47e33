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
}

/// What is wrong with a `--var` argument (E0801).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarProblem {
    /// No `=`.
    NoEquals,
    /// The name before `=` is not a variable name.
    BadName,
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
            InvalidProject { path, message } => d
                .code(E0804)
                .message(|| format!("invalid project settings `{path}`: {message}"))
                .help(|| {
                    "segc.toml holds `files = [\"rules/*.seg\"]` and the tables `[vars]` (variable values), `[lints]` (lint names or `all` set to \"allow\", \"warn\" or \"deny\"), `[output]` (`dir`, `format`, `layout`) and `[kpi]` (`baseline`); see docs/ci.md"
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
