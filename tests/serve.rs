//! `zhitu serve` over real HTTP on loopback: every result format, the protocol's ways of
//! sending a query, graphs named by the request, errors (400, 403, 406, 413, 415, 503),
//! CORS, concurrent readers, a failed bind — and the official Oxigraph server reading a
//! store zhitu wrote.

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{zhitu, zhitu_in};
use oxigraph::io::{RdfFormat, RdfParser};
use predicates::prelude::*;
use servers::{get, json_value, post, request, sample_store, Official, Resp, Zhitu};

const PLATFORMS: &str =
    "SELECT ?name WHERE { ?p a zt:Platform ; skos:prefLabel ?name } ORDER BY ?name";
const CONSTRUCT: &str = "CONSTRUCT { ?a zt:reliesOn ?b } WHERE { ?a zt:reliesOn ?b }";

/// What `zhitu query` prints for `q` in `format`.
fn zhitu_query(q: &str, format: &str) -> String {
    let out = zhitu()
        .args(["query", "--format", format, "--store"])
        .arg(sample_store())
        .arg(q)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ask(server: &Zhitu, q: &str, accept: &str) -> (u16, String, String) {
    get(&server.url("/sparql"))
        .query("query", q)
        .header("Accept", accept)
        .send()
        .parts()
}

fn triples(body: &str, format: RdfFormat) -> BTreeSet<String> {
    RdfParser::from_format(format)
        .for_slice(body.as_bytes())
        .map(|q| q.unwrap_or_else(|e| panic!("{e}: {body}")).to_string())
        .collect()
}

#[test]
fn every_result_format_gives_the_answer_of_zhitu_query() {
    let server = Zhitu::start(sample_store(), &[]);
    let csv = zhitu_query(PLATFORMS, "csv");
    let names: Vec<&str> = csv.lines().skip(1).collect();
    assert!(
        names.len() >= 3,
        "the sample documents name platforms: {csv}"
    );

    // SPARQL results: the same rows in JSON, XML, CSV and TSV.
    let (status, ct, body) = ask(&server, PLATFORMS, "application/sparql-results+json");
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/sparql-results+json")
    );
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let from_json: Vec<&str> = json["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(from_json, names);

    let (status, ct, body) = ask(&server, PLATFORMS, "text/csv");
    assert_eq!((status, ct.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(
        body, csv,
        "CSV over HTTP is byte for byte what zhitu query prints"
    );

    let (status, ct, body) = ask(&server, PLATFORMS, "text/tab-separated-values");
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/tab-separated-values"), "{ct}");
    assert_eq!(body, zhitu_query(PLATFORMS, "tsv"));

    let (status, ct, body) = ask(&server, PLATFORMS, "application/sparql-results+xml");
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/sparql-results+xml")
    );
    assert_eq!(body, zhitu_query(PLATFORMS, "xml"));
    for name in &names {
        assert!(body.contains(&format!("<literal xml:lang=\"zh\">{name}</literal>")));
    }

    // ASK.
    let (status, _, body) = ask(&server, "ASK { ?p a zt:Platform }", "application/json");
    assert_eq!(status, 200);
    assert!(body.contains("\"boolean\":true"), "{body}");

    // CONSTRUCT: Turtle, N-Triples, JSON-LD, RDF/XML hold the same triples as zhitu query.
    let expected = triples(&zhitu_query(CONSTRUCT, "ntriples"), RdfFormat::NTriples);
    assert!(!expected.is_empty());
    for (accept, format) in [
        ("text/turtle", RdfFormat::Turtle),
        ("application/n-triples", RdfFormat::NTriples),
        (
            "application/ld+json",
            RdfFormat::JsonLd {
                profile: Default::default(),
            },
        ),
        ("application/rdf+xml", RdfFormat::RdfXml),
    ] {
        let (status, ct, body) = ask(&server, CONSTRUCT, accept);
        assert_eq!(status, 200, "{accept}: {body}");
        assert!(ct.starts_with(accept), "{accept} answered as {ct}");
        assert_eq!(triples(&body, format), expected, "{accept}");
    }
    // No Accept at all: JSON for results, Turtle for graphs; a browser's Accept too.
    let (_, ct, _) = Resp::parts(get(&server.url("/sparql")).query("query", PLATFORMS).send());
    assert_eq!(ct, "application/sparql-results+json");
    let (_, ct, _) = ask(
        &server,
        CONSTRUCT,
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    );
    assert!(ct.starts_with("application/rdf+xml"), "{ct}");
    // A format by name, for URLs typed by hand.
    let (_, ct, body) = Resp::parts(
        get(&server.url("/sparql"))
            .query("query", PLATFORMS)
            .query("format", "csv")
            .send(),
    );
    assert!(ct.starts_with("text/csv"));
    assert_eq!(body, csv);
    // Nothing acceptable: 406, naming what is.
    let (status, _, body) = ask(&server, PLATFORMS, "image/png");
    assert_eq!(status, 406);
    assert!(body.contains("text/csv"), "{body}");
}

#[test]
fn queries_by_get_form_post_and_direct_post_agree() {
    let server = Zhitu::start(sample_store(), &[]);
    let q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }";
    let by_get = json_value(&ask(&server, q, "application/json").2, "n");
    let by_form = Resp::parts(
        post(&server.url("/sparql"))
            .header("Accept", "application/sparql-results+json")
            .form(&[("query", q)])
            .send(),
    );
    assert_eq!(by_form.0, 200);
    assert_eq!(json_value(&by_form.2, "n"), by_get);
    let direct = Resp::parts(
        post(&server.url("/query"))
            .header("Content-Type", "application/sparql-query; charset=utf-8")
            .body(q)
            .send(),
    );
    assert_eq!(direct.0, 200);
    assert_eq!(json_value(&direct.2, "n"), by_get);
    // The default graph is the union of all graphs, as in zhitu query.
    let local = zhitu_query(q, "csv");
    assert_eq!(local.lines().nth(1).unwrap(), by_get);
}

#[test]
fn default_graph_uri_and_named_graph_uri_choose_the_dataset() {
    let server = Zhitu::start(sample_store(), &[]);
    let doc = zhitu::rdf::document_iri("input/hefei-enterprise-news.txt");
    let in_graph = zhitu_query(
        &format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}"),
        "csv",
    );
    let in_graph = in_graph.lines().nth(1).unwrap().to_owned();
    let all = zhitu_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "csv");
    assert_ne!(all.lines().nth(1).unwrap(), in_graph);

    let count = |extra: &[(&str, &str)], q: &str| {
        let mut r = get(&server.url("/sparql"))
            .query("query", q)
            .header("Accept", "application/json");
        for (k, v) in extra {
            r = r.query(k, v);
        }
        let (status, _, body) = r.send().parts();
        assert_eq!(status, 200, "{body}");
        json_value(&body, "n")
    };
    let q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }";
    assert_eq!(count(&[("default-graph-uri", &doc)], q), in_graph);
    let named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
    assert_eq!(count(&[("named-graph-uri", &doc)], named), in_graph);
    // A default graph that names no graph of the store is empty.
    assert_eq!(count(&[("default-graph-uri", "urn:nothing")], q), "0");
    // A graph IRI that is no IRI: 400.
    let (status, _, body) = Resp::parts(
        get(&server.url("/sparql"))
            .query("query", q)
            .query("default-graph-uri", "not an iri")
            .send(),
    );
    assert_eq!(status, 400, "{body}");
}

#[test]
fn a_malformed_query_gets_400_with_the_parsers_message() {
    let server = Zhitu::start(sample_store(), &[]);
    let (status, ct, body) = ask(
        &server,
        "SELECT ?name WHERE { ?p a zt:Platform ; skos:prefLabel ?name ",
        "application/json",
    );
    assert_eq!(status, 400);
    assert!(ct.starts_with("text/plain"));
    assert!(
        body.starts_with("SPARQL syntax error at line 1, column"),
        "{body}"
    );
    assert!(body.contains('^'), "a caret under the position: {body}");
    // An update sent as a query says where updates go.
    let (status, _, body) = ask(&server, "CLEAR ALL", "application/json");
    assert_eq!(status, 400);
    assert!(body.contains("/update"), "{body}");
}

#[test]
fn updates_need_writable_and_a_same_origin() {
    let server = Zhitu::start(sample_store(), &[]);
    let update = "INSERT DATA { GRAPH <urn:notes> { <urn:a> rdfs:comment \"x\" } }";
    for (path, ct) in [
        ("/update", "application/sparql-update"),
        ("/sparql", "application/sparql-update"),
    ] {
        let (status, _, body) = Resp::parts(
            post(&server.url(path))
                .header("Content-Type", ct)
                .body(update)
                .send(),
        );
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body.contains("read-only") && body.contains("--writable"),
            "{body}"
        );
    }
    let (status, _, _) = Resp::parts(
        post(&server.url("/update"))
            .form(&[("update", update)])
            .send(),
    );
    assert_eq!(status, 403);
    drop(server);

    // A writable server on a store of its own.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.txt"),
        "中关村科技园区海淀园依托北京大学和清华大学，推动北京协同创新研究院落地。",
    )
    .unwrap();
    zhitu_in(dir.path())
        .args(["extract", "a.txt", "-q"])
        .assert()
        .success();
    let store = dir.path().join("output/store");
    let server = Zhitu::start(&store, &["--writable"]);
    let (status, _, body) = Resp::parts(
        post(&server.url("/update"))
            .header("Content-Type", "application/sparql-update")
            .body(update)
            .send(),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("1 quads added"), "{body}");
    let (_, _, body) = ask(
        &server,
        "ASK { <urn:a> rdfs:comment \"x\" }",
        "application/json",
    );
    assert!(body.contains("true"), "{body}");
    // An update to what a document says: the knowledge graph follows it.
    let in_knowledge = "ASK { GRAPH zg:knowledge { ?e skos:prefLabel \"北京大学\"@zh } }";
    let (_, _, body) = ask(&server, in_knowledge, "application/json");
    assert!(body.contains("true"), "{body}");
    let (status, _, body) = Resp::parts(
        post(&server.url("/update"))
            .form(&[(
                "update",
                "DELETE { GRAPH ?g { ?e skos:prefLabel \"北京大学\"@zh } } \
                 WHERE { GRAPH ?g { ?e skos:prefLabel \"北京大学\"@zh } FILTER(?g != zg:knowledge) }",
            )])
            .send(),
    );
    assert_eq!(status, 200, "{body}");
    let (_, _, body) = ask(&server, in_knowledge, "application/json");
    assert!(body.contains("false"), "{body}");
    // A web page of another origin may not change the store.
    let (status, _, body) = Resp::parts(
        post(&server.url("/update"))
            .header("Origin", "http://evil.example")
            .form(&[("update", "CLEAR GRAPH <urn:notes>")])
            .send(),
    );
    assert_eq!(status, 403, "{body}");
    // An update that would change the store's metadata is refused (as by zhitu update).
    let (status, _, body) = Resp::parts(
        post(&server.url("/update"))
            .form(&[("update", "CLEAR ALL")])
            .send(),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("metadata"), "{body}");
}

#[test]
fn an_oversized_body_gets_413() {
    let server = Zhitu::start(sample_store(), &["--max-body", "1000"]);
    let big = format!("SELECT * WHERE {{ ?s ?p ?o }} # {}", "填".repeat(100_000));
    let (status, _, body) = Resp::parts(
        post(&server.url("/sparql"))
            .header("Content-Type", "application/sparql-query")
            .body(big.as_str())
            .send(),
    );
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("at most 1000"), "{body}");
    let form = Resp::parts(
        post(&server.url("/sparql"))
            .form(&[("query", big.as_str())])
            .send(),
    );
    assert_eq!(form.0, 413);
    // Under the limit it is answered.
    let (status, _, _) = Resp::parts(
        post(&server.url("/sparql"))
            .header("Content-Type", "application/sparql-query")
            .body("ASK {}")
            .send(),
    );
    assert_eq!(status, 200);
}

#[test]
fn a_query_past_the_timeout_is_stopped_with_503() {
    let server = Zhitu::start(sample_store(), &["--timeout", "0.5"]);
    // Every quad with every quad with every quad: billions of solutions.
    let slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let started = std::time::Instant::now();
    let (status, _, body) = ask(&server, slow, "application/json");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("timeout of 0.5 s"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the evaluation was cancelled, not run to its end"
    );
    // The server goes on answering.
    let (status, _, _) = ask(&server, "ASK {}", "application/json");
    assert_eq!(status, 200);
}

#[test]
fn an_answer_past_max_results_is_refused_not_cut() {
    let server = Zhitu::start(sample_store(), &["--max-results", "5"]);
    let (status, _, body) = ask(&server, "SELECT * WHERE { ?s ?p ?o }", "text/csv");
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("more than 5 rows") && body.contains("LIMIT"),
        "{body}"
    );
    let (status, _, body) = ask(&server, "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "text/csv");
    assert_eq!(status, 200);
    assert_eq!(body.lines().count(), 6);
}

#[test]
fn many_clients_query_at_once_while_another_reads() {
    let server = Zhitu::start(sample_store(), &[]);
    let q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }";
    let expected = json_value(&ask(&server, q, "application/json").2, "n");
    let everything = "CONSTRUCT WHERE { ?s ?p ?o }";
    let all_triples = ask(&server, everything, "application/n-triples").2;

    // One client holds a connection with half a request, another reads everything slowly.
    let mut stalled = TcpStream::connect(server.addr).unwrap();
    stalled
        .write_all(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let target = format!("/sparql?query={}", servers::encode(everything));
    let addr = server.addr;
    let slow_reader = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            format!(
                "GET {target} HTTP/1.1\r\nHost: x\r\nAccept: application/n-triples\r\n\
                 Connection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
            std::thread::sleep(Duration::from_millis(1));
        }
        Resp::parse(&raw).body
    });
    let answers: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    (0..10)
                        .map(|_| json_value(&ask(&server, q, "application/json").2, "n"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(answers.len(), 80);
    assert!(
        answers.iter().all(|a| *a == expected),
        "{answers:?} vs {expected}"
    );
    assert_eq!(slow_reader.join().unwrap(), all_triples);
    // The stalled client finishes its request and is answered too.
    stalled.write_all(b"Connection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stalled.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn cors_page_and_bad_requests() {
    let server = Zhitu::start(sample_store(), &["--verbose"]);
    // Preflight and the header on answers, for browser tools such as YASGUI.
    let r = request("OPTIONS", &server.url("/sparql"))
        .header("Origin", "https://yasgui.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send();
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    // (oxhttp 0.3 drops Access-Control-Allow-Methods from answers; GET and POST need none.)
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("content-type")
    );
    let r = get(&server.url("/sparql"))
        .query("query", "ASK {}")
        .header("Origin", "https://yasgui.example")
        .send();
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));

    // The page with a query box.
    let (status, ct, body) = Resp::parts(get(&server.url("/")).send());
    assert_eq!(status, 200);
    assert_eq!(ct, "text/html; charset=utf-8");
    assert!(body.contains("<textarea") && body.contains("sparql"));

    // Bad requests: clean statuses, no crash.
    let status = |r: Resp| r.status;
    assert_eq!(status(get(&server.url("/nowhere")).send()), 404);
    assert_eq!(status(get(&server.url("/sparql")).send()), 400);
    assert_eq!(
        status(get(&server.url("/sparql?query=%FF%FE%FD")).send()),
        400
    );
    assert_eq!(
        status(get(&server.url("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")).send()),
        400
    );
    assert_eq!(
        status(post(&server.url("/sparql")).body("ASK {}").send()),
        415
    );
    assert_eq!(
        status(
            post(&server.url("/sparql"))
                .header("Content-Type", "text/plain")
                .body("ASK {}")
                .send()
        ),
        415
    );
    assert_eq!(
        status(
            post(&server.url("/sparql"))
                .header("Content-Type", "application/sparql-query")
                .body(&b"ASK { \xff\xfe }"[..])
                .send()
        ),
        400
    );
    assert_eq!(
        status(request("DELETE", &server.url("/sparql")).send()),
        405
    );
    // Not HTTP at all.
    for garbage in [
        &b"\x00\x01\x02\xff\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /sparql?query=ASK HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
    ] {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(garbage).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{answer}"
        );
    }
    // Still serving, and the log has a line per request.
    let (status, _, _) = ask(&server, "ASK {}", "application/json");
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(200));
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("zhitu: GET /nowhere -> 404 Not Found"),
        "{log}"
    );
    assert!(
        log.contains("zhitu: GET /sparql -> 200 OK \"ASK {}\" -> true"),
        "{log}"
    );
}

#[test]
fn a_port_in_use_and_a_missing_store_are_clear_errors() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    zhitu()
        .args(["serve", "--bind", &addr, "--store"])
        .arg(sample_store())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(4)
        .stderr(predicate::str::contains(format!("cannot listen on {addr}")));
    let dir = tempfile::tempdir().unwrap();
    zhitu()
        .args(["serve", "--bind", "127.0.0.1:0", "--store"])
        .arg(dir.path().join("nowhere"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("nowhere").and(predicate::str::contains("no zhitu store")),
        );
    zhitu()
        .args(["serve", "--bind", "no-such-host.invalid:80", "--store"])
        .arg(sample_store())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "cannot listen on no-such-host.invalid:80",
        ));
}

/// A commit may merge hundreds of runs, each an open file: zhitu raises its soft limit on
/// open files towards the hard one (65,536 at most), whatever command it runs.
#[cfg(target_os = "linux")]
#[test]
fn zhitu_raises_its_soft_limit_on_open_files() {
    let limits = |pid: u32| -> (u64, Option<u64>) {
        let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let mut numbers = line["Max open files".len()..].split_whitespace();
        let soft = numbers.next().unwrap().parse().unwrap();
        (soft, numbers.next().unwrap().parse().ok()) // the hard limit: "unlimited" is None
    };
    // A shell lowers the soft limit to 256, then becomes zhitu.
    let mut shell = std::process::Command::new("sh");
    shell
        .args(["-c", "ulimit -Sn 256 && exec \"$0\" \"$@\""])
        .arg(assert_cmd::cargo::cargo_bin("zhitu"));
    let server = Zhitu::start_with(shell, sample_store(), &[]);
    let (soft, hard) = limits(server.pid());
    let wanted = hard.unwrap_or(u64::MAX).min(65_536);
    assert!(
        wanted > 256,
        "the hard limit ({hard:?}) leaves nothing to raise"
    );
    assert_eq!(soft, wanted, "soft limit {soft}, hard limit {hard:?}");
}

/// The store folder zhitu writes opens in the official Oxigraph server of the same version,
/// which answers as `zhitu query` does.
#[test]
fn the_official_oxigraph_server_reads_a_zhitu_store() {
    let Some(binary) = servers::official_binary("the_official_oxigraph_server_reads_a_zhitu_store")
    else {
        return;
    };
    let official = Official::start(
        &binary,
        &["serve-read-only", "--union-default-graph"],
        sample_store(),
    );
    let prefixes = "PREFIX zt: <https://w3id.org/zhitu/ontology#>\n\
                    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n";
    for q in [
        PLATFORMS,
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "SELECT ?a ?b WHERE { ?a zt:reliesOn ?b } ORDER BY ?a ?b",
    ] {
        let (status, _, body) = Resp::parts(
            get(&official.url("/query"))
                .query("query", &format!("{prefixes}{q}"))
                .header("Accept", "text/csv")
                .send(),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, zhitu_query(q, "csv"), "{q}");
    }
}
