//! Logical plans as `segc explain` prints them: DataFusion's indented form (a node per line,
//! each indented under its parent), with the indentation capped.
//!
//! DataFusion indents a node by two spaces per level, so the text of a plan N levels deep grows
//! as N²: a chain of 16,000 `let`s is a plan 16,000 projections deep, and its text was 294 MB,
//! nearly all spaces, written in 2.2 s (issue 15). Nodes deeper than [`MAX_INDENT`] levels are
//! indented as that level and say their depth instead (`[depth 40] Projection: …`).

use std::fmt::{self, Write as _};

use datafusion::common::tree_node::{TreeNodeRecursion, TreeNodeVisitor};
use datafusion::logical_expr::LogicalPlan;

/// The deepest level indented; every plan of segc's fixtures is shallower.
const MAX_INDENT: usize = 32;

/// `plan` a node per line, as `LogicalPlan::display_indent` writes it up to [`MAX_INDENT`]
/// levels deep.
pub(super) fn indented(plan: &LogicalPlan) -> String {
    let mut writer = Indented {
        text: String::new(),
        depth: 0,
    };
    // The visitor itself never fails; writing to a `String` neither.
    let _ = plan.visit_with_subqueries(&mut writer);
    writer.text
}

/// Writes each node on its own line as the visit goes down.
struct Indented {
    text: String,
    depth: usize,
}

impl Indented {
    fn line(&mut self, plan: &LogicalPlan) -> fmt::Result {
        if self.depth > 0 {
            self.text.push('\n');
        }
        let levels = self.depth.min(MAX_INDENT);
        write!(self.text, "{:indent$}", "", indent = levels * 2)?;
        if self.depth > MAX_INDENT {
            write!(self.text, "[depth {}] ", self.depth)?;
        }
        write!(self.text, "{}", plan.display())
    }
}

impl<'n> TreeNodeVisitor<'n> for Indented {
    type Node = LogicalPlan;

    fn f_down(&mut self, plan: &'n LogicalPlan) -> datafusion::error::Result<TreeNodeRecursion> {
        let _ = self.line(plan);
        self.depth += 1;
        Ok(TreeNodeRecursion::Continue)
    }

    fn f_up(&mut self, _plan: &'n LogicalPlan) -> datafusion::error::Result<TreeNodeRecursion> {
        self.depth -= 1;
        Ok(TreeNodeRecursion::Continue)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::logical_expr::{col, lit, table_scan};

    use super::*;

    /// A scan of one integer column under `depth` projections, each adding one, with a join
    /// at the top when `join` (a node of two inputs).
    fn chain(depth: usize, join: bool) -> LogicalPlan {
        let scan = |name: &str, column: &str| {
            let schema = Schema::new(vec![Field::new(column, DataType::Int64, false)]);
            table_scan(Some(name), &schema, None).expect("scan")
        };
        let mut builder = scan("t", "x");
        for _ in 0..depth {
            builder = builder
                .project(vec![(col("x") + lit(1_i64)).alias("x")])
                .expect("project");
        }
        if join {
            let other = scan("u", "y").build().expect("scan");
            builder = builder
                .cross_join(other)
                .expect("join")
                .project(vec![col("x")])
                .expect("project");
        }
        builder.build().expect("plan")
    }

    #[test]
    fn shallow_plans_are_written_as_datafusion_writes_them() {
        for plan in [
            chain(3, true),
            chain(MAX_INDENT, false),
            chain(MAX_INDENT - 2, true),
        ] {
            assert_eq!(indented(&plan), plan.display_indent().to_string());
        }
    }

    #[test]
    fn deep_plans_stop_indenting_and_say_their_depth() {
        let plan = chain(4 * MAX_INDENT, true);
        let text = indented(&plan);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4 * MAX_INDENT + 4, "{text}");
        let widest = lines
            .iter()
            .map(|l| l.len() - l.trim_start().len())
            .max()
            .expect("lines");
        assert_eq!(widest, 2 * MAX_INDENT);
        // The join's two inputs: the chain below it and the other table's scan.
        assert!(lines[2].starts_with("    Projection: "), "{text}");
        let last = lines.last().expect("lines").trim_start();
        assert_eq!(last, "TableScan: u");
        assert!(
            lines[lines.len() - 2]
                .trim_start()
                .starts_with(&format!("[depth {}] TableScan: t", 4 * MAX_INDENT + 2))
        );
        // The same nodes as DataFusion writes, indentation and depths aside.
        let bare = |line: &str| {
            let line = line.trim_start();
            match line.strip_prefix("[depth ") {
                Some(rest) => rest.split_once("] ").expect("depth").1.to_string(),
                None => line.to_string(),
            }
        };
        let theirs: Vec<String> = plan
            .display_indent()
            .to_string()
            .lines()
            .map(bare)
            .collect();
        let ours: Vec<String> = lines.iter().map(|l| bare(l)).collect();
        assert_eq!(ours, theirs);
    }
}
