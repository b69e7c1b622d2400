//! Stage 9 — query: SPARQL over the store, printed for people or for programs.
//!
//! The project's prefixes (`zt:`, `skos:`, `prov:` …) are predeclared, and the default
//! graph is the union of all named graphs (every document's statements and the ontology)
//! unless the query names its own dataset with FROM: analysts ask about the corpus, not
//! about one file. Only the query forms are accepted here; updates are refused.

use std::io::Write;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};
use crate::ontology::PREFIXES;

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
            " (this looks like an update: `zhitu query` only reads; use `zhitu update`)"
        } else {
            ""
        };
        Error::Query(format!("SPARQL syntax error: {e}{hint}"))
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
            let mut ser = RdfSerializer::from_format(rdf);
            for (p, iri) in PREFIXES {
                ser = ser
                    .with_prefix(*p, *iri)
                    .expect("static prefix IRIs are valid");
            }
            let mut w = ser.for_writer(&mut *out);
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
