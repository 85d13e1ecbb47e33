//! `segc kpi`: compute every KPI in one pass, judge each against its target, report, gate.

use std::path::Path;

use super::Outcome;
use super::args::{FailOn, KpiArgs, KpiFormat};
use super::commands::{Prepared, file_problem, note_default_as_of, prepare, registered_engine};
use super::kpi_report::{self, Report};
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{Diagnostic, KpiDiagnostic};
use crate::hir::{self, KpiId};
use crate::kpi::{self, BaselineFile, Judging, Row, Status};
use crate::suggest::similar;

/// Runs `segc kpi`.
pub(super) async fn run(args: &KpiArgs, reporter: &Reporter) -> Outcome {
    let prepared = match prepare(
        &args.file,
        &args.data,
        &[],
        args.baseline.is_some(),
        reporter,
    ) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let kpis = match selected(&prepared.program, &args.kpis) {
        Ok(ids) => ids,
        Err(problems) => {
            problems.iter().for_each(|d| reporter.standalone(d));
            return outcome_of(&problems);
        }
    };
    // The baseline is read before any data, so a bad file fails fast.
    // The project's baseline is a default: until it is first recorded, there is none.
    let configured = prepared
        .project
        .baseline
        .as_ref()
        .filter(|p| p.exists() || args.save_baseline.as_ref() != Some(*p));
    let baseline = match args.baseline.as_ref().or(configured) {
        Some(path) => match read_baseline(path) {
            Ok(file) => Some((file, path.display().to_string())),
            Err(problem) => {
                reporter.standalone(&problem);
                return Outcome::Environment;
            }
        },
        None => None,
    };
    if args.format == KpiFormat::Table {
        note_default_as_of(&args.data, &prepared);
    }
    let mut engine = match registered_engine(&prepared, &args.data, reporter).await {
        Ok(e) => e,
        Err(outcome) => return outcome,
    };
    let line = super::progress::Line::for_terminal(false);
    if let Some(line) = &line {
        engine.set_progress(line.clone());
    }
    let measured = async {
        let plan = engine
            .kpi_plan(&prepared.program, prepared.params, &kpis)
            .await?;
        engine.measure(&prepared.program, &plan).await
    }
    .await;
    if let Some(line) = &line {
        line.finish();
    }
    let measured = match measured {
        Ok(m) => m,
        Err(problem) => return file_problem(&prepared, reporter, engine.redacted(problem)),
    };
    let recording = args.save_baseline.as_ref().map(|p| p.display().to_string());
    let judged = kpi::judge(
        &prepared.program,
        &measured,
        Judging {
            as_of: prepared.params.as_of,
            baseline: baseline.as_ref().map(|(file, path)| (file, path.as_str())),
            recording: recording.as_deref(),
        },
    );
    prepared.report(reporter, &judged.diagnostics);
    let mut outcome = outcome_of(&judged.diagnostics);
    if let Some(path) = &args.save_baseline
        && outcome == Outcome::Success
    {
        let recorded = BaselineFile::record(&judged.rows, &prepared.name, prepared.params.as_of);
        if let Err(problem) = crate::engine::write_json(path, &recorded) {
            reporter.standalone(&problem);
            return Outcome::Environment;
        }
        if args.format == KpiFormat::Table {
            eprintln!("recorded the baseline in {}", path.display());
        }
    }
    print(args, &prepared, baseline.as_ref(), &judged.rows);
    if let Some(level) = args.fail_on
        && failing(&judged.rows, level)
    {
        if args.format == KpiFormat::Table {
            eprintln!(
                "error: KPIs fail the `--fail-on {}` gate",
                level_word(level)
            );
        }
        outcome = outcome.max(Outcome::RuleErrors);
    }
    outcome
}

/// The KPIs to compute: all, or those named by `--kpi`.
fn selected(program: &hir::Program, names: &[String]) -> Result<Vec<KpiId>, Vec<Diagnostic>> {
    if program.kpis.is_empty() {
        return Err(vec![Diagnostic::Kpi(KpiDiagnostic::NoKpi)]);
    }
    if names.is_empty() {
        return Ok((0..program.kpis.len()).map(KpiId).collect());
    }
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        match program.kpi_named(name) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => problems.push(Diagnostic::Kpi(KpiDiagnostic::UnknownSelectedKpi {
                name: name.clone(),
                candidates: similar(name, program.kpis.iter().map(|k| k.name.as_str())),
            })),
        }
    }
    ids.sort();
    if problems.is_empty() {
        Ok(ids)
    } else {
        Err(problems)
    }
}

fn read_baseline(path: &Path) -> Result<BaselineFile, Diagnostic> {
    let problem = |message: String| {
        Diagnostic::Kpi(KpiDiagnostic::BadBaselineFile {
            path: path.display().to_string(),
            message,
        })
    };
    let text = std::fs::read_to_string(path).map_err(|e| problem(e.to_string()))?;
    BaselineFile::parse(&text).map_err(problem)
}

fn print(
    args: &KpiArgs,
    prepared: &Prepared,
    baseline: Option<&(BaselineFile, String)>,
    rows: &[Row],
) {
    let report = Report {
        rules: &prepared.name,
        as_of: prepared.params.as_of,
        baseline: baseline.map(|(file, path)| (path.as_str(), file.as_of)),
        rows,
    };
    print!(
        "{}",
        match args.format {
            KpiFormat::Table => kpi_report::table(&report),
            KpiFormat::Json => kpi_report::json(&report),
            KpiFormat::Markdown => kpi_report::markdown(&report),
        }
    );
}

/// Whether any row fails the `--fail-on` level.
fn failing(rows: &[Row], level: FailOn) -> bool {
    rows.iter().any(|row| match level {
        FailOn::Miss => matches!(row.status, Status::Missed | Status::NoBaseline),
        FailOn::Warn => row.warning || !matches!(row.status, Status::Met | Status::OnTrack),
    })
}

fn level_word(level: FailOn) -> &'static str {
    match level {
        FailOn::Miss => "miss",
        FailOn::Warn => "warn",
    }
}
