//! Errors of the XML-DSig / XML-Enc layer: precise for logs, never carrying secrets.

/// Why a signature or an encrypted structure was refused.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The XML itself.
    #[error(transparent)]
    Xml(#[from] crate::xml::Error),
    /// A structure does not follow the schema (`what` names the rule).
    #[error("malformed {what}")]
    Malformed {
        /// The rule that was broken.
        what: &'static str,
    },
    /// An algorithm we do not implement (URI kept for the log, debug-escaped, truncated).
    #[error("unsupported algorithm {uri:?}")]
    UnsupportedAlgorithm {
        /// The algorithm URI (at most 100 characters).
        uri: String,
    },
    /// Refused by policy (`what` names the rule).
    #[error("refused by policy: {what}")]
    Refused {
        /// The rule.
        what: &'static str,
    },
    /// An algorithm none of the admitted suites lists (see [`super::suite`]).
    #[error("refused by policy: {algorithm} ({uri}) is in no admitted suite", uri = algorithm.uri())]
    AlgorithmRefused {
        /// The algorithm.
        algorithm: super::suite::Algorithm,
    },
    /// A reference that is not a same-document `#id` (or `""`) reference.
    #[error("reference is not a same-document reference")]
    ExternalReference,
    /// A referenced Id is not in the document.
    #[error("referenced id not found")]
    ReferenceNotFound,
    /// A referenced Id appears on more than one element.
    #[error("duplicate id in document")]
    DuplicateId,
    /// The digest of reference number `index` (0-based) does not match.
    #[error("digest mismatch in reference {index}")]
    DigestMismatch {
        /// Reference position in SignedInfo.
        index: usize,
    },
    /// The signature value does not verify with the given key.
    #[error("signature value does not verify")]
    BadSignature,
    /// The key given does not fit the algorithm (e.g. an RSA key for an HMAC signature).
    #[error("key does not fit the signature or encryption method")]
    WrongKeyType,
    /// Every decryption failure (key transport, padding, tag, parse of plaintext).
    #[error("decryption failed")]
    Decryption,
    /// A crypto operation failed otherwise.
    #[error("crypto: {0}")]
    Crypto(crate::crypto::Error),
}

impl Error {
    pub(crate) fn unsupported(uri: &str) -> Self {
        Self::UnsupportedAlgorithm {
            uri: uri.chars().take(100).collect(),
        }
    }
}

impl From<crate::crypto::Error> for Error {
    fn from(e: crate::crypto::Error) -> Self {
        match e {
            crate::crypto::Error::BadSignature => Self::BadSignature,
            crate::crypto::Error::Decrypt => Self::Decryption,
            other => Self::Crypto(other),
        }
    }
}
