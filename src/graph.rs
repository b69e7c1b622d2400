//! Stage 7 — graph: documents' findings merged into one petgraph graph.
//!
//! Two shapes of the same knowledge live here. A [`DocumentGraph`] is what one document
//! says, with offsets into its original text; it is the unit that is extracted in parallel,
//! written to the store as one named graph, and replaced when the document changes. The
//! [`KnowledgeGraph`] merges many of them — entities by type and canonical name, relations
//! by their ends — into a petgraph graph, the one in-memory model from which `graph.json`
//! and every export are produced.
//!
//! **Invariant:** every offset in a `DocumentGraph` counts code points of the document's
//! decoded original text, end exclusive, and `text` fields quote that original.

use foldhash::HashMap;
use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::ontology::{entity_iri, EntityType, Predicate};

/// Facts about a source document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub path: String,
    pub sha256: String,
    pub encoding: String,
    pub title: String,
    /// Length of the decoded text in code points.
    pub characters: usize,
    /// Canonical name of the document's main subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_subject: Option<String>,
}

/// Where an entity is named: a span of the original text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MentionRecord {
    pub document: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub rule: String,
}

/// Why a relation is believed: the sentence (offsets and original text) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EvidenceRecord {
    pub document: String,
    pub sentence: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    pub rule: String,
    pub implicit: bool,
}

/// An entity as one document names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: EntityType,
    pub aliases: Vec<String>,
    pub mentions: Vec<MentionRecord>,
    /// Mentions of this document left out of `mentions` (beyond
    /// [`crate::extract::MENTIONS_PER_ENTITY`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mentions_omitted: usize,
}

/// A relation as one document states it; ends index the document's entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationRecord {
    pub subject: usize,
    pub predicate: Predicate,
    pub object: usize,
    pub implicit: bool,
    pub evidence: Vec<EvidenceRecord>,
    /// Evidence of this document left out of `evidence` (beyond
    /// [`crate::extract::EVIDENCE_PER_RELATION`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub evidence_omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What one document says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentGraph {
    pub document: DocumentInfo,
    pub entities: Vec<EntityRecord>,
    pub relations: Vec<RelationRecord>,
}

/// A node of the knowledge graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub kind: EntityType,
    pub aliases: BTreeSet<String>,
    pub mentions: Vec<MentionRecord>,
}

impl Node {
    /// The stable IRI of this entity.
    pub fn iri(&self) -> String {
        entity_iri(self.kind, &self.name)
    }

    /// The documents that mention this entity.
    pub fn documents(&self) -> BTreeSet<&str> {
        self.mentions.iter().map(|m| m.document.as_str()).collect()
    }
}

/// An edge of the knowledge graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub predicate: Predicate,
    /// True when no evidence names both ends explicitly.
    pub implicit: bool,
    pub evidence: Vec<EvidenceRecord>,
}

/// The merged graph of many documents.
#[derive(Debug, Default, Clone)]
pub struct KnowledgeGraph {
    pub graph: DiGraph<Node, Edge>,
    pub documents: Vec<DocumentInfo>,
    /// Nodes by type, then canonical name (looked up by `&str`, without a key to allocate).
    index: HashMap<EntityType, HashMap<String, NodeIndex>>,
    edges: HashMap<(NodeIndex, Predicate, NodeIndex), EdgeIndex>,
    /// At most this many mentions per node and pieces of evidence per edge are kept
    /// ([`KnowledgeGraph::with_record_limit`]); `None` keeps everything.
    record_limit: Option<usize>,
    /// Mentions and evidence counted but not kept, by node and edge.
    dropped_mentions: HashMap<NodeIndex, usize>,
    dropped_evidence: HashMap<EdgeIndex, usize>,
    /// Documents that name a node, where they were counted rather than read from its
    /// mentions ([`KnowledgeGraph::set_document_count`]).
    document_counts: HashMap<NodeIndex, usize>,
}

impl KnowledgeGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty graph that keeps the first `limit` mentions of each entity and pieces of
    /// evidence of each relation (in the order documents are added), and counts the rest.
    /// A run over a large corpus merges every document into one graph: with a limit, its
    /// memory grows with the number of entities and relations, not with the corpus (the
    /// store keeps everything).
    pub fn with_record_limit(limit: usize) -> Self {
        KnowledgeGraph {
            record_limit: Some(limit),
            ..Self::default()
        }
    }

    /// How many mentions the node has, kept or not.
    pub fn mention_count(&self, n: NodeIndex) -> usize {
        self.graph[n].mentions.len() + self.dropped_mentions.get(&n).copied().unwrap_or(0)
    }

    /// How many documents name the node: counted, or from its mentions.
    pub fn document_count(&self, n: NodeIndex) -> usize {
        match self.document_counts.get(&n) {
            Some(&count) => count,
            None => self.graph[n].documents().len(),
        }
    }

    /// Sets how many documents name the node, counted apart from its mentions: a graph read
    /// from the store may hold the counts and not the mentions.
    pub fn set_document_count(&mut self, n: NodeIndex, count: usize) {
        self.document_counts.insert(n, count);
    }

    /// Sets how many mentions the node has, kept or not.
    pub fn set_mention_count(&mut self, n: NodeIndex, count: usize) {
        match count.saturating_sub(self.graph[n].mentions.len()) {
            0 => self.dropped_mentions.remove(&n),
            dropped => self.dropped_mentions.insert(n, dropped),
        };
    }

    /// How many pieces of evidence the edge has, kept or not.
    pub fn evidence_count(&self, e: EdgeIndex) -> usize {
        self.graph[e].evidence.len() + self.dropped_evidence.get(&e).copied().unwrap_or(0)
    }

    /// Merges one document's findings.
    pub fn add_document(&mut self, doc: &DocumentGraph) {
        self.documents.push(doc.document.clone());
        let ids: Vec<NodeIndex> = doc
            .entities
            .iter()
            .map(|e| {
                let names = self.index.entry(e.kind).or_default();
                let idx = match names.get(e.name.as_str()) {
                    Some(&idx) => idx,
                    None => {
                        let idx = self.graph.add_node(Node {
                            name: e.name.clone(),
                            kind: e.kind,
                            aliases: BTreeSet::new(),
                            mentions: Vec::new(),
                        });
                        names.insert(e.name.clone(), idx);
                        idx
                    }
                };
                let node = &mut self.graph[idx];
                for a in &e.aliases {
                    if !node.aliases.contains(a) {
                        node.aliases.insert(a.clone());
                    }
                }
                let dropped = keep_some(&mut node.mentions, &e.mentions, self.record_limit)
                    + e.mentions_omitted;
                if dropped > 0 {
                    *self.dropped_mentions.entry(idx).or_insert(0) += dropped;
                }
                idx
            })
            .collect();
        for r in &doc.relations {
            let (s, o) = (ids[r.subject], ids[r.object]);
            let key = (s, r.predicate, o);
            match self.edges.get(&key) {
                Some(&e) => {
                    let edge = &mut self.graph[e];
                    edge.implicit &= r.implicit;
                    let dropped = keep_some(&mut edge.evidence, &r.evidence, self.record_limit)
                        + r.evidence_omitted;
                    if dropped > 0 {
                        *self.dropped_evidence.entry(e).or_insert(0) += dropped;
                    }
                }
                None => {
                    let mut evidence = Vec::new();
                    let dropped = keep_some(&mut evidence, &r.evidence, self.record_limit)
                        + r.evidence_omitted;
                    let e = self.graph.add_edge(
                        s,
                        o,
                        Edge {
                            predicate: r.predicate,
                            implicit: r.implicit,
                            evidence,
                        },
                    );
                    if dropped > 0 {
                        self.dropped_evidence.insert(e, dropped);
                    }
                    self.edges.insert(key, e);
                }
            }
        }
    }

    /// Builds a graph from already merged parts, as the store or a subgraph holds them:
    /// `edges` are `(source, target, edge)` indexing `nodes`. Nodes sharing type and name,
    /// and edges sharing ends and predicate, are merged as [`KnowledgeGraph::add_document`]
    /// merges them.
    pub fn from_parts(
        documents: Vec<DocumentInfo>,
        nodes: Vec<Node>,
        edges: Vec<(usize, usize, Edge)>,
    ) -> Self {
        let mut g = KnowledgeGraph {
            documents,
            ..Self::default()
        };
        let ids: Vec<NodeIndex> = nodes
            .into_iter()
            .map(|n| match g.node(n.kind, &n.name) {
                Some(idx) => {
                    let node = &mut g.graph[idx];
                    node.aliases.extend(n.aliases);
                    node.mentions.extend(n.mentions);
                    idx
                }
                None => {
                    let (kind, name) = (n.kind, n.name.clone());
                    let idx = g.graph.add_node(n);
                    g.index.entry(kind).or_default().insert(name, idx);
                    idx
                }
            })
            .collect();
        for (s, o, e) in edges {
            let (s, o) = (ids[s], ids[o]);
            let key = (s, e.predicate, o);
            match g.edges.get(&key) {
                Some(&idx) => {
                    let edge = &mut g.graph[idx];
                    edge.implicit &= e.implicit;
                    edge.evidence.extend(e.evidence);
                }
                None => {
                    let idx = g.graph.add_edge(s, o, e);
                    g.edges.insert(key, idx);
                }
            }
        }
        g
    }

    /// The node with this type and canonical name.
    pub fn node(&self, kind: EntityType, name: &str) -> Option<NodeIndex> {
        self.index.get(&kind)?.get(name).copied()
    }

    /// The edge `subject —predicate→ object`, if the graph has it.
    pub fn edge(&self, s: NodeIndex, p: Predicate, o: NodeIndex) -> Option<EdgeIndex> {
        self.edges.get(&(s, p, o)).copied()
    }

    /// Nodes whose name or alias is `name`, any type.
    pub fn find(&self, name: &str) -> Vec<NodeIndex> {
        let mut out: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|&i| {
                let n = &self.graph[i];
                n.name == name || n.aliases.contains(name)
            })
            .collect();
        out.sort_by_key(|&i| {
            (
                self.graph[i].name != name,
                self.graph[i].kind,
                self.graph[i].name.clone(),
            )
        });
        out
    }

    /// Node indexes in a deterministic order: by type, then name.
    pub fn sorted_nodes(&self) -> Vec<NodeIndex> {
        let mut nodes: Vec<NodeIndex> = self.graph.node_indices().collect();
        nodes.sort_by(|&a, &b| {
            let (x, y) = (&self.graph[a], &self.graph[b]);
            (x.kind, &x.name).cmp(&(y.kind, &y.name))
        });
        nodes
    }

    /// Renders the graph in the scored JSON form of ANNOTATION.md (entities with id, name,
    /// type, aliases; relations with subject, predicate, object ids), with mentions,
    /// evidence and documents besides. Output is deterministic.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.json_view()).expect("graph JSON is plain data")
    }

    /// Writes [`KnowledgeGraph::to_json`], pretty-printed, without building it as a
    /// `serde_json::Value` first: on a large corpus the value tree was most of the time
    /// after the last document (one thread, while the other cores idle).
    pub fn write_json<W: std::io::Write>(&self, w: W) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(w, &self.json_view())
    }

    /// The JSON form as borrowed records whose fields are declared in sorted order: the
    /// order in which a `serde_json::Value` (a sorted map) prints them, so both print alike.
    fn json_view(&self) -> JsonGraph<'_> {
        let nodes = self.sorted_nodes();
        // Node index → id; node indexes are dense.
        let mut ids = vec![String::new(); self.graph.node_count()];
        for (i, &n) in nodes.iter().enumerate() {
            ids[n.index()] = format!("e{}", i + 1);
        }
        let entities: Vec<JsonEntity> = nodes
            .iter()
            .map(|&n| {
                let node = &self.graph[n];
                let mut mentions: Vec<&MentionRecord> = node.mentions.iter().collect();
                mentions.sort();
                JsonEntity {
                    aliases: &node.aliases,
                    id: ids[n.index()].clone(),
                    iri: node.iri(),
                    mention_count: self.mention_count(n),
                    mentions: mentions.into_iter().map(JsonMention::from).collect(),
                    name: &node.name,
                    kind: node.kind,
                }
            })
            .collect();
        let mut relations: Vec<(String, JsonRelation)> = self
            .graph
            .edge_references()
            .map(|e| {
                let w = e.weight();
                let mut evidence: Vec<&EvidenceRecord> = w.evidence.iter().collect();
                evidence.sort();
                evidence.dedup();
                let (s, o) = (&ids[e.source().index()], &ids[e.target().index()]);
                let key = format!("{:>8}{}{:>8}", s, w.predicate, o);
                (
                    key,
                    JsonRelation {
                        evidence: evidence.into_iter().map(JsonEvidence::from).collect(),
                        evidence_count: self.evidence_count(e.id()),
                        implicit: w.implicit,
                        object: o.clone(),
                        predicate: w.predicate,
                        subject: s.clone(),
                    },
                )
            })
            .collect();
        relations.sort_by(|a, b| a.0.cmp(&b.0));
        let mut documents: Vec<&DocumentInfo> = self.documents.iter().collect();
        documents.sort_by(|a, b| a.path.cmp(&b.path));
        documents.dedup_by(|a, b| a.path == b.path);
        JsonGraph {
            documents: documents.into_iter().map(JsonDocument::from).collect(),
            entities,
            relations: relations.into_iter().map(|r| r.1).collect(),
        }
    }

    /// Counts of entities by type and relations by predicate.
    pub fn counts(&self) -> (BTreeMap<EntityType, usize>, BTreeMap<Predicate, usize>) {
        let mut types = BTreeMap::new();
        for n in self.graph.node_weights() {
            *types.entry(n.kind).or_insert(0) += 1;
        }
        let mut preds = BTreeMap::new();
        for e in self.graph.edge_weights() {
            *preds.entry(e.predicate).or_insert(0) += 1;
        }
        (types, preds)
    }
}

// The JSON form of a [`KnowledgeGraph`], borrowed from it. Fields are declared in sorted
// order, the order of a `serde_json::Value`'s keys, so that `to_json` and `write_json` print
// the same bytes.

#[derive(Serialize)]
struct JsonGraph<'a> {
    documents: Vec<JsonDocument<'a>>,
    entities: Vec<JsonEntity<'a>>,
    relations: Vec<JsonRelation<'a>>,
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    characters: usize,
    encoding: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    main_subject: Option<&'a str>,
    path: &'a str,
    sha256: &'a str,
    title: &'a str,
}

impl<'a> From<&'a DocumentInfo> for JsonDocument<'a> {
    fn from(d: &'a DocumentInfo) -> Self {
        JsonDocument {
            characters: d.characters,
            encoding: &d.encoding,
            main_subject: d.main_subject.as_deref(),
            path: &d.path,
            sha256: &d.sha256,
            title: &d.title,
        }
    }
}

#[derive(Serialize)]
struct JsonEntity<'a> {
    aliases: &'a BTreeSet<String>,
    id: String,
    iri: String,
    mention_count: usize,
    mentions: Vec<JsonMention<'a>>,
    name: &'a str,
    #[serde(rename = "type")]
    kind: EntityType,
}

#[derive(Serialize)]
struct JsonMention<'a> {
    document: &'a str,
    end: usize,
    rule: &'a str,
    start: usize,
    text: &'a str,
}

impl<'a> From<&'a MentionRecord> for JsonMention<'a> {
    fn from(m: &'a MentionRecord) -> Self {
        JsonMention {
            document: &m.document,
            end: m.end,
            rule: &m.rule,
            start: m.start,
            text: &m.text,
        }
    }
}

#[derive(Serialize)]
struct JsonRelation<'a> {
    evidence: Vec<JsonEvidence<'a>>,
    evidence_count: usize,
    implicit: bool,
    object: String,
    predicate: Predicate,
    subject: String,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    document: &'a str,
    end: usize,
    implicit: bool,
    rule: &'a str,
    sentence: usize,
    start: usize,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger: Option<&'a str>,
}

impl<'a> From<&'a EvidenceRecord> for JsonEvidence<'a> {
    fn from(e: &'a EvidenceRecord) -> Self {
        JsonEvidence {
            document: &e.document,
            end: e.end,
            implicit: e.implicit,
            rule: &e.rule,
            sentence: e.sentence,
            start: e.start,
            text: &e.text,
            trigger: e.trigger.as_deref(),
        }
    }
}

/// Appends `more` to `kept` up to `limit` records, and returns how many were left out.
fn keep_some<T: Clone>(kept: &mut Vec<T>, more: &[T], limit: Option<usize>) -> usize {
    let room = limit.map_or(more.len(), |l| l.saturating_sub(kept.len()).min(more.len()));
    kept.extend_from_slice(&more[..room]);
    more.len() - room
}

/// A document graph with bare entities and relations, for tests across the crate.
#[cfg(test)]
pub(crate) fn test_document(
    path: &str,
    entities: &[(&str, EntityType)],
    relations: &[(usize, Predicate, usize)],
) -> DocumentGraph {
    DocumentGraph {
        document: DocumentInfo {
            path: path.into(),
            sha256: String::new(),
            encoding: "UTF-8".into(),
            title: String::new(),
            characters: 0,
            main_subject: None,
        },
        entities: entities
            .iter()
            .map(|(n, k)| EntityRecord {
                name: (*n).into(),
                kind: *k,
                aliases: vec![],
                mentions: vec![],
                mentions_omitted: 0,
            })
            .collect(),
        relations: relations
            .iter()
            .map(|&(s, p, o)| RelationRecord {
                subject: s,
                predicate: p,
                object: o,
                implicit: false,
                evidence: vec![],
                evidence_omitted: 0,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_entities_by_type_and_name_across_documents() {
        let mut g = KnowledgeGraph::new();
        g.add_document(&test_document(
            "a",
            &[
                ("清华大学", EntityType::Institution),
                ("海淀区", EntityType::Region),
            ],
            &[(0, Predicate::locatedIn, 1)],
        ));
        g.add_document(&test_document(
            "b",
            &[
                ("海淀区", EntityType::Region),
                ("清华大学", EntityType::Institution),
            ],
            &[(1, Predicate::locatedIn, 0)],
        ));
        assert_eq!(g.graph.node_count(), 2);
        assert_eq!(g.graph.edge_count(), 1);
        let json = g.to_json();
        assert_eq!(json["entities"][0]["name"], "清华大学");
        assert_eq!(json["relations"][0]["subject"], "e1");
        assert_eq!(json["relations"][0]["object"], "e2");
    }

    #[test]
    fn a_record_limit_keeps_the_first_records_and_counts_all() {
        let mut doc = test_document(
            "a",
            &[
                ("清华大学", EntityType::Institution),
                ("海淀区", EntityType::Region),
            ],
            &[(0, Predicate::locatedIn, 1)],
        );
        let mention = |start| MentionRecord {
            document: "a".into(),
            start,
            end: start + 4,
            text: "清华大学".into(),
            rule: "lexicon".into(),
        };
        doc.entities[0].mentions = (0..3).map(|i| mention(i * 10)).collect();
        doc.relations[0].evidence = vec![
            EvidenceRecord {
                document: "a".into(),
                sentence: 0,
                start: 0,
                end: 9,
                text: "清华大学位于海淀区".into(),
                trigger: Some("位于".into()),
                rule: "locatedIn".into(),
                implicit: false,
            };
            3
        ];
        let mut limited = KnowledgeGraph::with_record_limit(4);
        let mut full = KnowledgeGraph::new();
        for g in [&mut limited, &mut full] {
            g.add_document(&doc);
            g.add_document(&doc);
        }
        let n = NodeIndex::new(0);
        let e = petgraph::graph::EdgeIndex::new(0);
        assert_eq!(limited.graph[n].mentions.len(), 4);
        assert_eq!(full.graph[n].mentions.len(), 6);
        assert_eq!(limited.mention_count(n), 6);
        assert_eq!(limited.graph[e].evidence.len(), 4);
        assert_eq!(limited.evidence_count(e), 6);
        let json = limited.to_json();
        assert_eq!(json["entities"][0]["mention_count"], 6);
        assert_eq!(json["relations"][0]["evidence_count"], 6);
        assert_eq!(full.to_json()["relations"][0]["evidence_count"], 6);
    }
}
