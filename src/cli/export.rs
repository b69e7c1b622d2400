//! `zhitu export`: the stored graph as a file (or folder) for another tool.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zhitu::export::{self, ExportFormat, Selection, Summary};
use zhitu::ontology::EntityType;
use zhitu::store::KnowledgeStore;
use zhitu::Error;

use crate::Cli;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Output format. Default: guessed from the extension of -o.
    #[arg(long, value_enum)]
    format: Option<ExportFormat>,
    /// Output file (a folder for neo4j). Default: standard output.
    #[arg(long, short, value_name = "FILE|DIR")]
    output: Option<PathBuf>,
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
    /// Only entities of these types, and the relations between them.
    #[arg(long = "type", value_delimiter = ',', value_name = "TYPE,...")]
    types: Vec<EntityType>,
    /// Only entities near the one(s) with this name or alias.
    #[arg(long, value_name = "NAME")]
    around: Option<String>,
    /// How many relations away from --around to go.
    #[arg(long, default_value_t = 1, requires = "around", value_name = "N")]
    depth: usize,
    /// Export what this SPARQL CONSTRUCT query builds ('-' for standard input): RDF formats
    /// write its triples; graph formats keep the entities and relations that appear in it.
    #[arg(long, value_name = "FILE")]
    query: Option<PathBuf>,
    /// Split the store into N N-Quads files part-000.nq … in the folder -o, for the bulk
    /// loaders of larger stores (QLever, Virtuoso, Jena, Neptune); each graph whole in one
    /// file, files balanced by size. Only with --format nquads.
    #[arg(long, value_name = "N")]
    shard: Option<usize>,
}

fn read_query(path: &Path) -> Result<String, Error> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| Error::Io {
            path: "-".into(),
            source: e,
        })?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })
    }
}

pub fn run(cli: &Cli, args: &ExportArgs) -> Result<ExitCode, Error> {
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, _) if args.shard.is_some() => ExportFormat::Nquads,
        (None, Some(out)) => out
            .extension()
            .and_then(|e| e.to_str())
            .and_then(ExportFormat::from_extension)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "cannot tell the format from {}: give --format",
                    out.display()
                ))
            })?,
        (None, None) => {
            return Err(Error::Usage(
                "give --format (graphml, gexf, dot, cytoscape, nodelink, neo4j, turtle, \
                 ntriples, nquads, trig, jsonld, svg, png)"
                    .into(),
            ))
        }
    };
    if let Some(n) = args.shard {
        return shard(cli, args, format, n);
    }
    let selection = Selection {
        types: args.types.clone(),
        around: args.around.clone().map(|n| (n, args.depth)),
        construct: args.query.as_deref().map(read_query).transpose()?,
    };
    let store = KnowledgeStore::open_read_only(&args.store)?;

    let summary = match (&args.output, format.is_folder()) {
        (Some(dir), true) => export::export_neo4j(&store, &selection, dir)?,
        (None, true) => {
            return Err(Error::Usage(
                "neo4j export writes a folder of CSV files: give -o DIR".into(),
            ))
        }
        (Some(path), false) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                    path: parent.to_path_buf(),
                    source: e,
                })?;
            }
            let file = std::fs::File::create(path).map_err(|e| Error::Io {
                path: path.clone(),
                source: e,
            })?;
            let mut w = std::io::BufWriter::new(file);
            match export::export(&store, format, &selection, &mut w) {
                Ok(s) => s,
                Err(e) => {
                    drop(w);
                    let _ = std::fs::remove_file(path);
                    return Err(e);
                }
            }
        }
        (None, false) => {
            let stdout = std::io::stdout();
            if format.is_binary() && stdout.is_terminal() {
                return Err(Error::Usage(format!(
                    "{format} is binary: give -o FILE.{} or redirect standard output",
                    format.file_extension()
                )));
            }
            let mut out = std::io::BufWriter::new(stdout.lock());
            match export::export(&store, format, &selection, &mut out) {
                Err(Error::Output(m)) if m.contains("Broken pipe") => return Ok(ExitCode::SUCCESS),
                r => r?,
            }
        }
    };
    if !cli.quiet {
        if let Some(path) = &args.output {
            let what = match summary {
                Summary::Graph { nodes, edges } => format!("{nodes} entities, {edges} relations"),
                Summary::Triples(n) => format!("{n} triples"),
                Summary::Quads(n) => format!("{n} quads"),
            };
            let _ = writeln!(
                std::io::stderr(),
                "zhitu: wrote {format} ({what}) to {}",
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--shard N`: the whole store as N N-Quads files in the folder -o.
fn shard(cli: &Cli, args: &ExportArgs, format: ExportFormat, n: usize) -> Result<ExitCode, Error> {
    if format != ExportFormat::Nquads {
        return Err(Error::Usage(format!(
            "--shard writes N-Quads files (one named graph per document, whole in one file): \
             give --format nquads, not {format}"
        )));
    }
    if n == 0 {
        return Err(Error::Usage("--shard N: N must be 1 or more".into()));
    }
    if !args.types.is_empty() || args.around.is_some() || args.query.is_some() {
        return Err(Error::Usage(
            "--shard exports the whole store; --type, --around and --query do not apply".into(),
        ));
    }
    let Some(dir) = &args.output else {
        return Err(Error::Usage(
            "--shard writes a folder of files: give -o DIR".into(),
        ));
    };
    if dir.is_file() {
        return Err(Error::Usage(format!(
            "--shard writes a folder of files, and {} is a file: give -o DIR",
            dir.display()
        )));
    }
    let store = KnowledgeStore::open_read_only(&args.store)?;
    let (shards, removed) = export::export_shards(&store, n, dir)?;
    if !cli.quiet {
        let mut e = std::io::stderr().lock();
        for path in &removed {
            let _ = writeln!(
                e,
                "zhitu: removed {} (a shard of an earlier export with more shards)",
                path.display()
            );
        }
        let graphs: usize = shards.iter().map(|s| s.graphs).sum();
        let quads: usize = shards.iter().map(|s| s.quads).sum();
        let _ = writeln!(
            e,
            "zhitu: wrote {graphs} graphs, {quads} quads in {n} N-Quads files to {}",
            dir.display()
        );
        for s in &shards {
            let _ = writeln!(
                e,
                "  {}  {} graphs, {} quads",
                s.file.display(),
                s.graphs,
                s.quads
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
