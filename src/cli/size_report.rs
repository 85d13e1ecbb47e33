//! The size expectations `segc kpi` judged (those of the segments and tiers its KPIs group
//! by), after the KPI table and the readouts: each with the members counted, the value
//! compared and whether it holds.

use comfy_table::{Cell, CellAlignment, Table, presets};

use super::kpi_report::cell;
use crate::judge::sizes::SizeVerdict;

const HEADER: [&str; 5] = ["of", "expectation", "members", "value", "status"];
const TITLE: &str = "Size expectations of the KPIs' groups";

/// The segment, or `tiers = tier`.
fn subject(verdict: &SizeVerdict) -> String {
    match &verdict.tier {
        Some(tier) => format!("{} = {tier}", verdict.name),
        None => verdict.name.clone(),
    }
}

/// What was compared: members, or a share as a percentage with the members it is of.
fn value_text(verdict: &SizeVerdict) -> String {
    match &verdict.base {
        None => format!("{}", verdict.value),
        Some((of, members)) => {
            let of = of.as_deref().unwrap_or("the population");
            format!("{:.1} % of {of} ({members})", verdict.value * 100.0)
        }
    }
}

/// `met`, or `broken` with its severity.
fn status_text(verdict: &SizeVerdict) -> String {
    if verdict.met {
        "met".into()
    } else {
        format!("broken ({})", verdict.severity)
    }
}

/// The table after the KPIs (nothing when no expectation was judged).
pub(super) fn table(sizes: &[SizeVerdict]) -> String {
    if sizes.is_empty() {
        return String::new();
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(HEADER);
    for verdict in sizes {
        table.add_row([
            Cell::new(subject(verdict)),
            Cell::new(&verdict.expectation),
            Cell::new(verdict.members).set_alignment(CellAlignment::Right),
            Cell::new(value_text(verdict)).set_alignment(CellAlignment::Right),
            Cell::new(status_text(verdict)),
        ]);
    }
    format!("\n{TITLE}\n{table}\n")
}

/// The Markdown section (nothing when no expectation was judged).
pub(super) fn markdown(sizes: &[SizeVerdict]) -> String {
    if sizes.is_empty() {
        return String::new();
    }
    let mut out = format!("\n#### {TITLE}\n\n| {} |\n", HEADER.join(" | "));
    out.push_str("|---|---|--:|--:|---|\n");
    for verdict in sizes {
        let symbol = match (verdict.met, verdict.severity) {
            (true, _) => "✅",
            (false, "error") => "❌",
            (false, _) => "⚠️",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {symbol} {} |\n",
            subject(verdict),
            cell(&verdict.expectation),
            verdict.members,
            cell(&value_text(verdict)),
            status_text(verdict)
        ));
    }
    out
}
