//! `segc diff --fail-if` gates: `[NAME:] METRIC OP NUMBER[%]`, such as `change > 20%`,
//! `vip: left > 100` or `value.gold: entered >= 5%`. A gate is checked against every changed
//! segment and tier counted over the data (or the one it names) and trips when the metric
//! passes the comparison.

/// What a gate measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// The change of the number of members, `after - before`, in either direction: a
    /// percentage of `before`, or a number of members.
    Change,
    /// Members who entered.
    Entered,
    /// Members who left.
    Left,
    /// Members after the change.
    Members,
}

impl Metric {
    /// The metric's word in a gate.
    pub fn word(self) -> &'static str {
        match self {
            Metric::Change => "change",
            Metric::Entered => "entered",
            Metric::Left => "left",
            Metric::Members => "members",
        }
    }
}

/// A comparison of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `>`
    Above,
    /// `>=`
    AtLeast,
    /// `<`
    Below,
    /// `<=`
    AtMost,
}

/// One `--fail-if` gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The gate as written.
    pub text: String,
    /// The segment, tiers (`value`) or tier (`value.gold`) it is about; all when `None`.
    pub subject: Option<String>,
    /// What it measures.
    pub metric: Metric,
    /// How it compares.
    pub op: Op,
    /// The threshold: a number of members, or a fraction of the members before when `percent`.
    pub threshold: f64,
    /// Whether the threshold is a percentage (of the members before).
    pub percent: bool,
}

/// Members of a segment or tier in two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Before the change.
    pub before: u64,
    /// After.
    pub after: u64,
    /// Entered.
    pub entered: u64,
    /// Left.
    pub left: u64,
}

impl Gate {
    /// Reads a gate; `Err` says what is wrong in words.
    pub fn parse(text: &str) -> Result<Gate, String> {
        let (subject, condition) = match text.split_once(':') {
            Some((name, rest)) => (Some(name.trim().to_string()), rest),
            None => (None, text),
        };
        if subject.as_deref() == Some("") {
            return Err("the name before `:` is empty".into());
        }
        let condition = condition.trim();
        let metric_end = condition
            .find(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
            .unwrap_or(condition.len());
        let (word, rest) = condition.split_at(metric_end);
        let metric = match word {
            "change" => Metric::Change,
            "entered" => Metric::Entered,
            "left" => Metric::Left,
            "members" => Metric::Members,
            other => {
                return Err(format!(
                    "`{other}` is not a measure: write change, entered, left or members"
                ));
            }
        };
        let rest = rest.trim_start();
        let (op, rest) = [
            (">=", Op::AtLeast),
            ("<=", Op::AtMost),
            (">", Op::Above),
            ("<", Op::Below),
        ]
        .into_iter()
        .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|r| (op, r)))
        .ok_or("expected a comparison (`>`, `>=`, `<`, `<=`) after the measure")?;
        let number = rest.trim();
        let (number, percent) = match number.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (number, false),
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("`{number}` is not a number of members or a percentage"))?;
        if metric == Metric::Members && percent {
            return Err("`members` is a number of members, not a percentage".into());
        }
        Ok(Gate {
            text: text.trim().to_string(),
            subject,
            metric,
            op,
            threshold: if percent { value / 100.0 } else { value },
            percent,
        })
    }

    /// Whether the gate is about `subject` (`vip`, or `value.gold` for a tier).
    pub fn is_about(&self, subject: &str) -> bool {
        match &self.subject {
            None => true,
            Some(name) => {
                name == subject
                    || subject
                        .split_once('.')
                        .is_some_and(|(tiers, _)| tiers == name)
            }
        }
    }

    /// The measured value when the gate trips on `counts` (a fraction for percentages).
    pub fn tripped(&self, counts: Counts) -> Option<f64> {
        let members = match self.metric {
            Metric::Change => counts.after.abs_diff(counts.before),
            Metric::Entered => counts.entered,
            Metric::Left => counts.left,
            Metric::Members => counts.after,
        } as f64;
        let value = match (self.percent, counts.before) {
            (false, _) => members,
            (true, 0) if members == 0.0 => 0.0,
            (true, 0) => f64::INFINITY,
            (true, before) => members / before as f64,
        };
        let passes = match self.op {
            Op::Above => value > self.threshold,
            Op::AtLeast => value >= self.threshold,
            Op::Below => value < self.threshold,
            Op::AtMost => value <= self.threshold,
        };
        passes.then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(before: u64, after: u64) -> Counts {
        Counts {
            before,
            after,
            entered: after.saturating_sub(before),
            left: before.saturating_sub(after),
        }
    }

    #[test]
    fn gates_read_and_trip() {
        let gate = Gate::parse("change > 20%").expect("gate");
        assert_eq!(gate.tripped(counts(100, 119)), None);
        assert_eq!(gate.tripped(counts(100, 121)), Some(0.21));
        assert_eq!(gate.tripped(counts(100, 70)), Some(0.3));
        assert_eq!(gate.tripped(counts(0, 1)), Some(f64::INFINITY));
        let named = Gate::parse(" value: left >= 2").expect("gate");
        assert!(named.is_about("value.gold") && !named.is_about("vip"));
        assert_eq!(named.tripped(counts(5, 3)), Some(2.0));
        assert!(Gate::parse("growth > 2").is_err());
        assert!(Gate::parse("change = 2").is_err());
        assert!(Gate::parse("members > 5%").is_err());
        assert!(Gate::parse(": left > 1").is_err());
        assert!(Gate::parse("left > -1").is_err());
    }
}
