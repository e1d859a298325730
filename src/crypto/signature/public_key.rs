//! RSA public keys: parsed once from SPKI, PKCS#1, components or PEM, with verifiers (and
//! the OAEP encryption key) built on first use.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::OaepPublicEncryptingKey;
use aws_lc_rs::signature::{ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};

use super::{SignatureAlgorithm, MAX_BITS, MIN_PUBLIC_BITS};
use crate::crypto::error::{Error, Result};
use crate::crypto::pem::pem_decode;

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
    pub(in crate::crypto) fn oaep_key(&self) -> Result<&OaepPublicEncryptingKey> {
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pem_decode;
    use crate::crypto::signature::sts_key;
    use crate::crypto::test_support::{b64, between, openssl, read_fixture, read_fixture_str};

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
    fn first_inner_tag_walk() {
        assert_eq!(first_inner_tag(&[0x30, 0x03, 0x02, 0x01, 0x00]), Some(0x02));
        assert_eq!(first_inner_tag(&[0x30, 0x81, 0x80, 0x30]), Some(0x30));
        assert_eq!(first_inner_tag(&[0x30, 0x80, 0x30]), None);
        assert_eq!(first_inner_tag(&[0x31, 0x03, 0x02]), None);
        assert_eq!(first_inner_tag(&[0x30]), None);
        assert_eq!(first_inner_tag(&[]), None);
    }
}
