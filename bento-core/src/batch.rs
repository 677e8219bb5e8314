//! Batches of any size: chunking to the API limits, and a report that loses nothing.
//!
//! The chunked helpers (`import_subscribers_chunked`, `track_events_chunked`,
//! `send_emails_chunked`, `subscriber_commands_chunked` on both clients) take any iterator, so
//! a caller can stream a million rows from a file: only the chunks in flight are in memory.
//! Each chunk is serialized once and sent (with retries per the policy); the [`BatchReport`]
//! adds up the API's counters and, for every chunk that failed after its retries, gives back
//! its error **and its records**, so exactly those can be retried.

use std::fmt;

use crate::broadcasts::{BroadcastCreateResult, BroadcastData, CreateBroadcasts};
use crate::commands::{Command, SubscriberCommands};
use crate::emails::{EmailData, SendEmails};
use crate::error::Error;
use crate::events::{Event, TrackEvents};
use crate::model::BatchResult;
use crate::operation::Operation;
use crate::subscribers::{ImportSubscriberData, ImportSubscribers};
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
            fn counts(output: &$out) -> (u64, u64) {
                (output.results, output.failed)
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

/// How to chunk and how many chunks to have in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Records per request (capped at the API's limit). `None`: the API's limit.
    pub chunk_size: Option<usize>,
    /// Requests in flight at once (async client; the blocking client sends one at a time).
    pub concurrency: usize,
}

impl Default for ChunkOptions {
    /// Full chunks, 4 in flight.
    fn default() -> Self {
        ChunkOptions {
            chunk_size: None,
            concurrency: 4,
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
}

/// A chunk that failed after its retries: the error and the records it carried.
#[derive(Debug)]
pub struct FailedChunk<T> {
    /// The chunk's position (0-based).
    pub index: usize,
    /// The position of its first record in the input.
    pub offset: usize,
    /// Why it failed.
    pub error: Error,
    /// Its records, to retry or inspect.
    pub records: Vec<T>,
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
    /// Requests made (one per chunk).
    pub chunks: usize,
    /// The API's `results`, summed.
    pub accepted: u64,
    /// The API's `failed`, summed over successful chunks.
    pub failed: u64,
    /// Chunks that failed after retries, in input order.
    pub failed_chunks: Vec<FailedChunk<T>>,
    /// Chunks the API accepted only in part, in input order.
    pub partial_chunks: Vec<PartialChunk<T>>,
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

    /// Records one finished chunk (for custom drivers of [`Chunked`] operations).
    pub fn record<C: Chunked<Item = T>>(
        &mut self,
        index: usize,
        offset: usize,
        op: C,
        result: Result<C::Output, Error>,
    ) {
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
            Err(error) => self.failed_chunks.push(FailedChunk {
                index,
                offset,
                error,
                records: op.into_items(),
            }),
        }
    }

    /// Sorts the failed and partial chunks into input order.
    pub fn finish(mut self) -> Self {
        self.failed_chunks.sort_by_key(|c| c.index);
        self.partial_chunks.sort_by_key(|c| c.index);
        self
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
        )
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
            Err(Error::RateLimit { retry_after: None }),
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
