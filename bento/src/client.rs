//! `bento::Client`: the async client (reqwest + tokio), for Tokio/Axum/Actix services.
//!
//! A thin transport for the core's async driver ([`bento_core::driver`]): it sends one request
//! within the time budget the core gives it, reads the response with a size cap, and sleeps
//! (without blocking the runtime) when the core says to retry. `Client` is `Send + Sync` and
//! cheap to clone (one connection pool behind an `Arc`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bento_core::driver::{self, OnProgress};
use bento_core::*;
use http::{Request, Response};

use crate::transport::{self, Http};

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
    http: Http,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

transport::system_clock!(Inner);

impl AsyncTransport for Inner {
    fn send(
        &self,
        request: &Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        let prepared = self.http.prepare(request, timeout);
        let http = self.http.clone();
        async move { http.run(prepared?).await }
    }

    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(delay)
    }
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client, Error> {
        let http = Http::new(&config)?;
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

    /// The same client (sharing its connection pool) with another overall deadline per call
    /// (see [`ConfigBuilder::deadline`]); `None` removes it.
    pub fn with_deadline(&self, deadline: Option<Duration>) -> Result<Client, Error> {
        Ok(Client {
            inner: Arc::new(Inner {
                config: self.inner.config.clone().with_deadline(deadline)?,
                http: self.inner.http.clone(),
            }),
        })
    }

    /// Runs any operation: validates, sends, retries per the policy within the deadline,
    /// parses.
    pub async fn execute<O: Operation + Sync>(&self, op: &O) -> Result<O::Output, Error> {
        driver::execute_async(&*self.inner, &self.inner.config, op).await
    }

    /// Imports any number of subscribers in chunks (see [`bento_core::batch`]).
    pub async fn import_subscribers_chunked(
        &self,
        subscribers: impl IntoIterator<Item = ImportSubscriberData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<ImportSubscriberData>, Error> {
        self.chunked::<ImportSubscribers>(subscribers, options, None)
            .await
    }

    /// Tracks any number of events in chunks.
    pub async fn track_events_chunked(
        &self,
        events: impl IntoIterator<Item = impl Into<Event>>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Event>, Error> {
        self.chunked::<TrackEvents>(events.into_iter().map(Into::into), options, None)
            .await
    }

    /// Sends any number of transactional emails in chunks of at most 60.
    pub async fn send_emails_chunked(
        &self,
        emails: impl IntoIterator<Item = EmailData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<EmailData>, Error> {
        self.chunked::<SendEmails>(emails, options, None).await
    }

    /// Runs any number of commands in chunks of at most 100.
    pub async fn subscriber_commands_chunked(
        &self,
        commands: impl IntoIterator<Item = Command>,
        options: ChunkOptions,
    ) -> Result<BatchReport<Command>, Error> {
        self.chunked::<SubscriberCommands>(commands, options, None)
            .await
    }

    /// Creates any number of draft broadcasts in chunks of at most 100. A chunk that may have
    /// been received is never re-sent.
    pub async fn create_broadcasts_chunked(
        &self,
        broadcasts: impl IntoIterator<Item = BroadcastData>,
        options: ChunkOptions,
    ) -> Result<BatchReport<BroadcastData>, Error> {
        self.chunked::<CreateBroadcasts>(broadcasts, options, None)
            .await
    }

    /// Any chunked operation, with `on_progress` called after every chunk (e.g. for a
    /// progress bar). Only invalid options are an error; failures of chunks are in the report.
    pub async fn run_chunked<C>(
        &self,
        items: impl IntoIterator<Item = C::Item>,
        options: ChunkOptions,
        mut on_progress: impl FnMut(&Progress) + Send,
    ) -> Result<BatchReport<C::Item>, Error>
    where
        C: Chunked + Send + Sync,
        C::Item: Send,
        C::Output: Send,
    {
        self.chunked::<C>(items, options, Some(&mut on_progress))
            .await
    }

    async fn chunked<C>(
        &self,
        items: impl IntoIterator<Item = C::Item>,
        options: ChunkOptions,
        progress: Option<OnProgress<'_>>,
    ) -> Result<BatchReport<C::Item>, Error>
    where
        C: Chunked + Send + Sync,
        C::Item: Send,
        C::Output: Send,
    {
        driver::run_chunked_async::<_, C>(
            &*self.inner,
            &self.inner.config,
            items,
            &options,
            progress,
        )
        .await
    }

    /// Imports one subscriber, then reads it back (`None` while the import is not visible
    /// yet: imports apply within seconds to minutes).
    pub async fn upsert_subscriber(
        &self,
        subscriber: ImportSubscriberData,
    ) -> Result<Option<Subscriber>, Error> {
        driver::upsert_subscriber_async(&*self.inner, &self.inner.config, subscriber).await
    }

    /// Every page of a paged list, walking `page = 1, 2, ..` until an empty page.
    pub async fn all_pages<P: Paged + Sync>(
        &self,
        query: P,
    ) -> Result<Vec<Resource<P::Attributes>>, Error> {
        driver::all_pages_async(&*self.inner, &self.inner.config, &query).await
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
bento_core::for_each_method!(async_methods);
