//! Baseline files: the KPI values of runs, kept (in git) to judge relative targets later.
//!
//! A baseline file (format 2, [`BaselineBook`]) holds the values of several rule files, each
//! under its path from the baseline file's folder, so that the KPI files of a project share one
//! baseline file without recording over each other:
//!
//! ```json
//! {
//!   "segc_baseline": 2,
//!   "segc_version": "0.1.0",
//!   "files": [
//!     { "rules": "kpis/sales.seg", "as_of": "2026-01-01", "values": [ ... ] }
//!   ]
//! }
//! ```
//!
//! Format 1 ([`BaselineFile`]), one rule file's values, is still read (for every rule file):
//!
//! ```json
//! {
//!   "segc_baseline": 1,
//!   "segc_version": "0.1.0",
//!   "rules": "kpis.seg",
//!   "as_of": "2026-01-01",
//!   "values": [
//!     { "kpi": "clv", "group": { "kind": "tier", "name": "vip", "tiers": "lifecycle" },
//!       "members": 120, "value": 1830.5 }
//!   ]
//! }
//! ```

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{GroupName, Row};
use crate::diagnostics::BaselineProblem;

/// The version of format 1, one rule file's values ([`BaselineFile`]): still read.
pub const FORMAT_VERSION: u32 = 1;

/// The format version written in `segc_baseline`: values keyed by rule file ([`BaselineBook`]).
pub const BOOK_VERSION: u32 = 2;

/// The contents of a baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    /// The format version ([`FORMAT_VERSION`]).
    pub segc_baseline: u32,
    /// The segc version that recorded it.
    pub segc_version: String,
    /// The rule file it was recorded from.
    pub rules: String,
    /// The evaluation date of the recording run: when the values were measured.
    pub as_of: NaiveDate,
    /// One entry per KPI and group.
    pub values: Vec<BaselineValue>,
}

/// One recorded value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineValue {
    /// The KPI.
    pub kpi: String,
    /// The group.
    pub group: GroupName,
    /// Members in the group then.
    pub members: u64,
    /// The value then (`null` when it could not be computed).
    pub value: Option<f64>,
}

impl BaselineFile {
    /// The values of a report, recorded on `as_of` from the rule file `rules`.
    pub fn record(rows: &[Row], rules: &str, as_of: NaiveDate) -> BaselineFile {
        BaselineFile {
            segc_baseline: FORMAT_VERSION,
            segc_version: env!("CARGO_PKG_VERSION").to_string(),
            rules: rules.to_string(),
            as_of,
            values: rows
                .iter()
                .map(|row| BaselineValue {
                    kpi: row.kpi.clone(),
                    group: row.group.clone(),
                    members: row.members,
                    value: row.value,
                })
                .collect(),
        }
    }

    /// Reads a baseline file's text in format 1, saying what is wrong when it is not one.
    pub fn parse(text: &str) -> Result<BaselineFile, BaselineProblem> {
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| BaselineProblem::Unreadable(e.to_string()))?;
        if file.segc_baseline != FORMAT_VERSION {
            return Err(BaselineProblem::Version {
                found: file.segc_baseline,
                supported: BOOK_VERSION,
            });
        }
        check_values(&file.values)?;
        Ok(file)
    }

    /// The values a baseline file's text (either format) holds for the rule file `rules` (its
    /// path from the baseline file's folder): format 1 applies to every rule file, format 2 to
    /// the file recorded under that path (none when it has no entry).
    pub fn read_for(text: &str, rules: &str) -> Result<Option<BaselineFile>, BaselineProblem> {
        match format_version(text)? {
            FORMAT_VERSION => BaselineFile::parse(text).map(Some),
            BOOK_VERSION => Ok(BaselineBook::parse(text)?.entry(rules)),
            found => Err(BaselineProblem::Version {
                found,
                supported: BOOK_VERSION,
            }),
        }
    }

    /// The recorded value of `kpi` for `group`, with its date, if there is one.
    pub fn value(&self, kpi: &str, group: &GroupName) -> Option<(f64, NaiveDate)> {
        self.values
            .iter()
            .find(|v| v.kpi == kpi && &v.group == group)
            .and_then(|v| v.value)
            .map(|v| (v, self.as_of))
    }
}

/// `segc_baseline` of a baseline file's text.
fn format_version(text: &str) -> Result<u32, BaselineProblem> {
    #[derive(Deserialize)]
    struct Version {
        segc_baseline: u32,
    }
    serde_json::from_str::<Version>(text)
        .map(|v| v.segc_baseline)
        .map_err(|e| BaselineProblem::Unreadable(e.to_string()))
}

/// Values that are numbers, one per KPI and group.
fn check_values(values: &[BaselineValue]) -> Result<(), BaselineProblem> {
    for (i, value) in values.iter().enumerate() {
        if let Some(f) = value.value
            && !f.is_finite()
        {
            return Err(BaselineProblem::NotANumber {
                kpi: value.kpi.clone(),
            });
        }
        let repeated = values[..i]
            .iter()
            .any(|v| v.kpi == value.kpi && v.group == value.group);
        if repeated {
            return Err(BaselineProblem::Repeated {
                kpi: value.kpi.clone(),
                group: value.group.text(),
            });
        }
    }
    Ok(())
}

/// A baseline file of format 2: the values of several rule files, each under its path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineBook {
    /// The format version ([`BOOK_VERSION`]).
    pub segc_baseline: u32,
    /// The segc version that last recorded it.
    pub segc_version: String,
    /// One entry per rule file, sorted by path.
    pub files: Vec<BaselineEntry>,
}

/// The values of one rule file in a [`BaselineBook`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The rule file, as a path from the baseline file's folder (`/`-separated).
    pub rules: String,
    /// When its values were measured.
    pub as_of: NaiveDate,
    /// One entry per KPI and group.
    pub values: Vec<BaselineValue>,
}

impl BaselineBook {
    /// Reads a baseline file's text in format 2.
    pub fn parse(text: &str) -> Result<BaselineBook, BaselineProblem> {
        let book: BaselineBook =
            serde_json::from_str(text).map_err(|e| BaselineProblem::Unreadable(e.to_string()))?;
        if book.segc_baseline != BOOK_VERSION {
            return Err(BaselineProblem::Version {
                found: book.segc_baseline,
                supported: BOOK_VERSION,
            });
        }
        for entry in &book.files {
            check_values(&entry.values)?;
        }
        Ok(book)
    }

    /// The values recorded for `rules`, as one rule file's baseline.
    pub fn entry(&self, rules: &str) -> Option<BaselineFile> {
        let entry = self.files.iter().find(|e| e.rules == rules)?;
        Some(BaselineFile {
            segc_baseline: FORMAT_VERSION,
            segc_version: self.segc_version.clone(),
            rules: entry.rules.clone(),
            as_of: entry.as_of,
            values: entry.values.clone(),
        })
    }

    /// `existing` (a baseline file's text in either format, if there is one) with the values of
    /// `recorded` under `rules`, replacing that file's earlier values and keeping the others'
    /// (format 1 values are kept under the rule file they name).
    pub fn with(
        existing: Option<&str>,
        rules: &str,
        recorded: &BaselineFile,
    ) -> Result<BaselineBook, BaselineProblem> {
        let mut files = match existing {
            None => Vec::new(),
            Some(text) => match format_version(text)? {
                FORMAT_VERSION => {
                    let old = BaselineFile::parse(text)?;
                    vec![BaselineEntry {
                        rules: old.rules,
                        as_of: old.as_of,
                        values: old.values,
                    }]
                }
                _ => BaselineBook::parse(text)?.files,
            },
        };
        files.retain(|e| e.rules != rules);
        files.push(BaselineEntry {
            rules: rules.to_string(),
            as_of: recorded.as_of,
            values: recorded.values.clone(),
        });
        files.sort_by(|a, b| a.rules.cmp(&b.rules));
        Ok(BaselineBook {
            segc_baseline: BOOK_VERSION,
            segc_version: env!("CARGO_PKG_VERSION").to_string(),
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::GroupKind;

    fn file() -> BaselineFile {
        BaselineFile {
            segc_baseline: FORMAT_VERSION,
            segc_version: "0.1.0".into(),
            rules: "kpis.seg".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            values: vec![BaselineValue {
                kpi: "clv".into(),
                group: GroupName {
                    kind: GroupKind::Tier,
                    name: "vip".into(),
                    tiers: Some("lifecycle".into()),
                },
                members: 3,
                value: Some(1200.0),
            }],
        }
    }

    #[test]
    fn round_trips_and_finds_values() {
        let text = serde_json::to_string_pretty(&file()).expect("json");
        let read = BaselineFile::parse(&text).expect("parse");
        assert_eq!(read, file());
        let vip = read.values[0].group.clone();
        assert_eq!(read.value("clv", &vip).map(|v| v.0), Some(1200.0));
        assert_eq!(read.value("nps", &vip), None);
    }

    #[test]
    fn refuses_other_files() {
        assert!(BaselineFile::parse("{}").is_err());
        let mut other = file();
        other.segc_baseline = 2;
        let text = serde_json::to_string(&other).expect("json");
        assert!(
            BaselineFile::parse(&text)
                .expect_err("version")
                .to_string()
                .contains("version 2")
        );
        let mut twice = file();
        twice.values.push(twice.values[0].clone());
        let text = serde_json::to_string(&twice).expect("json");
        assert!(
            BaselineFile::parse(&text)
                .expect_err("twice")
                .to_string()
                .contains("twice")
        );
    }
}
