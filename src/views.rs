//! Graph views: what a person asks of the knowledge graph before opening it in a tool.
//!
//! [`stats`] counts and ranks (degree, PageRank, weakly connected components, documents per
//! entity); [`shortest_path`] finds the shortest chain of relations between two named
//! entities, ignoring direction; [`entity`] gathers one entity's relations with their
//! evidence. All work on a [`KnowledgeGraph`] (usually rebuilt from the store by
//! [`crate::export::load_graph`]) and return data; the CLI prints it.
//!
//! Every ordering is deterministic: ties are broken by the graph's stable node order (type,
//! then name), as in exports.

use std::collections::{BTreeMap, HashMap, VecDeque};

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::unionfind::UnionFind;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::error::{Error, Result};
use crate::graph::KnowledgeGraph;
use crate::ontology::{EntityType, Predicate};

/// Figures about a whole graph.
#[derive(Debug, Clone)]
pub struct Stats {
    pub documents: usize,
    pub nodes: usize,
    pub edges: usize,
    /// Edges for which no evidence names both ends.
    pub implicit_edges: usize,
    pub by_type: BTreeMap<EntityType, usize>,
    pub by_predicate: BTreeMap<Predicate, usize>,
    /// The most connected entities: (node, in + out degree), highest first.
    pub top_degree: Vec<(NodeIndex, usize)>,
    /// The most central entities by PageRank (damping 0.85), highest first.
    pub top_pagerank: Vec<(NodeIndex, f64)>,
    /// Sizes of the weakly connected components, largest first.
    pub component_sizes: Vec<usize>,
    /// Entities named in the most documents: (node, documents), highest first.
    pub top_documents: Vec<(NodeIndex, usize)>,
    /// How many entities are named in exactly k documents, by k.
    pub documents_per_entity: BTreeMap<usize, usize>,
}

/// Computes [`Stats`] of a graph drawn from `documents` documents, keeping `top` entities in
/// each ranking.
pub fn stats(g: &KnowledgeGraph, documents: usize, top: usize) -> Stats {
    let order = g.sorted_nodes();
    let (by_type, by_predicate) = g.counts();
    let degree = |n: NodeIndex| {
        g.graph.edges_directed(n, Direction::Outgoing).count()
            + g.graph.edges_directed(n, Direction::Incoming).count()
    };
    let mut top_degree: Vec<(NodeIndex, usize)> = order.iter().map(|&n| (n, degree(n))).collect();
    top_degree.sort_by_key(|&(_, d)| std::cmp::Reverse(d));
    top_degree.retain(|&(_, d)| d > 0);
    top_degree.truncate(top);

    let ranks = page_rank(g, 0.85);
    let mut top_pagerank: Vec<(NodeIndex, f64)> =
        order.iter().map(|&n| (n, ranks[n.index()])).collect();
    top_pagerank.sort_by(|a, b| b.1.total_cmp(&a.1));
    top_pagerank.truncate(top);

    let mut top_documents: Vec<(NodeIndex, usize)> =
        order.iter().map(|&n| (n, g.document_count(n))).collect();
    let mut documents_per_entity = BTreeMap::new();
    for &(_, k) in &top_documents {
        *documents_per_entity.entry(k).or_insert(0) += 1;
    }
    top_documents.sort_by_key(|&(_, d)| std::cmp::Reverse(d));
    top_documents.truncate(top);

    Stats {
        documents,
        nodes: g.graph.node_count(),
        edges: g.graph.edge_count(),
        implicit_edges: g.graph.edge_weights().filter(|e| e.implicit).count(),
        by_type,
        by_predicate,
        top_degree,
        top_pagerank,
        component_sizes: components(g).iter().map(Vec::len).collect(),
        top_documents,
        documents_per_entity,
    }
}

/// PageRank by power iteration over the directed edges, `O(iterations × (V + E))`. Ranks
/// sum to 1; entities without outgoing relations share their rank with every entity.
/// (petgraph's `page_rank` compares every pair of nodes in each iteration, which does not
/// scale to a corpus.) Indexed by `NodeIndex::index()`.
pub fn page_rank(g: &KnowledgeGraph, damping: f64) -> Vec<f64> {
    let n = g.graph.node_count();
    if n == 0 {
        return Vec::new();
    }
    let nf = n as f64;
    let out_degree: Vec<usize> = g
        .graph
        .node_indices()
        .map(|v| g.graph.edges_directed(v, Direction::Outgoing).count())
        .collect();
    let mut rank = vec![1.0 / nf; n];
    for _ in 0..200 {
        let dangling: f64 = (0..n)
            .filter(|&v| out_degree[v] == 0)
            .map(|v| rank[v])
            .sum();
        let base = (1.0 - damping) / nf + damping * dangling / nf;
        let mut next = vec![base; n];
        for e in g.graph.edge_references() {
            let s = e.source().index();
            next[e.target().index()] += damping * rank[s] / out_degree[s] as f64;
        }
        let change: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if change < 1e-12 {
            break;
        }
    }
    rank
}

/// The weakly connected components, largest first (ties by their first node in the
/// graph's stable order), each in stable node order.
pub fn components(g: &KnowledgeGraph) -> Vec<Vec<NodeIndex>> {
    let mut uf = UnionFind::<usize>::new(g.graph.node_count());
    for e in g.graph.edge_references() {
        uf.union(e.source().index(), e.target().index());
    }
    let mut groups: Vec<Vec<NodeIndex>> = Vec::new();
    let mut at: HashMap<usize, usize> = HashMap::new();
    for n in g.sorted_nodes() {
        let root = uf.find(n.index());
        let i = *at.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(n);
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    groups
}

/// The nodes with this name or alias, or a usage error naming what was asked.
pub fn named(g: &KnowledgeGraph, name: &str) -> Result<Vec<NodeIndex>> {
    let found = g.find(name);
    if found.is_empty() {
        let close: Vec<String> = g
            .sorted_nodes()
            .into_iter()
            .map(|n| &g.graph[n])
            .filter(|n| {
                n.name.contains(name) || (n.name.chars().count() > 1 && name.contains(&n.name))
            })
            .take(5)
            .map(|n| format!("{} [{}]", n.name, n.kind))
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!(" (similar: {})", close.join(", "))
        };
        return Err(Error::Usage(format!(
            "no entity is named {name:?} in the store{hint}"
        )));
    }
    Ok(found)
}

/// One step of a path: the edge walked and in which direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub edge: EdgeIndex,
    pub from: NodeIndex,
    pub to: NodeIndex,
    /// True when the edge points from `from` to `to` (the relation reads in walking order).
    pub forward: bool,
}

/// A chain of relations between two entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub start: NodeIndex,
    pub steps: Vec<Step>,
}

impl Path {
    /// The last entity of the chain.
    pub fn end(&self) -> NodeIndex {
        self.steps.last().map(|s| s.to).unwrap_or(self.start)
    }
}

/// Edges at `n` in both directions, in a stable order: (other end, predicate, direction).
fn undirected_steps(
    g: &KnowledgeGraph,
    position: &HashMap<NodeIndex, usize>,
    n: NodeIndex,
) -> Vec<Step> {
    let mut steps: Vec<Step> = g
        .graph
        .edges_directed(n, Direction::Outgoing)
        .map(|e| Step {
            edge: e.id(),
            from: n,
            to: e.target(),
            forward: true,
        })
        .chain(
            g.graph
                .edges_directed(n, Direction::Incoming)
                .map(|e| Step {
                    edge: e.id(),
                    from: n,
                    to: e.source(),
                    forward: false,
                }),
        )
        .filter(|s| s.to != n)
        .collect();
    steps.sort_by_key(|s| (position[&s.to], g.graph[s.edge].predicate, !s.forward));
    steps
}

/// The shortest chain of relations, in either direction, from an entity named `from` to
/// one named `to` (names or aliases). `Ok(None)` when they are not connected.
pub fn shortest_path(g: &KnowledgeGraph, from: &str, to: &str) -> Result<Option<Path>> {
    let sources = named(g, from)?;
    let targets = named(g, to)?;
    if let Some(&same) = sources.iter().find(|s| targets.contains(s)) {
        return Ok(Some(Path {
            start: same,
            steps: Vec::new(),
        }));
    }
    let position: HashMap<NodeIndex, usize> = g
        .sorted_nodes()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    let mut came: HashMap<NodeIndex, Option<Step>> = sources.iter().map(|&s| (s, None)).collect();
    let mut queue: VecDeque<NodeIndex> = sources.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        for step in undirected_steps(g, &position, n) {
            if came.contains_key(&step.to) {
                continue;
            }
            came.insert(step.to, Some(step));
            if targets.contains(&step.to) {
                let mut steps = vec![step];
                let mut at = step.from;
                while let Some(Some(s)) = came.get(&at) {
                    steps.push(*s);
                    at = s.from;
                }
                steps.reverse();
                return Ok(Some(Path { start: at, steps }));
            }
            queue.push_back(step.to);
        }
    }
    Ok(None)
}

/// One entity and its relations.
#[derive(Debug, Clone)]
pub struct EntityView {
    pub node: NodeIndex,
    /// Documents that name it, with how many mentions each.
    pub documents: Vec<(String, usize)>,
    /// Relations it is the subject of, by predicate then object.
    pub outgoing: Vec<EdgeIndex>,
    /// Relations it is the object of, by predicate then subject.
    pub incoming: Vec<EdgeIndex>,
}

/// Every entity with this name or alias (one per type), with its relations.
pub fn entity(g: &KnowledgeGraph, name: &str) -> Result<Vec<EntityView>> {
    let position: HashMap<NodeIndex, usize> = g
        .sorted_nodes()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    Ok(named(g, name)?
        .into_iter()
        .map(|n| {
            let mut documents: BTreeMap<String, usize> = BTreeMap::new();
            for m in &g.graph[n].mentions {
                *documents.entry(m.document.clone()).or_insert(0) += 1;
            }
            // Edges one way, ordered by predicate, then by the other end's position.
            let edges = |dir: Direction| -> Vec<EdgeIndex> {
                let mut v: Vec<EdgeIndex> =
                    g.graph.edges_directed(n, dir).map(|e| e.id()).collect();
                v.sort_by_key(|&e| {
                    let (s, t) = g.graph.edge_endpoints(e).expect("edge of this graph");
                    let other = if dir == Direction::Outgoing { t } else { s };
                    (g.graph[e].predicate, position[&other])
                });
                v
            };
            let (outgoing, incoming) = (edges(Direction::Outgoing), edges(Direction::Incoming));
            EntityView {
                node: n,
                documents: documents.into_iter().collect(),
                outgoing,
                incoming,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(names: &[(&str, EntityType)], edges: &[(usize, Predicate, usize)]) -> KnowledgeGraph {
        let mut g = KnowledgeGraph::new();
        g.add_document(&crate::graph::test_document("a.txt", names, edges));
        g
    }

    use EntityType::*;
    use Predicate::*;

    #[test]
    fn page_rank_sums_to_one_and_favours_the_hub() {
        let g = graph(
            &[
                ("A", Platform),
                ("B", Platform),
                ("C", Platform),
                ("H", Institution),
            ],
            &[
                (0, reliesOn, 3),
                (1, reliesOn, 3),
                (2, reliesOn, 3),
                (3, partOf, 0),
            ],
        );
        let r = page_rank(&g, 0.85);
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let h = g.node(Institution, "H").unwrap().index();
        assert!(r.iter().enumerate().all(|(i, &x)| i == h || x < r[h]));
        // petgraph's formulation differs in detail but agrees on the most central node.
        let p: Vec<f64> = petgraph::algo::page_rank(&g.graph, 0.85, 50);
        let best = p
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(best, h);
    }

    #[test]
    fn components_and_degrees() {
        let g = graph(
            &[
                ("A", Platform),
                ("B", Platform),
                ("C", Region),
                ("D", Region),
            ],
            &[(0, locatedIn, 2), (1, locatedIn, 2)],
        );
        let s = stats(&g, g.documents.len(), 10);
        assert_eq!(s.component_sizes, vec![3, 1]);
        assert_eq!(g.graph[s.top_degree[0].0].name, "C");
        assert_eq!(s.top_degree[0].1, 2);
    }

    #[test]
    fn paths_ignore_direction_and_report_it() {
        let g = graph(
            &[("A", Platform), ("B", Institution), ("C", Region)],
            &[(0, reliesOn, 1), (1, locatedIn, 2)],
        );
        let p = shortest_path(&g, "C", "A").unwrap().unwrap();
        assert_eq!(g.graph[p.start].name, "C");
        assert_eq!(p.steps.len(), 2);
        assert!(!p.steps[0].forward);
        assert_eq!(g.graph[p.end()].name, "A");
        assert!(shortest_path(&g, "A", "Z").is_err());
        let lone = graph(&[("A", Platform), ("B", Platform)], &[]);
        assert_eq!(shortest_path(&lone, "A", "B").unwrap(), None);
    }

    #[test]
    fn entity_view_lists_both_directions() {
        let g = graph(
            &[("A", Platform), ("B", Institution), ("C", Region)],
            &[(0, reliesOn, 1), (1, locatedIn, 2)],
        );
        let v = entity(&g, "B").unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].outgoing.len(), 1);
        assert_eq!(v[0].incoming.len(), 1);
    }
}
