//! What the engine lends the WS-Security layer for one request: its keys and certificates,
//! its security contexts (sealed or stored, never cancelled or superseded) and replay memory in
//! the token store.
//!
//! Contexts are lent even after expiry (as long as they open), and every context lent is
//! recorded with its state: the engine then refuses a request that used an expired context,
//! unless it is the Renew of that very context (WS-SecureConversation renews an expired
//! context with a request signed by its key), so the renewal window can be enforced with
//! `wst:UnableToRenew` rather than a generic failure.

use std::sync::Mutex;

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::pki::{Certificate, TrustError};
use crate::saml::ValidatedAssertion;
use crate::store::{Space, TokenStore};
use crate::wss::{CertificateRef, KeyResolver, ReplayGuard};
use crate::xml::{Document, NodeId};

use super::config::EngineConfig;
use super::context;
use super::state::UsedContext;

/// Keys known to the engine at one instant.
pub(crate) struct EngineKeys<'a> {
    pub(crate) cfg: &'a EngineConfig,
    pub(crate) store: &'a dyn TokenStore,
    pub(crate) used: Mutex<Vec<UsedContext>>,
}

fn matches(c: &Certificate, r: &CertificateRef) -> bool {
    match r {
        CertificateRef::ThumbprintSha1(t) => c.thumbprint_sha1() == t.as_slice(),
        CertificateRef::SubjectKeyId(s) => c.subject_key_id() == *s,
        CertificateRef::IssuerSerial { issuer, serial } => {
            c.serial() == serial && c.issuer_matches(issuer)
        }
    }
}

impl<'a> EngineKeys<'a> {
    pub(crate) fn new(cfg: &'a EngineConfig, store: &'a dyn TokenStore) -> Self {
        Self {
            cfg,
            store,
            used: Mutex::new(Vec::new()),
        }
    }

    /// The contexts lent so far.
    pub(crate) fn used(&self) -> Vec<UsedContext> {
        self.used.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

impl KeyResolver for EngineKeys<'_> {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        self.cfg
            .signing_certs()
            .chain(self.cfg.known_certs.iter())
            .find(|c| matches(c, r))
            .cloned()
    }

    fn validate(&self, cert: &Certificate, now_secs: i64) -> Result<(), TrustError> {
        self.cfg.client_trust.validate(cert, &[], now_secs)
    }

    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey> {
        std::iter::once(&self.cfg.signing_key)
            .chain(self.cfg.other_signing.iter().map(|(_, k)| k))
            .find(|k| k.public_key() == *cert.public_key())
            .cloned()
    }

    fn issued_token(
        &self,
        doc: &Document,
        assertion: NodeId,
        now_ms: i64,
    ) -> Result<ValidatedAssertion, crate::saml::Error> {
        super::issued_token::validate_assertion(self.cfg, doc, assertion, now_ms).map(|(v, _)| v)
    }

    fn security_context(&self, identifier: &str, instance: Option<&str>) -> Option<SecretBytes> {
        let state = context::open(&self.cfg.token_keys, self.store, identifier, instance).ok()?;
        let key = state.key.clone();
        // A poisoned lock means another thread panicked mid-request: lend nothing.
        let mut used = self.used.lock().ok()?;
        used.push(UsedContext {
            identifier: identifier.to_owned(),
            instance: instance.map(str::to_owned),
            state,
        });
        Some(key)
    }
}

/// Replay memory in the token store; a store failure refuses the message (fail closed).
pub(crate) struct StoreReplay<'a>(pub(crate) &'a dyn TokenStore);

impl ReplayGuard for StoreReplay<'_> {
    fn check_and_insert(&self, key: &[u8], expires_ms: i64) -> bool {
        self.0
            .insert_if_absent(Space::Replay, key, b"", expires_ms)
            .unwrap_or(false)
    }

    fn forget(&self, key: &[u8]) {
        let _ = self.0.remove(Space::Replay, key);
    }
}

/// Replay memory that remembers what this request inserted, so that a request the engine
/// refuses after the security header was processed (body not signed, timestamp not signed
/// with the body, a key that binds no identity, ...) takes its entries back: a refused
/// message leaves no trace, and cannot burn the replay key of the genuine message whose
/// signature it carries (issue 20, `xsw_catalogue`).
pub(crate) struct RollbackReplay<'a> {
    inner: StoreReplay<'a>,
    inserted: Mutex<Vec<Vec<u8>>>,
}

impl<'a> RollbackReplay<'a> {
    pub(crate) fn new(store: &'a dyn TokenStore) -> Self {
        Self {
            inner: StoreReplay(store),
            inserted: Mutex::new(Vec::new()),
        }
    }

    /// Forgets every entry this request inserted and has not forgotten itself.
    pub(crate) fn roll_back(&self) {
        let keys = match self.inserted.lock() {
            Ok(mut k) => std::mem::take(&mut *k),
            Err(_) => return,
        };
        for k in &keys {
            self.inner.forget(k);
        }
    }
}

impl ReplayGuard for RollbackReplay<'_> {
    fn check_and_insert(&self, key: &[u8], expires_ms: i64) -> bool {
        let inserted = self.inner.check_and_insert(key, expires_ms);
        if inserted {
            if let Ok(mut k) = self.inserted.lock() {
                k.push(key.to_vec());
            }
        }
        inserted
    }

    fn forget(&self, key: &[u8]) {
        if let Ok(mut k) = self.inserted.lock() {
            k.retain(|x| x.as_slice() != key);
        }
        self.inner.forget(key);
    }
}
