//! Stage 9 — query: SPARQL over the store, printed for people or for programs.
//!
//! The project's prefixes (`zt:`, `skos:`, `prov:` …) are predeclared, and the default
//! graph is the union of all named graphs (every document's statements, the knowledge graph
//! and the ontology) unless the query names its own dataset with FROM: analysts ask about
//! the corpus, not about one file, and `FROM zg:knowledge` asks about each fact once. [`run`] accepts only the query forms and refuses updates; [`update`]
//! runs those, reporting how the store's size changed. A syntax error shows the line of the
//! text with a caret under the position the parser stopped at.

use std::io::Write;
use std::sync::LazyLock;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphNameRef, NamedNodeRef, Quad, Term};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::{StorageError, Store, Transaction};
use regex::Regex;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::error::{Error, Result};
use crate::ontology::{META_GRAPH, PREFIXES};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned table for people (Turtle for CONSTRUCT/DESCRIBE).
    Table,
    Csv,
    Tsv,
    /// SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL Query Results XML.
    Xml,
    Turtle,
    Ntriples,
    Jsonld,
    Rdfxml,
}

/// What a query produced, for a summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Solutions(usize),
    Boolean(bool),
    Triples(usize),
}

/// A serializer of `format` with the project's prefixes declared (where the format has
/// prefixes), for everything that writes RDF: query results, exports, the endpoint.
pub fn rdf_serializer(format: RdfFormat) -> RdfSerializer {
    let mut ser = RdfSerializer::from_format(format);
    for (p, iri) in PREFIXES {
        ser = ser
            .with_prefix(*p, *iri)
            .expect("static prefix IRIs are valid");
    }
    ser
}

/// The evaluator with the project's prefixes declared.
pub fn evaluator() -> SparqlEvaluator {
    let mut e = SparqlEvaluator::new();
    for (p, iri) in PREFIXES {
        e = e
            .with_prefix(*p, *iri)
            .expect("static prefix IRIs are valid");
    }
    e
}

/// Parses and runs a query, writing its results in `format`.
pub fn run(
    store: &Store,
    text: &str,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let mut prepared = evaluator().parse_query(text).map_err(|e| {
        let hint = if looks_like_update(text) {
            "this looks like an update: `zhitu query` only reads; use `zhitu update`"
        } else {
            ""
        };
        syntax_error(text, &e, hint)
    })?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let results = prepared
        .on_store(store)
        .execute()
        .map_err(|e| Error::Query(format!("query failed: {e}")))?;
    let io = |e: std::io::Error| Error::Output(e.to_string());
    match results {
        QueryResults::Boolean(b) => {
            match results_format(format) {
                Some(f) => {
                    QueryResultsSerializer::from_format(f)
                        .serialize_boolean_to_writer(&mut *out, b)
                        .map_err(io)?;
                }
                None => writeln!(out, "{}", if b { "yes" } else { "no" }).map_err(io)?,
            }
            Ok(Outcome::Boolean(b))
        }
        QueryResults::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            let mut rows = Vec::new();
            for s in solutions {
                let s = s.map_err(|e| Error::Query(format!("query failed: {e}")))?;
                rows.push(s);
            }
            let n = rows.len();
            match results_format(format) {
                Some(f) => {
                    let mut ser = QueryResultsSerializer::from_format(f)
                        .serialize_solutions_to_writer(&mut *out, variables.clone())
                        .map_err(io)?;
                    for s in &rows {
                        ser.serialize(s).map_err(io)?;
                    }
                    ser.finish().map_err(io)?;
                }
                None => {
                    let header: Vec<String> =
                        variables.iter().map(|v| v.as_str().to_owned()).collect();
                    let cells: Vec<Vec<String>> = rows
                        .iter()
                        .map(|s| {
                            variables
                                .iter()
                                .map(|v| s.get(v).map(display_term).unwrap_or_default())
                                .collect()
                        })
                        .collect();
                    write_table(out, &header, &cells).map_err(io)?;
                    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" }).map_err(io)?;
                }
            }
            Ok(Outcome::Solutions(n))
        }
        QueryResults::Graph(triples) => {
            let rdf = match format {
                OutputFormat::Ntriples => RdfFormat::NTriples,
                OutputFormat::Jsonld => RdfFormat::JsonLd { profile: Default::default() },
                OutputFormat::Rdfxml => RdfFormat::RdfXml,
                OutputFormat::Turtle | OutputFormat::Table => RdfFormat::Turtle,
                other => {
                    return Err(Error::Query(format!(
                        "{other:?} is a format for SELECT and ASK results; CONSTRUCT and DESCRIBE print turtle, ntriples, jsonld or rdfxml"
                    )))
                }
            };
            let mut w = rdf_serializer(rdf).for_writer(&mut *out);
            let mut n = 0;
            for t in triples {
                let t = t.map_err(|e| Error::Query(format!("query failed: {e}")))?;
                w.serialize_triple(&t).map_err(io)?;
                n += 1;
            }
            w.finish().map_err(io)?;
            Ok(Outcome::Triples(n))
        }
    }
}

/// What an update did to the store's size (quads in all graphs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateSummary {
    pub before: usize,
    pub after: usize,
}

impl UpdateSummary {
    /// Quads added, net (0 when the update removed more than it added).
    pub fn added(&self) -> usize {
        self.after.saturating_sub(self.before)
    }

    /// Quads removed, net.
    pub fn removed(&self) -> usize {
        self.before.saturating_sub(self.after)
    }
}

/// Parses and runs a SPARQL update (with the project's prefixes) in one transaction.
/// WHERE patterns outside `GRAPH` see the union of all graphs, as queries do; templates
/// outside `GRAPH` write the store's default graph, which belongs to no document.
pub fn update(store: &Store, text: &str) -> Result<UpdateSummary> {
    let mut prepared = evaluator().parse_update(text).map_err(|e| {
        let hint = if evaluator().parse_query(text).is_ok() {
            "this is a query: use `zhitu query`"
        } else {
            ""
        };
        syntax_error(text, &e, hint)
    })?;
    for dataset in prepared.using_datasets_mut() {
        if dataset.is_default_dataset() {
            dataset.set_default_graph_as_union();
        }
    }
    let len = || {
        store
            .len()
            .map_err(|e| Error::Query(format!("cannot count the store's quads: {e}")))
    };
    let before = len()?;
    let failed = |e: &dyn std::fmt::Display| Error::Query(format!("update failed: {e}"));
    let mut t = store.start_transaction().map_err(|e| failed(&e))?;
    let metadata_before = metadata(&t).map_err(|e| failed(&e))?;
    prepared
        .on_transaction(&mut t)
        .execute()
        .map_err(|e| failed(&e))?;
    // The metadata graph is how a later zhitu recognises the store (version, format): an
    // update that changes it (CLEAR ALL, DROP ALL, a DELETE over every graph) would leave a
    // store that every command refuses. Dropping the transaction leaves the store as it was.
    if metadata(&t).map_err(|e| failed(&e))? != metadata_before {
        return Err(Error::Query(format!(
            "this update would change the store's metadata graph <{META_GRAPH}> (the zhitu \
             version and store format it records), after which zhitu could not open the store; \
             nothing was changed. Name the graphs to change (GRAPH ?g {{ … }} with a FILTER, or \
             CLEAR GRAPH <…>); to start afresh, delete the store folder"
        )));
    }
    t.commit().map_err(|e| failed(&e))?;
    Ok(UpdateSummary {
        before,
        after: len()?,
    })
}

/// The quads of the store's metadata graph, sorted, as seen inside `t`.
fn metadata(t: &Transaction<'_>) -> std::result::Result<Vec<Quad>, StorageError> {
    let graph = NamedNodeRef::new_unchecked(META_GRAPH);
    let mut quads = t
        .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    quads.sort_by_cached_key(|q| q.to_string());
    Ok(quads)
}

/// A syntax error for a person: "SPARQL syntax error at line L, column C: expected …", the
/// character classes of the grammar shortened to words, then the query's line with a caret
/// under the column (aligned by display width, so under CJK text too), then `hint`.
pub fn syntax_error(text: &str, error: &dyn std::fmt::Display, hint: &str) -> Error {
    static AT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)^error at (\d+):(\d+): (.*)$").expect("static regex"));
    let message = error.to_string();
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!("\n({hint})")
    };
    let Some(c) = AT.captures(&message) else {
        return Error::Query(format!("SPARQL syntax error: {message}{hint}"));
    };
    let number = |i: usize| c[i].parse::<usize>().unwrap_or(1).max(1);
    let (line, column) = (number(1), number(2));
    let mut out = format!(
        "SPARQL syntax error at line {line}, column {column}: {}",
        shorten_expected(&c[3])
    );
    if let Some(source) = text.lines().nth(line - 1) {
        let (shown, pad) = caret_line(source, column);
        out.push_str(&format!("\n  {shown}\n  {pad}^"));
    }
    out.push_str(&hint);
    Error::Query(out)
}

/// The grammar's character classes (`['A' ..= 'Z' | …]`) as words, each alternative once.
fn shorten_expected(expected: &str) -> String {
    static CLASS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\['[^\]]*\]").expect("static regex"));
    let named = CLASS.replace_all(expected, |c: &regex::Captures| {
        let class = &c[0];
        if class.contains("'A'") || class.contains("'a'") {
            "a letter"
        } else if class.contains("'0'") {
            "a digit"
        } else {
            "a name character"
        }
    });
    let mut seen = Vec::new();
    for part in named.split(", ") {
        if !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join(", ").replace('\n', " ")
}

/// The source line (cut to a window around the column when long) and the padding that puts
/// a caret under the column.
fn caret_line(source: &str, column: usize) -> (String, String) {
    let chars: Vec<char> = source.chars().collect();
    let at = (column - 1).min(chars.len());
    // Keep the caret within about 60 columns of the left edge.
    let mut from = 0;
    while chars[from..at].iter().collect::<String>().width() > 60 {
        from += 1;
    }
    let to = chars.len().min(at + 60);
    let mut shown: String = chars[from..to].iter().collect();
    let mut pad: String = chars[from..at]
        .iter()
        .map(|&c| match c {
            '\t' => "\t".to_owned(),
            c => " ".repeat(c.width().unwrap_or(0)),
        })
        .collect();
    if from > 0 {
        shown.insert(0, '…');
        pad.insert(0, ' ');
    }
    if to < chars.len() {
        shown.push('…');
    }
    (shown, pad)
}

fn results_format(f: OutputFormat) -> Option<QueryResultsFormat> {
    match f {
        OutputFormat::Csv => Some(QueryResultsFormat::Csv),
        OutputFormat::Tsv => Some(QueryResultsFormat::Tsv),
        OutputFormat::Json => Some(QueryResultsFormat::Json),
        OutputFormat::Xml => Some(QueryResultsFormat::Xml),
        _ => None,
    }
}

fn looks_like_update(text: &str) -> bool {
    let upper = text.to_uppercase();
    ["INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE"]
        .iter()
        .any(|k| upper.contains(k))
}

/// A term as a person reads it: IRIs shortened by the known prefixes, literals bare.
pub fn display_term(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => {
            let iri = n.as_str();
            PREFIXES
                .iter()
                .filter(|(_, ns)| iri.starts_with(ns))
                .max_by_key(|(_, ns)| ns.len())
                .map(|(p, ns)| format!("{p}:{}", &iri[ns.len()..]))
                .unwrap_or_else(|| format!("<{iri}>"))
        }
        Term::BlankNode(b) => format!("_:{}", b.as_str()),
        Term::Literal(l) => l.value().to_owned(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

fn write_table(
    out: &mut dyn Write,
    header: &[String],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let flat = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(flat(c).width().min(80));
        }
    }
    let line = |cells: &[String], out: &mut dyn Write| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let mut c = flat(c);
            if c.width() > 80 {
                let mut cut = String::new();
                for ch in c.chars() {
                    if cut.width() >= 78 {
                        break;
                    }
                    cut.push(ch);
                }
                c = format!("{cut}…");
            }
            let pad = widths[i].saturating_sub(c.width());
            s.push_str(&c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(pad));
                s.push_str(" │ ");
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(header, out)?;
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("─┼─"))?;
    for r in rows {
        line(r, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::NamedNode;

    #[test]
    fn shortens_iris_with_known_prefixes() {
        let t = Term::NamedNode(
            NamedNode::new("https://w3id.org/zhitu/id/Institution/清华大学").unwrap(),
        );
        assert_eq!(display_term(&t), "zid:Institution/清华大学");
    }

    #[test]
    fn a_syntax_error_points_at_its_line_and_column() {
        let q = "SELECT ?x WHERE {\n  ?x skos:prefLabel “复旦” }";
        let Err(e) = evaluator().parse_query(q) else {
            panic!("parsed")
        };
        let Error::Query(m) = syntax_error(q, &e, "") else {
            panic!("not a query error")
        };
        let lines: Vec<&str> = m.lines().collect();
        assert!(
            lines[0].starts_with("SPARQL syntax error at line 2, column 21: expected"),
            "{m}"
        );
        assert!(!lines[0].contains("'\\u{"), "classes are shortened: {m}");
        assert_eq!(lines[1], "    ?x skos:prefLabel “复旦” }");
        // The caret stands under “, where the parser stopped.
        assert_eq!(lines[2], format!("  {}^", " ".repeat(20)));
    }

    #[test]
    fn a_caret_under_cjk_text_counts_display_columns() {
        let (shown, pad) = caret_line("中关村 x", 5);
        assert_eq!(shown, "中关村 x");
        assert_eq!(pad, " ".repeat(7));
    }

    #[test]
    fn aligns_cjk_by_display_width() {
        let mut out = Vec::new();
        write_table(
            &mut out,
            &["name".into(), "n".into()],
            &[
                vec!["清华大学".into(), "1".into()],
                vec!["ab".into(), "2".into()],
            ],
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[2], "清华大学 │ 1");
        assert_eq!(lines[3], "ab       │ 2");
    }
}
