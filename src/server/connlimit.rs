//! Connections per client address: at most [`Limits::max_connections_per_source`] at once
//! from one address, so one source (a slow-loris client trickling headers or bodies) cannot
//! take every one of the server's [`Limits::max_connections`] slots and starve the others.
//! A connection over the limit is closed as soon as it is accepted, before anything is read,
//! and counted (`wstrust_connections_refused_total`).
//!
//! Addresses are compared canonically (an IPv4-mapped IPv6 address is its IPv4 address).
//! The table holds only addresses with an open connection, so it is never larger than the
//! number of connections being served. Behind a reverse proxy every connection comes from
//! the proxy: raise the limit to `max_connections` there.
//!
//! [`Limits::max_connections_per_source`]: super::Limits::max_connections_per_source
//! [`Limits::max_connections`]: super::Limits::max_connections

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections per address.
pub(super) struct PerSource {
    limit: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; uncounted on drop.
pub(super) struct Slot {
    table: Arc<PerSource>,
    ip: IpAddr,
}

impl PerSource {
    pub(super) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit: limit.max(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a connection from `ip`, or `None` when that address has `limit` open.
    pub(super) fn acquire(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            table: Arc::clone(self),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_gets_its_limit_and_a_closed_connection_frees_its_slot() {
        let t = PerSource::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let s1 = t.acquire(a).unwrap();
        let _s2 = t.acquire(mapped).unwrap();
        assert!(
            t.acquire(a).is_none(),
            "the mapped address is the same source"
        );
        let _s3 = t.acquire(b).unwrap();
        drop(s1);
        let _s4 = t.acquire(a).unwrap();
        assert_eq!(t.open.lock().unwrap().len(), 2);
    }
}
