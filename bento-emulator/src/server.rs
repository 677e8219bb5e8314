//! The connection layer. Connections are served by hand (tokio accept loop + hyper `http1`) rather
//! than by `axum::serve`, because two faults need control of the socket itself: dropping the
//! connection without any response, and cutting a body short of its `Content-Length`.

use crate::app::{RecordedRequest, Shared, logged_body};
use crate::faults::{FaultAction, HugeBody, TruncatedBody, html_page, normalize_path};
use crate::params::{Limits, Params};
use crate::util::{error, iso, now_ms};
use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::response::Response;
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode, Uri, header};
use hyper::body::{Body as _, Frame, Incoming};
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// The two routers, built once per server.
#[derive(Clone)]
struct Routers {
    api: Router,
    admin: Router,
}

/// Accepts connections until `shutdown` resolves, then lets in-flight requests finish (up to a
/// few seconds) and returns.
pub async fn serve(listener: TcpListener, app: Shared, shutdown: impl Future<Output = ()>) {
    let routers = Routers {
        api: crate::routes::router(app.clone()),
        admin: crate::admin::router(app.clone()),
    };
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    tasks.spawn(serve_conn(stream, app.clone(), routers.clone(), closing_rx.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing_tx.send(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(3), drain)
        .await
        .is_err()
    {
        tasks.abort_all();
    }
}

/// What a connection has been doing, for its header-read and idle timeouts.
///
/// hyper's own `header_read_timeout` also runs while a keep-alive connection waits for its next
/// request, so it cannot tell "sent half a request head and stalled" from "idle between
/// requests"; this tracks the two apart, from the bytes the socket reads and writes and the
/// requests in flight.
#[derive(Debug)]
struct Activity {
    state: std::sync::Mutex<ActivityState>,
}

#[derive(Debug)]
struct ActivityState {
    /// Requests whose handler is running (a latency fault is not idleness).
    in_flight: usize,
    /// Since when a request head is awaited with bytes of it arriving (or, for a new
    /// connection, since it was accepted).
    head_since: Option<Instant>,
    /// Last byte read or written.
    last_io: Instant,
}

impl Activity {
    fn new() -> Arc<Self> {
        let now = Instant::now();
        Arc::new(Activity {
            state: std::sync::Mutex::new(ActivityState {
                in_flight: 0,
                head_since: Some(now),
                last_io: now,
            }),
        })
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    fn read(&self) {
        let mut s = self.lock();
        s.last_io = Instant::now();
        if s.in_flight == 0 && s.head_since.is_none() {
            s.head_since = Some(s.last_io);
        }
    }
    fn wrote(&self) {
        self.lock().last_io = Instant::now();
    }
    /// A request head was parsed and its handler starts; the guard ends it.
    fn start(self: &Arc<Self>) -> InFlight {
        let mut s = self.lock();
        s.in_flight += 1;
        s.head_since = None;
        InFlight(self.clone())
    }
    /// Whether the connection should be closed now (a zero duration never expires).
    fn expired(&self, header_read: Duration, idle: Duration) -> bool {
        let s = self.lock();
        if s.in_flight > 0 {
            return false;
        }
        let over = |since: Instant, limit: Duration| !limit.is_zero() && since.elapsed() >= limit;
        s.head_since.is_some_and(|t| over(t, header_read)) || over(s.last_io, idle)
    }
}

/// One request in flight on a connection (see [`Activity::start`]).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        s.last_io = Instant::now();
    }
}

/// The socket, reporting each read and write to the connection's [`Activity`].
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        res
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        res
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        res
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn serve_conn(
    stream: TcpStream,
    app: Shared,
    routers: Routers,
    mut closing: watch::Receiver<bool>,
) {
    let (header_read, idle) = (app.config.header_read_timeout, app.config.idle_timeout);
    let activity = Activity::new();
    // A request that must "drop the connection" notifies this, and we drop the hyper connection
    // (and with it the socket) without hyper ever writing a response.
    let kill = Arc::new(Notify::new());
    let svc_kill = kill.clone();
    let svc_activity = activity.clone();
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        let (app, routers, kill) = (app.clone(), routers.clone(), svc_kill.clone());
        let in_flight = svc_activity.start();
        async move {
            let res = handle(app, routers, req, kill).await;
            drop(in_flight);
            Ok::<_, Infallible>(res)
        }
    });
    let io = Tracked {
        inner: stream,
        activity: activity.clone(),
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    // Checked a few times per timeout, so a connection closes within about 1.25 x its timeout.
    let shortest = [header_read, idle]
        .into_iter()
        .filter(|d| !d.is_zero())
        .min()
        .unwrap_or(Duration::from_secs(1));
    let mut ticker = tokio::time::interval(
        (shortest / 4).clamp(Duration::from_millis(5), Duration::from_secs(1)),
    );
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            () = kill.notified() => return,
            _ = ticker.tick() => if activity.expired(header_read, idle) {
                return;
            },
            _ = closing.changed(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

enum Outcome {
    Respond(Response),
    Drop,
}

/// The name of the header every answer carries its request id in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Serves one request: gives it a request id (sent as `x-request-id` on whatever answer it gets
/// and kept in its request-log entry), and prints one line for it when request logging is on.
async fn handle(
    app: Shared,
    routers: Routers,
    req: Request<Incoming>,
    kill: Arc<Notify>,
) -> Response {
    let started = Instant::now();
    let request_id = next_request_id();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let (outcome, faults) = route(&app, &routers, req, &request_id).await;
    let status = match &outcome {
        Outcome::Respond(res) => Some(res.status().as_u16()),
        Outcome::Drop => None,
    };
    if app.log_requests {
        // Method and path only: a query or body may carry subscriber emails.
        let answer = status.map_or("no answer (connection dropped)".to_string(), |s| {
            s.to_string()
        });
        let faults = if faults.is_empty() {
            String::new()
        } else {
            format!(" faults={}", faults.join(","))
        };
        eprintln!(
            "bento-emulator: {request_id} {method} {path} -> {answer} ({} ms){faults}",
            started.elapsed().as_millis()
        );
    }
    match outcome {
        Outcome::Respond(mut res) => {
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut().insert(REQUEST_ID_HEADER, v);
            }
            res
        }
        Outcome::Drop => {
            kill.notify_one();
            // Never answer; the connection task drops the socket.
            std::future::pending().await
        }
    }
}

/// Reads the body, then hands the request to the admin router or, recorded in the request log,
/// to the faults and the API.
async fn route(
    app: &Shared,
    routers: &Routers,
    req: Request<Incoming>,
    request_id: &str,
) -> (Outcome, Vec<String>) {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let admin = path == "/__emulator" || path.starts_with("/__emulator/");
    let read = read_body(
        &parts,
        body,
        app.config.max_body_bytes,
        app.config.idle_timeout,
    )
    .await;
    if admin {
        let res = match read {
            Ok(bytes) => {
                call(
                    &routers.admin,
                    Request::from_parts(parts, Body::from(bytes)),
                )
                .await
            }
            Err(refused) => refused.answer,
        };
        return (Outcome::Respond(res), Vec::new());
    }
    let mut headers = BTreeMap::new();
    for (name, value) in &parts.headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_string())
            .and_modify(|e: &mut String| {
                e.push_str(", ");
                e.push_str(&v);
            })
            .or_insert(v);
    }
    let (body, body_len, body_truncated) = match &read {
        Ok(bytes) => {
            let (text, cut) = logged_body(bytes, app.config.max_logged_body_bytes);
            (text, bytes.len() as u64, cut)
        }
        Err(refused) => (String::new(), refused.seen, true),
    };
    let id = app.log().push(RecordedRequest {
        id: 0,
        request_id: request_id.to_string(),
        method: parts.method.to_string(),
        path: path.to_string(),
        query: parts.uri.query().map(str::to_string),
        headers,
        body,
        body_len,
        body_truncated,
        status: None,
        faults: Vec::new(),
        received_at: iso(now_ms()),
    });
    let (outcome, faults) = match read {
        Ok(bytes) => with_faults(app, routers, parts, bytes).await,
        Err(refused) => (Outcome::Respond(refused.answer), Vec::new()),
    };
    let status = match &outcome {
        Outcome::Respond(res) => Some(res.status().as_u16()),
        Outcome::Drop => None,
    };
    app.log().finish(id, status, faults.clone());
    (outcome, faults)
}

/// A process-wide request id: `req_`, 12 hex digits fixed per process (from its pid and start
/// time), `_`, a counter shared by every emulator in the process. Unique across the emulators
/// of one process and, with overwhelming likelihood, across processes and runs.
pub(crate) fn next_request_id() -> String {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let prefix = *PREFIX.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        crate::util::mix(nanos ^ u64::from(std::process::id()).rotate_left(40)) & 0xFFFF_FFFF_FFFF
    });
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("req_{prefix:012x}_{n}")
}

/// After refusing an oversize body, read and discard up to this much more of it…
const DRAIN_MAX_BYTES: usize = 64 * 1024 * 1024;
/// …for at most this long, then close.
const DRAIN_MAX_TIME: Duration = Duration::from_secs(5);

/// The next frame of a request body.
async fn next_frame(body: &mut Incoming) -> Option<Result<Frame<Bytes>, hyper::Error>> {
    std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await
}

/// Reads the whole body, or answers 413 when it is (or declares to be) over `limit`.
///
/// The 413 is sent *before* the connection closes, and the rest of the body is read and
/// discarded in the background (up to [`DRAIN_MAX_BYTES`] / [`DRAIN_MAX_TIME`]): closing a
/// socket with unread bytes makes the kernel send a reset, which destroys the 413 the client has
/// not read yet and shows up as a broken pipe on its side.
///
/// A body that stalls for `stall` (zero = never) gets 408 and the connection is closed.
async fn read_body(
    parts: &Parts,
    mut body: Incoming,
    limit: usize,
    stall: Duration,
) -> Result<Bytes, Refused> {
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        // With `Expect: 100-continue` the client waits for us before sending the body: there
        // is nothing to drain (and reading would make hyper invite the body).
        let waits = parts
            .headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        if !waits {
            drain(body);
        }
        return Err(Refused {
            answer: too_large(limit),
            seen: 0,
        });
    }
    let cap = declared.map_or(0, |n| n as usize).min(limit);
    let mut buf = Vec::with_capacity(cap);
    loop {
        let frame = if stall.is_zero() {
            next_frame(&mut body).await
        } else {
            match tokio::time::timeout(stall, next_frame(&mut body)).await {
                Ok(f) => f,
                Err(_) => {
                    let mut res = error(
                        StatusCode::REQUEST_TIMEOUT,
                        &format!("no request body bytes for {} ms", stall.as_millis()),
                    );
                    res.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    return Err(Refused {
                        answer: res,
                        seen: buf.len() as u64,
                    });
                }
            }
        };
        let Some(frame) = frame else { break };
        let Ok(frame) = frame else {
            // The client went away mid-body; nobody will read this answer.
            return Err(Refused {
                answer: error(StatusCode::BAD_REQUEST, "incomplete request body"),
                seen: buf.len() as u64,
            });
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                let seen = (buf.len() + data.len()) as u64;
                drain(body);
                return Err(Refused {
                    answer: too_large(limit),
                    seen,
                });
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buf))
}

/// A body that was not read whole: the answer to send, and how many bytes of it arrived.
struct Refused {
    answer: Response,
    seen: u64,
}

fn too_large(limit: usize) -> Response {
    let mut res = error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("request body larger than {limit} bytes"),
    );
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// Reads and discards the rest of a refused body in the background (see [`read_body`]).
fn drain(mut body: Incoming) {
    tokio::spawn(async move {
        let read_rest = async {
            let mut left = DRAIN_MAX_BYTES;
            while let Some(Ok(frame)) = next_frame(&mut body).await {
                let n = frame.data_ref().map_or(0, Bytes::len);
                left = left.saturating_sub(n);
                if left == 0 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_MAX_TIME, read_rest).await;
    });
}

async fn with_faults(
    app: &Shared,
    routers: &Routers,
    parts: Parts,
    bytes: Bytes,
) -> (Outcome, Vec<String>) {
    let path = parts.uri.path();
    let decision = if path == "/api/v1" || path.starts_with("/api/v1/") {
        app.faults()
            .decide(parts.method.as_str(), &normalize_path(path))
    } else {
        Default::default()
    };
    let faults: Vec<String> = decision.applied.iter().map(|s| s.to_string()).collect();
    if decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    let raw = |status: u16, ctype: &str, body: Body| -> Outcome {
        let mut res = Response::new(body);
        *res.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Ok(v) = HeaderValue::from_str(ctype) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        Outcome::Respond(res)
    };
    let outcome = match decision.action {
        None => Outcome::Respond(normal(app, routers, parts, bytes).await),
        Some(FaultAction::Status {
            status,
            body,
            retry_after,
            content_type,
        }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (text, ctype) = match body {
                Some(Value::String(s)) => (s, "text/plain; charset=utf-8"),
                Some(v) => (v.to_string(), "application/json; charset=utf-8"),
                None => (
                    json!({"error": code.canonical_reason().unwrap_or("Error")}).to_string(),
                    "application/json; charset=utf-8",
                ),
            };
            let mut out = raw(
                status,
                content_type.as_deref().unwrap_or(ctype),
                Body::from(text),
            );
            if let (Outcome::Respond(res), Some(secs)) = (&mut out, retry_after)
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            out
        }
        Some(FaultAction::Latency { .. }) => {
            Outcome::Respond(normal(app, routers, parts, bytes).await)
        }
        Some(FaultAction::DropConnection { after_handling }) => {
            if after_handling {
                let _ = normal(app, routers, parts, bytes).await;
            }
            Outcome::Drop
        }
        Some(FaultAction::MalformedJson { status }) => raw(
            status,
            "application/json; charset=utf-8",
            Body::from(r#"{"results": 1, "failed": 0, "data": {"id": "80"#),
        ),
        Some(FaultAction::Html { status }) => raw(
            status,
            "text/html; charset=UTF-8",
            Body::from(html_page(status)),
        ),
        Some(FaultAction::HugeBody { status, megabytes }) => {
            let body = HugeBody::new(u64::from(megabytes) * 1024 * 1024);
            let len = body.len();
            let mut out = raw(status, "application/json; charset=utf-8", body.into_body());
            if let Outcome::Respond(res) = &mut out {
                res.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            }
            out
        }
        Some(FaultAction::TruncatedBody { status, body }) => {
            let (status, ctype, full) = match body {
                Some(b) => (
                    status,
                    "application/json; charset=utf-8".to_string(),
                    Bytes::from(b),
                ),
                None => {
                    let res = normal(app, routers, parts, bytes).await;
                    let status = res.status().as_u16();
                    let ctype = res
                        .headers()
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("application/json")
                        .to_string();
                    let full = to_bytes(res.into_body(), usize::MAX)
                        .await
                        .unwrap_or_default();
                    (status, ctype, full)
                }
            };
            // Declare the full length, send at most half (and at least one byte short).
            let declared = full.len().max(2);
            let keep = (full.len() / 2).min(declared - 1);
            let mut out = raw(
                status,
                &ctype,
                Body::new(TruncatedBody::new(full.slice(..keep))),
            );
            if let Outcome::Respond(res) = &mut out {
                res.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
            }
            out
        }
    };
    (outcome, faults)
}

/// The un-faulted path: User-Agent check, parameter parsing, routing.
async fn normal(app: &Shared, routers: &Routers, mut parts: Parts, bytes: Bytes) -> Response {
    if app.config.strict_user_agent {
        let ua = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if ua.trim().is_empty() {
            // Cloudflare blocks UA-less requests before they reach the API (§1.4).
            return error(StatusCode::FORBIDDEN, "Forbidden");
        }
    }
    let path = parts.uri.path();
    if path != "/api/v1" && !path.starts_with("/api/v1/") {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    // Rails ignores a trailing slash; axum doesn't, so strip it.
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let pq = match parts.uri.query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            parts.uri = uri;
        }
    }
    let ctype = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let limits = Limits {
        max_depth: app.config.max_param_depth,
        max_params: app.config.max_params,
        max_json_values: app.config.max_json_values,
    };
    let params = match Params::parse(parts.uri.query(), ctype, &bytes, &limits) {
        Ok(p) => p,
        Err(e) => return error(e.status, &e.message),
    };
    parts.extensions.insert(Arc::new(params));
    call(&routers.api, Request::from_parts(parts, Body::from(bytes))).await
}

async fn call(router: &Router, req: Request<Body>) -> Response {
    match TowerToHyperService::new(router.clone()).call(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}
