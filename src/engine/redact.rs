//! Keeping the values of `${NAME}` placeholders out of messages: a location such as
//! `"s3://${BUCKET}/${AWS_SECRET_ACCESS_KEY}/x"` must never print its values, whichever reader
//! message (a path in a CSV error, a listing error) would carry them.

use crate::diagnostics::Diagnostic;

/// Values shorter than this are not redacted: they are not secrets, and replacing them would
/// garble messages (`dev` in `device`).
const SHORTEST_SECRET: usize = 4;

/// The placeholder values used in registered locations, with their names.
#[derive(Debug, Clone, Default)]
pub(super) struct Placeholders {
    values: Vec<(String, String)>,
}

impl Placeholders {
    /// Records the `(name, value)` pairs a location was filled with.
    pub(super) fn add(&mut self, used: Vec<(String, String)>) {
        for (name, value) in used {
            if value.len() >= SHORTEST_SECRET && !self.values.iter().any(|(_, v)| *v == value) {
                self.values.push((name, value));
            }
        }
        // Longest first, so that a value containing another is replaced whole.
        self.values
            .sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
    }

    /// `text` with each value replaced by its `${NAME}`.
    pub(super) fn redact_text(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (name, value) in &self.values {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), &format!("${{{name}}}"));
            }
        }
        text
    }

    /// `diagnostic` with every text that may come from a path or a reader redacted.
    pub(super) fn redact(&self, diagnostic: Diagnostic) -> Diagnostic {
        if self.values.is_empty() {
            return diagnostic;
        }
        map_texts(diagnostic, |text| self.redact_text(&text))
    }
}

/// `diagnostic` with `r` applied to every text that may come from a path or a reader (the
/// messages of the data diagnostics, and the files and locations they name).
pub(super) fn map_texts(diagnostic: Diagnostic, r: impl Fn(String) -> String) -> Diagnostic {
    match diagnostic {
        Diagnostic::Data(data) => Diagnostic::Data(data.map_texts(r)),
        Diagnostic::Internal(internal) => Diagnostic::Internal(internal.map_texts(r)),
        Diagnostic::Cluster(cluster) => Diagnostic::Cluster(cluster.map_texts(r)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::DataDiagnostic;
    use crate::span::Span;

    #[test]
    fn values_become_their_placeholders() {
        let mut p = Placeholders::default();
        p.add(vec![
            ("KEY".into(), "s3cr3t-value".into()),
            ("ENV".into(), "dev".into()),
            ("LONG".into(), "s3cr3t-value-2".into()),
        ]);
        let d = p.redact(Diagnostic::Data(DataDiagnostic::DataError {
            span: Span::new(0, 1),
            message: "cannot read /data/s3cr3t-value-2/x and /data/s3cr3t-value/y on dev".into(),
        }));
        let Diagnostic::Data(DataDiagnostic::DataError { message, .. }) = d else {
            panic!("kind kept");
        };
        assert_eq!(
            message,
            "cannot read /data/${LONG}/x and /data/${KEY}/y on dev"
        );
    }
}
