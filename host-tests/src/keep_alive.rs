//! Connection reuse for the component's outgoing HTTP.
//!
//! wasmtime-wasi-http's default `send_request` opens a new connection (and, for HTTPS, builds a
//! new TLS config and does a handshake) for every request: nothing is pooled. A host that calls
//! an API many times — the benchmarks, a server embedding the component — wants keep-alive, and
//! the hook for that is [`WasiHttpHooks::send_request`]. [`KeepAlive`] sends plain-`http`
//! requests through one pooled hyper client shared by all instances of a [`crate::Host`], and
//! leaves every other scheme to the default (a host that needs pooled HTTPS would put a TLS
//! connector in the same place).
//!
//! The guest still enforces its own deadlines (the component waits on `wasi:clocks` pollables
//! for every read); here the first-byte timeout from the request options is applied too.

use std::future::Future;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// A [`WasiHttpHooks`] that keeps plain-HTTP connections alive across requests (and across
/// instances: clones share one pool).
#[derive(Clone)]
pub struct KeepAlive {
    client: Client<HttpConnector, WasiBody>,
}

impl KeepAlive {
    /// A pool with up to `max_idle_per_host` idle connections per origin.
    pub fn new(max_idle_per_host: usize) -> KeepAlive {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
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
        if request.uri().scheme() != Some(&http::uri::Scheme::HTTP) {
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
            .map_err(|e| {
                if e.is_connect() {
                    // Nothing was sent: the component may retry even a non-idempotent call.
                    Error::ConnectionRefused
                } else {
                    Error::InternalError(Some(e.to_string()))
                }
            })?;
            let response = response.map(|body| body.map_err(Error::from).boxed_unsync());
            // The pool's own tasks drive the connection; there is no per-request I/O future.
            Ok((response, Box::new(async { Ok(()) }) as Io))
        })
    }
}
