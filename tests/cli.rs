//! The command line over the sample documents in `input/`: extraction, the store, queries,
//! and the errors a user meets. Every test runs in its own temporary folder.

mod common;

#[allow(unused_imports)]
use common::{repo, zhitu, zhitu_in};
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;

/// Extracts the sample documents into a fresh folder; returns it and graph.json.
fn extract_samples() -> (tempfile::TempDir, Value) {
    let out = tempfile::tempdir().unwrap();
    zhitu()
        .args(["extract", "input/", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let json = std::fs::read_to_string(out.path().join("graph.json")).unwrap();
    (out, serde_json::from_str(&json).unwrap())
}

fn entity<'a>(g: &'a Value, name: &str) -> &'a Value {
    g["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no entity {name}"))
}

fn relation<'a>(g: &'a Value, s: &str, p: &str, o: &str) -> Option<&'a Value> {
    let (s, o) = (&entity(g, s)["id"], &entity(g, o)["id"]);
    g["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| &r["subject"] == s && r["predicate"] == p && &r["object"] == o)
}

fn query_csv(store: &Path, q: &str) -> String {
    let out = zhitu()
        .args(["query", "--format", "csv", "--store"])
        .arg(store)
        .arg(q)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn extract_finds_a_platform_with_its_founders_and_evidence() {
    let (_out, g) = extract_samples();
    let platform = entity(&g, "上海张江国际脑科学研究院");
    assert_eq!(platform["type"], "Platform");
    let r = relation(
        &g,
        "上海张江国际脑科学研究院",
        "establishedBy",
        "上海市科委",
    )
    .expect("founded by the commission");
    let ev = &r["evidence"][0];
    assert_eq!(ev["document"], "input/zhangjiang-science-city-report.txt");
    assert!(ev["text"]
        .as_str()
        .unwrap()
        .contains("联合上海市科学技术委员会推动"));
    // The actor-less sentence also credits the document's main subject, marked implicit.
    let implicit = relation(
        &g,
        "上海张江国际脑科学研究院",
        "establishedBy",
        "张江科学城",
    )
    .expect("and by the science city");
    assert_eq!(implicit["implicit"], true);
    // A defined short name is an alias of the entity, not an entity of its own.
    assert!(entity(&g, "张江科学城")["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "科学城"));
    assert!(g["entities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["name"] != "科学城"));
}

#[test]
fn every_offset_quotes_the_original_text() {
    let (_out, g) = extract_samples();
    for e in g["entities"].as_array().unwrap() {
        for m in e["mentions"].as_array().unwrap() {
            let text =
                std::fs::read_to_string(repo().join(m["document"].as_str().unwrap())).unwrap();
            let chars: Vec<char> = text.chars().collect();
            let (a, b) = (
                m["start"].as_u64().unwrap() as usize,
                m["end"].as_u64().unwrap() as usize,
            );
            let slice: String = chars[a..b].iter().collect();
            assert_eq!(
                slice,
                m["text"].as_str().unwrap(),
                "mention of {}",
                e["name"]
            );
        }
    }
    for r in g["relations"].as_array().unwrap() {
        for ev in r["evidence"].as_array().unwrap() {
            let text =
                std::fs::read_to_string(repo().join(ev["document"].as_str().unwrap())).unwrap();
            let chars: Vec<char> = text.chars().collect();
            let (a, b) = (
                ev["start"].as_u64().unwrap() as usize,
                ev["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                chars[a..b].iter().collect::<String>(),
                ev["text"].as_str().unwrap()
            );
        }
    }
}

#[test]
fn sparql_entity_count_matches_graph_json() {
    let (out, g) = extract_samples();
    let csv = query_csv(
        &out.path().join("store"),
        "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { VALUES ?t { zt:Institution zt:GovernmentAgency zt:Enterprise \
         zt:Platform zt:Fund zt:Policy zt:Region zt:Industry } ?e a ?t }",
    );
    let n: usize = csv.lines().nth(1).unwrap().trim().parse().unwrap();
    assert_eq!(n, g["entities"].as_array().unwrap().len());
}

#[test]
fn sparql_answers_which_platforms_rely_on_a_university_and_why() {
    let (out, _g) = extract_samples();
    let csv = query_csv(
        &out.path().join("store"),
        r#"SELECT ?who ?file ?sentence WHERE {
             ?st rdf:subject ?s ; rdf:predicate zt:reliesOn ; rdf:object ?u ; zt:evidence ?ev .
             ?u skos:prefLabel "复旦大学"@zh . ?s skos:prefLabel ?who .
             ?ev zt:text ?sentence ; zt:inDocument/zt:path ?file }"#,
    );
    assert!(csv.contains("张江科学城"), "{csv}");
    assert!(
        csv.contains("input/zhangjiang-science-city-report.txt"),
        "{csv}"
    );
    assert!(csv.contains("依托复旦大学"), "{csv}");
}

#[test]
fn re_extracting_replaces_instead_of_duplicating() {
    let (out, _g) = extract_samples();
    let count = || {
        query_csv(
            &out.path().join("store"),
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        )
    };
    let before = count();
    zhitu()
        .args(["extract", "input/", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("0 documents written, 3 unchanged"));
    zhitu()
        .args(["extract", "input/", "--force", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("3 documents written"));
    assert_eq!(count(), before);
}

#[test]
fn the_same_input_gives_the_same_graph_json() {
    let (_a, g1) = extract_samples();
    let (_b, g2) = extract_samples();
    assert_eq!(g1, g2);
    let out = tempfile::tempdir().unwrap();
    zhitu()
        .args(["extract", "input/", "--no-store", "--jobs", "1", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let g3: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("graph.json")).unwrap())
            .unwrap();
    assert_eq!(g1, g3);
    assert!(!out.path().join("store").exists());
}

#[test]
fn query_prints_a_table_json_and_refuses_updates() {
    let (out, _g) = extract_samples();
    let store = out.path().join("store");
    zhitu()
        .args(["query", "--store"])
        .arg(&store)
        .arg(
            "SELECT ?name WHERE { ?p a zt:Platform ; skos:prefLabel ?name } ORDER BY ?name LIMIT 2",
        )
        .assert()
        .success()
        .stdout(predicate::str::contains("name").and(predicate::str::contains("(2 rows)")));
    zhitu()
        .args(["query", "--format", "json", "--store"])
        .arg(&store)
        .arg("ASK { ?s zt:locatedIn ?o }")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"boolean\":true"));
    zhitu()
        .args(["query", "--store"])
        .arg(&store)
        .arg("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("zhitu update"));
    zhitu()
        .args(["query", "--store"])
        .arg(&store)
        .arg("SELECT ?x WHERE { ?x zt:partOf }")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SPARQL syntax error"));
}

#[test]
fn a_missing_store_and_a_missing_input_are_named() {
    let dir = tempfile::tempdir().unwrap();
    zhitu()
        .args(["query", "--store"])
        .arg(dir.path().join("nope"))
        .arg("ASK {}")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no zhitu store here"));
    zhitu()
        .args(["extract", "no/such/folder", "--out"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such/folder: no such file or folder",
        ));
}

#[test]
fn bad_files_are_skipped_and_reported_while_good_ones_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        repo().join("input/hefei-enterprise-news.txt"),
        input.join("good.txt"),
    )
    .unwrap();
    let (gbk, _, _) = encoding_rs::GBK
        .encode("中关村科技园区海淀园依托北京大学和清华大学，推动北京协同创新研究院落地。");
    std::fs::write(input.join("gbk.txt"), &gbk).unwrap();
    std::fs::write(input.join("broken.txt"), b"\x81\x30\xff\xfe\xfd\x80\x80").unwrap();
    std::fs::write(input.join("fake.txt"), b"%PDF-1.4\n\x00\x01\x02binary").unwrap();
    std::fs::write(input.join("empty.txt"), b"").unwrap();
    let out = dir.path().join("out");
    zhitu()
        .arg("extract")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("documents   2 read, 3 skipped"))
        .stderr(
            predicate::str::contains("broken.txt: not valid UTF-8 at byte 0")
                .and(predicate::str::contains("fake.txt: looks like a PDF file"))
                .and(predicate::str::contains(
                    "empty.txt: an empty file (0 bytes)",
                )),
        );
    // The GBK document was decoded and extracted, and its encoding recorded.
    let g: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("graph.json")).unwrap()).unwrap();
    assert!(relation(&g, "中关村科技园区海淀园", "reliesOn", "清华大学").is_some());
    let doc = g["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"].as_str().unwrap().ends_with("gbk.txt"))
        .unwrap();
    assert_eq!(doc["encoding"], "gb18030");
}

#[test]
fn a_malformed_lexicon_line_is_reported_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let onto = dir.path().join("ontology");
    copy_dir(&repo().join("ontology"), &onto);
    std::fs::write(
        onto.join("lexicons/zz-mine.tsv"),
        "# mine\n清华大学\tSchool\t\n",
    )
    .unwrap();
    zhitu()
        .env("ZHITU_ONTOLOGY", &onto)
        .args(["extract", "input/", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "zz-mine.tsv:2: unknown EntityType \"School\"",
        ));
    assert!(!dir.path().join("out/graph.json").exists());
}

#[test]
fn a_user_rule_changes_extraction_without_rebuilding() {
    let dir = tempfile::tempdir().unwrap();
    let onto = dir.path().join("ontology");
    copy_dir(&repo().join("ontology"), &onto);
    std::fs::write(
        onto.join("lexicons/zz-mine.tsv"),
        "阳光电源\tEnterprise\t阳光\n新签约项目库\tPolicy\t\n",
    )
    .unwrap();
    let text = dir.path().join("doc.txt");
    std::fs::write(&text, "合肥高新区管委会落实新签约项目库。").unwrap();
    zhitu()
        .env("ZHITU_ONTOLOGY", &onto)
        .arg("explain")
        .arg(&text)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("新签约项目库 [Policy]")
                .and(predicate::str::contains("implements")),
        );
}

#[test]
fn explain_shows_rules_and_rejections() {
    zhitu()
        .args([
            "explain",
            "input/zhangjiang-science-city-report.txt",
            "--grep",
            "依托",
            "--rejected",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("main subject: 张江科学城 [Region]")
                .and(predicate::str::contains("by lexicon:universities.tsv"))
                .and(predicate::str::contains("reliesOn 复旦大学 [Institution]"))
                .and(predicate::str::contains("on “依托”")),
        );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `zhitu eval` must print the referee's figures. The referee lives beside the project
/// (../shared/eval/score.py); where it or the dev corpus is absent this test says so and
/// checks only that eval runs.
#[test]
fn eval_agrees_with_the_referee() {
    let shared = repo().join("../shared");
    let gold_dir = shared.join("corpus/dev");
    if !gold_dir.is_dir() || !shared.join("eval/score.py").is_file() {
        eprintln!("note: ../shared not found; eval is not compared with the referee");
        return;
    }
    let out = zhitu()
        .args(["eval", "--summary", "--gold"])
        .arg(&gold_dir)
        .assert()
        .success();
    let ours = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<PathBuf> = Vec::new();
    let mut golds: Vec<PathBuf> = std::fs::read_dir(&gold_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".gold.json"))
        .collect();
    golds.sort();
    for (i, gold) in golds.iter().enumerate() {
        let txt = PathBuf::from(gold.to_string_lossy().replace(".gold.json", ".txt"));
        let dir = tmp.path().join(i.to_string());
        zhitu()
            .arg("extract")
            .arg(&txt)
            .args(["--no-store", "-q", "--out"])
            .arg(&dir)
            .assert()
            .success();
        args.push(gold.clone());
        args.push(dir.join("graph.json"));
    }
    let referee = std::process::Command::new("python3")
        .arg(shared.join("eval/score.py"))
        .arg("--quiet")
        .args(&args)
        .output();
    let Ok(referee) = referee else {
        eprintln!("note: python3 not found; eval is not compared with the referee");
        return;
    };
    let theirs = String::from_utf8(referee.stdout).unwrap();
    for key in [
        "entities_typed",
        "entities_untyped",
        "relations_all",
        "relations_explicit",
    ] {
        let pick = |text: &str| -> Vec<String> {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(key))
                .unwrap_or_else(|| panic!("{key} missing in:\n{text}"));
            line.split_whitespace().skip(1).map(str::to_owned).collect()
        };
        assert_eq!(pick(&ours), pick(&theirs), "{key}");
    }
}
