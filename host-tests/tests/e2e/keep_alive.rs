//! `Host::with_keep_alive`: the component's requests reuse one connection (wasmtime-wasi-http's
//! default opens one per request), over HTTP and over HTTPS. Counted at a minimal HTTP/1.1
//! server that keeps connections open and answers every request `{"results":1,"failed":0}`;
//! its TLS variant serves `tests/tls/server.pem`, signed by the test CA `tests/tls/ca.pem`
//! (`tests/tls/make-certs.sh` makes both).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use host_tests::{Host, KeepAlive, api};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{event, fast_retries, host};

/// What a counting server saw: accepted connections and answered requests.
#[derive(Clone, Default)]
struct Counts {
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Counts {
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Starts the plain-HTTP server; returns its base URL and its counts.
fn counting_server() -> (String, Counts) {
    start(None)
}

/// Starts the server behind TLS with the test certificate; returns its `https` base URL.
fn counting_tls_server() -> (String, Counts) {
    let chain =
        vec![CertificateDer::from_pem_slice(include_bytes!("../tls/server.pem")).expect("cert")];
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tls/server.key")).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("server certificate");
    start(Some(Arc::new(config)))
}

fn start(tls: Option<Arc<rustls::ServerConfig>>) -> (String, Counts) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/api/v1", listener.local_addr().expect("addr"));
    let counts = Counts::default();
    let seen = counts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.connections.fetch_add(1, Ordering::SeqCst);
            let requests = seen.requests.clone();
            let tls = tls.clone();
            std::thread::spawn(move || match tls {
                None => serve(stream, &requests),
                Some(config) => {
                    let Ok(session) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    serve(rustls::StreamOwned::new(session, stream), &requests);
                }
            });
        }
    });
    (url, counts)
}

/// Answers requests on one connection until the client closes it.
fn serve(stream: impl Read + Write, requests: &AtomicUsize) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        // The request line and headers, up to the blank line.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => {}
                // Not text (a TLS client hello, say): answer as HTTP servers do, then close.
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let _ = reader
                        .get_mut()
                        .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
                    return;
                }
                Err(_) => return,
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.fetch_add(1, Ordering::SeqCst);
        let answer = br#"{"results":1,"failed":0}"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        let writer = reader.get_mut();
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(answer).is_err()
            || writer.flush().is_err()
        {
            return;
        }
    }
}

/// A pool that trusts the test CA only.
fn test_ca_pool(max_idle: usize) -> KeepAlive {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(include_bytes!("../tls/ca.pem")).expect("ca"))
        .expect("a valid CA certificate");
    KeepAlive::with_roots(max_idle, roots)
}

fn pooled(pool: KeepAlive) -> Host {
    Host::new(host().engine().clone(), host().component().clone())
        .expect("links")
        .with_keep_alive(pool)
}

fn config(url: &str) -> api::Config {
    api::Config {
        publishable_key: "pk".into(),
        secret_key: "sk".into(),
        site_uuid: "site".into(),
        base_url: Some(url.into()),
        user_agent: None,
        timeout_ms: Some(5_000),
        connect_timeout_ms: Some(2_000),
        max_response_bytes: None,
        deadline_ms: None,
        retry: None,
    }
}

/// Tracks `n` events through a fresh instance of `host`; every call must be accepted.
fn track_n(host: &Host, url: &str, n: usize) {
    let mut instance = host.instantiate().expect("instance");
    let client = instance
        .client(&config(url))
        .expect("no trap")
        .expect("valid config");
    for i in 0..n {
        let e = event("visit", &format!("k{i}@example.com"));
        let result = instance
            .call(|api, store| api.call_track(store, client, &e))
            .expect("no trap")
            .expect("accepted");
        assert_eq!(result.results, 1);
    }
}

/// One call through a fresh instance of `host`; the component's answer.
fn track_once(host: &Host, url: &str) -> Result<api::BatchResult, api::ErrorDetails> {
    let mut instance = host.instantiate().expect("instance");
    let mut config = config(url);
    config.retry = Some(fast_retries(0));
    let client = instance
        .client(&config)
        .expect("no trap")
        .expect("valid config");
    let e = event("visit", "k@example.com");
    let answer = instance
        .call(|api, store| api.call_track(store, client, &e))
        .expect("no trap");
    instance.answer(answer).expect("no trap")
}

/// Usually exactly 1 connection for 15 calls. hyper-util's pool may race a fresh connect
/// against the previous connection's return to the idle list (seen once on a loaded CI
/// machine: 2), so the bound is loose; without the pool it is 15.
fn assert_pooled(counts: &Counts) {
    let connections = counts.connections();
    assert!(
        (1..=5).contains(&connections),
        "15 calls took {connections} connections"
    );
    assert_eq!(counts.requests(), 15);
}

#[test]
fn keep_alive_reuses_one_connection_across_calls_and_instances() {
    let pooled = pooled(KeepAlive::new(4));
    let (url, counts) = counting_server();
    track_n(&pooled, &url, 10);
    track_n(&pooled, &url, 5); // another instance, same pool
    assert_pooled(&counts);
}

#[test]
fn keep_alive_reuses_one_tls_session_across_calls_and_instances() {
    let pooled = pooled(test_ca_pool(4));
    let (url, counts) = counting_tls_server();
    track_n(&pooled, &url, 10);
    track_n(&pooled, &url, 5);
    assert_pooled(&counts);
}

#[test]
fn keep_alive_refuses_a_certificate_outside_its_roots() {
    // The public roots (`KeepAlive::new`) do not include the test CA.
    let (url, counts) = counting_tls_server();
    match track_once(&pooled(KeepAlive::new(4)), &url) {
        Err(api::ErrorDetails::Transport(e)) => {
            assert_eq!(e.kind, api::TransportKind::Connect, "{e:?}");
            assert!(e.message.contains("TLS certificate"), "{e:?}");
        }
        other => panic!("expected a TLS certificate error, got {other:?}"),
    }
    assert_eq!(
        counts.requests(),
        0,
        "nothing is sent over an untrusted connection"
    );
}

#[test]
fn keep_alive_reports_a_server_without_tls_as_a_tls_error() {
    let (url, counts) = counting_server();
    let url = url.replacen("http://", "https://", 1);
    match track_once(&pooled(test_ca_pool(4)), &url) {
        Err(api::ErrorDetails::Transport(e)) => {
            assert_eq!(e.kind, api::TransportKind::Connect, "{e:?}");
            assert!(e.message.contains("TLS protocol"), "{e:?}");
        }
        other => panic!("expected a TLS protocol error, got {other:?}"),
    }
    assert_eq!(counts.requests(), 0);
}

#[test]
fn the_default_host_opens_a_connection_per_request() {
    let (url, counts) = counting_server();
    track_n(host(), &url, 15);
    assert_eq!(counts.connections(), 15);
}
