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

/// Maps an analysis back onto the original text.
pub fn to_document_graph(doc: &Document, a: &Analysis) -> DocumentGraph {
    let original: Vec<char> = doc.text.chars().collect();
    let quote = |start: usize, end: usize| -> String {
        original[start.min(original.len())..end.min(original.len())]
            .iter()
            .collect()
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
            mentions: e
                .mentions
                .iter()
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
            evidence: r
                .evidence
                .iter()
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
            characters: original.len(),
            main_subject: a
                .entities
                .main_subject
                .map(|i| a.entities.entities[i].name.clone()),
        },
        entities,
        relations,
    }
}
