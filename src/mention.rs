//! Stage 4 — mentions: where the text names an entity, and as what.
//!
//! Chinese writes no spaces, so the hard part of recognising a name is its left edge. A
//! name is found from its right edge instead: most organisation, platform, place and policy
//! names end in a *head word* (研究院, 创新中心, 管委会, 高新区, 试点 …), and the name extends
//! leftwards from the head until it meets a *boundary*: punctuation, a trigger verb or
//! function word (依托, 推动, 的 …), a number with its classifier (一批, 首支). Names that no
//! head reveals come from lexicons of real names, from quotation marks and title marks
//! (“京校十条”, 《…办法》), from coordinated lists (X、Y等领军企业) and from definitions
//! (（以下简称海淀园）). All candidates of a sentence then compete: the longest wins, a
//! lexicon or quoted name wins a tie. Every rejected candidate is kept with its reason, so
//! that `explain` can show a rule author why a name was not taken.
//!
//! All positions are byte offsets into the clean text; `entity` maps them back.

use foldhash::{HashMap, HashMapExt, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::knowledge::{Knowledge, MentionRules, WordHits};
use crate::normalize::NormalizedText;
use crate::ontology::EntityType;
use crate::sentence::Sentence;

/// How a mention was found (ties between overlapping candidates go to the stronger one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Head = 1,
    List = 2,
    Pattern = 3,
    Quote = 4,
    Alias = 5,
    Lexicon = 6,
}

/// A span of the clean text that names an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Clean-text byte range.
    pub start: usize,
    pub end: usize,
    /// The sentence it lies in.
    pub sentence: usize,
    /// The name this mention proposes for its entity (a lexicon's canonical name, or the
    /// surface without quotation marks).
    pub name: String,
    /// Other names this mention makes known (the surface when it differs, a quoted core,
    /// a lexicon's aliases).
    pub aliases: Vec<String>,
    pub kind: EntityType,
    pub source: Source,
    /// The id of the rule that found it (`lexicon:universities.tsv:3`, `head.platform.lab` …).
    pub rule: String,
}

/// A candidate that did not become a mention, and why (for `explain`).
#[derive(Debug, Clone)]
pub struct Rejection {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub rule: String,
    pub reason: String,
}

/// A short name defined for a mention (`（以下简称海淀园）`).
#[derive(Debug, Clone)]
pub struct Definition {
    pub alias: String,
    /// Index into the mention list of the defined mention.
    pub mention: usize,
    pub rule: String,
}

/// The mentions of one document.
#[derive(Debug, Default)]
pub struct Mentions {
    /// Sorted by start; they never overlap.
    pub mentions: Vec<Mention>,
    pub definitions: Vec<Definition>,
    pub rejected: Vec<Rejection>,
}

impl Mentions {
    /// Removes the mentions at the given indexes, keeping definitions pointing right (a
    /// definition of a removed mention goes with it).
    pub fn remove(&mut self, drop: &[usize]) {
        self.splice(Replacement {
            removed: drop.to_vec(),
            added: Vec::new(),
        });
    }

    /// Removes and adds mentions, keeping them sorted by start and definitions pointing
    /// right (a definition of a removed mention goes with it).
    fn splice(
        &mut self,
        Replacement {
            removed,
            added: new,
        }: Replacement,
    ) {
        if removed.is_empty() && new.is_empty() {
            return;
        }
        let mut remove = vec![false; self.mentions.len()];
        for i in removed {
            remove[i] = true;
        }
        let mut new_index = vec![usize::MAX; self.mentions.len()];
        let mut kept = Vec::with_capacity(self.mentions.len() + new.len());
        for (i, m) in self.mentions.drain(..).enumerate() {
            if !remove[i] {
                new_index[i] = kept.len();
                kept.push(m);
            }
        }
        self.definitions.retain_mut(|d| {
            d.mention = new_index[d.mention];
            d.mention != usize::MAX
        });
        if new.is_empty() {
            self.mentions = kept;
            return;
        }
        kept.extend(new);
        // Sort by start and remap definitions once more.
        let mut order: Vec<usize> = (0..kept.len()).collect();
        order.sort_by_key(|&i| kept[i].start);
        let mut pos = vec![0; kept.len()];
        for (new, &old) in order.iter().enumerate() {
            pos[old] = new;
        }
        for d in &mut self.definitions {
            d.mention = pos[d.mention];
        }
        let mut slots: Vec<Option<Mention>> = kept.into_iter().map(Some).collect();
        self.mentions = order.iter().filter_map(|&i| slots[i].take()).collect();
    }
}

/// Characters that can be part of a name.
fn is_name_char(c: char) -> bool {
    crate::normalize::is_cjk(c) && !is_cjk_punct(c)
        || c.is_ascii_alphanumeric()
        || "+·-.&".contains(c)
}

fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 | 0x2018..=0x201F)
        && c != '〇'
}

const QUOTE_PAIRS: &[(char, char)] = &[
    ('“', '”'),
    ('《', '》'),
    ('「', '」'),
    ('『', '』'),
    ('"', '"'),
    ('‘', '’'),
];
const MARKS: &[char] = &[
    '“', '”', '‘', '’', '"', '\'', '《', '》', '「', '」', '『', '』', '〈', '〉', '<', '>',
];

/// Removes quotation and title marks (they are not part of a name).
pub fn strip_marks(s: &str) -> String {
    s.chars()
        .filter(|c| !MARKS.contains(c) && !c.is_whitespace())
        .collect()
}

/// Finds the mentions of one document.
pub fn find(clean: &NormalizedText, sentences: &[Sentence], k: &Knowledge) -> Mentions {
    let mut out = Mentions::default();
    let members = list_members(clean, sentences, &k.mentions);
    let cells = table_cells(clean, sentences, &k.mentions);
    let defined = defined_names(clean, &k.mentions);
    let mut scratch = Scratch::default();
    let mut cands = Vec::new();
    for s in sentences {
        let text = s.text(clean);
        scratch.known.clear();
        if let Some(ac) = &defined {
            scratch
                .known
                .extend(ac.find_iter(text).map(|h| (h.start(), h.end())));
        }
        candidates(
            text,
            s,
            k,
            &members[s.index],
            &mut scratch,
            &mut cands,
            &mut out.rejected,
        );
        cands.extend(cells[s.index].iter().cloned());
        let first = out.mentions.len();
        resolve(&mut cands, &mut out.mentions, &mut out.rejected);
        let mut these: Vec<Mention> = out.mentions.drain(first..).collect();
        these.sort_by_key(|m| m.start);
        merge_adjacent_regions(&clean.text, &k.mentions, &mut these);
        parenthesised_parts(&clean.text, &k.mentions, &mut these);
        out.mentions.extend(these);
    }
    out.mentions.sort_by_key(|m| m.start);
    find_definitions(clean, &mut out, &k.mentions);
    apply_aliases(clean, sentences, &mut out);
    trim_to_known_names(clean, &mut out, &k.mentions);
    repeat_names(clean, sentences, &mut out, &k.mentions);
    resolve_anaphors(clean, sentences, &mut out, k);
    out
}

/// A head-found name seen once that ends with a name the document uses on its own at least
/// twice is that name with a stray word in front (保障临港地区 → 临港地区).
fn trim_to_known_names(clean: &NormalizedText, out: &mut Mentions, r: &MentionRules) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for m in &out.mentions {
        *counts.entry(m.name.as_str()).or_default() += 1;
    }
    let defined: HashSet<usize> = out.definitions.iter().map(|d| d.mention).collect();
    let mut trims = Vec::new();
    for (i, m) in out.mentions.iter().enumerate() {
        if m.source != Source::Head || counts[m.name.as_str()] > 1 || defined.contains(&i) {
            continue;
        }
        let best = m
            .name
            .char_indices()
            .skip(1)
            .take(r.max_trimmed_prefix)
            .map(|(b, _)| &m.name[b..])
            .find(|suffix| {
                suffix.chars().count() >= 2 && counts.get(suffix).copied().unwrap_or(0) >= 2
            });
        if let Some(suffix) = best {
            let surface = &clean.text[m.start..m.end];
            if surface.ends_with(suffix) {
                trims.push((i, m.end - suffix.len(), suffix.to_owned()));
            }
        }
    }
    for (i, start, name) in trims {
        let m = &mut out.mentions[i];
        m.start = start;
        m.name = name;
        m.rule = format!("{}+trimmed", m.rule);
    }
}

struct Ctx<'a> {
    text: &'a str,
    base: usize,
    sentence: usize,
    /// The per-sentence buffers, taken from the caller's [`Scratch`] and given back.
    buf: Scratch,
    rules: &'a MentionRules,
}

/// The buffers of [`Ctx`], kept from one sentence to the next: a document has thousands of
/// sentences, and each would otherwise allocate them anew.
#[derive(Default)]
struct Scratch {
    /// Per byte of the sentence: inside a boundary word.
    blocked: Vec<bool>,
    /// Per byte: inside a number-with-classifier boundary pattern (and no boundary word).
    numeral: Vec<bool>,
    /// `blocked` before lexicon names lift it: where boundaries really are.
    raw_blocked: Vec<bool>,
    /// Lexicon hits: (start, end, type) relative to the sentence.
    lexical: Vec<(usize, usize, EntityType)>,
    /// Short names the document defines (（以下简称海淀园）) in the sentence: filled by the
    /// caller.
    known: Vec<(usize, usize)>,
    /// Boundary words found: (start, end, word index).
    words: Vec<(usize, usize, usize)>,
    /// The sentence's lexicon names, boundary words and head words, found in one pass.
    hits: WordHits,
}

fn candidates(
    text: &str,
    s: &Sentence,
    k: &Knowledge,
    members: &[ListMember],
    scratch: &mut Scratch,
    cands: &mut Vec<Mention>,
    rejected: &mut Vec<Rejection>,
) {
    let r = &k.mentions;
    // Emptied buffers of the last sentence; `known` the caller has filled.
    let mut buf = std::mem::take(scratch);
    for v in [&mut buf.blocked, &mut buf.numeral, &mut buf.raw_blocked] {
        v.clear();
    }
    buf.lexical.clear();
    buf.words.clear();
    buf.blocked.resize(text.len(), false);
    buf.numeral.resize(text.len(), false);
    let mut ctx = Ctx {
        text,
        base: s.start,
        sentence: s.index,
        buf,
        rules: r,
    };
    k.words.scan(text, &mut ctx.buf.hits);
    // Lexicon names.
    for &(a, b, e) in &ctx.buf.hits.names {
        let e = &k.lexicon.entries[e];
        ctx.buf.lexical.push((a, b, e.kind));
        let mut aliases = e.aliases.clone();
        if text[a..b] != e.name && !aliases.iter().any(|x| x == &text[a..b]) {
            aliases.push(text[a..b].to_owned());
        }
        cands.push(ctx.mention(
            a,
            b,
            e.name.clone(),
            aliases,
            e.kind,
            Source::Lexicon,
            format!("lexicon:{}", e.source),
        ));
    }
    // Boundaries bound names that grow from a lexicon name, a head word, a list member or a
    // quotation. A sentence with none of them (nearly half of those in news text) has only
    // the fixed shapes of the pattern rules, which need no boundaries.
    if ctx.buf.lexical.is_empty()
        && ctx.buf.hits.heads.is_empty()
        && members.is_empty()
        && !text.contains(|c| QUOTE_PAIRS.iter().any(|p| p.0 == c))
    {
        pattern_candidates(&ctx, r, cands);
        *scratch = ctx.buf;
        return;
    }
    // Boundaries: words and patterns, except where a lexicon name covers them.
    for i in 0..ctx.buf.hits.boundaries.len() {
        let (a, b, word) = ctx.buf.hits.boundaries[i];
        if word < r.boundary_word_count {
            ctx.block(a, b);
            ctx.buf.words.push((a, b, word));
        }
    }
    for i in r.boundary_set.matches(text).iter() {
        for m in r.boundary_patterns[i].find_iter(text) {
            // Numbers that name things (20条新政) may stand inside names of some types.
            if r.name_number_endings
                .iter()
                .any(|e| m.as_str().ends_with(e.as_str()))
            {
                for i in m.start()..m.end() {
                    if !ctx.buf.blocked[i] {
                        ctx.buf.numeral[i] = true;
                    }
                }
            }
            ctx.block(m.start(), m.end());
        }
    }
    ctx.buf.raw_blocked.extend_from_slice(&ctx.buf.blocked);
    // A lexicon name that begins or ends inside a boundary word is a piece of two words
    // (建湖 of 共建湖北): it neither lifts the boundary nor counts.
    let words = &ctx.buf.words;
    let straddles = |a: usize, b: usize| {
        words
            .iter()
            .any(|w| (w.0 < a && a < w.1) || (w.0 < b && b < w.1))
    };
    ctx.buf.lexical.retain(|&(a, b, _)| !straddles(a, b));
    for &(a, b, _) in &ctx.buf.lexical {
        ctx.buf.blocked[a..b].iter_mut().for_each(|x| *x = false);
    }
    let short = r.short_lexical_chars;
    // A short lexicon name needs a boundary on at least one side, or it is likely part of
    // another word (中办 in 集中办公区).
    cands.retain(|m| {
        let (a, b) = (m.start - ctx.base, m.end - ctx.base);
        if m.source == Source::Lexicon && straddles(a, b) {
            rejected.push(ctx.reject(
                a,
                b,
                &m.rule,
                "begins or ends inside another word (建湖 of 共建湖北)",
            ));
            return false;
        }
        if m.source == Source::Lexicon
            && r.lexicon_not_before
                .iter()
                .any(|w| text[b..].starts_with(w.as_str()))
        {
            rejected.push(ctx.reject(a, b, &m.rule, "the name continues into another word"));
            return false;
        }
        if m.source == Source::Lexicon
            && r.right_edge_types.contains(&m.kind)
            && !ctx.edge_after(b)
            && !ctx.head_follows(b)
            && !r
                .right_edge_words
                .iter()
                .any(|w| text[b..].starts_with(w.as_str()))
        {
            rejected.push(ctx.reject(
                a,
                b,
                &m.rule,
                "the name runs on into another word (大数据中心)",
            ));
            return false;
        }
        let limit = if m.kind == EntityType::Enterprise {
            r.short_enterprise_chars
        } else {
            short
        };
        if m.source != Source::Lexicon || text[a..b].chars().count() > limit {
            return true;
        }
        let ok = ctx.edge_before(a) || ctx.edge_after(b);
        if !ok {
            rejected.push(ctx.reject(
                a,
                b,
                &m.rule,
                "a short name inside a longer word (no boundary on either side)",
            ));
        }
        ok
    });
    head_candidates(&ctx, r, cands, rejected);
    quote_candidates(&ctx, r, cands, rejected);
    pattern_candidates(&ctx, r, cands);
    list_candidates(&ctx, r, members, cands, rejected);
    *scratch = ctx.buf;
}

impl Ctx<'_> {
    /// Whether a name may start at `a`: sentence start, a non-name character, a boundary
    /// word or another lexicon name ends right before it.
    fn edge_before(&self, a: usize) -> bool {
        match self.text[..a].chars().next_back() {
            None => true,
            Some(c) => {
                !is_name_char(c)
                    || self.buf.words.iter().any(|w| w.1 == a)
                    // a boundary that ends right here (not one running on into the name)
                    || (self.buf.raw_blocked[a - c.len_utf8()] && !self.buf.raw_blocked[a])
                    || self.buf.lexical.iter().any(|l| l.1 == a)
            }
        }
    }

    /// Whether a head word of the rules starts at `b` (云计算 + 产业): the name goes on as a
    /// longer name, which will compete with this one.
    fn head_follows(&self, b: usize) -> bool {
        self.buf.hits.head_starts.binary_search(&b).is_ok()
    }

    /// Whether a name may end at `b`.
    fn edge_after(&self, b: usize) -> bool {
        match self.text[b..].chars().next() {
            None => true,
            Some(c) => {
                !is_name_char(c)
                    || self.buf.words.iter().any(|w| w.0 == b)
                    || (self.buf.raw_blocked[b] && (b == 0 || !self.buf.raw_blocked[b - 1]))
                    || self.buf.lexical.iter().any(|l| l.0 == b)
            }
        }
    }

    fn block(&mut self, a: usize, b: usize) {
        self.buf.blocked[a..b].iter_mut().for_each(|x| *x = true);
    }

    #[allow(clippy::too_many_arguments)]
    fn mention(
        &self,
        a: usize,
        b: usize,
        name: String,
        aliases: Vec<String>,
        kind: EntityType,
        source: Source,
        rule: String,
    ) -> Mention {
        Mention {
            start: self.base + a,
            end: self.base + b,
            sentence: self.sentence,
            name,
            aliases,
            kind,
            source,
            rule,
        }
    }

    fn reject(&self, a: usize, b: usize, rule: &str, reason: impl Into<String>) -> Rejection {
        Rejection {
            start: self.base + a,
            end: self.base + b,
            text: self.text[a..b].to_owned(),
            rule: rule.to_owned(),
            reason: reason.into(),
        }
    }

    /// Walks left from `end` over name characters until a boundary, at most `max` characters.
    /// A lexicon name to the left is absorbed whole, or (when `stop_at` gives a different
    /// type) not at all, unless `stop_at` lets its type inside: then it begins the name.
    /// Boundary words listed in `allow` do not stop the walk, unless what stands before them
    /// ends in one of `heads` (阀门行业和核工业 are two industries); a joining word among them
    /// (和, 与) never begins the name. With `brackets`, a bracketed place is part
    /// of the name (品捷电子（苏州）有限公司).
    #[allow(clippy::too_many_arguments)]
    fn extend_left(
        &self,
        end: usize,
        max: usize,
        stop_at: Option<(EntityType, &[EntityType])>,
        allow: &[String],
        heads: &[String],
        brackets: bool,
        numbers: bool,
        stop_at_defined: bool,
    ) -> usize {
        let mut start = end;
        let mut n = 0;
        while let Some((i, c)) = self.text[..start].char_indices().next_back() {
            if n >= max {
                break;
            }
            if brackets && c == '）' {
                if let Some(o) = self.text[..i].rfind('（') {
                    let inner = &self.text[o + '（'.len_utf8()..i];
                    let len = inner.chars().count();
                    if (2..=4).contains(&len)
                        && inner.chars().all(|c| is_name_char(c) && !c.is_ascii())
                    {
                        n += len + 2;
                        start = o;
                        continue;
                    }
                }
                break;
            }
            if !is_name_char(c) {
                break;
            }
            if self.buf.blocked[i] && !(numbers && self.buf.numeral[i]) {
                let word = self.buf.words.iter().find(|w| {
                    w.1 == start
                        && allow
                            .iter()
                            .any(|a| *a == self.rules.boundary_word_list[w.2])
                });
                match word {
                    Some(&(ws, _, _))
                        if !heads.iter().any(|h| self.text[..ws].ends_with(h.as_str())) =>
                    {
                        n += self.text[ws..start].chars().count();
                        start = ws;
                        continue;
                    }
                    _ => break,
                }
            }
            if stop_at_defined
                && self
                    .buf
                    .known
                    .iter()
                    .any(|&(ka, kb)| ka <= i && i < kb && kb <= start)
            {
                break; // a name the document defined stands here
            }
            let lexical = (self.buf.lexical.iter()).find(|&&(la, lb, _)| la <= i && i < lb);
            if let Some(&(la, lb, kind)) = lexical {
                let len = self.text[la..lb].chars().count();
                let other = stop_at.filter(|&(k, _)| k != kind);
                // A short name let inside must not be a piece of another word (化工 of
                // 绿化工程): it needs a word's edge on one side.
                let inside = other.is_some_and(|(_, inside)| inside.contains(&kind))
                    && (len > self.rules.short_lexical_chars
                        || self.edge_before(la)
                        || self.edge_after(lb));
                if (other.is_some() && !inside) || lb > start || n + len > max {
                    break;
                }
                start = la;
                n += len;
                if inside {
                    break; // a name of another type begins this one (数字经济…扶持政策)
                }
                continue;
            }
            start = i;
            n += 1;
        }
        // A joining word the walk went through opens no name: 《…条例》和高新技术企业税收优惠政策.
        while let Some(&(_, to, _)) = self.buf.words.iter().find(|w| {
            w.0 == start
                && w.1 < end
                && self
                    .rules
                    .joining
                    .contains(&self.rules.boundary_word_list[w.2])
        }) {
            start = to;
        }
        start
    }

    fn covered_by_lexicon(&self, a: usize, b: usize) -> bool {
        self.buf
            .lexical
            .iter()
            .any(|&(la, lb, _)| la <= a && b <= lb)
    }
}

fn head_candidates(
    ctx: &Ctx,
    r: &MentionRules,
    cands: &mut Vec<Mention>,
    rejected: &mut Vec<Rejection>,
) {
    let text = ctx.text;
    for &(h_start, h_end, word) in &ctx.buf.hits.heads {
        let rule = &r.head_rules[r.head_rule[word]];
        if ctx.covered_by_lexicon(h_start, h_end)
            && !ctx.buf.lexical.iter().any(|&(_, lb, _)| lb == h_end)
        {
            continue; // the head word is inside a known name
        }
        let id = format!("head.{}", rule.id);
        let after = &text[h_end..];
        if rule
            .not_before
            .iter()
            .any(|w| after.starts_with(w.as_str()))
        {
            rejected.push(ctx.reject(
                h_start,
                h_end,
                &id,
                "the head word continues into another word",
            ));
            continue;
        }
        let before = &text[..h_start];
        // A word that ends a lexicon name is that name's, not a word of its own (都 of 成都
        // in 中国科学院成都分院).
        let ends_a_name = |w: &str| {
            (ctx.buf.lexical.iter()).any(|&(la, lb, _)| lb == h_start && la + w.len() < h_start)
        };
        if rule
            .not_after
            .iter()
            .any(|w| before.ends_with(w.as_str()) && !ends_a_name(w))
        {
            rejected.push(ctx.reject(
                h_start,
                h_end,
                &id,
                "the head word ends a common word (故乡, 重镇)",
            ));
            continue;
        }
        let head_len = text[h_start..h_end].chars().count();
        let max = rule.max_length.saturating_sub(head_len);
        let mut start = ctx.extend_left(
            h_start,
            max,
            (rule.stop_at_entities).then_some((rule.kind, rule.names_inside.as_slice())),
            &rule.allow,
            &rule.words,
            rule.allow_brackets,
            rule.numbers_in_names,
            rule.stop_at_defined,
        );
        if rule.left_edge
            && text[start..h_start].chars().count() >= max
            && text[..start]
                .char_indices()
                .next_back()
                .is_some_and(|(i, c)| is_name_char(c) && !ctx.buf.blocked[i])
        {
            rejected.push(ctx.reject(
                start,
                h_end,
                &id,
                "cut out of a longer run of name characters (亚国民经济)",
            ));
            continue;
        }
        if !rule.class_nouns_are_names && is_class_noun(&text[..start], r) {
            // X、Y等一批重大创新平台: the class of the list before, not a name.
            rejected.push(ctx.reject(
                start,
                h_end,
                &id,
                "the class noun of a list (…等 X), not a name",
            ));
            continue;
        }
        // Leading generic modifiers (新型, 一批 …) are not part of a name.
        start = strip_generic(text, start, h_start, r);
        let modifier_text = &text[start..h_start];
        let head_text = &text[h_start..h_end];
        let blocked_relative = r
            .relative_blockers
            .iter()
            .any(|b| text[..start].ends_with(b.as_str()));
        if blocked_relative && modifier_text.chars().count() <= 1 {
            rejected.push(ctx.reject(
                start,
                h_end,
                &id,
                "a generic body (各区人民政府), not a name",
            ));
            continue;
        }
        let relative = rule.relative_prefixes.iter().any(|p| {
            p == modifier_text
                || (modifier_text.is_empty()
                    && head_text.starts_with(p.as_str())
                    && head_text.len() > p.len())
        });
        if relative {
            // 市财政局: the document's own city; `entity` supplies the place.
            cands.push(ctx.mention(
                start,
                h_end,
                text[start..h_end].to_owned(),
                Vec::new(),
                rule.kind,
                Source::Head,
                format!("{id}.relative"),
            ));
            continue;
        }
        if r.kind_heads.iter().any(|k| k == head_text)
            && ctx
                .buf
                .lexical
                .iter()
                .any(|&(la, lb, kind)| la == start && lb == h_start && kind == EntityType::Industry)
        {
            rejected.push(ctx.reject(
                start,
                h_end,
                &id,
                "an industry's zone (智能制造示范区) is a kind of place, not a name",
            ));
            continue;
        }
        if rule.place_before {
            let place = ctx
                .buf
                .lexical
                .iter()
                .filter(|&&(la, lb, kind)| {
                    la >= start && lb == h_start && kind == EntityType::Region
                })
                .map(|&(la, _, _)| la)
                .min();
            match place {
                Some(la) => start = la,
                None if r
                    .admin_units
                    .iter()
                    .any(|w| modifier_text.ends_with(w.as_str())) => {}
                None => {
                    rejected.push(ctx.reject(
                        start,
                        h_end,
                        &id,
                        "no place right before the head word (中日两国政府, 地方政府)",
                    ));
                    continue;
                }
            }
        }
        let modifier_text = &text[start..h_start];
        let modifier = modifier_text.chars().count();
        if modifier < rule.min_modifier {
            rejected.push(ctx.reject(
                start,
                h_end,
                &id,
                format!(
                    "only {modifier} character(s) before the head word (needs {})",
                    rule.min_modifier
                ),
            ));
            continue;
        }
        let name = &text[start..h_end];
        if is_generic_name(name, r) {
            rejected.push(ctx.reject(start, h_end, &id, "a generic phrase, not a name"));
            continue;
        }
        let designated = ctx
            .buf
            .lexical
            .iter()
            .filter(|&&(la, lb, kind)| la == start && lb <= h_start && kind == EntityType::Region)
            .any(|&(_, lb, _)| {
                r.designations
                    .contains(&text[strip_generic(text, lb, h_start, r)..h_end])
            });
        if designated {
            rejected.push(ctx.reject(
                start,
                h_end,
                &id,
                "a place's designation (江苏省重点实验室), a class, not a name",
            ));
            continue;
        }
        cands.push(ctx.mention(
            start,
            h_end,
            strip_marks(name),
            Vec::new(),
            rule.kind,
            Source::Head,
            id,
        ));
    }
}

/// Whether what precedes a candidate marks it as a list's class noun: a marker (等), then
/// nothing but generic modifiers (等一批重大创新平台).
fn is_class_noun(before: &str, r: &MentionRules) -> bool {
    let mut rest = before;
    for _ in 0..4 {
        if r.class_noun_markers
            .iter()
            .any(|w| rest.ends_with(w.as_str()))
        {
            return true;
        }
        // Peel one generic modifier off the end, if there is one.
        let tail_start = rest.char_indices().rev().nth(5).map_or(0, |(i, _)| i);
        let tail = &rest[tail_start..];
        match r
            .generic_modifiers
            .find_iter(tail)
            .filter(|m| tail_start + m.end() == rest.len())
            .last()
        {
            Some(m) => rest = &rest[..tail_start + m.start()],
            None => return false,
        }
    }
    false
}

/// The short names a document defines, found before any mention so that head words can
/// stop at them (海淀园移动互联网产业: the industry starts after the park).
fn defined_names(clean: &NormalizedText, r: &MentionRules) -> Option<AhoCorasick> {
    let mut names: Vec<String> = r
        .definitions
        .iter()
        .flat_map(|d| {
            d.regex
                .captures_iter(&clean.text)
                .filter_map(|c| c.name("alias").map(|a| strip_marks(a.as_str())))
        })
        .filter(|a| a.chars().count() >= 2)
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&names)
        .ok()
}

/// Advances `start` past generic modifiers at the left of a name, never into the head.
fn strip_generic(text: &str, mut start: usize, head: usize, r: &MentionRules) -> usize {
    loop {
        let rest = &text[start..head];
        match r.generic_modifiers.find(rest) {
            Some(m) if m.start() == 0 && m.end() > 0 => start += m.end(),
            _ => return start,
        }
    }
}

/// A generic noun, or one with a single stray character before it (济重镇: the tail of 经济重镇).
fn is_generic_name(name: &str, r: &MentionRules) -> bool {
    r.generic_names.contains(name)
        || name
            .chars()
            .next()
            .is_some_and(|c| r.long_generic_names.contains(&name[c.len_utf8()..]))
}

fn quote_candidates(
    ctx: &Ctx,
    r: &MentionRules,
    cands: &mut Vec<Mention>,
    rejected: &mut Vec<Rejection>,
) {
    let text = ctx.text;
    for (i, c) in text.char_indices() {
        let Some(&(_, close)) = QUOTE_PAIRS.iter().find(|p| p.0 == c) else {
            continue;
        };
        let open_end = i + c.len_utf8();
        let Some(rel) = text[open_end..].find(close) else {
            continue;
        };
        let inner_end = open_end + rel;
        let close_end = inner_end + close.len_utf8();
        let inner = &text[open_end..inner_end];
        let n = inner.chars().count();
        if n == 0 || n > 60 {
            continue;
        }
        let core = strip_marks(inner);
        if c == '《' {
            if r.title_policy_endings
                .iter()
                .any(|e| core.ends_with(e.as_str()))
            {
                cands.push(ctx.mention(
                    i,
                    close_end,
                    core,
                    Vec::new(),
                    EntityType::Policy,
                    Source::Quote,
                    "quote.title".into(),
                ));
            } else {
                rejected.push(ctx.reject(
                    i,
                    close_end,
                    "quote.title",
                    "a title that names no policy, law or plan",
                ));
            }
            continue;
        }
        // A quoted core followed by a policy head: “海聚”工程, “1+4”资金政策支持体系.
        if let Some(end) = policy_tail(text, close_end, r, ctx) {
            let tail = &text[close_end..end];
            cands.push(ctx.mention(
                i,
                end,
                format!("{core}{}", strip_marks(tail)),
                vec![core],
                EntityType::Policy,
                Source::Quote,
                "quote.policy_head".into(),
            ));
            continue;
        }
        // A quoted core sharing a head with the next one: “双定双限房”和公共租赁房“先租后售”政策.
        if let Some(head) = shared_policy_head(text, close_end, r, ctx) {
            cands.push(ctx.mention(
                i,
                close_end,
                format!("{core}{head}"),
                vec![core],
                EntityType::Policy,
                Source::Quote,
                "quote.shared_head".into(),
            ));
            continue;
        }
        if r.policy_endings.iter().any(|e| core.ends_with(e.as_str()))
            || r.policy_patterns.iter().any(|p| p.is_match(&core))
        {
            cands.push(ctx.mention(
                i,
                close_end,
                core,
                Vec::new(),
                EntityType::Policy,
                Source::Quote,
                "quote.policy".into(),
            ));
        } else {
            rejected.push(ctx.reject(
                i,
                close_end,
                "quote",
                "a quoted phrase that is not a policy name",
            ));
        }
    }
}

/// The end of the last policy head that follows a quotation within a few name characters
/// (“6+1”战略性新兴产业技术路线图 ends at 路线图, not at 战略).
fn policy_tail(text: &str, from: usize, r: &MentionRules, ctx: &Ctx) -> Option<usize> {
    let rest = &text[from..];
    let mut best = None;
    // The end of a joiner being crossed (建设 is two characters, both blocked).
    let mut joined = 0;
    for (n, (i, c)) in rest.char_indices().enumerate() {
        if let Some(h) = r
            .policy_heads
            .iter()
            .find(|h| rest[i..].starts_with(h.as_str()))
        {
            best = Some(from + i + h.len());
        }
        if let Some(j) = r
            .tail_joiners
            .iter()
            .find(|j| rest[i..].starts_with(j.as_str()))
        {
            joined = joined.max(i + j.len());
        }
        if n >= r.max_head_distance
            || !is_name_char(c)
            || (i >= joined && ctx.buf.blocked.get(from + i).copied().unwrap_or(true))
        {
            break;
        }
    }
    best
}

/// The policy head that closes a coordination a quotation stands in: after the quote comes a
/// joiner (和, 、, 及) or straight away another quotation (“尖兵”“领雁”研发攻关计划), then,
/// within the clause, that quotation and its tail up to a head.
fn shared_policy_head<'t>(
    text: &'t str,
    from: usize,
    r: &MentionRules,
    ctx: &Ctx,
) -> Option<&'t str> {
    let rest = &text[from..];
    // After a joiner the head follows the other quotation at once (“京科九条”、中关村“1+4”资金
    // 政策支持体系 shares nothing); quotations side by side share the whole tail.
    let (after_joiner, adjacent) =
        match r.joiners.iter().find_map(|j| rest.strip_prefix(j.as_str())) {
            Some(after) => (after, false),
            None if rest.starts_with('“') => (rest, true),
            None => return None,
        };
    let base = text.len() - after_joiner.len();
    for (n, (i, c)) in after_joiner.char_indices().enumerate() {
        if n > 20 || "，。；：！？\n".contains(c) {
            return None;
        }
        if c == '”' {
            let tail = base + i + c.len_utf8();
            let end = if adjacent {
                policy_tail(text, tail, r, ctx)?
            } else {
                tail + r
                    .policy_heads
                    .iter()
                    .find(|h| text[tail..].starts_with(h.as_str()))?
                    .len()
            };
            return Some(&text[tail..end]);
        }
    }
    None
}

/// Regex rules for names with a fixed shape (关于…的通知 after an issuer, 第N批…).
fn pattern_candidates(ctx: &Ctx, r: &MentionRules, cands: &mut Vec<Mention>) {
    for rule in &r.patterns {
        for caps in rule.regex.captures_iter(ctx.text) {
            let Some(m) = caps.name("name").or_else(|| caps.get(0)) else {
                continue;
            };
            cands.push(ctx.mention(
                m.start(),
                m.end(),
                strip_marks(m.as_str()),
                Vec::new(),
                rule.kind,
                Source::Pattern,
                format!("pattern.{}", rule.id),
            ));
        }
    }
}

/// A member of a coordinated list, found over the whole paragraph (lists may run across
/// sentences: items separated by ；).
#[derive(Debug, Clone)]
struct ListMember {
    start: usize,
    end: usize,
    /// The first member's left edge is only a bound: the name starts at a boundary after it.
    first: bool,
    rule: usize,
    /// Which list (match) of the document the member belongs to.
    list: usize,
}

fn list_members(
    clean: &NormalizedText,
    sentences: &[Sentence],
    r: &MentionRules,
) -> Vec<Vec<ListMember>> {
    let text = &clean.text;
    let mut out: Vec<Vec<ListMember>> = vec![Vec::new(); sentences.len()];
    let mut para_start = 0;
    let mut list_id = 0;
    for para in text.split('\n') {
        for (ri, rule) in r.lists.iter().enumerate() {
            for caps in rule.regex.captures_iter(para) {
                list_id += 1;
                let Some(list) = caps.name("list") else {
                    continue;
                };
                let mut pos = para_start + list.start();
                for (i, member) in list
                    .as_str()
                    .split(|c| rule.separators.contains(&c))
                    .enumerate()
                {
                    let (a, b) = (pos, pos + member.len());
                    pos = b + rule
                        .separators
                        .iter()
                        .find(|c| text[b..].starts_with(**c))
                        .map_or(0, |c| c.len_utf8());
                    // Sentences are sorted: find the one holding the member.
                    let si = sentences.partition_point(|s| s.end <= a);
                    if si < sentences.len() && sentences[si].start <= a && b <= sentences[si].end {
                        out[si].push(ListMember {
                            start: a,
                            end: b,
                            first: i == 0,
                            rule: ri,
                            list: list_id,
                        });
                    }
                }
            }
        }
        para_start += para.len() + 1;
    }
    out
}

fn list_candidates(
    ctx: &Ctx,
    r: &MentionRules,
    members: &[ListMember],
    cands: &mut Vec<Mention>,
    rejected: &mut Vec<Rejection>,
) {
    let text = ctx.text;
    // Members a lexicon knows as another type tell what the list really lists
    // (机器人、人工智能、数控加工等智能制造骨干企业 lists industries).
    let lexical_kind = |m: &ListMember| {
        ctx.buf
            .lexical
            .iter()
            .find(|&&(la, lb, _)| la == m.start - ctx.base && lb == m.end - ctx.base)
            .map(|&(_, _, k)| k)
    };
    let list_kind = |list: usize, default: EntityType| -> EntityType {
        let kinds: Vec<EntityType> = members
            .iter()
            .filter(|m| m.list == list)
            .filter_map(lexical_kind)
            .collect();
        let total = members.iter().filter(|m| m.list == list).count();
        kinds
            .iter()
            .copied()
            .find(|k| *k != default && kinds.iter().filter(|x| *x == k).count() * 2 >= total)
            .unwrap_or(default)
    };
    for m in members {
        let rule = &r.lists[m.rule];
        let id = format!("list.{}", rule.id);
        let kind = list_kind(m.list, rule.kind);
        let (mut a, b) = (m.start - ctx.base, m.end - ctx.base);
        if m.first {
            a = ctx
                .extend_left(
                    b,
                    rule.max_length + 1,
                    None,
                    &rule.allow,
                    &[],
                    false,
                    false,
                    false,
                )
                .max(a);
        }
        let (a, mut b) = member_trim(text, a, b);
        if let Some(sfx) = rule
            .strip_suffixes
            .iter()
            .find(|x| text[a..b].ends_with(x.as_str()) && text[a..b].len() > x.len())
        {
            b -= sfx.len();
        }
        let name = &text[a..b];
        if rule
            .reject_endings
            .iter()
            .any(|e| name.ends_with(e.as_str()))
        {
            rejected.push(ctx.reject(
                a,
                b,
                &id,
                "a list member that names an activity, not a name",
            ));
            continue;
        }
        let n = name.chars().count();
        let extended = rule.separators != ['、'];
        let ok_char =
            |c: char| is_name_char(c) || MARKS.contains(&c) || (extended && "（）()、".contains(c));
        if n < rule.min_length || n > rule.max_length || !name.chars().all(ok_char) {
            rejected.push(ctx.reject(
                a,
                b,
                &id,
                format!("list member of {n} character(s) or with non-name characters"),
            ));
            continue;
        }
        if is_generic_name(name, r) {
            continue;
        }
        cands.push(ctx.mention(a, b, strip_marks(name), Vec::new(), kind, Source::List, id));
    }
}

/// Cells of a table column whose header names what the column holds (改革举措) are names.
fn table_cells(
    clean: &NormalizedText,
    sentences: &[Sentence],
    r: &MentionRules,
) -> Vec<Vec<Mention>> {
    let text = &clean.text;
    let mut out: Vec<Vec<Mention>> = vec![Vec::new(); sentences.len()];
    for rule in &r.columns {
        let mut column: Option<usize> = None;
        for s in sentences {
            let line = s.text(clean);
            if !line.contains('\t') {
                continue;
            }
            let mut cells = Vec::new();
            let mut start = 0;
            for (i, c) in line
                .char_indices()
                .chain(std::iter::once((line.len(), '\t')))
            {
                if c == '\t' {
                    cells.push((s.start + start, s.start + i));
                    start = i + 1;
                }
            }
            let header = cells.iter().position(|&(a, b)| {
                let cell: String = text[a..b].chars().filter(|c| !c.is_whitespace()).collect();
                rule.headers.contains(&cell)
            });
            if header.is_some() {
                column = header;
                continue;
            }
            let Some(&(a, b)) = column.and_then(|c| cells.get(c)) else {
                continue;
            };
            let name = strip_marks(text[a..b].trim());
            if name.chars().count() < 2 || name.chars().count() > 80 {
                continue;
            }
            out[s.index].push(Mention {
                start: a,
                end: b,
                sentence: s.index,
                name,
                aliases: Vec::new(),
                kind: rule.kind,
                source: Source::Quote,
                rule: format!("column.{}", rule.id),
            });
        }
    }
    out
}

/// Two place names written together are one place, the second, with the pair as an alias.
/// A province before its city only locates it (湖北武汉: one place); a country or city
/// before a part of it is a place of its own (中国华东地区, 北京市海淀区), which `relation`
/// links by partOf.
fn merge_adjacent_regions(text: &str, r: &MentionRules, ms: &mut Vec<Mention>) {
    let mut i = 0;
    while i + 1 < ms.len() {
        let (a, b) = (&ms[i], &ms[i + 1]);
        if a.end == b.start
            && a.kind == EntityType::Region
            && b.kind == EntityType::Region
            && a.source == Source::Lexicon
            && b.source == Source::Lexicon
        {
            let pair = text[a.start..b.end].to_owned();
            if r.locating_suffixes
                .iter()
                .any(|s| a.name.ends_with(s.as_str()))
            {
                let mut merged = ms.remove(i + 1);
                merged.aliases.push(pair);
                merged.start = ms[i].start;
                merged.rule = format!("{}+adjacent", merged.rule);
                ms[i] = merged;
                continue;
            }
            ms[i + 1].aliases.push(pair);
        }
        i += 1;
    }
}

/// A short name in brackets right after a place (广东（珠三角）) is a place within it.
fn parenthesised_parts(text: &str, r: &MentionRules, ms: &mut Vec<Mention>) {
    let mut added = Vec::new();
    for m in ms.iter().filter(|m| m.kind == EntityType::Region) {
        let Some(rest) = text[m.end..].strip_prefix('（') else {
            continue;
        };
        let Some(close) = rest.find('）') else {
            continue;
        };
        let inner = &rest[..close];
        let n = inner.chars().count();
        if !(2..=r.max_parenthesised).contains(&n)
            || !inner.chars().all(|c| is_name_char(c) && !c.is_ascii())
            || r.parenthesised_not_endings
                .iter()
                .any(|e| inner.ends_with(e.as_str()))
        {
            continue;
        }
        let start = m.end + '（'.len_utf8();
        if ms
            .iter()
            .any(|o| o.start < start + inner.len() && start < o.end)
        {
            continue;
        }
        added.push(Mention {
            start,
            end: start + inner.len(),
            sentence: m.sentence,
            name: inner.to_owned(),
            aliases: Vec::new(),
            kind: EntityType::Region,
            source: Source::Pattern,
            rule: "parenthesised.region".into(),
        });
    }
    if !added.is_empty() {
        ms.extend(added);
        ms.sort_by_key(|m| m.start);
    }
}

fn member_trim(text: &str, mut a: usize, mut b: usize) -> (usize, usize) {
    while let Some(c) = text[a..b].chars().next() {
        if c.is_whitespace() || (MARKS.contains(&c) && !text[a..b].ends_with(closing(c))) {
            a += c.len_utf8();
        } else {
            break;
        }
    }
    while let Some(c) = text[a..b].chars().next_back() {
        if c.is_whitespace() {
            b -= c.len_utf8();
        } else {
            break;
        }
    }
    (a, b)
}

fn closing(open: char) -> char {
    QUOTE_PAIRS
        .iter()
        .find(|p| p.0 == open)
        .map_or(open, |p| p.1)
}

/// Keeps the strongest non-overlapping candidates: longest first, then by source.
fn resolve(cands: &mut Vec<Mention>, out: &mut Vec<Mention>, rejected: &mut Vec<Rejection>) {
    cands.sort_by(|x, y| {
        (y.end - y.start)
            .cmp(&(x.end - x.start))
            .then(y.source.cmp(&x.source))
            .then(x.start.cmp(&y.start))
    });
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for c in cands.drain(..) {
        if let Some(&(a, b)) = taken.iter().find(|&&(a, b)| c.start < b && a < c.end) {
            rejected.push(Rejection {
                start: c.start,
                end: c.end,
                text: c.name,
                rule: c.rule,
                reason: format!("overlaps a longer or stronger mention at {a}..{b}"),
            });
            continue;
        }
        taken.push((c.start, c.end));
        out.push(c);
    }
}

/// The length in bytes of the longest of `mentions` (0 for none): with mentions sorted by
/// start, those that reach a position start at most this far before it.
fn longest_mention(mentions: &[Mention]) -> usize {
    mentions.iter().map(|m| m.end - m.start).max().unwrap_or(0)
}

fn find_definitions(clean: &NormalizedText, out: &mut Mentions, r: &MentionRules) {
    let text = &clean.text;
    let longest = longest_mention(&out.mentions);
    for rule in &r.definitions {
        for caps in rule.regex.captures_iter(text) {
            let (Some(all), Some(alias)) = (caps.get(0), caps.name("alias")) else {
                continue;
            };
            // The defined mention ends right before the definition (a closing mark between is fine).
            // Mentions are sorted by start and none is longer than `longest`: the candidates
            // end within the marks before the definition, so they start at most `longest`
            // bytes before those (a search, not a scan back through the document).
            let marks = text[..all.start()]
                .trim_end_matches(|c: char| MARKS.contains(&c) || c.is_whitespace())
                .len();
            let from = out.mentions.partition_point(|m| m.start + longest < marks);
            let before = out.mentions.partition_point(|m| m.start < all.start());
            let Some(idx) = out.mentions[from..before.max(from)]
                .iter()
                .rposition(|m| marks <= m.end && m.end <= all.start())
                .map(|i| from + i)
            else {
                continue;
            };
            let alias = strip_marks(alias.as_str());
            if alias.is_empty() || alias == out.mentions[idx].name {
                continue;
            }
            out.definitions.push(Definition {
                alias,
                mention: idx,
                rule: format!("definition.{}", rule.id),
            });
        }
    }
}

/// Every later occurrence of a defined short name is a mention of the defined entity.
fn apply_aliases(clean: &NormalizedText, sentences: &[Sentence], out: &mut Mentions) {
    let added = {
        let mut names: Vec<KnownName> = Vec::new();
        for d in &out.definitions {
            // The first definition of a short name wins.
            if names.iter().any(|n| n.surface == d.alias) {
                continue;
            }
            let target = &out.mentions[d.mention];
            names.push(KnownName {
                surface: &d.alias,
                name: &target.name,
                kind: target.kind,
                source: Source::Alias,
                rule: (&d.rule, ""),
            });
        }
        occurrences(clean, sentences, out, &names)
    };
    out.splice(added);
}

/// A name a rule found in one place (a list member, a name ending in a head word) names the
/// same entity wherever else the document writes it, also where no rule sees it: 中核苏阀 as
/// a list member, then as the subject of a sentence of its own. Only names whose edges a
/// rule found in context (lists, head words, quotation marks) are repeated: lexicon names
/// are found everywhere already, and a name taken from a pattern's shape alone (a place in
/// brackets) is too often wrong to be sought elsewhere. Short names (fewer than
/// `min_repeated_chars`) are too often part of other words.
fn repeat_names(
    clean: &NormalizedText,
    sentences: &[Sentence],
    out: &mut Mentions,
    r: &MentionRules,
) {
    let added = {
        let mut seen: HashSet<&str> = HashSet::default();
        let names: Vec<KnownName> = out
            .mentions
            .iter()
            .filter(|m| {
                matches!(m.source, Source::List | Source::Head | Source::Quote)
                    && clean.text[m.start..m.end] == m.name
                    && m.name.chars().count() >= r.min_repeated_chars
                    && seen.insert(&m.name)
            })
            .map(|m| KnownName {
                surface: &m.name,
                name: &m.name,
                kind: m.kind,
                source: m.source,
                rule: (&m.rule, "+repeated"),
            })
            .collect();
        occurrences(clean, sentences, out, &names)
    };
    out.splice(added);
}

/// Mentions to add to a document's, and the indexes of those they replace.
#[derive(Default)]
struct Replacement {
    removed: Vec<usize>,
    added: Vec<Mention>,
}

/// A body the document has named, called again by a bare word: 品捷电子（苏州）有限公司专业从事
/// 晶体管封装，……，公司在科技城投资. The word is a mention of the nearest body of the rule's type
/// that began a clause (a sentence's subject, not a member of a list), in its sentence or a
/// few before. Only a word that starts a clause itself counts: inside a phrase (上市公司,
/// 子公司) it is a common noun. Clauses end where relation rules end them
/// (relations.toml's `clause_breaks`).
fn resolve_anaphors(
    clean: &NormalizedText,
    sentences: &[Sentence],
    out: &mut Mentions,
    k: &Knowledge,
) {
    let r = &k.mentions;
    if r.anaphors.is_empty() {
        return;
    }
    let text = &clean.text;
    let mut hits = Vec::new();
    for (word, rule) in &r.anaphor_words {
        let n = word.needle().len();
        hits.extend(word.find_iter(text.as_bytes()).map(|a| (a, a + n, *rule)));
    }
    leftmost_longest(&mut hits);
    let mut added = Vec::new();
    for (a, b, rule) in hits {
        let rule = &r.anaphors[rule];
        let before = &text[..a];
        if !(before.chars().next_back().is_none_or(|c| !is_name_char(c))
            || rule.after.iter().any(|w| before.ends_with(w.as_str())))
            || rule
                .not_before
                .iter()
                .any(|w| text[b..].starts_with(w.as_str()))
        {
            continue;
        }
        // Mentions never overlap: only the last one starting before `b` may cover the word.
        let earlier = out.mentions.partition_point(|m| m.start < b);
        if earlier > 0 && out.mentions[earlier - 1].end > a {
            continue;
        }
        let Some(sentence) = sentence_holding(sentences, a, b) else {
            continue;
        };
        let begins_clause = |m: &Mention| {
            sentences
                .get(m.sentence)
                .is_some_and(|s| s.start == m.start)
                || text[..m.start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| k.relations.clause_breaks.contains(c))
        };
        let Some(antecedent) = out.mentions[..earlier]
            .iter()
            .rev()
            .take_while(|m| m.sentence + rule.max_sentences >= sentence.index)
            .find(|m| m.kind == rule.kind && begins_clause(m))
        else {
            continue;
        };
        added.push(Mention {
            start: a,
            end: b,
            sentence: sentence.index,
            name: antecedent.name.clone(),
            aliases: Vec::new(),
            kind: rule.kind,
            source: Source::Alias,
            rule: rule.id.clone(),
        });
    }
    out.splice(Replacement {
        removed: Vec::new(),
        added,
    });
}

/// The sentence that holds the span `a..b` whole, if one does.
fn sentence_holding(sentences: &[Sentence], a: usize, b: usize) -> Option<&Sentence> {
    sentences[..sentences.partition_point(|s| s.start <= a)]
        .last()
        .filter(|s| b <= s.end)
}

/// Keeps of the hits `(start, end, pattern)` of several searches those that one automaton
/// searching leftmost-longest would report: the longest at the leftmost start, then the
/// same after its end.
fn leftmost_longest(hits: &mut Vec<(usize, usize, usize)>) {
    hits.sort_unstable_by_key(|&(a, b, _)| (a, std::cmp::Reverse(b)));
    let mut end = 0;
    hits.retain(|&(a, b, _)| {
        let keep = a >= end;
        if keep {
            end = b;
        }
        keep
    });
}

/// A name of the document, and what each of its occurrences is a mention of.
struct KnownName<'a> {
    surface: &'a str,
    name: &'a str,
    kind: EntityType,
    source: Source,
    /// The id of the rule that found the name, and what an occurrence adds to it.
    rule: (&'a str, &'static str),
}

/// The occurrences of the names (leftmost-longest, as one automaton would find them) that
/// overlap no mention but those they strictly contain, as mentions that replace those.
/// Each name is searched for on its own (memmem): a document has a few dozen, and building
/// an automaton of them for each document cost more than the searches.
fn occurrences(
    clean: &NormalizedText,
    sentences: &[Sentence],
    out: &Mentions,
    names: &[KnownName],
) -> Replacement {
    let text = &clean.text;
    let mut hits: Vec<(usize, usize, usize)> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        hits.extend(
            memchr::memmem::find_iter(text.as_bytes(), n.surface.as_bytes())
                .map(|a| (a, a + n.surface.len(), i)),
        );
    }
    leftmost_longest(&mut hits);
    let mut r = Replacement::default();
    // Mentions are sorted by start and none is longer than `longest`: those overlapping a
    // span start within `longest` bytes before it (a search, not a scan of the document).
    let longest = longest_mention(&out.mentions);
    for (a, b, i) in hits {
        let known = &names[i];
        // Existing mentions win unless the name strictly contains them.
        let from = out.mentions.partition_point(|m| m.start + longest <= a);
        let to = out.mentions.partition_point(|m| m.start < b);
        let overlapping: Vec<usize> = (from..to.max(from))
            .filter(|&i| a < out.mentions[i].end)
            .collect();
        if overlapping.iter().any(|&i| {
            let m = &out.mentions[i];
            !(a <= m.start && m.end <= b && (m.end - m.start) < (b - a))
        }) {
            continue;
        }
        let Some(sentence) = sentence_holding(sentences, a, b) else {
            continue;
        };
        r.removed.extend(overlapping);
        r.added.push(Mention {
            start: a,
            end: b,
            sentence: sentence.index,
            name: known.name.to_owned(),
            aliases: if known.surface == known.name {
                Vec::new()
            } else {
                vec![known.surface.to_owned()]
            },
            kind: known.kind,
            source: known.source,
            rule: format!("{}{}", known.rule.0, known.rule.1),
        });
    }
    r
}
