//! The component asks for exactly the imports the `bento` world declares, all of them inside
//! the `wasi:http/proxy` world; the worlds are read from the vendored WIT (`wit/`).

use std::collections::BTreeSet;

use crate::host;

/// The imports of `world` (e.g. `bentonow:bento/bento`, `wasi:http/proxy@0.2.12`) as resolved
/// from `wit/` by wit-parser: `package/interface@version` names, including the interfaces
/// the listed ones `use`.
pub fn world_imports(world: &str) -> BTreeSet<String> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../wit"))
        .expect("the vendored WIT parses");
    let world = resolve
        .select_world(&[package], Some(world))
        .expect("the world is in the WIT");
    resolve.worlds[world]
        .imports
        .keys()
        .map(|key| resolve.name_world_key(key))
        .collect()
}

/// The component's imports, from wasmtime's view of the built component.
fn component_imports() -> BTreeSet<String> {
    host().import_names().into_iter().collect()
}

/// The list, written out once: what an edge host must grant. Each one is used: HTTP out, its
/// streams and errors, clocks for timeouts, sleeps and `Retry-After`, randomness for jitter,
/// stderr for panic messages (`bento-component/src/panic_hook.rs`).
#[test]
fn imports_are_exactly_the_declared_list() {
    let expected = [
        "wasi:cli/stderr@0.2.12",
        "wasi:clocks/monotonic-clock@0.2.12",
        "wasi:clocks/wall-clock@0.2.12",
        "wasi:http/outgoing-handler@0.2.12",
        "wasi:http/types@0.2.12",
        "wasi:io/error@0.2.12",
        "wasi:io/poll@0.2.12",
        "wasi:io/streams@0.2.12",
        "wasi:random/random@0.2.12",
    ];
    assert_eq!(host().import_names(), expected);
}

#[test]
fn the_world_in_wit_declares_the_same_imports() {
    assert_eq!(component_imports(), world_imports("bentonow:bento/bento"));
}

/// What lets an app composed with the component run on `wasmtime serve`, Spin or wasmCloud.
/// (Every e2e test also links the component against the proxy world's interfaces only:
/// `Host::new`.)
#[test]
fn every_import_is_in_the_proxy_world() {
    let proxy = world_imports("wasi:http/proxy@0.2.12");
    assert!(
        proxy.contains("wasi:http/outgoing-handler@0.2.12"),
        "{proxy:?}"
    );
    let outside: Vec<String> = component_imports().difference(&proxy).cloned().collect();
    assert!(
        outside.is_empty(),
        "imports outside wasi:http/proxy: {outside:?}"
    );
}

/// On `wasm32-unknown-unknown` std's clock, sleep and thread functions are stubs that panic
/// ("time not implemented on this platform", "can't sleep"); the component must use
/// `wasi:clocks` instead. A call to one of them would link the stub and its message.
#[test]
fn no_std_platform_stub_is_linked() {
    let wasm = std::fs::read(host_tests::COMPONENT_WASM).expect("the component built by build.rs");
    for stub in [
        "time not implemented on this platform",
        "can't sleep",
        "/sys/time/unsupported.rs",
        "/sys/thread/unsupported.rs",
    ] {
        let found = wasm.windows(stub.len()).any(|w| w == stub.as_bytes());
        assert!(!found, "the component links std's stub: {stub:?}");
    }
}

#[test]
fn exports_only_the_api() {
    let ty = host().component().component_type();
    let exports: Vec<String> = ty
        .exports(host().engine())
        .map(|(name, _)| name.to_owned())
        .collect();
    assert_eq!(exports, ["bentonow:bento/api@0.1.0"]);
}

/// Size is kept as a budget: the component is what an edge host downloads and compiles on a
/// cold start. 613,807 bytes when this was written (README, "Size": `wasm32-unknown-unknown`,
/// opt-level "s", `wasm-opt -Oz`, names stripped); the budget leaves ~2 % so an accidental
/// bloat — a derived `Debug`, a second copy of serde_json's parser, core's float formatting,
/// http's header tables (each 10–17 KB, all removed once) — fails here instead of landing
/// unnoticed. Raise it on purpose, with the reason in the commit. Raised to 770,000 when the
/// one-core refactor landed (the core's driver, chunked runs with deadlines and the
/// lossless report, request ids in every error, and the seven WIT functions that were
/// missing against the core: 753,978 bytes); to 785,000 for the hostile suite's fixes
/// (per-attempt delivery history, paging that remembers every id, secrets scrubbed in their
/// percent-encoded forms, error bodies cut at the cap instead of failing: 770,477 bytes).
/// Lowered to 750,000 when http's standard-header table (a `&str` header lookup) and ten
/// copies of the stable sort (chunk reports) were removed: 734,513 bytes. Raised to 765,000
/// for the stepped runs (`import-run`/`track-run`: two resources over the core's
/// `ChunkedRun`, ~26 KB of exports) and the flat error form, less 5.7 KB won back by keeping
/// the WIT converters out of line (one copy shared by the exports that use a type): 756,666.
/// Lowered to 710,000 when responses were decoded with every struct read as an object only
/// (`bento_core`'s `objects`: no struct's positional `visit_seq`, 48.6 KB) and the component's
/// own crate was built at opt-level "z" (20.7 KB): 695,504; to 690,000 when `Retry-After`'s
/// fractional seconds were read by serde_json's number parser (core's `f64::from_str` and its
/// tables, 17.3 KB): 678,170; to 650,000 with `bento-core` at opt-level "z" (36.0 KB; the
/// email check went byte-wise first, so the import loop stays within its speed goal): 642,655;
/// to 645,000 without a second `FieldError` decoder and a second sort: 637,899; to 640,000
/// with request bodies written without `json!` values: 634,776; to 550,000 (the issue's
/// target) when every function's error became a `bento-error` resource (its `details` the
/// variant: one handle lowered per export instead of eight cases) and `wasm-opt` ran
/// flatten + rereloop between two `-Oz` passes: 548,096; 545,555 with error bodies' JSON
/// written back without `Value`'s `Display`.
#[test]
fn the_component_stays_within_its_size_budget() {
    const BUDGET: u64 = 550_000;
    let size = std::fs::metadata(host_tests::COMPONENT_WASM)
        .expect("the component built by build.rs")
        .len();
    assert!(
        size <= BUDGET,
        "the component is {size} bytes, over its budget of {BUDGET}"
    );
}
