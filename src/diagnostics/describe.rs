//! How a diagnostic kind says everything about itself in one place: each family's `describe`
//! has one arm per kind, which names the kind's [`Code`] and gives its message, its place, its
//! labels and its help together, as a chain on a [`Description`].
//!
//! Only the part the caller asked for is worded: the texts are given as closures, run for their
//! part alone, so `code()` and `primary_span()` (which sorting and de-duplicating thousands of
//! diagnostics call again and again) build no string.

use super::codes::Code;
use super::{Label, Lint};
use crate::span::Span;

/// The part of a description a caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// Only what costs nothing: the code, the primary span and the lint.
    Code,
    /// The one-line message.
    Message,
    /// The text under the primary span.
    PrimaryLabel,
    /// The secondary labels.
    Labels,
    /// The help line.
    Help,
}

/// The start of a description, before its code is known.
#[derive(Debug, Clone, Copy)]
pub(super) struct Describe(pub(super) Part);

/// A description that has its code and still needs its message.
#[derive(Debug)]
pub(super) struct Coded {
    part: Part,
    code: Code,
}

/// What a diagnostic says about itself (the part asked for), built by one `describe` arm.
#[derive(Debug)]
pub(super) struct Description {
    part: Part,
    pub(super) code: Code,
    pub(super) span: Option<Span>,
    pub(super) lint: Option<Lint>,
    /// The text under the primary span is a secret: drawn masked, never as written.
    pub(super) concealed: bool,
    /// The worded part asked for (message, primary label or help), if the kind has it.
    words: Option<String>,
    labels: Vec<Label>,
}

/// Texts a description accepts: a fixed text, a formatted one, or maybe none.
pub(super) trait Words {
    /// The text, if there is one.
    fn words(self) -> Option<String>;
}

impl Words for &str {
    fn words(self) -> Option<String> {
        Some(self.to_string())
    }
}

impl Words for String {
    fn words(self) -> Option<String> {
        Some(self)
    }
}

impl Words for Option<String> {
    fn words(self) -> Option<String> {
        self
    }
}

impl Describe {
    /// Starts the description of a kind reported under `code`.
    pub(super) fn code(self, code: Code) -> Coded {
        Coded { part: self.0, code }
    }
}

impl Coded {
    /// The one-line message (every kind has one).
    pub(super) fn message<W: Words>(self, message: impl FnOnce() -> W) -> Description {
        Description {
            part: self.part,
            code: self.code,
            span: None,
            lint: None,
            concealed: false,
            words: if self.part == Part::Message {
                message().words()
            } else {
                None
            },
            labels: Vec::new(),
        }
    }
}

impl Description {
    /// The primary span: where in a rule file the problem is.
    pub(super) fn at(mut self, span: impl Into<Option<Span>>) -> Self {
        self.span = span.into();
        self
    }

    /// The text under the primary span.
    pub(super) fn primary_label<W: Words>(mut self, text: impl FnOnce() -> W) -> Self {
        if self.part == Part::PrimaryLabel {
            self.words = text().words();
        }
        self
    }

    /// A secondary label: another place involved, with its text.
    pub(super) fn label<W: Words>(mut self, span: Span, text: impl FnOnce() -> W) -> Self {
        if self.part == Part::Labels {
            self.labels.push(Label {
                span,
                text: text().words(),
            });
        }
        self
    }

    /// Secondary labels computed together.
    pub(super) fn labels(mut self, labels: impl FnOnce() -> Vec<Label>) -> Self {
        if self.part == Part::Labels {
            self.labels.extend(labels());
        }
        self
    }

    /// How to fix the problem.
    pub(super) fn help<W: Words>(mut self, text: impl FnOnce() -> W) -> Self {
        if self.part == Part::Help {
            self.words = text().words();
        }
        self
    }

    /// The lint a warning belongs to, whose level decides whether it is shown.
    pub(super) fn lint(mut self, lint: Lint) -> Self {
        self.lint = Some(lint);
        self
    }

    /// The text under the primary span is a secret (credentials written in a rule file): the
    /// snippet shows it masked.
    pub(super) fn concealed(mut self) -> Self {
        self.concealed = true;
        self
    }

    /// The help of a lint's finding: how to fix it, then how to silence it (after
    /// [`Description::lint`]).
    pub(super) fn fix_or_allow(self, fix: &'static str) -> Self {
        let lint = self.lint.map_or("", Lint::name);
        self.help(|| format!("{fix}; to silence it: `// segc: allow({lint})`"))
    }

    /// The worded part asked for.
    pub(super) fn into_words(self) -> Option<String> {
        self.words
    }

    /// The secondary labels (asked for with [`Part::Labels`]).
    pub(super) fn into_labels(self) -> Vec<Label> {
        self.labels
    }
}

/// A secondary label with its text, for labels built in a loop.
pub(super) fn label(span: Span, text: impl Into<String>) -> Label {
    Label {
        span,
        text: Some(text.into()),
    }
}

/// `a`, `a or b`, `a, b or c`.
pub(super) fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `did you mean `a` or `b`?`, when there are close names.
pub(super) fn did_you_mean(candidates: &[String]) -> Option<String> {
    if candidates.is_empty() {
        return None;
    }
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    let refs: Vec<&str> = quoted.iter().map(String::as_str).collect();
    Some(format!("did you mean {}?", one_of(&refs)))
}
