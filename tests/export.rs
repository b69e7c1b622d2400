//! `zhitu export`, `stats`, `path` and `show` over the sample documents: every format is
//! read back by a real reader (quick-xml, serde_json, Oxigraph's RDF parsers, a Neo4j header
//! check, and — when installed — NetworkX and Graphviz), and its counts must equal the
//! store's. The samples are extracted once; every test reads that store.

mod common;

#[allow(unused_imports)]
use common::{repo, zhitu, zhitu_in};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use petgraph::graph::NodeIndex;
use quick_xml::events::Event;
use serde_json::Value;
use zhitu::ontology::{EntityType, Predicate};

/// The samples extracted once: (folder with graph.json and store/).
fn extracted() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        zhitu()
            .args(["extract", "input/", "-q", "--out"])
            .arg(out.path())
            .assert()
            .success();
        out
    })
    .path()
}

fn store() -> PathBuf {
    extracted().join("store")
}

/// Runs `zhitu export` with these arguments into `file` in a fresh folder; returns the bytes.
fn export(args: &[&str], file: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    zhitu()
        .arg("export")
        .args(args)
        .arg("--store")
        .arg(store())
        .arg("-o")
        .arg(&path)
        .assert()
        .success();
    (dir, path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// A single number from `zhitu query --format csv`.
fn count(q: &str) -> usize {
    let out = zhitu()
        .args(["query", "--format", "csv", "--store"])
        .arg(store())
        .arg(q)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    text.lines().nth(1).unwrap().trim().parse().unwrap()
}

fn values<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(|t| format!("zt:{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Entities and distinct relation triples in the store, counted with SPARQL.
fn store_counts() -> (usize, usize) {
    static COUNTS: OnceLock<(usize, usize)> = OnceLock::new();
    *COUNTS.get_or_init(|| {
        let nodes = count(&format!(
            "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ VALUES ?t {{ {} }} ?e a ?t }}",
            values(EntityType::ALL)
        ));
        let edges = count(&format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {} }} ?s ?p ?o }} }}",
            values(Predicate::ALL)
        ));
        assert!(nodes > 20 && edges > 10, "the samples give a real graph");
        (nodes, edges)
    })
}

/// Elements of an XML document, in order: (name, attributes), with text of `data` elements.
fn xml_elements(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                out.push((name, attrs));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn the_graph_rebuilt_from_the_store_is_the_one_extraction_built() {
    let s = zhitu::store::KnowledgeStore::open_read_only(&store()).unwrap();
    let rebuilt = zhitu::export::load_graph(&s).unwrap().to_json();
    let written: Value = serde_json::from_str(&read(&extracted().join("graph.json"))).unwrap();
    assert_eq!(rebuilt["entities"], written["entities"]);
    assert_eq!(rebuilt["relations"], written["relations"]);
    assert_eq!(rebuilt["documents"], written["documents"]);
}

#[test]
fn what_a_view_reads_of_some_entities_is_what_the_whole_graph_holds() {
    use zhitu::export::{count_documents, load_evidence, load_mentions, load_outline};
    let s = zhitu::store::KnowledgeStore::open_read_only(&store()).unwrap();
    let whole = zhitu::export::load_graph(&s).unwrap();
    let mut g = load_outline(&s).unwrap();
    assert_eq!(g.graph.node_count(), whole.graph.node_count());
    assert_eq!(g.graph.edge_count(), whole.graph.edge_count());
    // The same counts without a document or mention record read.
    assert_eq!(count_documents(&s, &mut g).unwrap(), whole.documents.len());
    for n in g.graph.node_indices() {
        assert_eq!(g.document_count(n), whole.document_count(n));
    }
    assert!(g.graph.node_indices().any(|n| g.document_count(n) > 1));
    // The implicit flags from the statements alone, and from their evidence.
    let mut flagged = load_outline(&s).unwrap();
    zhitu::export::mark_implicit(&s, &mut flagged).unwrap();
    let implicit = |g: &zhitu::graph::KnowledgeGraph| -> Vec<bool> {
        g.graph.edge_weights().map(|e| e.implicit).collect()
    };
    assert_eq!(implicit(&flagged), implicit(&whole));
    assert!(implicit(&whole).contains(&true) && implicit(&whole).contains(&false));
    // The entity with the most relations: its mentions, and its relations' evidence.
    let hub = g
        .graph
        .node_indices()
        .max_by_key(|&n| g.graph.neighbors_undirected(n).count())
        .unwrap();
    let edges: Vec<_> = g
        .graph
        .edge_indices()
        .filter(|&e| {
            let (a, b) = g.graph.edge_endpoints(e).unwrap();
            a == hub || b == hub
        })
        .collect();
    assert!(edges.len() > 1);
    // Named twice (show lists an edge between two entities of one name from both), read once.
    load_mentions(&s, &mut g, Some(&[hub, hub])).unwrap();
    let twice: Vec<_> = edges.iter().chain(&edges).copied().collect();
    load_evidence(&s, &mut g, Some(&twice)).unwrap();
    for n in g.graph.node_indices() {
        let expected = if n == hub {
            &whole.graph[n].mentions[..]
        } else {
            &[]
        };
        assert_eq!(g.graph[n].mentions, expected, "{}", g.graph[n].name);
    }
    assert!(!g.graph[hub].mentions.is_empty());
    for e in g.graph.edge_indices() {
        if edges.contains(&e) {
            assert_eq!(g.graph[e], whole.graph[e]);
            assert!(!g.graph[e].evidence.is_empty());
        } else {
            assert!(g.graph[e].evidence.is_empty());
        }
    }
}

#[test]
fn what_show_reads_of_an_entity_is_what_the_whole_graph_holds() {
    use zhitu::export::{load_evidence_around, load_outline, mentions_by_document};
    let s = zhitu::store::KnowledgeStore::open_read_only(&store()).unwrap();
    let whole = zhitu::export::load_graph(&s).unwrap();
    let mut g = load_outline(&s).unwrap();
    let hub = g
        .graph
        .node_indices()
        .max_by_key(|&n| g.graph.neighbors_undirected(n).count())
        .unwrap();
    // A neighbour too: the relation between the two is found from both, and read once.
    let other = g.graph.neighbors_undirected(hub).next().unwrap();
    load_evidence_around(&s, &mut g, &[hub, other, hub]).unwrap();
    let mut read = 0;
    for e in g.graph.edge_indices() {
        let (a, b) = g.graph.edge_endpoints(e).unwrap();
        if [a, b].iter().any(|n| *n == hub || *n == other) {
            assert_eq!(g.graph[e], whole.graph[e]);
            assert!(!g.graph[e].evidence.is_empty());
            read += 1;
        } else {
            assert!(g.graph[e].evidence.is_empty());
        }
    }
    assert!(read > 1);
    // Its mentions per document, counted by the store.
    let mut expected: std::collections::BTreeMap<String, usize> = Default::default();
    for m in &whole.graph[hub].mentions {
        *expected.entry(m.document.clone()).or_insert(0) += 1;
    }
    let counted = mentions_by_document(&s, &g, hub).unwrap();
    assert_eq!(counted, expected.into_iter().collect::<Vec<_>>());
    assert!(counted.iter().any(|(_, n)| *n > 1));
}

#[test]
fn exports_of_counted_mentions_equal_exports_of_every_mention() {
    use zhitu::export::{load_exported, load_graph, node_link_json, write_gexf, write_graphml};
    let s = zhitu::store::KnowledgeStore::open_read_only(&store()).unwrap();
    let (whole, counted) = (load_graph(&s).unwrap(), load_exported(&s).unwrap());
    assert!(counted.graph.node_weights().all(|n| n.mentions.is_empty()));
    let graphml = |g| {
        let mut out = Vec::new();
        write_graphml(g, &mut out).unwrap();
        out
    };
    let gexf = |g| {
        let mut out = Vec::new();
        write_gexf(g, &mut out).unwrap();
        out
    };
    assert_eq!(graphml(&counted), graphml(&whole));
    assert_eq!(gexf(&counted), gexf(&whole));
    assert_eq!(node_link_json(&counted), node_link_json(&whole));
    // The counts are there: some entity is named in several documents, some many times.
    let most = |count: &dyn Fn(NodeIndex) -> usize| {
        let n = whole
            .graph
            .node_indices()
            .max_by_key(|&n| count(n))
            .unwrap();
        (n, count(n))
    };
    let (_, documents) = most(&|n| counted.document_count(n));
    let (n, mentions) = most(&|n| counted.mention_count(n));
    assert!(documents > 1 && mentions > 2, "{documents} {mentions}");
    // And a selection keeps them.
    let around = zhitu::export::Selection {
        around: Some((whole.graph[n].name.clone(), 1)),
        ..Default::default()
    };
    let (a, b) = (
        zhitu::export::select(&s, &whole, &around).unwrap(),
        zhitu::export::select(&s, &counted, &around).unwrap(),
    );
    assert_eq!(graphml(&b), graphml(&a));
}

#[test]
fn graphml_declares_its_keys_first_and_holds_the_whole_store() {
    let (_d, path) = export(&[], "graph.graphml");
    let text = read(&path);
    let elements = xml_elements(&text);
    let graph_at = elements.iter().position(|(n, _)| n == "graph").unwrap();
    let keys: HashSet<&str> = elements[..graph_at]
        .iter()
        .filter(|(n, _)| n == "key")
        .map(|(_, a)| a["id"].as_str())
        .collect();
    assert!(elements.iter().skip(graph_at).all(|(n, _)| n != "key"));
    for k in [
        "label",
        "type",
        "aliases",
        "edge_label",
        "predicate",
        "implicit",
        "evidence",
    ] {
        assert!(keys.contains(k), "key {k} declared");
    }
    for (_, a) in elements.iter().filter(|(n, _)| n == "data") {
        assert!(
            keys.contains(a["key"].as_str()),
            "data key {} declared",
            a["key"]
        );
    }
    assert_eq!(elements[graph_at].1["edgedefault"], "directed");
    let nodes: Vec<&str> = elements
        .iter()
        .filter(|(n, _)| n == "node")
        .map(|(_, a)| a["id"].as_str())
        .collect();
    let edges = elements.iter().filter(|(n, _)| n == "edge").count();
    assert_eq!((nodes.len(), edges), store_counts());
    assert_eq!(nodes[0], "e1");
    assert!(text.contains("<data key=\"type\">Institution</data>"));
}

#[test]
fn gexf_is_version_1_3_with_declared_attributes_and_colours() {
    let (_d, path) = export(&["--format", "gexf"], "graph.xml");
    let elements = xml_elements(&read(&path));
    assert_eq!(elements[0].0, "gexf");
    assert_eq!(elements[0].1["version"], "1.3");
    assert_eq!(elements[0].1["xmlns"], "http://gexf.net/1.3");
    let mut declared: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut class = String::new();
    for (n, a) in &elements {
        match n.as_str() {
            "attributes" => class = a["class"].clone(),
            "attribute" => {
                declared
                    .entry(class.clone())
                    .or_default()
                    .insert(a["id"].clone());
            }
            _ => {}
        }
    }
    assert!(declared["node"].contains("type"));
    assert!(declared["edge"].contains("evidence"));
    let mut in_class = "node";
    let mut nodes = 0;
    let mut edges = 0;
    let mut colours = 0;
    for (n, a) in &elements {
        match n.as_str() {
            "node" => {
                nodes += 1;
                in_class = "node";
                assert!(!a["label"].is_empty());
            }
            "edge" => {
                edges += 1;
                in_class = "edge";
            }
            "viz:color" => colours += 1,
            "attvalue" => assert!(declared[in_class].contains(&a["for"]), "{a:?}"),
            _ => {}
        }
    }
    assert_eq!((nodes, edges), store_counts());
    assert_eq!(colours, nodes);
}

#[test]
fn cytoscape_and_node_link_json_have_the_shapes_their_readers_expect() {
    let (nodes, edges) = store_counts();
    let (_d, path) = export(&["--format", "cytoscape"], "graph.cyjs");
    let c: Value = serde_json::from_str(&read(&path)).unwrap();
    let cn = c["elements"]["nodes"].as_array().unwrap();
    let ce = c["elements"]["edges"].as_array().unwrap();
    assert_eq!((cn.len(), ce.len()), (nodes, edges));
    let ids: HashSet<&str> = cn
        .iter()
        .map(|n| n["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), nodes);
    for n in cn {
        let d = &n["data"];
        assert_eq!(d["name"], d["label"]);
        assert!(d["type"].as_str().unwrap().parse::<EntityType>().is_ok());
        assert!(d["aliases"].is_array());
    }
    for e in ce {
        let d = &e["data"];
        assert!(ids.contains(d["source"].as_str().unwrap()));
        assert!(ids.contains(d["target"].as_str().unwrap()));
        assert!(d["predicate"]
            .as_str()
            .unwrap()
            .parse::<Predicate>()
            .is_ok());
        assert!(d["id"].as_str().unwrap().starts_with('r'));
    }

    let (_d, path) = export(&["--format", "nodelink"], "graph.json");
    let g: Value = serde_json::from_str(&read(&path)).unwrap();
    assert_eq!(g["directed"], true);
    assert!(g["graph"].as_object().unwrap().is_empty());
    let nn = g["nodes"].as_array().unwrap();
    let links = g["links"].as_array().unwrap();
    assert_eq!((nn.len(), links.len()), (nodes, edges));
    let pairs: HashSet<(&Value, &Value)> =
        links.iter().map(|l| (&l["source"], &l["target"])).collect();
    assert_eq!(g["multigraph"], pairs.len() < links.len());
    assert!(links.iter().all(|l| l["implicit"].is_boolean()));
}

/// RFC 4180 records of a CSV text.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The header rules of `neo4j-admin database import`: one `:ID` (nodes) or `:START_ID`,
/// `:END_ID`, `:TYPE` (relationships), every other column `name` or `name:type` with a
/// known type, arrays as `type[]`.
fn check_neo4j_header(header: &[String], required: &[&str]) {
    const TYPES: &[&str] = &[
        "int",
        "long",
        "float",
        "double",
        "boolean",
        "byte",
        "short",
        "char",
        "string",
        "point",
        "date",
        "localtime",
        "time",
        "localdatetime",
        "datetime",
        "duration",
    ];
    for r in required {
        assert_eq!(
            header.iter().filter(|h| h.ends_with(r)).count(),
            1,
            "exactly one {r} in {header:?}"
        );
    }
    for h in header {
        let (name, kind) = h.split_once(':').unwrap_or((h, "string"));
        if [":ID", ":LABEL", ":START_ID", ":END_ID", ":TYPE"].contains(&format!(":{kind}").as_str())
        {
            continue;
        }
        assert!(!name.is_empty(), "property column without a name: {h}");
        let kind = kind.strip_suffix("[]").unwrap_or(kind);
        assert!(TYPES.contains(&kind), "unknown type in {h}");
    }
}

#[test]
fn neo4j_csvs_follow_the_import_header_rules() {
    let (_d, dir) = export(&["--format", "neo4j"], "neo4j");
    let nodes = parse_csv(&read(&dir.join("nodes.csv")));
    let rels = parse_csv(&read(&dir.join("relationships.csv")));
    check_neo4j_header(&nodes[0], &[":ID", ":LABEL"]);
    check_neo4j_header(&rels[0], &[":START_ID", ":END_ID", ":TYPE"]);
    assert_eq!(nodes[0].join(","), "id:ID,name,aliases:string[],iri,:LABEL");
    assert_eq!(
        rels[0].join(","),
        ":START_ID,:END_ID,:TYPE,implicit:boolean,evidence,documents:string[]"
    );
    assert_eq!((nodes.len() - 1, rels.len() - 1), store_counts());
    let width = nodes[0].len();
    let mut ids = HashSet::new();
    for row in &nodes[1..] {
        assert_eq!(row.len(), width, "{row:?}");
        assert!(ids.insert(row[0].clone()), "ids are unique");
        assert!(row[4].parse::<EntityType>().is_ok());
    }
    for row in &rels[1..] {
        assert_eq!(row.len(), rels[0].len(), "{row:?}");
        assert!(ids.contains(&row[0]) && ids.contains(&row[1]));
        assert!(row[2].parse::<Predicate>().is_ok());
        assert!(row[3] == "true" || row[3] == "false");
        assert!(!row[4].contains('\n'));
    }
}

#[test]
fn rdf_exports_parse_and_keep_every_statement() {
    use oxigraph::io::{RdfFormat, RdfParser};
    let triples =
        count("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }");
    let quads = count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }");
    let graphs = count("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }");
    for (name, file, format, expected) in [
        ("turtle", "g.ttl", RdfFormat::Turtle, triples),
        ("ntriples", "g.nt", RdfFormat::NTriples, triples),
        ("nquads", "g.nq", RdfFormat::NQuads, quads),
        ("trig", "g.trig", RdfFormat::TriG, quads),
        (
            "jsonld",
            "g.jsonld",
            RdfFormat::JsonLd {
                profile: Default::default(),
            },
            quads,
        ),
    ] {
        let (_d, path) = export(&[], file);
        let bytes = std::fs::read(&path).unwrap();
        let parsed: Vec<_> = RdfParser::from_format(format)
            .for_slice(&bytes)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let distinct: HashSet<String> = parsed.iter().map(|q| q.to_string()).collect();
        assert_eq!(distinct.len(), expected, "{name}");
        let named: HashSet<String> = parsed.iter().map(|q| q.graph_name.to_string()).collect();
        if expected == quads {
            assert_eq!(named.len(), graphs, "{name} keeps the named graphs");
        } else {
            assert_eq!(named.len(), 1, "{name} is one graph");
        }
    }
}

#[test]
fn exports_are_deterministic() {
    for file in ["a.graphml", "a.gexf", "a.dot", "a.cyjs", "a.ttl"] {
        let (_a, first) = export(&[], file);
        let (_b, second) = export(&[], file);
        assert_eq!(read(&first), read(&second), "{file}");
    }
}

#[test]
fn subgraphs_by_type_neighbourhood_and_construct() {
    let (_d, path) = export(
        &["--format", "nodelink", "--type", "Platform,Institution"],
        "t.json",
    );
    let g: Value = serde_json::from_str(&read(&path)).unwrap();
    let types: BTreeSet<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, BTreeSet::from(["Institution", "Platform"]));

    // Around the first node of the first relation: depth 1 holds its neighbours only.
    let (_d, path) = export(&["--format", "nodelink"], "all.json");
    let all: Value = serde_json::from_str(&read(&path)).unwrap();
    let link = &all["links"][0];
    let name = |id: &Value| {
        all["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| &n["id"] == id)
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let centre = name(&link["source"]);
    let (_d, path) = export(
        &["--format", "nodelink", "--around", &centre, "--depth", "1"],
        "a.json",
    );
    let near: Value = serde_json::from_str(&read(&path)).unwrap();
    let names: BTreeSet<String> = near["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&centre) && names.contains(&name(&link["target"])));
    assert!(names.len() < all["nodes"].as_array().unwrap().len());
    for l in near["links"].as_array().unwrap() {
        let ends = [&l["source"], &l["target"]];
        assert!(near["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| ends.contains(&&n["id"])));
    }

    // A CONSTRUCT of one predicate keeps exactly those relations.
    let q = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        q.path(),
        "CONSTRUCT { ?a zt:reliesOn ?b } WHERE { ?a zt:reliesOn ?b }",
    )
    .unwrap();
    let relies = count(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b WHERE { ?a zt:reliesOn ?b } }",
    );
    let (_d, path) = export(
        &[
            "--format",
            "nodelink",
            "--query",
            q.path().to_str().unwrap(),
        ],
        "q.json",
    );
    let g: Value = serde_json::from_str(&read(&path)).unwrap();
    let links = g["links"].as_array().unwrap();
    assert_eq!(links.len(), relies);
    assert!(links.iter().all(|l| l["predicate"] == "reliesOn"));

    zhitu()
        .args([
            "export",
            "--format",
            "dot",
            "--around",
            "不存在的机构",
            "--store",
        ])
        .arg(store())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("不存在的机构"));
    zhitu()
        .args([
            "export", "--format", "turtle", "--type", "Platform", "--store",
        ])
        .arg(store())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--query"));
    zhitu()
        .args(["export", "--format", "neo4j", "--store"])
        .arg(store())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("-o DIR"));
}

fn has_dot() -> bool {
    std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn graphviz_draws_the_dot_export() {
    let (_d, path) = export(&[], "graph.dot");
    let text = read(&path);
    assert!(text.contains("fontname=\"Noto Sans CJK SC\""));
    assert_eq!(
        text.lines().filter(|l| l.contains(" -> ")).count(),
        store_counts().1
    );
    if !has_dot() {
        eprintln!(
            "note: Graphviz `dot` is not installed; `dot -Tsvg` and svg/png exports not checked"
        );
        return;
    }
    let out = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    let (_d, svg) = export(&[], "graph.svg");
    assert!(read(&svg).contains("<svg"));
    let (_d, png) = export(&[], "graph.png");
    assert!(std::fs::read(&png)
        .unwrap()
        .starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn without_graphviz_svg_export_says_what_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    zhitu()
        .env("PATH", empty.path())
        .args(["export", "--store"])
        .arg(store())
        .arg("-o")
        .arg(out.path().join("g.svg"))
        .assert()
        .code(4)
        .stderr(predicates::str::contains("Graphviz"))
        .stderr(predicates::str::contains("apt-get install graphviz"));
    assert!(
        !out.path().join("g.svg").exists(),
        "no half-written file is left"
    );
}

/// Python interpreters on this machine that can import networkx, one per version.
fn networkx_pythons() -> Vec<String> {
    let mut seen = HashSet::new();
    ["python3", "/usr/bin/python3"]
        .iter()
        .filter_map(|py| {
            let out = std::process::Command::new(py)
                .args(["-c", "import networkx; print(networkx.__version__)"])
                .output()
                .ok()?;
            let version = String::from_utf8(out.stdout).ok()?.trim().to_owned();
            (out.status.success() && seen.insert(version)).then(|| py.to_string())
        })
        .collect()
}

const NETWORKX_CHECK: &str = r#"
import inspect, json, sys
import networkx as nx
from networkx.readwrite import json_graph, gexf
d = sys.argv[1]
out = {"version": nx.__version__}
g = nx.read_graphml(d + "/g.graphml")
out["graphml"] = [g.number_of_nodes(), g.number_of_edges(), g.is_directed()]
out["graphml_types"] = sorted({a["type"] for _, a in g.nodes(data=True)})
out["graphml_predicates"] = sorted({a["predicate"] for _, _, a in g.edges(data=True)})
if "1.3" in gexf.GEXF.versions:
    g = nx.read_gexf(d + "/g.gexf", version="1.3")
    out["gexf"] = [g.number_of_nodes(), g.number_of_edges(), g.is_directed()]
    out["gexf_types"] = sorted({a["type"] for _, a in g.nodes(data=True)})
with open(d + "/g.json", encoding="utf-8") as f:
    data = json.load(f)
params = inspect.signature(json_graph.node_link_graph).parameters
g = json_graph.node_link_graph(data, **({"edges": "links"} if "edges" in params else {}))
out["nodelink"] = [g.number_of_nodes(), g.number_of_edges(), g.is_directed()]
print(json.dumps(out))
"#;

#[test]
fn networkx_reads_graphml_gexf_and_node_link() {
    let pythons = networkx_pythons();
    if pythons.is_empty() {
        eprintln!("note: no python3 with networkx here (apt-get install python3-networkx); NetworkX readers not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (format, file) in [
        ("graphml", "g.graphml"),
        ("gexf", "g.gexf"),
        ("nodelink", "g.json"),
    ] {
        zhitu()
            .args(["export", "--format", format, "--store"])
            .arg(store())
            .arg("-o")
            .arg(dir.path().join(file))
            .assert()
            .success();
    }
    let (nodes, edges) = store_counts();
    let expected = serde_json::json!([nodes, edges, true]);
    for py in pythons {
        let out = std::process::Command::new(&py)
            .args(["-c", NETWORKX_CHECK])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{py}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        eprintln!("NetworkX {} ({py}) read the exports", r["version"]);
        assert_eq!(r["graphml"], expected, "graphml with {py}");
        assert_eq!(r["nodelink"], expected, "nodelink with {py}");
        if r.get("gexf").is_some() {
            assert_eq!(r["gexf"], expected, "gexf with {py}");
            assert_eq!(r["gexf_types"], r["graphml_types"]);
        } else {
            eprintln!(
                "note: NetworkX {} reads no GEXF 1.3; gexf not checked with it",
                r["version"]
            );
        }
        assert!(r["graphml_predicates"].as_array().unwrap().iter().all(|p| p
            .as_str()
            .unwrap()
            .parse::<Predicate>()
            .is_ok()));
    }
}

#[test]
fn stats_path_and_show_read_the_store() {
    let (nodes, edges) = store_counts();
    zhitu()
        .args(["stats", "--store"])
        .arg(store())
        .assert()
        .success()
        .stdout(predicates::str::contains(format!("entities    {nodes}\n")))
        .stdout(predicates::str::contains(format!("relations   {edges} (")))
        .stdout(predicates::str::contains("PageRank"));

    let (_d, path) = export(&["--format", "nodelink"], "all.json");
    let all: Value = serde_json::from_str(&read(&path)).unwrap();
    let by_id = |id: &Value| {
        all["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| &n["id"] == id)
            .unwrap()
            .clone()
    };
    let link = &all["links"][0];
    let (s, t) = (by_id(&link["source"]), by_id(&link["target"]));
    let (sn, tn) = (s["name"].as_str().unwrap(), t["name"].as_str().unwrap());
    let out = zhitu()
        .args(["path", tn, sn, "--store"])
        .arg(store())
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // One step, whichever of the relations joining the two it walks, with its evidence.
    assert!(text.contains(": 1 step\n"), "{text}");
    assert!(text.contains(&format!("{tn} [")) && text.contains(&format!("{sn} [")));
    assert!(text.contains("“") && text.contains(", sentence "), "{text}");

    let out = zhitu()
        .args(["show", sn, "--store"])
        .arg(store())
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.starts_with(&format!("{sn}  [{}]", s["type"].as_str().unwrap())));
    assert!(text.contains(&format!("—{}→ {tn}", link["predicate"].as_str().unwrap())));
    assert!(text.contains("relations in ("));

    zhitu()
        .args(["show", "不存在的机构", "--store"])
        .arg(store())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("不存在的机构"));
}
