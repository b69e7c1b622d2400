//! A run over a corpus: list the files, read and extract them in parallel, write the
//! documents' graphs to the store, and merge everything into one knowledge graph.
//!
//! Files go through in batches (a few hundred documents or some tens of MB, whichever comes
//! first): a batch is read and extracted in parallel (rayon), then merged into the graph and
//! handed to a writer thread that stores it, while the next batch is extracted. The writer
//! gives the documents of many batches to one bulk load ([`crate::store::DocumentLoader`]),
//! so that loading keeps up with extraction; after a crash every document is in the store
//! whole or not at all, and the next run completes the work.
//! Memory holds a batch or two and the merged graph, never the corpus. A file that cannot
//! be read is reported and skipped; the run goes on. A document whose content and rules are
//! unchanged since it was stored is not rewritten.
//!
//! [`plan`] lists the inputs first, so that a caller can refuse a run with nothing to read
//! before it opens a store or writes anything; [`run_inputs`] does the work.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use oxigraph::model::Quad;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::extract::extract;
use crate::graph::{DocumentGraph, KnowledgeGraph};
use crate::knowledge::Knowledge;
use crate::rdf::document_quads;
pub use crate::read::Skipped;
use crate::read::{list_inputs, patterns, read_input, InputFile, Inputs};
use crate::store::{KnowledgeStore, StoredDocuments, COMPACT_QUADS, LOAD_QUADS};

/// When no batch reaches the store's writer for this long, it commits what it has loaded.
const IDLE_COMMIT: Duration = Duration::from_secs(2);

/// A batch of extraction ends after this many bytes of input (or `batch_size` documents).
const BATCH_BYTES: u64 = 32 << 20;

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
    /// Its graph goes to the store (new, changed, or `force`).
    Written,
    /// The store already held it with the same content and rules.
    Unchanged,
    /// The run has no store.
    NoStore,
}

/// What a run tells its caller as it goes, file by file, in input order.
#[derive(Debug)]
pub enum Event<'a> {
    /// A document was read and extracted; `bytes` is the size of its file.
    Document {
        graph: &'a DocumentGraph,
        stored: Stored,
        bytes: u64,
    },
    /// A file could not be read (the report lists it again at the end).
    Skipped { skipped: &'a Skipped, bytes: u64 },
    /// Every document is extracted, and the store's writer commits the last load: it merges
    /// the load's sorted runs into the store's files, a while for a large load.
    Committing,
    /// Every document is done, and the store is being compacted (see
    /// [`crate::store::COMPACT_QUADS`]).
    Compacting,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunReport {
    pub documents: usize,
    pub stored: usize,
    pub unchanged: usize,
    pub skipped: Vec<Skipped>,
    pub quads_written: usize,
    /// Bytes of the decoded text of the documents read.
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
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    let inputs = plan(options)?;
    run_inputs(&inputs, options, k, store, graph, on_event)
}

/// One input after reading and extraction.
struct Extracted {
    path: PathBuf,
    bytes: u64,
    outcome: Result<Done>,
}

struct Done {
    graph: DocumentGraph,
    text_bytes: u64,
    stored: Stored,
    /// The quads to write when `stored` is [`Stored::Written`].
    quads: Vec<Quad>,
}

/// Runs extraction over listed inputs, writing to `store` when given; `on_event` hears of
/// each file as it is done (for progress). The report's `skipped` holds what listing passed
/// over, then the files that could not be read.
pub fn run_inputs(
    inputs: &Inputs,
    options: &RunOptions,
    k: &Knowledge,
    store: Option<&KnowledgeStore>,
    graph: &mut KnowledgeGraph,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    let started = Instant::now();
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
    // A new store gets its ontology in its first load (see `DocumentLoader::add`).
    let mut ontology = None;
    if let Some(store) = store {
        if store.is_empty()? {
            ontology = Some(store.ontology_quads(&k.ontology_ttl, crate::VERSION)?);
        } else {
            store.write_ontology(&k.ontology_ttl, crate::VERSION)?;
        }
    }
    let stored = store.map(KnowledgeStore::stored_documents).transpose()?;
    let stored = stored.as_ref();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|e| Error::Output(format!("cannot start worker threads: {e}")))?;
    let extract_one = |file: &InputFile| Extracted {
        path: file.path.clone(),
        bytes: file.size,
        outcome: read_input(file, options.lossy)
            .and_then(|doc| extracted(&doc, k, stored, options.force)),
    };

    let extract_batch = |batch: &[InputFile]| -> Vec<Extracted> {
        pool.install(|| batch.par_iter().map(extract_one).collect())
    };
    let extract_batch = &extract_batch;
    let all = batches(&inputs.files, options.batch_size);
    std::thread::scope(|scope| -> Result<()> {
        // The writer: each message goes to the run's bulk load, while the next batch is
        // extracted. A failed send means the writer stopped on an error, which its join
        // returns below.
        let (to_writer, inbox) = mpsc::sync_channel::<Vec<(String, Vec<Quad>)>>(1);
        let writer = store.zip(stored).map(|(store, stored)| {
            scope.spawn(move || -> Result<()> {
                let mut loader = store.loader(stored);
                if let Some(quads) = ontology {
                    loader.add(quads)?;
                }
                loop {
                    match inbox.recv_timeout(IDLE_COMMIT) {
                        Ok(documents) => loader.replace(documents)?,
                        // Extraction waits (slow input, a pipe): let readers see what is done.
                        Err(mpsc::RecvTimeoutError::Timeout) => loader.commit()?,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
                loader.finish()
            })
        });
        let send = |pending: &mut Vec<(String, Vec<Quad>)>| -> bool {
            pending.is_empty() || to_writer.send(std::mem::take(pending)).is_ok()
        };
        let mut ahead = all.first().map(|batch| extract_batch(batch));
        'batches: for i in 0..all.len() {
            let results = ahead.take().unwrap_or_default();
            // The next batch is extracted while this one is merged, reported and handed to
            // the writer: merging is one thread's work, and the pool would wait for it.
            let next = all
                .get(i + 1)
                .map(|&batch| scope.spawn(move || extract_batch(batch)));
            let mut pending: Vec<(String, Vec<Quad>)> = Vec::new();
            let mut pending_quads = 0;
            for item in results {
                match item.outcome {
                    Ok(done) => {
                        report.documents += 1;
                        report.bytes += done.text_bytes;
                        match done.stored {
                            Stored::Written => {
                                report.stored += 1;
                                report.quads_written += done.quads.len();
                                pending_quads += done.quads.len();
                                pending.push((done.graph.document.path.clone(), done.quads));
                            }
                            Stored::Unchanged => report.unchanged += 1,
                            Stored::NoStore => {}
                        }
                        graph.add_document(&done.graph);
                        on_event(Event::Document {
                            graph: &done.graph,
                            stored: done.stored,
                            bytes: item.bytes,
                        });
                        // A load is started once enough quads wait (and at the end of each
                        // batch): its fixed cost is then small, and memory is bounded.
                        if pending_quads >= LOAD_QUADS {
                            if !send(&mut pending) {
                                break 'batches;
                            }
                            pending_quads = 0;
                        }
                    }
                    Err(e) => {
                        report.skipped.push(Skipped {
                            path: item.path,
                            reason: e.to_string(),
                        });
                        if let Some(skipped) = report.skipped.last() {
                            on_event(Event::Skipped {
                                skipped,
                                bytes: item.bytes,
                            });
                        }
                    }
                }
            }
            if !send(&mut pending) {
                break;
            }
            if let Some(next) = next {
                ahead =
                    Some(next.join().map_err(|_| {
                        Error::Output("a document extraction thread failed".into())
                    })?);
            }
        }
        drop(to_writer);
        match writer {
            Some(w) => {
                on_event(Event::Committing);
                w.join()
                    .unwrap_or_else(|_| Err(Error::Output("the store writer thread failed".into())))
            }
            None => Ok(()),
        }
    })?;
    if let Some(store) = store.filter(|_| report.quads_written >= COMPACT_QUADS) {
        on_event(Event::Compacting);
        store.compact()?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Extracts one document, and decides against the store what becomes of it.
fn extracted(
    doc: &crate::read::Document,
    k: &Knowledge,
    stored: Option<&StoredDocuments>,
    force: bool,
) -> Result<Done> {
    let graph = extract(doc, k);
    let text_bytes = doc.text.len() as u64;
    let Some(stored) = stored else {
        return Ok(Done {
            graph,
            text_bytes,
            stored: Stored::NoStore,
            quads: Vec::new(),
        });
    };
    let current = (graph.document.sha256.clone(), k.fingerprint.clone());
    if !force && stored.stamp(&graph.document.path) == Some(&current) {
        return Ok(Done {
            graph,
            text_bytes,
            stored: Stored::Unchanged,
            quads: Vec::new(),
        });
    }
    let quads = document_quads(&graph, crate::VERSION, &k.fingerprint);
    Ok(Done {
        graph,
        text_bytes,
        stored: Stored::Written,
        quads,
    })
}

/// Consecutive runs of files of at most `count` files and about [`BATCH_BYTES`] (a file
/// larger than that is a batch of its own).
fn batches(files: &[InputFile], count: usize) -> Vec<&[InputFile]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, InputFile { size, .. }) in files.iter().enumerate() {
        if i > start && (i - start >= count.max(1) || bytes + size > BATCH_BYTES) {
            out.push(&files[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < files.len() {
        out.push(&files[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_bounded_by_count_and_bytes() {
        let mb = 1 << 20;
        let files = |sizes: &[u64]| -> Vec<InputFile> {
            sizes
                .iter()
                .enumerate()
                .map(|(i, &size)| InputFile {
                    path: format!("{i}.txt").into(),
                    size,
                    shown: format!("{i}.txt"),
                })
                .collect()
        };
        let sizes = |b: Vec<&[InputFile]>| b.iter().map(|b| b.len()).collect::<Vec<_>>();
        assert_eq!(sizes(batches(&files(&[mb; 10]), 4)), [4, 4, 2]);
        let big = files(&[mb, 40 * mb, mb, 20 * mb, 20 * mb]);
        assert_eq!(sizes(batches(&big, 100)), [1, 1, 2, 1]);
        assert!(batches(&[], 4).is_empty());
    }
}
