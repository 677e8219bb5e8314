//! End to end: the bento component in wasmtime against bento-emulator.
//!
//! One test binary: the component is compiled once ([`host`]) and every test gets a fresh
//! instance and its own emulator. A trap anywhere is a test failure (`no trap`): the component
//! must answer every input and every response with a value or a `bento-error`.

#[path = "e2e/async_host.rs"]
mod async_host;
#[path = "e2e/calls.rs"]
mod calls;
#[path = "e2e/faults.rs"]
mod faults;
#[path = "e2e/hostile.rs"]
mod hostile;
#[path = "e2e/imports.rs"]
mod imports;
#[path = "e2e/inputs.rs"]
mod inputs;
#[path = "e2e/keep_alive.rs"]
mod keep_alive;
// The core's operation registry against the WIT interface.
#[path = "e2e/parity.rs"]
mod parity;
#[path = "e2e/runs.rs"]
mod runs;
#[path = "e2e/served.rs"]
mod served;
// The shared hostile list (bento_emulator::hostile::cases) through the component.
#[path = "e2e/shared.rs"]
mod shared;
#[path = "e2e/throughput.rs"]
mod throughput;

use std::sync::OnceLock;

use bento_emulator::{Emulator, EmulatorConfig};
use host_tests::{Host, Instance, api};
use wasmtime::component::ResourceAny;

/// The component, compiled once per test binary. Cranelift without optimisations (the tests
/// measure behaviour, and a debug host compiles faster so), and wasmtime's compilation cache
/// under the target directory: a rerun with an unchanged component skips compiling.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.cranelift_opt_level(wasmtime::OptLevel::None);
        let mut cache = wasmtime::CacheConfig::new();
        cache.with_directory(concat!(env!("CARGO_TARGET_TMPDIR"), "/wasmtime-cache"));
        config.cache(Some(wasmtime::Cache::new(cache).expect("cache")));
        let engine = wasmtime::Engine::new(&config).expect("engine");
        let component =
            wasmtime::component::Component::from_file(&engine, host_tests::COMPONENT_WASM)
                .expect("component compiles");
        Host::new(engine, component).expect("component links")
    })
}

/// Calls a `client` method and fails the test on a trap; an error comes back as its details
/// (the `bento-error` read and dropped).
#[macro_export]
macro_rules! call {
    ($t:expr, $method:ident $(, $arg:expr)* $(,)?) => {{
        let client = $t.client;
        let result = $t
            .instance
            .call(|api, store| api.$method(store, client $(, $arg)*));
        match result {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err($t.instance.error_details(error).expect("error details")),
            Err(trap) => panic!(
                "{} trapped: {trap:?}\nguest stderr:\n{}",
                stringify!($method),
                $t.instance.stderr()
            ),
        }
    }};
}

/// An emulator, an instance and a client configured for it.
pub struct Setup {
    pub emu: Emulator,
    pub instance: Instance,
    pub client: ResourceAny,
}

/// Fast retries (so retry tests take milliseconds, except for a server's `Retry-After`).
pub fn fast_retries(max_retries: u32) -> api::RetrySettings {
    api::RetrySettings {
        max_retries,
        base_delay_ms: 5,
        max_delay_ms: 20,
        max_retry_after_ms: 5_000,
        retry_server_errors: true,
        retry_transport_errors: true,
    }
}

/// The client config for `emu`.
pub fn config_for(emu: &Emulator) -> api::Config {
    api::Config {
        publishable_key: emu.publishable_key().to_owned(),
        secret_key: emu.secret_key().to_owned(),
        site_uuid: emu.site_uuid().to_owned(),
        base_url: Some(emu.base_url().to_owned()),
        user_agent: None,
        timeout_ms: Some(5_000),
        connect_timeout_ms: Some(2_000),
        max_response_bytes: None,
        deadline_ms: None,
        retry: Some(fast_retries(2)),
    }
}

impl Setup {
    /// A fresh emulator and a client with [`config_for`] adjusted by `tweak`.
    pub fn with(tweak: impl FnOnce(&mut api::Config)) -> Setup {
        let emu = Emulator::start(EmulatorConfig::default()).expect("emulator starts");
        let mut config = config_for(&emu);
        tweak(&mut config);
        let mut instance = host().instantiate().expect("instantiates");
        let client = instance
            .client(&config)
            .expect("no trap")
            .expect("valid config");
        Setup {
            emu,
            instance,
            client,
        }
    }

    pub fn start() -> Setup {
        Setup::with(|_| {})
    }
}

/// A minimal event.
pub fn event(kind: &str, email: &str) -> api::Event {
    api::Event {
        event_type: kind.to_owned(),
        email: email.to_owned(),
        fields: None,
        details: None,
        date: None,
    }
}

/// A minimal import row.
pub fn import_row(email: &str) -> api::ImportSubscriber {
    api::ImportSubscriber {
        email: email.to_owned(),
        first_name: None,
        last_name: None,
        tags: None,
        remove_tags: None,
        custom_fields: None,
    }
}

/// The emulator's subscriber with `email`, from its state snapshot.
pub fn state_subscriber(emu: &Emulator, email: &str) -> Option<serde_json::Value> {
    emu.state()["subscribers"]
        .as_array()?
        .iter()
        .find(|s| s["attributes"]["email"] == email)
        .cloned()
}
