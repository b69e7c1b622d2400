//! The loader of the knowledge under `ontology/`: lexicons and rules, compiled once.
//!
//! zhitu's engine knows no names and no trigger words: they live in data files that a user
//! edits without recompiling. This module is the only one that knows the file layout
//! (`lexicons/*.tsv`, `rules/mentions.toml`, `rules/relations.toml`, `zhitu.ttl`). It checks
//! every file before any document is read — a malformed line is reported with file and line
//! — and compiles what it read into a few matchers (one automaton for all lexicon names,
//! boundary words and head words, one for all triggers) that the stages borrow.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use daachorse::{
    CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder,
    MatchKind as DaacMatchKind,
};
use regex::{Regex, RegexSet};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ontology::{EntityType, Predicate};

/// Everything extraction knows, compiled.
#[derive(Debug)]
pub struct Knowledge {
    pub lexicon: Lexicon,
    pub mentions: MentionRules,
    /// The lexicon's names and the mention rules' words, found in one pass.
    pub words: Words,
    pub relations: RelationRules,
    /// The ontology in Turtle, loaded into the store.
    pub ontology_ttl: String,
    /// A short hash of all knowledge files: which rules produced a graph.
    pub fingerprint: String,
}

/// One lexicon line: a real, named thing.
#[derive(Debug, Clone)]
pub struct LexEntry {
    pub name: String,
    pub kind: EntityType,
    pub aliases: Vec<String>,
    /// `file:line` the entry came from, for `explain`.
    pub source: String,
}

/// All lexicon entries, by name and alias. Their names are found in text by [`Words`].
#[derive(Debug)]
pub struct Lexicon {
    pub entries: Vec<LexEntry>,
    by_surface: HashMap<String, u32>,
}

impl Lexicon {
    fn build(entries: Vec<LexEntry>) -> Self {
        let mut by_surface: HashMap<String, u32> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for s in std::iter::once(&e.name).chain(&e.aliases) {
                // The first file (in sorted order) that names a surface wins.
                by_surface.entry(s.clone()).or_insert(i as u32);
            }
        }
        Lexicon {
            entries,
            by_surface,
        }
    }

    /// The entry a surface form (name or alias) belongs to.
    pub fn lookup(&self, surface: &str) -> Option<&LexEntry> {
        self.by_surface
            .get(surface)
            .map(|&i| &self.entries[i as usize])
    }
}

/// What a word that [`Words`] finds is to the mention stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordKind {
    /// A lexicon name or alias; the id is its entry.
    Name = 0,
    /// A boundary word or a protected word; the id indexes `boundary_word_list`.
    Boundary = 1,
    /// A head word; the id indexes `head_rule`.
    Head = 2,
}

/// Every word the mention stage looks for in a sentence — lexicon names and aliases,
/// boundary and protected words, head words — in one automaton over characters.
///
/// Each kind is read leftmost-longest, as if it had an automaton of its own, but the text is
/// scanned once: three scans of every sentence (a trie for the thousands of names, a DFA each
/// for boundary and head words) were a quarter of extraction, and most of the time went to
/// stepping through the same characters. A double-array automaton over characters rather
/// than bytes also suits Chinese text: one transition per character, none per UTF-8 byte.
pub struct Words {
    automaton: CharwiseDoubleArrayAhoCorasick<u32>,
    /// Per word of the automaton (its value): its meanings, `meanings[spans[v].0..spans[v].1]`
    /// (one word can be a lexicon name and a head word).
    spans: Vec<(u32, u32)>,
    meanings: Vec<(WordKind, u32)>,
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words")
            .field("words", &self.spans.len())
            .finish_non_exhaustive()
    }
}

/// What [`Words::scan`] found in one text: per kind, the leftmost-longest matches
/// `(start, end, id)` in bytes, in order. Kept from one sentence to the next.
#[derive(Debug, Default)]
pub struct WordHits {
    /// Lexicon names: the id is the entry.
    pub names: Vec<(usize, usize, usize)>,
    /// Boundary and protected words: the id indexes `boundary_word_list` (protected words
    /// have ids from `boundary_word_count` on).
    pub boundaries: Vec<(usize, usize, usize)>,
    /// Head words: the id indexes `head_rule`.
    pub heads: Vec<(usize, usize, usize)>,
    /// Where any head word starts, overlapping or not, in order.
    pub head_starts: Vec<usize>,
    /// Every match of a kind, overlapping.
    all: [Vec<(usize, usize, u32)>; 3],
}

impl Words {
    fn build(lexicon: &Lexicon, rules: &MentionRules, path: &Path) -> Result<Words> {
        let mut surfaces: Vec<(&str, u32)> = lexicon
            .by_surface
            .iter()
            .map(|(s, &i)| (s.as_str(), i))
            .collect();
        surfaces.sort_unstable();
        let names = surfaces.into_iter().map(|(s, i)| (s, WordKind::Name, i));
        let boundaries = (rules.boundary_word_list.iter().enumerate())
            .map(|(i, w)| (w.as_str(), WordKind::Boundary, i as u32));
        let heads = (rules.head_rules.iter().flat_map(|r| &r.words).enumerate())
            .map(|(i, w)| (w.as_str(), WordKind::Head, i as u32));
        // Each word once; per kind, a word's first id wins (as an automaton of its own
        // would report the first of equal patterns).
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut words: Vec<(&str, Vec<(WordKind, u32)>)> = Vec::new();
        for (word, kind, id) in names.chain(boundaries).chain(heads) {
            if word.is_empty() {
                continue;
            }
            let i = *index.entry(word).or_insert_with(|| {
                words.push((word, Vec::new()));
                words.len() - 1
            });
            if !words[i].1.iter().any(|&(k, _)| k == kind) {
                words[i].1.push((kind, id));
            }
        }
        let mut spans = Vec::with_capacity(words.len());
        let mut meanings = Vec::new();
        for (_, m) in &words {
            spans.push((meanings.len() as u32, (meanings.len() + m.len()) as u32));
            meanings.extend_from_slice(m);
        }
        let automaton = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(DaacMatchKind::Standard)
            // In Chinese text the words' first characters are the commonest ones: a
            // prefilter only interrupts the automaton.
            .use_prefilter(false)
            .build_with_values(words.iter().enumerate().map(|(v, (w, _))| (w, v as u32)))
            .map_err(|e| knowledge_error(path, 0, format!("cannot compile the words: {e}")))?;
        Ok(Words {
            automaton,
            spans,
            meanings,
        })
    }

    /// Finds the words of every kind in `text`.
    pub fn scan(&self, text: &str, hits: &mut WordHits) {
        for all in &mut hits.all {
            all.clear();
        }
        for (kind, start, end, id) in self.every_word(text) {
            hits.all[kind as usize].push((start, end, id));
        }
        let [names, boundaries, heads] = &mut hits.all;
        leftmost_longest(names, &mut hits.names);
        leftmost_longest(boundaries, &mut hits.boundaries);
        leftmost_longest(heads, &mut hits.heads);
        hits.head_starts.clear();
        hits.head_starts.extend(heads.iter().map(|h| h.0));
        hits.head_starts.dedup();
    }

    /// The lexicon names in `text`, leftmost-longest: `(start, end, entry)`.
    pub fn names(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let mut all: Vec<(usize, usize, u32)> = self.every_name(text).collect();
        let mut out = Vec::new();
        leftmost_longest(&mut all, &mut out);
        out
    }

    /// Every occurrence of a lexicon name in `text`, overlapping: `(start, end, entry)`.
    pub fn every_name<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (usize, usize, u32)> + 'a {
        (self.every_word(text))
            .filter(|w| w.0 == WordKind::Name)
            .map(|(_, start, end, id)| (start, end, id))
    }

    /// Every occurrence of every word in `text`, overlapping, once per meaning:
    /// `(kind, start, end, id)`.
    fn every_word<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (WordKind, usize, usize, u32)> + 'a {
        self.automaton
            .find_overlapping_iter(text)
            .flat_map(move |m| {
                let (from, to) = self.spans[m.value() as usize];
                (self.meanings[from as usize..to as usize].iter())
                    .map(move |&(kind, id)| (kind, m.start(), m.end(), id))
            })
    }
}

/// From all matches of one kind, those a leftmost-longest search finds: the leftmost start,
/// there the longest word, and on from its end. Sorts `all` by start.
fn leftmost_longest(all: &mut [(usize, usize, u32)], out: &mut Vec<(usize, usize, usize)>) {
    out.clear();
    all.sort_unstable_by_key(|&(a, b, _)| (a, std::cmp::Reverse(b)));
    let mut free = 0;
    for &(a, b, id) in all.iter() {
        if a >= free {
            out.push((a, b, id as usize));
            free = b;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Mention rules (rules/mentions.toml)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionsFile {
    boundary: BoundarySpec,
    generic: GenericSpec,
    #[serde(default)]
    head: Vec<HeadSpec>,
    quote: QuoteSpec,
    #[serde(default)]
    definition: Vec<PatternSpec>,
    #[serde(default)]
    list: Vec<ListSpec>,
    #[serde(default)]
    pattern: Vec<TypedPatternSpec>,
    #[serde(default)]
    column: Vec<ColumnSpec>,
    #[serde(default = "six")]
    max_parenthesised: usize,
    #[serde(default)]
    parenthesised_not_endings: Vec<String>,
    #[serde(default)]
    locating_suffixes: Vec<String>,
    #[serde(default)]
    company: CompanySpec,
    #[serde(default)]
    head_synonyms: Vec<(String, String)>,
    #[serde(default)]
    admin_units: Vec<String>,
    #[serde(default)]
    relative_blockers: Vec<String>,
    #[serde(default = "four")]
    min_policy_suffix: usize,
    #[serde(default)]
    class_noun_markers: Vec<String>,
    #[serde(default)]
    industry_suffixes: Vec<String>,
    #[serde(default)]
    kind_heads: Vec<String>,
    #[serde(default)]
    anaphor: Vec<AnaphorSpec>,
}

/// `[[anaphor]]`: bare words that call again a body the document has named (公司).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnaphorSpec {
    id: String,
    kind: String,
    words: Vec<String>,
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    not_before: Vec<String>,
    #[serde(default = "two")]
    max_sentences: usize,
}

fn four() -> usize {
    4
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanySpec {
    #[serde(default)]
    legal_forms: Vec<String>,
    #[serde(default)]
    descriptors: Vec<String>,
    #[serde(default)]
    not_cores: Vec<String>,
}

fn six() -> usize {
    6
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnSpec {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    headers: Vec<String>,
}

/// A table-column rule: cells under one of these headers are names of `kind`.
#[derive(Debug)]
pub struct ColumnRule {
    pub id: String,
    pub kind: EntityType,
    pub headers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedPatternSpec {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoundarySpec {
    words: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    protect: Vec<String>,
    #[serde(default = "two")]
    short_lexical_chars: usize,
    #[serde(default = "three")]
    short_enterprise_chars: usize,
    #[serde(default = "three")]
    max_trimmed_prefix: usize,
    #[serde(default = "three")]
    min_repeated_chars: usize,
    #[serde(default)]
    lexicon_not_before: Vec<String>,
    #[serde(default)]
    right_edge_types: Vec<String>,
    #[serde(default)]
    right_edge_words: Vec<String>,
    #[serde(default)]
    name_number_endings: Vec<String>,
    #[serde(default)]
    joining: Vec<String>,
}

fn three() -> usize {
    3
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericSpec {
    modifiers: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    designations: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadSpec {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    words: Vec<String>,
    #[serde(default = "two")]
    min_modifier: usize,
    #[serde(default = "twenty")]
    max_length: usize,
    #[serde(default)]
    not_before: Vec<String>,
    #[serde(default)]
    not_after: Vec<String>,
    #[serde(default)]
    left_edge: bool,
    #[serde(default)]
    place_before: bool,
    #[serde(default)]
    stop_at_entities: bool,
    #[serde(default)]
    names_inside: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    relative_prefixes: Vec<String>,
    #[serde(default)]
    allow_brackets: bool,
    #[serde(default)]
    numbers_in_names: bool,
    #[serde(default)]
    class_nouns_are_names: bool,
    #[serde(default)]
    stop_at_defined: bool,
}

fn two() -> usize {
    2
}
fn twenty() -> usize {
    20
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteSpec {
    policy_heads: Vec<String>,
    policy_endings: Vec<String>,
    #[serde(default)]
    policy_patterns: Vec<String>,
    title_policy_endings: Vec<String>,
    #[serde(default = "twelve")]
    max_head_distance: usize,
    #[serde(default)]
    joiners: Vec<String>,
    #[serde(default)]
    tail_joiners: Vec<String>,
}

fn twelve() -> usize {
    12
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternSpec {
    id: String,
    pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSpec {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    pattern: String,
    #[serde(default = "default_separators")]
    separators: String,
    #[serde(default = "two")]
    min_length: usize,
    #[serde(default = "ten")]
    max_length: usize,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    strip_suffixes: Vec<String>,
    #[serde(default)]
    reject_endings: Vec<String>,
}

fn default_separators() -> String {
    "、".to_owned()
}
fn ten() -> usize {
    10
}

/// A head-word rule: names of `kind` end with one of its words.
#[derive(Debug)]
pub struct HeadRule {
    pub id: String,
    pub kind: EntityType,
    pub min_modifier: usize,
    pub max_length: usize,
    pub not_before: Vec<String>,
    /// The head ends a common word when these stand right before it (故乡, 重镇).
    pub not_after: Vec<String>,
    /// A name must begin where a word does: one that `max_length` cut out of a longer run of
    /// name characters is a fragment (亚国民经济 of 东南亚国民经济).
    pub left_edge: bool,
    /// The head names a place's body (人民政府): the name is the lexicon place right before
    /// the head, or else one ending in an administrative unit (…镇人民政府); anything else is
    /// no name (中日两国政府, 地方政府) and prose before the place is not part of it
    /// (近日杭州市政府).
    pub place_before: bool,
    pub stop_at_entities: bool,
    /// Lexicon names of these types stand inside this rule's names all the same
    /// (数字经济 in 数字经济核心产业扶持政策).
    pub names_inside: Vec<EntityType>,
    /// Boundary words this rule's names may contain (和 in 文化和科技融合产业).
    pub allow: Vec<String>,
    /// One-character modifiers that name the document's own place (市财政局: the city's).
    pub relative_prefixes: Vec<String>,
    /// Names may hold a bracketed place (品捷电子（苏州）有限公司).
    pub allow_brackets: bool,
    /// This rule's head words.
    pub words: Vec<String>,
    /// Numbers with classifiers may stand inside names (20条新政, 科创22条).
    pub numbers_in_names: bool,
    /// A class noun after 等 is a name of this type too (…等生产性服务业).
    pub class_nouns_are_names: bool,
    /// Left extension stops at a short name the document defines (海淀园移动互联网产业).
    pub stop_at_defined: bool,
}

/// A rule's regex, with the literals that every match of it contains: a text lacking one
/// of them is passed over without running the regex. A rule that starts with a character
/// class (the list rules: `(?:[^，。]{2,12}、)+…等`) has no literal for the regex engine to
/// look for first, so it would run its automaton over every paragraph, most of which hold no
/// 等 or 为代表的; finding a literal is many times faster.
#[derive(Debug)]
pub struct RuleRegex {
    regex: Regex,
    /// What a match needs: of each set, one of its literals.
    needs: Vec<Vec<String>>,
}

impl RuleRegex {
    /// Whether `text` holds the literals a match needs (a match may still not exist).
    pub fn may_match(&self, text: &str) -> bool {
        self.needs
            .iter()
            .all(|any| any.iter().any(|n| text.contains(n.as_str())))
    }

    /// The matches in `text`, as [`Regex::captures_iter`].
    pub fn captures_iter<'r, 't>(
        &'r self,
        text: &'t str,
    ) -> std::iter::Flatten<std::option::IntoIter<regex::CaptureMatches<'r, 't>>> {
        self.may_match(text)
            .then(|| self.regex.captures_iter(text))
            .into_iter()
            .flatten()
    }

    pub fn as_regex(&self) -> &Regex {
        &self.regex
    }
}

/// A regex rule with an id (definitions of short names).
#[derive(Debug)]
pub struct PatternRule {
    pub id: String,
    pub regex: RuleRegex,
}

/// A pattern rule: a regex whose match (or group `name`) is a name of `kind`.
#[derive(Debug)]
pub struct TypedPatternRule {
    pub id: String,
    pub kind: EntityType,
    pub regex: RuleRegex,
}

/// A list rule: the members of a matched list (group `list`) are names of `kind`.
#[derive(Debug)]
pub struct ListRule {
    pub id: String,
    pub kind: EntityType,
    pub regex: RuleRegex,
    pub separators: Vec<char>,
    pub min_length: usize,
    pub max_length: usize,
    /// Boundary words the first member may contain.
    pub allow: Vec<String>,
    /// Words cut from the end of a member (协鑫光伏二期 → 协鑫光伏).
    pub strip_suffixes: Vec<String>,
    /// Members ending like this are not names of this type (执法监督检查 is no industry).
    pub reject_endings: Vec<String>,
}

/// The compiled mention rules.
#[derive(Debug)]
pub struct MentionRules {
    /// Boundary words followed by protected words (以上 is no boundary though 以 is), as
    /// [`Words`] finds them leftmost-longest: ids below `boundary_word_count` are boundaries.
    pub boundary_word_list: Vec<String>,
    pub boundary_word_count: usize,
    /// Lexicon names this short (in characters) need a boundary on one side.
    pub short_lexical_chars: usize,
    /// The same for enterprise names (stock short names are often ordinary words).
    pub short_enterprise_chars: usize,
    /// Longest stray prefix trimmed from a name the document otherwise uses bare.
    pub max_trimmed_prefix: usize,
    /// Names found by a rule this long (in characters) or longer are mentions wherever else
    /// the document writes them.
    pub min_repeated_chars: usize,
    /// A lexicon name followed by these is part of another word (高新技术产业化).
    pub lexicon_not_before: Vec<String>,
    /// Words that join two names (和, 与): a head rule's walk may pass them (`allow`), but
    /// no name begins with one.
    pub joining: Vec<String>,
    /// Lexicon names of these types count only where a word ends after them (大数据 in
    /// 工业大数据中心 is no industry).
    pub right_edge_types: Vec<EntityType>,
    /// Words before which such a name ends all the same (生物医药 in 生物医药领域).
    pub right_edge_words: Vec<String>,
    /// Number patterns ending like this may stand inside names (20条新政, 科创22条).
    pub name_number_endings: Vec<String>,
    pub boundary_patterns: Vec<Regex>,
    /// The boundary patterns as one set: most sentences hold none of them, and one pass of
    /// the set says which patterns need a search of their own.
    pub boundary_set: RegexSet,
    pub generic_modifiers: AhoCorasick,
    /// Generic names, and those of two or more characters (a name that is one of these after
    /// one stray character is generic too).
    pub generic_names: HashSet<String>,
    pub long_generic_names: HashSet<String>,
    /// Ranks a place confers (重点实验室, 新型研发机构): a place's name before one of these,
    /// with nothing else, names the class (江苏省重点实验室), not one body.
    pub designations: HashSet<String>,
    /// Head word (all rules' words in order, as [`Words`] numbers them) → rule index.
    pub head_rule: Vec<usize>,
    pub head_rules: Vec<HeadRule>,
    /// Policy heads, longest first.
    pub policy_heads: Vec<String>,
    pub policy_endings: Vec<String>,
    pub policy_patterns: Vec<Regex>,
    pub title_policy_endings: Vec<String>,
    pub max_head_distance: usize,
    /// Words joining coordinated quotations that share a head (“甲”和“乙”政策), longest first.
    pub joiners: Vec<String>,
    /// Words a policy tail after a quotation may contain (“1+4+1”自主创新和产业发展政策支持体系).
    pub tail_joiners: Vec<String>,
    pub definitions: Vec<PatternRule>,
    pub lists: Vec<ListRule>,
    pub patterns: Vec<TypedPatternRule>,
    pub columns: Vec<ColumnRule>,
    /// Longest place name taken from brackets after a place (广东（珠三角）).
    pub max_parenthesised: usize,
    /// What in brackets after a place ends like this is no place (乌兰（蒙古族）: a person's
    /// ethnic group).
    pub parenthesised_not_endings: Vec<String>,
    /// Places that, written before another, only locate it (湖北武汉): their name endings.
    pub locating_suffixes: Vec<String>,
    /// Endings of a company's legal name (有限公司 …), longest first.
    pub legal_forms: Vec<String>,
    /// Words a company's short name leaves out (科技, 实业 …), longest first.
    pub descriptors: Vec<String>,
    /// Common words that are no company's short name (创新 of 深圳市创新投资集团有限公司).
    pub not_cores: Vec<String>,
    /// (full, short) head words naming the same kind of body (人民政府, 政府): a name with
    /// the short head is an alias of the one with the full head.
    pub head_synonyms: Vec<(String, String)>,
    /// How the names of Chinese administrative units end: head synonyms hold for their
    /// bodies (广州市政府), not for a country's (美国政府).
    pub admin_units: Vec<String>,
    /// Words before a relative name that make it generic (各区人民政府: every district's).
    pub relative_blockers: Vec<String>,
    /// A policy name this long or longer that ends another policy's name is that policy.
    pub min_policy_suffix: usize,
    /// Words after which a head-found phrase is the class of a list (等一批创新平台).
    pub class_noun_markers: Vec<String>,
    /// Suffixes an industry may be named with or without (产业, 行业).
    pub industry_suffixes: Vec<String>,
    /// Head words that, after an industry's name, make a kind of zone, not a place
    /// (智能制造示范区).
    pub kind_heads: Vec<String>,
    /// Bare words for a body the document has named (公司, 该公司).
    pub anaphors: Vec<AnaphorRule>,
    /// The words of all anaphor rules, each with its searcher (memmem: a handful of words,
    /// rare in a text, which it skips to) and the index of its rule in `anaphors`.
    pub anaphor_words: Vec<(memchr::memmem::Finder<'static>, usize)>,
}

/// A bare word (公司, 该公司) that, starting a clause, names the body of type `kind` that
/// last began one, in its sentence or at most `max_sentences` before.
#[derive(Debug)]
pub struct AnaphorRule {
    pub id: String,
    pub kind: EntityType,
    /// Words after which the word still starts its clause (今年公司投资).
    pub after: Vec<String>,
    /// Words after which it is a common noun (公司制).
    pub not_before: Vec<String>,
    pub max_sentences: usize,
}

// ---------------------------------------------------------------------------------------
// Relation rules (rules/relations.toml)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationsFile {
    #[serde(default)]
    clause_breaks: String,
    #[serde(default)]
    coactor_markers: Vec<String>,
    #[serde(default)]
    partner_joins: Vec<String>,
    #[serde(default)]
    list_glue: Vec<String>,
    #[serde(default)]
    non_actor_markers: Vec<String>,
    #[serde(default)]
    generic_actors: Vec<String>,
    #[serde(default)]
    rule: Vec<RuleSpec>,
    #[serde(default)]
    table: Vec<TableSpec>,
    #[serde(default)]
    containment: Vec<ContainmentSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    predicate: String,
    triggers: Vec<String>,
    subject: SideSpec,
    object: SideSpec,
    #[serde(default = "forty")]
    window: usize,
    #[serde(default)]
    also: Vec<String>,
    #[serde(default)]
    not_followed_by: Vec<String>,
    #[serde(default)]
    followed_by: Vec<String>,
    #[serde(default)]
    overrides: Vec<String>,
}

fn forty() -> usize {
    40
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SideSpec {
    side: String,
    types: Vec<String>,
    #[serde(default = "nearest")]
    take: String,
    #[serde(default)]
    fallback: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    standalone: bool,
    #[serde(default)]
    not_endings: Vec<String>,
    #[serde(default)]
    not_after: Vec<String>,
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    before: Vec<String>,
    #[serde(default)]
    past: Vec<String>,
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    no_skip: bool,
}

fn nearest() -> String {
    "nearest".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSpec {
    id: String,
    predicate: String,
    subject_headers: Vec<String>,
    subject_types: Vec<String>,
    object_headers: Vec<String>,
    object_types: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainmentSpec {
    id: String,
    predicate: String,
    child_types: Vec<String>,
    parent_types: Vec<String>,
    #[serde(default)]
    opening: Vec<String>,
}

/// Where a relation end is looked for, relative to the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Before the trigger, in the same clause (or sentence, with `scope = "sentence"`).
    Left,
    /// After the trigger, in the same clause.
    Right,
}

/// Which of the entities found on a side are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The one closest to the trigger.
    Nearest,
    /// The coordinated list closest to the trigger (X、Y和Z).
    List,
    /// Every entity of the allowed types on that side.
    All,
    /// The one farthest from the trigger: the subject a sentence opens with.
    First,
}

/// How far a side looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Clause,
    Sentence,
}

/// One end of a relation rule.
#[derive(Debug, Clone)]
pub struct SideRule {
    pub side: Side,
    pub types: Vec<EntityType>,
    pub take: Take,
    /// When nothing is found, the document's main subject fills this end (implicit).
    pub main_fallback: bool,
    pub scope: Scope,
    /// Only an entity that ends a phrase counts here (a clause break, list glue, a closing
    /// quote or the sentence's end follows it): 建立临港地区统一的网上政务大厅 builds no 临港地区.
    pub standalone: bool,
    /// An entity whose name ends like this is not taken at this end (上海市 is built by
    /// nobody: 上海建设科技创新中心 says what Shanghai builds).
    pub not_endings: Vec<String>,
    /// An entity right after one of these words is not taken at this end (依托X建设: X is
    /// what the builder draws on, not what it builds).
    pub not_after: Vec<String>,
    /// Only an entity right after one of these words, or listed after one, is taken here
    /// (由A与B共建: A and B built it).
    pub after: Vec<String>,
    /// Only an entity followed in its clause by one of these words is taken here (依托X，Y于
    /// 2019年正式成立: Y, which was set up).
    pub before: Vec<String>,
    /// A right end lies past the first of these words after the trigger, and the window is
    /// counted from there (依托X建设Y: Y is what relies on X).
    pub past: Vec<String>,
    /// This end's own window, where it differs from the rule's (an actor may open a long
    /// sentence whose object sits right after the verb).
    pub window: Option<usize>,
    /// The nearest entity on this side must be of an allowed type; none behind it is looked
    /// at (经国务院批准设立的苏州工业园区位于苏州市: the park is what lies there, not 国务院).
    pub no_skip: bool,
}

/// A trigger rule.
#[derive(Debug)]
pub struct RelationRule {
    pub id: String,
    pub predicate: Predicate,
    /// Further predicates stated by the same evidence (由X投资设立 → establishedBy, affiliatedWith).
    pub also: Vec<Predicate>,
    pub subject: SideRule,
    pub object: SideRule,
    /// Maximum distance in characters between the trigger and an end.
    pub window: usize,
    /// The trigger does not count when one of these follows it (打造成X: X is what the
    /// subject becomes, not something it built).
    pub not_followed_by: Vec<String>,
    /// If any, the trigger counts only before one of these, a clause break or the sentence's
    /// end: 建设 as a noun (临港人才培养基地建设，) names what is built before it, as a verb
    /// (浙江大学建设世界一流大学) its builder.
    pub followed_by: Vec<String>,
    /// Rules (by id) not applied at a trigger where this one states a relation: 依托X建设Y
    /// names who relies on X, so the main subject does not stand in for it.
    pub overrides: Vec<String>,
}

/// A table rule: in a table whose header has these columns, each row states a relation.
#[derive(Debug)]
pub struct TableRule {
    pub id: String,
    pub predicate: Predicate,
    pub subject_headers: Vec<String>,
    pub subject_types: Vec<EntityType>,
    pub object_headers: Vec<String>,
    pub object_types: Vec<EntityType>,
}

/// A containment rule: an entity whose name contains another's states a relation.
#[derive(Debug)]
pub struct ContainmentRule {
    pub id: String,
    pub predicate: Predicate,
    pub child_types: Vec<EntityType>,
    pub parent_types: Vec<EntityType>,
    /// If any, the parent's name must open the child's, followed by one of these
    /// (国务院关于…的通知 was issued by 国务院; 支持科技部… was not).
    pub opening: Vec<String>,
}

/// The compiled relation rules.
#[derive(Debug)]
pub struct RelationRules {
    pub clause_breaks: CharSet,
    pub coactor_markers: Vec<String>,
    /// Words that join the two sides of a list of partners (A、B与C: A and B, with C).
    pub partner_joins: Vec<String>,
    /// What may stand between members of a coordinated list (、 和 与 …), longest first.
    pub list_glue: Vec<String>,
    /// Words before an entity that make it a place or target, not the actor (在临港地区开展).
    pub non_actor_markers: Vec<String>,
    /// Words that, starting a paragraph, make its actor every one of a kind (各地区、各部门要…):
    /// the document's main subject is then no implicit actor in the paragraph.
    pub generic_actors: Vec<String>,
    pub triggers: AhoCorasick,
    /// Trigger pattern id → rule indexes.
    pub trigger_rules: Vec<Vec<usize>>,
    pub trigger_words: Vec<String>,
    pub rules: Vec<RelationRule>,
    pub tables: Vec<TableRule>,
    pub containment: Vec<ContainmentRule>,
}

/// A set of characters (clause breaks …), tested for every character of a clause: one bit
/// per character of the Basic Multilingual Plane, a list for the rest.
#[derive(Debug, Clone)]
pub struct CharSet {
    bmp: Vec<u64>,
    other: Vec<char>,
}

impl CharSet {
    pub fn new(chars: impl IntoIterator<Item = char>) -> Self {
        let mut set = CharSet {
            bmp: vec![0; 0x10000 / 64],
            other: Vec::new(),
        };
        for c in chars {
            let i = c as usize;
            if i < 0x10000 {
                set.bmp[i / 64] |= 1 << (i % 64);
            } else {
                set.other.push(c);
            }
        }
        set
    }

    pub fn contains(&self, c: char) -> bool {
        let i = c as usize;
        if i < 0x10000 {
            self.bmp[i / 64] & (1 << (i % 64)) != 0
        } else {
            self.other.contains(&c)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Loading

impl Knowledge {
    /// Loads and compiles the knowledge folder (normally `ontology/`).
    pub fn load(dir: &Path) -> Result<Knowledge> {
        if !dir.is_dir() {
            return Err(Error::Knowledge {
                path: dir.to_path_buf(),
                line: 0,
                message: "no such knowledge folder (expected zhitu.ttl, lexicons/ and rules/; \
                          pass --ontology DIR)"
                    .to_owned(),
            });
        }
        let mut hasher = Sha256::new();
        let ttl_path = dir.join("zhitu.ttl");
        let ontology_ttl = read_text(&ttl_path)?;
        hasher.update(ontology_ttl.as_bytes());

        let mut entries = Vec::new();
        let lex_dir = dir.join("lexicons");
        if lex_dir.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&lex_dir)
                .map_err(|e| Error::io(&lex_dir, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
                .collect();
            files.sort();
            for file in files {
                let text = read_text(&file)?;
                hasher.update(text.as_bytes());
                parse_lexicon(&file, &text, &mut entries)?;
            }
        }
        let mentions_path = dir.join("rules").join("mentions.toml");
        let mentions_text = read_text(&mentions_path)?;
        hasher.update(mentions_text.as_bytes());
        let relations_path = dir.join("rules").join("relations.toml");
        let relations_text = read_text(&relations_path)?;
        hasher.update(relations_text.as_bytes());
        let fingerprint = hasher
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        let lexicon = Lexicon::build(entries);
        let mentions = compile_mentions(&mentions_path, &mentions_text)?;
        Ok(Knowledge {
            words: Words::build(&lexicon, &mentions, dir)?,
            lexicon,
            mentions,
            relations: compile_relations(&relations_path, &relations_text)?,
            ontology_ttl,
            fingerprint,
        })
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn knowledge_error(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Knowledge {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

fn parse_lexicon(path: &Path, text: &str, out: &mut Vec<LexEntry>) -> Result<()> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 || cols.len() > 3 {
            return Err(knowledge_error(
                path,
                line_no,
                format!(
                    "expected `name<TAB>type<TAB>aliases`, found {} column(s)",
                    cols.len()
                ),
            ));
        }
        let name = cols[0].trim();
        if name.is_empty() {
            return Err(knowledge_error(path, line_no, "empty name"));
        }
        let kind: EntityType = cols[1]
            .trim()
            .parse()
            .map_err(|e: String| knowledge_error(path, line_no, e))?;
        let aliases = cols
            .get(2)
            .map(|a| {
                a.split('|')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.push(LexEntry {
            name: name.to_owned(),
            kind,
            aliases,
            source: format!("{file}:{line_no}"),
        });
    }
    Ok(())
}

fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .unwrap_or(0);
        knowledge_error(path, line, e.message().to_owned())
    })
}

fn kind(path: &Path, s: &str) -> Result<EntityType> {
    s.parse().map_err(|e: String| knowledge_error(path, 0, e))
}

fn kinds(path: &Path, list: &[String]) -> Result<Vec<EntityType>> {
    list.iter().map(|s| kind(path, s)).collect()
}

fn predicate(path: &Path, s: &str, id: &str) -> Result<Predicate> {
    s.parse()
        .map_err(|e: String| knowledge_error(path, 0, format!("rule {id}: {e}")))
}

fn regex(path: &Path, pattern: &str, id: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| knowledge_error(path, 0, format!("rule {id}: {e}")))
}

fn rule_regex(path: &Path, pattern: &str, id: &str) -> Result<RuleRegex> {
    let regex = regex(path, pattern, id)?;
    let mut needs = Vec::new();
    if let Ok(hir) = regex_syntax::parse(pattern) {
        required_literals(&hir, &mut needs);
    }
    Ok(RuleRegex { regex, needs })
}

/// What every match of `hir` contains, as sets of literals of which a match holds one:
/// the literals of a concatenation, of a group and of a repetition that happens at least
/// once, and of an alternation one literal of each branch (…等(?:企业|公司|项目): 等, and one
/// of 企业, 公司, 项目). An alternation with a branch that requires nothing, and optional
/// parts, require nothing.
fn required_literals(hir: &regex_syntax::hir::Hir, out: &mut Vec<Vec<String>>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(lit) => {
            if let Ok(s) = std::str::from_utf8(&lit.0) {
                let known = |o: &Vec<String>| o.len() == 1 && o[0].contains(s);
                if !out.iter().any(known) {
                    out.push(vec![s.to_owned()]);
                }
            }
        }
        HirKind::Capture(c) => required_literals(&c.sub, out),
        HirKind::Repetition(r) if r.min >= 1 => required_literals(&r.sub, out),
        HirKind::Concat(parts) => parts.iter().for_each(|p| required_literals(p, out)),
        HirKind::Alternation(branches) => {
            let mut any = Vec::new();
            for b in branches {
                let mut needs = Vec::new();
                required_literals(b, &mut needs);
                match needs.into_iter().next() {
                    Some(first) => any.extend(first),
                    None => return,
                }
            }
            out.push(any);
        }
        _ => {}
    }
}

/// A rule automaton (boundary words, heads, triggers …): a few hundred short words, so a full
/// DFA is small (well under a megabyte) and scans every sentence faster than the NFA the
/// builder would choose. No prefilter: in Chinese text the words' first bytes are the most
/// common bytes, and the prefilter only interrupts the DFA. The words every sentence is
/// searched for, the lexicon's thousands of names among them, are in [`Words`].
fn automaton<I, P>(path: &Path, patterns: I) -> Result<AhoCorasick>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .prefilter(false)
        .build(patterns)
        .map_err(|e| knowledge_error(path, 0, e.to_string()))
}

fn compile_mentions(path: &Path, text: &str) -> Result<MentionRules> {
    let f: MentionsFile = parse_toml(path, text)?;
    let mut head_rule = Vec::new();
    let mut head_rules = Vec::new();
    for (i, h) in f.head.iter().enumerate() {
        head_rules.push(HeadRule {
            id: h.id.clone(),
            kind: kind(path, &h.kind)?,
            min_modifier: h.min_modifier,
            max_length: h.max_length,
            not_before: h.not_before.clone(),
            not_after: h.not_after.clone(),
            left_edge: h.left_edge,
            place_before: h.place_before,
            stop_at_entities: h.stop_at_entities,
            names_inside: (h.names_inside.iter())
                .map(|t| kind(path, t))
                .collect::<Result<_>>()?,
            allow: h.allow.clone(),
            relative_prefixes: h.relative_prefixes.clone(),
            allow_brackets: h.allow_brackets,
            words: h.words.clone(),
            numbers_in_names: h.numbers_in_names,
            class_nouns_are_names: h.class_nouns_are_names,
            stop_at_defined: h.stop_at_defined,
        });
        head_rule.extend(h.words.iter().map(|_| i));
    }
    let mut policy_heads = f.quote.policy_heads.clone();
    policy_heads.sort_by_key(|h| std::cmp::Reverse(h.chars().count()));
    let mut anaphors = Vec::new();
    let mut anaphor_words = Vec::new();
    for (i, a) in f.anaphor.iter().enumerate() {
        anaphors.push(AnaphorRule {
            id: a.id.clone(),
            kind: kind(path, &a.kind)?,
            after: a.after.clone(),
            not_before: a.not_before.clone(),
            max_sentences: a.max_sentences,
        });
        for w in &a.words {
            anaphor_words.push((memchr::memmem::Finder::new(w).into_owned(), i));
        }
    }
    // A joining word is found as a boundary word or not at all.
    if let Some(w) = f
        .boundary
        .joining
        .iter()
        .find(|w| !f.boundary.words.contains(w))
    {
        return Err(knowledge_error(
            path,
            0,
            format!("[boundary] joining: {w} is none of the boundary words"),
        ));
    }
    Ok(MentionRules {
        boundary_word_list: f
            .boundary
            .words
            .iter()
            .chain(&f.boundary.protect)
            .cloned()
            .collect(),
        boundary_word_count: f.boundary.words.len(),
        short_lexical_chars: f.boundary.short_lexical_chars,
        short_enterprise_chars: f.boundary.short_enterprise_chars,
        max_trimmed_prefix: f.boundary.max_trimmed_prefix,
        min_repeated_chars: f.boundary.min_repeated_chars,
        lexicon_not_before: f.boundary.lexicon_not_before,
        joining: f.boundary.joining,
        right_edge_types: kinds(path, &f.boundary.right_edge_types)?,
        right_edge_words: f.boundary.right_edge_words,
        name_number_endings: f.boundary.name_number_endings,
        boundary_patterns: f
            .boundary
            .patterns
            .iter()
            .map(|p| regex(path, p, "boundary"))
            .collect::<Result<_>>()?,
        boundary_set: RegexSet::new(&f.boundary.patterns)
            .map_err(|e| knowledge_error(path, 0, format!("rule boundary: {e}")))?,
        generic_modifiers: automaton(path, &f.generic.modifiers)?,
        long_generic_names: f
            .generic
            .names
            .iter()
            .filter(|g| g.chars().count() >= 2)
            .cloned()
            .collect(),
        generic_names: f.generic.names.into_iter().collect(),
        designations: f.generic.designations.into_iter().collect(),
        head_rule,
        head_rules,
        policy_heads,
        policy_endings: f.quote.policy_endings,
        policy_patterns: f
            .quote
            .policy_patterns
            .iter()
            .map(|p| regex(path, p, "quote"))
            .collect::<Result<_>>()?,
        title_policy_endings: f.quote.title_policy_endings,
        max_head_distance: f.quote.max_head_distance,
        joiners: longest_first(f.quote.joiners),
        tail_joiners: f.quote.tail_joiners,
        definitions: f
            .definition
            .iter()
            .map(|d| {
                let regex = rule_regex(path, &d.pattern, &d.id)?;
                if !regex.as_regex().capture_names().any(|n| n == Some("alias")) {
                    return Err(knowledge_error(
                        path,
                        0,
                        format!(
                            "definition {}: the pattern needs a group (?P<alias>…)",
                            d.id
                        ),
                    ));
                }
                Ok(PatternRule {
                    id: d.id.clone(),
                    regex,
                })
            })
            .collect::<Result<_>>()?,
        lists: f
            .list
            .iter()
            .map(|l| {
                let regex = rule_regex(path, &l.pattern, &l.id)?;
                if !regex.as_regex().capture_names().any(|n| n == Some("list")) {
                    return Err(knowledge_error(
                        path,
                        0,
                        format!("list {}: the pattern needs a group (?P<list>…)", l.id),
                    ));
                }
                Ok(ListRule {
                    id: l.id.clone(),
                    kind: kind(path, &l.kind)?,
                    regex,
                    separators: l.separators.chars().collect(),
                    min_length: l.min_length,
                    max_length: l.max_length,
                    allow: l.allow.clone(),
                    strip_suffixes: l.strip_suffixes.clone(),
                    reject_endings: l.reject_endings.clone(),
                })
            })
            .collect::<Result<_>>()?,
        patterns: f
            .pattern
            .iter()
            .map(|p| {
                Ok(TypedPatternRule {
                    id: p.id.clone(),
                    kind: kind(path, &p.kind)?,
                    regex: rule_regex(path, &p.pattern, &p.id)?,
                })
            })
            .collect::<Result<_>>()?,
        columns: f
            .column
            .iter()
            .map(|c| {
                Ok(ColumnRule {
                    id: c.id.clone(),
                    kind: kind(path, &c.kind)?,
                    headers: c.headers.clone(),
                })
            })
            .collect::<Result<_>>()?,
        max_parenthesised: f.max_parenthesised,
        parenthesised_not_endings: f.parenthesised_not_endings,
        locating_suffixes: f.locating_suffixes,
        legal_forms: longest_first(f.company.legal_forms),
        descriptors: longest_first(f.company.descriptors),
        not_cores: f.company.not_cores,
        head_synonyms: f.head_synonyms,
        admin_units: f.admin_units,
        relative_blockers: f.relative_blockers,
        min_policy_suffix: f.min_policy_suffix,
        class_noun_markers: f.class_noun_markers,
        industry_suffixes: f.industry_suffixes,
        kind_heads: f.kind_heads,
        anaphors,
        anaphor_words,
    })
}

fn longest_first(mut words: Vec<String>) -> Vec<String> {
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words
}

fn side(path: &Path, s: &SideSpec, id: &str) -> Result<SideRule> {
    let bad =
        |what: &str, v: &str| knowledge_error(path, 0, format!("rule {id}: unknown {what} {v:?}"));
    Ok(SideRule {
        side: match s.side.as_str() {
            "left" => Side::Left,
            "right" => Side::Right,
            v => return Err(bad("side (left, right)", v)),
        },
        types: kinds(path, &s.types)?,
        take: match s.take.as_str() {
            "nearest" => Take::Nearest,
            "list" => Take::List,
            "all" => Take::All,
            "first" => Take::First,
            v => return Err(bad("take (nearest, list, all, first)", v)),
        },
        main_fallback: match s.fallback.as_deref() {
            None => false,
            Some("main") => true,
            Some(v) => return Err(bad("fallback (main)", v)),
        },
        scope: match s.scope.as_deref() {
            None | Some("clause") => Scope::Clause,
            Some("sentence") => Scope::Sentence,
            Some(v) => return Err(bad("scope (clause, sentence)", v)),
        },
        standalone: s.standalone,
        not_endings: s.not_endings.clone(),
        not_after: s.not_after.clone(),
        after: s.after.clone(),
        before: s.before.clone(),
        past: match s.side.as_str() {
            "right" => s.past.clone(),
            _ if s.past.is_empty() => Vec::new(),
            _ => {
                return Err(bad(
                    "past (only a right end lies past a word)",
                    &s.past.join(","),
                ))
            }
        },
        window: s.window,
        no_skip: s.no_skip,
    })
}

fn compile_relations(path: &Path, text: &str) -> Result<RelationRules> {
    let f: RelationsFile = parse_toml(path, text)?;
    let mut trigger_index: HashMap<String, usize> = HashMap::new();
    let mut trigger_words: Vec<String> = Vec::new();
    let mut trigger_rules: Vec<Vec<usize>> = Vec::new();
    let mut rules = Vec::new();
    for (i, r) in f.rule.iter().enumerate() {
        rules.push(RelationRule {
            id: r.id.clone(),
            predicate: predicate(path, &r.predicate, &r.id)?,
            also: r
                .also
                .iter()
                .map(|p| predicate(path, p, &r.id))
                .collect::<Result<_>>()?,
            subject: side(path, &r.subject, &r.id)?,
            object: side(path, &r.object, &r.id)?,
            window: r.window,
            not_followed_by: r.not_followed_by.clone(),
            followed_by: r.followed_by.clone(),
            overrides: r.overrides.clone(),
        });
        if r.triggers.is_empty() {
            return Err(knowledge_error(
                path,
                0,
                format!("rule {}: no triggers", r.id),
            ));
        }
        for t in &r.triggers {
            let k = *trigger_index.entry(t.clone()).or_insert_with(|| {
                trigger_words.push(t.clone());
                trigger_rules.push(Vec::new());
                trigger_words.len() - 1
            });
            trigger_rules[k].push(i);
        }
    }
    for r in &rules {
        if let Some(id) = r
            .overrides
            .iter()
            .find(|id| !rules.iter().any(|o| &o.id == *id))
        {
            return Err(knowledge_error(
                path,
                0,
                format!("rule {}: overrides {id:?}, which is no rule", r.id),
            ));
        }
    }
    Ok(RelationRules {
        clause_breaks: CharSet::new(f.clause_breaks.chars()),
        coactor_markers: f.coactor_markers,
        partner_joins: f.partner_joins,
        non_actor_markers: f.non_actor_markers,
        generic_actors: f.generic_actors,
        list_glue: {
            let mut g = f.list_glue;
            g.sort_by_key(|w| std::cmp::Reverse(w.len()));
            g
        },
        triggers: automaton(path, &trigger_words)?,
        trigger_rules,
        trigger_words,
        rules,
        tables: f
            .table
            .iter()
            .map(|t| {
                Ok(TableRule {
                    id: t.id.clone(),
                    predicate: predicate(path, &t.predicate, &t.id)?,
                    subject_headers: t.subject_headers.clone(),
                    subject_types: kinds(path, &t.subject_types)?,
                    object_headers: t.object_headers.clone(),
                    object_types: kinds(path, &t.object_types)?,
                })
            })
            .collect::<Result<_>>()?,
        containment: f
            .containment
            .iter()
            .map(|c| {
                Ok(ContainmentRule {
                    id: c.id.clone(),
                    predicate: predicate(path, &c.predicate, &c.id)?,
                    child_types: kinds(path, &c.child_types)?,
                    parent_types: kinds(path, &c.parent_types)?,
                    opening: c.opening.clone(),
                })
            })
            .collect::<Result<_>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_regex_skips_text_without_the_literals_every_match_needs() {
        let p = Path::new("rules.toml");
        let list = rule_regex(
            p,
            "(?P<list>(?:[^，、]{2,12}、)+[^，、]{2,12})等(?:企业|公司)",
            "l",
        )
        .unwrap();
        assert_eq!(list.needs, [vec!["、"], vec!["等"], vec!["企业", "公司"]]);
        // Optional parts, alternatives with a branch that requires nothing and classes
        // require nothing; case folding makes a class.
        let loose = rule_regex(
            p,
            "(?:关于)?[A-Z]+(?:意见|通知)?x*(?i:ab)(?:办法|[0-9])",
            "x",
        );
        assert!(loose.unwrap().needs.is_empty());
        let texts = [
            "华为、中兴等企业",
            "华为、中兴和其他企业",
            "华为等企业",
            "北京、上海等城市，华为、腾讯等公司",
            "北京、上海等城市",
        ];
        for t in texts {
            let plain: Vec<_> = list.as_regex().find_iter(t).map(|m| m.range()).collect();
            let ruled: Vec<_> = list
                .captures_iter(t)
                .map(|c| c.get(0).unwrap().range())
                .collect();
            assert_eq!(plain, ruled, "{t}");
            assert_eq!(
                list.may_match(t),
                t.contains('、') && t.contains('等') && (t.contains("企业") || t.contains("公司")),
                "{t}"
            );
        }
    }

    #[test]
    fn lexicon_lines_are_checked() {
        let mut out = Vec::new();
        parse_lexicon(
            Path::new("x.tsv"),
            "# c\n北京大学\tInstitution\t北大|PKU\n",
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0].aliases, ["北大", "PKU"]);
        let err =
            parse_lexicon(Path::new("x.tsv"), "\n北京大学\tSchool\t\n", &mut out).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("x.tsv:2: unknown EntityType \"School\""),
            "{err}"
        );
        let err = parse_lexicon(Path::new("x.tsv"), "北京大学\n", &mut out).unwrap_err();
        assert!(err.to_string().contains("x.tsv:1: expected"), "{err}");
    }

    #[test]
    fn toml_errors_carry_the_line() {
        let err = compile_relations(Path::new("r.toml"), "\n\n[[rule]]\nid = 3\n").unwrap_err();
        assert!(err.to_string().starts_with("r.toml:4:"), "{err}");
    }

    #[test]
    fn relation_rules_name_what_they_override_and_look_past_only_rightwards() {
        let rule = |extra: &str, subject: &str| {
            format!(
                "clause_breaks = \"，\"\ncoactor_markers = []\nnon_actor_markers = []\n\
                 generic_actors = []\nlist_glue = []\n[[rule]]\nid = \"a\"\n\
                 predicate = \"reliesOn\"\ntriggers = [\"依托\"]\n{extra}\n\
                 subject = {{ side = \"right\", types = [\"Platform\"]{subject} }}\n\
                 object = {{ side = \"right\", types = [\"Institution\"] }}\n"
            )
        };
        let path = Path::new("r.toml");
        compile_relations(path, &rule("overrides = [\"a\"]", ", past = [\"建设\"]")).unwrap();
        let err = compile_relations(path, &rule("overrides = [\"b\"]", "")).unwrap_err();
        assert!(
            err.to_string()
                .contains("overrides \"b\", which is no rule"),
            "{err}"
        );
        let left =
            rule("", ", past = [\"建设\"]").replacen("side = \"right\"", "side = \"left\"", 1);
        let err = compile_relations(path, &left).unwrap_err();
        assert!(err.to_string().contains("unknown past"), "{err}");
    }

    #[test]
    fn a_joining_word_must_be_a_boundary_word() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/rules/mentions.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text
            .find("\njoining = ")
            .expect("mentions.toml has joining words")
            + 1;
        let end = start + text[start..].find('\n').unwrap();
        compile_mentions(&path, &text).unwrap();
        let bad = format!(
            "{}joining = [\"和\", \"然后\"]{}",
            &text[..start],
            &text[end..]
        );
        let err = compile_mentions(&path, &bad).unwrap_err();
        assert!(
            err.to_string()
                .contains("joining: 然后 is none of the boundary words"),
            "{err}"
        );
    }

    /// The knowledge of `ontology/`, with these lexicon lines instead of its own.
    fn with_lexicon(tsv: &str) -> (Lexicon, Words) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/rules/mentions.toml");
        let rules = compile_mentions(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut out = Vec::new();
        parse_lexicon(Path::new("x.tsv"), tsv, &mut out).unwrap();
        let lexicon = Lexicon::build(out);
        let words = Words::build(&lexicon, &rules, &path).unwrap();
        (lexicon, words)
    }

    #[test]
    fn lexicon_matches_longest_first() {
        let (lex, words) = with_lexicon(
            "中国科学院\tInstitution\t中科院\n中国科学技术大学\tInstitution\t中科大\n",
        );
        let hits: Vec<&str> = words
            .names("中科大与中科院")
            .into_iter()
            .map(|h| lex.entries[h.2].name.as_str())
            .collect();
        assert_eq!(hits, ["中国科学技术大学", "中国科学院"]);
    }

    /// A word that is a lexicon name and a rule's word too is found as both.
    #[test]
    fn a_word_of_two_kinds_is_found_as_both() {
        let (lex, words) = with_lexicon("产业园\tRegion\n");
        let mut hits = WordHits::default();
        words.scan("建设产业园", &mut hits);
        assert_eq!(hits.names, [(6, 15, 0)]);
        assert_eq!(lex.entries[0].name, "产业园");
        assert!(
            hits.heads.iter().any(|h| h.0 == 6 || h.0 == 9),
            "{:?}",
            hits.heads
        );
        assert!(
            hits.boundaries.iter().any(|h| h.0 == 0),
            "{:?}",
            hits.boundaries
        );
    }

    /// One pass of [`Words`] finds, for each kind, exactly what a leftmost-longest
    /// Aho-Corasick automaton of that kind's words alone finds (the automata zhitu used
    /// before), ids included, on text made of pieces of the real words and other characters.
    #[test]
    fn words_match_like_one_automaton_per_kind() {
        let k = Knowledge::load(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("ontology")
                .as_path(),
        )
        .unwrap();
        let mut surfaces: Vec<&String> = k.lexicon.by_surface.keys().collect();
        surfaces.sort();
        let boundary: Vec<&String> = k.mentions.boundary_word_list.iter().collect();
        let heads: Vec<&String> = k
            .mentions
            .head_rules
            .iter()
            .flat_map(|r| &r.words)
            .collect();
        let automaton = |words: &[&String]| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(words)
                .unwrap()
        };
        let (by_name, by_boundary, by_head) = (
            automaton(&surfaces),
            automaton(&boundary),
            automaton(&heads),
        );
        let pieces: Vec<&String> = surfaces
            .iter()
            .step_by(7)
            .chain(&boundary)
            .chain(&heads)
            .copied()
            .collect();
        let fillers = [
            "的", "和", "、", "，", "a", "1", "中", "国", "市", "𠀀", "  ",
        ];
        let mut next = crate::testing::xorshift(0x2545_F491_4F6C_DD1Du64);
        let mut hits = WordHits::default();
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(next() % 12) {
                let s = pieces[(next() % pieces.len() as u64) as usize];
                let chars: Vec<char> = s.chars().collect();
                let (a, b) = (
                    (next() % 3) as usize,
                    chars.len().saturating_sub((next() % 3) as usize),
                );
                text.extend(chars[a.min(b)..b].iter());
                text.push_str(fillers[(next() % fillers.len() as u64) as usize]);
            }
            k.words.scan(&text, &mut hits);
            let found = |ac: &AhoCorasick| -> Vec<(usize, usize, usize)> {
                ac.find_iter(&text)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                    .collect()
            };
            let names: Vec<(usize, usize, usize)> = found(&by_name)
                .into_iter()
                .map(|(a, b, i)| (a, b, k.lexicon.by_surface[surfaces[i]] as usize))
                .collect();
            assert_eq!(hits.names, names, "{text}");
            assert_eq!(k.words.names(&text), names, "{text}");
            assert_eq!(hits.boundaries, found(&by_boundary), "{text}");
            assert_eq!(hits.heads, found(&by_head), "{text}");
            let starts: Vec<usize> = (0..text.len())
                .filter(|&b| {
                    text.is_char_boundary(b)
                        && by_head.find(&text[b..]).is_some_and(|m| m.start() == 0)
                })
                .collect();
            assert_eq!(hits.head_starts, starts, "{text}");
        }
    }
}
