//! A small, conservative reasoning about conditions, to find tiers that can never be chosen.
//!
//! A condition is read as a conjunction of facts about single values (`x >= 3`, `status in [..]`,
//! `flag`, `not flag`). Atoms it cannot read are ignored on the side being proven (which only
//! weakens it) and block a proof on the side being implied, so every claim is sound: a tier is
//! reported only when an earlier tier provably takes all its members, or its own facts contradict.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::BinaryOp;
use crate::hir::{Expr, ExprKind, Value};
use crate::span::Span;

/// What a value is known to be when a condition holds.
#[derive(Debug, Clone, PartialEq)]
enum Fact {
    /// Within bounds: `(value, inclusive)`.
    Range {
        low: Option<(f64, bool)>,
        high: Option<(f64, bool)>,
    },
    /// One of these texts.
    OneOf(BTreeSet<String>),
    /// None of these texts.
    NoneOf(BTreeSet<String>),
    /// This boolean.
    Is(bool),
}

/// The facts of a condition: per value (keyed by its debug form), and whether all was understood.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Facts {
    known: BTreeMap<String, Fact>,
    complete: bool,
    contradiction: bool,
}

/// Why a tier is never chosen.
pub(super) enum Verdict {
    /// Its condition can never hold.
    Impossible,
    /// An earlier tier (name, span) takes all its members.
    CoveredBy(String, Span),
}

impl Facts {
    /// Reads the facts of `condition`.
    pub(super) fn of(condition: &Expr) -> Facts {
        Facts::keyed(condition, &value_key)
    }

    /// The facts of a conjunction of `atoms`, naming the values they test by `key`.
    fn of_atoms(atoms: &[&Expr], key: &Keyer<'_>) -> Facts {
        let mut facts = Facts {
            known: BTreeMap::new(),
            complete: true,
            contradiction: false,
        };
        for atom in atoms {
            facts.conjoin(Facts::keyed(atom, key));
        }
        facts
    }

    /// Adds the facts of `other` (a conjunction with it: complete when both are).
    fn conjoin(&mut self, other: Facts) {
        self.complete &= other.complete;
        self.contradiction |= other.contradiction;
        for (name, fact) in other.known {
            self.add(name, fact);
        }
    }

    /// Reads the facts of `condition`, naming the values its atoms test by `key`.
    fn keyed(condition: &Expr, key: &Keyer<'_>) -> Facts {
        let mut facts = Facts {
            known: BTreeMap::new(),
            complete: true,
            contradiction: false,
        };
        let mut stack = vec![condition];
        while let Some(e) = stack.pop() {
            if let ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } = &e.kind
            {
                stack.extend([&**lhs, &**rhs]);
                continue;
            }
            match atom(e, key) {
                Some((name, fact)) => facts.add(name, fact),
                None => facts.complete = false,
            }
        }
        facts
    }

    /// Whether the condition's facts contradict each other: it can never hold.
    pub(super) fn is_impossible(&self) -> bool {
        self.contradiction
    }

    fn add(&mut self, key: String, fact: Fact) {
        let merged = match self.known.remove(&key) {
            None => Some(fact),
            Some(old) => {
                // Two unrelated facts keep the first: no longer all that is known.
                let text = |f: &Fact| matches!(f, Fact::OneOf(_) | Fact::NoneOf(_));
                let same = std::mem::discriminant(&old) == std::mem::discriminant(&fact);
                let related = same || (text(&old) && text(&fact));
                if !related {
                    self.complete = false;
                }
                intersect(old, fact)
            }
        };
        match merged {
            Some(f) => {
                if is_empty(&f) {
                    self.contradiction = true;
                }
                self.known.insert(key, f);
            }
            None => self.contradiction = true,
        }
    }

    /// The segments the condition is a conjunction of (`clients and ...`): its members are
    /// members of each.
    pub(super) fn segments_within(&self) -> Vec<crate::hir::SegmentId> {
        self.known
            .iter()
            .filter(|(_, fact)| **fact == Fact::Is(true))
            .filter_map(|(key, _)| key.strip_prefix('s')?.parse().ok())
            .map(crate::hir::SegmentId)
            .collect()
    }

    /// Adds what is known of the members of another condition they all satisfy (a segment
    /// the condition requires): more is known, nothing is claimed that does not hold.
    pub(super) fn merge(&mut self, other: &Facts) {
        let complete = self.complete;
        for (key, fact) in &other.known {
            self.add(key.clone(), fact.clone());
        }
        self.contradiction |= other.contradiction;
        self.complete = complete;
    }

    /// The facts without the segments the condition requires, when it requires them only
    /// positively and all was understood (`None` otherwise): to be completed with the
    /// segments' own facts into what it takes to be a member.
    pub(super) fn without_segments(&self) -> Option<Facts> {
        if !self.complete {
            return None;
        }
        let mut rest = self.clone();
        for (key, fact) in &self.known {
            if key.starts_with('s') {
                if *fact != Fact::Is(true) {
                    return None;
                }
                rest.known.remove(key);
            }
        }
        Some(rest)
    }

    /// Both facts at once: all of `other` added, complete when both are.
    pub(super) fn and(&mut self, other: &Facts) {
        for (key, fact) in &other.known {
            self.add(key.clone(), fact.clone());
        }
        self.contradiction |= other.contradiction;
        self.complete &= other.complete;
    }

    /// Whether every member satisfying `self` also satisfies `other`.
    pub(super) fn implies(&self, other: &Facts) -> bool {
        other.complete
            && other
                .known
                .iter()
                .all(|(key, wanted)| self.known.get(key).is_some_and(|have| subset(have, wanted)))
    }
}

/// The tiers of `tiers` a member must be in for `condition` to hold (`lifecycle in ["vip",
/// "loyal"]`), when the condition is read as such a test.
pub(super) fn tiers_required(
    condition: &Expr,
    tiers: crate::hir::TiersId,
) -> Option<BTreeSet<String>> {
    match Facts::of(condition).known.get(&format!("t{}", tiers.0))? {
        Fact::OneOf(names) => Some(names.clone()),
        _ => None,
    }
}

/// The first reason why a tier with `facts` is never chosen after the `earlier` ones.
pub(super) fn first_covering(facts: &Facts, earlier: &[(String, Span, Facts)]) -> Option<Verdict> {
    if facts.contradiction {
        return Some(Verdict::Impossible);
    }
    earlier
        .iter()
        .find(|(_, _, e)| facts.implies(e))
        .map(|(name, span, _)| Verdict::CoveredBy(name.clone(), *span))
}

/// Names the value an expression reads, if it is one: two expressions with the same name
/// always have the same value.
pub type Keyer<'k> = dyn Fn(&Expr) -> Option<String> + 'k;

/// Whether every member for whom `premise` holds is proven to be one for whom `conclusion`
/// holds, the values each side's atoms test named by its key function (names shared by two
/// programs let a condition of one version of the rules be compared with the other's). Each
/// side is read as a disjunction of conjunctions of atoms: the premise's every disjunct must
/// imply some disjunct of the conclusion, or contradict itself.
pub fn proves_implication(premise: (&Expr, &Keyer<'_>), conclusion: (&Expr, &Keyer<'_>)) -> bool {
    let wanted: Vec<Facts> = disjuncts(conclusion.0)
        .iter()
        .map(|d| Facts::of_atoms(d, conclusion.1))
        .collect();
    disjuncts(premise.0).iter().all(|d| {
        let have = Facts::of_atoms(d, premise.1);
        have.contradiction || wanted.iter().any(|w| have.implies(w))
    })
}

/// The most disjuncts [`disjuncts`] spreads a condition into; beyond, the part that would
/// exceed it stays one atom (not understood, which only proves less).
const MAX_DISJUNCTS: usize = 64;

/// `condition` as a disjunction of conjunctions of atoms (`a and (b or c)` is `a and b` or
/// `a and c`: the same members, also with nulls, as `and` and `or` distribute in three-valued
/// logic).
fn disjuncts(condition: &Expr) -> Vec<Vec<&Expr>> {
    match &condition.kind {
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } => {
            let mut both = disjuncts(lhs);
            both.extend(disjuncts(rhs));
            if both.len() <= MAX_DISJUNCTS {
                both
            } else {
                vec![vec![condition]]
            }
        }
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            let (left, right) = (disjuncts(lhs), disjuncts(rhs));
            if left.len() * right.len() > MAX_DISJUNCTS {
                return vec![vec![condition]];
            }
            let mut product = Vec::with_capacity(left.len() * right.len());
            for l in &left {
                for r in &right {
                    product.push(l.iter().chain(r).copied().collect());
                }
            }
            product
        }
        _ => vec![vec![condition]],
    }
}

/// A key naming the value an expression reads (a column, `let`, aggregate...), if it is one.
fn value_key(e: &Expr) -> Option<String> {
    let (tag, id, column) = match &e.kind {
        ExprKind::Column { source, column } => ('c', source.0, Some(*column)),
        ExprKind::Lookup { path, column } => ('p', path.0, Some(*column)),
        ExprKind::Let(id) => ('l', id.0, None),
        ExprKind::Segment(id) => ('s', id.0, None),
        ExprKind::Score(id) => ('k', id.0, None),
        ExprKind::Tier(id) => ('t', id.0, None),
        ExprKind::Aggregate(id) => ('a', id.0, None),
        _ => return None,
    };
    // `c3:7` as `format!` writes it, digit by digit: `format!` was a third of reading a
    // segment's facts, which the lints do for every segment.
    let mut key = String::with_capacity(16);
    key.push(tag);
    push_decimal(&mut key, id);
    if let Some(column) = column {
        key.push(':');
        push_decimal(&mut key, column);
    }
    Some(key)
}

/// Appends `n` in decimal digits.
fn push_decimal(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|d| char::from(*d)));
}

fn number(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Literal(Value::Int(i)) => Some(*i as f64),
        ExprKind::Literal(Value::Float(x)) => Some(*x),
        ExprKind::Literal(Value::Date(d)) => Some(d.to_epoch_days() as f64),
        ExprKind::Neg(inner) => number(inner).map(|x| -x),
        _ => None,
    }
}

fn text(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn range(op: BinaryOp, c: f64) -> Option<Fact> {
    let (low, high) = match op {
        BinaryOp::Gt => (Some((c, false)), None),
        BinaryOp::GtEq => (Some((c, true)), None),
        BinaryOp::Lt => (None, Some((c, false))),
        BinaryOp::LtEq => (None, Some((c, true))),
        BinaryOp::Eq => (Some((c, true)), Some((c, true))),
        _ => return None,
    };
    Some(Fact::Range { low, high })
}

fn flip(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        other => other,
    }
}

/// One fact about one value, if `e` reads as one. "None of" the values of an enum is said as
/// "one of" the others, so that `status != "a" and status != "b"` is seen to exclude every value
/// of `enum("a", "b")`.
fn atom(e: &Expr, keyer: &Keyer<'_>) -> Option<(String, Fact)> {
    let (key, fact) = plain_atom(e, keyer)?;
    // The enum's values are only read (and copied) for a `NoneOf`.
    let fact = match fact {
        Fact::NoneOf(set) => match enum_domain(e, keyer) {
            Some(domain) => Fact::OneOf(domain.difference(&set).cloned().collect()),
            None => Fact::NoneOf(set),
        },
        fact => fact,
    };
    Some((key, fact))
}

/// The values of the enum an atom tests, if it tests one.
fn enum_domain(e: &Expr, keyer: &Keyer<'_>) -> Option<BTreeSet<String>> {
    let value = match &e.kind {
        ExprKind::Binary { lhs, rhs, .. } => {
            if keyer(lhs).is_some() {
                lhs
            } else {
                rhs
            }
        }
        ExprKind::InList { value, .. } => value,
        _ => return None,
    };
    match &value.ty {
        crate::types::Type::Enum(def) => Some(def.values.iter().cloned().collect()),
        _ => None,
    }
}

/// The negation of `condition` as a conjunction of atoms, when it is a disjunction of atoms over
/// values that are never null (with a null, neither a condition nor its negation holds).
pub fn negation(condition: &Expr) -> Option<Expr> {
    if condition.nullable {
        return None;
    }
    // Its type, nullability and span (not `..condition.clone()`, which would copy the whole tree).
    let negated = |kind: ExprKind| Expr {
        kind,
        ty: condition.ty.clone(),
        nullable: condition.nullable,
        span: condition.span,
    };
    Some(match &condition.kind {
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } => negated(ExprKind::Binary {
            op: BinaryOp::And,
            lhs: Box::new(negation(lhs)?),
            rhs: Box::new(negation(rhs)?),
        }),
        ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
            let op = match op {
                BinaryOp::Eq => BinaryOp::NotEq,
                BinaryOp::NotEq => BinaryOp::Eq,
                BinaryOp::Lt => BinaryOp::GtEq,
                BinaryOp::LtEq => BinaryOp::Gt,
                BinaryOp::Gt => BinaryOp::LtEq,
                BinaryOp::GtEq => BinaryOp::Lt,
                _ => return None,
            };
            negated(ExprKind::Binary {
                op,
                lhs: lhs.clone(),
                rhs: rhs.clone(),
            })
        }
        ExprKind::InList {
            value,
            list,
            negated: was,
        } => negated(ExprKind::InList {
            value: value.clone(),
            list: list.clone(),
            negated: !was,
        }),
        ExprKind::Not(inner) if value_key(inner).is_some() => (**inner).clone(),
        _ if value_key(condition).is_some() => negated(ExprKind::Not(Box::new(condition.clone()))),
        _ => return None,
    })
}

/// One fact about one value, if `e` reads as one.
fn plain_atom(e: &Expr, keyer: &Keyer<'_>) -> Option<(String, Fact)> {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
            let (key, op, other) = match (keyer(lhs), keyer(rhs)) {
                (Some(k), None) => (k, *op, &**rhs),
                (None, Some(k)) => (k, flip(*op), &**lhs),
                _ => return None,
            };
            if let Some(c) = number(other) {
                return range(op, c).map(|f| (key, f));
            }
            let t = text(other)?;
            let set = BTreeSet::from([t]);
            match op {
                BinaryOp::Eq => Some((key, Fact::OneOf(set))),
                BinaryOp::NotEq => Some((key, Fact::NoneOf(set))),
                _ => None,
            }
        }
        ExprKind::InList {
            value,
            list,
            negated,
        } => {
            let key = keyer(value)?;
            let set = list
                .iter()
                .map(text)
                .collect::<Option<BTreeSet<String>>>()?;
            Some((
                key,
                if *negated {
                    Fact::NoneOf(set)
                } else {
                    Fact::OneOf(set)
                },
            ))
        }
        ExprKind::Between {
            value,
            low,
            high,
            negated: false,
        } => Some((
            keyer(value)?,
            Fact::Range {
                low: Some((number(low)?, true)),
                high: Some((number(high)?, true)),
            },
        )),
        ExprKind::Not(inner) => Some((keyer(inner)?, Fact::Is(false))),
        _ => Some((keyer(e)?, Fact::Is(true))),
    }
}

fn tighter_low(a: Option<(f64, bool)>, b: Option<(f64, bool)>) -> Option<(f64, bool)> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x.0 > y.0 || (x.0 == y.0 && !x.1) => Some(x),
        (_, y) => y,
    }
}

fn tighter_high(a: Option<(f64, bool)>, b: Option<(f64, bool)>) -> Option<(f64, bool)> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x.0 < y.0 || (x.0 == y.0 && !x.1) => Some(x),
        (_, y) => y,
    }
}

/// Both facts at once; `None` when they cannot both hold. Unrelated kinds keep the first (a
/// weaker fact, so still sound).
fn intersect(a: Fact, b: Fact) -> Option<Fact> {
    Some(match (a, b) {
        (Fact::Range { low: l1, high: h1 }, Fact::Range { low: l2, high: h2 }) => Fact::Range {
            low: tighter_low(l1, l2),
            high: tighter_high(h1, h2),
        },
        (Fact::OneOf(x), Fact::OneOf(y)) => Fact::OneOf(x.intersection(&y).cloned().collect()),
        (Fact::OneOf(x), Fact::NoneOf(y)) | (Fact::NoneOf(y), Fact::OneOf(x)) => {
            Fact::OneOf(x.difference(&y).cloned().collect())
        }
        (Fact::NoneOf(x), Fact::NoneOf(y)) => Fact::NoneOf(x.union(&y).cloned().collect()),
        (Fact::Is(x), Fact::Is(y)) if x != y => return None,
        (a, _) => a,
    })
}

fn is_empty(f: &Fact) -> bool {
    match f {
        Fact::Range {
            low: Some((l, li)),
            high: Some((h, hi)),
        } => l > h || (l == h && !(*li && *hi)),
        Fact::OneOf(set) => set.is_empty(),
        _ => false,
    }
}

/// Whether every value satisfying `have` satisfies `wanted`.
fn subset(have: &Fact, wanted: &Fact) -> bool {
    match (have, wanted) {
        (Fact::Range { low: l1, high: h1 }, Fact::Range { low: l2, high: h2 }) => {
            let low_ok = match (l1, l2) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some((a, ai)), Some((b, bi))) => a > b || (a == b && (*bi || !ai)),
            };
            let high_ok = match (h1, h2) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some((a, ai)), Some((b, bi))) => a < b || (a == b && (*bi || !ai)),
            };
            low_ok && high_ok
        }
        (Fact::OneOf(x), Fact::OneOf(y)) => x.is_subset(y),
        (Fact::OneOf(x), Fact::NoneOf(y)) => x.is_disjoint(y),
        (Fact::NoneOf(x), Fact::NoneOf(y)) => y.is_subset(x),
        (Fact::Is(x), Fact::Is(y)) => x == y,
        _ => false,
    }
}

/// The values a never-null value can take, when they are few.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Domain {
    /// `true` and `false`.
    Bool,
    /// The values of an enum.
    Texts(Vec<String>),
    /// The integers `low..=high` (quantile groups).
    Ints(i64, i64),
}

impl Domain {
    fn size(&self) -> usize {
        match self {
            Domain::Bool => 2,
            Domain::Texts(values) => values.len(),
            Domain::Ints(low, high) => usize::try_from(high - low + 1).unwrap_or(0),
        }
    }

    fn value(&self, i: usize) -> Sample {
        match self {
            Domain::Bool => Sample::Bool(i == 1),
            Domain::Texts(values) => Sample::Text(values[i].clone()),
            Domain::Ints(low, _) => Sample::Number(*low as f64 + i as f64),
        }
    }
}

/// One value of a [`Domain`].
#[derive(Debug, Clone, PartialEq)]
enum Sample {
    Bool(bool),
    Text(String),
    Number(f64),
}

impl Fact {
    fn holds(&self, sample: &Sample) -> bool {
        match (self, sample) {
            (Fact::Range { low, high }, Sample::Number(x)) => {
                low.is_none_or(|(l, inclusive)| *x > l || (inclusive && *x == l))
                    && high.is_none_or(|(h, inclusive)| *x < h || (inclusive && *x == h))
            }
            (Fact::OneOf(set), Sample::Text(t)) => set.contains(t),
            (Fact::NoneOf(set), Sample::Text(t)) => !set.contains(t),
            (Fact::Is(b), Sample::Bool(x)) => b == x,
            _ => false,
        }
    }
}

/// Records the domain of each value the atoms of `condition` (a conjunction) test, as
/// `domain_of` finds it (`None`: unknown, many or nullable).
pub(super) fn note_domains(
    condition: &Expr,
    domain_of: &dyn Fn(&Expr) -> Option<Domain>,
    domains: &mut BTreeMap<String, Option<Domain>>,
) {
    let mut stack = vec![condition];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => stack.extend([&**lhs, &**rhs]),
            ExprKind::Binary { lhs, rhs, .. } => {
                for side in [lhs, rhs] {
                    if let Some(key) = value_key(side) {
                        domains.entry(key).or_insert_with(|| domain_of(side));
                    }
                }
            }
            ExprKind::InList { value, .. } | ExprKind::Between { value, .. } => {
                if let Some(key) = value_key(value) {
                    domains.entry(key).or_insert_with(|| domain_of(value));
                }
            }
            ExprKind::Not(inner) => stack.push(inner),
            _ => {
                if let Some(key) = value_key(e) {
                    domains.entry(key).or_insert_with(|| domain_of(e));
                }
            }
        }
    }
}

/// The most (combination of values, arm) pairs [`covers_everything`] tries: a 125-arm RFM map
/// over three quintiles is 15,625; beyond this bound the warning stays.
const MAX_TRIES: usize = 1_000_000;

/// Whether some arm holds for every combination of the values the arms test: proven only when
/// each arm is fully understood and every value it tests is never null with a small domain
/// (booleans, enums, quantile groups). Arms not understood are left out, which only weakens the
/// proof.
pub(super) fn covers_everything(
    arms: &[(String, Span, Facts)],
    domains: &BTreeMap<String, Option<Domain>>,
) -> bool {
    let arms: Vec<&Facts> = arms
        .iter()
        .map(|(_, _, f)| f)
        .filter(|f| f.complete && !f.contradiction)
        .collect();
    let keys: BTreeSet<&String> = arms.iter().flat_map(|f| f.known.keys()).collect();
    let mut values: Vec<(&String, &Domain)> = Vec::with_capacity(keys.len());
    for key in keys {
        match domains.get(key) {
            Some(Some(domain)) => values.push((key, domain)),
            _ => return false,
        }
    }
    let combinations = values
        .iter()
        .try_fold(1usize, |n, (_, d)| n.checked_mul(d.size()));
    let tries = combinations.and_then(|n| n.checked_mul(arms.len()));
    if arms.is_empty() || tries.is_none_or(|n| n == 0 || n > MAX_TRIES) {
        return false;
    }
    let mut digits = vec![0usize; values.len()];
    loop {
        let sample: BTreeMap<&String, Sample> = values
            .iter()
            .zip(&digits)
            .map(|((key, domain), i)| (*key, domain.value(*i)))
            .collect();
        let covered = arms.iter().any(|facts| {
            facts
                .known
                .iter()
                .all(|(key, fact)| sample.get(key).is_some_and(|s| fact.holds(s)))
        });
        if !covered {
            return false;
        }
        // The next combination, like an odometer.
        let mut position = 0;
        loop {
            let Some((_, domain)) = values.get(position) else {
                return true;
            };
            digits[position] += 1;
            if digits[position] < domain.size() {
                break;
            }
            digits[position] = 0;
            position += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_keys_are_written_as_format_writes_them() {
        for n in [0, 7, 10, 99, 100, 12_345, usize::MAX] {
            let mut written = String::new();
            super::push_decimal(&mut written, n);
            assert_eq!(written, n.to_string());
        }
    }
}
