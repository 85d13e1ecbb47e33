//! The query engine's error messages as segc shows them.

use datafusion::error::DataFusionError;

/// `error`'s whole message on one line: DataFusion puts the cause (a CSV line and column, the
/// value that did not parse) on the lines after the first, so every line is kept.
pub(crate) fn engine_message(error: &DataFusionError) -> String {
    one_line(&error.to_string())
}

/// `text`'s lines joined, without blank ones.
pub(crate) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
