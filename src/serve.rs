//! `zhitu serve`: the store as a SPARQL 1.1 Protocol endpoint, for the tools analysts already
//! point at endpoints (YASGUI, notebooks, other services).
//!
//! [`Endpoint::handle`] turns one HTTP request into one response and knows nothing of
//! sockets, so the protocol is tested without a server; [`serve`] runs it on oxhttp, the
//! small threaded HTTP/1.1 server Oxigraph's own server uses (one thread per connection,
//! so many readers query at once; the store is read concurrently).
//!
//! What the endpoint speaks:
//! - queries by `GET ?query=`, `POST` form-encoded `query=` and `POST application/sparql-query`,
//!   at `/sparql` (and `/query`, Oxigraph's name), with `default-graph-uri` and
//!   `named-graph-uri`. Without those and without `FROM`, the default graph is the union of
//!   all graphs, as in `zhitu query`, with the same predeclared prefixes;
//! - content negotiation on `Accept` (or a `format=` parameter for hand-typed URLs): SPARQL
//!   results as JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle, N-Triples, JSON-LD,
//!   RDF/XML, N-Quads or TriG; 406 when nothing offered fits;
//! - updates (`/update`, or `/sparql` with `application/sparql-update` or `update=`) only
//!   when the server was started writable (403 otherwise), and never from another web
//!   origin, whatever CORS says (a web page could otherwise change a local store);
//! - limits: a query runs at most [`ServeOptions::timeout`] (503 past it, the evaluation is
//!   cancelled), returns at most [`ServeOptions::max_results`] rows or triples (422 past it:
//!   an incomplete answer is never sent as if complete), and a request body is at most
//!   [`ServeOptions::max_body`] bytes (413);
//! - CORS (`Access-Control-Allow-Origin: *` and preflight) so browser tools can read;
//! - a small page at `/` with a query box.
//!
//! Results are built in memory before the first byte is sent, so that a timeout, a limit or
//! an evaluation error gets an honest status code instead of a truncated 200.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxhttp::model::header::{
    HeaderName, ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ALLOW, CONNECTION, CONTENT_TYPE, HOST,
    ORIGIN, VARY,
};
use oxhttp::model::{Body, HeaderValue, Method, Request, Response, StatusCode};
use oxhttp::{ListeningServer, Server};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults};
use oxigraph::store::Store;

use crate::error::{Error, Result};
use crate::query;

/// The page at `/`: a query box that posts to `/sparql` and shows the answer.
const PAGE: &str = include_str!("serve.html");

/// How much of an oversized body is read (and thrown away) so that the client, still
/// sending, reads the 413 instead of a reset connection. Past this the connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// A log line's callback: the library never prints, the CLI decides where lines go.
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

/// What the endpoint allows.
#[derive(Clone)]
pub struct ServeOptions {
    /// Accept SPARQL updates (the store must then be open for writing).
    pub writable: bool,
    /// The longest a query may run, evaluation and serialisation together (`None`: no limit).
    pub timeout: Option<Duration>,
    /// The most solutions (SELECT) or triples (CONSTRUCT, DESCRIBE) one answer may hold.
    pub max_results: usize,
    /// The largest request body, in bytes.
    pub max_body: u64,
    /// Send CORS headers so that pages of other origins may read answers.
    pub cors: bool,
    /// Where a line per request goes (`None`: nowhere).
    pub log: Option<Logger>,
    /// The most connections served at once (one thread each).
    pub max_connections: usize,
    /// How long a connection may stay silent (reading a request or writing an answer).
    pub idle_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            writable: false,
            timeout: Some(Duration::from_secs(60)),
            max_results: 100_000,
            max_body: 4 * 1024 * 1024,
            cors: true,
            log: None,
            max_connections: 128,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// The SPARQL endpoint over one store.
pub struct Endpoint {
    store: Store,
    options: ServeOptions,
}

/// An answer that is an error: its status and a plain-text message for the person reading.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    message: String,
}

fn fail(status: StatusCode, message: impl Into<String>) -> Failure {
    Failure {
        status,
        message: message.into(),
    }
}

fn bad_request(message: impl Into<String>) -> Failure {
    fail(StatusCode::BAD_REQUEST, message)
}

/// What a request asked and how it went, for the log line.
#[derive(Default)]
struct Note {
    what: String,
}

/// The operation a request carries, once its parameters are read.
enum Operation {
    Query {
        text: String,
        default_graphs: Vec<String>,
        named_graphs: Vec<String>,
    },
    Update {
        text: String,
    },
}

impl Endpoint {
    /// The endpoint over `store`, which must be open for writing when `options.writable`.
    pub fn new(store: Store, options: ServeOptions) -> Self {
        Endpoint { store, options }
    }

    /// The options the endpoint runs with.
    pub fn options(&self) -> &ServeOptions {
        &self.options
    }

    /// Answers one request. Never panics on what a client sends.
    pub fn handle(&self, request: &mut Request<Body>) -> Response<Body> {
        let started = Instant::now();
        let mut note = Note::default();
        let mut response = match self.route(request, &mut note) {
            Ok(r) => r,
            Err(f) => text_response(f.status, f.message),
        };
        self.finish_body(request);
        if self.options.cors {
            let h = response.headers_mut();
            h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        }
        if let Some(log) = &self.options.log {
            let size = response
                .body()
                .len()
                .map(|n| format!(", {n} bytes"))
                .unwrap_or_default();
            let what = if note.what.is_empty() {
                String::new()
            } else {
                format!(" {}", note.what)
            };
            log(&format!(
                "{} {} -> {}{what}{size}, {:.1} ms",
                request.method(),
                request.uri().path(),
                response.status(),
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }
        response
    }

    fn route(
        &self,
        request: &mut Request<Body>,
        note: &mut Note,
    ) -> Result<Response<Body>, Failure> {
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        if method == Method::OPTIONS {
            return Ok(self.preflight(request));
        }
        match path.as_str() {
            "/" | "/index.html" => match method {
                Method::GET | Method::HEAD => Ok(page()),
                _ => Err(not_allowed("GET, HEAD")),
            },
            "/sparql" | "/query" | "/update" => {
                let operation = match method {
                    Method::GET | Method::HEAD => {
                        if path == "/update" {
                            return Err(not_allowed("POST"));
                        }
                        let params = parse_form(request.uri().query().unwrap_or("").as_bytes())?;
                        if !params.iter().any(|(k, _)| k == "query" || k == "update") {
                            if accepts_html(request) {
                                return Ok(page());
                            }
                            return Err(bad_request(
                                "give a SPARQL query: GET ?query=…, or POST it (form field \
                                 query=, or a body of type application/sparql-query)",
                            ));
                        }
                        operation_from(params, None, false, &path)?
                    }
                    Method::POST => self.read_post(request, &path)?,
                    _ => return Err(not_allowed("GET, POST, OPTIONS")),
                };
                match operation {
                    Operation::Query {
                        text,
                        default_graphs,
                        named_graphs,
                    } => {
                        if path == "/update" {
                            return Err(bad_request(
                                "/update takes SPARQL updates (update=…, or \
                                 application/sparql-update); queries go to /sparql",
                            ));
                        }
                        note.what = excerpt(&text);
                        let format = requested_format(request)?;
                        self.query(&text, default_graphs, named_graphs, format, note)
                    }
                    Operation::Update { text } => {
                        note.what = excerpt(&text);
                        self.update(request, &text, note)
                    }
                }
            }
            _ => Err(fail(
                StatusCode::NOT_FOUND,
                format!(
                    "nothing at {path}: the SPARQL endpoint is /sparql (queries by GET or POST, \
                     updates by POST), and / has a query page"
                ),
            )),
        }
    }

    /// The parameters of a POST: a form, or a query or update as the whole body.
    fn read_post(&self, request: &mut Request<Body>, path: &str) -> Result<Operation, Failure> {
        let url_params = parse_form(request.uri().query().unwrap_or("").as_bytes())?;
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let accepted = "application/sparql-query, application/sparql-update or \
                        application/x-www-form-urlencoded";
        match content_type.as_str() {
            "application/x-www-form-urlencoded" => {
                let body = self.read_body(request)?;
                let mut params = url_params;
                params.extend(parse_form(&body)?);
                operation_from(params, None, false, path)
            }
            "application/sparql-query" | "application/sparql-update" => {
                let body = self.read_body(request)?;
                let text = String::from_utf8(body).map_err(|e| {
                    bad_request(format!(
                        "the request body is not UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ))
                })?;
                operation_from(
                    url_params,
                    Some(text),
                    content_type == "application/sparql-update",
                    path,
                )
            }
            "" => Err(fail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("a POST needs a Content-Type: {accepted}"),
            )),
            other => Err(fail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("cannot read a body of type {other}: send {accepted}"),
            )),
        }
    }

    /// The request body, at most `max_body` bytes (413 past that).
    fn read_body(&self, request: &mut Request<Body>) -> Result<Vec<u8>, Failure> {
        let limit = self.options.max_body;
        let too_large = |n: String| {
            fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is {n} bytes; this server takes at most {limit} \
                     (zhitu serve --max-body)"
                ),
            )
        };
        if let Some(n) = request.body().len() {
            if n > limit {
                return Err(too_large(n.to_string()));
            }
        }
        let mut body = Vec::new();
        request
            .body_mut()
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| bad_request(format!("cannot read the request body: {e}")))?;
        if body.len() as u64 > limit {
            return Err(too_large(format!("more than {limit}")));
        }
        Ok(body)
    }

    /// Leaves the connection reusable after an answer that did not read the whole body: a
    /// reasonable rest is read and thrown away (so the client reads the answer rather than a
    /// reset); past [`DRAIN_LIMIT`] the connection is closed instead.
    fn finish_body(&self, request: &mut Request<Body>) {
        let mut rest = request.body_mut().take(DRAIN_LIMIT);
        let drained = std::io::copy(&mut rest, &mut std::io::sink());
        let mut probe = [0u8; 1];
        let more = !matches!(request.body_mut().read(&mut probe), Ok(0));
        if drained.is_err() || more {
            request
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            *request.body_mut() = Body::empty();
        }
    }

    fn preflight(&self, request: &Request<Body>) -> Response<Body> {
        let mut r = Response::builder().status(StatusCode::NO_CONTENT);
        if self.options.cors {
            let headers = request
                .headers()
                .get(HeaderName::from_static("access-control-request-headers"))
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("Content-Type, Accept"));
            r = r
                .header(ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS")
                .header(ACCESS_CONTROL_ALLOW_HEADERS, headers)
                .header(ACCESS_CONTROL_MAX_AGE, "86400");
        }
        r.header(ALLOW, "GET, POST, OPTIONS")
            .body(Body::empty())
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }

    fn query(
        &self,
        text: &str,
        default_graphs: Vec<String>,
        named_graphs: Vec<String>,
        format: Requested,
        note: &mut Note,
    ) -> Result<Response<Body>, Failure> {
        let token = CancellationToken::new();
        let mut prepared = query::evaluator()
            .with_cancellation_token(token.clone())
            .parse_query(text)
            .map_err(|e| {
                let hint = if query::evaluator().parse_update(text).is_ok() {
                    "this is an update: POST it to /update"
                } else {
                    ""
                };
                bad_request(query::syntax_error(text, &e, hint).to_string())
            })?;
        if !default_graphs.is_empty() || !named_graphs.is_empty() {
            let iri = |g: &String| {
                NamedNode::new(g.clone()).map_err(|e| bad_request(format!("graph IRI <{g}>: {e}")))
            };
            let defaults = default_graphs
                .iter()
                .map(|g| iri(g).map(GraphName::from))
                .collect::<Result<Vec<_>, _>>()?;
            let named = named_graphs
                .iter()
                .map(|g| iri(g).map(NamedOrBlankNode::from))
                .collect::<Result<Vec<_>, _>>()?;
            let dataset = prepared.dataset_mut();
            dataset.set_default_graph(defaults);
            dataset.set_available_named_graphs(named);
        } else if prepared.dataset().is_default_dataset() {
            prepared.dataset_mut().set_default_graph_as_union();
        }

        // The watchdog: cancels the evaluation when the timeout passes first; wakes and
        // leaves as soon as the answer is ready (the sender is dropped).
        let (done, watch) = mpsc::channel::<()>();
        if let Some(timeout) = self.options.timeout {
            let token = token.clone();
            let spawned = std::thread::Builder::new()
                .name("zhitu query timeout".into())
                .spawn(move || {
                    if let Err(mpsc::RecvTimeoutError::Timeout) = watch.recv_timeout(timeout) {
                        token.cancel();
                    }
                });
            if spawned.is_err() {
                return Err(fail(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server cannot start another thread now; try again",
                ));
            }
        }
        let answer = self.evaluate(prepared, format, note);
        drop(done);
        answer.map_err(|e| match e {
            Evaluation::Failed(QueryEvaluationError::Cancelled) => fail(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the query ran past this server's timeout of {} and was stopped \
                     (zhitu serve --timeout); narrow it or add a LIMIT",
                    seconds(self.options.timeout.unwrap_or_default())
                ),
            ),
            Evaluation::Failed(e) => fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("query failed: {e}"),
            ),
            Evaluation::Http(f) => f,
        })
    }

    fn evaluate(
        &self,
        prepared: oxigraph::sparql::PreparedSparqlQuery,
        format: Requested,
        note: &mut Note,
    ) -> Result<Response<Body>, Evaluation> {
        let results = prepared.on_store(&self.store).execute()?;
        let limit = self.options.max_results;
        let too_many = |what: &str| {
            Evaluation::Http(fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the answer has more than {limit} {what}, this server's limit (zhitu serve \
                     --max-results); add a LIMIT (and OFFSET to page through it)"
                ),
            ))
        };
        let io = |e: std::io::Error| {
            Evaluation::Http(fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot write the answer: {e}"),
            ))
        };
        let mut body = Vec::new();
        let media_type = match results {
            QueryResults::Boolean(b) => {
                let f = results_format(format)?;
                QueryResultsSerializer::from_format(f)
                    .serialize_boolean_to_writer(&mut body, b)
                    .map_err(io)?;
                note.what = format!("{} -> {b}", note.what);
                f.media_type()
            }
            QueryResults::Solutions(solutions) => {
                let f = results_format(format)?;
                let mut ser = QueryResultsSerializer::from_format(f)
                    .serialize_solutions_to_writer(&mut body, solutions.variables().to_vec())
                    .map_err(io)?;
                let mut n = 0usize;
                for s in solutions {
                    let s = s?;
                    n += 1;
                    if n > limit {
                        return Err(too_many("rows"));
                    }
                    ser.serialize(&s).map_err(io)?;
                }
                ser.finish().map_err(io)?;
                note.what = format!("{} -> {n} row{}", note.what, if n == 1 { "" } else { "s" });
                f.media_type()
            }
            QueryResults::Graph(triples) => {
                let f = graph_format(format)?;
                let mut w = crate::query::rdf_serializer(f).for_writer(&mut body);
                let mut n = 0usize;
                for t in triples {
                    let t = t?;
                    n += 1;
                    if n > limit {
                        return Err(too_many("triples"));
                    }
                    w.serialize_triple(&t).map_err(io)?;
                }
                w.finish().map_err(io)?;
                note.what = format!(
                    "{} -> {n} triple{}",
                    note.what,
                    if n == 1 { "" } else { "s" }
                );
                f.media_type()
            }
        };
        let content_type = if media_type.starts_with("text/") && !media_type.contains("charset") {
            format!("{media_type}; charset=utf-8")
        } else {
            media_type.to_owned()
        };
        Response::builder()
            .header(CONTENT_TYPE, content_type)
            .header(VARY, "Accept")
            .body(Body::from(body))
            .map_err(|e| Evaluation::Http(fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())))
    }

    fn update(
        &self,
        request: &Request<Body>,
        text: &str,
        note: &mut Note,
    ) -> Result<Response<Body>, Failure> {
        if !self.options.writable {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "this server is read-only: updates are refused (start it with `zhitu serve \
                 --writable` to accept them)",
            ));
        }
        if is_cross_origin(request) {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "updates from web pages of another origin are refused; send them from this \
                 server's page, a program or `zhitu update`",
            ));
        }
        match query::update(&self.store, text) {
            Ok(summary) => {
                // The update may have changed what documents say; zg:knowledge follows them.
                crate::store::rebuild_knowledge(&self.store).map_err(|e| {
                    fail(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("update done, but the knowledge graph was not rebuilt: {e}"),
                    )
                })?;
                let message = format!(
                    "update done: {} quads added, {} removed; the store holds {}\n",
                    summary.added(),
                    summary.removed(),
                    summary.after
                );
                note.what = format!(
                    "{} -> +{} -{}",
                    note.what,
                    summary.added(),
                    summary.removed()
                );
                Ok(text_response(StatusCode::OK, message))
            }
            Err(Error::Query(m)) if m.starts_with("update failed") => {
                Err(fail(StatusCode::INTERNAL_SERVER_ERROR, m))
            }
            Err(e) => Err(bad_request(e.to_string())),
        }
    }
}

/// Why an evaluation gave no answer.
enum Evaluation {
    Failed(QueryEvaluationError),
    Http(Failure),
}

impl From<QueryEvaluationError> for Evaluation {
    fn from(e: QueryEvaluationError) -> Self {
        Evaluation::Failed(e)
    }
}

impl From<Failure> for Evaluation {
    fn from(f: Failure) -> Self {
        Evaluation::Http(f)
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// The query or update a request's parameters carry. `body` is a query or update sent as
/// the whole body (then the parameters may only name graphs).
fn operation_from(
    params: Vec<(String, String)>,
    body: Option<String>,
    body_is_update: bool,
    path: &str,
) -> Result<Operation, Failure> {
    let mut query = None;
    let mut update = None;
    let mut default_graphs = Vec::new();
    let mut named_graphs = Vec::new();
    for (k, v) in params {
        match k.as_str() {
            "query" if query.is_some() => {
                return Err(bad_request("more than one query= parameter"))
            }
            "query" => query = Some(v),
            "update" if update.is_some() => {
                return Err(bad_request("more than one update= parameter"))
            }
            "update" => update = Some(v),
            "default-graph-uri" => default_graphs.push(v),
            "named-graph-uri" => named_graphs.push(v),
            "using-graph-uri" | "using-named-graph-uri" => {
                return Err(bad_request(
                    "using-graph-uri and using-named-graph-uri are not supported: write USING \
                     (or GRAPH) in the update",
                ))
            }
            _ => {}
        }
    }
    match body {
        Some(text) if body_is_update => update = Some(text),
        Some(text) => query = Some(text),
        None => {}
    }
    match (query, update) {
        (Some(_), Some(_)) => Err(bad_request("give either a query or an update, not both")),
        (Some(text), None) => Ok(Operation::Query {
            text,
            default_graphs,
            named_graphs,
        }),
        (None, Some(text)) => {
            if path == "/query" {
                return Err(bad_request("updates go to /update (or /sparql)"));
            }
            Ok(Operation::Update { text })
        }
        (None, None) => Err(bad_request(
            "give a SPARQL query (query=…, or a body of type application/sparql-query) or an \
             update (update=…, or application/sparql-update)",
        )),
    }
}

/// `application/x-www-form-urlencoded` pairs; a value that is not UTF-8 once decoded is a 400
/// (never silently replaced).
fn parse_form(bytes: &[u8]) -> Result<Vec<(String, String)>, Failure> {
    let mut out = Vec::new();
    for pair in bytes.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        out.push((percent_decode(k)?, percent_decode(v)?));
    }
    Ok(out)
}

fn percent_decode(bytes: &[u8]) -> Result<String, Failure> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|e| {
        bad_request(format!(
            "a form parameter is not UTF-8 once percent-decoded (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// What the client asked for: a media range list (`Accept`) or a format by name.
#[derive(Debug, Clone)]
enum Requested {
    Accept(Vec<(String, f32)>),
    Named(String),
}

fn requested_format(request: &Request<Body>) -> Result<Requested, Failure> {
    let params = parse_form(request.uri().query().unwrap_or("").as_bytes())?;
    if let Some((_, v)) = params.iter().find(|(k, _)| k == "format" || k == "output") {
        return Ok(Requested::Named(v.trim().to_ascii_lowercase()));
    }
    let accept = match request.headers().get(ACCEPT) {
        None => "",
        Some(v) => v
            .to_str()
            .map_err(|_| bad_request("the Accept header is not ASCII"))?,
    };
    let mut ranges = Vec::new();
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        if media.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        for p in pieces {
            if let Some((name, value)) = p.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    q = value.trim().parse().unwrap_or(0.0);
                }
            }
        }
        if q > 0.0 {
            ranges.push((media, q));
        }
    }
    // Highest preference first; among equals, the order the client wrote.
    ranges.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    if accept.trim().is_empty() {
        ranges.push(("*/*".to_owned(), 1.0));
    }
    Ok(Requested::Accept(ranges))
}

const RESULT_FORMATS: &str = "application/sparql-results+json, application/sparql-results+xml, \
                              text/csv, text/tab-separated-values (or format=json|xml|csv|tsv)";
const GRAPH_FORMATS: &str = "text/turtle, application/n-triples, application/ld+json, \
                             application/rdf+xml, application/n-quads, application/trig (or \
                             format=turtle|ntriples|jsonld|rdfxml|nquads|trig)";

fn results_format(requested: Requested) -> Result<QueryResultsFormat, Failure> {
    match requested {
        Requested::Named(name) => match name.as_str() {
            "json" | "srj" => Some(QueryResultsFormat::Json),
            "xml" | "srx" => Some(QueryResultsFormat::Xml),
            "csv" => Some(QueryResultsFormat::Csv),
            "tsv" => Some(QueryResultsFormat::Tsv),
            other => QueryResultsFormat::from_media_type(other),
        }
        .ok_or_else(|| {
            bad_request(format!(
                "format={name} is not a format of SELECT and ASK answers: {RESULT_FORMATS}"
            ))
        }),
        Requested::Accept(ranges) => ranges
            .iter()
            .find_map(|(media, _)| match media.as_str() {
                "*/*" | "application/*" => Some(QueryResultsFormat::Json),
                "text/*" => Some(QueryResultsFormat::Csv),
                m => QueryResultsFormat::from_media_type(m),
            })
            .ok_or_else(|| {
                fail(
                    StatusCode::NOT_ACCEPTABLE,
                    format!("none of the accepted types fits a SELECT or ASK answer: send Accept: {RESULT_FORMATS}"),
                )
            }),
    }
}

fn graph_format(requested: Requested) -> Result<RdfFormat, Failure> {
    let jsonld = RdfFormat::JsonLd {
        profile: Default::default(),
    };
    let known = |f: RdfFormat| match f {
        RdfFormat::JsonLd { .. } => Some(jsonld),
        RdfFormat::N3 => None,
        f => Some(f),
    };
    match requested {
        Requested::Named(name) => match name.as_str() {
            "turtle" | "ttl" => Some(RdfFormat::Turtle),
            "ntriples" | "nt" => Some(RdfFormat::NTriples),
            "jsonld" | "json" => Some(jsonld),
            "rdfxml" | "xml" | "rdf" => Some(RdfFormat::RdfXml),
            "nquads" | "nq" => Some(RdfFormat::NQuads),
            "trig" => Some(RdfFormat::TriG),
            other => RdfFormat::from_media_type(other).and_then(known),
        }
        .ok_or_else(|| {
            bad_request(format!(
                "format={name} is not a format of CONSTRUCT and DESCRIBE answers: {GRAPH_FORMATS}"
            ))
        }),
        Requested::Accept(ranges) => ranges
            .iter()
            .find_map(|(media, _)| match media.as_str() {
                "*/*" | "text/*" => Some(RdfFormat::Turtle),
                "application/*" => Some(RdfFormat::NTriples),
                m => RdfFormat::from_media_type(m).and_then(known),
            })
            .ok_or_else(|| {
                fail(
                    StatusCode::NOT_ACCEPTABLE,
                    format!("none of the accepted types fits a CONSTRUCT or DESCRIBE answer: send Accept: {GRAPH_FORMATS}"),
                )
            }),
    }
}

fn accepts_html(request: &Request<Body>) -> bool {
    request
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// A browser request from a page whose origin is not this server's.
fn is_cross_origin(request: &Request<Body>) -> bool {
    let Some(origin) = request.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = request
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

/// A query or update shortened to one line for the log.
fn excerpt(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = one_line.chars().take(80).collect();
    if cut.len() < one_line.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

fn page() -> Response<Body> {
    Response::builder()
        .header(CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from(PAGE))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn not_allowed(allow: &'static str) -> Failure {
    fail(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("this path takes {allow}"),
    )
}

fn text_response(status: StatusCode, message: String) -> Response<Body> {
    let mut message = message;
    if !message.ends_with('\n') {
        message.push('\n');
    }
    let mut r = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/plain; charset=utf-8");
    if status == StatusCode::METHOD_NOT_ALLOWED {
        r = r.header(ALLOW, "GET, POST, OPTIONS");
    }
    r.body(Body::from(message))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The address `bind` names (`HOST:PORT`, `[::1]:PORT`, `localhost:PORT`). Port 0 picks a
/// free port, which the returned address then carries.
pub fn resolve(bind: &str) -> Result<SocketAddr> {
    let listen = |source: std::io::Error| Error::Listen {
        addr: bind.to_owned(),
        source,
    };
    let addr = bind
        .to_socket_addrs()
        .map_err(listen)?
        .next()
        .ok_or_else(|| listen(std::io::Error::other("the name resolves to no address")))?;
    if addr.port() != 0 {
        return Ok(addr);
    }
    // oxhttp binds its own listener: ask the system for a free port, then hand it over.
    let probe = TcpListener::bind(addr).map_err(listen)?;
    probe.local_addr().map_err(listen)
}

/// Serves `endpoint` on `addr` in background threads; the handle's `join` waits forever.
pub fn serve(endpoint: Endpoint, addr: SocketAddr) -> Result<ListeningServer> {
    let options = endpoint.options.clone();
    let endpoint = Arc::new(endpoint);
    let server = Server::new(move |request: &mut Request<Body>| endpoint.handle(request))
        .bind(addr)
        .with_global_timeout(options.idle_timeout)
        .with_max_concurrent_connections(options.max_connections.max(1));
    let server = server
        .with_server_name(format!("zhitu/{}", crate::VERSION))
        .map_err(|e| Error::Output(e.to_string()))?;
    server.spawn().map_err(|source| Error::Listen {
        addr: addr.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(options: ServeOptions) -> Endpoint {
        let store = Store::new().unwrap();
        store
            .load_from_slice(
                oxigraph::io::RdfFormat::NQuads,
                "<urn:a> <http://www.w3.org/2004/02/skos/core#prefLabel> \"甲\"@zh <urn:g1> .\n\
                 <urn:b> <http://www.w3.org/2004/02/skos/core#prefLabel> \"乙\"@zh <urn:g2> .\n"
                    .as_bytes(),
            )
            .unwrap();
        Endpoint::new(store, options)
    }

    fn get(e: &Endpoint, uri: &str, accept: Option<&str>) -> (StatusCode, String, String) {
        let mut b = Request::builder().uri(format!("http://localhost{uri}"));
        if let Some(a) = accept {
            b = b.header(ACCEPT, a);
        }
        let mut req = b.body(Body::empty()).unwrap();
        let r = e.handle(&mut req);
        let status = r.status();
        let ct = r
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, ct, r.into_body().to_string().unwrap())
    }

    #[test]
    fn union_default_graph_and_prefixes() {
        let e = endpoint(ServeOptions::default());
        let (s, ct, body) = get(
            &e,
            "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%3Fs%20skos%3AprefLabel%20%3Fo%7D",
            None,
        );
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(ct, "application/sparql-results+json");
        assert!(body.contains("\"2\""), "{body}");
        // default-graph-uri narrows the default graph to one graph.
        let (_, _, body) = get(
            &e,
            "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D&default-graph-uri=urn%3Ag1",
            Some("text/csv"),
        );
        assert_eq!(body.trim_end(), "n\r\n1");
    }

    #[test]
    fn negotiation() {
        let e = endpoint(ServeOptions::default());
        let q = "/sparql?query=ASK%7B%7D";
        assert_eq!(get(&e, q, Some("image/png")).0, StatusCode::NOT_ACCEPTABLE);
        assert!(
            get(&e, q, Some("text/html,application/xhtml+xml,*/*;q=0.8"))
                .1
                .starts_with("application/sparql-results+json")
        );
        assert!(get(
            &e,
            q,
            Some("text/csv;q=0.5, application/sparql-results+xml")
        )
        .1
        .starts_with("application/sparql-results+xml"));
        assert_eq!(
            get(&e, q, Some("bogus;q=abc")).0,
            StatusCode::NOT_ACCEPTABLE
        );
        let c = "/sparql?query=CONSTRUCT%20WHERE%7B%3Fs%20%3Fp%20%3Fo%7D";
        assert!(get(&e, c, None).1.starts_with("text/turtle"));
        assert!(get(&e, c, Some("application/ld+json"))
            .1
            .starts_with("application/ld+json"));
        assert_eq!(
            get(&e, &format!("{c}&format=nope"), None).0,
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn bad_input_is_a_clean_400() {
        let e = endpoint(ServeOptions::default());
        let (s, _, body) = get(&e, "/sparql?query=SELEC%20*", None);
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("SPARQL syntax error at line 1"), "{body}");
        assert_eq!(
            get(&e, "/sparql?query=%FF%FE", None).0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(get(&e, "/sparql?query=%", None).0, StatusCode::BAD_REQUEST);
        assert_eq!(get(&e, "/nothing", None).0, StatusCode::NOT_FOUND);
        assert_eq!(get(&e, "/sparql", None).0, StatusCode::BAD_REQUEST);
        assert!(get(&e, "/sparql", Some("text/html"))
            .1
            .starts_with("text/html"));
    }

    #[test]
    fn result_limit() {
        let e = endpoint(ServeOptions {
            max_results: 1,
            ..ServeOptions::default()
        });
        let (s, _, body) = get(
            &e,
            "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D",
            None,
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("more than 1 rows"), "{body}");
    }

    #[test]
    fn forms() {
        assert_eq!(
            parse_form(b"a=1+2&b=%E4%B8%AD&&c").unwrap(),
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "中".into()),
                ("c".into(), String::new())
            ]
        );
        assert!(parse_form(b"a=%C3").is_err());
    }
}
