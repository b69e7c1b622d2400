//! The extraction pipeline for one document: normalise → sentences → mentions → entities
//! → relations, ending in a [`DocumentGraph`] with offsets into the original text.
//!
//! A document is extracted on its own, from its text and the compiled knowledge only, so
//! documents run in parallel and a corpus never has to fit in memory. The intermediate
//! results are kept in [`Analysis`] for `explain`, which shows how each was reached.

use crate::entity::{self, Entities};
use crate::graph::{
    DocumentGraph, DocumentInfo, EntityRecord, EvidenceRecord, MentionRecord, RelationRecord,
};
use crate::knowledge::Knowledge;
use crate::mention::{self, Mentions};
use crate::normalize::{self, NormalizedText};
use crate::read::Document;
use crate::relation::{self, Relation};
use crate::sentence::{self, Sentence};

/// Every intermediate result of one document's extraction.
#[derive(Debug)]
pub struct Analysis {
    pub clean: NormalizedText,
    pub sentences: Vec<Sentence>,
    pub mentions: Mentions,
    pub entities: Entities,
    pub relations: Vec<Relation>,
}

/// Runs the stages on a document's text.
pub fn analyse(text: &str, k: &Knowledge) -> Analysis {
    let clean = normalize::normalize(text);
    let sentences = sentence::split(&clean);
    let mut mentions = mention::find(&clean, &sentences, k);
    let entities = entity::resolve(&mut mentions, &clean.text, k);
    let relations = relation::find(&clean.text, &sentences, &mentions.mentions, &entities, k);
    Analysis {
        clean,
        sentences,
        mentions,
        entities,
        relations,
    }
}

/// Extracts one document.
pub fn extract(doc: &Document, k: &Knowledge) -> DocumentGraph {
    let a = analyse(&doc.text, k);
    to_document_graph(doc, &a)
}

/// The sentences quoted as evidence of one relation in one document, at most: the first
/// ones, in the order of the text (the rest are counted). A relation a document states
/// thousands of times (a long report, a table flattened onto one line) would otherwise fill
/// memory and the store with copies of near-identical sentences.
pub const EVIDENCE_PER_RELATION: usize = 100;

/// The mentions of one entity in one document that are recorded (with offsets), at most:
/// the first ones; the rest are counted.
pub const MENTIONS_PER_ENTITY: usize = 1000;

/// Maps an analysis back onto the original text.
pub fn to_document_graph(doc: &Document, a: &Analysis) -> DocumentGraph {
    // Byte offset of each code point of the original, and of its end: a quote is one slice.
    let bounds: Vec<usize> = doc
        .text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(doc.text.len()))
        .collect();
    let characters = bounds.len() - 1;
    let quote = |start: usize, end: usize| -> String {
        let (start, end) = (start.min(characters), end.min(characters));
        if end <= start {
            return String::new();
        }
        doc.text[bounds[start]..bounds[end]].to_owned()
    };
    let ms = &a.mentions.mentions;
    let entities: Vec<EntityRecord> = a
        .entities
        .entities
        .iter()
        .map(|e| EntityRecord {
            name: e.name.clone(),
            kind: e.kind,
            aliases: e.aliases.iter().cloned().collect(),
            mentions_omitted: e.mentions.len().saturating_sub(MENTIONS_PER_ENTITY),
            mentions: e
                .mentions
                .iter()
                .take(MENTIONS_PER_ENTITY)
                .map(|&i| {
                    let (start, end) = a.clean.original_range(ms[i].start, ms[i].end);
                    MentionRecord {
                        document: doc.path.clone(),
                        start,
                        end,
                        text: quote(start, end),
                        rule: ms[i].rule.clone(),
                    }
                })
                .collect(),
        })
        .collect();
    let relations = a
        .relations
        .iter()
        .map(|r| RelationRecord {
            subject: r.subject,
            predicate: r.predicate,
            object: r.object,
            implicit: r.implicit,
            evidence_omitted: r.evidence.len().saturating_sub(EVIDENCE_PER_RELATION),
            evidence: r
                .evidence
                .iter()
                .take(EVIDENCE_PER_RELATION)
                .map(|ev| {
                    let s = &a.sentences[ev.sentence];
                    let (start, end) = a.clean.original_range(s.start, s.end);
                    EvidenceRecord {
                        document: doc.path.clone(),
                        sentence: ev.sentence,
                        start,
                        end,
                        text: quote(start, end),
                        trigger: ev.trigger.map(|(ts, te)| a.clean.text[ts..te].to_owned()),
                        rule: ev.rule.clone(),
                        implicit: ev.implicit,
                    }
                })
                .collect(),
        })
        .collect();
    let title = a
        .sentences
        .first()
        .map(|s| s.text(&a.clean).chars().take(120).collect())
        .unwrap_or_default();
    DocumentGraph {
        document: DocumentInfo {
            path: doc.path.clone(),
            sha256: doc.sha256.clone(),
            encoding: doc.encoding.to_owned(),
            title,
            characters,
            main_subject: a
                .entities
                .main_subject
                .map(|i| a.entities.entities[i].name.clone()),
        },
        entities,
        relations,
    }
}

#[cfg(test)]
mod tests {
    //! Stage tests over short passages, with the project's own knowledge files.

    use std::sync::LazyLock;

    use super::*;
    use crate::ontology::{EntityType, Predicate};

    static K: LazyLock<Knowledge> = LazyLock::new(|| {
        Knowledge::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology"))
            .expect("ontology/ loads")
    });

    fn names(text: &str) -> Vec<(String, EntityType)> {
        let a = analyse(text, &K);
        let mut v: Vec<(String, EntityType)> = a
            .entities
            .entities
            .iter()
            .map(|e| (e.name.clone(), e.kind))
            .collect();
        v.sort();
        v
    }

    fn has(text: &str, name: &str, kind: EntityType) -> bool {
        names(text).iter().any(|(n, k)| n == name && *k == kind)
    }

    /// Asserts that `text` states no relation of `predicate`.
    fn states_no(text: &str, predicate: Predicate) {
        let r = relations(text);
        assert!(
            !r.iter().any(|(_, p, _, _)| *p == predicate),
            "{text} gave {r:?}"
        );
    }

    /// Asserts that no name found in `text` is `bad`.
    fn no_name_like(text: &str, bad: impl Fn(&str) -> bool) {
        let n = names(text);
        assert!(!n.iter().any(|(name, _)| bad(name)), "{text} gave {n:?}");
    }

    /// Asserts that no name found in `text` contains any of `words`.
    fn no_name_containing(text: &str, words: &[&str]) {
        no_name_like(text, |name| words.iter().any(|w| name.contains(w)));
    }

    /// Whether `r` holds the relation `s p o`.
    fn stated(r: &[(String, Predicate, String, bool)], s: &str, p: Predicate, o: &str) -> bool {
        r.iter().any(|x| x.0 == s && x.1 == p && x.2 == o)
    }

    /// The names of the entities that have `name` as name or alias.
    fn holding<'a>(a: &'a Analysis, name: &str) -> Vec<&'a str> {
        (a.entities.entities.iter())
            .filter(|e| e.name == name || e.aliases.contains(name))
            .map(|e| e.name.as_str())
            .collect()
    }

    /// Asserts that `r` holds the relation `s p o` (or, with `held` false, that it does not).
    #[track_caller]
    fn expect(r: &[(String, Predicate, String, bool)], s: &str, p: Predicate, o: &str, held: bool) {
        assert_eq!(stated(r, s, p, o), held, "{s} {p:?} {o}: {r:?}");
    }

    fn relations(text: &str) -> Vec<(String, Predicate, String, bool)> {
        let a = analyse(text, &K);
        let e = &a.entities.entities;
        a.relations
            .iter()
            .map(|r| {
                (
                    e[r.subject].name.clone(),
                    r.predicate,
                    e[r.object].name.clone(),
                    r.implicit,
                )
            })
            .collect()
    }

    // ---- mentions

    #[test]
    fn a_head_word_name_extends_left_to_a_trigger_verb() {
        assert!(has(
            "联合北京市科委推动建设北京协同创新研究院。",
            "北京协同创新研究院",
            EntityType::Platform
        ));
        assert!(has(
            "先后推动大数据分析与应用技术国家工程实验室落地。",
            "大数据分析与应用技术国家工程实验室",
            EntityType::Platform
        ));
    }

    #[test]
    fn quoted_names_take_their_policy_head() {
        assert!(has(
            "深化“放管服”改革试点。",
            "放管服改革试点",
            EntityType::Policy
        ));
        assert!(has("加快对接“京校十条”。", "京校十条", EntityType::Policy));
        assert!(has(
            "优化“双定双限房”和公共租赁房“先租后售”政策。",
            "双定双限房政策",
            EntityType::Policy
        ));
    }

    #[test]
    fn list_members_and_definitions() {
        let n = names("北斗产业聚集了合众思壮、北斗星通等一批领军企业。");
        assert!(
            n.contains(&("合众思壮".into(), EntityType::Enterprise)),
            "{n:?}"
        );
        assert!(
            n.contains(&("北斗星通".into(), EntityType::Enterprise)),
            "{n:?}"
        );
        let a = analyse(
            "中关村科技园区海淀园（以下简称海淀园）发展迅速。海淀园依托高校。",
            &K,
        );
        let e = &a.entities.entities;
        assert_eq!(
            e.iter().filter(|e| e.kind == EntityType::Region).count(),
            1,
            "{e:?}"
        );
        assert!(e[0].aliases.contains("海淀园"));
    }

    #[test]
    fn a_name_a_rule_found_is_a_mention_wherever_the_document_writes_it() {
        // 中核苏阀 is found as a list member; the next sentence starts with it, where no
        // rule finds it, and states its industry.
        let text = "莱克电气、中核苏阀、新协力机器等13个内资项目开工。中核苏阀是中国阀门行业的首家上市公司。";
        let a = analyse(text, &K);
        let spans: Vec<&str> = a
            .mentions
            .mentions
            .iter()
            .filter(|m| m.name == "中核苏阀")
            .map(|m| &a.clean.text[m.start..m.end])
            .collect();
        assert_eq!(spans, ["中核苏阀", "中核苏阀"], "{:?}", a.mentions.mentions);
        let r = relations(text);
        assert!(
            r.contains(&(
                "中核苏阀".into(),
                Predicate::inIndustry,
                "阀门行业".into(),
                false
            )),
            "{r:?}"
        );
        // Inside a longer name it is no mention of its own.
        let a = analyse(
            "中核苏阀、莱克电气等项目开工。中核苏阀科技实业股份有限公司发布公告。",
            &K,
        );
        assert!(
            a.mentions
                .mentions
                .iter()
                .filter(|m| m.name == "中核苏阀")
                .count()
                == 1,
            "{:?}",
            a.mentions.mentions
        );
    }

    #[test]
    fn a_bare_company_word_starting_a_clause_names_the_company_that_began_one() {
        let anaphors = |text: &str| -> Vec<String> {
            analyse(text, &K)
                .mentions
                .mentions
                .into_iter()
                .filter(|m| m.rule.starts_with("anaphor."))
                .map(|m| m.name)
                .collect()
        };
        let text =
            "品捷电子（苏州）有限公司专业从事晶体管封装，公司在苏州高新区投资9000万元扩建工厂。";
        assert_eq!(anaphors(text), ["品捷电子（苏州）有限公司"]);
        let r = relations(text);
        assert!(
            r.iter()
                .any(|r| r.0 == "品捷电子（苏州）有限公司" && r.1 == Predicate::locatedIn),
            "{r:?}"
        );
        // The company that began a clause, not the last one named (a list member).
        assert_eq!(
            anaphors("欧陆杰电器有限公司为飞利浦、西门子等配套生产，今年公司总投资6000万元。"),
            ["欧陆杰电器有限公司"]
        );
        // Inside a phrase it is a common noun; with no company before, it names nothing.
        assert!(anaphors("欧陆杰电器有限公司是一家上市公司。").is_empty());
        assert!(anaphors("公司计划总投资2亿元。").is_empty());
    }

    #[test]
    fn a_name_in_brackets_after_a_place_is_a_place_unless_it_is_an_ethnic_group() {
        assert!(has(
            "在北京、安徽（合芜蚌）等地推广。",
            "合芜蚌",
            EntityType::Region
        ));
        let n = names("选举乌兰（蒙古族）为副主席。");
        assert!(n.iter().all(|(name, _)| name != "蒙古族"), "{n:?}");
    }

    #[test]
    fn relative_and_synonym_names_meet_the_full_name() {
        let n = names(
            "上海市人民政府关于临港的意见。上海、上海市和上海市政府。市政府会同市财政局办理。",
        );
        assert!(
            n.contains(&("上海市财政局".into(), EntityType::GovernmentAgency)),
            "{n:?}"
        );
        assert_eq!(
            n.iter().filter(|(x, _)| x.contains("政府")).count(),
            1,
            "{n:?}"
        );
    }

    #[test]
    fn a_company_short_name_is_an_alias_of_its_legal_name() {
        let a = analyse(
            "三菱树脂、协鑫光伏二期等7个外资项目开工。苏州协鑫光伏科技有限公司由协鑫集团投资设立。",
            &K,
        );
        let e: Vec<&str> = a
            .entities
            .entities
            .iter()
            .filter(|e| e.kind == EntityType::Enterprise)
            .map(|e| e.name.as_str())
            .collect();
        assert!(
            e.contains(&"苏州协鑫光伏科技有限公司") && !e.contains(&"协鑫光伏"),
            "{e:?}"
        );
    }

    #[test]
    fn a_fixed_shape_name_is_found_in_a_sentence_with_nothing_else() {
        // Such a sentence skips the boundary scans; the pattern rules still run there.
        let text = "今天印发关于做好冬季供暖工作的通知。";
        assert!(
            has(text, "关于做好冬季供暖工作的通知", EntityType::Policy),
            "{:?}",
            names(text)
        );
    }

    // ---- counter-examples: passages on which no rule may fire

    #[test]
    fn counter_examples_name_nothing() {
        for text in [
            "各区、县人民政府，市政府各部门：",
            "推动一批重大原始创新平台落地。",
            "率先试行集中办公区工位注册。",
            "支持国内外高水平大学开展合作办学。",
            "积极做大总量、提升质量，全面贯彻落实。",
            "我们要有“咬定青山不放松”的精神。",
        ] {
            let n = names(text);
            assert!(n.is_empty(), "{text} gave {n:?}");
            assert!(relations(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn narrative_prose_bounds_names_and_common_words_are_none() {
        // Verbs of news prose end a name on its left (来到, 表示); a head word that ends a
        // common word is no name (故乡); an economy cut out of a longer run is a fragment.
        assert!(has(
            "记者表示，他们来到保国乡走访农户。",
            "保国乡",
            EntityType::Region
        ));
        assert!(has(
            "大力发展平台经济和分享经济。",
            "平台经济",
            EntityType::Industry
        ));
        assert!(has("我国核工业起步较早。", "核工业", EntityType::Industry));
        for text in [
            "他常常怀念故乡。",
            "各地积极推进小商品流通经济。",
            "报告认为东南亚国民经济出现困难。",
        ] {
            let n = names(text);
            assert!(n.is_empty(), "{text} gave {n:?}");
        }
    }

    #[test]
    fn a_city_report_names_its_own_city_inside_its_bodies_names() {
        // 市政府 of a report that names 合肥 only inside names, and 上海 by itself once.
        let text = "合肥工业大学与市政府签约。合肥综合性国家科学中心加快建设。\
                    积极与上海开展合作。";
        assert!(has(text, "合肥市人民政府", EntityType::GovernmentAgency));
        assert!(!has(text, "上海市人民政府", EntityType::GovernmentAgency));
    }

    #[test]
    fn the_main_subject_stands_in_only_where_it_fits() {
        // The main subject is a body: it is no place that projects are located in.
        states_no(
            "科技部印发通知。比亚迪、蔚来等整车项目加快建设。",
            Predicate::locatedIn,
        );
    }

    #[test]
    fn a_quotation_reaches_its_head_across_building_words() {
        assert!(has(
            "实施“科大硅谷”建设行动。",
            "科大硅谷建设行动",
            EntityType::Policy
        ));
        // Two quotations side by side share the second one's head and tail.
        let text = "实施“尖兵”“领雁”研发攻关计划。";
        assert!(has(text, "尖兵研发攻关计划", EntityType::Policy));
        assert!(has(text, "领雁研发攻关计划", EntityType::Policy));
    }

    #[test]
    fn a_province_s_departments_are_its_own_not_the_nation_s() {
        let text = "浙江省人民政府印发通知。省科技厅会同省财政厅设立基金，省发展改革委要抓好落实。";
        for name in ["浙江省科学技术厅", "浙江省财政厅", "浙江省发展和改革委员会"]
        {
            assert!(has(text, name, EntityType::GovernmentAgency), "{name}");
        }
        assert!(!has(text, "国家发展改革委", EntityType::GovernmentAgency));
    }

    #[test]
    fn a_fund_a_company_set_up_and_a_city_that_builds() {
        let r = relations("上海市生物医药产业发展基金由上海国际集团发起设立。");
        assert!(
            stated(
                &r,
                "上海市生物医药产业发展基金",
                Predicate::establishedBy,
                "上海国际集团"
            ),
            "{r:?}"
        );
        // What a city builds says nothing of who built the city.
        let r = relations("张江科学城是上海建设科技创新中心的核心承载区。");
        assert!(
            !r.iter()
                .any(|(s, p, _, _)| s == "上海市" && *p == Predicate::establishedBy),
            "{r:?}"
        );
    }

    #[test]
    fn a_common_word_is_no_company_s_short_name() {
        // 深圳市创新投资集团有限公司 stripped of place, form and descriptors leaves 创新, which
        // would make every 创新中心 part of the company.
        states_no(
            "深圳市创新投资集团有限公司管理基金。国家新能源汽车技术创新中心落户深圳。",
            Predicate::affiliatedWith,
        );
    }

    #[test]
    fn a_bracket_locates_only_the_place_right_before_it() {
        // Not 中国 in a list of athletes and their countries. 联合国 is a name, though 联合
        // alone bounds names.
        let text = "陈妍（中国）、维伦纽夫（加拿大）获奖。";
        let r = relations(text);
        assert!(r.is_empty(), "{text} gave {r:?}");
        // Nor is the 联合 that begins 联合国 a verb of cooperation.
        let text = "美国要求联合国特别委员会继续工作。";
        let r = relations(text);
        assert!(r.is_empty(), "{text} gave {r:?}");
        assert!(has(
            "联合国人权委员会今天开会。",
            "联合国人权委员会",
            EntityType::GovernmentAgency
        ));
    }

    #[test]
    fn co_occurrence_without_a_trigger_states_nothing() {
        assert!(relations("清华大学和北京市科委都在海淀区。")
            .iter()
            .all(|r| r.1 != Predicate::reliesOn && r.1 != Predicate::establishedBy));
    }

    // ---- relations

    #[test]
    fn an_actorless_sentence_credits_the_main_subject() {
        let r = relations("海淀园工作报告\n依托中科院、北大、清华等院所高校，推动原始创新。");
        for u in ["中国科学院", "北京大学", "清华大学"] {
            assert!(
                r.contains(&("海淀园".into(), Predicate::reliesOn, u.into(), true)),
                "{u}: {r:?}"
            );
        }
    }

    #[test]
    fn a_paragraph_addressed_to_every_body_of_a_kind_does_not_credit_the_main_subject() {
        let text = "海淀园工作报告\n各地区、各部门要坚定实施创新驱动发展战略。要依托中科院推动原始创新。\n依托北大推动原始创新。";
        let r = relations(text);
        assert!(
            r.iter()
                .all(|r| r.2 != "创新驱动发展战略" && r.2 != "中国科学院"),
            "{r:?}"
        );
        // The next paragraph has its own actor again.
        assert!(
            r.contains(&(
                "海淀园".into(),
                Predicate::reliesOn,
                "北京大学".into(),
                true
            )),
            "{r:?}"
        );
    }

    #[test]
    fn a_listed_policy_name_is_a_policy_and_its_words_trigger_nothing() {
        // 合作 inside 政府和社会资本合作 (policies.tsv) states no cooperation.
        let text = "浦东新区授权临港地区管委会开展政府和社会资本合作（PPP）。";
        assert!(has(text, "政府和社会资本合作", EntityType::Policy));
        let r = relations(text);
        assert!(r.iter().all(|r| r.1 != Predicate::cooperatesWith), "{r:?}");
    }

    #[test]
    fn what_a_subject_is_built_into_is_not_something_it_founded() {
        let founded = |text: &str| {
            relations(&format!("苏州高新区工作报告\n{text}"))
                .iter()
                .any(|r| r.1 == Predicate::establishedBy)
        };
        // 打造为X: X is what the zone is to become. The same verb without 为 founds X.
        assert!(!founded("将高新区打造为合肥综合性国家科学中心。"));
        assert!(founded("高新区建设合肥综合性国家科学中心。"));
        // A place that modifies the words after it is not what is set up.
        assert!(!founded("建立临港地区统一的网上政务大厅。"));
        assert!(founded("苏州高新区建立临港地区。"));
    }

    #[test]
    fn a_co_actor_is_a_founder_beside_the_main_subject() {
        let r = relations("海淀园工作报告\n联合北京市科委推动高校共同建设北京协同创新研究院。");
        assert!(
            r.contains(&(
                "北京协同创新研究院".into(),
                Predicate::establishedBy,
                "北京市科委".into(),
                false
            )),
            "{r:?}"
        );
        assert!(
            r.contains(&(
                "北京协同创新研究院".into(),
                Predicate::establishedBy,
                "海淀园".into(),
                true
            )),
            "{r:?}"
        );
        assert!(
            r.iter()
                .any(|x| x.1 == Predicate::cooperatesWith && x.2 == "北京市科委"),
            "{r:?}"
        );
    }

    #[test]
    fn a_table_row_states_who_implements_a_measure() {
        let r =
            relations("序号\t改革举措\t指导部门\n1\t专利保险机制\t国家知识产权局、中国银保监会\n");
        assert!(
            r.contains(&(
                "国家知识产权局".into(),
                Predicate::implements,
                "专利保险机制".into(),
                false
            )),
            "{r:?}"
        );
        assert!(
            r.contains(&(
                "中国银保监会".into(),
                Predicate::implements,
                "专利保险机制".into(),
                false
            )),
            "{r:?}"
        );
    }

    #[test]
    fn the_leaders_of_an_industry_belong_to_it() {
        let r = relations("为国际家电巨头飞利浦、西门子和伊莱克斯等配套生产。");
        for company in ["飞利浦", "西门子", "伊莱克斯"] {
            assert!(
                r.contains(&(company.into(), Predicate::inIndustry, "家电".into(), false)),
                "{company}: {r:?}"
            );
        }
        let r = relations("苏州协鑫光伏科技有限公司将努力打造成中国太阳能光伏行业的领军企业。");
        assert!(
            r.contains(&(
                "苏州协鑫光伏科技有限公司".into(),
                Predicate::inIndustry,
                "太阳能光伏行业".into(),
                false
            )),
            "{r:?}"
        );
    }

    #[test]
    fn a_name_containing_its_parent_is_affiliated() {
        let r = relations("推动中科大北京研究院落地。");
        assert!(
            r.contains(&(
                "中科大北京研究院".into(),
                Predicate::affiliatedWith,
                "中国科学技术大学".into(),
                false
            )),
            "{r:?}"
        );
    }

    #[test]
    fn offsets_survive_normalisation() {
        // A page copied out of a PDF: a page marker, lines wrapped at the page width with
        // blank lines between them, a name cut in two.
        let text = "- 1 -\n\n中关村科技园区海淀园是中关村的发祥地也是中国高\n\n新区的发源地，海淀园依托中国科学院和清\n\n华大学推动原始创新在区域内生根发芽开花\n\n结果，形成了创新驱动发展的良好生态体系。\n\n一、聚焦功能定位。\n";
        let a = analyse(text, &K);
        let m = a
            .mentions
            .mentions
            .iter()
            .find(|m| m.name == "清华大学")
            .expect("joined across the wrap");
        let (s, e) = a.clean.original_range(m.start, m.end);
        let orig: String = text.chars().skip(s).take(e - s).collect();
        assert_eq!(orig, "清\n\n华大学");
    }

    // ---- relying on a host, and what is built

    #[test]
    fn what_is_built_relying_on_a_host_relies_on_it() {
        let text = "深圳市人民政府工作报告\n依托南方科技大学建设深圳市第三代半导体研究院。\n\
                    依托腾讯公司建设的国家新一代人工智能开放创新平台运行良好。";
        let r = relations(text);
        for (built, host) in [
            ("深圳市第三代半导体研究院", "南方科技大学"),
            ("国家新一代人工智能开放创新平台", "腾讯"),
        ] {
            assert!(
                stated(&r, built, Predicate::reliesOn, host),
                "{built} reliesOn {host}: {r:?}"
            );
        }
        // The actor builds; the host is neither a builder nor built, and the actor does not
        // rely on it for what it built.
        assert!(
            !r.iter().any(|(s, p, o, _)| (*p == Predicate::establishedBy
                && (o == "南方科技大学" || s == "南方科技大学"))
                || (*p == Predicate::reliesOn && s == "深圳市人民政府")),
            "{r:?}"
        );
    }

    #[test]
    fn what_the_next_clause_builds_relies_on_the_host() {
        let r = relations(
            "依托中国科学院上海高等研究院、上海科技大学，建成国家蛋白质科学中心等重大设施。",
        );
        for host in ["中国科学院上海高等研究院", "上海科技大学"] {
            assert!(
                stated(&r, "国家蛋白质科学中心", Predicate::reliesOn, host),
                "{host}: {r:?}"
            );
        }
    }

    #[test]
    fn what_the_next_clause_sets_up_relies_on_the_host() {
        let r = relations(
            "深圳市人民政府工作报告\n依托北京大学深圳研究生院，深圳市新材料创新中心于2019年正式成立。",
        );
        assert!(
            stated(
                &r,
                "深圳市新材料创新中心",
                Predicate::reliesOn,
                "北京大学深圳研究生院"
            ),
            "{r:?}"
        );
        assert!(
            !r.iter()
                .any(|(s, p, _, _)| s == "深圳市人民政府" && *p == Predicate::reliesOn),
            "{r:?}"
        );
    }

    #[test]
    fn what_stands_between_yi_and_wei_yituo_is_relied_on() {
        let r = relations("深圳湾实验室以中山大学为依托，聚焦生命健康领域。");
        assert!(
            stated(&r, "深圳湾实验室", Predicate::reliesOn, "中山大学"),
            "{r:?}"
        );
    }

    #[test]
    fn an_end_is_taken_only_within_its_window() {
        // 建设 right after the thing built: 中国科学院深圳先进技术研究院 is three characters
        // away from 组建, and is the builder, not built.
        let r = relations("深圳市人民政府工作报告\n由中国科学院深圳先进技术研究院牵头组建的深圳合成生物学创新研究院。");
        assert!(
            !r.iter()
                .any(|(s, p, _, _)| s == "中国科学院深圳先进技术研究院"
                    && *p == Predicate::establishedBy),
            "{r:?}"
        );
        assert!(
            stated(
                &r,
                "深圳合成生物学创新研究院",
                Predicate::establishedBy,
                "中国科学院深圳先进技术研究院"
            ),
            "{r:?}"
        );
    }

    #[test]
    fn co_founders_joined_by_lianhe_both_establish() {
        let r = relations("深圳市科技创新委员会联合华为技术有限公司设立深圳市鲲鹏产业创新中心。");
        for founder in ["深圳市科技创新委员会", "华为"] {
            assert!(
                stated(
                    &r,
                    "深圳市鲲鹏产业创新中心",
                    Predicate::establishedBy,
                    founder
                ),
                "{founder}: {r:?}"
            );
        }
    }

    #[test]
    fn what_an_earlier_verb_built_did_not_build_the_next() {
        let r = relations(
            "深圳市人民政府依托南方科技大学建设深圳市第三代半导体研究院，组建深圳市智能机器人研究院。",
        );
        let builders: Vec<&str> = r
            .iter()
            .filter(|(s, p, _, _)| s == "深圳市智能机器人研究院" && *p == Predicate::establishedBy)
            .map(|(_, _, o, _)| o.as_str())
            .collect();
        assert_eq!(builders, ["深圳市人民政府"], "{r:?}");
    }

    #[test]
    fn a_place_and_a_designation_name_a_class() {
        assert!(!has(
            "支持建设一批江苏省重点实验室和深圳市新型研发机构。",
            "江苏省重点实验室",
            EntityType::Platform
        ));
        assert!(!has(
            "关于推进深圳市新型研发机构建设的工作报告",
            "深圳市新型研发机构",
            EntityType::Platform
        ));
        assert!(has(
            "江苏省先进激光技术重点实验室通过验收。",
            "江苏省先进激光技术重点实验室",
            EntityType::Platform
        ));
    }

    #[test]
    fn a_quoted_name_that_modifies_what_follows_is_not_built() {
        let r = relations(
            "海淀园工作报告\n海淀园加快建设“一体三园”为核心的中关村军民融合示范区，推动项目落地。",
        );
        let built: Vec<&str> = r
            .iter()
            .filter(|(_, p, _, _)| *p == Predicate::establishedBy)
            .map(|(s, _, _, _)| s.as_str())
            .collect();
        assert_eq!(built, ["中关村军民融合示范区"], "{r:?}");
    }

    #[test]
    fn an_industry_ends_before_lingyu_and_da_is_in_company_names() {
        let text =
            "信达生物制药（苏州）有限公司是一家专注于生物医药领域的创新型企业，累计达20亿元。";
        assert!(has(
            text,
            "信达生物制药（苏州）有限公司",
            EntityType::Enterprise
        ));
        assert!(has(text, "生物医药", EntityType::Industry));
        assert!(stated(
            &relations(text),
            "信达生物制药（苏州）有限公司",
            Predicate::inIndustry,
            "生物医药"
        ));
        // Before an amount, 达 still ends a name.
        assert!(!names("园区企业累计达20家公司")
            .iter()
            .any(|(n, _)| n.contains('达')));
    }

    #[test]
    fn trade_descriptors_alone_are_no_company_short_name() {
        // 苏州工业园区科技发展有限公司 without its place is 科技发展: no name of its own.
        states_no(
            "苏州工业园区科技发展有限公司是园区下属企业。思必驰科技股份有限公司是人工智能企业。",
            Predicate::affiliatedWith,
        );
    }

    #[test]
    fn a_place_that_lies_in_a_place_is_part_of_it_and_no_body_behind_it_lies_there() {
        let r = relations("经国务院批准设立的苏州工业园区位于苏州市东部。");
        assert!(
            stated(&r, "苏州工业园区", Predicate::partOf, "苏州市"),
            "{r:?}"
        );
        assert!(
            !r.iter()
                .any(|(s, p, _, _)| s == "国务院" && *p == Predicate::locatedIn),
            "{r:?}"
        );
        // A body that is the nearest still lies there.
        assert!(stated(
            &relations("北京石墨烯产业创新中心位于海淀区。"),
            "北京石墨烯产业创新中心",
            Predicate::locatedIn,
            "海淀区"
        ));
    }

    #[test]
    fn builders_named_after_you_built_what_stands_before() {
        let r = relations(
            "江苏省产业技术研究院纳米技术研究所由江苏省产业技术研究院与苏州工业园区共建。",
        );
        for builder in ["江苏省产业技术研究院", "苏州工业园区"] {
            assert!(
                stated(
                    &r,
                    "江苏省产业技术研究院纳米技术研究所",
                    Predicate::establishedBy,
                    builder
                ),
                "{builder}: {r:?}"
            );
        }
        assert!(
            !r.iter()
                .any(|(s, p, _, _)| s == "江苏省产业技术研究院纳米技术研究所"
                    && *p == Predicate::cooperatesWith),
            "{r:?}"
        );
    }

    #[test]
    fn a_body_under_another_is_affiliated_with_it() {
        let cases = [
            (
                "苏州工业园区科技发展有限公司是园区管委会下属企业。",
                "苏州工业园区科技发展有限公司",
                "园区管委会",
            ),
            (
                "中国广东核电集团公司下属的广东核电投资有限公司负责投资。",
                "广东核电投资有限公司",
                "中国广东核电集团公司",
            ),
            (
                "苏州纳米技术研究所隶属于中国科学院。",
                "苏州纳米技术研究所",
                "中国科学院",
            ),
        ];
        for (text, child, parent) in cases {
            let r = relations(text);
            assert!(
                stated(&r, child, Predicate::affiliatedWith, parent),
                "{text}: {r:?}"
            );
        }
        // The parent of a body that is no name here is nobody's parent.
        states_no(
            "他们向中保产险公司、平安保险公司下属的营业机构骗取了赔款。",
            Predicate::affiliatedWith,
        );
    }

    #[test]
    fn a_government_is_a_places_and_only_chinese_ones_are_peoples_governments() {
        let text =
            "他同美国政府会谈。近日杭州市政府发布通知。中日两国政府签署协议，增强地方政府职能。";
        assert!(has(text, "美国政府", EntityType::GovernmentAgency));
        assert!(has(text, "杭州市人民政府", EntityType::GovernmentAgency));
        no_name_containing(text, &["两国", "地方", "近日"]);
    }

    #[test]
    fn a_body_after_zai_opening_a_report_is_its_setting_not_its_actor() {
        let r = relations(
            "政府工作报告\n2023年，在合肥市委的坚强领导下，合肥市政府团结带领全市人民。\n\
             出台《合肥市优化营商环境条例》。",
        );
        let issuers: Vec<&str> = r
            .iter()
            .filter(|(_, p, _, _)| *p == Predicate::issuedBy)
            .map(|(_, _, o, _)| o.as_str())
            .collect();
        assert_eq!(issuers, ["合肥市人民政府"], "{r:?}");
    }

    #[test]
    fn partners_listed_together_each_work_with_the_others() {
        // The partners on one side of 与 work with those on the other, not with each other.
        let r = relations("张江实验室与复旦大学、上海交通大学共建联合实验室。");
        assert!(
            !r.iter()
                .any(|(s, _, o, _)| s.ends_with("大学") && o.ends_with("大学")),
            "{r:?}"
        );
        let r = relations("中国科学技术大学、合肥工业大学与合肥市人民政府共建新型研发机构12家。");
        for (a, b) in [
            ("中国科学技术大学", "合肥市人民政府"),
            ("合肥工业大学", "合肥市人民政府"),
        ] {
            assert!(
                r.iter().any(|(s, p, o, _)| *p == Predicate::cooperatesWith
                    && ((s == a && o == b) || (s == b && o == a))),
                "{a} {b}: {r:?}"
            );
        }
    }

    #[test]
    fn jianshe_names_what_was_built_before_it_only_as_a_noun() {
        let title = "浙江省人民政府关于加快建设创新型省份的意见\n";
        states_no(
            &format!("{title}推动浙江大学、西湖大学建设世界一流大学。"),
            Predicate::establishedBy,
        );
        let r = relations(&format!("{title}加快之江实验室建设，支持企业创新。"));
        assert!(
            stated(&r, "之江实验室", Predicate::establishedBy, "浙江省人民政府"),
            "{r:?}"
        );
    }

    #[test]
    fn those_that_set_up_at_a_place_are_located_there() {
        let r = relations("中芯国际、华虹集团等龙头企业在浦东新区布局12英寸生产线。");
        for company in ["中芯国际", "华虹集团"] {
            assert!(
                stated(&r, company, Predicate::locatedIn, "浦东新区"),
                "{company}: {r:?}"
            );
        }
    }

    #[test]
    fn a_subsidiary_is_affiliated_with_its_parent() {
        for (text, child, parent) in [
            (
                "国轩高科股份有限公司是大众汽车（中国）投资有限公司的控股子公司。",
                "国轩高科股份有限公司",
                "大众汽车（中国）投资有限公司",
            ),
            (
                "科大讯飞股份有限公司全资子公司讯飞医疗科技股份有限公司在香港上市。",
                "讯飞医疗科技股份有限公司",
                "科大讯飞股份有限公司",
            ),
        ] {
            let r = relations(text);
            assert!(
                stated(&r, child, Predicate::affiliatedWith, parent),
                "{text}: {r:?}"
            );
        }
        // 种子公司 is a seed company, not a subsidiary.
        assert!(has(
            "他在洛阳市种子公司工作。",
            "洛阳市种子公司",
            EntityType::Enterprise
        ));
    }

    #[test]
    fn lianhe_before_a_verb_is_jointly_and_zhanlve_hezuo_is_no_policy() {
        let text = "中国科学技术大学与合肥市人民政府签订战略合作协议，联合成立合肥微尺度物质科学国家研究中心。";
        assert!(has(text, "合肥市人民政府", EntityType::GovernmentAgency));
        let r = relations(text);
        assert!(
            !r.iter().any(|(s, p, o, _)| *p == Predicate::cooperatesWith
                && (s == "合肥微尺度物质科学国家研究中心"
                    || o == "合肥微尺度物质科学国家研究中心")),
            "{r:?}"
        );
        let r = relations("国务院办公厅、中共中央统战部今天在京联合举办春节招待会。");
        assert!(
            r.iter().any(|(s, p, o, _)| *p == Predicate::cooperatesWith
                && [s.as_str(), o.as_str()].contains(&"国务院办公厅")),
            "{r:?}"
        );
    }

    #[test]
    fn the_body_that_opens_a_quoted_title_issued_it() {
        let r = relations(
            "按照《国务院关于优化科研管理提升科研绩效若干措施的通知》要求，简化项目申报材料。",
        );
        assert!(
            r.iter().any(
                |(s, p, o, _)| s == "国务院关于优化科研管理提升科研绩效若干措施的通知"
                    && *p == Predicate::issuedBy
                    && o == "国务院"
            ),
            "{r:?}"
        );
        // A body further in is the policy's topic, not its issuer.
        states_no(
            "落实《支持科技部直属单位改革的若干措施》。",
            Predicate::issuedBy,
        );
    }

    #[test]
    fn who_acts_by_a_policy_implements_it() {
        let r = relations(
            "纳入专项发展资金的各条线资金，由临港地区管委会按照专项发展资金管理办法，统一进行使用和管理。",
        );
        assert!(
            stated(
                &r,
                "临港地区管委会",
                Predicate::implements,
                "专项发展资金管理办法"
            ),
            "{r:?}"
        );
        // Only a policy right after the word: 根据临港地区面临的新形势 names none.
        states_no(
            "根据临港地区面临的新形势和新任务，提出以下意见。",
            Predicate::implements,
        );
    }

    #[test]
    fn a_lexicon_name_across_a_boundary_word_is_no_name() {
        // 建湖 (a county) across 共建 | 湖北: the lab is 湖北光谷实验室.
        let text = "湖北省人民政府与华中科技大学共建湖北光谷实验室。";
        assert!(has(text, "湖北光谷实验室", EntityType::Platform));
        no_name_like(text, |name| name.starts_with('建'));
    }

    #[test]
    fn a_place_before_a_place_in_the_title_only_locates_the_documents_subject() {
        let a = analyse("武汉东湖高新区2023年工作总结\n园区出台“光谷科创十条”。", &K);
        let main = a
            .entities
            .main_subject
            .map(|e| a.entities.entities[e].name.as_str());
        assert_eq!(main, Some("武汉东湖新技术开发区"));
    }

    #[test]
    fn jingji_is_one_word_and_a_kindergarten_is_no_park() {
        let text = "国务院推进经济体制改革。新建上百所幼儿园，海淀园发展迅速。";
        assert!(has(text, "经济体制改革", EntityType::Policy));
        no_name_like(text, |name| name.contains("幼儿园"));
        assert!(has(text, "海淀园", EntityType::Region));
    }

    #[test]
    fn an_industry_is_no_company_short_name() {
        // 山东航空公司 cut to its core is 航空, which every airline's name holds.
        states_no(
            "中国国际航空公司订购5架客机，山东航空公司订购2架客机。",
            Predicate::affiliatedWith,
        );
    }

    #[test]
    fn titles_datelines_and_and_industry_bound_names() {
        let text =
            "新华社北京1月21日电包头市科委主任李俊杰介绍，要发展高新技术和产业，组织科技下乡。";
        no_name_like(text, |name| {
            name.contains("主任")
                || name.starts_with('电')
                || name.ends_with("和产业")
                || name.ends_with("下乡")
        });
        // 科委 is short for 科学技术委员会: the bureau's full name, the short one an alias.
        assert!(has(
            text,
            "包头市科学技术委员会",
            EntityType::GovernmentAgency
        ));
    }

    #[test]
    fn a_platforms_branch_opens_with_its_name() {
        let r = relations(
            "国家新能源汽车技术创新中心在北京成立。国家新能源汽车技术创新中心深圳分中心落户坪山区。",
        );
        assert!(
            stated(
                &r,
                "国家新能源汽车技术创新中心深圳分中心",
                Predicate::affiliatedWith,
                "国家新能源汽车技术创新中心"
            ),
            "{r:?}"
        );
        // A name that only ends like a platform's is no branch of it.
        states_no(
            "再就业服务中心遍布全省。长沙纺织再就业服务中心帮助职工转岗。",
            Predicate::affiliatedWith,
        );
    }

    #[test]
    fn pronouns_and_verbs_of_doing_bound_names() {
        let text = "他刚上大学，她用刚刚学会的方法吸收美国电力能源公司的技术，实行优惠政策。";
        no_name_like(text, |name| {
            name.contains("上大学")
                || name.contains("学会")
                || name.starts_with("吸收")
                || name.starts_with("实行")
        });
        assert!(has(text, "美国电力能源公司", EntityType::Enterprise));
    }

    #[test]
    fn one_body_by_two_names_is_not_its_own_parent() {
        // A place before it or a legal form after it names the same company.
        states_no(
            "杭州西湖电子集团有限公司推出数字彩电。西湖电子集团有限公司副总经理介绍了新品。",
            Predicate::affiliatedWith,
        );
        // 成员包括…: no whole is named right before the word.
        states_no(
            "理事会由挪威倡议成立，成员包括美国、加拿大和日本。",
            Predicate::partOf,
        );
    }

    #[test]
    fn a_place_s_economy_and_the_object_of_a_verb_are_no_industry() {
        // Forms of economy are industries; an economy a verb acts on or a place has is not.
        let text = "俄经济继续下滑，各国设法维持经济。该市大力发展平台经济和分享经济。";
        no_name_containing(text, &["俄", "维持"]);
        assert!(has(text, "平台经济", EntityType::Industry));
        assert!(has(text, "分享经济", EntityType::Industry));
    }

    #[test]
    fn verbs_and_quantities_before_an_industry_or_programme_bound_it() {
        let text = "全党狠抓粮食产业，整个纺织行业都要提高服务业的水平。这些企业抓改革，列入星火科技计划。";
        no_name_containing(text, &["狠抓", "整个", "提高", "抓改革", "列入"]);
        assert!(has(text, "粮食产业", EntityType::Industry));
        assert!(has(text, "纺织行业", EntityType::Industry));
        assert!(has(text, "星火科技计划", EntityType::Policy));
    }

    #[test]
    fn an_area_of_a_kind_is_no_named_place() {
        let text = "各地支援贫困地区、少数民族地区和周边园区，救灾物资运抵张家口地区。\
                    他离开家乡，走遍城乡，来到泥城镇和王集乡。";
        no_name_containing(text, &["贫困", "民族", "周边", "城乡", "家乡"]);
        for place in ["张家口地区", "泥城镇", "王集乡"] {
            assert!(has(text, place, EntityType::Region), "{place}");
        }
    }

    #[test]
    fn a_list_of_projects_names_companies_only_for_projects_a_company_runs() {
        let text =
            "本届运动会设乒乓球、击剑、射箭等8个项目。开发区引进三菱树脂、横滨轮胎等7个外资项目。";
        no_name_containing(text, &["乒乓球", "击剑", "射箭"]);
        assert!(has(text, "三菱树脂", EntityType::Enterprise));
        assert!(has(text, "横滨轮胎", EntityType::Enterprise));
    }

    #[test]
    fn the_posts_a_person_holds_bound_the_body_that_follows() {
        let text = "王玉荣现任内蒙古自治区残疾人联合会理事长，他历任第六机械工业部教育局局长。";
        assert!(has(
            text,
            "内蒙古自治区残疾人联合会",
            EntityType::Institution
        ));
        assert!(has(
            text,
            "第六机械工业部教育局",
            EntityType::GovernmentAgency
        ));
    }

    #[test]
    fn a_hospital_one_is_taken_to_or_of_a_kind_is_no_name() {
        let text = "危重伤员被送往医院，后住进襄樊铁路医院。天津某大学的学生渐渐学会了游泳，公立医院也派来医生。";
        no_name_containing(text, &["送往", "住进", "某", "学会", "公立"]);
        assert!(has(text, "襄樊铁路医院", EntityType::Institution));
    }

    #[test]
    fn what_is_done_with_money_bounds_a_funds_name() {
        let text = "职工不需缴纳健康基金，国家教委设立优秀教师基金，首届谈家桢基金颁奖。";
        no_name_containing(text, &["缴纳", "首届"]);
        assert!(has(text, "谈家桢基金", EntityType::Fund));
    }

    #[test]
    fn fazhan_stands_inside_a_platforms_name_and_he_opens_no_name() {
        let text = "支持中国科学院武汉分院与东湖高新区共建武汉产业创新发展研究院。\
                    认真落实《湖北省促进科技成果转化条例》和高新技术企业税收优惠政策。";
        assert!(has(text, "武汉产业创新发展研究院", EntityType::Platform));
        assert!(has(text, "高新技术企业税收优惠政策", EntityType::Policy));
        let r = relations(text);
        let institute = "武汉产业创新发展研究院";
        for builder in ["中国科学院武汉分院", "武汉东湖新技术开发区"] {
            expect(&r, institute, Predicate::establishedBy, builder, true);
        }
        expect(
            &r,
            "中国科学院武汉分院",
            Predicate::affiliatedWith,
            "中国科学院",
            true,
        );
        // Nor does a list's first member: the walk is the one head names take.
        let text = "推进《若干措施》与智能网联汽车、氢能储能等产业发展。";
        assert!(has(text, "智能网联汽车", EntityType::Industry));
        no_name_containing(text, &["与"]);
    }

    #[test]
    fn a_bureaus_short_name_and_a_groups_legal_name_name_one_body() {
        let text = "宁波市科学技术局会同市财政局出台《管理办法》。市科技局负责解释。\
                    支持宁波拓普集团股份有限公司做大做强，拓普集团已在宁波落户多年。";
        let a = analyse(text, &K);
        let holding = |name: &str| holding(&a, name);
        // 科技局 is the short form of 科学技术局; 集团 of 集团股份有限公司 is the group's name.
        assert_eq!(holding("宁波市科技局"), ["宁波市科学技术局"]);
        assert_eq!(holding("宁波市科学技术局"), ["宁波市科学技术局"]);
        assert_eq!(holding("拓普集团"), holding("宁波拓普集团股份有限公司"));
        assert_eq!(holding("拓普集团").len(), 1);
        states_no(text, Predicate::affiliatedWith);
    }

    #[test]
    fn a_parent_inside_a_lexicon_name_is_an_entity_and_its_parent() {
        let text = "中国科学院计算技术研究所牵头组建创新中心。中国自动化学会发布报告。";
        assert!(has(text, "中国科学院", EntityType::Institution));
        let r = relations(text);
        expect(
            &r,
            "中国科学院计算技术研究所",
            Predicate::affiliatedWith,
            "中国科学院",
            true,
        );
        // A company's short name inside a lexicon name is a coincidence of words, and a
        // name's own short form (清华 of 清华大学) no second mention.
        no_name_like(text, |n| n == "中国自动化");
        let a = analyse("可借鉴清华大学等校的经验。", &K);
        let mentions: Vec<&str> = (a.mentions.mentions.iter())
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(mentions, ["清华大学"]);
    }

    #[test]
    fn a_work_reports_opening_names_its_government() {
        let text = "2024年宁波市人民政府工作报告。现在，我代表市人民政府向大会报告工作。\
                    宁波市人民代表大会常务委员会通过决定。全力支持甬江实验室建设，争创国家实验室基地。\
                    宁波杭州湾新区、前湾新区产业集聚效应显现。";
        // The government whose work it reports, not a place: the report's main subject.
        let a = analyse(text, &K);
        let main = a
            .entities
            .main_subject
            .map(|i| a.entities.entities[i].name.as_str());
        assert_eq!(main, Some("宁波市人民政府"));
        // 代表 and 争创 are verbs before names; 人民代表大会 is a name all the same.
        no_name_containing(text, &["代表市", "争创"]);
        assert!(has(
            text,
            "宁波市人民代表大会常务委员会",
            EntityType::GovernmentAgency
        ));
        // The class of national laboratories, and a place's industries, name nothing.
        no_name_like(text, |n| n == "国家实验室" || n.ends_with("区产业"));
        assert!(has(text, "前湾新区", EntityType::Region));
    }

    #[test]
    fn a_policy_name_may_begin_with_an_industry_and_a_passive_issuer_needs_its_marker() {
        let text = "落实《关于推进制造业高质量发展的若干意见》，\
                    宁波市经济和信息化局牵头制定数字经济核心产业扶持政策。\
                    专项资金管理办法由宁波市财政局制定。开展山区小流域治理绿化工程试点。";
        assert!(has(text, "数字经济核心产业扶持政策", EntityType::Policy));
        // 化工 of 绿化工程 is no industry's name to begin a policy's.
        no_name_like(text, |n| n.starts_with("化工"));
        let r = relations(text);
        let bureau = "宁波市经济和信息化局";
        expect(
            &r,
            "数字经济核心产业扶持政策",
            Predicate::issuedBy,
            bureau,
            true,
        );
        expect(
            &r,
            "关于推进制造业高质量发展的若干意见",
            Predicate::issuedBy,
            bureau,
            false,
        );
        expect(
            &r,
            "专项资金管理办法",
            Predicate::issuedBy,
            "宁波市财政局",
            true,
        );
    }

    #[test]
    fn angel_funds_support_programmes_and_innovation_zones_are_names() {
        let text = "设立总规模200亿元的宁波市天使投资引导基金。甬江科创区引进重大项目46个。\
                    市人社局、市科技局联合实施博士后创新人才支持计划。";
        assert!(has(text, "宁波市天使投资引导基金", EntityType::Fund));
        assert!(has(text, "甬江科创区", EntityType::Region));
        assert!(has(text, "博士后创新人才支持计划", EntityType::Policy));
    }

    #[test]
    fn partners_after_yu_work_with_the_actor_left_out() {
        let text = "宁波市人民政府工作报告。与上海交通大学、中国科学技术大学签署战略合作协议。\
                    宁波市科技局与浙江大学合作。";
        let r = relations(text);
        for partner in ["上海交通大学", "中国科学技术大学"] {
            expect(
                &r,
                "宁波市人民政府",
                Predicate::cooperatesWith,
                partner,
                true,
            );
        }
        expect(
            &r,
            "上海交通大学",
            Predicate::cooperatesWith,
            "中国科学技术大学",
            false,
        );
        // An actor that is written still acts.
        expect(
            &r,
            "宁波市科学技术局",
            Predicate::cooperatesWith,
            "浙江大学",
            true,
        );
    }

    #[test]
    fn a_policy_notices_labs_branches_and_funds() {
        let text = "成都市人民政府办公厅关于印发《若干政策措施》的通知。\
                    支持天府绛溪实验室、天府锦城实验室、天府永兴实验室建设。\
                    支持中国科学院成都分院、电子科技大学等单位争取国家重大科技基础设施布局成都。\
                    由成都科技创新投资集团有限公司发起设立规模50亿元的成都科创投基金。";
        // 都 of 成都 ends a place's name, not the adverb 都 (都学会) before a head.
        assert!(has(text, "中国科学院成都分院", EntityType::Institution));
        let r = relations(text);
        let issuer = "成都市人民政府办公厅";
        for lab in ["天府绛溪实验室", "天府锦城实验室", "天府永兴实验室"] {
            expect(&r, lab, Predicate::establishedBy, issuer, true);
        }
        let fund = "成都科创投基金";
        let company = "成都科技创新投资集团有限公司";
        expect(&r, fund, Predicate::establishedBy, company, true);
        // 科技创新 is no company's short name.
        let a = analyse(text, &K);
        let company = a.entities.entities.iter().find(|e| e.name == company);
        assert!(company.is_some_and(|e| !e.aliases.contains("科技创新")));
    }

    #[test]
    fn a_stock_name_that_cuts_a_word_is_the_company_and_industries_end_before_qiye() {
        let text = "以长鑫存储、晶合集成为代表的龙头企业加快发展，\
                    合肥晶合集成电路股份有限公司在科创板上市。\
                    莱克电气绿能科技（苏州）有限公司由莱克电气设立。\
                    新站高新区聚集了杰发科技、恒烁半导体等新能源汽车企业。\
                    新加坡巴林银行期货公司亏损，巴林银行宣布倒闭。";
        let a = analyse(text, &K);
        let holding = |name: &str| holding(&a, name);
        // 晶合集成 cuts 集成电路 in two: the same company.
        assert_eq!(holding("合肥晶合集成电路股份有限公司"), holding("晶合集成"));
        // 莱克电气 stops where a word does: the parent.
        assert_ne!(
            holding("莱克电气绿能科技（苏州）有限公司"),
            holding("莱克电气")
        );
        assert_ne!(holding("新加坡巴林银行期货公司"), holding("巴林银行"));
        assert_eq!(holding("巴林银行").len(), 1);
        // An industry's name ends before 企业, and the companies listed are in it.
        assert!(has(text, "新能源汽车", EntityType::Industry));
        let r = relations(text);
        expect(&r, "恒烁半导体", Predicate::inIndustry, "新能源汽车", true);
    }

    #[test]
    fn a_park_reports_founders_classes_carriers_and_clusters() {
        let text = "西安高新区2023年工作总结。\
                    西安高新区作为秦创原总窗口核心区，联合西安交通大学、西北工业大学共建秦创原协同创新中心。\
                    西安高新区入选国家知识产权强国建设示范园区，加快建设世界一流科技园区。\
                    中国西部科技创新港、丝路软件城等载体加快建设。\
                    半导体产业集聚三星（中国）半导体有限公司、华天科技等企业。";
        let r = relations(text);
        // 联合 opens the clause of the list's first member: the actor left out founds too.
        let centre = "秦创原协同创新中心";
        for founder in ["西安高新技术产业开发区", "西安交通大学", "西北工业大学"]
        {
            expect(&r, centre, Predicate::establishedBy, founder, true);
        }
        no_name_like(text, |n| n.ends_with("示范园区") || n.ends_with("科技园区"));
        assert!(has(text, "中国西部科技创新港", EntityType::Region));
        assert!(has(text, "丝路软件城", EntityType::Region));
        expect(&r, "华天科技", Predicate::inIndustry, "半导体产业", true);
    }
}
