//! `bento::blocking::Client`: the blocking client, with the same method names as the async
//! one. `bento-ffi` builds on it. `Send + Sync`: share one client between threads.
//!
//! It runs the core's blocking driver ([`bento_core::driver`]) over the same reqwest
//! transport as the async client, on one private I/O thread (a one-worker tokio runtime):
//! the calling thread waits on a channel, so a call is safe from any thread — even one inside
//! an async runtime, where it blocks like any blocking I/O but does not panic. (ureq, used
//! before, hex-dumps every request at `TRACE` through the `log` crate, Authorization header
//! included; reqwest logs no request contents.)

use std::fmt;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bento_core::driver::{self, OnProgress};
use bento_core::*;
use http::{Request, Response};

use crate::transport::{self, Http};

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
    /// Replaced in a forked child (see [`Inner::io`]).
    io: Mutex<Arc<Io>>,
}

/// The I/O thread and the HTTP client that runs on it, in the process that started them.
struct Io {
    http: Http,
    runtime: Option<tokio::runtime::Runtime>,
    pid: u32,
}

impl Io {
    fn start(config: &Config) -> Result<Io, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("bento-io")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::invalid(
                    "config",
                    format!("cannot start the I/O thread: {}", transport::describe(&e)),
                )
            })?;
        // reqwest's client must be built inside the runtime it will run on.
        let http = {
            let _entered = runtime.enter();
            Http::new(config)?
        };
        Ok(Io {
            http,
            runtime: Some(runtime),
            pid: std::process::id(),
        })
    }
}

impl Inner {
    /// This process's I/O thread. A child forked after the client was built (Python's
    /// `multiprocessing` on Linux, a pre-forking server) has none of its parent's threads: a
    /// call there would wait forever for an I/O thread that does not exist, so the child gets
    /// its own, with a fresh connection pool (the parent's sockets are never used in it).
    fn io(&self) -> Result<Arc<Io>, TransportError> {
        let mut io = self.io.lock().unwrap_or_else(PoisonError::into_inner);
        if io.pid != std::process::id() {
            let fresh = Io::start(&self.config)
                .map_err(|e| TransportError::new(TransportErrorKind::Other, e.to_string()))?;
            // Never dropped here: dropping the parent's runtime would signal threads of
            // another process.
            std::mem::forget(std::mem::replace(&mut *io, Arc::new(fresh)));
        }
        Ok(io.clone())
    }
}

impl Drop for Io {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks end, which panics inside another async
        // context; nothing of ours is left running, so let it go in the background.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

transport::system_clock!(Inner);

impl Transport for Inner {
    fn send(
        &self,
        request: &Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let io = self.io()?;
        let prepared = io.http.prepare(request, timeout)?;
        let future = io.http.run(prepared);
        let (done, answer) = mpsc::sync_channel(1);
        let Some(runtime) = &io.runtime else {
            return Err(stopped());
        };
        runtime.spawn(async move {
            // The receiver only goes away if the caller's thread did; nothing to tell then.
            let _ = done.send(future.await);
        });
        answer.recv().unwrap_or_else(|_| Err(stopped()))
    }

    #[allow(clippy::disallowed_methods)] // the blocking transport sleeps between retries
    fn sleep(&self, delay: Duration) {
        std::thread::sleep(delay)
    }
}

fn stopped() -> TransportError {
    TransportError::new(TransportErrorKind::Other, "the client's I/O thread stopped")
}

impl Client {
    /// A client for `config` (it starts one I/O thread, shared by its clones).
    pub fn new(config: Config) -> Result<Client, Error> {
        let io = Io::start(&config)?;
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                io: Mutex::new(Arc::new(io)),
            }),
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

    /// The same client (sharing its I/O thread and connection pool) with another overall
    /// deadline per call (see [`ConfigBuilder::deadline`]); `None` removes it.
    pub fn with_deadline(&self, deadline: Option<Duration>) -> Result<Client, Error> {
        Ok(Client {
            inner: Arc::new(Inner {
                config: self.inner.config.clone().with_deadline(deadline)?,
                io: Mutex::new(
                    self.inner
                        .io
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone(),
                ),
            }),
        })
    }

    /// Runs any operation: validates, sends, retries per the policy within the deadline,
    /// parses.
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        driver::execute(&*self.inner, &self.inner.config, op)
    }

    /// Imports any number of subscribers in chunks, one request at a time.
    pub fn import_subscribers_chunked(
        &self,
        subscribers: impl IntoIterator<Item = ImportSubscriberData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<ImportSubscriberData>, Error> {
        self.chunked::<ImportSubscribers>(subscribers, options, None)
    }

    /// Tracks any number of events in chunks.
    pub fn track_events_chunked(
        &self,
        events: impl IntoIterator<Item = impl Into<Event>>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Event>, Error> {
        self.chunked::<TrackEvents>(events.into_iter().map(Into::into), options, None)
    }

    /// Sends any number of transactional emails in chunks of at most 60.
    pub fn send_emails_chunked(
        &self,
        emails: impl IntoIterator<Item = EmailData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<EmailData>, Error> {
        self.chunked::<SendEmails>(emails, options, None)
    }

    /// Runs any number of commands in chunks of at most 100.
    pub fn subscriber_commands_chunked(
        &self,
        commands: impl IntoIterator<Item = Command>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Command>, Error> {
        self.chunked::<SubscriberCommands>(commands, options, None)
    }

    /// Creates any number of draft broadcasts in chunks of at most 100. A chunk that may have
    /// been received is never re-sent.
    pub fn create_broadcasts_chunked(
        &self,
        broadcasts: impl IntoIterator<Item = BroadcastData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<BroadcastData>, Error> {
        self.chunked::<CreateBroadcasts>(broadcasts, options, None)
    }

    /// Any chunked operation, one chunk at a time, with `on_progress` called after each.
    pub fn run_chunked<C: Chunked>(
        &self,
        items: impl IntoIterator<Item = C::Item>,
        options: ChunkOptions,
        mut on_progress: impl FnMut(&Progress) + Send,
    ) -> Result<BatchReport<C::Item>, Error> {
        self.chunked::<C>(items, options, Some(&mut on_progress))
    }

    fn chunked<C: Chunked>(
        &self,
        items: impl IntoIterator<Item = C::Item>,
        options: ChunkOptions,
        progress: Option<OnProgress<'_>>,
    ) -> Result<BatchReport<C::Item>, Error> {
        driver::run_chunked::<_, C>(&*self.inner, &self.inner.config, items, &options, progress)
    }

    /// Imports one subscriber, then reads it back (`None` while the import is not visible yet).
    pub fn upsert_subscriber(
        &self,
        subscriber: ImportSubscriberData,
    ) -> Result<Option<Subscriber>, Error> {
        driver::upsert_subscriber(&*self.inner, &self.inner.config, subscriber)
    }

    /// Every page of a paged list, walking `page = 1, 2, ..` until an empty page.
    pub fn all_pages<P: Paged>(&self, query: P) -> Result<Vec<Resource<P::Attributes>>, Error> {
        driver::all_pages(&*self.inner, &self.inner.config, &query)
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
bento_core::for_each_method!(blocking_methods);
