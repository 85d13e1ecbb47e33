//! The meaning of a definition as text that names no definition: what `segc diff` compares to
//! tell a changed definition from a renamed one, and the names its prover gives the values that
//! conditions test in two versions of the rules.
//!
//! Columns are named `source.column`; a `let`, segment, score, tiers, aggregate or quantile
//! used is named by a digest of its own meaning, so renaming a definition changes no user of
//! it, and changing one changes every user. Spans, ids and labels are left out.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::hir::{
    DefId, Expr, ExprKind, Kpi, KpiExpr, KpiExprKind, KpiGroup, PathId, Program, Value,
};

/// The meanings of one program's definitions, each computed once.
pub struct Canon<'p> {
    program: &'p Program,
    digests: RefCell<HashMap<DefId, String>>,
}

/// A short stable digest of a text: the first 8 bytes of its MD5, in hex. The same across
/// segc builds and machines, since `summary.json` records digests of definitions that a later
/// `segc kpi` compares (W1004).
fn digest(text: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(text.as_bytes())[..8]
        .iter()
        .fold(String::with_capacity(16), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

impl<'p> Canon<'p> {
    /// The meanings of `program`'s definitions.
    pub fn new(program: &'p Program) -> Self {
        Canon {
            program,
            digests: RefCell::new(HashMap::new()),
        }
    }

    /// The program.
    pub fn program(&self) -> &'p Program {
        self.program
    }

    /// The meaning of a definition (a segment's condition, a score's rules, tiers' arms).
    pub fn definition(&self, def: DefId) -> String {
        let program = self.program;
        let mut out = String::new();
        match def {
            DefId::Let(id) => self.expr(&program.lets[id.0].value, &mut out),
            DefId::Segment(id) => self.expr(&program.segments[id.0].condition, &mut out),
            DefId::Score(id) => {
                let score = &program.scores[id.0];
                let _ = write!(out, "score {}:", score.ty);
                for rule in &score.rules {
                    let _ = write!(out, " [{} ", rule.points);
                    if let Some(value) = &rule.value {
                        self.expr(value, &mut out);
                    }
                    out.push_str(" when ");
                    self.expr(&rule.condition, &mut out);
                    out.push(']');
                }
            }
            DefId::Tiers(id) => {
                let tiers = &program.tiers[id.0];
                out.push_str(if tiers.is_split { "split" } else { "tiers" });
                for arm in &tiers.arms {
                    let _ = write!(out, " [{}: ", arm.name);
                    match &arm.condition {
                        Some(c) => self.expr(c, &mut out),
                        None => out.push_str("else"),
                    }
                    out.push(']');
                }
            }
            DefId::Quantile(id) => {
                let q = &program.quantiles[id.0];
                let _ = write!(
                    out,
                    "{:?} desc={} ties_desc={} ",
                    q.function, q.descending, q.ties_descending
                );
                self.expr(&q.value, &mut out);
            }
        }
        out
    }

    /// A short name of a definition's meaning, stable across segc builds (what `summary.json`
    /// records as a segment's or tiers' `definition`).
    pub fn digest_of(&self, def: DefId) -> String {
        if let Some(known) = self.digests.borrow().get(&def) {
            return known.clone();
        }
        let made = digest(&self.definition(def));
        self.digests.borrow_mut().insert(def, made.clone());
        made
    }

    /// The meaning of an aggregate: its function, source (with the source's `where`), path,
    /// argument, order and filter (with the event cut at `as_of`).
    pub(crate) fn aggregate(&self, id: crate::hir::AggregateId, out: &mut String) {
        let aggregate = &self.program.aggregates[id.0];
        let source = self.program.source(aggregate.source);
        let _ = write!(out, "{}({}", aggregate.function.name(), source.name);
        if let Some(rows) = &source.filter {
            out.push_str(" rows ");
            self.expr(rows, out);
        }
        out.push_str(" via ");
        self.path(aggregate.path, out);
        for (word, part) in [
            ("of", &aggregate.argument),
            ("by", &aggregate.order_by),
            ("where", &aggregate.filter),
        ] {
            if let Some(e) = part {
                let _ = write!(out, " {word} ");
                self.expr(e, out);
            }
        }
        out.push(')');
    }

    fn path(&self, id: PathId, out: &mut String) {
        let path = self.program.path(id);
        out.push_str(&self.program.source(path.from).name);
        for step in &path.steps {
            let from = self.program.source(step.from);
            let column = from.columns.get(step.column).map_or("?", |c| &c.name);
            let _ = write!(out, ".{column}->{}", self.program.source(step.to).name);
        }
    }

    /// The meaning of an expression, appended to `out`.
    pub fn expr(&self, e: &Expr, out: &mut String) {
        let program = self.program;
        match &e.kind {
            ExprKind::Aggregate(id) => self.aggregate(*id, out),
            ExprKind::Column { source, column } => {
                let source = program.source(*source);
                let column = source.columns.get(*column).map_or("?", |c| &c.name);
                let _ = write!(out, "{}.{column}", source.name);
            }
            ExprKind::Lookup { path, column } => {
                out.push_str("lookup(");
                self.path(*path, out);
                let column = &program.lookup_column(*path, *column).name;
                let _ = write!(out, ".{column})");
            }
            ExprKind::Let(id) => {
                let _ = write!(out, "let#{}", self.digest_of(DefId::Let(*id)));
            }
            ExprKind::Segment(id) => {
                let _ = write!(out, "segment#{}", self.digest_of(DefId::Segment(*id)));
            }
            ExprKind::Score(id) => {
                let _ = write!(out, "score#{}", self.digest_of(DefId::Score(*id)));
            }
            ExprKind::Tier(id) => {
                let _ = write!(out, "tiers#{}", self.digest_of(DefId::Tiers(*id)));
            }
            ExprKind::Quantile(id) => {
                let _ = write!(out, "quantile#{}", self.digest_of(DefId::Quantile(*id)));
            }
            ExprKind::Bucket { seed } => {
                let _ = write!(out, "bucket({seed:?})");
            }
            ExprKind::AsOf => out.push_str("as_of"),
            ExprKind::Literal(value) => literal(value, out),
            ExprKind::Not(x) => self.call("not", [&**x], out),
            ExprKind::Neg(x) => self.call("neg", [&**x], out),
            ExprKind::Binary { op, lhs, rhs } => {
                self.call(&format!("{op:?}"), [&**lhs, &**rhs], out)
            }
            ExprKind::Elapsed { end, start } => self.call("elapsed", [&**end, &**start], out),
            ExprKind::Shift {
                value,
                by,
                backwards,
            } => {
                let _ = write!(out, "shift({by:?} back={backwards} ");
                self.expr(value, out);
                out.push(')');
            }
            ExprKind::InList {
                value,
                list,
                negated,
            } => {
                let word = if *negated { "not_in" } else { "in" };
                self.call(word, std::iter::once(&**value).chain(list), out)
            }
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => {
                let word = if *negated { "not_between" } else { "between" };
                self.call(word, [&**value, &**low, &**high], out)
            }
            ExprKind::IsNull { value, negated } => {
                let word = if *negated { "is_not_null" } else { "is_null" };
                self.call(word, [&**value], out)
            }
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => self.call("if", [&**condition, &**then, &**otherwise], out),
            ExprKind::Call { function, args } => {
                self.call(&format!("{function:?}"), args.iter(), out)
            }
            ExprKind::List(items) => self.call("list", items.iter(), out),
        }
    }

    fn call<'e>(&self, name: &str, args: impl IntoIterator<Item = &'e Expr>, out: &mut String) {
        out.push_str(name);
        out.push('(');
        for (i, arg) in args.into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.expr(arg, out);
        }
        out.push(')');
    }

    /// The meaning of a KPI: its groups, value, unit, target and warn level.
    pub fn kpi(&self, kpi: &Kpi) -> String {
        let mut out = String::new();
        out.push_str("for");
        for group in &kpi.groups {
            match group {
                KpiGroup::Population => out.push_str(" population"),
                KpiGroup::Segment(id) => {
                    let _ = write!(out, " segment#{}", self.digest_of(DefId::Segment(*id)));
                }
                KpiGroup::Tier { tiers, tier } => {
                    let _ = write!(
                        out,
                        " tiers#{}:{tier}",
                        self.digest_of(DefId::Tiers(*tiers))
                    );
                }
            }
        }
        out.push_str(" value ");
        self.kpi_expr(&kpi.value, &mut out);
        let _ = write!(out, " unit {:?}", kpi.unit);
        for target in &kpi.targets {
            let _ = write!(out, " target {:?} {:?}", target.goal, target.deadline);
        }
        let _ = write!(out, " warn {:?}", kpi.warn);
        if let Some(frozen) = &kpi.frozen {
            let _ = write!(out, " frozen {:?}", frozen.folder);
        }
        if let Some(readout) = &kpi.readout {
            let _ = write!(
                out,
                " readout vs {} {:?} detect {:?}",
                readout.control, readout.test, readout.detect
            );
        }
        out
    }

    fn kpi_expr(&self, e: &KpiExpr, out: &mut String) {
        match &e.kind {
            KpiExprKind::Number(x) => {
                let _ = write!(out, "{x}");
            }
            KpiExprKind::Measure(m) => {
                let _ = write!(out, "{:?}(", m.function);
                if let Some(value) = &m.value {
                    self.expr(value, out);
                }
                if let Some(filter) = &m.filter {
                    out.push_str(" where ");
                    self.expr(filter, out);
                }
                out.push(')');
            }
            KpiExprKind::Neg(x) => {
                out.push_str("neg(");
                self.kpi_expr(x, out);
                out.push(')');
            }
            KpiExprKind::Binary { op, lhs, rhs } => {
                let _ = write!(out, "{op:?}(");
                self.kpi_expr(lhs, out);
                out.push_str(", ");
                self.kpi_expr(rhs, out);
                out.push(')');
            }
        }
    }
}

fn literal(value: &Value, out: &mut String) {
    let _ = match value {
        Value::Int(i) => write!(out, "{i}"),
        // A float equal to an integer compares by value, not as written (`100.0` and `1e2`).
        Value::Float(x) => write!(out, "{x:?}f"),
        Value::String(s) => write!(out, "{s:?}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Null => write!(out, "null"),
        Value::Date(d) => write!(out, "@{d}"),
        Value::Timestamp(t) => write!(out, "@{t}"),
        Value::Duration(d) => write!(out, "{d:?}"),
    };
}
