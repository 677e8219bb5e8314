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
        }

        /// A chunk whose request failed: the error and its records.
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $failed {
            /// The chunk's position (0-based).
            pub index: i64,
            /// The position of its first record in the input.
            pub offset: i64,
            /// Why it failed.
            pub error: BentoError,
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
                let slice = |offset: usize, len: usize| -> Vec<$item> {
                    offset
                        .checked_add(len)
                        .and_then(|end| input.get(offset..end))
                        .map(<[$item]>::to_vec)
                        .unwrap_or_default()
                };
                let is_complete = report.is_complete();
                let failed_chunks: Vec<$failed> = report
                    .failed_chunks
                    .into_iter()
                    .map(|c| $failed {
                        index: long(c.index as u64),
                        offset: long(c.offset as u64),
                        error: c.error.into(),
                        records: slice(c.offset, c.records.len()),
                    })
                    .collect();
                let failed_records = failed_chunks
                    .iter()
                    .flat_map(|c| c.records.iter().cloned())
                    .collect();
                $report {
                    records: long(report.records as u64),
                    chunks: long(report.chunks as u64),
                    accepted: long(report.accepted),
                    failed: long(report.failed),
                    partial_chunks: report
                        .partial_chunks
                        .into_iter()
                        .map(|c| $partial {
                            index: long(c.index as u64),
                            offset: long(c.offset as u64),
                            failed: long(c.failed),
                            records: slice(c.offset, c.records.len()),
                        })
                        .collect(),
                    failed_chunks,
                    failed_records,
                    is_complete,
                }
            }
        }
    };
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
