//! Per-source rate limiting: one token bucket per client address ([`RateLimit`]), checked
//! before a SOAP or `/keyx` request body is read. A refused request gets HTTP 429 with a
//! `Retry-After` of the whole seconds until the bucket holds a token again (a SOAP fault
//! for SOAP endpoints, a JSON refusal for `/keyx`).
//!
//! Addresses are compared canonically (an IPv4-mapped IPv6 address is its IPv4 address).
//! The table is bounded: above [`MAX_SOURCES`] addresses, the buckets that have refilled
//! completely (they would start full anyway) are dropped, and when that frees nothing the
//! new address is refused, so a flood from many addresses cannot grow the table without end.
//! Buckets are per node (each node limits what reaches it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::settings::RateLimit;

/// Most client addresses tracked at once.
pub(super) const MAX_SOURCES: usize = 65_536;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of one server.
pub(super) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub(super) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `peer` at `now`; `Err(wait)` when there is none, with the wait
    /// until there is one.
    pub(super) fn check(&self, peer: IpAddr, now: Instant) -> Result<(), Duration> {
        let rate = self.limit.requests_per_second;
        let burst = f64::from(self.limit.burst.max(1));
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let peer = peer.to_canonical();
        if !map.contains_key(&peer) && map.len() >= MAX_SOURCES {
            map.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
            if map.len() >= MAX_SOURCES {
                return Err(Duration::from_secs(1));
            }
        }
        let b = map.entry(peer).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refilled = now.saturating_duration_since(b.at).as_secs_f64() * rate;
        b.tokens = (b.tokens + refilled).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate))
        }
    }
}

/// The `Retry-After` value for a wait: whole seconds, at least 1.
pub(super) fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let l = RateLimiter::new(RateLimit::new(2.0, 3));
        let t = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(a, t).is_ok());
        }
        let wait = l.check(a, t).unwrap_err();
        assert!(wait <= Duration::from_millis(500) && wait > Duration::ZERO);
        assert_eq!(retry_after_secs(wait), 1);
        // Another source has its own bucket; the IPv4-mapped form is the same source.
        assert!(l.check(b, t).is_ok());
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert!(l.check(mapped, t).is_err());
        // Half a second refills one token at 2/s.
        assert!(l.check(a, t + Duration::from_millis(500)).is_ok());
        assert!(l.check(a, t + Duration::from_millis(500)).is_err());
        // A long pause refills up to the burst, not beyond.
        let later = t + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(l.check(a, later).is_ok());
        }
        assert!(l.check(a, later).is_err());
    }

    #[test]
    fn slow_rates_say_how_long_to_wait() {
        let l = RateLimiter::new(RateLimit::new(0.1, 1));
        let t = Instant::now();
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(l.check(a, t).is_ok());
        assert_eq!(retry_after_secs(l.check(a, t).unwrap_err()), 10);
    }
}
