//! The `zhitu` command: argument parsing, terminal output and exit codes. The work is done
//! by the library; this file only knows how to talk to a person or a script.
//!
//! Exit codes: 0 success; 1 the run finished but some inputs were skipped (each is listed);
//! 2 usage error, a malformed rule/lexicon file, a bad query or gold file; 3 the store cannot
//! be opened or written (locked by another process, not a zhitu store, another store
//! format); 4 any other I/O error (also: `serve` cannot listen on its address); 5 a remote
//! store did not take everything `--push` sent.
//! `zhitu path` exits 1 when the two entities are not connected.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use zhitu::knowledge::Knowledge;
use zhitu::query::{self, OutputFormat};
use zhitu::store::KnowledgeStore;
use zhitu::Error;

mod cli;

/// mimalloc rather than glibc's allocator: extraction and loading allocate many small strings
/// on every core, and glibc's malloc and free took about a quarter of a run's time (perf,
/// 10 MB bench corpus). With the `override` feature it is also the process's `malloc`, so
/// memory that RocksDB allocates and Oxigraph frees (error messages) meets one allocator:
/// without it, readers crashed on such an error.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (mimalloc.h); libmimalloc-sys names
/// the options of mimalloc 2, where it has no name but the same number.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc not to give freed memory back to the system. By default it does so a
/// second after it is freed; a load frees each batch's buffers and allocates the next
/// batch's soon after, so the system zeroed the same pages again and again (about 5% of a
/// 100 MB load in `clear_page_erms`). A process keeps the most it used until it exits; the
/// peak grew little (1 GB bench corpus: 717–730 MiB before, 771–823 MiB after). Not for
/// `serve`: a server that kept what one large query used would hold it until it stops.
fn keep_freed_memory() {
    // SAFETY: sets an option of the allocator this process uses (`ALLOCATOR`); mimalloc
    // reads it on each purge, and any value is valid (-1: never purge).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

#[derive(Parser)]
#[command(
    name = "zhitu",
    version,
    about = "知图 — a knowledge graph from Chinese innovation-policy documents",
    long_about = "知图 zhitu reads Chinese policy texts, work reports and park reports, finds the \
institutions, agencies, enterprises, platforms, funds, policies, regions and industries they \
name and the relations between them, and stores the graph in an Oxigraph store that answers SPARQL.",
    after_help = "Examples:
  zhitu extract                                  # input/ → output/graph.json and output/store
  zhitu extract docs/ --out results/
  zhitu query 'SELECT ?name WHERE { ?p a zt:Platform ; skos:prefLabel ?name }'
  zhitu query --format csv --file my-query.rq
  zhitu update 'DELETE WHERE { GRAPH <urn:my-notes> { ?s ?p ?o } }'
  zhitu remove input/old-report.txt
  zhitu explain input/report.txt --grep 依托
  zhitu eval --gold ../shared/corpus/dev
  zhitu export -o graph.graphml                  # also .gexf .dot .cyjs .ttl .nq .svg .png …
  zhitu stats
  zhitu path 复旦大学 上海市科委
  zhitu show 中科院
  zhitu serve                                    # SPARQL endpoint at http://127.0.0.1:7878/sparql
  zhitu push http://localhost:7878/store         # every document's graph to another store
  zhitu export --format nquads --shard 8 -o shards/   # for bulk loaders of larger stores

Exit codes: 0 ok; 1 some inputs skipped; 2 usage, rule or query error; 3 store error; 4 I/O error;
5 a remote store did not take what --push sent."
)]
struct Cli {
    /// The knowledge folder (ontology, lexicons, rules). Default: ./ontology, else the one
    /// zhitu was built with.
    #[arg(long, global = true, env = "ZHITU_ONTOLOGY", value_name = "DIR")]
    ontology: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract the knowledge graph from text files and folders.
    #[command(after_help = "Examples:
  zhitu extract                          # reads input/, writes output/
  zhitu extract reports/ notes.txt --out results/
  zhitu extract big-corpus/ --no-store   # graph.json only
  zhitu extract input/ --force           # rewrite documents already stored
  zhitu extract gbk-scans/ --lossy -v    # keep files with broken bytes; say what each was

Each document is written to the store in one transaction: after an interruption (Ctrl-C, a
crash, a kill) the store holds every document completely or not at all, and running the same
command again completes the work. Exits 1 when some input was skipped (each is listed at the
end with the reason), 2 when no input file is there, 3 when another process holds the store.")]
    Extract(cli::extract::ExtractArgs),
    /// Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) against the store.
    #[command(
        after_help = "Prefixes zt: zid: zdoc: rdf: rdfs: owl: xsd: skos: prov: org: schema: dcterms: are predeclared.
The default graph is the union of all documents' graphs.

Examples:
  zhitu query 'SELECT ?name WHERE { ?p a zt:Platform ; skos:prefLabel ?name }'
  zhitu query 'SELECT ?platform ?text WHERE {
      ?s rdf:subject ?p ; rdf:predicate zt:reliesOn ; rdf:object ?u ; zt:evidence/zt:text ?text .
      ?u skos:prefLabel \"清华大学\"@zh . ?p skos:prefLabel ?platform }'
  zhitu query --format csv --file my-query.rq > result.csv"
    )]
    Query {
        /// The query text (or use --file).
        query: Option<String>,
        /// Read the query from a file ('-' for standard input).
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// The store folder.
        #[arg(long, default_value = "output/store", value_name = "DIR")]
        store: PathBuf,
    },
    /// Run a SPARQL update (INSERT, DELETE, …) on the store, and say how many quads it changed.
    #[command(
        after_help = "The prefixes of `zhitu query` are predeclared. WHERE patterns outside GRAPH see the union of
all graphs, as queries do; to change what a document says, write inside its graph
(GRAPH ?g { … }). Re-extracting a document replaces its graph, and your changes to it.

Examples:
  zhitu update 'INSERT DATA { GRAPH <urn:my-notes> { <urn:note/1> rdfs:comment \"核对过\"@zh } }'
  zhitu update 'DELETE { GRAPH ?g { ?e skos:altLabel \"科学城\"@zh } } WHERE { GRAPH ?g { ?e skos:altLabel \"科学城\"@zh } }'
  zhitu update --file fix.ru --store results/store"
    )]
    Update(cli::store::UpdateArgs),
    /// Remove documents from the store: their graphs, and the entities no other document mentions.
    #[command(after_help = "Examples:
  zhitu remove input/old-report.txt
  zhitu remove a.txt b.txt --store results/store

All the documents go in one transaction; if the store does not hold one of them, nothing is
removed (exit 2).")]
    Remove(cli::store::RemoveArgs),
    /// Serve the store as a SPARQL 1.1 Protocol endpoint (read-only unless --writable).
    #[command(
        after_help = "Queries go to /sparql by GET (?query=…) or POST (form query=…, or a body of type
application/sparql-query), with default-graph-uri and named-graph-uri; answers are negotiated
by Accept: SPARQL results as JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples,
JSON-LD, RDF/XML. Without FROM or default-graph-uri the default graph is the union of all
graphs, and zhitu's prefixes are predeclared, as in `zhitu query`. / has a query page.
A query past --timeout gets 503, an answer past --max-results 422, a body past --max-body
413, an update on a read-only server 403.

Examples:
  zhitu serve                                   # http://127.0.0.1:7878/sparql, read-only
  zhitu serve --store results/store --bind 127.0.0.1:0 -v   # any free port, a line per request
  zhitu serve --writable --timeout 300
  curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?n WHERE { ?p a zt:Platform ; skos:prefLabel ?n }' http://127.0.0.1:7878/sparql"
    )]
    Serve(cli::serve::ServeArgs),
    /// Send the store's graphs to another triple store (SPARQL 1.1 Graph Store Protocol).
    #[command(
        after_help = "Each document's named graph (and the ontology's) goes as one PUT URL?graph=IRI of N-Triples,
replacing that graph in the remote store: pushing again never duplicates. Transient failures
(connection errors, 408, 429, 5xx) are retried; credentials come from the environment only:
ZHITU_PUSH_TOKEN (bearer), or ZHITU_PUSH_USER and ZHITU_PUSH_PASSWORD (basic).
Exits 5 when some graph did not arrive (each is listed).

Examples:
  zhitu push http://localhost:7878/store                        # Oxigraph server
  zhitu push http://localhost:3030/corpus/data --store results/store   # Fuseki
  ZHITU_PUSH_USER=admin ZHITU_PUSH_PASSWORD=… zhitu push http://graphdb:7200/repositories/zhitu/rdf-graphs/service
  zhitu push http://localhost:7878/store input/report.txt       # one document"
    )]
    Push(cli::push::PushArgs),
    /// Show, sentence by sentence, what extraction found in a file and why.
    #[command(after_help = "Examples:
  zhitu explain input/haidian.txt --grep 依托
  zhitu explain report.txt --rejected")]
    Explain {
        file: PathBuf,
        /// Only sentences containing this text.
        #[arg(long, short)]
        grep: Option<String>,
        /// Also list candidates that were rejected, with the reason.
        #[arg(long)]
        rejected: bool,
    },
    /// Score extraction against gold annotations (the format of ANNOTATION.md).
    #[command(after_help = "Examples:
  zhitu eval --gold ../shared/corpus/dev
  zhitu eval ../shared/corpus/dev/haidian-park.gold.json --quiet")]
    Eval {
        /// Gold files (NAME.gold.json beside NAME.txt).
        gold_files: Vec<PathBuf>,
        /// A folder of gold files.
        #[arg(long, value_name = "DIR")]
        gold: Option<PathBuf>,
        /// Print the figures only, not every miss and false positive.
        #[arg(long)]
        summary: bool,
        /// Fail (exit 1) when a figure falls below the floors in this file.
        #[arg(long, value_name = "FILE")]
        floor: Option<PathBuf>,
    },
    /// Export the stored graph for Gephi, Cytoscape, yEd, Graphviz, NetworkX, Neo4j or RDF tools.
    #[command(
        after_help = "Formats: graphml gexf dot cytoscape nodelink neo4j turtle ntriples nquads trig jsonld svg png
(--format may be left out when -o ends in .graphml .gexf .dot .cyjs .ttl .nt .nq .trig .jsonld .svg .png)

Examples:
  zhitu export -o graph.graphml                          # Gephi, yEd, Cytoscape, NetworkX
  zhitu export --format gexf -o graph.gexf               # Gephi, coloured by type
  zhitu export --format nodelink -o graph.json           # NetworkX node_link_graph, D3
  zhitu export --format cytoscape -o graph.cyjs
  zhitu export --format neo4j -o neo4j/                  # nodes.csv + relationships.csv
  zhitu export --format nquads -o corpus.nq              # one named graph per document
  zhitu export -o platforms.svg --type Platform,Institution
  zhitu export -o cas.png --around 中国科学院 --depth 2
  zhitu export --format turtle --query relies-on.rq      # a CONSTRUCT's triples
  zhitu export --format dot | dot -Tpdf > graph.pdf"
    )]
    Export(cli::export::ExportArgs),
    /// Counts by type and predicate, the most connected and central entities, components.
    #[command(after_help = "Examples:
  zhitu stats
  zhitu stats --top 20 --store results/store")]
    Stats(cli::views::StatsArgs),
    /// The shortest chain of relations between two entities, with the evidence of each step.
    #[command(
        after_help = "Relations are followed in either direction; each step says which way it reads.
Exits 1 when the two entities are not connected.

Examples:
  zhitu path 复旦大学 上海市科委
  zhitu path 中山大学 中科院 --store results/store"
    )]
    Path(cli::views::PathArgs),
    /// One entity: type, aliases, documents, and its relations in and out with evidence.
    #[command(after_help = "Examples:
  zhitu show 上海市
  zhitu show 中科院                      # aliases work too")]
    Show(cli::views::ShowArgs),
}

/// Raises the soft limit on open files towards the hard one (to 65,536 at most). A bulk
/// load's commit merges each index's runs with all of them open at once, an index per core
/// as far as half the limit allows: up to [`zhitu::store::COMMIT_QUADS`] /
/// [`zhitu::store::SORT_QUADS`] files (400) each, so that the usual soft limit of 1,024
/// would let one merge run at a time, while the hard limit is most often far higher.
/// Some systems refuse a soft limit above a cap of their own, below an unlimited hard limit
/// (macOS: 10,240); the limit asked for is then halved until one is granted.
#[cfg(unix)]
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the `rlimit` given, nothing else. A
    // failure leaves the limit as it was, and the commit then reports a file it cannot open.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) != 0 {
            return;
        }
        let mut wanted = limit.rlim_max.min(1 << 16);
        while wanted > limit.rlim_cur {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raw const raised) == 0 {
                return;
            }
            wanted /= 2;
        }
    }
}

#[cfg(not(unix))]
fn raise_open_file_limit() {}

fn main() -> ExitCode {
    raise_open_file_limit();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        keep_freed_memory();
    }
    match dispatch(&cli) {
        Ok(code) => code,
        Err(e) => {
            // The reader went away (`zhitu … | head`): nothing is wrong.
            let closed_pipe = match &e {
                Error::Output(m) => m.contains("Broken pipe"),
                other => {
                    io_error(other).is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                }
            };
            if closed_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("zhitu: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

fn io_error(e: &Error) -> Option<&std::io::Error> {
    match e {
        Error::Io { source, .. } => Some(source),
        _ => None,
    }
}

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Knowledge { .. }
        | Error::Query(_)
        | Error::BadInput { .. }
        | Error::NotFound(_)
        | Error::Usage(_) => 2,
        Error::Store { .. } | Error::StoreLocked(_) => 3,
        Error::Remote(_) => 5,
        _ => 4,
    }
}

/// The knowledge folder: --ontology, else ./ontology, else the one in the source tree.
pub(crate) fn knowledge(cli: &Cli) -> Result<Knowledge, Error> {
    let dir = match &cli.ontology {
        Some(d) => d.clone(),
        None => {
            let local = PathBuf::from("ontology");
            if local.join("rules").is_dir() {
                local
            } else {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology")
            }
        }
    };
    Knowledge::load(&dir)
}

fn dispatch(cli: &Cli) -> Result<ExitCode, Error> {
    match &cli.command {
        Command::Extract(args) => cli::extract::run(cli, args),
        Command::Query {
            query,
            file,
            format,
            store,
        } => {
            let text = cli::store::sparql_text(query.as_deref(), file.as_deref(), "a query")?;
            let s = KnowledgeStore::open_read_only(store)?;
            let mut out = std::io::stdout().lock();
            match query::run(s.inner(), &text, *format, &mut out) {
                Err(Error::Output(m)) if m.contains("Broken pipe") => Ok(ExitCode::SUCCESS),
                r => r.map(|_| ExitCode::SUCCESS),
            }
        }
        Command::Explain {
            file,
            grep,
            rejected,
        } => cli::explain::run(cli, file, grep.as_deref(), *rejected),
        Command::Eval {
            gold_files,
            gold,
            summary,
            floor,
        } => cli::eval::run(cli, gold_files, gold.as_deref(), *summary, floor.as_deref()),
        Command::Export(args) => cli::export::run(cli, args),
        Command::Update(args) => cli::store::update(cli, args),
        Command::Remove(args) => cli::store::remove(cli, args),
        Command::Stats(args) => cli::views::stats(cli, args),
        Command::Path(args) => cli::views::path(cli, args),
        Command::Show(args) => cli::views::show(cli, args),
        Command::Serve(args) => cli::serve::run(cli, args),
        Command::Push(args) => cli::push::run(cli, args),
    }
}
