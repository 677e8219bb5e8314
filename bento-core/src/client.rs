//! `bento::Client`: the async client (reqwest + tokio), for Tokio/Axum/Actix services.
//!
//! A thin driver around the core: it sends [`Exchange::request`], reads the response with a
//! size cap, and sleeps (without blocking the runtime) when the policy says to retry.
//! `Client` is `Send + Sync` and cheap to clone (one connection pool behind an `Arc`).

use std::fmt;
use std::sync::Arc;

use http::{Request, Response};
use tokio::task::JoinSet;

use crate::batch::{BatchReport, ChunkOptions, Chunked, Chunks};
use crate::error::{Error, TransportError, TransportErrorKind};
use crate::operation::{Exchange, Operation, Step};
use crate::paging::{PageWalker, Paged};
use crate::transport::{describe, jitter, now};
use crate::*;

/// The async Bento client.
///
/// ```no_run
/// use bento::{Client, ConfigBuilder, Event};
///
/// # async fn run() -> Result<(), bento::Error> {
/// let config = ConfigBuilder::new()
///     .publishable_key("pk")
///     .secret_key("sk")
///     .site_uuid("site")
///     .build()?;
/// let client = Client::new(config)?;
/// client.track(Event::tag("user@example.com", "vip")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The TLS configuration both native transports use: rustls with the ring provider and the
/// webpki roots (ureq's defaults), so the binary carries one TLS stack.
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

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .timeout(config.timeout())
            .connect_timeout(config.connect_timeout())
            .build()
            .map_err(|e| {
                Error::invalid(
                    "config",
                    format!("cannot build the HTTP client: {}", describe(&e)),
                )
            })?;
        Ok(Client {
            inner: Arc::new(Inner { config, http }),
        })
    }

    /// A client configured from `BENTO_*` environment variables (see [`Config::from_env`]).
    pub fn from_env() -> Result<Client, Error> {
        Client::new(Config::from_env()?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Runs any operation: validates, sends, retries per the policy, parses.
    pub async fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let mut exchange = Exchange::new(op, &self.inner.config)?;
        loop {
            let outcome = self.send(exchange.request()).await;
            match exchange.on_response(outcome, now(), jitter()) {
                Step::Retry(delay) => tokio::time::sleep(delay).await,
                Step::Done(result) => return result,
            }
        }
    }

    async fn send(&self, request: &Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let max = self.inner.config.max_response_bytes();
        let mut response = self
            .inner
            .http
            .request(request.method().clone(), request.uri().to_string())
            .headers(request.headers().clone())
            .body(request.body().clone())
            .send()
            .await
            .map_err(map_error)?;
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err(too_large(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_error)? {
            if body.len() + chunk.len() > max {
                return Err(too_large(max));
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = Response::new(body);
        *out.status_mut() = response.status();
        *out.headers_mut() = std::mem::take(response.headers_mut());
        Ok(out)
    }

    /// Imports any number of subscribers in chunks (see [`crate::batch`]).
    pub async fn import_subscribers_chunked(
        &self,
        subscribers: impl IntoIterator<Item = ImportSubscriberData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<ImportSubscriberData>, Error> {
        self.run_chunked::<ImportSubscribers>(subscribers, options, |_| {})
            .await
    }

    /// Tracks any number of events in chunks.
    pub async fn track_events_chunked(
        &self,
        events: impl IntoIterator<Item = impl Into<Event>>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Event>, Error> {
        self.run_chunked::<TrackEvents>(events.into_iter().map(Into::into), options, |_| {})
            .await
    }

    /// Sends any number of transactional emails in chunks of at most 60.
    pub async fn send_emails_chunked(
        &self,
        emails: impl IntoIterator<Item = EmailData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<EmailData>, Error> {
        self.run_chunked::<SendEmails>(emails, options, |_| {})
            .await
    }

    /// Runs any number of commands in chunks of at most 100.
    pub async fn subscriber_commands_chunked(
        &self,
        commands: impl IntoIterator<Item = Command>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Command>, Error> {
        self.run_chunked::<SubscriberCommands>(commands, options, |_| {})
            .await
    }

    /// The chunked driver behind the helpers: at most `options.concurrency` chunks in flight,
    /// `on_chunk(records_in_chunk)` after each finishes (e.g. for a progress bar). Only invalid
    /// options are an error; failures of chunks are in the report.
    pub async fn run_chunked<C>(
        &self,
        items: impl IntoIterator<Item = C::Item>,
        options: ChunkOptions,
        mut on_chunk: impl FnMut(usize),
    ) -> Result<BatchReport<C::Item>, Error>
    where
        C: Chunked + Send + Sync + 'static,
        C::Item: Send + 'static,
        C::Output: Send + 'static,
    {
        let size = options.effective_chunk_size(C::MAX_CHUNK)?;
        let concurrency = options.effective_concurrency();
        let mut report = BatchReport::default();
        let mut in_flight = JoinSet::new();
        type Done<C> = (
            usize,
            usize,
            usize,
            C,
            Result<<C as Operation>::Output, Error>,
        );
        let mut finish = |report: &mut BatchReport<C::Item>,
                          done: Result<Done<C>, tokio::task::JoinError>| {
            match done {
                Ok((index, offset, len, op, result)) => {
                    report.record(index, offset, op, result);
                    on_chunk(len);
                }
                // A task only ends early if it panicked (a bug): surface it rather than
                // silently losing the chunk's records.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {}
            }
        };
        for (index, offset, chunk) in Chunks::new(items.into_iter(), size) {
            report.records += chunk.len();
            report.chunks += 1;
            while in_flight.len() >= concurrency {
                if let Some(done) = in_flight.join_next().await {
                    finish(&mut report, done);
                }
            }
            let client = self.clone();
            in_flight.spawn(async move {
                let len = chunk.len();
                let op = C::from_chunk(chunk);
                let result = client.execute(&op).await;
                (index, offset, len, op, result)
            });
        }
        while let Some(done) = in_flight.join_next().await {
            finish(&mut report, done);
        }
        Ok(report.finish())
    }

    /// Imports one subscriber, then reads it back (`None` while the import is not visible
    /// yet: imports apply within seconds to minutes).
    pub async fn upsert_subscriber(
        &self,
        subscriber: ImportSubscriberData,
    ) -> Result<Option<Subscriber>, Error> {
        let email = subscriber.email.clone();
        self.import_subscribers([subscriber]).await?;
        self.find_subscriber(email).await
    }

    /// Every page of a paged list, walking `page = 1, 2, ..` until an empty page.
    pub async fn all_pages<P: Paged>(
        &self,
        query: P,
    ) -> Result<Vec<Resource<P::Attributes>>, Error> {
        let mut walker = PageWalker::new();
        let mut all = Vec::new();
        while let Some(page) = walker.next_page() {
            let items = self.execute(&query.with_page(page)).await?;
            let (kept, more) = walker.accept(items);
            all.extend(kept);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    /// Every broadcast with `status` (the API's default, `sent`, when `None`).
    pub async fn all_broadcasts(
        &self,
        status: Option<BroadcastStatus>,
    ) -> Result<Vec<Broadcast>, Error> {
        self.all_pages(GetBroadcasts { page: None, status }).await
    }

    /// Every sequence.
    pub async fn all_sequences(&self) -> Result<Vec<Sequence>, Error> {
        self.all_pages(GetSequences::new()).await
    }

    /// Every workflow.
    pub async fn all_workflows(&self) -> Result<Vec<Workflow>, Error> {
        self.all_pages(GetWorkflows::new()).await
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
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, describe(&e.without_url()))
}

macro_rules! async_methods {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $op:expr; )*) => {
        impl Client {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    let op = $op;
                    self.execute(&op).await
                }
            )*
        }
    };
}
crate::methods::for_each_method!(async_methods);
