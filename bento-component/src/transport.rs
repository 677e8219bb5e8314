//! The wasi:http driver: sends one `http::Request<Vec<u8>>` built by the core and returns the
//! `http::Response<Vec<u8>>` (or a [`TransportError`]), plus the clock and randomness the
//! core's retry policy asks the driver for. No validation and no retry decisions live here.

use std::time::{Duration, SystemTime};

use bento_core::{Config, TransportError, TransportErrorKind};
use wasip2::clocks::{monotonic_clock, wall_clock};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, HeaderError, IncomingBody, IncomingResponse, Method, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::poll::{Pollable, poll};
use wasip2::io::streams::StreamError;

/// Largest read request per `read` call.
const READ_CHUNK: u64 = 64 * 1024;

/// The wall-clock time, for `Retry-After` dates.
pub fn now() -> SystemTime {
    let t = wall_clock::now();
    SystemTime::UNIX_EPOCH + Duration::new(t.seconds, t.nanoseconds)
}

/// A jitter value in `[0, 1)` for the retry backoff.
pub fn jitter() -> f64 {
    // 53 random bits make every f64 in [0, 1) with that spacing equally likely.
    (wasip2::random::random::get_random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// The monotonic clock, for deadlines.
pub fn monotonic() -> Duration {
    Duration::from_nanos(monotonic_clock::now())
}

/// Sleeps on the monotonic clock (retry delays).
pub fn sleep(delay: Duration) {
    monotonic_clock::subscribe_duration(nanos(delay)).block();
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn err(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
    TransportError::new(kind, message)
}

/// Sends `request` within `timeout` (the core's budget for this attempt), with the config's
/// connect timeout and response cap. Redirects are not followed: wasi:http hands the 3xx
/// back and the core reports it.
pub fn send(
    request: &http::Request<Vec<u8>>,
    config: &Config,
    timeout: Duration,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    // One deadline for the whole attempt: waiting for the head and reading the body.
    let deadline =
        monotonic_clock::subscribe_instant(monotonic_clock::now().saturating_add(nanos(timeout)));

    let outgoing = build_request(request)?;
    let options = RequestOptions::new();
    // A host may not support a timeout (it answers Err); the overall deadline still applies.
    let _ = options.set_connect_timeout(Some(nanos(config.connect_timeout().min(timeout))));
    let _ = options.set_first_byte_timeout(Some(nanos(timeout)));
    let _ = options.set_between_bytes_timeout(Some(nanos(timeout)));

    // A request without a body never opens one: the host then sends no body at all (an
    // opened body of unknown length would go out chunked, even on a GET).
    let body = if request.body().is_empty() {
        None
    } else {
        Some(
            outgoing
                .body()
                .map_err(|()| err(TransportErrorKind::Other, "request body already taken"))?,
        )
    };
    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(map_code)?;

    // Write the body after `handle`, so the host is already draining it. If writing fails
    // the request itself failed; the response future says why (refused, reset, ...).
    let written = match body {
        None => true,
        Some(body) => {
            let written = write_body(&body, request.body(), &deadline)?;
            if written {
                OutgoingBody::finish(body, None).map_err(map_code)?;
            }
            written
        }
    };

    let subscription = future.subscribe();
    let response = loop {
        match future.get() {
            Some(Ok(Ok(response))) => break response,
            Some(Ok(Err(code))) => return Err(map_code(code)),
            Some(Err(())) => {
                return Err(err(TransportErrorKind::Other, "response already taken"));
            }
            None => wait(&subscription, &deadline, "no response before the timeout")?,
        }
    };
    drop(subscription);
    if !written {
        return Err(err(
            TransportErrorKind::Io,
            "the request body could not be sent",
        ));
    }
    read_response(&response, config.max_response_bytes(), &deadline)
}

/// Waits until `ready` or the deadline, whichever comes first.
fn wait(ready: &Pollable, deadline: &Pollable, what: &str) -> Result<(), TransportError> {
    let fired = poll(&[ready, deadline]);
    if fired.contains(&0) {
        Ok(())
    } else {
        Err(err(TransportErrorKind::Timeout, what))
    }
}

fn build_request(request: &http::Request<Vec<u8>>) -> Result<OutgoingRequest, TransportError> {
    let mut entries: Vec<(String, Vec<u8>)> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    // The length is known: a fixed-length body, not chunked transfer encoding (which some
    // servers refuse). The host checks that exactly this many bytes are written.
    if !request.body().is_empty() {
        entries.push((
            "content-length".to_owned(),
            request.body().len().to_string().into_bytes(),
        ));
    }
    let headers = Fields::from_list(&entries).map_err(|e| {
        let why = match e {
            HeaderError::InvalidSyntax => "invalid syntax",
            HeaderError::Forbidden => "forbidden by the host",
            HeaderError::Immutable => "immutable",
        };
        err(TransportErrorKind::Other, format!("header rejected: {why}"))
    })?;
    let outgoing = OutgoingRequest::new(headers);

    let method = match request.method().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        other => Method::Other(other.to_owned()),
    };
    let uri = request.uri();
    let scheme = match uri.scheme_str() {
        Some("http") => Scheme::Http,
        Some("https") => Scheme::Https,
        Some(other) => Scheme::Other(other.to_owned()),
        None => return Err(err(TransportErrorKind::Other, "request URI has no scheme")),
    };
    let authority = uri
        .authority()
        .map(|a| a.as_str())
        .ok_or_else(|| err(TransportErrorKind::Other, "request URI has no host"))?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let rejected = |what: &str| {
        err(
            TransportErrorKind::Other,
            format!("host rejected the {what}"),
        )
    };
    outgoing
        .set_method(&method)
        .map_err(|()| rejected("method"))?;
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|()| rejected("scheme"))?;
    outgoing
        .set_authority(Some(authority))
        .map_err(|()| rejected("authority"))?;
    outgoing
        .set_path_with_query(Some(path))
        .map_err(|()| rejected("path"))?;
    Ok(outgoing)
}

/// Writes the body in the largest pieces the stream accepts, within the attempt's deadline;
/// `false` if the stream broke, `Err` at the deadline (a server that stops reading the body
/// must not hold the call forever). `check-write` + `write` rather than
/// `blocking-write-and-flush`: the latter takes at most 4096 bytes and waits for the host to
/// take each piece, which was 54 round trips to wasmtime-wasi-http's sender for a 1,000-row
/// import chunk where one write of up to the host's budget (1 MiB there) does.
fn write_body(
    body: &OutgoingBody,
    bytes: &[u8],
    deadline: &Pollable,
) -> Result<bool, TransportError> {
    let Ok(stream) = body.write() else {
        return Ok(false);
    };
    let ready = stream.subscribe();
    let stalled = "the request body could not be sent before the timeout";
    let mut rest = bytes;
    while !rest.is_empty() {
        let Ok(budget) = stream.check_write() else {
            return Ok(false);
        };
        if budget == 0 {
            wait(&ready, deadline, stalled)?;
            continue;
        }
        let take = rest
            .len()
            .min(usize::try_from(budget).unwrap_or(usize::MAX));
        let (now, later) = rest.split_at(take);
        if stream.write(now).is_err() {
            return Ok(false);
        }
        rest = later;
    }
    // Flushed before `finish`, and waited for: a host may buffer a write until it is flushed,
    // and a failed flush is the last chance to see the body did not go out. A stream the host
    // closed once every byte was written is not a failure: wasmtime-wasi-http's closes as soon
    // as hyper has read `content-length` bytes.
    let ok = match stream.flush() {
        Ok(()) => {
            wait(&ready, deadline, stalled)?;
            !matches!(
                stream.check_write(),
                Err(StreamError::LastOperationFailed(_))
            )
        }
        Err(StreamError::Closed) => true,
        Err(StreamError::LastOperationFailed(_)) => false,
    };
    // The pollable and the stream are children of the body: they go before `finish`.
    drop(ready);
    drop(stream);
    Ok(ok)
}

fn read_response(
    response: &IncomingResponse,
    max: usize,
    deadline: &Pollable,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let status = response.status();
    // Only a 2xx over the cap is "too large": an error answer (a 401 behind a big proxy
    // page, a 429) keeps its status, with its body cut at the cap, so the core still sees a
    // wrong key as fatal and a rate limit as retryable.
    let success = (200..300).contains(&status);
    let mut builder = http::Response::builder().status(status);
    let too_large = || {
        err(
            TransportErrorKind::ResponseTooLarge,
            format!("response body over {max} bytes"),
        )
    };
    {
        let headers = response.headers();
        for (name, value) in headers.entries() {
            if success
                && name.eq_ignore_ascii_case("content-length")
                && std::str::from_utf8(&value)
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .is_some_and(|len| len > max as u64)
            {
                return Err(too_large());
            }
            // Only what the core reads: parsing arbitrary names into `http::HeaderName` would
            // link http's header tables (17 KB of the component) for headers nobody looks at.
            if let Some(known) = bento_core::RESPONSE_HEADERS
                .iter()
                .find(|h| name.eq_ignore_ascii_case(h.as_str()))
            {
                builder = builder.header(known.clone(), value);
            }
        }
    }

    let body = response
        .consume()
        .map_err(|()| err(TransportErrorKind::Other, "response body already taken"))?;
    let (bytes, cut) = read_body(&body, max, deadline, &too_large, !success)?;
    if cut {
        // The rest of an error body is not read: no trailers to wait for.
        drop(body);
        return builder.body(bytes).map_err(|e| {
            err(
                TransportErrorKind::Other,
                format!("cannot assemble the response: {e}"),
            )
        });
    }
    // The trailers say whether the body ended cleanly (a truncated body is an error here).
    let trailers = IncomingBody::finish(body);
    let ready = trailers.subscribe();
    wait(
        &ready,
        deadline,
        "the response did not finish before the timeout",
    )?;
    if let Some(Ok(Err(code))) = trailers.get() {
        return Err(map_code(code));
    }
    drop(ready);

    builder.body(bytes).map_err(|e| {
        err(
            TransportErrorKind::Io,
            format!("malformed response head: {e}"),
        )
    })
}

fn read_body(
    body: &IncomingBody,
    max: usize,
    deadline: &Pollable,
    too_large: &dyn Fn() -> TransportError,
    cut_at_max: bool,
) -> Result<(Vec<u8>, bool), TransportError> {
    let stream = body
        .stream()
        .map_err(|()| err(TransportErrorKind::Other, "response stream already taken"))?;
    let ready = stream.subscribe();
    let mut bytes = Vec::new();
    loop {
        match stream.read(READ_CHUNK) {
            Ok(chunk) if chunk.is_empty() => {
                wait(
                    &ready,
                    deadline,
                    "the response body stalled past the timeout",
                )?;
            }
            Ok(chunk) => {
                if bytes.len().saturating_add(chunk.len()) > max {
                    if !cut_at_max {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk[..max - bytes.len()]);
                    drop(ready);
                    drop(stream);
                    return Ok((bytes, true));
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(match wasip2::http::types::http_error_code(&e) {
                    Some(code) => map_code(code),
                    // Hosts need not attach an error code to a stream error (wasmtime-wasi-http
                    // reports its between-bytes timeout as "connection read timeout" and a
                    // backtrace): classified by its first line, like a host's internal error.
                    None => from_host_text(&e.to_debug_string()),
                });
            }
        }
    }
    // Children before parents: the pollable and the stream go before the body is finished.
    drop(ready);
    drop(stream);
    Ok((bytes, false))
}

/// Maps a wasi:http error code onto the core's transport error kinds.
fn map_code(code: ErrorCode) -> TransportError {
    use ErrorCode as E;
    use TransportErrorKind as K;
    // Every case spelled out rather than `{code:?}`: the derived `Debug` of wasi's error types
    // was 6 KB of the component for a message nobody parses.
    let (kind, message): (TransportErrorKind, &str) = match code {
        E::DnsTimeout => (K::Connect, "DNS timeout"),
        E::DnsError(ref dns) => {
            let rcode = dns.rcode.as_deref().unwrap_or("unknown rcode");
            return err(K::Connect, clip(format!("DNS error ({rcode})")));
        }
        E::DestinationNotFound => (K::Connect, "destination not found"),
        E::DestinationUnavailable => (K::Connect, "destination unavailable"),
        E::DestinationIpProhibited => (K::Connect, "destination IP prohibited"),
        E::DestinationIpUnroutable => (K::Connect, "destination IP unroutable"),
        E::ConnectionRefused => (K::Connect, "connection refused"),
        E::ConnectionTimeout => (K::Connect, "connect timeout"),
        E::TlsProtocolError => (K::Connect, "TLS protocol error"),
        E::TlsCertificateError => (K::Connect, "TLS certificate error"),
        E::TlsAlertReceived(ref alert) => {
            let text = alert.alert_message.as_deref().unwrap_or("no message");
            return err(K::Connect, clip(format!("TLS alert received ({text})")));
        }
        E::ConnectionReadTimeout => (K::Timeout, "read timeout"),
        E::ConnectionWriteTimeout => (K::Timeout, "write timeout"),
        E::HttpResponseTimeout => (K::Timeout, "response timeout"),
        E::ConnectionTerminated => (K::Io, "connection terminated"),
        E::ConnectionLimitReached => (K::Io, "connection limit reached"),
        E::HttpProtocolError => (K::Io, "HTTP protocol error"),
        E::HttpResponseIncomplete => (K::Io, "response incomplete"),
        E::HttpResponseHeaderSectionSize(_) | E::HttpResponseHeaderSize(_) => {
            (K::Io, "response headers too large")
        }
        E::HttpResponseTrailerSectionSize(_) | E::HttpResponseTrailerSize(_) => {
            (K::Io, "response trailers too large")
        }
        E::HttpResponseTransferCoding(_) | E::HttpResponseContentCoding(_) => {
            (K::Io, "bad response coding")
        }
        E::HttpResponseBodySize(_) => (K::ResponseTooLarge, "response body too large"),
        E::HttpUpgradeFailed => (K::Io, "HTTP upgrade failed"),
        E::HttpRequestDenied => (K::Other, "request denied by the host"),
        E::HttpRequestLengthRequired => (K::Other, "the host wants a request length"),
        E::HttpRequestBodySize(_) => (K::Other, "request body size rejected by the host"),
        E::HttpRequestMethodInvalid => (K::Other, "request method rejected by the host"),
        E::HttpRequestUriInvalid => (K::Other, "request URI rejected by the host"),
        E::HttpRequestUriTooLong => (K::Other, "request URI too long"),
        E::HttpRequestHeaderSectionSize(_) | E::HttpRequestHeaderSize(_) => {
            (K::Other, "request headers too large")
        }
        E::HttpRequestTrailerSectionSize(_) | E::HttpRequestTrailerSize(_) => {
            (K::Other, "request trailers too large")
        }
        E::LoopDetected => (K::Other, "loop detected"),
        E::ConfigurationError => (K::Other, "host configuration error"),
        // Hosts report e.g. hyper's "connection reset" here.
        E::InternalError(Some(ref text)) => return from_host_text(text),
        E::InternalError(None) => (K::Other, "host internal error"),
    };
    err(kind, message)
}

/// At most 200 characters of a host's text.
/// A host's error text without an error code: its first line (a host may append a backtrace),
/// clipped, classified by what it says.
fn from_host_text(text: &str) -> TransportError {
    use TransportErrorKind as K;
    let mut text = clip(text.lines().next().unwrap_or_default().trim().to_owned());
    if text.is_empty() {
        text = "the host reported an error without a description".to_owned();
    }
    let lower = text.to_ascii_lowercase();
    let kind = if lower.contains("refused") || lower.contains("dns") {
        K::Connect
    } else if lower.contains("timed out") || lower.contains("timeout") {
        K::Timeout
    } else {
        K::Io
    };
    err(kind, text)
}

fn clip(text: String) -> String {
    text.chars().take(200).collect()
}
