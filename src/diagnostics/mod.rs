//! Problems found in rule files, as data.
//!
//! Every stage reports problems as [`Diagnostic`] values: enum variants holding spans, names and
//! candidates, never preformatted text. A diagnostic belongs to a family (one file each, after
//! the code ranges of `docs/errors.md`: `syntax` E01, `names` E02, `sources` E03, `types` E04,
//! `definitions` E05/W05, `literals` E06, `data` E07, `command` E08, `internal` E09, `kpi`
//! E10/W10, `lint` W11, `import` E12, `testing` E13, `sizes` E14/W14, `diff` E15), whose `describe` gives each kind's code, message, place,
//! labels and help in one arm. Codes are registered once in [`Code`], with the titles that
//! `docs/errors.md` shows (a test compares them). The conversion to terminal output lives in
//! [`render`].

mod cluster;
mod codes;
mod command;
mod consent;
mod data;
mod definitions;
mod describe;
mod diff;
mod import;
mod internal;
mod kpi;
mod lint;
mod literals;
mod names;
mod parts;
mod sink;
mod sizes;
mod sources;
mod syntax;
mod testing;
mod types;

pub mod render;

use describe::{Describe, Description, Part};

use crate::span::Span;

pub use cluster::ClusterDiagnostic;
pub use codes::{Code, RETIRED};
pub use command::{CommandDiagnostic, FileProblem, ProjectProblem, VarProblem};
pub use consent::{ConsentDiagnostic, GapKind, Through, Unproven};
pub use data::{DataDiagnostic, Stale, Unfollowed};
pub use definitions::DefinitionDiagnostic;
pub use diff::DiffDiagnostic;
pub use import::ImportDiagnostic;
pub use internal::{InternalDiagnostic, Invariant};
pub use kpi::{BaselineProblem, KpiDiagnostic};
pub use lint::{Level, Lint, LintDiagnostic};
pub use literals::LiteralDiagnostic;
pub use names::{AggregateHint, NameDiagnostic, NameKind, PathFix};
pub use parts::{Blame, Label, Severity};
pub use sink::Sink;
pub use sizes::{
    Broken, Contradiction, Measured, Nesting, Overlap, SizeDiagnostic, SizeFormProblem, SizeOf,
};
pub use sources::{DerivationProblem, ListProblem, SourceDiagnostic, TypeArgumentProblem};
pub use syntax::{SyntaxDiagnostic, SyntaxHint};
pub use testing::{Given, Membership, Mismatch, Target, TestDiagnostic, ValueMismatch};
pub use types::{Context, TypeDiagnostic};

/// One problem, with everything needed to word and place it: a kind of one of the families.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagnostic {
    /// Text that does not follow the grammar (E01xx).
    Syntax(SyntaxDiagnostic),
    /// Unknown, repeated or reserved names (E02xx).
    Names(NameDiagnostic),
    /// Source declarations (E03xx).
    Sources(SourceDiagnostic),
    /// Types and expressions (E04xx).
    Types(TypeDiagnostic),
    /// Definitions, tiers, holdouts and splits (E05xx, W05xx).
    Definitions(DefinitionDiagnostic),
    /// Literals (E06xx).
    Literals(LiteralDiagnostic),
    /// Data and running (E07xx).
    Data(DataDiagnostic),
    /// The command line and the project (E08xx).
    Command(CommandDiagnostic),
    /// Bugs in segc (E09xx).
    Internal(InternalDiagnostic),
    /// KPIs, their targets and baselines (E10xx, W10xx).
    Kpi(KpiDiagnostic),
    /// A lint's finding (W11xx).
    Lint(LintDiagnostic),
    /// Imports (E12xx).
    Import(ImportDiagnostic),
    /// `test` items and their failures (E13xx).
    Test(TestDiagnostic),
    /// Size expectations and overlaps of segments (E14xx, W14xx).
    Size(SizeDiagnostic),
    /// `segc diff`: git, revisions and the versions compared (E15xx).
    Diff(DiffDiagnostic),
    /// Consent and audiences (E17xx, W17xx).
    Consent(ConsentDiagnostic),
    /// Running on a cluster (E18xx).
    Cluster(ClusterDiagnostic),
    /// A lint's finding (or any warning with a lint) at level `deny`: an error.
    Denied(Box<Diagnostic>),
}

/// `From` each family, so that a constructor can write `NameDiagnostic::UnknownName { .. }.into()`.
macro_rules! families {
    ($($family:ident($kind:ty),)*) => {
        $(
            impl From<$kind> for Diagnostic {
                fn from(kind: $kind) -> Self {
                    Diagnostic::$family(kind)
                }
            }
        )*

        impl Diagnostic {
            /// The part `part` of what this diagnostic says about itself.
            fn describe(&self, part: Part) -> Description {
                match self {
                    $(Diagnostic::$family(kind) => kind.describe(Describe(part)),)*
                    Diagnostic::Denied(inner) => inner.describe(part),
                }
            }
        }
    };
}

families! {
    Syntax(SyntaxDiagnostic),
    Names(NameDiagnostic),
    Sources(SourceDiagnostic),
    Types(TypeDiagnostic),
    Definitions(DefinitionDiagnostic),
    Literals(LiteralDiagnostic),
    Data(DataDiagnostic),
    Command(CommandDiagnostic),
    Internal(InternalDiagnostic),
    Kpi(KpiDiagnostic),
    Lint(LintDiagnostic),
    Import(ImportDiagnostic),
    Test(TestDiagnostic),
    Size(SizeDiagnostic),
    Diff(DiffDiagnostic),
    Consent(ConsentDiagnostic),
    Cluster(ClusterDiagnostic),
}

impl Diagnostic {
    /// The registered code (a denied lint keeps its lint's code).
    pub fn registered_code(&self) -> Code {
        self.describe(Part::Code).code
    }

    /// The stable code, e.g. `E0201`. Listed in `docs/errors.md`.
    pub fn code(&self) -> &'static str {
        self.registered_code().as_str()
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        self.describe(Part::Message)
            .into_words()
            .unwrap_or_default()
    }

    /// The main span, if the problem has a place in a rule file.
    pub fn primary_span(&self) -> Option<Span> {
        self.describe(Part::Code).span
    }

    /// The primary span's text when it must not be shown (a secret written in a rule file):
    /// renderers draw it masked.
    pub fn concealed_span(&self) -> Option<Span> {
        let description = self.describe(Part::Code);
        description.concealed.then_some(description.span).flatten()
    }

    /// The text under the primary span.
    pub fn primary_label(&self) -> Option<String> {
        self.describe(Part::PrimaryLabel).into_words()
    }

    /// Secondary labels (other places involved in the problem; they may stand in other files).
    pub fn labels(&self) -> Vec<Label> {
        self.describe(Part::Labels).into_labels()
    }

    /// A hint on how to fix the problem.
    pub fn help(&self) -> Option<String> {
        self.describe(Part::Help).into_words()
    }

    /// The severity: warnings never stop a run; a denied lint is an error.
    pub fn severity(&self) -> Severity {
        match self {
            Diagnostic::Denied(_) => Severity::Error,
            _ => self.registered_code().severity(),
        }
    }

    /// Whether the rules or the environment are to blame (exit code 1 or 2).
    pub fn blame(&self) -> Blame {
        self.registered_code().blame()
    }

    /// The lint a warning belongs to, whose level decides whether it is shown (`None` once
    /// denied: its level was applied).
    pub fn lint(&self) -> Option<Lint> {
        match self {
            Diagnostic::Denied(_) => None,
            _ => self.describe(Part::Code).lint,
        }
    }
}
