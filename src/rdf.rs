//! Stage 8a — RDF: a document's graph as quads in its own named graph.
//!
//! Each document's statements live in a named graph whose name is the document's IRI, so
//! that re-extracting a document replaces exactly what it said and nothing else. Entities
//! carry `rdf:type`, `skos:prefLabel` and `skos:altLabel`; every relation is stated as a
//! plain triple (for simple queries) and once more as a `zt:RelationStatement` that points
//! at its evidence sentence, rule and trigger (for "which sentence says so, in which file?").

use std::collections::HashMap;

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{
    GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    QuadRef, Term, TermRef,
};

use crate::graph::DocumentGraph;
use crate::ontology::{iri_escape, Predicate, DOC, ENTITY, KNOWLEDGE_GRAPH, ZT};

const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
const SKOS_ALT_LABEL: &str = "http://www.w3.org/2004/02/skos/core#altLabel";
const PROV: &str = "http://www.w3.org/ns/prov#";
const DCTERMS: &str = "http://purl.org/dc/terms/";

/// The IRI of a document (and of its named graph).
pub fn document_iri(path: &str) -> String {
    format!("{DOC}{}", iri_escape(path))
}

fn node(iri: impl Into<String>) -> NamedNode {
    NamedNode::new_unchecked(iri)
}

fn zt(local: &str) -> NamedNode {
    // Called for nearly every quad: concatenation, not the formatting machinery.
    node([ZT, local].concat())
}

fn zh(text: &str) -> Literal {
    Literal::new_language_tagged_literal_unchecked(clean_literal(text), "zh")
}

fn string(text: &str) -> Literal {
    Literal::new_simple_literal(clean_literal(text))
}

fn int(n: usize) -> Literal {
    Literal::new_typed_literal(n.to_string(), xsd::INTEGER)
}

/// Literals may hold any character but NUL and lone control characters confuse consumers.
fn clean_literal(text: &str) -> String {
    let unwanted = |c: char| c.is_control() && !matches!(c, '\n' | '\t');
    if !text.contains(unwanted) {
        return text.to_owned();
    }
    text.chars().filter(|&c| !unwanted(c)).collect()
}

/// All quads of one document, in its named graph, in a deterministic order. Mentions with
/// the same text and rule share a node (`zt:mentionOf`, `zt:text`, `zt:rule`, one
/// `zt:start` per occurrence; the end is the start plus the text's length, or `zt:length`
/// when they differ); the named graph says which document.
pub fn document_quads(doc: &DocumentGraph, zhitu_version: &str, fingerprint: &str) -> Vec<Quad> {
    let doc_iri = document_iri(&doc.document.path);
    let graph = GraphName::NamedNode(node(doc_iri.clone()));
    let d = node(doc_iri.clone());
    let mut out = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNode, o: Term| {
        out.push(Quad::new(
            NamedOrBlankNode::NamedNode(s.clone()),
            p,
            o,
            graph.clone(),
        ));
    };
    let info = &doc.document;
    add(&d, rdf::TYPE.into_owned(), zt("Document").into());
    add(
        &d,
        rdf::TYPE.into_owned(),
        node(format!("{PROV}Entity")).into(),
    );
    add(&d, zt("path"), string(&info.path).into());
    add(&d, zt("sha256"), string(&info.sha256).into());
    add(&d, zt("encoding"), string(&info.encoding).into());
    add(&d, zt("characters"), int(info.characters).into());
    add(&d, node(format!("{DCTERMS}title")), zh(&info.title).into());
    add(
        &d,
        zt("extractedWith"),
        string(&format!("zhitu {zhitu_version}")).into(),
    );
    add(&d, zt("rulesFingerprint"), string(fingerprint).into());
    let entity_nodes: Vec<NamedNode> = doc
        .entities
        .iter()
        .map(|e| node(crate::ontology::entity_iri(e.kind, &e.name)))
        .collect();
    if let Some(main) = &info.main_subject {
        if let Some(i) = doc.entities.iter().position(|e| &e.name == main) {
            add(&d, zt("mainSubject"), entity_nodes[i].clone().into());
        }
    }
    for (e, en) in doc.entities.iter().zip(&entity_nodes) {
        add(en, rdf::TYPE.into_owned(), zt(e.kind.as_str()).into());
        add(en, node(SKOS_PREF_LABEL), zh(&e.name).into());
        for a in &e.aliases {
            add(en, node(SKOS_ALT_LABEL), zh(a).into());
        }
        add(en, zt("mentionedIn"), d.clone().into());
        // Mentions with the same text found by the same rule share one node, with a start
        // per occurrence: most of a store's volume is mentions, and their text, rule and
        // entity repeat.
        let mut groups: Vec<(&str, &str, Vec<usize>)> = Vec::new();
        let mut group_of: HashMap<(&str, &str), usize> = HashMap::new();
        for m in &e.mentions {
            let g = *group_of
                .entry((m.text.as_str(), m.rule.as_str()))
                .or_insert_with(|| {
                    groups.push((&m.text, &m.rule, Vec::new()));
                    groups.len() - 1
                });
            groups[g].2.push(m.start);
        }
        for (j, (text, rule, starts)) in groups.iter().enumerate() {
            let mn = node(format!("{doc_iri}#m{}/{}-{j}", e.kind, iri_escape(&e.name)));
            add(&mn, zt("mentionOf"), en.clone().into());
            let literal = zh(text);
            // The span's length is the text's unless the literal lost control characters.
            let length = text.chars().count();
            if literal.value().chars().count() != length {
                add(&mn, zt("length"), int(length).into());
            }
            add(&mn, zt("text"), literal.into());
            add(&mn, zt("rule"), string(rule).into());
            for start in starts {
                add(&mn, zt("start"), int(*start).into());
            }
        }
    }
    let mut sentences_done = std::collections::BTreeSet::new();
    for (i, r) in doc.relations.iter().enumerate() {
        let (s, o) = (&entity_nodes[r.subject], &entity_nodes[r.object]);
        add(s, zt(r.predicate.as_str()), o.clone().into());
        for (j, ev) in r.evidence.iter().enumerate() {
            let st = node(format!("{doc_iri}#r{i}-{j}"));
            let sn = node(format!("{doc_iri}#s{}", ev.sentence));
            add(&st, rdf::TYPE.into_owned(), zt("RelationStatement").into());
            add(&st, rdf::SUBJECT.into_owned(), s.clone().into());
            add(
                &st,
                rdf::PREDICATE.into_owned(),
                zt(r.predicate.as_str()).into(),
            );
            add(&st, rdf::OBJECT.into_owned(), o.clone().into());
            add(&st, zt("implicit"), Literal::from(ev.implicit).into());
            add(&st, zt("rule"), string(&ev.rule).into());
            if let Some(t) = &ev.trigger {
                add(&st, zt("trigger"), zh(t).into());
            }
            add(&st, zt("evidence"), sn.clone().into());
            add(&st, node(format!("{PROV}wasDerivedFrom")), d.clone().into());
            if sentences_done.insert(ev.sentence) {
                add(&sn, rdf::TYPE.into_owned(), zt("Sentence").into());
                add(&sn, zt("inDocument"), d.clone().into());
                add(&sn, zt("index"), int(ev.sentence).into());
                add(&sn, zt("start"), int(ev.start).into());
                add(&sn, zt("end"), int(ev.end).into());
                add(&sn, zt("text"), zh(&ev.text).into());
            }
        }
    }
    out
}

/// Whether a document's quad is knowledge rather than provenance: an entity's type and
/// labels, or a relation between two entities. The knowledge graph is the set of these
/// triples over all documents; everything else a document says (mentions, evidence, the
/// document itself) stays in the document's graph only.
pub fn is_knowledge(q: QuadRef<'_>) -> bool {
    let NamedOrBlankNodeRef::NamedNode(s) = q.subject else {
        return false;
    };
    if !s.as_str().starts_with(ENTITY) {
        return false;
    }
    let p = q.predicate.as_str();
    p == rdf::TYPE.as_str()
        || p == SKOS_PREF_LABEL
        || p == SKOS_ALT_LABEL
        || matches!(q.object, TermRef::NamedNode(o) if o.as_str().starts_with(ENTITY))
}

/// The predicates knowledge can have (see [`is_knowledge`]): `rdf:type`, the labels, the
/// relations.
pub fn knowledge_predicates() -> Vec<NamedNode> {
    [rdf::TYPE.as_str(), SKOS_PREF_LABEL, SKOS_ALT_LABEL]
        .into_iter()
        .map(node)
        .chain(Predicate::ALL.iter().map(|p| zt(p.as_str())))
        .collect()
}

/// The knowledge graph's name.
pub fn knowledge_graph() -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(KNOWLEDGE_GRAPH)
}

/// The knowledge among `quads` (see [`is_knowledge`]), as quads of the knowledge graph.
pub fn knowledge_quads(quads: &[Quad]) -> impl Iterator<Item = Quad> + '_ {
    quads.iter().filter(|q| is_knowledge(q.as_ref())).map(|q| {
        Quad::new(
            q.subject.clone(),
            q.predicate.clone(),
            q.object.clone(),
            knowledge_graph(),
        )
    })
}
