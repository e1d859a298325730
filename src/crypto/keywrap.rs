//! Key transport and key wrapping: RSA-OAEP and AES key wrap (RFC 3394).
//!
//! RSA PKCS#1 v1.5 encryption (XML-Enc `rsa-1_5`) is deliberately absent:
//! it cannot be decrypted without a padding oracle risk, so higher layers
//! report it as unsupported.

use aws_lc_rs::cipher::{
    DecryptingKey, DecryptionContext, EncryptingKey, UnboundCipherKey, AES_192,
};
use aws_lc_rs::key_wrap::{AesKek, KeyWrap as _, AES_128, AES_256};
use aws_lc_rs::rsa::{
    OaepAlgorithm, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384,
    OAEP_SHA512_MGF1SHA512,
};
use zeroize::Zeroize;

use super::digest::DigestAlgorithm;
use super::error::{Error, Result};
use super::secret::{ct_eq, SecretBytes};
use super::signature::{RsaPrivateKey, RsaPublicKey};

/// RSA-OAEP parameters (XML-Enc `rsa-oaep-mgf1p` / `rsa-oaep`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaepParams {
    /// Digest used for the label hash (`ds:DigestMethod`).
    pub digest: DigestAlgorithm,
    /// Digest used by MGF1 (`xenc11:MGF`). aws-lc-rs only supports it equal
    /// to `digest`.
    pub mgf1: DigestAlgorithm,
    /// The OAEP label (`xenc:OAEPparams`); `None` and an empty label are the
    /// same thing.
    pub label: Option<Vec<u8>>,
}

impl OaepParams {
    /// SHA-1 with MGF1-SHA1 and no label: the XML-Enc `rsa-oaep-mgf1p`
    /// default.
    pub fn sha1() -> Self {
        Self {
            digest: DigestAlgorithm::Sha1,
            mgf1: DigestAlgorithm::Sha1,
            label: None,
        }
    }

    /// SHA-256 with MGF1-SHA256 and no label.
    pub fn sha256() -> Self {
        Self {
            digest: DigestAlgorithm::Sha256,
            mgf1: DigestAlgorithm::Sha256,
            label: None,
        }
    }

    fn algorithm(&self) -> Result<&'static OaepAlgorithm> {
        if self.digest != self.mgf1 {
            return Err(Error::Unsupported("oaep digest and mgf1 digest differ"));
        }
        Ok(match self.digest {
            DigestAlgorithm::Sha1 => &OAEP_SHA1_MGF1SHA1,
            DigestAlgorithm::Sha256 => &OAEP_SHA256_MGF1SHA256,
            DigestAlgorithm::Sha384 => &OAEP_SHA384_MGF1SHA384,
            DigestAlgorithm::Sha512 => &OAEP_SHA512_MGF1SHA512,
        })
    }

    fn label(&self) -> Option<&[u8]> {
        self.label.as_deref().filter(|l| !l.is_empty())
    }
}

impl RsaPublicKey {
    /// Encrypts `plaintext` (typically a symmetric key) with RSA-OAEP.
    ///
    /// Needs a key of at least 2048 bits ([`Error::KeyRejected`] otherwise);
    /// a plaintext too long for the key gives [`Error::InvalidLength`].
    pub fn oaep_encrypt(&self, params: &OaepParams, plaintext: &[u8]) -> Result<Vec<u8>> {
        let alg = params.algorithm()?;
        let key = self.oaep_key()?;
        if plaintext.len() > key.max_plaintext_size(alg) {
            return Err(Error::InvalidLength("plaintext too long for rsa-oaep"));
        }
        let mut out = vec![0u8; key.ciphertext_size()];
        let len = key
            .encrypt(alg, plaintext, &mut out, params.label())
            .map_err(|_| Error::KeyRejected("rsa-oaep encryption failed"))?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

impl RsaPrivateKey {
    /// Decrypts an RSA-OAEP ciphertext. Every failure (wrong length, bad
    /// encoding, wrong label or digest) is [`Error::Decrypt`]; only a
    /// digest/MGF1 mismatch in `params` is reported as unsupported.
    pub fn oaep_decrypt(&self, params: &OaepParams, ciphertext: &[u8]) -> Result<SecretBytes> {
        let alg = params.algorithm()?;
        let key = match self.private_op() {
            super::signature::PrivateOp::Local(k) => k,
            super::signature::PrivateOp::Token(t) => {
                if ciphertext.len() != self.modulus_bits().div_ceil(8) {
                    return Err(Error::Decrypt);
                }
                return t.oaep_decrypt(
                    params.digest,
                    params.mgf1,
                    params.label.as_deref().unwrap_or_default(),
                    ciphertext,
                );
            }
        };
        if ciphertext.len() != key.key_size_bytes() {
            return Err(Error::Decrypt);
        }
        let mut out = SecretBytes::zeroed(key.min_output_size());
        let len = key
            .decrypt(alg, ciphertext, out.expose_mut(), params.label())
            .map_err(|_| Error::Decrypt)?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

/// RFC 3394 default initial value.
const KW_IV: [u8; 8] = [0xa6; 8];

fn check_kek(kek: &[u8]) -> Result<()> {
    match kek.len() {
        16 | 24 | 32 => Ok(()),
        _ => Err(Error::InvalidLength(
            "aes key-encryption key must be 16, 24 or 32 bytes",
        )),
    }
}

/// Wraps `key` under `kek` with AES key wrap (RFC 3394, XML-Enc `kw-aes*`).
///
/// `kek` must be 16, 24 or 32 bytes and `key` a multiple of 8 bytes, at
/// least 16; otherwise [`Error::InvalidLength`]. The result is 8 bytes longer
/// than `key`.
pub fn aes_key_wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>> {
    check_kek(kek)?;
    if key.len() < 16 || key.len() % 8 != 0 {
        return Err(Error::InvalidLength(
            "wrapped key must be a multiple of 8 bytes, at least 16",
        ));
    }
    match kek.len() {
        // aws-lc-rs has no 192-bit key wrap: use our RFC 3394 loop over AES.
        24 => rfc3394_wrap(&AES_192, kek, key),
        len => {
            let cipher = if len == 16 { &AES_128 } else { &AES_256 };
            let kek = AesKek::new(cipher, kek).map_err(|_| Error::InvalidLength("aes kek"))?;
            let mut out = vec![0u8; key.len() + 8];
            let n = kek
                .wrap(key, &mut out)
                .map_err(|_| Error::InvalidLength("aes key wrap"))?
                .len();
            out.truncate(n);
            Ok(out)
        }
    }
}

/// Unwraps an RFC 3394 AES key wrap. A wrong `kek` length is
/// [`Error::InvalidLength`]; every other failure (length of `wrapped`,
/// integrity check) is [`Error::Decrypt`].
pub fn aes_key_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes> {
    check_kek(kek)?;
    if wrapped.len() < 24 || wrapped.len() % 8 != 0 {
        return Err(Error::Decrypt);
    }
    match kek.len() {
        24 => rfc3394_unwrap(&AES_192, kek, wrapped),
        len => {
            let cipher = if len == 16 { &AES_128 } else { &AES_256 };
            let kek = AesKek::new(cipher, kek).map_err(|_| Error::InvalidLength("aes kek"))?;
            let mut out = SecretBytes::zeroed(wrapped.len() - 8);
            let n = kek
                .unwrap(wrapped, out.expose_mut())
                .map_err(|_| Error::Decrypt)?
                .len();
            out.truncate(n);
            Ok(out)
        }
    }
}

/// RFC 3394 §2.2.1 wrapping over a single-block AES-ECB primitive.
fn rfc3394_wrap(
    alg: &'static aws_lc_rs::cipher::Algorithm,
    kek: &[u8],
    key: &[u8],
) -> Result<Vec<u8>> {
    let unbound = UnboundCipherKey::new(alg, kek).map_err(|_| Error::InvalidLength("aes kek"))?;
    let aes = EncryptingKey::ecb(unbound).map_err(|_| Error::InvalidLength("aes kek"))?;
    let n = key.len() / 8;
    let mut a = KW_IV;
    let mut r = SecretBytes::from_slice(key);
    let mut block = [0u8; 16];
    let mut result = Ok(());
    for j in 0..6 {
        for (i, ri) in r.expose_mut().chunks_exact_mut(8).enumerate() {
            block[..8].copy_from_slice(&a);
            block[8..].copy_from_slice(ri);
            if aes.encrypt(&mut block).is_err() {
                result = Err(Error::InvalidLength("aes key wrap"));
            }
            let t = ((n * j + i + 1) as u64).to_be_bytes();
            for (k, ak) in a.iter_mut().enumerate() {
                *ak = block[k] ^ t[k];
            }
            ri.copy_from_slice(&block[8..]);
        }
    }
    block.zeroize();
    result?;
    let mut out = Vec::with_capacity(key.len() + 8);
    out.extend_from_slice(&a);
    out.extend_from_slice(r.expose());
    Ok(out)
}

/// RFC 3394 §2.2.2 unwrapping; the integrity check is constant time and
/// runs after the full loop.
fn rfc3394_unwrap(
    alg: &'static aws_lc_rs::cipher::Algorithm,
    kek: &[u8],
    wrapped: &[u8],
) -> Result<SecretBytes> {
    let unbound = UnboundCipherKey::new(alg, kek).map_err(|_| Error::InvalidLength("aes kek"))?;
    let aes = DecryptingKey::ecb(unbound).map_err(|_| Error::InvalidLength("aes kek"))?;
    let (head, body) = wrapped.split_at(8);
    let n = body.len() / 8;
    let mut a = [0u8; 8];
    a.copy_from_slice(head);
    let mut r = SecretBytes::from_slice(body);
    let mut block = [0u8; 16];
    let mut ok = true;
    for j in (0..6).rev() {
        for (i, ri) in r.expose_mut().chunks_exact_mut(8).enumerate().rev() {
            let t = ((n * j + i + 1) as u64).to_be_bytes();
            for (k, ak) in a.iter().enumerate() {
                block[k] = ak ^ t[k];
            }
            block[8..].copy_from_slice(ri);
            ok &= aes.decrypt(&mut block, DecryptionContext::None).is_ok();
            a.copy_from_slice(&block[..8]);
            ri.copy_from_slice(&block[8..]);
        }
    }
    block.zeroize();
    let valid = ct_eq(&a, &KW_IV);
    a.zeroize();
    if ok && valid {
        Ok(r)
    } else {
        Err(Error::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_support::{
        b64, between, fixture, hex, openssl, read_fixture, read_fixture_str, squash,
    };

    // RFC 3394 §4: (kek, key data, wrapped).
    const RFC3394: [(&str, &str, &str); 6] = [
        (
            // 4.1 128-bit data with 128-bit KEK
            "000102030405060708090A0B0C0D0E0F",
            "00112233445566778899AABBCCDDEEFF",
            "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5",
        ),
        (
            // 4.2 128-bit data with 192-bit KEK
            "000102030405060708090A0B0C0D0E0F1011121314151617",
            "00112233445566778899AABBCCDDEEFF",
            "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D",
        ),
        (
            // 4.3 128-bit data with 256-bit KEK
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF",
            "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7",
        ),
        (
            // 4.4 192-bit data with 192-bit KEK
            "000102030405060708090A0B0C0D0E0F1011121314151617",
            "00112233445566778899AABBCCDDEEFF0001020304050607",
            "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2",
        ),
        (
            // 4.5 192-bit data with 256-bit KEK
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF0001020304050607",
            "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1",
        ),
        (
            // 4.6 256-bit data with 256-bit KEK
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
        ),
    ];

    #[test]
    fn rfc3394_known_answers() {
        for (kek, key, wrapped) in RFC3394 {
            let (kek, key, wrapped) = (hex(kek), hex(key), hex(wrapped));
            assert_eq!(aes_key_wrap(&kek, &key).unwrap(), wrapped);
            assert_eq!(aes_key_unwrap(&kek, &wrapped).unwrap().expose(), &key[..]);
        }
    }

    #[test]
    fn own_rfc3394_loop_agrees_for_every_kek_size() {
        // The ECB-based loop (used for 192-bit KEKs) checked on all vectors.
        for (kek, key, wrapped) in RFC3394 {
            let (kek, key, wrapped) = (hex(kek), hex(key), hex(wrapped));
            let alg = match kek.len() {
                16 => &aws_lc_rs::cipher::AES_128,
                24 => &AES_192,
                _ => &aws_lc_rs::cipher::AES_256,
            };
            assert_eq!(rfc3394_wrap(alg, &kek, &key).unwrap(), wrapped);
            assert_eq!(
                rfc3394_unwrap(alg, &kek, &wrapped).unwrap().expose(),
                &key[..]
            );
            let mut bad = wrapped.clone();
            bad[0] ^= 1;
            assert_eq!(rfc3394_unwrap(alg, &kek, &bad).unwrap_err(), Error::Decrypt);
        }
    }

    #[test]
    fn unwrap_failures_are_decrypt() {
        for (kek, _, wrapped) in RFC3394 {
            let (kek, wrapped) = (hex(kek), hex(wrapped));
            for pos in [0, 8, wrapped.len() - 1] {
                let mut bad = wrapped.clone();
                bad[pos] ^= 0x40;
                assert_eq!(aes_key_unwrap(&kek, &bad).unwrap_err(), Error::Decrypt);
            }
            assert_eq!(
                aes_key_unwrap(&kek, &wrapped[..wrapped.len() - 1]).unwrap_err(),
                Error::Decrypt
            );
            assert_eq!(
                aes_key_unwrap(&kek, &wrapped[..16]).unwrap_err(),
                Error::Decrypt
            );
            assert_eq!(aes_key_unwrap(&kek, &[]).unwrap_err(), Error::Decrypt);
        }
    }

    #[test]
    fn wrap_length_rules() {
        let kek = [7u8; 16];
        assert!(matches!(
            aes_key_wrap(&kek, &[1; 8]),
            Err(Error::InvalidLength(_))
        ));
        assert!(matches!(
            aes_key_wrap(&kek, &[1; 17]),
            Err(Error::InvalidLength(_))
        ));
        assert!(matches!(
            aes_key_wrap(&[0; 20], &[1; 16]),
            Err(Error::InvalidLength(_))
        ));
        assert!(matches!(
            aes_key_unwrap(&[0; 15], &[1; 24]),
            Err(Error::InvalidLength(_))
        ));
        for kek_len in [16, 24, 32] {
            let kek = vec![0x5a; kek_len];
            for key_len in [16, 24, 32, 40, 64] {
                let key: Vec<u8> = (0..key_len as u8).collect();
                let w = aes_key_wrap(&kek, &key).unwrap();
                assert_eq!(w.len(), key_len + 8);
                assert_eq!(aes_key_unwrap(&kek, &w).unwrap().expose(), &key[..]);
            }
        }
    }

    #[test]
    fn merlin_kw_aes192_good_and_tampered() {
        let dir = "xmlenc/merlin-xmlenc-five";
        let kek = b"abcdefghijklmnopqrstuvwx"; // key "jeb"
        let good = read_fixture_str(&format!("{dir}/encrypt-content-aes128-cbc-kw-aes192.xml"));
        let bad = read_fixture_str(&format!(
            "{dir}/bad-encrypt-content-aes128-cbc-kw-aes192.xml"
        ));
        let wrapped = b64(between(&good, "<CipherValue>", "</CipherValue>"));
        let tampered = b64(between(&bad, "<CipherValue>", "</CipherValue>"));
        assert_ne!(wrapped, tampered);
        let cek = aes_key_unwrap(kek, &wrapped).unwrap();
        assert_eq!(cek.len(), 16);
        assert_eq!(aes_key_unwrap(kek, &tampered).unwrap_err(), Error::Decrypt);

        // The unwrapped key decrypts the content to the expected plaintext.
        let data = between(&good, "</EncryptedKey>", "</EncryptedData>");
        let content = b64(between(data, "<CipherValue>", "</CipherValue>"));
        let plain = crate::crypto::decrypt(
            crate::crypto::BlockCipher::Aes128Cbc,
            cek.expose(),
            &content,
        )
        .unwrap();
        let expected = read_fixture(&format!("{dir}/encrypt-content-aes128-cbc-kw-aes192.data"));
        let plain = String::from_utf8(plain.expose().to_vec()).unwrap();
        let expected = String::from_utf8(expected).unwrap();
        let payment = between(&expected, "<PaymentInfo>", "</PaymentInfo>");
        // Same content, serialised with different whitespace by the sender.
        assert_eq!(squash(&plain), squash(payment));
    }

    fn sts() -> RsaPrivateKey {
        RsaPrivateKey::from_pem(&read_fixture_str("clients/pki/sts.key")).unwrap()
    }

    #[test]
    fn oaep_round_trips() {
        let key = sts();
        let public = key.public_key();
        let secret = [0x42u8; 32];
        for params in [
            OaepParams::sha1(),
            OaepParams::sha256(),
            OaepParams {
                digest: DigestAlgorithm::Sha512,
                mgf1: DigestAlgorithm::Sha512,
                label: Some(b"label".to_vec()),
            },
        ] {
            let ct = public.oaep_encrypt(&params, &secret).unwrap();
            assert_eq!(ct.len() * 8, key.modulus_bits());
            let pt = key.oaep_decrypt(&params, &ct).unwrap();
            assert_eq!(pt.expose(), &secret);
            // Randomised encryption.
            assert_ne!(public.oaep_encrypt(&params, &secret).unwrap(), ct);
        }
    }

    #[test]
    fn oaep_label_is_bound() {
        let key = sts();
        let with_label = OaepParams {
            label: Some(b"xenc:OAEPparams".to_vec()),
            ..OaepParams::sha1()
        };
        let ct = key.public_key().oaep_encrypt(&with_label, b"k").unwrap();
        assert_eq!(key.oaep_decrypt(&with_label, &ct).unwrap().expose(), b"k");
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha1(), &ct).unwrap_err(),
            Error::Decrypt
        );
        // An empty label equals no label.
        let empty = OaepParams {
            label: Some(Vec::new()),
            ..OaepParams::sha1()
        };
        let ct = key.public_key().oaep_encrypt(&empty, b"k").unwrap();
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha1(), &ct).unwrap().expose(),
            b"k"
        );
    }

    #[test]
    fn oaep_decrypts_openssl_ciphertexts() {
        let key = sts();
        let cert = fixture("clients/pki/sts.pem");
        let cert = cert.to_str().unwrap();
        let secret = b"0123456789abcdef0123456789abcdef";
        let ct = openssl(
            &[
                "pkeyutl",
                "-encrypt",
                "-certin",
                "-inkey",
                cert,
                "-pkeyopt",
                "rsa_padding_mode:oaep",
            ],
            secret,
        );
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha1(), &ct).unwrap().expose(),
            secret
        );
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha256(), &ct).unwrap_err(),
            Error::Decrypt
        );
        let ct256 = openssl(
            &[
                "pkeyutl",
                "-encrypt",
                "-certin",
                "-inkey",
                cert,
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ],
            secret,
        );
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha256(), &ct256)
                .unwrap()
                .expose(),
            secret
        );
        // Tampering anywhere gives the single Decrypt error.
        for pos in [0, 1, ct.len() / 2, ct.len() - 1] {
            let mut bad = ct.clone();
            bad[pos] ^= 0x01;
            assert_eq!(
                key.oaep_decrypt(&OaepParams::sha1(), &bad).unwrap_err(),
                Error::Decrypt
            );
        }
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha1(), &ct[1..]).unwrap_err(),
            Error::Decrypt
        );
        assert_eq!(
            key.oaep_decrypt(&OaepParams::sha1(), &[]).unwrap_err(),
            Error::Decrypt
        );
    }

    #[test]
    fn openssl_decrypts_our_ciphertext() {
        let key_path = fixture("clients/pki/sts.key");
        let ct = sts()
            .public_key()
            .oaep_encrypt(&OaepParams::sha256(), b"session key bytes")
            .unwrap();
        let pt = openssl(
            &[
                "pkeyutl",
                "-decrypt",
                "-inkey",
                key_path.to_str().unwrap(),
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ],
            &ct,
        );
        assert_eq!(pt, b"session key bytes");
    }

    #[test]
    fn oaep_parameter_errors() {
        let key = sts();
        let mixed = OaepParams {
            digest: DigestAlgorithm::Sha256,
            mgf1: DigestAlgorithm::Sha1,
            label: None,
        };
        let expected = Error::Unsupported("oaep digest and mgf1 digest differ");
        assert_eq!(
            key.public_key().oaep_encrypt(&mixed, b"k").unwrap_err(),
            expected
        );
        assert_eq!(key.oaep_decrypt(&mixed, &[0; 256]).unwrap_err(), expected);
        // Plaintext too long: 2048-bit key, SHA-1 allows 256 - 42 = 214 bytes.
        let bytes = key.modulus_bits() / 8;
        let max = bytes - 2 * 20 - 2;
        assert!(key
            .public_key()
            .oaep_encrypt(&OaepParams::sha1(), &vec![1; max])
            .is_ok());
        assert!(matches!(
            key.public_key()
                .oaep_encrypt(&OaepParams::sha1(), &vec![1; max + 1]),
            Err(Error::InvalidLength(_))
        ));
    }
}
