//! Stage 10 — export: the stored graph as files that other tools open.
//!
//! Exports are made from the store, not from a run, so that a user can export without
//! re-extracting: [`load_graph`] rebuilds the [`KnowledgeGraph`] from the store with SPARQL
//! over the union of the documents' named graphs — entities, aliases, mentions, relations
//! with their evidence sentences, documents — and merges it exactly as extraction does.
//! The exports ([`load_exported`]) and the views (`stats`, `show`, `path`) read its outline
//! ([`load_outline`]) and then only what they print, or counts the store makes: a large
//! store holds millions of mentions.
//! [`Selection`] cuts a subgraph (by type, around an entity, or by a SPARQL CONSTRUCT), and
//! one writer per [`ExportFormat`] renders it: GraphML, GEXF, DOT, Cytoscape JSON, NetworkX
//! node-link JSON, Neo4j import CSVs, and SVG/PNG through Graphviz. The RDF formats skip the
//! graph and go straight from the store through Oxigraph's serializers.
//!
//! **Invariant:** exports are deterministic. Node ids are `e1..eN` in the order of
//! [`KnowledgeGraph::sorted_nodes`] (as in `graph.json`), edge ids `r1..rM` in the order of
//! (source id, predicate, target id); the same store gives the same bytes.
//!
//! Export reads the graph, never the text: every quoted sentence comes from the store.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::io::{self, Write};
use std::path::Path;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{Term, Triple};
use oxigraph::sparql::{QueryResults, QuerySolution};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::error::{Error, Result};
use crate::graph::{DocumentInfo, Edge, EvidenceRecord, KnowledgeGraph, MentionRecord, Node};
use crate::ontology::{EntityType, Predicate, KNOWLEDGE_GRAPH, ZT};
use crate::query::evaluator;
use crate::store::KnowledgeStore;

/// The formats `zhitu export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    /// GraphML, for Gephi, yEd, Cytoscape and NetworkX.
    Graphml,
    /// GEXF 1.3, for Gephi.
    Gexf,
    /// Graphviz DOT.
    Dot,
    /// Cytoscape.js JSON (`elements`), for Cytoscape desktop and Cytoscape.js.
    Cytoscape,
    /// NetworkX node-link JSON, for `node_link_graph` and D3.
    Nodelink,
    /// A folder with `nodes.csv` and `relationships.csv` for `neo4j-admin database import`.
    Neo4j,
    /// RDF Turtle: the union of all graphs.
    Turtle,
    /// RDF N-Triples: the union of all graphs.
    Ntriples,
    /// RDF N-Quads: every document in its own named graph.
    Nquads,
    /// RDF TriG: every document in its own named graph.
    Trig,
    /// JSON-LD: every document in its own named graph.
    Jsonld,
    /// An SVG picture drawn by Graphviz `dot`.
    Svg,
    /// A PNG picture drawn by Graphviz `dot`.
    Png,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: &'static [ExportFormat] = &[
        ExportFormat::Graphml,
        ExportFormat::Gexf,
        ExportFormat::Dot,
        ExportFormat::Cytoscape,
        ExportFormat::Nodelink,
        ExportFormat::Neo4j,
        ExportFormat::Turtle,
        ExportFormat::Ntriples,
        ExportFormat::Nquads,
        ExportFormat::Trig,
        ExportFormat::Jsonld,
        ExportFormat::Svg,
        ExportFormat::Png,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Graphml => "graphml",
            ExportFormat::Gexf => "gexf",
            ExportFormat::Dot => "dot",
            ExportFormat::Cytoscape => "cytoscape",
            ExportFormat::Nodelink => "nodelink",
            ExportFormat::Neo4j => "neo4j",
            ExportFormat::Turtle => "turtle",
            ExportFormat::Ntriples => "ntriples",
            ExportFormat::Nquads => "nquads",
            ExportFormat::Trig => "trig",
            ExportFormat::Jsonld => "jsonld",
            ExportFormat::Svg => "svg",
            ExportFormat::Png => "png",
        }
    }

    /// The usual file extension (for `neo4j`, that of the files inside the folder).
    pub fn file_extension(self) -> &'static str {
        match self {
            ExportFormat::Graphml => "graphml",
            ExportFormat::Gexf => "gexf",
            ExportFormat::Dot => "dot",
            ExportFormat::Cytoscape => "cyjs",
            ExportFormat::Nodelink => "json",
            ExportFormat::Neo4j => "csv",
            ExportFormat::Turtle => "ttl",
            ExportFormat::Ntriples => "nt",
            ExportFormat::Nquads => "nq",
            ExportFormat::Trig => "trig",
            ExportFormat::Jsonld => "jsonld",
            ExportFormat::Svg => "svg",
            ExportFormat::Png => "png",
        }
    }

    /// The media type of the output.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Graphml => "application/graphml+xml",
            ExportFormat::Gexf => "application/gexf+xml",
            ExportFormat::Dot => "text/vnd.graphviz",
            ExportFormat::Cytoscape | ExportFormat::Nodelink => "application/json",
            ExportFormat::Neo4j => "text/csv",
            ExportFormat::Turtle => "text/turtle",
            ExportFormat::Ntriples => "application/n-triples",
            ExportFormat::Nquads => "application/n-quads",
            ExportFormat::Trig => "application/trig",
            ExportFormat::Jsonld => "application/ld+json",
            ExportFormat::Svg => "image/svg+xml",
            ExportFormat::Png => "image/png",
        }
    }

    /// The format a file name's extension asks for, when only one fits (`.json` is both
    /// node-link and Cytoscape, so it is not guessed).
    pub fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.to_ascii_lowercase();
        match ext.as_str() {
            "gv" => Some(ExportFormat::Dot),
            "json" | "csv" => None,
            _ => ExportFormat::ALL
                .iter()
                .copied()
                .find(|f| f.file_extension() == ext),
        }
    }

    /// The RDF serialization, for formats written straight from the store.
    pub fn rdf_format(self) -> Option<RdfFormat> {
        match self {
            ExportFormat::Turtle => Some(RdfFormat::Turtle),
            ExportFormat::Ntriples => Some(RdfFormat::NTriples),
            ExportFormat::Nquads => Some(RdfFormat::NQuads),
            ExportFormat::Trig => Some(RdfFormat::TriG),
            ExportFormat::Jsonld => Some(RdfFormat::JsonLd {
                profile: Default::default(),
            }),
            _ => None,
        }
    }

    /// Whether the output is a folder of files rather than one stream.
    pub fn is_folder(self) -> bool {
        self == ExportFormat::Neo4j
    }

    /// Whether the output is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        self == ExportFormat::Png
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What part of the graph to export. The empty selection is the whole graph.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep only nodes of these types (and the edges between them).
    pub types: Vec<EntityType>,
    /// Keep only nodes within `depth` undirected steps of the entities with this name or
    /// alias (and the edges between them).
    pub around: Option<(String, usize)>,
    /// A SPARQL CONSTRUCT: RDF formats write its triples; graph formats keep the nodes whose
    /// IRIs and the edges whose triples appear in it.
    pub construct: Option<String>,
}

impl Selection {
    /// Whether this selection keeps everything.
    pub fn is_everything(&self) -> bool {
        self.types.is_empty() && self.around.is_none() && self.construct.is_none()
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    Graph { nodes: usize, edges: usize },
    Triples(usize),
    Quads(usize),
}

/// Exports the selected part of the store in `format` to `out`. For `neo4j`, use
/// [`export_neo4j`].
pub fn export(
    store: &KnowledgeStore,
    format: ExportFormat,
    selection: &Selection,
    out: &mut dyn Write,
) -> Result<Summary> {
    let io = |e: io::Error| Error::Output(e.to_string());
    if let Some(rdf) = format.rdf_format() {
        return export_rdf(store, rdf, selection, out);
    }
    let g = select(store, &load_exported(store)?, selection)?;
    let summary = Summary::Graph {
        nodes: g.graph.node_count(),
        edges: g.graph.edge_count(),
    };
    match format {
        ExportFormat::Graphml => write_graphml(&g, out).map_err(io)?,
        ExportFormat::Gexf => write_gexf(&g, out).map_err(io)?,
        ExportFormat::Dot => write_dot(&g, out).map_err(io)?,
        ExportFormat::Cytoscape => write_json(&cytoscape_json(&g), out).map_err(io)?,
        ExportFormat::Nodelink => write_json(&node_link_json(&g), out).map_err(io)?,
        ExportFormat::Svg | ExportFormat::Png => {
            let mut dot = Vec::new();
            write_dot(&g, &mut dot).map_err(io)?;
            out.write_all(&render_dot(&dot, format.name())?)
                .map_err(io)?;
        }
        ExportFormat::Neo4j => {
            return Err(Error::Usage(
                "neo4j export writes a folder: give -o DIR".into(),
            ))
        }
        _ => unreachable!("RDF formats are handled above"),
    }
    out.flush().map_err(io)?;
    Ok(summary)
}

/// Exports the selected part of the store as Neo4j import CSVs in `dir` (created if needed).
pub fn export_neo4j(store: &KnowledgeStore, selection: &Selection, dir: &Path) -> Result<Summary> {
    let g = select(store, &load_exported(store)?, selection)?;
    write_neo4j(&g, dir)?;
    Ok(Summary::Graph {
        nodes: g.graph.node_count(),
        edges: g.graph.edge_count(),
    })
}

// ---------------------------------------------------------------------------------------
// Reading the store

fn solutions(store: &KnowledgeStore, text: &str) -> Result<Vec<QuerySolution>> {
    let mut prepared = evaluator()
        .parse_query(text)
        .map_err(|e| Error::Query(format!("internal query: {e}")))?;
    prepared.dataset_mut().set_default_graph_as_union();
    let failed = |e: &dyn std::fmt::Display| Error::Store {
        path: store.path().to_path_buf(),
        message: format!("reading the graph: {e}"),
    };
    match prepared
        .on_store(store.inner())
        .execute()
        .map_err(|e| failed(&e))?
    {
        QueryResults::Solutions(s) => s.map(|s| s.map_err(|e| failed(&e))).collect(),
        _ => Err(Error::Query("internal query is not a SELECT".into())),
    }
}

fn iri_of(s: &QuerySolution, var: &str) -> Option<String> {
    match s.get(var)? {
        Term::NamedNode(n) => Some(n.as_str().to_owned()),
        _ => None,
    }
}

fn literal(s: &QuerySolution, var: &str) -> Option<String> {
    match s.get(var)? {
        Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}

fn number(s: &QuerySolution, var: &str) -> usize {
    literal(s, var).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn values<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter()
        .map(|&t| format!("zt:{}", name(t)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn local<T: std::str::FromStr>(iri: &str) -> Option<T> {
    iri.strip_prefix(ZT)?.parse().ok()
}

/// Rebuilds the merged knowledge graph from the store: what `zhitu extract` built in memory,
/// from what it wrote, every mention and every piece of evidence included.
pub fn load_graph(store: &KnowledgeStore) -> Result<KnowledgeGraph> {
    let mut g = load_outline(store)?;
    load_documents(store, &mut g)?;
    load_mentions(store, &mut g, None)?;
    load_evidence(store, &mut g, None)?;
    Ok(g)
}

/// What the graph exports write: the outline, every relation's evidence, and each entity's
/// document and mention counts (made by the store; on the 1 GB bench store, reading every
/// mention made an export take 217 s and 5.2 GiB).
pub fn load_exported(store: &KnowledgeStore) -> Result<KnowledgeGraph> {
    let mut g = load_outline(store)?;
    load_evidence(store, &mut g, None)?;
    count_documents(store, &mut g)?;
    count_mentions(store, &mut g)?;
    Ok(g)
}

/// The graph's outline: entities with their aliases, and relations; no documents, no
/// mention and no evidence records, and no relation marked implicit yet. A view reads only
/// what it shows ([`load_mentions`] and [`load_evidence`] of a few, [`mark_implicit`],
/// [`count_documents`]): on the 1 GB bench store, reading every mention made `zhitu stats`
/// take 224 s and 4.9 GiB, and reading the documents takes 23 s.
pub fn load_outline(store: &KnowledgeStore) -> Result<KnowledgeGraph> {
    let types = values(EntityType::ALL, EntityType::as_str);
    let preds = values(Predicate::ALL, Predicate::as_str);

    let mut nodes: Vec<Node> = Vec::new();
    let mut by_iri: HashMap<String, usize> = HashMap::new();
    for s in solutions(
        store,
        &format!(
            "SELECT ?e ?type ?name WHERE {{ GRAPH <{KNOWLEDGE_GRAPH}> {{
               VALUES ?type {{ {types} }} ?e a ?type ; skos:prefLabel ?name }} }}"
        ),
    )? {
        let (Some(e), Some(kind), Some(name)) = (
            iri_of(&s, "e"),
            iri_of(&s, "type").and_then(|t| local::<EntityType>(&t)),
            literal(&s, "name"),
        ) else {
            continue;
        };
        if by_iri.contains_key(&e) {
            continue;
        }
        by_iri.insert(e, nodes.len());
        nodes.push(Node {
            name,
            kind,
            aliases: BTreeSet::new(),
            mentions: Vec::new(),
        });
    }
    for s in solutions(
        store,
        &format!(
            "SELECT ?e ?alias WHERE {{ GRAPH <{KNOWLEDGE_GRAPH}> {{ ?e skos:altLabel ?alias }} }}"
        ),
    )? {
        if let (Some(&i), Some(a)) = (
            iri_of(&s, "e").and_then(|e| by_iri.get(&e)),
            literal(&s, "alias"),
        ) {
            nodes[i].aliases.insert(a);
        }
    }

    // Edges: every stated triple whose ends are known entities.
    let mut edges: Vec<(usize, usize, Edge)> = Vec::new();
    for s in solutions(
        store,
        &format!(
            "SELECT ?s ?p ?o WHERE {{ GRAPH <{KNOWLEDGE_GRAPH}> {{ VALUES ?p {{ {preds} }} ?s ?p ?o }} }}"
        ),
    )? {
        let Some((a, predicate, b)) = statement_ends(&by_iri, &s) else {
            continue;
        };
        edges.push((
            a,
            b,
            Edge {
                predicate,
                implicit: false,
                evidence: Vec::new(),
            },
        ));
    }
    Ok(KnowledgeGraph::from_parts(Vec::new(), nodes, edges))
}

/// Reads the documents into the graph, each with its main subject's label.
pub fn load_documents(store: &KnowledgeStore, g: &mut KnowledgeGraph) -> Result<()> {
    // The label is read from the document's own graph: every graph that names the main
    // subject labels it, and over their union a document had a row per such graph
    // (107 million rows on the 100 MB bench store, which ran out of memory).
    g.documents.clear();
    for s in solutions(
        store,
        "SELECT ?path ?sha ?encoding ?title ?characters ?main WHERE { GRAPH ?d {
           ?d a zt:Document ; zt:path ?path .
           OPTIONAL { ?d zt:sha256 ?sha } OPTIONAL { ?d zt:encoding ?encoding }
           OPTIONAL { ?d dcterms:title ?title } OPTIONAL { ?d zt:characters ?characters }
           OPTIONAL { ?d zt:mainSubject/skos:prefLabel ?main } } }
         ORDER BY ?path",
    )? {
        g.documents.push(DocumentInfo {
            path: literal(&s, "path").unwrap_or_default(),
            sha256: literal(&s, "sha").unwrap_or_default(),
            encoding: literal(&s, "encoding").unwrap_or_default(),
            title: literal(&s, "title").unwrap_or_default(),
            characters: number(&s, "characters"),
            main_subject: literal(&s, "main"),
        });
    }
    g.documents.dedup_by(|a, b| a.path == b.path);
    Ok(())
}

/// A solution's `?s ?p ?o`, when both ends are known entities (`by_iri`: their IRIs).
fn statement_ends<T: Copy>(
    by_iri: &HashMap<String, T>,
    s: &QuerySolution,
) -> Option<(T, Predicate, T)> {
    Some((
        *iri_of(s, "s").and_then(|x| by_iri.get(&x))?,
        iri_of(s, "p").and_then(|p| local::<Predicate>(&p))?,
        *iri_of(s, "o").and_then(|x| by_iri.get(&x))?,
    ))
}

/// The edge a solution's `?s ?p ?o` names, when the graph has it.
fn edge_of(
    g: &KnowledgeGraph,
    by_iri: &HashMap<String, NodeIndex>,
    s: &QuerySolution,
) -> Option<EdgeIndex> {
    let (a, p, b) = statement_ends(by_iri, s)?;
    g.edge(a, p, b)
}

/// Marks the implicit relations (as in extraction: stated with evidence, none of which
/// names both ends) from the flags of their statements, without reading the evidence.
pub fn mark_implicit(store: &KnowledgeStore, g: &mut KnowledgeGraph) -> Result<()> {
    let by_iri = node_iris(g);
    // Per edge: (some statement implicit, some explicit).
    let mut flags = vec![(false, false); g.graph.edge_count()];
    for s in solutions(
        store,
        // Only a statement has zt:implicit, and each has its evidence: matching its type
        // and evidence too took half as long again (1 GB bench store: 9.0 s against 6.0 s).
        "SELECT DISTINCT ?s ?p ?o ?implicit WHERE { GRAPH ?d {
           ?st zt:implicit ?implicit ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } }",
    )? {
        if let Some(e) = edge_of(g, &by_iri, &s) {
            match literal(&s, "implicit").as_deref() == Some("true") {
                true => flags[e.index()].0 = true,
                false => flags[e.index()].1 = true,
            }
        }
    }
    for (e, (implicit, explicit)) in g.graph.edge_weights_mut().zip(flags) {
        e.implicit = implicit && !explicit;
    }
    Ok(())
}

/// Each node's IRI in the store (`entity_iri` of its type and name, as extraction wrote it).
fn node_iris(g: &KnowledgeGraph) -> HashMap<String, NodeIndex> {
    g.graph
        .node_indices()
        .map(|n| (g.graph[n].iri(), n))
        .collect()
}

/// How a query for the records of some nodes or edges begins and joins its steps. With
/// `items`, it begins with a `VALUES` of them (`vars`, one `row(item)` each) and each step is
/// a LATERAL join, evaluated per binding of the steps before it: Oxigraph otherwise hash-joins
/// every pattern over the whole store (one entity's relations' evidence on the 1 GB bench
/// store: 6.3 s, against 0.14 s). Without, every record: one graph pattern, its steps plain
/// joins.
fn steps<T: Copy>(
    items: Option<&[T]>,
    vars: &str,
    row: impl Fn(T) -> String,
) -> (String, &'static str) {
    match items {
        Some(items) => {
            let rows: Vec<String> = items.iter().map(|&x| row(x)).collect();
            (
                format!(
                    "VALUES {vars} {{ {} }} LATERAL {{ GRAPH ?d {{",
                    rows.join(" ")
                ),
                "} } LATERAL { GRAPH ?d {",
            )
        }
        None => ("{ GRAPH ?d {".to_owned(), ""),
    }
}

/// Each of `items` once, in order: a node or edge named twice (a relation between two
/// entities of one name, shown together) would have its records read twice.
fn distinct<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Reads the mentions of `nodes` (of every node: `None`) into the graph, sorted.
pub fn load_mentions(
    store: &KnowledgeStore,
    g: &mut KnowledgeGraph,
    nodes: Option<&[NodeIndex]>,
) -> Result<()> {
    let nodes = nodes.map(distinct);
    if nodes.as_ref().is_some_and(Vec::is_empty) {
        return Ok(());
    }
    let by_iri = node_iris(g);
    let (first, then) = steps(nodes.as_deref(), "?e", |n| {
        format!("<{}>", g.graph[n].iri())
    });
    for s in solutions(
        store,
        &format!(
            "SELECT ?e ?path ?start ?length ?text ?rule WHERE {{ {first}
               ?m zt:mentionOf ?e ; zt:start ?start ; zt:text ?text ; zt:rule ?rule .
               OPTIONAL {{ ?m zt:length ?length }} {then}
               ?d zt:path ?path }} }} }}"
        ),
    )? {
        if let Some(&n) = iri_of(&s, "e").and_then(|e| by_iri.get(&e)) {
            let text = literal(&s, "text").unwrap_or_default();
            let start = number(&s, "start");
            let length = match s.get("length") {
                Some(_) => number(&s, "length"),
                None => text.chars().count(),
            };
            g.graph[n].mentions.push(MentionRecord {
                document: literal(&s, "path").unwrap_or_default(),
                start,
                end: start + length,
                text,
                rule: literal(&s, "rule").unwrap_or_default(),
            });
        }
    }
    for n in nodes.unwrap_or_else(|| g.graph.node_indices().collect()) {
        g.graph[n].mentions.sort();
    }
    Ok(())
}

/// Reads the evidence of `edges` (of every edge: `None`) into the graph, sorted, and marks
/// those relations implicit or not by it.
pub fn load_evidence(
    store: &KnowledgeStore,
    g: &mut KnowledgeGraph,
    edges: Option<&[EdgeIndex]>,
) -> Result<()> {
    let edges = edges.map(distinct);
    if edges.as_ref().is_some_and(Vec::is_empty) {
        return Ok(());
    }
    let by_iri = node_iris(g);
    let (first, then) = steps(edges.as_deref(), "(?s ?p ?o)", |e| {
        let (s, o) = g.graph.edge_endpoints(e).expect("edge of this graph");
        format!(
            "(<{}> zt:{} <{}>)",
            g.graph[s].iri(),
            g.graph[e].predicate.as_str(),
            g.graph[o].iri()
        )
    });
    // Each statement is read within its document's graph, where its sentence and the
    // document's path are too: over the union of all graphs the sentences' positions were
    // joined across documents (on the 100 MB bench store: over a minute, against 2.3 s).
    for s in solutions(
        store,
        &format!(
            "SELECT ?s ?p ?o ?implicit ?rule ?trigger ?path ?index ?start ?end ?text WHERE {{ {first}
               ?st rdf:object ?o ; rdf:subject ?s ; rdf:predicate ?p . {then}
               ?st a zt:RelationStatement ; zt:implicit ?implicit ; zt:rule ?rule ; zt:evidence ?sn .
               OPTIONAL {{ ?st zt:trigger ?trigger }} {then}
               ?sn zt:index ?index ; zt:start ?start ; zt:end ?end ; zt:text ?text .
               ?d zt:path ?path }} }} }}"
        ),
    )? {
        let Some(at) = edge_of(g, &by_iri, &s) else {
            continue;
        };
        g.graph[at].evidence.push(evidence_record(&s));
    }
    settle_evidence(g, edges.unwrap_or_else(|| g.graph.edge_indices().collect()));
    Ok(())
}

/// Reads the evidence of every relation of `nodes` into the graph, sorted, and marks those
/// relations implicit or not by it: what `show` prints of an entity. The queries start from
/// the entity's statements (as subject, then as object) and take the rest of each statement,
/// then its sentences, in LATERAL steps. [`load_evidence`] would start from a `VALUES` row
/// per relation: for 中国 on the 1 GB bench store (170 relations, 43,225 sentences) that
/// took about 30 s, this 4.4 s; for 清华大学 both take about 0.1 s.
pub fn load_evidence_around(
    store: &KnowledgeStore,
    g: &mut KnowledgeGraph,
    nodes: &[NodeIndex],
) -> Result<()> {
    let by_iri = node_iris(g);
    let nodes = distinct(nodes);
    // A relation between two of the nodes is found from both: its sentences are read once.
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for &n in &nodes {
        let iri = g.graph[n].iri();
        for side in ["subject", "object"] {
            for s in solutions(
                store,
                &format!(
                    "SELECT ?st ?sn ?s ?p ?o ?implicit ?rule ?trigger ?path ?index ?start ?end ?text
                     WHERE {{ {{ GRAPH ?d {{ ?st rdf:{side} <{iri}> }} }}
                       LATERAL {{ GRAPH ?d {{ ?st a zt:RelationStatement ; rdf:subject ?s ;
                         rdf:predicate ?p ; rdf:object ?o ; zt:implicit ?implicit ;
                         zt:rule ?rule ; zt:evidence ?sn . OPTIONAL {{ ?st zt:trigger ?trigger }} }} }}
                       LATERAL {{ GRAPH ?d {{ ?sn zt:index ?index ; zt:start ?start ; zt:end ?end ;
                         zt:text ?text . ?d zt:path ?path }} }} }}"
                ),
            )? {
                let Some(at) = edge_of(g, &by_iri, &s) else {
                    continue;
                };
                let key = |v| s.get(v).map(Term::to_string).unwrap_or_default();
                if seen.insert((key("st"), key("sn"))) {
                    g.graph[at].evidence.push(evidence_record(&s));
                }
            }
        }
    }
    let edges: Vec<EdgeIndex> = nodes
        .iter()
        .flat_map(|&n| {
            g.graph
                .edges_directed(n, petgraph::Direction::Outgoing)
                .chain(g.graph.edges_directed(n, petgraph::Direction::Incoming))
                .map(|e| e.id())
        })
        .collect();
    settle_evidence(g, distinct(&edges));
    Ok(())
}

/// One row of an evidence query.
fn evidence_record(s: &QuerySolution) -> EvidenceRecord {
    EvidenceRecord {
        document: literal(s, "path").unwrap_or_default(),
        sentence: number(s, "index"),
        start: number(s, "start"),
        end: number(s, "end"),
        text: literal(s, "text").unwrap_or_default(),
        trigger: literal(s, "trigger"),
        rule: literal(s, "rule").unwrap_or_default(),
        implicit: literal(s, "implicit").as_deref() == Some("true"),
    }
}

/// Sorts the evidence read of `edges` and marks each implicit or not by it.
fn settle_evidence(g: &mut KnowledgeGraph, edges: Vec<EdgeIndex>) {
    for e in edges {
        let e = &mut g.graph[e];
        e.evidence.sort();
        // As in extraction: implicit when no evidence names both ends.
        e.implicit = !e.evidence.is_empty() && e.evidence.iter().all(|ev| ev.implicit);
    }
}

/// How many mentions of `node` each document holds, by path: what `show` lists, counted by
/// the store (中国 on the 1 GB bench store: 667,408 mentions in 156,897 documents, 3.6 s,
/// where reading the mentions took 6.4 s and 850 MiB).
pub fn mentions_by_document(
    store: &KnowledgeStore,
    g: &KnowledgeGraph,
    node: NodeIndex,
) -> Result<Vec<(String, usize)>> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in solutions(
        store,
        &format!(
            "SELECT ?path ?n WHERE {{
               {{ SELECT ?d (COUNT(?start) AS ?n) WHERE {{ GRAPH ?d {{ ?m zt:mentionOf <{}> ; zt:start ?start }} }} GROUP BY ?d }}
               LATERAL {{ GRAPH ?d {{ ?d zt:path ?path }} }} }}",
            g.graph[node].iri()
        ),
    )? {
        *counts
            .entry(literal(&s, "path").unwrap_or_default())
            .or_insert(0) += number(&s, "n");
    }
    Ok(counts.into_iter().collect())
}

/// Has the store count the documents that name each node, into the graph
/// ([`KnowledgeGraph::document_count`]), without reading documents or mentions; returns how
/// many documents it holds.
pub fn count_documents(store: &KnowledgeStore, g: &mut KnowledgeGraph) -> Result<usize> {
    per_node(
        store,
        g,
        "SELECT ?e (COUNT(?d) AS ?n) WHERE { GRAPH ?d { ?e zt:mentionedIn ?d } } GROUP BY ?e",
        KnowledgeGraph::set_document_count,
    )?;
    Ok(solutions(
        store,
        "SELECT (COUNT(DISTINCT ?path) AS ?n) WHERE { GRAPH ?d { ?d a zt:Document ; zt:path ?path } }",
    )?
    .first()
    .map_or(0, |s| number(s, "n")))
}

/// Has the store count each node's mentions, into the graph
/// ([`KnowledgeGraph::mention_count`]), without reading them.
pub fn count_mentions(store: &KnowledgeStore, g: &mut KnowledgeGraph) -> Result<()> {
    per_node(
        store,
        g,
        "SELECT ?e (COUNT(?start) AS ?n) WHERE { GRAPH ?d { ?m zt:mentionOf ?e ; zt:start ?start } }
         GROUP BY ?e",
        KnowledgeGraph::set_mention_count,
    )
}

/// Runs a query of `?e ?n` rows, one per entity, and sets each node's count (0 for those
/// without a row).
fn per_node(
    store: &KnowledgeStore,
    g: &mut KnowledgeGraph,
    query: &str,
    set: fn(&mut KnowledgeGraph, NodeIndex, usize),
) -> Result<()> {
    let by_iri = node_iris(g);
    let mut counts = vec![0; g.graph.node_count()];
    for s in solutions(store, query)? {
        if let Some(&n) = iri_of(&s, "e").and_then(|e| by_iri.get(&e)) {
            counts[n.index()] += number(&s, "n");
        }
    }
    for (i, count) in counts.into_iter().enumerate() {
        set(g, NodeIndex::new(i), count);
    }
    Ok(())
}

/// Runs a SPARQL CONSTRUCT (or DESCRIBE) over the union of the store's graphs; its
/// triples, deduplicated and sorted.
pub fn construct(store: &KnowledgeStore, text: &str) -> Result<Vec<Triple>> {
    let mut prepared = evaluator()
        .parse_query(text)
        .map_err(|e| Error::Query(format!("SPARQL syntax error: {e}")))?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let results = prepared
        .on_store(store.inner())
        .execute()
        .map_err(|e| Error::Query(format!("query failed: {e}")))?;
    let QueryResults::Graph(triples) = results else {
        return Err(Error::Query(
            "--query selects with a CONSTRUCT (or DESCRIBE) query; this one is a SELECT or ASK"
                .into(),
        ));
    };
    let mut sorted = BTreeMap::new();
    for t in triples {
        let t = t.map_err(|e| Error::Query(format!("query failed: {e}")))?;
        sorted.insert(t.to_string(), t);
    }
    Ok(sorted.into_values().collect())
}

fn export_rdf(
    store: &KnowledgeStore,
    format: RdfFormat,
    selection: &Selection,
    out: &mut dyn Write,
) -> Result<Summary> {
    if !selection.types.is_empty() || selection.around.is_some() {
        return Err(Error::Usage(
            "--type and --around select from the graph and apply to graph formats; \
             for RDF formats select with --query FILE (a SPARQL CONSTRUCT)"
                .into(),
        ));
    }
    let io = |e: io::Error| Error::Output(e.to_string());
    let serializer = crate::query::rdf_serializer(format);
    let store_error = |e: &dyn std::fmt::Display| Error::Store {
        path: store.path().to_path_buf(),
        message: e.to_string(),
    };
    let triples = match &selection.construct {
        Some(q) => construct(store, q)?,
        None if format.supports_datasets() => {
            let n = store.len()?;
            store
                .inner()
                .dump_to_writer(serializer, &mut *out)
                .map_err(|e| match e {
                    oxigraph::store::SerializerError::Io(e) => io(e),
                    e => store_error(&e),
                })?;
            out.flush().map_err(io)?;
            return Ok(Summary::Quads(n));
        }
        None => {
            // The union of all graphs: each triple once, sorted.
            let mut sorted = BTreeMap::new();
            for q in store.inner().iter() {
                let t = Triple::from(q.map_err(|e| store_error(&e))?);
                sorted.insert(t.to_string(), t);
            }
            sorted.into_values().collect()
        }
    };
    let mut w = serializer.for_writer(&mut *out);
    for t in &triples {
        w.serialize_triple(t).map_err(io)?;
    }
    w.finish().map_err(io)?;
    out.flush().map_err(io)?;
    Ok(Summary::Triples(triples.len()))
}

// ---------------------------------------------------------------------------------------
// Shards for bulk loaders

/// What a sharded export wrote: per shard its file, graphs and quads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    pub file: std::path::PathBuf,
    pub graphs: usize,
    pub quads: usize,
}

/// The name of shard `i` of `n`: `part-000.nq` … (wider when there are more than 1000).
pub fn shard_name(i: usize, n: usize) -> String {
    let width = n.saturating_sub(1).to_string().len().max(3);
    format!("part-{i:0width$}.nq")
}

/// Assigns graphs (name, quad count) to `n` shards: each graph whole in one shard, the
/// largest first into the shard holding the fewest quads so far (ties to the lower shard),
/// graphs ordered by size then name, so that the same store gives the same shards.
pub fn assign_shards(graphs: &[(String, usize)], n: usize) -> Vec<Vec<usize>> {
    let n = n.max(1);
    let mut order: Vec<usize> = (0..graphs.len()).collect();
    order.sort_by(|&a, &b| {
        graphs[b]
            .1
            .cmp(&graphs[a].1)
            .then_with(|| graphs[a].0.cmp(&graphs[b].0))
    });
    let mut load = vec![0usize; n];
    let mut shards = vec![Vec::new(); n];
    for g in order {
        let lightest = (0..n).min_by_key(|&i| (load[i], i)).unwrap_or(0);
        load[lightest] += graphs[g].1;
        shards[lightest].push(g);
    }
    for s in &mut shards {
        s.sort_by(|&a, &b| graphs[a].0.cmp(&graphs[b].0));
    }
    shards
}

/// Writes the whole store as `n` N-Quads files `part-NNN.nq` in `dir` (created if needed) for
/// the bulk loaders of larger stores: every graph (each document's, the ontology, the
/// metadata, and the default graph if it holds anything) whole in one shard, shards balanced
/// by quads. Shard files of an earlier export with more shards are removed, so that a loader
/// reading `part-*.nq` does not load them twice; `removed` lists them.
pub fn export_shards(
    store: &KnowledgeStore,
    n: usize,
    dir: &Path,
) -> Result<(Vec<Shard>, Vec<std::path::PathBuf>)> {
    use oxigraph::model::{GraphName, GraphNameRef};
    if n == 0 {
        return Err(Error::Usage("--shard needs at least 1 shard".into()));
    }
    let store_error = |e: &dyn std::fmt::Display| Error::Store {
        path: store.path().to_path_buf(),
        message: e.to_string(),
    };
    let inner = store.inner();
    let mut names: Vec<GraphName> = Vec::new();
    for g in inner.named_graphs() {
        names.push(g.map_err(|e| store_error(&e))?.into());
    }
    let count = |g: GraphNameRef<'_>| inner.quads_for_pattern(None, None, None, Some(g)).count();
    if count(GraphNameRef::DefaultGraph) > 0 {
        names.push(GraphName::DefaultGraph);
    }
    let graphs: Vec<(String, usize)> = names
        .iter()
        .map(|g| (g.to_string(), count(g.as_ref())))
        .collect();
    let shards = assign_shards(&graphs, n);

    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::with_capacity(n);
    for (i, members) in shards.iter().enumerate() {
        let file = dir.join(shard_name(i, n));
        let out = std::fs::File::create(&file).map_err(|e| Error::io(&file, e))?;
        let mut w =
            RdfSerializer::from_format(RdfFormat::NQuads).for_writer(io::BufWriter::new(out));
        let mut quads = 0;
        for &g in members {
            for q in inner.quads_for_pattern(None, None, None, Some(names[g].as_ref())) {
                let q = q.map_err(|e| store_error(&e))?;
                w.serialize_quad(&q).map_err(|e| Error::io(&file, e))?;
                quads += 1;
            }
        }
        w.finish()
            .map_err(|e| Error::io(&file, e))?
            .flush()
            .map_err(|e| Error::io(&file, e))?;
        written.push(Shard {
            file,
            graphs: members.len(),
            quads,
        });
    }
    // Shards of an earlier, wider export would be loaded too: remove them.
    let mut removed = Vec::new();
    let ours: HashSet<String> = (0..n).map(|i| shard_name(i, n)).collect();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_shard = name
            .strip_prefix("part-")
            .and_then(|r| r.strip_suffix(".nq"))
            .is_some_and(|d| d.len() >= 3 && d.bytes().all(|b| b.is_ascii_digit()));
        if is_shard && !ours.contains(&name) {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            removed.push(entry.path());
        }
    }
    removed.sort();
    Ok((written, removed))
}

// ---------------------------------------------------------------------------------------
// Subgraphs

/// The part of `g` that `selection` keeps: a CONSTRUCT query first, then types, then the
/// neighbourhood of an entity within what is left.
pub fn select(
    store: &KnowledgeStore,
    g: &KnowledgeGraph,
    selection: &Selection,
) -> Result<KnowledgeGraph> {
    if selection.is_everything() {
        return Ok(g.clone());
    }
    let mut nodes: HashSet<NodeIndex> = g.graph.node_indices().collect();
    let mut edges: HashSet<EdgeIndex> = g.graph.edge_indices().collect();

    if let Some(q) = &selection.construct {
        let triples = construct(store, q)?;
        let mut iris: HashSet<String> = HashSet::new();
        let mut stated: HashSet<(String, String, String)> = HashSet::new();
        for t in &triples {
            let s = match &t.subject {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                _ => continue,
            };
            iris.insert(s.clone());
            if let Term::NamedNode(o) = &t.object {
                iris.insert(o.as_str().to_owned());
                stated.insert((s, t.predicate.as_str().to_owned(), o.as_str().to_owned()));
            }
        }
        let node_iris: HashMap<NodeIndex, String> = g
            .graph
            .node_indices()
            .map(|n| (n, g.graph[n].iri()))
            .collect();
        edges.retain(|&e| {
            let (a, b) = g.graph.edge_endpoints(e).expect("edge of this graph");
            stated.contains(&(
                node_iris[&a].clone(),
                g.graph[e].predicate.iri(),
                node_iris[&b].clone(),
            ))
        });
        nodes.retain(|n| iris.contains(&node_iris[n]));
        for &e in &edges {
            let (a, b) = g.graph.edge_endpoints(e).expect("edge of this graph");
            nodes.insert(a);
            nodes.insert(b);
        }
    }

    if !selection.types.is_empty() {
        nodes.retain(|&n| selection.types.contains(&g.graph[n].kind));
    }
    edges.retain(|&e| {
        let (a, b) = g.graph.edge_endpoints(e).expect("edge of this graph");
        nodes.contains(&a) && nodes.contains(&b)
    });

    if let Some((name, depth)) = &selection.around {
        let seeds: Vec<NodeIndex> = g
            .find(name)
            .into_iter()
            .filter(|n| nodes.contains(n))
            .collect();
        if seeds.is_empty() {
            let why = if g.find(name).is_empty() {
                "no entity has this name or alias in the store"
            } else {
                "it is not among the selected entities"
            };
            return Err(Error::Usage(format!("--around {name}: {why}")));
        }
        let mut seen: HashSet<NodeIndex> = seeds.iter().copied().collect();
        let mut queue: VecDeque<(NodeIndex, usize)> = seeds.iter().map(|&n| (n, 0)).collect();
        while let Some((n, d)) = queue.pop_front() {
            if d == *depth {
                continue;
            }
            for e in g
                .graph
                .edges_directed(n, petgraph::Direction::Outgoing)
                .chain(g.graph.edges_directed(n, petgraph::Direction::Incoming))
            {
                if !edges.contains(&e.id()) {
                    continue;
                }
                let m = if e.source() == n {
                    e.target()
                } else {
                    e.source()
                };
                if seen.insert(m) {
                    queue.push_back((m, d + 1));
                }
            }
        }
        nodes = seen;
        edges.retain(|&e| {
            let (a, b) = g.graph.edge_endpoints(e).expect("edge of this graph");
            nodes.contains(&a) && nodes.contains(&b)
        });
    }

    let kept: Vec<NodeIndex> = g
        .sorted_nodes()
        .into_iter()
        .filter(|n| nodes.contains(n))
        .collect();
    let position: HashMap<NodeIndex, usize> =
        kept.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut kept_edges: Vec<EdgeIndex> = edges.into_iter().collect();
    kept_edges.sort();
    let mut sub = KnowledgeGraph::from_parts(
        g.documents.clone(),
        kept.iter().map(|&n| g.graph[n].clone()).collect(),
        kept_edges
            .iter()
            .map(|&e| {
                let (a, b) = g.graph.edge_endpoints(e).expect("edge of this graph");
                (position[&a], position[&b], g.graph[e].clone())
            })
            .collect(),
    );
    // from_parts adds the kept nodes in this order.
    for (i, &n) in kept.iter().enumerate() {
        sub.set_document_count(NodeIndex::new(i), g.document_count(n));
        sub.set_mention_count(NodeIndex::new(i), g.mention_count(n));
    }
    Ok(sub)
}

// ---------------------------------------------------------------------------------------
// The stable order every writer uses

/// A graph's nodes and edges in export order, with their ids.
pub struct Ordered<'g> {
    pub graph: &'g KnowledgeGraph,
    /// Nodes in id order: node `i` has id `e{i+1}`.
    pub nodes: Vec<NodeIndex>,
    /// Edges in id order: edge `i` has id `r{i+1}`.
    pub edges: Vec<EdgeIndex>,
    position: HashMap<NodeIndex, usize>,
}

impl<'g> Ordered<'g> {
    pub fn new(graph: &'g KnowledgeGraph) -> Self {
        let nodes = graph.sorted_nodes();
        let position: HashMap<NodeIndex, usize> =
            nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut edges: Vec<EdgeIndex> = graph.graph.edge_indices().collect();
        edges.sort_by_key(|&e| {
            let (a, b) = graph.graph.edge_endpoints(e).expect("edge of this graph");
            (position[&a], graph.graph[e].predicate, position[&b])
        });
        Ordered {
            graph,
            nodes,
            edges,
            position,
        }
    }

    /// The export id of a node: `e1`, `e2`, …
    pub fn node_id(&self, n: NodeIndex) -> String {
        format!("e{}", self.position[&n] + 1)
    }

    /// The export ids of an edge's source and target.
    pub fn ends(&self, e: EdgeIndex) -> (String, String) {
        let (a, b) = self
            .graph
            .graph
            .edge_endpoints(e)
            .expect("edge of this graph");
        (self.node_id(a), self.node_id(b))
    }

    /// Whether two edges join the same source and target (NetworkX then needs a multigraph).
    pub fn has_parallel_edges(&self) -> bool {
        let mut pairs = HashSet::new();
        self.edges
            .iter()
            .any(|&e| !pairs.insert(self.graph.graph.edge_endpoints(e)))
    }
}

/// The first evidence sentence of an edge (by document, then position).
pub fn evidence_text(e: &Edge) -> &str {
    e.evidence
        .iter()
        .min()
        .map(|ev| ev.text.as_str())
        .unwrap_or("")
}

/// The documents an edge's evidence comes from.
pub fn edge_documents(e: &Edge) -> BTreeSet<&str> {
    e.evidence.iter().map(|ev| ev.document.as_str()).collect()
}

/// The number of distinct evidence sentences of an edge.
pub fn evidence_count(e: &Edge) -> usize {
    e.evidence
        .iter()
        .map(|ev| (&ev.document, ev.sentence))
        .collect::<BTreeSet<_>>()
        .len()
}

/// The colour a type is drawn in (Tableau 10), as `#RRGGBB`.
pub fn type_colour(kind: EntityType) -> &'static str {
    match kind {
        EntityType::Institution => "#4E79A7",
        EntityType::GovernmentAgency => "#E15759",
        EntityType::Enterprise => "#F28E2B",
        EntityType::Platform => "#59A14F",
        EntityType::Fund => "#EDC948",
        EntityType::Policy => "#B07AA1",
        EntityType::Region => "#76B7B2",
        EntityType::Industry => "#FF9DA7",
    }
}

fn rgb(hex: &str) -> (u8, u8, u8) {
    let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    (c(1), c(3), c(5))
}

fn aliases_joined(n: &Node) -> String {
    n.aliases.iter().cloned().collect::<Vec<_>>().join("|")
}

/// Removes what XML 1.0 does not allow in a document (most C0 controls, U+FFFE, U+FFFF).
pub fn xml_clean(text: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if text.chars().any(bad) {
        Cow::Owned(text.chars().filter(|&c| !bad(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

// ---------------------------------------------------------------------------------------
// GraphML

type XmlResult = io::Result<()>;

fn xml_declaration<W: Write>(w: &mut Writer<W>) -> XmlResult {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
}

fn data<W: Write>(w: &mut Writer<W>, key: &str, value: &str) -> XmlResult {
    w.create_element("data")
        .with_attribute(("key", key))
        .write_text_content(BytesText::new(&xml_clean(value)))?;
    Ok(())
}

/// Node and edge attributes of GraphML, in declaration order: (id, for, attr.name, type).
const GRAPHML_KEYS: &[(&str, &str, &str, &str)] = &[
    ("label", "node", "label", "string"),
    ("type", "node", "type", "string"),
    ("aliases", "node", "aliases", "string"),
    ("iri", "node", "iri", "string"),
    ("color", "node", "color", "string"),
    ("document_count", "node", "document_count", "int"),
    ("mention_count", "node", "mention_count", "int"),
    ("edge_label", "edge", "label", "string"),
    ("predicate", "edge", "predicate", "string"),
    ("implicit", "edge", "implicit", "boolean"),
    ("evidence", "edge", "evidence", "string"),
    ("evidence_count", "edge", "evidence_count", "int"),
    ("documents", "edge", "documents", "string"),
];

/// Writes GraphML: keys declared before the graph, a directed graph, nodes `e1..` with
/// label, type, aliases (joined with `|`), IRI and colour; edges `r1..` with label and
/// predicate, implicit, the first evidence sentence and the documents it comes from.
pub fn write_graphml(g: &KnowledgeGraph, out: &mut dyn Write) -> io::Result<()> {
    let o = Ordered::new(g);
    let mut w = Writer::new_with_indent(out, b' ', 2);
    xml_declaration(&mut w)?;
    w.create_element("graphml")
        .with_attribute(("xmlns", "http://graphml.graphdrawing.org/xmlns"))
        .with_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        .with_attribute((
            "xsi:schemaLocation",
            "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
        ))
        .write_inner_content(|w| {
            for (id, on, name, kind) in GRAPHML_KEYS {
                w.create_element("key")
                    .with_attribute(("id", *id))
                    .with_attribute(("for", *on))
                    .with_attribute(("attr.name", *name))
                    .with_attribute(("attr.type", *kind))
                    .write_empty()?;
            }
            w.create_element("graph")
                .with_attribute(("id", "zhitu"))
                .with_attribute(("edgedefault", "directed"))
                .write_inner_content(|w| {
                    for &n in &o.nodes {
                        let node = &g.graph[n];
                        w.create_element("node")
                            .with_attribute(("id", o.node_id(n).as_str()))
                            .write_inner_content(|w| {
                                data(w, "label", &node.name)?;
                                data(w, "type", node.kind.as_str())?;
                                data(w, "aliases", &aliases_joined(node))?;
                                data(w, "iri", &node.iri())?;
                                data(w, "color", type_colour(node.kind))?;
                                data(w, "document_count", &g.document_count(n).to_string())?;
                                data(w, "mention_count", &g.mention_count(n).to_string())
                            })?;
                    }
                    for (i, &e) in o.edges.iter().enumerate() {
                        let edge = &g.graph[e];
                        let (s, t) = o.ends(e);
                        w.create_element("edge")
                            .with_attribute(("id", format!("r{}", i + 1).as_str()))
                            .with_attribute(("source", s.as_str()))
                            .with_attribute(("target", t.as_str()))
                            .write_inner_content(|w| {
                                data(w, "edge_label", edge.predicate.as_str())?;
                                data(w, "predicate", edge.predicate.as_str())?;
                                data(w, "implicit", if edge.implicit { "true" } else { "false" })?;
                                data(w, "evidence", evidence_text(edge))?;
                                data(w, "evidence_count", &evidence_count(edge).to_string())?;
                                let docs: Vec<&str> = edge_documents(edge).into_iter().collect();
                                data(w, "documents", &docs.join("|"))
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    w.get_mut().write_all(b"\n")
}

// ---------------------------------------------------------------------------------------
// GEXF

fn attvalue<W: Write>(w: &mut Writer<W>, key: &str, value: &str) -> XmlResult {
    w.create_element("attvalue")
        .with_attribute(("for", key))
        .with_attribute(("value", xml_clean(value).as_ref()))
        .write_empty()?;
    Ok(())
}

fn gexf_attributes<W: Write>(w: &mut Writer<W>, class: &str, attrs: &[(&str, &str)]) -> XmlResult {
    w.create_element("attributes")
        .with_attribute(("class", class))
        .with_attribute(("mode", "static"))
        .write_inner_content(|w| {
            for (id, kind) in attrs {
                w.create_element("attribute")
                    .with_attribute(("id", *id))
                    .with_attribute(("title", *id))
                    .with_attribute(("type", *kind))
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

/// Writes GEXF 1.3: node and edge attribute declarations, nodes `e1..` labelled with their
/// name and coloured by type (`viz:color`), edges `r1..` labelled with their predicate.
pub fn write_gexf(g: &KnowledgeGraph, out: &mut dyn Write) -> io::Result<()> {
    let o = Ordered::new(g);
    let mut w = Writer::new_with_indent(out, b' ', 2);
    xml_declaration(&mut w)?;
    w.create_element("gexf")
        .with_attribute(("xmlns", "http://gexf.net/1.3"))
        .with_attribute(("xmlns:viz", "http://gexf.net/1.3/viz"))
        .with_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        .with_attribute((
            "xsi:schemaLocation",
            "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd",
        ))
        .with_attribute(("version", "1.3"))
        .write_inner_content(|w| {
            w.create_element("meta").write_inner_content(|w| {
                w.create_element("creator")
                    .write_text_content(BytesText::new(&format!("zhitu {}", crate::VERSION)))?;
                w.create_element("description")
                    .write_text_content(BytesText::new(
                        "Knowledge graph extracted from Chinese innovation-policy documents",
                    ))?;
                Ok(())
            })?;
            w.create_element("graph")
                .with_attribute(("mode", "static"))
                .with_attribute(("defaultedgetype", "directed"))
                .write_inner_content(|w| {
                    gexf_attributes(
                        w,
                        "node",
                        &[
                            ("type", "string"),
                            ("aliases", "string"),
                            ("iri", "anyURI"),
                            ("document_count", "integer"),
                            ("mention_count", "integer"),
                        ],
                    )?;
                    gexf_attributes(
                        w,
                        "edge",
                        &[
                            ("predicate", "string"),
                            ("implicit", "boolean"),
                            ("evidence", "string"),
                            ("evidence_count", "integer"),
                            ("documents", "string"),
                        ],
                    )?;
                    w.create_element("nodes").write_inner_content(|w| {
                        for &n in &o.nodes {
                            let node = &g.graph[n];
                            let (r, gr, b) = rgb(type_colour(node.kind));
                            w.create_element("node")
                                .with_attribute(("id", o.node_id(n).as_str()))
                                .with_attribute(("label", xml_clean(&node.name).as_ref()))
                                .write_inner_content(|w| {
                                    w.create_element("attvalues").write_inner_content(|w| {
                                        attvalue(w, "type", node.kind.as_str())?;
                                        attvalue(w, "aliases", &aliases_joined(node))?;
                                        attvalue(w, "iri", &node.iri())?;
                                        attvalue(
                                            w,
                                            "document_count",
                                            &g.document_count(n).to_string(),
                                        )?;
                                        attvalue(
                                            w,
                                            "mention_count",
                                            &g.mention_count(n).to_string(),
                                        )
                                    })?;
                                    w.create_element("viz:color")
                                        .with_attribute(("r", r.to_string().as_str()))
                                        .with_attribute(("g", gr.to_string().as_str()))
                                        .with_attribute(("b", b.to_string().as_str()))
                                        .write_empty()?;
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
                    w.create_element("edges").write_inner_content(|w| {
                        for (i, &e) in o.edges.iter().enumerate() {
                            let edge = &g.graph[e];
                            let (s, t) = o.ends(e);
                            w.create_element("edge")
                                .with_attribute(("id", format!("r{}", i + 1).as_str()))
                                .with_attribute(("source", s.as_str()))
                                .with_attribute(("target", t.as_str()))
                                .with_attribute(("label", edge.predicate.as_str()))
                                .write_inner_content(|w| {
                                    w.create_element("attvalues").write_inner_content(|w| {
                                        attvalue(w, "predicate", edge.predicate.as_str())?;
                                        attvalue(
                                            w,
                                            "implicit",
                                            if edge.implicit { "true" } else { "false" },
                                        )?;
                                        attvalue(w, "evidence", evidence_text(edge))?;
                                        attvalue(
                                            w,
                                            "evidence_count",
                                            &evidence_count(edge).to_string(),
                                        )?;
                                        let docs: Vec<&str> =
                                            edge_documents(edge).into_iter().collect();
                                        attvalue(w, "documents", &docs.join("|"))
                                    })?;
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        })?;
    w.get_mut().write_all(b"\n")
}

// ---------------------------------------------------------------------------------------
// DOT

/// The font DOT output asks for, so that Chinese renders (fontconfig substitutes another
/// CJK font when this one is missing).
pub const DOT_FONT: &str = "Noto Sans CJK SC";

/// A DOT double-quoted string, escaped.
pub fn dot_string(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// Writes Graphviz DOT: nodes `e1..` labelled with their names and filled with their type's
/// colour, edges labelled with their predicate (dashed when implicit), evidence as tooltip,
/// and a legend of the types present as the graph label.
pub fn write_dot(g: &KnowledgeGraph, out: &mut dyn Write) -> io::Result<()> {
    let o = Ordered::new(g);
    let font = dot_string(DOT_FONT);
    writeln!(out, "digraph zhitu {{")?;
    writeln!(
        out,
        "  graph [charset=\"UTF-8\", rankdir=\"LR\", fontname={font}, fontsize=\"12\", labelloc=\"b\"];"
    )?;
    writeln!(
        out,
        "  node [shape=\"box\", style=\"rounded,filled\", fontname={font}, fontsize=\"11\", color=\"#555555\"];"
    )?;
    writeln!(
        out,
        "  edge [fontname={font}, fontsize=\"9\", color=\"#666666\", fontcolor=\"#444444\"];"
    )?;
    let present: BTreeSet<EntityType> = g.graph.node_weights().map(|n| n.kind).collect();
    if !present.is_empty() {
        let legend: Vec<String> = present
            .iter()
            .map(|t| format!("<font color=\"{}\">■</font> {}", type_colour(*t), t))
            .collect();
        writeln!(out, "  label=<{}>;", legend.join(" &nbsp; "))?;
    }
    for &n in &o.nodes {
        let node = &g.graph[n];
        let mut tooltip = node.kind.to_string();
        if !node.aliases.is_empty() {
            tooltip.push_str(&format!(" · {}", aliases_joined(node)));
        }
        writeln!(
            out,
            "  {} [label={}, fillcolor={}, tooltip={}];",
            o.node_id(n),
            dot_string(&node.name),
            dot_string(type_colour(node.kind)),
            dot_string(&tooltip)
        )?;
    }
    for &e in &o.edges {
        let edge = &g.graph[e];
        let (s, t) = o.ends(e);
        let style = if edge.implicit {
            ", style=\"dashed\""
        } else {
            ""
        };
        writeln!(
            out,
            "  {s} -> {t} [label={}, tooltip={}{style}];",
            dot_string(edge.predicate.as_str()),
            dot_string(&shorten(&one_line(evidence_text(edge)), 200)),
        )?;
    }
    writeln!(out, "}}")
}

/// Renders DOT text with Graphviz `dot` into `svg` or `png`.
pub fn render_dot(dot: &[u8], format: &str) -> Result<Vec<u8>> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                Error::Output(format!(
                    "rendering {format} needs Graphviz's `dot` program, which is not on PATH. \
                     Install Graphviz (Debian/Ubuntu: apt-get install graphviz fonts-noto-cjk; \
                     macOS: brew install graphviz), or export --format dot and render it elsewhere"
                ))
            } else {
                Error::Output(format!("could not run Graphviz `dot`: {e}"))
            }
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = dot.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| Error::Output(format!("Graphviz `dot` failed: {e}")))?;
    let written = writer.join().expect("writer thread does not panic");
    if !output.status.success() {
        return Err(Error::Output(format!(
            "Graphviz `dot -T{format}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    written.map_err(|e| Error::Output(format!("Graphviz `dot`: {e}")))?;
    Ok(output.stdout)
}

// ---------------------------------------------------------------------------------------
// JSON

fn write_json(v: &serde_json::Value, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    out.write_all(b"\n")
}

fn node_json(o: &Ordered, n: NodeIndex) -> serde_json::Value {
    let node = &o.graph.graph[n];
    serde_json::json!({
        "id": o.node_id(n),
        "name": node.name,
        "label": node.name,
        "type": node.kind,
        "aliases": node.aliases,
        "iri": node.iri(),
        "color": type_colour(node.kind),
        "document_count": o.graph.document_count(n),
        "mention_count": o.graph.mention_count(n),
    })
}

fn edge_json(o: &Ordered, e: EdgeIndex) -> serde_json::Map<String, serde_json::Value> {
    let edge = &o.graph.graph[e];
    let (s, t) = o.ends(e);
    let serde_json::Value::Object(map) = serde_json::json!({
        "source": s,
        "target": t,
        "label": edge.predicate,
        "predicate": edge.predicate,
        "implicit": edge.implicit,
        "evidence": evidence_text(edge),
        "evidence_count": evidence_count(edge),
        "documents": edge_documents(edge),
    }) else {
        unreachable!("json! of an object is an object")
    };
    map
}

/// The Cytoscape.js form: `{"elements": {"nodes": [{"data": …}], "edges": [{"data": …}]}}`,
/// which Cytoscape desktop imports (File ▸ Import ▸ Network from File, `.cyjs`).
pub fn cytoscape_json(g: &KnowledgeGraph) -> serde_json::Value {
    let o = Ordered::new(g);
    let nodes: Vec<serde_json::Value> = o
        .nodes
        .iter()
        .map(|&n| serde_json::json!({ "data": node_json(&o, n) }))
        .collect();
    let edges: Vec<serde_json::Value> = o
        .edges
        .iter()
        .enumerate()
        .map(|(i, &e)| {
            let mut data = edge_json(&o, e);
            data.insert("id".into(), format!("r{}", i + 1).into());
            data.insert("interaction".into(), g.graph[e].predicate.as_str().into());
            serde_json::json!({ "data": data })
        })
        .collect();
    serde_json::json!({
        "format_version": "1.0",
        "generated_by": format!("zhitu {}", crate::VERSION),
        "data": { "name": "zhitu" },
        "elements": { "nodes": nodes, "edges": edges },
    })
}

/// NetworkX's node-link form, with edges under `links` (the key `node_link_graph` reads by
/// default in NetworkX 2.x and D3 expects; NetworkX ≥ 3.4 reads it with `edges="links"`).
/// `multigraph` is true when two relations join the same ordered pair of entities; each
/// link then carries its predicate as `key`.
pub fn node_link_json(g: &KnowledgeGraph) -> serde_json::Value {
    let o = Ordered::new(g);
    let multigraph = o.has_parallel_edges();
    let nodes: Vec<serde_json::Value> = o.nodes.iter().map(|&n| node_json(&o, n)).collect();
    let links: Vec<serde_json::Value> = o
        .edges
        .iter()
        .enumerate()
        .map(|(i, &e)| {
            let mut data = edge_json(&o, e);
            data.insert("id".into(), format!("r{}", i + 1).into());
            if multigraph {
                data.insert("key".into(), g.graph[e].predicate.as_str().into());
            }
            serde_json::Value::Object(data)
        })
        .collect();
    serde_json::json!({
        "directed": true,
        "multigraph": multigraph,
        "graph": {},
        "nodes": nodes,
        "links": links,
    })
}

// ---------------------------------------------------------------------------------------
// Neo4j

/// One CSV field, quoted when it must be (RFC 4180: comma, quote, line break).
pub fn csv_field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

fn csv_row(out: &mut dyn Write, fields: &[&str]) -> io::Result<()> {
    let row: Vec<Cow<str>> = fields.iter().map(|f| csv_field(f)).collect();
    writeln!(out, "{}", row.join(","))
}

/// Neo4j array values are split on `;`; a name holding one gets the full-width `；`.
fn neo4j_array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|s| s.replace(';', "；"))
        .collect::<Vec<_>>()
        .join(";")
}

/// Text on one line: a line break (with the spaces around it) between two CJK characters
/// is dropped, as hard-wrapped Chinese joins without a space; elsewhere it becomes a space.
/// Leading and trailing spaces go.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = String::new();
    let mut broken = false;
    for c in text.chars() {
        if c.is_whitespace() {
            broken |= matches!(c, '\n' | '\r');
            gap.push(c);
            continue;
        }
        if let Some(prev) = out.chars().next_back() {
            if !broken {
                out.push_str(&gap);
            } else if prev.is_ascii() || c.is_ascii() {
                out.push(' ');
            }
        }
        gap.clear();
        broken = false;
        out.push(c);
    }
    out
}

/// The header of `nodes.csv`.
pub const NEO4J_NODES_HEADER: &str = "id:ID,name,aliases:string[],iri,:LABEL";
/// The header of `relationships.csv`.
pub const NEO4J_RELATIONSHIPS_HEADER: &str =
    ":START_ID,:END_ID,:TYPE,implicit:boolean,evidence,documents:string[]";

/// Writes `nodes.csv` and `relationships.csv` for `neo4j-admin database import full` into
/// `dir`: node labels are entity types, relationship types are predicates.
pub fn write_neo4j(g: &KnowledgeGraph, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let o = Ordered::new(g);
    let write = |name: &str, body: &dyn Fn(&mut dyn Write) -> io::Result<()>| -> Result<()> {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = io::BufWriter::new(file);
        body(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| Error::io(&path, e))
    };
    write("nodes.csv", &|w| {
        writeln!(w, "{NEO4J_NODES_HEADER}")?;
        for &n in &o.nodes {
            let node = &g.graph[n];
            csv_row(
                w,
                &[
                    &o.node_id(n),
                    &one_line(&node.name),
                    &neo4j_array(node.aliases.iter().map(String::as_str)),
                    &node.iri(),
                    node.kind.as_str(),
                ],
            )?;
        }
        Ok(())
    })?;
    write("relationships.csv", &|w| {
        writeln!(w, "{NEO4J_RELATIONSHIPS_HEADER}")?;
        for &e in &o.edges {
            let edge = &g.graph[e];
            let (s, t) = o.ends(e);
            csv_row(
                w,
                &[
                    &s,
                    &t,
                    edge.predicate.as_str(),
                    if edge.implicit { "true" } else { "false" },
                    &one_line(evidence_text(edge)),
                    &neo4j_array(edge_documents(edge)),
                ],
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KnowledgeGraph {
        let ev = |text: &str, implicit| EvidenceRecord {
            document: "a.txt".into(),
            sentence: 0,
            start: 0,
            end: 4,
            text: text.into(),
            trigger: None,
            rule: "r".into(),
            implicit,
        };
        let mut doc = crate::graph::test_document(
            "a.txt",
            &[
                ("清华大学", EntityType::Institution),
                ("海淀区\u{1}<&>\"", EntityType::Region),
            ],
            &[(0, Predicate::locatedIn, 1), (0, Predicate::partOf, 1)],
        );
        doc.entities[0].aliases = vec!["清华".into(), "a;b".into()];
        doc.relations[0].evidence = vec![ev("清华大学位于\n海淀区，\"好\"", false)];
        doc.relations[1].implicit = true;
        doc.relations[1].evidence = vec![ev("x", true)];
        let mut g = KnowledgeGraph::new();
        g.add_document(&doc);
        g
    }

    #[test]
    fn formats_know_their_extensions() {
        for f in ExportFormat::ALL {
            if let Some(back) = ExportFormat::from_extension(f.file_extension()) {
                assert_eq!(back, *f);
            }
        }
        assert_eq!(ExportFormat::from_extension("GV"), Some(ExportFormat::Dot));
        assert_eq!(ExportFormat::from_extension("json"), None);
    }

    #[test]
    fn xml_is_clean_and_well_formed() {
        let mut out = Vec::new();
        write_graphml(&sample(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1}'));
        assert!(text.contains("海淀区&lt;&amp;&gt;"));
        let mut r = quick_xml::Reader::from_str(&text);
        loop {
            match r.read_event().unwrap() {
                Event::Eof => break,
                _ => continue,
            }
        }
        let mut out = Vec::new();
        write_gexf(&sample(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("<viz:color r=\"78\" g=\"121\" b=\"167\"/>"));
    }

    #[test]
    fn dot_strings_are_escaped() {
        assert_eq!(dot_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        let mut out = Vec::new();
        write_dot(&sample(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("e1 -> e2 [label=\"partOf\""));
        assert!(text.contains("style=\"dashed\""));
        assert!(text.contains("fontname=\"Noto Sans CJK SC\""));
    }

    #[test]
    fn lines_join_without_spaces_between_chinese() {
        assert_eq!(
            one_line("　　一\n年来，a\nb 科学城\r\n 依托 "),
            "一年来，a b 科学城依托"
        );
    }

    #[test]
    fn shards_keep_graphs_whole_and_balance() {
        let graphs: Vec<(String, usize)> = [("a", 10), ("b", 7), ("c", 5), ("d", 5), ("e", 1)]
            .iter()
            .map(|(n, q)| (n.to_string(), *q))
            .collect();
        let shards = assign_shards(&graphs, 2);
        // 10 | 7 → 10 | 12 → 15 | 12 → 15 | 13 … every graph exactly once.
        let load = |s: &Vec<usize>| s.iter().map(|&g| graphs[g].1).sum::<usize>();
        assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), 5);
        assert!(load(&shards[0]).abs_diff(load(&shards[1])) <= 2);
        assert_eq!(assign_shards(&graphs, 2), shards);
        assert_eq!(
            assign_shards(&graphs, 8)
                .iter()
                .filter(|s| s.is_empty())
                .count(),
            3
        );
        assert_eq!(shard_name(7, 4), "part-007.nq");
        assert_eq!(shard_name(7, 5000), "part-0007.nq");
    }

    #[test]
    fn node_link_marks_parallel_edges() {
        let v = node_link_json(&sample());
        assert_eq!(v["multigraph"], true);
        assert_eq!(v["links"][0]["key"], "partOf");
        assert_eq!(v["links"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn csv_fields_are_quoted_and_arrays_kept_whole() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("清华"), "清华");
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("neo4j");
        write_neo4j(&sample(), &dir).unwrap();
        let nodes = std::fs::read_to_string(dir.join("nodes.csv")).unwrap();
        assert!(nodes.starts_with(NEO4J_NODES_HEADER));
        assert!(nodes.contains(",a；b;清华,"));
        let rels = std::fs::read_to_string(dir.join("relationships.csv")).unwrap();
        assert_eq!(rels.lines().count(), 3);
        assert!(rels.contains("\"清华大学位于海淀区，\"\"好\"\"\""));
    }
}
