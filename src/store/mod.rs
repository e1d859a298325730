//! State that must outlive a request and be shared between nodes: stateful security contexts,
//! cancelled tokens, the replay (nonce) cache and the newest sequence number of each MSL
//! master token.
//!
//! Responsibility: one [`TokenStore`] trait with atomic operations, and its back ends: in
//! memory ([`MemoryStore`], for tests and single-process embedding), redb (the default, in the
//! data dir) and Redis (many nodes). Every entry has an expiry; back ends drop expired entries
//! and never return them.
//!
//! May use: nothing else of this crate (it stores opaque bytes).

mod memory;
mod redb;
mod redis;

pub use self::redb::RedbStore;
pub use self::redis::RedisStore;
pub use memory::MemoryStore;

/// Which kind of entry a key names; back ends keep the kinds apart (a table or key prefix each).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Ord, PartialOrd)]
#[non_exhaustive]
pub enum Space {
    /// Seen messages (timestamps, nonces, signature values): presence only.
    Replay,
    /// Stateful security contexts by identifier: the (sealed) state as value.
    Context,
    /// Cancelled or revoked tokens by identifier: presence only.
    Revoked,
    /// MSL master tokens by serial number: the newest sequence number (8 bytes, big-endian).
    Sequence,
    /// Authentication failure counters (8 bytes, big-endian), kept by
    /// [`TokenStore::increment`] for one observation window each.
    Lockout,
    /// Sources a user has authenticated from (familiar locations): presence only.
    Familiar,
    /// Token-signing keys made by one node for all (key rollover): the sealed key of the
    /// successor of a primary key, by the primary's thumbprint.
    Keys,
}

impl Space {
    /// A short stable name (table name, key prefix).
    pub fn name(self) -> &'static str {
        match self {
            Self::Replay => "replay",
            Self::Context => "context",
            Self::Revoked => "revoked",
            Self::Sequence => "sequence",
            Self::Lockout => "lockout",
            Self::Familiar => "familiar",
            Self::Keys => "keys",
        }
    }
}

/// A store failure. Callers fail closed: a message whose replay check cannot be made is
/// refused; a token whose revocation cannot be checked is not accepted.
#[derive(Clone, Debug, thiserror::Error)]
#[error("token store: {0}")]
pub struct StoreError(pub String);

/// Shared state with atomic operations. Times are milliseconds since the Unix epoch; an entry
/// whose `expires_ms` is at or before the store's notion of now is absent.
pub trait TokenStore: Send + Sync {
    /// Inserts `key` with `value` unless a live entry exists. Returns `true` when this call
    /// inserted it. Of concurrent calls with one key (on any node), exactly one returns `true`.
    fn insert_if_absent(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<bool, StoreError>;

    /// The live value under `key`.
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Sets `key` to `value` (insert or overwrite).
    fn put(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError>;

    /// Removes `key`; absent keys are not an error.
    fn remove(&self, space: Space, key: &[u8]) -> Result<(), StoreError>;

    /// Atomically raises the number under `key` to `value` when it is absent or lower, and
    /// returns `true`; returns `false` (changing nothing) when the stored number is `>= value`.
    /// Used for MSL sequence numbers: a master token older than the newest is refused.
    fn advance(
        &self,
        space: Space,
        key: &[u8],
        value: u64,
        expires_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Atomically adds one to the number under `key` and returns the new number. An absent
    /// (or expired) entry starts at 1 and expires at `expires_ms`; a live one keeps the
    /// expiry it was created with, so a counter covers one fixed window from its first
    /// increment. Of `n` concurrent calls with one key (on any node), each sees a different
    /// number. Used for authentication failure counters (lockout).
    fn increment(&self, space: Space, key: &[u8], expires_ms: i64) -> Result<u64, StoreError>;

    /// The stored number under `key` (see [`TokenStore::advance`] and
    /// [`TokenStore::increment`]).
    fn current(&self, space: Space, key: &[u8]) -> Result<Option<u64>, StoreError> {
        Ok(self.get(space, key)?.as_deref().and_then(number))
    }
}

/// A number as [`TokenStore::advance`] stores it (8 bytes, big-endian); `None` for any other
/// value.
pub(crate) fn number(v: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(v).ok().map(u64::from_be_bytes)
}

/// The time a store expires its entries by, in milliseconds since the Unix epoch.
///
/// Every store in production reads the system clock ([`SystemClock`]). A store embedded
/// under an engine that runs at another clock (a replay of recorded exchanges at their
/// recorded time, a test at a fixed instant) must read that same clock: otherwise an entry
/// written "until the token's expiry" may already be past its expiry by the wall clock the
/// moment it is written, and a cancellation or a replay record would be forgotten at once.
/// [`MemoryStore::with_clock`] takes one; Redis expires by its server's clock and redb by the
/// system clock.
pub trait StoreClock: Send + Sync {
    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl StoreClock for SystemClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }
}

/// The clock a store uses to expire entries.
pub(crate) fn now_ms() -> i64 {
    #[allow(clippy::disallowed_methods)] // expiry is wall-clock by nature
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
pub(crate) mod conformance {
    //! The behaviour every back end must show; each back end's tests call [`run`].
    use super::{Space, TokenStore};

    /// Runs the shared conformance checks on an empty store.
    pub(crate) fn run(s: &dyn TokenStore) {
        let far = super::now_ms() + 60_000;
        let past = super::now_ms() - 1;
        // insert_if_absent is exclusive and kept per space.
        assert!(s.insert_if_absent(Space::Replay, b"k", b"", far).unwrap());
        assert!(!s.insert_if_absent(Space::Replay, b"k", b"", far).unwrap());
        assert!(s.insert_if_absent(Space::Revoked, b"k", b"", far).unwrap());
        // Expired entries are absent and may be inserted again.
        assert!(s
            .insert_if_absent(Space::Replay, b"old", b"", past)
            .unwrap());
        assert!(s.insert_if_absent(Space::Replay, b"old", b"", far).unwrap());
        // get / put / remove.
        assert_eq!(s.get(Space::Context, b"c").unwrap(), None);
        s.put(Space::Context, b"c", b"v1", far).unwrap();
        assert_eq!(
            s.get(Space::Context, b"c").unwrap().as_deref(),
            Some(&b"v1"[..])
        );
        s.put(Space::Context, b"c", b"v2", far).unwrap();
        assert_eq!(
            s.get(Space::Context, b"c").unwrap().as_deref(),
            Some(&b"v2"[..])
        );
        s.put(Space::Context, b"gone", b"v", past).unwrap();
        assert_eq!(s.get(Space::Context, b"gone").unwrap(), None);
        s.remove(Space::Context, b"c").unwrap();
        s.remove(Space::Context, b"never").unwrap();
        assert_eq!(s.get(Space::Context, b"c").unwrap(), None);
        // advance only moves forward.
        assert!(s.advance(Space::Sequence, b"serial", 1, far).unwrap());
        assert!(s.advance(Space::Sequence, b"serial", 5, far).unwrap());
        assert!(!s.advance(Space::Sequence, b"serial", 5, far).unwrap());
        assert!(!s.advance(Space::Sequence, b"serial", 3, far).unwrap());
        assert_eq!(s.current(Space::Sequence, b"serial").unwrap(), Some(5));
        assert_eq!(s.current(Space::Sequence, b"other").unwrap(), None);
        increments(s);
    }

    /// increment counts from 1, keeps its first expiry, and restarts after it.
    fn increments(s: &dyn TokenStore) {
        let far = super::now_ms() + 60_000;
        assert_eq!(s.increment(Space::Lockout, b"u", far).unwrap(), 1);
        assert_eq!(s.increment(Space::Lockout, b"u", far + 5_000).unwrap(), 2);
        assert_eq!(s.current(Space::Lockout, b"u").unwrap(), Some(2));
        // Kept per space and per key.
        assert_eq!(s.increment(Space::Familiar, b"u", far).unwrap(), 1);
        assert_eq!(s.increment(Space::Lockout, b"v", far).unwrap(), 1);
        // An increment with an expiry in the past leaves nothing live.
        let past = super::now_ms() - 1;
        assert_eq!(s.increment(Space::Lockout, b"gone", past).unwrap(), 1);
        assert_eq!(s.current(Space::Lockout, b"gone").unwrap(), None);
        // The window is the first increment's: a later, longer expiry does not extend it.
        let soon = super::now_ms() + 300;
        assert_eq!(s.increment(Space::Lockout, b"w", soon).unwrap(), 1);
        assert_eq!(s.increment(Space::Lockout, b"w", far).unwrap(), 2);
        std::thread::sleep(std::time::Duration::from_millis(450));
        assert_eq!(s.current(Space::Lockout, b"w").unwrap(), None);
        assert_eq!(s.increment(Space::Lockout, b"w", far).unwrap(), 1);
        // remove resets a counter.
        s.remove(Space::Lockout, b"u").unwrap();
        assert_eq!(s.increment(Space::Lockout, b"u", far).unwrap(), 1);
    }

    /// Many threads race to insert one key: exactly one wins.
    pub(crate) fn race(s: &(dyn TokenStore + Sync)) {
        let far = super::now_ms() + 60_000;
        let wins = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for i in 0..50u32 {
                        if s.insert_if_absent(Space::Replay, &i.to_be_bytes(), b"", far)
                            .unwrap()
                        {
                            wins.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        assert_eq!(wins.into_inner(), 50);
        // Concurrent increments of one key: every caller sees its own number.
        let seen = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..25 {
                        let n = s.increment(Space::Lockout, b"raced", far).unwrap();
                        seen.lock().unwrap().push(n);
                    }
                });
            }
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (1..=200).collect::<Vec<u64>>());
    }
}
