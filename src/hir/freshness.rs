//! A source's freshness limit (`fresh within 2 days`), judged by the engine before a run writes.

use super::DurationValue;
use crate::span::Span;

/// A source's `fresh within LENGTH [by modified] [else warn]`: some row must be dated
/// `as_of - LENGTH` or later (or, `by modified`, the data modified then or later), else the
/// data is stale.
#[derive(Debug, Clone, PartialEq)]
pub struct Freshness {
    /// The length.
    pub length: DurationValue,
    /// The length as written (`2 days`).
    pub text: String,
    /// Whether stale data is a warning (`else warn`) rather than an error.
    pub warn: bool,
    /// Whether it is judged by the data's last modification (`by modified`: the newest file's
    /// modification time, a Delta table's commit) rather than the event column.
    pub by_modified: bool,
    /// The clause.
    pub span: Span,
}

impl Freshness {
    /// The oldest time the newest row may have, as of `as_of`: the start of the `as_of` day
    /// moved back by the length, as `as_of - 2 days` is in the rules (`None` out of range).
    pub fn since(&self, as_of: chrono::NaiveDate) -> Option<chrono::NaiveDateTime> {
        let start = as_of.and_hms_opt(0, 0, 0)?;
        match self.length {
            DurationValue::Calendar { months } => {
                start.checked_sub_months(chrono::Months::new(u32::try_from(months).ok()?))
            }
            DurationValue::Fixed { micros } => {
                start.checked_sub_signed(chrono::TimeDelta::microseconds(micros))
            }
        }
    }
}
