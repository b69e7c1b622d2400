//! Measuring extraction against gold annotations, by the rules of `ANNOTATION.md`.
//!
//! This is a faithful port of the referee (`eval/score.py`): names are compared after NFKC,
//! with white space and quotation marks removed; a predicted entity matches the gold entity
//! any of its names hits, once; `cooperatesWith` matches in either direction; the same fact
//! predicted twice counts once. Its figures must equal the referee's on the same files — a
//! test checks that. On top, it credits each rule with the true and false positives it
//! produced, which is what a rule author needs to see.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::graph::DocumentGraph;
use crate::ontology::{EntityType, Predicate};

const MARKS: &[char] = &[
    '“', '”', '‘', '’', '"', '\'', '《', '》', '「', '」', '『', '』', '〈', '〉', '<', '>',
];

/// The referee's name normalisation.
pub fn norm(name: &str) -> String {
    name.nfkc()
        .filter(|c| !c.is_whitespace() && !MARKS.contains(c))
        .collect()
}

#[derive(Debug, Deserialize)]
struct GoldFile {
    document: Option<String>,
    #[serde(default)]
    entities: Vec<GoldEntity>,
    #[serde(default)]
    relations: Vec<GoldRelation>,
}

#[derive(Debug, Deserialize)]
struct GoldEntity {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct GoldRelation {
    subject: String,
    predicate: String,
    object: String,
    #[serde(default)]
    implicit: bool,
}

/// A gold annotation, indexed.
#[derive(Debug)]
pub struct Gold {
    /// The annotated document's file name.
    pub document: String,
    entities: Vec<(String, EntityType)>,
    /// Every name (name and aliases) of each gold entity, as written.
    names: Vec<Vec<String>>,
    index: HashMap<String, usize>,
    relations: BTreeMap<(usize, Predicate, usize), bool>,
}

impl Gold {
    /// Loads and checks a gold file.
    pub fn load(path: &Path) -> Result<Gold> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |m: String| Error::BadInput {
            path: path.to_path_buf(),
            reason: m,
        };
        let g: GoldFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let mut index = HashMap::new();
        let mut entities = Vec::new();
        let mut names = Vec::new();
        for (i, e) in g.entities.iter().enumerate() {
            let kind: EntityType = e.kind.parse().map_err(bad)?;
            entities.push((e.name.clone(), kind));
            names.push(
                std::iter::once(e.name.clone())
                    .chain(e.aliases.iter().cloned())
                    .collect(),
            );
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                let k = norm(n);
                if let Some(&j) = index.get(&k) {
                    if j != i {
                        return Err(bad(format!("name {n:?} belongs to two gold entities")));
                    }
                }
                index.insert(k, i);
            }
        }
        let mut relations = BTreeMap::new();
        for r in &g.relations {
            let p: Predicate = r.predicate.parse().map_err(bad)?;
            let end = |n: &str| {
                index
                    .get(&norm(n))
                    .copied()
                    .ok_or_else(|| bad(format!("relation end {n:?} is no gold entity")))
            };
            relations.insert(key(end(&r.subject)?, p, end(&r.object)?), r.implicit);
        }
        let document = g.document.unwrap_or_else(|| {
            path.file_name()
                .map(|f| f.to_string_lossy().replace(".gold.json", ".txt"))
                .unwrap_or_default()
        });
        Ok(Gold {
            document,
            entities,
            names,
            index,
            relations,
        })
    }
}

fn key(s: usize, p: Predicate, o: usize) -> (usize, Predicate, usize) {
    if p.is_symmetric() && o < s {
        (o, p, s)
    } else {
        (s, p, o)
    }
}

/// True positives, predicted and gold counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl Counts {
    fn add(&mut self, tp: usize, predicted: usize, gold: usize) {
        self.tp += tp;
        self.predicted += predicted;
        self.gold += gold;
    }

    /// Precision, recall and F1, rounded to four places as the referee reports them.
    pub fn prf(&self) -> (f64, f64, f64) {
        let p = if self.predicted > 0 {
            self.tp as f64 / self.predicted as f64
        } else {
            0.0
        };
        let r = if self.gold > 0 {
            self.tp as f64 / self.gold as f64
        } else {
            0.0
        };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        let round4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
        (round4(p), round4(r), round4(f))
    }
}

/// True and false positives a rule produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct RuleCounts {
    pub tp: usize,
    pub fp: usize,
}

/// The score of one or more documents, with every error listed.
#[derive(Debug, Default)]
pub struct Score {
    pub entities_typed: Counts,
    pub entities_untyped: Counts,
    pub relations_all: Counts,
    pub relations_explicit: Counts,
    pub by_type: BTreeMap<String, Counts>,
    pub by_predicate: BTreeMap<String, Counts>,
    pub by_rule: BTreeMap<String, RuleCounts>,
    /// Per document: (document, missed entities, false entities, wrong types, missed relations, false relations).
    pub notes: Vec<Notes>,
}

/// The errors on one document.
#[derive(Debug, Default)]
pub struct Notes {
    pub document: String,
    pub missed_entities: Vec<String>,
    pub false_entities: Vec<String>,
    pub wrong_types: Vec<String>,
    pub missed_relations: Vec<String>,
    pub false_relations: Vec<String>,
}

impl Score {
    /// Scores one document's graph against its gold and adds the counts.
    /// With the document's `text`, every miss and false positive is listed with its sentence.
    pub fn add(&mut self, gold: &Gold, graph: &DocumentGraph, text: Option<&str>) {
        let quote =
            |s: Option<String>| s.map(|s| format!("  「{}」", clip(&s))).unwrap_or_default();
        let gold_sentence = |ends: &[usize]| -> String {
            let names: Vec<Vec<&str>> = ends
                .iter()
                .map(|&i| gold.names[i].iter().map(String::as_str).collect())
                .collect();
            quote(text.and_then(|t| sentence_naming(t, &names)))
        };
        let mut notes = Notes {
            document: gold.document.clone(),
            ..Notes::default()
        };
        let mut claimed: HashSet<usize> = HashSet::new();
        let mut mapping: Vec<Option<usize>> = vec![None; graph.entities.len()];
        let mut typed_tp = 0;
        let mut tp_by_type: HashMap<EntityType, usize> = HashMap::new();
        let mut pred_by_type: HashMap<EntityType, usize> = HashMap::new();
        for (i, e) in graph.entities.iter().enumerate() {
            *pred_by_type.entry(e.kind).or_default() += 1;
            let hit = std::iter::once(&e.name)
                .chain(&e.aliases)
                .find_map(|n| gold.index.get(&norm(n)).copied());
            let rules: Vec<&str> = e.mentions.iter().map(|m| m.rule.as_str()).collect();
            match hit {
                Some(h) if !claimed.contains(&h) => {
                    claimed.insert(h);
                    mapping[i] = Some(h);
                    let ok = gold.entities[h].1 == e.kind;
                    if ok {
                        typed_tp += 1;
                        *tp_by_type.entry(e.kind).or_default() += 1;
                    } else {
                        notes.wrong_types.push(format!(
                            "{} [{}] should be {}",
                            e.name, e.kind, gold.entities[h].1
                        ));
                    }
                    self.credit(&rules, ok);
                }
                other => {
                    let dup = if other.is_some() {
                        "  (duplicate of an entity already matched)"
                    } else {
                        ""
                    };
                    let at = e
                        .mentions
                        .first()
                        .and_then(|m| text.map(|t| sentence_at(t, m.start)));
                    notes
                        .false_entities
                        .push(format!("{} [{}]{dup}{}", e.name, e.kind, quote(at)));
                    self.credit(&rules, false);
                }
            }
        }
        for (i, (name, kind)) in gold.entities.iter().enumerate() {
            if !claimed.contains(&i) {
                notes
                    .missed_entities
                    .push(format!("{name} [{kind}]{}", gold_sentence(&[i])));
            }
        }
        let n_gold = gold.entities.len();
        self.entities_untyped
            .add(claimed.len(), graph.entities.len(), n_gold);
        self.entities_typed
            .add(typed_tp, graph.entities.len(), n_gold);
        let mut gold_by_type: HashMap<EntityType, usize> = HashMap::new();
        for (_, k) in &gold.entities {
            *gold_by_type.entry(*k).or_default() += 1;
        }
        for t in EntityType::ALL {
            let (tp, p, g) = (
                tp_by_type.get(t).copied().unwrap_or(0),
                pred_by_type.get(t).copied().unwrap_or(0),
                gold_by_type.get(t).copied().unwrap_or(0),
            );
            if p + g > 0 {
                self.by_type.entry(t.to_string()).or_default().add(tp, p, g);
            }
        }

        let mut seen: HashSet<(usize, Predicate, usize)> = HashSet::new();
        let mut unmatched = 0;
        let mut pred_by_pred: HashMap<Predicate, usize> = HashMap::new();
        let mut tp_by_pred: HashMap<Predicate, usize> = HashMap::new();
        for r in &graph.relations {
            let rules: Vec<&str> = r.evidence.iter().map(|e| e.rule.as_str()).collect();
            let (Some(s), Some(o)) = (mapping[r.subject], mapping[r.object]) else {
                unmatched += 1;
                *pred_by_pred.entry(r.predicate).or_default() += 1;
                notes.false_relations.push(format!(
                    "{} {} {}  (an end is no gold entity){}",
                    graph.entities[r.subject].name,
                    r.predicate,
                    graph.entities[r.object].name,
                    quote(r.evidence.first().map(|e| e.text.clone()))
                ));
                self.credit(&rules, false);
                continue;
            };
            let k = key(s, r.predicate, o);
            if !seen.insert(k) {
                continue;
            }
            *pred_by_pred.entry(r.predicate).or_default() += 1;
            let ok = gold.relations.contains_key(&k);
            if ok {
                *tp_by_pred.entry(r.predicate).or_default() += 1;
            } else {
                notes.false_relations.push(format!(
                    "{} {} {}{}",
                    gold.entities[s].0,
                    r.predicate,
                    gold.entities[o].0,
                    quote(r.evidence.first().map(|e| e.text.clone()))
                ));
            }
            self.credit(&rules, ok);
        }
        let found: HashSet<&(usize, Predicate, usize)> = seen
            .iter()
            .filter(|k| gold.relations.contains_key(k))
            .collect();
        let npred = seen.len() + unmatched;
        self.relations_all
            .add(found.len(), npred, gold.relations.len());
        let found_implicit = found.iter().filter(|k| gold.relations[k]).count();
        let explicit_gold = gold.relations.values().filter(|i| !**i).count();
        self.relations_explicit.add(
            found.len() - found_implicit,
            npred - found_implicit,
            explicit_gold,
        );
        let mut gold_by_pred: HashMap<Predicate, usize> = HashMap::new();
        for (&(s, p, o), &implicit) in &gold.relations {
            *gold_by_pred.entry(p).or_default() += 1;
            if !found.contains(&(s, p, o)) {
                notes.missed_relations.push(format!(
                    "{} {} {}{}{}",
                    gold.entities[s].0,
                    p,
                    gold.entities[o].0,
                    if implicit { "  (implicit)" } else { "" },
                    gold_sentence(&if implicit { vec![o] } else { vec![s, o] })
                ));
            }
        }
        for p in Predicate::ALL {
            let (tp, n, g) = (
                tp_by_pred.get(p).copied().unwrap_or(0),
                pred_by_pred.get(p).copied().unwrap_or(0),
                gold_by_pred.get(p).copied().unwrap_or(0),
            );
            if n + g > 0 {
                self.by_predicate
                    .entry(p.to_string())
                    .or_default()
                    .add(tp, n, g);
            }
        }
        self.notes.push(notes);
    }

    fn credit(&mut self, rules: &[&str], ok: bool) {
        let mut uniq: Vec<&str> = rules.iter().map(|r| rule_family(r)).collect();
        uniq.sort_unstable();
        uniq.dedup();
        for r in uniq {
            let c = self.by_rule.entry(r.to_owned()).or_default();
            if ok {
                c.tp += 1;
            } else {
                c.fp += 1;
            }
        }
    }
}

/// The sentence (between 。！？；or line ends) around code-point offset `at`.
fn sentence_at(text: &str, at: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at.min(chars.len());
    let end_of = |c: char| "。！？；\n".contains(c);
    let start = chars[..at]
        .iter()
        .rposition(|&c| end_of(c))
        .map_or(0, |i| i + 1);
    let end = chars[at..]
        .iter()
        .position(|&c| end_of(c))
        .map_or(chars.len(), |i| at + i + 1);
    chars[start..end]
        .iter()
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The first sentence that names every one of the entities (each by any of its names).
fn sentence_naming(text: &str, entities: &[Vec<&str>]) -> Option<String> {
    text.split_inclusive(['。', '！', '？', '；', '\n'])
        .find(|s| {
            entities
                .iter()
                .all(|names| names.iter().any(|n| !n.is_empty() && s.contains(n)))
        })
        .map(|s| s.trim().to_owned())
}

fn clip(s: &str) -> String {
    let flat: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    if flat.chars().count() > 90 {
        format!("{}…", flat.chars().take(89).collect::<String>())
    } else {
        flat
    }
}

/// Lexicon rules are credited per file, not per line.
fn rule_family(rule: &str) -> &str {
    let r = rule.strip_prefix("nested:").unwrap_or(rule);
    match r.strip_prefix("lexicon:") {
        Some(rest) => {
            let end = rest.find(':').map_or(r.len(), |i| "lexicon:".len() + i);
            &r[..end]
        }
        None => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_the_referee() {
        assert_eq!(norm("“京校十条”"), "京校十条");
        assert_eq!(
            norm("中国（上海）自由贸易试验区"),
            "中国(上海)自由贸易试验区"
        );
        assert_eq!(norm("１+６ 政策"), "1+6政策");
    }

    #[test]
    fn lexicon_rules_are_grouped_by_file() {
        assert_eq!(
            rule_family("lexicon:universities.tsv:12"),
            "lexicon:universities.tsv"
        );
        assert_eq!(
            rule_family("nested:lexicon:government.tsv:3"),
            "lexicon:government.tsv"
        );
        assert_eq!(rule_family("head.platform"), "head.platform");
    }
}
