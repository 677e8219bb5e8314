//! What the drivers report through [`tracing`](https://docs.rs/tracing) with the `tracing`
//! cargo feature; without it, every item here is an empty inline function and nothing is
//! compiled in (the WASI component builds without it: it logs nothing, and the bytes count).
//!
//! Under target `bento`:
//! - a span `bento.operation` per operation: `operation` (its type name), `method`, `path`
//!   (the URL path, email addresses redacted; never the query, which carries emails) and
//!   `records` (the records of a chunk);
//! - an event `bento.attempt` per attempt: `attempt`, `status` or `transport` (the failure's
//!   kind), `latency_ms`, `request_id`, `retry_after` (the raw header) and the decision,
//!   `retry_in_ms` or `done`; DEBUG, or WARN for a retry;
//! - an event `bento.chunk` per chunk of a chunked run: `index`, `records`, `outcome`, and the
//!   run's `accepted`/`failed` so far.
//!
//! Never a key, the `Authorization` header, an email address or a body: every text that
//! comes from the server (the request id) is redacted and scrubbed of the secrets first.

#[cfg(feature = "tracing")]
mod on {
    use std::time::Duration;

    use http::{Request, Response};

    use crate::batch::Progress;
    use crate::config::Config;
    use crate::error::{Error, TransportError, redact};

    use crate::operation::Step;

    /// The span of one operation.
    pub(crate) struct OpSpan(tracing::Span);

    /// The span for `request`, sent for operation type `O`.
    pub(crate) fn operation<O>(request: &Request<Vec<u8>>, records: Option<usize>) -> OpSpan {
        let name = std::any::type_name::<O>();
        let name = name.rsplit("::").next().unwrap_or(name);
        OpSpan(tracing::debug_span!(
            target: "bento",
            "bento.operation",
            operation = name,
            method = %request.method(),
            path = %redact(request.uri().path()),
            records,
        ))
    }

    impl OpSpan {
        /// Enters the span for a blocking call.
        pub(crate) fn enter(&self) -> tracing::span::Entered<'_> {
            self.0.enter()
        }

        /// Runs `future` inside the span.
        pub(crate) fn wrap<F: std::future::Future>(
            self,
            future: F,
        ) -> tracing::instrument::Instrumented<F> {
            tracing::Instrument::instrument(future, self.0)
        }
    }

    /// What one attempt's outcome says, read before the outcome is handed to the core.
    pub(crate) struct Attempt {
        status: Option<u16>,
        transport: Option<String>,
        request_id: Option<String>,
        retry_after: Option<String>,
    }

    /// Reads `outcome`, scrubbing the server's texts of `config`'s secrets.
    pub(crate) fn attempt(
        config: &Config,
        outcome: &Result<Response<Vec<u8>>, TransportError>,
    ) -> Attempt {
        let scrub = |text: &str| config.scrub_text(text);
        match outcome {
            Ok(response) => Attempt {
                status: Some(response.status().as_u16()),
                transport: None,
                request_id: crate::operation::request_id(response.headers()).map(|id| scrub(&id)),
                retry_after: response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(scrub),
            },
            Err(e) => Attempt {
                status: None,
                transport: Some(e.kind.to_string()),
                request_id: None,
                retry_after: None,
            },
        }
    }

    impl Attempt {
        /// Emits the attempt's event: number `attempt` (1-based), how long it took, and what
        /// the core decided.
        pub(crate) fn emit<T>(self, attempt: u32, latency: Duration, step: &Step<T>) {
            let latency_ms = latency.as_secs_f64() * 1000.0;
            let Attempt {
                status,
                transport,
                request_id,
                retry_after,
            } = self;
            match step {
                Step::Retry(delay) => tracing::warn!(
                    target: "bento",
                    attempt,
                    status,
                    transport,
                    latency_ms,
                    request_id,
                    retry_after,
                    retry_in_ms = delay.as_millis() as u64,
                    "bento.attempt: retrying"
                ),
                Step::Done(result) => tracing::debug!(
                    target: "bento",
                    attempt,
                    status,
                    transport,
                    latency_ms,
                    request_id,
                    retry_after,
                    done = if result.is_ok() { "ok" } else { "error" },
                    "bento.attempt: done"
                ),
            }
        }
    }

    /// Emits a chunk's event.
    pub(crate) fn chunk(index: usize, records: usize, outcome: &str, progress: &Progress) {
        tracing::debug!(
            target: "bento",
            index,
            records,
            outcome,
            accepted = progress.accepted,
            failed = progress.failed,
            "bento.chunk"
        );
    }

    /// The words for a chunk's outcome.
    pub(crate) fn outcome<T>(result: &Result<T, Error>) -> String {
        match result {
            Ok(_) => "sent".to_owned(),
            Err(e) => format!("{:?}", crate::error::ErrorClass::of(e)),
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod off {
    use std::time::Duration;

    use http::{Request, Response};

    use crate::batch::Progress;
    use crate::config::Config;
    use crate::error::{Error, TransportError};
    use crate::operation::Step;

    pub(crate) struct OpSpan;
    pub(crate) struct Entered;
    pub(crate) struct Attempt;

    #[inline(always)]
    #[allow(clippy::extra_unused_type_parameters)] // the same signature as with the feature
    pub(crate) fn operation<O>(_: &Request<Vec<u8>>, _: Option<usize>) -> OpSpan {
        OpSpan
    }

    impl OpSpan {
        #[inline(always)]
        pub(crate) fn enter(&self) -> Entered {
            Entered
        }

        #[inline(always)]
        pub(crate) fn wrap<F: std::future::Future>(self, future: F) -> F {
            future
        }
    }

    #[inline(always)]
    pub(crate) fn attempt(_: &Config, _: &Result<Response<Vec<u8>>, TransportError>) -> Attempt {
        Attempt
    }

    impl Attempt {
        #[inline(always)]
        pub(crate) fn emit<T>(self, _: u32, _: Duration, _: &Step<T>) {}
    }

    #[inline(always)]
    pub(crate) fn chunk(_: usize, _: usize, _: &str, _: &Progress) {}

    #[inline(always)]
    pub(crate) fn outcome<T>(_: &Result<T, Error>) -> String {
        String::new()
    }
}

#[cfg(not(feature = "tracing"))]
pub(crate) use off::*;
#[cfg(feature = "tracing")]
pub(crate) use on::*;
