//! What the verifier and decryptor accept. `Default` is strict; weakening options say so.

/// Secure-validation policy for signatures and encryption.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct Policy {
    /// Maximum `Reference` elements in one `SignedInfo`. Default: 32.
    pub max_references: usize,
    /// Maximum `Transform` elements in one `Reference`. Default: 5.
    pub max_transforms: usize,
    /// Accept RSA-SHA1 and HMAC-SHA1 signatures (verification only; we never sign with them).
    /// Deployed clients (zeep, WCF Basic256) still use them. Default: true.
    pub allow_sha1_signatures: bool,
    /// Accept SHA-1 reference digests. Default: true.
    pub allow_sha1_digests: bool,
    /// Minimum RSA modulus size for verification. Default: 2048.
    pub min_rsa_bits: usize,
    /// Accept AES-CBC content encryption (needed by WSS4J/CXF peers). Default: true.
    pub allow_cbc: bool,
    /// Minimum HMAC key length in bytes. Default: 16.
    pub min_hmac_key_len: usize,
    /// DANGER: accept RSA PKCS#1 v1.5 key transport (Bleichenbacher oracle class).
    /// Default: false; there is no implementation behind it either way.
    pub danger_allow_rsa_1_5: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_references: 32,
            max_transforms: 5,
            allow_sha1_signatures: true,
            allow_sha1_digests: true,
            min_rsa_bits: 2048,
            allow_cbc: true,
            min_hmac_key_len: 16,
            danger_allow_rsa_1_5: false,
        }
    }
}
