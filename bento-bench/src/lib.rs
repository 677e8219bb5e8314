//! Shared pieces of the benchmark binaries: the realistic records every surface imports, and
//! process measurements read from `/proc` (CPU ticks, peak RSS).

use std::collections::HashMap;

use bento::{Event, ImportSubscriberData};
use serde_json::json;

/// Records per request and requests in flight, the same for every surface.
pub const CHUNK: usize = 1000;
/// Requests in flight for the bulk import.
pub const CONCURRENCY: usize = 4;

/// Subscriber `i`: email, names, 5 custom fields, 2 tags.
pub fn subscriber(i: usize) -> ImportSubscriberData {
    let mut fields = HashMap::new();
    fields.insert("plan".to_string(), json!(["free", "pro", "team"][i % 3]));
    fields.insert("company".to_string(), json!(format!("Company {}", i % 997)));
    fields.insert(
        "signup_date".to_string(),
        json!(format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28)),
    );
    fields.insert("score".to_string(), json!(i % 100));
    fields.insert("vip".to_string(), json!(i.is_multiple_of(10)));
    ImportSubscriberData {
        email: format!("user{i:07}@example.com"),
        first_name: Some(format!("First{i}")),
        last_name: Some(format!("Last{i}")),
        tags: Some("imported,newsletter".to_string()),
        remove_tags: None,
        custom_fields: fields,
    }
}

/// The one small call of benchmark 2.
pub fn small_event(i: usize) -> Event {
    Event::new("$pageView", format!("user{i:07}@example.com")).with_details(
        [("url".to_string(), json!("/pricing"))]
            .into_iter()
            .collect(),
    )
}

/// User+system CPU of this process so far (all threads, exited ones included), in ms.
pub fn cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Peak resident set size so far, in KiB.
pub fn peak_rss_kib() -> u64 {
    // SAFETY: an all-zero rusage is a valid value to be overwritten by getrusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the duration of the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    usage.ru_maxrss as u64
}

/// Current resident set size, in KiB (`VmRSS`).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// p50 and p99 of latencies in microseconds.
pub fn percentiles(mut us: Vec<f64>) -> (f64, f64) {
    if us.is_empty() {
        return (0.0, 0.0);
    }
    us.sort_by(f64::total_cmp);
    let at = |q: f64| us[((us.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}
