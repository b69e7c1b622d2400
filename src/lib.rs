/*!
zhitu (知图) turns Chinese innovation-policy documents into a knowledge graph.

The library is a pipeline of stages, one module each, every stage consuming the previous
stage's output type:

| stage | module | produces |
|---|---|---|
| read | [`read`] | [`read::Document`]: decoded text, encoding, hash |
| normalise | [`normalize`] | [`normalize::NormalizedText`]: clean text + map to original offsets |
| sentences | [`sentence`] | [`sentence::Sentence`]s |
| mentions | [`mention`] | [`mention::Mentions`]: typed spans, definitions, rejections |
| entities | [`entity`] | [`entity::Entities`]: one per real thing, with aliases and main subject |
| relations | [`relation`] | [`relation::Relation`]s with evidence |
| graph | [`graph`] | [`graph::DocumentGraph`] per document, merged into [`graph::KnowledgeGraph`] |
| RDF and store | [`rdf`], [`store`] | quads in a named graph per document, in Oxigraph |
| query | [`query`] | SPARQL results |
| export | [`export`], [`views`] | GraphML, GEXF, DOT, JSON, Neo4j CSV, RDF; stats, paths |

Extraction is rule-based and its knowledge is data: [`knowledge`] loads the lexicons and
rules under `ontology/` once and compiles them into automata that the stages borrow.
[`extract`] chains the per-document stages; [`pipeline`] runs them over a corpus.
Rule authors measure their changes with [`eval`]. [`export`] rebuilds the graph from the store
and writes it for other tools; [`views`] ranks it and walks it for a person.
[`serve`] answers SPARQL over HTTP (the SPARQL 1.1 Protocol); [`push`] sends the store's
graphs to another triple store (the Graph Store Protocol).
*/

pub mod entity;
pub mod error;
pub mod eval;
pub mod export;
pub mod extract;
pub mod graph;
pub mod knowledge;
pub mod mention;
pub mod normalize;
pub mod ontology;
pub mod pipeline;
pub mod push;
pub mod query;
pub mod rdf;
pub mod read;
pub mod relation;
pub mod sentence;
pub mod serve;
pub mod store;
pub mod views;

pub use error::{Error, Result};

/// The zhitu version written into stores and outputs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What unit tests of several stages share.
#[cfg(test)]
pub(crate) mod testing {
    /// A deterministic stream of pseudo-random numbers (xorshift64) for tests that compare
    /// two implementations on many generated inputs: the same inputs on every run.
    pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }
}
