//! Quantile boundaries found by a cluster's workers: the exact group starts of every quantile
//! of a ranking pass without streaming each member's (value, key) pair to the client.
//!
//! Two aggregates over the pass's plan run on the workers. The first counts the ranked members
//! and collects a sample of about one pair in [`SAMPLE_ONE_IN`] (by the key's hash, so the
//! sample is independent of the values). The client places each group start in the sorted
//! sample and takes a bracket of pairs around it, wide enough (several standard deviations of a
//! sample's rank) to hold the start. The second aggregate counts the pairs below each bracket
//! and collects the pairs inside it; the start is then the pair at its exact position within its
//! bracket. Pairs are compared as the bytes `segc_ntileN` compares (`segc_rank_row`), so the
//! boundaries are those a full pass finds. When a start falls outside its bracket (a sample
//! far off, which the width makes rare), or a pass has too many brackets, the full pass runs
//! instead: the result is exact either way.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::common::{Column, ScalarValue};
use datafusion::functions_aggregate::expr_fn::{array_agg, count};
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit};
use futures::StreamExt as _;

use super::{Engine, Phase, execution_failed};
use crate::diagnostics::{Diagnostic, InternalDiagnostic};
use crate::functions::{Boundaries, group_starts, rank_row_udf, segc_sampled};
use crate::lower::RankingPass;
use crate::span::Span;

/// About one member in this many is in the sample.
const SAMPLE_ONE_IN: i64 = 1024;

/// Brackets per pass beyond which the full pass is cheaper than one aggregate per bracket.
const MAX_BRACKETS: usize = 64;

/// Standard deviations of a sample's rank a bracket spans on each side of its estimate.
const WIDTH: f64 = 4.0;

/// The pairs around some group starts of one quantile: those from `low` (included) to `high`
/// (excluded), `None` being no bound.
#[derive(Debug, Clone, PartialEq)]
struct Bracket {
    low: Option<Vec<u8>>,
    high: Option<Vec<u8>>,
    /// The sorted positions (0-based, among the ranked pairs) of the starts inside.
    positions: Vec<usize>,
}

impl Bracket {
    /// The pairs at this bracket's positions, given the number of pairs `below` it and the
    /// pairs `inside` it (sorted); `None` when a position falls outside (the sample was off).
    fn starts(&self, below: usize, inside: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
        self.positions
            .iter()
            .map(|&p| p.checked_sub(below).and_then(|r| inside.get(r)).cloned())
            .collect()
    }
}

/// E0901 for a ranking aggregate that could not be planned.
fn plan_failed(span: Span) -> impl Fn(datafusion::error::DataFusionError) -> Diagnostic + Copy {
    move |e| {
        Diagnostic::Internal(InternalDiagnostic::PlanFailed {
            span,
            message: e.to_string(),
        })
    }
}

impl Engine {
    /// The boundaries of `pass`'s quantiles found by the workers, or `None` when the full pass
    /// must find them.
    pub(super) async fn ranked_on_workers(
        &self,
        pass: &RankingPass,
        span: Span,
    ) -> Result<Option<Vec<Boundaries>>, Diagnostic> {
        let schema = pass.plan.schema();
        let column = |i: usize| Expr::Column(Column::from(schema.qualified_field(i)));
        let key = column(0);
        let pairs: Vec<Expr> = (0..pass.quantiles.len())
            .map(|j| rank_row_udf(pass.quantiles[j].order).call(vec![column(j + 1), key.clone()]))
            .collect();
        let internal = plan_failed(span);
        let sampled = segc_sampled().call(vec![key.clone(), lit(SAMPLE_ONE_IN)]);
        let mut first = Vec::new();
        for pair in &pairs {
            first.push(count(pair.clone()));
            let kept = pair.clone().is_not_null().and(sampled.clone());
            first.push(
                array_agg(pair.clone())
                    .filter(kept)
                    .build()
                    .map_err(internal)?,
            );
        }
        let counted = self.one_row(&pass.plan, first, span).await?;
        let mut brackets = Vec::with_capacity(pass.quantiles.len());
        for (j, ranked) in pass.quantiles.iter().enumerate() {
            let ranked_count = counted.column(2 * j).as_primitive::<Int64Type>().value(0);
            let sample = binaries(&counted, 2 * j + 1);
            let positions = group_starts(ranked.groups, ranked_count.max(0) as usize);
            brackets.push(brackets_of(&positions, ranked_count as usize, sample));
        }
        if brackets.iter().map(Vec::len).sum::<usize>() > MAX_BRACKETS {
            return Ok(None);
        }
        let mut second = Vec::new();
        for (pair, of_quantile) in pairs.iter().zip(&brackets) {
            for bracket in of_quantile {
                let bound = |bytes: &Vec<u8>| lit(ScalarValue::Binary(Some(bytes.clone())));
                let mut inside = pair.clone().is_not_null();
                let below = match &bracket.low {
                    Some(low) => {
                        inside = inside.and(pair.clone().gt_eq(bound(low)));
                        let under = pair.clone().lt(bound(low));
                        count(lit(1)).filter(under).build().map_err(internal)?
                    }
                    None => count(lit(ScalarValue::Null)),
                };
                if let Some(high) = &bracket.high {
                    inside = inside.and(pair.clone().lt(bound(high)));
                }
                second.push(below);
                second.push(
                    array_agg(pair.clone())
                        .filter(inside)
                        .build()
                        .map_err(internal)?,
                );
            }
        }
        let around = self.one_row(&pass.plan, second, span).await?;
        let mut found = Vec::with_capacity(pass.quantiles.len());
        let mut at = 0;
        for (j, (ranked, of_quantile)) in pass.quantiles.iter().zip(&brackets).enumerate() {
            let mut starts = Vec::new();
            for bracket in of_quantile {
                let below = around.column(at).as_primitive::<Int64Type>().value(0) as usize;
                let inside = binaries(&around, at + 1);
                at += 2;
                match bracket.starts(below, inside) {
                    Some(found) => starts.extend(found),
                    None => return Ok(None),
                }
            }
            let types = (
                schema.field(j + 1).data_type().clone(),
                schema.field(0).data_type().clone(),
            );
            found.push(Boundaries::from_starts(ranked.order, types, starts));
        }
        Ok(Some(found))
    }

    /// The one row of an aggregate of `aggregates` over `plan`, run where plans run.
    async fn one_row(
        &self,
        plan: &LogicalPlan,
        aggregates: Vec<Expr>,
        span: Span,
    ) -> Result<RecordBatch, Diagnostic> {
        let internal = plan_failed(span);
        // Named by position: two counts of the same pair would otherwise share a name.
        let aggregates: Vec<Expr> = aggregates
            .into_iter()
            .enumerate()
            .map(|(i, a)| a.alias(format!("__rank_{i}")))
            .collect();
        let aggregate = LogicalPlanBuilder::from(plan.clone())
            .aggregate(Vec::<Expr>::new(), aggregates)
            .and_then(|b| b.build())
            .map_err(internal)?;
        self.progress.phase(Phase::Ranking);
        let physical = self.physical_plan(&aggregate, span).await?;
        let _ticker = super::Ticker::start(
            Arc::clone(&self.progress),
            Arc::clone(&physical),
            Arc::default(),
            self.cluster.as_ref(),
        );
        let failed = |e| execution_failed(span, e);
        let mut stream = datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx())
            .map_err(failed)?;
        let mut rows = Vec::new();
        while let Some(batch) = stream.next().await {
            rows.push(batch.map_err(failed)?);
        }
        let schema = aggregate.schema().inner().clone();
        datafusion::arrow::compute::concat_batches(&schema, &rows)
            .ok()
            .filter(|b| b.num_rows() == 1)
            .ok_or_else(|| {
                internal(datafusion::error::DataFusionError::Internal(
                    "an aggregate without groups gave other than one row".into(),
                ))
            })
    }
}

/// The pairs of the list in column `i` of `row`'s one row, sorted.
fn binaries(row: &RecordBatch, i: usize) -> Vec<Vec<u8>> {
    let list = row.column(i).as_list::<i32>();
    let mut pairs: Vec<Vec<u8>> = match list.is_null(0) {
        true => Vec::new(),
        false => {
            let values = list.value(0);
            let values = values.as_binary::<i32>();
            values.iter().flatten().map(<[u8]>::to_vec).collect()
        }
    };
    pairs.sort_unstable();
    pairs
}

/// The brackets holding the pairs at `positions` among `count` ranked pairs, placed by
/// `sample` (sorted): each position's estimate in the sample, widened by [`WIDTH`] standard
/// deviations of a sample's rank on each side; overlapping brackets merged.
fn brackets_of(positions: &[usize], count: usize, sample: Vec<Vec<u8>>) -> Vec<Bracket> {
    let size = sample.len() as f64;
    let mut brackets: Vec<Bracket> = Vec::new();
    for &position in positions {
        let share = position as f64 / count.max(1) as f64;
        let estimate = share * size;
        let spread = WIDTH * (size * share * (1.0 - share)).sqrt() + 2.0;
        let low = (estimate - spread).floor();
        let high = (estimate + spread).ceil();
        let low = (low >= 0.0).then(|| sample[low as usize].clone());
        let high = (high < size).then(|| sample[high as usize].clone());
        match brackets.last_mut() {
            // Brackets come in order: a bracket starting before the last one's end joins it.
            Some(last)
                if last.high.is_none()
                    || low.as_ref().is_none_or(|l| Some(l) < last.high.as_ref()) =>
            {
                // Lows need not grow near the ends (the spread grows faster than the estimate).
                if low.is_none() || last.low.as_ref().is_some_and(|l| low.as_ref() < Some(l)) {
                    last.low = low;
                }
                last.high = high;
                last.positions.push(position);
            }
            _ => brackets.push(Bracket {
                low,
                high,
                positions: vec![position],
            }),
        }
    }
    brackets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(n: u32) -> Vec<u8> {
        n.to_be_bytes().to_vec()
    }

    /// What the workers' two aggregates give, computed here over all `pairs`: the sample of
    /// those `sampled` keeps, then per bracket the count below it and the pairs inside it.
    fn ranked_as_workers_do(
        pairs: &[Vec<u8>],
        groups: u32,
        sampled: impl Fn(usize) -> bool,
    ) -> Option<Vec<Vec<u8>>> {
        let mut sample: Vec<Vec<u8>> = (0..pairs.len())
            .filter(|&i| sampled(i))
            .map(|i| pairs[i].clone())
            .collect();
        sample.sort_unstable();
        let positions = group_starts(groups, pairs.len());
        let mut starts = Vec::new();
        for bracket in brackets_of(&positions, pairs.len(), sample) {
            let above_low = |p: &&Vec<u8>| bracket.low.as_ref().is_none_or(|l| *p >= l);
            let below_high = |p: &&Vec<u8>| bracket.high.as_ref().is_none_or(|h| *p < h);
            let below = pairs.iter().filter(|p| !above_low(p)).count();
            let mut inside: Vec<Vec<u8>> = pairs
                .iter()
                .filter(|p| above_low(p) && below_high(p))
                .cloned()
                .collect();
            inside.sort_unstable();
            starts.extend(bracket.starts(below, inside)?);
        }
        Some(starts)
    }

    #[test]
    fn the_starts_found_in_brackets_are_those_of_a_full_sort() {
        // Pairs in no order (a multiplicative hash of their rank), sampled one in 64 by another.
        let n: u32 = 200_000;
        let pairs: Vec<Vec<u8>> = (0..n)
            .map(|i| pair(i.wrapping_mul(2_654_435_761) % n))
            .collect();
        let mut sorted = pairs.clone();
        sorted.sort_unstable();
        for groups in [2, 5, 10, 100] {
            let expected: Vec<Vec<u8>> = group_starts(groups, n as usize)
                .into_iter()
                .map(|p| sorted[p].clone())
                .collect();
            let sampled = |i: usize| (i as u32).wrapping_mul(40_503) % 64 == 7;
            let found = ranked_as_workers_do(&pairs, groups, sampled);
            assert_eq!(found, Some(expected), "{groups} groups");
        }
    }

    #[test]
    fn a_start_outside_its_bracket_sends_the_pass_back() {
        let bracket = Bracket {
            low: Some(pair(10)),
            high: Some(pair(20)),
            positions: vec![5, 12],
        };
        // Ten pairs below the bracket: position 5 is not inside it.
        assert_eq!(bracket.starts(10, vec![pair(10), pair(11), pair(12)]), None);
        assert_eq!(
            bracket.starts(3, (0..10).map(|i| pair(10 + i)).collect()),
            Some(vec![pair(12), pair(19)])
        );
    }

    #[test]
    fn small_samples_make_one_bracket_of_everything() {
        let brackets = brackets_of(&[750, 1500, 2250], 3000, vec![pair(10), pair(20)]);
        assert_eq!(
            brackets,
            [Bracket {
                low: None,
                high: None,
                positions: vec![750, 1500, 2250]
            }]
        );
    }

    #[test]
    fn large_samples_bracket_each_start_closely_and_in_order() {
        // 1,000,000 pairs 0..1e6, sampled one in 1,000: the start of the second half is
        // 500,000, around sample index 500.
        let sample: Vec<Vec<u8>> = (0..1000).map(|i| pair(i * 1000)).collect();
        let brackets = brackets_of(&[200_000, 500_000, 800_000], 1_000_000, sample);
        assert_eq!(brackets.len(), 3);
        for (bracket, position) in brackets.iter().zip([200_000u32, 500_000, 800_000]) {
            let (low, high) = (
                bracket.low.clone().expect("low"),
                bracket.high.clone().expect("high"),
            );
            assert!(
                low <= pair(position) && pair(position) < high,
                "{bracket:?}"
            );
            // Within about 4 standard deviations (a few tens of sample pairs) of the estimate.
            let width = u32::from_be_bytes(high[..4].try_into().expect("4"))
                - u32::from_be_bytes(low[..4].try_into().expect("4"));
            assert!(width < 150_000, "{width}");
        }
    }
}
