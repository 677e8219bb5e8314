//! The generated bindings of the world `bentonow:bento/bento` (`../wit`).
//!
//! A file of its own so that the converters can be compiled outside the component too: the
//! fuzz target `component_json_inputs` includes this file and `convert.rs` with `#[path]` and
//! runs the exact converter code natively, with coverage.

wit_bindgen::generate!({
    path: "../wit",
    world: "bento",
    // The wasi imports come from the `wasip2` crate; only our interface is generated.
    with: {
        "wasi:http/types@0.2.12": wasip2::http::types,
        "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
        "wasi:io/poll@0.2.12": wasip2::io::poll,
        "wasi:io/streams@0.2.12": wasip2::io::streams,
        "wasi:io/error@0.2.12": wasip2::io::error,
        "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
        "wasi:clocks/wall-clock@0.2.12": wasip2::clocks::wall_clock,
        "wasi:random/random@0.2.12": wasip2::random::random,
        "wasi:cli/stderr@0.2.12": wasip2::cli::stderr,
    },
});
