//! Problems with `import` items (`E12xx`): files that cannot be read, import cycles, imported
//! files that declare more than can be shared, names of the file taken by an import.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean, label};
use super::names::NameKind;
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
    /// A file declares a name that an imported file declares too (E1204).
    NameTaken {
        /// What the file declares.
        kind: NameKind,
        /// The name.
        name: String,
        /// The imported declaration.
        imported: Span,
        /// The file's own declaration.
        own: Span,
    },
    /// A file of a project run failed, so no file's outputs were published (E1210).
    ProjectNotPublished {
        /// The file that failed.
        failed: String,
        /// The other files whose outputs were computed but not published.
        kept: Vec<String>,
    },
}

impl ImportDiagnostic {
    /// Everything this problem says, for the part `d` asks for. Its labels may stand in other
    /// files than its own.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use ImportDiagnostic::*;
        match self {
            Unreadable {
                path,
                resolved,
                message,
                span,
                candidates,
            } => d
                .code(E1201)
                .message(|| format!("cannot read the imported file `{path}` ({resolved})"))
                .at(*span)
                .primary_label(|| message.clone())
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "the path is taken from the folder of the importing file: `import \"common/sources.seg\"`"
                            .into()
                    })
                }),
            Cycle {
                files,
                span,
                others,
            } => d
                .code(E1202)
                .message(|| format!("files import each other: {}", files.join(" → ")))
                .at(*span)
                .primary_label(|| "this import closes the cycle")
                .labels(|| {
                    others
                        .iter()
                        .map(|s| label(*s, "imported here, as part of the cycle"))
                        .collect()
                })
                .help(|| "move what both files need into a third file and import it from each"),
            NotShareable {
                file,
                keyword,
                span,
                item,
            } => d
                .code(E1203)
                .message(|| format!(
                    "`{file}` declares a {keyword}: a KPI belongs to the file that measures it and cannot be imported"
                ))
                .at(*span)
                .primary_label(|| "imported here")
                .label(*item, || format!("this {keyword} cannot be imported"))
                .help(|| {
                    "keep the shared sources, `let`s, segments, scores and tiers in a file of their own, import it, and declare KPIs in the files that import it"
                }),
            NameTaken {
                kind,
                name,
                imported,
                own,
            } => d
                .code(E1204)
                .message(|| format!(
                    "{} `{name}` is also declared by an imported file",
                    kind.word()
                ))
                .at(*own)
                .primary_label(|| "declared here")
                .label(*imported, || "declared by the imported file here")
                .help(|| format!(
                    "imported definitions share one namespace with the file's own: use the imported `{name}` and remove this one, or rename this one (`{name}_local`)"
                )),
            ProjectNotPublished { failed, kept } => d
                .code(E1210)
                .message(|| format!(
                    "the project run published nothing: `{failed}` failed"
                ))
                .help(|| match kept.is_empty() {
                    true => "a project run publishes every file's outputs or none; fix the problem above and run again".to_string(),
                    false => format!(
                        "a project run publishes every file's outputs or none: the previous outputs of {} are kept; fix the problem above and run again, or run a file alone (`segc run FILE`)",
                        kept.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                    ),
                }),
        }
    }
}
