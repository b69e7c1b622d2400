//! `zhitu extract`: a run over files and folders, with what a person watching it needs to
//! see (progress, per-file notes with --verbose, what was skipped and why, last).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zhitu::graph::KnowledgeGraph;
use zhitu::pipeline::{plan, run_inputs, Event, RunOptions, Stored};
use zhitu::read::InputFile;
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
    /// After extraction, send the graphs of this run's documents (and the ontology) to a
    /// remote store's Graph Store Protocol endpoint, one PUT per graph (a rerun replaces,
    /// never duplicates). Credentials from ZHITU_PUSH_TOKEN, or ZHITU_PUSH_USER and
    /// ZHITU_PUSH_PASSWORD.
    #[arg(long, value_name = "URL")]
    push: Option<String>,
}

/// Mentions per entity and evidence per relation that graph.json lists (it gives the counts
/// of all); the store holds every one.
const GRAPH_JSON_RECORDS: usize = 10;

/// A progress bar on standard error when it is a terminal, over the bytes of the files:
/// hidden with --quiet, with --verbose (which prints a line per file) and when standard
/// error goes to a file or pipe.
fn progress_bar(cli: &Cli, verbose: bool, files: &[InputFile]) -> ProgressBar {
    if cli.quiet || verbose || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 = files.iter().map(|f| f.size).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} \
             {binary_bytes_per_sec}, {msg}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
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
        push,
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
    // A push that cannot happen is refused before any work.
    let push = match push {
        Some(_) if *no_store => {
            return Err(Error::Usage(
                "--push sends what the store holds: drop --no-store".into(),
            ))
        }
        Some(url) => {
            zhitu::push::check_url(url)?;
            Some(zhitu::push::PushOptions::new(
                url,
                zhitu::push::Auth::from_env()?,
            ))
        }
        None => None,
    };
    let mut pushed_documents: Vec<String> = Vec::new();
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
    // graph.json keeps a sample of each entity's mentions and each relation's evidence (with
    // their counts), so that a large corpus fits in memory; the store keeps everything.
    let mut graph = KnowledgeGraph::with_record_limit(GRAPH_JSON_RECORDS);
    let bar = progress_bar(cli, *verbose, &files.files);
    let (mut done, mut entities) = (0usize, 0usize);
    let report = run_inputs(
        &files,
        &options,
        &k,
        kstore.as_ref(),
        &mut graph,
        &mut |event| {
            let (doc, stored, bytes) = match event {
                Event::Document {
                    graph: doc,
                    stored,
                    bytes,
                } => (doc, stored, bytes),
                Event::Skipped { bytes, .. } => {
                    done += 1;
                    bar.inc(bytes);
                    return;
                }
                Event::Committing => {
                    bar.set_message(format!(
                        "{done} files, {entities} entities; writing the store"
                    ));
                    return;
                }
                Event::Compacting => {
                    bar.set_message(format!(
                        "{done} files, {entities} entities; compacting the store"
                    ));
                    return;
                }
            };
            let d = &doc.document;
            if push.is_some() && stored != Stored::NoStore {
                pushed_documents.push(d.path.clone());
            }
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
                bar.suspend(|| {
                    eprintln!(
                        "zhitu: note: {}: undecodable bytes replaced by U+FFFD ({})",
                        d.path, d.encoding
                    )
                });
            }
            // Entities found, counted once per document that names them.
            entities += doc.entities.len();
            done += 1;
            bar.inc(bytes);
            if !bar.is_hidden() {
                bar.set_message(format!("{done} files, {entities} entities"));
            }
        },
    )?;
    bar.finish_and_clear();
    let json_path = out.join("graph.json");
    let io_error = |e: std::io::Error| Error::Io {
        path: json_path.clone(),
        source: e,
    };
    let mut w = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&json_path).map_err(io_error)?,
    );
    graph
        .write_json(&mut w)
        .map_err(|e| match e.io_error_kind() {
            Some(_) => io_error(e.into()),
            None => Error::Output(e.to_string()),
        })?;
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .map_err(io_error)?;
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
    let pushed = match (&push, &kstore) {
        (Some(options), Some(s)) => {
            crate::cli::push::push_graphs(cli, s, Some(&pushed_documents), options, *verbose)
        }
        _ => Ok(()),
    };
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
    pushed?;
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
