//! RSA private keys (2048 to 8192 bits): in this process (aws-lc) or in a PKCS#11 token;
//! PKCS#1 v1.5 signing and the OAEP decryption key.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::error::KeyRejected as LcKeyRejected;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use aws_lc_rs::signature::KeyPair as _;

use super::{RsaPublicKey, SignatureAlgorithm, MIN_PRIVATE_BITS};
use crate::crypto::error::{Error, Result};
use crate::crypto::pem::pem_decode;
use crate::crypto::secret::SecretBytes;

fn map_private_rejection(e: LcKeyRejected) -> Error {
    match e.description_() {
        "TooSmall" => Error::KeyRejected("rsa key shorter than 2048 bits"),
        "TooLarge" => Error::KeyRejected("rsa key longer than 8192 bits"),
        "InconsistentComponents" => Error::KeyRejected("inconsistent rsa key components"),
        "WrongAlgorithm" => Error::KeyRejected("not an rsa key"),
        _ => Error::KeyRejected("invalid or unsupported rsa private key"),
    }
}

/// An RSA private key (2048 to 8192 bits), parsed once.
///
/// Cloning is cheap (reference counted) and the value is `Send + Sync`; the
/// key material lives inside aws-lc and is freed (and cleansed) by it.
#[derive(Clone)]
pub struct RsaPrivateKey {
    inner: Arc<PrivateInner>,
}

enum PrivateInner {
    /// In this process (aws-lc).
    Local {
        pair: KeyPair,
        decrypting: OaepPrivateDecryptingKey,
        public: RsaPublicKey,
    },
    /// In a PKCS#11 token: never in this process.
    Token(crate::crypto::pkcs11::TokenKey),
}

/// Where a private key is.
pub(in crate::crypto) enum PrivateOp<'a> {
    /// In this process: aws-lc's OAEP key.
    Local(&'a OaepPrivateDecryptingKey),
    /// In a token.
    Token(&'a crate::crypto::pkcs11::TokenKey),
}

impl RsaPrivateKey {
    /// Parses an unencrypted PKCS#8 `PrivateKeyInfo` (DER).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let pair = KeyPair::from_pkcs8(der).map_err(map_private_rejection)?;
        let decrypting = PrivateDecryptingKey::from_pkcs8(der).map_err(map_private_rejection)?;
        let decrypting = OaepPrivateDecryptingKey::new(decrypting)
            .map_err(|_| Error::KeyRejected("invalid or unsupported rsa private key"))?;
        let public = RsaPublicKey::from_pkcs1_der(pair.public_key().as_ref())?;
        if public.modulus_bits() < MIN_PRIVATE_BITS {
            return Err(Error::KeyRejected("rsa key shorter than 2048 bits"));
        }
        Ok(Self {
            inner: Arc::new(PrivateInner::Local {
                pair,
                decrypting,
                public,
            }),
        })
    }

    /// The key a PKCS#11 URI names (see [`crate::crypto::pkcs11`]): it stays in its token, which
    /// signs and decrypts with it; [`Self::to_pkcs8_der`] fails for it.
    pub fn from_pkcs11_uri(uri: &str) -> Result<Self> {
        let uri = crate::crypto::pkcs11::Pkcs11Uri::parse(uri)?;
        let key = crate::crypto::pkcs11::TokenKey::open(&uri)?;
        if key.public.modulus_bits() < MIN_PRIVATE_BITS {
            return Err(Error::KeyRejected("rsa key shorter than 2048 bits"));
        }
        Ok(Self {
            inner: Arc::new(PrivateInner::Token(key)),
        })
    }

    /// True when the key is in a PKCS#11 token.
    pub fn in_token(&self) -> bool {
        matches!(*self.inner, PrivateInner::Token(_))
    }

    /// Parses a PKCS#1 `RSAPrivateKey` (DER).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let pair = KeyPair::from_der(der).map_err(map_private_rejection)?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| Error::KeyRejected("invalid or unsupported rsa private key"))?;
        Self::from_pkcs8_der(pkcs8.as_ref())
    }

    /// Parses PEM text holding a `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY`
    /// (PKCS#1) block. Encrypted keys are not supported.
    pub fn from_pem(text: &str) -> Result<Self> {
        if text.contains("-----BEGIN PRIVATE KEY-----") {
            let der = SecretBytes::new(pem_decode(text, "PRIVATE KEY")?);
            Self::from_pkcs8_der(der.expose())
        } else if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            let der = SecretBytes::new(pem_decode(text, "RSA PRIVATE KEY")?);
            Self::from_pkcs1_der(der.expose())
        } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            Err(Error::Unsupported("encrypted private keys"))
        } else {
            Err(Error::Pem("no private key block"))
        }
    }

    /// Generates a fresh key of 2048, 3072 or 4096 bits.
    pub fn generate(bits: usize) -> Result<Self> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            _ => {
                return Err(Error::Unsupported(
                    "rsa key size other than 2048, 3072 or 4096",
                ))
            }
        };
        let pair = KeyPair::generate(size).map_err(|_| Error::Random)?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| Error::KeyRejected("rsa key serialisation failed"))?;
        Self::from_pkcs8_der(pkcs8.as_ref())
    }

    /// Serialises the key as unencrypted PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<SecretBytes> {
        let PrivateInner::Local { pair, .. } = &*self.inner else {
            return Err(Error::Unsupported(
                "a key in a pkcs#11 token never leaves it",
            ));
        };
        let der = pair
            .as_der()
            .map_err(|_| Error::KeyRejected("rsa key serialisation failed"))?;
        Ok(SecretBytes::from_slice(der.as_ref()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        self.public().clone()
    }

    fn public(&self) -> &RsaPublicKey {
        match &*self.inner {
            PrivateInner::Local { public, .. } => public,
            PrivateInner::Token(t) => &t.public,
        }
    }

    /// Size of the modulus in bits.
    pub fn modulus_bits(&self) -> usize {
        self.public().modulus_bits()
    }

    /// Signs `msg` with PKCS#1 v1.5. RSA-SHA1 is refused with
    /// [`Error::Unsupported`].
    pub fn sign(&self, alg: SignatureAlgorithm, msg: &[u8]) -> Result<Vec<u8>> {
        let encoding = alg.signing_encoding()?;
        let pair = match &*self.inner {
            PrivateInner::Local { pair, .. } => pair,
            PrivateInner::Token(t) => return t.sign(alg, msg),
        };
        let mut sig = vec![0u8; pair.public_modulus_len()];
        pair.sign(encoding, &SystemRandom::new(), msg, &mut sig)
            .map_err(|_| Error::KeyRejected("rsa signing failed"))?;
        Ok(sig)
    }

    /// The OAEP decryption key.
    pub(in crate::crypto) fn private_op(&self) -> PrivateOp<'_> {
        match &*self.inner {
            PrivateInner::Local { decrypting, .. } => PrivateOp::Local(decrypting),
            PrivateInner::Token(t) => PrivateOp::Token(t),
        }
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("modulus_bits", &self.modulus_bits())
            .finish_non_exhaustive()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::signature::sts_key;
    use crate::crypto::test_support::{openssl, read_fixture_str};

    #[test]
    fn keys_are_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<RsaPrivateKey>();
        check::<RsaPublicKey>();
    }

    #[test]
    fn sign_verify_round_trip() {
        let key = sts_key();
        let public = key.public_key();
        assert!(key.modulus_bits() >= 2048);
        for alg in [
            SignatureAlgorithm::RsaSha256,
            SignatureAlgorithm::RsaSha384,
            SignatureAlgorithm::RsaSha512,
        ] {
            let sig = key.sign(alg, b"signed info").unwrap();
            assert_eq!(sig.len() * 8, key.modulus_bits());
            public.verify(alg, b"signed info", &sig).unwrap();
            // Second use goes through the cached verifier.
            public.verify(alg, b"signed info", &sig).unwrap();
            assert_eq!(
                public.verify(alg, b"signed infp", &sig),
                Err(Error::BadSignature)
            );
            let mut bad = sig.clone();
            bad[10] ^= 1;
            assert_eq!(
                public.verify(alg, b"signed info", &bad),
                Err(Error::BadSignature)
            );
            assert_eq!(
                public.verify(alg, b"signed info", &sig[1..]),
                Err(Error::BadSignature)
            );
        }
        // Algorithm mismatch fails.
        let sig = key.sign(SignatureAlgorithm::RsaSha256, b"m").unwrap();
        assert_eq!(
            public.verify(SignatureAlgorithm::RsaSha512, b"m", &sig),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn rsa_sha1_is_verify_only() {
        assert_eq!(
            sts_key().sign(SignatureAlgorithm::RsaSha1, b"m"),
            Err(Error::Unsupported("rsa-sha1 signing"))
        );
    }

    #[test]
    fn signatures_match_openssl() {
        // PKCS#1 v1.5 is deterministic: our signature must equal openssl's.
        let key_path = crate::crypto::test_support::fixture("clients/pki/sts.key");
        let key_path = key_path.to_str().unwrap();
        let msg = b"<SignedInfo>openssl oracle</SignedInfo>";
        for (alg, name) in [
            (SignatureAlgorithm::RsaSha256, "-sha256"),
            (SignatureAlgorithm::RsaSha512, "-sha512"),
        ] {
            let expected = openssl(&["dgst", name, "-sign", key_path], msg);
            assert_eq!(sts_key().sign(alg, msg).unwrap(), expected, "{alg:?}");
        }
    }

    #[test]
    fn private_key_formats() {
        let pkcs8_pem = read_fixture_str("clients/pki/sts.key");
        let key = RsaPrivateKey::from_pem(&pkcs8_pem).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let again = RsaPrivateKey::from_pkcs8_der(pkcs8.expose()).unwrap();
        assert_eq!(again.public_key(), key.public_key());

        // PKCS#1 PEM via openssl.
        let pkcs1_pem = openssl(&["pkey", "-traditional"], pkcs8_pem.as_bytes());
        let pkcs1_pem = String::from_utf8(pkcs1_pem).unwrap();
        assert!(pkcs1_pem.contains("-----BEGIN RSA PRIVATE KEY-----"));
        let from_pkcs1 = RsaPrivateKey::from_pem(&pkcs1_pem).unwrap();
        assert_eq!(from_pkcs1.public_key(), key.public_key());
        let sig = from_pkcs1
            .sign(SignatureAlgorithm::RsaSha256, b"x")
            .unwrap();
        key.public_key()
            .verify(SignatureAlgorithm::RsaSha256, b"x", &sig)
            .unwrap();

        assert_eq!(
            RsaPrivateKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n")
                .unwrap_err(),
            Error::Unsupported("encrypted private keys")
        );
        assert!(matches!(
            RsaPrivateKey::from_pem("nothing here"),
            Err(Error::Pem(_))
        ));
        assert!(matches!(
            RsaPrivateKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00"),
            Err(Error::KeyRejected(_))
        ));
        // A public key is not a private key.
        assert!(RsaPrivateKey::from_pkcs8_der(&key.public_key().spki_der()).is_err());
        let dbg = format!("{key:?}");
        assert!(dbg.starts_with("RsaPrivateKey { modulus_bits: "), "{dbg}");
    }

    #[test]
    fn short_private_keys_are_refused() {
        let pem = openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:1024",
            ],
            b"",
        );
        let pem = String::from_utf8(pem).unwrap();
        assert!(matches!(
            RsaPrivateKey::from_pem(&pem),
            Err(Error::KeyRejected(_))
        ));
    }

    #[test]
    fn generate_and_sizes() {
        let key = RsaPrivateKey::generate(2048).unwrap();
        assert_eq!(key.modulus_bits(), 2048);
        let sig = key.sign(SignatureAlgorithm::RsaSha256, b"g").unwrap();
        key.public_key()
            .verify(SignatureAlgorithm::RsaSha256, b"g", &sig)
            .unwrap();
        for bits in [0, 1024, 2047, 8192, 5000] {
            assert!(matches!(
                RsaPrivateKey::generate(bits),
                Err(Error::Unsupported(_))
            ));
        }
    }
}
