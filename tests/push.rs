//! Feeding other stores: `--push` into the official Oxigraph server (twice: the same counts),
//! retries, authentication and refusals against a scripted server, and `export --shard`.

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{zhitu, zhitu_in};
use oxigraph::io::{RdfFormat, RdfParser};
use predicates::prelude::*;
use servers::{get, json_value, sample_store, Official};
use zhitu::ontology::META_GRAPH;

/// Quads per graph of a SPARQL endpoint (`/query` of the official server).
fn remote_counts(url: &str) -> BTreeMap<String, String> {
    let (status, _, body) = get(url)
        .query(
            "query",
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        )
        .header("Accept", "application/sparql-results+json")
        .send()
        .parts();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["g"]["value"].as_str().unwrap().to_owned(),
                b["n"]["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The same, from the local store through `zhitu query`, without the metadata graph.
fn local_counts(store: &Path) -> BTreeMap<String, String> {
    let out = zhitu()
        .args(["query", "--format", "tsv", "--store"])
        .arg(store)
        .arg("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let (g, n) = l.split_once('\t').unwrap();
            let g = g.trim_start_matches('<').trim_end_matches('>').to_owned();
            let n = n.split('^').next().unwrap().trim_matches('"').to_owned();
            (g, n)
        })
        .filter(|(g, _)| g != META_GRAPH)
        .collect()
}

const RELIES_ON: &str =
    "SELECT ?a ?b WHERE { ?a <https://w3id.org/zhitu/ontology#reliesOn> ?b } ORDER BY ?a ?b";

#[test]
fn push_into_the_official_server_twice_gives_the_same_counts() {
    let Some(binary) = servers::official_binary("push_into_the_official_server_twice") else {
        return;
    };
    let remote = tempfile::tempdir().unwrap();
    let official = Official::start(
        &binary,
        &["serve", "--union-default-graph"],
        &remote.path().join("store"),
    );
    let store_url = official.url("/store");
    let local = local_counts(sample_store());
    assert!(
        local.len() >= 5,
        "three documents, the ontology and the knowledge graph: {local:?}"
    );

    for round in 0..2 {
        zhitu()
            .args(["push", &store_url, "--store"])
            .arg(sample_store())
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "pushed      {} graphs",
                local.len()
            )));
        assert_eq!(
            remote_counts(&official.url("/query")),
            local,
            "round {round}: every graph arrived whole, once"
        );
    }
    // A query over the union agrees with zhitu query.
    let (_, _, remote_csv) = get(&official.url("/query"))
        .query("query", RELIES_ON)
        .header("Accept", "text/csv")
        .send()
        .parts();
    let local_csv = zhitu()
        .args(["query", "--format", "csv", "--store"])
        .arg(sample_store())
        .arg(RELIES_ON)
        .output()
        .unwrap()
        .stdout;
    assert_eq!(remote_csv, String::from_utf8(local_csv).unwrap());

    // extract --push: the documents of that run (and the ontology), into the same server.
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("新.txt"),
        "合肥高新区管委会依托清华大学建设合肥量子研究院。",
    )
    .unwrap();
    for _ in 0..2 {
        zhitu_in(work.path())
            .args(["extract", "新.txt", "--push", &store_url])
            .assert()
            .success()
            .stdout(predicate::str::contains("pushed      3 graphs"));
    }
    let after = remote_counts(&official.url("/query"));
    let new_doc = zhitu::rdf::document_iri("新.txt");
    let mine = local_counts(&work.path().join("output/store"));
    assert_eq!(after.get(&new_doc), mine.get(&new_doc));
    assert_eq!(after.len(), local.len() + 1);
}

/// A scripted HTTP server: answers the n-th request with `answers[n]` (the last one
/// repeated), and records each request's head.
fn scripted(answers: &[&'static str]) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/store", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let answers: Vec<&'static str> = answers.to_vec();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(head);
            let answer = answers[i.min(answers.len() - 1)];
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, seen)
}

const CREATED: &str = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
const UNAVAILABLE: &str = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy";
const UNAUTHORIZED: &str = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 9\r\n\r\nwho are you";

#[test]
fn push_retries_authenticates_and_names_what_failed() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("a.txt"),
        "合肥高新区管委会依托清华大学建设合肥量子研究院。",
    )
    .unwrap();
    zhitu_in(work.path())
        .args(["extract", "a.txt", "-q"])
        .assert()
        .success();

    // Two 503s, then success: retried, sent, with the bearer token from the environment.
    let (url, seen) = scripted(&[UNAVAILABLE, UNAVAILABLE, CREATED]);
    zhitu_in(work.path())
        .args(["push", &url, "a.txt"])
        .env("ZHITU_PUSH_TOKEN", "s3cret-token")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("pushed      3 graphs")
                .and(predicate::str::contains("2 requests retried"))
                .and(predicate::str::contains(
                    "bearer token from ZHITU_PUSH_TOKEN",
                ))
                .and(predicate::str::contains("s3cret").not()),
        );
    let heads = seen.lock().unwrap().clone();
    assert_eq!(
        heads.len(),
        5,
        "two retries, then a document, the ontology and the knowledge graph: {heads:?}"
    );
    for h in &heads {
        assert!(
            h.starts_with("PUT /store?graph=https%3A%2F%2Fw3id.org%2Fzhitu%2F")
                || h.starts_with("POST /store?graph=https%3A%2F%2Fw3id.org%2Fzhitu%2Fknowledge "),
            "{h}"
        );
        assert!(h.contains("Authorization: Bearer s3cret-token\r\n"), "{h}");
        assert!(h.contains("Content-Type: application/n-triples\r\n"), "{h}");
    }

    // Basic authentication; a refusal stops the push, names the graph, exits 5.
    let (url, seen) = scripted(&[UNAUTHORIZED]);
    zhitu_in(work.path())
        .args(["push", &url, "--connections", "1"])
        .env("ZHITU_PUSH_USER", "张三")
        .env("ZHITU_PUSH_PASSWORD", "pw")
        .assert()
        .code(5)
        .stdout(predicate::str::contains(
            "not pushed <https://w3id.org/zhitu/doc/a.txt>: HTTP 401",
        ))
        .stderr(predicate::str::contains("graphs were not pushed"));
    let heads = seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "stopped at the first refusal: {heads:?}");
    assert!(
        heads[0].contains("Authorization: Basic 5byg5LiJOnB3\r\n"),
        "{}",
        heads[0]
    );

    // Nobody listening: retried, then reported (exit 5), quickly enough.
    let port = servers::free_port();
    zhitu_in(work.path())
        .args(["push", &format!("http://127.0.0.1:{port}/store")])
        .assert()
        .code(5)
        .stdout(predicate::str::contains("after 5 tries"));

    // Credentials never on the command line; https and --no-store refused before any work.
    zhitu_in(work.path())
        .args(["push", "http://user:pw@localhost:7878/store"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ZHITU_PUSH_USER"));
    zhitu_in(work.path())
        .args([
            "extract",
            "a.txt",
            "--no-store",
            "--push",
            "http://localhost:1/store",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("drop --no-store"));
    zhitu_in(work.path())
        .args(["push", "http://localhost:7878/store", "missing.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no document missing.txt"));
}

fn parse_nquads(path: &Path) -> Vec<oxigraph::model::Quad> {
    let bytes = std::fs::read(path).unwrap();
    RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(&bytes)
        .map(|q| q.unwrap())
        .collect()
}

#[test]
fn shards_hold_every_graph_whole_once() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("shards");
    zhitu()
        .args(["export", "--format", "nquads", "--shard", "3", "-o"])
        .arg(&dir)
        .arg("--store")
        .arg(sample_store())
        .assert()
        .success()
        .stderr(predicate::str::contains("in 3 N-Quads files"));
    let whole = out.path().join("all.nq");
    zhitu()
        .args(["export", "--format", "nquads", "-o"])
        .arg(&whole)
        .arg("--store")
        .arg(sample_store())
        .assert()
        .success();
    let expected: BTreeSet<String> = parse_nquads(&whole).iter().map(|q| q.to_string()).collect();

    let mut all = BTreeSet::new();
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    let mut sizes = Vec::new();
    for i in 0..3 {
        let quads = parse_nquads(&dir.join(format!("part-00{i}.nq")));
        sizes.push(quads.len());
        for q in quads {
            let g = q.graph_name.to_string();
            let first = *owner.entry(g.clone()).or_insert(i);
            assert_eq!(first, i, "graph {g} is split across shards");
            all.insert(q.to_string());
        }
    }
    assert_eq!(all, expected, "the shards hold the store, each quad once");
    assert_eq!(sizes.iter().sum::<usize>(), expected.len());
    assert!(sizes.iter().all(|&n| n > 0), "balanced: {sizes:?}");

    // The same store gives the same bytes; fewer shards remove the extra old one.
    let before = std::fs::read(dir.join("part-001.nq")).unwrap();
    zhitu()
        .args(["export", "--shard", "3", "-o"])
        .arg(&dir)
        .arg("--store")
        .arg(sample_store())
        .assert()
        .success();
    assert_eq!(std::fs::read(dir.join("part-001.nq")).unwrap(), before);
    zhitu()
        .args(["export", "--format", "nquads", "--shard", "2", "-o"])
        .arg(&dir)
        .arg("--store")
        .arg(sample_store())
        .assert()
        .success()
        .stderr(predicate::str::contains("removed"));
    assert!(!dir.join("part-002.nq").exists());

    // Only N-Quads, only to a folder.
    zhitu()
        .args(["export", "--format", "turtle", "--shard", "2", "-o"])
        .arg(&dir)
        .arg("--store")
        .arg(sample_store())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give --format nquads"));
    zhitu()
        .args(["export", "--format", "nquads", "--shard", "2", "--store"])
        .arg(sample_store())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-o DIR"));
    let _ = json_value; // shared helper, used by tests/serve.rs
}
