//! `zhitu serve`: the store as a SPARQL endpoint, with a line on startup saying where, and a
//! line per request with --verbose.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use zhitu::serve::{self, Endpoint, ServeOptions};
use zhitu::store::KnowledgeStore;
use zhitu::Error;

use crate::Cli;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The store folder.
    #[arg(long, default_value = "output/store", value_name = "DIR")]
    store: PathBuf,
    /// Address and port to listen on (port 0: any free port, printed on startup). Other
    /// machines reach the server only if you bind another address than loopback.
    #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR:PORT")]
    bind: String,
    /// Accept SPARQL updates (opens the store for writing; no other writer may run).
    #[arg(long)]
    writable: bool,
    /// Stop a query that runs longer than this many seconds (0: never).
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    timeout: f64,
    /// The most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) one answer may hold.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    max_results: usize,
    /// The largest request body in bytes (a query or update sent by POST).
    #[arg(long, default_value_t = 4 * 1024 * 1024, value_name = "BYTES")]
    max_body: u64,
    /// Send no CORS headers (browser pages of other origins then cannot read answers).
    #[arg(long)]
    no_cors: bool,
    /// Print a line per request on standard error.
    #[arg(long, short)]
    verbose: bool,
}

pub fn run(cli: &Cli, args: &ServeArgs) -> Result<ExitCode, Error> {
    if !(args.timeout >= 0.0 && args.timeout.is_finite()) {
        return Err(Error::Usage(format!(
            "--timeout {}: give a number of seconds (0 for none)",
            args.timeout
        )));
    }
    // Resolve the address before opening the store: a typo costs nothing.
    let addr = serve::resolve(&args.bind)?;
    let store = if args.writable {
        KnowledgeStore::open_existing(&args.store)?
    } else {
        KnowledgeStore::open_read_only(&args.store)?
    };
    let quads = store.len()?;
    let log: Option<serve::Logger> = if args.verbose && !cli.quiet {
        Some(Arc::new(|line: &str| eprintln!("zhitu: {line}")) as serve::Logger)
    } else {
        None
    };
    let options = ServeOptions {
        writable: args.writable,
        timeout: (args.timeout > 0.0).then(|| Duration::from_secs_f64(args.timeout)),
        max_results: args.max_results,
        max_body: args.max_body,
        cors: !args.no_cors,
        log,
        ..ServeOptions::default()
    };
    let server = serve::serve(Endpoint::new(store.inner().clone(), options), addr)?;
    if !cli.quiet {
        let host = match addr {
            std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
            a => a.to_string(),
        };
        eprintln!(
            "zhitu: serving {} ({quads} quads, {}) at http://{host}/sparql — a query page at \
             http://{host}/",
            args.store.display(),
            if args.writable {
                "writable"
            } else {
                "read-only"
            }
        );
        if !addr.ip().is_loopback() {
            eprintln!(
                "zhitu: note: {} is reachable from other machines{}",
                addr.ip(),
                if args.writable {
                    ", and --writable lets them change the store"
                } else {
                    ""
                }
            );
        }
        if !args.writable {
            eprintln!(
                "zhitu: the store is read as it was at startup; restart the server to see \
                 documents extracted since"
            );
        }
    }
    server.join().map_err(|e| Error::Listen {
        addr: addr.to_string(),
        source: e,
    })?;
    Ok(ExitCode::SUCCESS)
}
