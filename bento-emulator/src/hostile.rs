//! A hostile HTTP server on a loopback socket (issue 11): every connection gets one scripted
//! [`Act`] (chosen by the connection's 0-based number) and is closed after it. It speaks just
//! enough HTTP/1.1 to read a request (head + `Content-Length` body); everything it writes back
//! is raw bytes, so it can send what no well-behaved server would.
//!
//! Every wait is bounded: a stalling connection ends when the client closes it or after
//! [`MAX_STALL`]; an endless body stops at its `limit` or when the client hangs up.
//!
//! [`cases`] is the shared list of hostile cases every surface runs (the Rust clients, the
//! component, the Python package through the `bento-hostile` binary).

pub mod cases;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The longest a stalling connection is kept open when the client never gives up.
pub const MAX_STALL: Duration = Duration::from_secs(20);
/// The longest request head the server reads.
const MAX_HEAD: usize = 1 << 20;

/// What the server does on one connection.
#[derive(Clone)]
pub enum Act {
    /// Close at once, before reading a byte.
    DropBeforeRead,
    /// Read the request, then close without answering.
    DropAfterRead,
    /// Read the request, then write these bytes and close.
    Raw(Vec<u8>),
    /// Read the request, then say nothing until the client gives up.
    Stall,
    /// Read the request, write these bytes (a head, maybe part of a body), then stall.
    ThenStall(Vec<u8>),
    /// Read the request, write `head`, then filler bytes (as HTTP chunks when `chunked`)
    /// until `limit` bytes or until the client hangs up.
    Endless {
        head: Vec<u8>,
        limit: u64,
        chunked: bool,
    },
    /// Read the request, write `head`, then one byte every `every`, forever.
    Trickle { head: Vec<u8>, every: Duration },
    /// Read whatever the client sends first without parsing it as HTTP (a TLS ClientHello),
    /// then write these bytes and close.
    Unparsed(Vec<u8>),
    /// Read the request and answer it with `respond(request)`, then close.
    Computed(Respond),
    /// Read only the request head, write these bytes at once (an early 401/413 while the
    /// client is still sending its body), then read and drop the rest until the client
    /// closes.
    EarlyAnswer(Vec<u8>),
}

/// Computes an answer from the request.
pub type Respond = Arc<dyn Fn(&Request) -> Vec<u8> + Send + Sync>;

/// One request as read off the socket.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request line and headers, verbatim (up to the blank line).
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    pub fn method(&self) -> &str {
        self.head.split(' ').next().unwrap_or("")
    }
    pub fn target(&self) -> &str {
        self.head.split(' ').nth(1).unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// The act for each connection number.
pub type Script = Arc<dyn Fn(usize) -> Act + Send + Sync>;

/// A running hostile server (it lives until the test process exits).
pub struct Hostile {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
    unparsed: Arc<Mutex<Vec<u8>>>,
    written: Arc<AtomicU64>,
}

impl Hostile {
    /// The same act on every connection.
    pub fn always(act: Act) -> Hostile {
        Hostile::script(move |_| act.clone())
    }

    /// `acts[n]` on connection `n`, the last one repeating.
    pub fn sequence(acts: Vec<Act>) -> Hostile {
        Hostile::script(move |n| acts[n.min(acts.len() - 1)].clone())
    }

    /// The act for each connection number.
    ///
    /// # Panics
    /// If no loopback port can be bound (a test server: see [`Hostile::try_script`]).
    pub fn script(script: impl Fn(usize) -> Act + Send + Sync + 'static) -> Hostile {
        Hostile::try_script(Arc::new(script)).expect("bind a loopback port")
    }

    /// The act for each connection number, or why no loopback port could be bound.
    pub fn try_script(script: Script) -> std::io::Result<Hostile> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let server = Hostile {
            port,
            connections: Arc::default(),
            requests: Arc::default(),
            unparsed: Arc::default(),
            written: Arc::default(),
        };
        let (connections, requests, unparsed, written) = (
            server.connections.clone(),
            server.requests.clone(),
            server.unparsed.clone(),
            server.written.clone(),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let n = connections.fetch_add(1, Ordering::SeqCst);
                let act = script(n);
                let (requests, unparsed, written) =
                    (requests.clone(), unparsed.clone(), written.clone());
                thread::spawn(move || serve(stream, act, &requests, &unparsed, &written));
            }
        });
        Ok(server)
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1", self.port)
    }
    /// `http://127.0.0.1:PORT` (for a `Location`).
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
    /// Requests read so far.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.requests).clone()
    }
    /// Bytes received by [`Act::Unparsed`] connections.
    pub fn unparsed(&self) -> Vec<u8> {
        lock(&self.unparsed).clone()
    }
    /// Bytes written by [`Act::Endless`] and [`Act::Trickle`] connections.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

/// A poisoned lock (a serving thread panicked) still holds what was recorded.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn serve(
    mut stream: TcpStream,
    act: Act,
    requests: &Mutex<Vec<Request>>,
    unparsed: &Mutex<Vec<u8>>,
    written: &AtomicU64,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    match act {
        Act::DropBeforeRead => {
            // Closing with the client's request unread in the buffer makes Linux send a reset.
            drop(stream);
            return;
        }
        Act::Unparsed(bytes) => {
            let mut buf = vec![0; 64 * 1024];
            if let Ok(n) = stream.read(&mut buf) {
                lock(unparsed).extend_from_slice(&buf[..n]);
            }
            let _ = stream.write_all(&bytes);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Act::EarlyAnswer(bytes) => {
            let mut data = Vec::new();
            let mut buf = [0u8; 8192];
            while !data.windows(4).any(|w| w == b"\r\n\r\n") && data.len() < MAX_HEAD {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
            let head_end = data.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
            lock(requests).push(Request {
                head: String::from_utf8_lossy(&data[..head_end]).into_owned(),
                body: Vec::new(),
            });
            let _ = stream.write_all(&bytes);
            linger_until_closed(&mut stream, Duration::from_secs(5));
            return;
        }
        _ => {}
    }
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    lock(requests).push(request.clone());
    match act {
        Act::DropBeforeRead | Act::Unparsed(_) | Act::EarlyAnswer(_) => unreachable!(),
        Act::DropAfterRead => drop(stream),
        Act::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
            linger_until_closed(&mut stream, Duration::from_secs(2));
        }
        Act::Computed(respond) => {
            let _ = stream.write_all(&respond(&request));
            let _ = stream.shutdown(Shutdown::Write);
            linger_until_closed(&mut stream, Duration::from_secs(2));
        }
        Act::Stall => linger_until_closed(&mut stream, MAX_STALL),
        Act::ThenStall(bytes) => {
            let _ = stream.write_all(&bytes);
            linger_until_closed(&mut stream, MAX_STALL);
        }
        Act::Endless {
            head,
            limit,
            chunked,
        } => {
            if stream.write_all(&head).is_err() {
                return;
            }
            let filler = vec![b'x'; 64 * 1024];
            let chunk_head = format!("{:x}\r\n", filler.len());
            let started = Instant::now();
            let mut sent = 0u64;
            while sent < limit && started.elapsed() < MAX_STALL {
                let ok = if chunked {
                    stream.write_all(chunk_head.as_bytes()).is_ok()
                        && stream.write_all(&filler).is_ok()
                        && stream.write_all(b"\r\n").is_ok()
                } else {
                    stream.write_all(&filler).is_ok()
                };
                if !ok {
                    break;
                }
                sent += filler.len() as u64;
                written.fetch_add(filler.len() as u64, Ordering::SeqCst);
            }
        }
        Act::Trickle { head, every } => {
            if stream.write_all(&head).is_err() {
                return;
            }
            let started = Instant::now();
            while started.elapsed() < MAX_STALL {
                if stream.write_all(b"x").is_err() {
                    break;
                }
                written.fetch_add(1, Ordering::SeqCst);
                thread::sleep(every);
            }
        }
    }
}

/// Waits until the client closes the connection (or `max`), reading and dropping its bytes.
fn linger_until_closed(stream: &mut TcpStream, max: Duration) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    while started.elapsed() < max {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if data.len() > MAX_HEAD {
            return None;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut body = data[head_end + 4..].to_vec();
    let request = Request {
        head,
        body: Vec::new(),
    };
    let len: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while body.len() < len {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some(Request { body, ..request })
}

/// A response head: `HTTP/1.1 <status> X`, the headers, `connection: close`, a blank line.
pub fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

/// A whole response with a `Content-Length` body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let len = body.len().to_string();
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.push(("content-length", &len));
    let mut out = head(&format!("{status} X"), &all);
    out.extend_from_slice(body.as_bytes());
    out
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Vec<u8> {
    response(status, &[("content-type", "application/json")], body)
}

/// Resident set size of this process in bytes (Linux `/proc/self/statm`; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
