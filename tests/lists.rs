//! List columns read from Parquet: `list<string>`, `list<enum(...)>` and `list<int>` columns of
//! several Arrow list types give the same memberships as the CSV twin in
//! `fixtures/run/lists_csv` (hand-computed there); declarations that do not fit the data.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Int32Builder, Int64Array, LargeListBuilder, LargeStringBuilder, ListBuilder,
    StringArray, StringBuilder,
};
use datafusion::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

use crate::common::run_rules_csv;

fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let file = std::fs::File::create(path).expect("create");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

/// One customer's tags, interests and scores (`None`: a null list).
type Lists<'a> = (
    Option<&'a [&'a str]>,
    Option<&'a [&'a str]>,
    Option<&'a [i32]>,
);

/// The five customers of `fixtures/run/lists_csv/customers.csv`, with real lists.
fn customers(path: &Path) {
    let rows: [Lists<'_>; 5] = [
        (
            Some(&["vip", "newsletter"]),
            Some(&["sport", "music"]),
            Some(&[1, 2, 3]),
        ),
        (None, Some(&["music"]), None),
        (Some(&["newsletter"]), None, Some(&[7])),
        (
            Some(&["vip"]),
            Some(&["sport", "travel", "music"]),
            Some(&[2]),
        ),
        (Some(&["churned", "vip"]), Some(&["travel"]), None),
    ];
    let mut tags = ListBuilder::new(StringBuilder::new());
    let mut interests = LargeListBuilder::new(LargeStringBuilder::new());
    let mut scores = ListBuilder::new(Int32Builder::new());
    for (t, i, s) in rows {
        match t {
            Some(t) => tags.append_value(t.iter().map(|v| Some(*v))),
            None => tags.append_null(),
        }
        match i {
            Some(i) => interests.append_value(i.iter().map(|v| Some(*v))),
            None => interests.append_null(),
        }
        match s {
            Some(s) => scores.append_value(s.iter().map(|v| Some(*v))),
            None => scores.append_null(),
        }
    }
    write_parquet(
        path,
        vec![
            ("customer_id", Arc::new(Int64Array::from_iter_values(1..=5))),
            ("tags", Arc::new(tags.finish())),
            ("interests", Arc::new(interests.finish())),
            ("scores", Arc::new(scores.finish())),
            ("country", Arc::new(StringArray::from(vec!["FR"; 5]))),
        ],
    );
}

#[test]
fn parquet_lists_give_the_memberships_of_their_csv_twin() {
    let dir = tempfile::tempdir().expect("tempdir");
    customers(&dir.path().join("customers.parquet"));
    let twin = std::fs::read_to_string("tests/fixtures/run/lists_csv/rules.seg").expect("rules");
    let rules = twin
        .replace(
            "from csv \"customers.csv\" with (list_delimiter = \"|\")",
            "from parquet \"customers.parquet\"",
        )
        .replace("// Lists as delimited text in CSV", "// Lists in Parquet");
    assert_ne!(rules, twin);
    let expected =
        std::fs::read_to_string("tests/fixtures/run/lists_csv/expected.csv").expect("expected");
    assert_eq!(run_rules_csv(dir.path(), &rules).expect("run"), expected);
}

#[test]
fn list_declarations_that_do_not_fit_the_data_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    customers(&dir.path().join("customers.parquet"));
    let rules = "source customers from parquet \"customers.parquet\" {
  key customer_id: int
  tags: list<int>?
  country: list<string>
}
segment s = contains(tags, 1) and size(country) > 0
";
    let error = run_rules_csv(dir.path(), rules).expect_err("the lists do not fit");
    let error = error.replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(error);
}
