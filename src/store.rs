//! Stage 8b — store: the on-disk Oxigraph store that answers SPARQL.
//!
//! The store is Oxigraph's RocksDB store. Each document is one named graph, cleared and then
//! written (with the other documents of a run) through an atomic bulk load: a document is
//! in the store completely or not at all, and re-extracting it never duplicates anything.
//! Removing a document drops its graph, and with it every entity that no other document
//! mentions (entities are stated in the graphs of the documents that mention them).
//!
//! Facts repeat across documents — a university named in ten thousand files is typed and
//! labelled in ten thousand graphs — so questions over the whole corpus (counts, paths) would
//! read every copy. The knowledge graph ([`crate::ontology::KNOWLEDGE_GRAPH`]) holds each
//! fact once: every entity's type and labels and every relation that some document states.
//! It is kept exact as documents come and go: a fact leaves it when the last document
//! stating it is replaced or removed, checked in the transaction that clears that document.
//!
//! The ontology sits in its own named graph
//! and is replaced on every run; store metadata in another: the zhitu version that wrote
//! the store, the ontology version and the store format number ([`STORE_FORMAT`]). A store
//! of another format is refused on opening, with the versions named, rather than misread.
//!
//! Nothing is flushed by hand: transactions are durable in RocksDB's log and a load's files
//! once added, and a flush would wait while RocksDB merges those files (minutes after a
//! 1 GB load), which it does in the background whenever the store is open for writing.
//!
//! Only one process may hold the store for writing (RocksDB locks it); a second writer gets
//! [`Error::StoreLocked`]. Readers open it read-only, which works while a writer holds it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use oxigraph::io::RdfFormat;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    Term, Triple,
};
use oxigraph::store::{StorageError, Store};

use crate::error::{Error, Result};
use crate::ontology::{META_GRAPH, ONTOLOGY_GRAPH, ZT};
use crate::rdf::{
    document_iri, is_knowledge, knowledge_graph, knowledge_predicates, knowledge_quads,
};

/// The layout of the store this zhitu writes and reads: how documents, entities, relations,
/// evidence and metadata are laid out in graphs. Raise it with any change that makes stores
/// written before unreadable (or misread) by this code; a store of another number is refused.
/// Stores written before the number was recorded (zhitu 0.1.0 without `zt:storeFormat`) are
/// format 1. Format 2 added the knowledge graph and shares a node among a document's mentions
/// of one text.
pub const STORE_FORMAT: u64 = 2;

const OWL_VERSION_INFO: &str = "http://www.w3.org/2002/07/owl#versionInfo";

/// What a store records about the zhitu that wrote it (from its metadata graph).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreInfo {
    /// `zt:writtenBy`, e.g. "zhitu 0.1.0".
    pub written_by: Option<String>,
    /// `zt:storeFormat`.
    pub format: Option<u64>,
    /// `zt:ontologyVersion`: the `owl:versionInfo` of the ontology it was written with.
    pub ontology_version: Option<String>,
}

/// The zhitu store.
pub struct KnowledgeStore {
    store: Store,
    path: PathBuf,
}

impl KnowledgeStore {
    /// Opens (creating if needed) the store at `path` for writing. Fails with
    /// [`Error::StoreLocked`] when another process holds it, and with [`Error::Store`] when it
    /// was written in another store format.
    pub fn open(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
        let store = Store::open(path).map_err(|e| store_error(path, e))?;
        remove_uncommitted_loads(path)?;
        let s = KnowledgeStore {
            store,
            path: path.to_path_buf(),
        };
        s.check_format()?;
        Ok(s)
    }

    /// Opens an existing store for writing (never creates one): for changing what is stored.
    pub fn open_existing(path: &Path) -> Result<Self> {
        require_store(path)?;
        Self::open(path)
    }

    /// Opens an existing store for reading; works while another process writes it (the
    /// reader sees the documents written up to its opening).
    pub fn open_read_only(path: &Path) -> Result<Self> {
        require_store(path)?;
        // A writer may delete a file (an old log, a compacted table) between the moment the
        // reader lists the files and the moment it opens them: try again on a fresh listing.
        let mut attempt = 0;
        let store = loop {
            match Store::open_read_only(path) {
                Ok(s) => break s,
                Err(_) if attempt < 4 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
                }
                Err(e) => return Err(store_error(path, e)),
            }
        };
        let s = KnowledgeStore {
            store,
            path: path.to_path_buf(),
        };
        s.check_format()?;
        Ok(s)
    }

    /// The Oxigraph store, for queries.
    pub fn inner(&self) -> &Store {
        &self.store
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl std::fmt::Display) -> Error {
        Error::Store {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// What the store's metadata graph records (all `None` for a new, empty store).
    pub fn info(&self) -> Result<StoreInfo> {
        let meta = NamedNodeRef::new_unchecked(META_GRAPH);
        let value = |local: &str| -> Result<Option<Term>> {
            let p = NamedNode::new_unchecked(format!("{ZT}{local}"));
            self.store
                .quads_for_pattern(
                    Some(meta.into()),
                    Some(p.as_ref()),
                    None,
                    Some(GraphNameRef::NamedNode(meta)),
                )
                .next()
                .transpose()
                .map(|q| q.map(|q| q.object))
                .map_err(|e| self.err(e))
        };
        let text = |t: Option<Term>| match t {
            Some(Term::Literal(l)) => Some(l.value().to_owned()),
            _ => None,
        };
        Ok(StoreInfo {
            written_by: text(value("writtenBy")?),
            format: text(value("storeFormat")?).and_then(|v| v.parse().ok()),
            ontology_version: text(value("ontologyVersion")?),
        })
    }

    /// Refuses a store this zhitu cannot read: another store format, or data without zhitu's
    /// metadata.
    fn check_format(&self) -> Result<()> {
        let info = self.info()?;
        let ours = format!(
            "this is zhitu {}, which reads store format {STORE_FORMAT}",
            crate::VERSION
        );
        let Some(written_by) = &info.written_by else {
            if self.is_empty()? {
                return Ok(()); // a new store
            }
            return Err(self.err(format!(
                "holds data but no zhitu metadata (graph <{META_GRAPH}>), so zhitu did not write \
                 it or its metadata was removed; {ours}. Extract the documents into a new store \
                 (zhitu extract … --store NEW_DIR)"
            )));
        };
        let format = info.format.unwrap_or(1);
        if format == STORE_FORMAT {
            return Ok(());
        }
        let ontology = info
            .ontology_version
            .as_deref()
            .map(|v| format!(", ontology {v}"))
            .unwrap_or_default();
        Err(self.err(format!(
            "written by {written_by} in store format {format}{ontology}; {ours}. Re-extract the \
             documents into a new store (zhitu extract … --store NEW_DIR), or read this one with \
             {written_by}"
        )))
    }

    /// Replaces the ontology graph with `ttl` and records in the metadata graph the writing
    /// zhitu version, the store format and the ontology's `owl:versionInfo`.
    pub fn write_ontology(&self, ttl: &str, version: &str) -> Result<()> {
        let quads = self.ontology_quads(ttl, version)?;
        let mut t = self.store.start_transaction().map_err(|e| self.err(e))?;
        for graph in [ONTOLOGY_GRAPH, META_GRAPH] {
            t.clear_graph(NamedNodeRef::new_unchecked(graph))
                .map_err(|e| self.err(e))?;
        }
        for q in &quads {
            t.insert(q.as_ref());
        }
        t.commit().map_err(|e| self.err(e))
    }

    /// What [`write_ontology`](Self::write_ontology) writes: the ontology graph and the
    /// metadata graph, as quads. A new store gets them in its first load instead
    /// ([`DocumentLoader::add`]).
    pub fn ontology_quads(&self, ttl: &str, version: &str) -> Result<Vec<Quad>> {
        let graph = NamedNodeRef::new_unchecked(ONTOLOGY_GRAPH);
        let meta = NamedNodeRef::new_unchecked(META_GRAPH);
        let mut quads = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .with_default_graph(graph)
            .without_named_graphs()
            .for_slice(ttl.as_bytes())
            .collect::<std::result::Result<Vec<Quad>, _>>()
            .map_err(|e| self.err(format!("ontology/zhitu.ttl: {e}")))?;
        let ontology_version = quads.iter().find_map(|q| match &q.object {
            Term::Literal(l)
                if q.subject.as_ref() == NamedOrBlankNodeRef::NamedNode(graph)
                    && q.predicate.as_str() == OWL_VERSION_INFO =>
            {
                Some(l.value().to_owned())
            }
            _ => None,
        });
        let zt = |local: &str| NamedNode::new_unchecked(format!("{ZT}{local}"));
        let mut add = |p: &str, o: Literal| quads.push(Quad::new(meta, zt(p), o, meta));
        add(
            "writtenBy",
            Literal::new_simple_literal(format!("zhitu {version}")),
        );
        add(
            "storeFormat",
            Literal::new_typed_literal(STORE_FORMAT.to_string(), xsd::INTEGER),
        );
        if let Some(v) = ontology_version {
            add("ontologyVersion", Literal::new_simple_literal(v));
        }
        Ok(quads)
    }

    /// What the store holds of its documents as a run begins: see [`StoredDocuments`].
    pub fn stored_documents(&self) -> Result<StoredDocuments> {
        let mut stored = StoredDocuments::default();
        for g in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(g) = g.map_err(|e| self.err(e))? {
                stored.0.insert(g.into_string(), None);
            }
        }
        let values = |local: &str| -> Result<HashMap<String, String>> {
            let p = NamedNode::new_unchecked(format!("{ZT}{local}"));
            let mut found = HashMap::new();
            for q in self
                .store
                .quads_for_pattern(None, Some(p.as_ref()), None, None)
            {
                let q = q.map_err(|e| self.err(e))?;
                if let (NamedOrBlankNode::NamedNode(d), Term::Literal(l)) = (q.subject, q.object) {
                    if q.graph_name.as_ref() == GraphNameRef::NamedNode(d.as_ref()) {
                        found.insert(d.into_string(), l.value().to_owned());
                    }
                }
            }
            Ok(found)
        };
        let mut fingerprints = values("rulesFingerprint")?;
        for (d, sha256) in values("sha256")? {
            if let Some(fingerprint) = fingerprints.remove(&d) {
                stored.0.insert(d, Some((sha256, fingerprint)));
            }
        }
        Ok(stored)
    }

    /// A loader that replaces documents' graphs, for a run: see [`DocumentLoader`]. `stored`
    /// is what the store held as the run began.
    pub fn loader<'a>(&'a self, stored: &'a StoredDocuments) -> DocumentLoader<'a> {
        DocumentLoader {
            stored,
            store: self,
            loader: None,
            pending: Vec::new(),
            loaded: 0,
            facts: foldhash::HashSet::default(),
        }
    }

    /// In one transaction, empties (or, with `remove`, drops) the documents' `graphs` and
    /// takes out of the knowledge graph what no other document still states.
    fn retract(&self, graphs: &[NamedNode], remove: bool) -> Result<()> {
        let kg = knowledge_graph();
        let mut t = self.store.start_transaction().map_err(|e| self.err(e))?;
        let mut stated = HashSet::new();
        for g in graphs {
            for q in t.quads_for_pattern(None, None, None, Some(g.as_ref().into())) {
                let q = q.map_err(|e| self.err(e))?;
                if is_knowledge(q.as_ref()) {
                    stated.insert(Triple::from(q));
                }
            }
            if remove {
                t.remove_named_graph(g.as_ref()).map_err(|e| self.err(e))?;
            } else {
                t.clear_graph(g.as_ref()).map_err(|e| self.err(e))?;
            }
        }
        for triple in stated {
            let mut still = false;
            for q in t.quads_for_pattern(
                Some(triple.subject.as_ref()),
                Some(triple.predicate.as_ref()),
                Some(triple.object.as_ref()),
                None,
            ) {
                if q.map_err(|e| self.err(e))?.graph_name.as_ref() != kg.into() {
                    still = true;
                    break;
                }
            }
            if !still {
                t.remove(triple.as_ref().in_graph(kg));
            }
        }
        t.commit().map_err(|e| self.err(e))
    }

    /// Rebuilds the knowledge graph from the documents' graphs, changing only what differs:
    /// after a SPARQL update, which may have changed what documents say. Returns how many
    /// quads it added and removed.
    pub fn rebuild_knowledge(&self) -> Result<(usize, usize)> {
        rebuild_knowledge(&self.store).map_err(|e| self.err(e))
    }

    /// The paths of the documents the store holds, sorted.
    pub fn document_paths(&self) -> Result<Vec<String>> {
        let p = NamedNode::new_unchecked(format!("{ZT}path"));
        let mut out = Vec::new();
        for q in self
            .store
            .quads_for_pattern(None, Some(p.as_ref()), None, None)
        {
            let q = q.map_err(|e| self.err(e))?;
            if let Term::Literal(l) = q.object {
                out.push(l.value().to_owned());
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Removes the named graphs of the documents stored under `paths` (as
    /// [`crate::read::display_path`] shows them), all in one transaction, and returns how
    /// many quads each held. Entities that only these documents mentioned go with them.
    /// When a path is not stored nothing is removed and the error names it
    /// ([`Error::Usage`]), with the stored paths of that file name if there are any.
    pub fn remove_documents(&self, paths: &[String]) -> Result<Vec<(String, usize)>> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for path in paths {
            let d = NamedNode::new_unchecked(document_iri(path));
            if self
                .store
                .contains_named_graph(d.as_ref())
                .map_err(|e| self.err(e))?
            {
                let n = self
                    .store
                    .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(d.as_ref())))
                    .count();
                if !found
                    .iter()
                    .any(|(p, _, _): &(String, NamedNode, usize)| p == path)
                {
                    found.push((path.clone(), d, n));
                }
            } else {
                missing.push(path.as_str());
            }
        }
        if !missing.is_empty() {
            let stored = self.document_paths()?;
            let named: Vec<String> = missing
                .iter()
                .map(|m| {
                    let name = m.rsplit('/').next().unwrap_or(m);
                    let alike: Vec<&str> = stored
                        .iter()
                        .filter(|s| s.rsplit('/').next() == Some(name))
                        .map(String::as_str)
                        .collect();
                    if alike.is_empty() {
                        m.to_string()
                    } else {
                        format!("{m} (it holds {})", alike.join(", "))
                    }
                })
                .collect();
            let what = match named.as_slice() {
                [one] => format!("no document {one}; nothing was removed"),
                many => format!(
                    "none of these documents:\n  {}\nNothing was removed",
                    many.join("\n  ")
                ),
            };
            return Err(Error::Usage(format!(
                "store {} holds {what}. Documents are named by the path \
                 extract read them from, relative to the folder it ran in; `zhitu query \
                 'SELECT ?path WHERE {{ ?d zt:path ?path }}'` lists the {} stored",
                self.path.display(),
                stored.len()
            )));
        }
        let graphs: Vec<NamedNode> = found.iter().map(|(_, d, _)| d.clone()).collect();
        self.retract(&graphs, true)?;
        Ok(found.into_iter().map(|(p, _, n)| (p, n)).collect())
    }

    /// Number of quads in the store.
    pub fn len(&self) -> Result<usize> {
        self.store.len().map_err(|e| self.err(e))
    }

    /// Merges the store's files into few (RocksDB's compaction, over the whole store): after a
    /// large load, until RocksDB has done so in the background, a query reads every file the
    /// load added (on a 1 GB store just loaded, 0.1–2.5 s a query instead of 20–130 ms).
    pub fn compact(&self) -> Result<()> {
        self.store.optimize().map_err(|e| self.err(e))
    }

    /// Whether the store holds no quad.
    pub fn is_empty(&self) -> Result<bool> {
        self.store.is_empty().map_err(|e| self.err(e))
    }
}

/// Rebuilds the knowledge graph of `store` from its documents' graphs, in one transaction
/// that changes only what differs; returns how many quads it added and removed. For
/// [`KnowledgeStore::rebuild_knowledge`], and for a server that takes updates.
pub fn rebuild_knowledge(store: &Store) -> std::result::Result<(usize, usize), StorageError> {
    let kg = knowledge_graph();
    let mut wanted = HashSet::new();
    // Knowledge has these predicates only: read them, not the whole store.
    for p in knowledge_predicates() {
        for q in store.quads_for_pattern(None, Some(p.as_ref()), None, None) {
            let q = q?;
            if q.graph_name.as_ref() != kg.into() && is_knowledge(q.as_ref()) {
                wanted.insert(Triple::from(q));
            }
        }
    }
    let mut t = store.start_transaction()?;
    let mut stale = Vec::new();
    for q in t.quads_for_pattern(None, None, None, Some(kg.into())) {
        let q = q?;
        if !wanted.remove(&Triple::from(q.clone())) {
            stale.push(q);
        }
    }
    for q in &stale {
        t.remove(q);
    }
    for triple in &wanted {
        t.insert(triple.as_ref().in_graph(kg));
    }
    t.commit()?;
    Ok((wanted.len(), stale.len()))
}

/// About how many quads a message to the store's writer holds: bounds the memory of quads
/// waiting to be handed to the bulk loader (as much as one sort batch).
pub const LOAD_QUADS: usize = SORT_QUADS;

/// How many quads the bulk loader is given at a time: it sorts them into one run per index
/// (a file in the store's folder) in a thread of its own. An eighth of the loader's own
/// batch. [`SORT_THREADS`] batches sort at once, and their buffers are reused from batch to
/// batch, so this sets the memory of a load: a million quads waiting and another million
/// sorting took a 1 GB run over 2 GiB. Memory first touched costs the kernel zeroing it,
/// which on the development machine was the largest single cost of a small run: with
/// 250,000 the 10 MB bench corpus took 1.4–2.3 s with the store, 548–623 MiB at its peak,
/// and with 125,000 1.3–1.4 s and 386–399 MiB (1 GB: 815–817 MiB against 610–632 MiB, and
/// 4% less user time). A commit then merges up to [`COMMIT_QUADS`] / 125,000 = 400 runs an
/// index, each an open file (`zhitu` raises its limit on open files for them).
pub const SORT_QUADS: usize = 125_000;

/// How many batches of [`SORT_QUADS`] the bulk loader sorts at once, each in a thread. Two:
/// sorting is much of the cost of storing, and with one sorter extraction waited on it while
/// a core stood idle.
pub const SORT_THREADS: usize = 2;

/// How many quads one atomic bulk load takes before it is committed. A commit merges the
/// load's runs into one set of sorted, disjoint files per index. Into an empty store they go
/// to RocksDB's bottom level, and the store is compact as it is written; a later commit's
/// files overlap what is stored, and RocksDB merges them in
/// the background, on the cores extraction needs (a 1 GB corpus in 256-document loads read
/// 152 GB and wrote 168 GB before it was stopped). Few large loads write the data about
/// once; their runs wait on disk, inside the store's folder, until the commit. The 1 GB
/// bench corpus (39.2M quads) is one load.
pub const COMMIT_QUADS: usize = 50_000_000;

/// After a run that loaded at least this many quads, `extract` compacts the store
/// ([`KnowledgeStore::compact`]): a load on top of stored data leaves files that overlap it,
/// which a query must all read, and RocksDB's own background merge starts only once a writer
/// opens the store again (readers never merge). A new store written in one load is compact
/// already, and compacting it does nothing. Smaller runs leave it to that merge:
/// compaction rewrites the whole store.
pub const COMPACT_QUADS: usize = 2_000_000;

/// The graphs a store holds, and for each document graph its content hash and rules
/// fingerprint, read in three scans as a run begins: the run then asks the store nothing per
/// document. (At 1 GB, a lookup per document against a committed load's files, which RocksDB
/// had not yet merged, halved the speed of the rest of the run.) One process writes the
/// store at a time, and a run meets each document once, so the snapshot stays true.
#[derive(Debug, Default)]
pub struct StoredDocuments(HashMap<String, Option<(String, String)>>);

impl StoredDocuments {
    /// The content hash and rules fingerprint recorded for the document at `path`, if the
    /// store holds it.
    pub fn stamp(&self, path: &str) -> Option<&(String, String)> {
        self.0.get(&document_iri(path)).and_then(Option::as_ref)
    }
}

/// Replaces documents' graphs over a run, through Oxigraph's bulk loader: each call to
/// [`replace`](Self::replace) clears, in one transaction, the graphs of those documents the
/// store held as the run began (and retracts from the knowledge graph what only they
/// stated), then hands the documents' quads to the loader,
/// which sorts them into runs; every [`COMMIT_QUADS`] quads, at [`finish`](Self::finish)
/// and when the caller [`commit`](Self::commit)s, the runs are merged and added to the store
/// at once.
///
/// After a crash every document is whole (its load was committed) or absent (cleared, its
/// load not committed), never partial, and the knowledge graph holds exactly the facts of
/// the documents present; `extract`, which finds no content hash for an absent document,
/// writes it again. Files of an uncommitted load left by a crash are deleted when the store
/// is next opened for writing.
pub struct DocumentLoader<'a> {
    store: &'a KnowledgeStore,
    stored: &'a StoredDocuments,
    loader: Option<oxigraph::store::BulkLoader<'a>>,
    /// Quads waiting to be sorted: see [`SORT_QUADS`].
    pending: Vec<Quad>,
    loaded: usize,
    /// The knowledge-graph quads given to this load. Each document restates the facts about
    /// the entities it names; on the 100 MB bench corpus, 523,831 such quads held 21,826
    /// facts (12% of all quads given), and the loader sorted every copy before the merge
    /// dropped it. Its size is that of the knowledge graph, not of the corpus.
    facts: foldhash::HashSet<Quad>,
}

impl DocumentLoader<'_> {
    /// Replaces the named graphs of `documents`, each `(path, quads)`.
    pub fn replace(&mut self, documents: Vec<(String, Vec<Quad>)>) -> Result<()> {
        let store = self.store;
        // Only documents already stored have anything to retract; for a new one even an
        // empty transaction would be a write, and a write waits while RocksDB merges the
        // files of a committed load (a write stall): at 1 GB that stopped the whole run for
        // minutes after each commit.
        let graphs: Vec<NamedNode> = documents
            .iter()
            .map(|(path, _)| document_iri(path))
            .filter(|iri| self.stored.0.contains_key(iri))
            .map(NamedNode::new_unchecked)
            .collect();
        if !graphs.is_empty() {
            store.retract(&graphs, false)?;
        }
        // Facts repeat across documents; once per load is enough (the store keeps one).
        let mut knowledge = Vec::new();
        for (_, quads) in &documents {
            for q in knowledge_quads(quads) {
                if !self.facts.contains(&q) {
                    self.facts.insert(q.clone());
                    knowledge.push(q);
                }
            }
            self.loaded += quads.len();
        }
        if self.pending.capacity() == 0 {
            // Room for a full batch and a message more, allocated once, reused after.
            self.pending.reserve_exact(SORT_QUADS + LOAD_QUADS);
        }
        self.queue(documents.into_iter().flat_map(|(_, quads)| quads))?;
        self.queue(knowledge)?;
        if self.loaded >= COMMIT_QUADS {
            self.commit()?;
        }
        Ok(())
    }

    /// Hands the first `n` pending quads to the bulk loader, which sorts them into runs in a
    /// thread of its own. Each call makes one run per index however few the quads, hence the
    /// pending.
    fn sort(&mut self, n: usize) -> Result<()> {
        let store = self.store;
        if n == 0 {
            return Ok(());
        }
        self.loader
            .get_or_insert_with(|| store.store.bulk_loader().with_num_threads(SORT_THREADS))
            .load_quads(self.pending.drain(..n))
            .map_err(|e| store.err(e))
    }

    /// Adds quads that belong to no document to the load: the ontology and metadata of a new
    /// store ([`KnowledgeStore::ontology_quads`]). Written in its first load rather than
    /// before it, they leave the store empty until the load is committed, and RocksDB then
    /// places the load's files in its bottom level, not above a few quads that overlap
    /// them all: the store needs no compaction.
    pub fn add(&mut self, quads: Vec<Quad>) -> Result<()> {
        self.loaded += quads.len();
        self.queue(quads)
    }

    /// Adds quads to the pending ones and hands every full batch to the loader.
    fn queue(&mut self, quads: impl IntoIterator<Item = Quad>) -> Result<()> {
        self.pending.extend(quads);
        while self.pending.len() >= SORT_QUADS {
            self.sort(SORT_QUADS)?;
        }
        Ok(())
    }

    /// Commits what was loaded: the documents given since the last commit appear at once.
    pub fn commit(&mut self) -> Result<()> {
        let store = self.store;
        self.sort(self.pending.len())?;
        if let Some(loader) = self.loader.take() {
            loader.commit().map_err(|e| store.err(e))?;
        }
        self.loaded = 0;
        self.facts.clear();
        Ok(())
    }

    /// Commits the last load.
    pub fn finish(mut self) -> Result<()> {
        self.commit()
    }
}

/// Deletes the sorted files of a bulk load that a crash kept from being committed (the
/// vendored Oxigraph writes them as `bulk-*.run`, and merges them into `bulk-*.sst`, in the
/// store's folder). Only a writer may: it holds the
/// store's lock, so no load of another process is under way.
fn remove_uncommitted_loads(path: &Path) -> Result<()> {
    let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
    for entry in entries {
        let file = entry.map_err(|e| Error::io(path, e))?.path();
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("bulk-") && (name.ends_with(".sst") || name.ends_with(".run")) {
            std::fs::remove_file(&file).map_err(|e| Error::io(&file, e))?;
        }
    }
    Ok(())
}

/// An existing store has RocksDB's `CURRENT` file; anything else is no store.
fn require_store(path: &Path) -> Result<()> {
    if path.join("CURRENT").exists() {
        return Ok(());
    }
    Err(Error::Store {
        path: path.to_path_buf(),
        message: "no zhitu store here (run `zhitu extract` first, or pass --store DIR)".to_owned(),
    })
}

fn store_error(path: &Path, e: impl std::fmt::Display) -> Error {
    let text = e.to_string();
    // RocksDB: "IO error: While lock file: DIR/LOCK: Resource temporarily unavailable" for
    // another process, "lock hold by current process" for this one.
    if text.contains("While lock file") || text.contains("lock hold by current process") {
        return Error::StoreLocked(path.to_path_buf());
    }
    Error::Store {
        path: path.to_path_buf(),
        message: text,
    }
}
