//! `bento::blocking::Client`: the blocking client (ureq), with the same method names as the
//! async one. `bento-ffi` builds on it. `Send + Sync`: share one client between threads.

use std::fmt;
use std::io;
use std::sync::Arc;

use http::{Request, Response};

use crate::batch::{BatchReport, ChunkOptions, Chunked, Chunks};
use crate::error::{Error, TransportError, TransportErrorKind};
use crate::operation::{Exchange, Operation, Step};
use crate::paging::{PageWalker, Paged};
use crate::transport::{describe, jitter, now};
use crate::*;

/// The blocking Bento client.
///
/// ```no_run
/// use bento::{blocking::Client, Config};
/// let client = Client::new(Config::from_env()?)?;
/// for tag in client.get_tags()? {
///     println!("{} {}", tag.id, tag.attributes.name);
/// }
/// # Ok::<(), bento::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    agent: ureq::Agent,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client, Error> {
        let agent = ureq::Agent::config_builder()
            // The core reads error bodies (`{"error": ..}`) itself.
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout()))
            .timeout_connect(Some(config.connect_timeout()))
            .build()
            .new_agent();
        Ok(Client {
            inner: Arc::new(Inner { config, agent }),
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
    #[allow(clippy::disallowed_methods)] // the blocking transport sleeps between retries
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let mut exchange = Exchange::new(op, &self.inner.config)?;
        loop {
            let outcome = self.send(exchange.request());
            match exchange.on_response(outcome, now(), jitter()) {
                Step::Retry(delay) => std::thread::sleep(delay),
                Step::Done(result) => return result,
            }
        }
    }

    fn send(&self, request: &Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let mut builder = Request::builder()
            .method(request.method().clone())
            .uri(request.uri().clone());
        if let Some(headers) = builder.headers_mut() {
            *headers = request.headers().clone();
        }
        let borrowed = builder
            .body(request.body().as_slice())
            .map_err(|e| TransportError::new(TransportErrorKind::Other, e.to_string()))?;
        let response = self.inner.agent.run(borrowed).map_err(map_error)?;
        let (parts, mut body) = response.into_parts();
        let max = self.inner.config.max_response_bytes();
        let bytes = body
            .with_config()
            .limit(max as u64)
            .read_to_vec()
            .map_err(map_error)?;
        Ok(Response::from_parts(parts, bytes))
    }

    /// Imports any number of subscribers in chunks, one request at a time.
    pub fn import_subscribers_chunked(
        &self,
        subscribers: impl IntoIterator<Item = ImportSubscriberData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<ImportSubscriberData>, Error> {
        self.run_chunked::<ImportSubscribers>(subscribers, options, |_| {})
    }

    /// Tracks any number of events in chunks.
    pub fn track_events_chunked(
        &self,
        events: impl IntoIterator<Item = impl Into<Event>>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Event>, Error> {
        self.run_chunked::<TrackEvents>(events.into_iter().map(Into::into), options, |_| {})
    }

    /// Sends any number of transactional emails in chunks of at most 60.
    pub fn send_emails_chunked(
        &self,
        emails: impl IntoIterator<Item = EmailData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<EmailData>, Error> {
        self.run_chunked::<SendEmails>(emails, options, |_| {})
    }

    /// Runs any number of commands in chunks of at most 100.
    pub fn subscriber_commands_chunked(
        &self,
        commands: impl IntoIterator<Item = Command>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Command>, Error> {
        self.run_chunked::<SubscriberCommands>(commands, options, |_| {})
    }

    /// The chunked driver behind the helpers; chunks go one at a time, `on_chunk(records)`
    /// after each.
    pub fn run_chunked<C: Chunked>(
        &self,
        items: impl IntoIterator<Item = C::Item>,
        options: ChunkOptions,
        mut on_chunk: impl FnMut(usize),
    ) -> Result<BatchReport<C::Item>, Error> {
        let size = options.effective_chunk_size(C::MAX_CHUNK)?;
        let mut report = BatchReport::default();
        for (index, offset, chunk) in Chunks::new(items.into_iter(), size) {
            let len = chunk.len();
            report.records += len;
            report.chunks += 1;
            let op = C::from_chunk(chunk);
            let result = self.execute(&op);
            report.record(index, offset, op, result);
            on_chunk(len);
        }
        Ok(report.finish())
    }

    /// Imports one subscriber, then reads it back (`None` while the import is not visible yet).
    pub fn upsert_subscriber(
        &self,
        subscriber: ImportSubscriberData,
    ) -> Result<Option<Subscriber>, Error> {
        let email = subscriber.email.clone();
        self.import_subscribers([subscriber])?;
        self.find_subscriber(email)
    }

    /// Every page of a paged list, walking `page = 1, 2, ..` until an empty page.
    pub fn all_pages<P: Paged>(&self, query: P) -> Result<Vec<Resource<P::Attributes>>, Error> {
        let mut walker = PageWalker::new();
        let mut all = Vec::new();
        while let Some(page) = walker.next_page() {
            let items = self.execute(&query.with_page(page))?;
            let (kept, more) = walker.accept(items);
            all.extend(kept);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    /// Every broadcast with `status`.
    pub fn all_broadcasts(&self, status: Option<BroadcastStatus>) -> Result<Vec<Broadcast>, Error> {
        self.all_pages(GetBroadcasts { page: None, status })
    }

    /// Every sequence.
    pub fn all_sequences(&self) -> Result<Vec<Sequence>, Error> {
        self.all_pages(GetSequences::new())
    }

    /// Every workflow.
    pub fn all_workflows(&self) -> Result<Vec<Workflow>, Error> {
        self.all_pages(GetWorkflows::new())
    }
}

fn map_error(e: ureq::Error) -> TransportError {
    use ureq::Error as E;
    let kind = match &e {
        E::Timeout(t) => match t {
            ureq::Timeout::Resolve | ureq::Timeout::Connect => TransportErrorKind::Connect,
            _ => TransportErrorKind::Timeout,
        },
        E::HostNotFound | E::ConnectionFailed => TransportErrorKind::Connect,
        E::BodyExceedsLimit(_) => TransportErrorKind::ResponseTooLarge,
        E::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => {
                TransportErrorKind::Connect
            }
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        },
        E::Tls(_) | E::Rustls(_) => TransportErrorKind::Connect,
        E::Protocol(_) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, describe(&e))
}

macro_rules! blocking_methods {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $op:expr; )*) => {
        impl Client {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    let op = $op;
                    self.execute(&op)
                }
            )*
        }
    };
}
crate::methods::for_each_method!(blocking_methods);
