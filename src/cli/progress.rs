//! The progress of long runs on stderr: phase, rows read, members written, time spent, and on
//! a cluster each stage's tasks and rows.
//!
//! By default (`--progress auto`) a line redrawn in place appears only when stderr is a
//! terminal, `--quiet` is not given, and the run has lasted a second; it is cleared when the
//! run ends, so short runs and logs never see it. `--progress lines` prints plain lines
//! instead, for logs: each phase as it starts, and the counts at most every few seconds.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::args::ProgressArg;
use crate::engine::{Phase, Progress, StageProgress};

/// How long a run goes before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);

/// How often `--progress lines` prints the counts (phases are printed as they start).
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The progress of one run, drawn on stderr.
pub(super) struct Line {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
    /// The stages' part of the message, as last reported.
    stages: Mutex<String>,
    /// With `--progress lines`: when the counts were last printed.
    lines: Option<Mutex<Option<Instant>>>,
}

impl Line {
    /// A progress line when one should be drawn: `quiet` is off, and `how` is `lines`, or
    /// `auto` with stderr a terminal.
    pub(super) fn new(quiet: bool, how: ProgressArg) -> Option<Arc<Line>> {
        let lines = match how {
            _ if quiet => return None,
            ProgressArg::Off => return None,
            ProgressArg::Auto if !std::io::stderr().is_terminal() => return None,
            ProgressArg::Auto => None,
            ProgressArg::Lines => Some(Mutex::new(None)),
        };
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        Some(Arc::new(Line {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            stages: Mutex::new(String::new()),
            lines,
        }))
    }

    /// Draws the line from now on, once the run has lasted long enough.
    fn show_when_due(&self) {
        if self.lines.is_none()
            && self.started.elapsed() >= DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Shows `message`: redrawn in place, or printed as a line (`always`, or when the last
    /// line is old enough).
    fn say(&self, message: String, always: bool) {
        let Some(last) = &self.lines else {
            self.show_when_due();
            self.bar.set_message(message);
            return;
        };
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if always || last.is_none_or(|at| at.elapsed() >= LINE_EVERY) {
            *last = Some(Instant::now());
            eprintln!("segc {:>4}s {message}", self.started.elapsed().as_secs());
        }
    }

    /// The stages' part of the message.
    fn stages_text(&self) -> String {
        self.stages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Removes the line.
    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Line {
    fn phase(&self, phase: Phase) {
        self.say(phase.describe().to_string(), true);
    }

    fn rows(&self, read: u64, written: u64) {
        // On a cluster the scans run in the workers: their rows are in the stages' part.
        let mut message = match read {
            0 => "computing".to_string(),
            read => format!("computing · {} rows read", thousands(read)),
        };
        if written > 0 {
            message.push_str(&format!(" · {} members written", thousands(written)));
        }
        let stages = self
            .stages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !stages.is_empty() {
            message.push_str(" · ");
            message.push_str(&stages);
        }
        drop(stages);
        self.say(message, false);
    }

    fn stages(&self, stages: &[StageProgress]) {
        let described = describe_stages(stages);
        let mut shown = self
            .stages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A stage whose tasks start or end is said at once; rows at the usual pace.
        let changed = running(&shown) != running(&described);
        *shown = described;
        drop(shown);
        if changed && self.lines.is_some() {
            self.say(format!("computing · {}", self.stages_text()), true);
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// The stages as a progress line shows them: `stage 2 2/2 tasks 1,234 rows, stage 3 0/2
/// tasks` (rows as the stage's last node gave them out: an aggregating stage's come at its end).
fn describe_stages(stages: &[StageProgress]) -> String {
    stages
        .iter()
        .map(|s| {
            let tasks = format!("stage {} {}/{} tasks", s.stage, s.running, s.tasks);
            match s.rows {
                0 => tasks,
                rows => format!("{tasks} {} rows", thousands(rows)),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stages' tasks of a [`describe_stages`] text, without their rows.
fn running(described: &str) -> String {
    described
        .split(", ")
        .map(|stage| stage.split(" tasks").next().unwrap_or(stage))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_say_their_running_tasks_and_rows() {
        let stage = |stage, tasks, running, rows| StageProgress {
            stage,
            tasks,
            running,
            rows,
        };
        let shown = describe_stages(&[stage(1, 2, 2, 12_345), stage(3, 2, 0, 0)]);
        assert_eq!(shown, "stage 1 2/2 tasks 12,345 rows, stage 3 0/2 tasks");
        assert_eq!(running(&shown), "stage 1 2/2, stage 3 0/2");
        assert_eq!(describe_stages(&[]), "");
    }

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(31_234_567), "31,234,567");
    }
}
