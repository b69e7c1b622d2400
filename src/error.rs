//! Typed errors, one enum for the library.
//!
//! Every variant names the file (and, where it has one, the line and column) it is about,
//! because a user running zhitu over thousands of files needs to find the culprit without
//! re-running anything. The CLI maps each variant to one exit code and prints it once.

use std::path::PathBuf;

/// Errors of the zhitu library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A path given by the user does not exist.
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    /// An input document is not text zhitu can read (binary, wrong encoding, …).
    #[error("{path}: {reason}")]
    BadInput { path: PathBuf, reason: String },
    /// A rule or lexicon file under `ontology/` is malformed.
    #[error("{path}:{line}: {message}")]
    Knowledge {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The store could not be opened or written.
    #[error("store {path}: {message}")]
    Store { path: PathBuf, message: String },
    /// Another process holds the store open for writing (RocksDB's lock).
    #[error(
        "store {0} is in use by another zhitu (or Oxigraph) process: wait for it to finish, \
         or give another --store (reading with `zhitu query` works meanwhile)"
    )]
    StoreLocked(PathBuf),
    /// A SPARQL query or update could not be parsed or evaluated.
    #[error("{0}")]
    Query(String),
    /// The command asks for something the data cannot give: an entity no name matches, an
    /// option that does not apply to the chosen format.
    #[error("{0}")]
    Usage(String),
    /// Output could not be serialised.
    #[error("{0}")]
    Output(String),
    /// `zhitu serve` could not listen on its address (in use, not this machine's, no
    /// permission).
    #[error(
        "cannot listen on {addr}: {source} (is another server running there? give another \
         --bind ADDRESS:PORT)"
    )]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// A remote store could not be reached or refused what was sent (`--push`).
    #[error("{0}")]
    Remote(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
