//! `segc diff`: what a change of the rules does, from two checked versions of a rule file.
//!
//! [`compare`] matches the items of the two versions by kind and name: an item in one version
//! only is added or removed, unless the other version has one of the same kind with the same
//! meaning under another name (renamed). The meaning of a definition ([`canon`]) names no
//! definition, so a renamed `let` changes none of its users, and a changed one changes all of
//! them. For a changed segment, and for the arms of changed tiers, [`effect`] says whether the
//! change only widens or only narrows the members, when the checker's prover can show it. Pure:
//! the driver reads the versions (`driver::diff`), the CLI prints.

pub mod canon;
pub mod effect;
pub mod gate;
pub mod merge;
mod sources;
pub mod tally;
mod tiers;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::hir::{DefId, LetId, OutputId, Program, ScoreId, SegmentId, TiersId};
use canon::Canon;
pub use effect::Effect;
pub use sources::ColumnChange;

/// The kinds of item compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `source`
    Source,
    /// `population`
    Population,
    /// `let`
    Let,
    /// `segment`
    Segment,
    /// `score`
    Score,
    /// `tiers`
    Tiers,
    /// `split`
    Split,
    /// `kpi`
    Kpi,
}

impl Kind {
    /// The item's keyword.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Source => "source",
            Kind::Population => "population",
            Kind::Let => "let",
            Kind::Segment => "segment",
            Kind::Score => "score",
            Kind::Tiers => "tiers",
            Kind::Split => "split",
            Kind::Kpi => "kpi",
        }
    }
}

/// An item of a rule file (not of the files it imports), as written.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnItem {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Its text, comments inside it included.
    pub text: String,
}

/// One version of a rule file.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    /// The checked rules (with what the file imports).
    pub program: &'a Program,
    /// The file's own items, in order.
    pub items: &'a [OwnItem],
}

/// How an item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// The same meaning under another name.
    Renamed,
    /// Another meaning (or label) under the same name.
    Changed,
}

/// What changed in an arm of tiers (or a group of a split): the members it takes are those
/// of its condition that no arm before it takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmChange {
    /// The tier's name.
    pub tier: String,
    /// How it changed.
    pub status: Status,
    /// For a changed tier: what the change does to its members (`unknown` when it cannot be
    /// proven).
    pub effect: Option<Effect>,
}

/// One changed item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The item's kind.
    pub kind: Kind,
    /// Its name (the new one when renamed).
    pub name: String,
    /// How it changed.
    pub status: Status,
    /// Its old name, when renamed.
    pub old_name: Option<String>,
    /// The old text, when there is one.
    pub old: Option<String>,
    /// The new text, when there is one.
    pub new: Option<String>,
    /// For a changed segment: what the change does to its members.
    pub effect: Option<Effect>,
    /// The text is the same and the meaning is not: something it uses changed.
    pub uses_changed: bool,
    /// For a changed source: its columns that changed.
    pub columns: Vec<ColumnChange>,
    /// For changed tiers or split: the arms that changed.
    pub arms: Vec<ArmChange>,
}

impl Change {
    fn new(kind: Kind, name: &str, status: Status) -> Change {
        Change {
            kind,
            name: name.to_string(),
            status,
            old_name: None,
            old: None,
            new: None,
            effect: None,
            uses_changed: false,
            columns: Vec::new(),
            arms: Vec::new(),
        }
    }
}

/// One version with the meanings of its definitions, and its items and definitions by name
/// (a file of thousands of segments is compared without scanning them per item).
struct Side<'a> {
    version: Version<'a>,
    canon: Canon<'a>,
    items: HashMap<(Kind, &'a str), &'a OwnItem>,
    /// `let`s, segments, scores and tiers (under `Kind::Tiers`, splits too) by name.
    defs: HashMap<(Kind, &'a str), DefId>,
    outputs: HashSet<OutputId>,
}

impl<'a> Side<'a> {
    fn new(version: Version<'a>) -> Self {
        let program = version.program;
        let mut items = HashMap::new();
        for item in version.items {
            // The first of two items of the same name, as a search would find.
            items.entry((item.kind, item.name.as_str())).or_insert(item);
        }
        let mut defs = HashMap::new();
        let lets = program.lets.iter().enumerate();
        let lets = lets.map(|(i, l)| ((Kind::Let, l.name.as_str()), DefId::Let(LetId(i))));
        let segments = program.segments.iter().enumerate().map(|(i, s)| {
            (
                (Kind::Segment, s.name.as_str()),
                DefId::Segment(SegmentId(i)),
            )
        });
        let scores = program.scores.iter().enumerate();
        let scores =
            scores.map(|(i, s)| ((Kind::Score, s.name.as_str()), DefId::Score(ScoreId(i))));
        let tiers = program.tiers.iter().enumerate();
        let tiers = tiers.map(|(i, t)| ((Kind::Tiers, t.name.as_str()), DefId::Tiers(TiersId(i))));
        for (key, def) in lets.chain(segments).chain(scores).chain(tiers) {
            defs.entry(key).or_insert(def);
        }
        Side {
            version,
            canon: Canon::new(program),
            items,
            defs,
            outputs: program.outputs.iter().copied().collect(),
        }
    }

    fn item(&self, kind: Kind, name: &str) -> Option<&'a OwnItem> {
        self.items.get(&(kind, name)).copied()
    }

    /// The definition of an item, when it is one.
    fn def(&self, kind: Kind, name: &str) -> Option<DefId> {
        let kind = match kind {
            Kind::Split => Kind::Tiers,
            Kind::Source | Kind::Population | Kind::Kpi => return None,
            other => other,
        };
        self.defs.get(&(kind, name)).copied()
    }

    /// The meaning of an item and its label: equal for two items that select the same.
    fn meaning(&self, kind: Kind, name: &str) -> Option<(String, Option<String>)> {
        let program = self.version.program;
        match kind {
            Kind::Source => {
                let source = program.sources.iter().find(|s| s.name == name)?;
                let mut meaning = sources::meaning(program, source);
                if let Some(rows) = &source.filter {
                    meaning.push_str(" where ");
                    self.canon.expr(rows, &mut meaning);
                }
                Some((meaning, None))
            }
            Kind::Population => {
                let mut meaning = program.population().name.clone();
                if let Some(rows) = &program.population_filter {
                    meaning.push_str(" where ");
                    self.canon.expr(rows, &mut meaning);
                }
                Some((meaning, None))
            }
            Kind::Kpi => {
                let kpi = &program.kpis[program.kpi_named(name)?.0];
                Some((self.canon.kpi(kpi), kpi.label.clone()))
            }
            _ => {
                let def = self.def(kind, name)?;
                // An imported definition the importer does not use is not checked there (it
                // stands as `false`): its meaning is not known.
                let checked = |output: OutputId| self.outputs.contains(&output);
                let known = match def {
                    DefId::Segment(id) => checked(OutputId::Segment(id)),
                    DefId::Score(id) => checked(OutputId::Score(id)),
                    DefId::Tiers(id) => checked(OutputId::Tiers(id)),
                    DefId::Let(_) | DefId::Quantile(_) => true,
                };
                if !known {
                    return None;
                }
                let label = match def {
                    DefId::Let(id) => program.lets[id.0].label.clone(),
                    DefId::Segment(id) => program.segments[id.0].label.clone(),
                    DefId::Score(id) => program.scores[id.0].label.clone(),
                    DefId::Tiers(id) => program.tiers[id.0].label.clone(),
                    DefId::Quantile(_) => None,
                };
                let mut meaning = self.canon.definition(def);
                // Who is contacted, and how consent is checked, is part of what a segment
                // says, not of its members (so not of the digest its users see).
                if let DefId::Segment(id) = def {
                    for audience in program.audiences.iter().filter(|a| a.segment == id) {
                        let warn = if audience.warn { " else warn" } else { "" };
                        meaning.push_str(&format!(" audience {}{warn}", audience.channel.as_str()));
                    }
                }
                Some((meaning, label))
            }
        }
    }
}

/// The changes from `old` to `new` (`None`: the file is not in that version): the new
/// version's items in order, then the removed ones in their old order.
pub fn compare(old: Option<Version>, new: Option<Version>) -> Vec<Change> {
    let old = old.map(Side::new);
    let new = new.map(Side::new);
    let old_items = old.as_ref().map_or(&[][..], |s| s.version.items);
    let new_items = new.as_ref().map_or(&[][..], |s| s.version.items);
    // The items only in the old version, with their meanings: renamed when an item only in
    // the new version has the same.
    let in_new: HashSet<(Kind, &str)> = new_items
        .iter()
        .map(|n| (n.kind, n.name.as_str()))
        .collect();
    let mut removed: Vec<(&OwnItem, Option<String>)> = old_items
        .iter()
        .filter(|o| !in_new.contains(&(o.kind, o.name.as_str())))
        .map(|o| {
            (
                o,
                old.as_ref()
                    .and_then(|s| s.meaning(o.kind, &o.name))
                    .map(|m| m.0),
            )
        })
        .collect();
    let mut changes = Vec::new();
    if let Some(new) = &new {
        for item in new_items {
            let before = old
                .as_ref()
                .and_then(|o| Some((o, o.item(item.kind, &item.name)?)));
            match before {
                Some((old, before)) => changes.extend(changed(old, new, before, item)),
                None => changes.push(added(new, item, &mut removed)),
            }
        }
    }
    for (item, _) in removed {
        let mut change = Change::new(item.kind, &item.name, Status::Removed);
        change.old = Some(item.text.clone());
        changes.push(change);
    }
    changes
}

/// An item only in the new version: renamed from an item of `removed` of the same kind and
/// meaning (taken out of `removed`), else added.
fn added(new: &Side, item: &OwnItem, removed: &mut Vec<(&OwnItem, Option<String>)>) -> Change {
    let mut change = Change::new(item.kind, &item.name, Status::Added);
    change.new = Some(item.text.clone());
    let meaning = new.meaning(item.kind, &item.name).map(|m| m.0);
    let renamed = meaning.is_some().then(|| {
        removed
            .iter()
            .position(|(r, m)| r.kind == item.kind && *m == meaning)
    });
    if let Some(index) = renamed.flatten() {
        let (from, _) = removed.remove(index);
        change.status = Status::Renamed;
        change.old_name = Some(from.name.clone());
        change.old = Some(from.text.clone());
    }
    change
}

/// The change of an item in both versions, if its meaning or label changed.
fn changed(old: &Side, new: &Side, before: &OwnItem, after: &OwnItem) -> Option<Change> {
    let (kind, name) = (after.kind, &after.name);
    let was = old.meaning(kind, name);
    let is = new.meaning(kind, name);
    let texts_differ = squeezed(&before.text) != squeezed(&after.text);
    // Without both meanings (an imported definition the rules do not use), the texts tell.
    let known = was.is_some() && is.is_some();
    if known && was == is || !known && !texts_differ {
        return None;
    }
    let mut change = Change::new(kind, name, Status::Changed);
    change.old = Some(before.text.clone());
    change.new = Some(after.text.clone());
    let same_meaning = matches!((&was, &is), (Some(a), Some(b)) if a.0 == b.0);
    change.uses_changed = known && !same_meaning && !texts_differ;
    match kind {
        Kind::Segment => {
            change.effect = Some(match (same_meaning, known) {
                (true, _) => Effect::Same,
                (false, true) => segment_effect(old, new, name).unwrap_or(Effect::Unknown),
                (false, false) => Effect::Unknown,
            });
        }
        Kind::Tiers | Kind::Split if !known => {}
        Kind::Tiers | Kind::Split => change.arms = tiers::arm_changes(old, new, name),
        Kind::Source => {
            change.columns = sources::column_changes(old.version.program, new.version.program, name)
        }
        _ => {}
    }
    Some(change)
}

fn segment_effect(old: &Side, new: &Side, name: &str) -> Option<Effect> {
    let before = old.version.program.segment_named(name)?;
    let after = new.version.program.segment_named(name)?;
    Some(effect::of_conditions(
        (
            &old.canon,
            &old.version.program.segments[before.0].condition,
        ),
        (&new.canon, &new.version.program.segments[after.0].condition),
    ))
}

/// A text with its runs of white space made one space, to tell a change of layout from one
/// of content.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
