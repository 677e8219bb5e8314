//! Reports of the chunked helpers, one set of records per item type (uniffi has no generics).
//! Nothing is dropped: every record is counted as accepted, or comes back in `failed_chunks`
//! (the request failed after its retries) or `partial_chunks` (the API accepted the chunk but
//! counted failures without saying which records). The records returned are the caller's own
//! input records, unchanged.

use crate::error::BentoError;
use crate::inputs::{BroadcastData, Command, EmailData, Event, ImportSubscriber};
use crate::outputs::long;

macro_rules! report {
    ($report:ident, $failed:ident, $partial:ident, $item:ty) => {
        /// What happened to a chunked batch: counters, and the records that were not accepted.
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $report {
            /// Records read from the input.
            pub records: i64,
            /// Requests made (one per chunk).
            pub chunks: i64,
            /// The API's accepted count, summed.
            pub accepted: i64,
            /// The API's failed count, summed over successful chunks.
            pub failed: i64,
            /// Chunks whose request failed after retries, in input order.
            pub failed_chunks: Vec<$failed>,
            /// Chunks the API accepted only in part, in input order.
            pub partial_chunks: Vec<$partial>,
            /// Every record of `failed_chunks`, in input order: the ones to retry.
            pub failed_records: Vec<$item>,
            /// Whether every chunk succeeded with no failed count.
            pub is_complete: bool,
            /// Why the run stopped sending before the end of the input (401, 403, an unknown
            /// author, too many rate-limited chunks in a row), if it did: every later chunk
            /// is in `failed_chunks` as `Delivery.NOT_SENT` with this error.
            pub stopped: Option<BentoError>,
        }

        /// A chunk whose request failed: the error and its records.
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $failed {
            /// The chunk's position (0-based).
            pub index: i64,
            /// The position of its first record in the input.
            pub offset: i64,
            /// Why it failed (for a chunk the run did not send: the error that stopped it).
            pub error: BentoError,
            /// What is known about its delivery.
            pub delivery: Delivery,
            /// Whether its records can be resent without risking duplicates: always when not
            /// sent or rejected; when it may have been received, only for imports (upserts).
            pub safe_to_resend: bool,
            /// Its records.
            pub records: Vec<$item>,
        }

        /// A chunk the API accepted with a non-zero failed count (it does not say which records
        /// failed, so all of the chunk's records are here).
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $partial {
            /// The chunk's position (0-based).
            pub index: i64,
            /// The position of its first record in the input.
            pub offset: i64,
            /// How many the API did not accept.
            pub failed: i64,
            /// The chunk's records.
            pub records: Vec<$item>,
        }

        impl $report {
            /// Maps the core's report back onto the caller's `input` records.
            pub(crate) fn from_core<T>(report: bento::BatchReport<T>, input: &[$item]) -> Self {
                Self::from_core_with(report, |offset, records| {
                    offset
                        .checked_add(records.len())
                        .and_then(|end| input.get(offset..end))
                        .map(<[$item]>::to_vec)
                        .unwrap_or_default()
                })
            }

            /// The core's report, with each chunk's records given by `slice(offset, records)`.
            pub(crate) fn from_core_with<T>(
                report: bento::BatchReport<T>,
                mut slice: impl FnMut(usize, Vec<T>) -> Vec<$item>,
            ) -> Self {
                let is_complete = report.is_complete();
                // Every field named, no `..`: a new field of the core's report is a compile
                // error here until the FFI carries it (or says why not).
                let bento::BatchReport {
                    records,
                    chunks,
                    accepted,
                    failed,
                    failed_chunks,
                    partial_chunks,
                    stopped,
                } = report;
                let failed_chunks: Vec<$failed> = failed_chunks
                    .into_iter()
                    .map(|chunk| {
                        let safe_to_resend = chunk.safe_to_resend();
                        let bento::FailedChunk {
                            index,
                            offset,
                            error,
                            delivery,
                            idempotency: _, // folded into `safe_to_resend`
                            records,
                        } = chunk;
                        $failed {
                            index: long(index as u64),
                            offset: long(offset as u64),
                            error: error.into(),
                            delivery: delivery.into(),
                            safe_to_resend,
                            records: slice(offset, records),
                        }
                    })
                    .collect();
                let failed_records = failed_chunks
                    .iter()
                    .flat_map(|c| c.records.iter().cloned())
                    .collect();
                $report {
                    records: long(records as u64),
                    chunks: long(chunks as u64),
                    accepted: long(accepted),
                    failed: long(failed),
                    partial_chunks: partial_chunks
                        .into_iter()
                        .map(
                            |bento::PartialChunk {
                                 index,
                                 offset,
                                 failed,
                                 records,
                             }| $partial {
                                index: long(index as u64),
                                offset: long(offset as u64),
                                failed: long(failed),
                                records: slice(offset, records),
                            },
                        )
                        .collect(),
                    failed_chunks,
                    failed_records,
                    is_complete,
                    stopped: stopped.map(Into::into),
                }
            }
        }
    };
}

/// What is known about a failed chunk's delivery: it decides whether resending its records
/// can create duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Delivery {
    /// Certainly not received: invalid input, no connection, or the run stopped before
    /// sending it. Safe to resend.
    NotSent,
    /// The server answered with an error status and did not act on it (401, 403, 404, 422,
    /// 429). Safe to resend once the cause is fixed.
    Rejected,
    /// It may have been received and acted on: a timeout or a dropped connection after the
    /// request was written, a 5xx, an answer that could not be read. Resend only records of
    /// idempotent operations (imports are upserts; events and emails are not).
    MaybeReceived,
}

impl From<bento::Delivery> for Delivery {
    fn from(d: bento::Delivery) -> Self {
        match d {
            bento::Delivery::NotSent => Delivery::NotSent,
            bento::Delivery::Rejected => Delivery::Rejected,
            bento::Delivery::MaybeReceived => Delivery::MaybeReceived,
        }
    }
}

report!(
    ImportReport,
    FailedImportChunk,
    PartialImportChunk,
    ImportSubscriber
);
report!(EventReport, FailedEventChunk, PartialEventChunk, Event);
report!(EmailReport, FailedEmailChunk, PartialEmailChunk, EmailData);
report!(
    CommandReport,
    FailedCommandChunk,
    PartialCommandChunk,
    Command
);
report!(
    BroadcastReport,
    FailedBroadcastChunk,
    PartialBroadcastChunk,
    BroadcastData
);
