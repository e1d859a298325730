//! Requester authentication by WS-Security UsernameToken.
//!
//! A [`UserStore`] maps exact (case-sensitive) user names to a [`PasswordRecord`]: an Argon2
//! PHC string for `PasswordText`, or, only for users configured so, the plaintext secret that
//! `PasswordDigest` needs. Freshness of the token (nonce replay, `Created` age) is checked by
//! the `wss` layer before the engine sees it.
//!
//! Unknown users and wrong passwords give the same [`Error::AuthenticationFailed`] after the
//! same work: a `PasswordText` attempt for an unknown user (or for a user without an Argon2
//! record) is verified against a dummy Argon2 hash computed once when the store is built, and
//! a `PasswordDigest` attempt for a user without a digest secret is checked against a dummy
//! secret. The time spent therefore depends on the method used, not on whether the user exists.

use std::collections::HashMap;
use std::fmt;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHasher as _, Version};

use super::keys::Error;
use crate::crypto::{self, SecretBytes};
use crate::wss::UsernameTokenInfo;

/// Salt length for new hashes, in bytes.
const SALT_LEN: usize = 16;

/// Argon2id cost parameters for new password hashes.
///
/// The defaults follow the OWASP Password Storage Cheat Sheet's first Argon2id configuration:
/// 19 MiB of memory (`m_cost_kib = 19456`), two passes (`t_cost = 2`), one lane
/// (`p_cost = 1`). Verification always uses the parameters written in the stored PHC string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory cost in KiB (at least 8 × `p_cost`).
    pub m_cost_kib: u32,
    /// Number of passes (at least 1).
    pub t_cost: u32,
    /// Degree of parallelism (lanes, at least 1).
    pub p_cost: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            m_cost_kib: 19_456,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

impl Argon2Params {
    fn hasher(&self) -> Result<Argon2<'static>, Error> {
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, None)
            .map_err(|_| Error::PasswordHash("invalid argon2 parameters"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes `password` with Argon2id under `params` and a random salt, returning the PHC string
/// (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`) to store in [`PasswordRecord::Argon2`].
pub fn hash_password(password: &[u8], params: &Argon2Params) -> Result<String, Error> {
    let salt = crypto::random_bytes(SALT_LEN)?;
    let hash = params
        .hasher()?
        .hash_password_with_salt(password, &salt)
        .map_err(|_| Error::PasswordHash("hashing failed"))?;
    Ok(hash.to_string())
}

/// What the store keeps for one user.
#[derive(Clone)]
pub enum PasswordRecord {
    /// An Argon2 PHC string: the user authenticates with `PasswordText`.
    Argon2(String),
    /// The plaintext secret, kept only for users configured for `PasswordDigest` (the digest
    /// can only be checked against the plaintext). Such users may also use `PasswordText`.
    DigestCapable(SecretBytes),
}

impl fmt::Debug for PasswordRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Argon2(_) => f.write_str("Argon2(<redacted>)"),
            Self::DigestCapable(_) => f.write_str("DigestCapable(<redacted>)"),
        }
    }
}

/// How a requester proved its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// UsernameToken with `PasswordText`.
    PasswordText,
    /// UsernameToken with `PasswordDigest`.
    PasswordDigest,
}

/// An authenticated user: only [`UserStore::authenticate`] makes one (private fields), so the
/// engine can hold it as proof that the password was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    name: String,
    method: AuthMethod,
}

impl Principal {
    /// The user name, exactly as configured.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the requester authenticated.
    pub fn method(&self) -> AuthMethod {
        self.method
    }

    /// The user name, taken.
    pub(crate) fn into_name(self) -> String {
        self.name
    }
}

/// The configured users, ready to check UsernameTokens.
pub struct UserStore {
    users: HashMap<String, PasswordRecord>,
    /// Argon2 hash of a random password nobody knows, verified for unknown users.
    dummy_hash: String,
    /// A random secret nobody knows, checked for `PasswordDigest` by users without one.
    dummy_secret: SecretBytes,
}

impl fmt::Debug for UserStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserStore")
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

impl UserStore {
    /// Builds the store from `(user name, record)` entries.
    ///
    /// `params` are used for the dummy hash that unknown users are verified against: pass
    /// the parameters the stored hashes were made with, so both paths cost the same.
    /// Empty or duplicate user names, unparsable or non-Argon2 PHC strings, empty digest
    /// secrets and invalid `params` are refused.
    pub fn new<I>(entries: I, params: &Argon2Params) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (String, PasswordRecord)>,
    {
        let mut users = HashMap::new();
        for (name, record) in entries {
            if name.is_empty() {
                return Err(Error::UserStore("empty user name"));
            }
            match &record {
                PasswordRecord::Argon2(phc) => check_phc(phc)?,
                PasswordRecord::DigestCapable(secret) if secret.is_empty() => {
                    return Err(Error::UserStore("empty digest secret"));
                }
                PasswordRecord::DigestCapable(_) => {}
            }
            if users.insert(name, record).is_some() {
                return Err(Error::UserStore("duplicate user name"));
            }
        }
        let dummy_password = crypto::random_secret(32)?;
        let dummy_hash = hash_password(dummy_password.expose(), params)?;
        Ok(Self {
            users,
            dummy_hash,
            dummy_secret: crypto::random_secret(32)?,
        })
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when no user is configured.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Checks a UsernameToken.
    ///
    /// `PasswordText` is verified against the user's Argon2 hash (or, for a digest-capable
    /// user, compared in constant time with the stored secret); `PasswordDigest` is accepted
    /// only for [`PasswordRecord::DigestCapable`] users. Every failure is
    /// [`Error::AuthenticationFailed`].
    pub fn authenticate(&self, ut: &UsernameTokenInfo) -> Result<Principal, Error> {
        let Some(password) = ut.password.as_ref() else {
            return Err(Error::AuthenticationFailed);
        };
        let record = self.users.get(&ut.username);
        let ok = if ut.digest {
            let secret = match record {
                Some(PasswordRecord::DigestCapable(secret)) => Some(secret),
                _ => None,
            };
            // Without a secret, do the same work against one nobody knows.
            let matched = ut.digest_matches(secret.unwrap_or(&self.dummy_secret).expose());
            matched && secret.is_some()
        } else {
            match record {
                Some(PasswordRecord::Argon2(phc)) => argon2_verify(phc, password.expose()),
                Some(PasswordRecord::DigestCapable(secret)) => {
                    // Pay the hash cost too, so the record kind does not show in the timing.
                    self.dummy_verify(password.expose());
                    crypto::ct_eq(secret.expose(), password.expose())
                }
                None => {
                    self.dummy_verify(password.expose());
                    false
                }
            }
        };
        if !ok {
            return Err(Error::AuthenticationFailed);
        }
        Ok(Principal {
            name: ut.username.clone(),
            method: if ut.digest {
                AuthMethod::PasswordDigest
            } else {
                AuthMethod::PasswordText
            },
        })
    }

    /// Verifies `password` against the dummy hash (always fails) to spend the hash cost.
    fn dummy_verify(&self, password: &[u8]) {
        #[cfg(test)]
        test_hook::DUMMY_VERIFIES.with(|c| c.set(c.get() + 1));
        let _ = argon2_verify(&self.dummy_hash, password);
    }
}

fn check_phc(phc: &str) -> Result<(), Error> {
    let hash = PasswordHash::new(phc).map_err(|_| Error::UserStore("unparsable password hash"))?;
    Algorithm::try_from(hash.algorithm.as_str())
        .map_err(|_| Error::UserStore("password hash is not argon2"))?;
    Params::try_from(&hash).map_err(|_| Error::UserStore("bad argon2 parameters in hash"))?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(Error::UserStore("password hash lacks salt or output"));
    }
    Ok(())
}

/// Verifies with the parameters written in `phc`; any failure is `false`. At most one hash
/// per core runs at once ([`HashGate`]), each in memory from [`HASH_MEMORY`].
fn argon2_verify(phc: &str, password: &[u8]) -> bool {
    let _turn = HASH_GATE.enter();
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = zeroize::Zeroizing::new(vec![0u8; expected.as_bytes().len()]);
    let mut memory = hash_memory_take(blocks);
    let ok = argon2
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
        .is_ok();
    hash_memory_give(memory);
    ok && crypto::ct_eq(&out, expected.as_bytes())
}

/// Argon2 working memory (19 MiB per hash by default), kept for reuse: at most one buffer
/// per [`HashGate`] turn exists. Were each verification to allocate its own, the allocator
/// would keep a freed buffer in the arena of every thread that ever hashed (glibc raises its
/// mmap threshold after the first free), and the server's memory would grow with the number
/// of blocking threads instead of staying at one buffer per core.
static HASH_MEMORY: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

/// A buffer of at least `blocks` blocks, from [`HASH_MEMORY`] or new.
fn hash_memory_take(blocks: usize) -> Vec<Block> {
    let mut memory = HASH_MEMORY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .pop()
        .unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    memory
}

/// Wipes `memory` (it holds password-derived state) and keeps it for the next hash.
fn hash_memory_give(mut memory: Vec<Block>) {
    for block in &mut memory {
        zeroize::Zeroize::zeroize(block);
    }
    HASH_MEMORY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(memory);
}

/// Bounds the Argon2 computations running at once to the number of cores. More would not
/// finish sooner (each is CPU-bound), but each holds its memory cost (19 MiB by default)
/// while it runs (in a buffer of [`HASH_MEMORY`], so never more than one per core exists): a
/// burst of logins on every blocking thread would otherwise need that much memory each, and
/// a password flood could take all of them. Waiting here costs a caller no more than the
/// hashes ahead of it.
struct HashGate {
    running: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

static HASH_GATE: HashGate = HashGate {
    running: std::sync::Mutex::new(0),
    freed: std::sync::Condvar::new(),
};

/// A turn at hashing; ends on drop.
struct HashTurn;

impl HashGate {
    fn enter(&self) -> HashTurn {
        let max = std::thread::available_parallelism().map_or(1, usize::from);
        let mut n = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *n >= max {
            n = self
                .freed
                .wait(n)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *n += 1;
        HashTurn
    }
}

impl Drop for HashTurn {
    fn drop(&mut self) {
        let mut n = HASH_GATE
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *n = n.saturating_sub(1);
        HASH_GATE.freed.notify_one();
    }
}

#[cfg(test)]
mod test_hook {
    use std::cell::Cell;

    thread_local! {
        /// Dummy verifications made on this thread (each test runs on its own thread).
        pub(super) static DUMMY_VERIFIES: Cell<u32> = const { Cell::new(0) };
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn no_more_hashes_run_at_once_than_there_are_cores() {
        let max = std::thread::available_parallelism().map_or(1, usize::from);
        let turns: Vec<_> = (0..max).map(|_| HASH_GATE.enter()).collect();
        let entered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let e = entered.clone();
        let waiter = std::thread::spawn(move || {
            let _t = HASH_GATE.enter();
            e.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            !entered.load(std::sync::atomic::Ordering::SeqCst),
            "a hash started while every core was hashing"
        );
        drop(turns);
        waiter.join().unwrap();
        assert!(entered.load(std::sync::atomic::Ordering::SeqCst));
    }

    use std::cell::Cell;

    use base64::Engine as _;

    use super::*;
    use crate::crypto::DigestAlgorithm;

    const FAST: Argon2Params = Argon2Params {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };

    fn text(user: &str, password: &str) -> UsernameTokenInfo {
        UsernameTokenInfo {
            username: user.to_owned(),
            password: Some(SecretBytes::from_slice(password.as_bytes())),
            digest: false,
            nonce: None,
            created: None,
        }
    }

    fn digest(user: &str, password: &str) -> UsernameTokenInfo {
        let nonce = b"0123456789abcdef".to_vec();
        let created = "2024-05-01T10:00:00Z".to_owned();
        let mut input = nonce.clone();
        input.extend_from_slice(created.as_bytes());
        input.extend_from_slice(password.as_bytes());
        let d = crypto::digest(DigestAlgorithm::Sha1, &input);
        let b64 = base64::engine::general_purpose::STANDARD.encode(d);
        UsernameTokenInfo {
            username: user.to_owned(),
            password: Some(SecretBytes::from_slice(b64.as_bytes())),
            digest: true,
            nonce: Some(nonce),
            created: Some(created),
        }
    }

    fn store() -> UserStore {
        UserStore::new(
            [
                (
                    "alice".to_owned(),
                    PasswordRecord::Argon2(hash_password(b"wonderland", &FAST).unwrap()),
                ),
                (
                    "bob".to_owned(),
                    PasswordRecord::DigestCapable(SecretBytes::from_slice(b"builder")),
                ),
            ],
            &FAST,
        )
        .unwrap()
    }

    fn dummy_count() -> u32 {
        test_hook::DUMMY_VERIFIES.with(Cell::get)
    }

    #[test]
    fn defaults_are_owasp() {
        let d = Argon2Params::default();
        assert_eq!((d.m_cost_kib, d.t_cost, d.p_cost), (19_456, 2, 1));
    }

    #[test]
    fn pooled_verification_agrees_with_the_argon2_crate_and_reuses_its_memory() {
        use argon2::{CustomizedPasswordHasher as _, PasswordVerifier as _};
        let salt = b"salt-salt-salt-salt";
        for (alg, m) in [("argon2id", 256), ("argon2i", 64), ("argon2d", 512)] {
            let params = Params::new(m, 1, 1, Some(32)).unwrap();
            let phc = Argon2::default()
                .hash_password_customized(b"pw", salt, Some(alg), None, params)
                .unwrap()
                .to_string();
            for pw in [&b"pw"[..], b"pW", b""] {
                let oracle = Argon2::default().verify_password(pw, phc.as_str()).is_ok();
                assert_eq!(argon2_verify(&phc, pw), oracle, "{phc} {pw:?}");
            }
            // A cut output, another salt or garbage is a failure, not a panic.
            assert!(!argon2_verify(&phc[..phc.len() - 4], b"pw"));
            let mut parts: Vec<String> = phc.split('$').map(str::to_owned).collect();
            let salt_b64 = &mut parts[4];
            let first = if salt_b64.starts_with('A') { "B" } else { "A" };
            salt_b64.replace_range(..1, first);
            assert!(!argon2_verify(&parts.join("$"), b"pw"), "another salt");
            assert!(!argon2_verify("$argon2id$v=19$m=1,t=1,p=1$x$y", b"pw"));
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let kept = HASH_MEMORY.lock().unwrap();
        assert!(!kept.is_empty() && kept.len() <= cores, "{}", kept.len());
        let wiped = |b: &Block| b.as_ref().iter().all(|w| *w == 0);
        assert!(kept.iter().flatten().all(wiped), "wiped");
    }

    #[test]
    fn hashes_are_argon2id_with_random_salt() {
        let a = hash_password(b"pw", &FAST).unwrap();
        let b = hash_password(b"pw", &FAST).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(argon2_verify(&a, b"pw"));
        assert!(!argon2_verify(&a, b"pW"));
        let bad = Argon2Params {
            m_cost_kib: 1,
            ..FAST
        };
        assert!(matches!(
            hash_password(b"pw", &bad),
            Err(Error::PasswordHash(_))
        ));
    }

    #[test]
    fn password_text() {
        let s = store();
        assert_eq!(s.len(), 2);
        let p = s.authenticate(&text("alice", "wonderland")).unwrap();
        assert_eq!(
            p,
            Principal {
                name: "alice".into(),
                method: AuthMethod::PasswordText
            }
        );
        assert_eq!(
            s.authenticate(&text("alice", "Wonderland")),
            Err(Error::AuthenticationFailed)
        );
        // User names are exact.
        assert_eq!(
            s.authenticate(&text("Alice", "wonderland")),
            Err(Error::AuthenticationFailed)
        );
        // A digest-capable user may also send the text password.
        let p = s.authenticate(&text("bob", "builder")).unwrap();
        assert_eq!(p.method, AuthMethod::PasswordText);
        assert!(s.authenticate(&text("bob", "builde")).is_err());
        // No password at all.
        let mut none = text("alice", "");
        none.password = None;
        assert_eq!(s.authenticate(&none), Err(Error::AuthenticationFailed));
    }

    #[test]
    fn password_digest_only_for_digest_capable_users() {
        let s = store();
        let p = s.authenticate(&digest("bob", "builder")).unwrap();
        assert_eq!(
            p,
            Principal {
                name: "bob".into(),
                method: AuthMethod::PasswordDigest
            }
        );
        assert_eq!(
            s.authenticate(&digest("bob", "builder2")),
            Err(Error::AuthenticationFailed)
        );
        // Alice has only an Argon2 hash: a digest cannot be checked.
        assert_eq!(
            s.authenticate(&digest("alice", "wonderland")),
            Err(Error::AuthenticationFailed)
        );
        assert_eq!(
            s.authenticate(&digest("nobody", "x")),
            Err(Error::AuthenticationFailed)
        );
        // A digest token without nonce does not match.
        let mut d = digest("bob", "builder");
        d.nonce = None;
        assert!(s.authenticate(&d).is_err());
    }

    #[test]
    fn unknown_user_and_wrong_password_are_the_same_error() {
        let s = store();
        let unknown = s.authenticate(&text("mallory", "wonderland")).unwrap_err();
        let wrong = s.authenticate(&text("alice", "wrong")).unwrap_err();
        assert_eq!(unknown, wrong);
        assert_eq!(unknown.to_string(), wrong.to_string());
        assert_eq!(format!("{unknown:?}"), format!("{wrong:?}"));
    }

    #[test]
    fn unknown_user_pays_the_hash_cost() {
        let s = store();
        let before = dummy_count();
        assert!(s.authenticate(&text("mallory", "pw")).is_err());
        assert_eq!(dummy_count(), before + 1);
        // Known Argon2 users verify against their own hash, not the dummy.
        assert!(s.authenticate(&text("alice", "pw")).is_err());
        assert!(s.authenticate(&text("alice", "wonderland")).is_ok());
        assert_eq!(dummy_count(), before + 1);
        // The dummy hash is a real Argon2 hash with the configured parameters.
        assert!(s.dummy_hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
    }

    #[test]
    fn bad_stores_are_refused() {
        let h = hash_password(b"x", &FAST).unwrap();
        let dup = UserStore::new(
            [
                ("a".to_owned(), PasswordRecord::Argon2(h.clone())),
                ("a".to_owned(), PasswordRecord::Argon2(h.clone())),
            ],
            &FAST,
        );
        assert_eq!(dup.err(), Some(Error::UserStore("duplicate user name")));
        let empty = UserStore::new([(String::new(), PasswordRecord::Argon2(h))], &FAST);
        assert!(matches!(empty, Err(Error::UserStore(_))));
        let no_secret = UserStore::new(
            [(
                "a".to_owned(),
                PasswordRecord::DigestCapable(SecretBytes::default()),
            )],
            &FAST,
        );
        assert_eq!(
            no_secret.err(),
            Some(Error::UserStore("empty digest secret"))
        );
        for phc in [
            "not a hash",
            "$scrypt$ln=15,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=256,t=1,p=1",
        ] {
            let r = UserStore::new(
                [("a".to_owned(), PasswordRecord::Argon2(phc.to_owned()))],
                &FAST,
            );
            assert!(matches!(r, Err(Error::UserStore(_))), "{phc}");
        }
        let bad_params = Argon2Params { p_cost: 0, ..FAST };
        assert!(matches!(
            UserStore::new(Vec::new(), &bad_params),
            Err(Error::PasswordHash(_))
        ));
        let s = UserStore::new(Vec::new(), &FAST).unwrap();
        assert!(s.is_empty());
        assert!(s.authenticate(&text("a", "b")).is_err());
    }

    #[test]
    fn debug_redacts() {
        let s = store();
        let d = format!("{s:?}");
        assert!(!d.contains("argon2") && !d.contains("builder"), "{d}");
        let r = PasswordRecord::Argon2(hash_password(b"x", &FAST).unwrap());
        assert!(!format!("{r:?}").contains('$'));
    }
}
