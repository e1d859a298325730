//! What the engine lends the WS-Security layer for one request: its keys and certificates,
//! its security contexts (sealed or stored, never revoked or expired) and replay memory in the
//! token store.

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::pki::{Certificate, TrustError};
use crate::store::{Space, TokenStore};
use crate::wss::{CertificateRef, KeyResolver, ReplayGuard};

use super::config::EngineConfig;
use super::sealed;

/// Keys known to the engine at one instant.
pub(crate) struct EngineKeys<'a> {
    pub(crate) cfg: &'a EngineConfig,
    pub(crate) store: &'a dyn TokenStore,
    pub(crate) now_ms: i64,
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

impl EngineKeys<'_> {
    /// Whether a token identifier has been cancelled; a store failure counts as revoked.
    pub(crate) fn is_revoked(&self, identifier: &str) -> bool {
        !matches!(
            self.store.get(Space::Revoked, identifier.as_bytes()),
            Ok(None)
        )
    }
}

impl KeyResolver for EngineKeys<'_> {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        std::iter::once(&self.cfg.signing_cert)
            .chain(self.cfg.known_certs.iter())
            .find(|c| matches(c, r))
            .cloned()
    }

    fn validate(&self, cert: &Certificate, now_ms: i64) -> Result<(), TrustError> {
        self.cfg.client_trust.validate(cert, &[], now_ms)
    }

    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey> {
        (self.cfg.signing_key.public_key() == *cert.public_key())
            .then(|| self.cfg.signing_key.clone())
    }

    fn security_context(&self, identifier: &str, _instance: Option<&str>) -> Option<SecretBytes> {
        if self.is_revoked(identifier) {
            return None;
        }
        if identifier.starts_with(sealed::IDENTIFIER_PREFIX) {
            let state = sealed::from_identifier(&self.cfg.token_keys, identifier).ok()?;
            if state.expires_ms <= self.now_ms {
                return None;
            }
            return Some(state.key);
        }
        None
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
