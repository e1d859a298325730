//! What the WS-Security layer asks of the layers above: the time, replay memory, and keys.
//! The engine implements these (with its stores); tests implement them with fixed values.

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::pki::{Certificate, TrustError};
use crate::saml::ValidatedAssertion;
use crate::xml::{Document, NodeId};

/// The time, injected so tests can replay recorded messages at their recorded clock.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        #[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A fixed clock.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

/// Replay memory with an atomic check-and-insert.
pub trait ReplayGuard: Send + Sync {
    /// Records `key` until `expires_ms`; returns false when it was already recorded (a replay).
    /// Must be atomic: of concurrent calls with one key, exactly one returns true.
    fn check_and_insert(&self, key: &[u8], expires_ms: i64) -> bool;

    /// Removes `key`, which this caller inserted for a message that was then refused, so a
    /// refused message leaves no trace.
    fn forget(&self, key: &[u8]);
}

/// How a certificate is referred to.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum CertificateRef {
    /// SHA-1 of the DER certificate.
    ThumbprintSha1(Vec<u8>),
    /// Subject key identifier.
    SubjectKeyId(Vec<u8>),
    /// Issuer DN (as written) and decimal serial.
    IssuerSerial {
        /// Issuer distinguished name.
        issuer: String,
        /// Serial number (decimal).
        serial: String,
    },
}

/// Keys and certificates known to the receiver.
pub trait KeyResolver: Send + Sync {
    /// A certificate known to us (clients' and our own) matching `r`.
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate>;
    /// Whether `cert` may sign requests, at `now_secs` (seconds since the Unix epoch).
    fn validate(&self, cert: &Certificate, now_secs: i64) -> Result<(), TrustError>;
    /// Our private key for `cert`, when an EncryptedKey is addressed to it.
    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey>;
    /// The key of a security context (SCT) by its `wsc:Identifier` (and `Instance`).
    fn security_context(&self, identifier: &str, instance: Option<&str>) -> Option<SecretBytes>;
    /// A key this party sent earlier as an EncryptedKey, by its EncryptedKeySHA1 (base64), for
    /// replies encrypted with the request's key. Default: none.
    fn encrypted_key(&self, _sha1: &str) -> Option<SecretBytes> {
        None
    }
    /// Validates `assertion`, a SAML assertion in the security header that a signature names
    /// as its key (holder of key), at `now_ms`: issued by an issuer this party trusts, for
    /// us, in its lifetime. The signature is then verified with the key its subject
    /// confirmation names. Default: issued tokens are not accepted.
    fn issued_token(
        &self,
        _doc: &Document,
        _assertion: NodeId,
        _now_ms: i64,
    ) -> Result<ValidatedAssertion, crate::saml::Error> {
        Err(crate::saml::Error::UntrustedIssuer {
            what: "this receiver accepts no issued tokens",
        })
    }
}
