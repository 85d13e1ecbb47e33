//! Problems with `import` items (`E12xx`): files that cannot be read, import cycles, imported
//! files that declare more than can be shared.

use super::Label;
use super::wording::label;
use crate::span::Span;

/// A problem with an `import`.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportDiagnostic {
    /// The imported file cannot be read (E1201).
    Unreadable {
        /// The path as written.
        path: String,
        /// The path it was looked for at.
        resolved: String,
        /// The reason given by the system.
        message: String,
        /// The path literal.
        span: Span,
        /// Rule files of the same folder with a close name.
        candidates: Vec<String>,
    },
    /// Files import each other (E1202).
    Cycle {
        /// The files of the cycle, starting and ending with the same file.
        files: Vec<String>,
        /// The import that closes the cycle.
        span: Span,
        /// The other imports of the cycle, in order.
        others: Vec<Span>,
    },
    /// An imported file declares something that cannot be shared (E1203).
    NotShareable {
        /// The imported file.
        file: String,
        /// What it declares (`segment`, `kpi`, ...).
        keyword: &'static str,
        /// The import.
        span: Span,
        /// The declaration.
        item: Span,
    },
}

use ImportDiagnostic::*;

impl ImportDiagnostic {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Unreadable { .. } => "E1201",
            Cycle { .. } => "E1202",
            NotShareable { .. } => "E1203",
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        match self {
            Unreadable { path, resolved, .. } => {
                format!("cannot read the imported file `{path}` ({resolved})")
            }
            Cycle { files, .. } => format!("files import each other: {}", files.join(" → ")),
            NotShareable { file, keyword, .. } => {
                format!(
                    "`{file}` declares a {keyword}: an imported file may only declare sources, `let`s and the population"
                )
            }
        }
    }

    /// The main span.
    pub fn primary_span(&self) -> Span {
        match self {
            Unreadable { span, .. } | Cycle { span, .. } | NotShareable { span, .. } => *span,
        }
    }

    /// What the main label says.
    pub fn primary_label(&self) -> String {
        match self {
            Unreadable { message, .. } => message.clone(),
            Cycle { .. } => "this import closes the cycle".to_string(),
            NotShareable { .. } => "imported here".to_string(),
        }
    }

    /// Secondary labels (they may stand in other files).
    pub fn labels(&self) -> Vec<Label> {
        match self {
            Unreadable { .. } => Vec::new(),
            Cycle { others, .. } => others
                .iter()
                .map(|s| label(*s, "imported here, as part of the cycle"))
                .collect(),
            NotShareable { keyword, item, .. } => {
                vec![label(*item, &format!("this {keyword} cannot be imported"))]
            }
        }
    }

    /// How to fix it.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Unreadable { candidates, .. } if !candidates.is_empty() => {
                super::help::did_you_mean(candidates)
            }
            Unreadable { .. } => {
                "the path is taken from the folder of the importing file: `import \"common/sources.seg\"`"
                    .to_string()
            }
            Cycle { .. } => {
                "move what both files need into a third file and import it from each".to_string()
            }
            NotShareable { .. } => {
                "keep shared sources and `let`s in a file of their own and import that file; a condition shared by several segments can be a boolean `let`".to_string()
            }
        })
    }
}
