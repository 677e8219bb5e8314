//! A wasmtime host for the bento component (`wit/`, world `bentonow:bento/bento`), used by the
//! end-to-end tests (`tests/e2e.rs`) and the embedding example (`examples/embed.rs`).
//!
//! The component is built by this crate's `build.rs`; [`COMPONENT_WASM`] is its path. A
//! [`Host`] compiles it once (the expensive part) and links the `wasi:http/proxy` world; every
//! [`Instance`] is a fresh store with its own [`Ctx`], so instances are cheap.
//!
//! ```no_run
//! use host_tests::{Host, api};
//! let host = Host::load(host_tests::COMPONENT_WASM)?;
//! let mut instance = host.instantiate()?;
//! let config = api::Config {
//!     publishable_key: "pk".into(),
//!     secret_key: "sk".into(),
//!     site_uuid: "site".into(),
//!     base_url: Some("http://127.0.0.1:8080/api/v1".into()),
//!     user_agent: None,
//!     timeout_ms: None,
//!     connect_timeout_ms: None,
//!     max_response_bytes: None,
//!     deadline_ms: None,
//!     retry: None,
//! };
//! let client = instance.client(&config)?.expect("valid config");
//! let tags = instance.call(|api, store| api.call_get_tags(store, client))?;
//! println!("{tags:?}");
//! # Ok::<(), wasmtime::Error>(())
//! ```

use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

pub mod async_host;
mod keep_alive;
pub use keep_alive::KeepAlive;
pub mod proxy;

/// Typed bindings for the `bento` world; the wasi imports map onto wasmtime-wasi's own.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "bento",
        additional_derives: [PartialEq],
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::sync::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:random": wasmtime_wasi::p2::bindings::random,
            "wasi:cli": wasmtime_wasi::p2::bindings::cli,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        },
    });
}

/// The exported `bentonow:bento/api` interface: its records, `bento-error` and `client`.
pub use bindings::exports::bentonow::bento::api;

/// The path of the component `build.rs` built (`scripts/build-component.sh`).
pub const COMPONENT_WASM: &str = env!("BENTO_COMPONENT_WASM");

/// The example app (`examples/edge-signup`), alone: it imports `bentonow:bento/api`.
pub const EDGE_SIGNUP_WASM: &str = env!("EDGE_SIGNUP_WASM");

/// The example app composed with the component (`wac plug`): a plain `wasi:http/proxy` app.
pub const EDGE_SIGNUP_COMPOSED_WASM: &str = env!("EDGE_SIGNUP_COMPOSED_WASM");

/// The Bento settings the example app was built with (`build.rs`): publishable key, secret key,
/// site UUID. An emulator started with them accepts the app's requests.
pub const EDGE_SIGNUP_SETTINGS: [&str; 3] = [
    env!("EDGE_SIGNUP_PUBLISHABLE_KEY"),
    env!("EDGE_SIGNUP_SECRET_KEY"),
    env!("EDGE_SIGNUP_SITE_UUID"),
];

/// Guest stderr kept per instance (printed by tests on failure).
const STDERR_CAPACITY: usize = 64 * 1024;

/// The store data: WASI and wasi:http contexts over one resource table.
pub struct Ctx {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    /// `None`: wasmtime-wasi-http's default (a new connection per request).
    keep_alive: Option<KeepAlive>,
    stderr: MemoryOutputPipe,
}

impl Ctx {
    /// A fresh context: no environment, files or sockets; stderr captured.
    fn new(keep_alive: Option<KeepAlive>) -> Ctx {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        Ctx {
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            keep_alive,
            stderr,
        }
    }
}

impl WasiView for Ctx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Ctx {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: match &mut self.keep_alive {
                Some(pool) => pool,
                None => wasmtime_wasi_http::default_hooks(),
            },
        }
    }
}

/// A compiled component with its linker: create any number of [`Instance`]s from it.
pub struct Host {
    engine: Engine,
    component: Component,
    pre: bindings::BentoPre<Ctx>,
    keep_alive: Option<KeepAlive>,
}

impl Host {
    /// Compiles the component at `path` and links the `wasi:http/proxy` world's interfaces.
    pub fn load(path: impl AsRef<std::path::Path>) -> wasmtime::Result<Host> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, path)?;
        Host::new(engine, component)
    }

    /// Links an already compiled component against the `wasi:http/proxy` world's interfaces
    /// and nothing else (no environment, filesystem or sockets): what an edge host grants.
    pub fn new(engine: Engine, component: Component) -> wasmtime::Result<Host> {
        let mut linker = Linker::<Ctx>::new(&engine);
        wasmtime_wasi_http::p2::add_to_linker_sync(&mut linker)?;
        let pre = bindings::BentoPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Host {
            engine,
            component,
            pre,
            keep_alive: None,
        })
    }

    /// Instances created from now on share one pool of kept-alive HTTP and HTTPS connections
    /// ([`KeepAlive`]) instead of wasmtime-wasi-http's connection per request.
    pub fn with_keep_alive(mut self, pool: KeepAlive) -> Host {
        self.keep_alive = Some(pool);
        self
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// The component's imports, as `package/interface@version` names, sorted.
    pub fn import_names(&self) -> Vec<String> {
        let ty = self.component.component_type();
        let mut names: Vec<String> = ty
            .imports(&self.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        names.sort();
        names
    }

    /// A fresh instance in a fresh store. The guest gets no environment, no files and no
    /// sockets (outgoing HTTP goes through wasi:http); its stderr is captured.
    pub fn instantiate(&self) -> wasmtime::Result<Instance> {
        let mut store = Store::new(&self.engine, Ctx::new(self.keep_alive.clone()));
        let bento = self.pre.instantiate(&mut store)?;
        Ok(Instance { store, bento })
    }
}

/// One instance of the component in its own store.
pub struct Instance {
    store: Store<Ctx>,
    bento: bindings::Bento,
}

impl Instance {
    /// Creates a `client` resource. The outer `Result` is a trap, the inner one the
    /// component's answer (`invalid-input` for a bad config), its error read and dropped.
    pub fn client(
        &mut self,
        config: &api::Config,
    ) -> wasmtime::Result<Result<ResourceAny, api::ErrorDetails>> {
        let api = self.bento.bentonow_bento_api().client();
        let answer = api.call_constructor(&mut self.store, config)?;
        self.answer(answer)
    }

    /// A call's answer with its `bento-error` read and dropped ([`Instance::error_details`]).
    pub fn answer<T>(
        &mut self,
        answer: Result<T, ResourceAny>,
    ) -> wasmtime::Result<Result<T, api::ErrorDetails>> {
        match answer {
            Ok(value) => Ok(Ok(value)),
            Err(error) => Ok(Err(self.error_details(error)?)),
        }
    }

    /// Calls the `client` interface: `instance.call(|api, store| api.call_get_tags(store, c))`.
    pub fn call<R>(
        &mut self,
        f: impl FnOnce(&api::GuestClient<'_>, &mut Store<Ctx>) -> wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        let api = self.bento.bentonow_bento_api().client();
        f(&api, &mut self.store)
    }

    /// Calls anything of the `api` interface (the `import-run` and `track-run` resources).
    pub fn call_api<R>(
        &mut self,
        f: impl FnOnce(&api::Guest, &mut Store<Ctx>) -> wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        f(self.bento.bentonow_bento_api(), &mut self.store)
    }

    /// Drops a `client` resource.
    pub fn drop_client(&mut self, client: ResourceAny) -> wasmtime::Result<()> {
        client.resource_drop(&mut self.store)
    }

    /// Reads a `bento-error` (what every fallible function returns) and drops it: its
    /// `details`, the typed variant. A host that keeps an instance alive drops every error it
    /// gets, as here, or the handles stay in the instance's table until the instance ends.
    pub fn error_details(&mut self, error: ResourceAny) -> wasmtime::Result<api::ErrorDetails> {
        let details = self
            .bento
            .bentonow_bento_api()
            .bento_error()
            .call_details(&mut self.store, error)?;
        error.resource_drop(&mut self.store)?;
        Ok(details)
    }

    /// What the guest wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.store.data().stderr.contents()).into_owned()
    }
}
