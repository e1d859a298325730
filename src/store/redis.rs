//! The shared store for many nodes: Redis.
//!
//! Keys are `namespace:space:key` (the raw key bytes after the prefix), so several STS
//! deployments can share one Redis and the spaces never mix. Every entry carries a Redis
//! expiry (`PX`), so Redis drops it by itself.
//!
//! [`TokenStore::insert_if_absent`] is one `SET key value NX PX ttl` (atomic on the server);
//! [`TokenStore::advance`] and [`TokenStore::increment`] are Lua scripts (scripts run
//! atomically). Connections are kept
//! in a small pool; a connection that failed is dropped, not returned. A Redis failure is a
//! [`StoreError`], which callers treat as a refusal (fail closed).

use std::sync::Mutex;
use std::time::Duration;

use super::{now_ms, Space, StoreError, TokenStore};

/// Idle connections kept, at most.
const POOL_MAX_IDLE: usize = 32;
/// Connect, read and write timeout.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Raises the stored 8-byte big-endian number under KEYS[1] to ARGV[1] (also 8 bytes) when
/// absent or lower; returns 1 when it did, 0 otherwise. Comparison is byte by byte, which is
/// numeric order for equal-length big-endian numbers.
const ADVANCE: &str = r"
local cur = redis.call('GET', KEYS[1])
if cur and #cur == 8 then
  local new = ARGV[1]
  for i = 1, 8 do
    local a, b = string.byte(cur, i), string.byte(new, i)
    if a > b then return 0 end
    if a < b then break end
    if i == 8 then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
";

/// Adds one to the 8-byte big-endian number under KEYS[1] (absent or malformed: 0) and
/// returns the new number; a live key keeps its expiry, a new one expires in ARGV[1] ms (none
/// is kept when that is not positive).
/// Lua numbers are doubles: exact far beyond any failure count.
const INCREMENT: &str = r"
local cur = redis.call('GET', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
local n = 0
if cur and #cur == 8 then
  for i = 1, 8 do n = n * 256 + string.byte(cur, i) end
else
  ttl = -1
end
n = n + 1
local m = n
local bytes = ''
for i = 1, 8 do
  bytes = string.char(m % 256) .. bytes
  m = math.floor(m / 256)
end
if ttl <= 0 then ttl = tonumber(ARGV[1]) end
if ttl > 0 then
  redis.call('SET', KEYS[1], bytes, 'PX', ttl)
else
  redis.call('DEL', KEYS[1])
end
return n
";

/// A [`TokenStore`] on a Redis server; see the module documentation.
pub struct RedisStore {
    client: redis::Client,
    namespace: String,
    pool: Mutex<Vec<redis::Connection>>,
    advance: redis::Script,
    increment: redis::Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

fn redis_err(e: redis::RedisError) -> StoreError {
    StoreError(format!("redis: {e}"))
}

impl RedisStore {
    /// Connects to `url` (`redis://[user:password@]host[:port][/db]`, or `rediss://` where
    /// the client supports it) and checks the server answers. `namespace` prefixes every key.
    pub fn open(url: &str, namespace: &str) -> Result<Self, StoreError> {
        if namespace.is_empty() || namespace.contains(':') {
            return Err(StoreError(
                "the Redis key namespace must be non-empty and contain no `:`".into(),
            ));
        }
        let client =
            redis::Client::open(url).map_err(|e| StoreError(format!("invalid Redis URL: {e}")))?;
        let store = Self {
            client,
            namespace: namespace.to_owned(),
            pool: Mutex::new(Vec::new()),
            advance: redis::Script::new(ADVANCE),
            increment: redis::Script::new(INCREMENT),
        };
        store.with(|c| redis::cmd("PING").query::<String>(c).map(|_| ()))?;
        Ok(store)
    }

    fn key(&self, space: Space, key: &[u8]) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.namespace.len() + 10 + key.len());
        k.extend_from_slice(self.namespace.as_bytes());
        k.push(b':');
        k.extend_from_slice(space.name().as_bytes());
        k.push(b':');
        k.extend_from_slice(key);
        k
    }

    fn connection(&self) -> Result<redis::Connection, StoreError> {
        if let Some(c) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(c);
        }
        let c = self
            .client
            .get_connection_with_timeout(TIMEOUT)
            .map_err(redis_err)?;
        c.set_read_timeout(Some(TIMEOUT)).map_err(redis_err)?;
        c.set_write_timeout(Some(TIMEOUT)).map_err(redis_err)?;
        Ok(c)
    }

    /// Runs `f` on a pooled connection; the connection goes back only if `f` succeeded.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut c = self.connection()?;
        let out = f(&mut c).map_err(redis_err)?;
        if let Ok(mut p) = self.pool.lock() {
            if p.len() < POOL_MAX_IDLE {
                p.push(c);
            }
        }
        Ok(out)
    }
}

impl TokenStore for RedisStore {
    fn insert_if_absent(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        let k = self.key(space, key);
        let ttl = expires_ms.saturating_sub(now_ms());
        if ttl <= 0 {
            // Nothing to keep; it "inserts" unless a live entry is there.
            return self.with(|c| redis::cmd("EXISTS").arg(&k).query::<i64>(c).map(|n| n == 0));
        }
        self.with(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query::<Option<String>>(c)
                .map(|r| r.is_some())
        })
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let k = self.key(space, key);
        self.with(|c| redis::cmd("GET").arg(&k).query::<Option<Vec<u8>>>(c))
    }

    fn put(
        &self,
        space: Space,
        key: &[u8],
        value: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        let k = self.key(space, key);
        let ttl = expires_ms.saturating_sub(now_ms());
        if ttl <= 0 {
            return self.with(|c| redis::cmd("DEL").arg(&k).query::<i64>(c).map(|_| ()));
        }
        self.with(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(value)
                .arg("PX")
                .arg(ttl)
                .query::<()>(c)
        })
    }

    fn remove(&self, space: Space, key: &[u8]) -> Result<(), StoreError> {
        let k = self.key(space, key);
        self.with(|c| redis::cmd("DEL").arg(&k).query::<i64>(c).map(|_| ()))
    }

    fn advance(
        &self,
        space: Space,
        key: &[u8],
        value: u64,
        expires_ms: i64,
    ) -> Result<bool, StoreError> {
        let k = self.key(space, key);
        let ttl = expires_ms.saturating_sub(now_ms()).max(1);
        let v = value.to_be_bytes();
        self.with(|c| {
            self.advance
                .key(&k)
                .arg(&v[..])
                .arg(ttl)
                .invoke::<i64>(c)
                .map(|n| n == 1)
        })
    }

    fn increment(&self, space: Space, key: &[u8], expires_ms: i64) -> Result<u64, StoreError> {
        let k = self.key(space, key);
        let ttl = expires_ms.saturating_sub(now_ms());
        let n = self.with(|c| self.increment.key(&k).arg(ttl).invoke::<i64>(c))?;
        u64::try_from(n).map_err(|_| StoreError("redis: negative counter".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `redis-server` on a free loopback port, stopped on drop.
    struct Server {
        child: std::process::Child,
        port: u16,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start() -> Option<Server> {
        let found = std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok();
        if !found {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is missing; scripts/test installs it"
            );
            eprintln!("skipped: redis-server not installed (scripts/test installs it)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, port };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not start on port {port}");
    }

    #[test]
    fn conformance() {
        let Some(server) = start() else { return };
        let url = format!("redis://127.0.0.1:{}/", server.port);
        let s = RedisStore::open(&url, "conf").unwrap();
        super::super::conformance::run(&s);
        super::super::conformance::race(&s);
        // Namespaces keep deployments apart.
        let other = RedisStore::open(&url, "other").unwrap();
        let far = now_ms() + 60_000;
        assert!(other
            .insert_if_absent(Space::Replay, b"k", b"", far)
            .unwrap());
        assert!(!s.insert_if_absent(Space::Replay, b"k", b"", far).unwrap());
        // Sequence numbers compare as numbers, not as text.
        assert!(s.advance(Space::Sequence, b"big", 256, far).unwrap());
        assert!(!s.advance(Space::Sequence, b"big", 255, far).unwrap());
        assert!(s.advance(Space::Sequence, b"big", 257, far).unwrap());
    }

    #[test]
    fn bad_namespace_and_unreachable_server_are_errors() {
        assert!(RedisStore::open("redis://127.0.0.1:1/", "a:b").is_err());
        let e = RedisStore::open("redis://127.0.0.1:1/", "x").unwrap_err();
        assert!(e.to_string().starts_with("token store: redis"), "{e}");
    }
}
