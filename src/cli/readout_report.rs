//! The A/B readouts of `segc kpi`, after the KPI table: each arm against its control, with the
//! difference, its 95 % confidence interval, the p-value and the minimum detectable effect.

use comfy_table::{Cell, CellAlignment, Table, presets};

use super::kpi_report::{cell, value_text};
use crate::hir::KpiUnit;
use crate::judge::Readout;

const HEADER: [&str; 9] = [
    "readout",
    "arm",
    "control",
    "n",
    "values",
    "difference",
    "95 % CI",
    "p-value",
    "MDE (80 % power)",
];

/// A difference in the KPI's unit: points for ratios (`+2.0 pt`), signed numbers otherwise.
fn difference_text(value: Option<f64>, unit: KpiUnit, signed: bool) -> String {
    let Some(v) = value else {
        return "–".into();
    };
    match (unit, signed) {
        (KpiUnit::Ratio, true) => format!("{:+.1} pt", v * 100.0),
        (KpiUnit::Ratio, false) => format!("{:.1} pt", v * 100.0),
        (KpiUnit::Nps, true) => format!("{v:+.1}"),
        (KpiUnit::Nps, false) => format!("{v:.1}"),
        (_, true) => format!("{v:+.2}"),
        (_, false) => format!("{v:.2}"),
    }
}

/// `0.153`, or `< 0.001`.
fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "< 0.001".into(),
        Some(p) => format!("{p:.3}"),
        None => "–".into(),
    }
}

/// The cells of one readout, in [`HEADER`] order.
fn cells(r: &Readout) -> [String; 9] {
    let relative = |x: Option<f64>, signed: bool| match (x, signed) {
        (Some(x), true) => format!(" ({:+.1} %)", x * 100.0),
        (Some(x), false) => format!(" ({:.1} %)", x * 100.0),
        (None, _) => String::new(),
    };
    let interval = match (r.ci_low, r.ci_high) {
        (Some(low), Some(high)) => format!(
            "{} to {}",
            difference_text(Some(low), r.unit, true),
            difference_text(Some(high), r.unit, true)
        ),
        _ => "–".into(),
    };
    let mut mde = format!(
        "{}{}",
        difference_text(r.mde, r.unit, false),
        relative(r.mde_relative, false)
    );
    if r.underpowered {
        mde.push_str(" ⚠ too small");
    }
    [
        r.kpi.clone(),
        r.arm.group.text(),
        r.control.group.name.clone(),
        format!("{} / {}", r.arm.n, r.control.n),
        format!(
            "{} / {}",
            value_text(r.arm.value, r.unit),
            value_text(r.control.value, r.unit)
        ),
        format!(
            "{}{}",
            difference_text(r.difference, r.unit, true),
            relative(r.relative_difference, true)
        ),
        interval,
        p_text(r.p_value),
        mde,
    ]
}

/// The readouts as a table for people, or nothing without readouts.
pub(super) fn table(readouts: &[Readout]) -> String {
    if readouts.is_empty() {
        return String::new();
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(HEADER);
    for readout in readouts {
        let row = cells(readout);
        table.add_row(row.iter().enumerate().map(|(i, text)| {
            let cell = Cell::new(text);
            if (3..=8).contains(&i) {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    format!("\nA/B readouts (arm / control; two-sided tests at 5 %)\n{table}\n")
}

/// The readouts as a Markdown table, or nothing without readouts.
pub(super) fn markdown(readouts: &[Readout]) -> String {
    if readouts.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n#### A/B readouts (arm / control; two-sided tests at 5 %)\n\n");
    out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
    out.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|\n");
    for readout in readouts {
        let row = cells(readout).map(|text| cell(&text));
        out.push_str(&format!("| `{}` | {} |\n", row[0], row[1..].join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hir::ReadoutTest;
    use crate::judge::{Arm, GroupKind, GroupName};

    fn arm(name: &str, n: u64, value: Option<f64>) -> Arm {
        Arm {
            group: GroupName {
                kind: GroupKind::Tier,
                name: name.into(),
                tiers: Some("offer".into()),
            },
            n,
            value,
        }
    }

    #[test]
    fn an_arm_without_statistics_shows_dashes() {
        // An empty arm: no value, no test, no minimum detectable effect, and no warning.
        let readout = Readout {
            kpi: "conversion".into(),
            label: None,
            unit: KpiUnit::Ratio,
            test: ReadoutTest::TwoProportions,
            arm: arm("a", 0, None),
            control: arm("control", 120, Some(0.25)),
            difference: None,
            relative_difference: None,
            ci_low: None,
            ci_high: None,
            p_value: None,
            statistic: None,
            df: None,
            mde: None,
            mde_relative: None,
            detect: Some(0.1),
            underpowered: false,
        };
        assert_eq!(
            cells(&readout),
            [
                "conversion",
                "offer = a",
                "control",
                "0 / 120",
                "– / 25.0 %",
                "–",
                "–",
                "–",
                "–"
            ]
            .map(String::from)
        );
    }

    #[test]
    fn differences_are_points_for_ratios() {
        assert_eq!(difference_text(Some(0.02), KpiUnit::Ratio, true), "+2.0 pt");
        assert_eq!(difference_text(Some(-1.5), KpiUnit::Amount, true), "-1.50");
        assert_eq!(
            difference_text(Some(0.0376), KpiUnit::Ratio, false),
            "3.8 pt"
        );
        assert_eq!(p_text(Some(0.0004)), "< 0.001");
        assert_eq!(p_text(Some(0.15292)), "0.153");
    }
}
