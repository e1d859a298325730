//! RSA PKCS#1 v1.5 signatures (keys parsed once, cheap to clone and share)
//! and HMAC with XML-DSig truncation rules.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::error::KeyRejected as LcKeyRejected;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
};
use aws_lc_rs::signature::{
    self as lc, KeyPair as _, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents,
};

use super::digest::DigestAlgorithm;
use super::error::{Error, Result};
use super::pem::pem_decode;
use super::secret::{ct_eq, SecretBytes};

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

/// Tag byte of the first element inside the outermost DER SEQUENCE.
fn first_inner_tag(der: &[u8]) -> Option<u8> {
    if *der.first()? != 0x30 {
        return None;
    }
    let len0 = *der.get(1)?;
    let header = if len0 < 0x80 {
        2
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        2 + n
    };
    der.get(header).copied()
}

fn map_private_rejection(e: LcKeyRejected) -> Error {
    match e.description_() {
        "TooSmall" => Error::KeyRejected("rsa key shorter than 2048 bits"),
        "TooLarge" => Error::KeyRejected("rsa key longer than 8192 bits"),
        "InconsistentComponents" => Error::KeyRejected("inconsistent rsa key components"),
        "WrongAlgorithm" => Error::KeyRejected("not an rsa key"),
        _ => Error::KeyRejected("invalid or unsupported rsa private key"),
    }
}

/// An RSA public key, parsed once.
///
/// Cloning is cheap (reference counted). Verifiers for each algorithm are
/// built on first use and then reused; the value is `Send + Sync`.
/// Keys from 1024 to 8192 bits are accepted so that old peers and test
/// vectors verify; use [`RsaPublicKey::modulus_bits`] to apply a stricter
/// policy.
#[derive(Clone)]
pub struct RsaPublicKey {
    inner: Arc<PublicInner>,
}

struct PublicInner {
    spki: Vec<u8>,
    pkcs1: Vec<u8>,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    bits: usize,
    verifiers: [OnceLock<ParsedPublicKey>; 4],
    oaep: OnceLock<OaepPublicEncryptingKey>,
}

impl RsaPublicKey {
    /// Parses a DER `SubjectPublicKeyInfo` holding an RSA key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        if first_inner_tag(der) != Some(0x30) {
            return Err(Error::KeyRejected("not an rsa subjectpublickeyinfo"));
        }
        Self::parse(der)
    }

    /// Parses a DER PKCS#1 `RSAPublicKey` (modulus and exponent).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        if first_inner_tag(der) != Some(0x02) {
            return Err(Error::KeyRejected("not a pkcs#1 rsapublickey"));
        }
        Self::parse(der)
    }

    /// Builds a key from big-endian modulus and exponent (XML-DSig
    /// `RSAKeyValue`). Leading zero bytes are ignored.
    pub fn from_components(modulus_be: &[u8], exponent_be: &[u8]) -> Result<Self> {
        fn strip(b: &[u8]) -> &[u8] {
            let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
            &b[first..]
        }
        let n = strip(modulus_be);
        let e = strip(exponent_be);
        if n.is_empty() || e.is_empty() {
            return Err(Error::KeyRejected("empty rsa modulus or exponent"));
        }
        if n.len() > MAX_BITS / 8 {
            return Err(Error::KeyRejected("rsa key longer than 8192 bits"));
        }
        let spki = RsaPublicKeyComponents { n, e }
            .as_der()
            .map_err(|_| Error::KeyRejected("invalid rsa modulus or exponent"))?;
        Self::parse(spki.as_ref())
    }

    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY`
    /// (PKCS#1) block.
    pub fn from_pem(text: &str) -> Result<Self> {
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            Self::from_spki_der(&pem_decode(text, "PUBLIC KEY")?)
        } else if text.contains("-----BEGIN RSA PUBLIC KEY-----") {
            Self::from_pkcs1_der(&pem_decode(text, "RSA PUBLIC KEY")?)
        } else {
            Err(Error::Pem("no public key block"))
        }
    }

    fn parse(der: &[u8]) -> Result<Self> {
        let parsed = aws_lc_rs::rsa::PublicKey::from_der(der)
            .map_err(|_| Error::KeyRejected("invalid rsa public key"))?;
        let pkcs1 = parsed.as_ref().to_vec();
        let spki = parsed
            .as_der()
            .map_err(|_| Error::KeyRejected("invalid rsa public key"))?
            .as_ref()
            .to_vec();
        let bits = RsaParameters::public_modulus_len(&pkcs1)
            .map_err(|_| Error::KeyRejected("invalid rsa public key"))?;
        let bits = usize::try_from(bits).map_err(|_| Error::KeyRejected("rsa key size"))?;
        if bits < MIN_PUBLIC_BITS {
            return Err(Error::KeyRejected("rsa public key shorter than 1024 bits"));
        }
        if bits > MAX_BITS {
            return Err(Error::KeyRejected("rsa key longer than 8192 bits"));
        }
        Ok(Self {
            inner: Arc::new(PublicInner {
                modulus: parsed.modulus().big_endian_without_leading_zero().to_vec(),
                exponent: parsed.exponent().big_endian_without_leading_zero().to_vec(),
                spki,
                pkcs1,
                bits,
                verifiers: Default::default(),
                oaep: OnceLock::new(),
            }),
        })
    }

    /// DER `SubjectPublicKeyInfo` encoding.
    pub fn spki_der(&self) -> Vec<u8> {
        self.inner.spki.clone()
    }

    /// DER PKCS#1 `RSAPublicKey` encoding.
    pub fn pkcs1_der(&self) -> Vec<u8> {
        self.inner.pkcs1.clone()
    }

    /// Big-endian modulus without leading zeros (for `ds:RSAKeyValue`).
    pub fn modulus_be(&self) -> &[u8] {
        &self.inner.modulus
    }

    /// Big-endian public exponent without leading zeros.
    pub fn exponent_be(&self) -> &[u8] {
        &self.inner.exponent
    }

    /// Size of the modulus in bits.
    pub fn modulus_bits(&self) -> usize {
        self.inner.bits
    }

    /// Verifies a PKCS#1 v1.5 signature over `msg`.
    ///
    /// Returns [`Error::BadSignature`] if it does not verify, and
    /// [`Error::Unsupported`] for RSA-SHA384 with a key below 2048 bits
    /// (aws-lc-rs offers no such verifier).
    pub fn verify(&self, alg: SignatureAlgorithm, msg: &[u8], sig: &[u8]) -> Result<()> {
        let params = alg.verify_params(self.inner.bits)?;
        let slot = self
            .inner
            .verifiers
            .get(alg.index())
            .ok_or(Error::Unsupported("signature algorithm"))?;
        let verifier = match slot.get() {
            Some(v) => v,
            None => {
                let v = ParsedPublicKey::new(params, self.inner.pkcs1.as_slice())
                    .map_err(|_| Error::KeyRejected("invalid rsa public key"))?;
                // A concurrent initialiser may win; either value is equivalent.
                let _ = slot.set(v);
                slot.get()
                    .ok_or(Error::KeyRejected("invalid rsa public key"))?
            }
        };
        verifier
            .verify_sig(msg, sig)
            .map_err(|_| Error::BadSignature)
    }

    /// The OAEP encryption key, built on first use (needs >= 2048 bits).
    pub(super) fn oaep_key(&self) -> Result<&OaepPublicEncryptingKey> {
        if let Some(k) = self.inner.oaep.get() {
            return Ok(k);
        }
        let public = aws_lc_rs::rsa::PublicEncryptingKey::from_der(&self.inner.spki)
            .map_err(|_| Error::KeyRejected("rsa key shorter than 2048 bits cannot encrypt"))?;
        let key = OaepPublicEncryptingKey::new(public)
            .map_err(|_| Error::KeyRejected("invalid rsa public key"))?;
        let _ = self.inner.oaep.set(key);
        self.inner
            .oaep
            .get()
            .ok_or(Error::KeyRejected("invalid rsa public key"))
    }
}

impl PartialEq for RsaPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.inner.spki == other.inner.spki
    }
}

impl Eq for RsaPublicKey {}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("modulus_bits", &self.inner.bits)
            .finish_non_exhaustive()
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
    Token(super::pkcs11::TokenKey),
}

/// Where a private key is.
pub(super) enum PrivateOp<'a> {
    /// In this process: aws-lc's OAEP key.
    Local(&'a OaepPrivateDecryptingKey),
    /// In a token.
    Token(&'a super::pkcs11::TokenKey),
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

    /// The key a PKCS#11 URI names (see [`super::pkcs11`]): it stays in its token, which
    /// signs and decrypts with it; [`Self::to_pkcs8_der`] fails for it.
    pub fn from_pkcs11_uri(uri: &str) -> Result<Self> {
        let uri = super::pkcs11::Pkcs11Uri::parse(uri)?;
        let key = super::pkcs11::TokenKey::open(&uri)?;
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
    pub(super) fn private_op(&self) -> PrivateOp<'_> {
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

/// An HMAC algorithm (XML-DSig `hmac-sha*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HmacAlgorithm {
    /// HMAC-SHA1.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
    /// HMAC-SHA512.
    Sha512,
}

impl HmacAlgorithm {
    /// Length of the untruncated MAC in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Shortest acceptable truncated MAC in bytes: max(80, hash bits / 2)
    /// bits, the XML-DSig 1.1 rule (CVE-2009-0217).
    pub fn min_truncated_len(self) -> usize {
        (self.output_len() / 2).max(10)
    }

    fn lc(self) -> hmac::Algorithm {
        match self {
            Self::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
            Self::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

/// Computes the full (untruncated) HMAC of `msg` under `key`.
pub fn hmac_sign(alg: HmacAlgorithm, key: &[u8], msg: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(alg.lc(), key);
    hmac::sign(&key, msg).as_ref().to_vec()
}

/// Verifies an HMAC `tag`, which may be a truncated prefix of the full MAC
/// (XML-DSig `HMACOutputLength`).
///
/// The first `tag.len()` bytes are compared in constant time. Refused with
/// [`Error::BadSignature`]: an empty key, a tag shorter than
/// [`HmacAlgorithm::min_truncated_len`], or one longer than the hash.
pub fn hmac_verify(alg: HmacAlgorithm, key: &[u8], msg: &[u8], tag: &[u8]) -> Result<()> {
    if key.is_empty() || tag.len() < alg.min_truncated_len() || tag.len() > alg.output_len() {
        return Err(Error::BadSignature);
    }
    let full = hmac_sign(alg, key, msg);
    let prefix = full.get(..tag.len()).ok_or(Error::BadSignature)?;
    if ct_eq(prefix, tag) {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::crypto::test_support::{b64, between, hex, openssl, read_fixture, read_fixture_str};

    fn sts_key() -> RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| {
            RsaPrivateKey::from_pem(&read_fixture_str("clients/pki/sts.key")).unwrap()
        })
        .clone()
    }

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
    fn verifies_openssl_signature_with_certificate_key() {
        // SPKI of the client certificate, extracted by openssl.
        let cert = read_fixture_str("clients/pki/client.pem");
        let spki_pem = openssl(&["x509", "-pubkey", "-noout"], cert.as_bytes());
        let spki_pem = String::from_utf8(spki_pem).unwrap();
        let public = RsaPublicKey::from_pem(&spki_pem).unwrap();
        let spki = pem_decode(&spki_pem, "PUBLIC KEY").unwrap();
        assert_eq!(public.spki_der(), spki);
        assert_eq!(RsaPublicKey::from_spki_der(&spki).unwrap(), public);
        // Also via the separate public-key PEM file.
        let pub_file = RsaPublicKey::from_pem(&read_fixture_str("clients/pki/client.pub.pem"));
        assert_eq!(pub_file.unwrap(), public);

        let key_path = crate::crypto::test_support::fixture("clients/pki/client.key");
        let msg = b"client message";
        let sig = openssl(
            &["dgst", "-sha384", "-sign", key_path.to_str().unwrap()],
            msg,
        );
        public
            .verify(SignatureAlgorithm::RsaSha384, msg, &sig)
            .unwrap();
        assert_eq!(
            public.verify(SignatureAlgorithm::RsaSha256, msg, &sig),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn merlin_rsa_sha1_1024_vector() {
        let dir = "xmldsig/merlin-xmldsig-twenty-three";
        let xml = read_fixture_str(&format!("{dir}/signature-enveloping-rsa.xml"));
        let n = b64(between(&xml, "<Modulus>", "</Modulus>"));
        let e = b64(between(&xml, "<Exponent>", "</Exponent>"));
        let sig = b64(between(&xml, "<SignatureValue>", "</SignatureValue>"));
        let signed_info = read_fixture(&format!("{dir}/signature-enveloping-rsa-c14n-1.txt"));
        let key = RsaPublicKey::from_components(&n, &e).unwrap();
        assert_eq!(key.modulus_bits(), 1024);
        assert_eq!(key.exponent_be(), &[1, 0, 1]);
        key.verify(SignatureAlgorithm::RsaSha1, &signed_info, &sig)
            .unwrap();
        // Leading zero on the modulus (CryptoBinary written with a sign byte).
        let mut n0 = vec![0u8];
        n0.extend_from_slice(&n);
        RsaPublicKey::from_components(&n0, &e)
            .unwrap()
            .verify(SignatureAlgorithm::RsaSha1, &signed_info, &sig)
            .unwrap();
        // Wrong canonical form (the Object, not SignedInfo) fails.
        let object = read_fixture(&format!("{dir}/signature-enveloping-rsa-c14n-0.txt"));
        assert_eq!(
            key.verify(SignatureAlgorithm::RsaSha1, &object, &sig),
            Err(Error::BadSignature)
        );
        // A 1024-bit key cannot take RSA-SHA384 in aws-lc-rs.
        assert!(matches!(
            key.verify(SignatureAlgorithm::RsaSha384, &signed_info, &sig),
            Err(Error::Unsupported(_))
        ));
        // ...nor OAEP encryption.
        assert!(matches!(key.oaep_key(), Err(Error::KeyRejected(_))));
    }

    #[test]
    fn public_key_encodings_round_trip() {
        let public = sts_key().public_key();
        let spki = public.spki_der();
        let pkcs1 = public.pkcs1_der();
        assert_eq!(RsaPublicKey::from_spki_der(&spki).unwrap(), public);
        assert_eq!(RsaPublicKey::from_pkcs1_der(&pkcs1).unwrap(), public);
        let from_parts =
            RsaPublicKey::from_components(public.modulus_be(), public.exponent_be()).unwrap();
        assert_eq!(from_parts, public);
        assert_eq!(from_parts.modulus_bits(), public.modulus_bits());
        // Each constructor insists on its own format.
        assert!(matches!(
            RsaPublicKey::from_spki_der(&pkcs1),
            Err(Error::KeyRejected(_))
        ));
        assert!(matches!(
            RsaPublicKey::from_pkcs1_der(&spki),
            Err(Error::KeyRejected(_))
        ));
        for junk in [
            &b""[..],
            b"\x30",
            b"\x30\x03\x02\x01\x01",
            b"garbage garbage",
        ] {
            assert!(RsaPublicKey::from_spki_der(junk).is_err());
            assert!(RsaPublicKey::from_pkcs1_der(junk).is_err());
        }
        assert!(RsaPublicKey::from_components(&[], &[1, 0, 1]).is_err());
        assert!(RsaPublicKey::from_components(&[0, 0], &[1, 0, 1]).is_err());
        // 512-bit modulus is refused outright.
        assert!(matches!(
            RsaPublicKey::from_components(&[0xc3; 64], &[1, 0, 1]),
            Err(Error::KeyRejected(_))
        ));
        assert_eq!(
            format!("{public:?}"),
            format!(
                "RsaPublicKey {{ modulus_bits: {}, .. }}",
                public.modulus_bits()
            )
        );
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

    #[test]
    fn hmac_rfc4231_case2() {
        let key = b"Jefe";
        let msg = b"what do ya want for nothing?";
        let cases = [
            (
                HmacAlgorithm::Sha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                HmacAlgorithm::Sha384,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
                 8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                HmacAlgorithm::Sha512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (alg, expected) in cases {
            let tag = hmac_sign(alg, key, msg);
            assert_eq!(tag, hex(expected), "{alg:?}");
            assert_eq!(tag.len(), alg.output_len());
            hmac_verify(alg, key, msg, &tag).unwrap();
        }
    }

    #[test]
    fn hmac_rfc2202_sha1() {
        // Test case 1 and 2 of RFC 2202.
        let tag = hmac_sign(HmacAlgorithm::Sha1, &[0x0b; 20], b"Hi There");
        assert_eq!(tag, hex("b617318655057264e28bc0b6fb378c8ef146be00"));
        let tag = hmac_sign(
            HmacAlgorithm::Sha1,
            b"Jefe",
            b"what do ya want for nothing?",
        );
        assert_eq!(tag, hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
    }

    #[test]
    fn hmac_rfc4231_case5_truncated_128() {
        // RFC 4231 test case 5: output truncated to 128 bits.
        let key = [0x0c; 20];
        let msg = b"Test With Truncation";
        let t256 = hex("a3b6167473100ee06e0c796c2955552b");
        hmac_verify(HmacAlgorithm::Sha256, &key, msg, &t256).unwrap();
        let mut bad = t256.clone();
        bad[15] ^= 0x80;
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha256, &key, msg, &bad),
            Err(Error::BadSignature)
        );
        // 15 bytes is below half of SHA-256: refused even though it matches.
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha256, &key, msg, &t256[..15]),
            Err(Error::BadSignature)
        );
        let t512 = hex("415fad6271580a531d4179bc891d87a6");
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha512, &key, msg, &t512),
            Err(Error::BadSignature),
            "128 bits is below half of sha-512"
        );
        assert_eq!(
            &hmac_sign(HmacAlgorithm::Sha512, &key, msg)[..16],
            &t512[..]
        );
    }

    #[test]
    fn hmac_length_and_key_rules() {
        let key = b"secret";
        let full = hmac_sign(HmacAlgorithm::Sha1, key, b"m");
        hmac_verify(HmacAlgorithm::Sha1, key, b"m", &full[..10]).unwrap();
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha1, key, b"m", &full[..9]),
            Err(Error::BadSignature)
        );
        let mut long = full;
        long.push(0);
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha1, key, b"m", &long),
            Err(Error::BadSignature)
        );
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha1, key, b"m", &[]),
            Err(Error::BadSignature)
        );
        let empty_key_tag = hmac_sign(HmacAlgorithm::Sha1, b"", b"m");
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha1, b"", b"m", &empty_key_tag),
            Err(Error::BadSignature)
        );
        assert_eq!(HmacAlgorithm::Sha1.min_truncated_len(), 10);
        assert_eq!(HmacAlgorithm::Sha256.min_truncated_len(), 16);
        assert_eq!(HmacAlgorithm::Sha384.min_truncated_len(), 24);
        assert_eq!(HmacAlgorithm::Sha512.min_truncated_len(), 32);
    }

    #[test]
    fn merlin_hmac_sha1_vectors() {
        let dir = "xmldsig/merlin-xmldsig-twenty-three";
        let xml = read_fixture_str(&format!("{dir}/signature-enveloping-hmac-sha1.xml"));
        let sig = b64(between(&xml, "<SignatureValue>", "</SignatureValue>"));
        let si = read_fixture(&format!("{dir}/signature-enveloping-hmac-sha1-c14n-1.txt"));
        hmac_verify(HmacAlgorithm::Sha1, b"secret", &si, &sig).unwrap();
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha1, b"secreT", &si, &sig),
            Err(Error::BadSignature)
        );
        // The 40-bit truncated variant must be refused (CVE-2009-0217).
        let xml40 = read_fixture_str(&format!("{dir}/signature-enveloping-hmac-sha1-40.xml"));
        let sig40 = b64(between(&xml40, "<SignatureValue>", "</SignatureValue>"));
        let si40 = read_fixture(&format!(
            "{dir}/signature-enveloping-hmac-sha1-40-c14n-1.txt"
        ));
        assert_eq!(sig40.len(), 5);
        assert_eq!(
            &hmac_sign(HmacAlgorithm::Sha1, b"secret", &si40)[..5],
            &sig40[..]
        );
        assert_eq!(
            hmac_verify(HmacAlgorithm::Sha1, b"secret", &si40, &sig40),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn first_inner_tag_walk() {
        assert_eq!(first_inner_tag(&[0x30, 0x03, 0x02, 0x01, 0x00]), Some(0x02));
        assert_eq!(first_inner_tag(&[0x30, 0x81, 0x80, 0x30]), Some(0x30));
        assert_eq!(first_inner_tag(&[0x30, 0x80, 0x30]), None);
        assert_eq!(first_inner_tag(&[0x31, 0x03, 0x02]), None);
        assert_eq!(first_inner_tag(&[0x30]), None);
        assert_eq!(first_inner_tag(&[]), None);
    }
}
