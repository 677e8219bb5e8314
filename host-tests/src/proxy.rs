//! An in-process `wasi:http/proxy` host: serves a proxy component (the composed edge-signup
//! app) over HTTP/1.1 on a loopback port, the way `wasmtime serve` does — one fresh store and
//! instance per request, and a linker with the proxy world's interfaces and nothing else
//! ([`wasmtime_wasi_http::p2::add_to_linker_async`]), so a component that imports anything
//! outside the proxy world fails to start here.
//!
//! [`Redirects`] stands in for the network: the guest's requests to a named host (e.g. the
//! production `app.bentonow.com` the app is built to call) go to a local address over plain
//! HTTP instead, so an app built exactly as it would be deployed runs against the emulator.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use hyper::server::conn::http1;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{
    Error, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

/// Guest stderr kept per server (all requests together).
const STDERR_CAPACITY: usize = 64 * 1024;

/// Where the guest's outgoing requests go: a request to one of the named hosts is sent over
/// plain HTTP to the address given for it (scheme, host and port rewritten; path, query,
/// method, headers and body kept). Every other request goes out unchanged.
#[derive(Clone, Default)]
pub struct Redirects(Arc<Vec<(String, SocketAddr)>>);

impl Redirects {
    /// Sends requests for `host` to `to`.
    pub fn new(host: &str, to: SocketAddr) -> Redirects {
        Redirects(Arc::new(vec![(host.to_owned(), to)]))
    }

    fn target(&self, uri: &http::Uri) -> Option<SocketAddr> {
        let host = uri.host()?;
        self.0.iter().find(|(h, _)| h == host).map(|(_, to)| *to)
    }
}

type Io = Box<dyn Future<Output = Result<(), Error>> + Send>;
type Sent = Box<dyn Future<Output = Result<(http::Response<WasiBody>, Io), Error>> + Send>;

impl WasiHttpHooks for Redirects {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Io,
    ) -> Sent {
        if let Some(to) = self.target(request.uri()) {
            let mut parts = request.uri().clone().into_parts();
            parts.scheme = Some(http::uri::Scheme::HTTP);
            parts.authority = to.to_string().parse().ok();
            if let Ok(uri) = http::Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
        wasmtime_wasi_http::default_hooks().send_request(request, options, fut)
    }
}

/// The store data of one request: WASI (proxy interfaces only) and wasi:http.
struct ServeCtx {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    redirects: Redirects,
}

impl WasiView for ServeCtx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for ServeCtx {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.redirects,
        }
    }
}

/// What every request handler shares.
struct Shared {
    pre: ProxyPre<ServeCtx>,
    redirects: Redirects,
    stderr: MemoryOutputPipe,
    log: Arc<Mutex<String>>,
}

/// A running proxy host. Stops (and joins its thread) when dropped.
pub struct ProxyServer {
    addr: SocketAddr,
    stderr: MemoryOutputPipe,
    log: Arc<Mutex<String>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ProxyServer {
    /// Links `component` against the proxy world (failing if it imports anything else) and
    /// serves it on `127.0.0.1` at a free port, on a thread of its own.
    pub fn start(
        engine: &Engine,
        component: &Component,
        redirects: Redirects,
    ) -> wasmtime::Result<ProxyServer> {
        let mut linker = Linker::<ServeCtx>::new(engine);
        wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
        let pre = ProxyPre::new(linker.instantiate_pre(component)?)?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let log = Arc::new(Mutex::new(String::new()));
        let shared = Arc::new(Shared {
            pre,
            redirects,
            stderr: stderr.clone(),
            log: log.clone(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("proxy-server".into())
            .spawn(move || runtime.block_on(serve(listener, shared, stop)))?;
        Ok(ProxyServer {
            addr,
            stderr,
            log,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the guest wrote to stderr so far, then the host's per-request failures (traps,
    /// no response).
    pub fn stderr(&self) -> String {
        let mut all = String::from_utf8_lossy(&self.stderr.contents()).into_owned();
        if let Ok(log) = self.log.lock() {
            all.push_str(&log);
        }
        all
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { handle(&shared, request).await }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One request: a fresh store and instance, `wasi:http/incoming-handler.handle`, and the
/// response the guest set. A guest that traps or never answers is a 500 with the reason.
async fn handle(
    shared: &Shared,
    request: hyper::Request<hyper::body::Incoming>,
) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
    let mut store = Store::new(
        shared.pre.engine(),
        ServeCtx {
            table: ResourceTable::new(),
            wasi: WasiCtx::builder().stderr(shared.stderr.clone()).build(),
            http: WasiHttpCtx::new(),
            redirects: shared.redirects.clone(),
        },
    );
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let incoming = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, request)?;
    let out = store.data_mut().http().new_response_outparam(sender)?;
    let pre = shared.pre.clone();
    // The guest may go on writing the body after it set the response head: run it apart.
    let task = tokio::spawn(async move {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, incoming, out)
            .await
    });
    match receiver.await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(code)) => Ok(failure(&shared.log, &format!("guest error code: {code:?}"))),
        Err(_) => {
            let why = match task.await {
                Ok(Ok(())) => "the guest never set a response".to_owned(),
                Ok(Err(trap)) => format!("the guest trapped: {trap:?}"),
                Err(join) => format!("the guest task failed: {join}"),
            };
            Ok(failure(&shared.log, &why))
        }
    }
}

/// A 500 whose body (and the server's log) says why.
fn failure(log: &Mutex<String>, why: &str) -> hyper::Response<HyperOutgoingBody> {
    use http_body_util::BodyExt;
    let line = format!("proxy-server: {why}\n");
    if let Ok(mut log) = log.lock() {
        log.push_str(&line);
    }
    let body = http_body_util::Full::new(hyper::body::Bytes::from(line))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}
