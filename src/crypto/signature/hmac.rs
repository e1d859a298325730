//! HMAC with the XML-DSig truncation rules (`HMACOutputLength`, CVE-2009-0217).

use aws_lc_rs::hmac;

use crate::crypto::digest::DigestAlgorithm;
use crate::crypto::error::{Error, Result};
use crate::crypto::secret::ct_eq;

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
    /// The hash the MAC is built on.
    fn digest(self) -> DigestAlgorithm {
        match self {
            Self::Sha1 => DigestAlgorithm::Sha1,
            Self::Sha256 => DigestAlgorithm::Sha256,
            Self::Sha384 => DigestAlgorithm::Sha384,
            Self::Sha512 => DigestAlgorithm::Sha512,
        }
    }

    /// Length of the untruncated MAC in bytes (that of its hash).
    pub fn output_len(self) -> usize {
        self.digest().output_len()
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
    use super::*;
    use crate::crypto::test_support::{b64, between, hex, read_fixture, read_fixture_str};

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
}
