//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cli;
pub mod duckdb;
pub mod servers;

use std::fmt::Write as _;

use segc::ast::{self, ExprKind, ItemKind, LiteralKind};
use segc::diagnostics::Diagnostic;
use segc::diagnostics::render::{Style, render};

/// Held by the tests that time segc (`scaling`, `plan_scaling`): timed one at a time, they do not
/// slow each other down (the harness runs tests in parallel).
pub static TIMED: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The evaluation date of every test (the examples' too).
pub fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date")
}

/// Lowering parameters at [`as_of`].
pub fn params() -> segc::lower::Params {
    segc::lower::Params { as_of: as_of() }
}

/// Every diagnostic rendered as plain text at a fixed width.
pub fn render_all(name: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| render(d, name, text, Style::plain()))
        .collect()
}

/// Parses and checks `text`, returning the HIR (if clean) and the rendered diagnostics.
pub fn compile(name: &str, text: &str) -> (Option<segc::hir::Program>, String) {
    let parsed = segc::syntax::parse(text);
    let checked = segc::check::check(&parsed.program, &parsed.diagnostics);
    let rendered = render_all(name, text, &checked.diagnostics);
    (checked.program, rendered)
}

/// The fixture's file name, for snapshot headers.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// A compact S-expression view of a program, showing structure (precedence) without spans.
/// ` (expect members >= 500) (expect size between 2% and 10% of clients error)`.
fn size_expectations(expectations: &[ast::SizeExpectation]) -> String {
    let mut text = String::new();
    for e in expectations {
        let measure = match e.measure {
            ast::SizeMeasure::Members => "members",
            ast::SizeMeasure::Size => "size",
        };
        let bound = match &e.bound {
            ast::SizeBound::Compare { op, amount, .. } => {
                format!("{} {}", op.symbol(), literal(&amount.kind))
            }
            ast::SizeBound::Between { low, high } => {
                format!("between {} {}", literal(&low.kind), literal(&high.kind))
            }
        };
        let of =
            e.of.as_ref()
                .map(|o| format!(" of {}", o.name))
                .unwrap_or_default();
        let error = if e.error.is_some() { " error" } else { "" };
        let _ = write!(text, " (expect {measure} {bound}{of}{error})");
    }
    text
}

pub fn sexpr(program: &ast::Program) -> String {
    let mut out = String::new();
    for item in &program.items {
        let _ = writeln!(out, "{}", item_sexpr(item));
    }
    for comment in &program.comments {
        let _ = writeln!(out, "(comment {:?})", comment.text);
    }
    out
}

fn item_sexpr(item: &ast::Item) -> String {
    match &item.kind {
        ItemKind::Import(path) => format!("(import {:?})", path.value),
        ItemKind::Source(s) => {
            let mut text = format!(
                "(source {} {} {:?}",
                s.name.name, s.format.name, s.location.value
            );
            for o in &s.options {
                let _ = write!(text, " (option {} {})", o.name.name, literal(&o.value.kind));
            }
            if let Some(fresh) = &s.freshness {
                let by = if fresh.by_modified.is_some() {
                    " modified"
                } else {
                    ""
                };
                let warn = if fresh.warn.is_some() { " warn" } else { "" };
                let _ = write!(text, " (fresh {}{by}{warn})", literal(&fresh.length.kind));
            }
            if let Some(filter) = &s.filter {
                let _ = write!(text, " (where {})", expr(filter));
            }
            for c in &s.columns {
                let args = c.ty.args.as_ref().map(|a| {
                    let parts: Vec<String> = a.iter().map(|l| literal(&l.kind)).collect();
                    format!("({})", parts.join(" "))
                });
                let _ = write!(
                    text,
                    "\n  ({}{}{}{} {}{}{}{})",
                    if c.is_key { "key " } else { "" },
                    if c.is_partition { "partition " } else { "" },
                    if c.is_event { "event " } else { "" },
                    c.name.name,
                    c.ty.name.name,
                    args.unwrap_or_default(),
                    if c.nullable { "?" } else { "" },
                    c.references
                        .as_ref()
                        .map(|r| format!(" references {}", r.name))
                        .unwrap_or_default()
                );
                if let Some(d) = &c.derivation {
                    let _ = write!(text, " (= {} {})", d.function.name, d.column.name);
                }
                if let Some(consent) = &c.consent {
                    let _ = write!(text, " (consent {})", consent.channel.name);
                }
            }
            text.push(')');
            text
        }
        ItemKind::Population(p) => format!(
            "(population {}{}{})",
            p.name.name,
            if p.future.is_some() {
                " including-future"
            } else {
                ""
            },
            p.filter
                .as_ref()
                .map(|f| format!(" (where {})", expr(f)))
                .unwrap_or_default()
        ),
        ItemKind::Let(l) => format!(
            "({}let {}{} {})",
            if l.output.is_some() { "output " } else { "" },
            l.name.name,
            l.label
                .as_ref()
                .map(|l| format!(" {:?}", l.value))
                .unwrap_or_default(),
            expr(&l.value)
        ),
        ItemKind::Segment(s) => format!(
            "(segment {}{} {}{}{}{})",
            s.name.name,
            s.label
                .as_ref()
                .map(|l| format!(" {:?}", l.value))
                .unwrap_or_default(),
            expr(&s.condition),
            s.holdout
                .as_ref()
                .map(|h| format!(" (holdout {} {:?})", literal(&h.share.kind), h.seed.value))
                .unwrap_or_default(),
            s.audience
                .as_ref()
                .map(|a| {
                    let warn = if a.warn.is_some() { " warn" } else { "" };
                    format!(" (audience {}{warn})", a.channel.name)
                })
                .unwrap_or_default(),
            size_expectations(&s.expectations)
        ),
        ItemKind::Split(s) => format!(
            "(split {} {} [{}] {:?})",
            s.name.name,
            expr(&s.base),
            s.groups
                .iter()
                .map(|g| format!("{} {}", g.name.name, literal(&g.share.kind)))
                .collect::<Vec<_>>()
                .join(", "),
            s.seed.value
        ),
        ItemKind::Score(s) => {
            let mut text = format!("(score {}", s.name.name);
            for r in &s.rules {
                let _ = write!(
                    text,
                    "\n  ({} when {})",
                    match &r.points {
                        ast::Points::Fixed(points) => literal(&points.kind),
                        ast::Points::Value {
                            negative, value, ..
                        } => format!("{}{}", if *negative { "-" } else { "+" }, expr(value)),
                    },
                    expr(&r.condition)
                );
            }
            text.push(')');
            text
        }
        ItemKind::Tiers(t) => {
            let mut text = format!("(tiers {}", t.name.name);
            for a in &t.arms {
                let condition = a.condition.as_ref().map_or("else".to_string(), expr);
                let expected = size_expectations(&a.expectations);
                let _ = write!(text, "\n  ({} {condition}{expected})", a.name.name);
            }
            text.push(')');
            text
        }
        ItemKind::Kpi(k) => {
            let scope = match &k.scope {
                ast::KpiScope::Population => String::new(),
                ast::KpiScope::Segments(names) => format!(
                    " (for {})",
                    names
                        .iter()
                        .map(|n| n.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                ast::KpiScope::Each { tiers, except } => format!(
                    " (for-each {}{})",
                    tiers.name,
                    except
                        .iter()
                        .map(|n| format!(" (except {})", n.name))
                        .collect::<String>()
                ),
            };
            let frozen = k
                .frozen
                .as_ref()
                .map(|f| format!(" (frozen {:?})", f.value))
                .unwrap_or_default();
            let mut text = format!("(kpi {}{scope}{frozen}", k.name.name);
            for clause in &k.clauses {
                let clause = match &clause.kind {
                    ast::KpiClauseKind::Value(e) => format!("(value {})", expr(e)),
                    ast::KpiClauseKind::Target(t) => {
                        let goal = match &t.goal {
                            ast::KpiGoal::Threshold(th) => threshold(th),
                            ast::KpiGoal::Between { low, high } => {
                                format!("(between {} {})", literal(&low.kind), literal(&high.kind))
                            }
                            ast::KpiGoal::Change { change, baseline } => {
                                let reference = match baseline {
                                    ast::KpiBaseline::Recorded(_) => "baseline".to_string(),
                                    ast::KpiBaseline::Inline { value, since } => format!(
                                        "{}{}",
                                        literal(&value.kind),
                                        since
                                            .as_ref()
                                            .map(|s| format!(" (since {})", literal(&s.kind)))
                                            .unwrap_or_default()
                                    ),
                                };
                                format!("(change {} vs {reference})", literal(&change.kind))
                            }
                        };
                        let deadline = t
                            .deadline
                            .as_ref()
                            .map(|d| format!(" (by {})", literal(&d.kind)))
                            .unwrap_or_default();
                        let groups: String = t
                            .groups
                            .iter()
                            .map(|g| format!(" (for {})", g.name))
                            .collect();
                        format!("(target {goal}{deadline}{groups})")
                    }
                    ast::KpiClauseKind::Warn(w) => format!("(warn {})", threshold(w)),
                    ast::KpiClauseKind::Readout(r) => format!(
                        "(readout vs {}{})",
                        r.control.name,
                        r.detect
                            .as_ref()
                            .map(|d| format!(" (detect {})", literal(&d.kind)))
                            .unwrap_or_default()
                    ),
                };
                let _ = write!(text, "\n  {clause}");
            }
            text.push(')');
            text
        }
        ItemKind::Test(t) => test_sexpr(t),
        ItemKind::Broken(b) => format!(
            "(broken {} {})",
            b.keyword.as_deref().unwrap_or("?"),
            b.name.as_ref().map(|n| n.name.as_str()).unwrap_or("?")
        ),
    }
}

fn test_sexpr(t: &ast::TestDecl) -> String {
    let part = |p: &ast::ExpectPart| match p {
        ast::ExpectPart::Value(l) => literal(&l.kind),
        ast::ExpectPart::Name(n) => n.name.clone(),
    };
    let mut text = format!("(test {} (as_of {})", t.name.name, literal(&t.as_of.kind));
    for clause in &t.clauses {
        let clause = match &clause.kind {
            ast::TestClauseKind::Rows { source, rows } => {
                let rows: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let fields: Vec<String> = r
                            .fields
                            .iter()
                            .map(|f| format!("({} {})", f.column.name, literal(&f.value.kind)))
                            .collect();
                        format!("({})", fields.join(" "))
                    })
                    .collect();
                format!("(rows {} {})", source.name, rows.join(" "))
            }
            ast::TestClauseKind::File {
                source,
                format,
                path,
            } => format!("(file {} {} {:?})", source.name, format.name, path.value),
            ast::TestClauseKind::Expect(e) => {
                let value = match &e.value {
                    ast::Expected::Value(l) => literal(&l.kind),
                    ast::Expected::List { items, .. } => format!(
                        "[{}]",
                        items
                            .iter()
                            .map(|l| literal(&l.kind))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    ast::Expected::Map { entries, .. } => format!(
                        "{{{}}}",
                        entries
                            .iter()
                            .map(|e| format!("{}: {}", part(&e.key), part(&e.value)))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                };
                format!("(expect {} {} {value})", e.target.name, e.op.text())
            }
        };
        let _ = write!(text, "\n  {clause}");
    }
    text.push(')');
    text
}

fn threshold(t: &ast::KpiThreshold) -> String {
    format!("({} {})", t.op.symbol(), literal(&t.value.kind))
}

fn literal(kind: &LiteralKind) -> String {
    match kind {
        LiteralKind::Int(i) => i.to_string(),
        LiteralKind::Float { text, .. } => text.clone(),
        LiteralKind::Percent { text, .. } => format!("{text}%"),
        LiteralKind::String(s) => format!("{s:?}"),
        LiteralKind::Bool(b) => b.to_string(),
        LiteralKind::Null => "null".into(),
        LiteralKind::Date(d) => format!("@{d}"),
        LiteralKind::Timestamp(t) => format!("@{}", t.format("%Y-%m-%dT%H:%M:%S%.f")),
        LiteralKind::Duration {
            amount_text, unit, ..
        } => format!("({amount_text} {})", unit.name),
    }
}

fn expr(e: &ast::Expr) -> String {
    match &e.kind {
        ExprKind::Literal(l) => literal(&l.kind),
        ExprKind::Name(parts) => parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Unary { op, operand, .. } => format!("({op:?} {})", expr(operand)),
        ExprKind::Binary { op, lhs, rhs, .. } => {
            format!("({} {} {})", op.symbol(), expr(lhs), expr(rhs))
        }
        ExprKind::InList {
            value,
            list,
            negated,
        } => format!(
            "({}in {} {})",
            if *negated { "not-" } else { "" },
            expr(value),
            expr(list)
        ),
        ExprKind::Between {
            value,
            low,
            high,
            negated,
        } => format!(
            "({}between {} {} {})",
            if *negated { "not-" } else { "" },
            expr(value),
            expr(low),
            expr(high)
        ),
        ExprKind::IsNull { value, negated } => format!(
            "(is-{}null {})",
            if *negated { "not-" } else { "" },
            expr(value)
        ),
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => format!(
            "(if {} {} {})",
            expr(condition),
            expr(then),
            expr(otherwise)
        ),
        ExprKind::Call {
            function,
            args,
            descending,
            order_by,
            filter,
            ties,
            future,
        } => format!(
            "({}{}{}{}{}{})",
            function.name,
            args.iter()
                .zip(descending)
                .map(|(a, d)| match d {
                    Some(true) => format!(" {} desc", expr(a)),
                    Some(false) => format!(" {} asc", expr(a)),
                    None => format!(" {}", expr(a)),
                })
                .collect::<String>(),
            order_by
                .as_ref()
                .map(|o| format!(" (by {})", expr(o)))
                .unwrap_or_default(),
            filter
                .as_ref()
                .map(|f| format!(" (where {})", expr(f)))
                .unwrap_or_default(),
            ties.as_ref()
                .map(|t| format!(
                    " (ties by {}{})",
                    t.by.name,
                    match t.descending {
                        Some(true) => " desc",
                        Some(false) => " asc",
                        None => "",
                    }
                ))
                .unwrap_or_default(),
            if future.is_some() {
                " including-future"
            } else {
                ""
            }
        ),
        ExprKind::List(items) => {
            format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(" "))
        }
        ExprKind::Paren(inner) => format!("(paren {})", expr(inner)),
    }
}

/// A two-thread runtime for the tests that read data.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Opens the rule file `rules` through the library driver as the tests run it: as of
/// [`as_of`], on two threads within a 256 MiB memory pool, with no environment variables,
/// reading data from the rule file's folder and the repository (the examples' data). Err: the
/// rendered diagnostics that stopped it.
pub fn session(
    rules: &std::path::Path,
    baseline_given: bool,
) -> Result<segc::driver::Session, String> {
    let options = segc::driver::Options {
        ignore_environment: true,
        as_of: Some(as_of()),
        threads: Some(2),
        memory_limit: Some(256 * 1024 * 1024),
        data_roots: rules
            .parent()
            .map(std::path::Path::to_path_buf)
            .into_iter()
            .chain(std::env::current_dir().ok())
            .collect(),
        baseline_given,
        ..Default::default()
    };
    let opened = segc::driver::Session::open(rules, options)
        .map_err(|stopped| rendered(rules, stopped.diagnostics()))?;
    let diagnostics = rendered(rules, opened.diagnostics());
    opened.into_session().ok_or(diagnostics)
}

/// Runs `session` (opened from `rules`) into `out` as wide CSV, the `selection` only: what the
/// run gave, or its diagnostics rendered.
pub fn run_csv(
    session: &segc::driver::Session,
    rules: &std::path::Path,
    selection: &segc::lower::Selection,
    out: &std::path::Path,
) -> Result<segc::driver::Ran, String> {
    let output = segc::driver::OutputChoice {
        dir: Some(out.to_path_buf()),
        format: Some(segc::engine::OutputFormat::Csv),
        layout: Some(segc::engine::Layout::Wide),
        ..Default::default()
    };
    runtime()
        .block_on(async {
            let engine = session.engine().await?;
            session.run(&engine, selection, &output).await
        })
        .map_err(|stopped| rendered(rules, stopped.diagnostics()))
}

/// Writes `rules` as `dir/rules.seg` and runs it over the data in `dir` into `dir/out` as CSV
/// (see [`session`]): the membership CSV, or the rendered diagnostics.
pub fn run_rules_csv(dir: &std::path::Path, rules: &str) -> Result<String, String> {
    let path = dir.join("rules.seg");
    std::fs::write(&path, rules).expect("rules");
    let session = session(&path, false)?;
    let out = dir.join("out");
    run_csv(&session, &path, &segc::lower::Selection::All, &out)?;
    Ok(std::fs::read_to_string(out.join("membership.csv")).expect("membership"))
}

/// The diagnostics of the one rule file `rules` rendered as plain text, under its file name.
pub fn rendered(rules: &std::path::Path, diagnostics: &[Diagnostic]) -> String {
    let text = std::fs::read_to_string(rules).unwrap_or_default();
    render_all(&file_name(rules), &text, diagnostics)
}

/// Plans physically and runs `program` over empty in-memory tables with the declared schemas:
/// whatever the checker accepts, DataFusion must plan and execute.
pub fn executes_on_empty_tables(
    program: &segc::hir::Program,
    params: segc::lower::Params,
    context: &str,
) {
    use std::sync::Arc;

    use datafusion::catalog::TableProvider;
    use datafusion::datasource::{MemTable, provider_as_source};
    use datafusion::logical_expr::TableSource;
    use segc::diagnostics::Diagnostic;
    use segc::lower::{
        PassOutcome, RankingPass, Selection, TableLookup, Wanted, declared_schema,
        drive_ranking_passes, membership_plan,
    };

    struct Empty;
    impl TableLookup for Empty {
        fn table(&self, source: &segc::hir::Source) -> Result<Arc<dyn TableSource>, Diagnostic> {
            let table: Arc<dyn TableProvider> =
                Arc::new(MemTable::try_new(declared_schema(source), vec![vec![]]).expect("table"));
            Ok(provider_as_source(table))
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let ctx = datafusion::prelude::SessionContext::new_with_config(
            segc::engine::session_config(None),
        );
        let execute = async |plan: &datafusion::logical_expr::LogicalPlan| {
            let physical = ctx
                .state()
                .create_physical_plan(plan)
                .await
                .unwrap_or_else(|e| panic!("{e} for:\n{context}"));
            datafusion::physical_plan::collect(physical, ctx.task_ctx())
                .await
                .unwrap_or_else(|e| panic!("{e} for:\n{context}"))
        };
        // The ranking passes run first, as `segc run` does.
        let kpis: Vec<segc::hir::KpiId> = (0..program.kpis.len()).map(segc::hir::KpiId).collect();
        let mut wanted = vec![Wanted::Outputs(&Selection::All)];
        if !kpis.is_empty() {
            wanted.push(Wanted::Kpis(&kpis));
        }
        for wanted in wanted {
            let rank = async |pass: &RankingPass| {
                let batches = execute(&pass.plan).await;
                let boundaries = segc::engine::pass_boundaries(pass, &batches)
                    .unwrap_or_else(|e| panic!("{e} for:\n{context}"));
                let kept = Vec::new();
                Ok(PassOutcome::Executed { boundaries, kept })
            };
            let ranks = drive_ranking_passes(program, &Empty, params, wanted, false, rank)
                .await
                .unwrap_or_else(|d| panic!("{d:?} for:\n{context}"));
            let plan = match wanted {
                Wanted::Outputs(selection) => {
                    membership_plan(program, &Empty, params, selection, &ranks).map(|p| p.plan)
                }
                Wanted::Kpis(kpis) => {
                    segc::lower::kpi_plan(program, &Empty, params, kpis, &ranks).map(|p| p.plan)
                }
            }
            .unwrap_or_else(|d| panic!("{d:?} for:\n{context}"));
            execute(&plan).await;
        }
    });
}
