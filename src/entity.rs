//! Stage 5 — entities: mentions grouped into one entity per real thing in a document.
//!
//! A document names the same thing many ways: 中国科学技术大学, 中科大, a short name it
//! defines itself. Mentions that share any name — their own, a lexicon alias, a defined
//! short name — are one entity. The entity's name is the fullest one: a lexicon's canonical
//! name when a lexicon knows it, else the longest form the document uses; every other form
//! is an alias. Organisations named only inside a longer name (百度 in 百度深度学习技术及
//! 应用国家工程实验室) become entities here too, so that `relation` can link them.
//!
//! This stage also picks the document's *main subject*: the park or body the report is
//! about, which fills the actor of sentences that leave it out.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;

use crate::knowledge::Knowledge;
use crate::mention::{Mention, Mentions, Source};
use crate::ontology::EntityType;

/// One thing a document names.
#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub kind: EntityType,
    pub aliases: BTreeSet<String>,
    /// Indexes into the document's mentions, in text order.
    pub mentions: Vec<usize>,
}

/// An entity whose name contains another's (child, parent), found by name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Containment {
    pub child: usize,
    pub parent: usize,
}

/// The entities of one document.
#[derive(Debug, Default)]
pub struct Entities {
    pub entities: Vec<Entity>,
    /// For each mention, its entity.
    pub of_mention: Vec<usize>,
    pub main_subject: Option<usize>,
    pub containments: Vec<Containment>,
}

/// Groups mentions into entities. Mentions found inside longer names are appended to
/// `mentions` (they overlap their container by design).
pub fn resolve(mentions: &mut Mentions, text: &str, k: &Knowledge) -> Entities {
    add_nested_mentions(mentions, text, k);
    complete_relative_names(mentions, k);
    apply_head_synonyms(mentions, k);
    let ms = &mentions.mentions;
    // Union-find over mentions that share a name.
    let mut parent: Vec<usize> = (0..ms.len()).collect();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, m) in ms.iter().enumerate() {
        for n in std::iter::once(&m.name).chain(&m.aliases) {
            match by_name.get(n.as_str()) {
                Some(&j) => union(&mut parent, i, j),
                None => {
                    by_name.insert(n, i);
                }
            }
        }
    }
    for d in &mentions.definitions {
        if let Some(&j) = by_name.get(d.alias.as_str()) {
            union(&mut parent, d.mention, j);
        }
    }
    // A policy named by its last words is the policy those words end (三合一审判 of
    // 知识产权民事、刑事、行政案件三合一审判).
    // (Each name's suffixes are looked up, so the work grows with the names, not with
    // their pairs: a long document names thousands of policies.)
    let mut policies: HashMap<&str, usize> = HashMap::new();
    for (i, m) in ms.iter().enumerate() {
        if m.kind == EntityType::Policy {
            policies.entry(m.name.as_str()).or_insert(i);
        }
    }
    for (i, m) in ms.iter().enumerate() {
        if m.kind != EntityType::Policy {
            continue;
        }
        let chars = m.name.chars().count();
        for (n, (at, _)) in m.name.char_indices().skip(1).enumerate() {
            // The suffix from the (n+1)th character holds chars - n - 1 characters.
            if chars - n - 1 < k.mentions.min_policy_suffix {
                break;
            }
            if let Some(&j) = policies.get(&m.name[at..]) {
                union(&mut parent, i, j);
            }
        }
    }
    // An industry named with or without its suffix is one industry (云计算, 云计算产业).
    for (i, m) in ms.iter().enumerate() {
        if m.kind != EntityType::Industry {
            continue;
        }
        for suffix in &k.mentions.industry_suffixes {
            if let Some(stem) = m.name.strip_suffix(suffix.as_str()) {
                if let Some(&j) = by_name.get(stem) {
                    if ms[j].kind == EntityType::Industry {
                        union(&mut parent, i, j);
                    }
                }
            }
        }
    }
    // A company's short name is the core of its legal name (协鑫光伏 of 苏州协鑫光伏科技有限公司).
    // A stock's short name may also cut the last word of the core in two (晶合集成 of
    // 合肥晶合集成电路股份有限公司: 集成电路): by one or two characters, leaving four or more.
    // A name that stops where a word does is a parent's (莱克电气 of
    // 莱克电气绿能科技（苏州）有限公司, 巴林银行 of 巴林银行期货).
    let cores: Vec<Vec<String>> = ms.iter().map(|m| company_cores(m, k)).collect();
    for (i, cs) in cores.iter().enumerate() {
        for c in cs {
            if let Some(&j) = by_name.get(c.as_str()) {
                if ms[j].kind == EntityType::Enterprise {
                    union(&mut parent, i, j);
                }
            }
        }
        let Some(core) = cs.first() else { continue };
        let words: Vec<(usize, usize, u32)> = k.words.every_name(core).collect();
        let ends: Vec<usize> = core.char_indices().map(|(b, _)| b).skip(4).collect();
        for &cut in ends.iter().rev().take(2) {
            let split = words.iter().any(|&(a, b, _)| a < cut && cut < b);
            match by_name.get(&core[..cut]) {
                Some(&j) if split && ms[j].kind == EntityType::Enterprise => {
                    union(&mut parent, i, j)
                }
                _ => {}
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for i in 0..ms.len() {
        let root = find(&mut parent, i);
        let g = *group_of.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    let cores_of = |members: &[usize]| -> Vec<String> {
        members
            .iter()
            .flat_map(|&i| cores[i].iter().cloned())
            .collect()
    };
    let mut entities = Vec::with_capacity(groups.len());
    let mut of_mention = vec![0; ms.len()];
    let mut aliases_defined: HashMap<usize, Vec<&str>> = HashMap::new();
    for d in &mentions.definitions {
        aliases_defined
            .entry(d.mention)
            .or_default()
            .push(d.alias.as_str());
    }
    for members in groups {
        for &m in &members {
            of_mention[m] = entities.len();
        }
        let extra = cores_of(&members);
        let mut e = make_entity(ms, members, &aliases_defined);
        e.aliases.extend(extra.into_iter().filter(|c| *c != e.name));
        entities.push(e);
    }
    let mut containments = containments(&entities);
    // 杭州西湖电子集团有限公司 holds 西湖电子集团有限公司, but names one body, not a child.
    containments.retain(|c| {
        bare_name(&entities[c.child].name, k) != bare_name(&entities[c.parent].name, k)
    });
    let main_subject = main_subject(ms, &of_mention, &entities, text, k);
    Entities {
        entities,
        of_mention,
        main_subject,
        containments,
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

/// One entity of a group of mentions; `defined` holds the aliases the document defines for
/// a mention (以下简称…), by mention.
fn make_entity(ms: &[Mention], members: Vec<usize>, defined: &HashMap<usize, Vec<&str>>) -> Entity {
    // The type: from the strongest source; among equals, the most frequent.
    let mut votes: HashMap<EntityType, (Source, usize)> = HashMap::new();
    for &i in &members {
        let v = votes.entry(ms[i].kind).or_insert((ms[i].source, 0));
        v.0 = v.0.max(ms[i].source);
        v.1 += 1;
    }
    let kind = votes
        .iter()
        .max_by_key(|(k, v)| (v.0, v.1, std::cmp::Reverse(**k)))
        .map(|(k, _)| *k)
        .unwrap_or(EntityType::Region);
    let lexical = members.iter().find(|&&i| ms[i].source == Source::Lexicon);
    let mut names: BTreeSet<String> = BTreeSet::new();
    for &i in &members {
        names.insert(ms[i].name.clone());
        names.extend(ms[i].aliases.iter().cloned());
    }
    for i in &members {
        for alias in defined.get(i).into_iter().flatten() {
            names.insert((*alias).to_owned());
        }
    }
    let name = match lexical {
        Some(&i) => ms[i].name.clone(),
        None => members
            .iter()
            .map(|&i| &ms[i].name)
            .max_by_key(|n| (n.chars().count(), std::cmp::Reverse((*n).clone())))
            .cloned()
            .unwrap_or_default(),
    };
    names.remove(&name);
    names.retain(|n| !n.is_empty());
    Entity {
        name,
        kind,
        aliases: names,
        mentions: members,
    }
}

/// The short forms of a company's legal name: without the place it starts with, its legal
/// form, a bracketed place and trade descriptors, stripped one after another
/// (苏州协鑫光伏科技有限公司 → 协鑫光伏科技 → 协鑫光伏).
fn company_cores(m: &Mention, k: &Knowledge) -> Vec<String> {
    let r = &k.mentions;
    if m.kind != EntityType::Enterprise {
        return Vec::new();
    }
    let Some(mut core) = without_legal_form(&m.name, k) else {
        return Vec::new();
    };
    if let Some(open) = core.rfind('（') {
        if core.ends_with('）') {
            core = &core[..open];
        }
    }
    core = without_leading_place(core, k);
    let mut out = Vec::new();
    loop {
        if core.chars().count() < 2
            || r.not_cores.iter().any(|w| w == core)
            || only_descriptors(core, &r.descriptors)
            // 山东航空公司 is no 航空: an industry's name is every such company's.
            || k.lexicon.lookup(core).is_some_and(|e| e.kind == EntityType::Industry)
        {
            break;
        }
        out.push(core.to_owned());
        match r
            .descriptors
            .iter()
            .find(|d| core.ends_with(d.as_str()) && core.len() > d.len())
        {
            Some(d) => core = &core[..core.len() - d.len()],
            None => break,
        }
    }
    out
}

/// A company's name without its legal form (有限公司 …), if it ends in one.
fn without_legal_form<'a>(name: &'a str, k: &Knowledge) -> Option<&'a str> {
    k.mentions
        .legal_forms
        .iter()
        .find(|f| name.ends_with(f.as_str()))
        .map(|f| &name[..name.len() - f.len()])
}

/// A name without the lexicon place it opens with, unless the place is all of it.
fn without_leading_place<'a>(name: &'a str, k: &Knowledge) -> &'a str {
    match k.words.names(name).first() {
        Some(&(0, end, e))
            if k.lexicon.entries[e].kind == EntityType::Region && end < name.len() =>
        {
            &name[end..]
        }
        _ => name,
    }
}

/// A name without a place before it and a legal form after it: two names that agree so
/// name one body (江苏康博集团公司 and 江苏康博集团, 杭州西湖电子集团有限公司 and
/// 西湖电子集团有限公司).
fn bare_name<'a>(name: &'a str, k: &Knowledge) -> &'a str {
    without_leading_place(without_legal_form(name, k).unwrap_or(name), k)
}

/// Whether nothing but trade descriptors is left (科技发展 of 苏州工业园区科技发展有限公司 names
/// no company: 思必驰科技 is none of its parts).
fn only_descriptors(mut core: &str, descriptors: &[String]) -> bool {
    while let Some(d) = descriptors.iter().find(|d| core.ends_with(d.as_str())) {
        core = &core[..core.len() - d.len()];
    }
    core.is_empty()
}

/// Names relative to the document's place (市财政局, 市政府) get the place: the region of
/// that level the document names most often (上海市 → 上海市财政局), by itself or inside the
/// names of its bodies, platforms and policies. A city's work report names its own city
/// mostly so (合肥工业大学, 合肥综合性国家科学中心, 《合肥市优化营商环境条例》) and other
/// cities by themselves (与上海、杭州等地). A lexicon that knows the completed name supplies
/// its canonical form.
fn complete_relative_names(mentions: &mut Mentions, k: &Knowledge) {
    if !mentions
        .mentions
        .iter()
        .any(|m| m.rule.ends_with(".relative"))
    {
        return;
    }
    let mut places: HashMap<&str, usize> = HashMap::new();
    for m in &mentions.mentions {
        if m.kind == EntityType::Region {
            *places.entry(m.name.as_str()).or_default() += 1;
        } else if !m.rule.ends_with(".relative") {
            if let Some(place) = leading_place(&m.name, k) {
                *places.entry(place).or_default() += 1;
            }
        }
    }
    let mut completed = Vec::new();
    let mut unplaced = Vec::new();
    for (i, m) in mentions.mentions.iter().enumerate() {
        if !m.rule.ends_with(".relative") {
            continue;
        }
        let Some(level) = m.name.chars().next() else {
            continue;
        };
        let place = places
            .iter()
            .filter(|(p, _)| p.ends_with(level) && p.chars().count() > 1)
            .max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p)))
            .map(|(p, _)| p.to_string());
        match place {
            Some(place) => completed.push((i, format!("{place}{}", &m.name[level.len_utf8()..]))),
            // No place of that level is named: 市政府 of which city, nobody can say.
            None => unplaced.push(i),
        }
    }
    for (i, full) in completed {
        let m = &mut mentions.mentions[i];
        let surface = std::mem::take(&mut m.name);
        match k.lexicon.lookup(&full) {
            Some(e) => {
                m.name = e.name.clone();
                m.kind = e.kind;
                m.aliases = e.aliases.clone();
                if full != e.name {
                    m.aliases.push(full);
                }
            }
            None => m.name = full,
        }
        m.aliases.push(surface);
    }
    mentions.remove(&unplaced);
}

/// The place a name begins with (合肥 of 合肥工业大学), as the lexicon names it: the longest
/// prefix of two to six characters, short of the whole name, that is a known region.
fn leading_place<'k>(name: &str, k: &'k Knowledge) -> Option<&'k str> {
    let ends: Vec<usize> = name
        .char_indices()
        .map(|(i, _)| i)
        .skip(2)
        .take(5)
        .collect();
    ends.iter().rev().find_map(|&end| {
        k.lexicon
            .lookup(&name[..end])
            .filter(|e| e.kind == EntityType::Region)
            .map(|e| e.name.as_str())
    })
}

/// 广州市政府 is 广州市人民政府: a name with a short head takes the full head, keeping the
/// short form as an alias, so both spellings meet in one entity.
fn apply_head_synonyms(mentions: &mut Mentions, k: &Knowledge) {
    for m in &mut mentions.mentions {
        if m.source == Source::Lexicon || m.kind != EntityType::GovernmentAgency {
            continue;
        }
        for (full, short) in &k.mentions.head_synonyms {
            if m.name.ends_with(short.as_str()) && !m.name.ends_with(full.as_str()) {
                let stem = &m.name[..m.name.len() - short.len()];
                // 美国政府 is no 人民政府: only a Chinese administrative unit's body is.
                if !k
                    .mentions
                    .admin_units
                    .iter()
                    .any(|w| stem.ends_with(w.as_str()))
                {
                    break;
                }
                let long = format!("{stem}{full}");
                let old = std::mem::replace(&mut m.name, long);
                if !m.aliases.contains(&old) {
                    m.aliases.push(old);
                }
                break;
            }
        }
    }
}

/// Lexicon organisations inside longer names become mentions of their own.
fn add_nested_mentions(mentions: &mut Mentions, text: &str, k: &Knowledge) {
    let mut nested = Vec::new();
    for m in &mentions.mentions {
        let inner = &text[m.start..m.end];
        // A name in title marks or quotes starts after them (《国务院关于…》).
        let lead = inner.len() - inner.trim_start_matches(['《', '“', '「', '"']).len();
        // A lexicon name is its own longest match: the names inside it are found without
        // its last character (中国科学院 of 中国科学院计算技术研究所).
        let searched = match inner.char_indices().next_back() {
            Some((last, _)) if m.source == Source::Lexicon => &inner[..last],
            _ => inner,
        };
        for (a, b, e) in k.words.names(searched) {
            let e = &k.lexicon.entries[e];
            // (清华 of 清华大学 is the name's own short form, no other body.)
            if b - a == inner.len() || !e.kind.is_organisation() || e.name == m.name {
                continue;
            }
            // In a lexicon name the parent bodies are real; a company's short name there is
            // mostly a coincidence of words (中国自动化 of 中国自动化学会).
            if m.source == Source::Lexicon && e.kind == EntityType::Enterprise {
                continue;
            }
            // The first part of an enterprise's own name is no entity of its own (大唐半导体设计).
            if a == lead && m.kind == EntityType::Enterprise {
                continue;
            }
            // A parent is named first (百度深度学习…实验室); a short name further in is more
            // likely a piece of another word (新和成 in 科技创新和成果转化中心).
            if a > lead && inner[a..b].chars().count() <= k.mentions.short_enterprise_chars {
                continue;
            }
            // A body's name that ends the name of another body is the same kind of body at
            // another level (发展改革委 of 省发展改革委), not its parent.
            if b == inner.len()
                && m.kind == EntityType::GovernmentAgency
                && e.kind == EntityType::GovernmentAgency
            {
                continue;
            }
            nested.push(Mention {
                start: m.start + a,
                end: m.start + b,
                sentence: m.sentence,
                name: e.name.clone(),
                aliases: if inner[a..b] == e.name {
                    e.aliases.clone()
                } else {
                    vec![inner[a..b].to_owned()]
                },
                kind: e.kind,
                source: Source::Lexicon,
                rule: format!("nested:lexicon:{}", e.source),
            });
        }
    }
    mentions.mentions.extend(nested);
}

/// Entity pairs where the child's name contains the parent's name or an alias.
fn containments(entities: &[Entity]) -> Vec<Containment> {
    fn names(e: &Entity) -> impl Iterator<Item = &str> {
        std::iter::once(e.name.as_str()).chain(e.aliases.iter().map(String::as_str))
    }
    // Each entity's names of at least two characters: the names it has as a parent.
    let parent_names: Vec<Vec<&str>> = entities
        .iter()
        .map(|e| names(e).filter(|n| n.chars().count() >= 2).collect())
        .collect();
    let mut out = Vec::new();
    let every_pair = |out: &mut Vec<Containment>| {
        for (c, child) in entities.iter().enumerate() {
            for (p, pns) in parent_names.iter().enumerate() {
                let contained = p != c
                    && pns
                        .iter()
                        .any(|pn| names(child).any(|cn| cn.len() > pn.len() && cn.contains(pn)));
                if contained {
                    out.push(Containment {
                        child: c,
                        parent: p,
                    });
                }
            }
        }
    };
    if entities.len() < SEARCH_CONTAINMENTS_FROM {
        every_pair(&mut out);
        return out;
    }
    // Many entities: each child's names are cut into their substrings, which are looked up
    // among the parents' names (names are short; a lookup, not a scan of all pairs).
    let mut parents: HashMap<&str, Vec<usize>> = HashMap::new();
    for (p, pns) in parent_names.iter().enumerate() {
        for &n in pns {
            let ps = parents.entry(n).or_default();
            if ps.last() != Some(&p) {
                ps.push(p);
            }
        }
    }
    // Only substrings that start like a parent's name and are as long as one are looked up.
    let longest = parents.keys().map(|n| n.len()).max().unwrap_or(0);
    let mut lengths = vec![false; longest + 1];
    for n in parents.keys() {
        lengths[n.len()] = true;
    }
    let firsts: HashSet<char> = parents.keys().filter_map(|n| n.chars().next()).collect();
    let mut bounds: Vec<usize> = Vec::new();
    for (c, child) in entities.iter().enumerate() {
        let mut found: Vec<usize> = Vec::new();
        for cn in names(child) {
            bounds.clear();
            bounds.extend(cn.char_indices().map(|(i, _)| i));
            bounds.push(cn.len());
            for (i, &a) in bounds.iter().enumerate() {
                if !cn[a..].chars().next().is_some_and(|f| firsts.contains(&f)) {
                    continue;
                }
                for &b in &bounds[i + 1..] {
                    if b - a == cn.len() || b - a > longest {
                        break;
                    }
                    if !lengths[b - a] {
                        continue;
                    }
                    if let Some(ps) = parents.get(&cn[a..b]) {
                        found.extend(ps.iter().copied().filter(|&p| p != c));
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        out.extend(found.into_iter().map(|p| Containment {
            child: c,
            parent: p,
        }));
    }
    out
}

/// From this many entities in a document on, [`containments`] looks names up instead of
/// trying every pair.
const SEARCH_CONTAINMENTS_FROM: usize = 12;

/// The park or body the document is about: the first actor named in the title block
/// (the first three sentences), else the actor mentioned most often.
fn main_subject(
    ms: &[Mention],
    of_mention: &[usize],
    entities: &[Entity],
    text: &str,
    k: &Knowledge,
) -> Option<usize> {
    let actor = |e: &Entity| {
        matches!(
            e.kind,
            EntityType::Region
                | EntityType::GovernmentAgency
                | EntityType::Institution
                | EntityType::Platform
                | EntityType::Enterprise
        )
    };
    let mut title: Vec<usize> = (0..ms.len()).filter(|&i| ms[i].sentence < 3).collect();
    title.sort_by_key(|&i| ms[i].start);
    // 在市委的坚强领导下，市政府…: a body after 在, 对 … is a setting, not the actor.
    let setting = |i: usize| {
        k.relations
            .non_actor_markers
            .iter()
            .any(|w| text[..ms[i].start].ends_with(w.as_str()))
    };
    // 武汉东湖高新区…工作总结: a place written right before another only locates it.
    let locating = |i: usize| {
        ms[i].kind == EntityType::Region
            && title
                .iter()
                .any(|&j| ms[j].start == ms[i].end && ms[j].kind == EntityType::Region)
    };
    if let Some(&i) = title
        .iter()
        .find(|&&i| actor(&entities[of_mention[i]]) && !setting(i) && !locating(i))
    {
        return Some(of_mention[i]);
    }
    entities
        .iter()
        .enumerate()
        .filter(|(_, e)| actor(e))
        .max_by_key(|(i, e)| (e.mentions.len(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}
