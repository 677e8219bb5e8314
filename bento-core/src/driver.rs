//! The driver seam: what a transport supplies, and everything built on it, once per colour.
//!
//! A transport implements [`Transport`] (blocking: the WASI component, `bento_core::blocking`) or
//! [`AsyncTransport`] (`bento_core::Client`): send one request within a time budget, sleep, and
//! read the clocks and a jitter value. Everything else — the retry loop and the overall
//! deadline ([`execute`]), the chunked runs with their lossless report, the brake and the
//! stop on fatal errors ([`run_chunked`]), paging ([`all_pages`]) and upsert
//! ([`upsert_subscriber`]) — is written here, once per colour, so no shell has a loop of its
//! own. (async-stripe writes its pagination the same way, over a client trait.)
//!
//! The core itself still reads no clock and no randomness: the transport hands them in.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use http::{Request, Response};

use crate::batch::{BatchReport, ChunkOptions, ChunkRun, Chunked, Chunks, Progress};
use crate::config::Config;
use crate::error::{Error, TransportError};
use crate::model::Resource;
use crate::operation::{Attempts, Operation, Step};
use crate::paging::{PageWalker, Paged};
use crate::retry::Idempotency;
use crate::subscribers::{FindSubscriber, ImportSubscriberData, ImportSubscribers, Subscriber};
use crate::trace;

/// The clocks and randomness a transport hands to the core.
pub trait Clock {
    /// The wall-clock time (only to read an HTTP-date `Retry-After`).
    fn now(&self) -> SystemTime;
    /// A monotonic reading from any fixed origin (for deadlines).
    fn monotonic(&self) -> Duration;
    /// A value in `[0, 1)`, different on every call (spreads retry backoff).
    fn jitter(&self) -> f64;
}

/// A blocking transport: sends one request and waits for the whole response.
pub trait Transport: Clock {
    /// Sends `request` and reads the response (status, headers, body up to
    /// [`Config::max_response_bytes`]) within `timeout`. Must not follow redirects.
    fn send(
        &self,
        request: &Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError>;
    /// Waits `delay` before a retry.
    fn sleep(&self, delay: Duration);
}

/// An async transport, like [`Transport`].
pub trait AsyncTransport: Clock + Sync {
    /// Sends `request` and reads the response within `timeout` (see [`Transport::send`]).
    fn send(
        &self,
        request: &Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send;
    /// Waits `delay` before a retry, without blocking the runtime.
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> + Send;
}

/// A progress callback for the chunked runs (called after every chunk).
pub type OnProgress<'a> = &'a mut (dyn FnMut(&Progress) + Send);

// ---------------------------------------------------------------------------------------------
// Blocking colour

/// Sends a built request with retries per the policy, within the configured deadline. The
/// final response is a 2xx; everything else is a classified, scrubbed [`Error`]. Generic over
/// the transport only, so a binary carries one copy of the loop for all operations.
pub fn send<T: Transport + ?Sized>(
    transport: &T,
    config: &Config,
    request: Request<Vec<u8>>,
    idempotency: Idempotency,
) -> Result<Response<Vec<u8>>, Error> {
    send_tracked(transport, config, request, idempotency).0
}

/// [`send`], and whether any attempt may have been received (for the chunk reports).
fn send_tracked<T: Transport + ?Sized>(
    transport: &T,
    config: &Config,
    request: Request<Vec<u8>>,
    idempotency: Idempotency,
) -> (Result<Response<Vec<u8>>, Error>, bool) {
    let mut attempts = Attempts::new(request, idempotency, config).started(transport.monotonic());
    loop {
        let timeout = match attempts.attempt_timeout(transport.monotonic()) {
            Ok(timeout) => timeout,
            Err(e) => return (Err(e), attempts.maybe_received()),
        };
        let attempt = attempts.retries() + 1;
        let sent_at = transport.monotonic();
        let outcome = transport.send(attempts.request(), timeout);
        let after = transport.monotonic();
        let seen = trace::attempt(config, &outcome);
        let step = attempts.on_outcome(outcome, transport.now(), after, transport.jitter());
        seen.emit(attempt, after.saturating_sub(sent_at), &step);
        match step {
            Step::Retry(delay) => transport.sleep(delay),
            Step::Done(result) => return (result, attempts.maybe_received()),
        }
    }
}

/// Runs one operation: validates and builds (nothing is sent on bad input), sends with
/// retries, decodes.
pub fn execute<T: Transport + ?Sized, O: Operation>(
    transport: &T,
    config: &Config,
    op: &O,
) -> Result<O::Output, Error> {
    execute_tracked(transport, config, op, None).0
}

/// [`execute`], and whether any attempt may have been received; `records` is the size of a
/// chunk (for the trace).
fn execute_tracked<T: Transport + ?Sized, O: Operation>(
    transport: &T,
    config: &Config,
    op: &O,
    records: Option<usize>,
) -> (Result<O::Output, Error>, bool) {
    let request = match op.to_request(config) {
        Ok(request) => request,
        Err(e) => return (Err(e), false),
    };
    let span = trace::operation::<O>(&request, records);
    let _in_span = span.enter();
    let (response, maybe_received) = send_tracked(transport, config, request, op.idempotency());
    (
        response.and_then(|response| decode(config, op, &response)),
        maybe_received,
    )
}

fn decode<O: Operation>(
    config: &Config,
    op: &O,
    response: &Response<Vec<u8>>,
) -> Result<O::Output, Error> {
    op.decode(response.status(), response.body()).map_err(|e| {
        config.scrub(e.with_request_id(crate::operation::request_id(response.headers())))
    })
}

/// Runs a batch of any size in chunks, one request at a time. Only invalid options are an
/// error; what happened to every record is in the report (see [`crate::batch`]).
pub fn run_chunked<T: Transport + ?Sized, C: Chunked>(
    transport: &T,
    config: &Config,
    items: impl IntoIterator<Item = C::Item>,
    options: &ChunkOptions,
    mut progress: Option<OnProgress<'_>>,
) -> Result<BatchReport<C::Item>, Error> {
    let mut run = ChunkedRun::<C, _>::new(transport, items, options)?;
    while let Some(done) = run.step(transport, config) {
        if let Some(progress) = progress.as_mut() {
            progress(&done);
        }
    }
    Ok(run.into_report())
}

/// A blocking chunked run that its caller steps through, one chunk per
/// [`ChunkedRun::step`], for hosts where a progress callback cannot cross (the WASI
/// component's `import-run` resource: a component cannot call back into its host).
/// [`run_chunked`] is this loop with a callback.
pub struct ChunkedRun<C: Chunked, I: Iterator<Item = C::Item>> {
    run: ChunkRun<C::Item>,
    chunks: Chunks<I>,
}

impl<C: Chunked, I: Iterator<Item = C::Item>> ChunkedRun<C, I> {
    /// Checks `options` (invalid ones are the only error) and starts the run's clock.
    pub fn new<T: Clock + ?Sized>(
        clock: &T,
        items: impl IntoIterator<Item = C::Item, IntoIter = I>,
        options: &ChunkOptions,
    ) -> Result<Self, Error> {
        let run = ChunkRun::new(options, C::MAX_CHUNK, clock.monotonic())?;
        let chunks = Chunks::new(items.into_iter(), run.chunk_size());
        Ok(ChunkedRun { run, chunks })
    }

    /// Sends the next chunk (or, once the run has stopped, reports it not sent); the progress
    /// after it, or `None` when every chunk is done.
    pub fn step<T: Transport + ?Sized>(
        &mut self,
        transport: &T,
        config: &Config,
    ) -> Option<Progress> {
        let (index, offset, chunk) = self.chunks.next()?;
        let op = C::from_chunk(chunk);
        match self.run.admit(transport.monotonic()) {
            Ok(()) => {
                let records = Some(op.record_count());
                let (result, maybe_received) = execute_tracked(transport, config, &op, records);
                finish_traced(&mut self.run, index, offset, op, result, maybe_received);
            }
            Err(cause) => {
                let records = op.record_count();
                self.run.skip(index, offset, op, cause);
                trace::chunk(index, records, "not sent", &self.run.progress());
            }
        }
        Some(self.run.progress())
    }

    /// The progress so far.
    pub fn progress(&self) -> Progress {
        self.run.progress()
    }

    /// The report of the chunks done so far. Call it after [`ChunkedRun::step`] returned
    /// `None` (or use [`ChunkedRun::finish`]): records of chunks not yet stepped are in no
    /// report.
    pub fn into_report(self) -> BatchReport<C::Item> {
        self.run.into_report()
    }

    /// Sends what is left, then the report of every record.
    pub fn finish<T: Transport + ?Sized>(
        mut self,
        transport: &T,
        config: &Config,
    ) -> BatchReport<C::Item> {
        while self.step(transport, config).is_some() {}
        self.run.into_report()
    }
}

/// Every page of a paged list, walking `page = 1, 2, ..` until an empty or repeated page.
pub fn all_pages<T: Transport + ?Sized, P: Paged>(
    transport: &T,
    config: &Config,
    query: &P,
) -> Result<Vec<Resource<P::Attributes>>, Error> {
    let mut walker = PageWalker::new();
    let mut all = Vec::new();
    let started = transport.monotonic();
    loop {
        let page = walker.next_page(config, started, transport.monotonic())?;
        let items = execute(transport, config, &query.with_page(page))?;
        let (kept, more) = walker.accept(items);
        all.extend(kept);
        if !more {
            return Ok(all);
        }
    }
}

/// Imports one subscriber, then reads it back (`None` while the import is not visible yet:
/// imports apply within seconds to minutes).
pub fn upsert_subscriber<T: Transport + ?Sized>(
    transport: &T,
    config: &Config,
    subscriber: ImportSubscriberData,
) -> Result<Option<Subscriber>, Error> {
    let find = FindSubscriber::by_email(subscriber.email.clone());
    let imported = execute(transport, config, &ImportSubscribers::new([subscriber]))?;
    refused_import(&imported)?;
    execute(transport, config, &find)
}

/// An import answered `{"results": 0, "failed": 1}` did not upsert anything: reading the
/// subscriber back would report the old record (or "not visible yet") as if it had.
fn refused_import(imported: &crate::model::BatchResult) -> Result<(), Error> {
    if imported.failed > 0 {
        return Err(Error::Api {
            status: 200,
            message: "the API did not accept the subscriber (the import reported it failed)"
                .to_owned(),
            field_errors: Vec::new(),
            retry_after: None,
            request_id: None,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Async colour

/// [`send`] for an [`AsyncTransport`].
pub async fn send_async<T: AsyncTransport + ?Sized>(
    transport: &T,
    config: &Config,
    request: Request<Vec<u8>>,
    idempotency: Idempotency,
) -> Result<Response<Vec<u8>>, Error> {
    send_tracked_async(transport, config, request, idempotency)
        .await
        .0
}

async fn send_tracked_async<T: AsyncTransport + ?Sized>(
    transport: &T,
    config: &Config,
    request: Request<Vec<u8>>,
    idempotency: Idempotency,
) -> (Result<Response<Vec<u8>>, Error>, bool) {
    let mut attempts = Attempts::new(request, idempotency, config).started(transport.monotonic());
    loop {
        let timeout = match attempts.attempt_timeout(transport.monotonic()) {
            Ok(timeout) => timeout,
            Err(e) => return (Err(e), attempts.maybe_received()),
        };
        let attempt = attempts.retries() + 1;
        let sent_at = transport.monotonic();
        let outcome = transport.send(attempts.request(), timeout).await;
        let after = transport.monotonic();
        let seen = trace::attempt(config, &outcome);
        let step = attempts.on_outcome(outcome, transport.now(), after, transport.jitter());
        seen.emit(attempt, after.saturating_sub(sent_at), &step);
        match step {
            Step::Retry(delay) => transport.sleep(delay).await,
            Step::Done(result) => return (result, attempts.maybe_received()),
        }
    }
}

/// [`execute`] for an [`AsyncTransport`].
pub async fn execute_async<T: AsyncTransport + ?Sized, O: Operation>(
    transport: &T,
    config: &Config,
    op: &O,
) -> Result<O::Output, Error> {
    execute_tracked_async(transport, config, op, None).await.0
}

async fn execute_tracked_async<T: AsyncTransport + ?Sized, O: Operation>(
    transport: &T,
    config: &Config,
    op: &O,
    records: Option<usize>,
) -> (Result<O::Output, Error>, bool) {
    let request = match op.to_request(config) {
        Ok(request) => request,
        Err(e) => return (Err(e), false),
    };
    let span = trace::operation::<O>(&request, records);
    let idempotency = op.idempotency();
    let (response, maybe_received) = span
        .wrap(send_tracked_async(transport, config, request, idempotency))
        .await;
    (
        response.and_then(|response| decode(config, op, &response)),
        maybe_received,
    )
}

type ChunkFuture<'a, C> = Pin<
    Box<
        dyn Future<
                Output = (
                    usize,
                    usize,
                    C,
                    Result<<C as Operation>::Output, Error>,
                    bool,
                ),
            > + Send
            + 'a,
    >,
>;

/// [`run_chunked`] for an [`AsyncTransport`], with up to `options.concurrency` chunks in
/// flight. The first chunk goes alone: if it shows that no chunk can succeed (a wrong key,
/// an unknown author), exactly one request was sent.
pub async fn run_chunked_async<T, C>(
    transport: &T,
    config: &Config,
    items: impl IntoIterator<Item = C::Item>,
    options: &ChunkOptions,
    mut progress: Option<OnProgress<'_>>,
) -> Result<BatchReport<C::Item>, Error>
where
    T: AsyncTransport + ?Sized,
    C: Chunked + Send + Sync,
    C::Item: Send,
    C::Output: Send,
{
    let mut run = ChunkRun::new(options, C::MAX_CHUNK, transport.monotonic())?;
    let concurrency = options.effective_concurrency();
    let mut in_flight: Vec<ChunkFuture<'_, C>> = Vec::new();
    let mut window = 1;
    for (index, offset, chunk) in Chunks::new(items.into_iter(), run.chunk_size()) {
        while in_flight.len() >= window {
            let (i, o, op, result, maybe_received) = next_done(&mut in_flight).await;
            finish_traced(&mut run, i, o, op, result, maybe_received);
            window = concurrency;
            if let Some(progress) = progress.as_mut() {
                progress(&run.progress());
            }
        }
        let op = C::from_chunk(chunk);
        match run.admit(transport.monotonic()) {
            Ok(()) => in_flight.push(Box::pin(async move {
                let records = Some(op.record_count());
                let (result, maybe_received) =
                    execute_tracked_async(transport, config, &op, records).await;
                (index, offset, op, result, maybe_received)
            })),
            Err(cause) => {
                let records = op.record_count();
                run.skip(index, offset, op, cause);
                trace::chunk(index, records, "not sent", &run.progress());
                if let Some(progress) = progress.as_mut() {
                    progress(&run.progress());
                }
            }
        }
    }
    while !in_flight.is_empty() {
        let (i, o, op, result, maybe_received) = next_done(&mut in_flight).await;
        finish_traced(&mut run, i, o, op, result, maybe_received);
        if let Some(progress) = progress.as_mut() {
            progress(&run.progress());
        }
    }
    Ok(run.into_report())
}

/// [`ChunkRun::finish`] and the chunk's trace event.
fn finish_traced<C: Chunked>(
    run: &mut ChunkRun<C::Item>,
    index: usize,
    offset: usize,
    op: C,
    result: Result<C::Output, Error>,
    maybe_received: bool,
) {
    let records = op.record_count();
    let outcome = trace::outcome(&result);
    run.finish(index, offset, op, result, maybe_received);
    trace::chunk(index, records, &outcome, &run.progress());
}

/// Waits for the first of `futures` to finish and removes it. Polls every pending future on
/// each wake-up: the set is a handful of chunks, so this costs less than a runtime's spawn.
async fn next_done<F: Future + Unpin>(futures: &mut Vec<F>) -> F::Output {
    std::future::poll_fn(|cx| {
        for i in 0..futures.len() {
            if let Poll::Ready(output) = Pin::new(&mut futures[i]).poll(cx) {
                drop(futures.swap_remove(i));
                return Poll::Ready(output);
            }
        }
        Poll::Pending
    })
    .await
}

/// [`all_pages`] for an [`AsyncTransport`].
pub async fn all_pages_async<T: AsyncTransport + ?Sized, P: Paged + Sync>(
    transport: &T,
    config: &Config,
    query: &P,
) -> Result<Vec<Resource<P::Attributes>>, Error> {
    let mut walker = PageWalker::new();
    let mut all = Vec::new();
    let started = transport.monotonic();
    loop {
        let page = walker.next_page(config, started, transport.monotonic())?;
        let items = execute_async(transport, config, &query.with_page(page)).await?;
        let (kept, more) = walker.accept(items);
        all.extend(kept);
        if !more {
            return Ok(all);
        }
    }
}

/// [`upsert_subscriber`] for an [`AsyncTransport`].
pub async fn upsert_subscriber_async<T: AsyncTransport + ?Sized>(
    transport: &T,
    config: &Config,
    subscriber: ImportSubscriberData,
) -> Result<Option<Subscriber>, Error> {
    let find = FindSubscriber::by_email(subscriber.email.clone());
    let imported = execute_async(transport, config, &ImportSubscribers::new([subscriber])).await?;
    refused_import(&imported)?;
    execute_async(transport, config, &find).await
}
