//! A run over a corpus: list the files, read and extract them in parallel, write each
//! document's graph to the store, and merge everything into one knowledge graph.
//!
//! Files are processed in batches: a batch is read and extracted in parallel (rayon), then
//! written to the store one document per transaction, so memory holds one batch and the
//! merged graph, never the corpus. A file that cannot be read is reported and skipped; the
//! run goes on. A document whose content and rules are unchanged since it was stored is
//! not rewritten.
//!
//! [`plan`] lists the inputs first, so that a caller can refuse a run with nothing to read
//! before it opens a store or writes anything; [`run_inputs`] does the work.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::extract::extract;
use crate::graph::{DocumentGraph, KnowledgeGraph};
use crate::knowledge::Knowledge;
use crate::rdf::document_quads;
pub use crate::read::Skipped;
use crate::read::{list_inputs, patterns, read_document_with, Inputs};
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
    /// Documents read and extracted together (in parallel) before they are stored.
    pub batch_size: usize,
    /// Decode undecodable bytes as U+FFFD instead of skipping the file.
    pub lossy: bool,
}

/// What became of a document in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Its graph was written (new, changed, or `force`).
    Written,
    /// The store already held it with the same content and rules.
    Unchanged,
    /// The run has no store.
    NoStore,
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

/// Lists the files of a run. A path that does not exist, or inputs that hold no file to
/// read and nothing skipped either (folders without a matching file), are errors.
pub fn plan(options: &RunOptions) -> Result<Inputs> {
    let inputs = list_inputs(&options.inputs, &options.extensions)?;
    if inputs.files.is_empty() && inputs.skipped.is_empty() {
        let folders: Vec<String> = inputs
            .empty_folders
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(Error::Usage(format!(
            "no {} files under {} (--ext chooses the extensions read from folders)",
            patterns(&options.extensions),
            folders.join(", ")
        )));
    }
    Ok(inputs)
}

/// Lists the inputs and runs extraction over them: [`plan`], then [`run_inputs`].
pub fn run(
    options: &RunOptions,
    k: &Knowledge,
    store: Option<&KnowledgeStore>,
    graph: &mut KnowledgeGraph,
    on_document: &mut dyn FnMut(&DocumentGraph, Stored),
) -> Result<RunReport> {
    let inputs = plan(options)?;
    run_inputs(&inputs, options, k, store, graph, on_document)
}

/// Runs extraction over listed inputs, writing to `store` when given; `on_document` sees each
/// document's graph as it is done, and what became of it in the store (for progress). The
/// report's `skipped` holds what listing passed over, then the files that could not be read.
pub fn run_inputs(
    inputs: &Inputs,
    options: &RunOptions,
    k: &Knowledge,
    store: Option<&KnowledgeStore>,
    graph: &mut KnowledgeGraph,
    on_document: &mut dyn FnMut(&DocumentGraph, Stored),
) -> Result<RunReport> {
    let started = Instant::now();
    let files = &inputs.files;
    let mut report = RunReport {
        skipped: inputs.skipped.clone(),
        ..RunReport::default()
    };
    for folder in &inputs.empty_folders {
        report.skipped.push(Skipped {
            path: folder.clone(),
            reason: format!("no {} files in this folder", patterns(&options.extensions)),
        });
    }
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
                    let r = read_document_with(path, options.lossy).map(|doc| {
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
                    let mut outcome = Stored::NoStore;
                    if let Some(store) = store {
                        let stored = store.document_stamp(&doc.document.path)?;
                        let current = (doc.document.sha256.clone(), k.fingerprint.clone());
                        if !options.force && stored.as_ref() == Some(&current) {
                            report.unchanged += 1;
                            outcome = Stored::Unchanged;
                        } else {
                            let quads = document_quads(&doc, crate::VERSION, &k.fingerprint);
                            store.replace_document(&doc.document.path, &quads)?;
                            report.stored += 1;
                            report.quads_written += quads.len();
                            outcome = Stored::Written;
                        }
                    }
                    graph.add_document(&doc);
                    on_document(&doc, outcome);
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
