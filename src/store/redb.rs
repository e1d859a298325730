//! The default durable store: one redb file in the data directory.
//!
//! Every write is committed with `Durability::Immediate` (fsync before the call returns), so a
//! replay record or a cancellation that was acknowledged survives a crash or `kill -9`. redb
//! admits one writer at a time, which is what makes [`TokenStore::insert_if_absent`] and
//! [`TokenStore::advance`] atomic across the threads of one process; two processes cannot open
//! one file (use Redis for many nodes).
//!
//! Group commit: writes that arrive while a commit is under way queue up, and the thread that
//! finds the store idle applies every queued write in order in one transaction and pays one
//! fsync for all of them (then wakes their callers with their results). Under load the cost
//! of durability is shared by the whole batch instead of serializing every request behind its
//! own fsync; alone, a write costs what it did. A batch whose write fails is undone and its
//! writes are retried one transaction each, so one failure is nobody else's.
//!
//! Layout: per [`Space`] a table `name` (key → expiry (i64, big endian) || value) and an
//! index table `name.expiry` ((expiry with the sign bit flipped, big endian) || key → ()),
//! so each write transaction can drop a bounded batch of expired entries in order.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Condvar, Mutex};

use redb::{ReadableTable, TableDefinition};

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
const LOCKOUT: Table = TableDefinition::new("lockout");
const LOCKOUT_EXP: Table = TableDefinition::new("lockout.expiry");
const FAMILIAR: Table = TableDefinition::new("familiar");
const FAMILIAR_EXP: Table = TableDefinition::new("familiar.expiry");
const KEYS: Table = TableDefinition::new("keys");
const KEYS_EXP: Table = TableDefinition::new("keys.expiry");

/// redb's page cache (its default is 1 GiB): the store holds small, short-lived records, and
/// a server's memory should not grow with the file.
const CACHE_BYTES: usize = 32 << 20;

/// Expired entries dropped per write transaction, at most.
const SWEEP_BATCH: usize = 64;

fn tables(space: Space) -> (Table, Table) {
    match space {
        Space::Replay => (REPLAY, REPLAY_EXP),
        Space::Context => (CONTEXT, CONTEXT_EXP),
        Space::Revoked => (REVOKED, REVOKED_EXP),
        Space::Sequence => (SEQUENCE, SEQUENCE_EXP),
        Space::Lockout => (LOCKOUT, LOCKOUT_EXP),
        Space::Familiar => (FAMILIAR, FAMILIAR_EXP),
        Space::Keys => (KEYS, KEYS_EXP),
    }
}

const ALL: [Space; 7] = [
    Space::Replay,
    Space::Context,
    Space::Revoked,
    Space::Sequence,
    Space::Lockout,
    Space::Familiar,
    Space::Keys,
];

/// A [`TokenStore`] in a redb file; see the module documentation.
pub struct RedbStore {
    db: redb::Database,
    queue: Mutex<Queue>,
    turn: Condvar,
    /// Transactions committed (for tests and diagnostics).
    commits: std::sync::atomic::AtomicU64,
}

/// One write, owning what it writes (it may be applied by another caller's thread).
enum Op {
    InsertIfAbsent(Space, Vec<u8>, Vec<u8>, i64),
    Put(Space, Vec<u8>, Vec<u8>, i64),
    Remove(Space, Vec<u8>),
    Advance(Space, Vec<u8>, u64, i64),
    Increment(Space, Vec<u8>, i64),
}

impl Op {
    fn space(&self) -> Space {
        match self {
            Self::InsertIfAbsent(s, ..) | Self::Put(s, ..) | Self::Remove(s, ..) => *s,
            Self::Advance(s, ..) | Self::Increment(s, ..) => *s,
        }
    }

    /// Applies the write: `1` means done, `0` not done (the key was present, or not
    /// advanced); an increment gives the new number.
    fn apply(&self, w: &mut Writer<'_>) -> Result<u64, StoreError> {
        if let Self::Increment(_, key, exp) = self {
            let (n, exp) = match w.live(key)? {
                Some((e, v)) => (number(&v).unwrap_or(0).saturating_add(1), e),
                None => (1, *exp),
            };
            w.set(key, &n.to_be_bytes(), exp)?;
            return Ok(n);
        }
        self.apply_flag(w).map(u64::from)
    }

    fn apply_flag(&self, w: &mut Writer<'_>) -> Result<bool, StoreError> {
        match self {
            Self::InsertIfAbsent(_, key, value, exp) => {
                if w.live(key)?.is_some() {
                    return Ok(false);
                }
                w.set(key, value, *exp)?;
                Ok(true)
            }
            Self::Put(_, key, value, exp) => w.set(key, value, *exp).map(|()| true),
            Self::Remove(_, key) => w.remove(key).map(|()| true),
            Self::Advance(_, key, value, exp) => {
                if let Some((_, v)) = w.live(key)? {
                    if number(&v).is_some_and(|s| s >= *value) {
                        return Ok(false);
                    }
                }
                w.set(key, &value.to_be_bytes(), *exp)?;
                Ok(true)
            }
            // Applied by `apply`.
            Self::Increment(..) => Ok(false),
        }
    }
}

/// Writes waiting for a commit, and the results of committed ones not yet collected.
#[derive(Default)]
struct Queue {
    next: u64,
    waiting: Vec<(u64, Op)>,
    committing: bool,
    done: HashMap<u64, Result<u64, StoreError>>,
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
        let db = redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| {
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
        Ok(Self {
            db,
            queue: Mutex::new(Queue::default()),
            turn: Condvar::new(),
            commits: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Queues `op` and returns whether it was done once it is committed.
    fn write(&self, op: Op) -> Result<bool, StoreError> {
        self.write_number(op).map(|n| n != 0)
    }

    /// Queues `op` and returns its result once it is committed (see "Group commit").
    fn write_number(&self, op: Op) -> Result<u64, StoreError> {
        let poisoned = || StoreError("redb write queue poisoned".into());
        let mut q = self.queue.lock().map_err(|_| poisoned())?;
        let id = q.next;
        q.next = q.next.wrapping_add(1);
        q.waiting.push((id, op));
        loop {
            if let Some(r) = q.done.remove(&id) {
                return r;
            }
            if q.committing {
                q = self.turn.wait(q).map_err(|_| poisoned())?;
                continue;
            }
            // Our turn: commit everything queued (ours included) in one transaction.
            q.committing = true;
            let batch = std::mem::take(&mut q.waiting);
            drop(q);
            let results = self.commit_batch(&batch);
            q = self.queue.lock().map_err(|_| poisoned())?;
            q.committing = false;
            q.done.extend(results);
            self.turn.notify_all();
        }
    }

    /// Applies `batch` in order in one durable transaction; if a write fails, the transaction
    /// is dropped and each write is committed on its own.
    fn commit_batch(&self, batch: &[(u64, Op)]) -> Vec<(u64, Result<u64, StoreError>)> {
        match self.transaction(batch.iter().map(|(_, op)| op)) {
            Ok(out) => batch
                .iter()
                .map(|(id, _)| *id)
                .zip(out.into_iter().map(Ok))
                .collect(),
            Err(_) if batch.len() > 1 => batch
                .iter()
                .map(|(id, op)| {
                    let r = self.transaction(std::iter::once(op)).and_then(|v| {
                        v.into_iter()
                            .next()
                            .ok_or_else(|| StoreError("redb: no result".into()))
                    });
                    (*id, r)
                })
                .collect(),
            Err(e) => batch.iter().map(|(id, _)| (*id, Err(e.clone()))).collect(),
        }
    }

    /// One durable write transaction applying `ops` in order, each after sweeping a bounded
    /// batch of expired entries of its space.
    fn transaction<'o>(&self, ops: impl Iterator<Item = &'o Op>) -> Result<Vec<u64>, StoreError> {
        let tx = self.db.begin_write().map_err(|e| err("begin")(e.into()))?;
        let now = now_ms();
        let mut out = Vec::new();
        for op in ops {
            let (data, index) = tables(op.space());
            let mut w = Writer {
                data: tx
                    .open_table(data)
                    .map_err(|e| err("open table")(e.into()))?,
                index: tx
                    .open_table(index)
                    .map_err(|e| err("open table")(e.into()))?,
                now,
            };
            w.sweep()?;
            out.push(op.apply(&mut w)?);
        }
        tx.commit().map_err(|e| err("commit")(e.into()))?;
        self.commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
        self.write(Op::InsertIfAbsent(
            space,
            key.to_vec(),
            value.to_vec(),
            expires_ms,
        ))
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
        self.write(Op::Put(space, key.to_vec(), value.to_vec(), expires_ms))
            .map(|_| ())
    }

    fn remove(&self, space: Space, key: &[u8]) -> Result<(), StoreError> {
        self.write(Op::Remove(space, key.to_vec())).map(|_| ())
    }

    fn advance(
        &self,
        space: Space,
        key: &[u8],
        value: u64,
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(Op::Advance(space, key.to_vec(), value, expires_ms))
    }

    fn increment(&self, space: Space, key: &[u8], expires_ms: i64) -> Result<u64, StoreError> {
        self.write_number(Op::Increment(space, key.to_vec(), expires_ms))
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
    fn concurrent_writers_share_commits_and_keep_their_results() {
        let p = temp("group");
        let s = std::sync::Arc::new(RedbStore::open(&p).unwrap());
        let far = now_ms() + 60_000;
        // Collected first: all threads must run at once (a lazy iterator would join each
        // before spawning the next).
        #[allow(clippy::needless_collect)]
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let s = s.clone();
                std::thread::spawn(move || {
                    let mut won = 0;
                    for i in 0..40u32 {
                        // Every key is raced by two threads: exactly one insert wins.
                        let key = format!("k{}-{i}", t / 2);
                        if s.insert_if_absent(Space::Replay, key.as_bytes(), b"", far)
                            .unwrap()
                        {
                            won += 1;
                        }
                    }
                    won
                })
            })
            .collect();
        let won: u32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(won, 4 * 40, "one winner per key");
        let commits = s.commits.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            commits < 8 * 40,
            "{commits} commits for 320 writes: no write shared one"
        );
        drop(s);
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
