//! Baseline files: the KPI values of one run, kept (in git) to judge relative targets later.
//!
//! A baseline file is pretty-printed JSON with one entry per KPI and group, in the order of the
//! rules, so that re-recording shows as a readable diff:
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

/// The format version written in `segc_baseline`.
pub const FORMAT_VERSION: u32 = 1;

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

    /// Reads a baseline file's text, saying what is wrong when it is not one.
    pub fn parse(text: &str) -> Result<BaselineFile, BaselineProblem> {
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| BaselineProblem::Unreadable(e.to_string()))?;
        if file.segc_baseline != FORMAT_VERSION {
            return Err(BaselineProblem::Version {
                found: file.segc_baseline,
                supported: FORMAT_VERSION,
            });
        }
        for (i, value) in file.values.iter().enumerate() {
            if let Some(f) = value.value
                && !f.is_finite()
            {
                return Err(BaselineProblem::NotANumber {
                    kpi: value.kpi.clone(),
                });
            }
            let repeated = file.values[..i]
                .iter()
                .any(|v| v.kpi == value.kpi && v.group == value.group);
            if repeated {
                return Err(BaselineProblem::Repeated {
                    kpi: value.kpi.clone(),
                    group: value.group.text(),
                });
            }
        }
        Ok(file)
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
