//! Errors of the SAML layer: precise for the log, collapsed to one generic fault on the wire
//! by `engine::fault`. Display texts carry no input text except claim URIs, which are
//! debug-escaped and truncated.

/// Why an assertion could not be written, or was refused.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The XML itself.
    #[error(transparent)]
    Xml(#[from] crate::xml::Error),
    /// XML Signature or Encryption.
    #[error(transparent)]
    XmlSec(#[from] crate::xmlsec::Error),
    /// A crypto primitive (random numbers, key transport).
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::Error),
    /// The spec given to [`crate::saml::issue`] cannot make a valid assertion.
    #[error("assertion spec refused: {what}")]
    Spec {
        /// The rule that was broken.
        what: &'static str,
    },
    /// An incoming assertion does not follow the schema or our profile of it.
    #[error("malformed assertion: {what}")]
    Malformed {
        /// The rule that was broken.
        what: &'static str,
    },
    /// A construct we do not accept (encrypted identifiers, unknown conditions, ...).
    #[error("unsupported in an assertion: {what}")]
    Unsupported {
        /// What was found.
        what: &'static str,
    },
    /// The signature is missing, duplicated, misplaced or does not cover exactly the assertion.
    #[error("assertion signature refused: {what}")]
    Signature {
        /// Which check failed.
        what: &'static str,
    },
    /// The signing certificate (or the issuer name) is not one we trust.
    #[error("assertion issuer is not trusted: {what}")]
    UntrustedIssuer {
        /// Which check failed.
        what: &'static str,
    },
    /// An Id value appears on more than one element.
    #[error("duplicate id in the assertion's document")]
    DuplicateId,
    /// No audience restriction names us.
    #[error("assertion audience does not match")]
    Audience,
    /// `NotOnOrAfter` is past (beyond the allowed skew).
    #[error("assertion expired")]
    Expired,
    /// `NotBefore` is in the future (beyond the allowed skew).
    #[error("assertion not yet valid")]
    NotYetValid,
    /// The subject confirmation is not allowed or cannot be satisfied.
    #[error("subject confirmation refused: {what}")]
    Confirmation {
        /// Which check failed.
        what: &'static str,
    },
    /// A `wst:Claims` dialect we do not read (kept for the log, debug-escaped, truncated).
    #[error("unsupported claims dialect {dialect:?}")]
    ClaimsDialect {
        /// The dialect URI (at most 100 characters).
        dialect: String,
    },
    /// A required claim cannot be supplied (URI kept for the log, debug-escaped, truncated).
    #[error("required claim {uri:?} cannot be supplied")]
    RequiredClaimUnavailable {
        /// The claim URI (at most 100 characters).
        uri: String,
    },
}

impl Error {
    pub(crate) const fn malformed(what: &'static str) -> Self {
        Self::Malformed { what }
    }

    pub(crate) const fn spec(what: &'static str) -> Self {
        Self::Spec { what }
    }

    pub(crate) const fn signature(what: &'static str) -> Self {
        Self::Signature { what }
    }

    pub(crate) const fn unsupported(what: &'static str) -> Self {
        Self::Unsupported { what }
    }
}

/// At most 100 characters of attacker-supplied text, for a log line.
pub(crate) fn truncated(s: &str) -> String {
    s.chars().take(100).collect()
}
