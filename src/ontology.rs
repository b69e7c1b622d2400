//! The vocabulary every stage shares: entity types, relation predicates and the IRIs they
//! have in `ontology/zhitu.ttl`.
//!
//! These two enums are the only place the eight types and nine predicates of
//! `ANNOTATION.md` are spelled in code; rules and lexicons name them by these strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Namespace of the zhitu ontology (`zt:`).
pub const ZT: &str = "https://w3id.org/zhitu/ontology#";
/// Namespace of entity IRIs: `{ENTITY}{Type}/{canonical name}`.
pub const ENTITY: &str = "https://w3id.org/zhitu/id/";
/// Namespace of document IRIs and their named graphs: `{DOC}{sha256 of the path}`.
pub const DOC: &str = "https://w3id.org/zhitu/doc/";
/// Namespace of the store's own named graphs (`zg:knowledge`, `zg:ontology`, `zg:meta`).
pub const GRAPHS: &str = "https://w3id.org/zhitu/";
/// The named graph holding the ontology itself.
pub const ONTOLOGY_GRAPH: &str = "https://w3id.org/zhitu/ontology";
/// The named graph holding the knowledge graph: each entity's type and labels and each
/// relation once, however many documents state them (see `store`).
pub const KNOWLEDGE_GRAPH: &str = "https://w3id.org/zhitu/knowledge";
/// The named graph holding store metadata (versions).
pub const META_GRAPH: &str = "https://w3id.org/zhitu/meta";

/// The prefixes predeclared for every query.
pub const PREFIXES: &[(&str, &str)] = &[
    ("zt", ZT),
    ("zid", ENTITY),
    ("zdoc", DOC),
    ("zg", GRAPHS),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("org", "http://www.w3.org/ns/org#"),
    ("schema", "https://schema.org/"),
    ("dcterms", "http://purl.org/dc/terms/"),
];

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($variant),* }

        impl $name {
            /// Every value, in the order of `ANNOTATION.md`.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The name used in rules, lexicons, graph.json and the ontology.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),* }
            }

            /// The IRI of this term in the zhitu ontology.
            pub fn iri(self) -> String {
                format!("{ZT}{}", self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $(stringify!($variant) => Ok($name::$variant),)*
                    _ => Err(format!(
                        "unknown {} {s:?} (expected one of: {})",
                        stringify!($name),
                        [$(stringify!($variant)),*].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // `pad`, so that width and alignment (`{:<18}`) apply.
                f.pad(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The eight entity types.
    EntityType { Institution, GovernmentAgency, Enterprise, Platform, Fund, Policy, Region, Industry }
}

vocabulary! {
    /// The nine relation predicates.
    #[allow(non_camel_case_types)]
    Predicate { partOf, locatedIn, reliesOn, cooperatesWith, establishedBy, inIndustry, implements, issuedBy, affiliatedWith }
}

impl EntityType {
    /// Organisations: the types that can act (rely, cooperate, found, issue, implement).
    pub fn is_organisation(self) -> bool {
        matches!(
            self,
            EntityType::Institution
                | EntityType::GovernmentAgency
                | EntityType::Enterprise
                | EntityType::Platform
        )
    }
}

impl Predicate {
    /// Symmetric predicates match in either direction.
    pub fn is_symmetric(self) -> bool {
        self == Predicate::cooperatesWith
    }
}

/// The IRI of an entity: stable across runs, derived from its type and canonical name.
pub fn entity_iri(kind: EntityType, name: &str) -> String {
    format!("{ENTITY}{}/{}", kind.as_str(), iri_escape(name))
}

/// Escapes what an IRI may not contain (space, quotes, angle brackets …); CJK stays readable.
pub fn iri_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric()
            || (is_ucschar(c) && !c.is_whitespace())
            || "-._~+!$&'()*,;=:@".contains(c)
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// RFC 3987 `ucschar`: the non-ASCII characters an IRI may hold unescaped.
fn is_ucschar(c: char) -> bool {
    let c = c as u32;
    (0xA0..=0xD7FF).contains(&c)
        || (0xF900..=0xFDCF).contains(&c)
        || (0xFDF0..=0xFFEF).contains(&c)
        || (c >= 0x10000 && (c & 0xFFFF) <= 0xFFFD && c < 0xE0000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EntityType::ALL {
            assert_eq!(t.as_str().parse::<EntityType>().unwrap(), *t);
        }
        assert_eq!(
            "reliesOn".parse::<Predicate>().unwrap(),
            Predicate::reliesOn
        );
        assert!("relies"
            .parse::<Predicate>()
            .unwrap_err()
            .contains("partOf"));
    }

    #[test]
    fn entity_iris_are_readable_and_safe() {
        assert_eq!(
            entity_iri(EntityType::Institution, "清华大学"),
            "https://w3id.org/zhitu/id/Institution/清华大学"
        );
        assert_eq!(
            entity_iri(EntityType::Policy, "“1+6” 政策<>"),
            "https://w3id.org/zhitu/id/Policy/“1+6”%20政策%3C%3E"
        );
    }
}
