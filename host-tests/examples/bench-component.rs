//! The component in wasmtime for `scripts/bench.py` (run it in release). Prints one JSON line.
//!
//! - `bench-component import <base_url> [N]`: N subscribers through the component's chunked
//!   import, 4 instances from one compiled component on 4 threads (the component is
//!   single-threaded), each importing a quarter, chunks of 1000.
//! - `bench-component small <base_url> [N]`: one event N times on one instance.
//! - `bench-component small-async <base_url> [N]`: the same through wasmtime's async support
//!   on one current-thread tokio runtime (`host_tests::async_host`), as a server that embeds
//!   the component would call it.
//! - `bench-component costs <base_url> [N]`: size, compile, deserialize, instantiate, memory
//!   per instance, N instances.
//!
//! `BENCH_COMPONENT_WASM=path` runs another build of the component (an A/B of two builds, in
//! alternating runs) instead of the one `host-tests` built.

#![allow(clippy::disallowed_methods)] // a benchmark owns the clock

use std::time::Instant;

use bento_bench::{CHUNK, CONCURRENCY, cpu_ms, peak_rss_kib, percentiles, rss_kib};
use host_tests::{COMPONENT_WASM, Host, KeepAlive, api};
use serde_json::json;
use wasmtime::component::Component;

fn config(base_url: &str) -> api::Config {
    api::Config {
        publishable_key: "pk_bench".into(),
        secret_key: "sk_bench".into(),
        site_uuid: "bench-site".into(),
        base_url: Some(base_url.into()),
        user_agent: None,
        timeout_ms: None,
        connect_timeout_ms: None,
        max_response_bytes: None,
        deadline_ms: None,
        retry: Some(api::RetrySettings {
            max_retries: 0,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            max_retry_after_ms: 60_000,
            retry_server_errors: true,
            retry_transport_errors: true,
        }),
    }
}

fn subscriber(i: usize) -> api::ImportSubscriber {
    let plan = ["free", "pro", "team"][i % 3];
    let fields = json!({
        "plan": plan,
        "company": format!("Company {}", i % 997),
        "signup_date": format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
        "score": i % 100,
        "vip": i.is_multiple_of(10),
    });
    api::ImportSubscriber {
        email: format!("user{i:07}@example.com"),
        first_name: Some(format!("First{i}")),
        last_name: Some(format!("Last{i}")),
        tags: Some("imported,newsletter".into()),
        remove_tags: None,
        custom_fields: Some(fields.to_string()),
    }
}

fn wasm() -> String {
    std::env::var("BENCH_COMPONENT_WASM").unwrap_or_else(|_| COMPONENT_WASM.to_owned())
}

fn main() -> wasmtime::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, url) = match (args.get(1), args.get(2)) {
        (Some(m), Some(u)) => (m.as_str(), u.as_str()),
        _ => wasmtime::bail!(
            "usage: bench-component <import|small|small-async|costs> <base_url> [N]"
        ),
    };
    let n: Option<usize> = args.get(3).and_then(|v| v.parse().ok());
    match mode {
        "import" => import(url, n.unwrap_or(100_000)),
        "small" => small(url, n.unwrap_or(10_000)),
        "small-async" => small_async(url, n.unwrap_or(10_000)),
        "costs" => costs(n.unwrap_or(1_000)),
        _ => wasmtime::bail!("unknown mode {mode}"),
    }
}

fn import(url: &str, n: usize) -> wasmtime::Result<()> {
    // Keep-alive like the native clients (wasmtime-wasi-http's default connects per request).
    let host = Host::load(wasm())?.with_keep_alive(KeepAlive::new(CONCURRENCY));
    let per = n.div_ceil(CONCURRENCY);
    let mut parts: Vec<Vec<api::ImportSubscriber>> = Vec::new();
    let mut rows = (0..n).map(subscriber);
    for _ in 0..CONCURRENCY {
        parts.push(rows.by_ref().take(per).collect());
    }
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let mut instance = host.instantiate()?;
        let client = instance
            .client(&config(url))?
            .map_err(|e| wasmtime::format_err!("{e:?}"))?;
        workers.push((instance, client));
    }
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    let accepted: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .into_iter()
            .zip(parts)
            .map(|((mut instance, client), part)| {
                s.spawn(move || {
                    let options = api::ChunkOptions {
                        chunk_size: Some(CHUNK as u32),
                        max_rate_limited_chunks: None,
                        deadline_ms: None,
                    };
                    instance
                        .call(|api, store| {
                            api.call_import_subscribers_chunked(store, client, &part, options)
                        })
                        .ok()
                        .and_then(Result::ok)
                        .map_or(0, |r| {
                            for c in &r.failed_chunks {
                                eprintln!("failed chunk {}: {:?}", c.index, c.error);
                            }
                            r.accepted
                        })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let out = json!({ "loop_cpu_ms": cpu_ms() - cpu0, "loop_wall_ms": t0.elapsed().as_secs_f64() * 1e3,
                      "peak_rss_kib": peak_rss_kib(), "accepted": accepted });
    // A run that lost records measured something else: no number for it.
    if accepted != n as u64 {
        wasmtime::bail!("the sink accepted {accepted} of {n} records");
    }
    println!("{out}");
    Ok(())
}

fn small(url: &str, n: usize) -> wasmtime::Result<()> {
    let host = Host::load(wasm())?.with_keep_alive(KeepAlive::new(1));
    let mut instance = host.instantiate()?;
    let client = instance
        .client(&config(url))?
        .map_err(|e| wasmtime::format_err!("{e:?}"))?;
    let details = json!({ "url": "/pricing" }).to_string();
    let mut lat = Vec::with_capacity(n);
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    for i in 0..n {
        let event = api::Event {
            event_type: "$pageView".into(),
            email: format!("user{i:07}@example.com"),
            fields: None,
            details: Some(details.clone()),
            date: None,
        };
        let t = Instant::now();
        instance
            .call(|api, store| api.call_track(store, client, &event))?
            .map_err(|e| wasmtime::format_err!("{e:?}"))?;
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    print_small(lat, cpu0, t0);
    Ok(())
}

/// The small-call result line: loop CPU and wall time, latencies, CPU per call.
fn print_small(lat: Vec<f64>, cpu0: f64, t0: Instant) {
    let (n, cpu) = (lat.len(), cpu_ms() - cpu0);
    let (p50, p99) = percentiles(lat);
    let out = json!({ "loop_cpu_ms": cpu, "loop_wall_ms": t0.elapsed().as_secs_f64() * 1e3, "peak_rss_kib": peak_rss_kib(),
                      "p50_us": p50, "p99_us": p99, "cpu_us_per_call": cpu * 1e3 / n as f64 });
    println!("{out}");
}

fn small_async(url: &str, n: usize) -> wasmtime::Result<()> {
    use host_tests::async_host::{AsyncHost, api as async_api};
    let engine = wasmtime::Engine::default();
    let component = Component::from_file(&engine, wasm())?;
    let host = AsyncHost::new(engine, &component)?.with_keep_alive(KeepAlive::new(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut instance = host.instantiate().await?;
        let api::Config {
            publishable_key,
            secret_key,
            site_uuid,
            base_url,
            ..
        } = config(url);
        let config = async_api::Config {
            publishable_key,
            secret_key,
            site_uuid,
            base_url,
            user_agent: None,
            timeout_ms: None,
            connect_timeout_ms: None,
            max_response_bytes: None,
            deadline_ms: None,
            retry: Some(async_api::RetrySettings {
                max_retries: 0,
                base_delay_ms: 500,
                max_delay_ms: 30_000,
                max_retry_after_ms: 60_000,
                retry_server_errors: true,
                retry_transport_errors: true,
            }),
        };
        let client = instance
            .client(&config)
            .await?
            .map_err(|e| wasmtime::format_err!("{e:?}"))?;
        let details = json!({ "url": "/pricing" }).to_string();
        let mut lat = Vec::with_capacity(n);
        let (cpu0, t0) = (cpu_ms(), Instant::now());
        for i in 0..n {
            let event = async_api::Event {
                event_type: "$pageView".into(),
                email: format!("user{i:07}@example.com"),
                fields: None,
                details: Some(details.clone()),
                date: None,
            };
            let t = Instant::now();
            instance
                .track(client, &event)
                .await?
                .map_err(|e| wasmtime::format_err!("{e:?}"))?;
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        print_small(lat, cpu0, t0);
        Ok(())
    })
}

fn costs(instances: usize) -> wasmtime::Result<()> {
    let size_bytes = std::fs::metadata(wasm())?.len();
    let engine = wasmtime::Engine::default();
    let t = Instant::now();
    let component = Component::from_file(&engine, wasm())?;
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let bytes = component.serialize()?;
    let t = Instant::now();
    // SAFETY: `bytes` was produced just above by `Component::serialize` with this same engine.
    let component = unsafe { Component::deserialize(&engine, &bytes)? };
    let deserialize_ms = t.elapsed().as_secs_f64() * 1e3;
    let host = Host::new(engine, component)?;
    drop(host.instantiate()?); // warm the allocator
    let rss0 = rss_kib();
    let t = Instant::now();
    let mut alive = Vec::with_capacity(instances);
    for _ in 0..instances {
        alive.push(host.instantiate()?);
    }
    let thousand_ms = t.elapsed().as_secs_f64() * 1e3;
    let kib_per_instance = rss_kib().saturating_sub(rss0) as f64 / instances as f64;
    let out = json!({ "size_bytes": size_bytes, "compile_ms": compile_ms, "deserialize_ms": deserialize_ms,
                      "instantiate_us": thousand_ms * 1e3 / instances as f64, "kib_per_instance": kib_per_instance,
                      "thousand_instances_ms": thousand_ms * 1000.0 / instances as f64,
                      "loop_cpu_ms": 0.0, "loop_wall_ms": 0.0, "peak_rss_kib": peak_rss_kib() });
    println!("{out}");
    Ok(())
}
