//! P_SHA-1 key derivation (TLS 1.0, RFC 2246 §5), as used by WS-Trust
//! computed keys (`CK/PSHA1`) and WS-SecureConversation derived keys.

use aws_lc_rs::hmac;
use zeroize::Zeroize;

use super::error::{Error, Result};
use super::secret::SecretBytes;

/// Largest `offset + len` that [`psha1_at`] (and `len` for [`psha1`]) accepts.
pub const PSHA1_MAX_OUTPUT: usize = 1024;

const SHA1_LEN: usize = 20;

/// Derives `len` bytes of P_SHA-1(`secret`, `seed`).
///
/// A(0) = seed, A(i) = HMAC-SHA1(secret, A(i-1)); output = HMAC(secret,
/// A(1) || seed) || HMAC(secret, A(2) || seed) || ... truncated to `len`.
/// `len` above [`PSHA1_MAX_OUTPUT`] is refused with
/// [`Error::InvalidLength`].
pub fn psha1(secret: &[u8], seed: &[u8], len: usize) -> Result<SecretBytes> {
    psha1_at(secret, seed, 0, len)
}

/// Derives `len` bytes of P_SHA-1(`secret`, `seed`) starting at byte
/// `offset` of the stream (WS-SC `DerivedKeyToken` `Offset`/`Length`).
///
/// `offset + len` above [`PSHA1_MAX_OUTPUT`] is refused with
/// [`Error::InvalidLength`].
pub fn psha1_at(secret: &[u8], seed: &[u8], offset: usize, len: usize) -> Result<SecretBytes> {
    let total = offset
        .checked_add(len)
        .filter(|&t| t <= PSHA1_MAX_OUTPUT)
        .ok_or(Error::InvalidLength("p_sha1 output longer than 1024 bytes"))?;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mut stream = SecretBytes::zeroed(total.div_ceil(SHA1_LEN) * SHA1_LEN);
    // A(i) is derived from the secret: keep it out of freed memory.
    let mut a = [0u8; SHA1_LEN];
    let mut first = true;
    for chunk in stream.expose_mut().chunks_mut(SHA1_LEN) {
        let next = if first {
            hmac::sign(&key, seed)
        } else {
            hmac::sign(&key, &a)
        };
        first = false;
        a.copy_from_slice(next.as_ref());
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(&a);
        ctx.update(seed);
        chunk.copy_from_slice(ctx.sign().as_ref());
    }
    a.zeroize();
    if offset == 0 {
        stream.truncate(len);
        return Ok(stream);
    }
    let window = stream
        .expose()
        .get(offset..total)
        .ok_or(Error::InvalidLength("p_sha1 window"))?;
    Ok(SecretBytes::from_slice(window))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;
    use crate::crypto::test_support::{b64, between, read_fixture_str};

    const NONCE_OPEN: &str = "Type=\"http://schemas.xmlsoap.org/ws/2005/02/trust/Nonce\">";

    fn corewcf_entropies() -> (Vec<u8>, Vec<u8>) {
        let m1 = read_fixture_str("wssc/corewcf-sct-psha1/01-rst-sct-issue.request.pretty.xml");
        let m2 = read_fixture_str("wssc/corewcf-sct-psha1/02-rstr-sct-issue.response.pretty.xml");
        let client = b64(between(&m1, NONCE_OPEN, "</t:BinarySecret>"));
        let server = b64(between(&m2, NONCE_OPEN, "</t:BinarySecret>"));
        (client, server)
    }

    #[test]
    fn corewcf_sct_key() {
        let (client, server) = corewcf_entropies();
        assert_eq!(client.len(), 32);
        assert_eq!(server.len(), 32);
        let expected = read_fixture_str("wssc/corewcf-sct-psha1/expected/sct-key-psha1-32.hex");
        let key = psha1(&client, &server, 32).unwrap();
        assert_eq!(hex(key.expose()), expected.trim());
        // The argument order matters: secret = requestor entropy.
        let swapped = psha1(&server, &client, 32).unwrap();
        assert_ne!(hex(swapped.expose()), expected.trim());
    }

    #[test]
    fn corewcf_sct_key_verifies_hmac_signature() {
        // Message 3 is signed with HMAC-SHA1 keyed directly by the SCT key.
        let (client, server) = corewcf_entropies();
        let key = psha1(&client, &server, 32).unwrap();
        let si = read_fixture_str("wssc/corewcf-sct-psha1/expected/03-c14n-signedinfo.txt");
        let m3 = read_fixture_str("wssc/corewcf-sct-psha1/03-app-request-sct-hmac.pretty.xml");
        let sig = b64(between(&m3, "<SignatureValue>", "</SignatureValue>"));
        crate::crypto::hmac_verify(
            crate::crypto::HmacAlgorithm::Sha1,
            key.expose(),
            si.as_bytes(),
            &sig,
        )
        .unwrap();
    }

    #[test]
    fn manual_expansion_matches() {
        // Recompute the first two P_SHA-1 blocks straight from the definition.
        let secret = b"secret";
        let seed = b"seed value";
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
        let a1 = hmac::sign(&key, seed);
        let a2 = hmac::sign(&key, a1.as_ref());
        let mut expected = Vec::new();
        for a in [a1.as_ref(), a2.as_ref()] {
            let mut m = a.to_vec();
            m.extend_from_slice(seed);
            expected.extend_from_slice(hmac::sign(&key, &m).as_ref());
        }
        let out = psha1(secret, seed, 40).unwrap();
        assert_eq!(out.expose(), &expected[..]);
        assert_eq!(psha1(secret, seed, 7).unwrap().expose(), &expected[..7]);
    }

    #[test]
    fn offsets_are_windows_of_the_stream() {
        let full = psha1(b"k", b"s", 100).unwrap();
        for (off, len) in [(0, 5), (3, 17), (20, 20), (19, 42), (64, 36), (100, 0)] {
            let w = psha1_at(b"k", b"s", off, len).unwrap();
            assert_eq!(w.expose(), &full.expose()[off..off + len], "{off}+{len}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(psha1(b"k", b"s", 1024).unwrap().len(), 1024);
        assert!(psha1(b"k", b"s", 0).unwrap().is_empty());
        assert!(matches!(
            psha1(b"k", b"s", 1025),
            Err(Error::InvalidLength(_))
        ));
        assert!(matches!(
            psha1_at(b"k", b"s", 1000, 25),
            Err(Error::InvalidLength(_))
        ));
        assert!(matches!(
            psha1_at(b"k", b"s", usize::MAX, 2),
            Err(Error::InvalidLength(_))
        ));
        assert_eq!(psha1_at(b"k", b"s", 1000, 24).unwrap().len(), 24);
    }
}
