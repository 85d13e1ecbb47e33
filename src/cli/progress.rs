//! The progress line of long runs on stderr: phase, rows read, members written, time spent.
//!
//! It appears only when stderr is a terminal, `--quiet` is not given, and the run has lasted a
//! second; it is cleared when the run ends, so short runs and logs never see it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Phase, Progress};

/// How long a run goes before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);

/// A spinner line for one run.
pub(super) struct Line {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

impl Line {
    /// A progress line when one should be drawn: stderr is a terminal and `quiet` is off.
    pub(super) fn for_terminal(quiet: bool) -> Option<Arc<Line>> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        Some(Arc::new(Line {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }))
    }

    /// Draws the line from now on, once the run has lasted long enough.
    fn show_when_due(&self) {
        if self.started.elapsed() >= DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Removes the line.
    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Line {
    fn phase(&self, phase: Phase) {
        self.show_when_due();
        self.bar.set_message(phase.describe().to_string());
    }

    fn rows(&self, read: u64, written: u64) {
        self.show_when_due();
        let mut message = format!("computing · {} rows read", thousands(read));
        if written > 0 {
            message.push_str(&format!(" · {} members written", thousands(written)));
        }
        self.bar.set_message(message);
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
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
    use super::thousands;

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(31_234_567), "31,234,567");
    }
}
