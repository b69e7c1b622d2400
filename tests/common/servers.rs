//! Servers for the HTTP tests: `zhitu serve` and the official Oxigraph server on loopback,
//! each on a free port, killed when the test ends; a store of the sample documents; a small
//! HTTP client over a plain socket (sharing nothing with the server's library).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::common::{repo, zhitu};

/// The store of the sample documents in `input/`, extracted once per test binary.
pub fn sample_store() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        zhitu()
            .args(["extract", "input/", "-q", "--out"])
            .arg(&out)
            .assert()
            .success();
        (dir, out.join("store"))
    })
    .1
}

/// An HTTP/1.1 request, sent over a plain socket: a client of its own, sharing nothing with
/// the server's library.
pub struct Req {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

pub fn request(method: &str, url: &str) -> Req {
    Req {
        method: method.to_owned(),
        url: url.to_owned(),
        headers: Vec::new(),
        body: None,
    }
}

pub fn get(url: &str) -> Req {
    request("GET", url)
}

pub fn post(url: &str) -> Req {
    request("POST", url)
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Req {
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Req {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        self.url = format!("{}{sep}{}={}", self.url, encode(name), encode(value));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = Some(body.into());
        self
    }

    pub fn form(self, pairs: &[(&str, &str)]) -> Req {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    }

    /// Sends the request and reads the whole answer (the connection is closed after it).
    pub fn send(self) -> Resp {
        let rest = self.url.strip_prefix("http://").expect("an http URL");
        let (authority, target) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let mut stream = TcpStream::connect(authority).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n",
            self.method
        );
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = &self.body {
            head.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        let _ = stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(self.body.as_deref().unwrap_or_default()));
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        Resp::parse(&raw)
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn parse(raw: &[u8]) -> Resp {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| l.split_once(':').unwrap())
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            let mut data = &body[..];
            let mut out = Vec::new();
            while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
                let n = usize::from_str_radix(
                    std::str::from_utf8(&data[..eol])
                        .unwrap()
                        .split(';')
                        .next()
                        .unwrap(),
                    16,
                )
                .unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&data[eol + 2..eol + 2 + n]);
                data = &data[eol + 4 + n..];
            }
            body = out;
        }
        Resp {
            status,
            headers,
            body: String::from_utf8(body).expect("a UTF-8 answer"),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Status, content type and body.
    pub fn parts(self) -> (u16, String, String) {
        let ct = self.header("content-type").unwrap_or("").to_owned();
        (self.status, ct, self.body)
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `zhitu serve` on a free loopback port.
pub struct Zhitu {
    child: Child,
    pub addr: SocketAddr,
    /// Everything it printed on standard error.
    pub log: Arc<Mutex<String>>,
}

impl Zhitu {
    pub fn start(store: &Path, args: &[&str]) -> Zhitu {
        Zhitu::start_with(
            Command::new(assert_cmd::cargo::cargo_bin("zhitu")),
            store,
            args,
        )
    }

    /// `zhitu serve` run by `command` (the zhitu binary, or a shell that execs it with the
    /// arguments that follow).
    pub fn start_with(mut command: Command, store: &Path, args: &[&str]) -> Zhitu {
        let mut child = command
            .current_dir(repo())
            .env("ZHITU_ONTOLOGY", repo().join("ontology"))
            .arg("serve")
            .arg("--store")
            .arg(store)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(String::new()));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let _ = child.kill();
                panic!("zhitu serve ended before serving: {}", log.lock().unwrap());
            }
            log.lock().unwrap().push_str(&line);
            if let Some(rest) = line.split("at http://").nth(1) {
                let addr = rest.split('/').next().unwrap();
                break addr.parse::<SocketAddr>().unwrap();
            }
        };
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Zhitu { child, addr, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Zhitu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The official Oxigraph server binary of the version zhitu's stores belong to: from
/// ZHITU_OXIGRAPH_SERVER (the Makefile sets it), else where `make setup` puts it. Absent: the
/// test fails under CI, and is skipped with a note otherwise.
pub fn official_binary(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("ZHITU_OXIGRAPH_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/zhitu/oxigraph-0.5.13/oxigraph")
        });
    if path.is_file() {
        return Some(path);
    }
    let message = format!(
        "{test}: the official Oxigraph 0.5.13 server is not at {} (`make setup` fetches it from \
         PyPI's oxigraph==0.5.13 wheel)",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    eprintln!("skipped {message}");
    None
}

/// The official Oxigraph server on a free loopback port, ready.
pub struct Official {
    child: Child,
    pub addr: SocketAddr,
}

impl Official {
    /// `oxigraph ARGS… --bind 127.0.0.1:PORT`, waiting until it answers.
    pub fn start(binary: &Path, args: &[&str], location: &Path) -> Official {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(binary)
            .args(args)
            .arg("--location")
            .arg(location)
            .args(["--bind", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Official { child, addr };
        let started = Instant::now();
        loop {
            if TcpStream::connect(addr).is_ok() && get(&server.url("/")).send().status == 200 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the official Oxigraph server did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Official {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A SELECT's single value from SPARQL JSON results (`?n` of the first row).
pub fn json_value(body: &str, var: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["results"]["bindings"][0][var]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no ?{var} in {body}"))
        .to_owned()
}
