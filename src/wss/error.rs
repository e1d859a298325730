//! Errors of the WS-Security layer: precise for the log, collapsed to one generic fault on the
//! wire by `engine::fault`.

/// Why a security header was refused.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// XML-DSig / XML-Enc failure.
    #[error(transparent)]
    XmlSec(#[from] crate::xmlsec::Error),
    /// The XML itself (re-parse after decryption).
    #[error(transparent)]
    Xml(#[from] crate::xml::Error),
    /// A header structure is malformed (`what` names it).
    #[error("malformed security header: {what}")]
    Malformed {
        /// What was wrong.
        what: &'static str,
    },
    /// No `wsse:Security` header, or more than one for us.
    #[error("security header missing or duplicated")]
    SecurityHeader,
    /// Timestamp missing, stale, from the future, or Expires before Created.
    #[error("timestamp refused: {what}")]
    Timestamp {
        /// Which check failed.
        what: &'static str,
    },
    /// A nonce, signature or message was seen before.
    #[error("replay detected")]
    Replay,
    /// A token reference could not be resolved (unknown token, certificate or context).
    #[error("security token unavailable: {what}")]
    TokenUnavailable {
        /// Which kind of reference.
        what: &'static str,
    },
    /// A token kind or key-identifier type we do not accept.
    #[error("unsupported security token: {what}")]
    UnsupportedToken {
        /// What it was.
        what: &'static str,
    },
    /// The signing certificate is not trusted.
    #[error("certificate refused: {0}")]
    Certificate(#[from] crate::pki::TrustError),
    /// A derived key request outside the allowed range.
    #[error("derived key refused: {what}")]
    DerivedKey {
        /// Which bound.
        what: &'static str,
    },
    /// A SAML assertion naming the key of a signature was refused (untrusted issuer, bad
    /// signature, lifetime, audience, confirmation).
    #[error("issued token refused: {0}")]
    IssuedToken(crate::saml::Error),
    /// The message does not meet the required protection (`what` names the rule).
    #[error("security policy not met: {what}")]
    Policy {
        /// The rule.
        what: &'static str,
    },
}
