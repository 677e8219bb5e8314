//! Batches of any size: chunking to the API limits, and a report that loses nothing.
//!
//! The chunked helpers (`import_subscribers_chunked`, `track_events_chunked`,
//! `send_emails_chunked`, `subscriber_commands_chunked` on both clients) take any iterator, so
//! a caller can stream a million rows from a file: only the chunks in flight are in memory.
//! Each chunk is serialized once and sent (with retries per the policy); the [`BatchReport`]
//! adds up the API's counters and, for every chunk that failed after its retries, gives back
//! its error, **what is known about its delivery** ([`Delivery`]) **and its records**, so
//! exactly those can be retried — freely when they were not sent or were rejected, and after
//! thought when they may have been received (imports are upserts and safe to resend; events
//! and emails are not).
//!
//! An answer whose counters do not add up to the records sent (`{}` for 1,000 events) is a
//! [`Error::Decode`] for that chunk, never a silent success. A run stops sending at the first
//! error no later chunk can survive (401, 403, an unknown author), after
//! [`ChunkOptions::max_rate_limited_chunks`] consecutive rate-limited chunks, or when the
//! [`ChunkOptions::deadline`] has passed; the records it did not send are reported as
//! [`Delivery::NotSent`] with the cause.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::broadcasts::{BroadcastCreateResult, BroadcastData, CreateBroadcasts};
use crate::commands::{Command, SubscriberCommands};
use crate::emails::{EmailData, SendEmails};
use crate::error::Error;
use crate::events::{Event, TrackEvents};
use crate::model::BatchResult;
use crate::operation::Operation;
use crate::retry::Idempotency;
use crate::subscribers::{
    ImportSubscriberData, ImportSubscriberText, ImportSubscribers, ImportSubscribersText,
};
use crate::validate::limits;

/// A batch operation that can be built from a chunk of records and taken apart again.
pub trait Chunked: Operation + Sized {
    /// One record.
    type Item;
    /// The API's per-request limit.
    const MAX_CHUNK: usize;
    /// The operation for one chunk.
    fn from_chunk(items: Vec<Self::Item>) -> Self;
    /// The records back (for the report of a failed chunk).
    fn into_items(self) -> Vec<Self::Item>;
    /// `(accepted, failed)` of a successful answer.
    fn counts(output: &Self::Output) -> (u64, u64);
    /// Records in this chunk.
    fn record_count(&self) -> usize;
}

/// A batch answer's counters: `(accepted, failed)`.
pub trait Counts {
    /// `(results, failed)` as the API reported them.
    fn counts(&self) -> (u64, u64);
}

impl Counts for BatchResult {
    fn counts(&self) -> (u64, u64) {
        (self.results, self.failed)
    }
}

impl Counts for BroadcastCreateResult {
    fn counts(&self) -> (u64, u64) {
        (self.results, self.failed)
    }
}

/// A decoded batch answer, refused when its counters do not account for exactly the `sent`
/// records (a `200 {}` would otherwise read as "0 accepted, 0 failed" and lose them all).
pub(crate) fn checked<T: Counts>(
    decoded: Result<T, Error>,
    status: StatusCode,
    sent: usize,
) -> Result<T, Error> {
    let answer = decoded?;
    let (accepted, failed) = answer.counts();
    if accepted.checked_add(failed) != Some(sent as u64) {
        return Err(Error::Decode {
            status: status.as_u16(),
            request_id: None,
            message: format!(
                "the answer's counters do not add up: {accepted} accepted and {failed} failed of {sent} records sent"
            ),
        });
    }
    Ok(answer)
}

macro_rules! chunked {
    ($op:ty, $item:ty, $max:expr, $field:ident, $out:ty) => {
        impl Chunked for $op {
            type Item = $item;
            const MAX_CHUNK: usize = $max;
            fn from_chunk(items: Vec<$item>) -> Self {
                Self { $field: items }
            }
            fn into_items(self) -> Vec<$item> {
                self.$field
            }
            fn record_count(&self) -> usize {
                self.$field.len()
            }
            fn counts(output: &$out) -> (u64, u64) {
                Counts::counts(output)
            }
        }
    };
}

chunked!(
    ImportSubscribers,
    ImportSubscriberData,
    limits::SUBSCRIBERS,
    subscribers,
    BatchResult
);
chunked!(
    ImportSubscribersText,
    ImportSubscriberText,
    limits::SUBSCRIBERS,
    subscribers,
    BatchResult
);
chunked!(TrackEvents, Event, limits::EVENTS, events, BatchResult);
chunked!(SendEmails, EmailData, limits::EMAILS, emails, BatchResult);
chunked!(
    SubscriberCommands,
    Command,
    limits::COMMANDS,
    commands,
    BatchResult
);
chunked!(
    CreateBroadcasts,
    BroadcastData,
    limits::BROADCASTS,
    broadcasts,
    BroadcastCreateResult
);

/// How to chunk, how many chunks to have in flight, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChunkOptions {
    /// Records per request (capped at the API's limit). `None`: the API's limit.
    pub chunk_size: Option<usize>,
    /// Requests in flight at once (async client; the blocking client sends one at a time).
    /// The first chunk always goes alone, so a wrong key costs one request.
    pub concurrency: usize,
    /// Stop sending after this many consecutive chunks failed with a rate limit (after their
    /// own retries); `None` never stops for that. Default 3.
    pub max_rate_limited_chunks: Option<usize>,
    /// Stop sending chunks once this long has passed since the run started; `None` (the
    /// default) has no limit. A chunk already sent is finished (within the per-call
    /// deadline of the configuration).
    pub deadline: Option<Duration>,
}

impl Default for ChunkOptions {
    /// Full chunks, 4 in flight, stop after 3 consecutive rate-limited chunks, no deadline.
    fn default() -> Self {
        ChunkOptions {
            chunk_size: None,
            concurrency: 4,
            max_rate_limited_chunks: Some(3),
            deadline: None,
        }
    }
}

impl ChunkOptions {
    /// Chunks of `size` (capped at the API limit).
    pub fn chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = Some(size);
        self
    }
    /// `n` requests in flight (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Stop after `n` consecutive rate-limited chunks (`None`: never).
    pub fn max_rate_limited_chunks(mut self, n: Option<usize>) -> Self {
        self.max_rate_limited_chunks = n;
        self
    }
    /// Stop sending chunks after `deadline` (`None`: no limit).
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The chunk size to use for an operation whose limit is `max`; 0 is refused.
    pub fn effective_chunk_size(&self, max: usize) -> Result<usize, Error> {
        match self.chunk_size {
            Some(0) => Err(Error::invalid("chunk_size", "must be at least 1")),
            Some(n) => Ok(n.min(max)),
            None => Ok(max),
        }
    }

    /// Requests in flight (at least 1).
    pub fn effective_concurrency(&self) -> usize {
        self.concurrency.max(1)
    }

    fn validate(&self) -> Result<(), Error> {
        if self.max_rate_limited_chunks == Some(0) {
            return Err(Error::invalid(
                "max_rate_limited_chunks",
                "must be at least 1 (or none)",
            ));
        }
        if self.deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid("deadline", "must be greater than zero"));
        }
        Ok(())
    }
}

/// What is known about a failed chunk's delivery: it decides whether resending its records
/// can create duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Certainly not received: invalid input, no connection, or the run stopped before
    /// sending it. Safe to resend.
    NotSent,
    /// The server answered with an error status and did not act on it (401, 403, 404, 422,
    /// 429, a redirect). Safe to resend once the cause is fixed.
    Rejected,
    /// It may have been received and acted on: a timeout or a dropped connection after the
    /// request was written, a 5xx, or an answer that could not be read. Resend only records of
    /// idempotent operations (imports are upserts; events and emails are not).
    MaybeReceived,
}

impl Delivery {
    /// What `error` says about the request's delivery.
    pub fn of(error: &Error) -> Delivery {
        match error {
            Error::InvalidInput { .. } => Delivery::NotSent,
            Error::Transport { kind, .. } if kind.never_sent() => Delivery::NotSent,
            Error::Transport { .. } | Error::Decode { .. } => Delivery::MaybeReceived,
            Error::Api { status, .. } if *status >= 500 => Delivery::MaybeReceived,
            // 302/303 answer a POST the server may have processed ("see other"); 301, 307
            // and 308 say "send it there" and were not acted on.
            Error::Api {
                status: 302 | 303, ..
            } => Delivery::MaybeReceived,
            // AuthorNotAuthorized is a 500, but the API refused the email before queueing it.
            Error::NotAuthorized { .. }
            | Error::AuthorNotAuthorized { .. }
            | Error::RateLimit { .. }
            | Error::Api { .. } => Delivery::Rejected,
        }
    }

    /// Whether resending is safe for an operation with `idempotency`.
    pub fn safe_to_resend(self, idempotency: Idempotency) -> bool {
        match self {
            Delivery::NotSent | Delivery::Rejected => true,
            Delivery::MaybeReceived => idempotency == Idempotency::Idempotent,
        }
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delivery::NotSent => "not sent",
            Delivery::Rejected => "rejected by the server",
            Delivery::MaybeReceived => "may have been received",
        })
    }
}

/// A chunk that failed after its retries (or was not sent): the error, what is known about
/// its delivery, and the records it carried.
#[derive(Debug)]
pub struct FailedChunk<T> {
    /// The chunk's position (0-based).
    pub index: usize,
    /// The position of its first record in the input.
    pub offset: usize,
    /// Why it failed (for a chunk the run did not send: the error that stopped the run).
    pub error: Error,
    /// Whether it was sent, rejected, or may have been received.
    pub delivery: Delivery,
    /// Whether the operation is safe to repeat (imports: yes; events, emails: no).
    pub idempotency: Idempotency,
    /// Its records, to retry or inspect.
    pub records: Vec<T>,
}

impl<T> FailedChunk<T> {
    /// Whether its records can be resent without risking duplicates.
    pub fn safe_to_resend(&self) -> bool {
        self.delivery.safe_to_resend(self.idempotency)
    }
}

/// A chunk the API accepted with a non-zero `failed` count. The API does not say which of its
/// records failed, so the report keeps them all.
#[derive(Debug)]
pub struct PartialChunk<T> {
    /// The chunk's position (0-based).
    pub index: usize,
    /// The position of its first record in the input.
    pub offset: usize,
    /// How many the API did not accept.
    pub failed: u64,
    /// The chunk's records.
    pub records: Vec<T>,
}

/// What happened to a chunked batch. Nothing is dropped: every record is either counted as
/// accepted, or sits in `failed_chunks` / `partial_chunks`.
#[derive(Debug)]
pub struct BatchReport<T> {
    /// Records read from the input.
    pub records: usize,
    /// Chunks formed from the input (sent or not).
    pub chunks: usize,
    /// The API's `results`, summed.
    pub accepted: u64,
    /// The API's `failed`, summed over successful chunks.
    pub failed: u64,
    /// Chunks that failed after retries or were not sent, in input order.
    pub failed_chunks: Vec<FailedChunk<T>>,
    /// Chunks the API accepted only in part, in input order.
    pub partial_chunks: Vec<PartialChunk<T>>,
    /// Why the run stopped sending before the end of the input, if it did.
    pub stopped: Option<Error>,
}

impl<T> Default for BatchReport<T> {
    fn default() -> Self {
        BatchReport {
            records: 0,
            chunks: 0,
            accepted: 0,
            failed: 0,
            failed_chunks: Vec::new(),
            partial_chunks: Vec::new(),
            stopped: None,
        }
    }
}

impl<T> BatchReport<T> {
    /// Whether every chunk succeeded with no `failed` count.
    pub fn is_complete(&self) -> bool {
        self.failed == 0 && self.failed_chunks.is_empty()
    }

    /// Records of chunks that failed outright (to retry).
    pub fn failed_records(&self) -> impl Iterator<Item = &T> {
        self.failed_chunks.iter().flat_map(|c| c.records.iter())
    }

    /// Takes the records of failed chunks out of the report.
    pub fn into_failed_records(self) -> Vec<T> {
        self.failed_chunks
            .into_iter()
            .flat_map(|c| c.records)
            .collect()
    }

    /// Takes out the records of failed chunks that can be resent without risking duplicates
    /// (see [`FailedChunk::safe_to_resend`]).
    pub fn into_resendable_records(self) -> Vec<T> {
        self.failed_chunks
            .into_iter()
            .filter(FailedChunk::safe_to_resend)
            .flat_map(|c| c.records)
            .collect()
    }

    /// Records accounted for: accepted, failed in part, or in a failed chunk. Equal to
    /// `records` for every finished report.
    pub fn accounted(&self) -> usize {
        let failed: usize = self.failed_chunks.iter().map(|c| c.records.len()).sum();
        let partial: usize = self.partial_chunks.iter().map(|c| c.records.len()).sum();
        let partial_accepted: u64 = self
            .partial_chunks
            .iter()
            .map(|c| c.records.len() as u64 - c.failed.min(c.records.len() as u64))
            .sum();
        (self.accepted - partial_accepted) as usize + partial + failed
    }

    /// Records one finished chunk (for custom drivers of [`Chunked`] operations).
    pub fn record<C: Chunked<Item = T>>(
        &mut self,
        index: usize,
        offset: usize,
        op: C,
        result: Result<C::Output, Error>,
    ) {
        self.record_attempts(index, offset, op, result, false)
    }

    /// [`BatchReport::record`], knowing whether an earlier attempt of the chunk may have been
    /// received (see [`crate::Attempts::maybe_received`]): the final error alone (a 422
    /// after a dropped attempt) would call it rejected.
    pub fn record_attempts<C: Chunked<Item = T>>(
        &mut self,
        index: usize,
        offset: usize,
        op: C,
        result: Result<C::Output, Error>,
        maybe_received: bool,
    ) {
        self.records += op.record_count();
        self.chunks += 1;
        match result {
            Ok(output) => {
                let (accepted, failed) = C::counts(&output);
                self.accepted += accepted;
                self.failed += failed;
                if failed > 0 {
                    self.partial_chunks.push(PartialChunk {
                        index,
                        offset,
                        failed,
                        records: op.into_items(),
                    });
                }
            }
            Err(error) => {
                let delivery = match Delivery::of(&error) {
                    Delivery::Rejected if maybe_received => Delivery::MaybeReceived,
                    delivery => delivery,
                };
                self.push_failed(index, offset, op, error, delivery);
            }
        }
    }

    /// Records a chunk that was not sent because of `cause`.
    pub fn record_not_sent<C: Chunked<Item = T>>(
        &mut self,
        index: usize,
        offset: usize,
        op: C,
        cause: Error,
    ) {
        self.records += op.record_count();
        self.chunks += 1;
        self.push_failed(index, offset, op, cause, Delivery::NotSent);
    }

    fn push_failed<C: Chunked<Item = T>>(
        &mut self,
        index: usize,
        offset: usize,
        op: C,
        error: Error,
        delivery: Delivery,
    ) {
        self.failed_chunks.push(FailedChunk {
            index,
            offset,
            error,
            delivery,
            idempotency: op.idempotency(),
            records: op.into_items(),
        });
    }

    /// Sorts the failed and partial chunks into input order.
    pub fn finish(mut self) -> Self {
        into_input_order(&mut self.failed_chunks, |c| c.index);
        into_input_order(&mut self.partial_chunks, |c| c.index);
        self
    }
}

/// Puts chunks into input order by their (distinct) `index`. The sort runs over
/// `(index, position)` pairs, one copy for every chunk type, and then each chunk moves once:
/// `sort_by_key` on the chunks themselves was a stable sort per record type and per chunk
/// kind, ten copies and ~35 KB of the WASI component. A heap sort, because its code is a
/// fraction of `sort_unstable`'s (7.7 KB there); the blocking runs finish in order and only
/// pay the check.
fn into_input_order<C>(chunks: &mut Vec<C>, index: impl Fn(&C) -> usize) {
    let order: Vec<(usize, usize)> = chunks.iter().map(index).zip(0..).collect();
    if order.is_sorted() {
        return;
    }
    let order = std::collections::BinaryHeap::from(order).into_sorted_vec();
    let mut slots: Vec<Option<C>> = chunks.drain(..).map(Some).collect();
    chunks.extend(order.into_iter().filter_map(|(_, at)| slots[at].take()));
}

/// How far a chunked run has come (handed to the progress callback after every chunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Chunks finished (sent and answered, failed, or skipped).
    pub chunks_done: usize,
    /// Records in those chunks.
    pub records_done: usize,
    /// Records the API accepted so far.
    pub accepted: u64,
    /// Records not accepted so far: the API's `failed` plus the records of failed chunks.
    pub failed: u64,
}

/// The bookkeeping of one chunked run, shared by every driver: the report, the brake and the
/// stop on errors no later chunk can survive. Sans-IO: the driver passes the monotonic time.
#[derive(Debug)]
pub struct ChunkRun<T> {
    report: BatchReport<T>,
    size: usize,
    started: Duration,
    deadline: Option<Duration>,
    max_rate_limited: Option<usize>,
    rate_limited_in_a_row: usize,
    stop: Option<Error>,
    progress: Progress,
}

impl<T> ChunkRun<T> {
    /// Starts a run at the monotonic time `now` for an operation whose per-request limit is
    /// `max_chunk`. Invalid options are an error (nothing is sent).
    pub fn new(options: &ChunkOptions, max_chunk: usize, now: Duration) -> Result<Self, Error> {
        options.validate()?;
        Ok(ChunkRun {
            report: BatchReport::default(),
            size: options.effective_chunk_size(max_chunk)?,
            started: now,
            deadline: options.deadline,
            max_rate_limited: options.max_rate_limited_chunks,
            rate_limited_in_a_row: 0,
            stop: None,
            progress: Progress::default(),
        })
    }

    /// Records per chunk.
    pub fn chunk_size(&self) -> usize {
        self.size
    }

    /// Whether the next chunk may be sent at the monotonic time `now`; the error is why not.
    pub fn admit(&mut self, now: Duration) -> Result<(), Error> {
        if self.stop.is_none()
            && let Some(deadline) = self.deadline
            && now.saturating_sub(self.started) >= deadline
        {
            self.stop = Some(Error::Transport {
                kind: crate::error::TransportErrorKind::Deadline,
                message: format!(
                    "the run's deadline of {} ms passed before this chunk was sent",
                    crate::config::millis(deadline)
                ),
            });
        }
        match &self.stop {
            Some(cause) => {
                if self.report.stopped.is_none() {
                    self.report.stopped = Some(cause.clone());
                }
                Err(cause.clone())
            }
            None => Ok(()),
        }
    }

    /// Records a chunk that was sent; `maybe_received` says whether any of its attempts may
    /// have been received (see [`crate::Attempts::maybe_received`]).
    pub fn finish<C: Chunked<Item = T>>(
        &mut self,
        index: usize,
        offset: usize,
        op: C,
        result: Result<C::Output, Error>,
        maybe_received: bool,
    ) {
        let len = op.record_count();
        match &result {
            Ok(output) => {
                let (accepted, failed) = C::counts(output);
                self.progress.accepted += accepted;
                self.progress.failed += failed;
                self.rate_limited_in_a_row = 0;
            }
            Err(error) => {
                self.progress.failed += len as u64;
                if matches!(error, Error::RateLimit { .. }) {
                    self.rate_limited_in_a_row += 1;
                    if self
                        .max_rate_limited
                        .is_some_and(|max| self.rate_limited_in_a_row >= max)
                    {
                        self.stop.get_or_insert_with(|| error.clone());
                    }
                } else {
                    self.rate_limited_in_a_row = 0;
                }
                if error.is_fatal_for_batch() {
                    self.stop.get_or_insert_with(|| error.clone());
                }
            }
        }
        self.progress.chunks_done += 1;
        self.progress.records_done += len;
        self.report
            .record_attempts(index, offset, op, result, maybe_received);
    }

    /// Records a chunk that [`ChunkRun::admit`] refused.
    pub fn skip<C: Chunked<Item = T>>(&mut self, index: usize, offset: usize, op: C, cause: Error) {
        let len = op.record_count();
        self.progress.failed += len as u64;
        self.progress.chunks_done += 1;
        self.progress.records_done += len;
        self.report.record_not_sent(index, offset, op, cause);
    }

    /// The progress so far.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The finished report, chunks in input order.
    pub fn into_report(self) -> BatchReport<T> {
        self.report.finish()
    }
}

impl<T> fmt::Display for BatchReport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} records in {} chunks: {} accepted, {} failed, {} chunks failed",
            self.records,
            self.chunks,
            self.accepted,
            self.failed,
            self.failed_chunks.len()
        )?;
        match &self.stopped {
            Some(cause) => write!(f, " (stopped early: {cause})"),
            None => Ok(()),
        }
    }
}

/// Groups an iterator into chunks lazily, remembering each chunk's index and offset
/// (for custom drivers of [`Chunked`] operations).
#[derive(Debug)]
pub struct Chunks<I: Iterator> {
    iter: I,
    size: usize,
    index: usize,
    offset: usize,
}

impl<I: Iterator> Chunks<I> {
    /// Chunks of `size` (at least 1) from `iter`.
    pub fn new(iter: I, size: usize) -> Self {
        let size = size.max(1);
        Chunks {
            iter,
            size,
            index: 0,
            offset: 0,
        }
    }
}

impl<I: Iterator> Iterator for Chunks<I> {
    /// `(index, offset, records)`.
    type Item = (usize, usize, Vec<I::Item>);
    fn next(&mut self) -> Option<Self::Item> {
        let chunk: Vec<I::Item> = self.iter.by_ref().take(self.size).collect();
        if chunk.is_empty() {
            return None;
        }
        let item = (self.index, self.offset, chunk);
        self.index += 1;
        self.offset += item.2.len();
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_put_into_input_order_with_their_records() {
        let chunk = |index: usize| PartialChunk {
            index,
            offset: index * 10,
            failed: 1,
            records: vec![index],
        };
        let parts = |chunks: &[PartialChunk<usize>]| -> Vec<(usize, usize, Vec<usize>)> {
            chunks
                .iter()
                .map(|c| (c.index, c.offset, c.records.clone()))
                .collect()
        };
        let in_order: Vec<_> = (0..5).map(chunk).collect();
        let mut chunks: Vec<_> = [3, 0, 4, 1, 2].into_iter().map(chunk).collect();
        into_input_order(&mut chunks, |c| c.index);
        assert_eq!(parts(&chunks), parts(&in_order));
        into_input_order(&mut chunks, |c| c.index);
        assert_eq!(parts(&chunks), parts(&in_order));
        let mut none: Vec<PartialChunk<usize>> = Vec::new();
        into_input_order(&mut none, |c| c.index);
        assert!(none.is_empty());
    }

    #[test]
    fn chunks_are_lazy_and_carry_offsets() {
        let chunks: Vec<_> = Chunks::new(0..7, 3).collect();
        assert_eq!(
            chunks,
            vec![
                (0, 0, vec![0, 1, 2]),
                (1, 3, vec![3, 4, 5]),
                (2, 6, vec![6])
            ]
        );
        assert_eq!(Chunks::new(0..0, 3).count(), 0);
    }

    #[test]
    fn chunk_size_is_capped_at_the_api_limit_and_zero_is_refused() {
        assert_eq!(
            ChunkOptions::default().effective_chunk_size(60).unwrap(),
            60
        );
        assert_eq!(
            ChunkOptions::default()
                .chunk_size(500)
                .effective_chunk_size(60)
                .unwrap(),
            60
        );
        assert_eq!(
            ChunkOptions::default()
                .chunk_size(20)
                .effective_chunk_size(60)
                .unwrap(),
            20
        );
        assert!(
            ChunkOptions::default()
                .chunk_size(0)
                .effective_chunk_size(60)
                .is_err()
        );
        assert_eq!(
            ChunkOptions::default()
                .concurrency(0)
                .effective_concurrency(),
            1
        );
    }

    #[test]
    fn the_report_keeps_failed_and_partial_records() {
        let mut report = BatchReport::default();
        let rows = |r: std::ops::Range<usize>| {
            r.map(|i| ImportSubscriberData::new(format!("u{i}@x.io")))
                .collect::<Vec<_>>()
        };
        report.record(
            1,
            2,
            ImportSubscribers::from_chunk(rows(2..4)),
            Err(Error::RateLimit {
                request_id: None,
                retry_after: None,
            }),
        );
        report.record(
            0,
            0,
            ImportSubscribers::from_chunk(rows(0..2)),
            Ok(BatchResult {
                results: 1,
                failed: 1,
            }),
        );
        let report = report.finish();
        assert_eq!((report.accepted, report.failed), (1, 1));
        assert!(!report.is_complete());
        assert_eq!(report.partial_chunks[0].records.len(), 2);
        let failed: Vec<_> = report
            .into_failed_records()
            .into_iter()
            .map(|r| r.email)
            .collect();
        assert_eq!(failed, ["u2@x.io", "u3@x.io"]);
    }
}
