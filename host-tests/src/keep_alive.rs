//! Connection reuse for the component's outgoing HTTP.
//!
//! wasmtime-wasi-http's default `send_request` opens a new connection (and, for HTTPS, builds a
//! new TLS config and does a handshake) for every request: nothing is pooled. A host that calls
//! an API many times — the benchmarks, a server embedding the component — wants keep-alive, and
//! the hook for that is [`WasiHttpHooks::send_request`]. [`KeepAlive`] sends `http` and `https`
//! requests through one pooled hyper client shared by all instances of a [`crate::Host`]. HTTPS
//! uses rustls with the same public roots as the default (webpki-roots), or the roots a host
//! passes to [`KeepAlive::with_roots`] (a private CA); certificates are always verified.
//!
//! The guest still enforces its own deadlines (the component waits on `wasi:clocks` pollables
//! for every read); here the first-byte timeout from the request options is applied too.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// A [`WasiHttpHooks`] that keeps HTTP and HTTPS connections alive across requests (and across
/// instances: clones share one pool).
#[derive(Clone)]
pub struct KeepAlive {
    client: Client<HttpsConnector<HttpConnector>, WasiBody>,
}

impl KeepAlive {
    /// A pool with up to `max_idle_per_host` idle connections per origin, trusting the public
    /// web PKI (webpki-roots) for HTTPS, as wasmtime-wasi-http's default does.
    pub fn new(max_idle_per_host: usize) -> KeepAlive {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        KeepAlive::with_roots(max_idle_per_host, roots)
    }

    /// A pool that trusts exactly `roots` for HTTPS (a private CA, a test certificate).
    pub fn with_roots(max_idle_per_host: usize, roots: RootCertStore) -> KeepAlive {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        // Only fails for a provider without TLS 1.2/1.3 suites; ring has both.
        .expect("ring supports rustls' default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        // The HTTPS connector wraps this one and needs it to accept `https` URIs.
        connector.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle_per_host)
            .build(connector);
        KeepAlive { client }
    }
}

type Io = Box<dyn Future<Output = Result<(), Error>> + Send>;
type Sent = Box<dyn Future<Output = Result<(http::Response<WasiBody>, Io), Error>> + Send>;

impl WasiHttpHooks for KeepAlive {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Io,
    ) -> Sent {
        let scheme = request.uri().scheme();
        if scheme != Some(&http::uri::Scheme::HTTP) && scheme != Some(&http::uri::Scheme::HTTPS) {
            return wasmtime_wasi_http::default_hooks().send_request(request, options, fut);
        }
        let client = self.client.clone();
        let first_byte = options.and_then(|o| o.first_byte_timeout);
        Box::new(async move {
            let sent = client.request(request);
            let response = match first_byte {
                Some(limit) => tokio::time::timeout(limit, sent)
                    .await
                    .map_err(|_| Error::ConnectionReadTimeout)?,
                None => sent.await,
            }
            .map_err(|e| classify(&e))?;
            let response = response.map(|body| body.map_err(Error::from).boxed_unsync());
            // The pool's own tasks drive the connection; there is no per-request I/O future.
            Ok((response, Box::new(async { Ok(()) }) as Io))
        })
    }
}

/// The wasi:http error code for a failed pooled request.
fn classify(e: &hyper_util::client::legacy::Error) -> Error {
    if !e.is_connect() {
        return Error::InternalError(Some(e.to_string()));
    }
    // Connecting failed, so nothing was sent: the component may retry even a non-idempotent
    // call. A TLS failure is told apart so the guest reports it as one, not as a refusal.
    match tls_error(e) {
        Some(rustls::Error::InvalidCertificate(_)) => Error::TlsCertificateError,
        Some(_) => Error::TlsProtocolError,
        None => Error::ConnectionRefused,
    }
}

/// The rustls error somewhere in `e`'s chain. hyper-rustls hands it up inside `io::Error`s
/// (two deep), and `io::Error::source()` skips the error it wraps, so those are opened with
/// `get_ref` instead.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        next = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner),
            None => err.source(),
        };
    }
    None
}
