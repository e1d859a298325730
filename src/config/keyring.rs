//! Token-signing keys over time (issue 19 item 1): the configured key pair (`[signing]`)
//! and the keys in the rollover directory (`[key_rollover] directory`), with AD FS's
//! automatic certificate rollover.
//!
//! # States
//!
//! Every key has a *promotion time*: the configured key is promotable from the start; a key
//! made by rollover, by `wstrust keys rotate` or `wstrust keys import` is promotable
//! `promote_after_days` after it was made (AD FS: 5 days), or at once when made urgent. At
//! a time `now`, among the keys whose certificate is valid:
//!
//! * the **primary** signs: the promotable key promoted last (the latest promotion time);
//!   when none is promotable yet, the valid key with the earliest promotion time (an
//!   expired primary is never used);
//! * **secondary** keys are newer ones not yet promoted: published at once in federation
//!   metadata so relying parties pick them up before they sign;
//! * **previous** keys (older than the primary, still valid) stay published and accepted:
//!   the STS still validates and decrypts with them until their certificates expire.
//!
//! The state is a function of the key files and the clock only, so nodes with the same
//! directory agree on the primary.
//!
//! # Automatic rollover
//!
//! When the primary expires within `generate_before_days` (AD FS: 20) and no key outlives
//! it, a successor is made: a new RSA-2048 key with a self-signed certificate valid
//! `validity_days`, promotable `promote_after_days` later. Nodes sharing a token store agree
//! on one successor: the first node to make it stores it (sealed under the shared token
//! keys, AES-256-GCM) with insert-if-absent under the primary's thumbprint; every node,
//! including the ones that lost the race, writes the stored one into its directory.
//!
//! # Directory layout
//!
//! `<thumbprint>.pem` (certificate), `<thumbprint>.key` (PKCS#8, mode 0600) and
//! `<thumbprint>.toml` (`promote_at`, Unix seconds), where `<thumbprint>` is the lowercase
//! hex SHA-1 of the certificate (as AD FS names certificates).

use std::path::{Path, PathBuf};

use crate::crypto::{self, RsaPrivateKey, SecretBytes};
use crate::engine::sealed::{self, TokenKeys};
use crate::pki::Certificate;
use crate::store::{Space, TokenStore};

use super::error::ConfigError;

const DAY: i64 = 86_400;

/// `YYYY-MM-DDThh:mm:ssZ` of Unix seconds `t` (for comments and logs).
fn utc(t: i64) -> String {
    let (y, m, d) = super::devpki::civil(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// When rollover makes and promotes keys (`[key_rollover]`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct RolloverPolicy {
    /// Make a successor when the primary expires within this many seconds.
    pub generate_before_secs: i64,
    /// A new key becomes promotable this many seconds after it is made.
    pub promote_after_secs: i64,
    /// Validity of a generated certificate, seconds.
    pub validity_secs: i64,
}

impl Default for RolloverPolicy {
    /// AD FS's defaults: 20 days, 5 days, one year.
    fn default() -> Self {
        Self {
            generate_before_secs: 20 * DAY,
            promote_after_secs: 5 * DAY,
            validity_secs: 365 * DAY,
        }
    }
}

/// What a key is at a given time.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum KeyState {
    /// Signs tokens, responses and metadata.
    Primary,
    /// Newer, not promoted yet: published, accepted.
    Secondary,
    /// Older than the primary, still valid: published, accepted.
    Previous,
    /// Its certificate is not valid yet.
    NotYetValid,
    /// Its certificate has expired: never used.
    Expired,
}

impl KeyState {
    /// Lowercase name (`keys list`, logs).
    pub fn name(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
            Self::Previous => "previous",
            Self::NotYetValid => "not-yet-valid",
            Self::Expired => "expired",
        }
    }
}

/// One token-signing key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RingKey {
    /// Lowercase hex SHA-1 thumbprint of the certificate.
    pub id: String,
    /// The certificate.
    pub cert: Certificate,
    /// The private key.
    pub key: RsaPrivateKey,
    /// When it may become primary, Unix seconds.
    pub promote_at: i64,
    /// The `[signing]` key of the configuration file.
    pub configured: bool,
}

impl RingKey {
    fn valid_at(&self, now: i64) -> bool {
        self.cert.not_before() <= now && now < self.cert.not_after()
    }
}

/// The token-signing keys.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<RingKey>,
}

fn thumbprint(cert: &Certificate) -> String {
    crypto::hex(cert.thumbprint_sha1())
}

fn invalid(path: &Path, problem: String) -> ConfigError {
    ConfigError::invalid(
        path,
        "key_rollover.directory",
        problem,
        "remove the broken key files, or restore them from a backup (`wstrust keys list` shows the ring)",
    )
}

impl KeyRing {
    /// The configured key alone (no rollover directory).
    pub fn single(cert: Certificate, key: RsaPrivateKey) -> Self {
        Self {
            keys: vec![RingKey {
                id: thumbprint(&cert),
                cert,
                key,
                promote_at: i64::MIN,
                configured: true,
            }],
        }
    }

    /// The configured key and every key in `dir` (a missing directory holds none).
    pub fn load(cert: Certificate, key: RsaPrivateKey, dir: &Path) -> Result<Self, ConfigError> {
        let mut ring = Self::single(cert, key);
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ring),
            Err(e) => return Err(ConfigError::io(dir, "check the rollover directory")(e)),
        };
        let mut ids: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".pem").map(str::to_owned)
            })
            .collect();
        ids.sort();
        for id in ids {
            let k = read_key(dir, &id)?;
            if !ring.keys.iter().any(|o| o.id == k.id) {
                ring.keys.push(k);
            }
        }
        Ok(ring)
    }

    /// Every key, configured first, then by file name.
    pub fn keys(&self) -> &[RingKey] {
        &self.keys
    }

    /// The primary at `now` (Unix seconds), if any key is valid (see the module
    /// documentation).
    pub fn primary(&self, now: i64) -> Option<&RingKey> {
        let valid = || self.keys.iter().filter(move |k| k.valid_at(now));
        valid()
            .filter(|k| k.promote_at <= now)
            .max_by_key(|k| (k.promote_at, k.cert.not_before(), k.id.clone()))
            .or_else(|| valid().min_by_key(|k| (k.promote_at, k.id.clone())))
    }

    /// The state of each key at `now`.
    pub fn states(&self, now: i64) -> Vec<(&RingKey, KeyState)> {
        let primary = self.primary(now).map(|p| (p.id.clone(), p.promote_at));
        self.keys
            .iter()
            .map(|k| {
                let state = if now < k.cert.not_before() {
                    KeyState::NotYetValid
                } else if now >= k.cert.not_after() {
                    KeyState::Expired
                } else {
                    match &primary {
                        Some((id, _)) if *id == k.id => KeyState::Primary,
                        Some((_, at)) if k.promote_at > *at => KeyState::Secondary,
                        _ => KeyState::Previous,
                    }
                };
                (k, state)
            })
            .collect()
    }

    /// The valid keys other than the primary (published and accepted), at `now`.
    pub fn others(&self, now: i64) -> Vec<&RingKey> {
        self.states(now)
            .into_iter()
            .filter(|(_, s)| matches!(s, KeyState::Secondary | KeyState::Previous))
            .map(|(k, _)| k)
            .collect()
    }

    /// True when rollover must make a successor at `now`: the primary expires within
    /// `generate_before_secs` and no key outlives it (or no key is valid at all).
    pub fn needs_successor(&self, now: i64, policy: &RolloverPolicy) -> bool {
        match self.primary(now) {
            None => true,
            Some(p) => {
                let end = p.cert.not_after();
                end.saturating_sub(now) <= policy.generate_before_secs
                    && !self.keys.iter().any(|k| k.cert.not_after() > end)
            }
        }
    }

    /// The store key under which the successor of the current primary is agreed.
    fn successor_slot(&self, now: i64) -> Vec<u8> {
        let mut k = b"signing-successor:".to_vec();
        k.extend_from_slice(
            self.primary(now)
                .map_or("none", |p| p.id.as_str())
                .as_bytes(),
        );
        k
    }
}

/// A key made for the ring, before it is written.
pub struct NewKey {
    pkcs8: SecretBytes,
    cert_pem: String,
    promote_at: i64,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("promote_at", &self.promote_at)
            .finish_non_exhaustive()
    }
}

impl NewKey {
    /// A fresh RSA-2048 key with a self-signed certificate valid `policy.validity_secs`
    /// from `now` (Unix seconds), promotable after `policy.promote_after_secs` (at once
    /// when `urgent`).
    pub fn generate(policy: &RolloverPolicy, now: i64, urgent: bool) -> Result<Self, ConfigError> {
        let (_, pkcs8) = super::devpki::new_key()?;
        let cert_pem = super::devpki::signing_certificate(
            &pkcs8,
            now.saturating_mul(1000),
            policy.validity_secs.div_euclid(DAY),
        )?;
        Ok(Self {
            pkcs8,
            cert_pem,
            promote_at: if urgent {
                now
            } else {
                now.saturating_add(policy.promote_after_secs)
            },
        })
    }

    /// An existing key pair (PEM texts), e.g. from a real CA, promotable as for
    /// [`NewKey::generate`].
    pub fn import(
        cert_pem: &str,
        key_pem: &str,
        policy: &RolloverPolicy,
        now: i64,
        urgent: bool,
    ) -> Result<Self, String> {
        let cert = Certificate::from_pem(cert_pem).map_err(|e| format!("the certificate: {e}"))?;
        let key = RsaPrivateKey::from_pem(key_pem).map_err(|e| format!("the key: {e}"))?;
        if cert.public_key() != &key.public_key() {
            return Err("the certificate does not belong to the key".into());
        }
        if now >= cert.not_after() {
            return Err("the certificate has expired".into());
        }
        let pkcs8 = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let start = now.max(cert.not_before());
        Ok(Self {
            pkcs8,
            cert_pem: cert_pem.to_owned(),
            promote_at: if urgent {
                start
            } else {
                start.saturating_add(policy.promote_after_secs)
            },
        })
    }

    fn cert(&self) -> Result<Certificate, ConfigError> {
        Certificate::from_pem(&self.cert_pem).map_err(|e| ConfigError::Generate {
            what: "a token-signing certificate",
            message: e.to_string(),
        })
    }

    /// Writes the key into `dir` (made when missing); returns its thumbprint. A key that is
    /// there already is left as it is.
    pub fn write(&self, dir: &Path) -> Result<String, ConfigError> {
        let cert = self.cert()?;
        let id = thumbprint(&cert);
        super::fs::create_private_dir(dir)?;
        let pem = dir.join(format!("{id}.pem"));
        if pem.exists() {
            return Ok(id);
        }
        let key_pem = crypto::pem_encode("PRIVATE KEY", self.pkcs8.expose());
        super::fs::write_private(&dir.join(format!("{id}.key")), key_pem.as_bytes())?;
        let meta = format!(
            "# When this token-signing key may become primary (Unix seconds: {}).\npromote_at = {}\n",
            utc(self.promote_at),
            self.promote_at
        );
        super::fs::write_public(&dir.join(format!("{id}.toml")), meta.as_bytes())?;
        // The certificate last: a key is in the ring once its .pem exists.
        super::fs::write_public(&pem, self.cert_pem.as_bytes())?;
        Ok(id)
    }

    /// Sealed under the token keys (for the store).
    fn seal(&self, keys: &TokenKeys) -> Result<Vec<u8>, ConfigError> {
        let err = |what: String| ConfigError::Generate {
            what: "the sealed successor key",
            message: what,
        };
        let mut plain = Vec::new();
        plain.extend_from_slice(&self.promote_at.to_be_bytes());
        let n = u32::try_from(self.pkcs8.len()).map_err(|_| err("key too long".into()))?;
        plain.extend_from_slice(&n.to_be_bytes());
        plain.extend_from_slice(self.pkcs8.expose());
        plain.extend_from_slice(self.cert_pem.as_bytes());
        let plain = SecretBytes::new(plain);
        sealed::seal_bytes(keys, SEAL_MAGIC, plain.expose()).map_err(|e| err(e.to_string()))
    }

    fn open(keys: &TokenKeys, blob: &[u8]) -> Option<Self> {
        let plain = sealed::open_bytes(keys, SEAL_MAGIC, blob)?;
        let p = plain.expose();
        let (at, p) = p.split_first_chunk::<8>()?;
        let (n, p) = p.split_first_chunk::<4>()?;
        let (pkcs8, cert) = p.split_at_checked(usize::try_from(u32::from_be_bytes(*n)).ok()?)?;
        Some(Self {
            pkcs8: SecretBytes::from_slice(pkcs8),
            cert_pem: std::str::from_utf8(cert).ok()?.to_owned(),
            promote_at: i64::from_be_bytes(*at),
        })
    }
}

const SEAL_MAGIC: &[u8] = b"wstrust-signing-key-1";

fn read_key(dir: &Path, id: &str) -> Result<RingKey, ConfigError> {
    let path = |ext: &str| -> PathBuf { dir.join(format!("{id}.{ext}")) };
    let read = |p: PathBuf| {
        std::fs::read_to_string(&p).map_err(ConfigError::io(
            &p,
            "restore the key files of the rollover directory",
        ))
    };
    let cert = Certificate::from_pem(&read(path("pem"))?)
        .map_err(|e| invalid(&path("pem"), format!("not a certificate: {e}")))?;
    let key = RsaPrivateKey::from_pem(&read(path("key"))?)
        .map_err(|e| invalid(&path("key"), format!("not a private key: {e}")))?;
    if cert.public_key() != &key.public_key() {
        return Err(invalid(
            &path("key"),
            "the certificate does not belong to the key".into(),
        ));
    }
    if thumbprint(&cert) != id {
        return Err(invalid(
            &path("pem"),
            "the file name is not the certificate's thumbprint".into(),
        ));
    }
    let meta = read(path("toml"))?;
    let promote_at = meta
        .lines()
        .find_map(|l| l.trim().strip_prefix("promote_at"))
        .and_then(|v| v.trim().strip_prefix('='))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| invalid(&path("toml"), "no `promote_at = <Unix seconds>`".into()))?;
    Ok(RingKey {
        id: id.to_owned(),
        cert,
        key,
        promote_at,
        configured: false,
    })
}

/// Makes the successor of the ring's primary when one is due at `now` (see the module
/// documentation): agreed through `store` with the other nodes, written into `dir`.
/// Returns the new key's thumbprint, or `None` when none was due.
pub fn ensure_successor(
    ring: &KeyRing,
    dir: &Path,
    store: &dyn TokenStore,
    keys: &TokenKeys,
    policy: &RolloverPolicy,
    now: i64,
) -> Result<Option<String>, ConfigError> {
    if !ring.needs_successor(now, policy) {
        return Ok(None);
    }
    let slot = ring.successor_slot(now);
    let store_err = |e: crate::store::StoreError| ConfigError::Generate {
        what: "the agreed successor key",
        message: e.to_string(),
    };
    let stored = store.get(Space::Keys, &slot).map_err(store_err)?;
    let chosen = match stored.as_deref().and_then(|b| NewKey::open(keys, b)) {
        Some(k) => k,
        None => {
            let urgent = ring.primary(now).is_none();
            let mine = NewKey::generate(policy, now, urgent)?;
            let until = mine.cert()?.not_after().saturating_mul(1000);
            let sealed = mine.seal(keys)?;
            if store
                .insert_if_absent(Space::Keys, &slot, &sealed, until)
                .map_err(store_err)?
            {
                mine
            } else {
                let theirs = store.get(Space::Keys, &slot).map_err(store_err)?;
                theirs
                    .as_deref()
                    .and_then(|b| NewKey::open(keys, b))
                    .ok_or_else(|| ConfigError::Generate {
                        what: "the agreed successor key",
                        message: "another node's successor does not open with our token keys"
                            .into(),
                    })?
            }
        }
    };
    let id = chosen.write(dir)?;
    tracing::warn!(
        key = %id,
        promote_at = %utc(chosen.promote_at),
        "key rollover: a new token-signing key is published; it becomes primary at promote_at"
    );
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "wstrust-ring-{tag}-{}-{}",
            std::process::id(),
            crypto::hex(&crypto::random_bytes(4).unwrap())
        ))
    }

    fn configured(now: i64, days: i64) -> (Certificate, RsaPrivateKey) {
        let (key, pkcs8) = super::super::devpki::new_key().unwrap();
        let pem = super::super::devpki::signing_certificate(&pkcs8, now * 1000, days).unwrap();
        (Certificate::from_pem(&pem).unwrap(), key)
    }

    #[test]
    fn a_successor_is_published_then_promoted_and_the_old_key_stays_accepted() {
        let policy = RolloverPolicy::default();
        let t0 = 1_800_000_000;
        let (cert, key) = configured(t0, 30);
        let d = dir("life");
        let store = crate::store::MemoryStore::new();
        let keys = TokenKeys::generate().unwrap();
        let ring = KeyRing::load(cert.clone(), key.clone(), &d).unwrap();
        // 30 days of validity: nothing due at first.
        assert!(!ring.needs_successor(t0, &policy));
        assert_eq!(
            ensure_successor(&ring, &d, &store, &keys, &policy, t0).unwrap(),
            None
        );
        // 20 days before expiry: a successor, published but not primary.
        let t1 = cert.not_after() - 20 * DAY;
        let id = ensure_successor(&ring, &d, &store, &keys, &policy, t1)
            .unwrap()
            .unwrap();
        let ring = KeyRing::load(cert.clone(), key, &d).unwrap();
        assert_eq!(ring.keys().len(), 2);
        assert_eq!(ring.primary(t1).unwrap().id, thumbprint(&cert));
        let states: Vec<_> = ring
            .states(t1)
            .iter()
            .map(|(k, s)| (k.id.clone(), *s))
            .collect();
        assert!(
            states.contains(&(id.clone(), KeyState::Secondary)),
            "{states:?}"
        );
        assert_eq!(ring.others(t1).len(), 1);
        // Nothing more is due.
        assert_eq!(
            ensure_successor(&ring, &d, &store, &keys, &policy, t1).unwrap(),
            None
        );
        // Five days later it is primary; the old key is previous (accepted) until it expires.
        let t2 = t1 + 5 * DAY;
        assert_eq!(ring.primary(t2).unwrap().id, id);
        assert_eq!(ring.others(t2)[0].id, thumbprint(&cert));
        // After the old one expires it is never used.
        let t3 = cert.not_after();
        assert_eq!(ring.primary(t3).unwrap().id, id);
        assert!(ring.others(t3).is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn nodes_sharing_a_store_agree_on_one_successor() {
        let policy = RolloverPolicy::default();
        let t0 = 1_800_000_000;
        let (cert, key) = configured(t0, 10);
        let store = crate::store::MemoryStore::new();
        let keys = TokenKeys::generate().unwrap();
        let (a, b) = (dir("a"), dir("b"));
        let ring = KeyRing::single(cert, key);
        let id_a = ensure_successor(&ring, &a, &store, &keys, &policy, t0).unwrap();
        let id_b = ensure_successor(&ring, &b, &store, &keys, &policy, t0).unwrap();
        assert!(id_a.is_some());
        assert_eq!(id_a, id_b, "the second node takes the first node's key");
        let ka = std::fs::read(a.join(format!("{}.key", id_a.as_ref().unwrap()))).unwrap();
        let kb = std::fs::read(b.join(format!("{}.key", id_a.as_ref().unwrap()))).unwrap();
        assert_eq!(ka, kb);
        // A node with other token keys cannot open it, and says so.
        let other = TokenKeys::generate().unwrap();
        let c = dir("c");
        assert!(ensure_successor(&ring, &c, &store, &other, &policy, t0).is_err());
        assert!(!c.exists(), "and writes no key of its own");
        for d in [a, b, c] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    #[test]
    fn an_expired_primary_is_never_used() {
        let policy = RolloverPolicy::default();
        let t0 = 1_800_000_000;
        let (cert, key) = configured(t0, 2);
        let ring = KeyRing::single(cert.clone(), key);
        let after = cert.not_after() + 1;
        assert!(ring.primary(after).is_none());
        assert!(ring.needs_successor(after, &policy));
        let d = dir("expired");
        let store = crate::store::MemoryStore::new();
        let keys = TokenKeys::generate().unwrap();
        let ring2 = KeyRing::load(cert.clone(), ring.keys()[0].key.clone(), &d).unwrap();
        let id = ensure_successor(&ring2, &d, &store, &keys, &policy, after)
            .unwrap()
            .unwrap();
        let ring3 = KeyRing::load(cert, ring.keys()[0].key.clone(), &d).unwrap();
        assert_eq!(
            ring3.primary(after).unwrap().id,
            id,
            "urgent: primary at once"
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn broken_key_files_are_refused() {
        let t0 = 1_800_000_000;
        let (cert, key) = configured(t0, 30);
        let d = dir("broken");
        let k = NewKey::generate(&RolloverPolicy::default(), t0, false).unwrap();
        let id = k.write(&d).unwrap();
        std::fs::write(d.join(format!("{id}.toml")), "nothing = 1\n").unwrap();
        assert!(KeyRing::load(cert.clone(), key.clone(), &d).is_err());
        std::fs::write(d.join(format!("{id}.toml")), "promote_at = 5\n").unwrap();
        assert!(KeyRing::load(cert.clone(), key.clone(), &d).is_ok());
        std::fs::rename(d.join(format!("{id}.pem")), d.join("0000.pem")).unwrap();
        assert!(KeyRing::load(cert, key, &d).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
