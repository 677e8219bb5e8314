//! A scripted HTTP/1.1 server on a real loopback socket, for driving both clients.
//!
//! Each request takes the next [`Reply`] of the script (the last one repeats). Every request is
//! recorded. Deliberately tiny: Content-Length bodies, keep-alive, no TLS.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with status, headers and body after an optional delay.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    },
    /// Close the connection without answering.
    Close,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }
    pub fn with_header(mut self, k: &str, v: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((k.into(), v.into()));
        }
        self
    }
    pub fn delayed(mut self, d: Duration) -> Reply {
        if let Reply::Respond { delay, .. } = &mut self {
            *delay = d;
        }
        self
    }
    pub fn html(status: u16, body: &str) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

type Script = Arc<Mutex<Box<dyn FnMut(&Recorded, usize) -> Reply + Send>>>;

pub struct Server {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    /// Replies in order; the last one repeats.
    pub fn start(replies: Vec<Reply>) -> Server {
        Server::with(move |_, n| replies[n.min(replies.len() - 1)].clone())
    }

    /// Replies computed from the request and its 0-based number.
    pub fn with(script: impl FnMut(&Recorded, usize) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(Box::new(script)));
        let recorded = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let recorded = recorded.clone();
                let script = script.clone();
                thread::spawn(move || serve(stream, recorded, script));
            }
        });
        Server {
            base_url: format!("http://{addr}/api/v1"),
            requests,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, recorded: Arc<Mutex<Vec<Recorded>>>, script: Script) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Recorded {
            method,
            target,
            headers,
            body,
        };
        let n = {
            let mut all = recorded.lock().unwrap();
            all.push(req.clone());
            all.len() - 1
        };
        let reply = (script.lock().unwrap())(&req, n);
        match reply {
            Reply::Close => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Respond {
                status,
                headers,
                body,
                delay,
            } => {
                thread::sleep(delay);
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                if writer.write_all(out.as_bytes()).is_err() || writer.write_all(&body).is_err() {
                    return;
                }
            }
        }
    }
}

/// Generates one test per client from one scenario. Inside, `call!(expr)` awaits on the async
/// client and is the plain call on the blocking one; `client!(config)` builds the client.
macro_rules! both_clients {
    ($($name:ident => $body:block)*) => {
        mod blocking_client {
            use super::*;
            $(
                #[test]
                fn $name() {
                    #[allow(unused_macros)]
                    macro_rules! call { ($e:expr) => { $e } }
                    #[allow(unused_macros)]
                    macro_rules! client { ($c:expr) => { bento::blocking::Client::new($c).unwrap() } }
                    $body
                }
            )*
        }
        mod async_client {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    #[allow(unused_macros)]
                    macro_rules! call { ($e:expr) => { $e.await } }
                    #[allow(unused_macros)]
                    macro_rules! client { ($c:expr) => { bento::Client::new($c).unwrap() } }
                    $body
                }
            )*
        }
    };
}
