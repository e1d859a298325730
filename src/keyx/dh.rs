//! Diffie-Hellman groups and ephemeral keys of the `DH` scheme, and MSL's session key
//! derivation.
//!
//! * `ffdhe2048` and `ffdhe3072` (RFC 7919, generator 2): public values travel in MSL's form,
//!   `correctNullBytes(BigInteger.toByteArray())`: one zero byte, then the big-endian
//!   magnitude without leading zeros. On input any unsigned big-endian encoding of at most
//!   one byte more than p is read (MSL's reader normalises leading zeros the same way); the
//!   value must satisfy 1 < y < p − 1 and lie in the prime-order subgroup. The shared secret
//!   fed to the key derivation is in the same one-leading-zero form, as MSL hashes it.
//! * `X25519` (RFC 7748; not in MSL): public values are the raw 32 bytes, the raw 32-byte
//!   shared secret is hashed; low-order points are refused.
//!
//! Session keys ([`derive_session_keys`]): SHA-384 of the shared secret; bytes 0..16 are the
//! AES-128 encryption key and bytes 16..48 the HMAC-SHA256 key.

use std::fmt;

use crypto_bigint::{U2048, U3072};

use crate::crypto::{digest, DigestAlgorithm, SecretBytes, X25519PrivateKey};

use super::error::{err, ErrorCode, KeyxError, Result};
use super::ffdh::{self, Ffdhe2048, Ffdhe3072, PrivateExponent};
use super::model::{SessionKeys, ENCRYPTION_KEY_LEN, HMAC_KEY_LEN};

/// A Diffie-Hellman group, named by its `parametersid`.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum DhGroup {
    /// RFC 7919 ffdhe2048.
    Ffdhe2048,
    /// RFC 7919 ffdhe3072.
    Ffdhe3072,
    /// RFC 7748 X25519.
    X25519,
}

impl DhGroup {
    /// Every supported group.
    pub const ALL: [Self; 3] = [Self::Ffdhe2048, Self::Ffdhe3072, Self::X25519];

    /// The `parametersid` of this group.
    pub fn id(self) -> &'static str {
        match self {
            Self::Ffdhe2048 => "ffdhe2048",
            Self::Ffdhe3072 => "ffdhe3072",
            Self::X25519 => "X25519",
        }
    }

    /// The group named `id` (exact, case-sensitive match).
    pub fn from_id(id: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|g| g.id() == id).ok_or_else(|| {
            KeyxError::new(ErrorCode::UnknownParametersId, "unknown dh parameters id")
        })
    }

    /// The prime p as big-endian bytes of the group width (`None` for X25519).
    pub fn prime(self) -> Option<Vec<u8>> {
        match self {
            Self::Ffdhe2048 => Some(ffdh::to_be(&ffdh::FFDHE2048_P)),
            Self::Ffdhe3072 => Some(ffdh::to_be(&ffdh::FFDHE3072_P)),
            Self::X25519 => None,
        }
    }
}

enum Inner {
    Finite(PrivateExponent),
    X25519(X25519PrivateKey),
}

/// An ephemeral Diffie-Hellman private key in one group.
pub struct DhPrivateKey {
    group: DhGroup,
    inner: Inner,
}

impl fmt::Debug for DhPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhPrivateKey")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

fn internal(_: crate::crypto::Error) -> KeyxError {
    KeyxError::new(ErrorCode::Internal, "dh key generation failed")
}

impl DhPrivateKey {
    /// A fresh random key in `group`.
    pub fn generate(group: DhGroup) -> Result<Self> {
        let inner = match group {
            DhGroup::Ffdhe2048 | DhGroup::Ffdhe3072 => Inner::Finite(PrivateExponent::generate()?),
            DhGroup::X25519 => Inner::X25519(X25519PrivateKey::generate().map_err(internal)?),
        };
        Ok(Self { group, inner })
    }

    /// The group of this key.
    pub fn group(&self) -> DhGroup {
        self.group
    }

    /// The public value in its wire form (see the module documentation).
    pub fn public_value(&self) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Finite(x) => {
                let y = match self.group {
                    DhGroup::Ffdhe3072 => x.public_value::<{ U3072::LIMBS }, Ffdhe3072>()?,
                    _ => x.public_value::<{ U2048::LIMBS }, Ffdhe2048>()?,
                };
                Ok(ffdh::msl_bytes(&y))
            }
            Inner::X25519(k) => k.public_key().map_err(internal),
        }
    }

    /// The shared secret with the peer's public value, in the form MSL hashes. An invalid
    /// peer value is [`ErrorCode::InvalidPublicKey`].
    pub fn agree(&self, peer_public: &[u8]) -> Result<SecretBytes> {
        match &self.inner {
            Inner::Finite(x) => {
                let z = match self.group {
                    DhGroup::Ffdhe3072 => x.agree::<{ U3072::LIMBS }, Ffdhe3072>(peer_public)?,
                    _ => x.agree::<{ U2048::LIMBS }, Ffdhe2048>(peer_public)?,
                };
                Ok(SecretBytes::new(ffdh::msl_bytes(z.expose())))
            }
            Inner::X25519(k) => k.agree(peer_public).map_err(|_| {
                KeyxError::new(
                    ErrorCode::InvalidPublicKey,
                    "invalid or low-order x25519 public key",
                )
            }),
        }
    }
}

/// MSL's derivation: SHA-384 of `shared_secret`, first 16 bytes the encryption key, the
/// following 32 bytes the HMAC key.
pub fn derive_session_keys(shared_secret: &SecretBytes) -> Result<SessionKeys> {
    let hash = SecretBytes::new(digest(DigestAlgorithm::Sha384, shared_secret.expose()));
    let (Some(enc), Some(mac)) = (
        hash.expose().get(..ENCRYPTION_KEY_LEN),
        hash.expose()
            .get(ENCRYPTION_KEY_LEN..ENCRYPTION_KEY_LEN + HMAC_KEY_LEN),
    ) else {
        return err(ErrorCode::Internal, "sha-384 output too short");
    };
    SessionKeys::new(SecretBytes::from_slice(enc), SecretBytes::from_slice(mac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_support::hex;

    #[test]
    fn group_ids() {
        for g in DhGroup::ALL {
            assert_eq!(DhGroup::from_id(g.id()).unwrap(), g);
        }
        for bad in ["FFDHE2048", "ffdhe4096", "x25519", "modp14", ""] {
            assert_eq!(
                DhGroup::from_id(bad).unwrap_err().code,
                ErrorCode::UnknownParametersId
            );
        }
        assert_eq!(DhGroup::Ffdhe2048.prime().unwrap().len(), 256);
        assert_eq!(DhGroup::Ffdhe3072.prime().unwrap().len(), 384);
        assert!(DhGroup::X25519.prime().is_none());
    }

    #[test]
    fn every_group_agrees() {
        for g in DhGroup::ALL {
            let a = DhPrivateKey::generate(g).unwrap();
            let b = DhPrivateKey::generate(g).unwrap();
            let (ya, yb) = (a.public_value().unwrap(), b.public_value().unwrap());
            let (za, zb) = (a.agree(&yb).unwrap(), b.agree(&ya).unwrap());
            assert_eq!(za.expose(), zb.expose(), "{g:?}");
            let (ka, kb) = (
                derive_session_keys(&za).unwrap(),
                derive_session_keys(&zb).unwrap(),
            );
            assert!(ka.same_as(&kb));
            if g != DhGroup::X25519 {
                assert_eq!(ya[0], 0, "msl leading zero");
                assert_ne!(ya[1], 0);
                assert_eq!(za.expose()[0], 0);
                assert_ne!(za.expose()[1], 0);
            } else {
                assert_eq!(ya.len(), 32);
            }
        }
    }

    #[test]
    fn derivation_splits_sha384() {
        // SHA-384("abc") from FIPS 180-4.
        let h = hex(
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        );
        let k = derive_session_keys(&SecretBytes::from_slice(b"abc")).unwrap();
        assert_eq!(k.encryption.expose(), &h[..16]);
        assert_eq!(k.hmac.expose(), &h[16..48]);
    }

    #[test]
    fn invalid_peer_values() {
        let k = DhPrivateKey::generate(DhGroup::Ffdhe2048).unwrap();
        for bad in [vec![], vec![0], vec![1], vec![0xff; 256], vec![2; 300]] {
            assert_eq!(k.agree(&bad).unwrap_err().code, ErrorCode::InvalidPublicKey);
        }
        let x = DhPrivateKey::generate(DhGroup::X25519).unwrap();
        for bad in [vec![0u8; 32], vec![9u8; 31], vec![]] {
            assert_eq!(x.agree(&bad).unwrap_err().code, ErrorCode::InvalidPublicKey);
        }
        assert_eq!(format!("{k:?}"), "DhPrivateKey { group: Ffdhe2048, .. }");
    }
}
