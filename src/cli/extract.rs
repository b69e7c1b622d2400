//! `zhitu extract`: a run over files and folders, with what a person watching it needs to
//! see (progress, per-file notes with --verbose, what was skipped and why, last).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zhitu::graph::KnowledgeGraph;
use zhitu::pipeline::{plan, run_inputs, RunOptions, Stored};
use zhitu::store::KnowledgeStore;
use zhitu::Error;

use crate::Cli;

#[derive(clap::Args)]
pub struct ExtractArgs {
    /// Files and folders (folders are read recursively). Default: input/
    paths: Vec<PathBuf>,
    /// Output folder for graph.json and (unless --store is given) the store.
    #[arg(long, short, default_value = "output", value_name = "DIR")]
    out: PathBuf,
    /// The store folder. Default: OUT/store
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Do not write the store, only graph.json.
    #[arg(long)]
    no_store: bool,
    /// Rewrite documents whose content is already stored.
    #[arg(long)]
    force: bool,
    /// File extensions read from folders.
    #[arg(long = "ext", default_value = "txt", value_delimiter = ',')]
    extensions: Vec<String>,
    /// Worker threads (0 = all cores).
    #[arg(long, short, default_value_t = 0)]
    jobs: usize,
    /// Decode undecodable bytes as U+FFFD instead of skipping the file (the document's
    /// encoding then reads e.g. "gb18030 (lossy)").
    #[arg(long)]
    lossy: bool,
    /// Print each file's encoding and counts as it is done.
    #[arg(long, short)]
    verbose: bool,
    /// Documents read and extracted together before they are stored.
    #[arg(long, default_value_t = 256, hide = true)]
    batch_size: usize,
}

pub fn run(cli: &Cli, args: &ExtractArgs) -> Result<ExitCode, Error> {
    let ExtractArgs {
        paths,
        out,
        store,
        no_store,
        force,
        extensions,
        jobs,
        lossy,
        verbose,
        batch_size,
    } = args;
    let k = crate::knowledge(cli)?;
    let inputs = if paths.is_empty() {
        vec![PathBuf::from("input")]
    } else {
        paths.clone()
    };
    let options = RunOptions {
        inputs,
        extensions: extensions.clone(),
        force: *force,
        jobs: *jobs,
        batch_size: *batch_size,
        lossy: *lossy,
    };
    // Nothing to read is an error before anything is created or opened.
    let files = plan(&options)?;
    std::fs::create_dir_all(out).map_err(|e| Error::Io {
        path: out.clone(),
        source: e,
    })?;
    let store_dir = store.clone().unwrap_or_else(|| out.join("store"));
    let kstore = if *no_store {
        None
    } else {
        Some(KnowledgeStore::open(&store_dir)?)
    };
    let mut graph = KnowledgeGraph::new();
    let progress = !cli.quiet && !*verbose && std::io::stderr().is_terminal();
    let mut seen = 0usize;
    let report = run_inputs(
        &files,
        &options,
        &k,
        kstore.as_ref(),
        &mut graph,
        &mut |doc, stored| {
            seen += 1;
            let d = &doc.document;
            if *verbose && !cli.quiet {
                let what = match stored {
                    Stored::Written => ", stored",
                    Stored::Unchanged => ", unchanged in the store",
                    Stored::NoStore => "",
                };
                eprintln!(
                    "{}: {}, {} characters, {} entities, {} relations{what}",
                    d.path,
                    d.encoding,
                    d.characters,
                    doc.entities.len(),
                    doc.relations.len()
                );
            } else if !cli.quiet && d.encoding.ends_with("(lossy)") {
                eprintln!(
                    "zhitu: note: {}: undecodable bytes replaced by U+FFFD ({})",
                    d.path, d.encoding
                );
            }
            if progress && seen.is_multiple_of(50) {
                eprint!("\r{seen} documents…");
            }
        },
    )?;
    if progress && seen >= 50 {
        eprintln!();
    }
    let json_path = out.join("graph.json");
    let json =
        serde_json::to_string_pretty(&graph.to_json()).map_err(|e| Error::Output(e.to_string()))?;
    std::fs::write(&json_path, json + "\n").map_err(|e| Error::Io {
        path: json_path.clone(),
        source: e,
    })?;
    if !cli.quiet {
        let (types, preds) = graph.counts();
        let mut o = std::io::stdout().lock();
        let _ = writeln!(
            o,
            "documents   {} read, {} skipped",
            report.documents,
            report.skipped.len()
        );
        let _ = writeln!(o, "entities    {}", graph.graph.node_count());
        for (t, n) in &types {
            let _ = writeln!(o, "  {t:<18} {n}");
        }
        let _ = writeln!(o, "relations   {}", graph.graph.edge_count());
        for (p, n) in &preds {
            let _ = writeln!(o, "  {p:<18} {n}");
        }
        if let Some(s) = &kstore {
            let _ = writeln!(
                o,
                "store       {}: {} documents written, {} unchanged, {} quads in store",
                s.path().display(),
                report.stored,
                report.unchanged,
                s.len()?
            );
        }
        let _ = writeln!(o, "graph       {}", json_path.display());
        let secs = report.elapsed.as_secs_f64();
        let _ = writeln!(
            o,
            "time        {secs:.2} s ({:.2} MB/s)",
            report.bytes as f64 / 1e6 / secs.max(1e-9)
        );
        let _ = o.flush();
    }
    // What was skipped and why, last, so that it is what a person sees.
    for s in &report.skipped {
        eprintln!(
            "zhitu: skipped {}: {}",
            s.path.display(),
            strip_path(&s.reason, &s.path)
        );
    }
    if !*lossy
        && report
            .skipped
            .iter()
            .any(|s| s.reason.contains("not valid"))
    {
        eprintln!("zhitu: --lossy reads files with undecodable bytes, replacing those by U+FFFD");
    }
    Ok(if report.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reasons already name their file; don't print it twice.
fn strip_path(reason: &str, path: &Path) -> String {
    let p = format!("{}: ", path.display());
    reason.strip_prefix(&p).unwrap_or(reason).to_owned()
}
