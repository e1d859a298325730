//! Errors of the service-side validator. Texts are fixed strings; they never carry token
//! content or key material.

/// Why a token or message was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not acceptable XML.
    #[error("xml: {0}")]
    Xml(#[from] crate::xml::Error),
    /// Not a SOAP envelope.
    #[error("soap: {0}")]
    Soap(#[from] crate::soap::Error),
    /// The security header was refused.
    #[error("security: {0}")]
    Security(#[from] crate::wss::Error),
    /// A signature or decryption failed.
    #[error("xmlsec: {0}")]
    XmlSec(#[from] crate::xmlsec::Error),
    /// A SAML assertion was refused (see [`crate::saml::Error`] for which rule).
    #[error("saml: {0}")]
    Saml(#[from] crate::saml::Error),
    /// A WS-Trust message in the body is malformed.
    #[error("trust message: {0}")]
    Trust(#[from] crate::trust::Error),
    /// The token is not acceptable (`what` names the rule).
    #[error("token refused: {what}")]
    Token {
        /// The rule.
        what: &'static str,
    },
    /// The message is not acceptable (`what` names the rule).
    #[error("message refused: {what}")]
    Message {
        /// The rule.
        what: &'static str,
    },
    /// The shared store failed (the token is refused: fail closed).
    #[error("token store failure")]
    Store,
    /// A cryptographic primitive failed.
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::Error),
}
