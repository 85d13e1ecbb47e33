//! The outputs of `segc kpi`: a table for people, JSON for tools, Markdown for pull requests.
//! The JSON and Markdown shapes are documented in docs/cli.md; keep them stable.

use chrono::NaiveDate;
use comfy_table::{Cell, CellAlignment, Table, presets};
use serde::Serialize;

use crate::hir::KpiUnit;
use crate::judge::sizes::SizeVerdict;
use crate::judge::{Readout, Row, Status, Totals};

/// A judged KPI run, ready to print.
pub(super) struct Report<'a> {
    /// The rule file.
    pub rules: &'a str,
    /// The evaluation date.
    pub as_of: NaiveDate,
    /// The baseline file used and its date.
    pub baseline: Option<(&'a str, NaiveDate)>,
    /// The rows.
    pub rows: &'a [Row],
    /// The A/B readouts.
    pub readouts: &'a [Readout],
    /// The size expectations of the KPIs' groups, judged.
    pub sizes: &'a [SizeVerdict],
}

/// A value in the KPI's unit: `81.2 %`, `1830.50`, `+42.0`, `120`.
pub(super) fn value_text(value: Option<f64>, unit: KpiUnit) -> String {
    let Some(v) = value else {
        return "–".into();
    };
    // Beyond this a value is shown in scientific notation (a baseline of 1e300 showed `inf %`).
    const LARGE: f64 = 1e15;
    match unit {
        // The percentage's exponent is the ratio's plus two (`v * 100` may overflow).
        KpiUnit::Ratio if (v * 100.0).abs() >= LARGE && v.is_finite() => {
            let text = format!("{v:.3e}");
            match text.split_once('e').map(|(m, e)| (m, e.parse::<i32>())) {
                Some((mantissa, Ok(exponent))) => format!("{mantissa}e{} %", exponent + 2),
                _ => format!("{text} ×100 %"),
            }
        }
        KpiUnit::Ratio => format!("{:.1} %", v * 100.0),
        _ if v.abs() >= LARGE || !v.is_finite() => format!("{v:.3e}"),
        KpiUnit::Count if v.fract() == 0.0 => format!("{v:.0}"),
        KpiUnit::Nps => format!("{v:+.1}"),
        _ => format!("{v:.2}"),
    }
}

/// The members a value is over: the group's, or for a share whose `where` takes fewer of them,
/// its denominator out of the group's (`240 of 1466`).
fn members_text(row: &Row) -> String {
    match row.denominator {
        Some(n) if n != row.members => format!("{n} of {}", row.members),
        _ => row.members.to_string(),
    }
}

fn baseline_text(row: &Row) -> String {
    match &row.baseline {
        Some(b) => match b.as_of {
            Some(day) => format!("{} ({day})", value_text(Some(b.value), row.unit)),
            None => value_text(Some(b.value), row.unit),
        },
        None => "–".into(),
    }
}

fn heading(report: &Report<'_>) -> String {
    let mut text = format!("KPIs of {} as of {}", report.rules, report.as_of);
    if let Some((file, day)) = report.baseline {
        text.push_str(&format!(" · baseline {file} ({day})"));
    }
    text
}

/// `3 met · 1 on track · 1 missed · 1 beyond its warn level`.
fn totals_text(totals: &Totals) -> String {
    let parts = [
        (totals.met, "met"),
        (totals.on_track, "on track"),
        (totals.behind, "behind"),
        (totals.missed, "missed"),
        (totals.no_data, "no data"),
        (totals.no_baseline, "no baseline"),
    ];
    let mut text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| format!("{n} {word}"))
        .collect();
    if totals.warnings > 0 {
        let noun = if totals.warnings == 1 { "its" } else { "their" };
        text.push(format!("{} beyond {noun} warn level", totals.warnings));
    }
    text.join(" · ")
}

/// The table printed for people.
pub(super) fn table(report: &Report<'_>) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    // Labels in their own column when some KPI has one, on the first row of each KPI.
    let labels = report.rows.iter().any(|r| r.label.is_some());
    let mut header = vec!["KPI"];
    if labels {
        header.push("label");
    }
    header.extend(["group", "members", "value", "target", "baseline", "status"]);
    table.set_header(header);
    let mut previous: Option<&str> = None;
    for row in report.rows {
        let mut status = row.status.text().to_string();
        if row.warning {
            status.push_str(" ⚠ warn");
        }
        let mut cells = vec![Cell::new(&row.kpi)];
        if labels {
            let first = previous != Some(row.kpi.as_str());
            cells.push(Cell::new(match (&row.label, first) {
                (Some(label), true) => label.as_str(),
                _ => "",
            }));
        }
        previous = Some(row.kpi.as_str());
        cells.extend([
            Cell::new(row.group.text()),
            Cell::new(members_text(row)).set_alignment(CellAlignment::Right),
            Cell::new(value_text(row.value, row.unit)).set_alignment(CellAlignment::Right),
            Cell::new(&row.target),
            Cell::new(baseline_text(row)).set_alignment(CellAlignment::Right),
            Cell::new(status),
        ]);
        table.add_row(cells);
    }
    format!(
        "{}\n{table}\n{}\n{}{}",
        heading(report),
        totals_text(&Totals::of(report.rows)),
        super::readout_report::table(report.readouts),
        super::size_report::table(report.sizes)
    )
}

/// The status in Markdown, with a symbol that reads at a glance.
fn markdown_status(row: &Row) -> String {
    let symbol = match row.status {
        Status::Met => "✅",
        Status::OnTrack => "🟢",
        Status::Behind => "🟠",
        Status::Missed => "❌",
        Status::NoData | Status::NoBaseline => "⚪",
    };
    let warn = if row.warning { " ⚠️ warn" } else { "" };
    format!("{symbol} {}{warn}", row.status.text())
}

/// Text safe inside a Markdown table cell.
pub(super) fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// The Markdown report, for a pull-request comment.
pub(super) fn markdown(report: &Report<'_>) -> String {
    let mut out = format!("### {}\n\n", cell(&heading(report)));
    out.push_str("| KPI | group | members | value | target | baseline | status |\n");
    out.push_str("|---|---|--:|--:|---|--:|---|\n");
    for row in report.rows {
        let kpi = match &row.label {
            Some(label) => format!("`{}` {}", row.kpi, cell(label)),
            None => format!("`{}`", row.kpi),
        };
        out.push_str(&format!(
            "| {kpi} | {} | {} | {} | {} | {} | {} |\n",
            cell(&row.group.text()),
            members_text(row),
            value_text(row.value, row.unit),
            cell(&row.target),
            baseline_text(row),
            markdown_status(row)
        ));
    }
    out.push_str(&format!("\n{}\n", totals_text(&Totals::of(report.rows))));
    out.push_str(&super::readout_report::markdown(report.readouts));
    out.push_str(&super::size_report::markdown(report.sizes));
    out
}

/// The JSON document (schema in docs/cli.md).
#[derive(Serialize)]
struct JsonReport<'a> {
    segc_version: &'static str,
    rules: &'a str,
    as_of: NaiveDate,
    baseline: Option<JsonBaseline<'a>>,
    kpis: &'a [Row],
    totals: Totals,
    readouts: &'a [Readout],
    /// The size expectations of the KPIs' groups, as `summary.json` writes them.
    expectations: &'a [SizeVerdict],
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    as_of: NaiveDate,
}

/// The JSON report.
pub(super) fn json(report: &Report<'_>) -> String {
    let document = JsonReport {
        segc_version: env!("CARGO_PKG_VERSION"),
        rules: report.rules,
        as_of: report.as_of,
        baseline: report
            .baseline
            .map(|(file, as_of)| JsonBaseline { file, as_of }),
        kpis: report.rows,
        totals: Totals::of(report.rows),
        readouts: report.readouts,
        expectations: report.sizes,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_values_are_written_in_scientific_notation() {
        assert_eq!(value_text(Some(0.8123), KpiUnit::Ratio), "81.2 %");
        assert_eq!(value_text(Some(1e300), KpiUnit::Ratio), "1.000e302 %");
        assert_eq!(value_text(Some(-2.5e18), KpiUnit::Amount), "-2.500e18");
        assert_eq!(value_text(Some(1830.5), KpiUnit::Amount), "1830.50");
        assert!(!value_text(Some(f64::MAX), KpiUnit::Ratio).contains("inf"));
    }
}
