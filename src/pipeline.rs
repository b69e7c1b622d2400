//! A run over a corpus: list the files, read and extract them in parallel, write each
//! document's graph to the store, and merge everything into one knowledge graph.
//!
//! Files are processed in batches: a batch is read and extracted in parallel (rayon), then
//! written to the store one document per transaction, so memory holds one batch and the
//! merged graph, never the corpus. A file that cannot be read is reported and skipped; the
//! run goes on. A document whose content and rules are unchanged since it was stored is
//! not rewritten.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::extract::extract;
use crate::graph::{DocumentGraph, KnowledgeGraph};
use crate::knowledge::Knowledge;
use crate::rdf::document_quads;
use crate::read::{list_inputs, read_document};
use crate::store::KnowledgeStore;

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub inputs: Vec<PathBuf>,
    pub extensions: Vec<String>,
    /// Rewrite documents even when their content hash is already stored.
    pub force: bool,
    /// Threads for extraction (0 = all cores).
    pub jobs: usize,
    pub batch_size: usize,
}

/// A file that was not extracted, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunReport {
    pub documents: usize,
    pub stored: usize,
    pub unchanged: usize,
    pub skipped: Vec<Skipped>,
    pub quads_written: usize,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// Runs extraction over the inputs, writing to `store` when given; `on_document` sees each
/// document's graph as it is done (for progress).
pub fn run(
    options: &RunOptions,
    k: &Knowledge,
    store: Option<&KnowledgeStore>,
    graph: &mut KnowledgeGraph,
    on_document: &mut dyn FnMut(&DocumentGraph),
) -> Result<RunReport> {
    let started = Instant::now();
    let files = list_inputs(&options.inputs, &options.extensions)?;
    let mut report = RunReport::default();
    if let Some(store) = store {
        store.write_ontology(&k.ontology_ttl, crate::VERSION)?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| Error::Output(format!("cannot start worker threads: {e}")))?;
    for batch in files.chunks(options.batch_size.max(1)) {
        let results: Vec<(PathBuf, Result<(DocumentGraph, u64)>)> = pool.install(|| {
            batch
                .par_iter()
                .map(|path| {
                    let r = read_document(path).map(|doc| {
                        let bytes = doc.text.len() as u64;
                        (extract(&doc, k), bytes)
                    });
                    (path.clone(), r)
                })
                .collect()
        });
        for (path, result) in results {
            match result {
                Ok((doc, bytes)) => {
                    report.documents += 1;
                    report.bytes += bytes;
                    if let Some(store) = store {
                        let stored = store.document_stamp(&doc.document.path)?;
                        let current = (doc.document.sha256.clone(), k.fingerprint.clone());
                        if !options.force && stored.as_ref() == Some(&current) {
                            report.unchanged += 1;
                        } else {
                            let quads = document_quads(&doc, crate::VERSION, &k.fingerprint);
                            store.replace_document(&doc.document.path, &quads)?;
                            report.stored += 1;
                            report.quads_written += quads.len();
                        }
                    }
                    graph.add_document(&doc);
                    on_document(&doc);
                }
                Err(e) => report.skipped.push(Skipped {
                    path,
                    reason: e.to_string(),
                }),
            }
        }
    }
    if let Some(store) = store {
        store.flush()?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}
