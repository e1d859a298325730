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
    /// A renewal was refused (outside the renewal window, renewed already, not renewable).
    #[error("unable to renew: {what}")]
    UnableToRenew {
        /// The reason.
        what: &'static str,
    },
    /// A token or message was refused by the service-side checks (delegation and
    /// propagation tokens).
    #[error("token: {0}")]
    Service(#[from] crate::service::Error),
    /// No realm serves the requested AppliesTo.
    #[error("no realm matches the requested scope")]
    InvalidScope,
    /// A proof-key or token-state failure.
    #[error("keys: {0}")]
    Keys(#[from] super::keys::Error),
    /// XML-DSig / XML-Enc while making tokens.
    #[error("xmlsec: {0}")]
    XmlSec(#[from] crate::xmlsec::Error),
    /// A SAML assertion could not be made (or the requested claims cannot be supplied).
    #[error("saml: {0}")]
    Saml(#[from] crate::saml::Error),
    /// A key exchange or master token failure (`code` and fixed detail, for the log).
    #[error("key exchange: {0}")]
    Keyx(#[from] crate::keyx::KeyxError),
    /// The request used an algorithm its realm's suite does not admit (it passed the union
    /// of all realms' suites when the security header was verified).
    #[error("algorithm refused: {algorithm} ({uri}) is not in suite `{suite}` of realm `{realm}`", uri = algorithm.uri())]
    AlgorithmRefused {
        /// The algorithm.
        algorithm: crate::xmlsec::Algorithm,
        /// The realm's suite.
        suite: crate::xmlsec::Suite,
        /// The realm's name (from the configuration).
        realm: String,
    },
    /// Our own failure (a key or store that does not work).
    #[error("internal failure: {what}")]
    Internal {
        /// What failed.
        what: &'static str,
    },
}
