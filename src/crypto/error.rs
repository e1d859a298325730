//! The error type shared by every primitive in [`crate::crypto`].

/// Errors returned by the cryptographic primitives.
///
/// Display texts are lower-case, carry no trailing period and never contain
/// key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PKCS#11 token (HSM) refused or failed an operation, or its key could not be found
    /// or is not acceptable (the message names which; never a PIN).
    #[error("pkcs#11: {0}")]
    Pkcs11(String),
    /// A key could not be parsed, or it was parsed but is not acceptable
    /// (size, algorithm, inconsistent components).
    #[error("key rejected: {0}")]
    KeyRejected(&'static str),
    /// A signature or MAC did not verify (or its length is not acceptable).
    #[error("bad signature")]
    BadSignature,
    /// Decryption or key unwrapping failed. Every cause (OAEP decoding, CBC
    /// padding, GCM tag, AES-KW integrity check, wrong ciphertext length)
    /// maps to this one variant so that callers cannot build an oracle.
    #[error("decryption failed")]
    Decrypt,
    /// The algorithm or parameter combination is not supported.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// An input (key, output length, plaintext) has an invalid length.
    #[error("invalid length: {0}")]
    InvalidLength(&'static str),
    /// The system random number generator failed.
    #[error("random number generator failure")]
    Random,
    /// PEM armour could not be decoded.
    #[error("pem: {0}")]
    Pem(&'static str),
}

/// Result alias with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_texts_are_lower_case_without_period() {
        let all = [
            Error::KeyRejected("rsa key shorter than 2048 bits"),
            Error::BadSignature,
            Error::Decrypt,
            Error::Unsupported("rsa-sha1 signing"),
            Error::InvalidLength("aes key"),
            Error::Random,
            Error::Pem("no block with the expected label"),
        ];
        for e in all {
            let s = e.to_string();
            assert!(!s.is_empty());
            assert_eq!(s, s.to_lowercase(), "{s}");
            assert!(!s.ends_with('.'), "{s}");
        }
    }
}
