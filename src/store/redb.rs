//! The default durable store: one redb file in the data directory.
//!
//! Every write is one redb write transaction committed with `Durability::Immediate` (fsync
//! before `commit` returns), so a replay record or a cancellation that was acknowledged
//! survives a crash or `kill -9`. redb admits one writer at a time, which is what makes
//! [`TokenStore::insert_if_absent`] and [`TokenStore::advance`] atomic across the threads of
//! one process; two processes cannot open one file (use Redis for many nodes).
//!
//! Layout: per [`Space`] a table `name` (key → expiry (i64, big endian) || value) and an
//! index table `name.expiry` ((expiry with the sign bit flipped, big endian) || key → ()),
//! so each write transaction can drop a bounded batch of expired entries in order.

use std::path::Path;

use redb::{Database, ReadableTable, TableDefinition};

use super::{now_ms, number, Space, StoreError, TokenStore};

type Table = TableDefinition<'static, &'static [u8], &'static [u8]>;

const REPLAY: Table = TableDefinition::new("replay");
const REPLAY_EXP: Table = TableDefinition::new("replay.expiry");
const CONTEXT: Table = TableDefinition::new("context");
const CONTEXT_EXP: Table = TableDefinition::new("context.expiry");
const REVOKED: Table = TableDefinition::new("revoked");
const REVOKED_EXP: Table = TableDefinition::new("revoked.expiry");
const SEQUENCE: Table = TableDefinition::new("sequence");
const SEQUENCE_EXP: Table = TableDefinition::new("sequence.expiry");

/// Expired entries dropped per write transaction, at most.
const SWEEP_BATCH: usize = 64;

fn tables(space: Space) -> (Table, Table) {
    match space {
        Space::Replay => (REPLAY, REPLAY_EXP),
        Space::Context => (CONTEXT, CONTEXT_EXP),
        Space::Revoked => (REVOKED, REVOKED_EXP),
        Space::Sequence => (SEQUENCE, SEQUENCE_EXP),
    }
}

const ALL: [Space; 4] = [
    Space::Replay,
    Space::Context,
    Space::Revoked,
    Space::Sequence,
];

/// A [`TokenStore`] in a redb file; see the module documentation.
pub struct RedbStore {
    db: Database,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

fn err(what: &'static str) -> impl Fn(redb::Error) -> StoreError {
    move |e| StoreError(format!("redb {what}: {e}"))
}

fn order_key(expires_ms: i64) -> [u8; 8] {
    // Flipping the sign bit makes the big-endian bytes sort like the signed numbers.
    ((expires_ms as u64) ^ (1 << 63)).to_be_bytes()
}

fn index_key(expires_ms: i64, key: &[u8]) -> Vec<u8> {
    let mut k = order_key(expires_ms).to_vec();
    k.extend_from_slice(key);
    k
}

fn encode(value: &[u8], expires_ms: i64) -> Vec<u8> {
    let mut v = expires_ms.to_be_bytes().to_vec();
    v.extend_from_slice(value);
    v
}

/// Splits a stored record into its expiry and value.
fn decode(record: &[u8]) -> Result<(i64, &[u8]), StoreError> {
    let (exp, value) = record
        .split_first_chunk::<8>()
        .ok_or_else(|| StoreError("redb record shorter than its expiry".into()))?;
    Ok((i64::from_be_bytes(*exp), value))
}

/// One open write transaction on one space.
struct Writer<'t> {
    data: redb::Table<'t, &'static [u8], &'static [u8]>,
    index: redb::Table<'t, &'static [u8], &'static [u8]>,
    now: i64,
}

impl Writer<'_> {
    /// The live record under `key` as (expiry, value).
    fn live(&self, key: &[u8]) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let Some(g) = self.data.get(key).map_err(|e| err("get")(e.into()))? else {
            return Ok(None);
        };
        let (exp, v) = decode(g.value())?;
        Ok((exp > self.now).then(|| (exp, v.to_vec())))
    }

    fn set(&mut self, key: &[u8], value: &[u8], expires_ms: i64) -> Result<(), StoreError> {
        self.remove(key)?;
        if expires_ms <= self.now {
            return Ok(());
        }
        self.data
            .insert(key, encode(value, expires_ms).as_slice())
            .map_err(|e| err("insert")(e.into()))?;
        self.index
            .insert(index_key(expires_ms, key).as_slice(), &[][..])
            .map_err(|e| err("insert")(e.into()))?;
        Ok(())
    }

    fn remove(&mut self, key: &[u8]) -> Result<(), StoreError> {
        let old = self
            .data
            .remove(key)
            .map_err(|e| err("remove")(e.into()))?
            .map(|g| decode(g.value()).map(|(exp, _)| exp))
            .transpose()?;
        if let Some(exp) = old {
            self.index
                .remove(index_key(exp, key).as_slice())
                .map_err(|e| err("remove")(e.into()))?;
        }
        Ok(())
    }

    /// Drops up to [`SWEEP_BATCH`] expired entries, oldest first.
    fn sweep(&mut self) -> Result<(), StoreError> {
        let end = order_key(self.now.saturating_add(1));
        let expired: Vec<Vec<u8>> = self
            .index
            .range::<&[u8]>(..&end[..])
            .map_err(|e| err("range")(e.into()))?
            .take(SWEEP_BATCH)
            .map(|r| r.map(|(k, _)| k.value().to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| err("range")(e.into()))?;
        for ik in expired {
            self.index
                .remove(ik.as_slice())
                .map_err(|e| err("remove")(e.into()))?;
            if let Some(key) = ik.get(8..) {
                self.data.remove(key).map_err(|e| err("remove")(e.into()))?;
            }
        }
        Ok(())
    }
}

impl RedbStore {
    /// Opens (or creates) the store file at `path`. The file is locked: a second process
    /// opening it fails with an error saying so.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|e| {
            StoreError(format!(
                "cannot open the redb store `{}`: {e} (is another wstrust process using it? \
                 each node needs its own file, or a shared Redis store)",
                path.display()
            ))
        })?;
        let tx = db.begin_write().map_err(|e| err("begin")(e.into()))?;
        for space in ALL {
            let (data, index) = tables(space);
            tx.open_table(data)
                .map_err(|e| err("create table")(e.into()))?;
            tx.open_table(index)
                .map_err(|e| err("create table")(e.into()))?;
        }
        tx.commit().map_err(|e| err("commit")(e.into()))?;
        Ok(Self { db })
    }

    /// Runs `f` in one durable write transaction on `space`, sweeping expired entries first.
    fn write<T>(
        &self,
        space: Space,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (data, index) = tables(space);
        let tx = self.db.begin_write().map_err(|e| err("begin")(e.into()))?;
        let out = {
            let mut w = Writer {
                data: tx
                    .open_table(data)
                    .map_err(|e| err("open table")(e.into()))?,
                index: tx
                    .open_table(index)
                    .map_err(|e| err("open table")(e.into()))?,
                now: now_ms(),
            };
            w.sweep()?;
            f(&mut w)?
        };
        tx.commit().map_err(|e| err("commit")(e.into()))?;
        Ok(out)
    }
}

impl TokenStore for RedbStore {
    fn insert_if_absent(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(space, |w| {
            if w.live(key)?.is_some() {
                return Ok(false);
            }
            w.set(key, value, expires_ms)?;
            Ok(true)
        })
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let (data, _) = tables(space);
        let tx = self.db.begin_read().map_err(|e| err("begin")(e.into()))?;
        let t = tx
            .open_table(data)
            .map_err(|e| err("open table")(e.into()))?;
        let Some(g) = t.get(key).map_err(|e| err("get")(e.into()))? else {
            return Ok(None);
        };
        let (exp, v) = decode(g.value())?;
        Ok((exp > now_ms()).then(|| v.to_vec()))
    }

    fn put(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(space, |w| w.set(key, value, expires_ms))
    }

    fn remove(&self, space: Space, key: &[u8]) -> Result<(), StoreError> {
        self.write(space, |w| w.remove(key))
    }

    fn advance(
        &self,
        space: Space,
        key: &[u8],
        value: u64,
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(space, |w| {
            if let Some((_, v)) = w.live(key)? {
                if number(&v).is_some_and(|s| s >= value) {
                    return Ok(false);
                }
            }
            w.set(key, &value.to_be_bytes(), expires_ms)?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableTableMetadata as _;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "wstrust-redb-{name}-{}-{}",
            std::process::id(),
            now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("store.redb")
    }

    #[test]
    fn conformance() {
        let p = temp("conf");
        let s = RedbStore::open(&p).unwrap();
        super::super::conformance::run(&s);
        super::super::conformance::race(&s);
        drop(s);
        std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
    }

    #[test]
    fn entries_survive_reopening_and_expired_ones_are_swept() {
        let p = temp("reopen");
        let far = now_ms() + 60_000;
        {
            let s = RedbStore::open(&p).unwrap();
            assert!(s.insert_if_absent(Space::Replay, b"n", b"", far).unwrap());
            assert!(s.advance(Space::Sequence, b"m", 7, far).unwrap());
            // Expired entries go into the index and are swept by the next write.
            s.put(Space::Revoked, b"old", b"", now_ms() + 1).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        let s = RedbStore::open(&p).unwrap();
        assert!(!s.insert_if_absent(Space::Replay, b"n", b"", far).unwrap());
        assert_eq!(s.current(Space::Sequence, b"m").unwrap(), Some(7));
        s.put(Space::Revoked, b"new", b"", far).unwrap();
        let tx = s.db.begin_read().unwrap();
        let t = tx.open_table(REVOKED).unwrap();
        assert!(t.get(&b"old"[..]).unwrap().is_none(), "swept");
        assert!(t.get(&b"new"[..]).unwrap().is_some());
        let i = tx.open_table(REVOKED_EXP).unwrap();
        assert_eq!(i.len().unwrap(), 1);
        drop((t, i, tx, s));
        std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_second_process_cannot_open_the_same_file() {
        let p = temp("lock");
        let _s = RedbStore::open(&p).unwrap();
        let e = RedbStore::open(&p).unwrap_err();
        assert!(e.to_string().contains("another wstrust process"), "{e}");
    }

    #[test]
    fn order_key_sorts_like_numbers() {
        let mut v = [-5_i64, 0, 3, i64::MIN, i64::MAX, -1];
        let mut by_key = v;
        by_key.sort_by_key(|x| order_key(*x));
        v.sort();
        assert_eq!(v, by_key);
    }
}
