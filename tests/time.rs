//! Runs consistent in time: with event columns, a run with an old `as_of` over today's data
//! gives, member for member, what a run over the data cut at that date gives (customers who
//! signed up later and orders placed later left out); `where` on the population and on a
//! source drop their rows for every use.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::common::{rendered, run_csv};
use segc::driver::Session;
use segc::lower::Selection;

/// Opens `rules` (written into `dir`) evaluated as of `as_of`.
fn open(dir: &Path, rules: &str, as_of: NaiveDate) -> Result<Session, String> {
    let path = dir.join("rules.seg");
    std::fs::write(&path, rules).expect("rules");
    let options = segc::driver::Options {
        ignore_environment: true,
        as_of: Some(as_of),
        threads: Some(2),
        data_roots: vec![dir.to_path_buf()],
        ..Default::default()
    };
    let opened = Session::open(&path, options).map_err(|s| rendered(&path, s.diagnostics()))?;
    let diagnostics = rendered(&path, opened.diagnostics());
    opened.into_session().ok_or(diagnostics)
}

/// Runs `rules` over the data in `dir` as of `as_of`: the membership CSV.
fn run(dir: &Path, rules: &str, as_of: NaiveDate) -> Result<String, String> {
    let session = open(dir, rules, as_of)?;
    let out = dir.join("out");
    run_csv(&session, &dir.join("rules.seg"), &Selection::All, &out)?;
    Ok(std::fs::read_to_string(out.join("membership.csv")).expect("membership"))
}

const RULES: &str = r#"source customers from csv "customers.csv" {
  key customer_id: int
  event signup_at: date
  kind: string
}

source orders from csv "orders.csv" where status != "test" {
  key order_id: int
  customer_id: int references customers
  amount: int
  event ordered_at: timestamp?
  status: string
}

population customers where kind != "test"

output let spend_12m = coalesce(sum(orders.amount where ordered_at >= as_of - 12 months), 0)
output let orders_all = count(orders)
output let last_order = max(orders.ordered_at)
output let tenure_days = days_between(signup_at, as_of)
output let spend_tile = quintile(spend_12m desc, ties by key desc)
segment buyers = exists(orders)
segment big = spend_12m >= 300
"#;

/// The day of customer `id`'s signup and the time of order `i` (`None`: not dated).
fn signup(id: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + Duration::days(i64::from(id * 37 % 800))
}

fn ordered_at(i: u32) -> Option<NaiveDateTime> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1)
        .expect("date")
        .and_hms_opt(0, 0, 0)
        .expect("time");
    (!i.is_multiple_of(23)).then(|| {
        start + Duration::days(i64::from(i * 29 % 600)) + Duration::hours(i64::from(i % 24))
    })
}

/// Writes the customers and orders known on `cut` (every row when `None`) into `dir`.
fn write_data(dir: &Path, cut: Option<NaiveDate>) {
    let kept = |day: NaiveDate| cut.is_none_or(|cut| day <= cut);
    let mut customers = String::from("customer_id,signup_at,kind\n");
    for id in 1..=60 {
        let kind = if id % 11 == 0 { "test" } else { "person" };
        if kept(signup(id)) {
            writeln!(customers, "{id},{},{kind}", signup(id)).expect("write");
        }
    }
    let mut orders = String::from("order_id,customer_id,amount,ordered_at,status\n");
    for i in 1..=400 {
        let status = if i % 19 == 0 { "test" } else { "paid" };
        let at = ordered_at(i);
        if at.is_some_and(|at| !kept(at.date())) {
            continue;
        }
        let at = at.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string());
        let (customer, amount) = (i * 13 % 60 + 1, i * 7 % 50 + 1);
        let at = at.unwrap_or_default();
        writeln!(orders, "{i},{customer},{amount},{at},{status}").expect("write");
    }
    std::fs::write(dir.join("customers.csv"), customers).expect("customers");
    std::fs::write(dir.join("orders.csv"), orders).expect("orders");
}

#[test]
fn an_old_as_of_over_todays_data_gives_the_run_over_the_data_of_that_day() {
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let today = tempfile::tempdir().expect("tempdir");
    write_data(today.path(), None);
    let cut = tempfile::tempdir().expect("tempdir");
    write_data(cut.path(), Some(as_of));
    let over_today = run(today.path(), RULES, as_of).expect("run over today's data");
    // Over the data of that day, no row is after `as_of`: the event columns change nothing.
    let unmarked = RULES.replace("event ", "");
    let over_cut = run(cut.path(), &unmarked, as_of).expect("run over the cut data");
    assert_eq!(over_today, over_cut);
    // The data has later rows, and a run without event columns counts them.
    let counting_later = run(today.path(), &unmarked, as_of).expect("run without events");
    assert_ne!(over_today, counting_later);
    // Customers signed up after `as_of` and test customers are no members.
    let members: Vec<u32> = over_today
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .next()
                .and_then(|k| k.parse().ok())
                .expect("key")
        })
        .collect();
    let expected: Vec<u32> = (1..=60)
        .filter(|id| id % 11 != 0 && signup(*id) <= as_of)
        .collect();
    assert_eq!(members, expected);
}

#[test]
fn including_future_takes_the_later_rows_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_data(dir.path(), None);
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let rules = RULES.replace(
        "output let orders_all = count(orders)",
        "output let orders_all = count(orders including future)",
    );
    let with_future = run(dir.path(), &rules, as_of).expect("run");
    // Every paid order of a member, whenever it was placed.
    let mut expected = vec![0u32; 61];
    for i in (1..=400u32).filter(|i| i % 19 != 0) {
        expected[(i * 13 % 60 + 1) as usize] += 1;
    }
    let header: Vec<&str> = with_future
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let column = header
        .iter()
        .position(|h| *h == "orders_all")
        .expect("column");
    for line in with_future.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let id: usize = fields[0].parse().expect("key");
        assert_eq!(fields[column], expected[id].to_string(), "customer {id}");
    }
}

/// `segc run` with an old `as_of` over later data warns once per dated source (W0701, exit 0);
/// as of a date after every row, it says nothing.
#[test]
fn a_run_tells_how_many_later_rows_it_left_out() {
    use crate::common::cli::transcript;
    let dir = tempfile::tempdir().expect("tempdir");
    write_data(dir.path(), None);
    std::fs::write(dir.path().join("rules.seg"), RULES).expect("rules");
    let run = |as_of: &str| {
        transcript(&mut crate::common::cli::run_rules(
            dir.path(),
            as_of,
            &["--format", "csv"],
        ))
    };
    insta::assert_snapshot!(run("2026-01-01"));
    assert_eq!(run("2026-12-31"), "exit: 0\n--- stdout\n--- stderr\n");
}

/// An imported `population ... where ...` applies to the importing file; a file's own
/// `population` item wins, with its own condition (here none, and the later members kept).
#[test]
fn a_files_own_population_replaces_an_imported_one_and_its_condition() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_data(dir.path(), None);
    let common = r#"source customers from csv "customers.csv" {
  key customer_id: int
  event signup_at: date
  kind: string
}
population customers where kind != "test"
"#;
    std::fs::write(dir.path().join("common.seg"), common).expect("common");
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let count = |rules: &str| {
        let out = run(dir.path(), rules, as_of).expect("run");
        out.lines().count() - 1
    };
    let imported = count("import \"common.seg\"\nsegment all = true\n");
    let kept = (1..=60u32)
        .filter(|id| id % 11 != 0 && signup(*id) <= as_of)
        .count();
    assert_eq!(imported, kept);
    let own = "import \"common.seg\"\npopulation customers including future\nsegment all = true\n";
    assert_eq!(count(own), 60);
}

/// `segc explain --lineage` names the columns deciding which rows are read: a source's and the
/// population's `where`, the event columns (not for an aggregate `including future`).
#[test]
fn lineage_names_the_columns_of_the_conditions_keeping_rows() {
    use segc::lower::{Selection, Wanted, lineage};
    let rules = RULES.replace(
        "output let orders_all = count(orders)",
        "output let orders_all = count(orders including future)",
    );
    let (program, diagnostics) = crate::common::compile("time.seg", &rules);
    let program = program.unwrap_or_else(|| panic!("{diagnostics}"));
    let name = |source: usize, column: usize| {
        let source = &program.sources[source];
        format!("{}.{}", source.name, source.columns[column].name)
    };
    let id = |output: &str| {
        use segc::hir::OutputId;
        *program
            .outputs
            .iter()
            .find(|o| match o {
                OutputId::Segment(id) => program.segments[id.0].name == output,
                OutputId::Let(id) => program.lets[id.0].name == output,
                _ => false,
            })
            .expect("output")
    };
    let read = |output: &str| -> Vec<String> {
        let selection = Selection::Only(vec![id(output)]);
        lineage(&program, Wanted::Outputs(&selection))
            .into_iter()
            .flat_map(|(s, columns)| columns.into_iter().map(move |c| name(s.0, c)))
            .collect()
    };
    let members = [
        "customers.customer_id",
        "customers.signup_at",
        "customers.kind",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = members.iter().map(|c| c.to_string()).collect();
        all.extend(extra.iter().map(|c| c.to_string()));
        all
    };
    assert_eq!(
        read("buyers"),
        with(&["orders.customer_id", "orders.ordered_at", "orders.status"])
    );
    assert_eq!(
        read("orders_all"),
        with(&["orders.customer_id", "orders.status"])
    );
}
