//! Whom we trust: certificate path validation against configured anchors (rustls-webpki),
//! or exact pinning of a certificate.
//!
//! Pinning exists because deployed test and partner PKIs still issue X.509 v1 end-entity
//! certificates, which a path validator rightly refuses; a pinned certificate is trusted as
//! itself, inside its validity period, and nothing it signs is trusted.

use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::Certificate;
use crate::crypto::{self, DigestAlgorithm};

/// Why a certificate is not trusted.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Outside its validity period at the time of use.
    #[error("certificate is expired or not yet valid")]
    Expired,
    /// No path to a trust anchor, and not pinned.
    #[error("certificate is not trusted: {0}")]
    Untrusted(&'static str),
}

/// Trust anchors and pinned certificates.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<CertificateDer<'static>>,
    pinned: Vec<Vec<u8>>,
}

impl TrustStore {
    /// An empty store: nothing is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trust anchor (a CA certificate).
    pub fn add_anchor(&mut self, ca: &Certificate) {
        self.anchors.push(CertificateDer::from(ca.der().to_vec()));
    }

    /// Trusts exactly this certificate (by SHA-256 of its DER), within its validity period.
    pub fn pin(&mut self, cert: &Certificate) {
        self.pinned
            .push(crypto::digest(DigestAlgorithm::Sha256, cert.der()));
    }

    /// True when nothing would be trusted.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty() && self.pinned.is_empty()
    }

    /// Checks `cert` at `now` (Unix seconds) for use as a signing certificate of a client.
    pub fn validate(
        &self,
        cert: &Certificate,
        intermediates: &[&Certificate],
        now: i64,
    ) -> Result<(), TrustError> {
        if now < cert.not_before() || now > cert.not_after() {
            return Err(TrustError::Expired);
        }
        let thumb = crypto::digest(DigestAlgorithm::Sha256, cert.der());
        if self.pinned.iter().any(|p| crypto::ct_eq(p, &thumb)) {
            return Ok(());
        }
        if self.anchors.is_empty() {
            return Err(TrustError::Untrusted("no trust anchors configured"));
        }
        let der = CertificateDer::from(cert.der());
        let ee = EndEntityCert::try_from(&der)
            .map_err(|_| TrustError::Untrusted("not a usable end-entity certificate"))?;
        let anchors: Vec<_> = self
            .anchors
            .iter()
            .filter_map(|a| webpki::anchor_from_trusted_cert(a).ok())
            .collect();
        let inter: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.der()))
            .collect();
        let secs = u64::try_from(now).map_err(|_| TrustError::Expired)?;
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)),
            KeyUsage::client_auth(),
            None,
            None,
        )
        .map(|_| ())
        .map_err(|e| match e {
            webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. } => {
                TrustError::Expired
            }
            _ => TrustError::Untrusted("no valid path to a trust anchor"),
        })
    }
}
