//! A/B readouts: each group of a KPI with `readout vs CONTROL` compared with the control group,
//! by the test its value fits (see [`hir::ReadoutTest`]), with the minimum detectable effect of
//! the arms' sizes. The statistics themselves are in [`super::stats`].

use serde::Serialize;

use super::stats::{self, Sample};
use super::{GroupName, Measured};
use crate::diagnostics::{Diagnostic, KpiDiagnostic};
use crate::hir::{self, KpiId, KpiUnit, ReadoutTest};

/// One arm of a readout: a group, its size and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    /// The group.
    pub group: GroupName,
    /// What the test counts: the members a share is over, or the members with a value for a
    /// mean.
    pub n: u64,
    /// The KPI's value for the group.
    pub value: Option<f64>,
}

/// One arm of a KPI compared with its control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readout {
    /// The KPI.
    pub kpi: String,
    /// Its label.
    pub label: Option<String>,
    /// What the value measures (differences are in the same unit).
    pub unit: KpiUnit,
    /// The test.
    pub test: ReadoutTest,
    /// The arm compared.
    pub arm: Arm,
    /// The control.
    pub control: Arm,
    /// Arm minus control (`None` when a test cannot be computed: an empty arm, no variation).
    pub difference: Option<f64>,
    /// The difference relative to the control's value.
    pub relative_difference: Option<f64>,
    /// The lower end of the 95 % confidence interval of the difference.
    pub ci_low: Option<f64>,
    /// Its upper end.
    pub ci_high: Option<f64>,
    /// The two-sided p-value of no difference.
    pub p_value: Option<f64>,
    /// The z (two proportions) or t (Welch) statistic.
    pub statistic: Option<f64>,
    /// Welch–Satterthwaite degrees of freedom, for Welch's test.
    pub df: Option<f64>,
    /// The smallest difference the arms' sizes detect with 80 % power at 5 %, in the value's
    /// unit.
    pub mde: Option<f64>,
    /// The same relative to the control's value.
    pub mde_relative: Option<f64>,
    /// The relative change the test is meant to detect, if known.
    pub detect: Option<f64>,
    /// Whether the minimum detectable effect is larger than that change.
    pub underpowered: bool,
}

/// The readouts of every KPI with `readout`, and a warning for each arm too small to detect the
/// change it is meant to.
pub fn readouts(program: &hir::Program, measured: &[Measured]) -> (Vec<Readout>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    let mut kpis: Vec<KpiId> = measured.iter().map(|m| m.kpi).collect();
    kpis.dedup();
    for id in kpis {
        let kpi = &program.kpis[id.0];
        let Some(readout) = kpi.readout else {
            continue;
        };
        let groups: Vec<&Measured> = measured.iter().filter(|m| m.kpi == id).collect();
        let Some(control) = groups.iter().find(|m| m.group == readout.control) else {
            continue;
        };
        for arm in groups.iter().filter(|m| m.group != readout.control) {
            let compared = compare(program, kpi, readout, arm, control);
            if compared.underpowered {
                warnings.push(Diagnostic::Kpi(KpiDiagnostic::Underpowered {
                    kpi: kpi.name.clone(),
                    arm: compared.arm.group.text(),
                    mde: compared.mde_relative.unwrap_or_default(),
                    detect: compared.detect.unwrap_or_default(),
                    sizes: (compared.arm.n, compared.control.n),
                    span: readout.span,
                }));
            }
            found.push(compared);
        }
    }
    (found, warnings)
}

/// The arm's sample for the test: its size and mean, and its variance for a mean.
fn sample(m: &Measured, test: ReadoutTest) -> Option<Sample> {
    let taken = m.sample?;
    Some(Sample {
        n: taken.n,
        mean: m.value?,
        variance: match test {
            ReadoutTest::TwoProportions => None,
            ReadoutTest::Welch => Some(taken.variance?),
        },
    })
}

fn arm(program: &hir::Program, kpi: &hir::Kpi, m: &Measured) -> Arm {
    Arm {
        group: GroupName::of(program, &kpi.groups[m.group]),
        n: m.sample.map_or(m.members, |s| s.n),
        value: m.value,
    }
}

/// `measured` compared with `control`.
fn compare(
    program: &hir::Program,
    kpi: &hir::Kpi,
    readout: hir::Readout,
    measured: &Measured,
    control: &Measured,
) -> Readout {
    let samples = sample(measured, readout.test).zip(sample(control, readout.test));
    let comparison = samples.and_then(|(a, c)| match readout.test {
        ReadoutTest::TwoProportions => stats::two_proportions(a, c),
        ReadoutTest::Welch => stats::welch(a, c),
    });
    let mde = samples
        .and_then(|(a, c)| stats::minimum_detectable_effect(stats::variance_of(c), a.n, c.n));
    let base = control.value.filter(|v| *v != 0.0).map(f64::abs);
    let relative = |x: Option<f64>| x.zip(base).map(|(x, b)| x / b);
    let mde_relative = relative(mde);
    let underpowered = readout
        .detect
        .zip(mde_relative)
        .is_some_and(|(detect, mde)| mde > detect.abs());
    let difference = comparison.map(|c| c.difference);
    Readout {
        kpi: kpi.name.clone(),
        label: kpi.label.clone(),
        unit: kpi.unit,
        test: readout.test,
        arm: arm(program, kpi, measured),
        control: arm(program, kpi, control),
        difference,
        relative_difference: relative(difference),
        ci_low: comparison.map(|c| c.low),
        ci_high: comparison.map(|c| c.high),
        p_value: comparison.map(|c| c.p_value),
        statistic: comparison.map(|c| c.statistic),
        df: comparison.and_then(|c| c.df),
        mde,
        mde_relative,
        detect: readout.detect,
        underpowered,
    }
}
