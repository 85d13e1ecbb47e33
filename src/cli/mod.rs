//! The `segc` command line: parses arguments, calls the library driver ([`crate::driver`]),
//! prints, and picks the exit code.
//!
//! Exit codes: 0 success, 1 problems in the rules (or data not matching them), 2 usage, IO or
//! environment problems.

mod args;
mod check;
mod commands;
mod diff;
mod diff_report;
mod format;
mod kpi;
mod kpi_report;
mod line_diff;
mod machine;
mod plan_text;
mod progress;
mod project_run;
mod readout_report;
mod report;
mod sarif;
mod size_report;
mod test;
mod test_report;
mod wrap;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything went well.
    Success,
    /// The rules have errors (exit 1).
    RuleErrors,
    /// Usage, IO or environment problem (exit 2).
    Environment,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::RuleErrors => 1,
            Outcome::Environment => 2,
        }
    }
}

/// Runs `segc` with the process arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    crate::engine::panics::install_hook();
    let cli_color = cli.color;
    let worker = std::thread::Builder::new()
        .name("segc".into())
        .stack_size(crate::driver::STACK_SIZE)
        .spawn(move || commands::dispatch(cli));
    let outcome = match worker.map(|handle| handle.join()) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => {
            let cause = crate::engine::panics::last_panic().unwrap_or_default();
            eprintln!(
                "error: segc stopped unexpectedly ({cause}); this is a bug, please report it"
            );
            Outcome::Environment
        }
        Err(e) => {
            report::Reporter::new(cli_color).standalone(&crate::diagnostics::Diagnostic::Data(
                crate::diagnostics::DataDiagnostic::EngineFailed {
                    message: e.to_string(),
                },
            ));
            Outcome::Environment
        }
    };
    ExitCode::from(outcome.code())
}
