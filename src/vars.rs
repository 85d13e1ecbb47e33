//! `${NAME}` variable references in data locations, filled from `--var` values, the environment
//! or the project's defaults (`segc.toml`).

use std::collections::BTreeMap;
use std::ops::Range;

/// One variable reference found in a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableReference {
    /// The variable name.
    pub name: String,
    /// Byte range of `${NAME}` in the text.
    pub range: Range<usize>,
}

/// The variable references of `text`, or the byte range of the first malformed one.
pub fn references(text: &str) -> Result<Vec<VariableReference>, Range<usize>> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(i) = text[rest..].find("${") {
        let start = rest + i;
        let Some(close) = text[start..].find('}') else {
            return Err(start..text.len());
        };
        let end = start + close + 1;
        let name = &text[start + 2..end - 1];
        if !is_variable_name(name) {
            return Err(start..end);
        }
        found.push(VariableReference {
            name: name.to_string(),
            range: start..end,
        });
        rest = end;
    }
    Ok(found)
}

/// Whether `name` is a valid variable name: a letter or `_`, then letters, digits or `_`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Values for variable references: explicit `--var` values first, then the environment, then
/// defaults.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    explicit: BTreeMap<String, String>,
    use_environment: bool,
    defaults: BTreeMap<String, String>,
}

impl Variables {
    /// Variables from `--var` values, falling back to the process environment.
    pub fn new(explicit: BTreeMap<String, String>) -> Self {
        Variables {
            explicit,
            use_environment: true,
            defaults: BTreeMap::new(),
        }
    }

    /// These variables, with `defaults` for names set neither explicitly nor in the environment.
    pub fn with_defaults(self, defaults: BTreeMap<String, String>) -> Self {
        Variables { defaults, ..self }
    }

    /// Variables from explicit values only (for tests and embedding).
    pub fn explicit_only(explicit: BTreeMap<String, String>) -> Self {
        Variables {
            explicit,
            use_environment: false,
            defaults: BTreeMap::new(),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.explicit
            .get(name)
            .cloned()
            .or_else(|| {
                self.use_environment
                    .then(|| std::env::var(name).ok())
                    .flatten()
            })
            .or_else(|| self.defaults.get(name).cloned())
    }

    /// The names and values of the variables `text` refers to (that are set).
    pub fn used_in(&self, text: &str) -> Vec<(String, String)> {
        let Ok(found) = references(text) else {
            return Vec::new();
        };
        found
            .into_iter()
            .filter_map(|r| self.get(&r.name).map(|value| (r.name, value)))
            .collect()
    }

    /// `text` with every variable reference replaced, or the name of the first unset variable.
    pub fn expand(&self, text: &str) -> Result<String, String> {
        let Ok(found) = references(text) else {
            return Ok(text.to_string());
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for p in found {
            out.push_str(&text[last..p.range.start]);
            out.push_str(&self.get(&p.name).ok_or_else(|| p.name.clone())?);
            last = p.range.end;
        }
        out.push_str(&text[last..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_expands() {
        let found = references("${ROOT}/x/${ENV}.parquet").expect("valid");
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].name, "ENV");
        assert_eq!(references("a/${1x}/b"), Err(2..7));
        assert_eq!(references("a/${x"), Err(2..5));
        let vars = Variables::explicit_only(
            [("ROOT".to_string(), "/data".to_string())]
                .into_iter()
                .collect(),
        );
        assert_eq!(vars.expand("${ROOT}/c.csv"), Ok("/data/c.csv".into()));
        assert_eq!(vars.expand("${NOPE}/c.csv"), Err("NOPE".into()));
        let defaulted = vars.with_defaults(
            [("ROOT", "/srv"), ("NOPE", "/x")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        assert_eq!(defaulted.expand("${ROOT}/${NOPE}"), Ok("/data//x".into()));
    }
}
