//! The store over its life: removing documents, store versions, a second writer and readers
//! while a writer holds the store, SPARQL updates and syntax errors, and `extract` killed
//! midway. Every test makes its own documents and store in a temporary folder.

mod common;

#[allow(unused_imports)]
use common::{repo, zhitu, zhitu_in};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, QuadRef, Term};
use predicates::prelude::*;
use zhitu::ontology::{DOC, META_GRAPH, ZT};
use zhitu::store::{KnowledgeStore, StoreInfo, STORE_FORMAT};

/// The same, as a plain process that can be left running and killed.
fn spawn_in(dir: &Path, args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("zhitu"))
        .current_dir(dir)
        .env("ZHITU_ONTOLOGY", repo().join("ontology"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Kills the process when the test ends, however it ends.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SHARED: &str = "中关村科技园区海淀园依托北京大学和清华大学，推动北京协同创新研究院落地。";
const OTHER: &str = "合肥高新区管委会依托清华大学建设合肥量子研究院。";

fn has_label(store: &KnowledgeStore, name: &str) -> bool {
    let q = format!(r#"ASK {{ ?e skos:prefLabel "{name}"@zh }}"#);
    let mut out = Vec::new();
    zhitu::query::run(
        store.inner(),
        &q,
        zhitu::query::OutputFormat::Json,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap().contains("true")
}

fn document_graphs(store: &KnowledgeStore) -> Vec<String> {
    let mut v: Vec<String> = store
        .inner()
        .named_graphs()
        .map(|g| g.unwrap().to_string())
        .filter(|g| g.starts_with(&format!("<{DOC}")))
        .collect();
    v.sort();
    v
}

#[test]
fn remove_drops_a_document_and_the_entities_only_it_mentions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), SHARED).unwrap();
    std::fs::write(dir.path().join("b.txt"), OTHER).unwrap();
    zhitu_in(dir.path())
        .args(["extract", "a.txt", "b.txt", "-q"])
        .assert()
        .success();
    let store_dir = dir.path().join("output/store");
    let (graphs_before, quads_before) = {
        let s = KnowledgeStore::open_read_only(&store_dir).unwrap();
        for name in ["清华大学", "中关村科技园区海淀园", "合肥量子研究院"] {
            assert!(has_label(&s, name), "{name} stored");
        }
        (s.inner().named_graphs().count(), s.len().unwrap())
    };

    // The path as the user types it, with ./ — it names the same document.
    zhitu_in(dir.path())
        .args(["remove", "./a.txt"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("removed a.txt (")
                .and(predicate::str::contains("1 document and")),
        );
    {
        let s = KnowledgeStore::open_read_only(&store_dir).unwrap();
        assert_eq!(s.inner().named_graphs().count(), graphs_before - 1);
        assert!(s.len().unwrap() < quads_before);
        assert_eq!(
            document_graphs(&s),
            vec![format!("<{}>", zhitu::rdf::document_iri("b.txt"))]
        );
        // Shared by b.txt: stays. Mentioned by a.txt alone: gone.
        assert!(has_label(&s, "清华大学"));
        assert!(has_label(&s, "合肥量子研究院"));
        for gone in ["中关村科技园区海淀园", "北京大学", "北京协同创新研究院"]
        {
            assert!(!has_label(&s, gone), "{gone} removed with a.txt");
        }
    }

    // A document the store does not hold: exit 2, named, nothing removed.
    zhitu_in(dir.path())
        .args(["remove", "b.txt", "a.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "store output/store holds no document a.txt; nothing was removed",
        ));
    assert_eq!(
        document_graphs(&KnowledgeStore::open_read_only(&store_dir).unwrap()).len(),
        1
    );

    // A document deleted from disk is still removed by its path.
    std::fs::remove_file(dir.path().join("b.txt")).unwrap();
    zhitu_in(dir.path())
        .args(["remove", "b.txt"])
        .assert()
        .success();
    let s = KnowledgeStore::open_read_only(&store_dir).unwrap();
    assert!(document_graphs(&s).is_empty());
    assert!(!has_label(&s, "清华大学"));

    // No store there at all.
    zhitu_in(dir.path())
        .args(["remove", "a.txt", "--store", "nowhere"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no zhitu store here"));
}

/// A folder with one document (`a.txt`) extracted into `output/store`.
fn extracted_shared() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), SHARED).unwrap();
    zhitu_in(dir.path())
        .args(["extract", "a.txt", "-q"])
        .assert()
        .success();
    dir
}

#[test]
fn the_store_records_its_versions_and_refuses_another_format() {
    let dir = extracted_shared();
    let store_dir = dir.path().join("output/store");
    let info = KnowledgeStore::open_read_only(&store_dir)
        .unwrap()
        .info()
        .unwrap();
    assert_eq!(
        info,
        StoreInfo {
            written_by: Some(format!("zhitu {}", zhitu::VERSION)),
            format: Some(STORE_FORMAT),
            ontology_version: Some("0.1.0".into()),
        }
    );

    // A store written by a future zhitu in another layout.
    {
        let s = oxigraph::store::Store::open(&store_dir).unwrap();
        let meta = NamedNode::new(META_GRAPH).unwrap();
        s.clear_graph(GraphNameRef::NamedNode(meta.as_ref()))
            .unwrap();
        for (p, o) in [("writtenBy", "zhitu 9.0.0"), ("storeFormat", "99")] {
            let p = NamedNode::new(format!("{ZT}{p}")).unwrap();
            let o = oxigraph::model::Literal::new_simple_literal(o);
            s.insert(QuadRef::new(&meta, &p, &o, &meta)).unwrap();
        }
    }
    let refused = |args: &[&str]| {
        zhitu_in(dir.path()).args(args).assert().code(3).stderr(
            predicate::str::contains("written by zhitu 9.0.0 in store format 99")
                .and(predicate::str::contains(format!(
                    "this is zhitu {}, which reads store format {STORE_FORMAT}",
                    zhitu::VERSION
                )))
                .and(predicate::str::contains("into a new store")),
        );
    };
    refused(&["extract", "a.txt"]);
    refused(&["query", "ASK {}"]);
    refused(&["update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"]);
    refused(&["remove", "a.txt"]);
    refused(&["stats"]);

    // Data without zhitu's metadata: not a store zhitu wrote.
    {
        let s = oxigraph::store::Store::open(&store_dir).unwrap();
        let meta = NamedNode::new(META_GRAPH).unwrap();
        s.remove_named_graph(NamedOrBlankNode::NamedNode(meta).as_ref())
            .unwrap();
    }
    zhitu_in(dir.path())
        .args(["query", "ASK {}"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("holds data but no zhitu metadata"));
}

/// Documents for runs that take a while: each a sample with a line of its own on top.
fn generate(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let samples: Vec<String> = [
        "input/zhangjiang-science-city-report.txt",
        "input/guangzhou-innovation-policy-notice.txt",
        "input/hefei-enterprise-news.txt",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(repo().join(p)).unwrap())
    .collect();
    for i in 0..n {
        std::fs::write(
            dir.join(format!("doc-{i:03}.txt")),
            format!("第{i}号文件\n\n{}", samples[i % samples.len()]),
        )
        .unwrap();
    }
}

/// Runs `query` (read-only) and returns its CSV body, or None when it failed.
fn count_documents(dir: &Path, store: &Path) -> Result<usize, String> {
    let out = zhitu_in(dir)
        .args(["query", "--format", "csv", "--store"])
        .arg(store)
        .arg("SELECT (COUNT(?d) AS ?n) WHERE { ?d a zt:Document }")
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let csv = String::from_utf8(out.stdout).unwrap();
    Ok(csv.lines().nth(1).unwrap().trim().parse().unwrap())
}

#[test]
fn a_second_writer_is_told_the_store_is_in_use_while_readers_read() {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("gen"), 40);
    // The last input is a named pipe: the first extract stores the 40 documents, then waits
    // for the pipe, holding the store, until the test writes to it.
    let fifo = dir.path().join("zz-held.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let store = dir.path().join("store");
    let mut first = Reaper(spawn_in(
        dir.path(),
        &[
            "extract",
            "gen",
            "zz-held.txt",
            "--store",
            "store",
            "--out",
            "out1",
            "--jobs",
            "1",
            "--batch-size",
            "4",
        ],
    ));

    // Read while the writer writes, until it has stored the 40 documents.
    let started = Instant::now();
    let mut reads = 0;
    loop {
        if let Some(status) = first.0.try_wait().unwrap() {
            panic!("the first extract ended early: {status}");
        }
        if store.join("CURRENT").exists() {
            let n = count_documents(dir.path(), &store)
                .unwrap_or_else(|e| panic!("reading while a writer writes failed: {e}"));
            reads += 1;
            assert!(n <= 40);
            if n == 40 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the first extract never stored its documents"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("{reads} reads while the first extract wrote");

    // A second writer, of each kind: exit 3 and a message naming the store.
    let in_use = format!(
        "store {} is in use by another zhitu (or Oxigraph) process",
        store.display()
    );
    let store_arg = store.to_str().unwrap();
    for args in [
        vec![
            "extract",
            "gen/doc-000.txt",
            "--out",
            "out2",
            "--store",
            store_arg,
        ],
        vec!["remove", "gen/doc-000.txt", "--store", store_arg],
        vec![
            "update",
            "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "--store",
            store_arg,
        ],
    ] {
        zhitu_in(dir.path())
            .args(&args)
            .assert()
            .code(3)
            .stderr(predicate::str::contains(in_use.as_str()));
    }
    // Readers still read.
    assert_eq!(count_documents(dir.path(), &store), Ok(40));

    // Let the first finish: it reads the pipe, stores it, and exits 0.
    std::fs::write(&fifo, OTHER).unwrap();
    let status = first.0.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(first.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(count_documents(dir.path(), &store), Ok(41));
}

#[test]
fn update_says_what_changed_and_syntax_errors_show_the_position() {
    let dir = extracted_shared();
    zhitu_in(dir.path())
        .arg("update")
        .arg(r#"INSERT DATA { GRAPH <urn:notes> { <urn:n1> rdfs:comment "核对过"@zh ; a zt:Note } }"#)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 quads added"));
    zhitu_in(dir.path())
        .args(["query", "--format", "csv"])
        .arg("SELECT ?c WHERE { <urn:n1> rdfs:comment ?c }")
        .assert()
        .success()
        .stdout(predicate::str::contains("核对过"));
    // From standard input; WHERE sees the union of the graphs, as queries do.
    zhitu_in(dir.path())
        .args(["update", "--file", "-"])
        .write_stdin(
            r#"DELETE { GRAPH <urn:notes> { ?s ?p ?o } } WHERE { ?s rdfs:comment "核对过"@zh ; ?p ?o }"#,
        )
        .assert()
        .success()
        .stdout(predicate::str::contains("2 quads removed"));

    // A syntax error: exit 2, line and column, the line with a caret under the position.
    let out = zhitu_in(dir.path())
        .arg("update")
        .arg("INSERT DATA {\n  <urn:a> <urn:b> }")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "SPARQL syntax error at line 2, column 19: expected",
        ));
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[1], "    <urn:a> <urn:b> }", "{stderr}");
    assert_eq!(lines[2], format!("  {}^", " ".repeat(18)), "{stderr}");
    // The same for queries, with the caret counted in display columns under CJK text.
    let out = zhitu_in(dir.path())
        .arg("query")
        .arg("SELECT ?x WHERE { ?x skos:prefLabel \"清华大学\"@zh ?y }")
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    let column: usize = lines[0]
        .strip_prefix("zhitu: SPARQL syntax error at line 1, column ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line and column: {stderr}"));
    assert!(column > 42, "the error lies after the name: {stderr}");
    assert_eq!(
        lines[2].find('^'),
        Some(2 + (column - 1) + 4),
        "the four CJK characters before it are two columns wide each: {stderr}"
    );
    // A query given to update, and an update given to query, are pointed to the other.
    zhitu_in(dir.path())
        .args(["update", "ASK {}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use `zhitu query`"));
}

#[test]
fn an_update_that_would_wipe_the_store_metadata_changes_nothing() {
    let dir = extracted_shared();
    let count = || {
        let out = zhitu_in(dir.path())
            .args([
                "query",
                "--format",
                "csv",
                "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
            ])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let before = count();
    for update in [
        "CLEAR ALL",
        "DROP ALL",
        "DELETE WHERE { GRAPH ?g { ?s zt:writtenBy ?o } }",
    ] {
        zhitu_in(dir.path())
            .args(["update", update])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("metadata graph"))
            .stderr(predicate::str::contains("nothing was changed"));
        assert_eq!(count(), before, "{update} changed the store");
    }
    // Clearing the documents' graphs by name is allowed; the store still opens afterwards.
    zhitu_in(dir.path())
        .args(["update", "CLEAR NAMED"])
        .assert()
        .code(2);
    zhitu_in(dir.path())
        .args([
            "update",
            "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } \
             FILTER(STRSTARTS(STR(?g), \"https://w3id.org/zhitu/doc/\")) }",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("removed"));
    zhitu_in(dir.path()).arg("stats").assert().success();
}

/// Each graph's quad count, and the sorted N-Quads of the whole store. The store is opened
/// for writing, as the next `extract` opens it.
fn snapshot(store: &Path) -> (BTreeMap<String, usize>, Vec<String>) {
    let s = KnowledgeStore::open(store).unwrap();
    let mut graphs = BTreeMap::new();
    for q in s.inner().iter() {
        let q = q.unwrap();
        *graphs.entry(q.graph_name.to_string()).or_insert(0) += 1;
    }
    let mut dump = Vec::new();
    s.inner()
        .dump_to_writer(RdfFormat::NQuads, &mut dump)
        .unwrap();
    let mut lines: Vec<String> = String::from_utf8(dump)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    (graphs, lines)
}

#[test]
fn a_killed_extract_leaves_whole_documents_and_a_rerun_completes_the_store() {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("gen"), 200);
    let args = |store: &str| {
        [
            "extract",
            "gen",
            "-q",
            "--jobs",
            "1",
            "--batch-size",
            "8",
            "--out",
            "out",
            "--store",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([store.to_string()])
        .collect::<Vec<String>>()
    };
    let run = |store: &str| {
        zhitu_in(dir.path()).args(args(store)).assert().success();
    };

    // The clean run: what each document graph holds, and the whole store.
    let started = Instant::now();
    run("clean");
    let clean_time = started.elapsed();
    let (clean_graphs, clean_dump) = snapshot(&dir.path().join("clean"));
    assert_eq!(
        clean_graphs
            .keys()
            .filter(|g| g.starts_with(&format!("<{DOC}")))
            .count(),
        200
    );

    // Kill runs into another store at points spread over a run's length; each picks up
    // where the last was killed.
    let killed = dir.path().join("killed");
    let sha256 = NamedNode::new(format!("{ZT}sha256")).unwrap();
    // Later runs skip what earlier ones stored, so the points lie early in a run.
    for fraction in [0.03, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4] {
        let args = args("killed");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = Reaper(spawn_in(dir.path(), &args));
        std::thread::sleep(clean_time.mul_f64(fraction));
        let _ = child.0.kill(); // SIGKILL
        let _ = child.0.wait();
        drop(child);
        if !killed.join("CURRENT").exists() {
            continue; // killed before the store was created
        }
        let (graphs, _) = snapshot(&killed);
        let s = KnowledgeStore::open(&killed).unwrap();
        let mut documents = 0;
        for (g, n) in &graphs {
            let expected = clean_graphs
                .get(g)
                .unwrap_or_else(|| panic!("{g} is not in a clean run's store"));
            assert_eq!(n, expected, "graph {g} is incomplete after a kill");
            if let Some(iri) = g
                .strip_prefix('<')
                .and_then(|g| g.strip_suffix('>'))
                .filter(|g| g.starts_with(DOC))
            {
                let d = NamedNode::new(iri).unwrap();
                let hash = s
                    .inner()
                    .quads_for_pattern(
                        Some(d.as_ref().into()),
                        Some(sha256.as_ref()),
                        None,
                        Some(GraphNameRef::NamedNode(d.as_ref())),
                    )
                    .next();
                assert!(
                    matches!(hash, Some(Ok(q)) if matches!(q.object, Term::Literal(_))),
                    "{g} has no zt:sha256"
                );
                documents += 1;
            }
        }
        eprintln!(
            "killed after {:.2} s: {documents} of 200 documents stored, each complete",
            clean_time.mul_f64(fraction).as_secs_f64()
        );
    }

    // The rerun (no --force) completes the work: the same store as the clean run.
    run("killed");
    let (_, dump) = snapshot(&killed);
    assert_eq!(dump.len(), clean_dump.len());
    assert!(
        dump == clean_dump,
        "the rerun's store differs from a clean run's"
    );
}

/// The knowledge graph's triples, and the knowledge triples the documents' graphs state.
fn knowledge_and_documents(store: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let s = KnowledgeStore::open_read_only(store).unwrap();
    let kg = zhitu::rdf::knowledge_graph();
    let (mut merged, mut stated) = (BTreeSet::new(), BTreeSet::new());
    for q in s.inner().iter() {
        let q = q.unwrap();
        let triple = format!("{} {} {}", q.subject, q.predicate, q.object);
        if q.graph_name.as_ref() == kg.into() {
            merged.insert(triple);
        } else if zhitu::rdf::is_knowledge(q.as_ref()) {
            stated.insert(triple);
        }
    }
    (merged, stated)
}

#[test]
fn the_knowledge_graph_holds_each_fact_once_and_follows_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), SHARED).unwrap();
    std::fs::write(dir.path().join("b.txt"), OTHER).unwrap();
    let store = dir.path().join("output/store");
    let run = |args: &[&str]| {
        zhitu_in(dir.path()).args(args).assert().success();
        let (merged, stated) = knowledge_and_documents(&store);
        assert_eq!(merged, stated, "after {args:?}");
        merged
    };
    let tsinghua = "<https://w3id.org/zhitu/id/Institution/清华大学> \
                    <http://www.w3.org/2004/02/skos/core#prefLabel> \"清华大学\"@zh";
    let pku = "<https://w3id.org/zhitu/id/Institution/北京大学> \
               <http://www.w3.org/2004/02/skos/core#prefLabel> \"北京大学\"@zh";
    let both = run(&["extract", "a.txt", "b.txt", "-q"]);
    assert!(both.contains(tsinghua) && both.contains(pku), "{both:#?}");
    // Stated by both documents, held once.
    let copies = zhitu_in(dir.path())
        .args(["query", "--format", "csv"])
        .arg(r#"SELECT ?g WHERE { GRAPH ?g { ?e skos:prefLabel "清华大学"@zh } }"#)
        .output()
        .unwrap();
    let listed = String::from_utf8(copies.stdout).unwrap();
    assert_eq!(listed.matches("zhitu/knowledge").count(), 1, "{listed}");
    assert_eq!(
        listed.lines().count(),
        1 + 3,
        "a.txt, b.txt, the knowledge graph: {listed}"
    );

    // a.txt re-extracted without 北京大学: the fact leaves; 清华大学 stays (b.txt).
    std::fs::write(
        dir.path().join("a.txt"),
        "中关村科技园区海淀园依托清华大学建设平台。",
    )
    .unwrap();
    let changed = run(&["extract", "a.txt", "-q"]);
    assert!(
        changed.contains(tsinghua) && !changed.contains(pku),
        "{changed:#?}"
    );
    // Removed: what only a.txt said goes; what b.txt says stays.
    let after = run(&["remove", "a.txt"]);
    assert!(after.contains(tsinghua), "{after:#?}");
    assert!(
        !after.iter().any(|t| t.contains("中关村科技园区海淀园")),
        "{after:#?}"
    );
    // An update that changes what a document says: the knowledge graph follows.
    zhitu_in(dir.path())
        .arg("update")
        .arg(r#"DELETE { GRAPH ?g { ?e skos:prefLabel "清华大学"@zh } } WHERE { GRAPH ?g { ?e skos:prefLabel "清华大学"@zh } FILTER(?g != zg:knowledge) }"#)
        .assert()
        .success()
        .stdout(predicate::str::contains("knowledge graph zg:knowledge follows the documents: 0 added, 1 removed"));
    let (merged, stated) = knowledge_and_documents(&store);
    assert_eq!(merged, stated);
    assert!(!merged.contains(tsinghua));
    // Nothing stated, nothing held.
    let none = run(&["remove", "b.txt"]);
    assert!(none.is_empty(), "{none:#?}");
}

#[test]
fn a_document_whose_content_hash_was_deleted_is_still_replaced_whole() {
    // `extract` rewrites a document the store holds no content hash for. Its graph may be
    // there all the same (an update took the hash out): the old graph is cleared first.
    let dir = extracted_shared();
    let store = dir.path().join("output/store");
    zhitu_in(dir.path())
        .arg("update")
        .arg("DELETE WHERE { GRAPH ?g { ?d zt:sha256 ?h } }")
        .assert()
        .success();
    std::fs::write(dir.path().join("a.txt"), OTHER).unwrap();
    zhitu_in(dir.path())
        .args(["extract", "a.txt", "-q"])
        .assert()
        .success();
    let s = KnowledgeStore::open_read_only(&store).unwrap();
    assert!(has_label(&s, "清华大学"));
    assert!(!has_label(&s, "北京大学"), "the old a.txt's entity stayed");
    drop(s);
    let (merged, stated) = knowledge_and_documents(&store);
    assert_eq!(merged, stated);
}

#[test]
fn files_of_a_load_a_crash_left_uncommitted_go_when_a_writer_opens_the_store() {
    let dir = extracted_shared();
    let store = dir.path().join("output/store");
    // What the bulk loader leaves in the store's folder when killed before its commit: the
    // sorted runs of its batches, and the files a commit was merging them into.
    let left = [
        "bulk-12345678901234567890.run",
        "bulk-12345678901234567891.sst",
    ]
    .map(|name| store.join(name));
    for file in &left {
        std::fs::write(file, b"sorted quads of a load that was never committed").unwrap();
    }
    zhitu_in(dir.path())
        .args(["query", "ASK {}"])
        .assert()
        .success();
    assert!(
        left.iter().all(|f| f.exists()),
        "a reader leaves them: a writer may be loading"
    );
    zhitu_in(dir.path())
        .args(["extract", "a.txt", "-q"])
        .assert()
        .success();
    assert!(
        left.iter().all(|f| !f.exists()),
        "the next writer deletes them"
    );
    assert!(has_label(
        &KnowledgeStore::open_read_only(&store).unwrap(),
        "清华大学"
    ));
}

#[test]
fn a_bulk_load_merges_its_batches_keeping_each_quad_once() {
    // The vendored loader sorts each batch into a run and merges the runs at commit: a quad
    // or a string in one batch twice, in several batches, or already stored, must come out
    // once. With one thread, each batch is sorted in the buffers the batch before it left
    // (emptied).
    for threads in [1, 4] {
        bulk_load_merges_batches(threads);
    }
}

#[test]
fn a_large_bulk_load_batch_is_sorted_for_every_index() {
    // A batch of more than 65,536 keys per index is sorted by buckets of its keys' first
    // differing bits before each bucket is sorted: every index must still come out in order
    // (RocksDB refuses a file whose keys are not ascending) and whole.
    use oxigraph::model::{Literal, Quad, QuadRef};
    let dir = tempfile::tempdir().unwrap();
    let store = KnowledgeStore::open(&dir.path().join("store")).unwrap();
    let iri = |s: String| NamedNode::new_unchecked(format!("http://example.org/{s}"));
    // Subjects, predicates, objects and graphs repeat at different rates, so that every
    // index has long runs of equal first terms as well as spread ones.
    let quads: Vec<Quad> = (0..70_000usize)
        .map(|i| {
            Quad::new(
                iri(format!("s{}", i / 3)),
                iri(format!("p{}", i % 5)),
                Literal::new_simple_literal(format!("{}", i % 1_000)),
                iri(format!("g{}", i % 11)),
            )
        })
        .collect();
    let mut loader = store.inner().bulk_loader();
    loader.load_quads(quads.iter().cloned()).unwrap();
    loader.commit().unwrap();
    let inner = store.inner();
    assert_eq!(store.len().unwrap(), 70_000);
    // Each pattern is answered from another index.
    let count = |s: Option<&NamedNode>,
                 p: Option<&NamedNode>,
                 o: Option<&Literal>,
                 g: Option<&NamedNode>| {
        inner
            .quads_for_pattern(
                s.map(Into::into),
                p.map(Into::into),
                o.map(Into::into),
                g.map(Into::into),
            )
            .count()
    };
    assert_eq!(count(Some(&iri("s10".into())), None, None, None), 3);
    assert_eq!(count(None, Some(&iri("p3".into())), None, None), 14_000);
    assert_eq!(
        count(None, None, Some(&Literal::new_simple_literal("7")), None),
        70
    );
    assert_eq!(count(None, None, None, Some(&iri("g4".into()))), 6_364);
    for q in quads.iter().step_by(997) {
        assert!(inner.contains(QuadRef::from(q)).unwrap());
    }
}

fn bulk_load_merges_batches(threads: usize) {
    use oxigraph::model::{Literal, Quad};
    let dir = tempfile::tempdir().unwrap();
    let store = KnowledgeStore::open(&dir.path().join("store")).unwrap();
    let quad = |g: usize, s: usize, o: &str| {
        Quad::new(
            NamedNode::new_unchecked(format!("http://example.org/s{s}")),
            NamedNode::new_unchecked("http://example.org/p"),
            Literal::new_simple_literal(o),
            NamedNode::new_unchecked(format!("http://example.org/g{g}")),
        )
    };
    let long = "一段比十六个字节长得多的文字，它的字符串单独存放";
    let batch = |from: usize, to: usize| -> Vec<Quad> {
        (from..to)
            .flat_map(|i| [quad(i % 7, i, "短"), quad(i % 7, i, &format!("{long}{i}"))])
            .collect()
    };
    let mut loader = store.inner().bulk_loader().with_num_threads(threads);
    for (from, to) in [(0, 300), (200, 500), (0, 100)] {
        // Each batch repeats some of its own quads too.
        let repeated = batch(from, from + 50);
        loader
            .load_quads(batch(from, to).into_iter().chain(repeated))
            .unwrap();
    }
    loader.commit().unwrap();
    assert_eq!(store.len().unwrap(), 1000);
    // A second load over stored quads adds only the new ones.
    let mut loader = store.inner().bulk_loader();
    loader.load_quads(batch(450, 600)).unwrap();
    loader.commit().unwrap();
    assert_eq!(store.len().unwrap(), 1200);
    let inner = store.inner();
    for i in [0, 299, 300, 599] {
        assert!(inner
            .contains(&quad(i % 7, i, &format!("{long}{i}")))
            .unwrap());
    }
    assert!(!inner.contains(&quad(0, 600, "短")).unwrap());
    let graphs = inner.named_graphs().count();
    assert_eq!(graphs, 7);
}
