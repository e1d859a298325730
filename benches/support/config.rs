//! Criterion settings shared by the benches, from the environment so `scripts/bench` can
//! keep runs short: `WSTRUST_BENCH_SECS` (measurement time per bench, default 3),
//! `WSTRUST_BENCH_WARMUP` (default 1) and `WSTRUST_BENCH_SAMPLES` (default 20, at least 10).

use std::time::Duration;

use criterion::Criterion;

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
        .unwrap_or(default)
}

/// The configured criterion.
pub(crate) fn config() -> Criterion {
    let samples = env_f64("WSTRUST_BENCH_SAMPLES", 20.0).max(10.0) as usize;
    Criterion::default()
        .measurement_time(Duration::from_secs_f64(env_f64("WSTRUST_BENCH_SECS", 3.0)))
        .warm_up_time(Duration::from_secs_f64(env_f64(
            "WSTRUST_BENCH_WARMUP",
            1.0,
        )))
        .sample_size(samples)
}
