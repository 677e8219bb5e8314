//! Embedding the bento component in a Rust host (wasmtime 48 + wasmtime-wasi-http).
//!
//! ```text
//! cargo run -p host-tests --example embed
//! ```
//!
//! With `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY` and `BENTO_SITE_UUID` set (and optionally
//! `BENTO_BASE_URL`), it talks to that API; otherwise it starts the local emulator. `host-tests`
//! (`src/lib.rs`) holds the reusable part: a store with WASI + wasi:http contexts, the linker,
//! and typed bindings generated from `wit/`. Copy it, or depend on it as shown here.

use host_tests::{Host, KeepAlive, api};
use wasmtime::format_err;

fn main() -> wasmtime::Result<()> {
    // Compile once (the slow part; cache `Host` for the life of the process), then create a
    // cheap instance per task or request. `with_keep_alive`: all instances share a pool of
    // kept-alive HTTP/HTTPS connections (wasmtime-wasi-http alone connects per request).
    let host = Host::load(host_tests::COMPONENT_WASM)?.with_keep_alive(KeepAlive::new(8));
    let mut instance = host.instantiate()?;

    // Keep the emulator (if any) alive until the end.
    let (config, _emulator) = config_from_env_or_emulator()?;
    let client = instance
        .client(&config)?
        .map_err(|e| format_err!("bad config: {e:?}"))?;

    // Outer `?`: a trap (a host problem). Inner `Result`: the API's answer or a `bento-error`
    // resource, which `answer` reads (its `details`) and drops.
    let tracked = instance.call(|api, store| {
        api.call_track(
            store,
            client,
            &api::Event {
                event_type: "$pageView".into(),
                email: "embed@example.com".into(),
                fields: Some(r#"{"source":"embed example"}"#.into()),
                details: Some(r#"{"url":"/pricing"}"#.into()),
                date: None,
            },
        )
    })?;
    println!("track: {:?}", instance.answer(tracked)?);

    let found =
        instance.call(|api, store| api.call_find_subscriber(store, client, "embed@example.com"))?;
    match instance.answer(found)? {
        Ok(Some(subscriber)) => println!("found {} ({})", subscriber.email, subscriber.uuid),
        Ok(None) => println!("not visible yet"),
        Err(api::ErrorDetails::RateLimited(e)) => println!(
            "rate limited, retry after {:?} ms (request id {:?})",
            e.retry_after_ms, e.request_id
        ),
        Err(other) => println!("error: {other:?}"),
    }

    let tags = instance.call(|api, store| api.call_get_tags(store, client))?;
    println!("tags: {:?}", instance.answer(tags)?.map(|t| t.len()));
    instance.drop_client(client)
}

fn config_from_env_or_emulator() -> wasmtime::Result<(api::Config, Option<bento_emulator::Emulator>)>
{
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let config = |pk: String, sk: String, site: String, base_url: Option<String>| api::Config {
        publishable_key: pk,
        secret_key: sk,
        site_uuid: site,
        base_url,
        user_agent: None,
        timeout_ms: Some(10_000),
        connect_timeout_ms: None,
        max_response_bytes: None,
        deadline_ms: None,
        retry: None,
    };
    if let (Some(pk), Some(sk), Some(site)) = (
        var("BENTO_PUBLISHABLE_KEY"),
        var("BENTO_SECRET_KEY"),
        var("BENTO_SITE_UUID"),
    ) {
        return Ok((config(pk, sk, site, var("BENTO_BASE_URL")), None));
    }
    let emulator = bento_emulator::Emulator::start(bento_emulator::EmulatorConfig::default())
        .map_err(|e| format_err!("emulator: {e}"))?;
    println!("using the emulator at {}", emulator.base_url());
    let config = config(
        emulator.publishable_key().into(),
        emulator.secret_key().into(),
        emulator.site_uuid().into(),
        Some(emulator.base_url().into()),
    );
    Ok((config, Some(emulator)))
}
