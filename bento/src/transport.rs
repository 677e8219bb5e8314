//! What both clients share: one reqwest client (rustls with ring, no redirects), the response
//! size cap, the mapping of reqwest's errors, and the clocks and jitter handed to the core.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bento_core::{Config, Error, TransportError, TransportErrorKind};
use http::{Request, Response};

/// The HTTP half of a client.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    max_response_bytes: usize,
}

/// The TLS configuration: rustls with the ring provider and the webpki roots, so the binary
/// carries one TLS stack.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::invalid("tls", e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

impl Http {
    pub(crate) fn new(config: &Config) -> Result<Http, Error> {
        let mut builder = reqwest::Client::builder();
        let plain = config.base_url().get(..7);
        if plain.is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://")) {
            // Plain http is allowed for loopback hosts only, so the keys never cross a network
            // in clear; reqwest would still send it (Authorization included) to whatever
            // `HTTP_PROXY`/`ALL_PROXY` names, loopback or not. https keeps the system proxy:
            // it tunnels with CONNECT, TLS end to end.
            builder = builder.no_proxy();
        }
        let client = builder
            .tls_backend_preconfigured(tls_config()?)
            .connect_timeout(config.connect_timeout())
            // Never follow a redirect: it would re-send the credentials and the body to
            // whatever `Location` names (or turn a POST into a GET whose 200 looks like
            // success). The core reports a 3xx as an error naming the target's origin.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::invalid(
                    "config",
                    format!("cannot build the HTTP client: {}", describe(&e)),
                )
            })?;
        Ok(Http {
            client,
            max_response_bytes: config.max_response_bytes(),
        })
    }

    /// Copies the core's request into reqwest's, with the attempt's time budget.
    pub(crate) fn prepare(
        &self,
        request: &Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<reqwest::Request, TransportError> {
        self.client
            .request(request.method().clone(), request.uri().to_string())
            .headers(request.headers().clone())
            .body(request.body().clone())
            .timeout(timeout)
            .build()
            .map_err(map_error)
    }

    /// Sends a prepared request and reads the response up to the size cap. `'static`, so the
    /// blocking client can run it on its I/O thread.
    ///
    /// A 2xx body over the cap is [`TransportErrorKind::ResponseTooLarge`] (it would be
    /// decoded). Any other answer keeps its status with the body cut at the cap: the core
    /// reads only a short snippet of an error body, and failing it instead would turn a 401
    /// behind a proxy's big HTML page into a non-fatal error (a chunked run would send every
    /// chunk with a wrong key) and a 429 into one that is never retried.
    pub(crate) fn run(
        &self,
        request: reqwest::Request,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send + 'static {
        let client = self.client.clone();
        let max = self.max_response_bytes;
        async move {
            let mut response = client.execute(request).await.map_err(map_error)?;
            let success = response.status().is_success();
            if success
                && response
                    .content_length()
                    .is_some_and(|len| len > max as u64)
            {
                return Err(too_large(max));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(map_error)? {
                if body.len() + chunk.len() > max {
                    if success {
                        return Err(too_large(max));
                    }
                    // The rest is never read; dropping the response closes the connection.
                    body.extend_from_slice(&chunk[..max - body.len()]);
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            let mut out = Response::new(body);
            *out.status_mut() = response.status();
            *out.headers_mut() = std::mem::take(response.headers_mut());
            Ok(out)
        }
    }
}

fn too_large(max: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::ResponseTooLarge,
        format!("the response is larger than {max} bytes"),
    )
}

fn map_error(e: reqwest::Error) -> TransportError {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_request() || e.is_body() || e.is_decode() {
        TransportErrorKind::Io
    } else if e.is_builder() {
        TransportErrorKind::Other
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, describe(&e.without_url()))
}

/// A short, URL-free description of an error and its sources.
pub(crate) fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Implements [`bento_core::Clock`] for a client's state with the system clocks below.
macro_rules! system_clock {
    ($ty:ty) => {
        impl bento_core::Clock for $ty {
            fn now(&self) -> std::time::SystemTime {
                $crate::transport::now()
            }
            fn monotonic(&self) -> std::time::Duration {
                $crate::transport::monotonic()
            }
            fn jitter(&self) -> f64 {
                $crate::transport::jitter()
            }
        }
    };
}
pub(crate) use system_clock;

/// The current wall-clock time, for HTTP-date `Retry-After` values.
pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

/// Time since the first reading, from the monotonic clock.
pub(crate) fn monotonic() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// A jitter value in `[0, 1)`. `RandomState` is seeded randomly per process; hashing a counter
/// with it gives well-spread values without a `rand` dependency.
pub(crate) fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..100).map(|_| super::jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn monotonic_never_goes_back() {
        let a = super::monotonic();
        let b = super::monotonic();
        assert!(b >= a);
    }
}
