//! The component asks for exactly the imports the `bento` world declares.

use crate::host;

#[test]
fn imports_are_exactly_the_declared_list() {
    let expected = [
        "wasi:cli/environment@0.2.12",
        "wasi:cli/exit@0.2.12",
        "wasi:cli/stderr@0.2.12",
        "wasi:cli/stdin@0.2.12",
        "wasi:cli/stdout@0.2.12",
        "wasi:cli/terminal-input@0.2.12",
        "wasi:cli/terminal-output@0.2.12",
        "wasi:cli/terminal-stderr@0.2.12",
        "wasi:cli/terminal-stdin@0.2.12",
        "wasi:cli/terminal-stdout@0.2.12",
        "wasi:clocks/monotonic-clock@0.2.12",
        "wasi:clocks/wall-clock@0.2.12",
        "wasi:http/outgoing-handler@0.2.12",
        "wasi:http/types@0.2.12",
        "wasi:io/error@0.2.12",
        "wasi:io/poll@0.2.12",
        "wasi:io/streams@0.2.12",
        "wasi:random/insecure-seed@0.2.12",
        "wasi:random/random@0.2.12",
    ];
    assert_eq!(host().import_names(), expected);
}

#[test]
fn the_world_in_wit_declares_the_same_imports() {
    let wit = include_str!("../../../wit/bento.wit");
    let world = &wit[wit.find("world bento").expect("world bento")..];
    let mut declared: Vec<&str> = world
        .lines()
        .filter_map(|l| l.trim().strip_prefix("import "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    declared.sort_unstable();
    assert_eq!(host().import_names(), declared);
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
/// cold start. 734,271 bytes when this was written (README, "Size"); the budget leaves ~2 % so
/// an accidental bloat — a derived `Debug`, a second copy of serde_json's parser, core's float
/// formatting, http's header tables (each 10–17 KB, all removed once) — fails here instead of
/// landing unnoticed. Raise it on purpose, with the reason in the commit. Raised to 800,000
/// when the chunked runs, deadlines and the lossless report moved into the core (786,730
/// bytes: the core's driver and report bookkeeping, the delivery classification, the
/// date parser, sorted map serialization and the report's WIT converters), then to 920,000
/// when the WIT gained the seven functions it lacked against the core (three chunked
/// helpers with their reports, three paged walks) and request ids in every error
/// (897,492 bytes).
#[test]
fn the_component_stays_within_its_size_budget() {
    const BUDGET: u64 = 920_000;
    let size = std::fs::metadata(host_tests::COMPONENT_WASM)
        .expect("the component built by build.rs")
        .len();
    assert!(
        size <= BUDGET,
        "the component is {size} bytes, over its budget of {BUDGET}"
    );
}
