//! Stage 6 — relations: what the sentences state about the entities.
//!
//! A relation needs a trigger in its sentence (依托, 落地, 设立 …): precision first, so
//! co-occurrence alone states nothing. Each rule says where its two ends are found relative
//! to the trigger — left or right, the nearest entity, a coordinated list, or every entity
//! of the allowed types in the clause — and whether an end the sentence leaves out is the
//! document's main subject (Chinese reports drop the actor: "联合北京市科委推动…"; such
//! relations are marked implicit). Two more kinds of evidence need no trigger word: a table
//! whose header names the roles of its columns (指导部门 | 改革举措), and a name that contains
//! its parent's (中科大北京研究院 → 中国科学技术大学).

use foldhash::{HashSet, HashSetExt};
use std::cell::OnceCell;
use std::collections::BTreeMap;

use crate::entity::Entities;
use crate::knowledge::{Knowledge, RelationRule, Side, SideRule, Take};
use crate::mention::Mention;
use crate::ontology::{EntityType, Predicate};
use crate::sentence::Sentence;

/// Why a relation is believed: one sentence and the rule that read it there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Evidence {
    pub sentence: usize,
    /// Clean-text byte range of the trigger word, if the rule has one.
    pub trigger: Option<(usize, usize)>,
    pub rule: String,
    /// An end of the relation was filled by the main subject.
    pub implicit: bool,
}

/// A directed relation between two entities of a document.
#[derive(Debug, Clone)]
pub struct Relation {
    pub subject: usize,
    pub predicate: Predicate,
    pub object: usize,
    /// True when no evidence names both ends explicitly.
    pub implicit: bool,
    pub evidence: Vec<Evidence>,
}

/// Finds the relations of one document.
pub fn find(
    text: &str,
    sentences: &[Sentence],
    mentions: &[Mention],
    entities: &Entities,
    k: &Knowledge,
) -> Vec<Relation> {
    let mut found: BTreeMap<(usize, Predicate, usize), Relation> = BTreeMap::new();
    // Evidence already recorded, so that a relation stated thousands of times (a long
    // document) is checked in constant time, not against its whole list.
    let mut seen: HashSet<(usize, Predicate, usize, Evidence)> = HashSet::new();
    let mut add = |s: usize, p: Predicate, o: usize, ev: Evidence| {
        if s == o {
            return;
        }
        let (s, o) = if p.is_symmetric() && o < s {
            (o, s)
        } else {
            (s, o)
        };
        let r = found.entry((s, p, o)).or_insert_with(|| Relation {
            subject: s,
            predicate: p,
            object: o,
            implicit: true,
            evidence: Vec::new(),
        });
        r.implicit &= ev.implicit;
        if seen.insert((s, p, o, ev.clone())) {
            r.evidence.push(ev);
        }
    };
    // Mentions per sentence, in order; nested ones are parts of names, not relation ends.
    let mut by_sentence: Vec<Vec<usize>> = vec![Vec::new(); sentences.len()];
    for (i, m) in mentions.iter().enumerate() {
        if !m.rule.starts_with("nested:") && m.sentence < by_sentence.len() {
            by_sentence[m.sentence].push(i);
        }
    }
    for list in &mut by_sentence {
        list.sort_by_key(|&i| mentions[i].start);
    }
    let rr = &k.relations;
    let mut hits: Vec<(usize, usize, usize)> = Vec::new();
    // Whether the paragraph of the sentence starts with a generic actor, and how far the
    // text has been searched for the line break that starts a paragraph.
    let (mut generic_actor, mut searched) = (false, 0);
    for s in sentences {
        let paragraph = text[searched..s.start]
            .rfind('\n')
            .map(|i| searched + i + 1);
        if let Some(start) = paragraph.or((s.index == 0).then_some(0)) {
            let head = text[start..].trim_start();
            generic_actor = rr
                .generic_actors
                .iter()
                .any(|w| head.starts_with(w.as_str()));
        }
        searched = s.start;
        let stext = &text[s.start..s.end];
        let ms = &by_sentence[s.index];
        if ms.is_empty() {
            // Each side takes its ends from the sentence's mentions, or else the main
            // subject, which cannot stand on both (no self-relations): nothing to find.
            continue;
        }
        // The sentence's triggers that are not part of a name: (pattern, start, end).
        hits.clear();
        hits.extend(
            rr.triggers
                .find_iter(stext)
                .map(|h| {
                    (
                        h.pattern().as_usize(),
                        s.start + h.start(),
                        s.start + h.end(),
                    )
                })
                .filter(|&(_, ts, te)| {
                    !ms.iter().any(|&i| {
                        let m = &mentions[i];
                        // A trigger that begins a name is part of it too (联合 of 联合国…),
                        // except where titles begin with it (关于…的通知 is read from its 关于).
                        (m.start < ts || (m.start == ts && m.kind != EntityType::Policy))
                            && te <= m.end
                    })
                }),
        );
        for (n, &(pattern, ts, te)) in hits.iter().enumerate() {
            let ctx = TriggerCtx {
                text,
                s,
                ts,
                te,
                ms,
                mentions,
                entities,
                k,
                generic_actor,
                earlier: &hits[..n],
                clause: OnceCell::new(),
            };
            // Each rule's ends first: a rule that states a relation here may override others.
            let read: Vec<(&RelationRule, Ends, Ends)> = rr.trigger_rules[pattern]
                .iter()
                .map(|&ri| &rr.rules[ri])
                .filter(|rule| {
                    let after = &text[te..s.end];
                    !rule
                        .not_followed_by
                        .iter()
                        .any(|w| after.starts_with(w.as_str()))
                        && (rule.followed_by.is_empty()
                            || after
                                .chars()
                                .next()
                                .is_none_or(|c| rr.clause_breaks.contains(c))
                            || rule
                                .followed_by
                                .iter()
                                .any(|w| after.starts_with(w.as_str())))
                })
                .map(|rule| {
                    (
                        rule,
                        ctx.side(&rule.subject, rule),
                        ctx.side(&rule.object, rule),
                    )
                })
                .collect();
            let overridden = |id: &str| {
                read.iter().any(|(rule, subjects, objects)| {
                    rule.overrides.iter().any(|o| o == id)
                        && subjects
                            .iter()
                            .any(|&(se, _)| objects.iter().any(|&(oe, _)| oe != se))
                })
            };
            for (rule, subjects, objects) in &read {
                if overridden(&rule.id) {
                    continue;
                }
                // A、B与C合作: when the subject is one of the partners listed, those before
                // the word that joins the sides work with those after it.
                let sides = (rule.predicate.is_symmetric()
                    && objects.len() > 1
                    && subjects.iter().all(|s| objects.contains(s)))
                .then(|| ctx.partner_sides(objects))
                .flatten();
                let (subjects, objects) = match &sides {
                    Some((before, after)) => (before, after),
                    None => (subjects, objects),
                };
                for &(se, si) in subjects {
                    for &(oe, oi) in objects {
                        for p in std::iter::once(rule.predicate).chain(rule.also.iter().copied()) {
                            add(
                                se,
                                p,
                                oe,
                                Evidence {
                                    sentence: s.index,
                                    trigger: Some((ts, te)),
                                    rule: rule.id.clone(),
                                    implicit: si || oi,
                                },
                            );
                        }
                    }
                }
            }
        }
    }
    tables(
        text,
        sentences,
        &by_sentence,
        mentions,
        entities,
        k,
        &mut add,
    );
    for c in &entities.containments {
        let (child, parent) = (&entities.entities[c.child], &entities.entities[c.parent]);
        for rule in &rr.containment {
            let opens = || {
                std::iter::once(&parent.name)
                    .chain(&parent.aliases)
                    .filter_map(|n| child.name.strip_prefix(n.as_str()))
                    .any(|rest| rule.opening.iter().any(|w| rest.starts_with(w.as_str())))
            };
            if rule.child_types.contains(&child.kind)
                && rule.parent_types.contains(&parent.kind)
                && (rule.opening.is_empty() || opens())
            {
                let sentence = child.mentions.first().map_or(0, |&m| mentions[m].sentence);
                add(
                    c.child,
                    rule.predicate,
                    c.parent,
                    Evidence {
                        sentence,
                        trigger: None,
                        rule: rule.id.clone(),
                        implicit: false,
                    },
                );
            }
        }
    }
    found.into_values().collect()
}

/// The entities found at one end of a rule, each with whether it is the implicit main subject.
type Ends = Vec<(usize, bool)>;

struct TriggerCtx<'a> {
    text: &'a str,
    s: &'a Sentence,
    ts: usize,
    te: usize,
    ms: &'a [usize],
    mentions: &'a [Mention],
    entities: &'a Entities,
    k: &'a Knowledge,
    /// The paragraph's actor is every one of a kind (各地区、各部门要…): no main subject.
    generic_actor: bool,
    /// The sentence's triggers before this one: (pattern, start, end).
    earlier: &'a [(usize, usize, usize)],
    /// The clause around the trigger, found once for all the trigger's rules and sides.
    clause: OnceCell<(usize, usize)>,
}

impl TriggerCtx<'_> {
    fn is_break(&self, c: char) -> bool {
        self.k.relations.clause_breaks.contains(c)
    }

    /// Whether clean byte `at` lies inside a name (brackets in 莱克电气绿能科技（苏州）有限公司
    /// are no clause breaks).
    fn inside_name(&self, at: usize) -> bool {
        self.ms
            .iter()
            .any(|&i| self.mentions[i].start < at && at < self.mentions[i].end)
    }

    /// The clause around the trigger: `[start, end)` in clean bytes.
    fn clause(&self) -> (usize, usize) {
        *self.clause.get_or_init(|| self.find_clause())
    }

    fn find_clause(&self) -> (usize, usize) {
        let before = &self.text[self.s.start..self.ts];
        let start = before
            .char_indices()
            .rev()
            .find(|&(i, c)| self.is_break(c) && !self.inside_name(self.s.start + i))
            .map_or(self.s.start, |(i, c)| self.s.start + i + c.len_utf8());
        let after = &self.text[self.te..self.s.end];
        let end = after
            .char_indices()
            .find(|&(i, c)| self.is_break(c) && !self.inside_name(self.te + i))
            .map_or(self.s.end, |(i, _)| self.te + i);
        (start, end)
    }

    fn after_non_actor_marker(&self, i: usize) -> bool {
        let before = &self.text[self.s.start..self.mentions[i].start];
        self.k
            .relations
            .non_actor_markers
            .iter()
            .any(|m| before.ends_with(m.as_str()))
    }

    /// Whether nothing but a clause break, list glue, a closing quote or the sentence's end
    /// follows mention `i`: otherwise it modifies the words after it.
    fn ends_a_phrase(&self, i: usize) -> bool {
        // What follows the closing marks: 建设“一体三园”为核心的… names no 一体三园 built.
        let rest = self.text[self.mentions[i].end..self.s.end]
            .trim_start_matches(['”', '’', '」', '』', '》', '）', ')']);
        match rest.chars().next() {
            None => true,
            Some(c) => {
                self.is_break(c)
                    || self
                        .k
                        .relations
                        .list_glue
                        .iter()
                        .any(|g| rest.starts_with(g.as_str()))
            }
        }
    }

    fn chars_between(&self, a: usize, b: usize) -> usize {
        if b <= a {
            0
        } else {
            self.text[a..b].chars().count()
        }
    }

    /// The entities on one side of the trigger, each with whether it is the implicit main subject.
    fn side(&self, side: &SideRule, rule: &RelationRule) -> Vec<(usize, bool)> {
        let (cs, ce) = match side.scope {
            crate::knowledge::Scope::Clause => self.clause(),
            crate::knowledge::Scope::Sentence => (self.s.start, self.s.end),
        };
        let window = side.window.unwrap_or(rule.window);
        let entity = |i: usize| self.entities.of_mention[i];
        let allowed = |i: usize| {
            let e = &self.entities.entities[entity(i)];
            side.types.contains(&e.kind)
                && !side
                    .not_endings
                    .iter()
                    .any(|w| e.name.ends_with(w.as_str()))
                && (side.not_after.is_empty() || !self.listed_after(&side.not_after, i))
                && (side.after.is_empty() || self.listed_after(&side.after, i))
                && (side.before.is_empty() || self.followed_in_clause(&side.before, i))
        };
        let picked: Vec<usize> = match side.side {
            Side::Left => {
                // In a rule that reads X trigger Y, what follows an earlier trigger of it
                // is that one's Y (A建设B，组建C: B did not set up C).
                let other = if std::ptr::eq(side, &rule.subject) {
                    &rule.object
                } else {
                    &rule.subject
                };
                let theirs: Vec<usize> = match other.side {
                    Side::Right => self.earlier_ends(rule, other, cs),
                    Side::Left => Vec::new(),
                };
                let cands: Vec<usize> = self
                    .ms
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let m = &self.mentions[i];
                        m.end <= self.ts
                            && m.start >= cs
                            && !theirs.contains(&entity(i))
                            && (!side.standalone || self.ends_a_phrase(i))
                            // An actor end (one the main subject would fill) is no place
                            // or target: skip entities introduced by 在, 向 ….
                            && !(side.main_fallback && self.after_non_actor_marker(i))
                    })
                    .collect();
                let near = |i: usize| self.chars_between(self.mentions[i].end, self.ts) <= window;
                // With no_skip, the nearest that could act (one after 在, 于 … is a place or a
                // target) must be allowed.
                let skips = || {
                    cands
                        .iter()
                        .rev()
                        .find(|&&i| !self.after_non_actor_marker(i))
                        .is_some_and(|&i| !allowed(i))
                };
                if side.no_skip && skips() {
                    Vec::new()
                } else {
                    self.take(&cands, side.take, true, &allowed, &near)
                }
            }
            Side::Right => {
                // Where ends may start, and where their distance is counted from.
                let (open, from) = if side.past.is_empty() {
                    (self.ts, self.te)
                } else {
                    let past = self.past(&side.past, ce).unwrap_or(usize::MAX);
                    (past, past)
                };
                let cands: Vec<usize> = self
                    .ms
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let m = &self.mentions[i];
                        m.start >= open
                            && m.end <= ce
                            && (!side.standalone || self.ends_a_phrase(i))
                    })
                    .collect();
                let near = |i: usize| self.chars_between(from, self.mentions[i].start) <= window;
                if side.no_skip && cands.first().is_some_and(|&i| !allowed(i)) {
                    Vec::new()
                } else {
                    self.take(&cands, side.take, false, &allowed, &near)
                }
            }
        };
        let mut out: Vec<(usize, bool)> = picked.iter().map(|&i| (entity(i), false)).collect();
        let main = self.entities.main_subject;
        if side.main_fallback && !self.generic_actor {
            // The main subject stands in only where it fits: a place may act as its
            // government (a park builds), but a body is no place (X locatedIn 市委).
            let fits = |e: usize| {
                let kind = self.entities.entities[e].kind;
                side.types.contains(&kind)
                    || (kind == EntityType::Region
                        && side.types.contains(&EntityType::GovernmentAgency))
            };
            if let Some(main) = main.filter(|&e| fits(e)) {
                // (The list's first member in the text: picked lists start nearest the trigger.)
                let first = picked.iter().min_by_key(|&&i| self.mentions[i].start);
                let coactor =
                    side.side == Side::Left && first.is_some_and(|&i| self.led_by_coactor(i, cs));
                if out.is_empty() || coactor {
                    out.push((main, true));
                }
            }
        }
        out.sort();
        out.dedup_by_key(|x| x.0);
        out
    }

    /// Picks from candidates ordered by position; `from_end` means nearest is last.
    fn take(
        &self,
        cands: &[usize],
        take: Take,
        from_end: bool,
        allowed: &dyn Fn(usize) -> bool,
        near: &dyn Fn(usize) -> bool,
    ) -> Vec<usize> {
        // The window bounds how far from the trigger an end may start; a list may run on
        // beyond it as long as its members are joined by list glue.
        let within = |i: usize| allowed(i) && near(i);
        let ordered: Vec<usize> = if from_end {
            cands.iter().rev().copied().collect()
        } else {
            cands.to_vec()
        };
        match take {
            Take::All => ordered.into_iter().filter(|&i| within(i)).collect(),
            Take::Nearest => ordered
                .into_iter()
                .find(|&i| within(i))
                .into_iter()
                .collect(),
            Take::First => ordered
                .into_iter()
                .rev()
                .find(|&i| allowed(i))
                .into_iter()
                .collect(),
            Take::List => {
                let Some(first) = ordered.iter().position(|&i| within(i)) else {
                    return Vec::new();
                };
                let mut out = vec![ordered[first]];
                let mut last = ordered[first];
                for &i in &ordered[first + 1..] {
                    let (a, b) = if from_end {
                        (self.mentions[i].end, self.mentions[last].start)
                    } else {
                        (self.mentions[last].end, self.mentions[i].start)
                    };
                    if !self.is_list_glue(a, b) {
                        break;
                    }
                    if allowed(i) {
                        out.push(i);
                    }
                    last = i;
                }
                out
            }
        }
    }

    fn is_list_glue(&self, a: usize, b: usize) -> bool {
        if b < a {
            return false;
        }
        let mut gap = &self.text[a..b];
        while !gap.is_empty() {
            match self
                .k
                .relations
                .list_glue
                .iter()
                .find(|g| gap.starts_with(g.as_str()))
            {
                Some(g) => gap = &gap[g.len()..],
                None => return false,
            }
        }
        true
    }

    /// Where the first of `words` after the trigger and outside every name ends, within the
    /// clause ending at `ce`.
    fn past(&self, words: &[String], ce: usize) -> Option<usize> {
        let rest = &self.text[self.te..ce];
        words
            .iter()
            .filter_map(|w| {
                rest.match_indices(w.as_str())
                    .map(|(at, w)| (self.te + at, self.te + at + w.len()))
                    .find(|&(s, _)| !self.inside_name(s + 1) && !self.inside_name(s))
            })
            .min()
            .map(|(_, end)| end)
    }

    /// The entities that the last of the rule's triggers before this one (after `from`,
    /// outside every name) takes at its right end `other`.
    fn earlier_ends(&self, rule: &RelationRule, other: &SideRule, from: usize) -> Vec<usize> {
        let rr = &self.k.relations;
        let earlier = self.earlier.iter().rposition(|&(pattern, ts, _)| {
            ts >= from
                && rr.trigger_rules[pattern]
                    .iter()
                    .any(|&ri| std::ptr::eq(&rr.rules[ri], rule))
        });
        let Some(n) = earlier else {
            return Vec::new();
        };
        let (_, ts, te) = self.earlier[n];
        let there = TriggerCtx {
            ts,
            te,
            earlier: &self.earlier[..n],
            clause: OnceCell::new(),
            ..*self
        };
        there
            .side(other, rule)
            .into_iter()
            .filter(|&(_, implicit)| !implicit)
            .map(|(e, _)| e)
            .collect()
    }

    /// The partners of a list before the trigger split where a partner join (与, 同 …) or a
    /// co-actor word joins them (A、B与C: A and B, C), each end in list order; None without
    /// such a word.
    fn partner_sides(&self, partners: &[(usize, bool)]) -> Option<(Ends, Ends)> {
        let entity = |i: usize| self.entities.of_mention[i];
        let mut members: Vec<usize> = self
            .ms
            .iter()
            .copied()
            .filter(|&i| {
                let m = &self.mentions[i];
                m.start >= self.clause().0
                    && m.end <= self.ts
                    && partners.iter().any(|&(e, _)| e == entity(i))
            })
            .collect();
        members.dedup_by_key(|&mut i| entity(i));
        let rr = &self.k.relations;
        let joins = |gap: &str| {
            rr.partner_joins
                .iter()
                .chain(&rr.coactor_markers)
                .any(|w| gap.contains(w.as_str()))
        };
        let pivot = members
            .windows(2)
            .rposition(|w| joins(&self.text[self.mentions[w[0]].end..self.mentions[w[1]].start]))?;
        let end = |ms: &[usize]| -> Ends {
            let mut out: Ends = ms.iter().map(|&i| (entity(i), false)).collect();
            out.dedup();
            out
        };
        Some((end(&members[..=pivot]), end(&members[pivot + 1..])))
    }

    /// Whether one of `words` follows mention `i` before the end of its clause.
    fn followed_in_clause(&self, words: &[String], i: usize) -> bool {
        let rest = &self.text[self.mentions[i].end..self.s.end];
        let clause = rest
            .char_indices()
            .find(|&(_, c)| self.is_break(c))
            .map_or(rest, |(at, _)| &rest[..at]);
        words.iter().any(|w| clause.contains(w.as_str()))
    }

    /// Whether mention `i` comes right after one of `words`, itself or as a later member of a
    /// list that does (依托X、Y建设: Y too is drawn on, not built).
    fn listed_after(&self, words: &[String], i: usize) -> bool {
        let mut at = self.mentions[i].start;
        loop {
            let before = &self.text[self.s.start..at];
            if words.iter().any(|w| before.ends_with(w.as_str())) {
                return true;
            }
            // The sentence's mentions are in order of start: the one before `at` is found
            // among those that start before it, from the nearest back.
            let starts_before = self.ms.partition_point(|&j| self.mentions[j].start < at);
            let previous = self.ms[..starts_before]
                .iter()
                .rev()
                .map(|&j| &self.mentions[j])
                .find(|m| m.end < at);
            match previous {
                Some(m) if self.is_list_glue(m.end, at) => at = m.start,
                _ => return false,
            }
        }
    }

    /// Whether the mention is introduced by a co-actor marker (联合, 会同 …) that opens the
    /// clause: then the sentence's real actor is left out.
    fn led_by_coactor(&self, i: usize, clause_start: usize) -> bool {
        let before = &self.text[clause_start..self.mentions[i].start];
        // Its own clause, where the side looked further (scope = "sentence").
        let before = before
            .rsplit(|c| self.k.relations.clause_breaks.contains(c))
            .next()
            .unwrap_or(before);
        self.k
            .relations
            .coactor_markers
            .iter()
            .any(|m| before.ends_with(m.as_str()) && before.len() == m.len())
    }
}

/// Relations stated by tables: a header row names the columns, each later row states one
/// relation per pair of entities in the subject and object columns.
fn tables(
    text: &str,
    sentences: &[Sentence],
    by_sentence: &[Vec<usize>],
    mentions: &[Mention],
    entities: &Entities,
    k: &Knowledge,
    add: &mut impl FnMut(usize, Predicate, usize, Evidence),
) {
    for rule in &k.relations.tables {
        let mut columns: Option<(usize, usize)> = None;
        for s in sentences {
            let line = &text[s.start..s.end];
            if !line.contains('\t') {
                continue;
            }
            let cells = cells(line, s.start);
            let header = |names: &[String]| {
                cells.iter().position(|&(a, b)| {
                    let c: String = text[a..b].chars().filter(|c| !c.is_whitespace()).collect();
                    names.contains(&c)
                })
            };
            if let (Some(sc), Some(oc)) =
                (header(&rule.subject_headers), header(&rule.object_headers))
            {
                columns = Some((sc, oc));
                continue;
            }
            let Some((sc, oc)) = columns else { continue };
            let (Some(&scell), Some(&ocell)) = (cells.get(sc), cells.get(oc)) else {
                continue;
            };
            let in_cell = |cell: (usize, usize), types: &[EntityType]| -> Vec<usize> {
                by_sentence[s.index]
                    .iter()
                    .filter(|&&i| mentions[i].start >= cell.0 && mentions[i].end <= cell.1)
                    .map(|&i| entities.of_mention[i])
                    .filter(|&e| types.contains(&entities.entities[e].kind))
                    .collect()
            };
            for se in in_cell(scell, &rule.subject_types) {
                for oe in in_cell(ocell, &rule.object_types) {
                    add(
                        se,
                        rule.predicate,
                        oe,
                        Evidence {
                            sentence: s.index,
                            trigger: None,
                            rule: rule.id.clone(),
                            implicit: false,
                        },
                    );
                }
            }
        }
    }
}

/// TAB-separated cells of a line: clean-text byte ranges.
fn cells(line: &str, base: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if c == '\t' {
            out.push((base + start, base + i));
            start = i + 1;
        }
    }
    out.push((base + start, base + line.len()));
    out
}
