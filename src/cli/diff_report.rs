//! The reports of `segc diff`: a line diff per changed item for people, JSON for tools,
//! Markdown for a pull-request comment. The JSON shape is documented in docs/diff.md; keep it
//! stable.

use std::fmt::Write as _;

use serde_json::json;
use similar::ChangeTag;

use super::line_diff::line_diff;
use crate::diff::{ArmChange, Change, ColumnChange, Effect, Status};
use crate::driver::{Diffed, DiffedFile, FileData, FileStatus, RunsDiffed};

/// The lines of the change from `old` to `new`, each marked `-`, `+` or ` `.
fn text_lines(change: &Change) -> Vec<String> {
    let old = change.old.as_deref().unwrap_or("");
    let new = change.new.as_deref().unwrap_or("");
    if change.uses_changed {
        return new.lines().map(|l| format!("  {l}")).collect();
    }
    line_diff(old, new)
        .changes()
        .map(|c| {
            let mark = match c.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            format!("{mark} {}", c.value().trim_end_matches(['\n', '\r']))
        })
        .collect()
}

fn mark(status: Status) -> char {
    match status {
        Status::Added => '+',
        Status::Removed => '-',
        Status::Renamed => '>',
        Status::Changed => '~',
    }
}

/// What a change is, in a few words: `only narrows: ...`, `renamed from lapsed`.
fn verdict(change: &Change) -> String {
    let mut words = match change.status {
        Status::Added => "added".to_string(),
        Status::Removed => "removed".to_string(),
        Status::Renamed => format!(
            "renamed from `{}`, same meaning",
            change.old_name.as_deref().unwrap_or("?")
        ),
        Status::Changed => match change.effect {
            Some(effect) => effect.words().to_string(),
            None => "changed".to_string(),
        },
    };
    if change.uses_changed {
        words.push_str(" (its text is the same: something it uses changed)");
    }
    words
}

fn column_line(column: &ColumnChange) -> String {
    let side = |s: &Option<String>| s.clone().unwrap_or_default();
    match column.status {
        Status::Added => format!("+ column {}", side(&column.new)),
        Status::Removed => format!("- column {}", side(&column.old)),
        _ => format!("~ column {} → {}", side(&column.old), side(&column.new)),
    }
}

fn arm_line(arm: &ArmChange) -> String {
    match (arm.status, arm.effect) {
        (Status::Added, _) => format!("+ tier {}", arm.tier),
        (Status::Removed, _) => format!("- tier {}", arm.tier),
        (_, effect) => format!(
            "~ tier {}: {}",
            arm.tier,
            effect.unwrap_or(Effect::Unknown).words()
        ),
    }
}

/// The details of a change besides its text: columns, arms.
fn detail_lines(change: &Change) -> Vec<String> {
    let columns = change.columns.iter().map(column_line);
    columns.chain(change.arms.iter().map(arm_line)).collect()
}

/// Numbers of changes of each status.
fn counts(diffed: &Diffed) -> [(Status, usize); 4] {
    let all = || diffed.files.iter().flat_map(|f| &f.changes);
    [
        Status::Changed,
        Status::Added,
        Status::Removed,
        Status::Renamed,
    ]
    .map(|s| (s, all().filter(|c| c.status == s).count()))
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Renamed => "renamed",
        Status::Changed => "changed",
    }
}

fn file_word(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Added => "added",
        FileStatus::Removed => "removed",
        FileStatus::Changed => "changed",
        FileStatus::Unchanged => "unchanged",
        FileStatus::Errors => "not compared: the rules have errors",
    }
}

/// `2 changed, 1 added in 1 file`, or `no change in 2 files`.
fn totals(diffed: &Diffed) -> String {
    let files = diffed.files.len();
    let plural = if files == 1 { "" } else { "s" };
    let parts: Vec<String> = counts(diffed)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", status_word(*s)))
        .collect();
    let mut line = if parts.is_empty() {
        format!("no change in {files} file{plural}")
    } else {
        format!("{} in {files} file{plural}", parts.join(", "))
    };
    let errors = diffed
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Errors)
        .count();
    if errors > 0 {
        let plural = if errors == 1 { "" } else { "s" };
        line.push_str(&format!(" ({errors} file{plural} not compared: errors)"));
    }
    line
}

/// `12 → 9 (-25.0 %)`
fn before_after(before: u64, after: u64) -> String {
    let change = match before {
        0 => String::new(),
        _ => format!(
            " ({:+.1} %)",
            (after as f64 - before as f64) * 100.0 / before as f64
        ),
    };
    format!("{before} → {after}{change}")
}

fn keys(sample: &[String], total: u64) -> String {
    let more = if total > sample.len() as u64 {
        ", …"
    } else {
        ""
    };
    format!("{}{more}", sample.join(", "))
}

fn tier_name(tier: &Option<String>) -> &str {
    tier.as_deref().unwrap_or("(none)")
}

/// What a change does over the data, as lines.
fn data_lines(file: &DiffedFile, change: &Change) -> Vec<String> {
    match &file.data {
        Some(data) => counted_lines(data, &change.name),
        None => Vec::new(),
    }
}

/// The members of the segment or tiers `name` in two versions, as lines: before and after,
/// who entered and left; for tiers, per tier and each move between tiers.
fn counted_lines(data: &FileData, name: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(s) = data.segments.iter().find(|s| s.name == name) {
        let m = &s.members;
        lines.push(format!(
            "members {}: {} entered, {} left",
            before_after(m.before, m.after),
            m.entered,
            m.left
        ));
        if m.entered > 0 {
            lines.push(format!("entered: {}", keys(&m.entered_sample, m.entered)));
        }
        if m.left > 0 {
            lines.push(format!("left: {}", keys(&m.left_sample, m.left)));
        }
    }
    if let Some(t) = data.tiers.iter().find(|t| t.name == name) {
        for tier in &t.tiers {
            lines.push(format!(
                "tier {}: {}: {} entered, {} left",
                tier.tier,
                before_after(tier.before, tier.after),
                tier.entered,
                tier.left
            ));
        }
        for moved in t.transitions.iter().filter(|m| m.from != m.to) {
            lines.push(format!(
                "moved {} → {}: {} ({})",
                tier_name(&moved.from),
                tier_name(&moved.to),
                moved.members,
                keys(&moved.sample, moved.members)
            ));
        }
    }
    lines
}

/// Each KPI's value before and after: `vip_share (population): 45.0 % → 27.5 %`.
fn kpi_lines(file: &DiffedFile) -> Vec<String> {
    let Some(data) = &file.data else {
        return Vec::new();
    };
    data.kpis
        .iter()
        .map(|k| {
            let value = |v| super::kpi_report::value_text(v, k.unit);
            format!(
                "kpi {} ({}): {} → {}",
                k.kpi,
                k.group,
                value(k.before),
                value(k.after)
            )
        })
        .collect()
}

/// For people: each file, then each changed item with what it does and its line diff.
pub(super) fn human(diffed: &Diffed) -> String {
    let mut out = format!("{} → {}\n", diffed.base, diffed.head);
    for file in &diffed.files {
        let _ = writeln!(out, "{}: {}", file.name, file_word(file.status));
        for change in &file.changes {
            let _ = writeln!(
                out,
                "  {} {} {}: {}",
                mark(change.status),
                change.kind.word(),
                change.name,
                verdict(change)
            );
            for line in detail_lines(change)
                .into_iter()
                .chain(data_lines(file, change))
            {
                let _ = writeln!(out, "      {line}");
            }
            for line in text_lines(change) {
                let _ = writeln!(out, "      {line}");
            }
        }
        let kpis = kpi_lines(file);
        if !kpis.is_empty() {
            let as_of = file
                .data
                .as_ref()
                .map(|d| d.as_of.to_string())
                .unwrap_or_default();
            let _ = writeln!(out, "  KPIs over the data as of {as_of}:");
            for line in kpis {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    let _ = writeln!(out, "{}", totals(diffed));
    out
}

fn file_json(file: &DiffedFile) -> serde_json::Value {
    json!({
        "file": file.name,
        "status": file.status,
        "changes": file.changes,
        "data": file.data,
    })
}

/// One JSON document: the versions, each file with its changes, and the totals.
pub(super) fn json(diffed: &Diffed) -> String {
    let totals: serde_json::Map<String, serde_json::Value> = counts(diffed)
        .iter()
        .map(|(s, n)| (status_word(*s).to_string(), json!(n)))
        .collect();
    let document = json!({
        "base": diffed.base,
        "head": diffed.head,
        "files": diffed.files.iter().map(file_json).collect::<Vec<_>>(),
        "totals": totals,
    });
    format!("{document:#}\n")
}

/// Text for a Markdown table cell: no line breaks, no unescaped pipes.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Markdown for a pull-request comment: a table of the changes per file, then each change's
/// line diff in a folded block.
pub(super) fn markdown(diffed: &Diffed) -> String {
    let mut out = format!(
        "### segc diff: `{}` → `{}`\n\n{}\n",
        diffed.base,
        diffed.head,
        totals(diffed)
    );
    for file in &diffed.files {
        let _ = write!(out, "\n#### `{}`: {}\n", file.name, file_word(file.status));
        if file.changes.is_empty() {
            continue;
        }
        out.push_str("\n| | item | change |\n|---|---|---|\n");
        for change in &file.changes {
            let mut what = verdict(change);
            for line in detail_lines(change)
                .into_iter()
                .chain(data_lines(file, change))
            {
                let _ = write!(what, "<br>`{line}`");
            }
            let _ = writeln!(
                out,
                "| {} | {} `{}` | {} |",
                mark(change.status),
                change.kind.word(),
                change.name,
                cell(&what)
            );
        }
        let kpis = kpi_lines(file);
        if !kpis.is_empty() {
            out.push_str("\n**KPIs over the data**\n\n");
            for line in kpis {
                let _ = writeln!(out, "- {line}");
            }
        }
        for change in &file.changes {
            let _ = write!(
                out,
                "\n<details><summary>{} <code>{}</code></summary>\n\n```diff\n",
                change.kind.word(),
                change.name
            );
            for line in text_lines(change) {
                // Fenced code keeps everything but a closing fence.
                let _ = writeln!(out, "{}", line.replace("```", "`\u{200b}``"));
            }
            out.push_str("```\n\n</details>\n");
        }
    }
    out
}

/// A run as reports name it: its folder, rules and date.
fn run_title(run: &crate::engine::RunOutput) -> String {
    format!("{} ({}, {})", run.dir.display(), run.rules, run.as_of)
}

/// The segments and tiers of two runs, each with its status word and counted lines.
fn runs_items(runs: &RunsDiffed) -> Vec<(&'static str, &str, Status, Vec<String>)> {
    let data = &runs.data;
    let segments = data
        .segments
        .iter()
        .map(|s| ("segment", s.name.as_str(), s.status));
    let tiers = data
        .tiers
        .iter()
        .map(|t| ("tiers", t.name.as_str(), t.status));
    segments
        .chain(tiers)
        .map(|(kind, name, status)| (kind, name, status, counted_lines(data, name)))
        .collect()
}

fn run_status(status: Status) -> &'static str {
    match status {
        Status::Added => " (only in the later run)",
        Status::Removed => " (only in the earlier run)",
        _ => "",
    }
}

/// Two runs for people: per segment and tiers, members before and after and who moved.
pub(super) fn runs_human(runs: &RunsDiffed) -> String {
    let mut out = format!("{} → {}\n", run_title(&runs.base), run_title(&runs.head));
    for (kind, name, status, lines) in runs_items(runs) {
        let _ = writeln!(out, "{kind} {name}{}", run_status(status));
        for line in lines {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// Two runs as one JSON document: the runs, then the counts (as `segc diff --data` gives them).
pub(super) fn runs_json(runs: &RunsDiffed) -> String {
    let run = |r: &crate::engine::RunOutput| json!({ "dir": r.dir.display().to_string(), "rules": r.rules, "as_of": r.as_of });
    let document = json!({
        "base": run(&runs.base),
        "head": run(&runs.head),
        "segments": runs.data.segments,
        "tiers": runs.data.tiers,
    });
    format!("{document:#}\n")
}

/// Two runs as Markdown: a table of the segments, then each tiers' moves.
pub(super) fn runs_markdown(runs: &RunsDiffed) -> String {
    let mut out = format!(
        "### segc diff: {} → {}\n\n| | members before | after | entered | left |\n|---|---|---|---|---|\n",
        cell(&run_title(&runs.base)),
        cell(&run_title(&runs.head))
    );
    for s in &runs.data.segments {
        let m = &s.members;
        let _ = writeln!(
            out,
            "| segment `{}`{} | {} | {} | {} | {} |",
            s.name,
            run_status(s.status),
            m.before,
            m.after,
            m.entered,
            m.left
        );
    }
    for t in &runs.data.tiers {
        for tier in &t.tiers {
            let _ = writeln!(
                out,
                "| tier `{}.{}` | {} | {} | {} | {} |",
                t.name, tier.tier, tier.before, tier.after, tier.entered, tier.left
            );
        }
    }
    for t in &runs.data.tiers {
        let _ = write!(
            out,
            "\n#### Moves of `{}`\n\n| from | to | members |\n|---|---|---|\n",
            t.name
        );
        for moved in &t.transitions {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                tier_name(&moved.from),
                tier_name(&moved.to),
                moved.members
            );
        }
    }
    out
}
