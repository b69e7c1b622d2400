//! Feeding another triple store: the store's named graphs sent to a remote store with the
//! SPARQL 1.1 Graph Store HTTP Protocol, for teams whose corpus lives in a larger or
//! clustered store (Oxigraph server, Fuseki, GraphDB, …) rather than on one machine.
//!
//! Each graph goes as one `PUT URL?graph=<graph IRI>` with its triples as N-Triples, so the
//! remote graph is replaced, never appended to: pushing again after a re-extraction leaves
//! one copy. Graphs go in batches, each batch over a few connections at once; a request that
//! meets a connection error, a timeout, 408, 429 or a 5xx is retried with growing waits
//! (honouring `Retry-After`); a refusal (401, 403, 404, 405, 415) stops the push, since every
//! other graph would meet it too. Credentials come from the environment only
//! ([`Auth::from_env`]), never from the command line, where other users of the machine see
//! them; they are never printed.
//!
//! What is pushed is read from the local store: the graphs of the documents named, the
//! ontology graph (so that `rdfs:subClassOf` and labels of the vocabulary are there too), and
//! the knowledge graph, which is the one graph sent with `POST` (merged into, not replaced):
//! several stores, each extracting part of a corpus, may push into one target, whose
//! knowledge graph is then the union of theirs. (A fact retracted here is not retracted
//! there; rebuilding the target's knowledge graph is the target's business.) The store's
//! metadata graph, about the local store, stays home.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use oxhttp::model::Uri;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, Term};
use oxigraph::store::Store;

use crate::error::{Error, Result};
use crate::ontology::{KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH, ZT};
use crate::rdf::document_iri;

/// The environment variable holding a bearer token.
pub const TOKEN_VAR: &str = "ZHITU_PUSH_TOKEN";
/// The environment variables holding a user and password for basic authentication.
pub const USER_VAR: &str = "ZHITU_PUSH_USER";
pub const PASSWORD_VAR: &str = "ZHITU_PUSH_PASSWORD";

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    Bearer(String),
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    // Never print a secret, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Bearer(_) => f.write_str("Auth::Bearer(…)"),
            Auth::Basic { user, .. } => write!(f, "Auth::Basic {{ user: {user:?}, … }}"),
        }
    }
}

impl Auth {
    /// `ZHITU_PUSH_TOKEN` (a bearer token), or `ZHITU_PUSH_USER` with `ZHITU_PUSH_PASSWORD`
    /// (basic), or none. Both kinds at once, or a user without a password, is a usage error.
    pub fn from_env() -> Result<Auth> {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// As [`Auth::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Auth> {
        match (var(TOKEN_VAR), var(USER_VAR), var(PASSWORD_VAR)) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Error::Usage(format!(
                "both {TOKEN_VAR} and {USER_VAR}/{PASSWORD_VAR} are set: keep the one the \
                 remote store expects"
            ))),
            (Some(token), None, None) => Ok(Auth::Bearer(token)),
            (None, Some(user), Some(password)) => Ok(Auth::Basic { user, password }),
            (None, Some(_), None) => Err(Error::Usage(format!(
                "{USER_VAR} is set but {PASSWORD_VAR} is not"
            ))),
            (None, None, Some(_)) => Err(Error::Usage(format!(
                "{PASSWORD_VAR} is set but {USER_VAR} is not"
            ))),
            (None, None, None) => Ok(Auth::None),
        }
    }

    fn header(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {t}")),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64(format!("{user}:{password}").as_bytes())
            )),
        }
    }

    /// How the report names the authentication (never the secret).
    pub fn describe(&self) -> String {
        match self {
            Auth::None => "no authentication".into(),
            Auth::Bearer(_) => format!("bearer token from {TOKEN_VAR}"),
            Auth::Basic { user, .. } => format!("basic authentication as {user}"),
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// The remote Graph Store Protocol endpoint, e.g. `http://host:7878/store` (Oxigraph),
    /// `http://host:3030/DATASET/data` (Fuseki),
    /// `http://host:7200/repositories/REPO/rdf-graphs/service` (GraphDB).
    pub url: String,
    pub auth: Auth,
    /// Graphs per batch (a progress report after each).
    pub batch: usize,
    /// Requests in flight at once within a batch.
    pub connections: usize,
    /// Tries after the first, for transient failures.
    pub retries: u32,
    /// The wait before the first retry; doubled for each next one.
    pub backoff: Duration,
    /// The longest one request may be silent.
    pub timeout: Duration,
}

impl PushOptions {
    /// Defaults for `url` with the authentication of the environment.
    pub fn new(url: &str, auth: Auth) -> Self {
        PushOptions {
            url: url.to_owned(),
            auth,
            batch: 64,
            connections: 4,
            retries: 4,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(120),
        }
    }
}

/// One graph that did not arrive, and why.
#[derive(Debug, Clone)]
pub struct Failed {
    pub graph: String,
    pub reason: String,
}

/// What a push sent.
#[derive(Debug, Clone, Default)]
pub struct PushReport {
    /// Graphs the remote store accepted.
    pub graphs: usize,
    /// Triples in those graphs.
    pub triples: usize,
    /// Bytes of N-Triples sent in them.
    pub bytes: u64,
    /// Requests that were tried again.
    pub retried: usize,
    /// Graphs that did not arrive.
    pub failed: Vec<Failed>,
    /// Graphs not tried because the remote store refused the push.
    pub not_tried: usize,
    pub elapsed: Duration,
}

/// After each batch: graphs done so far (sent or failed) of the total.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// Checks a push URL before any work: http or https, a host, no credentials in it.
pub fn check_url(url: &str) -> Result<()> {
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::Usage(format!("--push {url}: not a URL ({e})")))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(Error::Usage(format!(
                "--push {url}: zhitu pushes over plain http only; reach an https store through \
                 a local TLS tunnel (e.g. `stunnel`, or `ssh -L 7878:store-host:443`), or load \
                 the N-Quads of `zhitu export --format nquads --shard N` with the store's loader"
            )))
        }
        _ => {
            return Err(Error::Usage(format!(
                "--push {url}: give the http:// URL of the store's Graph Store endpoint (e.g. \
                 http://localhost:7878/store)"
            )))
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::Usage(format!("--push {url}: the URL names no host")));
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(Error::Usage(format!(
            "--push: put no credentials in the URL (command lines are visible to other users); \
             set {USER_VAR} and {PASSWORD_VAR}, or {TOKEN_VAR}"
        )));
    }
    Ok(())
}

/// The graph IRIs to push for `documents` (paths as stored) that the store holds, then the
/// ontology graph if present. `None`: every stored document.
pub fn graphs_to_push(store: &Store, documents: Option<&[String]>) -> Result<Vec<NamedNode>> {
    let err = |e: &dyn std::fmt::Display| Error::Store {
        path: "(store)".into(),
        message: e.to_string(),
    };
    let mut graphs: Vec<NamedNode> = match documents {
        Some(paths) => paths
            .iter()
            .map(|p| NamedNode::new_unchecked(document_iri(p)))
            .collect(),
        None => {
            let path = NamedNode::new_unchecked(format!("{ZT}path"));
            let mut v = Vec::new();
            for q in store.quads_for_pattern(None, Some(path.as_ref()), None, None) {
                let q = q.map_err(|e| err(&e))?;
                if let Term::Literal(l) = q.object {
                    v.push(NamedNode::new_unchecked(document_iri(l.value())));
                }
            }
            v
        }
    };
    graphs.sort();
    graphs.dedup();
    let mut kept = Vec::with_capacity(graphs.len() + 2);
    for g in graphs {
        if store
            .contains_named_graph(g.as_ref())
            .map_err(|e| err(&e))?
        {
            kept.push(g);
        }
    }
    // The ontology and the knowledge graph go whole: the target then holds what this store
    // holds, and its knowledge graph merges every document's facts as this one does.
    for shared in [ONTOLOGY_GRAPH, KNOWLEDGE_GRAPH] {
        let graph = NamedNodeRef::new_unchecked(shared);
        if store.contains_named_graph(graph).map_err(|e| err(&e))? {
            kept.push(graph.into_owned());
        }
    }
    Ok(kept)
}

/// The triples of `graph` as N-Triples, and how many.
fn graph_body(store: &Store, graph: &NamedNode) -> Result<(Vec<u8>, usize)> {
    let mut w = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(Vec::new());
    let mut n = 0;
    for q in store.quads_for_pattern(
        None,
        None,
        None,
        Some(GraphNameRef::NamedNode(graph.as_ref())),
    ) {
        let q = q.map_err(|e| Error::Store {
            path: "(store)".into(),
            message: e.to_string(),
        })?;
        w.serialize_triple(q.as_ref())
            .map_err(|e| Error::Output(e.to_string()))?;
        n += 1;
    }
    let body = w.finish().map_err(|e| Error::Output(e.to_string()))?;
    Ok((body, n))
}

/// `url` with `graph=<iri>` added to its query.
pub fn target(url: &str, graph: &str) -> String {
    let mut encoded = String::with_capacity(graph.len() * 3);
    for b in graph.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}graph={encoded}")
}

/// How one PUT ended.
enum Outcome {
    Sent,
    /// Worth trying again (connection error, timeout, 408, 429, 5xx), after at least this;
    /// `true` when no HTTP answer came at all (the store is unreachable).
    Transient(String, Option<Duration>, bool),
    /// Fails for every graph alike (authentication, wrong URL): stop.
    Refused(String),
    /// Fails for this graph.
    Failed(String),
}

fn put(url: &Uri, method: &str, auth: &Auth, body: &[u8], timeout: Duration) -> Outcome {
    let mut headers = vec![("Content-Type", "application/n-triples".to_owned())];
    if let Some(h) = auth.header() {
        headers.push(("Authorization", h));
    }
    let response = match request(method, url, &headers, body, timeout) {
        Ok(r) => r,
        Err(e) => return Outcome::Transient(e.to_string(), None, true),
    };
    let status = response.status;
    if (200..300).contains(&status) {
        return Outcome::Sent;
    }
    let retry_after = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.min(60)));
    let text = String::from_utf8_lossy(&response.body);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text: String = text.chars().take(300).collect();
    let reason = if text.is_empty() {
        format!("HTTP {status} {}", response.reason)
    } else {
        format!("HTTP {status} {}: {text}", response.reason)
    };
    match status {
        408 | 429 | 500..=599 => Outcome::Transient(reason, retry_after, false),
        300..=399 => {
            let to = response.header("location").unwrap_or("elsewhere");
            Outcome::Refused(format!(
                "{reason} (redirected to {to}: give that URL; a PUT is not followed through \
                 redirects)"
            ))
        }
        401 | 403 | 404 | 405 | 415 => Outcome::Refused(reason),
        _ => Outcome::Failed(reason),
    }
}

/// An HTTP answer.
struct HttpResponse {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`), plain http. A small
/// client of our own: the HTTP client crates would cost a RocksDB rebuild (see Cargo.toml).
fn request(
    method: &str,
    url: &Uri,
    headers: &[(&str, String)],
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<HttpResponse> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    let host = url.host().unwrap_or("");
    let port = url.port_u16().unwrap_or(80);
    let mut last = std::io::Error::other(format!("{host} resolves to no address"));
    let mut stream = None;
    for addr in (host.trim_start_matches('[').trim_end_matches(']'), port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut stream = stream.ok_or(last)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let target = url.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let authority = url.authority().map(|a| a.as_str()).unwrap_or(host);
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: zhitu/{}\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        crate::VERSION,
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // A server may answer (401, 413 …) and close before reading everything: read its answer.
    let sent = stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(body))
        .and_then(|_| stream.flush());
    let mut raw = Vec::new();
    let read = (&mut stream).take(64 * 1024 * 1024).read_to_end(&mut raw);
    if raw.is_empty() {
        sent?;
        read?;
        return Err(bad(
            "the server closed the connection without an answer".into()
        ));
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("an incomplete HTTP answer".into()))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| version.starts_with("HTTP/"))
        .ok_or_else(|| bad(format!("not an HTTP answer: {status_line:?}")))?;
    let reason = parts.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    if chunked {
        rest = dechunk(&rest);
    }
    Ok(HttpResponse {
        status,
        reason,
        headers,
        body: rest,
    })
}

/// The payload of a chunked body (what arrived of it).
fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&data[..eol]);
        let size = size.split(';').next().unwrap_or("").trim();
        let Ok(n) = usize::from_str_radix(size, 16) else {
            break;
        };
        data = &data[eol + 2..];
        if n == 0 || data.len() < n {
            out.extend_from_slice(&data[..n.min(data.len())]);
            break;
        }
        out.extend_from_slice(&data[..n]);
        data = data.get(n + 2..).unwrap_or(&[]);
    }
    out
}

/// Sends `graphs` from `store` to the remote store; `on_batch` hears after each batch. A
/// graph that fails is named in the report (the push goes on); a refusal stops it.
pub fn push(
    store: &Store,
    graphs: &[NamedNode],
    options: &PushOptions,
    on_batch: &mut dyn FnMut(Progress),
) -> Result<PushReport> {
    check_url(&options.url)?;
    let started = Instant::now();
    let mut report = PushReport::default();
    let mut refused: Option<String> = None;
    let mut done = 0;
    for batch in graphs.chunks(options.batch.max(1)) {
        if refused.is_some() {
            report.not_tried += batch.len();
            continue;
        }
        let bodies = batch
            .iter()
            .map(|g| graph_body(store, g))
            .collect::<Result<Vec<_>>>()?;
        let lanes = options.connections.clamp(1, batch.len());
        // Set by the first refusal: the other lanes leave their remaining graphs alone.
        let stop = std::sync::atomic::AtomicBool::new(false);
        type Sent = Option<std::result::Result<usize, (String, bool)>>;
        let results: Vec<(usize, Sent)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..lanes)
                .map(|lane| {
                    let bodies = &bodies;
                    let stop = &stop;
                    s.spawn(move || {
                        let mut out = Vec::new();
                        for i in (lane..batch.len()).step_by(lanes) {
                            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                                out.push((i, None));
                                continue;
                            }
                            let url: Uri = match target(&options.url, batch[i].as_str()).parse() {
                                Ok(u) => u,
                                Err(e) => {
                                    stop.store(true, std::sync::atomic::Ordering::SeqCst);
                                    out.push((i, Some(Err((format!("bad URL: {e}"), true)))));
                                    continue;
                                }
                            };
                            let (body, _) = &bodies[i];
                            // The knowledge graph is merged into (POST): other stores may
                            // have pushed their documents' facts there too.
                            let method = if batch[i].as_str() == KNOWLEDGE_GRAPH {
                                "POST"
                            } else {
                                "PUT"
                            };
                            let mut attempt = 0;
                            let mut retried = 0;
                            let result = loop {
                                match put(&url, method, &options.auth, body, options.timeout) {
                                    Outcome::Sent => break Ok(retried),
                                    Outcome::Refused(r) => break Err((r, true)),
                                    Outcome::Failed(r) => break Err((r, false)),
                                    Outcome::Transient(r, after, unreachable) => {
                                        if attempt >= options.retries {
                                            // Unreachable after every retry: so is the
                                            // store for the other graphs; stop.
                                            break Err((
                                                format!("{r} (after {} tries)", attempt + 1),
                                                unreachable,
                                            ));
                                        }
                                        let wait = options.backoff * 2u32.pow(attempt.min(10));
                                        std::thread::sleep(after.unwrap_or(wait).max(wait));
                                        attempt += 1;
                                        retried += 1;
                                    }
                                }
                            };
                            if matches!(result, Err((_, true))) {
                                stop.store(true, std::sync::atomic::Ordering::SeqCst);
                            }
                            out.push((i, Some(result)));
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut results = results;
        results.sort_by_key(|(i, _)| *i);
        for (i, result) in results {
            let (body, triples) = &bodies[i];
            match result {
                None => report.not_tried += 1,
                Some(Ok(retried)) => {
                    report.graphs += 1;
                    report.triples += triples;
                    report.bytes += body.len() as u64;
                    report.retried += retried;
                }
                Some(Err((reason, stop))) => {
                    if stop && refused.is_none() {
                        refused = Some(reason.clone());
                    }
                    report.failed.push(Failed {
                        graph: batch[i].as_str().to_owned(),
                        reason,
                    });
                }
            }
        }
        done += batch.len();
        on_batch(Progress {
            done,
            total: graphs.len(),
        });
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The report for a person: what was sent, then each graph that was not, and why.
pub fn write_report(
    report: &PushReport,
    url: &str,
    auth: &Auth,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "pushed      {} graphs, {} triples ({:.1} MB of N-Triples) to {url} in {:.2} s ({}{})",
        report.graphs,
        report.triples,
        report.bytes as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        auth.describe(),
        if report.retried > 0 {
            format!(", {} requests retried", report.retried)
        } else {
            String::new()
        }
    )?;
    for f in &report.failed {
        writeln!(out, "  not pushed <{}>: {}", f.graph, f.reason)?;
    }
    if report.not_tried > 0 {
        writeln!(
            out,
            "  {} more graphs not tried: the push stopped there (the same would have met them)",
            report.not_tried
        )?;
    }
    Ok(())
}

/// The error for a push that left graphs behind (after the report was printed).
pub fn failure(report: &PushReport, url: &str) -> Option<Error> {
    let missing = report.failed.len() + report.not_tried;
    if missing == 0 {
        return None;
    }
    let first = report
        .failed
        .first()
        .map(|f| format!(": {}", f.reason))
        .unwrap_or_default();
    Some(Error::Remote(format!(
        "{missing} of {} graphs were not pushed to {url}{first}; pushing again replaces what \
         arrived and sends the rest",
        missing + report.graphs
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64("用户:密".as_bytes()), "55So5oi3OuWvhg==");
    }

    #[test]
    fn auth_from_vars() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Auth::from_vars(vars(&[])).unwrap(), Auth::None);
        assert_eq!(
            Auth::from_vars(vars(&[(TOKEN_VAR, "t")])).unwrap(),
            Auth::Bearer("t".into())
        );
        assert!(Auth::from_vars(vars(&[(USER_VAR, "u")])).is_err());
        assert!(Auth::from_vars(vars(&[(TOKEN_VAR, "t"), (USER_VAR, "u")])).is_err());
        let basic = Auth::from_vars(vars(&[(USER_VAR, "u"), (PASSWORD_VAR, "secret")])).unwrap();
        assert!(!format!("{basic:?}").contains("secret"));
        assert!(!basic.describe().contains("secret"));
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"), b"abcde");
        assert_eq!(dechunk(b"zz\r\n"), b"");
    }

    #[test]
    fn urls() {
        assert!(check_url("http://localhost:7878/store").is_ok());
        assert!(check_url("https://store.example/data").is_err());
        assert!(check_url("ftp://x/").is_err());
        assert!(check_url("http://user:pw@host/store").is_err());
        assert!(check_url("not a url").is_err());
        assert_eq!(
            target("http://h/store", "https://w3id.org/zhitu/doc/a%20b/中.txt"),
            "http://h/store?graph=https%3A%2F%2Fw3id.org%2Fzhitu%2Fdoc%2Fa%2520b%2F%E4%B8%AD.txt"
        );
        assert_eq!(
            target("http://h/s?x=1", "urn:a"),
            "http://h/s?x=1&graph=urn%3Aa"
        );
    }
}
