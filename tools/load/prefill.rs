//! `wstrust-load --prefill KIND=N`: fills the token store of a configured server before a
//! run, so that a benchmark measures the STS with that much stored state (issue 18 item 4,
//! docs/performance.md "How cost grows").
//!
//! It reads the server's configuration file and opens the store the server would open
//! (`wstrust::config::open_store`: the redb file of the data dir, or the Redis at
//! `[store] url` under its namespace), and writes through the crate's own store API
//! (`TokenStore`), with entries shaped like the engine's:
//!
//! * `replay=N`: seen-message records as `wss::inbound` makes them for a signed request
//!   (space `Replay`, key `wss-sig:` + SHA-256 of a signature value, empty value);
//! * `contexts=N`: stateful security contexts as `engine::context::create` stores them (space
//!   `Context`, key `urn:uuid:…`, value the context state sealed under the server's token
//!   keys, for the realm the demo AppliesTo names, expiring a day after its renewal window).
//!
//! Entries expire `ttl` seconds from now (replay records) or as the engine's would (contexts,
//! at least `ttl`), so the amount of state stays the same for the length of the runs. Writes
//! run on many threads at once: redb commits concurrent writes together (group commit).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use wstrust::config::StoreSetting;
use wstrust::crypto::{digest, random_bytes, random_secret, random_uuid, DigestAlgorithm};
use wstrust::engine::config::Realm;
use wstrust::engine::sealed::{self, ContextState, TokenKeys};
use wstrust::store::{Space, TokenStore};
use wstrust::wss::{Clock, SystemClock};

use crate::workloads::Credentials;

/// How long a stateful context's record outlives its renewal window (as the engine keeps it).
const STATEFUL_GRACE_MS: i64 = 86_400_000;

/// What to write.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Fill {
    /// Replay (nonce) records.
    Replay(u64),
    /// Stateful security contexts.
    Contexts(u64),
}

impl Fill {
    /// Parses `replay=N` or `contexts=N` (N may be written `1e6` or with `_`).
    pub(crate) fn parse(spec: &str) -> Result<Self, String> {
        let bad = || format!("--prefill `{spec}`: give replay=N or contexts=N");
        let (kind, n) = spec.split_once('=').ok_or_else(bad)?;
        let n = n.trim().replace('_', "");
        let n = match n.parse::<u64>() {
            Ok(v) => v,
            Err(_) => n
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0)
                .map(|v| v as u64)
                .ok_or_else(bad)?,
        };
        match kind.trim() {
            "replay" => Ok(Self::Replay(n)),
            "contexts" | "context" => Ok(Self::Contexts(n)),
            _ => Err(bad()),
        }
    }

    fn count(self) -> u64 {
        match self {
            Self::Replay(n) | Self::Contexts(n) => n,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Replay(_) => "replay records",
            Self::Contexts(_) => "stateful contexts",
        }
    }
}

/// One entry to write: space, key, value, expiry.
type Entry = (Space, Vec<u8>, Vec<u8>, i64);

/// Makes entries of one kind.
struct Maker<'a> {
    fill: Fill,
    now: i64,
    ttl_ms: i64,
    keys: &'a TokenKeys,
    realm: &'a Realm,
    principal: String,
}

impl Maker<'_> {
    fn entry(&self) -> Result<Entry, String> {
        let e = |e: wstrust::crypto::Error| e.to_string();
        match self.fill {
            Fill::Replay(_) => {
                // A signature value's digest, as `wss::inbound` keys its replay memory.
                let mut key = b"wss-sig:".to_vec();
                key.extend_from_slice(&digest(
                    DigestAlgorithm::Sha256,
                    &random_bytes(32).map_err(e)?,
                ));
                Ok((Space::Replay, key, Vec::new(), self.now + self.ttl_ms))
            }
            Fill::Contexts(_) => {
                let expires = self.now + self.realm.lifetime_secs * 1000;
                let renew_until = expires + self.realm.renewal_window_secs * 1000;
                let serial = random_bytes(8).map_err(e)?;
                let state = ContextState {
                    principal: self.principal.clone(),
                    act_as: None,
                    claims: Vec::new(),
                    key: random_secret(self.realm.key_size_bits.div_ceil(8) as usize).map_err(e)?,
                    created_ms: self.now,
                    expires_ms: expires,
                    renew_until_ms: renew_until,
                    instance: 0,
                    audience: self.realm.name.clone(),
                    serial: u64::from_be_bytes(serial.try_into().unwrap_or([0; 8])),
                    authority: None,
                };
                let blob = sealed::seal(self.keys, &state).map_err(|e| e.to_string())?;
                let id = format!("urn:uuid:{}", random_uuid().map_err(e)?);
                let until =
                    (renew_until.max(expires) + STATEFUL_GRACE_MS).max(self.now + self.ttl_ms);
                Ok((Space::Context, id.into_bytes(), blob, until))
            }
        }
    }
}

/// Fills the store of the server configured in `config` as `fill` says.
pub(crate) fn run(
    fill: &Fill,
    config: &Path,
    creds: &Credentials,
    ttl_secs: i64,
    threads: usize,
) -> Result<(), String> {
    let loaded = wstrust::config::load(config).map_err(|e| e.to_string())?;
    if loaded.store == StoreSetting::Memory {
        return Err(
            "the server's store is `memory`: nothing a prefill writes would reach it".into(),
        );
    }
    let store = wstrust::config::open_store(&loaded.store).map_err(|e| e.to_string())?;
    let realm = loaded
        .engine
        .realm_for(Some(&creds.applies_to))
        .map_err(|e| format!("no realm for {}: {e}", creds.applies_to))?;
    let maker = Maker {
        fill: *fill,
        now: SystemClock.now_ms(),
        ttl_ms: ttl_secs.max(1) * 1000,
        keys: &loaded.engine.token_keys,
        realm,
        principal: format!("CN={}", creds.username),
    };
    let total = fill.count();
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let written = AtomicU64::new(0);
    let errors: Vec<String> = std::thread::scope(|s| {
        // Collected so that every writer is started before the first is joined.
        #[allow(clippy::needless_collect)]
        let hs: Vec<_> = (0..threads.clamp(1, 1024))
            .map(|_| s.spawn(|| writer(&*store, &maker, total, &next, &written, started)))
            .collect();
        hs.into_iter()
            .filter_map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("writer panicked".into()))
                    .err()
            })
            .collect()
    });
    if let Some(e) = errors.first() {
        return Err(format!("prefill: {e}"));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "prefill     {total} {} in {secs:.1} s ({:.0}/s) into {}",
        fill.name(),
        total as f64 / secs.max(1e-9),
        label(&loaded.store)
    );
    Ok(())
}

/// One writer thread: takes entry numbers until `total` are written.
fn writer(
    store: &dyn TokenStore,
    maker: &Maker<'_>,
    total: u64,
    next: &AtomicU64,
    written: &AtomicU64,
    started: Instant,
) -> Result<(), String> {
    let step = (total / 10).max(1);
    while next.fetch_add(1, Ordering::Relaxed) < total {
        let (space, key, value, exp) = maker.entry()?;
        if !store
            .insert_if_absent(space, &key, &value, exp)
            .map_err(|e| e.to_string())?
        {
            return Err("a fresh random key was already stored".into());
        }
        let done = written.fetch_add(1, Ordering::Relaxed) + 1;
        if done % step == 0 {
            eprintln!(
                "prefill: {done} of {total} ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The store's kind and place, without a Redis password.
fn label(s: &StoreSetting) -> String {
    match s {
        StoreSetting::Redb(p) => format!("redb {}", p.display()),
        StoreSetting::Redis { namespace, .. } => format!("redis (namespace {namespace})"),
        _ => "memory".into(),
    }
}
