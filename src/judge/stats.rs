//! The statistics of A/B readouts, as pure functions of per-arm summaries: a two-proportion
//! z-test for shares, Welch's t-test for means, and the minimum detectable effect of a test.
//!
//! Distributions come from `statrs` (the standard normal and Student's t), never written here.
//! Every test is two-sided at [`ALPHA`]; the minimum detectable effect is for [`POWER`].

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The significance level of every readout: 5 %, two-sided (95 % confidence intervals).
pub const ALPHA: f64 = 0.05;

/// The power the minimum detectable effect is computed for: 80 %.
pub const POWER: f64 = 0.8;

/// One arm of a test: its size and the mean of its values (a share for proportions) and, for
/// means, the sample variance of its values (`n - 1` in the denominator).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Values measured (members, or the denominator of a share).
    pub n: u64,
    /// The mean value, or the share of successes (0 to 1).
    pub mean: f64,
    /// The sample variance; `None` for a share, whose variance follows from its mean.
    pub variance: Option<f64>,
}

/// A comparison of an arm with the control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Arm minus control.
    pub difference: f64,
    /// The 95 % confidence interval of the difference.
    pub low: f64,
    /// Its upper end.
    pub high: f64,
    /// The two-sided p-value of "no difference".
    pub p_value: f64,
    /// The test statistic (z or t).
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom (t-test only).
    pub df: Option<f64>,
}

fn standard_normal() -> Normal {
    Normal::standard()
}

/// The standard normal quantile at `p`.
fn z(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// The two-sided p-value of a statistic under `cdf`.
fn two_sided(statistic: f64, cdf: impl Fn(f64) -> f64) -> f64 {
    (2.0 * (1.0 - cdf(statistic.abs()))).clamp(0.0, 1.0)
}

/// Two-proportion z-test of `arm` against `control` (their means are shares).
///
/// The p-value uses the pooled standard error (the variance under "no difference"); the
/// confidence interval the unpooled one (Wald), as `statsmodels` and most textbooks do.
/// `None` when an arm is empty or a share is outside 0..1, or when both shares are 0 or 1.
pub fn two_proportions(arm: Sample, control: Sample) -> Option<Comparison> {
    let (n1, n0) = (arm.n as f64, control.n as f64);
    let (p1, p0) = (arm.mean, control.mean);
    let share = 0.0..=1.0;
    if arm.n == 0 || control.n == 0 || !share.contains(&p1) || !share.contains(&p0) {
        return None;
    }
    let difference = p1 - p0;
    let pooled = (p1 * n1 + p0 * n0) / (n1 + n0);
    let pooled_se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)).sqrt();
    if pooled_se <= 0.0 {
        return None;
    }
    let statistic = difference / pooled_se;
    let se = (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0).sqrt();
    let margin = z(1.0 - ALPHA / 2.0) * se;
    let normal = standard_normal();
    Some(Comparison {
        difference,
        low: difference - margin,
        high: difference + margin,
        p_value: two_sided(statistic, |x| normal.cdf(x)),
        statistic,
        df: None,
    })
}

/// Welch's t-test of `arm` against `control` (unequal variances), with the
/// Welch–Satterthwaite degrees of freedom. `None` without two values and a variance in each
/// arm, or when both variances are 0.
pub fn welch(arm: Sample, control: Sample) -> Option<Comparison> {
    let (v1, v0) = (arm.variance?, control.variance?);
    if arm.n < 2 || control.n < 2 || v1 < 0.0 || v0 < 0.0 {
        return None;
    }
    let (n1, n0) = (arm.n as f64, control.n as f64);
    let (a, b) = (v1 / n1, v0 / n0);
    let se = (a + b).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let df = (a + b).powi(2) / (a * a / (n1 - 1.0) + b * b / (n0 - 1.0));
    let student = StudentsT::new(0.0, 1.0, df).ok()?;
    let difference = arm.mean - control.mean;
    let statistic = difference / se;
    let margin = student.inverse_cdf(1.0 - ALPHA / 2.0) * se;
    Some(Comparison {
        difference,
        low: difference - margin,
        high: difference + margin,
        p_value: two_sided(statistic, |x| student.cdf(x)),
        statistic,
        df: Some(df),
    })
}

/// The smallest absolute difference a test of arms of `n_arm` and `n_control` values detects
/// with [`POWER`] at [`ALPHA`] (two-sided), given the control's variance per value (`p(1 - p)`
/// for a share): `(z(1 - α/2) + z(power)) × sqrt(σ² (1/n₁ + 1/n₀))`, the normal approximation
/// that sample-size calculators use. `None` for an empty arm.
pub fn minimum_detectable_effect(variance: f64, n_arm: u64, n_control: u64) -> Option<f64> {
    if n_arm == 0 || n_control == 0 || !variance.is_finite() || variance < 0.0 {
        return None;
    }
    let spread = (variance * (1.0 / n_arm as f64 + 1.0 / n_control as f64)).sqrt();
    Some((z(1.0 - ALPHA / 2.0) + z(POWER)) * spread)
}

/// The variance per value of a sample: its own for means, `p(1 - p)` for a share.
pub fn variance_of(sample: Sample) -> f64 {
    sample.variance.unwrap_or(sample.mean * (1.0 - sample.mean))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not {expected} (± {tolerance})"
        );
    }

    fn share(n: u64, successes: u64) -> Sample {
        Sample {
            n,
            mean: successes as f64 / n as f64,
            variance: None,
        }
    }

    #[test]
    fn quantiles_of_the_standard_normal() {
        close(z(0.975), 1.959_963_984_540_054, 1e-9);
        close(z(0.8), 0.841_621_233_572_914, 1e-9);
    }

    /// 120 of 1000 against 100 of 1000: pooled share 0.11, z = 0.02 / sqrt(0.11 × 0.89 ×
    /// 2/1000) = 1.4293, p = 0.1529; Wald CI 0.02 ± 1.96 × sqrt(0.12 × 0.88 / 1000 + 0.1 × 0.9
    /// / 1000) = 0.02 ± 1.96 × 0.0139857.
    #[test]
    fn two_proportions_on_textbook_counts() {
        let c = two_proportions(share(1000, 120), share(1000, 100)).expect("test");
        close(c.difference, 0.02, 1e-12);
        close(c.statistic, 1.429_300_850, 1e-8);
        close(c.p_value, 0.152_917_782, 1e-8);
        close(c.low, 0.02 - 1.959_963_985 * 0.013_985_707, 1e-8);
        close(c.high, 0.02 + 1.959_963_985 * 0.013_985_707, 1e-8);
        assert_eq!(c.df, None);
    }

    #[test]
    fn two_proportions_needs_variation_and_members() {
        assert_eq!(two_proportions(share(10, 0), share(10, 0)), None);
        assert_eq!(two_proportions(share(10, 10), share(10, 10)), None);
        assert_eq!(
            two_proportions(
                share(10, 3),
                Sample {
                    n: 0,
                    ..share(1, 0)
                }
            ),
            None
        );
    }

    /// Means 20 and 22, variances 4 and 9, 15 and 12 values: t = −1.98354, df = 18.3865,
    /// p = 0.062444, CI −4.11517 to 0.11517 (SciPy's `ttest_ind_from_stats(equal_var=False)`).
    #[test]
    fn welch_on_textbook_summaries() {
        let arm = Sample {
            n: 15,
            mean: 20.0,
            variance: Some(4.0),
        };
        let control = Sample {
            n: 12,
            mean: 22.0,
            variance: Some(9.0),
        };
        let c = welch(arm, control).expect("test");
        close(c.statistic, -1.983_538_814_721_859, 1e-12);
        close(c.df.expect("df"), 18.386_510_941_410_51, 1e-9);
        close(c.p_value, 0.062_444_092_963_927_4, 1e-9);
        close(c.low, -4.115_169_927_722_923, 1e-9);
        close(c.high, 0.115_169_927_722_923_23, 1e-9);
    }

    #[test]
    fn welch_needs_two_values_and_spread() {
        let one = Sample {
            n: 1,
            mean: 1.0,
            variance: Some(0.0),
        };
        let flat = Sample {
            n: 5,
            mean: 1.0,
            variance: Some(0.0),
        };
        assert_eq!(welch(one, flat), None);
        assert_eq!(welch(flat, flat), None);
        assert_eq!(welch(share(10, 3), share(10, 4)), None);
    }

    /// A control converting at 10 %, 1000 members per arm: (1.96 + 0.8416) × sqrt(0.09 × 2 /
    /// 1000) = 0.037587 (3.8 points).
    #[test]
    fn minimum_detectable_effect_of_a_share() {
        let mde = minimum_detectable_effect(0.1 * 0.9, 1000, 1000).expect("mde");
        close(mde, 0.037_587_21, 1e-7);
        assert_eq!(minimum_detectable_effect(0.09, 0, 10), None);
        // Four times the members halve it.
        let larger = minimum_detectable_effect(0.09, 4000, 4000).expect("mde");
        close(larger * 2.0, mde, 1e-12);
    }
}
