//! Printing diagnostics and results.

use std::io::IsTerminal;

use comfy_table::{Cell, CellAlignment, Table, presets};

use super::Outcome;
use super::args::ColorChoice;
use crate::diagnostics::render::{Style, render, render_in};
use crate::diagnostics::{Blame, Diagnostic, Severity};
use crate::engine::Summary;
use crate::files::SourceMap;

/// Prints diagnostics to stderr in the chosen style.
pub(super) struct Reporter {
    style: Style,
}

impl Reporter {
    pub(super) fn new(choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Reporter {
            style: Style {
                color,
                ..Style::plain()
            },
        }
    }

    /// Prints every diagnostic about file `name` with text `text`, then a count.
    pub(super) fn file_diagnostics(&self, name: &str, text: &str, diagnostics: &[Diagnostic]) {
        self.diagnostics(&SourceMap::single(name, text), name, diagnostics);
    }

    /// Prints diagnostics whose spans point into the files of `map`, then the number of errors
    /// per file (those without a place count for file `fallback`).
    pub(super) fn diagnostics(&self, map: &SourceMap, fallback: &str, diagnostics: &[Diagnostic]) {
        let mut errors: Vec<(&str, usize)> = Vec::new();
        for d in diagnostics {
            eprint!("{}", render_in(d, map, self.style));
            if d.severity() != Severity::Error {
                continue;
            }
            let file = d
                .primary_span()
                .and_then(|s| map.locate(s))
                .map_or(fallback, |(_, f)| f.name.as_str());
            match errors.iter_mut().find(|(name, _)| *name == file) {
                Some((_, n)) => *n += 1,
                None => errors.push((file, 1)),
            }
        }
        for (name, n) in errors {
            let plural = if n == 1 { "" } else { "s" };
            eprintln!("error: {n} problem{plural} in {name}");
        }
    }

    /// Prints a diagnostic that belongs to no file (arguments, outputs).
    pub(super) fn standalone(&self, diagnostic: &Diagnostic) {
        eprint!("{}", render(diagnostic, "", "", self.style));
    }
}

/// The outcome that a list of diagnostics leads to.
pub(super) fn outcome_of(diagnostics: &[Diagnostic]) -> Outcome {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error);
    errors.fold(Outcome::Success, |acc, d| {
        acc.max(match d.blame() {
            Blame::Rules => Outcome::RuleErrors,
            Blame::Environment => Outcome::Environment,
        })
    })
}

/// The per-segment table printed after a run.
/// How many pairs the table of overlaps shows (summary.json has them all).
const OVERLAPS_SHOWN: usize = 10;

/// The most overlapping pairs of a run counted with `--overlaps`, as a table.
pub(super) fn overlaps_table(summary: &Summary) -> String {
    let Some(pairs) = &summary.overlaps else {
        return String::new();
    };
    if pairs.is_empty() {
        return "overlaps: no two segments have a member in common\n".to_string();
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "segment",
        "and",
        "in both",
        "jaccard",
        "of first",
        "of second",
    ]);
    let percent =
        |x: f64| Cell::new(format!("{:.1} %", x * 100.0)).set_alignment(CellAlignment::Right);
    for pair in pairs.iter().take(OVERLAPS_SHOWN) {
        table.add_row(vec![
            Cell::new(&pair.first),
            Cell::new(&pair.second),
            Cell::new(pair.common).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.2}", pair.jaccard)).set_alignment(CellAlignment::Right),
            percent(pair.first_in_second),
            percent(pair.second_in_first),
        ]);
    }
    let more = match pairs.len().saturating_sub(OVERLAPS_SHOWN) {
        0 => String::new(),
        n => format!(" ({n} more pairs in summary.json)"),
    };
    format!("overlaps, most first{more}\n{table}\n")
}

pub(super) fn summary_table(summary: &Summary) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(["segment", "label", "members", "share"]);
    for s in &summary.segments {
        table.add_row(vec![
            Cell::new(&s.name),
            Cell::new(s.label.as_deref().unwrap_or("")),
            Cell::new(s.members).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.1} %", s.share * 100.0)).set_alignment(CellAlignment::Right),
        ]);
    }
    if let Some(column) = table.column_mut(2) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    let mut out = format!(
        "as of {} · population {}: {} members\n",
        summary.as_of, summary.population.source, summary.population.members
    );
    if !summary.segments.is_empty() {
        out.push_str(&format!("{table}\n"));
    }
    for tiers in &summary.tiers {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        let header = match &tiers.label {
            Some(label) => format!("{} · {label}", tiers.name),
            None => tiers.name.clone(),
        };
        table.set_header([header.as_str(), "members", "share"]);
        let outside = if tiers.split {
            "(not in the split)"
        } else {
            "(no tier)"
        };
        for t in &tiers.tiers {
            table.add_row(vec![
                Cell::new(t.tier.as_deref().unwrap_or(outside)),
                Cell::new(t.members).set_alignment(CellAlignment::Right),
                Cell::new(format!("{:.1} %", t.share * 100.0)).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!("{table}\n"));
    }
    if !summary.scores.is_empty() {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.set_header(["score", "label", "min", "mean", "max"]);
        // Integers as integers (scores of fixed points); other values to one decimal.
        let number = |x: Option<f64>| {
            x.map_or_else(String::new, |v| match v.fract() == 0.0 {
                true => crate::engine::integral_text(v),
                false => format!("{v:.1}"),
            })
        };
        for s in &summary.scores {
            table.add_row(vec![
                Cell::new(&s.name),
                Cell::new(s.label.as_deref().unwrap_or("")),
                Cell::new(number(s.min)).set_alignment(CellAlignment::Right),
                Cell::new(s.mean.map_or_else(String::new, |v| format!("{v:.1}")))
                    .set_alignment(CellAlignment::Right),
                Cell::new(number(s.max)).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!("{table}\n"));
    }
    out.push_str(&values_table(summary));
    out
}

/// The `output let`s of a run: the range and mean of numbers, of dates, the most frequent
/// text (empty when there is none).
fn values_table(summary: &Summary) -> String {
    use crate::engine::ValueStats;
    if summary.values.is_empty() {
        return String::new();
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "value",
        "label",
        "members",
        "min",
        "mean",
        "max",
        "most frequent",
    ]);
    let number = |x: &Option<f64>| {
        x.map_or_else(String::new, |v| match v.fract() == 0.0 {
            true => crate::engine::integral_text(v),
            false => format!("{v:.2}"),
        })
    };
    for v in &summary.values {
        let (min, mean, max, frequent) = match &v.values {
            ValueStats::Number { min, max, mean } => {
                (number(min), number(mean), number(max), String::new())
            }
            ValueStats::Range { min, max } => (
                min.clone().unwrap_or_default(),
                String::new(),
                max.clone().unwrap_or_default(),
                String::new(),
            ),
            ValueStats::Counts { counts } => {
                let first = counts.as_ref().and_then(|c| c.first());
                let frequent = first.map_or_else(String::new, |c| {
                    format!("{} ({:.1} %)", c.value, c.share * 100.0)
                });
                (String::new(), String::new(), String::new(), frequent)
            }
        };
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(&v.name),
            Cell::new(v.label.as_deref().unwrap_or("")),
            right(v.members.to_string()),
            right(min),
            right(mean),
            right(max),
            Cell::new(frequent),
        ]);
    }
    format!("{table}\n")
}
