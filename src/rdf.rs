//! Stage 8a — RDF: a document's graph as quads in its own named graph.
//!
//! Each document's statements live in a named graph whose name is the document's IRI, so
//! that re-extracting a document replaces exactly what it said and nothing else. Entities
//! carry `rdf:type`, `skos:prefLabel` and `skos:altLabel`; every relation is stated as a
//! plain triple (for simple queries) and once more as a `zt:RelationStatement` that points
//! at its evidence sentence, rule and trigger (for "which sentence says so, in which file?").

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};

use crate::graph::DocumentGraph;
use crate::ontology::{iri_escape, DOC, ZT};

const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
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
    node(format!("{ZT}{local}"))
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
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

/// All quads of one document, in its named graph, in a deterministic order.
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
        add(en, node(format!("{SKOS}prefLabel")), zh(&e.name).into());
        for a in &e.aliases {
            add(en, node(format!("{SKOS}altLabel")), zh(a).into());
        }
        add(en, zt("mentionedIn"), d.clone().into());
        for (j, m) in e.mentions.iter().enumerate() {
            let mn = node(format!("{doc_iri}#m{}/{}-{j}", e.kind, iri_escape(&e.name)));
            add(&mn, rdf::TYPE.into_owned(), zt("Mention").into());
            add(&mn, zt("mentionOf"), en.clone().into());
            add(&mn, zt("inDocument"), d.clone().into());
            add(&mn, zt("start"), int(m.start).into());
            add(&mn, zt("end"), int(m.end).into());
            add(&mn, zt("text"), zh(&m.text).into());
            add(&mn, zt("rule"), string(&m.rule).into());
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
