//! `segc kpi`: compute every KPI in one pass, judge each against its target, report, gate.

use super::Outcome;
use super::args::{FailOn, KpiArgs, KpiFormat};
use super::commands::{note_default_as_of, open, options, stopped};
use super::kpi_report::{self, Report};
use super::report::{Reporter, outcome_of};
use crate::driver::{Baseline, KpiGate, Session, Wanted};
use crate::judge::Judged;

/// Runs `segc kpi`.
pub(super) async fn run(args: &KpiArgs, reporter: &Reporter) -> Outcome {
    let options = options(&args.data, args.baseline.is_some());
    let session = match open(&args.file, options, reporter) {
        Ok(session) => session,
        Err(outcome) => return outcome,
    };
    let judged = async {
        let kpis = session.select_kpis(&args.kpis)?;
        let baseline = session.baseline(args.baseline.as_deref(), args.save_baseline.as_deref())?;
        if args.format == KpiFormat::Table {
            note_default_as_of(&args.data, &session);
        }
        let mut engine = session.engine_for(Wanted::Kpis(&kpis)).await?;
        // Before measuring: stale data stops here, with no baseline or history written.
        let later = session.event_times(&engine).await?.warnings();
        let line = super::progress::Line::new(false, args.data.progress);
        if let Some(line) = &line {
            engine.set_progress(line.clone());
        }
        let measured = session.measure_kpis(&engine, &kpis).await;
        if let Some(line) = &line {
            line.finish();
        }
        let measured = measured?;
        let judged =
            session.judge_kpis(&measured, baseline.as_ref(), args.save_baseline.as_deref());
        Ok((judged, baseline, engine, later))
    };
    let (judged, baseline, engine, later) = match judged.await {
        Ok(judged) => judged,
        Err(problem) => return stopped(&session, reporter, problem),
    };
    reporter.diagnostics(session.sources(), session.name(), &later);
    reporter.diagnostics(session.sources(), session.name(), &judged.diagnostics);
    let mut outcome = outcome_of(&judged.diagnostics);
    if let Some(path) = &args.save_baseline
        && outcome == Outcome::Success
    {
        if let Err(problem) = session.record_baseline(&judged.rows, path) {
            return stopped(&session, reporter, problem);
        }
        if args.format == KpiFormat::Table {
            eprintln!("recorded the baseline in {}", path.display());
        }
    }
    if let Some(table) = &args.save_history
        && outcome == Outcome::Success
    {
        match session.record_history(&engine, &judged.rows, table).await {
            Ok(version) if args.format == KpiFormat::Table => eprintln!(
                "recorded {} KPI rows in the history {table} (version {version})",
                judged.rows.len()
            ),
            Ok(_) => {}
            Err(problem) => return stopped(&session, reporter, problem),
        }
    }
    print(args, &session, baseline.as_ref(), &judged);
    if args.fail_on == Some(FailOn::Expectation) && judged.sizes.iter().any(|v| !v.met) {
        eprintln!("error: size expectations fail the `--fail-on expectation` gate");
        return outcome.max(Outcome::RuleErrors);
    }
    let gate = args.fail_on.and_then(|level| match level {
        FailOn::Miss => Some(KpiGate::Miss),
        FailOn::Warn => Some(KpiGate::Warn),
        FailOn::Expectation => None,
    });
    if let Some(gate) = gate
        && gate.fails(&judged.rows)
    {
        if args.format == KpiFormat::Table {
            eprintln!("error: KPIs fail the `--fail-on {}` gate", gate.name());
        }
        outcome = outcome.max(Outcome::RuleErrors);
    }
    outcome
}

fn print(args: &KpiArgs, session: &Session, baseline: Option<&Baseline>, judged: &Judged) {
    let report = Report {
        rules: session.name(),
        as_of: session.params().as_of,
        baseline: baseline.map(|b| (b.path.as_str(), b.file.as_of)),
        rows: &judged.rows,
        readouts: &judged.readouts,
        sizes: &judged.sizes,
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
