//! `segc run` of every file of a project: the files whose outputs one plan can compute are
//! joined into one program (`merge::project`: each source scanned once, each definition they
//! share computed once), its batches split among the files' writers, and every file's outputs
//! published together, or none.
//!
//! Files that cannot share a plan form groups of their own, each one plan: another population
//! (or other rows of it), a source of the same name declared elsewhere, or outputs that are not
//! files in a local folder (a Delta table or object storage: those commit on their own, after
//! the local outputs of the project are published).

use super::Stopped;
use super::explain::{ExplainRequest, Explanation};
use super::session::{OutputChoice, Ran, Session};
use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::engine::{Engine, OutputFormat, OutputSpec, RunContext, SharedFile, StagedRun};
use crate::hir::{OutputId, Program};
use crate::lower::{ConsentChecks, Selection};
use crate::merge::project::{JoinProblem, Joined, fits, join};

/// Why a file of a project run is not planned with the files of an earlier group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apart {
    /// Its population is another source, or another declaration of it.
    Population(String),
    /// It keeps other rows of the population.
    PopulationRows(String),
    /// It declares a source of the same name elsewhere.
    OtherDeclaration(String),
    /// Its outputs go to a Delta table or object storage, which it commits on its own.
    OwnWriter,
}

impl Apart {
    /// In words, for `segc explain` and the run's notes.
    pub fn describe(&self) -> String {
        match self {
            Apart::Population(name) => format!("another population (`{name}`)"),
            Apart::PopulationRows(name) => format!("other rows of the population `{name}`"),
            Apart::OtherDeclaration(name) => {
                format!("its own declaration of the source `{name}`")
            }
            Apart::OwnWriter => "outputs to a Delta table or object storage".to_string(),
        }
    }
}

impl From<JoinProblem> for Apart {
    fn from(problem: JoinProblem) -> Apart {
        match problem {
            JoinProblem::Population(name) => Apart::Population(name),
            JoinProblem::PopulationRows(name) => Apart::PopulationRows(name),
            JoinProblem::OtherDeclaration(name) => Apart::OtherDeclaration(name),
        }
    }
}

/// Files of a project run computed by one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunGroup {
    /// The files, by index among the project run's.
    pub files: Vec<usize>,
    /// Why the group is not the first one's (`None` for the first).
    pub apart: Option<Apart>,
}

/// The files of a project run, planned: per file its output and consent checks, and the groups
/// of files that share a plan.
pub struct ProjectRun<'s> {
    sessions: Vec<&'s Session>,
    specs: Vec<OutputSpec>,
    choices: Vec<OutputChoice>,
    checks: Vec<Option<ConsentChecks>>,
    groups: Vec<RunGroup>,
}

/// Why a project run stopped: the file it is about (by index) and the problem. Nothing of the
/// project was published (see [`ProjectRun::run`]).
pub type ProjectStopped = (usize, Stopped);

impl<'s> ProjectRun<'s> {
    /// Plans the run of `sessions`, each with its output choice: stops on a file with no output
    /// folder.
    pub fn plan(
        sessions: Vec<&'s Session>,
        choices: Vec<OutputChoice>,
    ) -> Result<ProjectRun<'s>, ProjectStopped> {
        let mut specs = Vec::with_capacity(sessions.len());
        let mut checks = Vec::with_capacity(sessions.len());
        for (i, (session, choice)) in sessions.iter().zip(&choices).enumerate() {
            specs.push(session.output_spec(choice).map_err(|s| (i, s))?);
            checks.push(crate::lower::consent_checks(
                session.program(),
                &Selection::All,
            ));
        }
        let mut run = ProjectRun {
            sessions,
            specs,
            choices,
            checks,
            groups: Vec::new(),
        };
        run.groups = run.grouped();
        Ok(run)
    }

    /// The groups of files sharing a plan, in order of their first file.
    pub fn groups(&self) -> &[RunGroup] {
        &self.groups
    }

    /// The name of file `i`.
    pub fn name(&self, i: usize) -> &str {
        self.sessions.get(i).map_or("", |s| s.name())
    }

    /// The program file `i`'s own run lowers (with its audiences' consent checks).
    fn run_program(&self, i: usize) -> &Program {
        match &self.checks[i] {
            Some(checks) => &checks.program,
            None => self.sessions[i].program(),
        }
    }

    /// The outputs file `i`'s own plan gives, in order.
    fn run_outputs(&self, i: usize) -> Vec<OutputId> {
        match &self.checks[i] {
            Some(checks) => checks.selection.outputs(&checks.program),
            None => Selection::All.outputs(self.sessions[i].program()),
        }
    }

    /// Whether file `i` writes files into a local folder (which a shared plan can write).
    fn local(&self, i: usize) -> bool {
        let spec = &self.specs[i];
        spec.format != OutputFormat::Delta && !crate::engine::is_url(&spec.dir.to_string_lossy())
    }

    /// Each file joins the first group all of whose files it fits with (same population, same
    /// declarations of the sources they share), else starts one.
    fn grouped(&self) -> Vec<RunGroup> {
        let mut groups: Vec<RunGroup> = Vec::new();
        for i in 0..self.sessions.len() {
            if !self.local(i) {
                let apart = (!groups.is_empty()).then_some(Apart::OwnWriter);
                groups.push(RunGroup {
                    files: vec![i],
                    apart,
                });
                continue;
            }
            let mut first_problem = None;
            let joined = groups.iter_mut().find(|group| {
                if !group.files.iter().all(|f| self.local(*f)) {
                    return false;
                }
                let fit = group.files.iter().try_for_each(|f| {
                    fits(self.run_program(*f), self.run_program(i))
                        .and_then(|()| fits(self.run_program(i), self.run_program(*f)))
                });
                if let Err(problem) = &fit {
                    first_problem.get_or_insert_with(|| Apart::from(problem.clone()));
                }
                fit.is_ok()
            });
            match joined {
                Some(group) => group.files.push(i),
                None => groups.push(RunGroup {
                    files: vec![i],
                    apart: first_problem,
                }),
            }
        }
        groups
    }

    /// The programs of `group` joined, and a session over the joined program.
    fn joined(&self, group: &RunGroup) -> Result<(Joined, Session), ProjectStopped> {
        let first = group.files[0];
        let rest: Vec<&Program> = group.files[1..]
            .iter()
            .map(|i| self.run_program(*i))
            .collect();
        let joined = join(self.run_program(first), &rest).map_err(|_| self.unjoined(first))?;
        let session = self.sessions[first];
        let merged = Session::of_program(
            joined.program.clone(),
            session.rules(),
            session.path(),
            Some(session.project().clone()),
            session.options().clone(),
        )
        .map_err(|s| (first, s))?;
        Ok((joined, merged))
    }

    /// A file that its group's plan does not serve (a fault of segc: [`ProjectRun::plan`]
    /// grouped it there).
    fn unjoined(&self, i: usize) -> ProjectStopped {
        let span = self.run_program(i).population().span;
        let broken = Invariant::UnjoinedFiles {
            file: self.name(i).to_string(),
        };
        let problem = Diagnostic::Internal(InternalDiagnostic::Invariant { span, broken });
        (i, Stopped::InRules(vec![problem]))
    }

    /// The selection of the joined program: every output of the group's files.
    fn selection(&self, group: &RunGroup, joined: &Joined) -> Selection {
        let mut ids = Vec::new();
        for (i, placement) in group.files.iter().zip(&joined.placements) {
            for output in self.run_outputs(*i) {
                let placed = placement.output(output);
                if !ids.contains(&placed) {
                    ids.push(placed);
                }
            }
        }
        Selection::Only(ids)
    }

    /// `segc explain` of group `index`: the plans of its joined program.
    pub async fn explain(
        &self,
        engine: &mut Engine,
        index: usize,
        request: ExplainRequest,
    ) -> Result<Explanation, ProjectStopped> {
        let Some(group) = self.groups.get(index) else {
            return Err((0, Stopped::Standalone(Vec::new())));
        };
        if !request.declared {
            self.register(engine, group).await?;
        }
        let (joined, merged) = self.joined(group)?;
        let selection = self.selection(group, &joined);
        merged
            .explain(engine, &selection, request)
            .await
            .map_err(|s| (group.files[0], s))
    }

    async fn register(&self, engine: &mut Engine, group: &RunGroup) -> Result<(), ProjectStopped> {
        for i in &group.files {
            self.sessions[*i]
                .register_in(engine)
                .await
                .map_err(|s| (*i, s))?;
        }
        Ok(())
    }

    /// Runs every file: each group of local outputs computed by one plan and staged, all of
    /// them published together once every group succeeded; then the files that write a Delta
    /// table or object storage, each on its own. Stops at the first problem, with nothing of
    /// the project published (but the Delta tables and object storage runs before it).
    pub async fn run(&self, engine: &mut Engine) -> Result<Vec<(usize, Ran)>, ProjectStopped> {
        let mut staged: Vec<(usize, StagedRun, crate::engine::EventTimes, RunContext)> = Vec::new();
        for group in self.groups.iter().filter(|g| self.local(g.files[0])) {
            for (i, run, times, context) in self.run_group(engine, group).await? {
                staged.push((i, run, times, context));
            }
        }
        let first = staged.first().map_or(0, |s| s.0);
        let mut kept = Vec::with_capacity(staged.len());
        let mut runs = Vec::with_capacity(staged.len());
        for (i, run, times, context) in staged {
            kept.push((i, times, context));
            runs.push(run);
        }
        let summaries =
            crate::engine::publish_runs(runs).map_err(|p| (first, Stopped::standalone(p)))?;
        let mut ran = Vec::with_capacity(self.sessions.len());
        for ((i, times, context), summary) in kept.into_iter().zip(summaries) {
            let session = self.sessions[i];
            ran.push((
                i,
                Ran {
                    diagnostics: session.findings(&times, &context, &summary),
                    summary,
                    spec: self.specs[i].clone(),
                    published: None,
                },
            ));
        }
        for group in self.groups.iter().filter(|g| !self.local(g.files[0])) {
            for i in &group.files {
                let session = self.sessions[*i];
                session.register_in(engine).await.map_err(|s| (*i, s))?;
                let one = session
                    .run(engine, &Selection::All, &self.choices[*i])
                    .await;
                ran.push((*i, one.map_err(|s| (*i, s))?));
            }
        }
        ran.sort_by_key(|(i, _)| *i);
        Ok(ran)
    }

    /// One group's plan run, each file's outputs staged.
    async fn run_group(
        &self,
        engine: &mut Engine,
        group: &RunGroup,
    ) -> Result<Vec<(usize, StagedRun, crate::engine::EventTimes, RunContext)>, ProjectStopped>
    {
        self.register(engine, group).await?;
        let mut contexts = Vec::with_capacity(group.files.len());
        let mut measured = Vec::with_capacity(group.files.len());
        for i in &group.files {
            // Per file, of the sources its own plan reads, as its own run measures them: its
            // summary says the same.
            let session = self.sessions[*i];
            let read = crate::lower::sources_read(
                session.program(),
                crate::lower::Wanted::Outputs(&Selection::All),
            );
            let times = session
                .event_times_of(engine, Some(&read))
                .await
                .map_err(|s| (*i, s))?;
            contexts.push(self.context(*i, &times));
            measured.push(times);
        }
        let first = group.files[0];
        let (joined, merged) = self.joined(group)?;
        let selection = self.selection(group, &joined);
        let program = merged.program();
        let plan = engine
            .membership_plan(program, merged.params(), &selection)
            .await
            .map_err(|p| (first, Session::in_rules(engine, p)))?;
        let files = self.shared_files(group, &joined, &plan, &contexts)?;
        let runs = engine
            .run_shared(program, &plan, &files)
            .await
            .map_err(|p| (first, Session::run_stopped(engine, p)))?;
        Ok(group
            .files
            .iter()
            .zip(runs)
            .zip(measured.into_iter().zip(contexts))
            .map(|((i, run), (times, context))| (*i, run, times, context))
            .collect())
    }

    /// What the run of file `i` records, with the event times measured for it.
    fn context(&self, i: usize, times: &crate::engine::EventTimes) -> RunContext {
        let session = self.sessions[i];
        RunContext {
            rules: session.name().to_string(),
            as_of: session.params().as_of,
            membership_shown: None,
            overlaps: self.choices[i].overlaps || session.project().max_jaccard.is_some(),
            consent_checks: self.checks[i]
                .as_ref()
                .map(|c| c.checks.clone())
                .unwrap_or_default(),
            freshness: times.freshness.clone(),
        }
    }

    /// Each file of `group` as the shared plan `plan` serves it: its outputs, where they are
    /// among the plan's, and where it writes.
    fn shared_files(
        &self,
        group: &RunGroup,
        joined: &Joined,
        plan: &crate::lower::MembershipPlan,
        contexts: &[RunContext],
    ) -> Result<Vec<SharedFile<'_>>, ProjectStopped> {
        let mut files = Vec::with_capacity(group.files.len());
        for ((i, placement), context) in group.files.iter().zip(&joined.placements).zip(contexts) {
            let outputs = self.run_outputs(*i);
            let mut positions = Vec::with_capacity(outputs.len());
            for output in &outputs {
                let placed = placement.output(*output);
                match plan.outputs.iter().position(|p| *p == placed) {
                    Some(at) => positions.push(at),
                    None => return Err(self.unjoined(*i)),
                }
            }
            files.push(SharedFile {
                program: self.run_program(*i),
                outputs,
                positions,
                context: context.clone(),
                spec: self.specs[*i].clone(),
            });
        }
        Ok(files)
    }
}
