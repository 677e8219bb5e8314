//! What the native transports share: the wall clock and jitter they hand to the core.
//! (The core itself reads neither.)

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// The current wall-clock time, for HTTP-date `Retry-After` values.
#[allow(clippy::disallowed_methods)] // transports own the clock
pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

/// A jitter value in `[0, 1)`. `RandomState` is seeded randomly per process; hashing a counter
/// with it gives well-spread values without a `rand` dependency.
#[allow(clippy::disallowed_methods)] // transports own randomness
pub(crate) fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A short, URL-free description of an error and its sources.
pub(crate) fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..100).map(|_| super::jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.windows(2).any(|w| w[0] != w[1]));
    }
}
