//! Plan snapshots over schema-only tables: what every fixture under `fixtures/plan` lowers to.

use crate::common::{compile, file_name};
use datafusion::common::tree_node::TreeNode;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use segc::hir::KpiId;
use segc::lower::{DeclaredTables, Selection, Wanted, kpi_plan, membership_plan, planned_passes};

use crate::common::params;

fn plan_of(text: &str, selection: &Selection) -> LogicalPlan {
    let (program, diagnostics) = compile("plan.seg", text);
    assert_eq!(diagnostics, "");
    let program = program.expect("program");
    let wanted = Wanted::Outputs(selection);
    let (_, ranks) =
        planned_passes(&program, &DeclaredTables, params(), wanted, true).expect("passes");
    membership_plan(&program, &DeclaredTables, params(), selection, &ranks)
        .expect("plan")
        .plan
}

/// The ranking passes of every output of `text`, as text.
fn ranking_passes_of(text: &str) -> String {
    let (program, _) = compile("plan.seg", text);
    let program = program.expect("program");
    let wanted = Wanted::Outputs(&Selection::All);
    let (passes, _) =
        planned_passes(&program, &DeclaredTables, params(), wanted, true).expect("passes");
    passes
        .iter()
        .map(|p| format!("-- ranking pass\n{}\n\n", p.plan.display_indent()))
        .collect()
}

/// The plan computing every KPI of `text`, if it declares any.
fn kpi_plan_of(text: &str) -> Option<LogicalPlan> {
    let (program, _) = compile("plan.seg", text);
    let program = program.expect("program");
    let kpis: Vec<KpiId> = (0..program.kpis.len()).map(KpiId).collect();
    (!kpis.is_empty()).then(|| {
        let wanted = Wanted::Kpis(&kpis);
        let (_, ranks) =
            planned_passes(&program, &DeclaredTables, params(), wanted, true).expect("passes");
        kpi_plan(&program, &DeclaredTables, params(), &kpis, &ranks)
            .expect("kpi plan")
            .plan
    })
}

#[test]
fn plans() {
    insta::glob!("fixtures/plan/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let plan = plan_of(&text, &Selection::All);
        let optimized = SessionContext::new()
            .state()
            .optimize(&plan)
            .expect("optimize");
        let mut out = format!(
            "-- {}\n{}{}\n\n-- optimized\n{}\n",
            file_name(path),
            ranking_passes_of(&text),
            plan.display_indent(),
            optimized.display_indent()
        );
        if let Some(kpis) = kpi_plan_of(&text) {
            let optimized = SessionContext::new()
                .state()
                .optimize(&kpis)
                .expect("optimize");
            out.push_str(&format!(
                "\n-- kpis\n{}\n\n-- kpis optimized\n{}\n",
                kpis.display_indent(),
                optimized.display_indent()
            ));
        }
        insta::assert_snapshot!(out);
    });
}

fn scans(plan: &LogicalPlan) -> Vec<String> {
    let mut found = Vec::new();
    plan.apply(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let columns: Vec<String> = scan
                .projected_schema
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            found.push(format!("{}[{}]", scan.table_name, columns.join(",")));
        }
        Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
    })
    .expect("walk");
    found
}

#[test]
fn one_scan_reading_only_used_columns() {
    let text = std::fs::read_to_string("tests/fixtures/plan/shared_lets.seg").expect("fixture");
    let plan = plan_of(&text, &Selection::All);
    assert_eq!(scans(&plan), ["customers[customer_id,birth_date,income]"]);
}

#[test]
fn selecting_a_segment_plans_only_its_dependencies() {
    let text = std::fs::read_to_string("tests/fixtures/plan/shared_lets.seg").expect("fixture");
    let (program, _) = compile("plan.seg", &text);
    let program = program.expect("program");
    let young = program.segment_named("young").expect("segment");
    let plan = membership_plan(
        &program,
        &DeclaredTables,
        params(),
        &Selection::Only(vec![segc::hir::OutputId::Segment(young)]),
        &segc::lower::Ranks::default(),
    )
    .expect("plan")
    .plan;
    assert_eq!(scans(&plan), ["customers[customer_id,birth_date]"]);
    let columns: Vec<String> = plan
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    // The one flag travels packed in a word (see `segc::lower::Packing`).
    assert_eq!(columns, ["customer_id", "__flags_0"]);
}

#[test]
fn one_scan_per_source_whatever_the_number_of_segments() {
    let mut text = String::from(
        "source customers from parquet \"c.parquet\" {\n  key customer_id: int\n  age: int\n}\n\
         source orders from parquet \"o.parquet\" {\n  key order_id: int\n  customer_id: int references customers\n  amount: float\n  ordered_at: timestamp\n}\n\
         population customers\n",
    );
    for i in 0..60 {
        text.push_str(&format!(
            "segment s{i} = count(orders where ordered_at > as_of - {} days) >= {} and sum(orders.amount where amount > {i}) > 10 and age > {}\n",
            30 + i,
            i % 5,
            i % 40
        ));
    }
    let plan = plan_of(&text, &Selection::All);
    let mut scans = scans(&plan);
    scans.sort();
    assert_eq!(scans.len(), 2, "{scans:?}");
    assert!(scans[0].starts_with("customers["), "{scans:?}");
    assert!(scans[1].starts_with("orders["), "{scans:?}");
}

#[test]
fn kpis_scan_each_source_once_and_aggregate_once() {
    let text = std::fs::read_to_string("tests/fixtures/check/ok/kpis.seg").expect("fixture");
    let plan = kpi_plan_of(&text).expect("kpis");
    let scans = scans(&plan);
    assert_eq!(scans.len(), 2, "{scans:?}");
    let mut aggregates = 0;
    plan.apply(|node| {
        if let LogicalPlan::Aggregate(a) = node
            && a.group_expr.is_empty()
        {
            aggregates += 1;
        }
        Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
    })
    .expect("walk");
    assert_eq!(
        aggregates, 1,
        "one aggregate over the members for every KPI"
    );
    assert_eq!(
        plan.schema().fields().len(),
        2 * 16 + 5 + 3,
        "a value and a count per KPI and group, the denominator of the shares' 5 groups, and the rows, keys and distinct keys"
    );
}

/// The fixtures of the folders below that have errors on purpose (lint levels set to deny).
const NOT_CHECKING: [&str; 0] = [];

#[test]
fn every_clean_fixture_plans_and_runs_on_empty_tables() {
    let mut failing = Vec::new();
    for dir in [
        "tests/fixtures/check/ok",
        "tests/fixtures/plan",
        "tests/fixtures/check/warnings",
    ] {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let text = std::fs::read_to_string(entry.path()).expect("fixture");
            let (program, _) = compile("fixture.seg", &text);
            let name = entry.path().display().to_string();
            let Some(program) = program else {
                failing.push(name);
                continue;
            };
            crate::common::executes_on_empty_tables(&program, params(), &name);
        }
    }
    failing.sort();
    assert_eq!(failing, NOT_CHECKING, "the fixtures that do not check");
}

#[test]
fn lookups_and_chains_scan_each_source_once() {
    let text = std::fs::read_to_string("tests/fixtures/plan/relational.seg").expect("fixture");
    let plan = plan_of(&text, &Selection::All);
    let mut scans = scans(&plan);
    scans.sort();
    assert_eq!(
        scans,
        [
            "companies[company_id,sector_id]",
            "contacts[contact_id,company_id,role]",
            "orders[amount,contact_id]",
            "sectors[sector_id,label,risk]",
        ]
    );
}
