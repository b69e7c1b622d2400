//! `zhitu push` and `zhitu extract --push`: the store's graphs sent to a remote store, with a
//! report of what was sent and what was not.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use zhitu::push::{self, Auth, PushOptions};
use zhitu::read::display_path;
use zhitu::store::KnowledgeStore;
use zhitu::Error;

use crate::Cli;

#[derive(clap::Args)]
pub struct PushArgs {
    /// The remote store's Graph Store Protocol endpoint, e.g. http://localhost:7878/store
    /// (Oxigraph), http://localhost:3030/DATASET/data (Fuseki),
    /// http://localhost:7200/repositories/REPO/rdf-graphs/service (GraphDB).
    url: String,
    /// Only these documents (by the path extract read them from). Default: every document.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    connections: usize,
    /// Graphs per batch (a progress line after each with --verbose).
    #[arg(long, default_value_t = 64, value_name = "N")]
    batch: usize,
    /// Print a line after each batch.
    #[arg(long, short)]
    verbose: bool,
}

pub fn run(cli: &Cli, args: &PushArgs) -> Result<ExitCode, Error> {
    push::check_url(&args.url)?;
    let auth = Auth::from_env()?;
    let store = KnowledgeStore::open_read_only(&args.store)?;
    let documents: Option<Vec<String>> = if args.files.is_empty() {
        None
    } else {
        let names: Vec<String> = args.files.iter().map(|f| display_path(f)).collect();
        let stored = store.document_paths()?;
        let missing: Vec<&String> = names.iter().filter(|n| !stored.contains(n)).collect();
        if !missing.is_empty() {
            return Err(Error::Usage(format!(
                "store {} holds no document {}; nothing was pushed",
                args.store.display(),
                missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Some(names)
    };
    let mut options = PushOptions::new(&args.url, auth);
    options.connections = args.connections.max(1);
    options.batch = args.batch.max(1);
    push_graphs(cli, &store, documents.as_deref(), &options, args.verbose)?;
    Ok(ExitCode::SUCCESS)
}

/// Pushes the graphs of `documents` (all when `None`) and the ontology, prints the report,
/// and fails ([`Error::Remote`]) when some graph did not arrive.
pub fn push_graphs(
    cli: &Cli,
    store: &KnowledgeStore,
    documents: Option<&[String]>,
    options: &PushOptions,
    verbose: bool,
) -> Result<(), Error> {
    let graphs = push::graphs_to_push(store.inner(), documents)?;
    let progress = !cli.quiet && !verbose && std::io::stderr().is_terminal();
    let report = push::push(store.inner(), &graphs, options, &mut |p| {
        if verbose && !cli.quiet {
            eprintln!("zhitu: pushed {} of {} graphs", p.done, p.total);
        } else if progress {
            eprint!("\r{} of {} graphs pushed…", p.done, p.total);
        }
    })?;
    if progress && !graphs.is_empty() {
        eprintln!();
    }
    if !cli.quiet || !report.failed.is_empty() {
        let mut o = std::io::stdout().lock();
        let _ = push::write_report(&report, &options.url, &options.auth, &mut o);
        let _ = o.flush();
    }
    match push::failure(&report, &options.url) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
