//! `zhitu stats`, `zhitu path` and `zhitu show`: the stored graph, read by a person.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use unicode_width::UnicodeWidthStr;
use zhitu::export;
use zhitu::graph::{Edge, KnowledgeGraph};
use zhitu::store::KnowledgeStore;
use zhitu::views;
use zhitu::Error;

use crate::Cli;

#[derive(clap::Args)]
pub struct StatsArgs {
    /// How many entities each ranking lists.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
}

#[derive(clap::Args)]
pub struct PathArgs {
    /// Name or alias of the first entity.
    from: String,
    /// Name or alias of the second entity.
    to: String,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// Name or alias of the entity.
    name: String,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
}

/// The stored graph's outline ([`export::load_outline`]); each view then reads the mentions
/// and evidence it shows.
fn outline(store: &std::path::Path) -> Result<(KnowledgeStore, KnowledgeGraph), Error> {
    let store = KnowledgeStore::open_read_only(store)?;
    let g = export::load_outline(&store)?;
    Ok((store, g))
}

/// Writes `text` to standard output; a closed pipe ends the command quietly.
fn print(text: &str) -> Result<ExitCode, Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            path: "-".into(),
            source: e,
        }),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

fn entity(g: &KnowledgeGraph, n: petgraph::graph::NodeIndex) -> String {
    let node = &g.graph[n];
    format!("{} [{}]", node.name, node.kind)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The evidence of a relation, one line per sentence (at most `max`).
fn evidence(out: &mut String, e: &Edge, indent: &str, max: usize) {
    let mut ev = e.evidence.clone();
    ev.sort();
    ev.dedup_by(|a, b| a.document == b.document && a.sentence == b.sentence);
    for r in ev.iter().take(max) {
        let text = zhitu::export::one_line(&r.text);
        let trigger = r
            .trigger
            .as_deref()
            .map(|t| format!(", trigger “{t}”"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{indent}“{text}”\n{indent}  — {}, sentence {} (chars {}..{}), rule {}{trigger}\n",
            r.document, r.sentence, r.start, r.end, r.rule
        ));
    }
    if ev.len() > max {
        out.push_str(&format!("{indent}(and {} more)\n", ev.len() - max));
    }
}

pub fn stats(_cli: &Cli, args: &StatsArgs) -> Result<ExitCode, Error> {
    let (store, mut g) = outline(&args.store)?;
    export::mark_implicit(&store, &mut g)?;
    let documents = export::count_documents(&store, &mut g)?;
    let s = views::stats(&g, documents, args.top);
    let mut o = String::new();
    o.push_str(&format!("documents   {}\n", s.documents));
    o.push_str(&format!("entities    {}\n", s.nodes));
    for (t, n) in &s.by_type {
        o.push_str(&format!("  {t:<18} {n}\n"));
    }
    o.push_str(&format!(
        "relations   {} ({} implicit)\n",
        s.edges, s.implicit_edges
    ));
    for (p, n) in &s.by_predicate {
        o.push_str(&format!("  {p:<18} {n}\n"));
    }
    let alone = s.component_sizes.iter().filter(|&&n| n == 1).count();
    o.push_str(&format!(
        "components  {} (largest {}; {} without relations)\n",
        s.component_sizes.len(),
        plural(
            s.component_sizes.first().copied().unwrap_or(0),
            "entity",
            "entities"
        ),
        plural(alone, "entity", "entities"),
    ));
    let ranked = |o: &mut String, title: &str, rows: Vec<(String, String)>| {
        o.push_str(&format!("\n{title}\n"));
        let w = rows.iter().map(|r| r.0.width()).max().unwrap_or(0);
        for (i, (name, value)) in rows.iter().enumerate() {
            o.push_str(&format!("  {:>3}  {}  {value}\n", i + 1, pad(name, w)));
        }
    };
    ranked(
        &mut o,
        "most connected (relations in and out)",
        s.top_degree
            .iter()
            .map(|&(n, d)| (entity(&g, n), d.to_string()))
            .collect(),
    );
    ranked(
        &mut o,
        "most central (PageRank)",
        s.top_pagerank
            .iter()
            .map(|&(n, r)| (entity(&g, n), format!("{r:.4}")))
            .collect(),
    );
    ranked(
        &mut o,
        "named in the most documents",
        s.top_documents
            .iter()
            .map(|&(n, d)| (entity(&g, n), d.to_string()))
            .collect(),
    );
    o.push_str("\ndocuments per entity\n");
    for (k, n) in &s.documents_per_entity {
        o.push_str(&format!(
            "  {:<12} {}\n",
            plural(*k, "document", "documents"),
            plural(*n, "entity", "entities")
        ));
    }
    print(&o)
}

pub fn path(_cli: &Cli, args: &PathArgs) -> Result<ExitCode, Error> {
    let (store, mut g) = outline(&args.store)?;
    let Some(p) = views::shortest_path(&g, &args.from, &args.to)? else {
        print(&format!(
            "{} and {} are not connected by any chain of relations\n",
            args.from, args.to
        ))?;
        return Ok(ExitCode::from(1));
    };
    let edges: Vec<_> = p.steps.iter().map(|s| s.edge).collect();
    export::load_evidence(&store, &mut g, Some(&edges))?;
    let mut o = format!(
        "{} → {}: {}\n",
        entity(&g, p.start),
        entity(&g, p.end()),
        plural(p.steps.len(), "step", "steps")
    );
    for (i, s) in p.steps.iter().enumerate() {
        let e = &g.graph[s.edge];
        let implicit = if e.implicit { " (implicit)" } else { "" };
        let line = if s.forward {
            format!(
                "{} —{}→ {}",
                entity(&g, s.from),
                e.predicate,
                entity(&g, s.to)
            )
        } else {
            format!(
                "{} ←{}— {}",
                entity(&g, s.from),
                e.predicate,
                entity(&g, s.to)
            )
        };
        o.push_str(&format!("\n{}. {line}{implicit}\n", i + 1));
        evidence(&mut o, e, "     ", 3);
    }
    print(&o)
}

pub fn show(_cli: &Cli, args: &ShowArgs) -> Result<ExitCode, Error> {
    let (store, mut g) = outline(&args.store)?;
    let nodes = views::named(&g, &args.name)?;
    export::load_evidence_around(&store, &mut g, &nodes)?;
    let mut shown = views::entity(&g, &args.name)?;
    for v in &mut shown {
        v.documents = export::mentions_by_document(&store, &g, v.node)?;
    }
    let mut o = String::new();
    for (i, v) in shown.iter().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let node = &g.graph[v.node];
        o.push_str(&format!("{}  [{}]\n", node.name, node.kind));
        o.push_str(&format!("  iri        {}\n", node.iri()));
        if !node.aliases.is_empty() {
            let aliases: Vec<&str> = node.aliases.iter().map(String::as_str).collect();
            o.push_str(&format!("  aliases    {}\n", aliases.join("、")));
        }
        for (j, (doc, n)) in v.documents.iter().enumerate() {
            let label = if j == 0 { "documents" } else { "" };
            o.push_str(&format!(
                "  {label:<10} {doc} ({})\n",
                plural(*n, "mention", "mentions")
            ));
        }
        o.push_str(&format!("\n  relations out ({})\n", v.outgoing.len()));
        for &e in &v.outgoing {
            let (_, t) = g.graph.edge_endpoints(e).expect("edge of this graph");
            let edge = &g.graph[e];
            let implicit = if edge.implicit { " (implicit)" } else { "" };
            o.push_str(&format!(
                "    —{}→ {}{implicit}\n",
                edge.predicate,
                entity(&g, t)
            ));
            evidence(&mut o, edge, "        ", 2);
        }
        o.push_str(&format!("\n  relations in ({})\n", v.incoming.len()));
        for &e in &v.incoming {
            let (s, _) = g.graph.edge_endpoints(e).expect("edge of this graph");
            let edge = &g.graph[e];
            let implicit = if edge.implicit { " (implicit)" } else { "" };
            o.push_str(&format!(
                "    {} —{}→{implicit}\n",
                entity(&g, s),
                edge.predicate
            ));
            evidence(&mut o, edge, "        ", 2);
        }
    }
    print(&o)
}
