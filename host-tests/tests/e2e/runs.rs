//! The stepped chunked runs (`import-run`, `track-run`): the component's progress callback
//! (issue 13, item 4). Progress after every chunk, the same report as the one-call helper,
//! nothing sent before the first `next`, and a second `finish` refused.

use bento_emulator::{FaultAction, FaultRule};
use host_tests::api;

use crate::{Setup, event, import_row as row};

fn options(chunk_size: u32) -> api::ChunkOptions {
    api::ChunkOptions {
        chunk_size: Some(chunk_size),
        max_rate_limited_chunks: None,
        deadline_ms: None,
    }
}

#[test]
fn an_import_run_reports_progress_after_every_chunk() {
    let mut t = Setup::start();
    let rows: Vec<_> = (0..25)
        .map(|i| row(&format!("step{i}@example.com")))
        .collect();
    let client = t.client;
    let run = t
        .instance
        .call_api(|api, store| {
            api.import_run()
                .call_constructor(&mut *store, client, &rows, options(10))
        })
        .expect("no trap")
        .expect("valid options");
    assert!(t.emu.requests().is_empty(), "nothing is sent before `next`");

    let mut seen = Vec::new();
    while let Some(p) = t
        .instance
        .call_api(|api, store| api.import_run().call_next(store, run))
        .expect("no trap")
    {
        seen.push((p.chunks_done, p.records_done, p.accepted, p.failed));
        assert_eq!(
            t.emu.requests().len() as u32,
            p.chunks_done,
            "one request per step"
        );
    }
    assert_eq!(seen, [(1, 10, 10, 0), (2, 20, 20, 0), (3, 25, 25, 0)]);

    let report = t
        .instance
        .call_api(|api, store| api.import_run().call_finish(store, run))
        .expect("no trap")
        .expect("the report");
    assert_eq!(
        (report.records, report.chunks, report.accepted),
        (25, 3, 25)
    );
    assert!(report.failed_chunks.is_empty() && report.stopped.is_none());
    assert_eq!(t.emu.state()["counts"]["subscribers"], 25);

    let again = t
        .instance
        .call_api(|api, store| api.import_run().call_finish(store, run))
        .expect("no trap");
    match t.instance.answer(again).expect("no trap") {
        Err(api::ErrorDetails::InvalidInput(e)) => assert_eq!(e.field, "import-run"),
        other => panic!("a second finish must be refused: {other:?}"),
    }
}

#[test]
fn a_track_run_finishes_what_is_left_and_reports_failed_chunks() {
    let mut t = Setup::start();
    t.emu.add_fault(
        FaultRule::new(FaultAction::status(422))
            .exact_path("/api/v1/batch/events")
            .once(),
    );
    let events: Vec<_> = (0..5)
        .map(|i| event("$pageView", &format!("steps{i}@example.com")))
        .collect();
    let client = t.client;
    let run = t
        .instance
        .call_api(|api, store| {
            api.track_run()
                .call_constructor(&mut *store, client, &events, options(2))
        })
        .expect("no trap")
        .expect("valid options");
    // One step (the 422), then `finish` sends the other two chunks.
    let first = t
        .instance
        .call_api(|api, store| api.track_run().call_next(store, run))
        .expect("no trap")
        .expect("a first chunk");
    assert_eq!((first.chunks_done, first.accepted, first.failed), (1, 0, 2));
    let report = t
        .instance
        .call_api(|api, store| api.track_run().call_finish(store, run))
        .expect("no trap")
        .expect("the report");
    assert_eq!((report.records, report.chunks, report.accepted), (5, 3, 3));
    assert_eq!(report.failed_chunks.len(), 1);
    let failed = &report.failed_chunks[0];
    assert_eq!((failed.index, failed.records.len()), (0, 2));
    assert_eq!(failed.delivery, api::Delivery::Rejected);
    assert_eq!(t.emu.requests().len(), 3);
}

#[test]
fn bad_options_are_refused_before_anything_is_sent() {
    let mut t = Setup::start();
    let client = t.client;
    let answer = t
        .instance
        .call_api(|api, store| {
            api.import_run().call_constructor(
                &mut *store,
                client,
                &[row("a@example.com")],
                options(0),
            )
        })
        .expect("no trap");
    let answer = t.instance.answer(answer).expect("no trap");
    assert!(
        matches!(answer, Err(api::ErrorDetails::InvalidInput(_))),
        "{answer:?}"
    );
    assert!(t.emu.requests().is_empty());
}
