//! The stepped chunked runs (`import-run`, `track-run`): the core's [`ChunkedRun`] behind a
//! WIT resource, one chunk per `next`, so a host shows progress between chunks — a component
//! cannot call back into its host, so this is the component's progress callback.

use std::cell::RefCell;

use bento_core::driver::ChunkedRun;
use bento_core::{Chunked, Error, Progress};

use crate::Client;
use crate::bindings::exports::bentonow::bento::api as wit;
use crate::convert::{self, ToCore, ToWit, small};

/// One stepped run of `C`: the run (until `finish` takes it) and a client of its own (the
/// configuration, cloned from the borrowed `client`).
pub struct Run<C: Chunked> {
    client: Client,
    run: RefCell<Option<ChunkedRun<C, std::vec::IntoIter<C::Item>>>>,
}

impl<C: Chunked> Run<C> {
    fn new<W: ToCore<C::Item>>(
        client: &Client,
        items: Vec<W>,
        options: &wit::ChunkOptions,
        name: &str,
    ) -> Result<Self, wit::BentoError> {
        let client = client.clone();
        let start = || -> Result<_, Error> {
            let options = convert::chunk_options(options)?;
            ChunkedRun::new(&client, convert::list(items, name)?, &options)
        };
        let run = start().map_err(ToWit::to_wit)?;
        Ok(Run {
            client,
            run: RefCell::new(Some(run)),
        })
    }

    fn next(&self) -> Option<wit::Progress> {
        let mut run = self.run.borrow_mut();
        let progress = run.as_mut()?.step(&self.client, &self.client.config)?;
        Some(progress_to_wit(progress))
    }

    fn finish<R>(&self, name: &str) -> Result<R, wit::BentoError>
    where
        bento_core::BatchReport<C::Item>: ToWit<R>,
    {
        match self.run.borrow_mut().take() {
            Some(run) => Ok(run.finish(&self.client, &self.client.config).to_wit()),
            None => Err(Error::invalid(name, "was already finished").to_wit()),
        }
    }
}

fn progress_to_wit(p: Progress) -> wit::Progress {
    let Progress {
        chunks_done,
        records_done,
        accepted,
        failed,
    } = p;
    wit::Progress {
        chunks_done: small(chunks_done),
        records_done: records_done as u64,
        accepted,
        failed,
    }
}

/// `import-run`.
pub struct ImportRun(Run<bento_core::ImportSubscribersText>);
/// `track-run`.
pub struct TrackRun(Run<bento_core::TrackEvents>);

impl wit::GuestImportRun for ImportRun {
    fn new(
        client: wit::ClientBorrow<'_>,
        subscribers: Vec<wit::ImportSubscriber>,
        options: wit::ChunkOptions,
    ) -> Result<ImportRun, wit::BentoError> {
        Run::new(client.get(), subscribers, &options, "subscribers").map(ImportRun)
    }
    fn next(&self) -> Option<wit::Progress> {
        self.0.next()
    }
    fn finish(&self) -> Result<wit::ImportReport, wit::BentoError> {
        self.0.finish("import-run")
    }
}

impl wit::GuestTrackRun for TrackRun {
    fn new(
        client: wit::ClientBorrow<'_>,
        events: Vec<wit::Event>,
        options: wit::ChunkOptions,
    ) -> Result<TrackRun, wit::BentoError> {
        Run::new(client.get(), events, &options, "events").map(TrackRun)
    }
    fn next(&self) -> Option<wit::Progress> {
        self.0.next()
    }
    fn finish(&self) -> Result<wit::TrackReport, wit::BentoError> {
        self.0.finish("track-run")
    }
}
