//! One surface, one workload, one process; prints one JSON line with what it measured.
//!
//! `bench-client <baseline|async|blocking> <import|small|jsonl> <base_url> [N] [path]`
//! - `import`: N subscribers (default 100,000) through the chunked import; records are built
//!   before the timed loop. The baseline POSTs the same bodies, pre-serialized, with plain
//!   reqwest, the same chunk size and concurrency.
//! - `small`: one event, N times (default 10,000) sequentially over keep-alive.
//! - `jsonl`: streams subscribers from a JSONL file through the async helper's iterator.

#![allow(clippy::disallowed_methods)] // a benchmark owns the clock

use std::io::BufRead;
use std::time::Instant;

use bento::{ChunkOptions, ConfigBuilder, ImportSubscriberData, RetryPolicy};
use bento_bench::*;
use serde_json::json;

fn config(base_url: &str) -> bento::Config {
    ConfigBuilder::new()
        .publishable_key("pk_bench")
        .secret_key("sk_bench")
        .site_uuid("bench-site")
        .base_url(base_url)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()))
}

fn fail(msg: &str) -> ! {
    eprintln!("bench-client: {msg}");
    std::process::exit(2)
}

fn report(loop_cpu_ms: f64, loop_wall_ms: f64, extra: serde_json::Value) {
    let mut out = json!({ "loop_cpu_ms": loop_cpu_ms, "loop_wall_ms": loop_wall_ms, "peak_rss_kib": peak_rss_kib() });
    if let (Some(o), serde_json::Value::Object(e)) = (out.as_object_mut(), extra) {
        o.extend(e);
    }
    println!("{out}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        fail(
            "usage: bench-client <baseline|async|blocking> <import|small|jsonl> <base_url> [N] [path]",
        );
    }
    let (surface, workload, base_url) = (args[1].as_str(), args[2].as_str(), args[3].as_str());
    let n: usize = args
        .get(4)
        .and_then(|v| v.parse().ok())
        .unwrap_or(match workload {
            "small" => 10_000,
            _ => 100_000,
        });
    // The baseline's plain reqwest client uses the same TLS stack (rustls + ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    match (surface, workload) {
        ("baseline", "import") => rt.block_on(baseline_import(base_url, n, false)),
        ("baseline-ser", "import") => rt.block_on(baseline_import(base_url, n, true)),
        ("async", "import") => rt.block_on(async_import(base_url, n)),
        ("blocking", "import") => blocking_import(base_url, n),
        ("baseline", "small") => rt.block_on(baseline_small(base_url, n)),
        ("async", "small") => rt.block_on(async_small(base_url, n)),
        ("blocking", "small") => blocking_small(base_url, n),
        ("core", "core") => core(),
        ("async", "jsonl") => rt.block_on(async_jsonl(
            base_url,
            args.get(5)
                .map(String::as_str)
                .unwrap_or_else(|| fail("jsonl needs a path")),
        )),
        _ => fail("unknown surface/workload"),
    }
}

/// The same Authorization and User-Agent the SDK sends, for the baseline's plain requests.
fn auth_headers() -> reqwest::header::HeaderMap {
    use bento::Operation;
    let request = bento::GetTags::new()
        .to_request(&config("http://127.0.0.1:1/api/v1"))
        .unwrap_or_else(|e| fail(&e.to_string()));
    let mut headers = request.headers().clone();
    headers.insert(
        "content-type",
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    headers
}

#[derive(serde::Serialize)]
struct ImportBody<'a> {
    subscribers: &'a [ImportSubscriberData],
}

/// `serialize_in_loop = false`: the physical floor, the same bodies serialized before the clock
/// starts. `true`: the same serialization (the SDK's own `Serialize` impls) inside the loop, so
/// the difference to the SDK is exactly the SDK's own work (validation, chunking, bookkeeping).
async fn baseline_import(base_url: &str, n: usize, serialize_in_loop: bool) {
    let records: Vec<ImportSubscriberData> = (0..n).map(subscriber).collect();
    let serialize = |records: &[ImportSubscriberData]| -> Vec<Vec<u8>> {
        records
            .chunks(CHUNK)
            .map(|c| serde_json::to_vec(&ImportBody { subscribers: c }).unwrap_or_default())
            .collect()
    };
    // The floor keeps only the bodies; the other variant serializes and then frees the records
    // inside the loop, as an SDK that consumes them does.
    let (pre, records) = if serialize_in_loop {
        (Vec::new(), records)
    } else {
        (serialize(&records), Vec::new())
    };
    let http = reqwest::Client::new();
    let url = format!("{base_url}/batch/subscribers?site_uuid=bench-site");
    let headers = auth_headers();
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    let bodies = if serialize_in_loop {
        serialize(&records)
    } else {
        pre
    };
    drop(records);
    let mut set = tokio::task::JoinSet::new();
    let mut accepted = 0u64;
    for body in bodies {
        while set.len() >= CONCURRENCY {
            accepted += set.join_next().await.and_then(|r| r.ok()).unwrap_or(0);
        }
        let (http, url, headers) = (http.clone(), url.clone(), headers.clone());
        set.spawn(async move {
            let answer = async {
                let resp = http
                    .post(url)
                    .headers(headers)
                    .body(body)
                    .send()
                    .await
                    .ok()?;
                let bytes = resp.bytes().await.ok()?;
                serde_json::from_slice::<serde_json::Value>(&bytes).ok()?["results"].as_u64()
            };
            answer.await.unwrap_or(0)
        });
    }
    while let Some(r) = set.join_next().await {
        accepted += r.unwrap_or(0);
    }
    report(
        cpu_ms() - cpu0,
        t0.elapsed().as_secs_f64() * 1e3,
        json!({ "accepted": accepted }),
    );
}

fn options() -> ChunkOptions {
    ChunkOptions::default()
        .chunk_size(CHUNK)
        .concurrency(CONCURRENCY)
}

async fn async_import(base_url: &str, n: usize) {
    let client = bento::Client::new(config(base_url)).unwrap_or_else(|e| fail(&e.to_string()));
    let records: Vec<ImportSubscriberData> = (0..n).map(subscriber).collect();
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    let report_ = client
        .import_subscribers_chunked(records, options())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    report(
        cpu_ms() - cpu0,
        t0.elapsed().as_secs_f64() * 1e3,
        json!({ "accepted": report_.accepted }),
    );
}

fn blocking_import(base_url: &str, n: usize) {
    let client =
        bento::blocking::Client::new(config(base_url)).unwrap_or_else(|e| fail(&e.to_string()));
    let records: Vec<ImportSubscriberData> = (0..n).map(subscriber).collect();
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    // The blocking client sends one chunk at a time; CONCURRENCY threads share the client.
    let per_thread = n.div_ceil(CONCURRENCY);
    let mut parts: Vec<Vec<ImportSubscriberData>> = Vec::new();
    let mut it = records.into_iter();
    for _ in 0..CONCURRENCY {
        parts.push(it.by_ref().take(per_thread).collect());
    }
    let accepted: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                let client = &client;
                s.spawn(move || {
                    client
                        .import_subscribers_chunked(part, options())
                        .map(|r| r.accepted)
                        .unwrap_or(0)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    report(
        cpu_ms() - cpu0,
        t0.elapsed().as_secs_f64() * 1e3,
        json!({ "accepted": accepted }),
    );
}

async fn baseline_small(base_url: &str, n: usize) {
    let http = reqwest::Client::new();
    let url = format!("{base_url}/batch/events?site_uuid=bench-site");
    let headers = auth_headers();
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| serde_json::to_vec(&json!({ "events": [small_event(i)] })).unwrap_or_default())
        .collect();
    let mut lat = Vec::with_capacity(n);
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    for body in bodies {
        let t = Instant::now();
        let ok = async {
            let resp = http
                .post(&url)
                .headers(headers.clone())
                .body(body)
                .send()
                .await
                .ok()?;
            resp.bytes().await.ok()
        }
        .await;
        if ok.is_none() {
            fail("baseline request failed");
        }
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    small_report(cpu0, t0, lat);
}

fn small_report(cpu0: f64, t0: Instant, lat: Vec<f64>) {
    let n = lat.len() as f64;
    let (p50, p99) = percentiles(lat);
    let cpu = cpu_ms() - cpu0;
    report(
        cpu,
        t0.elapsed().as_secs_f64() * 1e3,
        json!({ "p50_us": p50, "p99_us": p99, "cpu_us_per_call": cpu * 1e3 / n }),
    );
}

async fn async_small(base_url: &str, n: usize) {
    let client = bento::Client::new(config(base_url)).unwrap_or_else(|e| fail(&e.to_string()));
    let mut lat = Vec::with_capacity(n);
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    for i in 0..n {
        let t = Instant::now();
        client
            .track(small_event(i))
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    small_report(cpu0, t0, lat);
}

fn blocking_small(base_url: &str, n: usize) {
    let client =
        bento::blocking::Client::new(config(base_url)).unwrap_or_else(|e| fail(&e.to_string()));
    let mut lat = Vec::with_capacity(n);
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    for i in 0..n {
        let t = Instant::now();
        client
            .track(small_event(i))
            .unwrap_or_else(|e| fail(&e.to_string()));
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    small_report(cpu0, t0, lat);
}

async fn async_jsonl(base_url: &str, path: &str) {
    let client = bento::Client::new(config(base_url)).unwrap_or_else(|e| fail(&e.to_string()));
    let file = std::fs::File::open(path).unwrap_or_else(|e| fail(&e.to_string()));
    let rss_before = rss_kib();
    let rows = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line).ok()?;
            let mut row = ImportSubscriberData::new(v.get("email")?.as_str()?);
            for (k, val) in v {
                match k.as_str() {
                    "email" => {}
                    "first_name" => row.first_name = val.as_str().map(str::to_owned),
                    "last_name" => row.last_name = val.as_str().map(str::to_owned),
                    "tags" => row.tags = val.as_str().map(str::to_owned),
                    _ => {
                        row.custom_fields.insert(k, val);
                    }
                }
            }
            Some(row)
        });
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    let r = client
        .import_subscribers_chunked(rows, options())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    report(
        cpu_ms() - cpu0,
        t0.elapsed().as_secs_f64() * 1e3,
        json!({ "accepted": r.accepted, "rss_before_kib": rss_before }),
    );
}

/// Benchmark 4: the core alone. Median ns per operation over batches of iterations.
fn core() {
    use bento::Operation;
    use std::hint::black_box;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct PlainEvent {
        #[serde(rename = "type")]
        event_type: String,
        email: String,
        details: serde_json::Map<String, serde_json::Value>,
    }
    #[derive(serde::Serialize)]
    struct PlainBody<'a> {
        events: &'a [PlainEvent],
    }
    #[derive(serde::Deserialize)]
    struct PlainTag {
        #[allow(dead_code)]
        id: String,
        #[allow(dead_code)]
        attributes: serde_json::Map<String, serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    struct PlainList {
        #[allow(dead_code)]
        data: Vec<PlainTag>,
    }

    fn median_ns(mut f: impl FnMut()) -> f64 {
        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            for _ in 0..20 {
                f();
            }
            samples.push(t.elapsed().as_nanos() as f64 / 20.0);
        }
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    }

    let cfg = config("http://127.0.0.1:1/api/v1");
    let events: Vec<bento::Event> = (0..1000).map(small_event).collect();
    let plain: Vec<PlainEvent> = (0..1000)
        .map(|i| PlainEvent {
            event_type: "$pageView".into(),
            email: format!("user{i:07}@example.com"),
            details: [("url".to_string(), json!("/pricing"))]
                .into_iter()
                .collect(),
        })
        .collect();
    let events_build_ns = median_ns(|| {
        // Building the operation from owned events is part of the work, as in the client.
        let op = bento::TrackEvents::new(black_box(events.clone()));
        black_box(op.to_request(&cfg).ok());
    });
    let events_plain_ns = median_ns(|| {
        let owned: Vec<PlainEvent> = black_box(&plain)
            .iter()
            .map(|e| PlainEvent {
                event_type: e.event_type.clone(),
                email: e.email.clone(),
                details: e.details.clone(),
            })
            .collect();
        black_box(serde_json::to_vec(&PlainBody { events: &owned }).ok());
    });
    let list: Vec<serde_json::Value> = (0..1000)
        .map(|i| json!({"id": i.to_string(), "type": "tags", "attributes": {"name": format!("tag {i}"), "created_at": "2026-01-02T03:04:05.000Z", "discarded_at": null, "site_id": 4410}}))
        .collect();
    let body = serde_json::to_vec(&json!({ "data": list })).unwrap_or_default();
    let response = http::Response::builder()
        .status(200)
        .body(body.clone())
        .unwrap_or_default();
    let list_parse_ns = median_ns(|| {
        black_box(
            bento::GetTags::new()
                .parse_response(black_box(&response))
                .ok(),
        );
    });
    let list_plain_ns = median_ns(|| {
        black_box(serde_json::from_slice::<PlainList>(black_box(&body)).ok());
    });
    report(
        0.0,
        0.0,
        json!({
            "events_build_ns": events_build_ns,
            "events_plain_ns": events_plain_ns,
            "list_parse_ns": list_parse_ns,
            "list_plain_ns": list_plain_ns,
        }),
    );
}
