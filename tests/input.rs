//! Real-world input on the command line: encodings, line ends, NUL bytes, empty files,
//! binaries, symlink loops, unreadable files and folders, folders without a matching file,
//! paths that do not exist. Every file is made by the test in a temporary folder.

mod common;

#[allow(unused_imports)]
use common::{repo, zhitu, zhitu_in};
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;

const TEXT: &str = "中关村科技园区海淀园依托北京大学和清华大学，推动北京协同创新研究院落地。";

fn graph(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("output/graph.json")).unwrap()).unwrap()
}

/// Every mention and evidence sentence quotes its offsets' slice of `original`.
fn offsets_quote(g: &Value, document: &str, original: &str) -> usize {
    let chars: Vec<char> = original.chars().collect();
    let mut checked = 0;
    let mut check = |v: &Value| {
        if v["document"] != document {
            return;
        }
        let (a, b) = (
            v["start"].as_u64().unwrap() as usize,
            v["end"].as_u64().unwrap() as usize,
        );
        assert!(a <= b && b <= chars.len(), "{v}");
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            v["text"].as_str().unwrap()
        );
        checked += 1;
    };
    for e in g["entities"].as_array().unwrap() {
        e["mentions"]
            .as_array()
            .unwrap()
            .iter()
            .for_each(&mut check);
    }
    for r in g["relations"].as_array().unwrap() {
        r["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .for_each(&mut check);
    }
    checked
}

fn names(g: &Value) -> Vec<&str> {
    g["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect()
}

fn encoding<'a>(g: &'a Value, document: &str) -> &'a str {
    g["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == document)
        .unwrap_or_else(|| panic!("no document {document}"))["encoding"]
        .as_str()
        .unwrap()
}

#[test]
fn crlf_and_cr_line_ends_keep_offsets_on_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let crlf =
        format!("标题\r\n\r\n{TEXT}\r\n合肥高新区管委会依托清华大学建设合肥量子研究院。\r\n");
    let cr = crlf.replace("\r\n", "\r");
    std::fs::write(dir.path().join("crlf.txt"), &crlf).unwrap();
    std::fs::write(dir.path().join("cr.txt"), &cr).unwrap();
    zhitu_in(dir.path())
        .args(["extract", "crlf.txt", "cr.txt", "--no-store"])
        .assert()
        .success();
    let g = graph(dir.path());
    assert!(names(&g).contains(&"合肥量子研究院"));
    assert!(offsets_quote(&g, "crlf.txt", &crlf) >= 6);
    assert!(offsets_quote(&g, "cr.txt", &cr) >= 6);
}

/// A whole document on one 50 MB line: a table flattened onto a line (TABs), a long run
/// without any punctuation, then ordinary sentences. Extraction must stay linear (it was
/// quadratic in a paragraph's length once: minutes for this file) and every offset, at the
/// end of the line as at its start, must quote the original. The store gets it too.
#[test]
fn a_single_50_mb_line_is_extracted_with_exact_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let mut line = String::with_capacity(50 << 20);
    while line.len() < 20 << 20 {
        line.push_str("合肥高新区管委会\t依托清华大学建设合肥量子研究院。\t");
    }
    while line.len() < 30 << 20 {
        line.push_str("苏州工业园区科技创新委员会支持企业研发");
    }
    while line.len() < 50 << 20 {
        line.push_str(TEXT);
    }
    line.push_str("最后，武汉东湖高新区依托华中科技大学建设光电国家研究中心。");
    std::fs::write(dir.path().join("long.txt"), &line).unwrap();
    zhitu_in(dir.path())
        .args(["extract", "long.txt", "-q"])
        .assert()
        .success();
    let g = graph(dir.path());
    let found = names(&g);
    for name in [
        "合肥量子研究院",
        "清华大学",
        "北京协同创新研究院",
        "华中科技大学",
    ] {
        assert!(found.contains(&name), "{name} not found");
    }
    // graph.json keeps a sample of the mentions: those it keeps quote the original.
    assert!(offsets_quote(&g, "long.txt", &line) >= 50);
    // The last sentence's relation, with its evidence at the very end of the line.
    let chars = line.chars().count();
    let last = g["relations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["evidence"].as_array().unwrap())
        .map(|e| e["end"].as_u64().unwrap() as usize)
        .max()
        .unwrap();
    assert_eq!(last, chars);
    let count = |name: &str| {
        g["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["mention_count"].as_u64().unwrap())
            .unwrap()
    };
    assert!(count("清华大学") > 100_000, "every mention is counted");
}

#[test]
fn nul_bytes_count_as_spaces_and_offsets_still_count_them() {
    let dir = tempfile::tempdir().unwrap();
    // A few NULs (as a bad copy leaves them) inside a name and between sentences; the text is
    // long enough that they are under 1% of its bytes, so it is text, not a binary.
    let text = format!(
        "{}\0\0清华\0大学依托北京大学建设合肥量子研究院。\u{c}\n{}",
        TEXT.repeat(4),
        TEXT.repeat(4)
    );
    std::fs::write(dir.path().join("nul.txt"), &text).unwrap();
    zhitu_in(dir.path())
        .args(["extract", "nul.txt"])
        .assert()
        .success();
    let g = graph(dir.path());
    assert!(names(&g).contains(&"合肥量子研究院"));
    assert!(offsets_quote(&g, "nul.txt", &text) > 10);
    // The name cut by a NUL is found whole; its quote holds the NUL it spans.
    let tsinghua = g["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "清华大学")
        .unwrap();
    assert!(tsinghua["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["text"] == "清华\0大学"));
    // The store takes it too (literals lose the NUL, offsets stay).
    zhitu_in(dir.path())
        .args(["query", "--format", "csv"])
        .arg(r#"SELECT ?t WHERE { ?m zt:mentionOf/skos:prefLabel "清华大学"@zh ; zt:text ?t }"#)
        .assert()
        .success()
        .stdout(predicate::str::contains("清华大学"));
}

#[test]
fn every_encoding_is_detected_and_shown_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("utf8.txt"), TEXT).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(TEXT.as_bytes());
    std::fs::write(d.join("utf8-bom.txt"), bom).unwrap();
    std::fs::write(d.join("gbk.txt"), encoding_rs::GBK.encode(TEXT).0).unwrap();
    for (name, bom, be) in [
        ("utf16le.txt", [0xFF, 0xFE], false),
        ("utf16be.txt", [0xFE, 0xFF], true),
    ] {
        let mut bytes = bom.to_vec();
        for u in TEXT.encode_utf16() {
            bytes.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        std::fs::write(d.join(name), bytes).unwrap();
    }
    let out = zhitu_in(d)
        .args(["extract", ".", "--verbose"])
        .assert()
        .success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for (file, enc) in [
        ("gbk.txt", "gb18030"),
        ("utf16be.txt", "UTF-16BE"),
        ("utf16le.txt", "UTF-16LE"),
        ("utf8-bom.txt", "UTF-8"),
        ("utf8.txt", "UTF-8"),
    ] {
        let line = format!("{file}: {enc}, 36 characters, 4 entities, ");
        assert!(stderr.contains(&line), "{line} in:\n{stderr}");
        assert_eq!(encoding(&graph(d), file), enc);
    }
    assert!(stderr.contains(", stored"), "{stderr}");
    // The second run finds them unchanged.
    zhitu_in(d)
        .args(["extract", ".", "-v"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "gbk.txt: gb18030, 36 characters, 4 entities, 3 relations, unchanged in the store",
        ));
}

#[test]
fn lossy_replaces_undecodable_bytes_instead_of_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let second = "合肥高新区管委会依托清华大学建设合肥量子研究院。";
    // GBK with a byte that is no GBK, and UTF-8 with a stray byte between two sentences.
    let mut gbk = encoding_rs::GBK.encode(TEXT).0.into_owned();
    gbk.push(0xFF);
    gbk.extend_from_slice(&encoding_rs::GBK.encode(second).0);
    std::fs::write(d.join("gbk.txt"), &gbk).unwrap();
    let mut utf8 = TEXT.as_bytes().to_vec();
    utf8.push(0xFF);
    utf8.extend_from_slice(second.as_bytes());
    std::fs::write(d.join("utf8.txt"), &utf8).unwrap();

    zhitu_in(d).args(["extract", "."]).assert().code(1).stderr(
        predicate::str::contains(
            "gbk.txt: not valid UTF-8 at byte 0, nor gb18030 (undecodable at byte 72)",
        )
        .and(predicate::str::contains(
            "utf8.txt: not valid UTF-8 at byte 108 (1 undecodable sequence in UTF-8 text)",
        ))
        .and(predicate::str::contains("--lossy reads files")),
    );
    zhitu_in(d)
        .args(["extract", ".", "--lossy"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("gbk.txt: undecodable bytes replaced by U+FFFD")
                .and(predicate::str::contains("utf8.txt: undecodable bytes")),
        );
    let g = graph(d);
    assert_eq!(encoding(&g, "gbk.txt"), "gb18030 (lossy)");
    assert_eq!(encoding(&g, "utf8.txt"), "UTF-8 (lossy)");
    assert!(names(&g).contains(&"合肥量子研究院"));
    // Offsets count the replacement character as the one code point it is.
    let replaced = format!("{TEXT}\u{FFFD}{second}");
    assert!(offsets_quote(&g, "gbk.txt", &replaced) > 5);
    assert!(offsets_quote(&g, "utf8.txt", &replaced) > 5);
}

#[test]
fn empty_files_binaries_and_pdfs_are_skipped_and_listed_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(d.join("in/good.txt"), TEXT).unwrap();
    std::fs::write(d.join("in/empty.txt"), b"").unwrap();
    std::fs::write(
        d.join("in/report.txt"),
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n",
    )
    .unwrap();
    std::fs::write(d.join("in/scan.txt"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    binary[0] = 0x7F;
    std::fs::write(d.join("in/data.txt"), &binary).unwrap();
    let out = zhitu_in(d)
        .args(["extract", "in"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("documents   1 read, 4 skipped"));
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let skipped: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        skipped,
        [
            "zhitu: skipped in/data.txt: looks like a binary file, not text",
            "zhitu: skipped in/empty.txt: an empty file (0 bytes)",
            "zhitu: skipped in/report.txt: looks like a PDF file, not text",
            "zhitu: skipped in/scan.txt: looks like an image, not text",
        ]
    );
    assert_eq!(names(&graph(d)).len(), 4);
}

#[test]
fn symlink_loops_broken_links_and_pipes_in_folders_are_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let deep: PathBuf = (0..40).fold(d.join("in"), |p, i| p.join(format!("d{i}")));
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("deep.txt"), TEXT).unwrap();
    std::fs::write(d.join("in/top.txt"), TEXT).unwrap();
    // A link back up the tree, a link to itself, a link to nothing, a named pipe.
    std::os::unix::fs::symlink(d.join("in"), deep.join("up")).unwrap();
    std::os::unix::fs::symlink("self.txt", d.join("in/self.txt")).unwrap();
    std::os::unix::fs::symlink("gone.txt", d.join("in/broken.txt")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(d.join("in/pipe.txt"))
        .status()
        .unwrap();
    assert!(made.success());
    zhitu_in(d)
        .args(["extract", "in", "--no-store"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("documents   2 read, 3 skipped"))
        .stderr(
            predicate::str::contains(
                "skipped in/broken.txt: a symbolic link that leads nowhere (No such file",
            )
            .and(predicate::str::contains(
                "skipped in/self.txt: a symbolic link that leads nowhere (Too many levels of symbolic links",
            ))
            .and(predicate::str::contains("skipped in/pipe.txt: a named pipe")),
        );
    let g = graph(d);
    let docs: Vec<&str> = g["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        docs.len(),
        2,
        "each file once, however many ways lead to it"
    );
    assert!(docs.contains(&"in/top.txt"));
}

/// Tests run as root on CI, and root reads files whatever their mode: there the unreadable
/// file is read (and the test says so); as any other user it is skipped with the reason.
#[test]
fn unreadable_files_and_folders_are_skipped_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("in/locked-folder")).unwrap();
    std::fs::write(d.join("in/good.txt"), TEXT).unwrap();
    std::fs::write(d.join("in/locked.txt"), TEXT).unwrap();
    std::fs::write(d.join("in/locked-folder/inside.txt"), TEXT).unwrap();
    let mode = |p: &str, m: u32| {
        std::fs::set_permissions(d.join(p), std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode("in/locked.txt", 0o000);
    mode("in/locked-folder", 0o000);
    let root = std::fs::read(d.join("in/locked.txt")).is_ok();
    let assert = zhitu_in(d).args(["extract", "in", "--no-store"]).assert();
    mode("in/locked.txt", 0o644);
    mode("in/locked-folder", 0o755);
    if root {
        eprintln!("note: running as root, which reads files whatever their mode");
        assert
            .success()
            .stdout(predicate::str::contains("documents   3 read, 0 skipped"));
    } else {
        assert
            .code(1)
            .stdout(predicate::str::contains("documents   1 read, 2 skipped"))
            .stderr(
                predicate::str::contains("skipped in/locked.txt: Permission denied").and(
                    predicate::str::contains(
                        "skipped in/locked-folder: cannot list this folder: Permission denied",
                    ),
                ),
            );
    }
}

#[test]
fn a_folder_without_matching_files_and_a_missing_path_are_named_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("notes/sub")).unwrap();
    std::fs::write(d.join("notes/sub/a.md"), TEXT).unwrap();
    zhitu_in(d)
        .args(["extract", "notes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no *.txt files under notes"));
    assert!(!d.join("output").exists(), "nothing written");
    zhitu_in(d)
        .args(["extract", "notes", "--ext", "txt,text"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no *.txt or *.text files under notes",
        ));
    // --ext reads them; with another folder that has files, the empty one is listed.
    zhitu_in(d)
        .args(["extract", "notes", "--ext", "md", "--no-store"])
        .assert()
        .success();
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(d.join("in/a.txt"), TEXT).unwrap();
    zhitu_in(d)
        .args(["extract", "in", "notes", "--no-store"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "skipped notes: no *.txt files in this folder",
        ));
    // A path that does not exist: exit 2 before anything is created.
    zhitu_in(d)
        .args(["extract", "in", "no/such.txt", "--out", "fresh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such.txt: no such file or folder",
        ));
    assert!(!d.join("fresh").exists());
}
