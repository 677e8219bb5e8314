//! The component on wasmtime's async support, for hosts that already run on a tokio runtime
//! (an axum or hyper server embedding the component).
//!
//! The synchronous [`crate::Host`] blocks the calling thread on wasmtime-wasi's own
//! multi-threaded runtime at every `wasi:io/poll` and body read, while the HTTP connection's
//! task runs on that runtime's workers: each call is a series of cross-thread wake-ups. Here
//! the host functions are `async` and run on the caller's runtime, so on a current-thread
//! runtime the guest, the wasi:http host and the connection share one thread (the small-call
//! benchmark, BENCHMARKS.md). Same component, same proxy-world linking, same [`crate::Ctx`].

use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Engine, Store};

use crate::{Ctx, KeepAlive};

/// Typed async bindings for the `bento` world: the same types as [`crate::bindings`], with
/// every export called as `call_*(..).await`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "bento",
        additional_derives: [PartialEq],
        imports: { default: async },
        exports: { default: async },
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:random": wasmtime_wasi::p2::bindings::random,
            "wasi:cli": wasmtime_wasi::p2::bindings::cli,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        },
    });
}

/// The `bentonow:bento/api` interface of [`bindings`].
pub use bindings::exports::bentonow::bento::api;

/// A compiled component linked for async calls: create any number of [`AsyncInstance`]s.
pub struct AsyncHost {
    engine: Engine,
    pre: bindings::BentoPre<Ctx>,
    keep_alive: Option<KeepAlive>,
}

impl AsyncHost {
    /// Links `component` against the `wasi:http/proxy` world's interfaces (async) and nothing
    /// else, as [`crate::Host::new`] does.
    pub fn new(engine: Engine, component: &Component) -> wasmtime::Result<AsyncHost> {
        let mut linker = Linker::<Ctx>::new(&engine);
        wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
        let pre = bindings::BentoPre::new(linker.instantiate_pre(component)?)?;
        Ok(AsyncHost {
            engine,
            pre,
            keep_alive: None,
        })
    }

    /// Instances share one pool of kept-alive connections ([`KeepAlive`]).
    pub fn with_keep_alive(mut self, pool: KeepAlive) -> AsyncHost {
        self.keep_alive = Some(pool);
        self
    }

    /// A fresh instance in a fresh store (no environment, files or sockets).
    pub async fn instantiate(&self) -> wasmtime::Result<AsyncInstance> {
        let mut store = Store::new(&self.engine, Ctx::new(self.keep_alive.clone()));
        let bento = self.pre.instantiate_async(&mut store).await?;
        Ok(AsyncInstance { store, bento })
    }
}

/// One instance of the component in its own store, called with `.await`.
pub struct AsyncInstance {
    store: Store<Ctx>,
    bento: bindings::Bento,
}

impl AsyncInstance {
    /// Creates a `client` resource (the inner `Result` is the component's answer).
    pub async fn client(
        &mut self,
        config: &api::Config,
    ) -> wasmtime::Result<Result<ResourceAny, api::ErrorDetails>> {
        let api = self.bento.bentonow_bento_api().client();
        let answer = api.call_constructor(&mut self.store, config).await?;
        self.answer(answer).await
    }

    /// `track` on `client`.
    pub async fn track(
        &mut self,
        client: ResourceAny,
        event: &api::Event,
    ) -> wasmtime::Result<Result<api::BatchResult, api::ErrorDetails>> {
        let api = self.bento.bentonow_bento_api().client();
        let answer = api.call_track(&mut self.store, client, event).await?;
        self.answer(answer).await
    }

    /// `get-tags` on `client`.
    pub async fn get_tags(
        &mut self,
        client: ResourceAny,
    ) -> wasmtime::Result<Result<Vec<api::Tag>, api::ErrorDetails>> {
        let api = self.bento.bentonow_bento_api().client();
        let answer = api.call_get_tags(&mut self.store, client).await?;
        self.answer(answer).await
    }

    /// An answer with its `bento-error` read (`details`) and dropped, as
    /// [`crate::Instance::answer`] does.
    async fn answer<T>(
        &mut self,
        answer: Result<T, ResourceAny>,
    ) -> wasmtime::Result<Result<T, api::ErrorDetails>> {
        match answer {
            Ok(value) => Ok(Ok(value)),
            Err(error) => {
                let api = self.bento.bentonow_bento_api().bento_error();
                let details = api.call_details(&mut self.store, error).await?;
                error.resource_drop_async(&mut self.store).await?;
                Ok(Err(details))
            }
        }
    }
}
