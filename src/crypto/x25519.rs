//! X25519 key agreement (RFC 7748) for ephemeral Diffie-Hellman exchanges.
//!
//! The peer's public value must be exactly 32 bytes, and an all-zero shared
//! secret (a low-order or otherwise degenerate peer point, RFC 7748 §6.1)
//! is refused, so a peer cannot force a known secret.

use std::fmt;

use aws_lc_rs::agreement::{agree, PrivateKey, UnparsedPublicKey, X25519};

use super::error::{Error, Result};
use super::secret::{ct_eq, SecretBytes};

/// Length in bytes of X25519 scalars, public values and shared secrets.
pub const X25519_LEN: usize = 32;

/// An X25519 private scalar.
pub struct X25519PrivateKey(PrivateKey);

impl X25519PrivateKey {
    /// Draws a fresh private key from the system generator.
    pub fn generate() -> Result<Self> {
        PrivateKey::generate(&X25519)
            .map(Self)
            .map_err(|_| Error::Random)
    }

    /// Builds a key from a 32-byte scalar (known-answer tests, fixed keys).
    pub fn from_bytes(scalar: &[u8]) -> Result<Self> {
        if scalar.len() != X25519_LEN {
            return Err(Error::InvalidLength("x25519 private key must be 32 bytes"));
        }
        PrivateKey::from_private_key(&X25519, scalar)
            .map(Self)
            .map_err(|_| Error::KeyRejected("invalid x25519 private key"))
    }

    /// The 32-byte public value.
    pub fn public_key(&self) -> Result<Vec<u8>> {
        self.0
            .compute_public_key()
            .map(|p| p.as_ref().to_vec())
            .map_err(|_| Error::KeyRejected("x25519 public key computation failed"))
    }

    /// Computes the shared secret with the peer's 32-byte public value.
    ///
    /// A public value of another length, or one that yields the all-zero
    /// secret, is [`Error::KeyRejected`].
    pub fn agree(&self, peer_public: &[u8]) -> Result<SecretBytes> {
        if peer_public.len() != X25519_LEN {
            return Err(Error::KeyRejected("x25519 public key must be 32 bytes"));
        }
        let peer = UnparsedPublicKey::new(&X25519, peer_public);
        let secret = agree(
            &self.0,
            peer,
            Error::KeyRejected("x25519 agreement failed"),
            |z| Ok(SecretBytes::from_slice(z)),
        )?;
        if secret.len() != X25519_LEN || ct_eq(secret.expose(), &[0u8; X25519_LEN]) {
            return Err(Error::KeyRejected(
                "x25519 shared secret is all zero (low-order public key)",
            ));
        }
        Ok(secret)
    }
}

impl fmt::Debug for X25519PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519PrivateKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_support::hex;

    // RFC 7748 §6.1.
    const ALICE_PRIV: &str = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const ALICE_PUB: &str = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const BOB_PRIV: &str = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    const BOB_PUB: &str = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const SHARED: &str = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    #[test]
    fn rfc7748_known_answer() {
        let alice = X25519PrivateKey::from_bytes(&hex(ALICE_PRIV)).unwrap();
        let bob = X25519PrivateKey::from_bytes(&hex(BOB_PRIV)).unwrap();
        assert_eq!(alice.public_key().unwrap(), hex(ALICE_PUB));
        assert_eq!(bob.public_key().unwrap(), hex(BOB_PUB));
        assert_eq!(
            alice.agree(&hex(BOB_PUB)).unwrap().expose(),
            &hex(SHARED)[..]
        );
        assert_eq!(
            bob.agree(&hex(ALICE_PUB)).unwrap().expose(),
            &hex(SHARED)[..]
        );
    }

    #[test]
    fn generated_keys_agree() {
        let a = X25519PrivateKey::generate().unwrap();
        let b = X25519PrivateKey::generate().unwrap();
        let ab = a.agree(&b.public_key().unwrap()).unwrap();
        let ba = b.agree(&a.public_key().unwrap()).unwrap();
        assert!(ct_eq(ab.expose(), ba.expose()));
        assert_eq!(format!("{a:?}"), "X25519PrivateKey(<redacted>)");
    }

    #[test]
    fn low_order_and_malformed_points_refused() {
        let a = X25519PrivateKey::generate().unwrap();
        let mut one = [0u8; 32];
        one[0] = 1;
        // p - 1 and p (little-endian), both low order / degenerate.
        let mut p_minus_1 = [0xffu8; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        let mut p = p_minus_1;
        p[0] = 0xed;
        for bad in [[0u8; 32], one, p_minus_1, p] {
            assert!(
                matches!(a.agree(&bad), Err(Error::KeyRejected(_))),
                "{bad:02x?}"
            );
        }
        assert!(matches!(a.agree(&[9u8; 31]), Err(Error::KeyRejected(_))));
        assert!(matches!(a.agree(&[9u8; 33]), Err(Error::KeyRejected(_))));
        assert!(matches!(a.agree(&[]), Err(Error::KeyRejected(_))));
        assert!(matches!(
            X25519PrivateKey::from_bytes(&[1; 31]),
            Err(Error::InvalidLength(_))
        ));
    }
}
