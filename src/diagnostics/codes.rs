//! The registry of diagnostic codes: every code segc reports, declared once with its title (the
//! heading of its section in `docs/errors.md`, which a test compares) and the exit code it leads
//! to. A kind's `describe` arm names its code as a [`Code`], so no kind can report a code that is
//! not listed here.

use super::{Blame, Severity};

/// Declares [`Code`] and its tables from one list of `CODE Blame "title"` entries.
macro_rules! codes {
    ($($code:ident $blame:ident $title:literal,)*) => {
        /// A stable diagnostic code (`E0201`): `E` for errors, `W` for warnings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $title]
                $code,
            )*
        }

        impl Code {
            /// Every registered code, in the order of `docs/errors.md`.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as written (`"E0201"`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code),)*
                }
            }

            /// The title of the code's section in `docs/errors.md`.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$code => $title,)*
                }
            }

            /// Whether the rules or the environment are to blame (exit code 1 or 2).
            pub fn blame(self) -> Blame {
                match self {
                    $(Code::$code => Blame::$blame,)*
                }
            }
        }
    };
}

codes! {
    E0101 Rules "syntax error",
    E0102 Rules "unterminated string",
    E0103 Rules "number too large",
    E0104 Rules "invalid date or timestamp",
    E0105 Rules "unknown escape in string",
    E0106 Rules "text that does not start an item",
    E0108 Rules "item nested too deeply",
    E0201 Rules "unknown name",
    E0202 Rules "unknown column of a source",
    E0203 Rules "unknown function",
    E0204 Rules "name declared twice",
    E0205 Rules "built-in name redeclared",
    E0206 Rules "column of a source other than the population",
    E0207 Rules "badly qualified name",
    E0208 Rules "name that is not a column of the aggregated source",
    E0209 Rules "source not linked to the population",
    E0210 Rules "source linked to the population twice",
    E0211 Rules "no reference path to a source",
    E0212 Rules "several reference paths to a source",
    E0213 Rules "tier name that names another definition",
    E0301 Rules "unknown type",
    E0302 Rules "bad type arguments",
    E0303 Rules "unknown data format",
    E0304 Rules "population without a key",
    E0305 Rules "several keys in one source",
    E0306 Rules "nullable key",
    E0307 Rules "no population",
    E0308 Rules "no source",
    E0309 Rules "population declared twice",
    E0310 Rules "unknown option",
    E0311 Rules "bad option value",
    E0312 Rules "malformed variable reference",
    E0313 Rules "source without columns",
    E0314 Rules "a reference of another type than its key",
    E0315 Rules "credentials in a location",
    E0316 Rules "partition column of another type",
    E0317 Rules "partition column derived from another column",
    E0318 Rules "reference to a source without a key",
    E0319 Rules "list column in a CSV source without `list_delimiter`",
    E0320 Rules "list column as a key",
    E0321 Rules "several event columns",
    E0322 Rules "event column that is not a date or timestamp",
    E0323 Rules "row filter reading more than the rows' own columns",
    E0324 Rules "`including future` without an event time",
    E0401 Rules "value of the wrong type",
    E0402 Rules "operator applied to incompatible types",
    E0403 Rules "unknown enum value",
    E0404 Rules "values that cannot stand together",
    E0405 Rules "wrong number of arguments",
    E0406 Rules "comparison with null",
    E0407 Rules "months or years used as a length of time",
    E0408 Rules "list outside of `in`",
    E0409 Rules "enum ordered against a non-literal",
    E0410 Rules "aggregate without a related source",
    E0411 Rules "aggregate of a whole source",
    E0412 Rules "aggregate over the population",
    E0413 Rules "nested aggregates",
    E0414 Rules "clause not taken by the function",
    E0415 Rules "`first` or `last` without an order",
    E0416 Rules "bad number of quantile groups",
    E0417 Rules "quantile inside an aggregate",
    E0418 Rules "`in` followed by a name that is not a list",
    E0419 Rules "item of a listed `let` that is not a constant",
    E0420 Rules "ties broken by something other than the key",
    E0501 Rules "cyclic definitions",
    E0502 Rules "`else` tier not last",
    E0504 Rules "bad holdout or split share",
    E0505 Rules "split shares that do not add up",
    E0506 Rules "empty seed",
    E0507 Rules "value that cannot be written to the outputs",
    E0508 Rules "definitions depending on each other too deeply",
    W0501 Rules "tier never chosen (warning)",
    W0502 Rules "tiers without `else` (warning)",
    W0503 Rules "tier named like another definition (warning)",
    E0601 Rules "unknown duration unit",
    E0602 Rules "fractional months or years",
    E0603 Rules "percentage out of range",
    E0604 Rules "invalid regular expression",
    E0605 Rules "a duration too long",
    E0701 Environment "no data found",
    E0702 Rules "declared column not in the data",
    E0703 Rules "column type does not match the data",
    E0704 Environment "variable not set",
    E0705 Environment "location scheme not supported",
    E0706 Rules "reading or evaluating the data failed",
    E0707 Environment "data schema cannot be read",
    E0708 Environment "output cannot be written",
    E0709 Environment "the query engine cannot start",
    E0710 Rules "a member without a key",
    E0711 Rules "a key on several rows",
    E0712 Rules "CSV files of one source with different columns",
    E0713 Environment "empty data files",
    E0714 Environment "memory limit reached",
    E0715 Environment "another run is writing to the output folder",
    E0716 Environment "output folder inside a source's folder",
    E0718 Environment "the system refused to read or write during the run",
    E0719 Environment "remote data refused",
    E0720 Environment "remote data cannot be read",
    E0721 Rules "partition folders that do not follow their column",
    E0722 Environment "no such version of a Delta table",
    E0723 Rules "a referenced key on several rows",
    E0724 Environment "a Delta table that cannot be written",
    E0717 Environment "data outside the folders it may be read from",
    E0725 Environment "data older than its source's freshness limit",
    E0726 Rules "freshness limit on a source without an event column",
    W0701 Rules "rows dated after `as_of` left out (warning)",
    W0702 Environment "data older than its source's freshness limit (warning)",
    E0801 Environment "invalid `--var`",
    E0802 Environment "unknown output selected",
    E0804 Environment "invalid project settings",
    E0805 Environment "no rule file to check",
    E0806 Environment "no output folder",
    E0807 Environment "secret in segc.toml",
    E0803 Environment "file cannot be read",
    E0901 Rules "internal error",
    E1001 Rules "KPI without a value or a target",
    E1002 Rules "clause written twice",
    E1003 Rules "`for` naming something that is not a segment (or tiers)",
    E1004 Rules "segment listed twice",
    E1005 Rules "value that does not aggregate over the members",
    E1006 Rules "function that is not a KPI aggregate",
    E1007 Rules "aggregate that cannot take related rows directly",
    E1008 Rules "bad percentile",
    E1009 Rules "threshold in the wrong unit",
    E1010 Rules "empty range",
    E1011 Rules "impossible fall",
    E1012 Rules "timestamp where a date is needed",
    E1013 Rules "baseline dated after its deadline",
    E1014 Rules "exact value as a target",
    E1015 Rules "warn level on the target's side",
    E1016 Rules "no baseline for a relative target",
    E1017 Environment "baseline file that cannot be used",
    E1018 Environment "unknown KPI selected",
    E1019 Rules "no KPI in the rules",
    E1020 Rules "baseline dated after the evaluation date or the deadline",
    W1001 Rules "baseline being recorded (warning)",
    W1002 Rules "baseline of zero (warning)",
    E1021 Rules "readout against a group the KPI is not computed over",
    E1022 Rules "readout of a value that is neither a share nor a mean",
    W1003 Rules "arm too small to detect the expected change (warning)",
    E1023 Rules "`except` naming no tier",
    E1024 Rules "target for a group the KPI is not computed over",
    E1025 Rules "group given two targets",
    E1026 Rules "groups without a target",
    E1027 Environment "frozen audience that cannot be read",
    E1028 Rules "frozen audience without a group of the KPI",
    E1029 Rules "frozen audience keyed otherwise than the population",
    W1004 Rules "frozen audience from another definition (warning)",
    W1005 Rules "frozen audience dated after the KPI's as_of (warning)",
    W1006 Rules "frozen audience with other tiers (warning)",
    W1100 Rules "unknown lint in a directive",
    W1101 Rules "unused `let` (`unused-let`)",
    W1102 Rules "unused source (`unused-source`)",
    W1103 Rules "always-empty segment (`always-empty`)",
    W1104 Rules "duplicate segment (`duplicate-segment`)",
    W1105 Rules "segment without a label (`missing-label`, allowed by default)",
    W1106 Rules "comparison that leaves out missing values (`nullable-comparison`, allowed by default)",
    W1107 Rules "always-true segment (`always-true`)",
    W1108 Rules "KPI against a baseline the project does not have (`kpi-without-baseline`)",
    W1109 Rules "window longer than the data's retention (`window-beyond-retention`)",
    W1110 Rules "segment no test mentions (`untested-segment`, allowed by default)",
    W1111 Rules "segments that select the same members (`equal-segments`)",
    W1112 Rules "segment inside another (`nested-segments`, allowed by default)",
    E1201 Rules "imported file cannot be read",
    E1202 Rules "import cycle",
    E1203 Rules "imported file declares KPIs",
    E1204 Rules "name declared by the file and by an import",
    E1210 Rules "project run published nothing",
    E1301 Rules "test rows for an unknown source",
    E1302 Rules "unknown column in a test row",
    E1303 Rules "test row without a required column",
    E1304 Rules "test value of the wrong type",
    E1305 Rules "unknown enum value in a test row",
    E1306 Rules "null in a required column of a test row",
    E1307 Rules "expectation about an unknown name",
    E1308 Rules "expectation of the wrong form",
    E1309 Rules "unknown tier or KPI group in an expectation",
    E1310 Rules "rows given twice for one source",
    E1311 Rules "test declared twice",
    E1312 Rules "test date that is not a date",
    E1313 Rules "test rows in a file of an unknown format",
    E1314 Rules "key repeated in the rows of a test",
    E1320 Rules "failed test",
    E1401 Rules "size expectation of the wrong form",
    E1402 Rules "share of something other than another segment",
    E1403 Rules "size expectations that cannot all hold",
    E1410 Rules "broken size expectation",
    W1401 Rules "broken size expectation (warning)",
    W1402 Rules "segments that overlap beyond the project's threshold",
    E1501 Environment "git cannot be run",
    E1502 Environment "not in a git repository",
    E1503 Environment "unknown revision",
    E1504 Environment "more than two revisions",
    E1505 Environment "rule file outside the git repository",
    E1506 Rules "rule file with errors in a version compared",
    E1507 Environment "rule file in neither version",
    E1508 Environment "versions with other populations",
    E1509 Environment "source only in the base version",
    E1510 Environment "`--fail-if` without `--data`",
    E1511 Environment "gate that cannot be read",
    E1512 Environment "gate naming no segment or tiers",
    E1513 Rules "change beyond a gate",
    E1514 Environment "run output that cannot be read",
    E1515 Environment "`--runs` without two output folders",
    E1516 Environment "versions reading other rows of a source",
    E1701 Rules "unknown contact channel",
    E1702 Rules "consent column that is not a `bool`",
    E1703 Rules "two consent columns for one channel",
    E1704 Rules "audience for a channel without a consent column",
    E1705 Rules "audience whose rules let in members without consent",
    E1706 Rules "consent column no member can read",
    E1707 Rules "consent date naming no column",
    E1708 Rules "consent date that is not a date",
    E1709 Rules "consent from dates outside the population's source",
    E1710 Rules "audience members without consent in the data",
    W1701 Rules "audience members without consent in the data (warning)",
    E1517 Environment "Delta table of runs that cannot be read",
    E1518 Environment "no run of that date in the Delta table",
    E1519 Environment "Delta run without its outputs recorded",
    E1520 Environment "no such version of the Delta table",
    E1521 Environment "Delta table version that is no run",
    E1801 Environment "cluster worker that cannot be reached",
    E1802 Environment "cluster worker lost during a run",
    E1803 Environment "cluster worker address that is not a URL",
    E1804 Environment "segc built without cluster support",
    E1805 Environment "worker that cannot listen",
    E1806 Environment "plan that cannot be sent to the workers",
    E1807 Environment "cluster workers that refuse this client",
}

/// Codes once reported and no longer: documented as retired, never given to another problem.
pub const RETIRED: &[&str] = &["E0107", "E0503"];

impl Code {
    /// Warnings (`W` codes) never stop a run; a denied lint is made an error by
    /// [`super::Diagnostic::severity`].
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
