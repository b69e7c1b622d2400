//! `zhitu remove` and `zhitu update`: changing what a store holds, with a confirmation of
//! what changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zhitu::query;
use zhitu::read::display_path;
use zhitu::store::KnowledgeStore;
use zhitu::Error;

use crate::Cli;

#[derive(clap::Args)]
pub struct RemoveArgs {
    /// The documents, by the path extract read them from (they need not exist any more).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
}

#[derive(clap::Args)]
pub struct UpdateArgs {
    /// The update text (or use --file).
    update: Option<String>,
    /// Read the update from a file ('-' for standard input).
    #[arg(long, short, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
}

/// The SPARQL text of `query`/`update`: given inline, or read from a file or standard input.
pub fn sparql_text(inline: Option<&str>, file: Option<&Path>, what: &str) -> Result<String, Error> {
    match (inline, file) {
        (Some(q), None) => Ok(q.to_owned()),
        (None, Some(f)) if f.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| {
                Error::Io {
                    path: "-".into(),
                    source: e,
                }
            })?;
            Ok(s)
        }
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| Error::Io {
            path: f.to_path_buf(),
            source: e,
        }),
        _ => Err(Error::Query(format!(
            "give {what}, or --file FILE (not both)"
        ))),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn remove(cli: &Cli, args: &RemoveArgs) -> Result<ExitCode, Error> {
    let names: Vec<String> = args.files.iter().map(|f| display_path(f)).collect();
    let store = KnowledgeStore::open_existing(&args.store)?;
    let removed = store.remove_documents(&names)?;
    if !cli.quiet {
        let mut o = std::io::stdout().lock();
        for (path, quads) in &removed {
            let _ = writeln!(o, "removed {path} ({})", plural(*quads, "quad", "quads"));
        }
        let _ = writeln!(
            o,
            "store {}: {} and {} left",
            store.path().display(),
            plural(store.document_paths()?.len(), "document", "documents"),
            plural(store.len()?, "quad", "quads")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn update(cli: &Cli, args: &UpdateArgs) -> Result<ExitCode, Error> {
    let text = sparql_text(args.update.as_deref(), args.file.as_deref(), "an update")?;
    let store = KnowledgeStore::open_existing(&args.store)?;
    let summary = query::update(store.inner(), &text)?;
    // The update may have changed what documents say; the knowledge graph follows them.
    let (added, removed) = store.rebuild_knowledge()?;
    if !cli.quiet {
        let change = match (summary.added(), summary.removed()) {
            (0, 0) => "as many quads as before (none, or as many added as removed)".to_owned(),
            (n, 0) => format!("{} added", plural(n, "quad", "quads")),
            (_, n) => format!("{} removed", plural(n, "quad", "quads")),
        };
        let _ = writeln!(
            std::io::stdout(),
            "store {}: {change} ({} now)",
            store.path().display(),
            plural(summary.after, "quad", "quads")
        );
        if added + removed > 0 {
            let _ = writeln!(
                std::io::stdout(),
                "knowledge graph zg:knowledge follows the documents: {added} added, {removed} \
                 removed"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
