//! RSA PKCS#1 v1.5 signatures (keys parsed once, cheap to clone and share)
//! and HMAC with XML-DSig truncation rules: the algorithms here, the keys and HMAC in the
//! submodules.

use aws_lc_rs::signature::{self as lc, RsaParameters};

use super::digest::DigestAlgorithm;
use super::error::{Error, Result};

mod hmac;
mod private_key;
mod public_key;

pub use hmac::{hmac_sign, hmac_verify, HmacAlgorithm};
pub(super) use private_key::PrivateOp;
pub use private_key::RsaPrivateKey;
pub use public_key::RsaPublicKey;

/// Smallest RSA modulus accepted for verification (old peers, W3C vectors).
const MIN_PUBLIC_BITS: usize = 1024;
/// Smallest RSA modulus accepted for our own (private) keys.
const MIN_PRIVATE_BITS: usize = 2048;
/// Largest RSA modulus accepted anywhere.
const MAX_BITS: usize = 8192;

/// An RSA PKCS#1 v1.5 signature algorithm (XML-DSig `rsa-sha*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1. Verification only: signing is refused.
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
}

impl SignatureAlgorithm {
    /// The digest algorithm the signature is computed over.
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            Self::RsaSha1 => DigestAlgorithm::Sha1,
            Self::RsaSha256 => DigestAlgorithm::Sha256,
            Self::RsaSha384 => DigestAlgorithm::Sha384,
            Self::RsaSha512 => DigestAlgorithm::Sha512,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::RsaSha1 => 0,
            Self::RsaSha256 => 1,
            Self::RsaSha384 => 2,
            Self::RsaSha512 => 3,
        }
    }

    /// Verification parameters for a key of `bits` bits.
    fn verify_params(self, bits: usize) -> Result<&'static RsaParameters> {
        Ok(match self {
            Self::RsaSha1 => &lc::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Self::RsaSha256 => &lc::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            // aws-lc-rs has no 1024-bit SHA-384 PKCS#1 verifier.
            Self::RsaSha384 if bits < 2048 => {
                return Err(Error::Unsupported(
                    "rsa-sha384 with keys shorter than 2048 bits",
                ))
            }
            Self::RsaSha384 => &lc::RSA_PKCS1_2048_8192_SHA384,
            Self::RsaSha512 => &lc::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        })
    }

    fn signing_encoding(self) -> Result<&'static dyn lc::RsaEncoding> {
        match self {
            Self::RsaSha1 => Err(Error::Unsupported("rsa-sha1 signing")),
            Self::RsaSha256 => Ok(&lc::RSA_PKCS1_SHA256),
            Self::RsaSha384 => Ok(&lc::RSA_PKCS1_SHA384),
            Self::RsaSha512 => Ok(&lc::RSA_PKCS1_SHA512),
        }
    }
}

#[cfg(test)]
fn sts_key() -> RsaPrivateKey {
    static KEY: std::sync::OnceLock<RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::from_pem(&crate::crypto::test_support::read_fixture_str(
            "clients/pki/sts.key",
        ))
        .unwrap()
    })
    .clone()
}
