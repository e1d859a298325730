//! Symmetric content encryption in XML Encryption wire forms.
//!
//! * AES-GCM: `IV (12 bytes) || ciphertext || tag (16 bytes)`, no AAD (with AAD for JWE:
//!   [`encrypt_with_aad`]).
//! * AES-CBC: `IV (16 bytes) || ciphertext`, padded per XML-Enc §5.2.1: the
//!   last byte holds the pad length (1..=16) and the other pad bytes are
//!   arbitrary. We write PKCS#7-style filler but never check filler bytes
//!   when decrypting, so ISO 10126 style senders (random filler) interoperate.
//!
//! Padding-oracle stance: CBC is unauthenticated. Every decryption failure
//! is the same [`Error::Decrypt`], and the pad check avoids data-dependent
//! early returns, but timing and error collapsing here are not enough on
//! their own: callers must authenticate the ciphertext (signature over the
//! `EncryptedData`/ key) before decrypting where the protocol allows it, and
//! must map every decryption failure, including later XML parse failures of
//! the plaintext, to one indistinguishable fault.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_192_GCM, AES_256_GCM};
use aws_lc_rs::cipher::{
    DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey, AES_128,
    AES_192, AES_256,
};
use subtle::{ConditionallySelectable as _, ConstantTimeEq as _, ConstantTimeLess as _};

use super::error::{Error, Result};
use super::random::random_array;
use super::secret::SecretBytes;

const GCM_IV_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;
const BLOCK: usize = 16;

/// A content-encryption algorithm (XML-Enc `aes*-cbc`, XML-Enc 1.1
/// `aes*-gcm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockCipher {
    /// AES-128 in CBC mode.
    Aes128Cbc,
    /// AES-192 in CBC mode.
    Aes192Cbc,
    /// AES-256 in CBC mode.
    Aes256Cbc,
    /// AES-128 in GCM mode.
    Aes128Gcm,
    /// AES-192 in GCM mode.
    Aes192Gcm,
    /// AES-256 in GCM mode.
    Aes256Gcm,
}

impl BlockCipher {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Cbc | Self::Aes128Gcm => 16,
            Self::Aes192Cbc | Self::Aes192Gcm => 24,
            Self::Aes256Cbc | Self::Aes256Gcm => 32,
        }
    }

    /// Whether the mode authenticates (GCM) rather than only encrypts (CBC).
    pub fn is_aead(self) -> bool {
        matches!(self, Self::Aes128Gcm | Self::Aes192Gcm | Self::Aes256Gcm)
    }

    /// Length of the IV prefixed to the ciphertext.
    pub fn iv_len(self) -> usize {
        if self.is_aead() {
            GCM_IV_LEN
        } else {
            BLOCK
        }
    }

    fn check_key(self, key: &[u8]) -> Result<()> {
        if key.len() == self.key_len() {
            Ok(())
        } else {
            Err(Error::InvalidLength(
                "content-encryption key length does not match the algorithm",
            ))
        }
    }

    fn cbc_alg(self) -> &'static aws_lc_rs::cipher::Algorithm {
        match self.key_len() {
            16 => &AES_128,
            24 => &AES_192,
            _ => &AES_256,
        }
    }

    fn gcm_key(self, key: &[u8]) -> Result<LessSafeKey> {
        self.check_key(key)?;
        let alg = match self.key_len() {
            16 => &AES_128_GCM,
            24 => &AES_192_GCM,
            _ => &AES_256_GCM,
        };
        let unbound = UnboundKey::new(alg, key).map_err(|_| Error::InvalidLength("aes-gcm key"))?;
        Ok(LessSafeKey::new(unbound))
    }
}

/// Encrypts `plaintext` under `key`, returning the XML-Enc wire form
/// (random IV prefixed; GCM tag appended). A key of the wrong length is
/// [`Error::InvalidLength`].
pub fn encrypt(alg: BlockCipher, key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    if alg.is_aead() {
        gcm_encrypt_with_iv(alg, key, &random_array()?, plaintext)
    } else {
        cbc_encrypt_with_iv(alg, key, &random_array()?, plaintext)
    }
}

/// Decrypts the XML-Enc wire form produced by [`encrypt`] (or a peer).
///
/// A key of the wrong length is [`Error::InvalidLength`]; any other failure
/// (too short, not block aligned, bad pad length, GCM tag mismatch) is
/// [`Error::Decrypt`].
pub fn decrypt(alg: BlockCipher, key: &[u8], data: &[u8]) -> Result<SecretBytes> {
    if alg.is_aead() {
        gcm_decrypt(alg, key, data)
    } else {
        cbc_decrypt(alg, key, data)
    }
}

/// AES-GCM over `plaintext` with additional authenticated data `aad`, in the same wire form
/// as [`encrypt`] (`IV || ciphertext || tag`, random IV): what JWE content encryption (RFC 7516
/// §5.1, the protected header as AAD) needs. A CBC algorithm is [`Error::Unsupported`].
pub fn encrypt_with_aad(
    alg: BlockCipher,
    key: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    gcm_seal(alg, key, &random_array()?, aad, plaintext)
}

/// Opens the wire form of [`encrypt_with_aad`] with the same `aad`; every failure is
/// [`Error::Decrypt`] (a wrong key length [`Error::InvalidLength`]).
pub fn decrypt_with_aad(
    alg: BlockCipher,
    key: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Result<SecretBytes> {
    if !alg.is_aead() {
        return Err(Error::Unsupported("not an aead cipher"));
    }
    gcm_open(alg, key, aad, data)
}

/// AES-GCM with an explicit IV (tests and known-answer checks only: the
/// public API always draws a random IV).
pub(crate) fn gcm_encrypt_with_iv(
    alg: BlockCipher,
    key: &[u8],
    iv: &[u8; GCM_IV_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    gcm_seal(alg, key, iv, &[], plaintext)
}

fn gcm_seal(
    alg: BlockCipher,
    key: &[u8],
    iv: &[u8; GCM_IV_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    if !alg.is_aead() {
        return Err(Error::Unsupported("not an aead cipher"));
    }
    let key = alg.gcm_key(key)?;
    // Reserve the full size up front so the buffer holding plaintext is
    // never reallocated (no stray copies left in freed memory).
    let mut out = Vec::with_capacity(GCM_IV_LEN + plaintext.len() + GCM_TAG_LEN);
    out.extend_from_slice(iv);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(*iv),
            Aad::from(aad),
            &mut out[GCM_IV_LEN..],
        )
        .map_err(|_| Error::InvalidLength("plaintext too long for aes-gcm"))?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

fn gcm_decrypt(alg: BlockCipher, key: &[u8], data: &[u8]) -> Result<SecretBytes> {
    gcm_open(alg, key, &[], data)
}

fn gcm_open(alg: BlockCipher, key: &[u8], aad: &[u8], data: &[u8]) -> Result<SecretBytes> {
    let key = alg.gcm_key(key)?;
    if data.len() < GCM_IV_LEN + GCM_TAG_LEN {
        return Err(Error::Decrypt);
    }
    let (iv, body) = data.split_at(GCM_IV_LEN);
    let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| Error::Decrypt)?;
    let mut buf = SecretBytes::from_slice(body);
    let len = key
        .open_in_place(nonce, Aad::from(aad), buf.expose_mut())
        .map_err(|_| Error::Decrypt)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// AES-CBC with an explicit IV (the public API draws a random one).
pub(crate) fn cbc_encrypt_with_iv(
    alg: BlockCipher,
    key: &[u8],
    iv: &[u8; BLOCK],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    if alg.is_aead() {
        return Err(Error::Unsupported("not a cbc cipher"));
    }
    alg.check_key(key)?;
    let unbound =
        UnboundCipherKey::new(alg.cbc_alg(), key).map_err(|_| Error::InvalidLength("aes key"))?;
    let enc = EncryptingKey::cbc(unbound).map_err(|_| Error::InvalidLength("aes key"))?;
    let pad = BLOCK - plaintext.len() % BLOCK; // 1..=16
    let mut out = Vec::with_capacity(BLOCK + plaintext.len() + pad);
    out.extend_from_slice(iv);
    out.extend_from_slice(plaintext);
    // `pad` is at most 16, so the cast is lossless.
    out.resize(out.len() + pad, pad as u8);
    enc.less_safe_encrypt(&mut out[BLOCK..], EncryptionContext::Iv128((*iv).into()))
        .map_err(|_| Error::InvalidLength("aes-cbc input"))?;
    Ok(out)
}

fn cbc_decrypt(alg: BlockCipher, key: &[u8], data: &[u8]) -> Result<SecretBytes> {
    alg.check_key(key)?;
    let unbound =
        UnboundCipherKey::new(alg.cbc_alg(), key).map_err(|_| Error::InvalidLength("aes key"))?;
    let dec = DecryptingKey::cbc(unbound).map_err(|_| Error::InvalidLength("aes key"))?;
    // Lengths are public; rejecting them early leaks nothing about content.
    if data.len() < 2 * BLOCK || data.len() % BLOCK != 0 {
        return Err(Error::Decrypt);
    }
    let (iv, body) = data.split_at(BLOCK);
    let mut iv_arr = [0u8; BLOCK];
    iv_arr.copy_from_slice(iv);
    let mut buf = SecretBytes::from_slice(body);
    let decrypted_ok = dec
        .decrypt(buf.expose_mut(), DecryptionContext::Iv128(iv_arr.into()))
        .is_ok();
    let total = buf.len();
    let last = buf.expose().last().copied().unwrap_or(0);
    // valid <=> 1 <= last <= 16, computed without branching on `last`.
    let valid = !last.ct_eq(&0) & last.ct_lt(&(BLOCK as u8 + 1));
    let pad = usize::from(u8::conditional_select(&0, &last, valid));
    if !(decrypted_ok && bool::from(valid)) {
        return Err(Error::Decrypt);
    }
    buf.truncate(total.saturating_sub(pad));
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_support::{b64, between, hex, read_fixture, read_fixture_str, squash};

    const ALL: [BlockCipher; 6] = [
        BlockCipher::Aes128Cbc,
        BlockCipher::Aes192Cbc,
        BlockCipher::Aes256Cbc,
        BlockCipher::Aes128Gcm,
        BlockCipher::Aes192Gcm,
        BlockCipher::Aes256Gcm,
    ];

    #[test]
    fn round_trips_every_length() {
        for alg in ALL {
            let key: Vec<u8> = (0..alg.key_len() as u8).collect();
            for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 100] {
                let pt: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let ct = encrypt(alg, &key, &pt).unwrap();
                let expected_len = if alg.is_aead() {
                    12 + len + 16
                } else {
                    16 + (len / 16 + 1) * 16
                };
                assert_eq!(ct.len(), expected_len, "{alg:?} {len}");
                assert_eq!(
                    decrypt(alg, &key, &ct).unwrap().expose(),
                    &pt[..],
                    "{alg:?}"
                );
                assert_ne!(
                    encrypt(alg, &key, &pt).unwrap()[..alg.iv_len()],
                    ct[..alg.iv_len()]
                );
            }
        }
    }

    #[test]
    fn wrong_key_length_is_invalid_length() {
        for alg in ALL {
            let key = vec![1u8; alg.key_len() + 1];
            assert!(matches!(
                encrypt(alg, &key, b"x"),
                Err(Error::InvalidLength(_))
            ));
            assert!(matches!(
                decrypt(alg, &key, &[0; 48]),
                Err(Error::InvalidLength(_))
            ));
            assert!(matches!(
                encrypt(alg, &key[..alg.key_len() - 1], b"x"),
                Err(Error::InvalidLength(_))
            ));
        }
    }

    #[test]
    fn gcm_mcgrew_viega_test_case_3() {
        // McGrew & Viega, "The GCM Mode of Operation", test case 3: AES-128,
        // 96-bit IV, no AAD (the XML-Enc form has none).
        let key = hex("feffe9928665731c6d6a8f9467308308");
        let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let pt = hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        );
        let ct = hex(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
        );
        let tag = hex("4d5c2af327cd64a62cf35abd2ba6fab4");
        let mut expected = iv.to_vec();
        expected.extend_from_slice(&ct);
        expected.extend_from_slice(&tag);
        let out = gcm_encrypt_with_iv(BlockCipher::Aes128Gcm, &key, &iv, &pt).unwrap();
        assert_eq!(out, expected);
        assert_eq!(
            decrypt(BlockCipher::Aes128Gcm, &key, &out)
                .unwrap()
                .expose(),
            &pt[..]
        );
    }

    #[test]
    fn gcm_test_case_15_aes256() {
        // McGrew & Viega test case 15 (AES-256, 96-bit IV, no AAD).
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let pt = hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        );
        let ct = hex(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        );
        let tag = hex("b094dac5d93471bdec1a502270e3cc6c");
        let out = gcm_encrypt_with_iv(BlockCipher::Aes256Gcm, &key, &iv, &pt).unwrap();
        assert_eq!(&out[12..12 + 64], &ct[..]);
        assert_eq!(&out[12 + 64..], &tag[..]);
    }

    #[test]
    fn gcm_tampering_is_decrypt() {
        let key = [3u8; 16];
        let ct = encrypt(BlockCipher::Aes128Gcm, &key, b"assertion").unwrap();
        for pos in [0, 11, 12, ct.len() - 1] {
            let mut bad = ct.clone();
            bad[pos] ^= 1;
            assert_eq!(
                decrypt(BlockCipher::Aes128Gcm, &key, &bad).unwrap_err(),
                Error::Decrypt
            );
        }
        assert_eq!(
            decrypt(BlockCipher::Aes128Gcm, &key, &ct[..27]).unwrap_err(),
            Error::Decrypt
        );
        assert_eq!(
            decrypt(BlockCipher::Aes128Gcm, &[4u8; 16], &ct).unwrap_err(),
            Error::Decrypt
        );
        // Empty plaintext is just IV || tag.
        let empty = encrypt(BlockCipher::Aes128Gcm, &key, b"").unwrap();
        assert_eq!(empty.len(), 28);
        assert!(decrypt(BlockCipher::Aes128Gcm, &key, &empty)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn cbc_sp800_38a_first_block() {
        // NIST SP 800-38A F.2.1 CBC-AES128: the first ciphertext block for
        // a 16-byte plaintext; our padding adds a second block.
        let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let iv: [u8; 16] = hex("000102030405060708090a0b0c0d0e0f").try_into().unwrap();
        let pt = hex("6bc1bee22e409f96e93d7e117393172a");
        let out = cbc_encrypt_with_iv(BlockCipher::Aes128Cbc, &key, &iv, &pt).unwrap();
        assert_eq!(&out[..16], &iv);
        assert_eq!(&out[16..32], &hex("7649abac8119b246cee98e9b12e9197d")[..]);
        assert_eq!(out.len(), 48);
        assert_eq!(
            decrypt(BlockCipher::Aes128Cbc, &key, &out)
                .unwrap()
                .expose(),
            &pt[..]
        );
    }

    #[test]
    fn merlin_aes128_cbc() {
        let dir = "xmlenc/merlin-xmlenc-five";
        let xml = read_fixture_str(&format!("{dir}/encrypt-data-aes128-cbc.xml"));
        let data = b64(between(&xml, "<CipherValue>", "</CipherValue>"));
        let expected = read_fixture(&format!("{dir}/encrypt-data-aes128-cbc.data"));
        let pt = decrypt(BlockCipher::Aes128Cbc, b"abcdefghijklmnop", &data).unwrap();
        assert_eq!(pt.expose(), &expected[..]);
        assert!(matches!(
            decrypt(BlockCipher::Aes256Cbc, b"abcdefghijklmnop", &data),
            Err(Error::InvalidLength(_))
        ));
    }

    #[test]
    fn merlin_aes256_cbc_element() {
        // A second real vector (AES-256, key "jed").
        let dir = "xmlenc/merlin-xmlenc-five";
        let xml = read_fixture_str(&format!("{dir}/encrypt-content-aes256-cbc-prop.xml"));
        let data = b64(between(&xml, "<CipherValue>", "</CipherValue>"));
        let pt = decrypt(
            BlockCipher::Aes256Cbc,
            b"abcdefghijklmnopqrstuvwxyz012345",
            &data,
        )
        .unwrap();
        let expected = read_fixture_str(&format!("{dir}/encrypt-content-aes256-cbc-prop.data"));
        let text = String::from_utf8(pt.expose().to_vec()).unwrap();
        // The plaintext is the PaymentInfo content, serialised by the sender
        // with different whitespace; compare with all whitespace removed.
        let payment = between(&expected, "<PaymentInfo Id=\"Payment\">", "</PaymentInfo>");
        assert_eq!(squash(&text), squash(payment));
    }

    /// Encrypts raw blocks (no padding added) so tests can plant any pad byte.
    fn cbc_raw(key: &[u8], iv: &[u8; 16], blocks: &[u8]) -> Vec<u8> {
        let unbound = UnboundCipherKey::new(&AES_128, key).unwrap();
        let enc = EncryptingKey::cbc(unbound).unwrap();
        let mut body = blocks.to_vec();
        enc.less_safe_encrypt(&mut body, EncryptionContext::Iv128((*iv).into()))
            .unwrap();
        let mut out = iv.to_vec();
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn cbc_padding_rules() {
        let key = [9u8; 16];
        let iv = [1u8; 16];
        // ISO 10126 style: random filler, last byte = 5. Accepted.
        let mut block = *b"hello world\x99\x13\x37\xee\x05";
        let ct = cbc_raw(&key, &iv, &block);
        assert_eq!(
            decrypt(BlockCipher::Aes128Cbc, &key, &ct).unwrap().expose(),
            b"hello world"
        );
        // Full block of padding (16) is accepted and yields empty plaintext.
        let ct = cbc_raw(&key, &iv, &[16u8; 16]);
        assert!(decrypt(BlockCipher::Aes128Cbc, &key, &ct)
            .unwrap()
            .is_empty());
        // Pad length 0 and 17..=255 are refused with the single Decrypt error.
        for bad_pad in [0u8, 17, 32, 255] {
            block[15] = bad_pad;
            let ct = cbc_raw(&key, &iv, &block);
            assert_eq!(
                decrypt(BlockCipher::Aes128Cbc, &key, &ct).unwrap_err(),
                Error::Decrypt,
                "pad {bad_pad}"
            );
        }
        // Bad lengths: same error.
        let good = encrypt(BlockCipher::Aes128Cbc, &key, b"0123456789").unwrap();
        assert_eq!(good.len(), 32);
        for cut in [0, 1, 15, 16, 17, 31] {
            assert_eq!(
                decrypt(BlockCipher::Aes128Cbc, &key, &good[..cut]).unwrap_err(),
                Error::Decrypt,
                "len {cut}"
            );
        }
        let mut longer = good;
        longer.push(0);
        assert_eq!(
            decrypt(BlockCipher::Aes128Cbc, &key, &longer).unwrap_err(),
            Error::Decrypt
        );
    }

    #[test]
    fn cbc_encrypt_uses_pad_length_filler() {
        let key = [2u8; 24];
        let iv = [0u8; 16];
        let out = cbc_encrypt_with_iv(BlockCipher::Aes192Cbc, &key, &iv, b"abc").unwrap();
        let unbound = UnboundCipherKey::new(&AES_192, &key).unwrap();
        let dec = DecryptingKey::cbc(unbound).unwrap();
        let mut body = out[16..].to_vec();
        let raw = dec
            .decrypt(&mut body, DecryptionContext::Iv128(iv.into()))
            .unwrap();
        let mut expected = b"abc".to_vec();
        expected.extend_from_slice(&[13u8; 13]);
        assert_eq!(raw, &expected[..]);
    }

    #[test]
    fn mode_mismatch_helpers() {
        assert!(gcm_encrypt_with_iv(BlockCipher::Aes128Cbc, &[0; 16], &[0; 12], b"").is_err());
        assert!(cbc_encrypt_with_iv(BlockCipher::Aes128Gcm, &[0; 16], &[0; 16], b"").is_err());
        assert_eq!(BlockCipher::Aes192Gcm.key_len(), 24);
        assert!(BlockCipher::Aes256Gcm.is_aead());
        assert!(!BlockCipher::Aes256Cbc.is_aead());
        assert_eq!(BlockCipher::Aes128Cbc.iv_len(), 16);
        assert_eq!(BlockCipher::Aes128Gcm.iv_len(), 12);
    }
}
