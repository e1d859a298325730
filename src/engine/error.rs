//! Errors of the engine: the union of every layer's failure, mapped to a fault in exactly one
//! place ([`super::fault`]).

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not acceptable XML.
    #[error("xml: {0}")]
    Xml(#[from] crate::xml::Error),
    /// Not an acceptable SOAP envelope.
    #[error("soap: {0}")]
    Soap(#[from] crate::soap::Error),
    /// The security header was refused.
    #[error("security: {0}")]
    Security(#[from] crate::wss::Error),
    /// The WS-Trust message is malformed.
    #[error("trust message: {0}")]
    Trust(#[from] crate::trust::Error),
    /// The request is well-formed but not acceptable (`what` names the rule).
    #[error("invalid request: {what}")]
    InvalidRequest {
        /// The rule.
        what: &'static str,
    },
    /// The requester could not be authenticated (`what` names the reason, for the log).
    #[error("authentication failed: {what}")]
    Authentication {
        /// The reason.
        what: &'static str,
    },
    /// No realm serves the requested AppliesTo.
    #[error("no realm matches the requested scope")]
    InvalidScope,
    /// A proof-key or token-state failure.
    #[error("keys: {0}")]
    Keys(#[from] super::keys::Error),
    /// XML-DSig / XML-Enc while making tokens.
    #[error("xmlsec: {0}")]
    XmlSec(#[from] crate::xmlsec::Error),
    /// A key exchange or master token failure (`code` and fixed detail, for the log).
    #[error("key exchange: {0}")]
    Keyx(#[from] crate::keyx::KeyxError),
    /// Our own failure (a key or store that does not work).
    #[error("internal failure: {what}")]
    Internal {
        /// What failed.
        what: &'static str,
    },
}
