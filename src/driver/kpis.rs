//! `segc kpi` as calls: the KPIs selected, the baseline read before any data, every KPI measured
//! in one pass, judged against its target, the baseline recorded, the gate.

use std::path::Path;

use super::{Session, Stopped};
use crate::diagnostics::{BaselineProblem, DataDiagnostic, Diagnostic, KpiDiagnostic};
use crate::engine::Engine;
use crate::hir::KpiId;
use crate::judge::{self, BaselineBook, BaselineFile, Judged, Judging, Row, Status};
use crate::suggest::similar;

/// A baseline file read, and its path as shown.
#[derive(Debug)]
pub struct Baseline {
    /// The values recorded.
    pub file: BaselineFile,
    /// Where they were read from.
    pub path: String,
}

/// KPI values measured over the data, one per KPI and group, and the population's size.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// One value per KPI and group.
    pub values: Vec<judge::Measured>,
    /// The members of the population.
    pub population: u64,
    /// Warnings about the runs frozen KPIs read (`W1004`–`W1006`).
    pub warnings: Vec<Diagnostic>,
}

/// Which judged rows fail a CI gate (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiGate {
    /// A target missed, or no baseline to judge it against.
    Miss,
    /// Anything but met or on track, and any warning.
    Warn,
}

impl KpiGate {
    /// Whether any of `rows` fails the gate.
    pub fn fails(self, rows: &[Row]) -> bool {
        rows.iter().any(|row| match self {
            KpiGate::Miss => matches!(row.status, Status::Missed | Status::NoBaseline),
            KpiGate::Warn => row.warning || !matches!(row.status, Status::Met | Status::OnTrack),
        })
    }

    /// The gate's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            KpiGate::Miss => "miss",
            KpiGate::Warn => "warn",
        }
    }
}

impl Session {
    /// The KPIs named (all when `names` is empty); `E1001` when the rules have none.
    pub fn select_kpis(&self, names: &[String]) -> Result<Vec<KpiId>, Stopped> {
        let program = &self.program;
        if program.kpis.is_empty() {
            return Err(Stopped::standalone(Diagnostic::Kpi(KpiDiagnostic::NoKpi)));
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
            Err(Stopped::Standalone(problems))
        }
    }

    /// The baseline to judge against: `given`, else the project's `[kpi] baseline` (a default:
    /// until it is first recorded by `saving` there, there is none). Read before any data, so
    /// a bad file fails fast.
    pub fn baseline(
        &self,
        given: Option<&Path>,
        saving: Option<&Path>,
    ) -> Result<Option<Baseline>, Stopped> {
        // The project's baseline file before it is first recorded is no baseline yet: relative
        // targets are reported `no baseline` (E1016), as docs/ci.md says; a `--baseline` given
        // on the command line must exist (unless this run records it).
        let configured = self
            .setting
            .project
            .baseline
            .as_deref()
            .filter(|p| p.exists());
        // Recording a `--baseline` file for the first time: nothing to judge against yet.
        let given = given.filter(|p| p.exists() || saving != Some(*p));
        let Some(path) = given.or(configured) else {
            return Ok(None);
        };
        let problem = |problem: BaselineProblem| {
            Stopped::standalone(Diagnostic::Kpi(KpiDiagnostic::BadBaselineFile {
                path: path.display().to_string(),
                problem,
            }))
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| problem(BaselineProblem::Unreadable(e.to_string())))?;
        let key = self.baseline_key(path);
        let file = BaselineFile::read_for(&text, &key).map_err(problem)?;
        Ok(file.map(|file| Baseline {
            file,
            path: path.display().to_string(),
        }))
    }

    /// The rule file's key in the baseline file at `baseline`: its path from that file's
    /// folder, `/`-separated.
    fn baseline_key(&self, baseline: &Path) -> String {
        relative_from(&self.setting.path, &crate::load::folder(baseline))
    }

    /// Measures `kpis` over the data of `engine` in one pass.
    pub async fn measure_kpis(&self, engine: &Engine, kpis: &[KpiId]) -> Result<Measured, Stopped> {
        let (program, params) = (&self.program, self.setting.params);
        let measured = async {
            let plan = engine.kpi_plan(program, params, kpis).await?;
            let (values, population) = engine.measure_with_population(program, &plan).await?;
            let warnings = engine.frozen_findings(program, kpis, params.as_of).await;
            Ok(Measured {
                values,
                population,
                warnings,
            })
        };
        measured.await.map_err(|p| Session::in_rules(engine, p))
    }

    /// Judges each measured value against its target, with `baseline` and `as_of`; `recording`
    /// names the baseline file this run records (missing baselines are then expected).
    pub fn judge_kpis(
        &self,
        measured: &Measured,
        baseline: Option<&Baseline>,
        recording: Option<&Path>,
    ) -> Judged {
        let recording = recording.map(|p| p.display().to_string());
        let unrecorded = match baseline {
            Some(_) => None,
            None => self
                .setting
                .project
                .baseline
                .as_deref()
                .map(|p| p.display().to_string()),
        };
        let mut judged = judge::judge(
            &self.program,
            &measured.values,
            Judging {
                as_of: self.setting.params.as_of,
                baseline: baseline.map(|b| (&b.file, b.path.as_str())),
                recording: recording.as_deref(),
                unrecorded: unrecorded.as_deref(),
            },
        );
        judged.diagnostics.extend(measured.warnings.iter().cloned());
        // The members of the KPIs' groups were counted: their size expectations are judged.
        judged.sizes =
            judge::sizes::judge_groups(&self.program, &measured.values, measured.population);
        judged
            .diagnostics
            .extend(judged.sizes.iter().filter_map(|v| v.diagnostic()));
        judged
    }

    /// Records the judged rows in the KPI history, the Delta table `table` (a folder or a
    /// URL), replacing this rule file's rows of the same `as_of`; returns the version committed.
    pub async fn record_history(
        &self,
        engine: &Engine,
        rows: &[Row],
        table: &str,
    ) -> Result<i64, Stopped> {
        let (name, as_of) = (&self.setting.name, self.setting.params.as_of);
        let batch = judge::history_batch(name, as_of, rows).map_err(|e| {
            Stopped::standalone(Diagnostic::Data(DataDiagnostic::DeltaWriteFailed {
                table: table.to_string(),
                message: e.to_string(),
            }))
        })?;
        let metadata = [
            ("version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
            ("as_of".to_string(), as_of.to_string()),
            ("rules".to_string(), name.clone()),
        ];
        engine
            .record_history(table, batch, &metadata)
            .await
            .map_err(|p| Stopped::standalone(engine.redacted(p)))
    }

    /// Records the judged rows' values in the baseline file `path`, under this rule file: the
    /// values it holds for other rule files are kept (a file of format 1 becomes format 2).
    pub fn record_baseline(&self, rows: &[Row], path: &Path) -> Result<(), Stopped> {
        let key = self.baseline_key(path);
        let recorded = BaselineFile::record(rows, &key, self.setting.params.as_of);
        let existing = std::fs::read_to_string(path).ok();
        let book = BaselineBook::with(existing.as_deref(), &key, &recorded).map_err(|problem| {
            Stopped::standalone(Diagnostic::Kpi(KpiDiagnostic::BadBaselineFile {
                path: path.display().to_string(),
                problem,
            }))
        })?;
        crate::engine::write_json(path, &book).map_err(Stopped::standalone)
    }
}

/// `path` from the folder `folder` (both made absolute), `/`-separated, with `..` where it lies
/// outside.
fn relative_from(path: &Path, folder: &Path) -> String {
    use std::path::Component;
    let absolute = |p: &Path| -> Vec<String> {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(n) => parts.push(n.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (path, folder) = (absolute(path), absolute(folder));
    let common = path.iter().zip(&folder).take_while(|(a, b)| a == b).count();
    let mut parts = vec!["..".to_string(); folder.len() - common];
    parts.extend(path[common..].iter().cloned());
    parts.join("/")
}
