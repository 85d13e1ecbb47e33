//! Project settings: the `segc.toml` nearest above a rule file.
//!
//! ```toml
//! [lints]
//! all = "warn"              # every lint not named below
//! unused-let = "allow"
//! always-empty = "deny"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::check::{self, LintLevels};
use crate::diagnostics::{Diagnostic, Level, Lint};
use crate::suggest::similar;
use crate::syntax;

/// The settings file's name.
pub(super) const FILE_NAME: &str = "segc.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    #[serde(default)]
    lints: BTreeMap<String, String>,
}

/// The `segc.toml` of the folder of `rule_file` or of the nearest folder above it, stopping at
/// the root of a git checkout.
fn find(rule_file: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(rule_file).ok()?;
    let mut dir = absolute.parent();
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// The lint levels that apply to `rule_file`: its project's, or the defaults.
pub(super) fn lint_levels(rule_file: &Path) -> Result<LintLevels, Diagnostic> {
    let Some(path) = find(rule_file) else {
        return Ok(LintLevels::default());
    };
    let shown = path.display().to_string();
    let invalid = |message: String| Diagnostic::InvalidProject {
        path: shown.clone(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| invalid(e.to_string()))?;
    let file: ProjectFile = toml::from_str(&text).map_err(|e| invalid(e.message().to_string()))?;
    let mut levels = LintLevels::default();
    for (name, level) in &file.lints {
        let level = Level::from_name(level).ok_or_else(|| {
            invalid(format!(
                "the level of `{name}` is `{level}`: write \"allow\", \"warn\" or \"deny\""
            ))
        })?;
        if name == "all" {
            levels.set_all(level);
            continue;
        }
        let lint = Lint::from_name(name).ok_or_else(|| {
            let candidates = similar(name, Lint::ALL.map(Lint::name));
            invalid(match candidates.first() {
                Some(close) => format!("unknown lint `{name}` (did you mean `{close}`?)"),
                None => format!("unknown lint `{name}`"),
            })
        })?;
        levels.set(lint, level);
    }
    Ok(levels)
}

/// Parses and checks `text`, the rule file at `path`, with its project's lint levels.
pub(super) fn check_rules(path: &Path, text: &str) -> Result<check::Checked, Diagnostic> {
    let levels = lint_levels(path)?;
    let parsed = syntax::parse(text);
    Ok(check::check_with(
        &parsed.program,
        &parsed.diagnostics,
        &levels,
    ))
}
