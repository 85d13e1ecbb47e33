//! Quantile groups at ties: `ties by key asc` (the default) and `ties by key desc`, over values
//! ascending and descending, give the groups DuckDB's `ntile() over (order by value, key)` gives
//! (nulls are not ranked by segc: DuckDB ranks them apart and they are blanked).

use std::fmt::Write as _;

use crate::common::duckdb;
use crate::common::run_rules_csv;

const RULES: &str = r#"source customers from csv "customers.csv" {
  key customer_id: int
  spend: int?
}

population customers

output let by_default = quintile(spend desc)
output let keys_ascending = quintile(spend desc, ties by key asc)
output let keys_descending = quintile(spend desc, ties by key desc)
output let spend_ascending = ntile(3, spend, ties by customer_id desc)
output let deciles = decile(spend desc, ties by key desc)
"#;

/// The same groups in SQL: nulls apart, then NTILE over the value and the key.
const SQL: &str = "select customer_id, \
    case when spend is not null then ntile(5) over (partition by spend is null order by spend desc, customer_id asc) end as by_default, \
    case when spend is not null then ntile(5) over (partition by spend is null order by spend desc, customer_id asc) end as keys_ascending, \
    case when spend is not null then ntile(5) over (partition by spend is null order by spend desc, customer_id desc) end as keys_descending, \
    case when spend is not null then ntile(3) over (partition by spend is null order by spend asc, customer_id desc) end as spend_ascending, \
    case when spend is not null then ntile(10) over (partition by spend is null order by spend desc, customer_id desc) end as deciles \
    from read_csv('customers.csv') order by customer_id";

#[test]
fn ties_by_key_in_either_direction_give_duckdbs_ntile() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 103 customers (groups of unequal size), few distinct values (many ties), some nulls.
    let mut csv = String::from("customer_id,spend\n");
    for id in 1..=103u64 {
        let spend = (id * 7919 % 13 / 3).to_string();
        let spend = if id % 17 == 0 { "" } else { spend.as_str() };
        writeln!(csv, "{id},{spend}").expect("write");
    }
    std::fs::write(dir.path().join("customers.csv"), csv).expect("data");
    let segc = run_rules_csv(dir.path(), RULES).expect("run");
    let duckdb = duckdb::csv(dir.path(), SQL);
    assert_eq!(segc, duckdb);
    // The directions matter on this data: at least one member changes group.
    let columns = |name: &str| -> Vec<String> {
        let header: Vec<&str> = segc.lines().next().expect("header").split(',').collect();
        let at = header.iter().position(|h| *h == name).expect("column");
        segc.lines()
            .skip(1)
            .map(|l| l.split(',').nth(at).unwrap_or_default().to_string())
            .collect()
    };
    assert_ne!(columns("keys_ascending"), columns("keys_descending"));
    assert_eq!(columns("by_default"), columns("keys_ascending"));
}
