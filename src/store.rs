//! Stage 8b — store: the on-disk Oxigraph store that answers SPARQL.
//!
//! The store is Oxigraph's RocksDB store. Each document is one named graph, written in one
//! transaction that first clears the graph: a document is in the store completely or not
//! at all, and re-extracting it never duplicates anything. The ontology sits in its own
//! named graph and is replaced on every run; store metadata (which zhitu wrote it) in
//! another.

use std::path::{Path, PathBuf};

use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, Quad, QuadRef};
use oxigraph::store::Store;

use crate::error::{Error, Result};
use crate::ontology::{META_GRAPH, ONTOLOGY_GRAPH, ZT};
use crate::rdf::document_iri;

/// The zhitu store.
pub struct KnowledgeStore {
    store: Store,
    path: PathBuf,
}

impl KnowledgeStore {
    /// Opens (creating if needed) the store at `path` for writing.
    pub fn open(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
        let store = Store::open(path).map_err(|e| store_error(path, e))?;
        Ok(KnowledgeStore {
            store,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing store for reading; works while another process writes it.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        if !path.join("CURRENT").exists() {
            return Err(Error::Store {
                path: path.to_path_buf(),
                message: "no zhitu store here (run `zhitu extract` first, or pass --store DIR)"
                    .to_owned(),
            });
        }
        let store = Store::open_read_only(path).map_err(|e| store_error(path, e))?;
        Ok(KnowledgeStore {
            store,
            path: path.to_path_buf(),
        })
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

    /// Replaces the ontology graph with `ttl` and records the writing zhitu version.
    pub fn write_ontology(&self, ttl: &str, version: &str) -> Result<()> {
        let graph = NamedNodeRef::new_unchecked(ONTOLOGY_GRAPH);
        let meta = NamedNodeRef::new_unchecked(META_GRAPH);
        let mut t = self.store.start_transaction().map_err(|e| self.err(e))?;
        t.clear_graph(graph).map_err(|e| self.err(e))?;
        t.load_from_slice(
            oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
                .with_default_graph(graph)
                .without_named_graphs(),
            ttl.as_bytes(),
        )
        .map_err(|e| self.err(format!("ontology/zhitu.ttl: {e}")))?;
        t.clear_graph(meta).map_err(|e| self.err(e))?;
        t.insert(QuadRef::new(
            meta,
            NamedNodeRef::new_unchecked(&format!("{ZT}writtenBy")),
            &Literal::new_simple_literal(format!("zhitu {version}")),
            GraphNameRef::NamedNode(meta),
        ));
        t.commit().map_err(|e| self.err(e))
    }

    /// The content hash and rules fingerprint recorded for a document, if the store holds it.
    pub fn document_stamp(&self, path: &str) -> Result<Option<(String, String)>> {
        let d = NamedNode::new_unchecked(document_iri(path));
        let value = |local: &str| -> Result<Option<String>> {
            let p = NamedNode::new_unchecked(format!("{ZT}{local}"));
            let graph = GraphNameRef::NamedNode(d.as_ref());
            let found = self
                .store
                .quads_for_pattern(Some(d.as_ref().into()), Some(p.as_ref()), None, Some(graph))
                .next()
                .transpose()
                .map_err(|e| self.err(e))?;
            Ok(found.and_then(|q| match q.object {
                oxigraph::model::Term::Literal(l) => Some(l.value().to_owned()),
                _ => None,
            }))
        };
        Ok(match (value("sha256")?, value("rulesFingerprint")?) {
            (Some(h), Some(f)) => Some((h, f)),
            _ => None,
        })
    }

    /// Replaces one document's named graph with `quads`, atomically.
    pub fn replace_document(&self, path: &str, quads: &[Quad]) -> Result<()> {
        let d = NamedNode::new_unchecked(document_iri(path));
        let mut t = self.store.start_transaction().map_err(|e| self.err(e))?;
        t.clear_graph(d.as_ref()).map_err(|e| self.err(e))?;
        t.extend(quads.iter().map(|q| q.as_ref()));
        t.commit().map_err(|e| self.err(e))
    }

    /// Number of quads in the store.
    pub fn len(&self) -> Result<usize> {
        self.store.len().map_err(|e| self.err(e))
    }

    /// Whether the store holds no quad.
    pub fn is_empty(&self) -> Result<bool> {
        self.store.is_empty().map_err(|e| self.err(e))
    }

    /// Flushes to disk.
    pub fn flush(&self) -> Result<()> {
        self.store.flush().map_err(|e| self.err(e))
    }
}

fn store_error(path: &Path, e: impl std::fmt::Display) -> Error {
    let text = e.to_string();
    let message = if text.contains("lock") || text.contains("LOCK") {
        format!("the store is in use by another zhitu (or Oxigraph) process; wait for it to finish or use another --store ({text})")
    } else {
        text
    };
    Error::Store {
        path: path.to_path_buf(),
        message,
    }
}
