//! The in-memory store: sharded maps, one lock per shard, so concurrent requests on different
//! keys do not contend.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use super::{number, Space, StoreClock, StoreError, SystemClock, TokenStore};

const SHARDS: usize = 16;

type Map = HashMap<(Space, Vec<u8>), (Vec<u8>, i64)>;

/// A process-local [`TokenStore`]. State is lost when the process ends.
pub struct MemoryStore {
    shards: Vec<Mutex<Map>>,
    hasher: std::collections::hash_map::RandomState,
    clock: Arc<dyn StoreClock>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store expiring entries by the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// An empty store expiring entries by `clock` (the clock of the engine it serves, when
    /// that is not the system clock: see [`StoreClock`]).
    pub fn with_clock(clock: Arc<dyn StoreClock>) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
            clock,
        }
    }

    fn shard(
        &self,
        space: Space,
        key: &[u8],
    ) -> Result<std::sync::MutexGuard<'_, Map>, StoreError> {
        let mut h = self.hasher.build_hasher();
        space.hash(&mut h);
        key.hash(&mut h);
        let i = (h.finish() as usize) % SHARDS;
        self.shards[i]
            .lock()
            .map_err(|_| StoreError("memory store lock poisoned".into()))
    }
}

fn live(entry: Option<&(Vec<u8>, i64)>, now: i64) -> Option<&Vec<u8>> {
    entry.filter(|(_, exp)| *exp > now).map(|(v, _)| v)
}

impl TokenStore for MemoryStore {
    fn insert_if_absent(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        let mut m = self.shard(space, key)?;
        let k = (space, key.to_vec());
        if live(m.get(&k), now).is_some() {
            return Ok(false);
        }
        if m.len() > 4096 {
            m.retain(|_, (_, exp)| *exp > now);
        }
        m.insert(k, (value.to_vec(), expires_ms));
        Ok(true)
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let m = self.shard(space, key)?;
        Ok(live(m.get(&(space, key.to_vec())), self.clock.now_ms()).cloned())
    }

    fn put(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        let mut m = self.shard(space, key)?;
        m.insert((space, key.to_vec()), (value.to_vec(), expires_ms));
        Ok(())
    }

    fn remove(&self, space: Space, key: &[u8]) -> Result<(), StoreError> {
        let mut m = self.shard(space, key)?;
        m.remove(&(space, key.to_vec()));
        Ok(())
    }

    fn advance(
        &self,
        space: Space,
        key: &[u8],
        value: u64,
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        let mut m = self.shard(space, key)?;
        let k = (space, key.to_vec());
        let current = live(m.get(&k), now).and_then(|v| number(v));
        if current.is_some_and(|c| c >= value) {
            return Ok(false);
        }
        m.insert(k, (value.to_be_bytes().to_vec(), expires_ms));
        Ok(true)
    }

    fn increment(&self, space: Space, key: &[u8], expires_ms: i64) -> Result<u64, StoreError> {
        let now = self.clock.now_ms();
        let mut m = self.shard(space, key)?;
        let k = (space, key.to_vec());
        let (n, exp) = match m.get(&k).filter(|(_, exp)| *exp > now) {
            Some((v, exp)) => (number(v).unwrap_or(0).saturating_add(1), *exp),
            None => (1, expires_ms),
        };
        if m.len() > 4096 {
            m.retain(|_, (_, e)| *e > now);
        }
        m.insert(k, (n.to_be_bytes().to_vec(), exp));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use super::super::{Space, StoreClock, TokenStore};
    use super::MemoryStore;

    #[test]
    fn conformance() {
        super::super::conformance::run(&MemoryStore::new());
    }

    #[test]
    fn race() {
        super::super::conformance::race(&MemoryStore::new());
    }

    /// A clock that says what it is told.
    struct Told(AtomicI64);

    impl StoreClock for Told {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn entries_expire_by_the_clock_the_store_is_given_not_the_wall_clock() {
        // A month before the wall clock: an entry valid for a minute from then is long past
        // by the system clock, and must still be live for this store.
        let then = super::super::now_ms() - 30 * 86_400_000;
        let clock = Arc::new(Told(AtomicI64::new(then)));
        let s = MemoryStore::with_clock(clock.clone());
        assert!(s
            .insert_if_absent(Space::Revoked, b"k", b"", then + 60_000)
            .unwrap());
        assert_eq!(
            s.get(Space::Revoked, b"k").unwrap().as_deref(),
            Some(&b""[..])
        );
        assert!(!s
            .insert_if_absent(Space::Revoked, b"k", b"", then + 60_000)
            .unwrap());
        clock.0.store(then + 60_000, Ordering::SeqCst);
        assert_eq!(
            s.get(Space::Revoked, b"k").unwrap(),
            None,
            "expired at its instant"
        );
        // And the system-clock store forgets such an entry at once.
        let wall = MemoryStore::new();
        wall.put(Space::Revoked, b"k", b"", then + 60_000).unwrap();
        assert_eq!(wall.get(Space::Revoked, b"k").unwrap(), None);
    }
}
