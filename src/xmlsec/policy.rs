//! What the verifier and decryptor accept: the algorithm suites admitted (see [`super::suite`])
//! and structural limits. `Default` admits the [`Suite::Compatible`] algorithms, because that
//! is what deployed peers send; [`Policy::new`]`(Suite::Modern)` admits only SHA-256 and
//! stronger, AES-GCM, RSA-OAEP and AES-KW. Weakening options outside the suites say so in
//! their names (`danger_`).

use super::suite::{Algorithm, Suite};
use super::Error;

/// Secure-validation policy for signatures and encryption.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct Policy {
    /// Maximum `Reference` elements in one `SignedInfo`. Default: 32.
    pub max_references: usize,
    /// Maximum `Transform` elements in one `Reference`. Default: 5.
    pub max_transforms: usize,
    /// The algorithm suites admitted: an algorithm passes when one of them lists it.
    /// Default: `[Suite::Compatible]`.
    pub suites: Vec<Suite>,
    /// Minimum RSA modulus size for verification. Default: 2048.
    pub min_rsa_bits: usize,
    /// Minimum HMAC key length in bytes. Default: 16.
    pub min_hmac_key_len: usize,
    /// DANGER: accept RSA PKCS#1 v1.5 key transport (Bleichenbacher oracle class); no suite
    /// admits it. Default: false; there is no implementation behind it either way.
    pub danger_allow_rsa_1_5: bool,
}

impl Policy {
    /// The default limits, admitting the algorithms of `suite`.
    pub fn new(suite: Suite) -> Self {
        Self::union([suite])
    }

    /// The default limits, admitting what any of `suites` admits (the engine verifies the
    /// security header with the union of its realms' suites, then holds each request to its
    /// realm's).
    pub fn union(suites: impl IntoIterator<Item = Suite>) -> Self {
        let mut list: Vec<Suite> = Vec::new();
        for s in suites {
            if !list.contains(&s) {
                list.push(s);
            }
        }
        Self {
            max_references: 32,
            max_transforms: 5,
            suites: list,
            min_rsa_bits: 2048,
            min_hmac_key_len: 16,
            danger_allow_rsa_1_5: false,
        }
    }

    /// True when one of the suites admits `a`.
    pub fn admits(&self, a: Algorithm) -> bool {
        self.suites.iter().any(|s| s.admits(a))
    }

    /// [`Error::AlgorithmRefused`] unless one of the suites admits `a`.
    pub(crate) fn check(&self, a: Algorithm) -> Result<(), Error> {
        if self.admits(a) {
            Ok(())
        } else {
            Err(Error::AlgorithmRefused { algorithm: a })
        }
    }
}

impl Default for Policy {
    /// The [`Suite::Compatible`] algorithms with the default limits.
    fn default() -> Self {
        Self::new(Suite::Compatible)
    }
}
