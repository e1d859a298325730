//! Message digests: one-shot and incremental.

use std::fmt;
use std::io;

use aws_lc_rs::digest as lc;

/// A message digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-1 (legacy; still used by XML-DSig references and thumbprints).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    pub(crate) fn lc(self) -> &'static lc::Algorithm {
        match self {
            Self::Sha1 => &lc::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &lc::SHA256,
            Self::Sha384 => &lc::SHA384,
            Self::Sha512 => &lc::SHA512,
        }
    }
}

/// Computes the digest of `data` in one call.
pub fn digest(alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    lc::digest(alg.lc(), data).as_ref().to_vec()
}

/// An incremental digest that implements [`std::io::Write`], so a
/// canonicaliser can stream its output straight into it.
#[derive(Clone)]
pub struct DigestSink {
    alg: DigestAlgorithm,
    ctx: lc::Context,
}

impl DigestSink {
    /// Starts a new digest computation.
    pub fn new(alg: DigestAlgorithm) -> Self {
        Self {
            alg,
            ctx: lc::Context::new(alg.lc()),
        }
    }

    /// The algorithm this sink computes.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.alg
    }

    /// Feeds more bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.ctx.update(data);
    }

    /// Finishes and returns the digest.
    pub fn finish(self) -> Vec<u8> {
        self.ctx.finish().as_ref().to_vec()
    }
}

impl io::Write for DigestSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.ctx.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for DigestSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestSink")
            .field("alg", &self.alg)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;
    use crate::crypto::test_support::{b64, hex, read_fixture, read_fixture_str};

    const ALL: [DigestAlgorithm; 4] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    // FIPS 180-4 example "abc".
    fn abc_expected(alg: DigestAlgorithm) -> Vec<u8> {
        hex(match alg {
            DigestAlgorithm::Sha1 => "a9993e364706816aba3e25717850c26c9cd0d89d",
            DigestAlgorithm::Sha256 => {
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            }
            DigestAlgorithm::Sha384 => {
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                 8086072ba1e7cc2358baeca134c825a7"
            }
            DigestAlgorithm::Sha512 => {
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                 2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            }
        })
    }

    #[test]
    fn fips180_abc() {
        for alg in ALL {
            let d = digest(alg, b"abc");
            assert_eq!(d, abc_expected(alg), "{alg:?}");
            assert_eq!(d.len(), alg.output_len());
        }
    }

    #[test]
    fn sha256_two_block_message() {
        // FIPS 180-4 SHA-256 example with a 448-bit message.
        let d = digest(
            DigestAlgorithm::Sha256,
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        );
        assert_eq!(
            d,
            hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        );
    }

    #[test]
    fn sink_matches_one_shot_in_pieces() {
        for alg in ALL {
            let mut sink = DigestSink::new(alg);
            assert_eq!(sink.algorithm(), alg);
            sink.write_all(b"a").unwrap();
            sink.update(b"");
            let tail = 'c';
            write!(sink, "b{tail}").unwrap();
            sink.flush().unwrap();
            assert_eq!(sink.finish(), abc_expected(alg));
        }
    }

    #[test]
    fn merlin_reference_digest() {
        // The Object element canonicalised; its SHA-1 is the DigestValue of
        // signature-enveloping-rsa.xml.
        let data =
            read_fixture("xmldsig/merlin-xmldsig-twenty-three/signature-enveloping-rsa-c14n-0.txt");
        assert_eq!(
            digest(DigestAlgorithm::Sha1, &data),
            b64("7/XTsHaBSOnJ/jXD5v0zL6VKYsk=")
        );
    }

    #[test]
    fn corewcf_timestamp_digest() {
        let data = read_fixture("wssc/corewcf-sct-psha1/expected/03-c14n-ref-_0-timestamp.txt");
        let si = read_fixture_str("wssc/corewcf-sct-psha1/expected/03-c14n-signedinfo.txt");
        let expected = crate::crypto::test_support::between(&si, "<DigestValue>", "</DigestValue>");
        assert_eq!(digest(DigestAlgorithm::Sha1, &data), b64(expected));
    }
}
